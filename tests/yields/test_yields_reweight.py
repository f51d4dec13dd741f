from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hepunits import GeV, MeV, m, mm

from darkdump.experiments import load
from darkdump.yields import (
    YieldGrid,
    exclusion_interval,
    exp_sums,
    exp_sums_binned,
    lkr_geometric_acceptance,
    read_grid,
    write_grid,
    write_zero_event_csv,
    zero_event_rows,
)


def test_exp_sums_exact_against_direct_sum() -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0.5, 4.0, 500)
    c = rng.random((500, 2))
    s = np.array([0.0, 0.3, 2.0, 50.0])
    sums, logf = exp_sums(x, c, s, chunk=97)
    direct = np.exp(-np.outer(s, x)) @ c
    np.testing.assert_allclose(sums * np.exp(logf)[:, None], direct, rtol=1e-12)


def test_binned_matches_exact_where_yields_matter() -> None:
    # Realistic spread: x = M D / (p c tau_1) spans ~3 decades (p from 10 to 400 GeV, D 80-160 m).
    rng = np.random.default_rng(3)
    n = 50_000
    x = 10 ** rng.uniform(0.0, 3.0, n)
    coeffs = np.stack([rng.random(n), rng.random(n) * x, np.ones(n)], axis=1)
    # s x_min from 1e-6 up to 60: beyond, the weight is below e^-60 of its maximum.
    s = np.logspace(-6, np.log10(60.0), 40)
    exact, _ = exp_sums(x, coeffs, s)
    binned, _ = exp_sums_binned(x, coeffs, s)
    # Error bound (s dx)^3 / 6 with dx/x < 0.46 % (module doc): < 4e-3 in the worst bin.
    np.testing.assert_allclose(binned, exact, rtol=2e-3)
    np.testing.assert_allclose(binned[:10], exact[:10], rtol=1e-7)


def test_shift_avoids_underflow() -> None:
    x = np.array([1e4, 2e4])
    sums, logf = exp_sums_binned(x, np.ones(2), np.array([1.0]))
    # exp(-1e4) underflows; the shifted sum keeps the ratio of the two terms.
    assert sums[0, 0] == pytest.approx(1.0)
    assert logf[0] == pytest.approx(-1e4)


def test_reweighted_decay_probability_matches_analytic() -> None:
    # The flat-sampling weight L exp(-D/lambda)/lambda averages to the analytic
    # exp(-D1/lambda) - exp(-D2/lambda) (JHEP eq. 3.6); decay.decay_probability is analytic.
    from darkdump.decay import decay_in_volume, decay_probability
    from darkdump.production.sample import ProductionSample
    from darkdump.yields.grid import _channel_yields, _Selected

    rng = np.random.default_rng(7)
    n = 40_000
    p = rng.uniform(10, 200, n) * GeV
    mom = np.stack([np.zeros(n), np.zeros(n), p], axis=1)
    prod = ProductionSample(
        200 * MeV, "brems", mom, np.tile([0.0, -22.0, 23 * m], (n, 1)), np.full(n, 1e-3 / n)
    )
    dec = decay_in_volume(prod, "e", 102 * m, 180 * m, rng)
    ctau1 = 1e-9 * mm  # any value: the couplings below scan lambda around the volume
    eps = np.logspace(-7, -5, 9)
    out, n_sel = _channel_yields(
        dec,
        _Selected(
            mask=np.ones(n, bool),
            pre_region=np.ones(n, bool),
            z_tax=np.full(n, 23 * m),
            cda_tax=np.zeros(n),
            m_ll=np.full(n, 200 * MeV),
        ),
        np.ones(n, bool),
        ctau1,
        eps**2,
        1.4e17,
        prod.rate,
        0.5,
    )
    analytic = decay_probability(prod, ctau1 / eps**2, 102 * m, 180 * m)
    # MC error of the flat-sampling estimate with 4e4 events: < 1 % where P_D > 1e-3.
    big = analytic > 1e-3
    assert big.sum() >= 4
    np.testing.assert_allclose(out["decay_probability"][big], analytic[big], rtol=0.02)
    np.testing.assert_allclose(out["acceptance_sel"][big], 1.0, rtol=1e-9)
    assert n_sel == n
    # JHEP eq. 3.4 assembled from its factors.
    np.testing.assert_allclose(
        out["n_exp"], 1.4e17 * eps**2 * prod.rate * out["decay_probability"] * 0.5, rtol=1e-12
    )
    # All selected events have m_ll = 200 MeV: zero width.
    np.testing.assert_allclose(out["sigma_m"], 0.0, atol=1e-9)


def test_exclusion_interval_edges_and_empty() -> None:
    eps = np.logspace(-8, -3, 6)
    assert np.isnan(exclusion_interval(eps, np.zeros(6))[0])
    lo, hi = exclusion_interval(eps, np.full(6, 10.0))
    assert (lo, hi) == (eps[0], eps[-1])
    # Linear in log-log: n = 2.3 exactly halfway between 1 and 2.3^2 (geometric mean).
    lo, _ = exclusion_interval(np.array([1e-7, 1e-6]), np.array([1.0, 2.3**2]))
    assert lo == pytest.approx(10**-6.5, rel=1e-9)


def test_lkr_geometric_acceptance() -> None:
    exp = load("na62-2021")
    # Decay at Z = 150 m on the axis; LKr front at 241.495 m, magnet kick at 197 m.
    vtx = np.tile([0.0, 0.0, 150 * m], (4, 1))
    slope = 0.4 * m / (241.495 * m - 150 * m)  # reaches r = 0.4 m without kick
    p = 50 * GeV
    dau = np.zeros((4, 2, 3))
    dau[:, :, 2] = p
    dau[0, :, 1] = [slope * p, -slope * p]  # vertical: kick does not matter -> accepted
    dau[1, :, 1] = 0.0  # along the axis: y = 0, x = kick only -> 0.27/50*44.5 m = 0.24 m: in
    dau[2, :, 1] = [2.0 * slope * p, 0.0]  # r = 0.8 m vertical ... second along axis
    dau[3, :, 0] = [0.0, 0.0]
    vtx[3, 2] = 190 * m  # outside the fiducial 105-180 m
    acc = lkr_geometric_acceptance(vtx, dau, exp)
    assert acc.tolist() == [True, True, True, False]
    # A daughter at 1.5 m vertically misses the octagon (|y| < 1.13 m).
    dau2 = dau[:1].copy()
    dau2[0, 0, 1] = 1.5 * m / (241.495 * m - 150 * m) * p
    assert not lkr_geometric_acceptance(vtx[:1], dau2, exp)[0]
    # Low momentum: the 270 MeV/c kick (DESIGN table) sweeps a 5 GeV track out of the LKr.
    dau3 = np.zeros((1, 2, 3))
    dau3[0, :, 2] = 5 * GeV
    assert not lkr_geometric_acceptance(vtx[:1], dau3, exp)[0]


def _toy_grid() -> YieldGrid:
    masses = np.array([100.0, 200.0]) * MeV
    eps = np.logspace(-7, -5, 5)
    n_exp = np.array([[0.1, 5.0, 20.0, 3.0, 0.01], [0.0, 0.0, 0.0, 0.0, 0.0]])
    q = {
        name: np.full((2, 5), 0.5)
        for name in (
            "acceptance_sel",
            "decay_probability",
            "sigma_m",
            "acceptance_geo",
            "z_tax_mean",
            "z_tax_rms",
            "cda_tax_rms",
            "n_eff_selected",
        )
    }
    values = {
        (ch, mode): {**q, "n_exp": n_exp, "n_exp_geo": n_exp}
        for ch in ("ee", "mumu")
        for mode in ("brems", "meson")
    }
    keys = list(values)
    return YieldGrid(
        masses=masses,
        epsilons=eps,
        values=values,
        production_rate={"brems": np.array([1e-2, 5e-3]), "meson": np.array([1e-3, 1e-4])},
        branching_ratio={"ee": np.array([1.0, 0.5]), "mumu": np.array([0.0, 0.5])},
        n_simulated={k: np.array([10.0, 10.0]) for k in keys},
        n_selected={k: np.array([5.0, 0.0]) for k in keys},
        n_pot=1.4e17,
        config={"seed": 3, "experiment": "na62-2021"},
    )


def test_grid_file_roundtrip_and_identical_bytes(tmp_path: Path) -> None:
    grid = _toy_grid()
    a = write_grid(tmp_path / "a.h5", grid, {"darkdump": "x"})
    b = write_grid(tmp_path / "b.h5", grid, {"darkdump": "x"})
    assert a.read_bytes() == b.read_bytes()
    back = read_grid(a)
    np.testing.assert_allclose(back.masses, grid.masses)
    np.testing.assert_allclose(back.get("sigma_m", "ee", "brems"), 0.5)
    np.testing.assert_allclose(
        back.get("n_exp", "both", "total"), 4 * grid.values[("ee", "brems")]["n_exp"]
    )
    assert not list(tmp_path.glob(".*tmp"))


def test_grid_file_marks_undefined_moments_and_refuses_infinity(tmp_path: Path) -> None:
    import dataclasses

    import h5py

    grid = _toy_grid()
    values = {k: dict(v) for k, v in grid.values.items()}
    rms = values[("mumu", "brems")]["cda_tax_rms"].copy()
    rms[0] = np.nan  # an empty selected sample: undefined moment
    values[("mumu", "brems")]["cda_tax_rms"] = rms
    path = write_grid(tmp_path / "nan.h5", dataclasses.replace(grid, values=values))
    with h5py.File(path) as f:
        # No NaN in the file: the undefined cell is 0 and a mask says it is undefined.
        floats: list[str] = []

        def collect(key: str, obj: object) -> None:
            if isinstance(obj, h5py.Dataset) and np.issubdtype(obj.dtype, np.floating):
                floats.append(key)

        f.visititems(collect)
        assert "mumu/brems/cda_tax_rms_mm" in floats
        assert all(np.all(np.isfinite(f[key][()])) for key in floats)
        data = f["mumu/brems/cda_tax_rms_mm"]
        assert "undefined_where" in data.attrs
        assert data[()].ravel()[0] == 0.0
        mask = f["mumu/brems/cda_tax_rms_mm_defined"][()]
        assert mask.tolist() == (~np.isnan(rms)).tolist()
        assert "ee/brems/cda_tax_rms_mm_defined" not in f
    back = read_grid(path).get("cda_tax_rms", "mumu", "brems")
    np.testing.assert_array_equal(np.isnan(back), np.isnan(rms))  # the reader restores NaN
    with h5py.File(path, "a") as f:  # a file of the first layout (NaN written as such)
        f.attrs["format"] = "darkdump-yields-1"
    assert read_grid(path).n_pot == grid.n_pot
    np.testing.assert_allclose(back[~np.isnan(rms)], rms[~np.isnan(rms)])
    rms[0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        write_grid(tmp_path / "inf.h5", dataclasses.replace(grid, values=values))
    assert not (tmp_path / "inf.h5").exists()
    assert not list(tmp_path.glob(".*tmp"))


def test_zero_event_csv(tmp_path: Path) -> None:
    rows = zero_event_rows(_toy_grid())
    assert len(rows) == 2 * 3 * 3
    path = write_zero_event_csv(tmp_path / "zero_event_geometric.csv", rows)
    lines = path.read_text().splitlines()
    assert lines[0] == "mass_GeV,production,channel,epsilon_lower,epsilon_upper"
    # Mass 0.2 GeV: nothing reaches 2.3 events -> empty interval.
    assert lines[-1] == "0.2,total,both,,"
    first = lines[1].split(",")
    assert first[:3] == ["0.1", "brems", "ee"]
    assert 1e-7 < float(first[3]) < float(first[4]) < 1e-5


def test_binned_sums_leave_inputs_untouched_and_subsets_add_up() -> None:
    from darkdump.yields.reweight import LogBins

    rng = np.random.default_rng(9)
    x = 10 ** rng.uniform(0, 2, 1000)
    a = rng.random(1000)
    a_copy = a.copy()
    s = np.logspace(-3, 0, 7)
    exp_sums_binned(x, a, s)
    np.testing.assert_array_equal(a, a_copy)
    bins = LogBins(x)
    half = np.arange(500)
    total = bins.sums(a, s)
    parts = bins.sums(a[half], s, half) + bins.sums(a[500:], s, np.arange(500, 1000))
    np.testing.assert_allclose(parts, total, rtol=1e-12)
    np.testing.assert_array_equal(a, a_copy)


def test_binned_sums_exact_at_large_s() -> None:
    # Beyond the expansion's range (s min(x) > 65) the sums switch to exact ones:
    # the ratio of two sums (an efficiency) stays right however large s is.
    rng = np.random.default_rng(4)
    x = 10 ** rng.uniform(0.0, 3.0, 20_000)
    c = np.stack([np.ones(20_000), rng.random(20_000)], axis=1)
    s = np.logspace(-2, 3, 30)
    exact, _ = exp_sums(x, c, s)
    binned, _ = exp_sums_binned(x, c, s)
    ratio_exact = exact[:, 1] / exact[:, 0]
    ratio_binned = binned[:, 1] / binned[:, 0]
    np.testing.assert_allclose(ratio_binned, ratio_exact, rtol=5e-3)

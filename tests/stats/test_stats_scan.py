"""Grid scan: toys only near the boundary, contour matches the analytic answer."""

from __future__ import annotations

import numpy as np
import pytest

from darkdump.stats.model import ChannelSpec, LogNormal
from darkdump.stats.pdfs import FlatShape
from darkdump.stats.scan import GridChannel, scan


def _grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mass = np.linspace(100.0, 500.0, 6)
    eps = np.logspace(-7, -4, 60)
    m, e = np.meshgrid(mass, eps, indexing="ij")
    lam = 50.0 * (1e-5 / e) ** 2 * (100.0 / m) ** 2
    with np.errstate(over="ignore"):
        n_exp = 3e12 * e**2 * (np.exp(-80.0 / lam) - np.exp(-150.0 / lam)) * (100.0 / m)
    return mass, eps, n_exp


def test_scan_no_systematics_matches_analytic_boundary() -> None:
    # 0 observed, no systematics: CLs = exp(-n_exp), so the boundary is n_exp = 2.303;
    # compare the interpolated interval with the one from the exact exp(-n_exp) grid
    # (toy noise at 2000 toys moves ln CLs by ~7 %, i.e. eps by a few %: 10 % tolerance)
    mass, eps, n_exp = _grid()
    ch = ChannelSpec("flat", LogNormal(1e-3, 1.0), FlatShape((0.0, 1000.0)))
    res = scan(
        [GridChannel(ch, n_exp, np.full(n_exp.shape, 5.0))],
        mass,
        eps,
        n_toys=2000,
        seed=3,
        pot=None,
    )
    from darkdump.stats.contours import contour

    exact = contour(mass, eps, np.exp(-n_exp))
    lo, hi = res.contours["observed"].lower_upper()
    lo_x, hi_x = exact.lower_upper()
    assert np.array_equal(np.isnan(lo), np.isnan(lo_x))
    ok = ~np.isnan(lo_x)
    assert ok.sum() >= 3
    np.testing.assert_allclose(lo[ok], lo_x[ok], rtol=0.1)
    np.testing.assert_allclose(hi[ok], hi_x[ok], rtol=0.1)
    # toys were spent near the boundary only
    assert res.from_toys.mean() < 0.3
    # expected = observed here (no background, 0 observed): the median curve agrees
    lo_e, _ = res.contours["expected"].lower_upper()
    np.testing.assert_allclose(lo_e[ok], lo_x[ok], rtol=0.1)


def test_scan_tolerates_undefined_sigma_where_no_signal_and_rejects_it_elsewhere() -> None:
    from darkdump.errors import DarkdumpInputError
    from darkdump.stats.model import mumu_channel

    mass = np.array([100.0, 300.0])
    eps = np.logspace(-6, -5, 5)
    n_exp = np.zeros((2, 5))
    n_exp[1] = [0.5, 3.0, 10.0, 3.0, 0.5]
    sigma = np.where(n_exp > 0, 3.0, np.nan)  # mu+mu- below threshold: nothing selected
    res = scan(
        [GridChannel(mumu_channel([]), n_exp, sigma)], mass, eps, n_toys=500, refine_toys=None
    )
    assert res.contours["observed"].intervals[0] == []
    assert len(res.contours["observed"].intervals[1]) == 1
    sigma[1, 2] = np.nan
    with pytest.raises(DarkdumpInputError, match="sigma_m"):
        scan([GridChannel(mumu_channel([]), n_exp, sigma)], mass, eps, n_toys=500)


def test_from_modes_mixture_equals_single_gaussian_when_modes_agree() -> None:
    # two production modes with the same resolution = one Gaussian with the summed
    # yield: the same model, so CLs agree within toy statistics (400 toys: sigma(CLs)
    # ~ 0.015 near 0.1; the component draw changes the random stream, hence 0.05)
    from darkdump.stats.model import ee_channel

    mass = np.array([50.0, 60.0])
    eps = np.logspace(-6, -4, 7)
    n_exp = np.array([[0.5, 2.0, 5.0, 9.0, 5.0, 2.0, 0.5], [0.3, 1.0, 3.0, 6.0, 3.0, 1.0, 0.3]])
    sig = np.full(n_exp.shape, 1.0)
    one = scan([GridChannel(ee_channel([]), n_exp, sig)], mass, eps, n_toys=400, refine_toys=None)
    two = scan(
        [
            GridChannel.from_modes(
                ee_channel([]),
                {"brems": 0.7 * n_exp, "meson": 0.3 * n_exp},
                {"brems": sig, "meson": sig},
            )
        ],
        mass,
        eps,
        n_toys=400,
        refine_toys=None,
    )
    assert np.isfinite(two.cls).all()
    np.testing.assert_allclose(two.cls[0][two.from_toys], one.cls[0][one.from_toys], atol=0.05)


def test_parallel_executor_gives_identical_result() -> None:
    # every point's toys are keyed by its indices: batching over workers changes nothing
    from concurrent.futures import ThreadPoolExecutor

    mass, eps, n_exp = _grid()
    ch = GridChannel(
        ChannelSpec("flat", LogNormal(1e-2, 1.5), FlatShape((0.0, 1000.0))),
        n_exp,
        np.full(n_exp.shape, 5.0),
    )
    serial = scan([ch], mass, eps, n_toys=300, refine_toys=600, seed=9)
    calls: list[tuple[int, int, int]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        parallel = scan(
            [ch],
            mass,
            eps,
            n_toys=300,
            refine_toys=600,
            seed=9,
            executor=pool,
            progress=lambda *a: calls.append(a),
        )
    np.testing.assert_array_equal(serial.cls, parallel.cls)
    assert len(calls) == parallel.rounds

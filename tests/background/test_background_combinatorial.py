from __future__ import annotations

import numpy as np
import pytest
from hepunits import Hz, MeV, ns, s, us

from darkdump.analyses.na62_2021 import combinatorial_config
from darkdump.analyses.na62_2021.halo import HaloModel, downscale, generate_halo_tracks
from darkdump.analyses.na62_2021.published import (
    COMBINATORIAL_TABLE2,
    COMBINATORIAL_TABLE3,
    bernstein_pdf,
)
from darkdump.background.combinatorial import (
    combinatorial,
    evaluate_pairs,
    pairs_within_window,
    random_pairs_in_burst,
    region_names,
)
from darkdump.background.comparison import compatibility_pvalue, same_sign_scaling
from darkdump.background.shape import fit_bernstein, mass_shape_model
from darkdump.errors import DarkdumpInputError
from darkdump.experiments import load

EXPERIMENT = load("na62-2021")


def test_pairs_within_window_matches_brute_force() -> None:
    rng = np.random.default_rng(5)
    n = 300
    burst = rng.integers(0, 3, n)
    event = rng.integers(0, 250, n)  # some tracks share an event
    time = rng.uniform(0, 1000.0, n)
    i, j = pairs_within_window(burst, event, time, 7.0)
    got = {tuple(sorted(p)) for p in zip(i.tolist(), j.tolist(), strict=True)}
    assert len(got) == i.size  # each unordered pair once
    expected = {
        (a, b)
        for a in range(n)
        for b in range(a + 1, n)
        if burst[a] == burst[b] and abs(time[a] - time[b]) < 7.0 and event[a] != event[b]
    }
    assert got == expected


def test_random_pairs_stay_in_burst_and_skip_self() -> None:
    rng = np.random.default_rng(6)
    burst = np.repeat([4, 9, 2], [50, 1, 80])
    event = np.arange(burst.size)
    i, j, n_b = random_pairs_in_burst(burst, event, 7, rng)
    assert np.all(burst[i] == burst[j])
    assert np.all(i != j)
    assert np.all(n_b == np.where(burst[i] == 4, 50, 80))
    assert i.size == 7 * (50 + 80)  # the lone track of burst 9 has no partner
    # partners are uniform among the others: each of 49 others ~ 7/49 per track
    counts = np.bincount(j[burst[i] == 4], minlength=burst.size)[:50]
    assert counts.sum() == 350


def _stream_and_truth(seed: int) -> tuple[object, float, object]:
    # A SYNTHETIC full (not downscaled) stream at a high rate, so that many true random
    # coincidences exist: 8e5 tracks in 2 spills of 40 ms at 10 MHz (r W/2 = 0.05).
    model = HaloModel(rate=1e7 * Hz, spill_duration=0.04 * s)
    stream = generate_halo_tracks(800_000, np.random.default_rng(seed), model)
    half = 5.0 * ns  # |dt| < W/2 with W = 10 ns
    i, j = pairs_within_window(stream.burst_id, stream.event_id, stream.time, half)
    truth = evaluate_pairs(stream, i, j, np.ones(i.size), "mumu", EXPERIMENT)
    return stream, float(i.size), truth


@pytest.mark.parametrize("mixing", ["window", "burst"])
def test_estimate_agrees_with_true_random_coincidences(mixing: str) -> None:
    # ACCEPTANCE (issue 6): the truth is the number of pairs of the full stream that are
    # in time (|dt| < 5 ns) and pass the selection; the estimate uses only the 1-in-20
    # downscaled control sample and the weights. They must agree within the combined
    # statistical error (bootstrap error of the estimate, Poisson error of the truth
    # count), at 3 sigma.
    stream, n_true_coincidences, truth = _stream_and_truth(11)
    control = downscale(stream, 20, np.random.default_rng(12))
    config = combinatorial_config(
        q1_downscale=20,
        spill_duration=0.04 * s,
        h2_efficiency=1.0,
        mixing=mixing,  # type: ignore[arg-type]
        mixing_window=20 * us,
        partners_per_track=10,
    )
    result = combinatorial(control, EXPERIMENT, np.random.default_rng(13), config, n_bootstrap=100)
    assert 3.5e4 < n_true_coincidences < 4.5e4  # 8e5 * 1e-2/ns * 5 ns
    for cat, name in enumerate(("mu+mu+", "mu-mu-", "mu+mu-")):
        t = float(np.count_nonzero((truth.category == cat) & truth.regions["outside VR"]))
        est = result.get(name, "outside VR")
        assert t > 50
        sigma = np.hypot(est.stat, np.sqrt(t))
        assert abs(est.n_exp - t) < 3 * sigma, (name, est.n_exp, est.stat, t)
    total_true = float(len(truth))
    total_est = sum(
        result.get(c, r).n_exp
        for c in ("mu+mu+", "mu-mu-", "mu+mu-")
        for r in ("outside VR", "VR", "SR")
    )
    assert abs(total_est - total_true) < 0.1 * total_true


def test_weights_follow_the_formula() -> None:
    control = generate_halo_tracks(20_000, np.random.default_rng(3))
    cfg = combinatorial_config()
    result = combinatorial(control, EXPERIMENT, np.random.default_rng(4), cfg, n_bootstrap=10)
    # D^2 W / (2 Delta) * eps_H2 = 400 * 10 ns / 1 ms * 0.98 (JHEP secs. 2.2, 5.2, 6)
    assert result.h2_efficiency == 0.98
    np.testing.assert_allclose(result.pairs.weight, 400 * 10 / 1e6 * 0.98)
    row = result.get("mu+mu+", "outside VR")
    assert row.syst == pytest.approx(0.15 * row.n_exp)


def test_region_names_follow_table2() -> None:
    assert region_names("mumu", EXPERIMENT) == (
        "outside VR",
        "CR3",
        "CR2",
        "CR1",
        "CR1+2+3",
        "VR",
        "SR",
    )
    assert region_names("ee", EXPERIMENT) == ("outside CR", "CR", "SR")


def test_same_sign_scaling_reproduces_jhep_table3() -> None:
    # JHEP sec. 5.2: 61 same-sign events observed outside the VR, 71.6 expected;
    # table 3 = table 2 (mu+mu-) x 61/71.6 with a 1/sqrt(61) = 13 % relative error.
    t2 = [(r.region, r.n_exp, 0.0) for r in COMBINATORIAL_TABLE2 if r.pid == "mu+mu-"]
    scaled = {r.region: r for r in same_sign_scaling(t2, 61, 71.6)}
    for row in COMBINATORIAL_TABLE3:
        got = scaled[row.region]
        # published values are rounded to the quoted digits: half a unit of the last digit
        digits = len(f"{row.n_exp_error:g}".split(".")[-1])
        assert got.n_exp == pytest.approx(row.n_exp, abs=0.51 * 10**-digits), row
        assert got.error == pytest.approx(row.n_exp_error, abs=0.51 * 10**-digits), row
    # the same-sign expectation is ++ plus -- of table 2
    assert sum(
        r.n_exp for r in COMBINATORIAL_TABLE2 if r.region == "outside VR" and r.pid[2] == r.pid[-1]
    ) == pytest.approx(71.6)
    with pytest.raises(DarkdumpInputError):
        same_sign_scaling(t2, 0, 71.6)


@pytest.mark.parametrize(
    ("n_obs", "n_exp", "sigma", "published"),
    [
        # JHEP table 2 and 3 entries away from the mode of the distribution
        (53, 62.5, 9.4, 0.46),
        (28, 30.9, 4.6, 0.78),
        (1, 0.68, 0.10, 0.48),
        (1, 0.34, 0.05, 0.29),
        (4, 3.02, 0.45, 0.56),
        (28, 26.3, 3.4, 0.74),
        (2, 1.70, 0.22, 0.68),
        (1, 0.29, 0.04, 0.25),
        (4, 2.57, 0.33, 0.34),
    ],
)
def test_compatibility_pvalue_reproduces_published(
    n_obs: int, n_exp: float, sigma: float, published: float
) -> None:
    # 0.03: the published p-values have two digits and the paper's pdf of N_exp is not
    # stated (53 for 62.5 +- 9.4 gives 0.49 with a Gaussian; 0.46 published).
    assert compatibility_pvalue(n_obs, n_exp, sigma) == pytest.approx(published, abs=0.03)


def test_fit_bernstein_recovers_a_known_shape() -> None:
    # Draw masses from the PRL eq. B1 shape by rejection and refit: the fitted pdf must
    # match the true one to a few % where the density is sizeable (2e5 draws, 50 bins:
    # ~1 % per-bin Poisson error).
    coef = (1.886e-2, 1.945e-1, 9.183e-1, 2.769e-1, 1.196e-1, 6.845e-2)
    domain = (211.3 * MeV, 700.0 * MeV)
    rng = np.random.default_rng(8)
    x = rng.uniform(*domain, 600_000)
    fmax = bernstein_pdf(np.linspace(*domain, 1000), coef, domain).max()
    keep = rng.uniform(0, fmax, x.size) < bernstein_pdf(x, coef, domain)
    x = x[keep][:200_000]
    fitted = fit_bernstein(x, np.ones(x.size), domain)
    grid = np.linspace(260, 650, 40)
    np.testing.assert_allclose(
        bernstein_pdf(grid, fitted, domain), bernstein_pdf(grid, coef, domain), rtol=0.05
    )


def test_mass_shape_model_from_synthetic() -> None:
    control = generate_halo_tracks(60_000, np.random.default_rng(21))
    result = combinatorial(
        control, EXPERIMENT, np.random.default_rng(22), combinatorial_config(), n_bootstrap=20
    )
    model = mass_shape_model(result, (211.3 * MeV, 1500.0 * MeV))
    assert model.shape_kind == "bernstein"
    assert len(model.shape_params) == 6
    assert model.median_yield == result.get("mu+mu-", "SR").n_exp
    assert model.lognormal_shape > 1.0


@pytest.mark.slow
def test_estimate_agrees_with_truth_large_statistics() -> None:
    # Same construction as the acceptance test with 4 independent streams of 1.6e6 tracks
    # (about 6000 selected true coincidences in total): the summed estimate per charge
    # combination must agree with the summed truth within 3 combined sigma, and the
    # total (all combinations) within 3 %, about 2.5 sigma of its combined error.
    model = HaloModel(rate=1e7 * Hz, spill_duration=0.04 * s)
    config = combinatorial_config(spill_duration=0.04 * s, h2_efficiency=1.0, mixing_window=20 * us)
    est = np.zeros(3)
    var = np.zeros(3)
    true = np.zeros(3)
    for seed in range(4):
        stream = generate_halo_tracks(1_600_000, np.random.default_rng(100 + seed), model)
        i, j = pairs_within_window(stream.burst_id, stream.event_id, stream.time, 5.0 * ns)
        truth = evaluate_pairs(stream, i, j, np.ones(i.size), "mumu", EXPERIMENT)
        control = downscale(stream, 20, np.random.default_rng(200 + seed))
        result = combinatorial(
            control, EXPERIMENT, np.random.default_rng(300 + seed), config, n_bootstrap=50
        )
        for cat, name in enumerate(("mu+mu+", "mu-mu-", "mu+mu-")):
            row = result.get(name, "outside VR")
            est[cat] += row.n_exp
            var[cat] += row.stat**2
            true[cat] += np.count_nonzero((truth.category == cat) & truth.regions["outside VR"])
    sigma = np.sqrt(var + true)
    assert np.all(np.abs(est - true) < 3 * sigma), (est, true, sigma)
    assert est.sum() == pytest.approx(true.sum(), rel=0.03)

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import beta as beta_dist

from darkdump.background.prompt import (
    PromptCounts,
    SurvivalFactor,
    counts_from_mapping,
    fraction_upper_limit,
    load_counts,
    prompt_background,
)
from darkdump.errors import DarkdumpInputError

N_PSEUDO = 200_000


def _counts(n_fv: int, passed: dict[str, int], syst: float = 0.0) -> PromptCounts:
    factors = {k: SurvivalFactor(k, n_fv, v) for k, v in passed.items()}
    return PromptCounts(
        n_fv=n_fv,
        factors=factors,
        regions={"CR": ("LAV", "ANTI0", "CR"), "SR": ("LAV", "ANTI0", "SR"), "one": ("LAV",)},
        relative_systematic=syst,
    )


def _within_mc_error(samples: np.ndarray, expected: float, n_sigma: float = 4.0) -> None:
    # The Monte Carlo error of a mean of N independent draws is std/sqrt(N); 4 sigma
    # keeps the false-failure rate below 1e-4 for the fixed seed used here.
    err = samples.std() / np.sqrt(samples.size)
    assert abs(samples.mean() - expected) < n_sigma * err, (samples.mean(), expected, err)


def test_single_factor_reproduces_beta_posterior_mean() -> None:
    # Uniform prior + binomial likelihood: 3 of 40 survive -> Beta(4, 38), mean 4/42.
    counts = _counts(40, {"LAV": 3, "ANTI0": 10, "CR": 5, "SR": 2})
    result = prompt_background(counts, N_PSEUDO, np.random.default_rng(1))
    lav = result.samples["one"] / result.samples["FV"]
    _within_mc_error(lav, 4 / 42)
    assert beta_dist(4, 38).mean() == pytest.approx(4 / 42)
    # FV yield: Gamma(n + 1) posterior mean n + 1 (no systematic here)
    _within_mc_error(result.samples["FV"], 41.0)


def test_product_of_independent_factors() -> None:
    # Independence: E[N_FV f_LAV f_ANTI0 f_SR] = (n+1) * prod (k_i+1)/(n+2).
    n = 40
    passed = {"LAV": 3, "ANTI0": 10, "CR": 5, "SR": 0}
    counts = _counts(n, passed, syst=0.5)  # mean-one systematic leaves the mean unchanged
    result = prompt_background(counts, N_PSEUDO, np.random.default_rng(2))
    means = {k: (v + 1) / (n + 2) for k, v in passed.items()}
    expected_sr = (n + 1) * means["LAV"] * means["ANTI0"] * means["SR"]
    expected_cr = (n + 1) * means["LAV"] * means["ANTI0"] * means["CR"]
    _within_mc_error(result.samples["SR"], expected_sr)
    _within_mc_error(result.samples["CR"], expected_cr)
    est = result.regions["SR"]
    assert est.lower68 < est.median < est.upper68 < est.upper90
    assert est.mean == pytest.approx(result.samples["SR"].mean())


def test_lognormal_fit_recovers_a_lognormal() -> None:
    # Large counts make the statistical parts negligible (relative widths ~3e-4 and
    # ~1e-3), leaving the mean-one log-normal systematic: ln N ~ Normal(ln(1e7 * 0.5)
    # - s^2/2, s) with s^2 = ln(1 + 0.5^2). The fit must return median 5e6 exp(-s^2/2)
    # and shape exp(s); the MC error of the fitted s with 20000 draws is s/sqrt(40000)
    # = 0.24 %, so 1 % is a 4-sigma tolerance.
    counts = PromptCounts(
        n_fv=10**7,
        factors={"all": SurvivalFactor("all", 10**6, 5 * 10**5)},
        regions={"R": ("all",)},
        relative_systematic=0.5,
    )
    result = prompt_background(counts, 20_000, np.random.default_rng(3))
    s = np.sqrt(np.log(1.25))
    assert result.regions["R"].lognormal_shape == pytest.approx(np.exp(s), rel=0.01)
    assert result.regions["R"].lognormal_median == pytest.approx(5e6 * np.exp(-s * s / 2), rel=0.01)


def test_zero_survivors_upper_limit_jhep_sec51() -> None:
    # JHEP sec. 5.1: no simulated events in the VR -> eta_VR < 1.6 % at 90 % CL; with a
    # uniform prior this needs ~141 simulated events (141 +- 66 prompt events, sec. 5.1).
    assert fraction_upper_limit(0, 141, 0.9) == pytest.approx(0.016, abs=0.0005)
    assert fraction_upper_limit(0, 141, 0.9) == pytest.approx(1 - 0.1 ** (1 / 142))
    assert SurvivalFactor("VR", 141, 0).upper_limit() < SurvivalFactor("VR", 100, 0).upper_limit()


def test_load_counts_and_one_line_errors(tmp_path: Path) -> None:
    good = tmp_path / "counts.toml"
    good.write_text(
        "[sample]\nn_fv = 20\n[conditions.LAV]\nn_passed = 1\n[conditions.ANTI0]\n"
        "n_passed = 4\n[conditions.CR]\nn_passed = 3\n[conditions.SR]\nn_passed = 1\n"
    )
    counts = load_counts(good)
    assert counts.factors["ANTI0"].n_tested == 20
    assert counts.regions["SR"] == ("LAV", "ANTI0", "SR")
    bad = tmp_path / "bad.toml"
    bad.write_text("[sample]\nn_fv = 2\n[conditions.LAV]\nn_passed = 5\n")
    with pytest.raises(DarkdumpInputError, match="n_passed=5 exceeds") as info:
        load_counts(bad)
    assert "\n" not in str(info.value)
    with pytest.raises(DarkdumpInputError, match=r"sample\.n_fv"):
        counts_from_mapping({"sample": {"n_fv": -1}, "conditions": {"a": {"n_passed": 0}}})
    with pytest.raises(DarkdumpInputError, match="unknown condition 'ANTI0'"):
        counts_from_mapping({"sample": {"n_fv": 3}, "conditions": {"LAV": {"n_passed": 0}}})


def test_infinite_counts_file_values_are_one_line_errors(tmp_path: Path) -> None:
    from darkdump.background.prompt import load_counts
    from darkdump.errors import DarkdumpInputError

    bad = tmp_path / "c.toml"
    bad.write_text("[sample]\nn_fv = 40\nscale = inf\n[conditions.LAV]\nn_passed = 2\n")
    with pytest.raises(DarkdumpInputError, match="scale") as info:
        load_counts(bad)
    assert "\n" not in str(info.value)

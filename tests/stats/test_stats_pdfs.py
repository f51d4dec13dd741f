"""Mass pdfs of PRL appendix B."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import MeV
from scipy import integrate, stats

from darkdump.analyses.na62_2021.statistics import (
    MUMU_BERNSTEIN_COEFFICIENTS,
    ee_background_shape,
    mumu_background_shape,
)
from darkdump.errors import DarkdumpInputError
from darkdump.stats.pdfs import (
    BernsteinShape,
    FlatShape,
    LandauShape,
    gaussian_pdf,
    sample_gaussian,
)


def test_bernstein_coefficients_are_prl_eq_b1() -> None:
    # PRL 133 (2024) 111802, eq. (B1)
    assert (
        pytest.approx((1.886e-2, 1.945e-1, 9.183e-1, 2.769e-1, 1.196e-1, 6.845e-2), rel=0, abs=0)
        == MUMU_BERNSTEIN_COEFFICIENTS
    )


@pytest.mark.parametrize(
    "shape", [mumu_background_shape(), ee_background_shape(), FlatShape((0.0, 5.0))]
)
def test_pdfs_normalised(shape: BernsteinShape | LandauShape | FlatShape) -> None:
    # quad integral independent of the trapezoid used inside; 1e-6 covers quad error
    low, high = shape.mass_range
    value, _ = integrate.quad(
        lambda x: float(shape.pdf(x)), low, high, limit=200, points=[15.0, 30.0]
    )
    assert value == pytest.approx(1.0, abs=1e-6)


def test_bernstein_matches_explicit_polynomial() -> None:
    # hand-written degree-5 Bernstein basis at t = 0.3
    shape = BernsteinShape(mass_range=(0.0, 1.0), coefficients=MUMU_BERNSTEIN_COEFFICIENTS)
    t = 0.3
    basis = [
        1 * (1 - t) ** 5,
        5 * t * (1 - t) ** 4,
        10 * t**2 * (1 - t) ** 3,
        10 * t**3 * (1 - t) ** 2,
        5 * t**4 * (1 - t),
        t**5,
    ]
    expect = sum(c * b for c, b in zip(MUMU_BERNSTEIN_COEFFICIENTS, basis, strict=True))
    expect /= sum(MUMU_BERNSTEIN_COEFFICIENTS) / 6
    assert float(shape.pdf(t)) == pytest.approx(expect, rel=1e-12)


def test_landau_peak_is_roofit_convention() -> None:
    # the standard Landau density peaks at lambda = -0.22278 (CERNLIB DENLAN), so
    # RooLandau(x, 14.86, 3.48) peaks at 14.86 - 0.22278 * 3.48 MeV
    shape = ee_background_shape()
    x = np.linspace(5.0, 30.0, 250001) * MeV
    peak = x[np.argmax(shape.pdf(x))]
    assert peak == pytest.approx(14.86 - 0.22278 * 3.48, abs=2e-3)


def test_sampling_follows_pdf() -> None:
    # KS test at 1e-3 significance on 20000 draws (fixed seed): a wrong inverse CDF fails
    rng = np.random.default_rng(11)
    for shape in (mumu_background_shape(), ee_background_shape()):
        draws = shape.sample(20000, rng)
        result = stats.kstest(draws, shape.cdf)
        assert result.pvalue > 1e-3


def test_truncated_gaussian() -> None:
    rng = np.random.default_rng(5)
    rng_range = (0.0, 100.0)
    value, _ = integrate.quad(lambda x: float(gaussian_pdf(x, 95.0, 4.0, rng_range)), 0.0, 100.0)
    assert value == pytest.approx(1.0, abs=1e-9)
    draws = sample_gaussian(np.full(5000, 95.0), np.full(5000, 4.0), rng_range, rng)
    assert draws.max() <= 100.0
    # the Gaussian entirely outside the range has zero density, not NaN
    assert float(gaussian_pdf(50.0, 500.0, 1.0, rng_range)) == 0.0


def test_bad_range_is_input_error() -> None:
    with pytest.raises(DarkdumpInputError, match="mass_range"):
        FlatShape((5.0, 1.0))
    with pytest.raises(DarkdumpInputError, match="coefficients"):
        BernsteinShape(mass_range=(0.0, 1.0), coefficients=(-1.0, 2.0))


def test_landau_is_denlan_integral() -> None:
    # CERNLIB DENLAN / TMath::Landau: phi(l) = 1/pi int_0^inf exp(-t ln t - l t) sin(pi t) dt
    shape = LandauShape(mass_range=(-50.0, 500.0), location=0.0, scale=1.0)
    norm = shape._norm
    for lam in (-2.0, -0.22278, 0.0, 3.0, 20.0):
        ref, _ = integrate.quad(
            lambda t, lam=lam: np.exp(-t * np.log(t) - lam * t) * np.sin(np.pi * t) / np.pi,
            0.0,
            np.inf,
            limit=500,
        )
        assert float(shape.pdf(lam)) * norm == pytest.approx(ref, rel=1e-7)

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from darkdump.analyses.na62_2021.published import (
    COMBINATORIAL_TABLE2,
    COMBINATORIAL_TABLE3,
    MUMU_MASS_DOMAIN,
    BackgroundModel,
    bernstein_pdf,
    published_model,
)
from darkdump.errors import DarkdumpInputError


def test_published_numbers_are_the_papers() -> None:
    # PRL appendix B: mumu median 0.016, shape 1.125; ee median 0.0094, shape 4.0.
    mumu, ee = published_model("mumu"), published_model("ee")
    assert (mumu.median_yield, mumu.lognormal_shape) == (0.016, 1.125)
    assert (ee.median_yield, ee.lognormal_shape) == (0.0094, 4.0)
    assert mumu.shape_params[2] == 9.183e-1  # PRL eq. B1, third coefficient
    assert len(mumu.shape_params) == 6  # degree five
    assert ee.shape_params == (14.86, 3.48)  # MeV


def test_ee_lognormal_reproduces_prl_eq3_interval_roughly() -> None:
    # PRL eq. 3: SR 9.4 (+20.6 -7.2) e-3 at 68 % CL. A log-normal of shape 4.0 gives a
    # 16 %-84 % interval of 9.4e-3 * 4**(-+1): [2.4e-3, 37.6e-3]; the published interval
    # [2.2e-3, 30.0e-3] is asymmetric (pseudo-experiments, not a log-normal), so we only
    # check the factor-of-1.3 agreement that the PRL's rounding to k = 4.0 implies.
    q16, q50, q84 = published_model("ee").yield_quantiles(np.array([0.158655, 0.5, 0.841345]))
    assert q50 == pytest.approx(9.4e-3)
    assert q16 == pytest.approx(9.4e-3 - 7.2e-3, rel=0.3)
    assert q84 == pytest.approx(9.4e-3 + 20.6e-3, rel=0.3)


def test_bernstein_pdf_is_normalised() -> None:
    model = published_model("mumu")
    lo, hi = MUMU_MASS_DOMAIN
    integral, _ = quad(lambda m: float(model.mass_pdf(np.array([m]))[0]), lo, hi)
    assert integral == pytest.approx(1.0, rel=1e-8)
    assert float(model.mass_pdf(np.array([hi + 1.0]))[0]) == 0.0


def test_bernstein_basis_against_hand_values() -> None:
    # degree 1, c = (1, 0) on [0, 1]: f = 2 (1 - t); degree 2, c = (0, 1, 0): f = 6 t (1 - t)
    assert bernstein_pdf(np.array([0.25]), (1.0, 0.0), (0.0, 1.0))[0] == pytest.approx(1.5)
    assert bernstein_pdf(np.array([0.5]), (0.0, 1.0, 0.0), (0.0, 1.0))[0] == pytest.approx(1.5)


def test_landau_matches_root_definition() -> None:
    # ROOT TMath::Landau(x, mpv, sigma) = phi((x - mpv)/sigma)/sigma, with the standard
    # density phi(x) = 1/pi int_0^inf exp(-t ln t - x t) sin(pi t) dt; phi(0) = 0.17864.
    def phi(x: float) -> float:
        return (
            quad(
                lambda t: math.exp(-t * math.log(t) - x * t) * math.sin(math.pi * t),
                0.0,
                60.0,
                limit=400,
            )[0]
            / math.pi
        )

    mpv, sigma = 14.86, 3.48
    wide = BackgroundModel("ee", 1.0, 2.0, "landau", (mpv, sigma), (-1e9, 1e9), "test")
    for x in (10.0, 14.86, 20.0, 40.0):
        expected = phi((x - mpv) / sigma) / sigma
        assert wide.mass_pdf(np.array([x]))[0] == pytest.approx(expected, rel=2e-3)


def test_table3_is_table2_times_same_sign_ratio() -> None:
    # JHEP sec. 5.2: 61 observed vs 71.6 expected same-sign events outside the VR.
    t2 = {r.region: r.n_exp for r in COMBINATORIAL_TABLE2 if r.pid == "mu+mu-"}
    for row in COMBINATORIAL_TABLE3:
        if row.region in ("VR", "SR", "outside VR"):
            assert row.n_exp == pytest.approx(t2[row.region] * 61 / 71.6, rel=0.05)


def test_bad_channel_and_bad_model_are_one_line_errors() -> None:
    with pytest.raises(DarkdumpInputError, match="'tautau'"):
        published_model("tautau")
    with pytest.raises(DarkdumpInputError, match="lognormal_shape"):
        BackgroundModel("ee", 1.0, 0.5, "flat", (), (0.0, 1.0), "test")

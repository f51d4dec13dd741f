"""Bayesian counting limit (JHEP sec. 7) and its contour."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from darkdump.errors import DarkdumpInputError
from darkdump.stats.counting import bayesian_contour, bayesian_upper_limit, counting_cls


def test_bayesian_without_nuisance_is_classic() -> None:
    # flat prior, b = 0: 1 - (1 + U) exp(-U) = 0.9 -> U = 3.8897 (n = 1); -ln 0.1 (n = 0)
    assert bayesian_upper_limit(0, pot_shape=1.0) == pytest.approx(-math.log(0.1), abs=1e-9)
    u1 = optimize.brentq(lambda u: (1 + u) * math.exp(-u) - 0.1, 1, 10)
    assert bayesian_upper_limit(1, pot_shape=1.0) == pytest.approx(u1, abs=1e-9)


def test_bayesian_pot_nuisance_brute_force() -> None:
    # independent 2-d numerical integration of the posterior (mu, ln k) for n = 1, b = 0.02
    sigma = math.log(1.2)

    def post(mu: float) -> float:
        return integrate.quad(
            lambda z: stats.poisson.pmf(1, mu * math.exp(sigma * z) + 0.02) * stats.norm.pdf(z),
            -8,
            8,
        )[0]

    total = integrate.quad(post, 0, 60, limit=200)[0]
    limit = bayesian_upper_limit(1, 0.02, pot_shape=1.2)
    assert integrate.quad(post, 0, limit, limit=200)[0] / total == pytest.approx(0.9, abs=1e-6)
    # the POT uncertainty weakens the limit (JHEP sec. 7 method, 1 observed event)
    assert limit > bayesian_upper_limit(1, 0.02, pot_shape=1.0)


def test_bayesian_contour_is_n_exp_equals_limit() -> None:
    mass = np.array([300.0, 400.0])
    eps = np.logspace(-7, -4, 301)
    n_exp = np.vstack([1e11 * eps**2, 1e10 * eps**2])
    c = bayesian_contour(mass, eps, n_exp, 1, pot_shape=1.0)
    lim = bayesian_upper_limit(1, pot_shape=1.0)
    # the interval starts where 1e11 eps^2 = limit (log-log interpolation is exact for a power law)
    assert c.intervals[0][0][0] == pytest.approx(math.sqrt(lim / 1e11), rel=1e-9)
    assert c.intervals[1][0][0] == pytest.approx(math.sqrt(lim / 1e10), rel=1e-9)


def test_bad_inputs() -> None:
    with pytest.raises(DarkdumpInputError, match="observed"):
        bayesian_upper_limit(-1)
    with pytest.raises(DarkdumpInputError, match="pot_shape"):
        bayesian_upper_limit(1, pot_shape=0.5)


def _closed_form_cls(s: float, sigma: float) -> float:
    """n = 0, b -> 0, log-normal signal normalisation of width sigma, frequentist toys.

    The profiled fit of the auxiliary measurement gives u with s sigma e^(sigma u) + u = 0;
    toys at the fitted nuisances give CL_b = 1/2 and CL_sb = Phi(u) exp(-s e^(sigma u)),
    hence CLs = 2 Phi(u) exp(-s e^(sigma u)).
    """
    from scipy import optimize, stats

    u = optimize.brentq(lambda x: s * sigma * np.exp(sigma * x) + x, -50.0, 0.0)
    return float(2.0 * stats.norm.cdf(u) * np.exp(-s * np.exp(sigma * u)))


def test_zero_events_lognormal_pot_closed_form() -> None:
    from scipy import optimize

    sigma = np.log(1.2)  # PRL appendix B: POT shape 1.2
    limit = optimize.brentq(lambda s: _closed_form_cls(s, sigma) - 0.1, 1.0, 3.0)
    assert limit == pytest.approx(2.1065, abs=5e-4)
    # The toys: CLs at the closed-form limit is 0.1 within its Monte-Carlo error
    # (CL_sb = 0.05 from 40000 s+b toys: sigma(CLs) ~ 2 sqrt(0.05 * 0.95 / 40000) = 0.0022).
    toys = counting_cls(np.array([limit]), 0, 0.0, pot_shape=1.2, n_toys=40_000, seed=4)
    assert float(toys[0]) == pytest.approx(0.1, abs=3 * 0.0022)


@pytest.mark.parametrize("n_obs", [50, 100])
def test_cls_counting_for_large_counts_matches_poisson(n_obs: int) -> None:
    # With b ~ 0 and no uncertainty, CLs = P(n <= N | s): the limit solves
    # P(n <= N | s) = 0.1 (114.07 events at N = 100). The CLI promises N up to 100, and
    # the toy window used to miss the crossing there. Toy noise: 4000 toys give CLs to
    # about 5 % near 0.1, i.e. about 0.5 event at N = 100 (slope d ln CLs / ds ~ 0.1).
    from scipy import optimize, special

    from darkdump.stats import counting_upper_limit

    exact = optimize.brentq(lambda s: special.pdtr(n_obs, s) - 0.1, 1.0, 500.0)
    assert counting_upper_limit(n_obs, 0.0, seed=3) == pytest.approx(exact, abs=1.0)

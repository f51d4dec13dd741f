"""The unbinned CLs with systematics against an independent brute-force toy loop.

The 411 MeV mu+mu- event (JHEP sec. 7) in the PRL eq. (5) likelihood with the appendix-B
log-normal POT and background nuisances, written again here from the paper: extended
unbinned Poisson likelihood, a Gaussian signal mass pdf truncated to the mass range, the
degree-5 Bernstein background (PRL eq. B1), unit-Gaussian constraints on u with theta =
median exp(sigma u). Every pseudo-experiment is generated in a plain Python loop and both
fits are done with iminuit (MIGRAD), toys at the nuisances fitted to the data with the
global observables randomised (PRL text after eq. 5). darkdump's vectorised engine must
agree within the Monte-Carlo errors.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from iminuit import Minuit
from scipy import stats

from darkdump.analyses.na62_2021.statistics import (
    DEFAULT_MASS_RANGE_MUMU,
    MUMU_BACKGROUND,
    MUMU_BERNSTEIN_COEFFICIENTS,
    POT_CONSTRAINT,
    mumu_channel,
)
from darkdump.stats.cls import cls
from darkdump.stats.model import Model as _Model

pytestmark = pytest.mark.slow

MASS, SIGMA_M = 411.0, 3.0  # MeV
LOW, HIGH = DEFAULT_MASS_RANGE_MUMU
SIG_POT = math.log(POT_CONSTRAINT.shape)
SIG_B = math.log(MUMU_BACKGROUND.shape)
B0 = MUMU_BACKGROUND.median

#: The NA62 model: the POT constraint of PRL appendix B, shared by the channels.
Model = partial(_Model, pot=POT_CONSTRAINT)


def _bernstein(x: np.ndarray) -> np.ndarray:
    t = (x - LOW) / (HIGH - LOW)
    n = len(MUMU_BERNSTEIN_COEFFICIENTS) - 1
    return sum(
        c * math.comb(n, i) * t**i * (1 - t) ** (n - i)
        for i, c in enumerate(MUMU_BERNSTEIN_COEFFICIENTS)
    )


_GRID = np.linspace(LOW, HIGH, 20001)
_B_NORM = float(np.trapezoid(_bernstein(_GRID), _GRID))
_B_CDF = np.cumsum(_bernstein(_GRID))
_B_CDF /= _B_CDF[-1]
_S_NORM = stats.norm.cdf(HIGH, MASS, SIGMA_M) - stats.norm.cdf(LOW, MASS, SIGMA_M)


def f_s(x: np.ndarray) -> np.ndarray:
    return stats.norm.pdf(x, MASS, SIGMA_M) / _S_NORM


def f_b(x: np.ndarray) -> np.ndarray:
    return _bernstein(x) / _B_NORM


def nll(u_pot: float, u_b: float, s: float, x: np.ndarray, a: np.ndarray) -> float:
    big_s = s * math.exp(SIG_POT * u_pot)
    big_b = B0 * math.exp(SIG_B * u_b)
    dens = big_s * f_s(x) + big_b * f_b(x)
    return float(
        big_s + big_b - np.sum(np.log(dens)) + 0.5 * ((u_pot - a[0]) ** 2 + (u_b - a[1]) ** 2)
    )


def fit(s: float, x: np.ndarray, a: np.ndarray) -> tuple[float, np.ndarray]:
    m = Minuit(lambda up, ub: nll(up, ub, s, x, a), up=a[0], ub=a[1])
    m.errordef = Minuit.LIKELIHOOD
    m.limits = [(-8, 8), (-8, 8)]
    m.migrad()
    return float(m.fval), np.array([m.values["up"], m.values["ub"]])


def q_value(s: float, x: np.ndarray, a: np.ndarray) -> float:
    return 2.0 * (fit(s, x, a)[0] - fit(0.0, x, a)[0])


def toy(s: float, u: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    a = rng.normal(u, 1.0)
    big_s = s * math.exp(SIG_POT * u[0])
    big_b = B0 * math.exp(SIG_B * u[1])
    n = rng.poisson(big_s + big_b)
    is_sig = rng.uniform(size=n) < big_s / (big_s + big_b)
    x = np.empty(n)
    k = int(is_sig.sum())
    lo, hi = stats.norm.cdf([LOW, HIGH], MASS, SIGMA_M)
    x[is_sig] = stats.norm.ppf(rng.uniform(lo, hi, k), MASS, SIGMA_M)
    x[~is_sig] = np.interp(rng.uniform(size=n - k), _B_CDF, _GRID)
    return x, a


def brute_force_cls(s: float, n_toys: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    x_obs, a_obs = np.array([411.0]), np.zeros(2)
    q_obs = q_value(s, x_obs, a_obs)
    u_sb = fit(s, x_obs, a_obs)[1]
    u_b = fit(0.0, x_obs, a_obs)[1]
    tol = 1e-7 * (1 + abs(q_obs))
    q_sb = np.array([q_value(s, *toy(s, u_sb, rng)) for _ in range(n_toys)])
    q_b = np.array([q_value(s, *toy(0.0, u_b, rng)) for _ in range(n_toys)])
    p_sb = float(np.mean(q_sb >= q_obs - tol))
    p_b = float(np.mean(q_b >= q_obs - tol))
    value = p_sb / p_b
    err = value * math.sqrt((1 - p_sb) / (n_toys * p_sb) + (1 - p_b) / (n_toys * p_b))
    return value, err


@pytest.mark.parametrize("s", [2.5, 4.0])
def test_unbinned_one_event_with_systematics_against_brute_force(s: float) -> None:
    expected, err = brute_force_cls(s, n_toys=1500, seed=17)
    model = Model((mumu_channel([411.0]),))
    res = cls(
        model,
        np.array([[s]]),
        np.array([MASS]),
        np.array([[SIGMA_M]]),
        n_toys=40_000,
        seed=3,
    )
    ours = float(res.cls[0])
    ours_err = ours * float(res.relative_error[0, 0]) if res.relative_error is not None else 0.0
    assert abs(ours - expected) < 3.0 * math.hypot(err, ours_err), (ours, expected, err)

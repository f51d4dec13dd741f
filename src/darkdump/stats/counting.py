"""One-bin counting limits: the CLs engine on a single bin, and the JHEP Bayesian method.

:func:`counting_upper_limit` runs the full machinery of :mod:`darkdump.stats.cls`
(profiled likelihood ratio, toys, log-normal nuisances) on one channel whose signal
and background mass pdfs are both flat, i.e. a plain counting experiment, and returns
the upper limit on the number of signal events (at the median POT). Classic results
it must reproduce: 0 observed, no systematics -> ``-ln(0.1) = 2.303`` events; 1
observed, no background -> 3.890 events (solution of ``(1 + s) exp(-s) = 0.1``).

:func:`bayesian_upper_limit` is the method of JHEP 09 (2023) 035, sec. 7: Poisson
counting with a flat prior on the signal and a log-normal POT nuisance integrated out
(Bayesian nuisance parameter). :func:`bayesian_contour` applies it to a yield grid.

Examples
--------
>>> round(bayesian_upper_limit(0, pot_shape=1.0), 3)
2.303
>>> round(bayesian_upper_limit(1, pot_shape=1.0), 3)
3.89
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from darkdump.errors import DarkdumpInputError
from darkdump.stats.cls import DEFAULT_TOY_MODE, cls
from darkdump.stats.contours import Contour, contour
from darkdump.stats.engine import ToyMode
from darkdump.stats.model import ChannelSpec, LogNormal, Model
from darkdump.stats.pdfs import FlatShape
from darkdump.typing import FloatArray

__all__ = [
    "bayesian_contour",
    "bayesian_upper_limit",
    "counting_cls",
    "counting_upper_limit",
]

_MIN_BACKGROUND = 1e-9
_WIDE = 1e4  # width of the "Gaussian" signal pdf that makes it flat on (0, 1) to 1e-9


def _check_common(n_obs: int, background: float, cl: float) -> None:
    if n_obs < 0 or int(n_obs) != n_obs:
        raise DarkdumpInputError(f"observed={n_obs!r}: must be a non-negative integer")
    if not (math.isfinite(background) and background >= 0):
        raise DarkdumpInputError(f"background={background!r}: must be >= 0 events")
    if not 0.0 < cl < 1.0:
        raise DarkdumpInputError(f"cl={cl!r}: must be between 0 and 1, e.g. 0.9")


def counting_cls(
    signal: FloatArray,
    n_obs: int,
    background: float,
    *,
    pot_shape: float = 1.0,
    background_shape: float = 1.0,
    n_toys: int = 4000,
    seed: int = 0,
    mode: ToyMode = DEFAULT_TOY_MODE,
) -> FloatArray:
    """Observed CLs of a one-bin counting experiment for signals ``signal`` (P,) [events].

    Each signal value has its own toy stream (key = its index), so the toy noise of
    neighbouring values is independent and averages out in a fit. Background below
    1e-9 events is set to 1e-9 (the log-normal needs a positive median).
    """
    _check_common(n_obs, background, 0.9)
    s = np.asarray(signal, dtype=np.float64).reshape(-1)
    ch = ChannelSpec(
        name="bin",
        background=LogNormal(max(background, _MIN_BACKGROUND), background_shape),
        shape=FlatShape((0.0, 1.0)),
        observed_masses=np.full(int(n_obs), 0.5),
    )
    pot = LogNormal(1.0, pot_shape) if pot_shape > 1.0 else None
    model = Model((ch,), pot=pot)
    res = cls(
        model,
        s[:, None],
        np.full(s.size, 0.5),
        np.full((s.size, 1), _WIDE),
        n_toys=n_toys,
        seed=seed,
        keys=np.arange(s.size, dtype=np.int64),
        mode=mode,
    )
    return res.cls


def counting_upper_limit(
    n_obs: int,
    background: float,
    *,
    pot_shape: float = 1.0,
    background_shape: float = 1.0,
    cl: float = 0.9,
    n_toys: int = 4000,
    seed: int = 0,
    mode: ToyMode = DEFAULT_TOY_MODE,
) -> float:
    """CLs upper limit on the signal events of a one-bin counting experiment [events].

    Parameters
    ----------
    n_obs
        Observed events.
    background
        Median expected background [events].
    pot_shape, background_shape
        Log-normal shape parameters ``k`` (``sigma = ln k``; 1 = no uncertainty) of the
        signal normalisation (POT) and of the background.
    cl
        Confidence level (``CLs = 1 - cl`` at the limit).
    n_toys
        Pseudo-experiments per hypothesis and signal value.
    seed
        Seed of the toys.
    mode
        ``"frequentist"`` (default) or ``"hybrid"``.

    Returns
    -------
    float
        The signal at which CLs crosses ``1 - cl``: ``ln CLs`` is evaluated on 25 signal
        values around the no-systematics answer (the window widens if needed) and a quadratic in the signal is fitted
        where ``CLs`` lies in [0.2 (1 - cl), 4 (1 - cl)] (weighted by the binomial errors)
        to average the toy noise.
    """
    _check_common(n_obs, background, cl)
    alpha = 1.0 - cl
    b = max(background, _MIN_BACKGROUND)

    def plain(s: float) -> float:
        return float(
            special.pdtr(n_obs, s + b) / max(float(special.pdtr(n_obs, b)), 1e-300) - alpha
        )

    guess = float(optimize.brentq(plain, 1e-6, 1e4))
    # The window: -50 % / +80 % of the no-systematics limit, narrowed to a few Poisson
    # standard deviations for large counts (at 100 observed events CLs falls from 4 to
    # 0.2 times 1 - cl within +-12 events, which a -50/+80 % window of 25 points misses).
    width = 3.0 * math.sqrt(guess + b + 1.0)
    low, high = max(0.5 * guess, guess - width), min(1.8 * guess, guess + 1.5 * width)
    for attempt in range(6):
        grid = np.linspace(low, high, 25)
        values = counting_cls(
            grid,
            n_obs,
            background,
            pot_shape=pot_shape,
            background_shape=background_shape,
            n_toys=n_toys,
            seed=seed + 1000 * attempt,
            mode=mode,
        )
        # large uncertainties can move the limit out of the window: widen it
        if values[-1] > 0.5 * alpha:
            high *= 2.0
        elif values[0] < 2.0 * alpha:
            low *= 0.5
        else:
            break
    use = (values > 0.2 * alpha) & (values < 4.0 * alpha)
    if np.count_nonzero(use) < 4:
        raise DarkdumpInputError(
            "counting limit: CLs does not cross 1 - cl near the no-systematics limit; "
            "reduce the uncertainties or increase --toys"
        )
    # weights 1 / sigma(ln CLs) with sigma^2 ~ (1 - CLs) / (n_toys CLs) (binomial)
    weight = np.sqrt(values[use] / (1.0 - values[use]))
    coef = np.polyfit(grid[use], np.log(values[use]), 2, w=weight)
    roots = np.roots(coef - np.array([0.0, 0.0, math.log(alpha)]))
    real = [
        float(r.real)
        for r in roots
        if abs(r.imag) < 1e-9 and grid[use].min() - 0.5 <= r.real <= grid[use].max() + 0.5
    ]
    if not real:
        return float(np.interp(math.log(alpha), np.log(values[use])[::-1], grid[use][::-1]))
    return min(real, key=lambda r: abs(r - guess))


def bayesian_upper_limit(
    n_obs: int, background: float = 0.0, *, pot_shape: float = 1.2, cl: float = 0.9
) -> float:
    """Bayesian upper limit on the signal events (JHEP sec. 7 method) [events].

    Flat prior on the signal ``mu >= 0``; Poisson likelihood ``P(n | mu k + b)`` with the
    POT factor ``k`` log-normal (median 1, shape ``pot_shape``; JHEP sec. 6: 20 %,
    PRL appendix B: 1.2) integrated out with 64-point Gauss-Hermite quadrature; the
    ``mu`` integral is analytic (regularised incomplete gamma function).

    Parameters
    ----------
    n_obs
        Observed events (JHEP sec. 7: 1).
    background
        Expected background [events] (JHEP: negligible).
    pot_shape
        Log-normal shape of the POT; 1 = no uncertainty.
    cl
        Credibility level of the limit.
    """
    _check_common(n_obs, background, cl)
    if not (math.isfinite(pot_shape) and pot_shape >= 1.0):
        raise DarkdumpInputError(f"pot_shape={pot_shape!r}: must be >= 1")
    nodes, weights = np.polynomial.hermite_e.hermegauss(64)
    k = np.exp(math.log(pot_shape) * nodes)
    w = weights / math.sqrt(2.0 * math.pi)
    low = special.gammainc(n_obs + 1, background)

    def cdf(upper: float) -> float:
        inner = (special.gammainc(n_obs + 1, upper * k + background) - low) / k
        full = (1.0 - low) / k
        return float(np.sum(w * inner) / np.sum(w * full))

    return float(optimize.brentq(lambda u: cdf(u) - cl, 1e-9, 1e4, xtol=1e-12))


def bayesian_contour(
    mass: FloatArray,
    eps: FloatArray,
    n_exp: FloatArray,
    n_obs: int,
    background: float = 0.0,
    *,
    pot_shape: float = 1.2,
    cl: float = 0.9,
) -> Contour:
    """Exclusion contour of the JHEP counting method: excluded where ``n_exp > limit``.

    ``n_exp`` (n_mass, n_eps) are the expected signal events (summed over production
    modes) at the median POT; masses in MeV. The grid is turned into a CLs-like
    ``(1 - cl) * limit / n_exp`` so the contour interpolates ``ln n_exp`` in ``ln eps``.
    """
    limit = bayesian_upper_limit(n_obs, background, pot_shape=pot_shape, cl=cl)
    grid = np.asarray(n_exp, dtype=np.float64)
    pseudo = (1.0 - cl) * limit / np.maximum(grid, 1e-300)
    return contour(mass, eps, pseudo, cl)

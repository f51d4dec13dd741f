"""Probability density functions of the reconstructed dilepton mass (PRL appendix B).

All masses are in MeV (hepunits). Every pdf is normalised to unit integral over a
finite mass range ``(low, high)``, as RooFit normalises a pdf over the range of its
observable (PRL appendix B says the pdfs were defined with RooFit).

The normalisation range is a parameter of every shape. The shapes of an analysis, with
their published parameters and ranges, live with it (NA62 2021:
:mod:`darkdump.analyses.na62_2021.statistics`).

Examples
--------
>>> from hepunits import MeV
>>> shape = BernsteinShape(mass_range=(211.3, 700.0), coefficients=(1.0, 2.0, 1.0))
>>> round(float(shape.integral()), 6)
1.0
>>> landau = LandauShape(mass_range=(1.022, 700.0), location=14.86, scale=3.48)
>>> bool(landau.pdf(14.0 * MeV)[()] > landau.pdf(100.0 * MeV)[()])
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import special, stats

from darkdump.errors import DarkdumpInputError
from darkdump.typing import FloatArray

__all__ = [
    "BackgroundShape",
    "BernsteinShape",
    "FlatShape",
    "LandauShape",
    "gaussian_pdf",
    "sample_gaussian",
]

_TABLE_SIZE = 4097


def _check_range(mass_range: tuple[float, float]) -> tuple[float, float]:
    low, high = (float(v) for v in mass_range)
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise DarkdumpInputError(f"mass_range={mass_range!r} MeV: need finite low < high (MeV)")
    return low, high


@dataclass(frozen=True)
class BackgroundShape:
    """Base of the background mass pdfs: normalised over ``mass_range`` [MeV].

    Sub-classes implement :meth:`_unnormalised` (vectorised, MeV) and
    :meth:`_unnormalised_integral`; sampling uses an inverse-CDF table.
    """

    mass_range: tuple[float, float]

    def __post_init__(self) -> None:
        _check_range(self.mass_range)

    def _unnormalised(self, mass: FloatArray) -> FloatArray:
        raise NotImplementedError

    def _unnormalised_integral(self) -> float:
        grid = np.linspace(*self.mass_range, 20001)
        return float(np.trapezoid(self._unnormalised(grid), grid))

    @cached_property
    def _norm(self) -> float:
        return self._unnormalised_integral()

    def pdf(self, mass: FloatArray | float) -> FloatArray:
        """Normalised density [1/MeV] at ``mass`` [MeV]; zero outside ``mass_range``."""
        x = np.asarray(mass, dtype=np.float64)
        low, high = self.mass_range
        inside = (x >= low) & (x <= high)
        value = self._unnormalised(np.clip(x, low, high)) / self._norm
        return np.asarray(np.where(inside, value, 0.0), dtype=np.float64)

    def integral(self) -> float:
        """Integral of :meth:`pdf` over ``mass_range`` (trapezoid on a fine grid) [1]."""
        grid = np.linspace(*self.mass_range, 200001)
        return float(np.trapezoid(self.pdf(grid), grid))

    @cached_property
    def _inverse_cdf_table(self) -> tuple[FloatArray, FloatArray]:
        grid = np.linspace(*self.mass_range, _TABLE_SIZE)
        dens = self._unnormalised(grid)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
        cdf /= cdf[-1]
        return cdf, grid

    def cdf(self, mass: FloatArray | float) -> FloatArray:
        """Cumulative distribution [1] at ``mass`` [MeV] (from the 4097-point table)."""
        cdf, grid = self._inverse_cdf_table
        return np.asarray(np.interp(mass, grid, cdf), dtype=np.float64)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``n`` masses [MeV] (inverse CDF on a 4097-point table, linear interpolation)."""
        cdf, grid = self._inverse_cdf_table
        return np.asarray(np.interp(rng.random(n), cdf, grid), dtype=np.float64)


@dataclass(frozen=True)
class BernsteinShape(BackgroundShape):
    """Bernstein-polynomial density on ``mass_range`` [MeV] (RooBernstein).

    ``f(x) = sum_i c_i B_{i,n}(t)``, ``t = (x - low) / (high - low)``, normalised
    analytically (each basis polynomial integrates to ``1 / (n + 1)`` over t).
    """

    coefficients: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.coefficients) < 1 or any(c < 0 for c in self.coefficients):
            raise DarkdumpInputError(
                f"coefficients={self.coefficients!r}: need at least one, all >= 0"
            )
        if sum(self.coefficients) <= 0:
            raise DarkdumpInputError("coefficients: at least one must be > 0")

    def _unnormalised(self, mass: FloatArray) -> FloatArray:
        low, high = self.mass_range
        t = (np.asarray(mass, dtype=np.float64) - low) / (high - low)
        degree = len(self.coefficients) - 1
        total = np.zeros_like(t)
        for i, c in enumerate(self.coefficients):
            total += c * special.comb(degree, i) * t**i * (1.0 - t) ** (degree - i)
        return total

    def _unnormalised_integral(self) -> float:
        low, high = self.mass_range
        return float(sum(self.coefficients)) / len(self.coefficients) * (high - low)


@dataclass(frozen=True)
class LandauShape(BackgroundShape):
    """Landau density (RooLandau convention) on ``mass_range`` [MeV].

    ``f(x) ~ phi((x - location) / scale)`` with ``phi`` the CERNLIB DENLAN Landau
    density used by ROOT's TMath::Landau / RooLandau (maximum at -0.22278).
    ``scipy.stats.landau`` is the same law in another parametrisation:
    ``phi(l) = (2/pi) landau.pdf((l - ln(pi/2)) * 2/pi)`` (checked against the defining
    integral ``phi(l) = 1/pi int_0^inf exp(-t ln t - l t) sin(pi t) dt`` to 1e-10).
    """

    @property
    def _scipy_loc_scale(self) -> tuple[float, float]:
        return (
            self.location + self.scale * math.log(math.pi / 2.0),
            self.scale * math.pi / 2.0,
        )

    location: float = math.nan
    scale: float = math.nan

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.scale > 0 and math.isfinite(self.scale)):
            raise DarkdumpInputError(f"scale={self.scale!r} MeV: must be > 0")

    def _unnormalised(self, mass: FloatArray) -> FloatArray:
        loc, scale = self._scipy_loc_scale
        return np.asarray(stats.landau.pdf(mass, loc=loc, scale=scale), dtype=np.float64)

    def _unnormalised_integral(self) -> float:
        low, high = self.mass_range
        loc, scale = self._scipy_loc_scale
        cdf = stats.landau.cdf([low, high], loc=loc, scale=scale)
        return float(cdf[1] - cdf[0])


@dataclass(frozen=True)
class FlatShape(BackgroundShape):
    """Uniform density on ``mass_range`` [MeV] (used for one-bin counting checks)."""

    def _unnormalised(self, mass: FloatArray) -> FloatArray:
        return np.ones_like(np.asarray(mass, dtype=np.float64))

    def _unnormalised_integral(self) -> float:
        low, high = self.mass_range
        return high - low


def _gaussian_norm(
    centre: FloatArray, width: FloatArray, mass_range: tuple[float, float]
) -> FloatArray:
    low, high = mass_range
    return np.asarray(
        special.ndtr((high - centre) / width) - special.ndtr((low - centre) / width),
        dtype=np.float64,
    )


def gaussian_pdf(
    mass: FloatArray | float,
    centre: FloatArray | float,
    width: FloatArray | float,
    mass_range: tuple[float, float],
) -> FloatArray:
    """Signal pdf: Gaussian at ``centre`` with ``width`` sigma_M, truncated to ``mass_range``.

    All arguments in MeV (broadcast together); returns a density in 1/MeV, zero outside
    the range (RooGaussian normalised over the observable range).

    Examples
    --------
    >>> from hepunits import MeV
    >>> v = gaussian_pdf(400.0 * MeV, 400.0 * MeV, 10.0 * MeV, (0.0, 1000.0 * MeV))
    >>> round(float(v * 10.0 * MeV * (2 * 3.141592653589793) ** 0.5), 9)
    1.0
    """
    x = np.asarray(mass, dtype=np.float64)
    m = np.asarray(centre, dtype=np.float64)
    w = np.asarray(width, dtype=np.float64)
    low, high = mass_range
    z = (x - m) / w
    # A Gaussian entirely outside the range has no probability inside: density 0.
    norm = np.maximum(_gaussian_norm(m, w, mass_range), 1e-300)
    dens = np.exp(-0.5 * z * z) / (w * math.sqrt(2.0 * math.pi)) / norm
    return np.asarray(np.where((x >= low) & (x <= high), dens, 0.0), dtype=np.float64)


def sample_gaussian(
    centre: FloatArray,
    width: FloatArray,
    mass_range: tuple[float, float],
    rng: np.random.Generator,
) -> FloatArray:
    """One mass [MeV] per entry of ``centre``/``width`` [MeV] from the truncated Gaussian."""
    m = np.asarray(centre, dtype=np.float64)
    w = np.asarray(width, dtype=np.float64)
    low, high = mass_range
    lo = special.ndtr((low - m) / w)
    hi = special.ndtr((high - m) / w)
    u = lo + (hi - lo) * rng.random(m.shape)
    x = m + w * special.ndtri(np.clip(u, 1e-300, 1.0 - 1e-16))
    return np.asarray(np.clip(x, low, high), dtype=np.float64)

"""Exclusion contours from CLs on a (mass, coupling) grid.

A point is excluded at confidence level ``cl`` when ``CLs < 1 - cl`` (0.1 for the 90 %
CL of the papers). Between two neighbouring couplings the boundary is found by linear
interpolation of ``ln CLs`` in ``ln eps`` (CLs falls roughly exponentially with the
signal yield, which is a power law in eps at small eps). An excluded region that
reaches the end of the coupling grid is closed at the grid edge.

Examples
--------
>>> import numpy as np
>>> eps = np.array([1e-7, 1e-6, 1e-5, 1e-4])
>>> cls_column = np.array([0.5, 0.05, 0.01, 0.5])
>>> [(float(f"{a:.3g}"), float(f"{b:.3g}")) for a, b in exclusion_intervals(eps, cls_column)]
[(5e-07, 3.88e-05)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkdump.errors import DarkdumpInputError
from darkdump.typing import FloatArray

__all__ = [
    "Contour",
    "contour",
    "exclusion_intervals",
    "exclusion_polygons",
    "interval_errors",
]


def _crossing(e0: float, e1: float, c0: float, c1: float, level: float) -> float:
    l0, l1 = np.log(max(c0, 1e-300)), np.log(max(c1, 1e-300))
    lv = np.log(level)
    frac = 0.5 if l1 == l0 else float(np.clip((lv - l0) / (l1 - l0), 0.0, 1.0))
    return float(np.exp(np.log(e0) + frac * (np.log(e1) - np.log(e0))))


def exclusion_intervals(
    eps: FloatArray, cls_column: FloatArray, cl: float = 0.9
) -> list[tuple[float, float]]:
    """Excluded coupling intervals ``[(eps_lower, eps_upper), ...]`` for one mass.

    Parameters
    ----------
    eps
        Increasing couplings (n_eps,) [1].
    cls_column
        CLs at those couplings (n_eps,).
    cl
        Confidence level; excluded where ``CLs < 1 - cl``.

    Returns
    -------
    list of (float, float)
        Disjoint intervals in increasing order (several if the exclusion has holes).
    """
    eps = np.asarray(eps, dtype=np.float64)
    col = np.asarray(cls_column, dtype=np.float64)
    if eps.ndim != 1 or col.shape != eps.shape or np.any(np.diff(eps) <= 0) or eps[0] <= 0:
        raise DarkdumpInputError("eps: need a positive, increasing 1-d array matching CLs")
    level = 1.0 - cl
    n = eps.size
    out: list[tuple[float, float]] = []
    for start, stop in _excluded_runs(col < level):
        lo = (
            float(eps[0])
            if start == 0
            else _crossing(eps[start - 1], eps[start], col[start - 1], col[start], level)
        )
        hi = (
            float(eps[-1])
            if stop == n - 1
            else _crossing(eps[stop], eps[stop + 1], col[stop], col[stop + 1], level)
        )
        out.append((lo, hi))
    return out


def _excluded_runs(excluded: np.ndarray) -> list[tuple[int, int]]:
    """First and last index of every run of consecutive excluded couplings."""
    runs: list[tuple[int, int]] = []
    j, n = 0, excluded.size
    while j < n:
        if not excluded[j]:
            j += 1
            continue
        start = j
        while j + 1 < n and excluded[j + 1]:
            j += 1
        runs.append((start, j))
        j += 1
    return runs


def _crossing_error(
    e0: float, e1: float, c0: float, c1: float, s0: float, s1: float, level: float
) -> float:
    """Error of ln eps of the crossing given the errors s0, s1 of ln CLs (see _crossing)."""
    l0, l1 = np.log(max(c0, 1e-300)), np.log(max(c1, 1e-300))
    dl = l1 - l0
    if abs(dl) < 1e-12:
        return float("nan")
    t = float(np.clip((np.log(level) - l0) / dl, 0.0, 1.0))
    return float(
        abs(np.log(e1) - np.log(e0)) / abs(dl) * np.sqrt((1 - t) ** 2 * s0**2 + t**2 * s1**2)
    )


def interval_errors(
    eps: FloatArray, cls_column: FloatArray, log_errors: FloatArray, cl: float = 0.9
) -> list[tuple[float, float]]:
    """Relative Monte-Carlo errors ``(of eps_lower, of eps_upper)`` of each interval.

    Aligned with :func:`exclusion_intervals`; ``log_errors`` are the errors of ln CLs at
    each coupling. An edge at the end of the grid (no crossing) has error 0.
    """
    eps = np.asarray(eps, dtype=np.float64)
    col = np.asarray(cls_column, dtype=np.float64)
    err = np.asarray(log_errors, dtype=np.float64)
    level = 1.0 - cl
    out: list[tuple[float, float]] = []
    n = eps.size
    for start, stop in _excluded_runs(col < level):
        lo = (
            0.0
            if start == 0
            else _crossing_error(
                eps[start - 1],
                eps[start],
                col[start - 1],
                col[start],
                err[start - 1],
                err[start],
                level,
            )
        )
        hi = (
            0.0
            if stop == n - 1
            else _crossing_error(
                eps[stop],
                eps[stop + 1],
                col[stop],
                col[stop + 1],
                err[stop],
                err[stop + 1],
                level,
            )
        )
        out.append((lo, hi))
    return out


def exclusion_polygons(
    mass: FloatArray, eps: FloatArray, cls_grid: FloatArray, cl: float = 0.9
) -> list[FloatArray]:
    """Return closed polygons (each (n, 2): mass [MeV], eps) around the excluded regions.

    Uses ``contourpy`` filled contours of ``ln CLs`` on the (mass, ln eps) grid at
    ``ln(1 - cl)``, i.e. the same log-log interpolation as :func:`exclusion_intervals`
    along eps and linear interpolation in mass.
    """
    import contourpy

    z = np.log(np.maximum(np.asarray(cls_grid, dtype=np.float64), 1e-300)).T
    gen = contourpy.contour_generator(
        x=np.asarray(mass, dtype=np.float64),
        y=np.log(np.asarray(eps, dtype=np.float64)),
        z=z,
        fill_type=contourpy.FillType.OuterOffset,
    )
    filled: Any = gen.filled(-np.inf, float(np.log(1.0 - cl)))
    points, offsets = filled[0], filled[1]
    polygons: list[FloatArray] = []
    for pts, offs in zip(points, offsets, strict=True):
        outer = np.asarray(pts[offs[0] : offs[1]], dtype=np.float64)
        polygons.append(np.column_stack([outer[:, 0], np.exp(outer[:, 1])]))
    return polygons


@dataclass(frozen=True)
class Contour:
    """An exclusion contour: per-mass intervals and polygons.

    ``intervals[i]`` lists the excluded ``(eps_lower, eps_upper)`` at ``mass[i]`` [MeV];
    ``polygons`` are closed outlines (n, 2) in (mass [MeV], eps); ``errors[i]`` the
    relative Monte-Carlo errors of those edges (empty when not computed).
    """

    mass: FloatArray
    intervals: list[list[tuple[float, float]]]
    polygons: list[FloatArray]
    errors: list[list[tuple[float, float]]] = field(default_factory=list)

    def lower_upper(self) -> tuple[FloatArray, FloatArray]:
        """Outermost ``eps_lower`` and ``eps_upper`` per mass (NaN where nothing is excluded)."""
        lo = np.array([iv[0][0] if iv else np.nan for iv in self.intervals])
        hi = np.array([iv[-1][1] if iv else np.nan for iv in self.intervals])
        return lo, hi


def contour(
    mass: FloatArray,
    eps: FloatArray,
    cls_grid: FloatArray,
    cl: float = 0.9,
    *,
    log_errors: FloatArray | None = None,
) -> Contour:
    """:class:`Contour` from a CLs grid (n_mass, n_eps); mass in MeV.

    ``log_errors`` (n_mass, n_eps), the Monte-Carlo errors of ln CLs, give the edges'
    relative errors (:func:`interval_errors`).
    """
    grid = np.asarray(cls_grid, dtype=np.float64)
    intervals = [exclusion_intervals(eps, grid[i], cl) for i in range(grid.shape[0])]
    polygons = exclusion_polygons(mass, eps, grid, cl) if grid.shape[0] > 1 else []
    errors = (
        [interval_errors(eps, grid[i], log_errors[i], cl) for i in range(grid.shape[0])]
        if log_errors is not None
        else []
    )
    return Contour(
        mass=np.asarray(mass, dtype=np.float64),
        intervals=intervals,
        polygons=polygons,
        errors=errors,
    )

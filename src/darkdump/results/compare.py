"""Compare exclusion contours with a published curve: per-mass ratios of both edges, reach.

A curve here is ``{mass_GeV: (epsilon_lower, epsilon_upper)}``, the outer hull of the
excluded intervals at each mass. Published curves are validation references only
(report overlays, ratio tables, tests); nothing here feeds back into the chain.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Comparison",
    "Curve",
    "compare",
    "curve_from_rows",
    "load_reference",
    "union",
]

Curve = dict[float, tuple[float, float]]


def _key(mass_gev: float) -> float:
    """Masses compared on a 0.1 MeV grid (files carry 3-6 significant digits) [GeV]."""
    return round(float(mass_gev), 4)


def curve_from_rows(rows: Iterable[tuple[Any, ...]], **select: str) -> Curve:
    """Build a :data:`Curve` from ``(mass_GeV, ..., epsilon_lower, epsilon_upper)`` rows.

    ``select`` keeps the rows whose fields match, by position name: ``kind`` (second
    field of limit rows), ``production`` and ``channel`` (second and third fields of
    :func:`darkdump.yields.zero_event_rows`). Rows with a non-finite edge are skipped;
    several intervals at one mass are merged into their hull.
    """
    positions = {"kind": 1, "production": 1, "channel": 2}
    curve: Curve = {}
    for row in rows:
        if any(row[positions[k]] != v for k, v in select.items()):
            continue
        lo, hi = float(row[-2]), float(row[-1])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            continue
        m = _key(row[0])
        if m in curve:
            lo, hi = min(lo, curve[m][0]), max(hi, curve[m][1])
        curve[m] = (lo, hi)
    return dict(sorted(curve.items()))


def union(*curves: Curve) -> Curve:
    """Outer hull of several curves at each mass.

    What a figure drawing the regions on top of each other shows as its outer boundary.

    >>> union({0.1: (2e-7, 1e-5)}, {0.1: (3e-7, 2e-5), 0.2: (1e-7, 1e-6)})
    {0.1: (2e-07, 2e-05), 0.2: (1e-07, 1e-06)}
    """
    out: Curve = {}
    for curve in curves:
        for m, (lo, hi) in curve.items():
            if m in out:
                lo, hi = min(lo, out[m][0]), max(hi, out[m][1])
            out[m] = (lo, hi)
    return dict(sorted(out.items()))


def load_reference(spec: Mapping[str, Any]) -> Curve:
    """Read a published curve described as in :data:`darkdump.analyses.na62_2021.REFERENCES`."""
    column, value = spec["select"]
    curve: Curve = {}
    with spec["path"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row[column] == value:
                curve[_key(float(row["mass_GeV"]))] = (
                    float(row["epsilon_lower"]),
                    float(row["epsilon_upper"]),
                )
    return dict(sorted(curve.items()))


@dataclass(frozen=True)
class Comparison:
    """Ours against a reference over a mass range.

    Attributes
    ----------
    masses_GeV
        Reference masses inside the compared range [GeV].
    lower_ratio, upper_ratio
        Ours / published for each edge (NaN where we exclude nothing).
    reach_GeV, reference_reach_GeV
        Largest excluded mass, ours and published [GeV].
    """

    masses_GeV: tuple[float, ...]
    lower_ratio: tuple[float, ...]
    upper_ratio: tuple[float, ...]
    reach_GeV: float
    reference_reach_GeV: float

    @property
    def worst(self) -> float:
        """Largest factor between ours and the reference on either edge (>= 1; inf if missing)."""
        values = [*self.lower_ratio, *self.upper_ratio]
        if not values:
            return math.nan
        return max(math.inf if not math.isfinite(r) else max(r, 1.0 / r) for r in values)

    def within(self, tolerance: float) -> bool:
        """Every edge within a factor ``tolerance`` of the reference."""
        return self.worst <= tolerance

    def table(self, step_GeV: float = 0.05) -> list[list[str]]:
        """Rows ``[mass MeV, lower ratio, upper ratio]`` every ``step_GeV`` (and the ends)."""
        rows = []
        n = len(self.masses_GeV)
        for i, m in enumerate(self.masses_GeV):
            on_step = abs(m / step_GeV - round(m / step_GeV)) < 1e-6
            if on_step or i in (0, n - 1):
                rows.append(
                    [f"{m * 1e3:.0f}", f"{self.lower_ratio[i]:.2f}", f"{self.upper_ratio[i]:.2f}"]
                )
        return rows


def compare(
    ours: Curve,
    reference: Curve,
    mass_range_GeV: tuple[float, float],
    simulated_GeV: Iterable[float] | None = None,
) -> Comparison:
    """Per-mass ratios ours / reference of both edges inside ``mass_range_GeV``.

    ``simulated_GeV``: the masses we simulated [GeV]; the reference masses off that grid
    are left out (a coarse grid, such as ``--quick``'s, is then compared where it has
    masses), while a simulated mass where we exclude nothing gives NaN ratios.

    >>> ref = {0.1: (1e-7, 1e-5), 0.15: (1e-7, 1e-5), 0.2: (1e-7, 1e-5)}
    >>> c = compare({0.1: (2e-7, 1e-5)}, ref, (0.1, 0.2), simulated_GeV=[0.1, 0.2])
    >>> c.masses_GeV, c.lower_ratio, c.upper_ratio
    ((0.1, 0.2), (2.0, nan), (1.0, nan))
    """
    lo_m, hi_m = mass_range_GeV
    masses = [m for m in reference if lo_m - 1e-9 <= m <= hi_m + 1e-9]
    if simulated_GeV is not None:
        on_grid = {_key(m) for m in simulated_GeV}
        masses = [m for m in masses if _key(m) in on_grid]
    nan = math.nan
    lower = [ours[m][0] / reference[m][0] if m in ours else nan for m in masses]
    upper = [ours[m][1] / reference[m][1] if m in ours else nan for m in masses]
    return Comparison(
        masses_GeV=tuple(masses),
        lower_ratio=tuple(lower),
        upper_ratio=tuple(upper),
        reach_GeV=max(ours) if ours else nan,
        reference_reach_GeV=max(reference),
    )

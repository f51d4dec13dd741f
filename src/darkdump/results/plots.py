"""Figures in the style of the NA62 papers (matplotlib, mplhep), written as PNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from darkdump.results.hepdata import LimitRow
from darkdump.results.io import atomic_write_bytes
from darkdump.typing import FloatArray

__all__ = ["draw_reference", "label_epsilon", "plot_limits", "plot_map", "save_figure"]


def label_epsilon(ax: Any) -> None:
    """Label the coupling axis with an upright epsilon (the ROOT style rotates y labels,
    which turns a lone epsilon into something that reads as omega)."""
    ax.set_ylabel(r"$\varepsilon$", rotation=0, ha="right", va="bottom", fontsize=24)
    ax.yaxis.set_label_coords(-0.02, 1.03)


def _pyplot() -> Any:
    """Return pyplot on the Agg backend with the mplhep ROOT style."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    plt.style.use(mplhep.style.ROOT)
    return plt


def save_figure(fig: object, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG, atomically, and close it."""
    import io

    plt = _pyplot()
    buffer = io.BytesIO()
    # Fixed margins: one draw pass (a tight bbox or a layout engine doubles the cost,
    # dominated by the log-axis tick labels).
    fig.subplots_adjust(left=0.14, right=0.95, bottom=0.13, top=0.92)  # type: ignore[attr-defined]
    fig.savefig(buffer, format="png", dpi=100)  # type: ignore[attr-defined]
    plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())


def _edges(rows: Sequence[LimitRow], kind: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Masses and the outermost lower/upper bound per mass for one kind."""
    by_mass: dict[float, tuple[float, float]] = {}
    for mass, row_kind, lower, upper in rows:
        if row_kind != kind:
            continue
        lo, hi = by_mass.get(mass, (np.inf, 0.0))
        by_mass[mass] = (min(lo, lower), max(hi, upper))
    masses = np.array(sorted(by_mass))
    lows = np.array([by_mass[m][0] for m in masses])
    highs = np.array([by_mass[m][1] for m in masses])
    return masses, lows, highs


def plot_limits(
    rows: Sequence[LimitRow],
    path: str | Path,
    *,
    title: str,
    overlays: Mapping[str, Sequence[LimitRow]] | None = None,
    references: Mapping[str, Mapping[float, tuple[float, float]]] | None = None,
    xlim: tuple[float, float] = (0.0, 0.75),
    ylim: tuple[float, float] = (1e-8, 1e-3),
) -> Path:
    """Draw 90 % CL exclusion contours: observed (black), expected with +-1/2 sigma bands.

    ``rows`` are ``(mass_GeV, kind, epsilon_lower, epsilon_upper)``; ``overlays``
    maps a label to other observed rows drawn dash-dotted (e.g. the mumu result
    on the combination, as in PRL fig. 4 right); ``references`` maps a label to a
    published curve ``{mass_GeV: (lower, upper)}`` drawn in red (validation only).
    Rows of kinds ``model_low`` / ``model_high`` (the modelling envelope of
    ``--variations``) are drawn as a hatched band between the two contours.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    m_lo, lo_lo, hi_lo = _edges(rows, "model_low")
    m_hi, lo_hi, hi_hi = _edges(rows, "model_high")
    if m_hi.size:
        # Between the outer (model_high) and inner (model_low) contours, per edge.
        inner_lo = np.interp(m_hi, m_lo, lo_lo, left=np.nan, right=np.nan) if m_lo.size else m_hi * np.nan
        inner_hi = np.interp(m_hi, m_lo, hi_lo, left=np.nan, right=np.nan) if m_lo.size else m_hi * np.nan
        inner_lo = np.where(np.isfinite(inner_lo), inner_lo, hi_hi)
        inner_hi = np.where(np.isfinite(inner_hi), inner_hi, lo_hi)
        style = dict(facecolor="none", edgecolor="grey", hatch="///", lw=0)
        ax.fill_between(m_hi, lo_hi, inner_lo, **style, label="modelling envelope")
        ax.fill_between(m_hi, inner_hi, hi_hi, **style)
    for (lo_kind, hi_kind), colour in (
        (("expected_-2sigma", "expected_+2sigma"), "#ffdd00"),
        (("expected_-1sigma", "expected_+1sigma"), "#00cc00"),
    ):
        m1, lo1, hi1 = _edges(rows, lo_kind)
        m2, lo2, hi2 = _edges(rows, hi_kind)
        common = np.intersect1d(m1, m2)
        if common.size:
            i1 = np.searchsorted(m1, common)
            i2 = np.searchsorted(m2, common)
            # The band of each boundary: between the two quantile contours.
            for a, b in ((lo1[i1], lo2[i2]), (hi1[i1], hi2[i2])):
                ax.fill_between(common, np.minimum(a, b), np.maximum(a, b), color=colour, lw=0)
    for kind, style in (
        ("expected", dict(color="k", ls="--", lw=1.5)),
        ("observed", dict(color="k", lw=2)),
    ):
        masses, lows, highs = _edges(rows, kind)
        if masses.size:
            ax.plot(masses, lows, **style, label=kind)
            ax.plot(masses, highs, **style)
    for label, other in (overlays or {}).items():
        masses, lows, highs = _edges(other, "observed")
        if masses.size:
            ax.plot(masses, lows, color="tab:blue", ls="-.", lw=1.5, label=label)
            ax.plot(masses, highs, color="tab:blue", ls="-.", lw=1.5)
    for label, curve in (references or {}).items():
        draw_reference(ax, curve, label)
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"$M_{A'}$ [GeV]")
    label_epsilon(ax)
    ax.set_title(title, fontsize=14)
    ax.legend(loc="upper right", fontsize=11)
    return save_figure(fig, path)


def draw_reference(
    ax: Any, curve: Mapping[float, tuple[float, float]], label: str, color: str = "tab:red"
) -> None:
    """Draw a published curve ``{mass_GeV: (lower, upper)}`` as a closed dotted contour."""
    if not curve:
        return
    masses = np.array(sorted(curve))
    lows = np.array([curve[m][0] for m in masses])
    highs = np.array([curve[m][1] for m in masses])
    xs = np.concatenate([masses, masses[::-1], masses[:1]])
    ys = np.concatenate([lows, highs[::-1], lows[:1]])
    ax.plot(xs, ys, color=color, ls=":", lw=2, label=label)


def plot_map(
    masses_gev: FloatArray,
    epsilons: FloatArray,
    values: FloatArray,
    path: str | Path,
    *,
    title: str,
    label: str,
    log: bool = True,
    contour_level: float | None = None,
    vmin: float | None = None,
) -> Path:
    """Colour map of ``values[mass, eps]`` in the (M, eps) plane, optional contour line."""
    from matplotlib.colors import LogNorm, Normalize

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6))
    data = np.ma.masked_invalid(np.asarray(values, dtype=float).T)
    if log:
        data = np.ma.masked_less_equal(data, 0.0)
        positive = data.compressed()
        low = vmin if vmin is not None else (float(positive.min()) if positive.size else 1e-3)
        high = float(positive.max()) if positive.size else 1.0
        norm: Normalize = LogNorm(vmin=low, vmax=max(high, low * 10))
    else:
        norm = Normalize(vmin=vmin)
    mesh = ax.pcolormesh(masses_gev, epsilons, data, norm=norm, shading="nearest", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label=label)
    if contour_level is not None and np.nanmax(values) >= contour_level:
        ax.contour(
            masses_gev,
            epsilons,
            np.nan_to_num(np.asarray(values, float).T),
            [contour_level],
            colors="k",
        )
    ax.set_yscale("log")
    ax.set_xlabel(r"$M_{A'}$ [GeV]")
    label_epsilon(ax)
    ax.set_title(title, fontsize=14)
    return save_figure(fig, path)

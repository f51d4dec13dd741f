"""Figures in the style of the NA62 papers: exclusion contours, maps, JHEP fig. 4, ALP limits.

Every function takes ``ax=None``, draws in the mplhep ROOT style (applied in a context
manager) and returns the Axes; :func:`darkdump.plotting.write_figure` writes one as a
PNG file. Masses are drawn in MeV, as the papers speak them.

>>> from darkdump.plotting import new_figure
>>> fig, ax = new_figure()
>>> rows = [(0.3, "observed", 3e-7, 3e-6), (0.4, "observed", 3.5e-7, 2e-6)]
>>> plot_limits(rows, ax=ax, title="example") is ax
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from darkdump.plotting import axes_or_new, label_epsilon, style
from darkdump.results.hepdata import LimitRow
from darkdump.typing import FloatArray

__all__ = [
    "CHANNEL_LABELS",
    "MODE_LABELS",
    "draw_reference",
    "plot_alp",
    "plot_limits",
    "plot_map",
    "plot_zero_event",
]

#: Decay channels and production modes as the papers write them.
CHANNEL_LABELS: dict[str, str] = {
    "ee": r"$A'\to e^+e^-$",
    "mumu": r"$A'\to\mu^+\mu^-$",
    "both": r"$e^+e^-$ and $\mu^+\mu^-$",
}
MODE_LABELS: dict[str, str] = {
    "brems": "bremsstrahlung",
    "meson": "meson decays",
    "total": "bremsstrahlung + meson decays (sum)",
}
_MASS_LABEL = r"$M_{A'}$ [MeV]"


def _edges(rows: Sequence[LimitRow], kind: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Masses [MeV] and the outermost lower/upper bound per mass for one kind."""
    by_mass: dict[float, tuple[float, float]] = {}
    for mass, row_kind, lower, upper in rows:
        if row_kind != kind:
            continue
        lo, hi = by_mass.get(mass, (np.inf, 0.0))
        by_mass[mass] = (min(lo, lower), max(hi, upper))
    masses = np.array(sorted(by_mass))
    lows = np.array([by_mass[m][0] for m in masses])
    highs = np.array([by_mass[m][1] for m in masses])
    return masses * 1e3, lows, highs


def _mass_axis(ax: Any, xlim_mev: tuple[float, float], log: bool) -> None:
    if log:
        ax.set_xscale("log")
    ax.set_xlim(*xlim_mev)
    ax.set_xlabel(_MASS_LABEL)


def plot_limits(
    rows: Sequence[LimitRow],
    ax: Any = None,
    *,
    title: str,
    overlays: Mapping[str, Sequence[LimitRow]] | None = None,
    references: Mapping[str, Mapping[float, tuple[float, float]]] | None = None,
    xlim_mev: tuple[float, float] = (0.0, 750.0),
    log_mass: bool = False,
    ylim: tuple[float, float] = (1e-8, 1e-3),
    earlier: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> Any:
    """Draw 90 % CL exclusion contours: observed, expected and its +-1/2 sigma bands.

    ``earlier`` maps a label to the region of an earlier experiment recomputed by darkdump
    (``darkdump reproduce charm``...), rows ``(mass_GeV, lower, upper)``, drawn in grey.

    ``rows`` are ``(mass_GeV, kind, epsilon_lower, epsilon_upper)``; ``overlays`` maps a
    label to other observed rows drawn dash-dotted (e.g. the mumu result on the
    combination, as in PRL fig. 4 right); ``references`` maps a label to a published
    curve ``{mass_GeV: (lower, upper)}`` drawn dotted red (validation only). Rows of
    kinds ``model_low`` / ``model_high`` (the modelling envelope of ``--variations``)
    are drawn as a hatched band between the two contours.
    """
    from matplotlib.patches import Patch

    with style():
        ax = axes_or_new(ax)
        handles: list[Any] = []
        for (label, region), shade in zip(
            (earlier or {}).items(), (0.75, 0.6, 0.85, 0.5), strict=False
        ):
            handles.append(draw_earlier(ax, region, label, shade))
        m_lo, lo_lo, hi_lo = _edges(rows, "model_low")
        m_hi, lo_hi, hi_hi = _edges(rows, "model_high")
        if m_hi.size:
            # Between the outer (model_high) and inner (model_low) contours, per edge.
            inner_lo = (
                np.interp(m_hi, m_lo, lo_lo, left=np.nan, right=np.nan)
                if m_lo.size
                else m_hi * np.nan
            )
            inner_hi = (
                np.interp(m_hi, m_lo, hi_lo, left=np.nan, right=np.nan)
                if m_lo.size
                else m_hi * np.nan
            )
            inner_lo = np.where(np.isfinite(inner_lo), inner_lo, hi_hi)
            inner_hi = np.where(np.isfinite(inner_hi), inner_hi, lo_hi)
            hatch: dict[str, Any] = {
                "facecolor": "none",
                "edgecolor": "grey",
                "hatch": "///",
                "lw": 0,
            }
            ax.fill_between(m_hi, lo_hi, inner_lo, **hatch)
            ax.fill_between(m_hi, inner_hi, hi_hi, **hatch)
            handles.append(Patch(**hatch, label="modelling envelope"))
        for (lo_kind, hi_kind), colour, label in (
            (("expected_-2sigma", "expected_+2sigma"), "#ffdd00", r"expected $\pm 2\sigma$"),
            (("expected_-1sigma", "expected_+1sigma"), "#00cc00", r"expected $\pm 1\sigma$"),
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
                handles.append(Patch(color=colour, label=label))
        for kind, line_style, label in (
            ("observed", dict(color="k", lw=2, zorder=3), "observed"),
            ("expected", dict(color="#444444", ls="--", lw=1.5, zorder=4), "expected"),
        ):
            masses, lows, highs = _edges(rows, kind)
            if masses.size:
                (line,) = ax.plot(masses, lows, **line_style, label=label)
                ax.plot(masses, highs, **line_style)
                handles.append(line)
        for label, other in (overlays or {}).items():
            masses, lows, highs = _edges(other, "observed")
            if masses.size:
                (line,) = ax.plot(masses, lows, color="tab:blue", ls="-.", lw=1.5, label=label)
                ax.plot(masses, highs, color="tab:blue", ls="-.", lw=1.5)
                handles.append(line)
        for label, curve in (references or {}).items():
            handles.append(draw_reference(ax, curve, label))
        ax.set_yscale("log")
        _mass_axis(ax, xlim_mev, log_mass)
        ax.set_ylim(*ylim)
        label_epsilon(ax)
        ax.set_title(title, fontsize=14)
        ax.legend(handles=handles, loc="upper right", fontsize=11)
    return ax


def plot_map(
    masses_gev: FloatArray,
    epsilons: FloatArray,
    values: FloatArray,
    ax: Any = None,
    *,
    title: str,
    label: str,
    log: bool = True,
    contour_level: float | None = None,
    vmin: float | None = None,
) -> Any:
    """Colour map of ``values[mass, eps]`` in the (M [MeV], eps) plane, optional contour."""
    from matplotlib.colors import LogNorm, Normalize

    with style():
        ax = axes_or_new(ax)
        masses_mev = np.asarray(masses_gev, dtype=float) * 1e3
        data = np.ma.masked_invalid(np.asarray(values, dtype=float).T)
        if log:
            data = np.ma.masked_less_equal(data, 0.0)
            positive = data.compressed()
            low = vmin if vmin is not None else (float(positive.min()) if positive.size else 1e-3)
            high = float(positive.max()) if positive.size else 1.0
            norm: Normalize = LogNorm(vmin=low, vmax=max(high, low * 10))
        else:
            norm = Normalize(vmin=vmin)
        mesh = ax.pcolormesh(
            masses_mev, epsilons, data, norm=norm, shading="nearest", cmap="viridis"
        )
        ax.figure.colorbar(mesh, ax=ax, label=label)
        if contour_level is not None and np.nanmax(values) >= contour_level:
            ax.contour(
                masses_mev,
                epsilons,
                np.nan_to_num(np.asarray(values, float).T),
                [contour_level],
                colors="k",
            )
        ax.set_yscale("log")
        ax.set_xlabel(_MASS_LABEL)
        label_epsilon(ax)
        ax.set_title(title, fontsize=14)
    return ax


def plot_zero_event(
    rows: Sequence[tuple[float, str, str, float, float]],
    ax: Any = None,
    *,
    references: Mapping[str, Mapping[float, tuple[float, float]]] | None = None,
    earlier: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> Any:
    """JHEP fig. 4: N_exp >= 2.3 regions by decay mode (left) and production mode (right).

    ``rows`` are :func:`darkdump.yields.zero_event_rows`; ``ax`` two Axes (or None);
    ``references`` published regions drawn dotted on the right panel; ``earlier`` regions
    of earlier experiments recomputed by darkdump, grey on both panels.
    """
    styles = {"brems": "-", "meson": "--", "total": "-"}
    colours = {"ee": "tab:green", "mumu": "tab:blue", "both": "k"}
    mode_colours = {"brems": "tab:red", "meson": "tab:purple", "total": "k"}
    with style():
        axes = axes_or_new(ax, figsize=(14.0, 6.0), ncols=2)
        keys = {(r[1], r[2]) for r in rows}
        panels = (
            (axes[0], sorted(k for k in keys if k[0] == "total"), "by decay mode"),
            (axes[1], sorted(k for k in keys if k[1] == "both"), "by production mode"),
        )
        for i, (panel, chosen, title) in enumerate(panels):
            extra = [
                draw_earlier(panel, region, label, shade)
                for (label, region), shade in zip(
                    (earlier or {}).items(), (0.75, 0.6, 0.85, 0.5), strict=False
                )
            ]
            for prod, chan in chosen:
                sel = sorted((r for r in rows if r[1] == prod and r[2] == chan), key=lambda r: r[0])
                m = np.array([r[0] for r in sel]) * 1e3
                lo = np.array([r[3] for r in sel])
                hi = np.array([r[4] for r in sel])
                colour = colours[chan] if i == 0 else mode_colours[prod]
                label = CHANNEL_LABELS[chan] if i == 0 else MODE_LABELS[prod]
                panel.plot(m, lo, color=colour, ls=styles[prod], label=label)
                panel.plot(m, hi, color=colour, ls=styles[prod])
            if i == 1:
                for (label, curve), colour in zip(
                    (references or {}).items(), ("tab:orange", "tab:pink"), strict=False
                ):
                    draw_reference(panel, curve, label, color=colour)
            panel.set_yscale("log")
            _mass_axis(panel, (0.0, 750.0), False)
            panel.set_ylim(1e-8, 1e-3)
            panel.set_title(rf"$N_{{exp}} \geq 2.3$, geometric acceptance, {title}", fontsize=13)
            lines, _labels = panel.get_legend_handles_labels()
            panel.legend(handles=[*lines, *extra], fontsize=10)
            label_epsilon(panel)
    return axes


def plot_alp(
    rows: Sequence[tuple[float, ...]],
    channel: str,
    ax: Any = None,
    *,
    title: str | None = None,
) -> Any:
    """ALP limit on BR(B -> K(*) a) x BR(a -> ll) against tau_a, a few masses (JHEP fig. 16).

    ``rows`` are ``(mass_GeV, tau_ps, bound)`` or ``(mass_GeV, tau_ps, bound, mc_error)``;
    with the Monte-Carlo error each curve gets a shaded +-1 sigma band. ``channel`` ``ee``,
    ``mumu`` or ``all`` (both channels, l = e, mu); ``title`` replaces the default "90% CL
    upper limit" one.
    """
    with style():
        ax = axes_or_new(ax)
        masses = sorted({r[0] for r in rows})
        shown = (
            masses
            if len(masses) <= 5
            else [masses[int(i)] for i in np.linspace(0, len(masses) - 1, 4).round()]
        )
        for mass in shown:
            sel = sorted((r for r in rows if r[0] == mass), key=lambda r: r[1])
            tau = np.array([r[1] for r in sel])
            bound = np.array([r[2] for r in sel])
            (line,) = ax.plot(tau, bound, label=f"$M_a$ = {mass * 1000:.0f} MeV")
            if sel and len(sel[0]) > 3:
                err = np.array([r[3] for r in sel])
                ax.fill_between(
                    tau, bound - err, bound + err, color=line.get_color(), alpha=0.25, lw=0
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\tau_a$ [ps]")
        lepton = {"mumu": r"\mu^+\mu^-", "all": r"\ell^+\ell^-"}.get(channel, r"e^+e^-")
        ax.set_ylabel(rf"BR($B\to K^{{(*)}}a$) $\times$ BR($a\to {lepton}$)")
        ax.set_title(
            title if title is not None else rf"ALP, 90% CL upper limit, $a\to {lepton}$",
            fontsize=14,
        )
        ax.legend(fontsize=10)
    return ax


def draw_earlier(
    ax: Any, rows: Sequence[tuple[float, float, float]], label: str, shade: float = 0.8
) -> Any:
    """Grey region of an earlier experiment, rows ``(mass_GeV, lower, upper)``; the Patch.

    Contiguous masses only are joined (a gap of more than twice the usual spacing starts
    a new region), so separate regions are not bridged.
    """
    from matplotlib.patches import Patch

    if not rows:
        return Patch(color=str(shade), alpha=0.6, label=label)
    m = np.array([r[0] for r in rows]) * 1e3
    lo = np.array([r[1] for r in rows])
    hi = np.array([r[2] for r in rows])
    step = float(np.median(np.diff(m))) if m.size > 1 else 1.0
    breaks = np.flatnonzero(np.diff(m) > 2.0 * step) + 1
    for part in np.split(np.arange(m.size), breaks):
        ax.fill_between(m[part], lo[part], hi[part], color=str(shade), alpha=0.6, lw=0, zorder=0)
    return Patch(color=str(shade), alpha=0.6, label=label)


def draw_reference(
    ax: Any, curve: Mapping[float, tuple[float, float]], label: str, color: str = "tab:red"
) -> Any:
    """Draw a published curve ``{mass_GeV: (lower, upper)}`` as a closed dotted contour."""
    masses = np.array(sorted(curve)) * 1e3
    lows = np.array([curve[m][0] for m in sorted(curve)])
    highs = np.array([curve[m][1] for m in sorted(curve)])
    xs = np.concatenate([masses, masses[::-1], masses[:1]])
    ys = np.concatenate([lows, highs[::-1], lows[:1]])
    (line,) = ax.plot(xs, ys, color=color, ls=":", lw=2, label=label)
    return line

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
import numpy.typing as npt

from darkdump.plotting import axes_or_new, label_epsilon, style
from darkdump.results.hepdata import LimitRow
from darkdump.typing import FloatArray

__all__ = [
    "CHANNEL_LABELS",
    "MODE_LABELS",
    "contour_in_log",
    "contour_polygons",
    "draw_reference",
    "mass_axis",
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


def _runs(
    masses: FloatArray, grid: FloatArray | None = None, gap: float = 1.5
) -> list[npt.NDArray[np.intp]]:
    """Index runs of contiguous masses (sorted): where a computed mass is missing, a new run.

    With ``grid`` (every mass computed), two neighbours are contiguous when no grid mass
    lies between them. Without it, a step longer than ``gap`` times both neighbouring
    steps (the one neighbour at an end) marks a missing mass: a uniform grid, or a
    log-spaced one finer than ``gap`` per step, stays whole.

    >>> [r.tolist() for r in _runs(np.array([10.0, 15.0, 20.0, 40.0, 45.0]))]
    [[0, 1, 2], [3, 4]]
    >>> [len(r) for r in _runs(np.geomspace(5.0, 700.0, 30))]
    [30]
    >>> grid = np.array([10.0, 20.0, 50.0, 100.0, 200.0, 500.0])
    >>> [r.tolist() for r in _runs(np.array([10.0, 20.0, 100.0, 200.0]), grid)]
    [[0, 1], [2, 3]]
    """
    if masses.size < 2:
        return [np.arange(masses.size)]
    if grid is not None:
        position = np.searchsorted(np.sort(np.asarray(grid, dtype=np.float64)), masses)
        breaks = np.flatnonzero(np.diff(position) > 1) + 1
    else:
        steps = np.diff(masses)
        before = np.concatenate([[np.inf], steps[:-1]])
        after = np.concatenate([steps[1:], [np.inf]])
        longer = np.maximum(np.where(np.isfinite(before), before, 0.0), after)
        longer = np.where(np.isfinite(longer), longer, before)
        breaks = np.flatnonzero(steps > gap * longer) + 1
    return list(np.split(np.arange(masses.size), breaks))


def contour_polygons(
    masses: FloatArray,
    lows: FloatArray,
    highs: FloatArray,
    *,
    close_start: bool = True,
    grid: FloatArray | None = None,
) -> list[tuple[FloatArray, FloatArray]]:
    """Return the closed outlines ``(x, y)`` of a region given per mass by its two edges.

    Each run of contiguous masses (:func:`_runs`; a mass whose edges are not finite, i.e.
    no region there, also ends a run) is one outline: along the lower edge, back along
    the upper edge, and closed at both ends, so a contour's tip is drawn where its last
    two edges meet. ``close_start=False`` leaves the low-mass end open (a digitised curve
    whose region continues below its first mass). ``grid`` (every mass computed) decides
    which masses are neighbours, and an outline that begins at its first mass is left
    open there: the grid, not physics, ends it.

    >>> x, y = contour_polygons(np.array([1.0, 2.0]), np.array([1.0, 1.5]), np.array([4.0, 3.0]))[0]
    >>> x.tolist(), y.tolist()
    ([1.0, 2.0, 2.0, 1.0, 1.0], [1.0, 1.5, 3.0, 4.0, 1.0])
    """
    finite = np.isfinite(lows) & np.isfinite(highs)
    grid_start = float(np.min(grid)) if grid is not None and len(grid) else None
    # Stretches of finite edges, then runs of neighbouring masses within each.
    stretches = np.split(np.arange(masses.size), np.flatnonzero(np.diff(finite.astype(int))) + 1)
    runs = [
        stretch[run]
        for stretch in stretches
        if stretch.size and finite[stretch[0]]
        for run in _runs(masses[stretch], grid)
    ]
    out = []
    for run in runs:
        m, lo, hi = masses[run], lows[run], highs[run]
        at_start = grid_start is not None and m[0] <= grid_start * (1 + 1e-9)
        close = close_start and not at_start
        xs = np.concatenate([m, m[::-1], m[:1] if close else m[:0]])
        ys = np.concatenate([lo, hi[::-1], lo[:1] if close else lo[:0]])
        out.append((xs, ys))
    return out


def _region_path(
    rows: Sequence[LimitRow], kinds: tuple[str, str], grid: FloatArray | None = None
) -> Any:
    """Path of the region between the contours of two kinds of ``rows``.

    The outlines of the first kind run one way and those of the second the other, so
    with the nonzero fill rule the filled area is what lies inside exactly one of the
    two contours: a band between them, tips included, whichever contains the other.
    """
    from matplotlib.path import Path as MplPath

    vertices: list[FloatArray] = []
    codes: list[npt.NDArray[np.uint8]] = []
    for kind, sign in ((kinds[0], 1), (kinds[1], -1)):
        # A band is a filled area: closed everywhere, at the grid start too.
        masses, lows, highs = _edges(rows, kind)
        runs = _runs(masses, grid)
        for xs, ys in (contour_polygons(masses[r], lows[r], highs[r])[0] for r in runs if r.size):
            xy = np.column_stack([xs, ys])[::sign]
            vertices.append(xy)
            code = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            code[0] = MplPath.MOVETO
            codes.append(code)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _auto_ylim(*groups: Sequence[float]) -> tuple[float, float]:
    """Whole decades about the data: below the smallest value, a decade above the largest."""
    values = np.array([v for g in groups for v in g if np.isfinite(v) and v > 0])
    if values.size == 0:
        return (1e-8, 1e-3)
    low = 10.0 ** np.floor(np.log10(values.min() / 1.5))
    high = 10.0 ** (np.ceil(np.log10(values.max() * 1.5)) + 1)
    return (float(low), float(high))


def contour_in_log(
    ax: Any,
    masses_mev: FloatArray,
    epsilons: FloatArray,
    values: FloatArray,
    level: float,
    **style: Any,
) -> Any:
    """Draw the ``level`` contour of ``values[mass, eps]`` (> 0), interpolated in ln of the value.

    An expected yield changes by orders of magnitude between grid nodes near a contour's
    upper edge; interpolating the value itself puts the contour on the nodes (a staircase
    on a log mass axis). NaN and non-positive values count as none.
    """
    log_values = np.log(np.maximum(np.nan_to_num(np.asarray(values, dtype=float).T), 1e-300))
    return ax.contour(masses_mev, epsilons, log_values, [np.log(level)], **style)


_LOG_MASS_TICKS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


def mass_axis(ax: Any, xlim_mev: tuple[float, float], log: bool) -> None:
    """Label the mass axis in MeV over ``xlim_mev``; ``log``: logarithmic, ticks 1-2-5."""
    if log:
        from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

        ax.set_xscale("log")
        ticks = [t for t in _LOG_MASS_TICKS if xlim_mev[0] <= t <= xlim_mev[1]]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
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
    ylim: tuple[float, float] | None = None,
    earlier: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
    grid_mev: Sequence[float] | None = None,
) -> Any:
    """Draw 90 % CL exclusion contours: observed, expected and its +-1/2 sigma bands.

    ``earlier`` maps a label to the region of an earlier experiment recomputed by darkdump
    (``darkdump reproduce charm``...), rows ``(mass_GeV, lower, upper)``, drawn in grey.

    ``rows`` are ``(mass_GeV, kind, epsilon_lower, epsilon_upper)``; ``overlays`` maps a
    label to other observed rows drawn dash-dotted (e.g. the mumu result on the
    combination, as in PRL fig. 4 right); ``references`` maps a label to a published
    curve ``{mass_GeV: (lower, upper)}`` drawn dotted red (validation only). Rows of
    kinds ``model_low`` / ``model_high`` (the modelling envelope of ``--variations``)
    are drawn as a hatched band between the two contours. Contours are closed outlines
    (:func:`contour_polygons`) and bands fill the area between two of them, tips
    included. ``ylim=None``: whole decades about the drawn curves. ``grid_mev``, the masses
    computed [MeV], tells a mass without exclusion from a gap of the grid, and a contour
    that starts at the first of them is left open there (:func:`contour_polygons`).
    """
    from matplotlib.patches import Patch, PathPatch

    grid = None if grid_mev is None else np.asarray(grid_mev, dtype=np.float64)
    with style():
        ax = axes_or_new(ax)
        handles: list[Any] = []
        for (label, region), shade in zip(
            (earlier or {}).items(), (0.75, 0.6, 0.85, 0.5), strict=False
        ):
            handles.append(draw_earlier(ax, region, label, shade))
        hatch: dict[str, Any] = {"facecolor": "none", "edgecolor": "grey", "hatch": "///", "lw": 0}
        bands = (
            (("model_high", "model_low"), hatch, "modelling envelope"),
            (("expected_-2sigma", "expected_+2sigma"), {"color": "#ffdd00", "lw": 0}, None),
            (("expected_-1sigma", "expected_+1sigma"), {"color": "#00cc00", "lw": 0}, None),
        )
        for kinds, patch_style, band_label in bands:
            path = _region_path(rows, kinds, grid)
            if path is None:
                continue
            ax.add_patch(PathPatch(path, **patch_style))
            n_sigma = kinds[0][-6]
            name = band_label or rf"expected $\pm {n_sigma}\sigma$"
            handles.append(Patch(**patch_style, label=name))
        for kind, line_style, label in (
            ("observed", dict(color="k", lw=2, zorder=3), "observed"),
            ("expected", dict(color="#444444", ls="--", lw=1.5, zorder=4), "expected"),
        ):
            outlines = contour_polygons(*_edges(rows, kind), grid=grid)
            for i, (xs, ys) in enumerate(outlines):
                (line,) = ax.plot(xs, ys, **line_style, label=label if i == 0 else None)
                if i == 0:
                    handles.append(line)
        for label, other in (overlays or {}).items():
            outlines = contour_polygons(*_edges(other, "observed"), grid=grid)
            for i, (xs, ys) in enumerate(outlines):
                (line,) = ax.plot(xs, ys, color="tab:blue", ls="-.", lw=1.5)
                if i == 0:
                    line.set_label(label)
                    handles.append(line)
        for label, curve in (references or {}).items():
            handles.append(draw_reference(ax, curve, label))
        ax.set_yscale("log")
        mass_axis(ax, xlim_mev, log_mass)
        if ylim is None:
            drawn = [*rows, *(r for other in (overlays or {}).values() for r in other)]
            ylim = _auto_ylim(
                [r[2] for r in drawn],
                [r[3] for r in drawn],
                [v for c in (references or {}).values() for pair in c.values() for v in pair],
            )
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
    contour_label: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    log_mass: bool = False,
) -> Any:
    """Colour map of ``values[mass, eps]`` in the (M [MeV], eps) plane, optional contour.

    The mass axis spans the masses that hold data (a channel's threshold is not drawn as
    an empty band); ``log_mass`` draws it logarithmic. Values beyond ``vmin`` / ``vmax``
    take the end colours, marked by the colour bar's arrows. ``contour_label`` names the
    ``contour_level`` line in a legend.
    """
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.lines import Line2D

    with style():
        ax = axes_or_new(ax)
        masses_mev = np.asarray(masses_gev, dtype=float) * 1e3
        raw = np.asarray(values, dtype=float)
        data = np.ma.masked_invalid(raw.T)
        if log:
            data = np.ma.masked_less_equal(data, 0.0)
        shown = data.compressed()
        if log:
            low = vmin if vmin is not None else (float(shown.min()) if shown.size else 1e-3)
            high = vmax if vmax is not None else (float(shown.max()) if shown.size else 1.0)
            norm: Normalize = LogNorm(vmin=low, vmax=max(high, low * 10))
        else:
            norm = Normalize(vmin=vmin, vmax=vmax)
        below = shown.size > 0 and norm.vmin is not None and float(shown.min()) < norm.vmin
        above = shown.size > 0 and norm.vmax is not None and float(shown.max()) > norm.vmax
        extend = {(True, True): "both", (True, False): "min", (False, True): "max"}.get(
            (below, above), "neither"
        )
        mesh = ax.pcolormesh(
            masses_mev, epsilons, data, norm=norm, shading="nearest", cmap="viridis"
        )
        ax.figure.colorbar(mesh, ax=ax, label=label, extend=extend)
        if contour_level is not None and np.nanmax(raw) >= contour_level > 0:
            contour_in_log(ax, masses_mev, epsilons, raw, contour_level, colors="k")
            if contour_label:
                ax.legend(
                    handles=[Line2D([], [], color="k", label=contour_label)],
                    loc="upper right",
                    fontsize=12,
                )
        with_data = np.flatnonzero(np.any(~np.ma.getmaskarray(data), axis=0))
        if with_data.size and masses_mev.size > 1:
            step = np.diff(masses_mev)
            first, last = int(with_data[0]), int(with_data[-1])
            low_m = masses_mev[first] - 0.5 * step[max(first - 1, 0)]
            high_m = masses_mev[last] + 0.5 * step[min(last, step.size - 1)]
            if log_mass:
                mass_axis(ax, (max(low_m, 0.8 * masses_mev[first]), high_m), True)
            else:
                ax.set_xlim(low_m, high_m)
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
    grid = np.array(sorted({r[0] for r in rows})) * 1e3
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
                # On the right panel the sum lies under the two modes it is made of.
                under = i == 1 and prod == "total"
                line_style: dict[str, Any] = {
                    "color": colour,
                    "ls": styles[prod],
                    "lw": 1.2 if under else 2.0,
                    "zorder": 2 if under else 3,
                }
                outlines = contour_polygons(m, lo, hi, grid=grid)
                for j, (xs, ys) in enumerate(outlines):
                    panel.plot(xs, ys, **line_style, label=label if j == 0 else None)
            if i == 1:
                for (label, curve), colour in zip(
                    (references or {}).items(), ("tab:orange", "tab:pink"), strict=False
                ):
                    draw_reference(panel, curve, label, color=colour, close_start=False)
            panel.set_yscale("log")
            # Log mass: the 5-100 MeV region, where meson decays set the lower edge, shows.
            mass_axis(panel, (4.0, 800.0), True)
            panel.set_ylim(*_auto_ylim([r[3] for r in rows], [r[4] for r in rows]))
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
    with the Monte-Carlo error ``e`` each curve gets a shaded band from ``bound / (1 + e /
    bound)`` to ``bound (1 + e / bound)``, the +-1 sigma band made symmetric in log. ``channel`` ``ee``,
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
                # Symmetric on the log axis, bound / (1 + r) to bound x (1 + r), so that a
                # relative error near 1 does not run the band to zero.
                rel = np.array([r[3] for r in sel]) / bound
                ax.fill_between(
                    tau,
                    bound / (1 + rel),
                    bound * (1 + rel),
                    color=line.get_color(),
                    alpha=0.25,
                    lw=0,
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
    for part in _runs(m, gap=2.0):
        ax.fill_between(m[part], lo[part], hi[part], color=str(shade), alpha=0.6, lw=0, zorder=0)
    return Patch(color=str(shade), alpha=0.6, label=label)


def draw_reference(
    ax: Any,
    curve: Mapping[float, tuple[float, float]],
    label: str,
    color: str = "tab:red",
    *,
    close_start: bool = True,
) -> Any:
    """Draw a published curve ``{mass_GeV: (lower, upper)}`` as a dotted contour.

    It is closed at its high-mass tip, and at its first mass unless ``close_start`` is
    False (a digitisation that starts inside the published region).
    """
    masses = np.array(sorted(curve)) * 1e3
    lows = np.array([curve[m][0] for m in sorted(curve)])
    highs = np.array([curve[m][1] for m in sorted(curve)])
    line = None
    for xs, ys in contour_polygons(masses, lows, highs, close_start=close_start):
        (part,) = ax.plot(xs, ys, color=color, ls=":", lw=2)
        line = line or part
    if line is not None:
        line.set_label(label)
    return line

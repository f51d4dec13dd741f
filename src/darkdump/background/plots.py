"""Background figures: the (Z_TAX, CDA_TAX) plane (JHEP figs. 9-10) and prompt pdfs.

Each function takes ``ax=None`` and returns the Axes (:mod:`darkdump.plotting`);
:func:`darkdump.plotting.write_figure` writes one as a PNG file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import m, mm

from darkdump.background.combinatorial import CATEGORIES, PairSample
from darkdump.background.prompt import PromptResult
from darkdump.plotting import axes_or_new, style
from darkdump.selection import regions_for

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["plot_prompt", "plot_zcda"]


def _draw_regions(ax: Any, channel: str, experiment: Experiment | None) -> None:
    from matplotlib.patches import Ellipse, Rectangle

    styles = {"SR": ("red", "-"), "VR": ("black", "-"), "CR": ("black", "--")}
    for name, region in regions_for(channel, experiment).items():
        color, ls = styles.get(name, ("grey", ":"))
        if region.kind == "box":
            z0 = max(region.z_min, -1e6 * m) / m
            z1 = min(region.z_max, 1e6 * m) / m
            patch: Any = Rectangle(
                (z0, 0.0), z1 - z0, region.cda_max / mm, fill=False, ec=color, ls=ls, lw=1.5
            )
        else:
            patch = Ellipse(
                (region.z_center / m, 0.0),
                2 * region.z_half_axis / m,
                2 * region.cda_half_axis / mm,
                fill=False,
                ec=color,
                ls=ls,
                lw=1.5,
            )
        ax.add_patch(patch)


def plot_zcda(
    pairs: PairSample,
    category: int,
    ax: Any = None,
    *,
    experiment: Experiment | None = None,
    z_range_m: tuple[float, float] = (-60.0, 120.0),
    cda_max_mm: float = 500.0,
    title: str | None = None,
) -> Any:
    """Weighted CDA_TAX vs Z_TAX of selected pseudo-events, as JHEP figs. 9-10.

    Parameters
    ----------
    pairs
        Selected pseudo-events (:attr:`CombinatorialResult.pairs`).
    category
        Charge combination index (0: ++, 1: --, 2: +-).
    ax
        Axes to draw on (default: a new figure).
    experiment
        Experiment whose regions are drawn (default: the papers' regions).
    z_range_m, cda_max_mm
        Plot ranges [m], [mm].
    title
        Figure title (default: the charge combination).
    """
    from matplotlib.colors import LogNorm

    with style():
        ax = axes_or_new(ax, figsize=(9.0, 6.0))
        mask = pairs.category == category
        z = pairs.z_tax[mask] / m
        c = pairs.cda_tax[mask] / mm
        w = pairs.weight[mask]
        zb = np.arange(z_range_m[0], z_range_m[1] + 1e-9, 2.0)  # 2 m bins
        cb = np.arange(0.0, cda_max_mm + 1e-9, 10.0)  # 10 mm bins
        hist, _, _ = np.histogram2d(z, c, bins=(zb, cb), weights=w)
        positive = hist[hist > 0]
        if positive.size:
            mesh = ax.pcolormesh(
                zb,
                cb,
                np.where(hist > 0, hist, np.nan).T,
                norm=LogNorm(vmin=positive.min(), vmax=positive.max()),
                cmap="viridis",
            )
            ax.figure.colorbar(mesh, ax=ax, label="expected events per bin")
        _draw_regions(ax, pairs.channel, experiment)
        ax.set_xlim(*z_range_m)
        ax.set_ylim(0.0, cda_max_mm)
        ax.set_xlabel(r"$Z_\mathrm{TAX}$ [m]")
        ax.set_ylabel(r"$\mathrm{CDA}_\mathrm{TAX}$ [mm]")
        label = CATEGORIES[pairs.channel][category]
        ax.set_title(
            title or f"combinatorial {label}: expected (weighted pseudo-events)", fontsize=14
        )
    return ax


def plot_prompt(
    result: PromptResult, ax: Any = None, *, regions: Sequence[str] | None = None
) -> Any:
    """Pseudo-experiment distributions of the prompt yield per region, with the log-normal fit."""
    with style():
        ax = axes_or_new(ax, figsize=(9.0, 6.0))
        names = list(regions or result.regions)
        for name in names:
            x = result.samples[name]
            x = x[x > 0]
            if x.size == 0:
                continue
            est = result.regions[name]
            bins = np.logspace(np.log10(np.quantile(x, 0.001)), np.log10(np.quantile(x, 0.999)), 80)
            ax.hist(
                x, bins=bins, density=True, histtype="step", lw=1.5, label=f"{name} pseudo-exp."
            )
            s = np.log(est.lognormal_shape)
            grid = np.sqrt(bins[1:] * bins[:-1])
            pdf = np.exp(-0.5 * (np.log(grid / est.lognormal_median) / s) ** 2) / (
                grid * s * np.sqrt(2 * np.pi)
            )
            ax.plot(grid, pdf, ls="--", label=f"{name} log-normal fit")
        ax.set_xscale("log")
        ax.set_xlabel("expected prompt background [events]")
        ax.set_ylabel("probability density [1/events]")
        ax.legend(fontsize=11)
    return ax

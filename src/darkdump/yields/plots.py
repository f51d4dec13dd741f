"""Maps of a yields grid (A_sel, sigma_M, N_exp per channel and mode): one plotting path.

Used by ``darkdump yields`` and by the reports; each map is a
:data:`darkdump.plotting.FigureJob` so that the reports can draw them in parallel.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from hepunits import GeV

from darkdump.plotting import FigureJob
from darkdump.results.plots import CHANNEL_LABELS, MODE_LABELS, plot_map

if TYPE_CHECKING:
    from darkdump.yields.grid import YieldGrid

__all__ = ["MIN_EFFECTIVE_EVENTS", "map_figure_jobs"]

#: Maps of A_sel and sigma_M are drawn where at least this many effective simulated
#: events are selected (``n_eff_selected``).
MIN_EFFECTIVE_EVENTS = 10.0


def map_figure_jobs(
    grid: YieldGrid, fig_dir: Path, *, min_effective_events: float = MIN_EFFECTIVE_EVENTS
) -> list[FigureJob]:
    """List the maps of A_sel, sigma_M and N_exp per channel and mode, one job each.

    A_sel and sigma_M are blanked where fewer than ``min_effective_events`` effective
    simulated events are selected (a handful of events carry the weight there); N_exp has
    the 2.3-event contour. Draw with :func:`darkdump.plotting.draw` (or a Dask client).
    """
    jobs: list[FigureJob] = []
    m_gev = grid.masses / GeV
    eps = grid.epsilons
    for channel in grid.channels:
        # e+e- reaches down to a few MeV: a log mass axis, as the limit figures have.
        log_mass = channel == "ee"
        # One sigma_M colour scale for the modes of a channel (its 99th percentile, so
        # that a few noisy cells at the edges do not set it).
        sigmas = [
            np.where(
                grid.get("n_eff_selected", channel, mode) >= min_effective_events,
                grid.get("sigma_m", channel, mode) / GeV * 1000,
                np.nan,
            )
            for mode in grid.modes
        ]
        finite = np.concatenate([s[np.isfinite(s)] for s in sigmas])
        sigma_max = float(np.percentile(finite, 99)) if finite.size else None
        for mode, sig in zip(grid.modes, sigmas, strict=True):
            tag = f"{channel}_{mode}"
            n_eff = grid.get("n_eff_selected", channel, mode)
            a_sel = np.where(
                n_eff >= min_effective_events, grid.get("acceptance_sel", channel, mode), np.nan
            )
            n_exp = grid.get("n_exp", channel, mode)
            where = f"{CHANNEL_LABELS[channel]}, {MODE_LABELS[mode]}"
            jobs += [
                (
                    plot_map,
                    fig_dir / f"acceptance_{tag}.png",
                    (m_gev, eps, a_sel),
                    {
                        "title": rf"$A_{{sel}}$, {where}",
                        "label": r"$A_{sel}$ (selection $\times$ trigger)",
                        "vmin": 1e-4,
                        "log_mass": log_mass,
                    },
                    {},
                ),
                (
                    plot_map,
                    fig_dir / f"sigma_m_{tag}.png",
                    (m_gev, eps, sig),
                    {
                        "title": rf"$\sigma_M$, {where}",
                        "label": r"$\sigma_M$ [MeV]",
                        "log": False,
                        "vmin": 0.0,
                        "vmax": sigma_max,
                        "log_mass": log_mass,
                    },
                    {},
                ),
                (
                    plot_map,
                    fig_dir / f"n_exp_{tag}.png",
                    (m_gev, eps, n_exp),
                    {
                        "title": rf"$N_{{exp}}$, {where}",
                        "label": r"$N_{exp}$",
                        "vmin": 1e-2,
                        "contour_level": 2.3,
                        "contour_label": r"$N_{exp} = 2.3$",
                        "log_mass": log_mass,
                    },
                    {},
                ),
            ]
    return jobs

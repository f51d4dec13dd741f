"""Figures of the models stage: dark-photon branching ratios.

Functions take ``ax=None`` and return the Axes (:mod:`darkdump.plotting`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hepunits import MeV

from darkdump.plotting import axes_or_new, style
from darkdump.typing import FloatArray

__all__ = ["plot_branching_ratios"]

_CURVES = (
    ("ee", r"$e^+e^-$", "-"),
    ("mumu", r"$\mu^+\mu^-$", "-"),
    ("hadrons", "hadrons", "-"),
    ("pipi", r"$\pi^+\pi^-$", "--"),
    ("3pi", r"$\pi^+\pi^-\pi^0$", "--"),
    ("KK", r"$K\bar K$", "--"),
    ("4pi", r"$4\pi$", "--"),
    ("continuum", "other hadrons", ":"),
)


def plot_branching_ratios(masses: FloatArray, ax: Any = None) -> Any:
    """BR(A' -> X) against the A' mass (masses in MeV, drawn in MeV); returns the Axes."""
    from matplotlib import colormaps

    from darkdump.models import dark_photon

    masses = np.asarray(masses, dtype=np.float64)
    grid = np.unique(np.concatenate([masses, np.linspace(masses.min(), masses.max(), 2000)]))
    colours = [colormaps["tab10"](i) for i in range(10)]
    with style():
        ax = axes_or_new(ax, figsize=(9.0, 6.0))
        for (channel, label, line), colour in zip(_CURVES, colours, strict=False):
            ax.plot(
                grid / MeV,
                dark_photon.branching_ratio(channel, grid),
                line,
                color=colour,
                label=label,
            )
        ax.set_yscale("log")
        ax.set_ylim(1e-3, 40.0)  # room for the legend above the curves
        ax.set_xlabel(r"$M_{A'}$ [MeV]")
        ax.set_ylabel(r"$BR(A' \to X)$")
        ax.legend(loc="upper right", ncol=4, fontsize=13, frameon=False)
    return ax

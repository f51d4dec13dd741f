"""Figures of the production stage: A' momentum spectra per mechanism.

Functions take ``ax=None`` and return the Axes (:mod:`darkdump.plotting`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hepunits import GeV, MeV

from darkdump.plotting import axes_or_new, style

__all__ = ["plot_momentum_spectra"]


def plot_momentum_spectra(samples: Mapping[str, Any], mass: float, ax: Any = None) -> Any:
    """dN/dp per POT / eps^2 of each mechanism's sample (mass in MeV); returns the Axes."""
    import mplhep

    # Up to the hardest sampled A' (the beam energy for bremsstrahlung), 80 bins.
    p_max = max((float(np.max(x.p)) / GeV for x in samples.values() if len(x.p)), default=1.0)
    edges = np.linspace(0.0, max(p_max, 1.0) * 1.02, 81)
    with style():
        ax = axes_or_new(ax, figsize=(9.0, 7.0))
        for mechanism, sample in samples.items():
            if sample.rate <= 0.0:
                continue
            counts, _ = np.histogram(sample.p / GeV, bins=edges, weights=sample.weight)
            mplhep.histplot(counts / np.diff(edges), edges, ax=ax, label=mechanism)
        ax.set_yscale("log")
        ax.set_xlabel(r"A' momentum $p$ [GeV/$c$]")
        ax.set_ylabel(r"$dN/dp$ per POT / $\varepsilon^2$ [(GeV/$c$)$^{-1}$]")
        ax.set_title(rf"$M_{{A'}}$ = {mass / MeV:g} MeV", fontsize=18)
        ax.legend(fontsize=14)
    return ax

"""Assembly of per-mass yields results into the (M, eps) grid, and the sigma_M filling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from darkdump.typing import FloatArray
from darkdump.yields.model import (
    QUANTITIES,
    SIGMA_M_MIN_EFFECTIVE_EVENTS,
    MassResult,
    YieldConfig,
    YieldGrid,
)

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["assemble_grid", "fill_sigma_m"]


def fill_sigma_m(sigma_m: FloatArray, n_eff: FloatArray, masses: FloatArray) -> FloatArray:
    """Mass resolution defined on the whole grid (finite and > 0), as the likelihood needs it.

    ``sigma_m`` is kept where at least :data:`SIGMA_M_MIN_EFFECTIVE_EVENTS` effective
    simulated events are selected; elsewhere (extreme couplings, where the yield
    is negligible, or no selected event at all) it takes the value at the nearest
    measured coupling of the same mass (in log eps), else that of the nearest mass
    with a measurement at the same coupling index, else 1 % of the mass.

    Parameters
    ----------
    sigma_m
        Shape ``(n_mass, n_eps)`` [MeV], NaN where undefined.
    n_eff
        Effective number of selected events, same shape.
    masses
        Shape ``(n_mass,)`` [MeV].

    Examples
    --------
    >>> import numpy as np
    >>> sig = np.array([[np.nan, 2.0, 3.0, np.nan], [np.nan] * 4])
    >>> neff = np.array([[0.0, 50.0, 50.0, 1.0], [0.0] * 4])
    >>> fill_sigma_m(sig, neff, np.array([300.0, 400.0])).tolist()
    [[2.0, 2.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]]
    """
    out = np.array(sigma_m, dtype=np.float64, copy=True)
    good = np.isfinite(out) & (out > 0) & (n_eff >= SIGMA_M_MIN_EFFECTIVE_EVENTS)
    out[~good] = np.nan
    n_eps = out.shape[1]
    cols = np.arange(n_eps)
    for i in range(out.shape[0]):
        ok = np.flatnonzero(good[i])
        if ok.size and ok.size < n_eps:
            nearest = ok[np.argmin(np.abs(cols[:, None] - ok[None, :]), axis=1)]
            out[i] = out[i, nearest]
    have = np.flatnonzero(np.any(good, axis=1))
    for i in range(out.shape[0]):
        if np.any(good[i]):
            continue
        if have.size:
            j = have[np.argmin(np.abs(masses[have] - masses[i]))]
            out[i] = out[j]
        else:
            out[i] = 0.01 * masses[i]
    return out


def assemble_grid(
    masses: FloatArray,
    eps: FloatArray,
    results: Sequence[MassResult],
    experiment: Experiment,
    config: YieldConfig,
) -> YieldGrid:
    """Build the :class:`YieldGrid` from per-mass :func:`simulate_mass` results.

    For callers that run :func:`simulate_mass` themselves (caching, Dask);
    ``results`` in the order of ``masses`` [MeV], ``eps`` the couplings.
    """
    keys = [(ch, mode) for ch in config.channels for mode in config.modes]
    values = {
        key: {q: np.stack([r.values[key][q] for r in results]) for q in QUANTITIES} for key in keys
    }
    for key in keys:
        values[key]["sigma_m"] = fill_sigma_m(
            values[key]["sigma_m"], values[key]["n_eff_selected"], masses
        )
    timings: dict[str, float] = {}
    for r in results:
        for name, sec in r.timings.items():
            timings[name] = timings.get(name, 0.0) + sec
    cfg = config.as_dict()
    cfg["experiment"] = str(experiment.name)
    return YieldGrid(
        masses=masses,
        epsilons=eps,
        values=values,
        production_rate={
            mode: np.array([r.production_rate[mode] for r in results]) for mode in config.modes
        },
        branching_ratio={
            ch: np.array([r.branching_ratio[ch] for r in results]) for ch in config.channels
        },
        n_simulated={
            key: np.array([r.n_simulated[key] for r in results], dtype=np.float64) for key in keys
        },
        n_selected={
            key: np.array([r.n_selected[key] for r in results], dtype=np.float64) for key in keys
        },
        n_pot=float(experiment.beam.n_pot),
        config=cfg,
        timings=timings,
    )


#: Former private name of :func:`assemble_grid` (kept for callers).
_assemble = assemble_grid

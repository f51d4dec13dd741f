"""Geometric acceptance of JHEP 09 (2023) 035 fig. 4 and its zero-event exclusion.

JHEP sec. 3: "A geometrical selection, which requires that the A' decays in the
range 105 < Z < 180 m and its daughters are within the LKr active region, is
used to compute A_sel in eq. (3.4)" for the region excluded at 90 % CL with zero
events observed and no background, i.e. N_exp >= 2.3 (fig. 4).

The daughters are straight lines from the decay point to the centre of the
spectrometer magnet, where they receive the horizontal p_T kick, then straight
lines to the LKr front face (the thin-kick model of MNP33 of the fast
simulation). The LKr active region is the octagon of the experiment file's
calorimeter element (``detector.spectrometer.calorimeter``) with its beam hole (0.08 m for NA62).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from hepunits import m

from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = [
    "N_EXCLUDED_ZERO_EVENTS",
    "exclusion_interval",
    "lkr_geometric_acceptance",
    "lkr_masks",
]

#: Events excluded at 90 % CL with zero observed and no background: -ln(0.1) = 2.303,
#: quoted as 2.3 in JHEP 09 (2023) 035 (fig. 13 caption) and PRL fig. 7; the papers' value.
N_EXCLUDED_ZERO_EVENTS = 2.3

BoolArray = npt.NDArray[np.bool_]


def lkr_masks(
    decay_point: FloatArray, daughter_momenta: FloatArray, experiment: Experiment
) -> tuple[BoolArray, BoolArray]:
    """Both true daughters inside the LKr active region, and inside its fiducial region.

    Straight lines from the decay point, the thin magnet kick with ``|p|``
    conserved (as :func:`darkdump.detector.propagate`), straight lines to the LKr
    front face; apertures from :func:`darkdump.detector.detector_geometry`.

    Parameters
    ----------
    decay_point
        Shape ``(n, 3)`` [mm].
    daughter_momenta
        Shape ``(n, 2, 3)`` [MeV], index 0 the negative and 1 the positive lepton.
    experiment
        Experiment with a ``detector`` section.

    Returns
    -------
    active, fiducial
        Masks of shape ``(n,)``: both daughters in the active region (r > 0.08 m
        for NA62) / in the fiducial region used by the track acceptance (r > 0.15 m).
    """
    from darkdump.detector import detector_geometry

    geo = detector_geometry(experiment)
    x0, y0, z0 = decay_point[:, 0], decay_point[:, 1], decay_point[:, 2]
    active = np.ones(decay_point.shape[0], dtype=np.bool_)
    fiducial = active.copy()
    dz_mag = geo.z_magnet - z0
    dz_lkr = geo.calorimeter.z - geo.z_magnet
    for k, charge in ((0, -1.0), (1, 1.0)):
        px, py, pz = daughter_momenta[:, k, 0], daughter_momenta[:, k, 1], daughter_momenta[:, k, 2]
        forward = pz > 0
        inv_pz = 1.0 / np.where(forward, pz, 1.0)
        px_after = px + charge * geo.kick
        pz2_after = px * px + pz * pz - px_after * px_after
        ok = forward & (pz2_after > 0)
        inv_pz_after = 1.0 / np.sqrt(np.where(ok, pz2_after, 1.0))
        x = x0 + px * inv_pz * dz_mag + px_after * inv_pz_after * dz_lkr
        y = y0 + py * inv_pz * dz_mag + py * inv_pz_after * dz_lkr
        active &= ok & geo.calorimeter_active.accepts(x, y)
        fiducial &= ok & geo.calorimeter.accepts(x, y)
    return active, fiducial


def lkr_geometric_acceptance(
    decay_point: FloatArray, daughter_momenta: FloatArray, experiment: Experiment
) -> BoolArray:
    """JHEP fig. 4 acceptance: decay in the fiducial Z range and both daughters in the LKr.

    Parameters
    ----------
    decay_point
        Shape ``(n, 3)`` [mm].
    daughter_momenta
        Shape ``(n, 2, 3)`` [MeV], index 0 the negative and 1 the positive lepton.
    experiment
        Experiment with ``decay_volume`` (``fiducial_z_min_m``, ``fiducial_z_max_m``:
        105-180 m, JHEP sec. 3) and ``detector`` sections.

    Returns
    -------
    Mask of shape ``(n,)``.
    """
    dv = experiment.decay_volume
    z0 = decay_point[:, 2]
    in_z = (z0 > dv.fiducial_z_min_m * m) & (z0 < dv.fiducial_z_max_m * m)
    active, _ = lkr_masks(decay_point, daughter_momenta, experiment)
    return np.asarray(in_z & active, dtype=np.bool_)


def exclusion_interval(
    epsilons: npt.ArrayLike, n_exp: npt.ArrayLike, threshold: float = N_EXCLUDED_ZERO_EVENTS
) -> tuple[float, float]:
    """Coupling interval where ``n_exp >= threshold`` at one mass.

    The crossings are interpolated linearly in (log eps, log n_exp). If the
    region is not contiguous, the lowest lower edge and the highest upper edge
    are returned (the envelope). ``(nan, nan)`` when no grid point reaches the
    threshold.

    Parameters
    ----------
    epsilons
        Increasing couplings, shape ``(n_eps,)``.
    n_exp
        Expected events at those couplings, shape ``(n_eps,)``.
    threshold
        Events needed for exclusion (2.3: 90 % CL, zero observed, no background).

    Examples
    --------
    >>> import numpy as np
    >>> eps = np.logspace(-8, -3, 6)
    >>> lo, hi = exclusion_interval(eps, np.array([0.1, 2.3, 100.0, 50.0, 1.0, 0.0]))
    >>> f"{lo:.1e} {hi:.2e}"
    '1.0e-07 6.12e-05'
    """
    eps = np.asarray(epsilons, dtype=np.float64)
    n = np.asarray(n_exp, dtype=np.float64)
    above = n >= threshold
    if not np.any(above):
        return float("nan"), float("nan")
    idx = np.flatnonzero(above)
    i0, i1 = int(idx[0]), int(idx[-1])
    tiny = 1e-300

    def crossing(ia: int, ib: int) -> float:
        la, lb = np.log(max(n[ia], tiny)), np.log(max(n[ib], tiny))
        lt = np.log(threshold)
        if lb == la:
            return float(eps[ib])
        f = (lt - la) / (lb - la)
        return float(np.exp(np.log(eps[ia]) + f * (np.log(eps[ib]) - np.log(eps[ia]))))

    lower = float(eps[0]) if i0 == 0 else crossing(i0 - 1, i0)
    upper = float(eps[-1]) if i1 == eps.size - 1 else crossing(i1, i1 + 1)
    return lower, upper

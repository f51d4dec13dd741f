"""Geometric acceptance of JHEP 09 (2023) 035 fig. 4 and its zero-event exclusion.

JHEP sec. 3: "A geometrical selection, which requires that the A' decays in the
range 105 < Z < 180 m and its daughters are within the LKr active region, is
used to compute A_sel in eq. (3.4)" for the region excluded at 90 % CL with zero
events observed and no background, i.e. N_exp >= 2.3 (fig. 4).

The daughters are straight lines from the decay point to the centre of the
spectrometer magnet, where they receive the horizontal p_T kick, then straight
lines to the LKr front face (a thin-kick model of MNP33, same as the fast
simulation). The LKr active region is the octagon and inner hole of the
experiment file's ``detector.lkr`` aperture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from hepunits import GeV, m

from darkdump.typing import FloatArray

__all__ = [
    "N_EXCLUDED_ZERO_EVENTS",
    "aperture_contains",
    "exclusion_interval",
    "lkr_geometric_acceptance",
]

#: Events excluded at 90 % CL with zero observed and no background: -ln(0.1) = 2.303,
#: quoted as 2.3 in JHEP 09 (2023) 035 (fig. 13 caption) and PRL fig. 7; the papers' value.
N_EXCLUDED_ZERO_EVENTS = 2.3

BoolArray = npt.NDArray[np.bool_]


def aperture_contains(aperture: Any, x: FloatArray, y: FloatArray) -> BoolArray:
    """Points (x, y) [mm] inside an experiment-file aperture (lengths in metres).

    Conditions (each only when given): ``r_min_m < r < r_max_m``,
    ``|u|, |v| < half_width_m``, ``|u| + |v| < octagon_m``, with (u, v) measured
    from ``center_m``.
    """
    cx, cy = (float(c) * m for c in aperture.center_m)
    u = np.abs(x - cx)
    v = np.abs(y - cy)
    r2 = u * u + v * v
    ok = r2 > (aperture.r_min_m * m) ** 2
    if aperture.r_max_m is not None:
        ok &= r2 < (aperture.r_max_m * m) ** 2
    if aperture.half_width_m is not None:
        ok &= (u < aperture.half_width_m * m) & (v < aperture.half_width_m * m)
    if aperture.octagon_m is not None:
        ok &= u + v < aperture.octagon_m * m
    return np.asarray(ok, dtype=np.bool_)


def lkr_geometric_acceptance(
    decay_point: FloatArray,
    daughter_momenta: FloatArray,
    experiment: Any,
    charges: tuple[int, int] = (-1, 1),
) -> BoolArray:
    """JHEP fig. 4 acceptance: decay in the fiducial Z range and both daughters in the LKr.

    Parameters
    ----------
    decay_point
        Shape ``(n, 3)`` [mm].
    daughter_momenta
        Shape ``(n, 2, 3)`` [MeV], index 0 the negative and 1 the positive lepton.
    experiment
        Experiment with ``decay_volume`` (``fiducial_z_min_m``, ``fiducial_z_max_m``)
        and ``detector`` (``magnet``, ``lkr``) sections.
    charges
        Charges of daughters 0 and 1 [units of e].

    Returns
    -------
    Mask of shape ``(n,)``.
    """
    dv = experiment.decay_volume
    det = experiment.detector
    z0 = decay_point[:, 2]
    ok = (z0 > dv.fiducial_z_min_m * m) & (z0 < dv.fiducial_z_max_m * m)
    z_mag = det.magnet.z_center_m * m
    z_lkr = det.lkr.z_m * m
    kick = det.magnet.pt_kick_GeV * GeV * det.magnet.kick_sign_positive
    for k in (0, 1):
        p = daughter_momenta[:, k, :]
        pz = np.where(p[:, 2] > 0, p[:, 2], np.nan)
        tx = p[:, 0] / pz
        ty = p[:, 1] / pz
        x_mag = decay_point[:, 0] + tx * (z_mag - z0)
        y_mag = decay_point[:, 1] + ty * (z_mag - z0)
        tx_after = (p[:, 0] + charges[k] * kick) / pz
        x = x_mag + tx_after * (z_lkr - z_mag)
        y = y_mag + ty * (z_lkr - z_mag)
        inside = aperture_contains(det.lkr, np.nan_to_num(x, nan=1e12), np.nan_to_num(y, nan=1e12))
        ok &= inside & (p[:, 2] > 0)
    return np.asarray(ok, dtype=np.bool_)


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

"""Decay point sampled in the decay volume, and lifetime re-weighting.

The A' (or ALP) flies in a straight line from its production point along its
momentum. JHEP 09 (2023) 035, sec. 3 samples the decay path from a flat distribution
between the planes ``z_min`` and ``z_max``. darkdump samples it from the mixture

    q(D) = (1 - f) / L + f exp(-(D - D1) / s) / (s (1 - exp(-L / s))),   D1 < D < D2,

of that flat density and a truncated exponential from the volume's entrance
(``f`` = :data:`NEAR_FRACTION`, ``s`` = :data:`NEAR_SCALE`, ``L = D2 - D1``): an importance
sampling, for Monte-Carlo precision only. Short-lived A' (the upper coupling edges)
decay within a few metres of the entrance, where the flat sampling puts few events.
The lifetime enters only through the weight (JHEP eq. 3.6) divided by the sampling
density,

    w_i = exp(-D_i / lambda_i) / (lambda_i q(D_i)),   lambda_i = beta gamma c tau = (p_i / M) c tau,

so that the mean of ``w`` over the sampled decay position is the probability to decay
between the two planes whatever ``q``,

    E[w] = exp(-D1/lambda) - exp(-D2/lambda),

with ``D1`` and ``D2`` the flight distances to the two planes. ``1 / q(D_i)`` is kept as
``path_length`` (it IS the path length ``L`` for flat sampling, ``f = 0``). One sample per
mass therefore serves every coupling (dark photon: ``c tau`` from epsilon) or lifetime
(ALP).

Lengths in mm, momenta and masses in MeV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from darkdump.decay.kinematics import lepton_mass, two_body_decay, two_body_momentum
from darkdump.errors import DarkdumpInputError
from darkdump.production.sample import ProductionSample
from darkdump.typing import FloatArray

__all__ = [
    "DecaySample",
    "decay_in_volume",
    "decay_probability",
    "decay_probability_per_event",
    "decay_weights",
    "weighted_decay_sum",
]


@dataclass(frozen=True)
class DecaySample:
    """Decays of ONE production sample, flat in the decay volume (structure of arrays).

    Attributes
    ----------
    production
        The production sample (mass [MeV], momenta [MeV], production points [mm], weights).
    lepton
        ``"e"`` or ``"mu"``.
    decay_point
        Decay point, shape ``(n, 3)`` [mm] (NA62 frame).
    decay_distance
        Flight distance from the production point to the decay point, shape ``(n,)`` [mm].
    path_length
        Inverse sampling density ``1 / q(D)`` of the decay distance, shape ``(n,)`` [mm]:
        the length of the flight segment between the planes for flat sampling; 0 for
        particles that never reach the volume (moving backwards), whose weights are then 0.
    daughter_momenta
        Lab momenta of the leptons, shape ``(n, 2, 3)`` [MeV]; index 0 = l-, 1 = l+.
    z_min, z_max
        The planes between which the decay was sampled [mm].
    """

    production: ProductionSample
    lepton: str
    decay_point: FloatArray
    decay_distance: FloatArray
    path_length: FloatArray
    daughter_momenta: FloatArray
    z_min: float
    z_max: float

    def __len__(self) -> int:
        return int(self.decay_distance.shape[0])

    @property
    def lepton_mass(self) -> float:
        """Mass of the daughter lepton [MeV]."""
        return lepton_mass(self.lepton)

    @property
    def mean_free_path_per_ctau(self) -> FloatArray:
        """``beta gamma = p / M`` per event [dimensionless]: ``lambda = beta gamma c tau``."""
        return self.production.p / self.production.mass


#: Importance sampling of the decay point (module docstring): fraction of the decays drawn
#: from the truncated exponential at the entrance of the volume, and its scale [mm].
#: Chosen for the effective MC events at the NA62 upper edges, where the contributing
#: decays lie within a few metres of the start of the fiducial volume
#: (``benchmarks/bench_precision.py``); 0 gives JHEP's flat sampling.
NEAR_FRACTION = 0.3
NEAR_SCALE = 6000.0  # mm


def _ctau_array(ctau: npt.ArrayLike) -> FloatArray:
    arr = np.atleast_1d(np.asarray(ctau, dtype=np.float64))
    if arr.ndim != 1 or not np.all(arr > 0):
        raise DarkdumpInputError("ctau: expected positive decay lengths [mm] (scalar or 1-d array)")
    return arr


def _flight_geometry(
    prod: ProductionSample, z_min: float, z_max: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per event: secant of the flight angle to Z, and the flight distances to the planes.

    Returns ``(sec, d1, d2)`` with ``d1 <= d2`` [mm]; events that never reach
    ``z_min < z < z_max`` (``p_z <= 0`` or produced beyond ``z_max``) get ``d1 = d2``.
    """
    pz = prod.momentum[:, 2]
    z0 = prod.production_point[:, 2]
    p = prod.p
    forward = pz > 0
    sec = np.where(forward, p / np.where(forward, pz, 1.0), 0.0)
    d1 = np.maximum(z_min - z0, 0.0) * sec
    d2 = np.maximum(z_max - z0, 0.0) * sec
    return sec, d1, d2


def decay_in_volume(
    prod: ProductionSample,
    lepton: str,
    z_min: float,
    z_max: float,
    rng: np.random.Generator,
) -> DecaySample:
    """Sample one decay per produced particle, flat between two Z planes, into l- l+.

    Parameters
    ----------
    prod
        Production sample of one mass.
    lepton
        ``"e"`` or ``"mu"``.
    z_min, z_max
        Planes bounding the decay range [mm] (NA62: 102 and 180 m, JHEP sec. 3).
    rng
        Random generator: one uniform for the position, two for the decay angles.

    Returns
    -------
    DecaySample
        Decay points [mm], flight distances [mm], path lengths [mm] and the
        lepton momenta [MeV].

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import GeV, MeV, m
    >>> from darkdump.production.sample import ProductionSample
    >>> prod = ProductionSample(300 * MeV, "brems", np.array([[0.0, 0.0, 50 * GeV]]),
    ...                         np.array([[0.0, 0.0, 23 * m]]), np.array([1.0]))
    >>> d = decay_in_volume(prod, "mu", 102 * m, 180 * m, np.random.default_rng(1))
    >>> bool(102 * m < d.decay_point[0, 2] < 180 * m), bool(d.path_length[0] > 0)
    (True, True)
    """
    if not z_min < z_max:
        raise DarkdumpInputError(
            f"decay volume: z_min = {z_min} mm must be below z_max = {z_max} mm"
        )
    m_l = lepton_mass(lepton)
    two_body_momentum(prod.mass, m_l)  # threshold check, one-line error
    n = len(prod)
    _, d1, d2 = _flight_geometry(prod, z_min, z_max)
    u = rng.uniform(0.0, 1.0, n)
    length = d2 - d1
    if NEAR_FRACTION > 0.0:
        # Mixture: flat with probability 1 - f, truncated exponential from D1 otherwise.
        near = rng.uniform(0.0, 1.0, n) < NEAR_FRACTION
        cut = -np.expm1(-length / NEAR_SCALE)  # 1 - exp(-L/s)
        step_exp = -NEAR_SCALE * np.log1p(-u * cut)
        step = np.where(near, step_exp, u * length)
        distance = d1 + step
        with np.errstate(divide="ignore", invalid="ignore"):
            q = (1.0 - NEAR_FRACTION) / length + NEAR_FRACTION * np.exp(-step / NEAR_SCALE) / (
                NEAR_SCALE * cut
            )
            path = np.where(length > 0, 1.0 / np.where(length > 0, q, 1.0), 0.0)
    else:
        distance = d1 + u * length
        path = length
    p = prod.p
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where(p > 0, distance / np.where(p > 0, p, 1.0), 0.0)
    point = prod.production_point + step[:, None] * prod.momentum
    daughters = two_body_decay(prod.momentum, prod.mass, m_l, rng)
    return DecaySample(
        production=prod,
        lepton=lepton,
        decay_point=point,
        decay_distance=distance,
        path_length=path,
        daughter_momenta=daughters,
        z_min=float(z_min),
        z_max=float(z_max),
    )


def decay_weights(sample: DecaySample, ctau: npt.ArrayLike) -> FloatArray:
    """Lifetime weights ``L exp(-D/lambda)/lambda`` (JHEP eq. 3.6 times the path length).

    Parameters
    ----------
    sample
        Decay sample.
    ctau
        Proper decay length(s) c tau [mm], scalar or shape ``(n_ctau,)``.

    Returns
    -------
    FloatArray
        Shape ``(n_ctau, n)`` [dimensionless]. Their production-weighted mean is
        the decay probability in ``[z_min, z_max]``:
        ``sum(w * prod.weight) / sum(prod.weight) -> P_D``.
    """
    ct = _ctau_array(ctau)
    inv_lam = 1.0 / (ct[:, None] * sample.mean_free_path_per_ctau[None, :])
    w: FloatArray = np.exp(-sample.decay_distance[None, :] * inv_lam)
    w *= inv_lam
    w *= sample.path_length[None, :]
    return w


def weighted_decay_sum(
    sample: DecaySample, ctau: npt.ArrayLike, event_weights: FloatArray, chunk: int = 16
) -> FloatArray:
    """``sum_i event_weights[k, i] * w_i(ctau_j)`` without holding the ``(n_ctau, n)`` matrix.

    Parameters
    ----------
    sample
        Decay sample.
    ctau
        Proper decay lengths [mm], shape ``(n_ctau,)``.
    event_weights
        Shape ``(k, n)`` or ``(n,)``: e.g. production weight times a selection mask.
    chunk
        Number of ``ctau`` values processed at a time.

    Returns
    -------
    FloatArray
        Shape ``(k, n_ctau)`` (or ``(n_ctau,)`` for 1-d ``event_weights``).
    """
    ct = _ctau_array(ctau)
    ew = np.asarray(event_weights, dtype=np.float64)
    one_d = ew.ndim == 1
    ew2 = np.atleast_2d(ew)
    # Events with zero weight in every row do not contribute: drop them once.
    keep = np.any(ew2 != 0.0, axis=0) & (sample.path_length > 0)
    bg = sample.mean_free_path_per_ctau[keep]
    dist = sample.decay_distance[keep]
    path = sample.path_length[keep]
    ewk = ew2[:, keep] * (path / bg)[None, :]
    out = np.empty((ew2.shape[0], ct.size))
    neg_d_over_bg = -dist / bg
    for start in range(0, ct.size, chunk):
        c = ct[start : start + chunk]
        e = np.exp(neg_d_over_bg[None, :] / c[:, None])
        out[:, start : start + chunk] = (ewk @ e.T) / c[None, :]
    result: FloatArray = out[0] if one_d else out
    return result


def decay_probability_per_event(
    sample: DecaySample | ProductionSample, ctau: npt.ArrayLike, z_min: float, z_max: float
) -> FloatArray:
    """Analytic probability to decay between the planes ``z_min`` and ``z_max``, per event.

    ``exp(-D1/lambda) - exp(-D2/lambda)`` with ``D1``, ``D2`` the flight
    distances from the production point to the planes along the momentum.

    Parameters
    ----------
    sample
        Decay or production sample.
    ctau
        Proper decay length(s) [mm].
    z_min, z_max
        Planes [mm].

    Returns
    -------
    FloatArray
        Shape ``(n_ctau, n)`` [dimensionless].
    """
    prod = sample.production if isinstance(sample, DecaySample) else sample
    ct = _ctau_array(ctau)
    _, d1, d2 = _flight_geometry(prod, z_min, z_max)
    inv_lam = prod.mass / (ct[:, None] * prod.p[None, :])
    # exp(-a) - exp(-b) = exp(-a) * (-expm1(-(b - a))): no cancellation for b ~ a.
    out: FloatArray = np.exp(-d1[None, :] * inv_lam) * -np.expm1(-(d2 - d1)[None, :] * inv_lam)
    return out


def decay_probability(
    sample: DecaySample | ProductionSample, ctau: npt.ArrayLike, z_min: float, z_max: float
) -> FloatArray:
    """Production-weighted mean decay probability between ``z_min`` and ``z_max``.

    ``P_D = sum_i weight_i P_i / sum_i weight_i`` (JHEP eq. 3.4).

    Returns
    -------
    FloatArray
        Shape ``(n_ctau,)`` [dimensionless].

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import GeV, MeV, m
    >>> from darkdump.production.sample import ProductionSample
    >>> prod = ProductionSample(100 * MeV, "brems", np.array([[0.0, 0.0, 10 * GeV]]),
    ...                         np.zeros((1, 3)), np.array([1.0]))
    >>> # lambda = (p/M) c tau = 100 m: P = exp(-1) - exp(-2)
    >>> bool(np.isclose(decay_probability(prod, 1 * m, 100 * m, 200 * m)[0], np.exp(-1) - np.exp(-2)))
    True
    """
    prod = sample.production if isinstance(sample, DecaySample) else sample
    w = prod.weight
    total = float(np.sum(w))
    if total <= 0:
        raise DarkdumpInputError("production sample: the weights sum to zero")
    result: FloatArray = decay_probability_per_event(sample, ctau, z_min, z_max) @ w / total
    return result

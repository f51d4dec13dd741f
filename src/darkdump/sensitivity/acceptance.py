"""Zero-background acceptance of a beam dump from its generic element layout.

The selection of ``[acceptance]`` in the experiment file (schema
:class:`darkdump.experiments.schema.Acceptance`), the construction of JHEP 09 (2023)
035 fig. 4 generalised to any dump:

- the decay point lies in the vertex range (default: the fiducial decay range) and,
  if ``decay_volume.aperture`` is given, inside it transversely;
- each daughter is a straight line from the decay point; if the layout has a magnet
  and an element lies downstream of its centre, the daughter receives the thin
  horizontal p_T kick there (``px -> px + q kick`` with ``|p|`` conserved, as the
  fast simulation of :mod:`darkdump.detector`);
- a daughter *counts* when it crosses every listed element inside its aperture, with
  an energy inside the channel's window and above every listed element's threshold;
- the decay is accepted when at least ``min_daughters`` daughters count and their
  energies sum to at least ``energy_sum_min_GeV``.

Units: mm and MeV inside, like every stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from hepunits import GeV, m

from darkdump.detector.geometry import Plane
from darkdump.errors import DarkdumpInputError
from darkdump.kinematics import dot3
from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.experiments.schema import AcceptanceChannel, Experiment

__all__ = ["ChannelAcceptance", "channel_acceptance", "daughter_positions"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ChannelAcceptance:
    """The acceptance of one channel in internal units (built once per experiment).

    Attributes
    ----------
    planes
        Elements both daughters are tested against.
    z_magnet, kick
        Thin-kick plane [mm] and signed kick of a positive particle [MeV] (kick 0: none).
    vertex_z
        Vertex range (min, max) [mm].
    volume
        Transverse bound of the decay volume, or None.
    min_daughters
        1 or 2.
    energy_min, energy_max, energy_sum_min
        Energy window per counted daughter and on their sum [MeV].
    efficiency
        Flat efficiency applied to accepted decays [dimensionless].
    """

    planes: tuple[Plane, ...]
    z_magnet: float
    kick: float
    vertex_z: tuple[float, float]
    volume: Plane | None
    min_daughters: int
    energy_min: float
    energy_max: float
    energy_sum_min: float
    efficiency: float

    @classmethod
    def build(cls, experiment: Experiment, channel: str) -> ChannelAcceptance:
        """From the experiment's ``[acceptance]`` and ``detector.elements``."""
        acc = experiment.acceptance
        spec: AcceptanceChannel | None = None if acc is None else acc.channels().get(channel)
        if acc is None or spec is None:
            raise DarkdumpInputError(
                f"experiment {experiment.name!r}: no [acceptance.{channel}] section "
                "(the zero-background selection of this channel)"
            )
        det = experiment.detector
        magnet = det.magnet
        thresholds = []
        planes = []
        for name in spec.elements:
            element = det.element(name)
            if element.kind == "magnet":
                raise DarkdumpInputError(
                    f"acceptance.{channel}.elements: {name!r} is the magnet, not a plane"
                )
            planes.append(Plane.from_element(element))
            thresholds.append(element.energy_threshold_GeV)
        dv = experiment.decay_volume
        volume = None
        if dv.aperture is not None:
            volume = Plane.from_shape("decay volume", dv.z_min_m, dv.aperture)
        z_lo = acc.vertex_z_min_m if acc.vertex_z_min_m is not None else dv.fiducial_z_min_m
        z_hi = acc.vertex_z_max_m if acc.vertex_z_max_m is not None else dv.fiducial_z_max_m
        e_max = spec.energy_max_GeV * GeV if spec.energy_max_GeV is not None else np.inf
        return cls(
            planes=tuple(planes),
            z_magnet=magnet.z_center_m * m if magnet is not None else np.inf,
            kick=(
                magnet.kick_sign_positive * magnet.pt_kick_GeV * GeV  # type: ignore[operator]
                if magnet is not None
                else 0.0
            ),
            vertex_z=(z_lo * m, z_hi * m),
            volume=volume,
            min_daughters=spec.min_daughters,
            energy_min=max([spec.energy_min_GeV, *thresholds]) * GeV,
            energy_max=e_max,
            energy_sum_min=spec.energy_sum_min_GeV * GeV,
            efficiency=spec.efficiency,
        )


def daughter_positions(
    decay_point: FloatArray,
    daughter_momenta: FloatArray,
    plane_z: float,
    z_magnet: float,
    kick: float,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Where the two daughters cross the plane ``z = plane_z`` [mm].

    Parameters
    ----------
    decay_point
        ``(n, 3)`` [mm].
    daughter_momenta
        ``(n, 2, 3)`` [MeV]; index 0 is the negative, 1 the positive lepton.
    plane_z, z_magnet
        Plane and thin-kick positions [mm]; no kick when the plane is upstream of the
        magnet or ``kick`` is 0.
    kick
        Horizontal momentum kick of a positive particle, signed [MeV].

    Returns
    -------
    x, y, ok
        Shapes ``(n, 2)``; ``ok`` is False for daughters going backwards, decays
        downstream of the plane, or tracks the magnet turns back.
    """
    x0 = decay_point[:, 0, None]
    y0 = decay_point[:, 1, None]
    z0 = decay_point[:, 2, None]
    px = daughter_momenta[..., 0]
    py = daughter_momenta[..., 1]
    pz = daughter_momenta[..., 2]
    forward = (pz > 0) & (z0 < plane_z)
    inv_pz = 1.0 / np.where(forward, pz, 1.0)
    if kick == 0.0 or plane_z <= z_magnet:
        dz = plane_z - z0
        return x0 + px * inv_pz * dz, y0 + py * inv_pz * dz, forward
    charge = np.array([-1.0, 1.0])
    dzm = z_magnet - z0
    xm = x0 + px * inv_pz * dzm
    ym = y0 + py * inv_pz * dzm
    px_after = px + charge * kick
    pz2_after = px * px + pz * pz - px_after * px_after
    ok = forward & (pz2_after > 0) & (z0 < z_magnet)
    inv_pz_after = 1.0 / np.sqrt(np.where(ok, pz2_after, 1.0))
    dz2 = plane_z - z_magnet
    return xm + px_after * inv_pz_after * dz2, ym + py * inv_pz_after * dz2, ok


def channel_acceptance(
    decay_point: FloatArray,
    daughter_momenta: FloatArray,
    lepton_mass: float,
    acceptance: ChannelAcceptance,
) -> BoolArray:
    """Return the accepted decays, shape ``(n,)`` (the caller applies the efficiency).

    Parameters
    ----------
    decay_point
        ``(n, 3)`` [mm].
    daughter_momenta
        ``(n, 2, 3)`` [MeV].
    lepton_mass
        Daughter mass [MeV].
    acceptance
        :class:`ChannelAcceptance` of the channel.
    """
    z0 = decay_point[:, 2]
    ok: BoolArray = (z0 > acceptance.vertex_z[0]) & (z0 < acceptance.vertex_z[1])
    if acceptance.volume is not None:
        ok &= acceptance.volume.accepts(decay_point[:, 0], decay_point[:, 1])
    p2 = dot3(daughter_momenta, daughter_momenta)
    energy = np.sqrt(p2 + lepton_mass * lepton_mass)
    counts = (energy > acceptance.energy_min) & (energy < acceptance.energy_max)
    for plane in acceptance.planes:
        x, y, fine = daughter_positions(
            decay_point, daughter_momenta, plane.z, acceptance.z_magnet, acceptance.kick
        )
        counts &= fine & plane.accepts(x, y)
    n_counted = counts.sum(axis=1)
    e_sum = np.where(counts, energy, 0.0).sum(axis=1)
    ok &= (n_counted >= acceptance.min_daughters) & (e_sum >= acceptance.energy_sum_min)
    return ok

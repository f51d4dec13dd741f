"""Fast simulation of a magnetic-spectrometer detector's response to a lepton pair.

The elements and their roles come from the experiment file (``detector.elements`` and
``detector.spectrometer``); nothing here names an experiment's detectors. NA62's
layout (``analyses/na62_2021/experiment.toml``) is the example below.

What is modelled (NA62 names)
-----------------------------
- Tracks are straight lines from the decay point (no residual field in the
  vacuum tank, no multiple scattering along the path: the scattering in the
  STRAW material is folded into the slope resolution, see below).
- The MNP33 dipole is a thin horizontal p_T kick at the centre of the magnet
  (NA62 detector paper JINST 12 (2017) P05025: 270 MeV/c; ``px -> px + q * kick``, with |p| conserved so
  that p_z adjusts), between STRAW2 and STRAW3.
- Acceptance (per track, on the true trajectory): STRAW1-4 annuli about each
  chamber's beam hole, which follows the standard-mode 75 GeV/c beam axis kicked
  by the magnet (see ``analyses/na62_2021/experiment.toml``: the holes do not move in dump mode);
  CHOD and NA48-CHOD annuli; inside the LAV12 inner aperture; LKr octagon with
  the fiducial inner radius (0.15 m); MUV3 square with its beam hole. The ANTI0
  upstream extrapolation (the spectrometer's ``upstream_veto``) is computed as a mask
  (``track_masks["anti0"]``) and
  enters ``in_acceptance`` only when the experiment says so (its geometry is a
  placeholder). The tracks of a muon pair must also cross the spectrometer's
  ``muon_acceptance`` planes (NA62: MUV1, MUV2; JHEP sec. 4).
- Vetoes along the decay volume (the spectrometer's ``vetoes``, NA62: LAV1-11): a
  track that crosses a veto's front or back face inside its aperture (the lead-glass
  ring), downstream of its decay point, fires it and the pair is lost (cut
  ``vetoes``; JHEP sec. 4 "No signal from any LAV station", PRL likewise).
- Isolation: distance between the two tracks at STRAW1 and at the LKr front face.
- Electrons lose energy by bremsstrahlung in the material before the magnet
  (``tracker_material_x0``; NA62: STRAW1 and STRAW2), with the Bethe-Heitler
  distribution: the momentum measured and the calorimeter deposit are what is left.
- Momentum: ``1/p`` smeared with ``sigma_p/p = a (+) b p`` (JHEP sec. 2.1), and
  ``p > 10 GeV/c`` on the smeared momentum (JHEP sec. 4).
- Direction: the slopes ``dx/dz``, ``dy/dz`` upstream of the magnet smeared by
  ``c/p (+) d`` each, and the STRAW1 position by a Gaussian (values and their
  status in the experiment file). The reconstructed track is the straight line
  through the smeared STRAW1 point with the smeared direction.
- LKr: electrons deposit their energy smeared with the LKr resolution (JHEP sec.
  2.1); muons a minimum-ionising Landau deposit (Moyal approximation, most
  probable value and width in the experiment file) smeared likewise. A deposit
  below the cluster threshold (1 GeV, PRL) gives no cluster (E/p = 0).
- PID (JHEP sec. 4, PRL): mu = E/p < 0.2 and a MUV3 signal; e = (E/p)_min <
  E/p < 1.05, a cluster and no MUV3 signal; the MUV3 signal of a muon inside the
  MUV3 acceptance has the efficiency of the experiment file.
- One track per muon signal (JHEP sec. 4): a muon's MUV3 signal is the tile hit by
  the track displaced by its multiple scattering in front of MUV3; the pair is lost
  when both muons hit one tile or one's tile lies within the other's momentum-dependent
  search radius (values in the experiment file).
- Trigger (H2): both tracks inside the CHOD and in different CHOD tiles (JHEP sec.
  2.2), times the flat 98 % efficiency (JHEP sec. 6).

Units: mm, MeV.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from darkdump.decay.volume import DecaySample
from darkdump.detector.geometry import DetectorGeometry, Plane, detector_geometry
from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import Experiment
from darkdump.typing import FloatArray

__all__ = [
    "TrackSample",
    "Trajectories",
    "cut_order",
    "magnet_kick",
    "propagate",
    "simulate",
]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TrackSample:
    """Reconstructed lepton pairs, one per decay (structure of arrays, track index 0 = l-).

    Attributes
    ----------
    decays
        The decay sample (truth).
    charge
        Track charges, shape ``(n, 2)`` [units of e]: ``[-1, +1]``.
    momentum
        Smeared three-momenta upstream of the magnet, shape ``(n, 2, 3)`` [MeV].
    line_point
        Point of the reconstructed upstream track at ``z = reference_z`` (the first
        tracking plane, NA62: STRAW1),
        shape ``(n, 2, 3)`` [mm].
    direction
        Unit direction of the reconstructed upstream track, shape ``(n, 2, 3)``.
    reference_z
        Z of ``line_point`` [mm].
    e_over_p
        Calorimeter cluster energy over smeared momentum, shape ``(n, 2)`` (0 without cluster).
    track_masks
        Per-track masks, shape ``(n, 2)``, named as the per-track cuts of :func:`cut_order`
        (NA62: ``momentum``, ``trackers``, ``chod``, ``na48_chod``, ``lav12``, ``lkr``
        (fiducial), ``muv3``, ``anti0``), plus the calorimeter's active region
        (``lkr_active``), ``is_muon`` and ``is_electron``.
    cuts
        Event masks, shape ``(n,)``, named as in :func:`cut_order` (each one cut,
        not cumulative; both tracks where per track). Two costly cuts are the
        exception, ``vetoes`` and the one-track-per-muon-signal rule: when part of the
        acceptance they are evaluated only for the pairs that pass the acceptance cuts
        before them, and True for the others.
    acceptance_cuts
        Names of the cuts that make ``in_acceptance`` (:func:`cut_order`, without
        the upstream-veto cut unless the experiment requires it).
    upstream_veto_cut
        Name of the upstream-veto cut in ``cuts`` (NA62: ``anti0``), None without one.
    in_acceptance
        AND of ``acceptance_cuts``, shape ``(n,)``.
    pid_ee, pid_mumu
        Both tracks identified as electrons / muons, shape ``(n,)``.
    trigger
        H2 trigger fired, shape ``(n,)``.
    """

    decays: DecaySample
    charge: FloatArray
    momentum: FloatArray
    line_point: FloatArray
    direction: FloatArray
    reference_z: float
    e_over_p: FloatArray
    track_masks: dict[str, BoolArray] = field(repr=False)
    cuts: dict[str, BoolArray] = field(repr=False)
    acceptance_cuts: tuple[str, ...]
    upstream_veto_cut: str | None
    in_acceptance: BoolArray
    pid_ee: BoolArray
    pid_mumu: BoolArray
    trigger: BoolArray

    def __len__(self) -> int:
        return int(self.charge.shape[0])

    def pid(self, channel: str) -> BoolArray:
        """PID mask of ``channel`` (``"ee"`` or ``"mumu"``), shape ``(n,)``."""
        if channel == "ee":
            return self.pid_ee
        if channel == "mumu":
            return self.pid_mumu
        raise DarkdumpInputError(f"channel {channel!r}: allowed: ee, mumu")

    def cut_flow(self) -> list[tuple[str, BoolArray]]:
        """Cumulative masks of ``acceptance_cuts`` in order, then PID and trigger."""
        out: list[tuple[str, BoolArray]] = []
        acc = np.ones(len(self), dtype=bool)
        for name in self.acceptance_cuts:
            acc = acc & self.cuts[name]
            out.append((name, acc))
        channel = "mumu" if self.decays.lepton == "mu" else "ee"
        acc = acc & self.pid(channel)
        out.append((f"pid_{channel}", acc))
        out.append(("trigger", acc & self.trigger))
        return out


@dataclass(frozen=True)
class Trajectories:
    """True track positions [mm] at the detector planes, TRACK-MAJOR: shape ``(2, n)``.

    Attributes
    ----------
    x, y
        Positions by element name (NA62: ``STRAW1`` ... ``STRAW4``, ``ANTI0``, ``LAV12``,
        ``CHOD``, ``NA48-CHOD``, ``LKr``, ``MUV3``), each of shape ``(2, n)`` [mm].
    ok
        Forward-going and not curled up by the magnet, shape ``(2, n)``.
    """

    x: dict[str, FloatArray]
    y: dict[str, FloatArray]
    ok: BoolArray


def _line(x0: FloatArray, slope: FloatArray, dz: FloatArray | float) -> FloatArray:
    out: FloatArray = slope * dz
    out += x0
    return out


def magnet_kick(
    momenta: FloatArray, charge: FloatArray, geo: DetectorGeometry
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Momentum after the thin MNP33 kick: ``px + q * kick``, ``py`` kept, ``|p|`` conserved.

    Parameters
    ----------
    momenta
        Shape ``(..., 3)`` [MeV].
    charge
        Charges broadcastable to ``momenta[..., 0]`` [e].
    geo
        Detector geometry (``geo.kick`` is the signed px change of a positive particle [MeV]).

    Returns
    -------
    tuple
        ``(px_after, pz_after, ok)`` [MeV]; ``ok`` is False where the track would
        not continue forward (``pz_after`` is then 0).
    """
    px = momenta[..., 0]
    pz = momenta[..., 2]
    px_after = px + charge * geo.kick
    pz2_after = px * px + pz * pz - px_after * px_after  # |p| conserved by the field
    ok = (pz > 0) & (pz2_after > 0)
    pz_after = np.sqrt(np.where(ok, pz2_after, 0.0))
    return px_after, pz_after, ok


def propagate(
    decay_point: FloatArray, momenta: FloatArray, charge: FloatArray, geo: DetectorGeometry
) -> Trajectories:
    """Positions of straight tracks with the thin magnet kick at every detector plane.

    Parameters
    ----------
    decay_point
        Shape ``(n, 3)`` [mm].
    momenta
        Track momenta, TRACK-MAJOR shape ``(2, n, 3)`` [MeV].
    charge
        Charges of the two tracks, shape ``(2,)`` [e].
    geo
        Detector geometry.

    Returns
    -------
    Trajectories
        Positions [mm] at every plane, shape ``(2, n)`` each.

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import GeV, m
    >>> from darkdump.experiments import load
    >>> geo = detector_geometry(load("na62-2021"))
    >>> mom = np.array([[[0.0, 0.0, 27 * GeV]], [[0.0, 0.0, 27 * GeV]]])  # (2, 1, 3)
    >>> t = propagate(np.array([[0.0, 0.0, 150 * m]]), mom, np.array([-1.0, 1.0]), geo)
    >>> # 270 MeV kick at 27 GeV: 10 mrad, over the 44.5 m from the magnet to the LKr
    >>> [round(float(x)) for x in t.x["LKr"][:, 0]]
    [445, -445]
    """
    planes = (
        *geo.trackers,
        *((geo.upstream_veto,) if geo.upstream_veto is not None else ()),
        *geo.acceptance,
        *geo.muon_acceptance,
        geo.trigger_plane,
        geo.calorimeter,
        geo.muon_detector,
    )
    return positions_at(decay_point, momenta, charge, geo, [(p.name, p.z) for p in planes])


@dataclass(frozen=True)
class _Lines:
    """Straight tracks before and after the thin magnet kick [mm], TRACK-MAJOR ``(2, n)``."""

    x0: FloatArray  # decay point, (n,)
    y0: FloatArray
    z0: FloatArray
    tx: FloatArray  # slopes upstream of the magnet, (2, n)
    ty: FloatArray
    xm: FloatArray  # position at the magnet centre, (2, n)
    ym: FloatArray
    tx2: FloatArray  # slopes after the kick, (2, n)
    ty2: FloatArray
    ok: BoolArray
    z_magnet: float

    @classmethod
    def build(
        cls, decay_point: FloatArray, momenta: FloatArray, charge: FloatArray, geo: DetectorGeometry
    ) -> _Lines:
        px = momenta[..., 0]
        py = momenta[..., 1]
        pz = momenta[..., 2]
        x0 = decay_point[:, 0]
        y0 = decay_point[:, 1]
        z0 = decay_point[:, 2]
        inv_pz = 1.0 / np.where(pz > 0, pz, 1.0)
        tx = px * inv_pz
        ty = py * inv_pz
        dzm = geo.z_magnet - z0
        px_after, pz_after, ok = magnet_kick(momenta, charge[:, None], geo)
        inv_pz_after = 1.0 / np.where(ok, pz_after, 1.0)
        return cls(
            x0=x0,
            y0=y0,
            z0=z0,
            tx=tx,
            ty=ty,
            xm=_line(x0, tx, dzm),
            ym=_line(y0, ty, dzm),
            tx2=px_after * inv_pz_after,
            ty2=py * inv_pz_after,
            ok=ok,
            z_magnet=geo.z_magnet,
        )

    def at(self, z: float | FloatArray, upstream: bool) -> tuple[FloatArray, FloatArray]:
        """Positions ``(x, y)`` at ``z`` [mm] (a number, or one per pair), on one side of the magnet."""
        if upstream:
            dz = z - self.z0
            return _line(self.x0, self.tx, dz), _line(self.y0, self.ty, dz)
        dz2 = z - self.z_magnet
        return _line(self.xm, self.tx2, dz2), _line(self.ym, self.ty2, dz2)

    def take(self, rows: npt.NDArray[np.intp]) -> _Lines:
        """Return the lines of the pairs ``rows``."""
        return _Lines(
            x0=self.x0[rows],
            y0=self.y0[rows],
            z0=self.z0[rows],
            tx=self.tx[:, rows],
            ty=self.ty[:, rows],
            xm=self.xm[:, rows],
            ym=self.ym[:, rows],
            tx2=self.tx2[:, rows],
            ty2=self.ty2[:, rows],
            ok=self.ok[:, rows],
            z_magnet=self.z_magnet,
        )


def positions_at(
    decay_point: FloatArray,
    momenta: FloatArray,
    charge: FloatArray,
    geo: DetectorGeometry,
    planes: Sequence[tuple[str, float]],
) -> Trajectories:
    """Positions of the tracks at the given ``(key, z)`` planes [mm], as :func:`propagate`.

    A plane upstream of the magnet centre sees the straight line from the decay point, a
    plane downstream of it the line after the thin kick.
    """
    lines = _Lines.build(decay_point, momenta, charge, geo)
    xs: dict[str, FloatArray] = {}
    ys: dict[str, FloatArray] = {}
    for key, z in planes:
        xs[key], ys[key] = lines.at(z, z < geo.z_magnet)
    return Trajectories(xs, ys, lines.ok)


def _veto_runs(geo: DetectorGeometry) -> list[tuple[bool, float, list[tuple[Plane, float]]]]:
    """Split the veto faces into runs along ``z``: ``(upstream of the magnet, clearance, faces)``.

    A run is a stretch of faces on one side of the magnet whose apertures leave the same
    clear disk about the Z axis (the clearance [mm], 0 without a centred hole); ``faces``
    are ``(plane, z)``.
    """
    faces = sorted(((p, z) for p in geo.vetoes for z in p.faces), key=lambda f: f[1])
    runs: list[tuple[bool, float, list[tuple[Plane, float]]]] = []
    for plane, z in faces:
        clearance = max(float(np.sqrt(plane.r_min2)) - float(np.hypot(plane.cx, plane.cy)), 0.0)
        upstream = z < geo.z_magnet
        if runs and runs[-1][:2] == (upstream, clearance):
            runs[-1][2].append((plane, z))
        else:
            runs.append((upstream, clearance, [(plane, z)]))
    return runs


def _vetoed(
    decay_point: FloatArray, momenta: FloatArray, charge: FloatArray, geo: DetectorGeometry
) -> BoolArray:
    """Tracks that fire a veto: inside its aperture at a face downstream of the decay, (2, n).

    Arguments as for :func:`propagate`. Every face is tested, but only for the tracks that
    can reach one: along a straight line the distance to the Z axis is convex in ``z``, so
    over the faces of a run downstream of the decay it is at most its larger value at
    ``max(z_decay, first face)`` and at the last face; a track within the run's clearance
    at both cannot fire it.
    """
    lines = _Lines.build(decay_point, momenta, charge, geo)
    hit = np.zeros(lines.ok.shape, dtype=bool)
    for upstream, clearance, faces in _veto_runs(geo):
        z_first, z_last = faces[0][1], faces[-1][1]
        live = lines.z0 < z_last
        if not live.any():
            continue
        c2 = clearance * clearance
        x, y = lines.at(np.maximum(lines.z0, z_first), upstream)
        # >=: with no clear disk (c2 = 0) every track, on the axis too, is a candidate
        far = x * x + y * y >= c2
        x, y = lines.at(z_last, upstream)
        far |= x * x + y * y >= c2
        rows = np.flatnonzero(live & far.any(axis=0))
        if not rows.size:
            continue
        sub = lines.take(rows)
        run_hit = np.zeros((2, rows.size), dtype=bool)
        for plane, z in faces:
            x, y = sub.at(z, upstream)
            run_hit |= (sub.z0 < z) & plane.accepts(x, y)
        hit[:, rows] |= run_hit
    out: BoolArray = hit & lines.ok
    return out


def radiated_fraction(x0: float, shape: tuple[int, ...], rng: np.random.Generator) -> FloatArray:
    """Fraction of its energy an electron keeps after ``x0`` radiation lengths.

    Bethe-Heitler (Z. Phys. 1934; as used for electron tracking, e.g. Adam et al., J. Phys.
    G 31 (2005) N9): ``-ln z`` follows a gamma distribution of shape ``c = x0 / ln 2``, so
    that ``<z> = exp(-x0)``, the definition of the radiation length. Sampled as
    ``Y U^(1/c)`` (Y of shape ``1 + c``, U uniform; Stuart 1962), drawing Y only where
    ``U^(1/c) > 1e-6``: elsewhere the loss, below ``1e-6 Y``, is set to 0 (a relative
    momentum change above 1e-5 is thereby dropped with probability 5e-5), which makes
    the sampling about three times faster for the thin layers of a tracker.

    Mean over 200 000 electrons through 5 % of a radiation length (standard error 3e-4):

    >>> z = radiated_fraction(0.05, (200_000,), np.random.default_rng(1))
    >>> bool(abs(z.mean() - np.exp(-0.05)) < 1.5e-3)
    True
    """
    c = x0 / np.log(2.0)
    u = rng.uniform(0.0, 1.0, shape)
    out: FloatArray = np.ones(shape)
    radiates = u > 1e-6**c
    y = rng.standard_gamma(1.0 + c, int(radiates.sum()))
    out[radiates] = np.exp(-y * u[radiates] ** (1.0 / c))
    return out


def cut_order(geo: DetectorGeometry) -> tuple[str, ...]:
    """Event-level cuts of :attr:`TrackSample.cuts` in cut-flow order.

    Plane cuts are named after their element (:func:`~darkdump.detector.geometry.cut_name`),
    so the names come from the experiment file: ``trackers`` (every tracking plane), the
    ``detector.spectrometer.acceptance`` planes, the calorimeter, the muon detector, the
    upstream veto (when there is one), the isolation at the first tracking plane and at
    the calorimeter, and the one-track-per-muon-signal rule.

    >>> from darkdump.detector.geometry import detector_geometry
    >>> from darkdump.experiments import load
    >>> cut_order(detector_geometry(load("na62-2021")))  # doctest: +NORMALIZE_WHITESPACE
    ('decay_upstream', 'momentum', 'trackers', 'chod', 'na48_chod', 'lav12', 'muv1', 'muv2',
     'lkr', 'muv3', 'anti0', 'isolation_straw1', 'isolation_lkr', 'muv3_one_track', 'vetoes')
    """
    return tuple(name for role, name in geo.mask_names.items() if role not in _TRACK_MASKS)


#: Roles of ``DetectorGeometry.mask_names`` that are per-track masks, not event cuts.
_TRACK_MASKS = ("calorimeter active region", "muon identification", "electron identification")


def upstream_veto_cut(geo: DetectorGeometry) -> str | None:
    """Name of the upstream-veto cut (NA62: ``"anti0"``), None without an upstream veto."""
    return geo.mask_names.get("upstream_veto")


def _tile_indices(
    x: FloatArray, y: FloatArray, plane: Plane, pitch_x: float, pitch_y: float
) -> tuple[FloatArray, FloatArray]:
    """Return the column and row of the tile holding ``(x, y)`` [mm].

    The grid has tiles of ``pitch_x`` x ``pitch_y`` [mm], edges on the axes through the
    plane's aperture centre.
    """
    return np.floor((x - plane.cx) / pitch_x), np.floor((y - plane.cy) / pitch_y)


def _different_tiles(x: FloatArray, y: FloatArray, geo: DetectorGeometry) -> BoolArray:
    """Return whether the two tracks hit different trigger-hodoscope tiles, shape ``(n,)``.

    ``(x, y)`` [mm], shape ``(2, n)``, at the hodoscope; its tiles form a grid of
    ``geo.trigger_tile`` centred on the aperture centre with edges on the axes (all True
    without tiles).
    """
    tx, ty = geo.trigger_tile
    if tx <= 0.0 or ty <= 0.0:
        return np.ones(x.shape[-1], dtype=bool)
    ix, iy = _tile_indices(x, y, geo.trigger_plane, tx, ty)
    out: BoolArray = (ix[0] != ix[1]) | (iy[0] != iy[1])
    return out


def _one_track_per_muon_signal(
    x: FloatArray, y: FloatArray, p: FloatArray, shifts: FloatArray | None, geo: DetectorGeometry
) -> BoolArray:
    """No muon-detector signal associated with both tracks, shape ``(n,)``.

    NA62 (JHEP sec. 4): "A MUV3 signal found within a momentum-dependent search radius
    around the track impact point [...] is associated to the STRAW track. A signal from
    MUV3 must only be associated to one STRAW track." Each muon's signal is the tile (a
    square grid of pitch ``muon_detector_tile``, centred on the aperture centre with a
    tile edge on the axis) holding its hit: the extrapolated impact point ``(x, y)``
    [mm], shape ``(2, n)``, displaced by ``shifts`` (standard normals ``(2, 2, n)``)
    times the multiple-scattering spread ``muon_scattering / p``. The pair is lost when
    both hit one tile, or when one's tile lies within the other's search radius
    ``muon_search_radius / p`` of its impact point (``p`` [MeV], shape ``(2, n)``).
    """
    tile = geo.muon_detector_tile
    if tile <= 0.0:
        return np.ones(x.shape[-1], dtype=bool)
    cx, cy = geo.muon_detector.cx, geo.muon_detector.cy
    hx, hy = x, y
    if shifts is not None and geo.muon_scattering > 0.0:
        spread = geo.muon_scattering / p
        hx = _line(x, spread, shifts[0])
        hy = _line(y, spread, shifts[1])
    ix, iy = _tile_indices(hx, hy, geo.muon_detector, tile, tile)
    shared: BoolArray = (ix[0] == ix[1]) & (iy[0] == iy[1])
    if geo.muon_search_radius > 0.0:
        radius = geo.muon_search_radius / p
        for mine, other in ((0, 1), (1, 0)):
            # distance from this track's impact point to the other muon's tile
            x1 = cx + ix[other] * tile
            y1 = cy + iy[other] * tile
            dx = np.maximum(np.maximum(x1 - x[mine], x[mine] - x1 - tile), 0.0)
            dy = np.maximum(np.maximum(y1 - y[mine], y[mine] - y1 - tile), 0.0)
            shared |= dx * dx + dy * dy < radius[mine] * radius[mine]
    return ~shared


def simulate(decays: DecaySample, experiment: Experiment, rng: np.random.Generator) -> TrackSample:
    """Detector response to the lepton pairs of ``decays``.

    Parameters
    ----------
    decays
        Decay sample (decay points [mm], lepton momenta [MeV]).
    experiment
        Experiment with ``detector`` and ``selection`` sections.
    rng
        Random generator (resolutions, PID and trigger efficiencies).

    Returns
    -------
    TrackSample
        Smeared tracks, E/p and the masks of every cut (see the module docstring
        for what is modelled).

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import GeV, MeV, m
    >>> from darkdump.decay import decay_in_volume
    >>> from darkdump.experiments import load
    >>> from darkdump.production.sample import ProductionSample
    >>> rng = np.random.default_rng(1)
    >>> prod = ProductionSample(400 * MeV, "brems", np.tile([0.0, 0.0, 80 * GeV], (1000, 1)),
    ...                         np.tile([0.0, -22.0, 23 * m], (1000, 1)), np.ones(1000))
    >>> tracks = simulate(decay_in_volume(prod, "mu", 102 * m, 180 * m, rng), load("na62-2021"), rng)
    >>> 0.2 < float(np.mean(tracks.in_acceptance & tracks.pid_mumu)) < 0.9
    True
    """
    geo = detector_geometry(experiment)
    lepton = decays.lepton
    n = len(decays)
    m_l = decays.lepton_mass
    # Track-major layout (2, n): contiguous inner loops of length n. Always a copy (for
    # n = 1 the moved axes are already contiguous), since the electrons' radiation below
    # scales it in place.
    p_vec = np.array(np.moveaxis(decays.daughter_momenta, 1, 0), order="C")
    charge2 = np.array([-1.0, 1.0])

    # --- random numbers, in a fixed order (reproducible) ---
    normals = rng.standard_normal((7, 2, n))
    uniforms = rng.uniform(0.0, 1.0, (1, 2, n))
    trigger_u = rng.uniform(0.0, 1.0, n)
    if lepton == "e" and geo.tracker_material_x0 > 0.0:
        # Electrons radiate in the material before the magnet: the spectrometer measures,
        # and the calorimeter collects, what is left, and the direction upstream is
        # unchanged. The photon is taken to land apart: the magnet separates it by
        # 44.5 m x 270 MeV/p x f/(1-f), above 5 cm unless the fraction f radiated is below
        # a few per cent at 40-100 GeV/c. Softer photons would merge with the electron's
        # cluster and raise E/p to 1/(1-f): NOT modelled (the PRL associates "possible
        # bremsstrahlung-induced energy deposits" in a way it does not give).
        p_vec *= radiated_fraction(geo.tracker_material_x0, (2, n), rng)[..., None]
    traj = propagate(decays.decay_point, p_vec, charge2, geo)
    xs, ys = traj.x, traj.y

    # --- momentum and direction resolution ---
    px, py, pz = p_vec[..., 0], p_vec[..., 1], p_vec[..., 2]
    p_true = np.sqrt(px * px + py * py + pz * pz)
    inv_pz = 1.0 / np.where(traj.ok, pz, 1.0)
    inv_p_reco = geo.sigma_p_over_p(p_true)
    inv_p_reco *= normals[0]
    inv_p_reco += 1.0
    inv_p_reco /= p_true
    positive = inv_p_reco > 0
    p_reco = np.where(positive, 1.0 / np.where(positive, inv_p_reco, 1.0), np.inf)
    sig_t = geo.sigma_slope(p_true)
    tx = _line(px * inv_pz, sig_t, normals[1])
    ty = _line(py * inv_pz, sig_t, normals[2])
    norm = 1.0 / np.sqrt(1.0 + tx * tx + ty * ty)
    direction = np.empty((n, 2, 3))
    dir_t = np.moveaxis(direction, 1, 0)  # (2, n, 3) view
    dir_t[..., 0] = tx * norm
    dir_t[..., 1] = ty * norm
    dir_t[..., 2] = norm
    momentum = direction * p_reco.T[..., None]
    s1 = geo.trackers[0]
    line_point = np.empty((n, 2, 3))
    lp_t = np.moveaxis(line_point, 1, 0)
    lp_t[..., 0] = _line(xs[s1.name], normals[3], geo.sigma_position)
    lp_t[..., 1] = _line(ys[s1.name], normals[4], geo.sigma_position)
    lp_t[..., 2] = s1.z

    # --- acceptance per track ---
    def acc(plane: Plane) -> BoolArray:
        return plane.accepts(xs[plane.name], ys[plane.name])

    # Cut and mask names by role (from the experiment's element names).
    names = geo.mask_names
    momentum_cut, trackers_cut = names["momentum"], names["trackers"]
    plane_cuts = [names[f"acceptance {plane.name}"] for plane in geo.acceptance]
    muon_cuts = [names[f"muon acceptance {plane.name}"] for plane in geo.muon_acceptance]
    calo, muon = names["calorimeter"], names["muon_detector"]
    veto = upstream_veto_cut(geo)
    trackers_ok = traj.ok.copy()
    for plane in geo.trackers:
        trackers_ok &= acc(plane)
    tm: dict[str, BoolArray] = {
        momentum_cut: p_reco > geo.momentum_min,
        trackers_cut: trackers_ok,
        **{name: acc(plane) for name, plane in zip(plane_cuts, geo.acceptance, strict=True)},
        **{name: acc(plane) for name, plane in zip(muon_cuts, geo.muon_acceptance, strict=True)},
        calo: acc(geo.calorimeter),
        names["calorimeter active region"]: geo.calorimeter_active.accepts(
            xs[geo.calorimeter.name], ys[geo.calorimeter.name]
        ),
        muon: acc(geo.muon_detector),
    }
    if veto is not None:
        tm[veto] = acc(geo.upstream_veto)  # type: ignore[arg-type]
    vetoes = names.get("vetoes")

    # --- calorimeter energy and PID ---
    if lepton == "e":
        e_true = np.sqrt(p_true * p_true + m_l * m_l)
        muon_prob = geo.electron_muon_detector_probability
    else:
        # Moyal variate -ln(Z^2) approximates the Landau deposit of a MIP.
        moyal = -np.log(normals[5] * normals[5] + 1e-300)
        e_true = np.maximum(geo.muon_calorimeter_mpv + geo.muon_calorimeter_width * moyal, 0.0)
        muon_prob = geo.muon_detector_efficiency
    e_safe = np.maximum(e_true, 1e-3)
    e_meas = geo.sigma_e_over_e(e_safe)
    e_meas *= normals[6]
    e_meas += 1.0
    e_meas *= e_true
    has_cluster = tm[calo] & (e_meas > geo.cluster_threshold)
    e_over_p = np.where(has_cluster, e_meas / p_reco, 0.0)
    muon_signal = tm[muon] & (uniforms[0] < muon_prob)
    e_min = geo.electron_e_over_p_min - geo.electron_slope * np.maximum(
        p_reco - geo.electron_pivot, 0.0
    )
    is_muon = (e_over_p < geo.muon_e_over_p_max) & muon_signal
    is_electron = (
        has_cluster & (e_over_p > e_min) & (e_over_p < geo.electron_e_over_p_max) & ~muon_signal
    )
    tm[names["muon identification"]] = is_muon
    tm[names["electron identification"]] = is_electron

    # --- event-level cuts ---
    def both(mask: BoolArray) -> BoolArray:
        out: BoolArray = mask[0] & mask[1]
        return out

    def separation(name: str) -> FloatArray:
        dx = xs[name][0] - xs[name][1]
        dy = ys[name][0] - ys[name][1]
        out: FloatArray = np.sqrt(dx * dx + dy * dy)
        return out

    cuts: dict[str, BoolArray] = {
        names["decay_upstream"]: (decays.path_length > 0) & (decays.decay_point[:, 2] < s1.z),
        **{
            name: both(tm[name])
            for name in (momentum_cut, trackers_cut, *plane_cuts, *muon_cuts, calo, muon)
        },
        **({veto: both(tm[veto])} if veto is not None else {}),
        names["first-tracker isolation"]: separation(s1.name) > geo.isolation_tracker,
        names["calorimeter isolation"]: separation(geo.calorimeter.name)
        > geo.isolation_calorimeter,
    }
    one_track = names["one track per muon signal"]
    xs_mu, ys_mu = xs[geo.muon_detector.name], ys[geo.muon_detector.name]

    def muon_signals(rows: BoolArray) -> BoolArray:
        """Evaluate the one-track-per-muon-signal cut where ``rows``; True elsewhere."""
        out = np.ones(n, dtype=bool)
        idx = np.flatnonzero(rows)
        if lepton != "mu" or geo.muon_detector_tile <= 0.0 or not idx.size:
            return out
        # drawn last, so that the numbers above do not depend on whether they are needed
        shifts = rng.standard_normal((2, 2, idx.size)) if geo.muon_scattering > 0.0 else None
        out[idx] = _one_track_per_muon_signal(
            xs_mu[:, idx], ys_mu[:, idx], p_true[:, idx], shifts, geo
        )
        return out

    def veto_counters(rows: BoolArray) -> BoolArray:
        """Evaluate the vetoes cut (and its track mask) where ``rows``; True elsewhere."""
        mask = np.ones((2, n), dtype=bool)
        idx = np.flatnonzero(rows)
        if idx.size:
            mask[:, idx] = ~_vetoed(decays.decay_point[idx], p_vec[:, idx], charge2, geo)
        tm[vetoes] = mask  # type: ignore[index]
        return both(mask)

    # The last two, costly, cuts are evaluated only for the pairs that pass the acceptance
    # cuts before them (a fifth to a third of the decays); the others count as passing,
    # which leaves in_acceptance and the cumulative cut flow exact.
    lazy = {one_track: muon_signals, **({vetoes: veto_counters} if vetoes is not None else {})}
    # Cuts that enter the acceptance only when the experiment or the channel asks.
    optional: dict[str | None, bool] = dict.fromkeys(muon_cuts, lepton == "mu")
    optional[veto] = geo.upstream_veto_in_acceptance
    optional[vetoes] = geo.vetoes_in_acceptance
    order = cut_order(geo)
    acceptance_cuts = tuple(c for c in order if optional.get(c, True))
    in_acc = np.ones(n, dtype=bool)
    for name in acceptance_cuts:
        if name in lazy:
            cuts[name] = lazy.pop(name)(in_acc)
        in_acc &= cuts[name]
    for name, evaluate in lazy.items():  # not in the acceptance: every pair
        cuts[name] = evaluate(np.ones(n, dtype=bool))
    cuts = {name: cuts[name] for name in order}
    trigger = both(acc(geo.trigger_plane)) & (trigger_u < geo.trigger_efficiency)
    trigger &= _different_tiles(xs[geo.trigger_plane.name], ys[geo.trigger_plane.name], geo)
    charge = np.empty((n, 2))
    charge[:, 0] = -1.0
    charge[:, 1] = 1.0
    return TrackSample(
        decays=decays,
        charge=charge,
        momentum=momentum,
        line_point=line_point,
        direction=direction,
        reference_z=s1.z,
        e_over_p=e_over_p.T,
        track_masks={k: v.T for k, v in tm.items()},
        cuts=cuts,
        acceptance_cuts=acceptance_cuts,
        upstream_veto_cut=veto,
        in_acceptance=in_acc,
        pid_ee=both(is_electron),
        pid_mumu=both(is_muon),
        trigger=trigger,
    )

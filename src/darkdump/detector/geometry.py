"""The detector description of an experiment in internal units, built once per experiment.

Converts the ``detector`` section of an :class:`~darkdump.experiments.Experiment`
(metres, GeV) to mm and MeV and keeps it in plain floats and small arrays, so
that :func:`darkdump.detector.simulate` does not re-derive geometry per call.
The fast simulation finds its elements by the roles of ``detector.spectrometer``
(trackers, magnet, acceptance planes, calorimeter, muon detector, trigger
hodoscope, upstream veto) in the generic element list.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hepunits import GeV, m, mm

from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import Element, Experiment, Shape, cut_name

__all__ = ["DetectorGeometry", "Plane", "cut_name", "detector_geometry", "inside_polygon"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Plane:
    """A detector plane and its transverse acceptance, in mm.

    Attributes
    ----------
    name
        Element name.
    z
        Longitudinal position [mm].
    cx, cy
        Centre of the acceptance (the shape's offset) [mm].
    r_min2, r_max2
        Squared inner and outer radii [mm^2] (0 / ``inf`` when absent); a circular hole
        centred on the shape is an inner radius.
    half_width
        Half side of a square acceptance [mm] (``inf`` when absent).
    octagon
        Bound on ``|u| + |v|`` [mm] (``inf`` when absent).
    half_height
        Half height of a rectangle [mm] (``inf``: equal to ``half_width``).
    polygon
        Corners ``(k, 2)`` of a polygonal acceptance relative to the centre [mm], or None.
    holes
        Other holes: ``(kind, cx, cy, a, b, vertices)`` relative to the centre [mm].
    depth
        Length along the beam [mm]: the back face is at ``z + depth`` (vetoes).
    """

    name: str
    z: float
    cx: float
    cy: float
    r_min2: float
    r_max2: float
    half_width: float
    octagon: float
    half_height: float = float("inf")
    polygon: np.ndarray | None = None
    holes: tuple[tuple[str, float, float, float, float, np.ndarray | None], ...] = ()
    depth: float = 0.0

    @classmethod
    def from_element(cls, element: Element, r_min_m: float | None = None) -> Plane:
        """Build from a layout element (metres) to mm; ``r_min_m`` overrides the inner radius."""
        if element.aperture is None:
            raise DarkdumpInputError(f"detector element {element.name!r} has no aperture")
        return cls.from_shape(
            element.name, element.z_center_m, element.aperture, r_min_m, element.depth_m
        )

    @classmethod
    def from_shape(
        cls,
        name: str,
        z_m: float,
        shape: Shape,
        r_min_m: float | None = None,
        depth_m: float = 0.0,
    ) -> Plane:
        """Build from a :class:`~darkdump.experiments.schema.Shape` at ``z_m`` (metres)."""
        inf = float("inf")
        r_min = 0.0
        r_max2 = inf
        half_width = inf
        half_height = inf
        octagon = inf
        polygon = None
        if shape.shape == "circle":
            r_max2 = (shape.r_max_m * m) ** 2  # type: ignore[operator]
        elif shape.shape == "annulus":
            r_min = shape.r_min_m * m  # type: ignore[operator]
            r_max2 = (shape.r_max_m * m) ** 2  # type: ignore[operator]
        elif shape.shape == "rectangle":
            half_width = shape.half_x_m * m  # type: ignore[operator]
            if shape.half_y_m != shape.half_x_m:
                half_height = shape.half_y_m * m  # type: ignore[operator]
        elif shape.shape == "octagon":
            half_width = shape.half_width_m * m  # type: ignore[operator]
            octagon = shape.corner_m * m  # type: ignore[operator]
        else:
            polygon = np.asarray(shape.vertices_m, dtype=np.float64) * m
        holes = []
        for hole in shape.holes:
            hx, hy = hole.offset_m[0] * m, hole.offset_m[1] * m
            if hole.shape == "circle" and hx == 0.0 and hy == 0.0:
                r_min = max(r_min, hole.r_m * m)  # type: ignore[operator]
                continue
            verts = None if hole.vertices_m is None else np.asarray(hole.vertices_m) * m
            a = (hole.r_m or hole.half_x_m or 0.0) * m
            b = (hole.half_y_m or 0.0) * m
            holes.append((hole.shape, hx, hy, a, b, verts))
        if r_min_m is not None:
            r_min = r_min_m * m
        return cls(
            name=name,
            z=z_m * m,
            cx=shape.offset_m[0] * m,
            cy=shape.offset_m[1] * m,
            r_min2=r_min * r_min,
            r_max2=r_max2,
            half_width=half_width,
            octagon=octagon,
            half_height=half_height,
            polygon=polygon,
            holes=tuple(holes),
            depth=depth_m * m,
        )

    @property
    def faces(self) -> tuple[float, ...]:
        """Z of the front face, and of the back face when the plane has a depth [mm]."""
        return (self.z, self.z + self.depth) if self.depth > 0 else (self.z,)

    def accepts(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> BoolArray:
        """Points ``(x, y)`` [mm] (any shape) inside the acceptance.

        >>> p = Plane("LKr", 0.0, 0.0, 0.0, 80.0**2, float("inf"), 1130.0, 1598.0)
        >>> p.accepts(np.array([0.0, 500.0, 1100.0, 820.0]), np.array([50.0, 0.0, 0.0, 820.0])).tolist()
        [False, True, True, False]
        """
        u = x - self.cx
        v = y - self.cy
        r2 = u * u + v * v
        ok: BoolArray = r2 > self.r_min2 if self.r_min2 > 0 else np.ones(r2.shape, dtype=np.bool_)
        if np.isfinite(self.r_max2):
            ok &= r2 < self.r_max2
        if np.isfinite(self.half_width) or np.isfinite(self.octagon):
            au = np.abs(u)
            av = np.abs(v)
            if np.isfinite(self.half_width):
                half_height = self.half_height if np.isfinite(self.half_height) else self.half_width
                ok &= (au < self.half_width) & (av < half_height)
            if np.isfinite(self.octagon):
                ok &= au + av < self.octagon
        if self.polygon is not None:
            ok &= inside_polygon(u, v, self.polygon)
        for kind, hx, hy, a, b, verts in self.holes:
            du = u - hx
            dv = v - hy
            if kind == "circle":
                ok &= du * du + dv * dv >= a * a
            elif kind == "rectangle":
                ok &= ~((np.abs(du) < a) & (np.abs(dv) < b))
            else:
                ok &= ~inside_polygon(du, dv, verts)  # type: ignore[arg-type]
        return ok


def inside_polygon(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], vertices: npt.NDArray[np.float64]
) -> BoolArray:
    """Points strictly inside the polygon ``vertices`` (k, 2) by the even-odd rule [any unit].

    >>> square = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    >>> inside_polygon(np.array([0.0, 2.0, 0.9]), np.array([0.0, 0.0, -0.9]), square).tolist()
    [True, False, True]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    inside = np.zeros(np.broadcast(x, y).shape, dtype=np.bool_)
    k = len(vertices)
    for i in range(k):
        x1, y1 = vertices[i]
        x2, y2 = vertices[(i + 1) % k]
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < x_cross)
    return inside


@dataclass(frozen=True)
class DetectorGeometry:
    """Everything :func:`~darkdump.detector.simulate` needs, in mm and MeV.

    Attributes
    ----------
    trackers
        Tracking planes, upstream to downstream (NA62: STRAW1-4).
    z_magnet
        Centre of the spectrometer magnet (thin-kick plane) [mm].
    kick
        Horizontal momentum kick of a positive particle, signed [MeV].
    acceptance
        Further planes every track must cross (NA62: CHOD, NA48-CHOD, LAV12); the cut
        of each is named after the element (lower case, ``-`` as ``_``).
    muon_acceptance
        Further planes every track of a muon pair must cross (NA62: MUV1, MUV2).
    trigger_plane
        Hodoscope of the two-track trigger (NA62: CHOD).
    calorimeter, calorimeter_active, muon_detector
        Calorimeter (fiducial region), its active region, muon detector (NA62: LKr, MUV3).
    upstream_veto
        The veto plane whose upstream extrapolation may be required (NA62: ANTI0), or None.
    upstream_veto_in_acceptance
        Whether the upstream-veto mask enters ``in_acceptance``.
    vetoes
        Veto counters a track must not cross inside their aperture downstream of its
        decay point (NA62: LAV1-11), upstream to downstream.
    vetoes_in_acceptance
        Whether the ``vetoes`` cut enters ``in_acceptance``.
    mask_names
        Cut and track-mask names by role (``Spectrometer.mask_names`` of the schema).
    """

    trackers: tuple[Plane, ...]
    z_magnet: float
    kick: float
    acceptance: tuple[Plane, ...]
    muon_acceptance: tuple[Plane, ...]
    trigger_plane: Plane
    calorimeter: Plane
    calorimeter_active: Plane
    muon_detector: Plane
    upstream_veto: Plane | None
    upstream_veto_in_acceptance: bool
    vetoes: tuple[Plane, ...]
    vetoes_in_acceptance: bool
    mask_names: dict[str, str]
    momentum_min: float
    sigma_p_constant: float
    sigma_p_linear: float  # per MeV
    sigma_angle_ms: float  # rad MeV
    sigma_angle_constant: float  # rad
    sigma_position: float  # mm
    calorimeter_stochastic: float  # sqrt(MeV)
    calorimeter_noise: float  # MeV
    calorimeter_constant: float
    tracker_material_x0: float  # radiation lengths before the magnet
    cluster_threshold: float  # MeV
    muon_e_over_p_max: float
    electron_e_over_p_min: float
    electron_e_over_p_max: float
    electron_pivot: float  # MeV
    electron_slope: float  # per MeV
    muon_calorimeter_mpv: float  # MeV
    muon_calorimeter_width: float  # MeV
    muon_detector_efficiency: float
    electron_muon_detector_probability: float
    isolation_tracker: float  # mm
    isolation_calorimeter: float  # mm
    muon_detector_tile: float  # mm, 0: not modelled
    muon_search_radius: float  # mm MeV (radius = this / p)
    muon_scattering: float  # mm MeV (sigma per projection = this / p)
    trigger_efficiency: float
    trigger_tile: tuple[float, float]  # mm (x, y); 0: different tiles not required

    @classmethod
    def from_experiment(cls, experiment: Experiment) -> DetectorGeometry:
        """Convert the ``detector`` and ``selection`` sections to internal units."""
        det = getattr(experiment, "detector", None)
        sel = getattr(experiment, "selection", None)
        if det is None or sel is None:
            raise DarkdumpInputError(
                f"experiment {getattr(experiment, 'name', '?')!r}: the fast simulation needs "
                "the 'detector' and 'selection' sections"
            )
        sp = det.spectrometer
        if sp is None:
            raise DarkdumpInputError(
                f"experiment {getattr(experiment, 'name', '?')!r}: the fast simulation needs "
                "detector.spectrometer (use darkdump sensitivity for a geometric reach)"
            )
        res, pid, iso, trig = det.resolutions, det.pid, det.isolation, det.trigger
        if res is None or pid is None or iso is None or trig is None:  # schema guarantees them
            raise DarkdumpInputError(
                "detector.spectrometer needs resolutions, pid, isolation, trigger"
            )
        mag = det.element(sp.magnet)
        calo = det.element(sp.calorimeter)
        veto = det.element(sp.upstream_veto) if sp.upstream_veto is not None else None
        return cls(
            trackers=tuple(Plane.from_element(det.element(n)) for n in sp.trackers),
            z_magnet=mag.z_center_m * m,
            kick=mag.kick_sign_positive * mag.pt_kick_GeV * GeV,
            acceptance=tuple(Plane.from_element(det.element(n)) for n in sp.acceptance),
            muon_acceptance=tuple(Plane.from_element(det.element(n)) for n in sp.muon_acceptance),
            trigger_plane=Plane.from_element(det.element(sp.trigger_hodoscope)),
            calorimeter=Plane.from_element(calo, r_min_m=sp.calorimeter_fiducial_r_min_m),
            calorimeter_active=Plane.from_element(calo),
            muon_detector=Plane.from_element(det.element(sp.muon_detector)),
            upstream_veto=Plane.from_element(veto) if veto is not None else None,
            upstream_veto_in_acceptance=sp.upstream_veto_in_acceptance and veto is not None,
            vetoes=tuple(Plane.from_element(det.element(n)) for n in sp.vetoes),
            vetoes_in_acceptance=sp.vetoes_in_acceptance and bool(sp.vetoes),
            mask_names=sp.mask_names(),
            momentum_min=sel.track_momentum_min_GeV * GeV,
            sigma_p_constant=res.momentum_constant,
            sigma_p_linear=res.momentum_linear_per_GeV / GeV,
            sigma_angle_ms=res.angle_ms_mrad_GeV * 1e-3 * GeV,
            sigma_angle_constant=res.angle_constant_mrad * 1e-3,
            sigma_position=res.position_first_tracker_mm * mm,
            calorimeter_stochastic=res.calorimeter_stochastic * np.sqrt(GeV),
            calorimeter_noise=res.calorimeter_noise_GeV * GeV,
            calorimeter_constant=res.calorimeter_constant,
            tracker_material_x0=res.tracker_material_x0,
            cluster_threshold=pid.cluster_threshold_GeV * GeV,
            muon_e_over_p_max=pid.muon_e_over_p_max,
            electron_e_over_p_min=pid.electron_e_over_p_min,
            electron_e_over_p_max=pid.electron_e_over_p_max,
            electron_pivot=pid.electron_e_over_p_min_pivot_GeV * GeV,
            electron_slope=pid.electron_e_over_p_min_slope_per_GeV / GeV,
            muon_calorimeter_mpv=pid.muon_calorimeter_mpv_GeV * GeV,
            muon_calorimeter_width=pid.muon_calorimeter_width_GeV * GeV,
            muon_detector_efficiency=pid.muon_detector_efficiency,
            electron_muon_detector_probability=pid.electron_muon_detector_probability,
            isolation_tracker=iso.first_tracker_min_mm * mm,
            isolation_calorimeter=iso.calorimeter_min_mm * mm,
            muon_detector_tile=iso.muon_detector_tile_mm * mm,
            muon_search_radius=iso.muon_detector_search_radius_mm_GeV * mm * GeV,
            muon_scattering=iso.muon_detector_scattering_mm_GeV * mm * GeV,
            trigger_efficiency=trig.efficiency,
            trigger_tile=(trig.hodoscope_tile_x_mm * mm, trig.hodoscope_tile_y_mm * mm),
        )

    def sigma_p_over_p(self, p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Relative momentum resolution ``a (+) b p`` (JHEP sec. 2.1); ``p`` in MeV.

        >>> from hepunits import GeV
        >>> from darkdump.experiments import load
        >>> g = detector_geometry(load("na62-2021"))
        >>> round(float(g.sigma_p_over_p(np.array(100 * GeV))), 6)
        0.005831
        """
        b = self.sigma_p_linear * p
        out: npt.NDArray[np.float64] = np.sqrt(self.sigma_p_constant**2 + b * b)
        return out

    def sigma_slope(self, p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Track-slope resolution per projection ``c/p (+) d`` [rad]; ``p`` in MeV."""
        a = self.sigma_angle_ms / p
        out: npt.NDArray[np.float64] = np.sqrt(a * a + self.sigma_angle_constant**2)
        return out

    def sigma_e_over_e(self, e: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Calorimeter resolution ``s/sqrt(E) (+) n/E (+) c`` (JHEP sec. 2.1); ``E`` in MeV (> 0)."""
        out: npt.NDArray[np.float64] = np.sqrt(
            self.calorimeter_stochastic**2 / e
            + (self.calorimeter_noise / e) ** 2
            + self.calorimeter_constant**2
        )
        return out


_CACHE: dict[int, tuple[Experiment, DetectorGeometry]] = {}
_LOCK = threading.Lock()


def detector_geometry(experiment: Experiment) -> DetectorGeometry:
    """Return the :class:`DetectorGeometry` of ``experiment``, built once and cached.

    The cache keeps a reference to the (immutable) experiment so that its id is
    not reused while cached.
    """
    key = id(experiment)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is experiment:
            return hit[1]
    geo = DetectorGeometry.from_experiment(experiment)
    with _LOCK:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = (experiment, geo)
    return geo

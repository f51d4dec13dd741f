"""The detector description of an experiment in internal units, built once per experiment.

Converts the ``detector`` section of an :class:`~darkdump.experiments.Experiment`
(metres, GeV) to mm and MeV and keeps it in plain floats and small arrays, so
that :func:`darkdump.detector.simulate` does not re-derive geometry per call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from hepunits import GeV, m, mm

from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import Aperture, Experiment

__all__ = ["DetectorGeometry", "Plane", "detector_geometry"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Plane:
    """A detector plane and its transverse acceptance, in mm.

    Attributes
    ----------
    name
        Detector name.
    z
        Longitudinal position [mm].
    cx, cy
        Centre of the acceptance (beam hole) [mm].
    r_min2, r_max2
        Squared inner and outer radii [mm^2] (``inf`` when absent).
    half_width
        Half side of the square acceptance [mm] (``inf`` when absent).
    octagon
        Bound on ``|u| + |v|`` [mm] (``inf`` when absent).
    """

    name: str
    z: float
    cx: float
    cy: float
    r_min2: float
    r_max2: float
    half_width: float
    octagon: float

    @classmethod
    def from_aperture(cls, name: str, ap: Aperture, r_min_m: float | None = None) -> Plane:
        """Build from the schema (metres) to mm; ``r_min_m`` overrides the inner radius."""
        r_min = (ap.r_min_m if r_min_m is None else r_min_m) * m
        inf = float("inf")
        return cls(
            name=name,
            z=ap.z_m * m,
            cx=ap.center_m[0] * m,
            cy=ap.center_m[1] * m,
            r_min2=r_min * r_min,
            r_max2=(ap.r_max_m * m) ** 2 if ap.r_max_m is not None else inf,
            half_width=ap.half_width_m * m if ap.half_width_m is not None else inf,
            octagon=ap.octagon_m * m if ap.octagon_m is not None else inf,
        )

    def accepts(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> BoolArray:
        """Points ``(x, y)`` [mm] (any shape) inside the acceptance.

        >>> p = Plane("LKr", 0.0, 0.0, 0.0, 80.0**2, float("inf"), 1130.0, 1598.0)
        >>> p.accepts(np.array([0.0, 500.0, 1100.0, 820.0]), np.array([50.0, 0.0, 0.0, 820.0])).tolist()
        [False, True, True, False]
        """
        u = x - self.cx
        v = y - self.cy
        r2 = u * u + v * v
        ok: BoolArray = r2 > self.r_min2
        if np.isfinite(self.r_max2):
            ok &= r2 < self.r_max2
        if np.isfinite(self.half_width) or np.isfinite(self.octagon):
            au = np.abs(u)
            av = np.abs(v)
            if np.isfinite(self.half_width):
                ok &= (au < self.half_width) & (av < self.half_width)
            if np.isfinite(self.octagon):
                ok &= au + av < self.octagon
        return ok


@dataclass(frozen=True)
class DetectorGeometry:
    """Everything :func:`~darkdump.detector.simulate` needs, in mm and MeV.

    Attributes
    ----------
    straw
        STRAW chambers, upstream to downstream.
    z_magnet
        Centre of the spectrometer magnet (thin-kick plane) [mm].
    kick
        Horizontal momentum kick of a positive particle, signed [MeV].
    downstream
        Planes after the spectrometer used in the acceptance: CHOD, NA48-CHOD,
        LAV12, LKr (fiducial), LKr active region, MUV3.
    anti0
        The ANTI0 plane (upstream extrapolation).
    anti0_in_acceptance
        Whether the ANTI0 mask enters ``in_acceptance``.
    """

    straw: tuple[Plane, ...]
    z_magnet: float
    kick: float
    chod: Plane
    na48_chod: Plane
    lav12: Plane
    lkr: Plane
    lkr_active: Plane
    muv3: Plane
    anti0: Plane
    anti0_in_acceptance: bool
    momentum_min: float
    sigma_p_constant: float
    sigma_p_linear: float  # per MeV
    sigma_angle_ms: float  # rad MeV
    sigma_angle_constant: float  # rad
    sigma_position: float  # mm
    lkr_stochastic: float  # sqrt(MeV)
    lkr_noise: float  # MeV
    lkr_constant: float
    cluster_threshold: float  # MeV
    muon_e_over_p_max: float
    electron_e_over_p_min: float
    electron_e_over_p_max: float
    electron_pivot: float  # MeV
    electron_slope: float  # per MeV
    muon_lkr_mpv: float  # MeV
    muon_lkr_width: float  # MeV
    muv3_efficiency: float
    electron_muv3_probability: float
    isolation_straw1: float  # mm
    isolation_lkr: float  # mm
    muv3_tile: float  # mm, 0: not modelled
    trigger_efficiency: float

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
        res = det.resolutions
        pid = det.pid
        mag = det.magnet
        return cls(
            straw=tuple(Plane.from_aperture(c.name, c) for c in det.straw),
            z_magnet=mag.z_center_m * m,
            kick=mag.kick_sign_positive * mag.pt_kick_GeV * GeV,
            chod=Plane.from_aperture("CHOD", det.chod),
            na48_chod=Plane.from_aperture("NA48-CHOD", det.na48_chod),
            lav12=Plane.from_aperture("LAV12", det.lav12),
            lkr=Plane.from_aperture("LKr", det.lkr, r_min_m=det.lkr_fiducial_r_min_m),
            lkr_active=Plane.from_aperture("LKr", det.lkr),
            muv3=Plane.from_aperture("MUV3", det.muv3),
            anti0=Plane.from_aperture("ANTI0", det.anti0),
            anti0_in_acceptance=det.anti0_in_acceptance,
            momentum_min=sel.track_momentum_min_GeV * GeV,
            sigma_p_constant=res.momentum_constant,
            sigma_p_linear=res.momentum_linear_per_GeV / GeV,
            sigma_angle_ms=res.angle_ms_mrad_GeV * 1e-3 * GeV,
            sigma_angle_constant=res.angle_constant_mrad * 1e-3,
            sigma_position=res.position_straw1_mm * mm,
            lkr_stochastic=res.lkr_stochastic * np.sqrt(GeV),
            lkr_noise=res.lkr_noise_GeV * GeV,
            lkr_constant=res.lkr_constant,
            cluster_threshold=pid.lkr_cluster_threshold_GeV * GeV,
            muon_e_over_p_max=pid.muon_e_over_p_max,
            electron_e_over_p_min=pid.electron_e_over_p_min,
            electron_e_over_p_max=pid.electron_e_over_p_max,
            electron_pivot=pid.electron_e_over_p_min_pivot_GeV * GeV,
            electron_slope=pid.electron_e_over_p_min_slope_per_GeV / GeV,
            muon_lkr_mpv=pid.muon_lkr_mpv_GeV * GeV,
            muon_lkr_width=pid.muon_lkr_width_GeV * GeV,
            muv3_efficiency=pid.muv3_efficiency,
            electron_muv3_probability=pid.electron_muv3_probability,
            isolation_straw1=det.isolation.straw1_min_mm * mm,
            isolation_lkr=det.isolation.lkr_min_mm * mm,
            muv3_tile=det.isolation.muv3_tile_mm * mm,
            trigger_efficiency=det.trigger.efficiency,
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
        """LKr resolution ``s/sqrt(E) (+) n/E (+) c`` (JHEP sec. 2.1); ``E`` in MeV (> 0)."""
        out: npt.NDArray[np.float64] = np.sqrt(
            self.lkr_stochastic**2 / e + (self.lkr_noise / e) ** 2 + self.lkr_constant**2
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

"""Pydantic schema of an experiment description (a TOML file in this folder).

Files speak GeV and metres, with the unit in every key name; :meth:`Experiment`
accessors convert to the internal hepunits system (MeV, mm, ns). Every value in
a shipped file carries its source in a comment next to it.

Sections: ``beam`` and ``target`` (production), ``decay_volume`` (decay),
``detector`` (fast simulation), ``selection`` and ``regions`` (selection).
Unknown keys inside a section are rejected so that a typo is an error naming
the key.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Interval
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, model_validator

__all__ = [
    "AbsorberLayer",
    "Acceptance",
    "AcceptanceChannel",
    "BModelling",
    "Beam",
    "BremsModelling",
    "ChannelSelection",
    "Cut",
    "DecayVolume",
    "Detector",
    "Element",
    "Experiment",
    "Hole",
    "Isolation",
    "MesonModelling",
    "Modelling",
    "Pid",
    "RegionSpec",
    "Regions",
    "Resolutions",
    "Selection",
    "Shape",
    "Spectrometer",
    "Target",
    "Trigger",
    "Variation",
]

PosFloat = Annotated[StrictFloat, Gt(0)]
NonNegFloat = Annotated[StrictFloat, Ge(0)]
Fraction = Annotated[StrictFloat, Interval(ge=0, le=1)]
#: Physical ranges that keep every stage finite (issue 14: a file's 1e300 is an error).
#: Lengths and positions within 100 km, sizes within 1 km, energies within 100 TeV.
Position = Annotated[StrictFloat, Interval(ge=-1e5, le=1e5)]
Size = Annotated[StrictFloat, Interval(gt=0, le=1e3)]
Energy = Annotated[StrictFloat, Interval(gt=0, le=1e5)]


class _Strict(BaseModel):
    # Every number finite (no inf or NaN from a file). Numbers are StrictFloat: a TOML
    # integer is a number, but a quoted "1e18" or a true is an error, not cast to one.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Beam(_Strict):
    """Primary proton beam."""

    particle: Literal["p"] = Field("p", description="protons: the only beam modelled")
    energy_GeV: Energy
    n_pot: Annotated[StrictFloat, Interval(gt=0, le=1e25)] = Field(
        description="number of protons on target (dump)"
    )
    n_pot_uncertainty: Fraction = Field(
        0.0, description="relative uncertainty on n_pot (a fraction: 0.2 is 20 %)"
    )


class AbsorberLayer(_Strict):
    """One slab of the dump, traversed in order along +Z."""

    material: str
    length_m: Size
    interaction_length_m: Size = Field(description="nuclear interaction length lambda_I")
    mass_number: Annotated[StrictFloat, Interval(gt=0, le=300)] = Field(
        description="A of the (dominant) nucleus"
    )
    atomic_number: Annotated[StrictFloat, Interval(gt=0, le=120)] = Field(
        description="Z of the (dominant) nucleus"
    )


class Target(_Strict):
    """Where the protons hit: impact spot and the absorber layers."""

    impact_point_m: tuple[Position, Position, Position] = Field(
        description="mean proton impact point (x, y, z) at the front face"
    )
    impact_sigma_m: tuple[
        Annotated[StrictFloat, Interval(ge=0, le=1e3)],
        Annotated[StrictFloat, Interval(ge=0, le=1e3)],
    ] = Field(description="Gaussian spread (sigma_x, sigma_y) of the impact point")
    layers: list[AbsorberLayer] = Field(min_length=1)


# --- decay volume, detector, selection and regions (stages decay, detector, selection) ---


class Hole(_Strict):
    """A region cut out of an element's shape (same conventions as :class:`Shape`).

    ``offset_m`` is relative to the centre of the element's shape.
    """

    shape: Literal["circle", "rectangle", "polygon"]
    r_m: Size | None = Field(None, description="radius of a circle")
    half_x_m: Size | None = Field(None, description="rectangle half-width in x")
    half_y_m: Size | None = Field(None, description="rectangle half-width in y")
    vertices_m: list[tuple[Position, Position]] | None = Field(
        None, description="polygon corners (x, y), in order"
    )
    offset_m: tuple[Position, Position] = (0.0, 0.0)

    @model_validator(mode="after")
    def _complete(self) -> Hole:
        _require_shape_keys(self)
        return self


class Shape(_Strict):
    """Transverse acceptance of an element (metres), centred at ``offset_m`` from the Z axis.

    ``circle`` (``r_max_m``), ``annulus`` (``r_min_m``, ``r_max_m``), ``rectangle``
    (``half_x_m``, ``half_y_m``), ``octagon`` (``|u|, |v| < half_width_m`` and ``|u| + |v| <
    corner_m``: a square with cut corners) or ``polygon`` (``vertices_m``, relative to the
    offset); ``holes`` are cut out of it. Boundaries are open: a point on an edge is out.
    """

    shape: Literal["circle", "annulus", "rectangle", "octagon", "polygon"]
    r_min_m: Size | None = Field(None, description="inner radius of an annulus")
    r_max_m: Size | None = Field(None, description="outer radius of a circle or annulus")
    half_x_m: Size | None = Field(None, description="rectangle half-width in x")
    half_y_m: Size | None = Field(None, description="rectangle half-width in y")
    half_width_m: Size | None = Field(None, description="octagon: half side of the square")
    corner_m: Size | None = Field(None, description="octagon: bound on |u| + |v|")
    vertices_m: list[tuple[Position, Position]] | None = Field(
        None, description="polygon corners (x, y), in order"
    )
    offset_m: tuple[Position, Position] = Field((0.0, 0.0), description="centre (x, y) [m]")
    holes: list[Hole] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> Shape:
        _require_shape_keys(self)
        if self.shape == "annulus" and not self.r_min_m < self.r_max_m:  # type: ignore[operator]
            raise ValueError("r_min_m must be smaller than r_max_m")
        if self.shape == "octagon" and not (
            self.half_width_m < self.corner_m <= 2.0 * self.half_width_m  # type: ignore[operator]
        ):
            raise ValueError("an octagon needs half_width_m < corner_m <= 2 half_width_m")
        return self

    @property
    def outer_extent_m(self) -> float:
        """Largest distance from the Z axis of a point of the shape (holes ignored) [m].

        >>> round(Shape(shape="octagon", half_width_m=1.13, corner_m=1.598).outer_extent_m, 3)
        1.223
        """
        if self.shape in ("circle", "annulus"):
            size = float(self.r_max_m)  # type: ignore[arg-type]
        elif self.shape == "rectangle":
            size = math.hypot(self.half_x_m, self.half_y_m)  # type: ignore[arg-type]
        elif self.shape == "octagon":
            hw, c = float(self.half_width_m), float(self.corner_m)  # type: ignore[arg-type]
            size = math.hypot(hw, c - hw)  # the corner (hw, c - hw) is the farthest point
        else:
            size = max(math.hypot(x, y) for x, y in self.vertices_m or [(0.0, 0.0)])
        return math.hypot(*self.offset_m) + size


#: Keys each shape needs, and keys that belong to other shapes (an error when given).
_SHAPE_KEYS: dict[str, tuple[str, ...]] = {
    "circle": ("r_max_m",),
    "annulus": ("r_min_m", "r_max_m"),
    "rectangle": ("half_x_m", "half_y_m"),
    "octagon": ("half_width_m", "corner_m"),
    "polygon": ("vertices_m",),
}
_ALL_SHAPE_KEYS = (
    "r_m",
    "r_min_m",
    "r_max_m",
    "half_x_m",
    "half_y_m",
    "half_width_m",
    "corner_m",
    "vertices_m",
)


def _require_shape_keys(obj: Hole | Shape) -> None:
    needed = ("r_m",) if isinstance(obj, Hole) and obj.shape == "circle" else _SHAPE_KEYS[obj.shape]
    for key in needed:
        if getattr(obj, key, None) is None:
            raise ValueError(f"shape {obj.shape!r} needs {key}")
    for key in _ALL_SHAPE_KEYS:
        if key not in needed and getattr(obj, key, None) is not None:
            raise ValueError(f"{key} does not apply to shape {obj.shape!r}")
    if obj.shape == "polygon":
        vertices = obj.vertices_m or []
        if len(vertices) < 3:
            raise ValueError("a polygon needs at least 3 vertices_m")
        if not all(math.isfinite(c) for v in vertices for c in v):
            raise ValueError("vertices_m must be finite numbers")


ElementKind = Literal["tracker", "magnet", "calorimeter", "muon", "hodoscope", "veto"]


class Element(_Strict):
    """One element of the detector layout, at ``z_m`` along the beam (metres, GeV).

    Planes (trackers, calorimeters, muon detectors, hodoscopes, vetoes) have ``z_m`` and
    an ``aperture``; a particle counts in the element when it crosses the plane inside
    the aperture. A ``magnet`` spans ``z_start_m``-``z_end_m`` and is a thin horizontal
    p_T kick at its centre (``pt_kick_GeV``, ``kick_sign_positive``: sign of the px change
    of a positive particle); its aperture is optional. Calorimeters and muon detectors
    may have an ``energy_threshold_GeV``. A plane may have a ``depth_m`` along the beam
    (front face at ``z_m``): a veto then counts a particle that crosses its front or its
    back face inside the aperture.
    """

    name: Annotated[str, Field(min_length=1)]
    kind: ElementKind
    z_m: Position | None = None
    z_start_m: Position | None = None
    z_end_m: Position | None = None
    aperture: Shape | None = None
    field_T: Annotated[StrictFloat, Interval(gt=0, le=100)] | None = None
    pt_kick_GeV: Energy | None = None
    kick_sign_positive: Literal[-1, 1] | None = None
    energy_threshold_GeV: Annotated[StrictFloat, Interval(ge=0, le=1e5)] = 0.0
    depth_m: Annotated[StrictFloat, Interval(ge=0, le=100)] = 0.0
    source: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Element:
        if self.kind == "magnet":
            for key in ("z_start_m", "z_end_m", "pt_kick_GeV", "kick_sign_positive"):
                if getattr(self, key) is None:
                    raise ValueError(f"a magnet needs {key}")
            if not self.z_start_m < self.z_end_m:  # type: ignore[operator]
                raise ValueError("z_start_m must be smaller than z_end_m")
            if self.z_m is not None:
                raise ValueError("a magnet has z_start_m and z_end_m, not z_m")
            if self.depth_m:
                raise ValueError("depth_m applies to planes; a magnet spans z_start_m-z_end_m")
        else:
            if self.depth_m and self.kind != "veto":
                raise ValueError(f"depth_m applies to vetoes, not to a {self.kind}")
            if self.z_m is None:
                raise ValueError(f"a {self.kind} needs z_m")
            if self.aperture is None:
                raise ValueError(f"a {self.kind} needs an aperture")
            for key in ("z_start_m", "z_end_m", "field_T", "pt_kick_GeV", "kick_sign_positive"):
                if getattr(self, key) is not None:
                    raise ValueError(f"{key} applies to magnets only")
        return self

    @property
    def z_center_m(self) -> float:
        """Plane position, or the centre of a magnet's field region [m]."""
        if self.kind == "magnet":
            return 0.5 * (self.z_start_m + self.z_end_m)  # type: ignore[operator]
        return float(self.z_m)  # type: ignore[arg-type]


class Resolutions(_Strict):
    """Spectrometer and calorimeter resolutions."""

    momentum_constant: NonNegFloat = Field(description="a in sigma_p/p = a (+) b p[GeV]")
    momentum_linear_per_GeV: NonNegFloat = Field(description="b in sigma_p/p = a (+) b p[GeV]")
    angle_ms_mrad_GeV: NonNegFloat = Field(
        description="c in sigma_theta = c/p[GeV] (+) d, per projected slope"
    )
    angle_constant_mrad: NonNegFloat = Field(description="d in sigma_theta = c/p (+) d")
    position_first_tracker_mm: NonNegFloat = Field(
        description="track position at the first tracker, per coordinate"
    )
    calorimeter_stochastic: NonNegFloat = Field(
        description="s in sigma_E/E = s/sqrt(E) (+) n/E (+) c"
    )
    calorimeter_noise_GeV: NonNegFloat = Field(
        description="n in sigma_E/E = s/sqrt(E) (+) n/E (+) c"
    )
    calorimeter_constant: NonNegFloat = Field(
        description="c in sigma_E/E = s/sqrt(E) (+) n/E (+) c"
    )
    tracker_material_x0: Annotated[StrictFloat, Interval(ge=0, le=0.5)] = Field(
        0.0,
        description="material the tracks cross before the magnet, in radiation lengths: "
        "electrons radiate there (Bethe-Heitler) before their momentum is measured",
    )


class Pid(_Strict):
    """Particle identification by E/p in the calorimeter and a muon-detector signal.

    NA62 (JHEP sec. 4, PRL): the LKr and the MUV3. ``muon_calorimeter_*``: the most probable
    value and width of a muon's (minimum-ionising) deposit in the calorimeter.
    """

    cluster_threshold_GeV: NonNegFloat
    muon_e_over_p_max: PosFloat
    electron_e_over_p_min: PosFloat
    electron_e_over_p_max: PosFloat
    electron_e_over_p_min_pivot_GeV: PosFloat
    electron_e_over_p_min_slope_per_GeV: NonNegFloat
    muon_calorimeter_mpv_GeV: NonNegFloat
    muon_calorimeter_width_GeV: NonNegFloat
    muon_detector_efficiency: Fraction
    electron_muon_detector_probability: Fraction

    @model_validator(mode="after")
    def _window(self) -> Pid:
        if not self.electron_e_over_p_min < self.electron_e_over_p_max:
            raise ValueError("electron_e_over_p_min must be smaller than electron_e_over_p_max")
        return self


class Isolation(_Strict):
    """Minimum distance between the two tracks at the first tracker and the calorimeter.

    NA62: STRAW1 and the LKr front face. ``muon_detector_tile_mm``: pitch of the square
    muon-detector tiles; a muon's signal may be associated with only one track (NA62:
    MUV3, JHEP sec. 4), so the pair is lost when two muons hit one tile, or when the tile
    one muon hits lies within the other track's search radius,
    ``muon_detector_search_radius_mm_GeV / p[GeV]`` from its extrapolated impact point.
    The hit is the impact point displaced by multiple scattering in the material in front
    of the muon detector, a Gaussian of ``muon_detector_scattering_mm_GeV / p[GeV]`` per
    projection. A tile pitch of 0 switches the requirement off; a radius of 0 leaves the
    one-tile rule.
    """

    first_tracker_min_mm: NonNegFloat
    calorimeter_min_mm: NonNegFloat
    muon_detector_tile_mm: NonNegFloat = 0.0
    muon_detector_search_radius_mm_GeV: Annotated[StrictFloat, Interval(ge=0, le=1e5)] = 0.0
    muon_detector_scattering_mm_GeV: Annotated[StrictFloat, Interval(ge=0, le=1e5)] = 0.0


class Trigger(_Strict):
    """Two-track hodoscope trigger with a flat inefficiency.

    With ``hodoscope_tile_x_mm`` and ``hodoscope_tile_y_mm`` the two tracks must hit
    different tiles of the trigger hodoscope (NA62: H2, "two in-time signals in different
    tiles of the CHOD", JHEP sec. 2.2): a rectangular grid centred on the aperture centre
    with tile edges on the axes. 0 leaves the condition out.
    """

    efficiency: Fraction
    hodoscope_tile_x_mm: NonNegFloat = 0.0
    hodoscope_tile_y_mm: NonNegFloat = 0.0

    @model_validator(mode="after")
    def _both_or_none(self) -> Trigger:
        if (self.hodoscope_tile_x_mm > 0) != (self.hodoscope_tile_y_mm > 0):
            raise ValueError("hodoscope_tile_x_mm and hodoscope_tile_y_mm: give both or neither")
        return self


def cut_name(element_name: str) -> str:
    """Name of the per-track cut of an element: ``"NA48-CHOD"`` -> ``"na48_chod"``.

    >>> cut_name("NA48-CHOD")
    'na48_chod'
    """
    return element_name.lower().replace("-", "_").replace(" ", "_")


class Spectrometer(_Strict):
    """Roles of the layout's elements in the fast simulation of a magnetic spectrometer.

    Names refer to ``detector.elements``. ``acceptance`` lists further planes that every
    track must cross inside their aperture (one cut each, named after the element).
    ``muon_acceptance`` lists planes that every track of a muon pair must also cross
    inside (NA62: MUV1, MUV2, JHEP sec. 4; the e+e- selection of the PRL does not ask).
    ``vetoes`` lists veto counters that a track fires when it crosses one inside its
    aperture (the sensitive region) downstream of its decay point, at the front or back
    face; the event is then lost (one cut, ``vetoes``, when ``vetoes_in_acceptance``).
    NA62: the LAV stations, "no signal from any LAV station" (JHEP sec. 4, PRL).
    """

    trackers: list[str] = Field(min_length=2)
    magnet: str
    acceptance: list[str] = Field(default_factory=list)
    muon_acceptance: list[str] = Field(default_factory=list)
    calorimeter: str
    calorimeter_fiducial_r_min_m: NonNegFloat = Field(
        description="inner radius of the calorimeter's fiducial region (track acceptance)"
    )
    muon_detector: str
    trigger_hodoscope: str
    upstream_veto: str | None = None
    upstream_veto_in_acceptance: bool = Field(
        False, description="require the upstream extrapolation inside the upstream veto"
    )
    vetoes: list[str] = Field(default_factory=list)
    vetoes_in_acceptance: bool = Field(
        True, description="lose the event when a track fires one of the vetoes"
    )

    def mask_names(self) -> dict[str, str]:
        """Return the fast simulation's cut and track-mask names, by role.

        Plane cuts are named after their element (:func:`cut_name`); the others derive
        from them or are fixed. The event cuts come first, in cut-flow order
        (:func:`darkdump.detector.simulate.cut_order`), then three per-track masks.
        """
        calo, muon = cut_name(self.calorimeter), cut_name(self.muon_detector)
        names = {
            "decay_upstream": "decay_upstream",
            "momentum": "momentum",
            "trackers": "trackers",
            **{f"acceptance {n}": cut_name(n) for n in self.acceptance},
            **{f"muon acceptance {n}": cut_name(n) for n in self.muon_acceptance},
            "calorimeter": calo,
            "muon_detector": muon,
        }
        if self.upstream_veto is not None:
            names["upstream_veto"] = cut_name(self.upstream_veto)
        names.update(
            {
                "first-tracker isolation": f"isolation_{cut_name(self.trackers[0])}",
                "calorimeter isolation": f"isolation_{calo}",
                "one track per muon signal": f"{muon}_one_track",
            }
        )
        if self.vetoes:  # last: the costliest cut, evaluated on the pairs that pass the others
            names["vetoes"] = "vetoes"
        names.update(
            {
                "calorimeter active region": f"{calo}_active",
                "muon identification": "is_muon",
                "electron identification": "is_electron",
            }
        )
        return names


class Detector(_Strict):
    """The detector: a list of generic elements, plus the optional fast-simulation blocks.

    ``elements`` is the layout (ordered along the beam). ``spectrometer`` names the roles
    of the elements for the track-level fast simulation (:mod:`darkdump.detector`) and needs
    ``resolutions``, ``pid``, ``isolation`` and ``trigger``; without it, only the
    zero-background acceptance (:mod:`darkdump.sensitivity`) is available.
    """

    elements: list[Element] = Field(min_length=1)
    spectrometer: Spectrometer | None = None
    resolutions: Resolutions | None = None
    pid: Pid | None = None
    isolation: Isolation | None = None
    trigger: Trigger | None = None

    @model_validator(mode="after")
    def _layout(self) -> Detector:
        names = [e.name for e in self.elements]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"element names must be unique: {', '.join(dupes)}")
        zs = [e.z_start_m if e.kind == "magnet" else e.z_m for e in self.elements]
        for a, za, b, zb in zip(names, zs, names[1:], zs[1:], strict=False):
            if za > zb:  # type: ignore[operator]
                raise ValueError(
                    f"elements must be ordered along the beam: {b!r} (z = {zb:g} m) comes "
                    f"after {a!r} (z = {za:g} m)"
                )
        if sum(e.kind == "magnet" for e in self.elements) > 1:
            raise ValueError("at most one magnet (thin kick) is modelled")
        if self.spectrometer is not None:
            self._check_spectrometer(self.spectrometer)
        return self

    def _check_spectrometer(self, sp: Spectrometer) -> None:
        for block in ("resolutions", "pid", "isolation", "trigger"):
            if getattr(self, block) is None:
                raise ValueError(f"a spectrometer needs the detector.{block} block")
        by_name = {e.name: e for e in self.elements}

        def role(name: str, kinds: tuple[str, ...], what: str) -> Element:
            if name not in by_name:
                raise ValueError(f"spectrometer.{what}: no element named {name!r}")
            element = by_name[name]
            if element.kind not in kinds:
                raise ValueError(
                    f"spectrometer.{what}: element {name!r} is a {element.kind}, "
                    f"expected {' or '.join(kinds)}"
                )
            return element

        trackers = [role(n, ("tracker",), "trackers") for n in sp.trackers]
        magnet = role(sp.magnet, ("magnet",), "magnet")
        zs = [t.z_center_m for t in trackers]
        if not zs[0] < magnet.z_center_m < zs[-1]:
            raise ValueError("the magnet centre must lie between the first and last tracker")
        downstream = [
            role(n, ("hodoscope", "veto", "calorimeter", "muon", "tracker"), "acceptance")
            for n in sp.acceptance
        ]
        downstream += [
            role(n, ("hodoscope", "veto", "calorimeter", "muon", "tracker"), "muon_acceptance")
            for n in sp.muon_acceptance
        ]
        calo = role(sp.calorimeter, ("calorimeter",), "calorimeter")
        muon = role(sp.muon_detector, ("muon",), "muon_detector")
        trig = role(sp.trigger_hodoscope, ("hodoscope",), "trigger_hodoscope")
        for element in (*downstream, calo, muon, trig):
            if not element.z_center_m > zs[-1]:
                raise ValueError(f"{element.name} must lie downstream of the last tracker")
        if not calo.z_center_m < muon.z_center_m:
            raise ValueError("the muon detector must lie downstream of the calorimeter")
        if sp.upstream_veto is not None:
            veto = role(sp.upstream_veto, ("veto",), "upstream_veto")
            if not veto.z_center_m < zs[0]:
                raise ValueError("the upstream veto must lie upstream of the first tracker")
        for name in sp.vetoes:
            counter = role(name, ("veto",), "vetoes")
            if not counter.z_center_m + counter.depth_m < calo.z_center_m:
                raise ValueError(
                    f"spectrometer.vetoes: {name!r} (back face at "
                    f"{counter.z_center_m + counter.depth_m:g} m) must lie upstream of the "
                    "calorimeter"
                )
        dupes = sorted({n for n in sp.vetoes if sp.vetoes.count(n) > 1})
        if dupes:
            raise ValueError(f"spectrometer.vetoes: {dupes[0]!r} is listed twice")
        other_roles = {*sp.acceptance, *sp.muon_acceptance, sp.upstream_veto}
        both_roles = [n for n in sp.vetoes if n in other_roles]
        if both_roles:
            raise ValueError(
                f"spectrometer.vetoes: {both_roles[0]!r} is also an acceptance plane or the "
                "upstream veto; a track must cross it inside and must not, so give each role "
                "its own element"
            )
        # Every cut and mask of the fast simulation its own name (after the role checks,
        # whose messages say more when one element has two roles).
        seen: dict[str, str] = {}
        for what, name in sp.mask_names().items():
            if name in seen:
                raise ValueError(
                    f"spectrometer: the {seen[name]} and the {what} give the same cut name "
                    f"{name!r}: name the elements apart (each role its own element)"
                )
            seen[name] = what

    def element(self, name: str) -> Element:
        """Return the element called ``name``."""
        for e in self.elements:
            if e.name == name:
                return e
        raise KeyError(name)

    @property
    def magnet(self) -> Element | None:
        """The magnet element, if any."""
        return next((e for e in self.elements if e.kind == "magnet"), None)

    @property
    def trackers(self) -> list[Element]:
        """The spectrometer's trackers (NA62: STRAW1-4), upstream to downstream."""
        names = self.spectrometer.trackers if self.spectrometer else []
        return [self.element(n) for n in names]


class DecayVolume(_Strict):
    """Where the decays are generated and where the vertex may lie (metres).

    The fiducial range defaults to the generated one and the vacuum tank to its start;
    ``aperture`` optionally bounds the volume transversely (a decay outside it does not
    count, e.g. an off-axis volume).
    """

    z_min_m: Position = Field(description="upstream plane of the generated decay range")
    z_max_m: Position = Field(description="downstream plane of the generated decay range")
    fiducial_z_min_m: Position = Field(None, description="start of the fiducial decay volume")  # type: ignore[assignment]
    fiducial_z_max_m: Position = Field(None, description="end of the fiducial decay volume")  # type: ignore[assignment]
    vacuum_tank_start_m: Position = Field(None, description="upstream end of the vacuum tank")  # type: ignore[assignment]
    aperture: Shape | None = Field(None, description="transverse bound of the decay volume")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: object) -> object:
        if isinstance(data, dict):
            data = dict(data)
            data.setdefault("fiducial_z_min_m", data.get("z_min_m"))
            data.setdefault("fiducial_z_max_m", data.get("z_max_m"))
            data.setdefault("vacuum_tank_start_m", data.get("z_min_m"))
        return data

    @model_validator(mode="after")
    def _ordered(self) -> DecayVolume:
        if not self.z_min_m < self.z_max_m:
            raise ValueError("z_min_m must be smaller than z_max_m")
        if not self.fiducial_z_min_m < self.fiducial_z_max_m:
            raise ValueError("fiducial_z_min_m must be smaller than fiducial_z_max_m")
        if not (self.z_min_m <= self.fiducial_z_min_m and self.fiducial_z_max_m <= self.z_max_m):
            raise ValueError("the fiducial range must lie inside z_min_m..z_max_m")
        return self


class AcceptanceChannel(_Strict):
    """Zero-background acceptance of one decay channel (:mod:`darkdump.sensitivity`).

    A decay counts when at least ``min_daughters`` daughters cross every element of
    ``elements`` inside its aperture (after the magnet kick, if any) with an energy in
    ``energy_min_GeV``-``energy_max_GeV``, the energies of those daughters sum to at least
    ``energy_sum_min_GeV``, and every element's ``energy_threshold_GeV`` is passed; the
    count is then multiplied by ``efficiency``. An empty ``elements`` list suits a decay
    volume that is itself the detector (NuCal): only the decay point (inside
    ``decay_volume.aperture``) and the energies are then required.
    """

    elements: list[str] = Field(default_factory=list)
    min_daughters: Literal[1, 2] = 2
    energy_min_GeV: NonNegFloat = 0.0
    energy_max_GeV: PosFloat | None = None
    energy_sum_min_GeV: NonNegFloat = 0.0
    efficiency: Fraction = 1.0
    source: str = ""

    @model_validator(mode="after")
    def _window(self) -> AcceptanceChannel:
        if self.energy_max_GeV is not None and not self.energy_min_GeV < self.energy_max_GeV:
            raise ValueError("energy_min_GeV must be smaller than energy_max_GeV")
        return self


class Acceptance(_Strict):
    """The zero-background (geometric and threshold) selection of a beam dump.

    ``events``: the expected-event threshold of the excluded region (2.3 = 90 % CL with
    zero observed and no background); vertex range defaults to the fiducial decay range.
    """

    vertex_z_min_m: StrictFloat | None = None
    vertex_z_max_m: StrictFloat | None = None
    events: PosFloat = 2.3
    events_source: str = "90 % CL, zero events observed, no background: -ln(0.1) = 2.3"
    ee: AcceptanceChannel | None = None
    mumu: AcceptanceChannel | None = None

    @model_validator(mode="after")
    def _some_channel(self) -> Acceptance:
        if self.ee is None and self.mumu is None:
            raise ValueError("give at least one channel (acceptance.ee or acceptance.mumu)")
        if (
            self.vertex_z_min_m is not None
            and self.vertex_z_max_m is not None
            and not self.vertex_z_min_m < self.vertex_z_max_m
        ):
            raise ValueError("vertex_z_min_m must be smaller than vertex_z_max_m")
        return self

    def channels(self) -> dict[str, AcceptanceChannel]:
        """Return the defined channels, ``ee`` first."""
        return {k: v for k, v in (("ee", self.ee), ("mumu", self.mumu)) if v is not None}


class ChannelSelection(_Strict):
    """Vertex requirements of one decay channel (metres)."""

    lepton: Literal["e", "mu"]
    vertex_z_min_m: StrictFloat
    vertex_z_max_m: StrictFloat
    vertex_rho_max_m: PosFloat | None = Field(
        None, description="maximum vertex distance from the Z axis (restricted FV)"
    )
    upstream_veto_acceptance: bool = Field(
        False,
        description="both tracks' upstream extrapolations inside the upstream veto's "
        "aperture (detector.spectrometer.upstream_veto)",
    )

    @model_validator(mode="after")
    def _vertex_range(self) -> ChannelSelection:
        if not self.vertex_z_min_m < self.vertex_z_max_m:
            raise ValueError("vertex_z_min_m must be smaller than vertex_z_max_m")
        return self


class Selection(_Strict):
    """Track and vertex requirements shared by the channels."""

    track_momentum_min_GeV: NonNegFloat
    vertex_cda_max_mm: PosFloat = Field(
        description="largest distance of closest approach of the two tracks at the vertex [mm]"
    )
    ee: ChannelSelection
    mumu: ChannelSelection


class Cut(_Strict):
    """``min < variable < max`` on a named selection variable (units in its name).

    A bound left out (None) is open, so that a dumped cut holds no infinity.
    """

    variable: Literal[
        "z_tax_m", "cda_tax_m", "vertex_z_m", "vertex_rho_m", "m_ll_GeV", "p_total_GeV"
    ]
    min: StrictFloat | None = None
    max: StrictFloat | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Cut:
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError("min must be smaller than max")
        return self


class RegionSpec(_Strict):
    """A region read by ``darkdump.selection``.

    A box or an ellipse of the (Z_TAX, CDA_TAX) plane (metres), or ``kind = "cuts"``:
    every cut of ``cuts`` on named variables.

    A box side left out (None) is unbounded. ``model_dump(exclude_none=True)`` is a
    valid region table; every value stays finite, so a dumped experiment is valid JSON
    and validates again.
    """

    kind: Literal["box", "ellipse", "cuts"]
    z_min_m: StrictFloat | None = None
    z_max_m: StrictFloat | None = None
    cda_max_m: StrictFloat | None = None
    z_center_m: StrictFloat = 0.0
    z_half_axis_m: PosFloat = 1.0
    cda_half_axis_m: PosFloat = 1.0
    cuts: list[Cut] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    source: str = ""

    @model_validator(mode="after")
    def _box_range(self) -> RegionSpec:
        if (
            self.kind == "box"
            and self.z_min_m is not None
            and self.z_max_m is not None
            and not self.z_min_m < self.z_max_m
        ):
            raise ValueError("z_min_m must be smaller than z_max_m")
        if self.kind == "cuts" and not self.cuts:
            raise ValueError("a region of kind 'cuts' needs at least one cut")
        if self.kind != "cuts" and self.cuts:
            raise ValueError("cuts apply to regions of kind 'cuts' only")
        return self


class Regions(_Strict):
    """Signal, validation and control regions per channel."""

    ee: dict[str, RegionSpec] = Field(default_factory=dict)
    mumu: dict[str, RegionSpec] = Field(default_factory=dict)


class BremsModelling(_Strict):
    """Proton-bremsstrahlung choices the papers leave open (:mod:`darkdump.production.brems`).

    The defaults are those of Bluemlein-Brunner's own application (PLB 731 (2014) 320:
    0.1 < z < 0.9, p_T < 1 GeV, VMD form factor); an experiment file states its own
    with their source.
    """

    z_min: Annotated[StrictFloat, Interval(gt=0, lt=1)] = Field(
        0.1, description="lowest z = E_A'/E_p"
    )
    z_max: Annotated[StrictFloat, Interval(gt=0, lt=1)] = Field(0.9, description="highest z")
    # 10 MeV/c at least: below it the window keeps almost none of the emission and
    # the sampled p_T distribution degenerates numerically (plausible choices: 0.5-2 GeV).
    pt_max_GeV: Annotated[StrictFloat, Interval(ge=0.01, le=100)] = Field(
        1.0, description="largest A' transverse momentum [GeV], 0.01-100"
    )
    form_factor: Literal["vmd", "none"] = Field(
        "vmd", description="timelike proton form factor: rho/omega VMD, or none (|F|^2 = 1)"
    )
    convention: Literal["bluemlein-brunner", "alpinist", "alpinist-s-prime"] = Field(
        "bluemlein-brunner",
        description="formula as published (bluemlein-brunner), as in the NA62 authors' "
        "ALPINIST code (M = m_A', s' = (M + E)^2 (1 - z)), or with only ALPINIST's s'",
    )

    @model_validator(mode="after")
    def _z_ordered(self) -> BremsModelling:
        if not self.z_min < self.z_max:
            raise ValueError(f"z_min {self.z_min:g} must be below z_max {self.z_max:g}")
        return self


#: The mesons whose decays produce the dark photon (JHEP eq. 3.2), in output order.
MESON_SPECIES: tuple[str, ...] = ("pi0", "eta", "etaprime", "rho", "omega", "phi")


class MesonModelling(_Strict):
    """Meson-production choices (:mod:`darkdump.production.meson_decays`).

    ``multiplicity = "generator"`` takes the mean number of each meson per proton from
    the PYTHIA spectra; ``"measured"`` replaces it by the ``measured_per_pot`` values
    (species not listed keep the generator's), keeping the generator's momentum shape.

    ``collisions = "nucleon"`` uses PYTHIA p-p and p-n collisions (NA62's procedure);
    ``"nucleus"`` uses p-nucleus collisions on the dump material (PYTHIA Angantyr), and
    then the measured multiplicities, which are per nucleon-nucleon collision, are
    scaled per species by the generator's ratio p-A / p-N.
    """

    multiplicity: Literal["generator", "measured"] = "generator"
    measured_per_pot: dict[str, PosFloat] = Field(default_factory=dict)
    measured_source: str = ""
    collisions: Literal["nucleon", "nucleus"] = "nucleon"

    @model_validator(mode="after")
    def _measured_given(self) -> MesonModelling:
        if self.multiplicity == "measured" and not self.measured_per_pot:
            raise ValueError("multiplicity = 'measured' needs measured_per_pot values")
        unknown = sorted(set(self.measured_per_pot) - set(MESON_SPECIES))
        if unknown:
            raise ValueError(
                f"measured_per_pot: unknown species {', '.join(unknown)}; "
                f"allowed: {', '.join(MESON_SPECIES)}"
            )
        return self


class BModelling(_Strict):
    """b-bbar production for the ALP from B -> K(*) a (:mod:`darkdump.production.alp`).

    The B momentum spectra and species fractions are PYTHIA's; their number per POT is
    ``chi_bb`` (:func:`darkdump.production.spectra.chi_bb`) from this cross-section and
    the nuclear exponent; ``k_star_fraction`` splits the decays between K a and K* a
    (:func:`darkdump.production.alp.generate_alp`), which sets the ALP momenta only.
    """

    sigma_bb_per_nucleon_nb: Annotated[StrictFloat, Interval(gt=0, le=1e6)] = Field(
        1.7, description="sigma(pN -> b bbar X) per nucleon at the beam energy [nb]"
    )
    nuclear_exponent: Annotated[StrictFloat, Interval(ge=0.5, le=1.2)] = Field(
        1.0, description="alpha in sigma_bb(pA) = A^alpha sigma_bb(pN) [dimensionless]"
    )
    k_star_fraction: Annotated[StrictFloat, Interval(ge=0.0, le=1.0)] = Field(
        0.5, description="share of B -> K*(892) a among the B -> K(*) a decays [dimensionless]"
    )
    source: str = ""


class Modelling(_Strict):
    """Modelling choices that the papers do not fix, each a named parameter with its source."""

    brems: BremsModelling = Field(default_factory=lambda: BremsModelling.model_validate({}))
    mesons: MesonModelling = Field(default_factory=lambda: MesonModelling.model_validate({}))
    b: BModelling = Field(default_factory=lambda: BModelling.model_validate({}))


OverrideValue = float | str | bool


class Variation(_Strict):
    """One alternative modelling choice for the uncertainty envelope (``--variations``).

    ``modelling`` overrides keys of the experiment's ``[modelling]`` section, e.g.
    ``{brems = {form_factor = "vmd"}}``; ``detector`` keys of its ``[detector.<table>]``
    tables (e.g. ``{isolation = {first_tracker_min_mm = 30.0}}``: unpublished selection
    parameters) and ``selection`` keys of ``[selection.<channel>]``. ``source`` says
    where the alternative comes from.
    """

    name: str
    modelling: dict[str, dict[str, float | str]] = Field(default_factory=dict)
    detector: dict[str, dict[str, OverrideValue]] = Field(default_factory=dict)
    selection: dict[str, dict[str, OverrideValue]] = Field(default_factory=dict)
    source: str = ""

    @model_validator(mode="after")
    def _overrides_something(self) -> Variation:
        if not (self.modelling or self.detector or self.selection):
            raise ValueError(f"variation {self.name!r} overrides nothing")
        return self

    @property
    def overrides(self) -> dict[str, dict[str, dict[str, OverrideValue]]]:
        """The non-empty override tables by section (for provenance and tables)."""
        sections = {
            "modelling": self.modelling,
            "detector": self.detector,
            "selection": self.selection,
        }
        return {k: dict(v) for k, v in sections.items() if v}


class Experiment(_Strict):
    """A beam-dump experiment: the stages read the sections they need.

    Unknown top-level sections are refused like unknown keys anywhere else: a misspelled
    ``[modeling]`` or ``[acceptence]`` would otherwise be ignored and the defaults used.
    """

    name: str
    description: str = ""
    beam: Beam
    target: Target
    decay_volume: DecayVolume
    detector: Detector
    selection: Selection | None = None
    regions: Regions = Field(default_factory=lambda: Regions())
    acceptance: Acceptance | None = None
    modelling: Modelling = Field(default_factory=Modelling)
    variations: list[Variation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _decay_volume_upstream_of_the_detector(self) -> Experiment:
        self._cross_checks()
        return self

    def _cross_checks(self) -> None:
        """Check the sections against each other (raises ``ValueError``)."""
        # Vetoes may surround the decay volume (NA62's ANTI0 is at its entrance). A
        # spectrometer needs the whole volume upstream of its first element; a calorimeter
        # may be its own decay volume (NuCal), which must then start at its front face.
        first = next(
            (e for e in self.detector.elements if e.kind != "veto"), self.detector.elements[0]
        )
        z_first = first.z_start_m if first.kind == "magnet" else first.z_m
        dv = self.decay_volume
        if self.detector.spectrometer is not None or first.kind != "calorimeter":
            key, z_dv = "z_max_m", dv.z_max_m
        else:
            key, z_dv = "z_min_m", dv.z_min_m
        if not z_dv <= z_first:  # type: ignore[operator]
            raise ValueError(
                f"decay_volume.{key} ({z_dv:g} m) must lie upstream of "
                f"the first detector element {first.name!r} ({z_first:g} m)"
            )
        if self.detector.spectrometer is not None and self.selection is None:
            raise ValueError("a detector with a spectrometer needs the selection section")
        if self.selection is not None:
            veto = self.detector.spectrometer.upstream_veto if self.detector.spectrometer else None
            for channel in ("ee", "mumu"):
                if getattr(self.selection, channel).upstream_veto_acceptance and veto is None:
                    raise ValueError(
                        f"selection.{channel}.upstream_veto_acceptance needs "
                        "detector.spectrometer.upstream_veto"
                    )
        if self.acceptance is not None:
            names = {e.name for e in self.detector.elements}
            for channel, spec in self.acceptance.channels().items():
                unknown = [n for n in spec.elements if n not in names]
                if unknown:
                    raise ValueError(
                        f"acceptance.{channel}.elements: no element named {unknown[0]!r}; "
                        f"known: {', '.join(sorted(names))}"
                    )

    @property
    def acceptance_angle_rad(self) -> float:
        """Half-angle of the cone, seen from the impact point, holding the detector [rad].

        The largest ``outer_extent_m / (z_m - z_impact)`` over the detector planes other
        than vetoes (and the decay-volume aperture, at its downstream end): an A' outside
        it misses every element that counts. Used to steer the importance sampling of the
        meson parents (:mod:`darkdump.production.meson_decays`), never as a cut.

        >>> from darkdump.experiments import load
        >>> round(load("na62-2021").acceptance_angle_rad * 1e3, 2)
        8.34
        """
        z0 = self.target.impact_point_m[2]
        planes = [
            (e.aperture, e.z_m)
            for e in self.detector.elements
            if e.kind not in ("veto", "magnet") and e.aperture is not None
        ]
        if self.decay_volume.aperture is not None:
            planes.append((self.decay_volume.aperture, self.decay_volume.z_max_m))
        angles = [ap.outer_extent_m / (z - z0) for ap, z in planes if z is not None and z > z0]
        return max(angles) if angles else math.pi

    @property
    def has_spectrometer(self) -> bool:
        """True when the track-level fast simulation can run (``detector.spectrometer``)."""
        return self.detector.spectrometer is not None and self.selection is not None

    @model_validator(mode="after")
    def _variations_valid(self) -> Experiment:
        for variation in self.variations:
            self.with_variation(variation)
        return self

    def with_variation(self, variation: Variation) -> Experiment:
        """Return a copy with the overrides of one ``[[variations]]`` entry (validated)."""
        exp = self.with_modelling(variation.modelling) if variation.modelling else self
        for part, overrides in (
            ("detector", variation.detector),
            ("selection", variation.selection),
        ):
            section = getattr(exp, part)
            updates: dict[str, BaseModel] = {}
            for table, values in overrides.items():
                current = getattr(section, table, None)
                if not isinstance(current, BaseModel):
                    raise ValueError(
                        f"variation {variation.name!r}: {part}.{table} is not a table of this "
                        "experiment"
                    )
                unknown = sorted(set(values) - set(type(current).model_fields))
                if unknown:
                    raise ValueError(
                        f"variation {variation.name!r}: {part}.{table} has no key {unknown[0]!r}"
                    )
                # Each changed table is validated whole; the experiment's own cross-checks
                # run again below.
                updates[table] = type(current).model_validate({**current.model_dump(), **values})
            if updates:
                exp = exp.model_copy(update={part: section.model_copy(update=updates)})
        if variation.detector or variation.selection:
            exp._cross_checks()
        return exp

    def with_modelling(self, override: dict[str, dict[str, float | str]]) -> Experiment:
        """Return a copy with some ``[modelling]`` keys replaced (validated) [``override`` as in TOML]."""
        merged = self.modelling.model_dump()
        for section, values in override.items():
            if section not in merged:
                raise ValueError(
                    f"modelling override: unknown section {section!r}; allowed: "
                    + ", ".join(merged)
                )
            merged[section].update(values)
        modelling = Modelling.model_validate(merged)
        return self.model_copy(update={"modelling": modelling})

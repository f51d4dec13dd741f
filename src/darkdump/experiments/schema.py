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
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AbsorberLayer",
    "Aperture",
    "Beam",
    "ChannelSelection",
    "DecayVolume",
    "Detector",
    "Experiment",
    "Isolation",
    "Magnet",
    "BremsModelling",
    "MesonModelling",
    "Modelling",
    "Pid",
    "RegionSpec",
    "Regions",
    "Resolutions",
    "Selection",
    "StrawChamber",
    "Target",
    "Trigger",
    "Variation",
]

PosFloat = Annotated[float, Gt(0)]
NonNegFloat = Annotated[float, Ge(0)]
Fraction = Annotated[float, Interval(ge=0, le=1)]


class _Strict(BaseModel):
    # Every number finite (no inf or NaN from a file).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: object) -> object:
        """``energy_GeV = true`` is an error, not 1 GeV (pydantic's lax mode casts it)."""
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                value = data.get(name)
                if isinstance(value, bool) and "bool" not in str(field.annotation):
                    raise ValueError(f"{name}: expected a number, not {str(value).lower()}")
        return data


class Beam(_Strict):
    """Primary proton beam."""

    particle: str = "p"
    energy_GeV: PosFloat
    n_pot: PosFloat = Field(description="number of protons on target (dump)")
    n_pot_uncertainty: NonNegFloat = Field(0.0, description="relative uncertainty on n_pot")


class AbsorberLayer(_Strict):
    """One slab of the dump, traversed in order along +Z."""

    material: str
    length_m: PosFloat
    interaction_length_m: PosFloat = Field(description="nuclear interaction length lambda_I")
    mass_number: PosFloat = Field(description="A of the (dominant) nucleus")
    atomic_number: PosFloat = Field(description="Z of the (dominant) nucleus")


class Target(_Strict):
    """Where the protons hit: impact spot and the absorber layers."""

    impact_point_m: tuple[float, float, float] = Field(
        description="mean proton impact point (x, y, z) at the front face"
    )
    impact_sigma_m: tuple[NonNegFloat, NonNegFloat] = Field(
        description="Gaussian spread (sigma_x, sigma_y) of the impact point"
    )
    layers: list[AbsorberLayer] = Field(min_length=1)


# --- decay volume, detector, selection and regions (stages decay, detector, selection) ---


class DecayVolume(_Strict):
    """Where the decays are generated and where the vertex may lie (metres)."""

    z_min_m: float = Field(description="upstream plane of the generated decay range")
    z_max_m: float = Field(description="downstream plane of the generated decay range")
    fiducial_z_min_m: float = Field(description="start of the fiducial decay volume")
    fiducial_z_max_m: float = Field(description="end of the fiducial decay volume")
    vacuum_tank_start_m: float = Field(description="upstream end of the vacuum tank")

    @model_validator(mode="after")
    def _ordered(self) -> DecayVolume:
        if not self.z_min_m < self.z_max_m:
            raise ValueError("z_min_m must be smaller than z_max_m")
        if not self.fiducial_z_min_m < self.fiducial_z_max_m:
            raise ValueError("fiducial_z_min_m must be smaller than fiducial_z_max_m")
        if not (self.z_min_m <= self.fiducial_z_min_m and self.fiducial_z_max_m <= self.z_max_m):
            raise ValueError("the fiducial range must lie inside z_min_m..z_max_m")
        return self


class Aperture(_Strict):
    """A detector plane at ``z_m`` and its acceptance in the transverse plane.

    A point (x, y) is accepted when every given condition holds, with
    (u, v) = (x, y) - ``center_m``: ``r_min_m < sqrt(u^2+v^2) < r_max_m``,
    ``|u|, |v| < half_width_m`` (square) and ``|u| + |v| < octagon_m``
    (cut corners). Absent bounds do not cut.
    """

    z_m: float
    center_m: tuple[float, float] = (0.0, 0.0)
    r_min_m: NonNegFloat = 0.0
    r_max_m: PosFloat | None = None
    half_width_m: PosFloat | None = None
    octagon_m: PosFloat | None = None

    @model_validator(mode="after")
    def _radii(self) -> Aperture:
        if self.r_max_m is not None and not self.r_min_m < self.r_max_m:
            raise ValueError("r_min_m must be smaller than r_max_m")
        return self


class StrawChamber(Aperture):
    """One STRAW chamber (annulus about its beam hole centre)."""

    name: str


class Magnet(_Strict):
    """Spectrometer dipole, modelled as a thin horizontal p_T kick at its centre."""

    z_start_m: float
    z_end_m: float
    field_T: PosFloat
    pt_kick_GeV: PosFloat = Field(description="horizontal transverse-momentum kick")
    kick_sign_positive: Literal[-1, 1] = Field(
        description="sign of the px change of a positive particle"
    )

    @model_validator(mode="after")
    def _extent(self) -> Magnet:
        if not self.z_start_m < self.z_end_m:
            raise ValueError("z_start_m must be smaller than z_end_m")
        return self

    @property
    def z_center_m(self) -> float:
        """Centre of the field region [m]."""
        return 0.5 * (self.z_start_m + self.z_end_m)


class Resolutions(_Strict):
    """Spectrometer and calorimeter resolutions."""

    momentum_constant: NonNegFloat = Field(description="a in sigma_p/p = a (+) b p[GeV]")
    momentum_linear_per_GeV: NonNegFloat = Field(description="b in sigma_p/p = a (+) b p[GeV]")
    angle_ms_mrad_GeV: NonNegFloat = Field(
        description="c in sigma_theta = c/p[GeV] (+) d, per projected slope"
    )
    angle_constant_mrad: NonNegFloat = Field(description="d in sigma_theta = c/p (+) d")
    position_straw1_mm: NonNegFloat = Field(description="track position at STRAW1, per coordinate")
    lkr_stochastic: NonNegFloat = Field(description="s in sigma_E/E = s/sqrt(E) (+) n/E (+) c")
    lkr_noise_GeV: NonNegFloat = Field(description="n in sigma_E/E = s/sqrt(E) (+) n/E (+) c")
    lkr_constant: NonNegFloat = Field(description="c in sigma_E/E = s/sqrt(E) (+) n/E (+) c")


class Pid(_Strict):
    """Particle identification by E/p in the LKr and the MUV3 (JHEP sec. 4, PRL)."""

    lkr_cluster_threshold_GeV: NonNegFloat
    muon_e_over_p_max: PosFloat
    electron_e_over_p_min: PosFloat
    electron_e_over_p_max: PosFloat
    electron_e_over_p_min_pivot_GeV: PosFloat
    electron_e_over_p_min_slope_per_GeV: NonNegFloat
    muon_lkr_mpv_GeV: NonNegFloat
    muon_lkr_width_GeV: NonNegFloat
    muv3_efficiency: Fraction
    electron_muv3_probability: Fraction

    @model_validator(mode="after")
    def _window(self) -> Pid:
        if not self.electron_e_over_p_min < self.electron_e_over_p_max:
            raise ValueError("electron_e_over_p_min must be smaller than electron_e_over_p_max")
        return self


class Isolation(_Strict):
    """Minimum distance between the two tracks at STRAW1 and at the LKr front face.

    ``muv3_tile_mm``: pitch of the square MUV3 tiles; two muons in one tile give one MUV3
    signal, which may be associated with only one track (JHEP sec. 4), so the pair is lost.
    0 switches the requirement off.
    """

    straw1_min_mm: NonNegFloat
    lkr_min_mm: NonNegFloat
    muv3_tile_mm: NonNegFloat = 0.0


class Trigger(_Strict):
    """H2 trigger: two CHOD signals, with a flat inefficiency."""

    efficiency: Fraction


class Detector(_Strict):
    """The NA62 detector as used by the fast simulation (lengths in metres)."""

    straw: list[StrawChamber] = Field(min_length=2)
    magnet: Magnet
    chod: Aperture
    na48_chod: Aperture
    lav12: Aperture
    lkr: Aperture
    lkr_fiducial_r_min_m: NonNegFloat
    muv3: Aperture
    anti0: Aperture
    anti0_in_acceptance: bool = Field(
        description="require the upstream extrapolation inside ANTI0 in the acceptance mask"
    )
    resolutions: Resolutions
    pid: Pid
    isolation: Isolation
    trigger: Trigger

    @model_validator(mode="after")
    def _magnet_between_chambers(self) -> Detector:
        zs = [c.z_m for c in self.straw]
        if zs != sorted(zs):
            raise ValueError("straw chambers must be ordered by z_m")
        zc = self.magnet.z_center_m
        if not (zs[0] < zc < zs[-1]):
            raise ValueError("the magnet centre must lie between the first and last STRAW chamber")
        for name in ("lav12", "chod", "na48_chod", "lkr", "muv3"):
            if not getattr(self, name).z_m > zs[-1]:
                raise ValueError(f"{name}.z_m must lie downstream of the last STRAW chamber")
        if not self.lkr.z_m < self.muv3.z_m:
            raise ValueError("muv3.z_m must lie downstream of the LKr (lkr.z_m)")
        return self


class ChannelSelection(_Strict):
    """Vertex requirements of one decay channel (metres)."""

    lepton: Literal["e", "mu"]
    vertex_z_min_m: float
    vertex_z_max_m: float
    vertex_rho_max_m: PosFloat | None = Field(
        None, description="maximum vertex distance from the Z axis (restricted FV)"
    )

    @model_validator(mode="after")
    def _vertex_range(self) -> ChannelSelection:
        if not self.vertex_z_min_m < self.vertex_z_max_m:
            raise ValueError("vertex_z_min_m must be smaller than vertex_z_max_m")
        return self


class Selection(_Strict):
    """Track and vertex requirements shared by the channels."""

    track_momentum_min_GeV: NonNegFloat
    ee: ChannelSelection
    mumu: ChannelSelection


class RegionSpec(_Strict):
    """A region of the (Z_TAX, CDA_TAX) plane (metres), read by ``darkdump.selection``.

    Defaults equal those of :class:`darkdump.selection.regions.Region` so that
    ``model_dump()`` is a valid region table.
    """

    kind: Literal["box", "ellipse"]
    z_min_m: float = -math.inf
    z_max_m: float = math.inf
    cda_max_m: float = math.inf
    z_center_m: float = 0.0
    z_half_axis_m: PosFloat = 1.0
    cda_half_axis_m: PosFloat = 1.0
    exclude: list[str] = Field(default_factory=list)
    source: str = ""

    @model_validator(mode="after")
    def _box_range(self) -> RegionSpec:
        if self.kind == "box" and not self.z_min_m < self.z_max_m:
            raise ValueError("z_min_m must be smaller than z_max_m")
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

    z_min: Annotated[float, Interval(gt=0, lt=1)] = Field(0.1, description="lowest z = E_A'/E_p")
    z_max: Annotated[float, Interval(gt=0, lt=1)] = Field(0.9, description="highest z")
    pt_max_GeV: PosFloat = Field(1.0, description="largest A' transverse momentum [GeV]")
    form_factor: Literal["vmd", "none"] = Field(
        "vmd", description="timelike proton form factor: rho/omega VMD, or none (|F|^2 = 1)"
    )

    @model_validator(mode="after")
    def _z_ordered(self) -> BremsModelling:
        if not self.z_min < self.z_max:
            raise ValueError(f"z_min {self.z_min:g} must be below z_max {self.z_max:g}")
        return self


class MesonModelling(_Strict):
    """Meson-production choices (:mod:`darkdump.production.meson_decays`).

    ``multiplicity = "generator"`` takes the mean number of each meson per proton from
    the PYTHIA spectra; ``"measured"`` replaces it by the ``measured_per_pot`` values
    (species not listed keep the generator's), keeping the generator's momentum shape.
    """

    multiplicity: Literal["generator", "measured"] = "generator"
    measured_per_pot: dict[str, PosFloat] = Field(default_factory=dict)
    measured_source: str = ""

    @model_validator(mode="after")
    def _measured_given(self) -> MesonModelling:
        if self.multiplicity == "measured" and not self.measured_per_pot:
            raise ValueError("multiplicity = 'measured' needs measured_per_pot values")
        return self


class Modelling(_Strict):
    """Modelling choices that the papers do not fix, each a named parameter with its source."""

    brems: BremsModelling = Field(default_factory=BremsModelling)
    mesons: MesonModelling = Field(default_factory=MesonModelling)


class Variation(_Strict):
    """One alternative modelling choice for the uncertainty envelope (``--variations``).

    ``modelling`` overrides keys of the experiment's ``[modelling]`` section, e.g.
    ``{brems = {form_factor = "vmd"}}``; ``source`` says where the alternative comes from.
    """

    name: str
    modelling: dict[str, dict[str, float | str]]
    source: str = ""


class Experiment(_Strict):
    """A beam-dump experiment: the stages read the sections they need."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    description: str = ""
    beam: Beam
    target: Target
    decay_volume: DecayVolume
    detector: Detector
    selection: Selection
    regions: Regions
    modelling: Modelling = Field(default_factory=Modelling)
    variations: list[Variation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _decay_volume_upstream_of_the_detector(self) -> Experiment:
        first = self.detector.straw[0].z_m
        if not self.decay_volume.z_max_m <= first:
            raise ValueError(
                f"decay_volume.z_max_m ({self.decay_volume.z_max_m:g} m) must lie upstream of "
                f"the first STRAW chamber ({first:g} m)"
            )
        return self

    @model_validator(mode="after")
    def _variations_valid(self) -> Experiment:
        for variation in self.variations:
            self.with_modelling(variation.modelling)
        return self

    def with_modelling(self, override: dict[str, dict[str, float | str]]) -> Experiment:
        """A copy with some ``[modelling]`` keys replaced (validated) [``override`` as in TOML]."""
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

    @model_validator(mode="after")
    def _extra_sections_are_tables(self) -> Experiment:
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, dict):
                raise ValueError(f"top-level key {key!r} must be a table (section)")
        return self

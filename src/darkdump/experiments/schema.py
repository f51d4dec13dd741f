"""Pydantic schema of an experiment description (a TOML file in this folder).

Files speak GeV and metres, with the unit in every key name; :meth:`Experiment`
accessors convert to the internal hepunits system (MeV, mm, ns). Every value in
a shipped file carries its source in a comment next to it.

The detector, selection and region sections are added by the stages that use
them; unknown keys are rejected so that a typo is an error naming the key.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Gt
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["AbsorberLayer", "Beam", "Experiment", "Target"]

PosFloat = Annotated[float, Gt(0)]
NonNegFloat = Annotated[float, Ge(0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class Experiment(_Strict):
    """A beam-dump experiment: the stages read the sections they need."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    description: str = ""
    beam: Beam
    target: Target

    @model_validator(mode="after")
    def _extra_sections_are_tables(self) -> Experiment:
        for key, value in (self.model_extra or {}).items():
            if not isinstance(value, dict):
                raise ValueError(f"top-level key {key!r} must be a table (section)")
        return self

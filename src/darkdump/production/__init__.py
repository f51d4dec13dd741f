"""Stage ``production``: how many A' (or ALPs) each proton on target makes, and how.

For one mass and one mechanism, :func:`generate` returns a weighted
:class:`~darkdump.production.sample.ProductionSample` (lab momentum, production
point in the dump, weight = probability per proton on target / eps^2), and
:func:`per_pot_over_eps2` the total rate.

Mechanisms (:data:`MECHANISMS`):

- ``"brems"``: proton bremsstrahlung, generalised Fermi-Weizsaecker-Williams
  (:mod:`.brems`; Bluemlein-Brunner, PLB 731 (2014) 320);
- ``"pi0"``, ``"eta"``, ``"etaprime"``, ``"rho"``, ``"omega"``, ``"phi"``: decays
  of mesons from the PYTHIA spectra (:mod:`.meson_decays`; JHEP 09 (2023) 035
  eq. 3.3, Bluemlein-Brunner PLB 701 (2011) 155);
- ``"B"`` (ALPs only): B -> K(*) a, delegated to :func:`darkdump.production.alp.generate_alp`.

The production point is the primary interaction point in the dump
(:mod:`.target`), for every mechanism.

>>> MECHANISMS
('brems', 'pi0', 'eta', 'etaprime', 'rho', 'omega', 'phi')
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
from hepunits import GeV, MeV

from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import MESON_SPECIES, Experiment
from darkdump.production.brems import BremsCuts
from darkdump.production.sample import ProductionSample
from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.production.meson_decays import SpectraLike

__all__ = [
    "ALP_MECHANISMS",
    "MECHANISMS",
    "PRODUCTION_MASS_RANGE",
    "BremsCuts",
    "ProductionSample",
    "brems_cuts",
    "check_mass",
    "generate",
    "mass_range",
    "meson_spectra",
    "per_pot_over_eps2",
]

#: Dark-photon mechanisms, in output order.
MECHANISMS: Final[tuple[str, ...]] = ("brems", *MESON_SPECIES)
#: ALP mechanisms.
ALP_MECHANISMS: Final[tuple[str, ...]] = ("B",)

#: Mass range where the production models are defined [MeV]: the VMD proton form
#: factor of the bremsstrahlung model includes resonances up to omega(1650)/rho(1700),
#: so darkdump stops at 1.7 GeV; below 1 MeV nothing in the chain is meaningful.
PRODUCTION_MASS_RANGE: Final[tuple[float, float]] = (1.0 * MeV, 1.7 * GeV)

#: Events used for the Monte Carlo estimate of a momentum-cut meson rate.
_N_RATE_MC: Final[int] = 200_000


def mass_range() -> tuple[float, float]:
    """Return the allowed A' mass range [MeV]: production range intersected with the model's.

    The model range is ``darkdump.models.dark_photon.MASS_RANGE`` when that module exists.
    """
    lo, hi = PRODUCTION_MASS_RANGE
    try:
        model = importlib.import_module("darkdump.models.dark_photon")
    except ImportError:
        return lo, hi
    model_lo, model_hi = model.MASS_RANGE
    return max(lo, float(model_lo)), min(hi, float(model_hi))


def check_mass(mass: float) -> None:
    """Refuse an A' mass [MeV] outside :func:`mass_range` (one-line input error)."""
    lo, hi = mass_range()
    if not (np.isfinite(mass) and lo <= mass <= hi):
        raise DarkdumpInputError(
            f"mass {mass / GeV:.10g} GeV is outside the production range "
            f"[{lo / GeV:g}, {hi / GeV:g}] GeV"
        )


def _check_mechanism(mechanism: str, allowed: tuple[str, ...]) -> None:
    if mechanism not in allowed:
        raise DarkdumpInputError(
            f"mechanism {mechanism!r} is unknown; allowed: {', '.join(allowed)}"
        )


def _experiment(experiment: Experiment | str | Path) -> Experiment:
    if isinstance(experiment, Experiment):
        return experiment
    from darkdump.experiments import load

    return load(experiment)


def brems_cuts(experiment: Experiment | str | Path) -> BremsCuts:
    """Return the bremsstrahlung validity range and form factor of ``[modelling.brems]``."""
    b = _experiment(experiment).modelling.brems
    return BremsCuts(
        z_min=b.z_min,
        z_max=b.z_max,
        pt_max=b.pt_max_GeV * GeV,
        form_factor=b.form_factor,
        convention=b.convention,
    )


def meson_spectra(experiment: Experiment | str | Path) -> SpectraLike:
    """Return the shipped PYTHIA meson spectra with the multiplicities of ``[modelling.mesons]``.

    With ``multiplicity = "measured"`` the mean number per proton of each listed species
    is replaced by the measured value; the momentum distributions stay the generator's.
    With ``collisions = "nucleus"`` the p-nucleus table of the dump's main material is
    used, and measured (nucleon-nucleon) values are scaled by its ratio to the nucleon
    table, species by species.
    """
    exp = _experiment(experiment)
    mesons = exp.modelling.mesons
    spec = _default_spectra(exp.beam.energy_GeV)
    nuclear = {name: 1.0 for name in MECHANISMS[1:]}
    if mesons.collisions == "nucleus":
        from darkdump.production import spectra
        from darkdump.production.pythia_gen import target_nucleus

        z, _ = target_nucleus(exp)
        on_nucleons = spec
        spec = spectra.shipped_for_beam("mesons", exp.beam.energy_GeV, nucleus=z)
        nuclear = {
            name: spec.multiplicity(name) / on_nucleons.multiplicity(name)
            for name in MECHANISMS[1:]
        }
    if mesons.multiplicity == "generator":
        return spec
    # Species names are checked by the schema (MESON_SPECIES).
    per_pot = {name: value * nuclear[name] for name, value in mesons.measured_per_pot.items()}
    return _MeasuredMultiplicities(spec, per_pot)


class _MeasuredMultiplicities:
    """Spectra whose multiplicities of some species are replaced by measured ones."""

    def __init__(self, spectra: SpectraLike, per_pot: dict[str, float]) -> None:
        self._spectra = spectra
        self._per_pot = per_pot

    def multiplicity(self, species: str) -> float:
        """Measured mean number per proton where given, else the generator's [dimensionless]."""
        if species in self._per_pot:
            return self._per_pot[species]
        return self._spectra.multiplicity(species)

    def sample(self, species: str, n: int, rng: np.random.Generator) -> FloatArray:
        """Lab momenta from the generator's spectra, shape ``(n, 3)`` [MeV]."""
        return self._spectra.sample(species, n, rng)

    def sample_weighted(
        self, species: str, n: int, rng: np.random.Generator, **kwargs: float
    ) -> tuple[FloatArray, FloatArray]:
        """Importance-sampled momenta and weights (:meth:`Spectra.sample_weighted`).

        Spectra without importance sampling give their plain sample with unit weights.
        """
        inner = getattr(self._spectra, "sample_weighted", None)
        if inner is None:
            return self._spectra.sample(species, n, rng), np.ones(n)
        result: tuple[FloatArray, FloatArray] = inner(species, n, rng, **kwargs)
        return result


def _default_spectra(energy_GeV: float = 400.0) -> SpectraLike:
    """Return the shipped meson spectra for ``energy_GeV`` protons (one-line error if none)."""
    from darkdump.production import spectra  # lazy: PYTHIA tables are large

    result: SpectraLike = spectra.shipped_for_beam("mesons", energy_GeV)
    return result


def generate(
    mechanism: str,
    mass: float,
    n: int,
    rng: np.random.Generator,
    experiment: Experiment | str | Path,
    *,
    spectra: SpectraLike | None = None,
    cuts: BremsCuts | None = None,
) -> ProductionSample:
    """Generate a weighted sample of ``n`` A' (or ALPs for ``"B"``).

    Parameters
    ----------
    mechanism
        One of :data:`MECHANISMS` or ``"B"``.
    mass
        Particle mass [MeV].
    n
        Number of events (>= 1).
    rng
        Random generator (the only source of randomness).
    experiment
        Experiment description (or its name, e.g. ``"na62-2021"``).
    spectra
        Meson spectra to use instead of :func:`meson_spectra` (tests).
    cuts
        Bremsstrahlung validity range and form factor (:class:`BremsCuts`); by
        default the experiment's ``[modelling.brems]`` (:func:`brems_cuts`).

    Returns
    -------
    ProductionSample
        ``weight.sum()`` is the production probability per POT / eps^2 (per BR
        product for ALPs). Above a meson's kinematic limit the weights are zero.

    Raises
    ------
    DarkdumpInputError
        Unknown mechanism, mass outside :func:`mass_range`, or ``n < 1``.
    """
    _check_mechanism(mechanism, MECHANISMS + ALP_MECHANISMS)
    if n < 1:
        raise DarkdumpInputError(f"number of events n={n} must be at least 1")
    exp = _experiment(experiment)
    if mechanism == "B":
        alp = importlib.import_module("darkdump.production.alp")
        alp_sample: ProductionSample = alp.generate_alp(mass, n, rng, exp)
        return alp_sample
    check_mass(mass)

    from darkdump.production.target import interaction_probability, sample_production_points

    e_beam = exp.beam.energy_GeV * GeV
    if mechanism == "brems":
        from darkdump.production.brems import sample_brems

        momentum, weight = sample_brems(
            mass, n, rng, e_beam, brems_cuts(exp) if cuts is None else cuts
        )
        # FWW gives A' per interacting proton; every proton interacts, to exp(-19.5).
        weight = weight * interaction_probability(exp)
    else:
        from darkdump.production.meson_decays import sample_meson_decays

        # The spectra multiplicities are already per proton on target.
        spec = meson_spectra(exp) if spectra is None else spectra
        momentum, weight = sample_meson_decays(
            mechanism, mass, n, rng, spec, acceptance_angle=exp.acceptance_angle_rad
        )
    points = sample_production_points(exp, n, rng)
    return ProductionSample(
        mass=float(mass),
        mechanism=mechanism,
        momentum=momentum,
        production_point=points,
        weight=weight,
    )


@lru_cache(maxsize=256)
def _meson_rate_above(mechanism: str, mass: float, p_min: float, experiment_json: str) -> float:
    exp = Experiment.model_validate_json(experiment_json)
    sample = generate(mechanism, mass, _N_RATE_MC, np.random.default_rng(20210), exp)
    return float(np.sum(sample.weight[sample.p > p_min]))


def per_pot_over_eps2(
    mechanism: str,
    mass: float,
    experiment: Experiment | str | Path,
    p_min: float = 0.0,
    *,
    spectra: SpectraLike | None = None,
    cuts: BremsCuts | None = None,
) -> float:
    """Production probability per proton on target / eps^2 [dimensionless].

    Parameters
    ----------
    mechanism
        One of :data:`MECHANISMS`.
    mass
        A' mass [MeV].
    experiment
        Experiment description (or its name).
    p_min
        Count only A' with momentum above ``p_min`` [MeV].
    spectra
        Meson spectra to use instead of :func:`meson_spectra` (tests).
    cuts
        Bremsstrahlung validity range and form factor; by default the experiment's.

    Returns
    -------
    float
        Bremsstrahlung: the integral of the FWW rate (deterministic). Mesons:
        multiplicity x BR / eps^2; with ``p_min > 0`` a Monte Carlo estimate from
        2e5 decays with a fixed seed (cached).
    """
    _check_mechanism(mechanism, MECHANISMS)
    check_mass(mass)
    exp = _experiment(experiment)
    from darkdump.production.target import interaction_probability

    e_beam = exp.beam.energy_GeV * GeV
    if mechanism == "brems":
        from darkdump.production.brems import rate

        chosen = brems_cuts(exp) if cuts is None else cuts
        return rate(mass, e_beam, chosen, p_min) * interaction_probability(exp)
    from darkdump.production.meson_decays import br_over_eps2

    br = float(br_over_eps2(mechanism, mass))
    if br == 0.0:
        return 0.0
    spec = meson_spectra(exp) if spectra is None else spectra
    if p_min <= 0.0:
        return spec.multiplicity(mechanism) * br
    if spectra is not None:
        sample = generate(
            mechanism, mass, _N_RATE_MC, np.random.default_rng(20210), exp, spectra=spectra
        )
        return float(np.sum(sample.weight[sample.p > p_min]))
    return _meson_rate_above(mechanism, float(mass), float(p_min), exp.model_dump_json())

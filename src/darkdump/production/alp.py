"""ALP production in B -> K a and B -> K* a decays of the PYTHIA B spectra.

The model-independent ALP interpretation of NA62 (JHEP 09 (2023) 035, sec. 1 eq. 1.2-1.3
and sec. 7; PRL 133 (2024) 111802, ALP paragraph) uses as free parameters the ALP mass,
its lifetime and the product BR(B -> K(*) a) x BR(a -> l+ l-), where BR(B -> K(*) a)
"stands for the sum of these branching ratios of B meson decays (B+, B0 and their
antiparticles) weighted by the corresponding production yields" (PRL). Following
Doebrich, Ertas, Kahlhoefer and Spadaro, PLB 790 (2019) 537, the sample here is
therefore normalised to ONE unit of that BR product:

    weight.sum() = N(B+-) + N(B0, B0bar) per POT
                 = chi_bb x (B+- and B0 per b bbar event),

with chi_bb from :func:`darkdump.production.spectra.chi_bb` (shipped table metadata).
Bs mesons are not used (b -> s a in a Bs gives phi a / eta a, not K(*) a).

Kinematics: the parent species is drawn in proportion to its yield; the final state
is K a with probability ``1 - k_star_fraction`` and K*(892) a otherwise (the split,
``[modelling.b] k_star_fraction`` of the experiment, changes only the ALP momentum
distribution, not the normalisation); the two-body
decay is isotropic in the B rest frame (spin-0 parent) and boosted to the lab with the
B momentum sampled from the PYTHIA spectrum (both sampled with importance weights that
favour what the detector can see, :data:`HARD_FRACTION` and below; unbiased). K*(892) is taken at its pole mass (its
95 MeV width smears the ALP momentum by far less than the B spectrum does). Masses
come from ``particle``. An ALP mass above a channel's kinematic limit
m_B - m_K(*) gives zero weight for that channel (never NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from particle import Particle

from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import Experiment
from darkdump.kinematics import two_body_momentum
from darkdump.models.alp import check_mass
from darkdump.production.meson_decays import forward_two_body_decay
from darkdump.production.sample import ProductionSample
from darkdump.production.spectra import Spectra, shipped_for_beam
from darkdump.production.target import sample_production_points

__all__ = [
    "ALP_PARENTS",
    "b_spectra_for",
    "generate_alp",
    "two_body_momentum",
]

#: Importance sampling (Monte-Carlo precision, not physics; unbiased through the weights),
#: as for the meson-decay A' (:mod:`darkdump.production.meson_decays`): a fraction of the B
#: drawn from the spectrum weighted by p^k (:data:`HARD_POWERS`) and from the cone
#: ``theta < FORWARD_CONE x`` the detector's acceptance angle, and a fraction of the ALPs
#: emitted forward about their B with cos(theta*) from ``(k + 1)(1 + c)^k / 2^(k + 1)``.
#: Most ALPs leave the B far outside the few-mrad cone of the detector (p* ~ 2.5 GeV
#: against p ~ 20 GeV). Chosen among six settings by the effective selected e+e- events
#: per 50 000 ALPs (2 seeds, 100 / 300 / 600 MeV), against isotropic natural sampling:
#: at the best lifetime 110 / 63 / 44 -> 215 / 189 / 124, at 100 ns 88 / 54 / 38 ->
#: 112 / 125 / 75, at 0.1 ns 83 / 17 / 4 -> 285 / 199 / 72. Twelve seeds each agree on
#: N_exp at 0.03-100 ns within -1.6 to +1.3 standard errors, except two +2.3, +2.7 at
#: 0.03 ns, where the natural sample's mean rests on a few rare events.
HARD_FRACTION = 0.3
HARD_POWERS: tuple[float, ...] = (3.0, 6.0)
FORWARD_FRACTION = 0.5
FORWARD_CONE = 5.0
EMISSION_FORWARD_FRACTION = 0.5
EMISSION_POWER = 4.0

#: B species used (names of :data:`darkdump.production.spectra.B_SPECIES`) -> PDG ids of
#: the parent, of the K and of the K*(892) in B -> K(*) a (charge conjugates implied).
ALP_PARENTS: dict[str, tuple[int, int, int]] = {
    "B+": (521, 321, 323),
    "B0": (511, 311, 313),
}


def b_spectra_for(experiment: Experiment) -> Spectra | _RescaledB:
    """Return the shipped B spectra for the experiment's beam and target, one-line error if none.

    The table's B numbers per POT were made for its own dump and ``sigma(bb)``; they are
    rescaled to the experiment's dump (:func:`darkdump.production.spectra.chi_bb_for_experiment`
    and its interaction probability) and to ``[modelling.b] sigma_bb_per_nucleon_nb`` and
    ``nuclear_exponent``. For the table's own settings the factor is exactly 1.
    """
    from darkdump.production.pythia_gen import interaction_probabilities
    from darkdump.production.spectra import chi_bb_for_experiment

    table = shipped_for_beam("b", float(experiment.beam.energy_GeV))
    b_model = experiment.modelling.b
    sigma = float(b_model.sigma_bb_per_nucleon_nb)
    made = table.metadata
    scale_table = float(made["chi_bb"]) * float(made["interaction_probability"])
    scale = chi_bb_for_experiment(experiment, sigma, float(b_model.nuclear_exponent)) * float(
        interaction_probabilities(experiment).sum()
    )
    if scale == scale_table:
        return table
    return _RescaledB(table, scale / scale_table)


class _RescaledB:
    """B spectra whose numbers per POT are scaled by a constant (target, sigma_bb)."""

    def __init__(self, table: Spectra, factor: float) -> None:
        self._table = table
        self.factor = factor

    def multiplicity(self, species: str) -> float:
        """Mean number per POT of ``species`` [dimensionless]."""
        return self._table.multiplicity(species) * self.factor

    def sample(self, species: str, n: int, rng: np.random.Generator) -> np.ndarray:
        """Lab momenta from the table, shape ``(n, 3)`` [MeV]."""
        return self._table.sample(species, n, rng)

    def sample_weighted(
        self, species: str, n: int, rng: np.random.Generator, **options: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """Importance-sampled lab momenta and weights (:meth:`Spectra.sample_weighted`)."""
        return self._table.sample_weighted(species, n, rng, **options)


def _mass(pdgid: int) -> float:
    mass = Particle.from_pdgid(pdgid).mass
    if mass is None:  # pragma: no cover - particle always has these masses
        raise RuntimeError(f"particle has no mass for PDG id {pdgid}")
    return float(mass)


def generate_alp(
    mass: float,
    n: int,
    rng: np.random.Generator,
    experiment: Experiment,
    k_star_fraction: float | None = None,
    spectra: Spectra | None = None,
) -> ProductionSample:
    """Weighted sample of ALPs from B -> K a and B -> K* a per proton on target.

    Parameters
    ----------
    mass
        ALP mass [MeV].
    n
        Number of sampled ALPs.
    rng
        Random generator.
    experiment
        Experiment description (target for the production points).
    k_star_fraction
        Fraction of the decays that are B -> K*(892) a [dimensionless]; default the
        experiment's ``[modelling.b] k_star_fraction``.
    spectra
        B spectra; default: the shipped table for the beam energy (:func:`b_spectra_for`).

    Returns
    -------
    ProductionSample
        Mechanism ``"B"``; ``weight.sum()`` = number of B -> K(*) a decays per POT per
        unit BR product (= B+- plus B0/B0bar per POT), minus channels that are
        kinematically closed at this mass.
    """
    check_mass(mass)
    if n < 1:
        raise DarkdumpInputError(f"number of ALPs n = {n}: must be at least 1")
    if k_star_fraction is None:
        k_star_fraction = float(experiment.modelling.b.k_star_fraction)
    if not 0.0 <= k_star_fraction <= 1.0:
        raise DarkdumpInputError(f"k_star_fraction = {k_star_fraction}: must be in [0, 1]")
    table = b_spectra_for(experiment) if spectra is None else spectra
    names = list(ALP_PARENTS)
    yields = np.array([table.multiplicity(name) for name in names])
    total = float(yields.sum())
    counts = rng.multinomial(n, yields / total)
    momenta = np.zeros((n, 3))
    weight = np.full(n, total / n)
    sample_weighted = getattr(table, "sample_weighted", None)
    start = 0
    for name, count in zip(names, counts, strict=True):
        if count == 0:
            continue
        sl = slice(start, start + count)
        start += count
        b_id, k_id, kstar_id = ALP_PARENTS[name]
        m_b = _mass(b_id)
        is_kstar = rng.random(count) < k_star_fraction
        if sample_weighted is None:
            p_b, w_b = np.asarray(table.sample(name, count, rng)), np.ones(count)
        else:
            p_b, w_b = sample_weighted(
                name,
                count,
                rng,
                hard_fraction=HARD_FRACTION,
                hard_powers=HARD_POWERS,
                forward_fraction=FORWARD_FRACTION,
                forward_theta_max=FORWARD_CONE * experiment.acceptance_angle_rad,
            )
        w_emit = np.ones(count)
        for kstar, k_pdg in ((False, k_id), (True, kstar_id)):
            sub = np.flatnonzero(is_kstar == kstar)
            m_k = _mass(k_pdg)
            if sub.size == 0 or mass + m_k >= m_b:
                weight[sl.start + sub] = 0.0
                momenta[sl.start + sub] = p_b[sub]  # finite; zero weight (closed channel)
                continue
            momenta[sl.start + sub], w_emit[sub] = forward_two_body_decay(
                p_b[sub], m_b, mass, m_k, rng, EMISSION_FORWARD_FRACTION, EMISSION_POWER
            )
        # Importance weights normalised to mean 1 per parent species, so that the sample
        # still sums to exactly the B -> K(*) a decays per POT (an O(1/n) ratio bias).
        w = np.asarray(w_b, dtype=np.float64) * w_emit
        weight[sl] = np.where(weight[sl] > 0.0, weight[sl] * w / w.mean(), 0.0)
    order = rng.permutation(n)
    points = sample_production_points(experiment, n, rng)
    return ProductionSample(
        mass=float(mass),
        mechanism="B",
        momentum=momenta[order],
        production_point=points,
        weight=weight[order],
    )

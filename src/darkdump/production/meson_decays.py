"""Dark photons from decays of light mesons made in the dump.

The channels are those of JHEP 09 (2023) 035, eq. 3.3:

- P -> gamma A' for P = pi0, eta, eta'  (:func:`br_pseudoscalar_gamma`),
- V -> P A' for V = rho, omega, phi and P = pi0, eta; and eta' -> pi0 A'
  (:func:`br_vector_pseudoscalar`),

with the branching ratios of Bluemlein and Brunner, PLB 701 (2011) 155:

    BR(P -> gamma A') = 2 eps^2 (1 - M^2/m_P^2)^3 BR(P -> gamma gamma)
    BR(V -> P A')     = eps^2 BR(V -> P gamma) (p*(A') / p*(gamma))^3

where p* is the momentum in the parent rest frame. The measured radiative
branching fractions come from :mod:`darkdump.models.radiative` (PDG). The eta'
-> pi0 A' channel listed in eq. 3.3 has no measured radiative mode (eta' -> pi0
gamma violates C), so it contributes zero here; it is kept in :data:`CHANNELS`
so that a future measured value enters without a code change.

Kinematics: two-body decay in the meson rest frame, isotropic (exact for the
spin-0 parents; for the vector parents the A' angular distribution depends on the
unknown parent polarisation, and isotropy is the unpolarised average), boosted
with the meson lab momentum. The meson is taken at its nominal mass (``particle``):
the rho line shape is not sampled. Parent momenta come from the PYTHIA spectra
(:mod:`darkdump.production.spectra`), the decay point is the primary interaction
point (all parents decay promptly: c tau(pi0) = 25 nm).

Per-POT normalisation: weight sum = (mean number of parent mesons per POT) x
sum over the parent's channels of BR / eps^2.
"""

from __future__ import annotations

from functools import cache
from typing import Final, Protocol

import numpy as np
from particle import Particle

from darkdump.kinematics import boost, isotropic_directions, norm3, two_body_momentum
from darkdump.models.radiative import PDG_ID, radiative_br
from darkdump.typing import FloatArray

__all__ = [
    "CHANNELS",
    "MESON_MECHANISMS",
    "SpectraLike",
    "boost",
    "br_over_eps2",
    "br_pseudoscalar_gamma",
    "br_vector_pseudoscalar",
    "kinematic_limit",
    "meson_mass",
    "sample_meson_decays",
    "two_body_decay",
]

#: Mechanism names (parent mesons), in the order of the command-line output.
MESON_MECHANISMS: Final[tuple[str, ...]] = ("pi0", "eta", "etaprime", "rho", "omega", "phi")

#: Channels per parent: the partner of the A' in the final state (JHEP eq. 3.3).
CHANNELS: Final[dict[str, tuple[str, ...]]] = {
    "pi0": ("gamma",),
    "eta": ("gamma",),
    "etaprime": ("gamma", "pi0"),
    "rho": ("pi0", "eta"),
    "omega": ("pi0", "eta"),
    "phi": ("pi0", "eta"),
}


class SpectraLike(Protocol):
    """What the meson generator needs from :mod:`darkdump.production.spectra`."""

    def multiplicity(self, species: str) -> float:
        """Mean number of ``species`` per proton on target [dimensionless]."""
        ...

    def sample(self, species: str, n: int, rng: np.random.Generator) -> FloatArray:
        """Lab momenta of ``n`` mesons, shape ``(n, 3)`` [MeV], beam along +z."""
        ...


#: Importance sampling of the parent momentum (Monte-Carlo precision, not physics): a
#: fraction :data:`HARD_FRACTION` of the parents is drawn from the spectrum weighted by
#: p^k, shared equally among the powers k of :data:`HARD_POWERS`
#: (:meth:`darkdump.production.spectra.Spectra.sample_weighted`). The upper coupling
#: edges rest on the hardest A' (p^6 serves the lowest masses, p^3 the others); half the
#: parents stay natural so that the lower edges keep their statistics.
HARD_FRACTION = 0.5
HARD_POWERS: tuple[float, ...] = (3.0, 6.0)

#: A further fraction :data:`FORWARD_FRACTION` of the parents is drawn from the spectrum
#: restricted to the cone ``theta < FORWARD_CONE * theta_acc`` around the beam, with
#: ``theta_acc`` the half-angle under which the detector is seen from the target
#: (:attr:`darkdump.experiments.schema.Experiment.acceptance_angle_rad`); the factor
#: leaves room for the A' emission angle about its parent. Most mesons are emitted far
#: outside that cone and can give no accepted A', so the long-lifetime (lower) edges,
#: which rest on forward parents of moderate momentum, gain about x2 in effective events
#: (measured with ``benchmarks/bench_precision.py``). Precision only: unbiased through
#: the weights.
FORWARD_FRACTION = 0.3
FORWARD_CONE = 1.5

#: Importance sampling of the A' emission angle in the parent frame: a fraction
#: :data:`EMISSION_FORWARD_FRACTION` of the decays take cos(theta*) (about the parent's
#: direction) from ``(k + 1) (1 + c)^k / 2^(k + 1)`` with ``k`` = :data:`EMISSION_POWER`,
#: which sends the A' forward, where it carries most of the parent's momentum (the
#: short-lifetime edges); the weight ``(1/2) / q(c)`` keeps the decay isotropic on average.
#: Measured on the full chain (e+e-, 90 000 decays): effective events at the upper edges
#: x2-2.5 at 20-50 MeV (e.g. 243 -> 579 at 20 MeV), lower edges within their MC spread.
EMISSION_FORWARD_FRACTION = 0.3
EMISSION_POWER = 8.0


@cache
def meson_mass(name: str) -> float:
    """Nominal mass of a meson (darkdump name, e.g. ``"etaprime"``) from ``particle`` [MeV].

    >>> round(meson_mass("pi0"), 4)
    134.9768
    >>> meson_mass("gamma")
    0.0
    """
    if name == "gamma":
        return 0.0
    mass = Particle.from_pdgid(PDG_ID[name]).mass
    if mass is None:  # pragma: no cover - all darkdump mesons have a PDG mass
        raise ValueError(f"particle has no mass for {name!r}")
    return float(mass)


def kinematic_limit(parent: str, partner: str) -> float:
    """Largest A' mass for which ``parent -> partner A'`` is open [MeV].

    >>> round(kinematic_limit("omega", "pi0"), 2)
    647.68
    """
    return meson_mass(parent) - meson_mass(partner)


def br_pseudoscalar_gamma(parent: str, mass: FloatArray | float) -> FloatArray:
    """BR(P -> gamma A') / eps^2 for P = pi0, eta, eta' [dimensionless].

    ``2 (1 - M^2/m_P^2)^3 BR(P -> gamma gamma)`` (Bluemlein-Brunner, PLB 701 (2011)
    155), zero at and above the kinematic limit M >= m_P.

    Parameters
    ----------
    parent
        ``"pi0"``, ``"eta"`` or ``"etaprime"``.
    mass
        A' mass M [MeV].

    Examples
    --------
    >>> from hepunits import MeV
    >>> float(br_pseudoscalar_gamma("pi0", 0.0 * MeV))  # 2 x 0.98823
    1.97646
    >>> float(br_pseudoscalar_gamma("pi0", 200.0 * MeV))
    0.0
    """
    m_p = meson_mass(parent)
    x = np.clip(1.0 - (np.asarray(mass, dtype=np.float64) / m_p) ** 2, 0.0, None)
    return np.asarray(2.0 * x**3 * radiative_br(parent, "gamma gamma"), dtype=np.float64)


def br_vector_pseudoscalar(parent: str, partner: str, mass: FloatArray | float) -> FloatArray:
    """BR(V -> P A') / eps^2 [dimensionless].

    ``BR(V -> P gamma) (p*(A') / p*(gamma))^3`` (Bluemlein-Brunner, PLB 701 (2011)
    155), zero at and above the kinematic limit M >= m_V - m_P, and zero when
    V -> P gamma is not measured.

    Parameters
    ----------
    parent
        ``"rho"``, ``"omega"``, ``"phi"`` (or ``"etaprime"``).
    partner
        ``"pi0"`` or ``"eta"``.
    mass
        A' mass M [MeV].

    Examples
    --------
    >>> float(br_vector_pseudoscalar("omega", "pi0", 0.0))
    0.0835
    """
    m_v = meson_mass(parent)
    m_p = meson_mass(partner)
    p_a = two_body_momentum(m_v, np.asarray(mass, dtype=np.float64), m_p)
    p_gamma = (m_v**2 - m_p**2) / (2.0 * m_v)
    return np.asarray(
        radiative_br(parent, f"{partner} gamma") * (p_a / p_gamma) ** 3, dtype=np.float64
    )


def _channel_br(parent: str, partner: str, mass: FloatArray | float) -> FloatArray:
    if partner == "gamma":
        return br_pseudoscalar_gamma(parent, mass)
    return br_vector_pseudoscalar(parent, partner, mass)


def br_over_eps2(parent: str, mass: FloatArray | float) -> FloatArray:
    """Sum over the parent's channels (JHEP eq. 3.3) of BR(parent -> X A') / eps^2.

    Parameters
    ----------
    parent
        One of :data:`MESON_MECHANISMS`.
    mass
        A' mass [MeV].

    Returns
    -------
    ndarray
        [dimensionless], zero above every channel's kinematic limit.

    >>> float(br_over_eps2("phi", 2000.0))
    0.0
    """
    return np.asarray(sum(_channel_br(parent, ch, mass) for ch in CHANNELS[parent]), np.float64)


def two_body_decay(
    parent_p: FloatArray,
    parent_m: float,
    m1: float,
    m2: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Isotropic two-body decay parent -> 1 + 2; return the lab momentum of daughter 1.

    Parameters
    ----------
    parent_p
        Parent lab momenta, shape ``(n, 3)`` [MeV].
    parent_m
        Parent mass [MeV].
    m1, m2
        Daughter masses [MeV]; ``m1 + m2 <= parent_m`` is required.
    rng
        Random generator.

    Returns
    -------
    ndarray
        Lab momenta of daughter 1, shape ``(n, 3)`` [MeV].
    """
    n = parent_p.shape[0]
    p_star = float(two_body_momentum(parent_m, m1, m2))
    e_star = np.full(n, np.sqrt(p_star**2 + m1**2))
    p_rest = p_star * isotropic_directions(n, rng)
    return boost(p_rest, e_star, parent_p, parent_m)


def forward_two_body_decay(
    parent_p: FloatArray,
    parent_m: float,
    m1: float,
    m2: float,
    rng: np.random.Generator,
    fraction: float,
    power: float,
) -> tuple[FloatArray, FloatArray]:
    """:func:`two_body_decay` with daughter 1 sent forward more often, and the weights.

    cos(theta*) of daughter 1 about the parent's direction is drawn from the mixture
    ``(1 - f)/2 + f (k + 1)(1 + c)^k / 2^(k + 1)`` (``f`` = ``fraction``, ``k`` =
    ``power``); each decay carries ``(1/2) / mixture(c)``, whose mean is 1, so weighted
    estimates equal those of the isotropic decay.

    Returns
    -------
    momenta, weights
        Lab momenta of daughter 1, shape ``(n, 3)`` [MeV], and weights, shape ``(n,)``.
    """
    n = parent_p.shape[0]
    p_star = float(two_body_momentum(parent_m, m1, m2))
    e_star = np.full(n, np.sqrt(p_star**2 + m1**2))
    forward = rng.uniform(0.0, 1.0, n) < fraction
    c = np.where(
        forward,
        2.0 * rng.uniform(0.0, 1.0, n) ** (1.0 / (power + 1.0)) - 1.0,
        rng.uniform(-1.0, 1.0, n),
    )
    density = (1.0 - fraction) * 0.5 + fraction * (power + 1.0) * (1.0 + c) ** power / 2.0 ** (
        power + 1.0
    )
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    axis = parent_p / norm3(parent_p)[:, None]
    helper = np.where(np.abs(axis[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    e1 = np.cross(axis, helper)
    e1 /= norm3(e1)[:, None]
    e2 = np.cross(axis, e1)
    s = np.sqrt((1.0 - c) * (1.0 + c))
    direction = (
        c[:, None] * axis + (s * np.cos(phi))[:, None] * e1 + (s * np.sin(phi))[:, None] * e2
    )
    return boost(p_star * direction, e_star, parent_p, parent_m), 0.5 / density


def sample_meson_decays(
    parent: str,
    mass: float,
    n: int,
    rng: np.random.Generator,
    spectra: SpectraLike,
    acceptance_angle: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Sample ``n`` A' from decays of ``parent`` mesons.

    Each event picks one channel with probability BR_k / sum(BR) and carries the
    weight ``multiplicity * sum(BR) / eps^2 / n`` times its importance-sampling weights
    (hard and forward parents, forward emission; each of mean 1).

    Parameters
    ----------
    parent
        One of :data:`MESON_MECHANISMS`.
    mass
        A' mass [MeV].
    n
        Number of events.
    rng
        Random generator.
    spectra
        Meson spectra (multiplicity per POT and lab momenta).
    acceptance_angle
        Half-angle under which the detector is seen [rad]: steers the forward part of the
        importance sampling (:data:`FORWARD_FRACTION`); ``None`` samples no forward part.

    Returns
    -------
    momentum
        A' lab momenta, shape ``(n, 3)`` [MeV]. Above the kinematic limit of every
        channel the parent momentum is returned (finite, weight zero).
    weight
        Shape ``(n,)``, production probability per POT / eps^2 [dimensionless].
    """
    # Importance sampling towards hard parents (Monte-Carlo precision of the short-lifetime
    # edges; unbiased through the weights), where the spectra offer it.
    sample_weighted = getattr(spectra, "sample_weighted", None)
    if sample_weighted is not None:
        forward = {}
        if acceptance_angle is not None and FORWARD_FRACTION > 0.0:
            forward = {
                "forward_fraction": FORWARD_FRACTION,
                "forward_theta_max": FORWARD_CONE * acceptance_angle,
            }
        parent_p, rel_weight = sample_weighted(
            parent, n, rng, hard_fraction=HARD_FRACTION, hard_powers=HARD_POWERS, **forward
        )
    else:
        parent_p, rel_weight = np.asarray(spectra.sample(parent, n, rng)), np.ones(n)
    parent_p = np.asarray(parent_p, dtype=np.float64)
    m_parent = meson_mass(parent)
    partners = CHANNELS[parent]
    brs = np.array([float(_channel_br(parent, ch, mass)) for ch in partners])
    total = float(brs.sum())
    if total <= 0.0:
        return parent_p, np.zeros(n)
    choice = rng.choice(len(partners), size=n, p=brs / total)
    momentum = np.empty((n, 3), dtype=np.float64)
    emission = np.ones(n)
    for k, partner in enumerate(partners):
        sel = choice == k
        if np.any(sel):
            if EMISSION_FORWARD_FRACTION > 0.0:
                momentum[sel], angle_weight = forward_two_body_decay(
                    parent_p[sel],
                    m_parent,
                    mass,
                    meson_mass(partner),
                    rng,
                    EMISSION_FORWARD_FRACTION,
                    EMISSION_POWER,
                )
                # Normalised to mean 1 per channel: the rate stays exactly multiplicity x
                # BR (the emission angle changes no rate), at an O(1/n) cost in bias.
                emission[sel] = angle_weight / angle_weight.mean()
            else:
                momentum[sel] = two_body_decay(
                    parent_p[sel], m_parent, mass, meson_mass(partner), rng
                )
    weight = (
        spectra.multiplicity(parent)
        * total
        / n
        * np.asarray(rel_weight, dtype=np.float64)
        * emission
    )
    return momentum, weight

"""Tests of darkdump.production.alp: B -> K(*) a from the shipped PYTHIA B spectra."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hepunits import GeV, MeV, mm
from particle import Particle
from scipy import stats

from darkdump.errors import DarkdumpInputError
from darkdump.experiments import load
from darkdump.kinematics import boost, isotropic_directions
from darkdump.production import alp
from darkdump.production.spectra import load_default

EXP = load("na62-2021")
M_B0 = Particle.from_pdgid(511).mass
M_BP = Particle.from_pdgid(521).mass
M_K0 = Particle.from_pdgid(311).mass
M_KP = Particle.from_pdgid(321).mass
M_KS0 = Particle.from_pdgid(313).mass


def test_weight_sums_to_b_yield_per_pot() -> None:
    """weight.sum() = (B+- + B0/B0bar) per POT = chi_bb x (0.816 + 0.812) (shipped table)."""
    table = load_default("b")
    sample = alp.generate_alp(300 * MeV, 20_000, np.random.default_rng(1), EXP)
    expected = table.multiplicity("B+") + table.multiplicity("B0")
    assert sample.rate == pytest.approx(expected, rel=1e-12)
    assert sample.mechanism == "B"
    assert sample.mass == 300 * MeV
    chi = table.metadata["chi_bb"]
    assert expected == pytest.approx(chi * (0.81552 + 0.81216), rel=1e-4)
    # about 2.3e-7 ALP-producing B decays per POT per unit BR product
    assert 2.0e-7 < sample.rate < 2.6e-7


def test_masses_without_an_open_channel_are_refused() -> None:
    # Above m_B - m_K (4.786 GeV for B+ -> K+ a) no B decays to an ALP, and below 2 m_e
    # the ALP has no lepton pair to decay to: one-line input errors, not a file of
    # zero yields and undefined moments.
    from darkdump.errors import DarkdumpInputError

    for m in (5000 * MeV, 4790 * MeV, 1.0 * MeV):
        with pytest.raises(DarkdumpInputError, match=r"ALP mass .* allowed 0\.001022-4\.786 GeV"):
            alp.generate_alp(m, 1000, np.random.default_rng(2), EXP)
    sample = alp.generate_alp(4780 * MeV, 1000, np.random.default_rng(2), EXP)
    assert np.all(np.isfinite(sample.momentum))  # B0 -> K0 a closed: zero weight, finite


def test_between_kstar_and_k_limits_only_k_survives() -> None:
    """At 4.5 GeV, B -> K* a is closed (m_B - m_K* = 4.38 GeV) but B -> K a is open
    (4.78 GeV): with k_star_fraction = 0.3 about 70% of the events keep their weight."""
    m = 4500 * MeV
    assert m + M_KS0 > M_B0
    assert m + M_K0 < M_B0
    sample = alp.generate_alp(m, 20_000, np.random.default_rng(3), EXP, k_star_fraction=0.3)
    kept = np.mean(sample.weight > 0)
    # binomial sigma = sqrt(0.21/2e4) = 0.0032; 5 sigma
    assert kept == pytest.approx(0.7, abs=0.016)


def test_two_body_momentum_hand_value() -> None:
    """B+ -> K+ a at m_a = 1 GeV: p* = sqrt(lambda)/2M with masses from `particle`."""
    m_a = 1000.0
    lam = (M_BP**2 - (M_KP + m_a) ** 2) * (M_BP**2 - (M_KP - m_a) ** 2)
    assert float(alp.two_body_momentum(M_BP, M_KP, m_a)) == pytest.approx(
        math.sqrt(lam) / (2 * M_BP), rel=1e-12
    )


def test_boost_gives_flat_lab_energy() -> None:
    """Isotropic two-body decay of a parent of fixed momentum: the daughter's lab energy
    is uniform between gamma (E* - beta p*) and gamma (E* + beta p*) (standard result)."""
    rng = np.random.default_rng(4)
    n = 20_000
    m_a = 500.0
    p_star = float(alp.two_body_momentum(M_B0, M_K0, m_a))
    e_star = math.hypot(p_star, m_a)
    p_b = np.tile([0.0, 3000.0, 60_000.0], (n, 1))
    direction = isotropic_directions(n, rng)
    lab = boost(direction * p_star, np.full(n, e_star), p_b, np.full(n, M_B0))
    e_lab = np.sqrt(np.sum(lab**2, axis=1) + m_a**2)
    e_b = math.sqrt(np.sum(p_b[0] ** 2) + M_B0**2)
    gamma, beta = e_b / M_B0, math.sqrt(np.sum(p_b[0] ** 2)) / e_b
    lo, hi = gamma * (e_star - beta * p_star), gamma * (e_star + beta * p_star)
    assert e_lab.min() >= lo * (1 - 1e-9)
    assert e_lab.max() <= hi * (1 + 1e-9)
    assert stats.kstest((e_lab - lo) / (hi - lo), "uniform").pvalue > 1e-3
    # boosting a daughter at rest gives the parent velocity: p = m_a/m_B p_B
    rest = boost(np.zeros((1, 3)), np.array([m_a]), p_b[:1], np.array([M_B0]))
    np.testing.assert_allclose(rest[0], p_b[0] * m_a / M_B0, rtol=1e-12)


def test_alp_momenta_are_forward_and_below_beam() -> None:
    sample = alp.generate_alp(300 * MeV, 20_000, np.random.default_rng(5), EXP)
    p = sample.p
    w = sample.weight / sample.weight.sum()
    assert np.all(p < 400 * GeV)
    assert np.sum(w * (sample.momentum[:, 2] > 0)) > 0.95
    # mean ALP momentum: B's carry ~ 60 GeV on average (PYTHIA), the ALP ~ 1/3..1/2 of it
    assert 10 * GeV < np.sum(w * p) < 60 * GeV


def test_importance_sampling_keeps_the_natural_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hard and forward B, forward emission: the weighted ALP spectrum equals the natural,
    isotropic one (all importance fractions 0). Mean momentum and the weighted fraction
    inside 5 and 20 mrad, each within 4 standard errors (200 000 ALPs per sample)."""

    def moments(sample: object) -> np.ndarray:
        w = sample.weight / sample.weight.sum()  # type: ignore[attr-defined]
        p = sample.p  # type: ignore[attr-defined]
        theta = np.arccos(np.clip(sample.momentum[:, 2] / p, -1.0, 1.0))  # type: ignore[attr-defined]
        values = np.stack([p / GeV, theta < 5e-3, theta < 20e-3], axis=1).astype(float)
        mean = w @ values
        n_eff = 1.0 / np.sum(w**2)
        return np.stack([mean, np.sqrt((w @ (values - mean) ** 2) / n_eff)])

    biased = moments(alp.generate_alp(300 * MeV, 200_000, np.random.default_rng(11), EXP))
    for name in ("HARD_FRACTION", "FORWARD_FRACTION", "EMISSION_FORWARD_FRACTION"):
        monkeypatch.setattr(alp, name, 0.0)
    natural = moments(alp.generate_alp(300 * MeV, 200_000, np.random.default_rng(12), EXP))
    pull = (biased[0] - natural[0]) / np.hypot(biased[1], natural[1])
    assert np.all(np.abs(pull) < 4.0), pull


def test_production_points_in_the_tax() -> None:
    """Production points from production.target: inside the 3.2 m Cu+Fe dump that starts
    at Z = 23.07 m (JHEP eq. 2.1); mean depth lambda_Cu = 153 mm (5.2 lambda of Cu)."""
    sample = alp.generate_alp(300 * MeV, 20_000, np.random.default_rng(6), EXP)
    z = sample.production_point[:, 2]
    assert np.all((z >= 23070 * mm) & (z <= 26270 * mm))
    assert np.mean(z - 23070 * mm) == pytest.approx(153.2 * mm, rel=0.05)


def test_reproducible() -> None:
    a = alp.generate_alp(200 * MeV, 100, np.random.default_rng(7), EXP)
    b = alp.generate_alp(200 * MeV, 100, np.random.default_rng(7), EXP)
    np.testing.assert_array_equal(a.momentum, b.momentum)
    np.testing.assert_array_equal(a.production_point, b.production_point)


@pytest.mark.parametrize("mass", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_mass_is_one_line_error(mass: float) -> None:
    with pytest.raises(DarkdumpInputError, match="ALP mass"):
        alp.generate_alp(mass, 10, np.random.default_rng(0), EXP)


def test_bad_kstar_fraction() -> None:
    with pytest.raises(DarkdumpInputError, match="k_star_fraction"):
        alp.generate_alp(100.0, 10, np.random.default_rng(0), EXP, k_star_fraction=1.5)


def test_modelling_b_sets_the_nuclear_exponent_and_the_kstar_share() -> None:
    """[modelling.b]: alpha scales the B yield per POT as A^(alpha - 1) for each dump layer.
    Analytic: chi_bb = A^alpha sigma_bb / sigma_inel with sigma_inel = A / (N_A lambda_I), so
    at alpha = 1 a layer's chi_bb is proportional to lambda_I (PDG: Cu 137.3, Fe 132.1
    g/cm2) and the ratio is the mean of A^-0.05 weighted by interactions x lambda_I.
    k_star_fraction = 1 gives every event the K* two-body momentum."""
    from darkdump.production.pythia_gen import interaction_probabilities

    low = EXP.with_modelling({"b": {"nuclear_exponent": 0.95}})
    base = alp.generate_alp(300 * MeV, 1000, np.random.default_rng(8), EXP)
    alt = alp.generate_alp(300 * MeV, 1000, np.random.default_rng(8), low)
    prob = interaction_probabilities(EXP)
    a = np.array([layer.mass_number for layer in EXP.target.layers])
    lambda_i = np.array([{"Cu": 137.3, "Fe": 132.1}[layer.material] for layer in EXP.target.layers])
    expected = float(np.dot(prob * lambda_i, a**-0.05) / np.dot(prob, lambda_i))
    assert alt.rate / base.rate == pytest.approx(expected, rel=1e-12)
    assert 0.81 < expected < 0.82  # Cu 63.5^-0.05 = 0.813, Fe 55.8^-0.05 = 0.818

    kstar = EXP.with_modelling({"b": {"k_star_fraction": 1.0}})
    from_file = alp.generate_alp(300 * MeV, 1000, np.random.default_rng(9), kstar)
    explicit = alp.generate_alp(300 * MeV, 1000, np.random.default_rng(9), EXP, k_star_fraction=1.0)
    np.testing.assert_array_equal(from_file.momentum, explicit.momentum)
    default = alp.generate_alp(300 * MeV, 1000, np.random.default_rng(9), EXP)
    assert not np.array_equal(default.momentum, from_file.momentum)
    with pytest.raises(ValueError, match="k_star_fraction"):
        EXP.with_modelling({"b": {"k_star_fraction": 1.5}})

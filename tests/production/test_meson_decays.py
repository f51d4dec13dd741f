"""Meson-decay A' production: BR formulas against hand calculations, kinematics, weights.

The meson spectra here are a toy stand-in (exponential momenta, small angles) so the
tests do not depend on the PYTHIA tables; they check the decay physics, not the spectra.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from hepunits import GeV, MeV
from scipy import stats

from darkdump.experiments import load
from darkdump.production import generate, per_pot_over_eps2
from darkdump.production.meson_decays import (
    CHANNELS,
    br_over_eps2,
    br_pseudoscalar_gamma,
    br_vector_pseudoscalar,
    meson_mass,
    two_body_decay,
)


class ToySpectra:
    """Stand-in for darkdump.production.spectra (NOT physics): toy momenta and multiplicities."""

    mult: ClassVar[dict[str, float]] = {
        "pi0": 4.0,
        "eta": 0.4,
        "etaprime": 0.04,
        "rho": 0.5,
        "omega": 0.5,
        "phi": 0.02,
    }

    def multiplicity(self, species: str) -> float:
        return self.mult[species]

    def sample(self, species: str, n: int, rng: np.random.Generator) -> np.ndarray:
        p = rng.exponential(20 * GeV, n) + 1 * GeV
        theta = rng.exponential(0.01, n)
        phi = rng.uniform(0, 2 * np.pi, n)
        return np.stack(
            [p * np.sin(theta) * np.cos(phi), p * np.sin(theta) * np.sin(phi), p * np.cos(theta)],
            axis=1,
        )


@pytest.fixture(scope="module")
def na62():
    return load("na62-2021")


def test_br_pi0_gamma_by_hand() -> None:
    # PDG: m(pi0) = 134.9768 MeV, BR(pi0 -> gamma gamma) = 0.98823.
    # M = 50 MeV: (M/m)^2 = 2500 / 18218.7365 = 0.1372214
    # 2 (1 - 0.1372214)^3 x 0.98823 = 2 x 0.642223 x 0.98823 = 1.269364
    assert float(br_pseudoscalar_gamma("pi0", 50 * MeV)) == pytest.approx(1.269364, rel=1e-5)


def test_br_eta_gamma_by_hand() -> None:
    # m(eta) = 547.862 MeV, BR(eta -> gamma gamma) = 0.3936; M = 400 MeV:
    # (400/547.862)^2 = 160000 / 300152.77 = 0.5330619; (1 - 0.5330619)^3 = 0.1018070
    # 2 x 0.1018070 x 0.3936 = 0.0801425
    assert float(br_pseudoscalar_gamma("eta", 400 * MeV)) == pytest.approx(0.0801425, rel=1e-5)


def test_br_omega_pi0_by_hand() -> None:
    # m(omega) = 782.66, m(pi0) = 134.9768 MeV, BR(omega -> pi0 gamma) = 0.0835; M = 300 MeV.
    # p*(gamma) = (782.66^2 - 134.9768^2) / (2 x 782.66) = 594337.94 / 1565.32 = 379.6910
    # lambda = (612556.68 - 434.9768^2)(612556.68 - 165.0232^2)
    #        = (612556.68 - 189204.82)(612556.68 - 27232.66) = 423351.86 x 585324.02 = 2.477980e11
    # p*(A') = sqrt(2.477980e11) / 1565.32 = 497793.1 / 1565.32 = 318.0137
    # BR / eps^2 = 0.0835 x (318.0137 / 379.6910)^3 = 0.0835 x 0.837559^3 = 0.0835 x 0.587552 = 0.0490606
    assert float(br_vector_pseudoscalar("omega", "pi0", 300 * MeV)) == pytest.approx(
        0.0490606, rel=1e-5
    )


def test_br_at_zero_mass_is_the_radiative_br() -> None:
    # M -> 0: p*(A') = p*(gamma), so BR(V -> P A')/eps^2 = BR(V -> P gamma) (PDG phi -> eta gamma).
    assert float(br_vector_pseudoscalar("phi", "eta", 0.0)) == pytest.approx(0.01303, rel=1e-12)
    assert float(br_pseudoscalar_gamma("etaprime", 0.0)) == pytest.approx(2 * 0.02307, rel=1e-12)


def test_etaprime_pi0_channel_has_no_measured_radiative_mode() -> None:
    # eta' -> pi0 gamma is C-violating and unmeasured: eta' gets only the gamma A' channel.
    assert CHANNELS["etaprime"] == ("gamma", "pi0")
    assert float(br_vector_pseudoscalar("etaprime", "pi0", 100 * MeV)) == 0.0
    assert float(br_over_eps2("etaprime", 100 * MeV)) == pytest.approx(
        float(br_pseudoscalar_gamma("etaprime", 100 * MeV))
    )


@pytest.mark.parametrize(
    ("parent", "limit_partner"),
    [("pi0", "gamma"), ("eta", "gamma"), ("rho", "pi0"), ("omega", "pi0"), ("phi", "pi0")],
)
def test_zero_not_nan_above_kinematic_limit(parent: str, limit_partner: str, na62) -> None:
    above = meson_mass(parent) - meson_mass(limit_partner) + 1 * MeV
    masses = np.array([above, above + 100 * MeV, 1.5 * GeV])
    br = br_over_eps2(parent, masses)
    assert np.all(br == 0.0)
    sample = generate(
        parent, float(masses[0]), 500, np.random.default_rng(3), na62, spectra=ToySpectra()
    )
    assert np.all(sample.weight == 0.0)
    assert np.all(np.isfinite(sample.momentum))
    assert per_pot_over_eps2(parent, float(masses[0]), na62, spectra=ToySpectra()) == 0.0


def _to_rest_frame(p_lab: np.ndarray, m: float, parent_p: np.ndarray, m_parent: float):
    e_lab = np.sqrt(np.sum(p_lab**2, axis=1) + m**2)
    e_par = np.sqrt(np.sum(parent_p**2, axis=1) + m_parent**2)
    beta = parent_p / e_par[:, None]
    gamma = e_par / m_parent
    b2 = np.sum(beta**2, axis=1)
    bp = np.sum(beta * p_lab, axis=1)
    e_star = gamma * (e_lab - bp)
    coeff = (gamma - 1.0) * bp / b2 - gamma * e_lab
    p_star = p_lab + coeff[:, None] * beta
    return e_star, p_star


def test_pi0_decay_is_monochromatic_and_isotropic_in_rest_frame() -> None:
    rng = np.random.default_rng(11)
    m_pi = meson_mass("pi0")
    mass = 60 * MeV
    parent = ToySpectra().sample("pi0", 20000, rng)
    p_lab = two_body_decay(parent, m_pi, mass, 0.0, rng)
    e_star, p_star = _to_rest_frame(p_lab, mass, parent, m_pi)
    # E*(A') = (m_pi^2 + M^2) / (2 m_pi) for P -> gamma A'.
    expected = (m_pi**2 + mass**2) / (2 * m_pi)
    np.testing.assert_allclose(e_star, expected, rtol=1e-6)
    # cos(theta*) w.r.t. the parent flight direction is uniform on [-1, 1] (isotropy).
    axis = parent / np.linalg.norm(parent, axis=1)[:, None]
    cos_star = np.sum(p_star * axis, axis=1) / np.linalg.norm(p_star, axis=1)
    assert stats.kstest(cos_star, stats.uniform(loc=-1, scale=2).cdf).pvalue > 1e-3
    # The lab A' is boosted forward: its mean cos(theta) w.r.t. the parent is far from 0.
    cos_lab = np.sum(p_lab * axis, axis=1) / np.linalg.norm(p_lab, axis=1)
    assert cos_lab.mean() > 0.9


def test_vector_channels_split_by_br(na62) -> None:
    # phi at 200 MeV: pi0 A' and eta A' lines in the rest frame; event fractions ~ BR ratio.
    mass = 200 * MeV
    br_pi = float(br_vector_pseudoscalar("phi", "pi0", mass))
    br_eta = float(br_vector_pseudoscalar("phi", "eta", mass))
    assert 0.5 < br_eta / (br_pi + br_eta) < 0.95
    frac_eta = br_eta / (br_pi + br_eta)
    n = 40000
    spectra = ToySpectra()
    sample = generate("phi", mass, n, np.random.default_rng(5), na62, spectra=spectra)
    # Normalisation: multiplicity per POT x sum BR.
    assert sample.rate == pytest.approx(0.02 * (br_pi + br_eta), rel=1e-8)
    # Identify the channel by the rest-frame energy: E* = (m_V^2 + M^2 - m_P^2) / (2 m_V).
    parent = spectra.sample("phi", n, np.random.default_rng(5))
    m_om = meson_mass("phi")
    e_star, _ = _to_rest_frame(sample.momentum, mass, parent, m_om)
    e_eta = (m_om**2 + mass**2 - meson_mass("eta") ** 2) / (2 * m_om)
    n_eta = int(np.sum(np.isclose(e_star, e_eta, rtol=1e-6)))
    # Binomial: 5 standard deviations.
    assert abs(n_eta - n * frac_eta) < 5 * np.sqrt(n * frac_eta * (1 - frac_eta))


def test_meson_rate_above_p_cut_is_below_total(na62) -> None:
    spectra = ToySpectra()
    total = per_pot_over_eps2("eta", 100 * MeV, na62, spectra=spectra)
    above = per_pot_over_eps2("eta", 100 * MeV, na62, p_min=10 * GeV, spectra=spectra)
    assert 0.0 < above < total

"""Two-body decay kinematics: invariant mass, momentum conservation, isotropy."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import GeV, MeV
from scipy import stats

from darkdump.decay import boost, lepton_mass, two_body_decay
from darkdump.errors import DarkdumpInputError


def _pair_mass(p1: np.ndarray, p2: np.ndarray, m: float) -> np.ndarray:
    """Invariant mass of two equal-mass particles, written without cancellations.

    m12^2 = 2 m^2 + 2 (E1 E2 - |p1||p2|) + 2 |p1||p2| (1 - cos theta), with
    E1 E2 - |p1||p2| = (m^2 (|p1|^2 + |p2|^2) + m^4) / (E1 E2 + |p1||p2|) and
    1 - cos theta = |u1 - u2|^2 / 2: an independent check of the boost.
    """
    a = np.linalg.norm(p1, axis=-1)
    b = np.linalg.norm(p2, axis=-1)
    e1 = np.sqrt(a * a + m * m)
    e2 = np.sqrt(b * b + m * m)
    near = (m * m * (a * a + b * b) + m**4) / (e1 * e2 + a * b)
    du = p1 / a[..., None] - p2 / b[..., None]
    one_minus_cos = 0.5 * np.sum(du * du, axis=-1)
    return np.sqrt(2 * m * m + 2 * near + 2 * a * b * one_minus_cos)


def _parents(n: int, rng: np.random.Generator) -> np.ndarray:
    p = rng.uniform(10 * GeV, 300 * GeV, n)
    tx = rng.normal(0, 5e-3, n)
    ty = rng.normal(0, 5e-3, n)
    pz = p / np.sqrt(1 + tx**2 + ty**2)
    return np.column_stack([tx * pz, ty * pz, pz])


@pytest.mark.parametrize(
    ("lepton", "mass"), [("e", 5 * MeV), ("e", 150 * MeV), ("mu", 215 * MeV), ("mu", 700 * MeV)]
)
def test_invariant_mass_and_momentum_conservation(lepton: str, mass: float) -> None:
    rng = np.random.default_rng(11)
    parent = _parents(2000, rng)
    m_l = lepton_mass(lepton)
    d = two_body_decay(parent, mass, m_l, rng)
    # Rounding only: the boost is written without cancellations, the check likewise.
    np.testing.assert_allclose(_pair_mass(d[:, 0], d[:, 1], m_l), mass, rtol=1e-9)
    np.testing.assert_allclose(d.sum(axis=1), parent, rtol=1e-12, atol=1e-9 * MeV)


def test_isotropic_in_rest_frame_ks() -> None:
    rng = np.random.default_rng(5)
    n = 20000
    parent = _parents(n, rng)
    mass, m_l = 300 * MeV, lepton_mass("mu")
    d = two_body_decay(parent, mass, m_l, rng)
    e_lab = np.sqrt(np.sum(d[:, 0] ** 2, axis=1) + m_l**2)
    # Inverse boost: the parent seen from the lab moving with -P.
    k = boost(d[:, 0], -e_lab, parent, mass)
    p_star = np.linalg.norm(k, axis=1)
    np.testing.assert_allclose(p_star, np.sqrt(mass**2 / 4 - m_l**2), rtol=1e-7)
    unit = parent / np.linalg.norm(parent, axis=1)[:, None]
    cos_helicity = np.sum(k * unit, axis=1) / p_star
    # Isotropic: the helicity cosine and the azimuth about Z are uniform (KS, fixed
    # seed; a 1 + cos^2 distribution of this size gives p ~ 1e-30).
    assert stats.kstest(cos_helicity, "uniform", args=(-1, 2)).pvalue > 0.01
    phi = np.arctan2(k[:, 1], k[:, 0])
    assert stats.kstest(phi, "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 0.01
    # l- and l+ are back to back in the rest frame.
    e2 = np.sqrt(np.sum(d[:, 1] ** 2, axis=1) + m_l**2)
    k2 = boost(d[:, 1], -e2, parent, mass)
    np.testing.assert_allclose(k + k2, 0.0, atol=1e-6 * MeV)


def test_below_threshold_is_one_line_error() -> None:
    with pytest.raises(DarkdumpInputError, match="threshold") as info:
        two_body_decay(
            np.array([[0, 0, 10 * GeV]]), 200 * MeV, lepton_mass("mu"), np.random.default_rng(0)
        )
    assert "\n" not in str(info.value)
    with pytest.raises(DarkdumpInputError, match="allowed: e, mu"):
        lepton_mass("tau")

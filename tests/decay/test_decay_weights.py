"""Flat decay position and lifetime weights (JHEP 09 (2023) 035, eqs. 3.5-3.6)."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import GeV, MeV, m, mm
from hypothesis import given, settings
from hypothesis import strategies as st

from darkdump.decay import (
    decay_in_volume,
    decay_probability,
    decay_probability_per_event,
    decay_weights,
    volume,
    weighted_decay_sum,
)
from darkdump.production.sample import ProductionSample

Z_MIN, Z_MAX = 102 * m, 180 * m  # JHEP sec. 3


def _production(n: int, seed: int = 3, mass: float = 300 * MeV) -> ProductionSample:
    """A' from the TAX with a spread of momenta and angles, hand-built (no production stage)."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(10 * GeV, 200 * GeV, n)
    tx, ty = rng.normal(0, 3e-3, n), rng.normal(0, 3e-3, n)
    pz = p / np.sqrt(1 + tx**2 + ty**2)
    mom = np.column_stack([tx * pz, ty * pz, pz])
    point = np.column_stack(
        [rng.normal(0, 4.7, n), rng.normal(-22, 3.2, n), rng.uniform(23.07, 26.27, n) * m]
    )
    weight = rng.uniform(0.5, 1.5, n)
    return ProductionSample(mass, "brems", mom, point, weight)


def test_decay_points_on_the_flight_line_and_in_the_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    # JHEP's flat sampling (the importance sampling switched off).
    monkeypatch.setattr(volume, "NEAR_FRACTION", 0.0)
    prod = _production(5000)
    d = decay_in_volume(prod, "mu", Z_MIN, Z_MAX, np.random.default_rng(1))
    assert np.all((d.decay_point[:, 2] >= Z_MIN) & (d.decay_point[:, 2] <= Z_MAX))
    step = d.decay_point - prod.production_point
    np.testing.assert_allclose(np.linalg.norm(step, axis=1), d.decay_distance, rtol=1e-12)
    unit = prod.momentum / prod.p[:, None]
    np.testing.assert_allclose(step / d.decay_distance[:, None], unit, rtol=1e-9, atol=1e-12)
    # path length = (z_max - z_min) / cos(theta)
    np.testing.assert_allclose(d.path_length, (Z_MAX - Z_MIN) / unit[:, 2], rtol=1e-12)
    # Flat in Z: the decay Z is uniform on [z_min, z_max] (KS, fixed seed).
    from scipy import stats

    assert stats.kstest(d.decay_point[:, 2], "uniform", args=(Z_MIN, Z_MAX - Z_MIN)).pvalue > 0.01


@pytest.mark.parametrize("ctau", [1 * m, 30 * m, 1000 * m, 1e6 * m])
def test_mc_weights_reproduce_the_analytic_decay_probability(ctau: float) -> None:
    # sum(w * prod.weight) / sum(prod.weight) estimates P_D = exp(-D1/l) - exp(-D2/l)
    # (module docstring). Tolerance: 5 standard errors of the weighted mean.
    prod = _production(40000)
    d = decay_in_volume(prod, "e", Z_MIN, Z_MAX, np.random.default_rng(7))
    w = decay_weights(d, ctau)[0] * prod.weight
    mc = w.sum() / prod.weight.sum()
    err = np.sqrt(len(w)) * w.std() / prod.weight.sum()
    exact = decay_probability(d, ctau, Z_MIN, Z_MAX)[0]
    assert 0 < exact < 1
    assert abs(mc - exact) < 5 * err + 1e-15
    # Event by event: one event repeated, the mean weight over the flat decay
    # positions is that event's closed form (5 standard errors).
    one = ProductionSample(
        prod.mass,
        "brems",
        np.repeat(prod.momentum[:1], 20000, axis=0),
        np.repeat(prod.production_point[:1], 20000, axis=0),
        np.ones(20000),
    )
    d1 = decay_in_volume(one, "e", Z_MIN, Z_MAX, np.random.default_rng(8))
    w1 = decay_weights(d1, ctau)[0]
    closed = decay_probability_per_event(one, ctau, Z_MIN, Z_MAX)[0, 0]
    assert abs(w1.mean() - closed) < 5 * w1.std() / np.sqrt(w1.size) + 1e-15


def test_weights_vectorised_over_ctau_and_weighted_sum() -> None:
    prod = _production(3000)
    d = decay_in_volume(prod, "mu", Z_MIN, Z_MAX, np.random.default_rng(2))
    ctau = np.geomspace(0.1 * m, 1e5 * m, 37)
    w = decay_weights(d, ctau)
    assert w.shape == (37, 3000)
    mask = d.decay_point[:, 2] > 150 * m
    ew = np.vstack([prod.weight, prod.weight * mask])
    s = weighted_decay_sum(d, ctau, ew, chunk=5)
    np.testing.assert_allclose(s, ew @ w.T, rtol=1e-12)
    np.testing.assert_allclose(
        weighted_decay_sum(d, ctau, prod.weight), w @ prod.weight, rtol=1e-12
    )


def test_backward_particle_never_decays_in_the_volume(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(volume, "NEAR_FRACTION", 0.0)
    prod = ProductionSample(
        100 * MeV,
        "pi0",
        np.array([[0.0, 0.0, -10 * GeV], [0.0, 0.0, 10 * GeV]]),
        np.array([[0.0, 0.0, 23 * m], [0.0, 0.0, 23 * m]]),
        np.ones(2),
    )
    d = decay_in_volume(prod, "e", Z_MIN, Z_MAX, np.random.default_rng(0))
    assert d.path_length[0] == 0
    assert d.path_length[1] == pytest.approx(78 * m)
    assert decay_weights(d, 10 * m)[0, 0] == 0
    assert decay_probability_per_event(d, 10 * m, Z_MIN, Z_MAX)[0, 0] == 0


def test_importance_sampled_decay_point_is_unbiased() -> None:
    # The mixture of flat and near-entrance exponential sampling: path_length = 1 / q(D),
    # and the mean weight per event is the analytic decay probability for any lifetime,
    # short (c tau where only the first metres count) or long. 200k decays of one
    # particle: binomial-like error well below the 3 % tolerance (>= 3000 effective
    # events even for the shortest lifetime here).
    n = 200_000
    prod = ProductionSample(
        200 * MeV,
        "brems",
        np.tile([0.0, 0.0, 50 * GeV], (n, 1)),
        np.tile([0.0, 0.0, 23 * m], (n, 1)),
        np.full(n, 1.0 / n),
    )
    d = decay_in_volume(prod, "e", Z_MIN, Z_MAX, np.random.default_rng(11))
    step = d.decay_distance - (Z_MIN - 23 * m)
    length = Z_MAX - Z_MIN
    f, s = volume.NEAR_FRACTION, volume.NEAR_SCALE
    q = (1 - f) / length + f * np.exp(-step / s) / (s * -np.expm1(-length / s))
    np.testing.assert_allclose(d.path_length, 1.0 / q, rtol=1e-10)
    for ctau in (0.5 * m, 5 * m, 100 * m):
        w = decay_weights(d, ctau)[0]
        exact = decay_probability(prod, ctau, Z_MIN, Z_MAX)[0]
        assert w.mean() == pytest.approx(exact, rel=0.03)


@settings(max_examples=50, deadline=None)
@given(
    p_gev=st.floats(1.0, 400.0),
    log_ctau=st.floats(-3.0, 8.0),
    z1=st.floats(30.0, 200.0),
    dz=st.floats(0.0, 100.0),
)
def test_probability_is_a_probability_and_grows_with_the_volume(
    p_gev: float, log_ctau: float, z1: float, dz: float
) -> None:
    prod = ProductionSample(
        50 * MeV,
        "brems",
        np.array([[0.0, 0.0, p_gev * GeV]]),
        np.array([[0.0, 0.0, 23 * m]]),
        np.ones(1),
    )
    ctau = 10**log_ctau * mm
    p1 = decay_probability(prod, ctau, z1 * m, (z1 + dz) * m)[0]
    p2 = decay_probability(prod, ctau, z1 * m, (z1 + dz + 10) * m)[0]
    assert 0.0 <= p1 <= p2 <= 1.0

"""The generic zero-background acceptance and reach (darkdump.sensitivity)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hepunits import GeV, MeV, m

from darkdump import decay
from darkdump.decay.kinematics import lepton_mass
from darkdump.detector.geometry import Plane
from darkdump.experiments import load
from darkdump.experiments.schema import Shape
from darkdump.production.sample import ProductionSample
from darkdump.sensitivity import ChannelAcceptance, channel_acceptance, exclusion_intervals
from darkdump.sensitivity.grid import _channel_reach
from darkdump.yields.geometric import lkr_geometric_acceptance
from darkdump.yields.grid import _production, _rng

NA62 = load("na62-2021")


@pytest.mark.parametrize(("mass", "mode"), [(250 * MeV, "brems"), (400 * MeV, "meson")])
def test_generic_layout_reproduces_the_na62_fig4_acceptance(mass: float, mode: str) -> None:
    # Independent implementations: the generic element propagation of [acceptance] and the
    # LKr-specific mask of darkdump.yields.geometric must select the same decays.
    prod = _production(mode, mass, 20_000, _rng(1, mass, 0), NA62)
    dec = decay.decay_in_volume(prod, "mu", 102 * m, 180 * m, np.random.default_rng(2))
    legacy = lkr_geometric_acceptance(dec.decay_point, dec.daughter_momenta, NA62)
    generic = channel_acceptance(
        dec.decay_point,
        dec.daughter_momenta,
        lepton_mass("mu"),
        ChannelAcceptance.build(NA62, "mumu"),
    )
    assert legacy.sum() > 100
    assert np.array_equal(legacy, generic)


def test_decay_probability_is_the_analytic_exponential() -> None:
    # A' of fixed momentum along Z from Z = 0: P(decay in [z1, z2]) =
    # exp(-z1/L) - exp(-z2/L) with L = (p/M) c tau(eps), c tau(eps) = c tau(1) / eps^2.
    from darkdump.models import dark_photon

    mass, p = 200 * MeV, 100 * GeV
    n = 20_000
    prod = ProductionSample(
        mass, "brems", np.tile([0.0, 0.0, p], (n, 1)), np.zeros((n, 3)), np.full(n, 1.0 / n)
    )
    z1, z2 = 100 * m, 180 * m
    dec = decay.decay_in_volume(prod, "e", z1, z2, np.random.default_rng(3))
    ctau1 = float(np.asarray(dark_photon.ctau(mass, 1.0)))
    eps = np.logspace(-7, -4, 13)
    out = _channel_reach(dec, np.ones(n, dtype=bool), ctau1, eps * eps, scale=1.0)
    lam = p / mass * ctau1 / (eps * eps)
    expected = np.exp(-z1 / lam) - np.exp(-z2 / lam)
    # Flat sampling re-weighted by the exponential: unbiased, with the relative error
    # 1/sqrt(n_eff) of its effective number of events (all accepted here); 4 sigma.
    big = expected > 1e-6
    assert big.sum() >= 6
    rel = out["decay_probability"][big] / expected[big] - 1.0
    assert np.all(np.abs(rel) < 4.0 / np.sqrt(out["n_eff"][big]))
    assert np.all(out["n_eff"][big] > 500)
    np.testing.assert_allclose(out["acceptance"][big], 1.0)


def test_shapes_offsets_holes_and_polygons() -> None:
    box = Shape(
        shape="rectangle",
        half_x_m=1.5,
        half_y_m=1.5,
        offset_m=(4.8, 0.0),
        holes=[{"shape": "rectangle", "half_x_m": 0.1, "half_y_m": 0.1, "offset_m": (0.5, 0.0)}],
    )
    plane = Plane.from_shape("CHARM-like", 500.0, box)
    x = np.array([4.8, 3.2, 6.2, 5.3, 4.8]) * m
    y = np.array([0.0, 0.0, 1.4, 0.0, 1.6]) * m
    assert plane.accepts(x, y).tolist() == [True, False, True, False, False]
    tri = Plane.from_shape(
        "triangle", 0.0, Shape(shape="polygon", vertices_m=[(0, 0), (2, 0), (0, 2)])
    )
    assert tri.accepts(np.array([0.5, 1.5, -0.1]) * m, np.array([0.5, 1.0, 0.1]) * m).tolist() == [
        True,
        False,
        False,
    ]


def test_energy_thresholds_and_daughter_counting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    acc = ChannelAcceptance.build(NA62, "ee")
    # Two parallel electrons, one inside the LKr octagon and one in its beam hole.
    point = np.array([[0.0, 0.0, 150 * m]])
    mom = np.array([[[0.5 * GeV * 0.004, 0.0, 0.5 * GeV], [0.0, 0.0, 60 * GeV]]])
    one = channel_acceptance(point, mom, lepton_mass("e"), acc)
    assert one.tolist() == [False]  # NA62 fig. 4 needs both daughters
    from dataclasses import replace

    assert channel_acceptance(
        point, mom, lepton_mass("e"), replace(acc, min_daughters=1)
    ).tolist() == [True]
    high = replace(acc, min_daughters=1, energy_min=100 * GeV)
    assert channel_acceptance(point, mom, lepton_mass("e"), high).tolist() == [False]


def test_exclusion_intervals_are_one_per_island() -> None:
    eps = np.logspace(-8, -3, 6)
    assert exclusion_intervals(eps, np.zeros(6), 2.3) == []
    whole = exclusion_intervals(eps, np.full(6, 10.0), 2.3)
    assert whole == [(1e-8, 1e-3)]
    two = exclusion_intervals(eps, np.array([0.1, 5, 1, 9, 0.5, 0]), 2.3)
    assert len(two) == 2
    assert two[0][1] < two[1][0]
    # A crossing is the log-log interpolation: n goes 0.1 -> 5 between 1e-8 and 1e-7.
    f = math.log(2.3 / 0.1) / math.log(5 / 0.1)
    assert two[0][0] == pytest.approx(10 ** (-8 + f))

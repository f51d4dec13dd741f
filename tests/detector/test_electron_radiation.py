"""Electron bremsstrahlung in the tracker material before the magnet (issue 10 selection loss)."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import GeV, MeV, m

from darkdump.decay import DecaySample
from darkdump.detector import detector_geometry, simulate
from darkdump.detector.simulate import radiated_fraction
from darkdump.experiments import load
from darkdump.production.sample import ProductionSample

EXP = load("na62-2021")


def _thin_target(t: float, y0: float) -> float:
    """Photons with more than ``y0`` of the electron energy in ``t`` radiation lengths.

    PDG Review "Passage of particles through matter", complete screening:
    dN/dy = t (4/3 - 4/3 y + y^2) / y, integrated from y0 to 1.
    """
    return t * (4 / 3 * np.log(1 / y0) - 4 / 3 * (1 - y0) + (1 - y0 * y0) / 2)


@pytest.mark.parametrize(("y0", "tolerance"), [(0.1, 0.10), (0.3, 0.15), (0.5, 0.20)])
def test_energy_loss_spectrum_follows_the_thin_target_bremsstrahlung_spectrum(
    y0: float, tolerance: float
) -> None:
    # An independent calculation: for a thin layer the probability to lose more than y0 of
    # the energy is the number of photons above y0 of the PDG spectrum. The Bethe-Heitler
    # form is known to approximate it to 5-15 % over 0.1 < y < 0.5 (its 1/ln 2 against
    # the 4/3 of the spectrum): the tolerance. 2e6 electrons, t = 0.5 % X0: binomial
    # errors of 1-2 % of the probabilities.
    t = 0.005
    z = radiated_fraction(t, (2_000_000,), np.random.default_rng(5))
    measured = float(np.mean(z < 1 - y0))
    assert measured == pytest.approx(_thin_target(t, y0), rel=tolerance)


def _pair(lepton: str, n: int) -> DecaySample:
    # n identical symmetric pairs of 40 GeV leptons from a decay at 150 m.
    p = 40 * GeV
    prod = ProductionSample(
        100 * MeV,
        "brems",
        np.tile([0.0, 0.0, 2 * p], (n, 1)),
        np.tile([0.0, -22.0, 23 * m], (n, 1)),
        np.ones(n),
    )
    mom = np.tile([[0.0, 0.004 * p, p], [0.0, -0.004 * p, p]], (n, 1, 1))
    return DecaySample(
        production=prod,
        lepton=lepton,
        decay_point=np.tile([0.0, 0.0, 150 * m], (n, 1)),
        decay_distance=np.full(n, 127 * m),
        path_length=np.full(n, 78 * m),
        daughter_momenta=mom,
        z_min=102 * m,
        z_max=180 * m,
    )


def test_electrons_are_measured_after_radiating_and_muons_are_not() -> None:
    # NA62: STRAW1 + STRAW2 = tracker_material_x0 (experiment file). The mean measured
    # momentum of electrons is exp(-x0) of the true one (within the 0.3 % resolution
    # averaged over 20 000 tracks); muons keep theirs; E/p of electrons stays about 1.
    x0 = detector_geometry(EXP).tracker_material_x0
    assert x0 > 0
    n = 20_000
    for lepton, expected in (("e", np.exp(-x0)), ("mu", 1.0)):
        tracks = simulate(_pair(lepton, n), EXP, np.random.default_rng(2))
        p = np.linalg.norm(tracks.momentum, axis=2)
        assert float(p.mean()) / (40 * GeV) == pytest.approx(expected, abs=5e-4)
    electrons = simulate(_pair("e", n), EXP, np.random.default_rng(2))
    ok = electrons.e_over_p > 0
    assert float(np.median(electrons.e_over_p[ok])) == pytest.approx(1.0, abs=0.01)


def test_the_fast_sampling_matches_direct_gamma_sampling() -> None:
    # radiated_fraction draws -ln z as Y U^(1/c) and neglects losses below 1e-6 Y; above
    # 1e-4 it must follow numpy's own gamma sampler: same tail fraction (binomial error
    # 6e-4 on 0.087 with 200 000 each) and a two-sample KS test of the tails (p > 0.001).
    from scipy.stats import ks_2samp

    c = 0.01 / np.log(2.0)
    ours = -np.log(radiated_fraction(0.01, (200_000,), np.random.default_rng(3)))
    direct = np.random.default_rng(4).standard_gamma(c, 200_000)
    assert float(np.mean(ours > 1e-3)) == pytest.approx(float(np.mean(direct > 1e-3)), abs=3e-3)
    assert ks_2samp(ours[ours > 1e-4], direct[direct > 1e-4]).pvalue > 1e-3


def test_simulate_leaves_the_decay_sample_alone() -> None:
    # The radiation scales the electrons' momenta in place: never the caller's arrays,
    # even for one decay (whose moved axes are contiguous already). 30 % X0, so that every
    # electron radiates (on average 26 % of its energy).
    from darkdump.experiments.schema import Variation

    thick = EXP.with_variation(
        Variation(name="x", detector={"resolutions": {"tracker_material_x0": 0.3}})
    )
    for n in (1, 50):
        pairs = _pair("e", n)
        before = pairs.daughter_momenta.copy()
        tracks = simulate(pairs, thick, np.random.default_rng(8))
        assert float(np.linalg.norm(tracks.momentum, axis=2).mean()) < 0.9 * 40 * GeV
        assert np.array_equal(pairs.daughter_momenta, before)

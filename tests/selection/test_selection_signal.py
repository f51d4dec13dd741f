from __future__ import annotations

import itertools

import numpy as np
import pytest
from hepunits import GeV, MeV, m, mm

from darkdump import decay, detector
from darkdump.experiments import load
from darkdump.production.sample import ProductionSample
from darkdump.selection import CUT_NAMES, dilepton_mass, lepton_mass, select

EXP = load("na62-2021")


def _signal(mass: float, lepton: str, n: int, seed: int) -> tuple[object, object]:
    # A' from the TAX front face region (JHEP eq. 2.1) with a hard, forward spectrum.
    rng = np.random.default_rng(seed)
    p = rng.uniform(40, 200, n) * GeV
    theta = rng.uniform(0, 2e-3, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    mom = np.stack([p * theta * np.cos(phi), p * theta * np.sin(phi), p], axis=1)
    start = np.tile([0.0, -22.0, 23.3 * m], (n, 1))
    prod = ProductionSample(mass, "brems", mom, start, np.full(n, 1.0 / n))
    # JHEP's flat decay sampling: the medians below are unweighted.
    flat = decay.volume.NEAR_FRACTION
    decay.volume.NEAR_FRACTION = 0.0
    try:
        dec = decay.decay_in_volume(prod, lepton, 102 * m, 180 * m, rng)
    finally:
        decay.volume.NEAR_FRACTION = flat
    return dec, detector.simulate(dec, EXP, rng)


@pytest.mark.parametrize(
    ("channel", "lepton", "mass"), [("mumu", "mu", 400 * MeV), ("ee", "e", 50 * MeV)]
)
def test_signal_selection(channel: str, lepton: str, mass: float) -> None:
    dec, tracks = _signal(mass, lepton, 20_000, 1)
    sel = select(tracks, channel, EXP)
    flow = sel.cut_flow()
    assert list(flow) == list(CUT_NAMES)
    counts = list(flow.values())
    assert all(a >= b for a, b in itertools.pairwise(counts))
    assert counts[-1] > 1000
    chosen = sel.mask
    # Reconstructed mass: sigma_p/p = 0.3 % (JHEP sec. 2.1) gives a width of ~1 %;
    # the median is unbiased to well below that.
    assert np.median(sel.m_ll[chosen]) == pytest.approx(mass, rel=0.005)
    # Production point (Z_TAX) at the generated 23.3 m; CDA_TAX a few mm (JHEP sec. 4).
    assert np.median(sel.z_tax[chosen]) == pytest.approx(23.3 * m, abs=0.5 * m)
    assert np.median(sel.cda_tax[chosen]) < 10 * mm
    # The vertex reproduces the true decay point (longitudinal resolution ~1 m).
    dz = sel.vertex[chosen, 2] - dec.decay_point[chosen, 2]
    assert abs(np.median(dz)) < 0.3 * m


def test_dilepton_mass_true_momenta() -> None:
    # True daughters of a two-body decay have exactly the parent mass.
    rng = np.random.default_rng(2)
    mom = np.tile([0.0, 0.0, 100 * GeV], (1000, 1))
    for channel in ("ee", "mumu"):
        daughters = decay.two_body_decay(mom, 250 * MeV, lepton_mass(channel), rng)
        m_ll = dilepton_mass(daughters[:, 0], daughters[:, 1], lepton_mass(channel))
        np.testing.assert_allclose(m_ll, 250 * MeV, rtol=1e-9)


def test_upstream_veto_acceptance_is_per_channel() -> None:
    # JHEP sec. 4 requires the mu+mu- tracks' upstream extrapolation inside ANTI0; the PRL
    # e+e- selection does not. With the flag on, exactly the events failing the detector's
    # "anti0" mask leave the acceptance step of mu+mu-.
    _dec, tracks = _signal(300 * MeV, "mu", 5000, 4)
    sel_cfg = EXP.selection.model_copy(
        update={"mumu": EXP.selection.mumu.model_copy(update={"upstream_veto_acceptance": True})}
    )
    with_veto = EXP.model_copy(update={"selection": sel_cfg})
    plain = select(tracks, "mumu", EXP).cuts["acceptance"]
    vetoed = select(tracks, "mumu", with_veto).cuts["acceptance"]
    anti0 = tracks.cuts["anti0"]
    assert np.array_equal(vetoed, plain & anti0)
    assert (plain & ~anti0).sum() > 0  # the requirement does remove some signal
    assert np.array_equal(
        select(tracks, "ee", with_veto).cuts["acceptance"],
        select(tracks, "ee", EXP).cuts["acceptance"],
    )


def test_ee_signal_region_costs_what_the_prl_quotes() -> None:
    """PRL 133 (2024) 111802, after eq. 1: the e+e- SR ellipse "reduces the signal
    acceptance by 1.7 % as shown by simulation". Ours, with the full production (beam
    spot, bremsstrahlung A' at 50 and 300 MeV, eps = 1e-6, decay-weighted), loses
    1.2-2.7 % (0.3 % for short-lived A' at eps = 1e-5). The PRL gives one number for its
    whole signal sample, so the check is on the mean of the two points within a factor
    2.5 of 1.7 % (0.7-4.3 %): a Z_TAX or CDA_TAX resolution off by a factor of 2 fails.
    """
    from darkdump.models import dark_photon
    from darkdump.yields.sampling import mass_rng, production_sample

    losses = []
    for mass in (50 * MeV, 300 * MeV):
        prod = production_sample("brems", mass, 60_000, mass_rng(11, mass, 0), EXP)
        dec = decay.decay_in_volume(prod, "e", 102 * m, 180 * m, mass_rng(11, mass, 0, 1))
        tracks = detector.simulate(dec, EXP, mass_rng(11, mass, 0, 2))
        sel = select(tracks, "ee", EXP)
        p = np.linalg.norm(prod.momentum, axis=1)
        k = mass / (p * float(dark_photon.ctau(mass, 1.0))) * 1e-12
        w = prod.weight * dec.path_length * k * np.exp(-k * dec.decay_distance)
        before = float(w[sel.cuts["fiducial"]].sum())
        after = float(w[sel.cuts["signal_region"]].sum())
        losses.append(1.0 - after / before)
    assert 0.007 < float(np.mean(losses)) < 0.043, losses


def test_vertex_cda_cut_comes_from_the_experiment_file() -> None:
    # selection.vertex_cda_max_mm (NA62: 25 mm, a CHOICE): the vertex step keeps exactly the
    # events whose two reconstructed tracks pass within that distance; 25 mm keeps all of
    # the signal, 1 mm (below the ~2 mm rms) cuts part of it.
    _dec, tracks = _signal(400 * MeV, "mu", 5000, 6)
    assert EXP.selection is not None
    assert EXP.selection.vertex_cda_max_mm == 25.0
    nominal = select(tracks, "mumu", EXP)
    tight = EXP.model_copy(
        update={"selection": EXP.selection.model_copy(update={"vertex_cda_max_mm": 1.0})}
    )
    cut = select(tracks, "mumu", tight)
    before = nominal.cuts["charge"]
    assert np.array_equal(nominal.cuts["vertex"], before)
    assert np.array_equal(cut.cuts["vertex"], before & (cut.vertex_cda < 1.0 * mm))
    assert 0 < cut.cuts["vertex"].sum() < before.sum()

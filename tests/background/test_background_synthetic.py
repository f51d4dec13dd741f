from __future__ import annotations

import numpy as np
import pytest
from hepunits import GeV, Hz, m, mm, s

from darkdump.analyses.na62_2021.halo import (
    HaloModel,
    downscale,
    generate_halo_tracks,
    single_track_acceptance,
)
from darkdump.errors import DarkdumpInputError
from darkdump.experiments import load

EXPERIMENT = load("na62-2021")


def test_rates_spills_and_seeds() -> None:
    # JHEP sec. 2.2: 14 kHz downscaled Q1 rate, 4.8 s spills -> 67200 tracks per spill.
    model = HaloModel()
    assert model.tracks_per_spill == pytest.approx(14e3 * 4.8)
    tracks = generate_halo_tracks(200_000, np.random.default_rng(1), model)
    assert np.unique(tracks.burst_id).size == 3  # ceil(200000 / 67200)
    assert np.all((tracks.time >= 0) & (tracks.time < 4.8 * s))
    again = generate_halo_tracks(200_000, np.random.default_rng(1), model)
    np.testing.assert_array_equal(tracks.momentum, again.momentum)
    p = np.linalg.norm(tracks.momentum, axis=1)
    assert p.min() >= 10 * GeV  # JHEP sec. 4 threshold
    # mean 10 + 25 GeV/c; 4 sigma of the mean of 2e5 exponentials (25/sqrt(2e5) = 0.06)
    assert p.mean() == pytest.approx(35 * GeV, abs=0.25 * GeV)
    # mu+ fraction 0.72 (JHEP table 2 same-sign ratio); binomial sigma 0.001
    assert np.mean(tracks.charge > 0) == pytest.approx(0.72, abs=0.005)
    r = np.hypot(tracks.position[:, 0], tracks.position[:, 1])
    assert r.min() > 0.1 * m
    assert r.max() < 1.0 * m


def test_downscale_keeps_one_in_factor() -> None:
    tracks = generate_halo_tracks(100_000, np.random.default_rng(2))
    kept = downscale(tracks, 20, np.random.default_rng(3))
    # binomial: 5000 +- 69
    assert abs(len(kept) - 5000) < 4 * 69
    assert "downscaled by 20" in kept.source
    with pytest.raises(DarkdumpInputError):
        downscale(tracks, 0, np.random.default_rng(3))


def test_single_track_acceptance() -> None:
    # Parallel 50 GeV/c tracks at Z = 180 m: through the centre of the STRAW1 beam hole
    # (x = 0.1012 m in the experiment file) rejected; at (0, 0.5 m) accepted (the 270 MeV
    # kick moves it 0.24 m at the LKr, still inside); at (0, 1.2 m) outside the STRAW
    # (r < 1 m) rejected.
    hole = EXPERIMENT.detector.trackers[0].aperture.offset_m[0] * m
    pos = np.array([[hole, 0.0, 180 * m], [0.0, 0.5 * m, 180 * m], [0.0, 1.2 * m, 180 * m]])
    mom = np.tile([0.0, 0.0, 50 * GeV], (3, 1))
    ok = single_track_acceptance(pos, mom, np.array([1, -1, 1]), EXPERIMENT)
    assert ok.tolist() == [False, True, False]


def test_generate_with_acceptance() -> None:
    tracks = generate_halo_tracks(5000, np.random.default_rng(4), experiment=EXPERIMENT)
    assert len(tracks) == 5000
    ok = single_track_acceptance(tracks.position, tracks.momentum, tracks.charge, EXPERIMENT)
    assert ok.all()


def test_bad_model() -> None:
    with pytest.raises(DarkdumpInputError, match="mu_plus_fraction"):
        HaloModel(mu_plus_fraction=1.5)
    with pytest.raises(DarkdumpInputError):
        HaloModel(rate=-1 * Hz)
    with pytest.raises(DarkdumpInputError):
        generate_halo_tracks(0, np.random.default_rng(1))
    assert HaloModel().r_min == 100 * mm


def test_an_unreachable_detector_stops_with_one_line_instead_of_hanging() -> None:
    # MUV3 moved far off axis: no halo track can be inside it (issue: this looped for ever).
    det = EXPERIMENT.detector
    muv3 = det.element("MUV3")
    far = muv3.model_copy(
        update={"aperture": muv3.aperture.model_copy(update={"offset_m": (50.0, 50.0)})}
    )
    elements = [far if e.name == "MUV3" else e for e in det.elements]
    detector = det.model_copy(update={"elements": elements})
    blind = EXPERIMENT.model_copy(update={"detector": detector})
    with pytest.raises(DarkdumpInputError, match="pass its downstream acceptance") as info:
        generate_halo_tracks(2000, np.random.default_rng(1), experiment=blind)
    assert "\n" not in str(info.value)

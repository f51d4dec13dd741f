"""JHEP sec. 4: a MUV3 signal may be associated with only one track."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hepunits import GeV, mm
from scipy.stats import norm

from darkdump.detector.geometry import detector_geometry
from darkdump.detector.simulate import _one_track_per_muon_signal
from darkdump.experiments import load

GEO = detector_geometry(load("na62-2021"))


def test_muons_in_one_tile_share_a_signal() -> None:
    tile = GEO.muon_detector_tile
    assert tile == 220 * mm  # na62-2021 [detector.isolation] muon_detector_tile_mm
    cx, cy = GEO.muon_detector.cx, GEO.muon_detector.cy
    # Event 0: 10 mm apart inside one tile; event 1: 10 mm apart across a tile edge;
    # event 2: far apart. Arrays are (track, event).
    x = np.array(
        [
            [cx + 0.5 * tile, cx + tile - 5, cx + 300],
            [cx + 0.5 * tile + 10, cx + tile + 5, cx - 300],
        ]
    )
    y = np.full((2, 3), cy + 0.5 * tile)
    one_tile = replace(GEO, muon_search_radius=0.0)
    p = np.full((2, 3), 50 * GeV)
    assert _one_track_per_muon_signal(x, y, p, None, one_tile).tolist() == [False, True, True]
    # With NA62's search radius (42 mm at 50 GeV/c) the two hits 10 mm apart across an
    # edge share a signal too; 600 mm apart they do not.
    assert _one_track_per_muon_signal(x, y, p, None, GEO).tolist() == [False, False, True]


def test_the_search_radius_shrinks_as_one_over_p() -> None:
    # JHEP sec. 4: "a momentum-dependent search radius". Track 0 sits 100 mm from the edge
    # of the tile that track 1 hits: within 2120 mm GeV / p for p < 21.2 GeV/c.
    tile = GEO.muon_detector_tile
    assert GEO.muon_search_radius == pytest.approx(2120 * mm * GeV)
    cx, cy = GEO.muon_detector.cx, GEO.muon_detector.cy
    x = np.array([[cx + tile + 100.0] * 2, [cx + 0.5 * tile] * 2])
    y = np.full((2, 2), cy + 0.5 * tile)
    p = np.array([[15 * GeV, 30 * GeV], [30 * GeV, 30 * GeV]])
    assert _one_track_per_muon_signal(x, y, p, None, GEO).tolist() == [False, True]


def test_hits_are_displaced_by_multiple_scattering() -> None:
    # sigma = 527 mm GeV / p per projection (experiment file): 26.35 mm at 20 GeV/c.
    # Track 0 is aimed 50 mm inside the edge of the tile in which track 1 is centred
    # (110 mm from every edge): the pair is lost when track 0's hit crosses that edge,
    # P(N > 50 / 26.35) = 0.0289 (track 1 leaving its tile: 3e-5). 200 000 pairs,
    # binomial error 0.0004; no search radius.
    tile = GEO.muon_detector_tile
    assert GEO.muon_scattering == pytest.approx(527 * mm * GeV)
    cx, cy = GEO.muon_detector.cx, GEO.muon_detector.cy
    n = 200_000
    x = np.stack([np.full(n, cx + tile - 50.0), np.full(n, cx + 1.5 * tile)])
    y = np.full((2, n), cy + 0.5 * tile)
    no_radius = replace(GEO, muon_search_radius=0.0)
    p = np.full((2, n), 20 * GeV)
    shifts = np.random.default_rng(11).standard_normal((2, 2, n))
    lost = ~_one_track_per_muon_signal(x, y, p, shifts, no_radius)
    assert float(lost.mean()) == pytest.approx(norm.sf(50 / 26.35), abs=0.002)
    assert not (~_one_track_per_muon_signal(x, y, p, None, no_radius)).any()


def test_the_trigger_needs_two_different_hodoscope_tiles() -> None:
    # JHEP sec. 2.2, H2: "two in-time signals in different tiles of the CHOD"; tiles of
    # 268 x 134 mm (experiment file) with edges on the axes. Event 0: 100 mm apart in x
    # within one tile; event 1: 20 mm apart across the x = 0 edge; event 2: 100 mm apart
    # in y, across a row edge.
    from darkdump.detector.simulate import _different_tiles

    assert GEO.trigger_tile == (268 * mm, 134 * mm)
    cx, cy = GEO.trigger_plane.cx, GEO.trigger_plane.cy
    x = np.array([[cx + 20, cx - 10, cx + 50], [cx + 120, cx + 10, cx + 50]])
    y = np.array([[cy + 60, cy + 60, cy + 60], [cy + 60, cy + 60, cy + 160]])
    assert _different_tiles(x, y, GEO).tolist() == [False, True, True]
    assert _different_tiles(x, y, replace(GEO, trigger_tile=(0.0, 0.0))).all()

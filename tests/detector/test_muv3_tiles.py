"""JHEP sec. 4: a MUV3 signal may be associated with only one track."""

from __future__ import annotations

import numpy as np
from hepunits import mm

from darkdump.detector.geometry import detector_geometry
from darkdump.detector.simulate import _distinct_tiles
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
    assert _distinct_tiles(x, y, GEO).tolist() == [False, True, True]

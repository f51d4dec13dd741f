from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from darkdump.errors import DarkdumpInputError
from darkdump.experiments import load
from darkdump.selection import closest_approach, in_region, regions_for, z_tax_cda_tax

BEAM = np.array([0.0, -22.0, 23070.0])  # JHEP eq. 2.1 [mm]

NA62 = load("na62-2021")


def test_two_lines_crossing_at_known_point() -> None:
    # Both lines pass through X = (10, -5, 150000) mm: vertex there, CDA 0 (exact geometry).
    x = np.array([10.0, -5.0, 150_000.0])
    d1 = np.array([0.003, -0.001, 1.0])
    d2 = np.array([-0.002, 0.004, 1.0])
    p1 = x + 7_000.0 * d1
    p2 = x - 35_000.0 * d2
    vertex, cda = closest_approach(p1, d1, p2, d2)
    np.testing.assert_allclose(vertex[0], x, atol=1e-6)
    assert cda[0] == pytest.approx(0.0, abs=1e-6)


def test_skew_lines_known_cda_and_midpoint() -> None:
    # Line 1 along X at z = 0, line 2 along Y at z = 4: CDA 4 mm, midpoint (0, 0, 2).
    vertex, cda = closest_approach(
        [[5.0, 0.0, 0.0]], [[1.0, 0.0, 0.0]], [[0.0, -3.0, 4.0]], [[0.0, 2.0, 0.0]]
    )
    np.testing.assert_allclose(vertex, [[0.0, 0.0, 2.0]], atol=1e-12)
    np.testing.assert_allclose(cda, [4.0])


def test_parallel_lines() -> None:
    # Parallel lines 3 mm apart: CDA is their distance, no division by zero.
    vertex, cda = closest_approach([[0, 0, 0]], [[0, 0, 1]], [[3, 0, 10]], [[0, 0, 2]])
    assert cda[0] == pytest.approx(3.0)
    np.testing.assert_allclose(vertex, [[1.5, 0.0, 0.0]])
    assert np.all(np.isfinite(vertex))


def test_flight_from_beam_line_point() -> None:
    # A line of flight through (0, -22, 30 m) on the beam line: Z_TAX = 30 m, CDA 0.
    start = np.array([0.0, -22.0, 30_000.0])
    mom = np.array([[800.0, -300.0, 100_000.0], [-50.0, 20.0, 30_000.0]])
    vertex = start + 4.0 * mom / np.linalg.norm(mom, axis=1)[:, None] * 1e4
    z, cda = z_tax_cda_tax(vertex, mom, BEAM)
    np.testing.assert_allclose(z, 30_000.0, atol=1e-6)
    np.testing.assert_allclose(cda, 0.0, atol=1e-6)


def test_flight_offset_gives_known_cda() -> None:
    # Start 7 mm from the beam line, perpendicular to the transverse momentum
    # direction: CDA_TAX = 7 mm, Z_TAX = start Z (exact geometry).
    pt_dir = np.array([0.6, 0.8])
    offset = 7.0 * np.array([-0.8, 0.6])
    start = np.array([offset[0], -22.0 + offset[1], 20_000.0])
    mom = np.array([[pt_dir[0] * 300.0, pt_dir[1] * 300.0, 80_000.0]])
    vertex = start + 500.0 * mom
    z, cda = z_tax_cda_tax(vertex, mom, BEAM)
    assert z[0] == pytest.approx(20_000.0, abs=1e-6)
    assert cda[0] == pytest.approx(7.0, abs=1e-9)


def test_z_tax_matches_general_closest_approach() -> None:
    rng = np.random.default_rng(5)
    n = 200
    vertex = rng.normal([0, 0, 140_000], [300, 300, 20_000], size=(n, 3))
    mom = rng.normal([0, 0, 50_000], [200, 200, 20_000], size=(n, 3))
    z, cda = z_tax_cda_tax(vertex, mom, BEAM)
    p_cda, cda_ref = closest_approach(vertex, mom, BEAM, [0.0, 0.0, 1.0])
    np.testing.assert_allclose(cda, cda_ref, rtol=1e-7, atol=1e-6)
    # Near-parallel lines (angle ~ 5 mrad) amplify rounding: 0.1 um is far below resolution.
    np.testing.assert_allclose(z, p_cda[:, 2], rtol=1e-9, atol=1e-4)


finite = st.floats(-1e5, 1e5, allow_nan=False)
direction = arrays(np.float64, 3, elements=st.floats(-1.0, 1.0, allow_nan=False)).filter(
    lambda d: bool(np.linalg.norm(d) > 1e-3)
)
point = arrays(np.float64, 3, elements=finite)


@settings(max_examples=200, deadline=None)
@given(point, direction, point, direction)
def test_cda_nonnegative_and_symmetric(
    p1: np.ndarray, d1: np.ndarray, p2: np.ndarray, d2: np.ndarray
) -> None:
    v12, c12 = closest_approach(p1, d1, p2, d2)
    v21, c21 = closest_approach(p2, d2, p1, d1)
    assert c12[0] >= 0.0
    scale = 1.0 + float(np.abs(np.concatenate([p1, p2])).max())
    # Near-parallel lines are ill-conditioned; compare within the scale of the points.
    assert c12[0] == pytest.approx(c21[0], abs=1e-6 * scale)
    # The CDA is never larger than the distance between any two points of the lines.
    assert c12[0] <= np.linalg.norm(p1 - p2) * (1 + 1e-9) + 1e-6 * scale
    sin2 = 1.0 - (d1 @ d2) ** 2 / ((d1 @ d1) * (d2 @ d2))
    if sin2 > 1e-4:
        np.testing.assert_allclose(v12, v21, atol=1e-6 * scale / sin2)


def test_region_definitions_from_papers() -> None:
    # JHEP eq. 4.1/4.2 and PRL eq. 1/2, in mm, as analyses/na62_2021/experiment.toml states them.
    z = np.array([23_000.0, 5_000.0, 45_000.0, 23_000.0, 23_000.0, 34_000.0, 36_000.0])
    c = np.array([19.0, 10.0, 10.0, 100.0, 160.0, 10.0, 1.0])
    np.testing.assert_array_equal(
        in_region("mumu", "SR", z, c, NA62), [True, False, False, False, False, True, True]
    )
    np.testing.assert_array_equal(
        in_region("mumu", "VR", z, c, NA62), [False, True, True, True, False, False, False]
    )
    # ee ellipse: (34-23)/12 = 0.917; (10/30)^2 = 0.111 -> 0.951 < 1 inside;
    # (36-23)/12 > 1 outside; CDA 19 mm at 23 m inside.
    np.testing.assert_array_equal(
        in_region("ee", "SR", z, c, NA62), [True, False, False, False, False, True, False]
    )
    np.testing.assert_array_equal(
        in_region("ee", "CR", z, c, NA62), [False, True, True, True, False, False, True]
    )


def test_regions_are_disjoint() -> None:
    rng = np.random.default_rng(1)
    z = rng.uniform(-50_000, 100_000, 20_000)
    c = rng.uniform(0, 400, 20_000)
    for channel in ("ee", "mumu"):
        masks = [in_region(channel, name, z, c, NA62) for name in regions_for(channel, NA62)]
        assert int(np.sum(masks, axis=0).max()) == 1


def test_bad_region_and_channel_are_one_line_errors() -> None:
    with pytest.raises(DarkdumpInputError, match="allowed: ee, mumu"):
        in_region("tautau", "SR", [0.0], [0.0])
    with pytest.raises(DarkdumpInputError, match="'XR'"):
        in_region("ee", "XR", [0.0], [0.0], NA62)
    # Without an experiment there are no regions: the selection stage knows no experiment.
    with pytest.raises(DarkdumpInputError, match=r"no \[regions\.ee\] tables"):
        in_region("ee", "SR", [0.0], [0.0])


def test_regions_override_from_experiment_section() -> None:
    class FakeExperiment:
        regions = {"mumu": {"SR": {"kind": "box", "z_min_m": 0.0, "z_max_m": 1.0}}}  # noqa: RUF012

    exp = FakeExperiment()
    assert in_region("mumu", "SR", [500.0], [1e6], exp).tolist() == [True]
    bad = FakeExperiment()
    bad.regions = {"mumu": {"SR": {"kind": "circle"}}}
    with pytest.raises(DarkdumpInputError, match=r"regions\.mumu\.SR\.kind"):
        in_region("mumu", "SR", [0.0], [0.0], bad)


def test_shipped_experiment_regions_equal_the_papers() -> None:
    # JHEP 09 (2023) 035 eqs. 4.1-4.2, PRL 133 (2024) 111802 eqs. 1-2 [mm]; CR1-3 are the
    # approximation of JHEP fig. 10 (bounds not published).
    papers = {
        "mumu": {
            "SR": ("box", (6_000.0, 40_000.0, 20.0), ()),
            "VR": ("box", (-4_000.0, 50_000.0, 150.0), ("SR",)),
            "CR1": ("box", (-14_000.0, 60_000.0, 200.0), ("SR", "VR")),
            "CR2": ("box", (-24_000.0, 70_000.0, 250.0), ("SR", "VR", "CR1")),
            "CR3": ("box", (-34_000.0, 80_000.0, 300.0), ("SR", "VR", "CR1", "CR2")),
        },
        "ee": {
            "SR": ("ellipse", (23_000.0, 12_000.0, 30.0), ()),
            "CR": ("box", (-4_000.0, 50_000.0, 150.0), ("SR",)),
        },
    }
    for channel, regions in papers.items():
        found = regions_for(channel, NA62)
        assert set(found) == set(regions)
        for name, (kind, numbers, exclude) in regions.items():
            got = found[name]
            assert got.kind == kind
            attrs = (
                ("z_min", "z_max", "cda_max")
                if kind == "box"
                else ("z_center", "z_half_axis", "cda_half_axis")
            )
            for attr, value in zip(attrs, numbers, strict=True):
                assert getattr(got, attr) == pytest.approx(value), (name, attr)
            assert set(got.exclude) == set(exclude)


def test_a_region_of_cuts_on_named_variables_equals_the_box() -> None:
    # The mumu SR of JHEP eq. 4.1 written as cuts on named variables selects the same
    # points as the box; a further cut on another named variable (the vertex Z) applies.
    rng = np.random.default_rng(5)
    z = rng.uniform(-10_000, 60_000, 5000)
    c = rng.uniform(0, 50, 5000)
    regions = NA62.regions.model_dump(exclude_defaults=True)
    regions["mumu"]["SR"] = {
        "kind": "cuts",
        "cuts": [
            {"variable": "z_tax_m", "min": 6.0, "max": 40.0},
            {"variable": "cda_tax_m", "max": 0.020},
        ],
    }
    as_cuts = NA62.model_copy(update={"regions": type(NA62.regions).model_validate(regions)})
    np.testing.assert_array_equal(
        in_region("mumu", "SR", z, c, as_cuts), in_region("mumu", "SR", z, c, NA62)
    )
    regions["mumu"]["SR"]["cuts"].append({"variable": "vertex_z_m", "min": 150.0})
    tighter = NA62.model_copy(update={"regions": type(NA62.regions).model_validate(regions)})
    vertex_z = rng.uniform(105_000, 180_000, 5000)
    got = in_region("mumu", "SR", z, c, tighter, {"vertex_z_m": vertex_z})
    np.testing.assert_array_equal(got, in_region("mumu", "SR", z, c, NA62) & (vertex_z > 150_000))
    with pytest.raises(DarkdumpInputError, match="vertex_z_m"):
        in_region("mumu", "SR", z, c, tighter)


def test_bad_cut_is_a_one_line_error() -> None:
    regions = NA62.regions.model_dump(exclude_defaults=True)
    regions["mumu"]["SR"] = {"kind": "cuts", "cuts": [{"variable": "energy", "max": 1.0}]}
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="variable"):
        type(NA62.regions).model_validate(regions)

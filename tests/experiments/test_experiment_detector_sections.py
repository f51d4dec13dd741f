"""The decay-volume, detector, selection and region sections of the experiment file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from darkdump.errors import DarkdumpInputError
from darkdump.experiments import load

RAW = (Path(__file__).parents[2] / "src/darkdump/analyses/na62_2021/experiment.toml").read_text()


def _load_modified(tmp_path: Path, old: str, new: str) -> None:
    assert old in RAW, old
    bad = tmp_path / "bad.toml"
    bad.write_text(RAW.replace(old, new, 1))
    load(bad)


def test_na62_detector_numbers_from_the_papers() -> None:
    exp = load("na62-2021")
    det = exp.detector
    # DESIGN.md table: MNP33 field integral 0.6928 T x 1.3 m gives the 270 MeV/c kick
    # (0.299792458 GeV/c per T m); the file carries both, they must agree to 0.1 %.
    length = det.magnet.z_end_m - det.magnet.z_start_m
    assert det.magnet.field_T * length * 0.299792458 == pytest.approx(
        det.magnet.pt_kick_GeV, rel=1e-3
    )
    # The magnet sits between STRAW2 and STRAW3 (JHEP sec. 2.1).
    assert det.trackers[1].z_m < det.magnet.z_center_m < det.trackers[2].z_m
    # JHEP sec. 2.1 resolutions and sec. 6 trigger inefficiency of 2 %.
    assert det.resolutions.momentum_constant == 0.0030
    assert det.resolutions.momentum_linear_per_GeV == 0.00005
    assert det.trigger.efficiency == 0.98
    assert exp.decay_volume.z_min_m == 102.0
    assert exp.selection.mumu.vertex_z_min_m == 105.0


def test_regions_are_read_by_the_selection_stage() -> None:
    from darkdump.selection import regions_for

    exp = load("na62-2021")
    sr = regions_for("ee", exp)["SR"]
    assert sr.kind == "ellipse"
    assert sr.cda_half_axis == pytest.approx(30.0)  # PRL eq. 1: 0.03 m in mm
    # An ellipse has no box sides: unset (None), read as unbounded by the selection stage.
    assert exp.regions.ee["SR"].z_min_m is None
    assert math.isinf(sr.z_min)


@pytest.mark.parametrize("name", ["na62-2021", "na62-1e18", "charm", "nucal"])
def test_a_dumped_experiment_is_strict_json_and_validates_again(name: str) -> None:
    """Provenance files embed the experiment: no Infinity/NaN (invalid JSON), and it reloads."""
    import json

    from darkdump.experiments.schema import Experiment

    exp = load(name)

    def reject(constant: str) -> float:
        raise ValueError(f"non-finite {constant} in the dumped experiment")

    dumped = json.loads(exp.model_dump_json(), parse_constant=reject)
    assert Experiment.model_validate(dumped) == exp


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            "pt_kick_GeV = 0.270",
            "pt_kick_GeV = -0.270",
            r"detector\.elements\.\d+\[MNP33\]\.pt_kick_GeV",
        ),
        ("efficiency = 0.98 ", "efficiency = 1.5 ", r"detector\.trigger\.efficiency"),
        ("calorimeter_stochastic = 0.048", "lkr_stochastik = 0.048", r"detector\.resolutions"),
        (
            "first_tracker_min_mm = 15.0",
            "straw1_min_mm = 15.0",
            r"isolation\.straw1_min_mm': renamed to 'first_tracker_min_mm'",
        ),
        ("z_min_m = 102.0", "z_min_m = 190.0", r"decay_volume"),
        ('lepton = "mu"', 'lepton = "tau"', r"selection\.mumu\.lepton"),
        ("vertex_cda_max_mm = 25.0", "vertex_cda_max_mm = 0.0", r"selection\.vertex_cda_max_mm"),
        ("vertex_cda_max_mm = 25.0", "", r"selection\.vertex_cda_max_mm"),
        ('kind = "ellipse"', 'kind = "circle"', r"regions\.ee\.SR\.kind"),
        ('kind = "muon"', 'kind = "muon3"', r"detector\.elements\.\d+\[MUV3\]\.kind"),
        ("r_max_m = 1.07 ", "r_max_m = -1.07 ", r"elements\.\d+\[LAV12\]\.aperture\.r_max_m"),
        ('name = "MUV3"', 'name = "LKr"', r"element names must be unique: LKr"),
        (
            'muon_detector = "MUV3"',
            'muon_detector = "MUV4"',
            r"spectrometer\.muon_detector: no element named 'MUV4'",
        ),
        (
            'muon_detector = "MUV3"',
            'muon_detector = "LKr"',
            r"'LKr' is a calorimeter, expected muon",
        ),
        (
            'shape = "circle", r_max_m = 1.07',
            'shape = "hexagon", r_max_m = 1.07',
            r"\[LAV12\]\.aperture\.shape",
        ),
        ('shape = "circle", r_max_m = 1.07', 'shape = "circle", r_min_m = 1.07', r"needs r_max_m"),
        (
            'vetoes = ["LAV1", ',
            'vetoes = ["STRAW1", ',
            r"spectrometer\.vetoes: element 'STRAW1' is a tracker, expected veto",
        ),
        ('"LAV10", "LAV11"]', '"LAV10", "LAV10"]', r"vetoes: 'LAV10' is listed twice"),
        ("hodoscope_tile_y_mm = 134.0", "", r"trigger.*give both or neither"),
        (
            'kind = "tracker"\nz_m = 183.508',
            'kind = "tracker"\ndepth_m = 0.1\nz_m = 183.508',
            r"depth_m applies to vetoes, not to a tracker",
        ),
        ('vetoes = ["LAV1", ', 'vetoes = ["LAV12", "LAV1", ', r"'LAV12' is also an acceptance"),
        ('vetoes = ["LAV1", ', 'vetoes = ["ANTI0", "LAV1", ', r"'ANTI0' is also .*upstream veto"),
        (
            "z_m = 217.528\ndepth_m = 0.47",
            "z_m = 217.528\ndepth_m = 50.0",
            r"'LAV11' \(back face at 267.528 m\) must lie upstream of the calorimeter",
        ),
        (
            'muon_acceptance = ["MUV1", ',
            'muon_acceptance = ["MNP33", ',
            r"spectrometer\.muon_acceptance: element 'MNP33' is a magnet",
        ),
        (
            "field_T = 0.6928 ",
            "depth_m = 1.3\nfield_T = 0.6928 ",
            r"\[MNP33\].*depth_m applies to planes",
        ),
        ("depth_m = 0.59", "depth_m = -0.59", r"\[LAV1\]\.depth_m"),
        (
            'elements = ["LKr"]            # JHEP',
            'elements = ["LKR"]            # JHEP',
            r"acceptance\.ee\.elements: no element named 'LKR'",
        ),
    ],
)
def test_bad_detector_key_is_one_line_error(tmp_path: Path, old: str, new: str, key: str) -> None:
    with pytest.raises(DarkdumpInputError, match=key) as info:
        _load_modified(tmp_path, old, new)
    assert "\n" not in str(info.value)


def test_missing_detector_section_is_named(tmp_path: Path) -> None:
    head = RAW.split(
        "# ---------------------------------------------------------------------------"
    )[0]
    bad = tmp_path / "bad.toml"
    bad.write_text(head)
    with pytest.raises(DarkdumpInputError, match="decay_volume") as info:
        load(bad)
    assert "\n" not in str(info.value)

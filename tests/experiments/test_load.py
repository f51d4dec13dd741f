from __future__ import annotations

from pathlib import Path

import pytest

from darkdump.errors import DarkdumpInputError
from darkdump.experiments import load


def test_na62_tax_is_196_interaction_lengths() -> None:
    # JHEP sec. 2: 800 mm Cu + 2400 mm Fe = 19.6 lambda_I (PDG lambda_I, 0.4 % rounding).
    exp = load("na62-2021")
    n_lambda = sum(layer.length_m / layer.interaction_length_m for layer in exp.target.layers)
    assert n_lambda == pytest.approx(19.6, rel=0.01)
    assert exp.beam.n_pot == 1.4e17


def test_unknown_experiment_is_one_line_error() -> None:
    with pytest.raises(DarkdumpInputError, match="not found") as info:
        load("no-such-dump")
    assert "\n" not in str(info.value)


def test_bad_key_is_named(tmp_path: Path) -> None:
    raw = (
        Path(__file__).parents[2] / "src/darkdump/analyses/na62_2021/experiment.toml"
    ).read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(raw.replace("energy_GeV = 400.0", "energy_GeV = -1.0"))
    with pytest.raises(DarkdumpInputError, match=r"beam\.energy_GeV") as info:
        load(bad)
    assert "\n" not in str(info.value)


def test_missing_section_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[beam]\nenergy_GeV = 400.0\nn_pot = 1e17\n')
    with pytest.raises(DarkdumpInputError, match="'target'"):
        load(bad)


def test_shipped_name_wins_over_a_folder_of_that_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `darkdump reproduce na62-2021 --out na62-2021` creates ./na62-2021/ (README command).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "na62-2021").mkdir()
    assert load("na62-2021").name == "na62-2021"


_SHIPPED = Path(__file__).parents[2] / "src/darkdump/analyses/na62_2021/experiment.toml"


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("n_pot = 1.4e17", "n_pot = inf", r"beam\.n_pot.*finite"),
        ("energy_GeV = 400.0", "energy_GeV = true", r"'beam\.energy_GeV'.*valid number"),
        ("length_m = 0.800", "length_m = nan", r"target\.layers\.0\.length_m"),
        ("z_start_m = 196.35", "z_start_m = 199.35", r"\[MNP33\].*z_start_m"),
        (
            "r_min_m = 0.13, r_max_m = 1.21 }",
            "r_min_m = 1.5, r_max_m = 1.21 }",
            r"\[CHOD\]\.aperture.*r_min_m",
        ),
        ("z_m = 241.495", "z_m = 150.0", r"ordered along the beam: 'LKr'"),
        ("z_m = 218.885", "z_m = 182.0", r"ordered along the beam: 'STRAW4'"),
        ("fiducial_z_min_m = 105.0", "fiducial_z_min_m = 90.0", r"fiducial range"),
        (
            "z_max_m = 180.0               # JHEP sec. 3",
            "z_max_m = 190.0",
            r"upstream of the first detector element 'STRAW1'",
        ),
        ("vertex_z_min_m = 105.0", "vertex_z_min_m = 185.0", r"vertex_z_min_m"),
        ("z_min_m = 6.0\nz_max_m = 40.0", "z_min_m = 60.0\nz_max_m = 40.0", r"regions\.mumu\.SR"),
        # A misspelled section would be ignored and its defaults used: refused, with
        # the allowed sections named.
        ("[modelling.brems]", "[modeling.brems]", r"'modeling': unknown key; allowed: .*modelling"),
        ("[acceptance]\n", "[acceptence]\n", r"'acceptence': unknown key; allowed: acceptance"),
        ("energy_GeV = 400.0", "energy_GeV = 400.0\nenergy = 1.0", r"'beam\.energy'.*energy_GeV"),
        ('particle = "p"', 'particle = "e-"', r"beam\.particle.*'p'"),
        ("n_pot = 1.4e17", 'n_pot = "1.4e17"', r"'beam\.n_pot'.*valid number"),
        # Quoted numbers inside arrays and inline tables too.
        ("[0.0, -0.022, 23.070]", '["0.0", -0.022, 23.070]', r"impact_point_m\.0.*valid number"),
        ("pi0 = 3.87,", 'pi0 = "3.87",', r"measured_per_pot\.pi0.*valid number"),
        ("n_pot_uncertainty = 0.20", "n_pot_uncertainty = 20", r"n_pot_uncertainty.*less than"),
    ],
)
def test_impossible_or_non_finite_values_are_one_line_errors(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    raw = _SHIPPED.read_text()
    assert old in raw, old
    bad = tmp_path / "bad.toml"
    bad.write_text(raw.replace(old, new, 1))
    with pytest.raises(DarkdumpInputError, match=named) as info:
        load(bad)
    assert "\n" not in str(info.value)


def test_unreadable_files_are_one_line_errors(tmp_path: Path) -> None:
    import os

    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    utf16 = tmp_path / "utf16.toml"
    utf16.write_text('name = "x"\n', encoding="utf-16")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # would block a reader forever
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    for path, message in (
        (latin1, "not UTF-8"),
        (utf16, "not UTF-8"),
        (deep, "nested too deeply|invalid TOML"),
        (fifo, "not a regular file"),
        (folder, "not a regular file"),
    ):
        with pytest.raises(DarkdumpInputError, match=message) as info:
            load(path)
        assert "\n" not in str(info.value)
    with pytest.raises(DarkdumpInputError, match="NUL"):
        load("na62\x002021")


def test_a_file_named_like_a_shipped_experiment_does_not_replace_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "na62-2021").write_text("not toml at all")
    monkeypatch.chdir(tmp_path)
    assert load("na62-2021").name == "na62-2021"

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from darkdump.background.control_sample import read_control_sample
from darkdump.background.model import BackgroundModel
from darkdump.cli import main


def test_synthetic_then_combinatorial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tracks = tmp_path / "tracks.parquet"
    # a dense 30 ms "spill" at 1 MHz so that enough pseudo-events reach the VR/SR for
    # the Bernstein mass-shape fit
    synthetic = ["background", "synthetic", "--tracks", "30000", "--seed", "4"]
    assert main([*synthetic, "--rate-hz", "1e6", "--spill-s", "0.03", "--out", str(tracks)]) == 0
    sample = read_control_sample(tracks)
    assert len(sample) == 30000
    assert "SYNTHETIC" in pq.read_schema(tracks).metadata[b"darkdump.source"].decode()
    out = tmp_path / "comb"
    status = main(
        [
            "background",
            "combinatorial",
            "--tracks",
            str(tracks),
            "--experiment",
            "na62-2021",
            "--out",
            str(out),
            "--same-sign-observed",
            "61",
            "--mixing-window-ms",
            "0.02",
            "--bootstrap",
            "20",
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    assert "outside VR" in text
    assert "CR1+2+3" in text
    assert "same-sign" in text
    with (out / "combinatorial_yields.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * 7  # JHEP table 2 layout: 3 charge combinations x 7 regions
    for name in (
        "zcda_mupmup.png",
        "zcda_mummum.png",
        "zcda_mupmum.png",
        "combinatorial_pseudo_events.parquet",
        "combinatorial_yields_scaled.csv",
    ):
        assert (out / name).is_file(), name
    mumu = BackgroundModel.from_record(json.loads((out / "background_model_mumu.json").read_text()))
    assert mumu.shape_kind == "bernstein"
    assert len(mumu.shape_params) == 6
    run = json.loads((out / "combinatorial_run.json").read_text())
    assert run["seed"] == 2021  # the one default seed of every command
    assert run["config"]["q1_downscale"] == 20


def test_synthetic_root_output(tmp_path: Path) -> None:
    out = tmp_path / "t.root"
    assert main(["background", "synthetic", "--tracks", "100", "--out", str(out)]) == 0
    assert len(read_control_sample(out)) == 100


def test_combinatorial_bad_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"event_id": [1, 2]}), bad)
    status = main(
        ["background", "combinatorial", "--tracks", str(bad), "--out", str(tmp_path / "o")]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "missing column 'burst_id'" in err


def test_prompt_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "background",
                "prompt",
                "--counts",
                "illustrative",
                "--pseudo",
                "20000",
                "--out",
                str(tmp_path / "p"),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "LAV" in text
    assert "SR" in text
    record = json.loads((tmp_path / "p" / "prompt_background.json").read_text())
    assert 0 < record["regions"]["SR"]["median"] < record["regions"]["SR"]["upper68"]
    assert (tmp_path / "p" / "prompt_background.png").is_file()
    model = BackgroundModel.from_record(
        json.loads((tmp_path / "p" / "background_model_ee.json").read_text())
    )
    assert model.shape_kind == "landau"  # PRL appendix B shape
    assert model.median_yield == pytest.approx(record["regions"]["SR"]["lognormal_median"])

    percent = tmp_path / "percent.toml"
    percent.write_text("[sample]\nn_fv = 3\nrelative_systematic = 50\n")
    assert main(["background", "prompt", "--counts", str(percent)]) == 2  # 50 means 5000 %
    assert "relative_systematic" in capsys.readouterr().err
    bad = tmp_path / "c.toml"
    bad.write_text("[sample]\nn_fv = 3\n[conditions.LAV]\nn_passed = 1\nbogus = 2\n")
    assert main(["background", "prompt", "--counts", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "bogus" in err


def test_published_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["background", "published"]) == 0
    text = capsys.readouterr().out
    assert "0.016" in text
    assert "14.86" in text
    assert main(["background"]) == 0
    assert "synthetic" in capsys.readouterr().out


def test_combinatorial_with_observed_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tracks = tmp_path / "tracks.parquet"
    assert main(["background", "synthetic", "--tracks", "20000", "--out", str(tracks)]) == 0
    out = tmp_path / "comb"
    args = ["background", "combinatorial", "--tracks", str(tracks), "--out", str(out)]
    assert main([*args, "--observed", "jhep", "--bootstrap", "10", "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "P(L<=L_obs)" in text
    # the same-sign count outside the VR comes from the observed file: 53 + 8 = 61
    assert "61/" in text
    with (out / "combinatorial_yields_scaled.csv").open() as handle:
        scaled = {r["region"]: r for r in csv.DictReader(handle)}
    assert scaled["outside VR"]["n_obs"] == "28"
    bad = tmp_path / "obs.toml"
    bad.write_text('["mu+mu-"]\nSR = -1\n')
    assert main([*args, "--observed", str(bad), "--no-plots"]) == 2
    assert "'mu+mu-.SR' = -1" in capsys.readouterr().err
    # A misspelled region or charge combination was dropped without a word: refused,
    # with the allowed names, before any output.
    fresh = tmp_path / "comb2"
    typo_args = ["background", "combinatorial", "--tracks", str(tracks), "--out", str(fresh)]
    for text_in, named in (
        ('["mu+mu-"]\nSr = 3\n', "'mu+mu-.Sr': not a region; allowed: outside VR"),
        ('["mu+mu"]\nSR = 3\n', "['mu+mu']: not a charge combination of mumu"),
    ):
        bad.write_text(text_in)
        assert main([*typo_args, "--observed", str(bad), "--no-plots"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert named in err
        assert not fresh.exists()


def test_prompt_bad_region_is_rejected_before_any_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o"
    status = main(
        ["background", "prompt", "--counts", "illustrative", "--region", "XX", "--out", str(out)]
    )
    assert status == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not out.exists()

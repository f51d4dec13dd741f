"""Inputs refused before any work or output: one line on stderr, exit status 2, no folder.

Each case was found by an audit of the command line: before, these ran for a while and
ended in a traceback, wrote an empty output folder, or printed results and only then
failed on the output path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from darkdump.cli import main


def _non_utf8(tmp_path: Path) -> str:
    path = tmp_path / "latin1.toml"
    path.write_bytes("source = 'caf\xe9'\n".encode("latin-1"))
    return str(path)


CASES = [
    # (words, expected message part); "OUT" is replaced by a fresh path in tmp_path.
    (["yields", "charm", "--quick", "--no-plots", "--out", "OUT"], "track-level simulation"),
    (["yields", "na62-2021", "--quick", "--out", "OUT", "--masses", "300"], "production range"),
    (
        ["yields", "na62-2021", "--quick", "--out", "OUT", "--alp", "--alp-masses", "5"],
        "--alp-masses 5 GeV: allowed",
    ),
    (["production", "na62-2021", "--mass", "0.3", "--brems-pt-max", "1e-9"], "[0.01, 100]"),
    (["production", "na62-2021", "--mass", "0.3", "--plot", "/proc/a.png"], "--plot"),
    (["widths", "--plot", "/proc/x.png"], "--plot '/proc/x.png': cannot write there"),
    (["sensitivity", "na62-1e18", "--quick", "--out", "/proc/x"], "--out '/proc/x'"),
    (["background", "prompt", "--counts", "NONUTF8"], "not UTF-8 text"),
    (["production", "missing.toml", "--mass", "0.3"], "no such file"),
    (["widths", "--masses", "0.0005"], "--masses 0.0005: allowed (0.001022, 2] GeV"),
]


@pytest.mark.parametrize(("words", "message"), CASES, ids=[" ".join(w[:2]) for w, _ in CASES])
def test_refused_before_any_work_or_output(
    words: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = [str(out) if w == "OUT" else _non_utf8(tmp_path) if w == "NONUTF8" else w for w in words]
    if "missing.toml" in argv:
        argv[argv.index("missing.toml")] = str(tmp_path / "missing.toml")
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        status = int(exc.code or 0)
    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing computed and printed first
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert message in lines[0]
    assert not out.exists()  # no output folder made


def test_an_existing_file_as_output_folder_is_refused_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    assert main(["background", "prompt", "--counts", "illustrative", "--out", str(afile)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "exists and is not a folder" in captured.err
    assert afile.read_text() == "keep me"


def test_an_experiment_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    from darkdump.experiments import load

    shipped = Path(__file__).parents[1] / "src/darkdump/experiments/na62_1e18.toml"
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + shipped.read_bytes())
    assert load(bom).name == load(shipped).name


CONFLICTS = [
    (
        [
            "cls-counting",
            "--method",
            "bayes",
            "--mode",
            "hybrid",
            "--observed",
            "0",
            "--background",
            "0.01",
        ],
        "--mode: applies",
    ),
    (["yields", "na62-2021", "--out", "OUT", "--alp-masses", "0.3"], "--alp-masses: only with"),
    (["spectra", "--sigma-bb-nb", "3", "--kind", "mesons"], "--sigma-bb-nb: applies to"),
    (["spectra", "--experiment", "charm", "na62-2021"], "experiment given twice"),
]


@pytest.mark.parametrize(("words", "message"), CONFLICTS, ids=[w[0] for w, _ in CONFLICTS])
def test_an_option_that_would_be_ignored_is_refused(
    words: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = [str(out) if w == "OUT" else w for w in words]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert not out.exists()

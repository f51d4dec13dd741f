"""The ``darkdump widths`` command: output columns, formats, plot and bad input."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hepunits import GeV, m

from darkdump.cli import main
from darkdump.models import dark_photon

COLUMNS = ["mass_GeV", "gamma_over_eps2_GeV", "br_ee", "br_mumu", "br_had", "ctau_eps2_m"]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_exact_columns_and_one_row_per_mass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["widths", "--masses", "0.01,0.3,0.5", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ",".join(COLUMNS)
    rows = _rows(out)
    assert [float(r["mass_GeV"]) for r in rows] == [0.01, 0.3, 0.5]
    for row in rows:
        mass = float(row["mass_GeV"]) * GeV
        assert float(row["gamma_over_eps2_GeV"]) == pytest.approx(
            float(dark_photon.total_width(mass) / GeV), rel=1e-5
        )
        assert float(row["ctau_eps2_m"]) == pytest.approx(
            float(dark_photon.ctau(mass, 1.0) / m), rel=1e-5
        )
        brs = float(row["br_ee"]) + float(row["br_mumu"]) + float(row["br_had"])
        assert brs == pytest.approx(1.0, abs=3e-6)  # 6 significant digits each
    # 10 MeV: only e+e-; c tau eps^2 = hbar c / (alpha M / 3) = 8.1126e-12 m
    assert float(rows[0]["br_ee"]) == 1.0
    assert float(rows[0]["ctau_eps2_m"]) == pytest.approx(8.1126e-12, rel=1e-4)


def test_mass_range_is_inclusive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["widths", "--mass-range", "0.1", "0.3", "0.1"]) == 0
    rows = _rows(capsys.readouterr().out)
    np.testing.assert_allclose([float(r["mass_GeV"]) for r in rows], [0.1, 0.2, 0.3])


def test_table_format_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plot = tmp_path / "brs.png"
    status = main(
        ["widths", "--mass-range", "0.05", "1.0", "0.05", "--format", "table", "--plot", str(plot)]
    )
    assert status == 0
    out = capsys.readouterr().out
    for column in COLUMNS:
        assert column in out
    assert "0.75" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("argv", "bad"),
    [
        (["--masses", "-0.3"], "-0.3"),
        (["--masses", "0"], "'0'"),
        (["--masses", "0.3,abc"], "abc"),
        (["--masses", "0.3,,0.5"], "0.3,,0.5"),
        (["--mass-range", "0.1", "0.5"], "--mass-range"),
        (["--mass-range", "0.1", "0.5", "0"], "'0'"),
        (["--mass-range", "0.1", "0.5", "x"], "'x'"),
    ],
)
def test_bad_values_exit_2_with_one_line(
    argv: list[str], bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["widths", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert bad in err


@pytest.mark.parametrize(
    ("argv", "bad"),
    [
        (["--mass-range", "0.5", "0.1", "0.1"], "STOP 0.1 GeV is below START 0.5 GeV"),
        (["--masses", "5"], "--masses 5: allowed"),
        (["--masses", "0.0001"], "--masses 0.0001: allowed"),
    ],
)
def test_out_of_range_values_return_2_with_one_line(
    argv: list[str], bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["widths", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert bad in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--masses", "-0.3"],
        ["--masses", "abc"],
        ["--mass-range", "0.5", "0.1", "0.1"],
        ["--masses", "7"],
    ],
)
def test_bad_values_via_subprocess_no_traceback(argv: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "darkdump", "widths", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("darkdump widths: error:")
    assert proc.stdout == ""


def test_help_states_units(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["widths", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--masses", "--mass-range", "--format", "--plot"):
        assert option in text
    assert text.count("GeV") >= 3
    assert "[m]" in text or " m " in text

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from darkdump import __version__
from darkdump.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no-such-command" in err


def test_python_m_darkdump_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "darkdump", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "usage: darkdump" in proc.stdout


def test_bare_darkdump_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: darkdump" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["widths", "--masses", "0.3", "--plot", "x.xyz"],
        ["widths", "--masses", "0.3", "--plot", "folder/"],
        ["reproduce", "na62-2021", "--out", ""],
        ["yields", "na62-2021", "--out", " "],
        [
            "yields",
            "na62-2021",
            "--out",
            "y",
            "--masses",
            "0.3",
            "--mass-range",
            "0.1",
            "0.2",
            "0.1",
        ],
    ],
)
def test_bad_paths_and_conflicting_options_are_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code  # type: ignore[assignment]
    assert status == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_unreachable_scheduler_is_one_line_exit_1_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: distributed waited 30 s then printed a traceback. Port 9 (discard) is closed.
    import time

    start = time.perf_counter()
    status = main(
        [
            "reproduce",
            "na62-2021",
            "--quick",
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ]
    )
    assert status == 1
    assert time.perf_counter() - start < 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no Dask scheduler answers" in err[0]
    assert not (tmp_path / "o").exists()
    assert (
        main(["reproduce", "na62-2021", "--scheduler", "nonsense", "--out", str(tmp_path / "p")])
        == 2
    )


def test_an_ascii_only_stream_gets_replacement_characters_not_a_traceback() -> None:
    # Issue 14: PYTHONIOENCODING=ascii ended `background published` in UnicodeEncodeError.
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "darkdump", "background", "published"],
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        capture_output=True,
        text=True,
        encoding="ascii",
        errors="replace",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert "Traceback" not in proc.stderr
    assert "0.016 ? 0.002" in proc.stdout  # the "±" of the table, replaced


def test_a_full_disk_is_one_line_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: OSError 28 while writing the results ended in a traceback. Every result
    # file goes through the atomic writer; make the disk full there.
    import errno

    def full(path: object, data: bytes, **_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("darkdump.results.io.atomic_write_bytes", full)
    status = main(
        [
            "sensitivity",
            "na62-1e18",
            "--quick",
            "--quiet",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert status == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "No space left on device" in err[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["widths", "--masses", "0.3", "--plot", "{tmp}"], "give a file name ending in .png"),
        (["widths", "--masses", "0.3", "--mass-range", "0.1", "0.5", "0.1"], "not allowed with"),
        (
            ["background", "combinatorial", "--tracks", "{tmp}/empty.parquet", "--out", "{tmp}/o"],
            "no tracks",
        ),
    ],
)
def test_lesser_defects_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    # Issue 14, point 9: --plot DIR wrote DIR.png, --masses was ignored beside --mass-range,
    # an empty control sample gave a table of zeros with exit status 0.
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from darkdump.background.control_sample import INTEGER_COLUMNS, REQUIRED_COLUMNS

    columns = {
        n: np.zeros(0, dtype=np.int64) if n in INTEGER_COLUMNS else np.zeros(0)
        for n in REQUIRED_COLUMNS
    }
    pq.write_table(pa.table(columns), tmp_path / "empty.parquet")
    words = [w.replace("{tmp}", str(tmp_path)) for w in argv]
    try:
        status = main(words)
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["sensitivity", "na62-1e18", "--workers", "2"],
        ["reproduce", "na62-2021", "--quick", "--workers", "2"],
    ],
    ids=["sensitivity-process-pool", "reproduce-dask"],
)
def test_ctrl_c_stops_a_parallel_run_at_once_with_one_line(
    command: list[str], tmp_path: Path
) -> None:
    # Ctrl-C in a terminal sends SIGINT to the whole process group, workers included.
    # The run must stop within seconds (it used to hang on its dying workers), print
    # one line and exit 130.
    import os
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "darkdump", *command, "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(4.0)  # the workers are up and busy
    if proc.poll() is not None:
        _out, err = proc.communicate()
        assert proc.returncode == 0, err  # an early failure is a failure, not a skip
        pytest.skip("the run finished before the interrupt")
    os.killpg(proc.pid, signal.SIGINT)
    start = time.monotonic()
    try:
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - start < 15
    assert proc.returncode == 130
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "interrupted" in lines[0]

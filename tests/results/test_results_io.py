from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from darkdump.results.hepdata import write_hepdata_submission
from darkdump.results.io import atomic_write_text, write_csv, write_json
from darkdump.results.parallel import run_tasks
from darkdump.results.report import Figure, Report, Section, Table


def test_atomic_write_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_csv_and_json_round_trip(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "l.csv", ["mass_GeV", "kind"], [(0.3, "observed")])
    assert path.read_text() == "mass_GeV,kind\n0.3,observed\n"
    import numpy as np

    write_json(tmp_path / "p.json", {"seed": np.int64(3), "x": np.arange(2)})
    assert json.loads((tmp_path / "p.json").read_text()) == {"seed": 3, "x": [0, 1]}


# hepdata-validator leaves its YAML files open (a ResourceWarning at garbage collection).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_hepdata_submission_is_valid_with_one_row_per_interval(tmp_path: Path) -> None:
    from hepdata_validator.full_submission_validator import FullSubmissionValidator

    rows = [
        (0.3, "observed", 1e-7, 1e-6),
        (0.3, "observed", 2e-6, 1e-5),  # a second interval at the same mass
        (0.3, "expected", 2e-7, 9e-6),
        (0.4, "observed", 3e-7, 8e-6),
    ]
    files = write_hepdata_submission(tmp_path / "hepdata", {"mumu": (rows, "test limits")})
    names = sorted(p.name for p in files)
    assert names == ["mumu_expected.yaml", "mumu_observed.yaml", "submission.yaml"]
    validator = FullSubmissionValidator()
    assert validator.validate(directory=str(tmp_path / "hepdata")), validator.get_messages()
    table = yaml.safe_load((tmp_path / "hepdata" / "mumu_observed.yaml").read_text())
    masses = [v["value"] for v in table["independent_variables"][0]["values"]]
    assert masses == [0.3, 0.3, 0.4]  # numbers, one row per interval
    assert table["independent_variables"][0]["header"]["units"] == "GeV"
    lower = [v["value"] for v in table["dependent_variables"][0]["values"]]
    assert lower == [1e-7, 2e-6, 3e-7]
    # Rewriting replaces the folder as a whole.
    write_hepdata_submission(tmp_path / "hepdata", {"ee": (rows[:1], "other")})
    assert sorted(p.name for p in (tmp_path / "hepdata").iterdir()) == [
        "ee_observed.yaml",
        "submission.yaml",
    ]


def test_report_escapes_text_and_embeds_figures(tmp_path: Path) -> None:
    import base64

    png = b"\x89PNG\r\n\x1a\n fake"
    (tmp_path / "f.png").write_bytes(png)
    report = Report(
        "t",
        [
            Section(
                "s <1>",
                ["a & b"],
                [Table(["x"], [["<y>"]])],
                [Figure("f.png", "c"), Figure("missing.png", "not drawn")],
            )
        ],
    )
    text = report.write(tmp_path / "r.html").read_text()
    assert "s &lt;1&gt;" in text
    assert "a &amp; b" in text
    # Embedded, so the report stands alone; a figure that was not drawn is left out.
    assert f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}"' in text
    assert "missing.png" not in text
    assert '<img src="f.png"' not in text


def test_run_tasks_serial_order_and_callback() -> None:
    seen: list[int] = []
    out = run_tasks(lambda x: x * x, [3, 1, 2], on_done=lambda i, r: seen.append(i))
    assert out == [9, 1, 4]
    assert seen == [0, 1, 2]


@pytest.mark.parametrize("bad", [object()])
def test_json_rejects_unknown_objects(tmp_path: Path, bad: object) -> None:
    with pytest.raises(TypeError):
        write_json(tmp_path / "x.json", {"bad": bad})


def test_written_files_follow_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "report.html", "<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_output_folder_lock_stops_a_second_run(tmp_path: Path) -> None:
    import os

    from darkdump.errors import DarkdumpInputError
    from darkdump.results.io import output_lock

    with output_lock(tmp_path / "out") as lock:
        assert lock.read_text() == str(os.getpid())
        with (
            pytest.raises(DarkdumpInputError, match=r"in use by another darkdump run \(pid \d+\)"),
            output_lock(tmp_path / "out"),
        ):
            pass
        assert lock.read_text() == str(os.getpid())  # the refused run leaves it alone
    assert lock.read_text() == ""  # no stale process id after the run
    # Released: the next run gets it.
    with output_lock(tmp_path / "out"):
        pass


def test_hepdata_submission_accepts_a_relative_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `darkdump reproduce --out DIR` with a relative DIR: the writer works in a temporary
    # folder beside the target and must not resolve paths against it.
    monkeypatch.chdir(tmp_path)
    files = write_hepdata_submission(
        Path("out") / "hepdata", {"mumu": ([(0.3, "observed", 1e-7, 1e-6)], "test limits")}
    )
    assert sorted(files) == [
        Path("out/hepdata/mumu_observed.yaml"),
        Path("out/hepdata/submission.yaml"),
    ]
    assert (tmp_path / "out" / "hepdata" / "submission.yaml").is_file()
    assert Path.cwd() == tmp_path


def test_files_written_through_a_path_get_the_usual_permissions(tmp_path: Path) -> None:
    # mkstemp makes owner-only (0600) files; every output, HDF5 and CSV included, must
    # be readable by the group and others as the umask allows (0644 under umask 022).
    import os

    from darkdump.results.io import atomic_write_file

    old = os.umask(0o022)
    try:
        path = atomic_write_file(tmp_path / "a" / "x.h5", lambda tmp: tmp.write_bytes(b"1"))
    finally:
        os.umask(old)
    assert path.read_bytes() == b"1"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["x.h5"]  # no temporary left

    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        atomic_write_file(path, fail)
    assert path.read_bytes() == b"1"  # the old file stands
    assert [p.name for p in path.parent.iterdir()] == ["x.h5"]

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uproot
from hepunits import GeV, m, ns

from darkdump.background.control_sample import (
    PID_MUON,
    REQUIRED_COLUMNS,
    SingleTrackSample,
    read_control_sample,
    write_control_sample,
)
from darkdump.errors import DarkdumpInputError


def _columns(n: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "event_id": np.arange(n, dtype=np.int64),
        "burst_id": np.zeros(n, dtype=np.int64),
        "time_ns": np.sort(rng.uniform(0, 1e6, n)),
        "charge": np.array([1, -1, 1, 1, -1][:n], dtype=np.int8),
        "pid": np.full(n, 13, dtype=np.int32),
        "px_GeV": rng.normal(0, 0.05, n),
        "py_GeV": rng.normal(0, 0.05, n),
        "pz_GeV": rng.uniform(10, 80, n),
        "x_m": rng.normal(0, 0.4, n),
        "y_m": rng.normal(0, 0.4, n),
        "z_m": np.full(n, 180.0),
    }


def test_pid_codes_come_from_particle() -> None:
    assert PID_MUON == 13


def test_units_are_converted() -> None:
    s = SingleTrackSample.from_columns(_columns())
    cols = _columns()
    assert s.momentum[0, 2] == pytest.approx(cols["pz_GeV"][0] * GeV)
    assert s.position[0, 0] == pytest.approx(cols["x_m"][0] * m)
    assert s.time[1] == pytest.approx(cols["time_ns"][1] * ns)
    assert np.all(s.weight == 1.0)


@pytest.mark.parametrize("suffix", [".parquet", ".root"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    s = SingleTrackSample.from_columns(_columns())
    out = write_control_sample(s, tmp_path / f"tracks{suffix}")
    back = read_control_sample(out)
    np.testing.assert_allclose(back.momentum, s.momentum)
    np.testing.assert_allclose(back.position, s.position)
    np.testing.assert_array_equal(back.charge, s.charge)


def test_root_tree_written_by_uproot_directly(tmp_path: Path) -> None:
    # A file made by a user with plain uproot (not our writer), tree named "singles".
    path = tmp_path / "user.root"
    cols = _columns()
    with uproot.recreate(path) as f:
        tree = f.mktree("singles", {k: v.dtype for k, v in cols.items()})
        tree.extend(cols)
    assert uproot.open(path).classnames() == {"singles;1": "TTree"}
    s = read_control_sample(path)
    assert len(s) == 5
    with pytest.raises(DarkdumpInputError, match="no TTree 'tracks'"):
        read_control_sample(path, tree="tracks")


@pytest.mark.parametrize("missing", REQUIRED_COLUMNS)
def test_missing_column_is_named(tmp_path: Path, missing: str) -> None:
    cols = _columns()
    del cols[missing]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(cols), path)
    with pytest.raises(DarkdumpInputError, match=f"missing column '{missing}'") as info:
        read_control_sample(path)
    assert "\n" not in str(info.value)


def test_wrong_type_nan_null_and_charge(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    cols: dict[str, object] = dict(_columns())
    cols["time_ns"] = ["a", "b", "c", "d", "e"]
    pq.write_table(pa.table(cols), path)
    with pytest.raises(DarkdumpInputError, match="column 'time_ns' has type object"):
        read_control_sample(path)

    cols = dict(_columns())
    cols["charge"] = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    pq.write_table(pa.table(cols), path)
    with pytest.raises(DarkdumpInputError, match="column 'charge' has type float64"):
        read_control_sample(path)

    cols = dict(_columns())
    cols["y_m"][3] = np.nan
    pq.write_table(pa.table(cols), path)
    with pytest.raises(DarkdumpInputError, match=r"column 'y_m' has a NaN .* at row 3"):
        read_control_sample(path)

    cols = dict(_columns())
    cols["pz_GeV"] = pa.array([1.0, None, 2.0, 3.0, 4.0])
    pq.write_table(pa.table(cols), path)
    with pytest.raises(DarkdumpInputError, match="column 'pz_GeV' has 1 null"):
        read_control_sample(path)

    cols = dict(_columns())
    cols["charge"][2] = 0
    pq.write_table(pa.table(cols), path)
    with pytest.raises(DarkdumpInputError, match="'charge' is 0 at row 2"):
        read_control_sample(path)


def test_rntuple_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "rn.root"
    with uproot.recreate(path) as f:
        f["tracks"] = _columns()  # uproot 5.7 writes an RNTuple here
    assert len(read_control_sample(path)) == 5


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(DarkdumpInputError, match="no such file"):
        read_control_sample(tmp_path / "nope.parquet")
    txt = tmp_path / "t.csv"
    txt.write_text("a,b\n")
    with pytest.raises(DarkdumpInputError, match=r"unknown suffix '\.csv'"):
        read_control_sample(txt)
    fake = tmp_path / "t.parquet"
    fake.write_text("not parquet")
    with pytest.raises(DarkdumpInputError, match="not readable as Parquet"):
        read_control_sample(fake)


@pytest.mark.parametrize("weight", [-1.0, 1e300])
def test_negative_or_huge_weights_are_rejected(weight: float) -> None:
    from darkdump.background.control_sample import SingleTrackSample
    from darkdump.errors import DarkdumpInputError

    n = 3
    columns = {
        "event_id": np.arange(n),
        "burst_id": np.zeros(n, dtype=np.int64),
        "time_ns": np.zeros(n),
        "charge": np.array([1, -1, 1]),
        "pid": np.full(n, 13),
        "px_GeV": np.zeros(n),
        "py_GeV": np.zeros(n),
        "pz_GeV": np.full(n, 50.0),
        "x_m": np.zeros(n),
        "y_m": np.zeros(n),
        "z_m": np.full(n, 180.0),
        "weight": np.array([1.0, weight, 1.0]),
    }
    with pytest.raises(DarkdumpInputError, match="column 'weight'"):
        SingleTrackSample.from_columns(columns, source="test")


def test_truncated_root_sample_is_one_line(tmp_path: Path) -> None:
    # Issue 14: a truncated ROOT file raised a multi-line OSError from uproot.
    from darkdump.analyses.na62_2021.halo import generate_halo_tracks
    from darkdump.experiments import load

    tracks = generate_halo_tracks(200, np.random.default_rng(1), experiment=load("na62-2021"))
    full = tmp_path / "sample.root"
    write_control_sample(tracks, full)
    data = full.read_bytes()
    cut = tmp_path / "cut.root"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DarkdumpInputError, match="truncated or corrupted") as info:
        read_control_sample(cut)
    assert "\n" not in str(info.value)

"""The task cache: no pickle, entries verified against their identity and checksum."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from darkdump.results.cache import TaskCache, decode, encode
from darkdump.stats.contours import Contour
from darkdump.yields.grid import MassResult


def _mass_result(mass: float) -> MassResult:
    return MassResult(
        mass=mass,
        values={("ee", "brems"): {"n_exp": np.arange(3.0) * mass}},
        production_rate={"brems": 1e-2},
        branching_ratio={"ee": 0.5},
        n_simulated={("ee", "brems"): 100},
        n_selected={("ee", "brems"): 7},
    )


def test_round_trip_is_exact(tmp_path: Path) -> None:
    cache = TaskCache(tmp_path, "run1", "0.1.0")
    value = (
        _mass_result(300.0),
        {"x": [1, 2.5, None, "s", (3, 4.0)]},
        Contour(np.array([1.0, 2.0]), [[(1e-7, 1e-6)], []], [np.ones((3, 2))]),
        float("inf"),
    )
    cache.put("yields", "m300", value)
    back = cache.get("yields", "m300")
    assert back[0].values[("ee", "brems")]["n_exp"].tolist() == [0.0, 300.0, 600.0]
    assert back[0].n_selected == {("ee", "brems"): 7}
    assert back[1] == {"x": [1, 2.5, None, "s", (3, 4.0)]}
    assert back[2].intervals == [[(1e-7, 1e-6)], []]
    assert back[3] == float("inf")


def test_a_swapped_entry_is_recomputed_not_used(tmp_path: Path) -> None:
    notes: list[str] = []
    cache = TaskCache(tmp_path, "run1", "0.1.0", note=notes.append)
    cache.put("yields", "m300", _mass_result(300.0))
    shutil.copy(cache.path("yields", "m300"), cache.path("yields", "m400"))
    assert cache.get("yields", "m400") is None
    assert "computed for another task or run" in notes[-1]
    other_run = TaskCache(tmp_path, "run2", "0.1.0", note=notes.append)
    assert other_run.get("yields", "m300") is None


def test_a_tampered_entry_fails_its_checksum(tmp_path: Path) -> None:
    notes: list[str] = []
    cache = TaskCache(tmp_path, "run1", "0.1.0", note=notes.append)
    cache.put("yields", "m300", _mass_result(300.0))
    path = cache.path("yields", "m300")
    with np.load(path) as data:
        content = {k: np.array(data[k]) for k in data.files}
    content["a0"] = content["a0"] * 2.0  # change a number, keep the structure
    np.savez(path, **content)
    assert cache.get("yields", "m300") is None
    assert "checksum" in notes[-1]


@pytest.mark.parametrize("garbage", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_garbage_and_directories_are_recomputed(tmp_path: Path, garbage: bytes) -> None:
    notes: list[str] = []
    cache = TaskCache(tmp_path, "run1", "0.1.0", note=notes.append)
    path = cache.path("stats", "ee")
    path.parent.mkdir(parents=True)
    path.write_bytes(garbage)
    assert cache.get("stats", "ee") is None
    path.unlink()
    path.mkdir()
    assert cache.get("stats", "ee") is None
    assert len(notes) == 2


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path("/").joinpath, ("planted",))  # would run on unpickling


def test_a_planted_pickle_never_runs(tmp_path: Path) -> None:
    notes: list[str] = []
    cache = TaskCache(tmp_path, "run1", "0.1.0", note=notes.append)
    path = cache.path("yields", "m300")
    path.parent.mkdir(parents=True)
    # An object array inside an npz needs pickle to load: refused (allow_pickle=False).
    np.savez(path, __meta__=np.array([_Boom()], dtype=object))
    assert cache.get("yields", "m300") is None
    (path.parent / "m300.pkl").write_bytes(pickle.dumps(_Boom()))  # old format: never read
    assert cache.get("yields", "m300") is None


def test_only_allowed_types_are_stored_or_rebuilt() -> None:
    arrays: list[np.ndarray] = []
    with pytest.raises(TypeError, match="cannot store"):
        encode(object(), arrays)
    with pytest.raises(ValueError, match="not allowed"):
        decode({"dataclass": "os:system", "fields": {}}, arrays)

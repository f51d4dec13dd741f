"""A task cache that cannot run code or be fooled: arrays in ``.npz``, structure in JSON.

Every finished task of a reproduction is one file ``ROOT/<kind>/<key>.npz`` holding

* ``__meta__``: JSON (as bytes) with the entry's identity (``kind``, ``key``, the run's
  cache key and the darkdump version), the encoded structure of the result, and a SHA-256
  checksum of everything else in the file;
* ``a0``, ``a1``, ...: the numpy arrays of the result (numeric dtypes only).

Files are read with ``allow_pickle=False``. An entry is used only if it decodes, its
identity is the one asked for (a file copied from another mass, analysis or run is not)
and its checksum verifies; anything else is recomputed, with a one-line note. Only the
dataclasses listed in :data:`ALLOWED` are rebuilt, field by field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from darkdump.results.io import atomic_write_bytes

__all__ = ["ALLOWED", "TaskCache", "decode", "encode"]


def _allowed() -> dict[str, type]:
    from darkdump.stats.contours import Contour
    from darkdump.stats.scan import ScanResult
    from darkdump.yields.grid import MassResult

    return {f"{c.__module__}:{c.__qualname__}": c for c in (MassResult, ScanResult, Contour)}


#: Dataclasses that may be rebuilt from a cache file (module:qualname -> class).
ALLOWED: Callable[[], dict[str, type]] = _allowed


def encode(value: Any, arrays: list[np.ndarray]) -> Any:
    """JSON-able structure of ``value``; arrays are appended to ``arrays`` and referenced."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return {"int": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"float": repr(float(value))}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"cache: array of dtype {value.dtype} is not stored")
        arrays.append(np.ascontiguousarray(value))
        return {"array": len(arrays) - 1}
    if isinstance(value, (list, tuple)):
        return {"list" if isinstance(value, list) else "tuple": [encode(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[encode(k, arrays), encode(v, arrays)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = f"{type(value).__module__}:{type(value).__qualname__}"
        if name not in ALLOWED():
            raise TypeError(f"cache: {name} is not an allowed type")
        fields = {
            f.name: encode(getattr(value, f.name), arrays)
            for f in dataclasses.fields(value)
            if f.init
        }
        return {"dataclass": name, "fields": fields}
    raise TypeError(f"cache: cannot store a {type(value).__name__}")


def decode(node: Any, arrays: list[np.ndarray]) -> Any:
    """Inverse of :func:`encode`; raises ``ValueError`` on anything unexpected."""
    if node is None or isinstance(node, (bool, str)):
        return node
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError("cache: malformed entry")
    if "int" in node:
        return int(node["int"])
    if "float" in node:
        return float(node["float"])
    if "array" in node:
        return arrays[int(node["array"])]
    if "list" in node:
        return [decode(v, arrays) for v in node["list"]]
    if "tuple" in node:
        return tuple(decode(v, arrays) for v in node["tuple"])
    if "dict" in node:
        return {_hashable(decode(k, arrays)): decode(v, arrays) for k, v in node["dict"]}
    if "dataclass" in node:
        cls = ALLOWED().get(str(node["dataclass"]))
        if cls is None:
            raise ValueError(f"cache: type {node['dataclass']!r} is not allowed")
        fields = {k: decode(v, arrays) for k, v in dict(node["fields"]).items()}
        return cls(**fields)
    raise ValueError("cache: malformed entry")


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _digest(structure: bytes, arrays: list[np.ndarray]) -> str:
    h = hashlib.sha256(structure)
    for a in arrays:
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


class TaskCache:
    """Finished task results of one run configuration (``run_key``), verified on load.

    Parameters
    ----------
    root
        Folder of this configuration's entries.
    run_key
        The run's cache key (configuration, experiment file, seed, and the code and
        library identity of :func:`darkdump.results.provenance.run_identity`).
    version
        darkdump version, stored and checked with every entry.
    note
        Where the one-line notes about rejected entries go.
    """

    def __init__(
        self, root: Path, run_key: str, version: str, note: Callable[[str], None] | None = None
    ) -> None:
        self.root = root
        self.run_key = run_key
        self.version = version
        self.note = note or (lambda _msg: None)

    def path(self, kind: str, key: str) -> Path:
        """File of one entry."""
        return self.root / kind / f"{key}.npz"

    def _identity(self, kind: str, key: str) -> dict[str, str]:
        return {"kind": kind, "key": key, "run": self.run_key, "version": self.version}

    def get(self, kind: str, key: str) -> Any | None:
        """Return the cached result, or None (absent, unreadable, foreign or corrupted)."""
        path = self.path(kind, key)
        if not path.exists():
            return None
        try:
            if not path.is_file():
                raise ValueError("not a regular file")
            raw = path.read_bytes()  # closed at once, whatever np.load makes of it
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                meta = json.loads(bytes(data["__meta__"]).decode("utf-8"))
                n = int(meta["n_arrays"])
                arrays = [np.array(data[f"a{i}"]) for i in range(n)]
            if meta["identity"] != self._identity(kind, key):
                raise ValueError("computed for another task or run")
            structure = json.dumps(meta["value"], sort_keys=True).encode()
            if meta["sha256"] != _digest(structure, arrays):
                raise ValueError("checksum mismatch")
            return decode(meta["value"], arrays)
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            self.note(f"cache entry {kind}/{key} ignored and recomputed: {exc}")
            return None
        except Exception as exc:  # a corrupted zip raises zipfile/numpy-specific errors
            self.note(f"cache entry {kind}/{key} ignored and recomputed: {type(exc).__name__}")
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store a result atomically (no fsync: a file is complete or absent)."""
        arrays: list[np.ndarray] = []
        structure_obj = encode(value, arrays)
        structure = json.dumps(structure_obj, sort_keys=True).encode()
        meta = {
            "identity": self._identity(kind, key),
            "n_arrays": len(arrays),
            "value": structure_obj,
            "sha256": _digest(structure, arrays),
        }
        buffer = io.BytesIO()
        np.savez(
            buffer,
            __meta__=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            **{f"a{i}": a for i, a in enumerate(arrays)},  # type: ignore[arg-type]
        )
        atomic_write_bytes(self.path(kind, key), buffer.getvalue(), durable=False)

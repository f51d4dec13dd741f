"""What a run used: versions, configuration, seeds and timings, for ``provenance.json``."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from darkdump import __version__
from darkdump.results.io import to_jsonable

__all__ = ["Timings", "cache_key", "versions"]

_PACKAGES = (
    "numpy",
    "scipy",
    "particle",
    "hepunits",
    "pythia8mc",
    "iminuit",
    "pydantic",
    "dask",
    "distributed",
    "matplotlib",
    "mplhep",
    "h5py",
    "pyarrow",
)


def versions() -> dict[str, str]:
    """Versions of Python, darkdump and the libraries that shape its numbers."""
    found = {"python": platform.python_version(), "darkdump": __version__}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    found["platform"] = f"{platform.system()} {platform.machine()}"
    found["executable"] = sys.executable
    return found


def cache_key(*parts: Any) -> str:
    """Stable hex digest of JSON-serialisable parts (config, seed, code version ...).

    >>> cache_key({"a": 1}, 42) == cache_key({"a": 1}, 42)
    True
    >>> cache_key({"a": 1}, 42) == cache_key({"a": 1}, 43)
    False
    """
    text = json.dumps(to_jsonable(list(parts)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Timings:
    """Wall-clock time per named step [s]."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the enclosed block and add it under ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def as_dict(self) -> Mapping[str, float]:
        """Return the timings rounded to milliseconds."""
        return {k: round(v, 3) for k, v in self.seconds.items()}

"""What a run used: versions, configuration, seeds and timings, for ``provenance.json``."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from darkdump import __version__
from darkdump.results.io import to_jsonable

__all__ = ["Timings", "cache_key", "code_fingerprint", "run_identity", "versions"]

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


def code_fingerprint(root: Path | None = None) -> str:
    """SHA-256 (16 hex digits) of darkdump's own files: code and shipped data.

    The package version alone does not identify the code that made a result (an
    editable install changes under one version). Every file of the package folder
    (``root``, default the installed ``darkdump``) of the kinds darkdump ships
    (:data:`_SHIPPED_SUFFIXES`: code and data, not bytecode, editor files or dotfiles)
    counts, by relative path and content; about 1.5 MB, a few milliseconds.

    >>> len(code_fingerprint()) == 16 and code_fingerprint() == code_fingerprint()
    True
    """
    if root is None:
        return _installed_fingerprint()
    digest = hashlib.sha256()
    files = sorted(
        path
        for path in Path(root).rglob("*")
        if path.is_file()
        and path.suffix in _SHIPPED_SUFFIXES
        and not any(part.startswith(".") or part == "__pycache__" for part in path.parts)
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def _installed_fingerprint() -> str:
    import darkdump

    return code_fingerprint(Path(darkdump.__file__).parent)


def run_identity() -> dict[str, str]:
    """Return what besides the configuration decides a run's numbers.

    That is darkdump's version and code fingerprint, and the versions of Python and of
    the libraries that compute (:data:`_NUMERIC_PACKAGES`; plotting, file and
    scheduling libraries do not change a cached number).

    A cached result is reused only under the same identity (``darkdump reproduce``
    folds it into its cache key), so changed code or an upgraded library recomputes.
    """
    found = versions()
    keep = {"python", "darkdump", "darkdump_code", *_NUMERIC_PACKAGES}
    return {name: value for name, value in found.items() if name in keep}


#: File kinds of the darkdump package that make its results (code and shipped data).
_SHIPPED_SUFFIXES = frozenset({".py", ".toml", ".json", ".csv", ".npz", ".md"})

#: Libraries whose version can change a computed number (the cache key holds them).
_NUMERIC_PACKAGES = ("numpy", "scipy", "particle", "hepunits", "pythia8mc", "iminuit")


def versions() -> dict[str, str]:
    """Versions of Python, darkdump (with its code fingerprint) and the numbers' libraries."""
    found = {
        "python": platform.python_version(),
        "darkdump": __version__,
        "darkdump_code": code_fingerprint(),
    }
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

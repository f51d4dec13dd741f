"""Atomic file writing and small text formats (CSV, JSON)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "atomic_write_bytes",
    "atomic_write_file",
    "atomic_write_text",
    "check_output_file",
    "current_umask",
    "output_lock",
    "prepare_output_folder",
    "to_jsonable",
    "write_csv",
    "write_json",
]


@contextlib.contextmanager
def output_lock(folder: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on an output folder for the duration of a run.

    A second run into the same folder stops at once with a one-line
    :class:`~darkdump.errors.DarkdumpInputError` naming the folder and the other run's
    process id, so results and provenance always come from one run. The lock is an
    advisory ``flock`` on ``DIR/.lock`` and is released when the process ends, even if
    it is killed. The file holds the running process id and is left empty after the run.
    """
    import fcntl

    from darkdump.errors import DarkdumpInputError

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".lock"
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "unknown"
            raise DarkdumpInputError(
                f"--out {str(folder)!r} is in use by another darkdump run (pid {other}); "
                "wait for it to finish or choose another folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield path
        finally:
            # The file stays (removing it would race with a waiting run); a finished
            # run leaves it empty, so no stale process id is read from it.
            handle.seek(0)
            handle.truncate()
    finally:
        handle.close()


def prepare_output_folder(
    folder: str | Path, subfolders: Sequence[str] = (), *, option: str = "--out"
) -> Path:
    """Make an output folder (and ``subfolders``) and check it is writable, before any work.

    A path that exists and is not a folder, or a folder that cannot be written, is a
    one-line :class:`~darkdump.errors.DarkdumpInputError` naming ``option``, not an
    ``OSError`` after the computation.
    """
    from darkdump.errors import DarkdumpInputError

    folder = Path(folder)
    for sub in ("", *subfolders):
        path = folder / sub
        if path.exists() and not path.is_dir():
            raise DarkdumpInputError(f"{option} {str(path)!r}: exists and is not a folder")
    _probe(folder, [folder / sub for sub in ("", *subfolders)], f"{option} {str(folder)!r}")
    return folder


def _probe(folder: Path, make: Sequence[Path], where: str) -> None:
    """Make the folders ``make`` and write and remove a file of its own in ``folder``.

    Its own name (``mkstemp``): two runs into one folder cannot remove each other's probe.
    An ``OSError`` becomes a one-line input error naming ``where``.
    """
    from darkdump.errors import DarkdumpInputError

    try:
        for sub in make:
            sub.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", suffix=".tmp", dir=folder)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        raise DarkdumpInputError(f"{where}: cannot write there ({exc.strerror or exc})") from None


def check_output_file(path: str | Path, *, option: str) -> Path:
    """Check, before any work, that the file ``path`` can be written (its folder made).

    >>> check_output_file("/proc/x.png", option="--plot")
    Traceback (most recent call last):
    ...
    darkdump.errors.DarkdumpInputError: --plot '/proc/x.png': cannot write there (...)
    """
    from darkdump.errors import DarkdumpInputError

    path = Path(path)
    if path.is_dir():
        raise DarkdumpInputError(f"{option} {str(path)!r}: is a folder, give a file name")
    _probe(path.parent, [path.parent], f"{option} {str(path)!r}")
    return path


def current_umask() -> int:
    """Return the process umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_file(
    path: str | Path, write: Callable[[Path], object], *, durable: bool = True
) -> Path:
    """Write ``path`` atomically through ``write(tmp)``, a writer that takes a file path.

    For libraries that open the file themselves (HDF5, ``np.savez``): ``write`` fills a
    temporary file beside ``path``, which then replaces it; on any error the temporary
    file is removed and ``path`` is untouched. The file gets the usual ``0666 & ~umask``
    permissions (``mkstemp`` alone makes it owner-only). ``durable`` also flushes it to
    disk before the rename (survives a power cut); caches whose readers tolerate a bad
    file can skip that cost.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        try:
            os.fchmod(fd, 0o666 & ~current_umask())
        finally:
            os.close(fd)
        write(tmp)
        if durable:
            with tmp.open("rb+") as handle:
                os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_write_file`). Return the path."""
    return atomic_write_file(path, lambda tmp: tmp.write_bytes(data), durable=durable)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically. Return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, paths and tuples to plain JSON types."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented, key-sorted JSON, atomically.

    Strict JSON: a NaN or an infinity raises ``ValueError`` instead of being written as
    the non-standard ``NaN`` / ``Infinity`` that other readers reject.
    """
    text = json.dumps(to_jsonable(data), indent=2, sort_keys=True, allow_nan=False)
    return atomic_write_text(path, text + "\n")


def format_float(value: float) -> str:
    """Format a float for CSV: 7 significant digits, stable across platforms.

    >>> format_float(1.23456789e-6)
    '1.234568e-06'
    >>> format_float(0.3)
    '0.3'
    """
    return f"{float(value):.7g}"


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write rows as CSV (floats with 7 significant digits), atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [format_float(float(v)) if isinstance(v, (float, np.floating)) else v for v in row]
        )
    return atomic_write_text(path, buffer.getvalue())

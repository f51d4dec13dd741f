"""Experiment descriptions as data: TOML files validated by :mod:`.schema`.

>>> from darkdump.experiments import load
>>> load("na62-2021").beam.energy_GeV
400.0
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import Experiment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = ["Experiment", "available", "load", "load_raw"]


def available() -> list[str]:
    """Names of the experiments shipped with darkdump (``na62-2021``, ...)."""
    files = resources.files(__name__)
    return sorted(
        p.name.removesuffix(".toml").replace("_", "-")
        for p in files.iterdir()
        if p.name.endswith(".toml")
    )


def load_raw(name_or_path: str | Path) -> dict[str, Any]:
    """Read an experiment TOML (shipped name such as ``na62-2021``, or a file path)."""
    path = Path(name_or_path)
    try:
        if path.suffix == ".toml" or path.is_file():
            text = path.read_text(encoding="utf-8")
        else:
            stem = str(name_or_path).replace("-", "_")
            resource = resources.files(__name__).joinpath(f"{stem}.toml")
            if not resource.is_file():
                raise DarkdumpInputError(
                    f"experiment {str(name_or_path)!r} not found; shipped: {', '.join(available())}, "
                    "or give the path of a .toml file"
                )
            text = resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise DarkdumpInputError(f"experiment file {str(path)!r}: {exc.strerror}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise DarkdumpInputError(f"experiment {str(name_or_path)!r}: invalid TOML: {exc}") from None


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line naming the first bad key and what is allowed."""
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"]) or "<top level>"
    extra = f" ({len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"experiment {source!r}: key {key!r}: {err['msg']}{extra}"


def load(name_or_path: str | Path) -> Experiment:
    """Load and validate an experiment description.

    Raises
    ------
    DarkdumpInputError
        One line naming the missing or bad key and what is allowed.
    """
    raw = load_raw(name_or_path)
    try:
        return Experiment.model_validate(raw)
    except ValidationError as exc:
        raise DarkdumpInputError(format_validation_error(str(name_or_path), exc)) from None

"""Experiment descriptions as data: TOML files validated by :mod:`.schema`.

>>> from darkdump.experiments import load
>>> load("na62-2021").beam.energy_GeV
400.0
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from darkdump.errors import DarkdumpInputError
from darkdump.experiments.schema import Experiment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = ["Experiment", "available", "load", "load_raw", "parse_toml", "read_toml"]


def _shipped_files() -> dict[str, Any]:
    """Return the shipped experiment files by name.

    The examples of this package (``<name>.toml``) and the experiment of every analysis
    (``darkdump/analyses/<name>/experiment.toml``).
    """
    found: dict[str, Any] = {}
    for p in resources.files(__name__).iterdir():
        if p.name.endswith(".toml"):
            found[p.name.removesuffix(".toml").replace("_", "-")] = p
    for folder in resources.files("darkdump.analyses").iterdir():
        candidate = folder.joinpath("experiment.toml")
        if folder.is_dir() and candidate.is_file():
            found[folder.name.replace("_", "-")] = candidate
    return found


def available() -> list[str]:
    """Names of the experiments shipped with darkdump (``na62-2021``, ...)."""
    return sorted(_shipped_files())


#: Largest experiment file read [bytes] (the shipped one is about 15 kB).
_MAX_FILE_BYTES = 10_000_000


def load_raw(name_or_path: str | Path) -> dict[str, Any]:
    """Read an experiment TOML (shipped name such as ``na62-2021``, or a file path)."""
    name = str(name_or_path)
    if "\x00" in name:
        raise DarkdumpInputError("experiment: the name or path contains a NUL character")
    path = Path(name_or_path)
    shipped = _shipped_files().get(name.replace("_", "-"))
    # A shipped name (no .toml, no folder) is the shipped file, whatever the working
    # directory holds; anything else is a path.
    is_shipped_name = path.suffix != ".toml" and "/" not in name and shipped is not None
    if is_shipped_name:
        return parse_toml(shipped.read_bytes(), f"experiment {name!r}")  # type: ignore[union-attr]
    if path.suffix == ".toml" or path.exists():
        return read_toml(path, "experiment file")
    raise DarkdumpInputError(
        f"experiment {name!r} not found; shipped: {', '.join(available())}, "
        "or give the path of a .toml file"
    )


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """Read a TOML file given by the user; every problem is a one-line input error.

    ``what`` names the file in the message (``"counts file"``). A missing file, a
    folder or device, a file over 10 MB, text that is not UTF-8 and invalid TOML are
    told apart; a UTF-8 byte-order mark is accepted.
    """
    path = Path(path)
    where = f"{what} {str(path)!r}"
    try:
        if not path.exists():
            raise DarkdumpInputError(f"{where}: no such file")
        if not path.is_file():
            raise DarkdumpInputError(f"{where}: not a regular file (a folder, pipe or device)")
        if path.stat().st_size > _MAX_FILE_BYTES:
            raise DarkdumpInputError(f"{where}: larger than {_MAX_FILE_BYTES // 1_000_000} MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise DarkdumpInputError(f"{where}: {exc.strerror}") from None
    return parse_toml(raw, where)


def parse_toml(raw: bytes, where: str) -> dict[str, Any]:
    """Decode (UTF-8, optional byte-order mark) and parse TOML; one-line errors naming ``where``."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DarkdumpInputError(f"{where}: not UTF-8 text (save it as UTF-8)") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise DarkdumpInputError(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:
        raise DarkdumpInputError(f"{where}: tables nested too deeply") from None


def format_validation_error(
    source: str, exc: ValidationError, raw: dict[str, Any] | None = None
) -> str:
    """One line naming the first bad key and what is allowed.

    A detector element is named by its ``name`` as well as its index
    (``detector.elements.3[MNP33].pt_kick_GeV``).
    """
    errors = exc.errors()
    # An old key name explains the "Field required" of its new name: report it first.
    renamed = [
        e for e in errors if e["type"] == "extra_forbidden" and str(e["loc"][-1]) in _RENAMED
    ]
    err = renamed[0] if renamed else errors[0]
    parts = [str(part) for part in err["loc"]]
    if raw is not None and parts[:2] == ["detector", "elements"] and len(parts) > 2:
        try:
            element_name = raw["detector"]["elements"][int(parts[2])]["name"]
            parts[2] = f"{parts[2]}[{element_name}]"
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    key = ".".join(parts) or "<top level>"
    extra = f" ({len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    msg = err["msg"]
    if err["type"] == "extra_forbidden" and str(err["loc"][-1]) in _RENAMED:
        msg = f"renamed to {_RENAMED[str(err['loc'][-1])]!r} (the detector keys are generic now)"
    elif err["type"] == "extra_forbidden":
        allowed = _allowed_keys(err["loc"])
        msg = "unknown key" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    return f"experiment {source!r}: key {key!r}: {msg}{extra}"


#: Detector keys that named NA62's detectors, and their generic names.
_RENAMED = {
    "position_straw1_mm": "position_first_tracker_mm",
    "lkr_stochastic": "calorimeter_stochastic",
    "lkr_noise_GeV": "calorimeter_noise_GeV",
    "lkr_constant": "calorimeter_constant",
    "lkr_cluster_threshold_GeV": "cluster_threshold_GeV",
    "muon_lkr_mpv_GeV": "muon_calorimeter_mpv_GeV",
    "muon_lkr_width_GeV": "muon_calorimeter_width_GeV",
    "muv3_efficiency": "muon_detector_efficiency",
    "electron_muv3_probability": "electron_muon_detector_probability",
    "straw1_min_mm": "first_tracker_min_mm",
    "lkr_min_mm": "calorimeter_min_mm",
    "muv3_tile_mm": "muon_detector_tile_mm",
}


def _allowed_keys(loc: tuple[Any, ...]) -> list[str] | None:
    """Return the keys allowed in the table that holds ``loc``'s last key (one known model).

    >>> _allowed_keys(("modeling",))[:3]
    ['acceptance', 'beam', 'decay_volume']
    >>> _allowed_keys(("beam", "energy"))
    ['energy_GeV', 'n_pot', 'n_pot_uncertainty', 'particle']
    """
    model: type[BaseModel] | None = Experiment
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int) or str(part).isdigit():
            continue  # an index into a list of tables: the same model
        field = model.model_fields.get(str(part))
        model = _single_model(field.annotation) if field is not None else None
    return sorted(model.model_fields) if model is not None else None


def _single_model(annotation: Any) -> type[BaseModel] | None:
    """Return the one pydantic model inside a type (Optional, list, Annotated), else None."""
    found: list[type[BaseModel]] = []

    def walk(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found.append(tp)
            return
        for arg in get_args(tp):
            walk(arg)

    walk(annotation)
    return found[0] if len(set(found)) == 1 else None


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
        raise DarkdumpInputError(format_validation_error(str(name_or_path), exc, raw)) from None

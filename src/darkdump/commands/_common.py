"""Argument types shared by the sub-commands: values arrive in GeV and metres."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from hepunits import GeV

from darkdump.errors import DarkdumpInputError
from darkdump.typing import FloatArray

#: One default seed for every command (the year of the NA62 run).
DEFAULT_SEED = 2021

#: The reduced grid of ``--quick``, the same in every command (:data:`darkdump.yields.QUICK_GRID`).
from darkdump.yields.grid import QUICK_GRID  # noqa: E402


def add_seed_argument(parser: argparse.ArgumentParser, what: str = "random seed") -> None:
    """``--seed`` (integer >= 0, default :data:`DEFAULT_SEED`), the same in every command."""
    parser.add_argument(
        "--seed",
        type=int_at_least(0),
        default=DEFAULT_SEED,
        help=f"{what} (integer >= 0; default {DEFAULT_SEED}, the same in every command)",
    )


def default_workers() -> int:
    """Default number of local worker processes: the machine's cores."""
    import os

    return os.cpu_count() or 1


def add_workers_argument(parser: Any) -> None:
    """``--workers``: local worker processes (default: the machine's cores; 0 or 1: serial)."""
    parser.add_argument(
        "--workers",
        type=int_at_least(0),
        default=None,
        help="local worker processes (count; default: the machine's cores; 0 or 1: serial), "
        "the same meaning in every command",
    )


def add_experiment_argument(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    """Add the experiment as the first positional argument (name or TOML path), in every command."""
    if optional:
        parser.add_argument(
            "experiment",
            nargs="?",
            default=None,
            help="experiment name (e.g. na62-2021) or TOML path (default: na62-2021)",
        )
        # Earlier spelling, kept working: --experiment NAME.
        parser.add_argument("--experiment", dest="experiment_option", help=argparse.SUPPRESS)
    else:
        parser.add_argument("experiment", help="experiment name (e.g. na62-2021) or TOML path")


def experiment_from(args: argparse.Namespace) -> str:
    """Return the experiment given positionally, or by the earlier ``--experiment`` option.

    Both at once is an input error (one of them would be ignored); neither is na62-2021.
    """
    option = getattr(args, "experiment_option", None)
    positional = getattr(args, "experiment", None)
    if option is not None and positional is not None:
        raise DarkdumpInputError(
            f"experiment given twice ({positional!r} and --experiment {option!r}): give one"
        )
    chosen = option if option is not None else positional
    return str(chosen if chosen is not None else "na62-2021")


__all__ = [
    "DEFAULT_SEED",
    "MAX_EVENTS",
    "MAX_TOYS",
    "QUICK_GRID",
    "add_experiment_argument",
    "add_seed_argument",
    "add_workers_argument",
    "default_workers",
    "experiment_from",
    "float_in",
    "int_at_least",
    "int_in",
    "mass_list_gev",
    "masses_from_args",
    "out_path",
    "png_path",
    "positive_float",
    "positive_gev",
]


#: Largest counts accepted on the command line (memory budget: about 2 GB of arrays).
MAX_EVENTS = 5_000_000
MAX_TOYS = 1_000_000


def int_in(minimum: int, maximum: int) -> Callable[[str], int]:
    """Return an argparse type: a whole number from ``minimum`` to ``maximum``."""
    at_least = int_at_least(minimum)

    def parse(text: str) -> int:
        value = at_least(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{text!r} is above the largest allowed, {maximum}")
        return value

    parse.__name__ = f"whole number in [{minimum}, {maximum}]"
    return parse


def int_at_least(minimum: int) -> Callable[[str], int]:
    """Return an argparse type: a whole number >= ``minimum``.

    >>> int_at_least(1)("3"), int_at_least(1)("1e6")
    (3, 1000000)
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            try:  # whole numbers in scientific notation, e.g. 1e6
                number = float(text)
            except ValueError:
                number = math.nan
            if not number.is_integer():
                raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
            value = int(number)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be a whole number >= {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


def float_in(
    low: float, high: float = math.inf, *, low_open: bool = False, high_open: bool = False
) -> Callable[[str], float]:
    """Return an argparse type: a finite number in the interval from ``low`` to ``high``.

    ``low_open``/``high_open`` exclude the end points.

    >>> float_in(0.0, 1.0, low_open=True, high_open=True)("0.9")
    0.9
    """
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    interval = f"{left}{low:g}, {high:g}{right}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (math.isfinite(value) and above and below):
            raise argparse.ArgumentTypeError(f"{text!r} must be a finite number in {interval}")
        return value

    parse.__name__ = f"number in {interval}"
    return parse


#: A strictly positive, finite number (unit stated by the option).
positive_float = float_in(0.0, low_open=True)


def positive_gev(text: str) -> float:
    """Parse one strictly positive, finite number (GeV) for argparse."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"mass {text!r} is not a number (GeV)") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"mass {text!r} must be a positive, finite number of GeV")
    return value


def mass_list_gev(text: str) -> list[float]:
    """Parse a comma-separated list of positive masses in GeV, e.g. ``0.01,0.3,0.5``."""
    items = [item.strip() for item in text.split(",")]
    if not items or any(item == "" for item in items):
        raise argparse.ArgumentTypeError(
            f"masses {text!r}: expected comma-separated positive numbers of GeV, e.g. 0.01,0.3"
        )
    return [positive_gev(item) for item in items]


def masses_from_args(
    masses: list[float] | None, mass_range: list[float] | None, default: list[float]
) -> FloatArray:
    """Resolve ``--masses`` / ``--mass-range START STOP STEP`` (GeV) to an array in MeV.

    The range is inclusive of STOP (within a tenth of a step), so ``0.1 0.3 0.1``
    gives 0.1, 0.2, 0.3 GeV. Raises :class:`~darkdump.errors.DarkdumpInputError`
    (one line, exit status 2 from the command line) on a malformed range.
    """
    if mass_range is not None and masses is not None:
        raise DarkdumpInputError("--masses and --mass-range: give one of them, not both")
    if mass_range is not None:
        start, stop, step = mass_range
        if stop < start:
            raise DarkdumpInputError(
                f"--mass-range: STOP {stop:g} GeV is below START {start:g} GeV"
            )
        count = math.floor((stop - start) / step + 0.1) + 1
        if count > 1_000_000:
            raise DarkdumpInputError(
                f"--mass-range: {count} masses requested; at most 1000000 are allowed"
            )
        values = start + step * np.arange(count)
    elif masses is not None:
        values = np.asarray(masses, dtype=float)
    else:
        values = np.asarray(default, dtype=float)
    return np.asarray(values * GeV, dtype=np.float64)


def out_path(text: str) -> Path:
    """Argparse type of ``--out``: a non-empty path (an empty one would be the working folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path is not an output location")
    return Path(text)


def png_path(text: str) -> str:
    """Argparse type of ``--plot``: a file name ending in .png (the format written)."""
    if not text.lower().endswith(".png") or text.endswith(("/", "\\")) or Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: give a file name ending in .png")
    return text

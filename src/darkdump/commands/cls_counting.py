"""``darkdump cls-counting``: upper limit on the signal events of a one-bin counting experiment.

A check of the CLs engine of :mod:`darkdump.stats` (profiled likelihood ratio,
pseudo-experiments, log-normal nuisances) on the simplest case, or the Bayesian
counting limit of JHEP 09 (2023) 035, sec. 7 (``--method bayes``).

Examples
--------
``darkdump cls-counting --observed 0 --background 0.01``  (about 2.30 events)
``darkdump cls-counting --observed 1 --background 0 --pot-shape 1.2 --method bayes``
"""

from __future__ import annotations

import argparse
import math
from typing import Any

__all__ = ["register", "run"]


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of events") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the number of events must be >= 0")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def _shape(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 1.0):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a log-normal shape parameter must be >= 1 (1 = no uncertainty)"
        )
    return value


def _level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: the confidence level must be in (0, 1)")
    return value


def _toys(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of toys") from None
    if value < 100:
        raise argparse.ArgumentTypeError(f"{text!r}: use at least 100 toys")
    return value


def register(subparsers: Any) -> None:
    """Add the ``cls-counting`` sub-command."""
    parser = subparsers.add_parser(
        "cls-counting",
        help="CLs (or Bayesian) upper limit on the signal events of a one-bin counting experiment",
        description=(
            "Print the upper limit on the number of signal events (at the nominal "
            "normalisation) of a one-bin counting experiment with log-normal uncertainties "
            "on the signal normalisation (POT) and the background, using the CLs engine "
            "of darkdump.stats (PRL 133 (2024) 111802, eqs. 4-5) or the Bayesian method of "
            "JHEP 09 (2023) 035, sec. 7."
        ),
    )
    parser.add_argument(
        "--observed", type=_count, required=True, help="observed events (count, no unit)"
    )
    parser.add_argument(
        "--background",
        type=_non_negative,
        required=True,
        help="median expected background (events)",
    )
    parser.add_argument(
        "--pot-shape",
        type=_shape,
        default=1.0,
        help="log-normal shape k of the signal normalisation, sigma = ln k "
        "(dimensionless; 1 = none; PRL: 1.2)",
    )
    parser.add_argument(
        "--background-shape",
        type=_shape,
        default=1.0,
        help="log-normal shape k of the background (dimensionless; 1 = none)",
    )
    parser.add_argument(
        "--cl", type=_level, default=0.9, help="confidence level (fraction, default 0.9)"
    )
    parser.add_argument(
        "--toys",
        type=_toys,
        default=4000,
        help="pseudo-experiments per hypothesis and signal value (count, default 4000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the toys (integer)")
    parser.add_argument(
        "--mode",
        choices=("frequentist", "hybrid"),
        default="frequentist",
        help="toy generation: randomised auxiliary measurements at the fitted nuisances "
        "(frequentist, default, as the PRL) or nuisances drawn from their constraints (hybrid)",
    )
    parser.add_argument(
        "--method",
        choices=("cls", "bayes"),
        default="cls",
        help="cls (default) or bayes (flat signal prior, POT integrated out; JHEP sec. 7)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute and print the limit; return 0."""
    from darkdump.stats.counting import bayesian_upper_limit, counting_upper_limit

    if args.method == "bayes":
        if args.background_shape != 1.0:
            print("note: --background-shape is ignored by --method bayes")
        limit = bayesian_upper_limit(
            args.observed, args.background, pot_shape=args.pot_shape, cl=args.cl
        )
        label = "Bayesian"
    else:
        limit = counting_upper_limit(
            args.observed,
            args.background,
            pot_shape=args.pot_shape,
            background_shape=args.background_shape,
            cl=args.cl,
            n_toys=args.toys,
            seed=args.seed,
            mode=args.mode,
        )
        label = f"CLs ({args.mode} toys, {args.toys} per hypothesis, seed {args.seed})"
    print(
        f"upper limit at {args.cl:.0%} CL on the signal events: {limit:.3f} events  [{label}; "
        f"observed {args.observed}, background {args.background:g}, "
        f"pot shape {args.pot_shape:g}, background shape {args.background_shape:g}]"
    )
    return 0

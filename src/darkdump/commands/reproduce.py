"""``darkdump reproduce EXPERIMENT``: the end-to-end reproduction (files, figures, report)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from darkdump.commands._common import (
    add_seed_argument,
    default_workers,
    int_at_least,
    out_path,
)
from darkdump.errors import DarkdumpInputError

__all__ = ["register", "run"]

REPRODUCIBLE = ("na62-2021", "charm", "nucal")

#: Analyses reproduced by the generic zero-background reach (:mod:`darkdump.sensitivity`).
REACH_ANALYSES = ("charm", "nucal")


def register(subparsers: Any) -> None:
    """Add the ``reproduce`` sub-command."""
    parser = subparsers.add_parser(
        "reproduce",
        help="reproduce a published analysis end to end (limits, maps, report)",
        description=(
            "Run production, decay, detector, selection, yields, published backgrounds and "
            "statistics; write limits (CSV, HEPData YAML; masses in GeV), ALP limits (lifetimes "
            "in ps), yield grids (HDF5), PNG figures, report.html and provenance.json into --out. "
            "An interrupted run resumes from DIR/.cache (same code and libraries)."
        ),
    )
    parser.add_argument("experiment", choices=REPRODUCIBLE, help="the analysis to reproduce")
    parser.add_argument(
        "--out",
        type=out_path,
        default=None,
        help="output folder (default: ./EXPERIMENT, e.g. ./na62-2021)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="reduced statistics (demonstrations, tests; ~20 s)"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=int_at_least(0),
        default=None,
        help="local worker processes, here a Dask cluster (count; default: the machine's "
        "cores; 0 or 1: serial), the same meaning in every command",
    )
    group.add_argument(
        "--scheduler",
        default=None,
        help="address of a running Dask scheduler, e.g. tcp://host:8786",
    )
    add_seed_argument(parser, "run seed")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress display and no summary table"
    )
    parser.add_argument(
        "--precision",
        type=float,
        default=None,
        metavar="FRACTION",
        help="target Monte-Carlo error of every CLs contour edge, relative in epsilon "
        "(fraction; default 0.02: about 60 s on two cores; 0.01: about 85 s); more toys "
        "(up to 20000 per hypothesis) go to the points that bracket an edge",
    )
    parser.add_argument(
        "--variations",
        action="store_true",
        help="also rerun the chain for every modelling alternative of the experiment file "
        "([[variations]]: bremsstrahlung form factor, window and convention, meson "
        "multiplicities and collisions, unpublished selection parameters) and "
        "add the envelope of the observed contours to the limits files (kinds model_low, "
        "model_high) and figures (hatched band); about one default run per alternative",
    )
    parser.add_argument(
        "--earlier",
        action="append",
        default=None,
        metavar="DIR",
        help="output folder of an earlier experiment's reach (darkdump reproduce charm|nucal "
        "or darkdump sensitivity), drawn as a grey region on the na62-2021 limit figures "
        "(repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the reproduction and print the summary table."""
    from rich.console import Console
    from rich.table import Table

    from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, run_reproduction

    workers = args.workers if args.workers is not None else default_workers()
    if args.out is None:
        args.out = Path(args.experiment)
    if args.experiment in REACH_ANALYSES:
        if args.earlier:
            raise DarkdumpInputError("--earlier: applies to na62-2021 only")
        return _run_reach_analysis(args, workers)
    earlier = None
    if args.earlier:
        from darkdump.sensitivity.output import read_by_production

        earlier = {}
        for folder in args.earlier:
            name, rows = read_by_production(folder)
            earlier[f"{name.upper()} (darkdump)"] = rows
    if args.scheduler is not None:
        from darkdump.results.parallel import check_scheduler

        check_scheduler(args.scheduler)
    if args.precision is not None and not (0.001 <= args.precision <= 0.5):
        raise DarkdumpInputError(
            f"--precision {args.precision!r}: must be a fraction between 0.001 and 0.5"
        )
    if args.precision is not None and args.quick:
        raise DarkdumpInputError("--precision: not with --quick (which uses fixed toys)")
    cfg = ReproduceConfig.create(
        quick=args.quick, seed=args.seed, experiment=args.experiment, precision=args.precision
    )
    console = Console(stderr=True, quiet=args.quiet)
    args.resumable = True  # this path caches finished tasks (charm and nucal do not)
    summary = run_reproduction(
        cfg,
        args.out,
        workers=None if args.scheduler else workers,
        scheduler=args.scheduler,
        quiet=args.quiet or not sys.stderr.isatty(),
        log=lambda msg: console.print(msg),
        variations=args.variations,
        earlier=earlier,
    )
    if not args.quiet:
        table = Table(title=f"darkdump reproduce {args.experiment}: observed 90% CL")
        for col in ("result", "excluded masses [MeV]", "epsilon / best limit", "paper"):
            table.add_column(col)
        for row in summary.summary:
            table.add_row(
                row["result"], row["excluded_masses_MeV"], row["epsilon_range"], row["paper"]
            )
        Console().print(table)
        print(
            f"report: {args.out / 'report.html'}  (total {summary.timings.get('total', 0):.1f} s)"
        )
    return 0


def _run_reach_analysis(args: argparse.Namespace, workers: int) -> int:
    """``reproduce charm|nucal``: the generic zero-background reach with the analysis text."""
    import importlib

    from darkdump.commands.sensitivity import run_reach

    for flag, value in (
        ("--scheduler", args.scheduler),
        ("--precision", args.precision),
        ("--variations", args.variations or None),
    ):
        if value is not None:
            raise DarkdumpInputError(
                f"{flag}: applies to na62-2021 only ({args.experiment} is a zero-background "
                "reach; its modelling alternatives are listed in its experiment file)"
            )
    module = importlib.import_module(f"darkdump.analyses.{args.experiment}")
    analysis = module.load_analysis()
    paragraphs = (
        f"Reproduced: {analysis['reference']}.",
        f"Method: {analysis['method']}.",
        *analysis.get("statements", []),
    )
    grid, paths, seconds = run_reach(
        analysis["experiment"],
        args.out,
        quick=args.quick,
        seed=args.seed,
        workers=workers,
        quiet=args.quiet,
        title=analysis["title"],
        extra_paragraphs=tuple(paragraphs),
    )
    if not args.quiet:
        rows = grid.rows()
        for prod in (*grid.modes, "total"):
            hits = [r for r in rows if r[1] == prod and r[2] == "all"]
            reach = f"{max(r[0] for r in hits) * 1e3:.0f} MeV" if hits else "nothing excluded"
            print(f"{prod:>6}: mass reach {reach}")
        print(f"limits: {paths['csv']}  report: {paths['report']}  ({seconds:.1f} s)")
    return 0

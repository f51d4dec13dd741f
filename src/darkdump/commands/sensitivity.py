"""``darkdump sensitivity EXPERIMENT``: the zero-background reach of any proton beam dump.

The JHEP 09 (2023) 035 fig. 4 construction (production x decay x geometric and threshold
acceptance, excluded where N_exp >= the event threshold) for the experiment file given
by name (``na62-1e18``, ``charm``, ``nucal``, ``na62-2021``) or path. Writes into
``--out`` the files of :mod:`darkdump.sensitivity.output`, among them
``limits/by_production.csv``.

Examples
--------
``darkdump sensitivity na62-1e18 --out reach``
``darkdump sensitivity my_dump.toml --out reach --pot 5e18 --events 3.0 --quick``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from hepunits import ps

from darkdump.commands._common import (
    add_experiment_argument,
    add_seed_argument,
    add_workers_argument,
    default_workers,
    experiment_from,
    float_in,
    out_path,
)
from darkdump.errors import DarkdumpInputError

__all__ = ["register", "run", "run_reach"]

#: Decays per mass, mode and channel of a default and of a ``--quick`` run.
N_EVENTS_DEFAULT = 40_000
N_EVENTS_QUICK = 8_000


def register(subparsers: Any) -> None:
    """Add the ``sensitivity`` sub-command."""
    parser = subparsers.add_parser(
        "sensitivity",
        help="zero-background reach of a beam dump (JHEP fig. 4 construction) from its TOML",
        description=(
            "Production (proton bremsstrahlung, meson decays) x decay in the volume x the "
            "geometric and threshold acceptance of the experiment file's [acceptance], "
            "re-weighted over couplings; the region with N_exp >= the event threshold is "
            "written to DIR/limits/by_production.csv (masses in GeV), with maps, figures, "
            "report.html and provenance.json."
        ),
    )
    add_experiment_argument(parser)
    parser.add_argument("--out", required=True, type=out_path, help="output folder (created)")
    parser.add_argument(
        "--pot",
        type=float_in(1.0, 1e25),
        default=None,
        help="protons on target (count; default: the file's beam.n_pot)",
    )
    parser.add_argument(
        "--events",
        type=float_in(0.01, 1e6),
        default=None,
        help="expected events of the excluded region (default: the file's acceptance.events, "
        "2.3 = 90%% CL with zero observed and no background)",
    )
    parser.add_argument(
        "--model",
        choices=("dark-photon", "alp-BK"),
        default="dark-photon",
        help="dark-photon (eps plane; limits/by_production.csv) or alp-BK (ALPs from "
        "B -> K(*) a, model-independent: bound on BR(B -> K a) x BR(a -> ll) against tau_a; "
        "limits/alp.csv)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{N_EVENTS_QUICK} instead of {N_EVENTS_DEFAULT} decays per mass, mode and channel",
    )
    add_seed_argument(parser, "run seed")
    add_workers_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary")
    parser.set_defaults(func=run)


def run_reach(
    experiment_name: str,
    out: Path,
    *,
    pot: float | None = None,
    events: float | None = None,
    quick: bool = False,
    seed: int = 2021,
    workers: int = 1,
    quiet: bool = False,
    title: str | None = None,
    extra_paragraphs: tuple[str, ...] = (),
    model: str = "dark-photon",
) -> tuple[Any, dict[str, Path], float]:
    """Validate, compute and write one reach run; return (grid, paths, seconds)."""
    from darkdump.experiments import load
    from darkdump.results.io import output_lock, prepare_output_folder
    from darkdump.sensitivity import ReachConfig, compute_reach
    from darkdump.sensitivity.output import write_alp_outputs, write_outputs

    experiment = load(experiment_name)
    if experiment.acceptance is None:
        raise DarkdumpInputError(
            f"experiment {experiment_name!r}: no [acceptance] section, which the reach needs "
            "(vertex range, elements the daughters cross, energy thresholds, efficiency)"
        )
    if events is not None:
        acc = experiment.acceptance.model_copy(
            update={"events": events, "events_source": "command line (--events)"}
        )
        experiment = experiment.model_copy(update={"acceptance": acc})
    config = ReachConfig(
        n_events=N_EVENTS_QUICK if quick else N_EVENTS_DEFAULT, seed=seed, n_pot=pot
    )
    start = time.perf_counter()
    if model == "alp-BK":
        from darkdump.production.alp import b_spectra_for
        from darkdump.sensitivity.alp import AlpReachConfig, compute_alp_reach

        b_spectra_for(experiment)  # one-line error, before any output, if none for this beam
        alp_config = AlpReachConfig(
            n_events=N_EVENTS_QUICK if quick else N_EVENTS_DEFAULT, seed=seed, n_pot=pot
        )
        prepare_output_folder(out)
        with output_lock(out):
            reach = compute_alp_reach(experiment, alp_config)
            seconds = time.perf_counter() - start
            paths = write_alp_outputs(
                reach,
                experiment,
                out,
                title=title or f"darkdump sensitivity {experiment.name} --model alp-BK",
                seconds=seconds,
            )
        return reach, paths, time.perf_counter() - start
    prepare_output_folder(out)
    with output_lock(out):
        done = [0]

        def progress(_: int) -> None:
            done[0] += 1
            if (
                not quiet
                and sys.stderr.isatty()
                and (done[0] % 20 == 0 or done[0] == len(config.masses))
            ):
                print(f"  {done[0]}/{len(config.masses)} masses", file=sys.stderr, flush=True)

        grid = compute_reach(experiment, config, workers=workers, on_done=progress)
        seconds = time.perf_counter() - start
        paths = write_outputs(
            grid,
            experiment,
            out,
            title=title or f"darkdump sensitivity {experiment.name}",
            seconds=seconds,
            extra_paragraphs=extra_paragraphs,
        )
    return grid, paths, time.perf_counter() - start


def run(args: argparse.Namespace) -> int:
    """Run ``darkdump sensitivity`` and print the reach per production mode (or ALP bound)."""
    workers = args.workers if args.workers is not None else default_workers()
    result, paths, seconds = run_reach(
        experiment_from(args),
        args.out,
        pot=args.pot,
        events=args.events,
        quick=args.quick,
        seed=args.seed,
        workers=workers,
        quiet=args.quiet,
        model=args.model,
    )
    if args.quiet:
        return 0
    if args.model == "alp-BK":
        lim = result.limit("all")
        i, j = np.unravel_index(int(np.argmin(lim)), lim.shape)
        print(
            f"best bound BR(B -> K a) x BR(a -> ll) = {lim[i, j]:.2e} at "
            f"M_a = {result.masses[i]:.0f} MeV, tau_a = {result.taus[j] / ps:.3g} ps"
        )
    else:
        rows = result.rows()
        for prod in (*result.modes, "total"):
            hits = [r for r in rows if r[1] == prod and r[2] == "all"]
            if hits:
                lo = min(r[4] for r in hits)
                print(
                    f"{prod:>6}: excluded up to {max(r[0] for r in hits) * 1e3:.0f} MeV, "
                    f"down to eps = {lo:.2e}"
                )
            else:
                print(f"{prod:>6}: nothing excluded")
    print(f"limits: {paths['csv']}  report: {paths['report']}  ({seconds:.1f} s)")
    return 0

"""``darkdump yields``: A_sel, P_D, sigma_M and N_exp on the (M, eps) grid, and JHEP fig. 4.

Writes into ``--out``:

- ``yields.h5``: the grid (layout in :mod:`darkdump.yields.io`);
- ``zero_event_geometric.csv``: JHEP fig. 4, columns
  ``mass_GeV,production,channel,epsilon_lower,epsilon_upper``;
- ``yields_run.json``: configuration, seed and versions (no timings, so that the
  same seed gives identical files);
- ``plots/*.png`` (unless ``--no-plots``): JHEP figs. 4, 5, 11, 12, 13 and PRL
  figs. 6, 7, 8 equivalents.

Examples
--------
``darkdump yields na62-2021 --out out/yields``
``darkdump yields na62-2021 --out out/quick --quick --seed 7``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from darkdump.commands._common import (
    MAX_EVENTS,
    add_experiment_argument,
    add_seed_argument,
    add_workers_argument,
    float_in,
    int_at_least,
    int_in,
    mass_list_gev,
    out_path,
    positive_float,
)

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment
    from darkdump.yields.grid import YieldGrid

__all__ = ["draw_all", "produce", "register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``yields`` sub-command."""
    parser = subparsers.add_parser(
        "yields",
        help="signal efficiency, mass resolution and expected yield on the (M, eps) grid",
        description=(
            "Simulate A' -> e+e- and mu+mu- from bremsstrahlung and meson decays through "
            "the NA62 fast simulation and selection, one sample per mass re-weighted over "
            "every coupling; write the grid (HDF5), the JHEP fig. 4 zero-event table (CSV) "
            "and the maps (PNG)."
        ),
    )
    add_experiment_argument(parser)
    parser.add_argument("--out", required=True, type=out_path, help="output folder (created)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the reduced grid of every --quick: masses 10-700 MeV every 30 MeV, 80 "
        "couplings, 15000 decays per mass, mode and channel",
    )
    add_seed_argument(parser)
    parser.add_argument(
        "--masses",
        type=mass_list_gev,
        default=None,
        help="comma-separated A' masses in GeV (default: 0.005-0.700 GeV in 0.005 GeV steps)",
    )
    parser.add_argument(
        "--mass-range",
        nargs=3,
        type=positive_float,
        metavar=("START", "STOP", "STEP"),
        default=None,
        help="A' masses START..STOP (inclusive) in steps of STEP, all in GeV",
    )
    parser.add_argument(
        "--epsilon-range",
        nargs=2,
        type=float_in(0.0, 1.0, low_open=True),
        metavar=("MIN", "MAX"),
        default=(1e-8, 1e-3),
        help="coupling range (dimensionless; default 1e-8 1e-3), log-spaced",
    )
    parser.add_argument(
        "--n-epsilon",
        type=int_at_least(1),
        default=None,
        help="number of couplings (dimensionless count; default 200, 80 with --quick)",
    )
    parser.add_argument(
        "--events",
        type=int_in(1, MAX_EVENTS),
        default=None,
        help="simulated decays per mass, mode and channel (count; default 120000 as "
        "JHEP sec. 3, 15000 with --quick)",
    )
    parser.add_argument(
        "--min-effective-events",
        type=int_at_least(1),
        default=None,
        help="precision target (count): a mass whose contour edge (n_exp = 2.3) rests on "
        "fewer effective selected events is simulated again in further batches of --events "
        "(default: one batch)",
    )
    parser.add_argument(
        "--max-event-factor",
        type=int_in(1, 64),
        default=None,
        help="most batches per mass and mode with --min-effective-events (count, 1-64; "
        "default 16); --events times this is at most 5000000",
    )
    add_workers_argument(parser)
    parser.add_argument("--no-plots", action="store_true", help="do not draw the PNG maps")
    parser.add_argument(
        "--alp",
        action="store_true",
        help="also write alp_yields.h5: ALP (B -> K(*) a) yields per unit BR product on "
        "(--alp-masses GeV) x (200 lifetimes 1e-4 to 1e4 ns)",
    )
    parser.add_argument(
        "--alp-masses",
        type=mass_list_gev,
        default=None,
        help="comma-separated ALP masses in GeV (default 0.05,0.1,0.2,0.25,0.3,0.4,0.5,0.6,0.7)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute the grid and write the files."""
    import numpy as np
    from hepunits import GeV

    from darkdump.commands._common import QUICK_GRID, default_workers, masses_from_args
    from darkdump.errors import DarkdumpInputError
    from darkdump.experiments import load
    from darkdump.yields import YieldConfig

    experiment = load(args.experiment)
    if args.quick:
        default_masses = [m / 1000.0 for m in QUICK_GRID["masses_MeV"]]
    else:
        default_masses = list(np.arange(1, 141) * 0.005)
    try:
        masses = masses_from_args(args.masses, args.mass_range, default_masses)
    except argparse.ArgumentTypeError as exc:
        raise DarkdumpInputError(str(exc)) from None
    lo, hi = args.epsilon_range
    if not lo < hi:
        raise DarkdumpInputError(f"--epsilon-range: MIN {lo:g} must be below MAX {hi:g}")
    n_eps = args.n_epsilon or (QUICK_GRID["n_epsilon"] if args.quick else 200)
    n_events = args.events or (QUICK_GRID["n_events"] if args.quick else 120_000)
    workers = max(1, default_workers() if args.workers is None else args.workers)
    if args.max_event_factor is not None and args.min_effective_events is None:
        raise DarkdumpInputError("--max-event-factor: only with --min-effective-events")
    factor = 1
    if args.min_effective_events is not None:
        factor = 16 if args.max_event_factor is None else args.max_event_factor
        if n_events * factor > MAX_EVENTS:
            raise DarkdumpInputError(
                f"--events {n_events} x --max-event-factor {factor}: at most {MAX_EVENTS} "
                "decays per mass and mode"
            )
    config = YieldConfig(
        masses=tuple(float(x) for x in masses),
        epsilons=tuple(float(x) for x in np.logspace(np.log10(lo), np.log10(hi), n_eps)),
        n_events=n_events,
        seed=args.seed,
        min_effective_events=args.min_effective_events,
        max_event_factor=factor,
    )
    if args.alp_masses is not None and not args.alp:
        raise DarkdumpInputError("--alp-masses: only with --alp")
    chosen = args.alp_masses or [0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7]
    alp_masses = [float(x) * GeV for x in chosen] if args.alp else None
    # Everything that can be refused is refused before the output folder is made.
    from darkdump.models.alp import check_mass
    from darkdump.yields.grid import check_grid_inputs

    check_grid_inputs(experiment, config.masses)
    for mass in alp_masses or ():
        check_mass(mass, "--alp-masses")
    from darkdump.results.io import prepare_output_folder

    prepare_output_folder(args.out)
    produce(
        experiment,
        args.out,
        config,
        workers=workers,
        plots=not args.no_plots,
        alp_masses=alp_masses,
        experiment_arg=str(args.experiment),
    )
    return 0


def produce(
    experiment: Experiment,
    out: Path,
    config: Any,
    *,
    workers: int = 2,
    plots: bool = True,
    alp_masses: list[float] | None = None,
    experiment_arg: str = "",
) -> list[Path]:
    """Compute the yields grid of ``config`` and write every output into ``out``.

    The library entry point behind ``darkdump yields`` (for ``darkdump reproduce``):
    ``yields.h5``, ``zero_event_geometric.csv``, ``yields_run.json``, optionally
    ``alp_yields.h5`` (``alp_masses`` [MeV]) and ``plots/*.png``. Returns the paths.

    Parameters
    ----------
    experiment
        :class:`darkdump.experiments.Experiment`.
    out
        Output folder (created).
    config
        :class:`darkdump.yields.YieldConfig` (masses [MeV], couplings, statistics, seed).
    workers
        Worker processes over masses.
    plots
        Draw the PNG maps.
    alp_masses
        ALP masses [MeV] for ``alp_yields.h5`` (None: no ALP file).
    experiment_arg
        How the experiment was named on the command line (recorded).
    """
    from rich.progress import Progress

    from darkdump.results.io import write_json
    from darkdump.results.provenance import versions
    from darkdump.yields import compute_grid, write_grid, write_zero_event_csv, zero_event_rows

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("yields: masses", total=len(config.masses))
        grid = compute_grid(
            experiment,
            config,
            workers=workers,
            on_done=lambda _i, _r: bar.advance(task),
        )
    wall = time.perf_counter() - start
    provenance = {"versions": versions(), "config": grid.config, "seed": config.seed}
    path = write_grid(out / "yields.h5", grid, provenance)
    csv_path = write_zero_event_csv(out / "zero_event_geometric.csv", zero_event_rows(grid))
    written = [path, csv_path]
    stale = out / "alp_yields.h5"
    if not alp_masses and stale.exists():
        stale.unlink()  # from an earlier run into this folder: not this run's ALP yields
    if alp_masses:
        from darkdump.yields import AlpConfig, compute_alp_grid, default_alp_taus, write_alp_grid

        alp_cfg = AlpConfig(
            masses=tuple(float(x) for x in alp_masses),
            taus=tuple(float(t) for t in default_alp_taus()),
            n_events=config.n_events,
            seed=config.seed,
        )
        alp_grid = compute_alp_grid(experiment, alp_cfg)
        written.append(write_alp_grid(out / "alp_yields.h5", alp_grid, provenance))
        print(f"wrote {written[-1]} ({len(alp_masses)} ALP masses x 200 lifetimes)")
    written.append(
        write_json(
            out / "yields_run.json",
            {
                **provenance,
                "command": "darkdump yields",
                "experiment_arg": experiment_arg,
                "files": [p.name for p in written],
            },
        )
    )
    print(
        f"wrote {path} and {csv_path} ({len(config.masses)} masses x "
        f"{len(config.epsilons)} couplings)"
    )
    print(f"wall time {wall:.1f} s; CPU seconds per stage (summed over workers):")
    for name, sec in grid.timings.items():
        print(f"  {name:12s} {sec:8.1f} s")
    if plots:
        for fig in draw_all(grid, experiment, out / "plots", seed=config.seed):
            print(f"wrote {fig}")
            written.append(fig)
    return written


def draw_all(grid: YieldGrid, experiment: Experiment, folder: Path, seed: int = 1) -> list[Path]:
    """Draw the maps of the grid, JHEP fig. 4 and the signal (Z_TAX, CDA_TAX) plane as PNGs.

    The maps come from :mod:`darkdump.yields.plots`, the reports' path too.
    """
    from darkdump.plotting import draw, write_figure
    from darkdump.results.plots import plot_zero_event
    from darkdump.yields import zero_event_rows
    from darkdump.yields.plots import map_figure_jobs

    written = [draw(job) for job in map_figure_jobs(grid, folder)]
    written.append(
        write_figure(
            plot_zero_event,
            folder / "zero_event_geometric.png",
            zero_event_rows(grid),
            figsize=(14.0, 6.0),
            ncols=2,
        )
    )
    for ch in grid.channels:
        path = _draw_signal_plane(grid, experiment, ch, folder / f"ztax_cdatax_{ch}.png", seed)
        if path is not None:
            written.append(path)
    return written


def plot_signal_plane(
    z_tax_m: Any, cda_tax_mm: Any, weights: Any, ax: Any = None, *, title: str
) -> Any:
    """JHEP fig. 5: weighted CDA_TAX [mm] against Z_TAX [m] of simulated signal; returns the Axes."""
    import numpy as np

    from darkdump.plotting import axes_or_new, style

    with style():
        ax = axes_or_new(ax)
        ax.hist2d(
            z_tax_m,
            cda_tax_mm,
            bins=(np.arange(-10, 61, 1.0), np.arange(0, 61, 2.0)),
            weights=weights,
            cmap="viridis",
            cmin=1e-30,
        )
        ax.set_xlabel(r"$Z_{TAX}$ [m]")
        ax.set_ylabel(r"$CDA_{TAX}$ [mm]")
        ax.set_title(title, fontsize=12)
    return ax


def _draw_signal_plane(
    grid: YieldGrid, experiment: Experiment, channel: str, path: Path, seed: int
) -> Path | None:
    """JHEP fig. 5 for the bremsstrahlung signal at the most sensitive point."""
    import numpy as np
    from hepunits import MeV, m, mm

    from darkdump.plotting import write_figure
    from darkdump.results.plots import CHANNEL_LABELS
    from darkdump.yields import signal_events

    if "brems" not in grid.modes:
        return None
    n_exp = grid.values[(channel, "brems")]["n_exp"]
    if not np.any(n_exp > 0):
        return None
    i_m, i_e = np.unravel_index(int(np.argmax(n_exp)), n_exp.shape)
    mass, eps = float(grid.masses[i_m]), float(grid.epsilons[i_e])
    n_events = int(grid.config.get("n_events", 20_000))
    ev = signal_events(mass, "brems", channel, experiment, n_events=n_events, seed=seed)
    sel = ev.selection
    pre = sel.pre_region
    return write_figure(
        plot_signal_plane,
        path,
        sel.z_tax[pre] / m,
        sel.cda_tax[pre] / mm,
        ev.weights(eps)[pre],
        title=(
            rf"signal {CHANNEL_LABELS[channel]}, bremsstrahlung, $M_{{A'}}$ = "
            rf"{mass / MeV:.0f} MeV, $\varepsilon$ = {eps:.2g} (cf. JHEP fig. 5)"
        ),
    )

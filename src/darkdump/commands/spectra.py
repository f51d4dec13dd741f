"""``darkdump spectra``: generate meson or B-meson spectra with PYTHIA 8 (cached on disk).

Examples
--------
``darkdump spectra --kind mesons --events 1000000 --seed 20210``
``darkdump spectra --kind b --events 200000 --seed 20211 --export src/darkdump/data/spectra``
``darkdump spectra --kind mesons --target nucleus --events 1000000 --seed 20210``
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from typing import Any

from darkdump.commands._common import (
    add_experiment_argument,
    add_seed_argument,
    experiment_from,
    float_in,
    int_in,
)

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``spectra`` sub-command."""
    parser = subparsers.add_parser(
        "spectra",
        help="generate meson (pi0 ... phi) or B-meson spectra with PYTHIA 8 (cached)",
        description=(
            "Run PYTHIA 8 for beam protons on the dump nucleons at rest (p-p and p-n in "
            "the Z/A proportion of the dump), histogram the momenta in (log10 p, log10 "
            "theta) and print the multiplicities. Raw runs are cached under "
            "$DARKDUMP_CACHE (default ~/.cache/darkdump), keyed by the settings and seed."
        ),
    )
    parser.add_argument(
        "--kind",
        choices=("mesons", "b"),
        default="mesons",
        help="'mesons': SoftQCD inelastic, pi0/eta/eta'/rho/omega/phi; "
        "'b': hard b bbar, B+/B0/Bs (default: mesons)",
    )
    add_experiment_argument(parser, optional=True)
    parser.add_argument(
        "--target",
        choices=("nucleons", "nucleus"),
        default="nucleons",
        help="'nucleons': p-p and p-n events in the Z/A of the dump; 'nucleus': p-A events "
        "(PYTHIA Angantyr) on the material where most protons interact (default: nucleons)",
    )
    parser.add_argument(
        "--events",
        type=int_in(1, 100_000_000),
        default=100_000,
        help="number of PYTHIA events, p-p plus p-n or p-A (default: 100000)",
    )
    add_seed_argument(parser, "PYTHIA seed of the p-p sample; p-n uses seed+1")
    parser.add_argument(
        "--no-feed-down",
        action="store_true",
        help="count only mesons from hadronisation, not from decays of "
        "heavier hadrons (default: count both)",
    )
    parser.add_argument(
        "--sigma-bb-nb",
        type=float_in(0.0, 1e6, low_open=True),
        default=None,
        help="sigma(pN -> b bbar) per nucleon in nb for chi_bb "
        "(default: 1.7 nb, see darkdump.production.spectra)",
    )
    parser.add_argument(
        "--pythia",
        metavar="SETTING",
        action="append",
        default=[],
        help="extra PYTHIA readString line, e.g. 'Tune:pp = 14' (repeatable; enters the "
        "cache key and the recorded settings; no unit)",
    )
    parser.add_argument(
        "--export",
        metavar="DIR",
        default=None,
        help="also write the histogram table <kind>.npz + <kind>.json to DIR",
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if the run is cached")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="output format of the summary (default: text)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate (or fetch from the cache) and summarise a spectra run."""
    import json

    from darkdump.errors import DarkdumpInputError
    from darkdump.experiments import load
    from darkdump.production import pythia_gen, spectra

    experiment = load(experiment_from(args))
    if args.sigma_bb_nb is not None and args.kind != "b":
        raise DarkdumpInputError("--sigma-bb-nb: applies to --kind b only")
    if args.sigma_bb_nb is not None and not args.sigma_bb_nb > 0:
        raise DarkdumpInputError(f"--sigma-bb-nb {args.sigma_bb_nb}: must be positive (nb)")
    settings = pythia_gen.GenerationSettings(
        kind=args.kind,
        n_events=args.events,
        seed=args.seed,
        beam_energy_GeV=experiment.beam.energy_GeV,
        proton_fraction=round(pythia_gen.target_proton_fraction(experiment), 6),
        extra_settings=tuple(args.pythia),
        nucleus=pythia_gen.target_nucleus(experiment) if args.target == "nucleus" else None,
    )
    if args.export:
        from darkdump.results.io import prepare_output_folder

        prepare_output_folder(args.export, option="--export")
    cached = None if args.force else spectra.load_cached(settings)
    started = time.perf_counter()
    if cached is None:
        # The run is stored in the cache: check it is writable before PYTHIA runs.
        root = spectra.cache_root()
        try:
            root.mkdir(parents=True, exist_ok=True)
            probe = root / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise DarkdumpInputError(
                f"spectra cache {str(root)!r} is not writable ({exc.strerror or exc}); set "
                "DARKDUMP_CACHE to a writable folder"
            ) from None
        pythia_run = _generate_with_progress(settings, quiet=args.format == "json")
        directory = spectra.store_run(pythia_run)
        status = "generated"
    else:
        pythia_run = cached
        directory = spectra._run_dir(settings)
        status = "cached"
    elapsed = time.perf_counter() - started
    interaction = float(pythia_gen.interaction_probabilities(experiment).sum())
    sigma = spectra.SIGMA_BB_PER_NUCLEON_NB if args.sigma_bb_nb is None else args.sigma_bb_nb
    chi = spectra.chi_bb_for_experiment(experiment, sigma) if args.kind == "b" else None
    command = "darkdump " + shlex.join(sys.argv[1:]) if sys.argv else "darkdump spectra"
    extra: dict[str, Any] = {
        "command": command,
        "experiment": experiment.name,
        "cache_dir": str(directory),
    }
    if chi is not None:
        extra["sigma_bb_per_nucleon_nb"] = sigma
    table = spectra.from_run(
        pythia_run,
        interaction_probability=interaction,
        feed_down=not args.no_feed_down,
        chi_bb_value=chi,
        metadata=extra,
    )
    if args.export:
        # The shipped 400 GeV tables are <kind>.npz; other beams <kind>_<E>GeV.npz, so that
        # darkdump.production.spectra.shipped_for_beam finds each by its energy.
        # p-nucleus tables add _pA (PYTHIA Angantyr), e.g. mesons_pA.npz.
        energy = experiment.beam.energy_GeV
        stem = args.kind if energy == 400.0 else f"{args.kind}_{energy:g}GeV"
        if settings.nucleus is not None:
            stem = f"{args.kind}_pA" if energy == 400.0 else f"{args.kind}_pA_{energy:g}GeV"
        spectra.save(table, args.export, stem=stem)
    summary = {
        "kind": args.kind,
        "status": status,
        "seconds": round(elapsed, 1),
        "n_events": pythia_run.n_events,
        "pythia8mc_version": pythia_gen.pythia_version(),
        "cache_dir": str(directory),
        "per_event": table.metadata["per_event"],
        "per_pot": table.per_pot,
    }
    if chi is not None:
        summary["chi_bb"] = chi
        summary["sigma_bb_pythia_lo_nb"] = {k: v * 1e6 for k, v in pythia_run.sigma_gen_mb.items()}
    if args.format == "json":
        print(json.dumps(summary, indent=2))
    else:
        print(f"{status} {pythia_run.n_events} events in {elapsed:.1f} s; cache: {directory}")
        if chi is not None:
            print(f"chi_bb = {chi:.4g} b bbar pairs per proton interaction")
        print(f"{'species':>10} {'per interaction':>16} {'per POT':>12}")
        for name, value in table.metadata["per_event"].items():
            print(f"{name:>10} {value:>16.5g} {table.per_pot[name]:>12.5g}")
    return 0


def _generate_with_progress(settings: Any, quiet: bool) -> Any:
    from rich.progress import Progress

    from darkdump.production import pythia_gen

    if quiet:
        return pythia_gen.generate(settings)
    with Progress(transient=True) as bar:
        task = bar.add_task(f"PYTHIA {settings.kind}", total=settings.n_events)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done)

        return pythia_gen.generate(settings, progress=update)

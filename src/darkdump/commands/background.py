"""``darkdump background``: control samples, combinatorial and prompt backgrounds.

Sub-commands:

``synthetic``
    write a SYNTHETIC halo-muon single-track control sample
    (``darkdump background synthetic --tracks 1000000 --seed 1 --out tracks.parquet``);
``combinatorial``
    pair a control sample into pseudo-events and estimate the combinatorial
    background per region (JHEP 09 (2023) 035 sec. 5.2, tables 2-3, figs. 9-10)
    (``darkdump background combinatorial --tracks tracks.parquet --experiment na62-2021
    --out out/comb``);
``prompt``
    prompt background from rejection-factor pseudo-experiments (PRL 133 (2024)
    111802 eq. 3) (``darkdump background prompt --counts counts.toml``);
``published``
    print the published background models used when no control sample is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from darkdump.analyses.na62_2021 import load_analysis
from darkdump.commands._common import (
    MAX_EVENTS,
    MAX_TOYS,
    add_experiment_argument,
    add_seed_argument,
    experiment_from,
    float_in,
    int_at_least,
    int_in,
    out_path,
    positive_float,
)

__all__ = ["register", "run"]

#: The NA62 2021 trigger and timing numbers (analysis.toml [combinatorial], JHEP secs. 2.2
#: and 5.2): the defaults of the control-sample options.
_NA62: dict[str, Any] = load_analysis()["combinatorial"]


def register(subparsers: Any) -> None:
    """Add the ``background`` sub-command and its sub-commands."""
    parser = subparsers.add_parser(
        "background",
        help="control samples, combinatorial and prompt backgrounds (JHEP sec. 5, PRL)",
        description=(
            "Backgrounds of the dilepton searches: SYNTHETIC control samples, the "
            "combinatorial background from single tracks paired into pseudo-events "
            "(JHEP 09 (2023) 035 sec. 5.2) and the prompt background from rejection-factor "
            "pseudo-experiments (PRL 133 (2024) 111802)."
        ),
    )
    parser.set_defaults(func=_help(parser))
    sub = parser.add_subparsers(
        title="background commands", dest="background_command", metavar="COMMAND"
    )

    syn = sub.add_parser(
        "synthetic",
        help="write a SYNTHETIC halo-muon single-track control sample",
        description=(
            "Generate halo-muon-like single tracks (NOT NA62 data; see "
            "darkdump.analyses.na62_2021.halo for every choice) in the control-sample format."
        ),
    )
    syn.add_argument(
        "--tracks", type=int_in(1, MAX_EVENTS), required=True, help="number of tracks (count)"
    )
    add_seed_argument(syn)
    syn.add_argument(
        "--out",
        type=out_path,
        required=True,
        help="output file, .parquet or .root (TTree 'tracks')",
    )
    syn.add_argument(
        "--rate-hz",
        type=float_in(1.0, 1e9),
        default=_NA62["control_rate_hz"],
        help="recorded track rate during the spill [Hz] (default 14000: downscaled Q1, JHEP sec. 2.2)",
    )
    add_experiment_argument(syn, optional=True)
    syn.add_argument(
        "--no-acceptance",
        action="store_true",
        help="keep every generated track (no downstream-acceptance requirement)",
    )
    syn.add_argument(
        "--spill-s",
        type=float_in(1e-3, 1e3),
        default=_NA62["spill_duration_s"],
        help="effective spill duration [s] (default 4.8, JHEP sec. 2.2)",
    )
    syn.set_defaults(func=run)

    comb = sub.add_parser(
        "combinatorial",
        help="combinatorial background from a single-track control sample (JHEP tables 2-3)",
        description=(
            "Pair single tracks into pseudo-events, select them with the signal selection, "
            "weight them for the coincidence window, Q1 downscaling, spill duration and H2 "
            "efficiency, and report expected yields per charge combination and region. "
            "Writes yields CSV, selected pseudo-events (Parquet), (Z_TAX, CDA_TAX) plots "
            "and a run record into --out."
        ),
    )
    comb.add_argument(
        "--tracks", type=Path, required=True, help="control sample (.parquet or .root)"
    )
    comb.add_argument(
        "--tree", default=None, help="TTree name in a ROOT file (default: the only one)"
    )
    add_experiment_argument(comb, optional=True)
    comb.add_argument("--out", type=out_path, required=True, help="output folder (created)")
    comb.add_argument(
        "--channel", choices=("mumu", "ee"), default="mumu", help="lepton channel (default mumu)"
    )
    add_seed_argument(comb)
    comb.add_argument(
        "--mixing",
        choices=("window", "burst"),
        default="window",
        help="pairing: tracks within a mixing window, or random partners in the burst",
    )
    comb.add_argument(
        "--mixing-window-ms",
        type=float_in(0.0, 1e3, low_open=True),
        default=0.5,
        help="half-width of the mixing window [ms] (default 0.5)",
    )
    comb.add_argument(
        "--partners",
        type=int_in(1, 1000),
        default=None,
        help="random partners per track for --mixing burst (count; default 10)",
    )
    comb.add_argument(
        "--time-window-ns",
        type=positive_float,
        default=_NA62["time_window_ns"],
        help="full coincidence window W [ns] (default 10, JHEP sec. 5.2)",
    )
    comb.add_argument(
        "--downscale",
        type=int_at_least(1),
        default=_NA62["q1_downscale"],
        help="Q1 downscaling factor (count; default 20, JHEP sec. 2.2)",
    )
    comb.add_argument(
        "--spill-s",
        type=positive_float,
        default=_NA62["spill_duration_s"],
        help="effective spill duration [s] for --mixing burst (default 4.8, JHEP sec. 2.2)",
    )
    comb.add_argument(
        "--h2-efficiency",
        type=float_in(0.0, 1.0, low_open=True),
        default=None,
        help="H2 efficiency for two Q1-like tracks [fraction] (default: the experiment's "
        "detector.trigger.efficiency)",
    )
    comb.add_argument(
        "--same-sign-observed",
        type=int_at_least(1),
        default=None,
        help="same-sign data events observed outside the VR (count; JHEP: 61): rescale the "
        "opposite-sign yields by the data/MC ratio (JHEP table 3)",
    )
    comb.add_argument(
        "--observed",
        default=None,
        help="observed data counts per charge combination and region (TOML; 'jhep' for "
        "JHEP table 2): adds N_obs and P(L<=L_obs) columns and, without "
        "--same-sign-observed, gives the same-sign count outside the VR",
    )
    comb.add_argument(
        "--bootstrap",
        type=int_in(1, 100_000),
        default=200,
        help="bootstrap replicas for statistical errors (count; default 200)",
    )
    comb.add_argument("--no-plots", action="store_true", help="do not draw the PNG figures")
    comb.set_defaults(func=run)

    prompt = sub.add_parser(
        "prompt",
        help="prompt background by rejection-factor pseudo-experiments (PRL eq. 3)",
        description=(
            "Read background-sample counts (TOML: [sample] n_fv, scale, relative_systematic; "
            "[conditions.NAME] n_passed, n_tested; optional [regions]) and print the "
            "rejection-factor posteriors and the expected numbers per region with 68 %% "
            "intervals, 90 %% CL limits and the log-normal fit."
        ),
    )
    prompt.add_argument(
        "--counts",
        required=True,
        help="counts file (TOML), or 'illustrative' for the shipped ILLUSTRATIVE counts",
    )
    prompt.add_argument(
        "--pseudo",
        type=int_in(1, MAX_TOYS),
        default=1_000_000,
        help="number of pseudo-experiments (count; default 1000000)",
    )
    add_seed_argument(prompt)
    prompt.add_argument(
        "--channel",
        choices=("ee", "mumu"),
        default="ee",
        help="channel of the background model written with --out (default ee; its mass "
        "shape is the published one, PRL appendix B)",
    )
    prompt.add_argument(
        "--region",
        default="SR",
        help="region whose log-normal fit goes into the background model (default SR)",
    )
    prompt.add_argument(
        "--out",
        type=out_path,
        default=None,
        help="folder for the JSON result and the PNG (optional)",
    )
    prompt.set_defaults(func=run)

    pub = sub.add_parser(
        "published", help="print the published background models (JHEP table 4, PRL app. B)"
    )
    pub.set_defaults(func=run)


def _help(parser: argparse.ArgumentParser) -> Any:
    def show(args: argparse.Namespace) -> int:
        parser.print_help()
        return 0

    return show


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen background command; return the exit status."""
    command = args.background_command
    if command == "synthetic":
        return _run_synthetic(args)
    if command == "combinatorial":
        return _run_combinatorial(args)
    if command == "prompt":
        return _run_prompt(args)
    return _run_published(args)


def _console() -> Any:
    from rich.console import Console

    return Console()


def _run_synthetic(args: argparse.Namespace) -> int:
    import numpy as np
    from hepunits import Hz, s

    from darkdump.analyses.na62_2021.halo import HaloModel, generate_halo_tracks
    from darkdump.background.control_sample import write_control_sample
    from darkdump.errors import DarkdumpInputError

    if args.out.suffix.lower() not in (".parquet", ".pq", ".root"):
        raise DarkdumpInputError(f"--out {str(args.out)!r}: use a .parquet or .root file name")
    from darkdump.experiments import load
    from darkdump.results.io import check_output_file

    check_output_file(args.out, option="--out")

    model = HaloModel(rate=args.rate_hz * Hz, spill_duration=args.spill_s * s)
    experiment = None if args.no_acceptance else load(experiment_from(args))
    sample = generate_halo_tracks(
        args.tracks, np.random.default_rng(args.seed), model, experiment=experiment
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_control_sample(
        sample,
        args.out,
        metadata={
            "command": f"darkdump background synthetic --tracks {args.tracks} --seed {args.seed} "
            f"--rate-hz {args.rate_hz:g} --spill-s {args.spill_s:g} "
            + ("--no-acceptance" if args.no_acceptance else experiment_from(args)),
            "seed": str(args.seed),
            "synthetic": "true",
        },
    )
    n_bursts = int(np.unique(sample.burst_id).size)
    _console().print(
        f"wrote {len(sample)} SYNTHETIC halo-muon tracks in {n_bursts} bursts to {args.out} "
        f"(seed {args.seed})"
    )
    return 0


def _run_combinatorial(args: argparse.Namespace) -> int:
    from darkdump.commands._background_combinatorial import _run_combinatorial as runner

    return runner(args)


def _run_prompt(args: argparse.Namespace) -> int:
    from darkdump.commands._background_prompt import _run_prompt as runner

    return runner(args)


def _run_published(args: argparse.Namespace) -> int:
    from darkdump.commands._background_prompt import _run_published as runner

    return runner(args)

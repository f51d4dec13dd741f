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
import math
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
        default=10,
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


def _fmt(value: float, *errors: float) -> str:
    """``value ± err ± ...`` with two significant digits of the largest error."""
    ref = max((abs(e) for e in errors), default=0.0) or abs(value)
    digits = max(0, 1 - math.floor(math.log10(ref))) if ref > 0 else 0
    return " ± ".join(f"{x:.{digits}f}" for x in (value, *errors))


def _run_combinatorial(args: argparse.Namespace) -> int:
    import time

    import numpy as np
    from hepunits import ms, ns, s
    from rich.table import Table

    from darkdump.analyses.na62_2021.published import MUMU_MASS_DOMAIN
    from darkdump.background.combinatorial import CATEGORIES, CombinatorialConfig, combinatorial
    from darkdump.background.comparison import (
        compatibility_pvalue,
        load_observed,
        same_sign_scaling,
    )
    from darkdump.background.control_sample import read_control_sample
    from darkdump.background.shape import mass_shape_model
    from darkdump.errors import DarkdumpInputError
    from darkdump.experiments import load
    from darkdump.results.io import write_csv, write_json
    from darkdump.results.provenance import versions

    console = _console()
    experiment = load(experiment_from(args))
    tracks = read_control_sample(args.tracks, tree=args.tree)
    config = CombinatorialConfig(
        weight_systematic=_NA62["weight_systematic"],
        time_window=args.time_window_ns * ns,
        q1_downscale=args.downscale,
        spill_duration=args.spill_s * s,
        h2_efficiency=args.h2_efficiency,
        mixing=args.mixing,
        mixing_window=args.mixing_window_ms * ms,
        partners_per_track=args.partners,
    )
    start = time.perf_counter()
    with console.status(f"pairing and selecting {len(tracks)} tracks"):
        result = combinatorial(
            tracks,
            experiment,
            np.random.default_rng(args.seed),
            config,
            channel=args.channel,
            n_bootstrap=args.bootstrap,
            seed=args.seed,
        )
    elapsed = time.perf_counter() - start

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    observed = load_observed(args.observed) if args.observed is not None else {}
    table = Table(
        title=(
            f"Expected combinatorial background ({args.channel}; cf. JHEP 09 (2023) 035 table 2)"
        )
    )
    columns = ["PID", "Region", "N_exp ± stat ± syst", "pseudo-events"]
    if observed:
        columns += ["N_obs", "P(L<=L_obs)"]
    for col in columns:
        table.add_column(col, justify="left" if col in ("PID", "Region") else "right")
    rows = []
    for row in result.yields:
        cells = [row.category, row.region, _fmt(row.n_exp, row.stat, row.syst), str(row.n_pairs)]
        n_obs = observed.get((row.category, row.region))
        p_value = None
        if n_obs is not None:
            p_value = compatibility_pvalue(n_obs, row.n_exp, row.total_error)
        if observed:
            cells += [
                "—" if n_obs is None else str(n_obs),
                "—" if p_value is None else f"{p_value:.2f}",
            ]
        table.add_row(*cells)
        rows.append(
            [row.category, row.region, row.n_exp, row.stat, row.syst, row.n_pairs, n_obs, p_value]
        )
    console.print(table)
    write_csv(
        out / "combinatorial_yields.csv",
        ["pid", "region", "n_exp", "stat", "syst", "n_pseudo_events", "n_obs", "p_value"],
        rows,
    )

    scaled_rows = []
    cats = CATEGORIES[args.channel]
    outside = "outside VR" if args.channel == "mumu" else "outside CR"
    same_sign_observed = args.same_sign_observed
    if same_sign_observed is None and observed:
        found = [observed.get((c, outside)) for c in cats[:2]]
        if all(x is not None for x in found):
            same_sign_observed = sum(x for x in found if x is not None)
    if same_sign_observed is not None:
        same = [result.get(c, outside) for c in cats[:2]]
        n_same = sum(r.n_exp for r in same)
        if n_same <= 0:
            raise DarkdumpInputError(
                "--same-sign-observed: no same-sign pseudo-events outside the blinded regions"
            )
        stat_same = math.sqrt(sum(r.stat**2 for r in same))
        opposite = [(r.region, r.n_exp, r.stat) for r in result.yields if r.category == cats[2]]
        scaled = same_sign_scaling(opposite, same_sign_observed, n_same, stat_same)
        t3 = Table(
            title=(
                f"{cats[2]} scaled by same-sign data/MC = {same_sign_observed}/"
                f"{n_same:.3g} (cf. JHEP table 3)"
            )
        )
        t3.add_column("Region")
        t3.add_column("N_exp", justify="right")
        if observed:
            t3.add_column("N_obs", justify="right")
            t3.add_column("P(L<=L_obs)", justify="right")
        for r in scaled:
            n_obs = observed.get((cats[2], r.region))
            p_value = None if n_obs is None else compatibility_pvalue(n_obs, r.n_exp, r.error)
            cells = [r.region, _fmt(r.n_exp, r.error)]
            if observed:
                cells += [
                    "—" if n_obs is None else str(n_obs),
                    "—" if p_value is None else f"{p_value:.2f}",
                ]
            t3.add_row(*cells)
            scaled_rows.append([r.region, r.n_exp, r.error, r.scale, n_obs, p_value])
        console.print(t3)
        write_csv(
            out / "combinatorial_yields_scaled.csv",
            ["region", "n_exp", "error", "scale", "n_obs", "p_value"],
            scaled_rows,
        )

    _write_pairs(result, out / "combinatorial_pseudo_events.parquet")
    model_record: dict[str, Any] | None = None
    if args.channel == "mumu":
        try:
            model = mass_shape_model(result, MUMU_MASS_DOMAIN)
            model_record = model.to_record()
            write_json(out / "background_model_mumu.json", model_record)
        except DarkdumpInputError as exc:
            console.print(f"[yellow]no mass shape fitted: {exc}[/yellow]")
    if not args.no_plots:
        from darkdump.background.plots import plot_zcda
        from darkdump.plotting import write_figure

        for index, label in enumerate(CATEGORIES[args.channel]):
            name = label.replace("+", "p").replace("-", "m")
            write_figure(
                plot_zcda,
                out / f"zcda_{name}.png",
                result.pairs,
                index,
                experiment=experiment,
                figsize=(9.0, 6.0),
            )
    write_json(
        out / "combinatorial_run.json",
        {
            "command": "darkdump background combinatorial",
            "tracks": str(args.tracks),
            "experiment": experiment_from(args),
            "channel": args.channel,
            "seed": args.seed,
            "config": {
                "time_window_ns": config.time_window / ns,
                "q1_downscale": config.q1_downscale,
                "spill_duration_s": config.spill_duration / s,
                "h2_efficiency": result.h2_efficiency,
                "weight_systematic": config.weight_systematic,
                "mixing": config.mixing,
                "mixing_window_ms": config.mixing_window / ms,
                "partners_per_track": config.partners_per_track,
                "bootstrap": args.bootstrap,
            },
            "n_tracks": result.n_tracks,
            "n_pseudo_events_formed": result.pairs.n_formed,
            "n_pseudo_events_selected": len(result.pairs),
            "same_sign_observed": same_sign_observed,
            "observed": args.observed,
            "mass_model": model_record,
            "versions": versions(),
        },
    )
    console.print(
        f"{result.n_tracks} tracks, {result.pairs.n_formed} pseudo-events formed, "
        f"{len(result.pairs)} selected in {elapsed:.1f} s; results in {out}"
    )
    return 0


def _write_pairs(result: Any, path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from hepunits import GeV, m

    from darkdump.background.combinatorial import CATEGORIES

    pairs = result.pairs
    labels = np.array(CATEGORIES[result.channel])[pairs.category]
    columns: dict[str, Any] = {
        "track_i": pairs.i,
        "track_j": pairs.j,
        "pid": labels,
        "weight": pairs.weight,
        "z_tax_m": pairs.z_tax / m,
        "cda_tax_m": pairs.cda_tax / m,
        "m_ll_GeV": pairs.m_ll / GeV,
        "vertex_x_m": pairs.vertex[:, 0] / m,
        "vertex_y_m": pairs.vertex[:, 1] / m,
        "vertex_z_m": pairs.vertex[:, 2] / m,
    }
    for name, mask in pairs.regions.items():
        columns["in_" + name.replace(" ", "_").replace("+", "_")] = mask
    pq.write_table(pa.table(columns), path)


def _run_prompt(args: argparse.Namespace) -> int:
    import numpy as np
    from rich.table import Table

    from darkdump.analyses.na62_2021.published import published_model
    from darkdump.background.prompt import load_counts, prompt_background
    from darkdump.errors import DarkdumpInputError
    from darkdump.results.io import write_json

    console = _console()
    counts = load_counts(args.counts)
    if args.out is not None and args.region not in counts.regions:
        # Checked before any work or output.
        raise DarkdumpInputError(
            f"--region {args.region!r}: not a region of the counts file; "
            f"allowed: {', '.join(counts.regions)}"
        )
    result = prompt_background(counts, args.pseudo, np.random.default_rng(args.seed), args.seed)

    factors = Table(title="Survival fractions (1 - rejection factor): Beta(k+1, n-k+1) posteriors")
    for col in ("condition", "passed / tested", "posterior mean", "90% CL upper limit"):
        factors.add_column(col, justify="left" if col == "condition" else "right")
    for f in counts.factors.values():
        factors.add_row(
            f.name,
            f"{f.n_passed} / {f.n_tested}",
            f"{f.posterior_mean:.4g}",
            f"{f.upper_limit():.4g}",
        )
    console.print(factors)
    console.print(
        f"N_FV: {counts.n_fv} sample events x scale {counts.scale:g}, Gamma(n+1) posterior with a "
        f"{100 * counts.relative_systematic:g} % log-normal systematic (PRL 'Backgrounds')"
    )
    regions = Table(
        title=f"Expected prompt background ({args.pseudo} pseudo-experiments, seed {args.seed}; "
        "cf. PRL eq. 3)"
    )
    for col in (
        "region",
        "median",
        "+68%",
        "-68%",
        "mean",
        "90% CL upper",
        "log-normal median",
        "log-normal shape",
    ):
        regions.add_column(col, justify="left" if col == "region" else "right")
    record: dict[str, Any] = {}
    for name, est in result.regions.items():
        regions.add_row(
            name,
            f"{est.median:.3g}",
            f"+{est.upper68 - est.median:.3g}",
            f"-{est.median - est.lower68:.3g}",
            f"{est.mean:.3g}",
            f"{est.upper90:.3g}",
            f"{est.lognormal_median:.3g}",
            f"{est.lognormal_shape:.3g}",
        )
        record[name] = {
            "median": est.median,
            "lower68": est.lower68,
            "upper68": est.upper68,
            "mean": est.mean,
            "upper90": est.upper90,
            "lognormal_median": est.lognormal_median,
            "lognormal_shape": est.lognormal_shape,
        }
    console.print(regions)
    if args.out is not None:
        from darkdump.background.plots import plot_prompt
        from darkdump.plotting import write_figure

        args.out.mkdir(parents=True, exist_ok=True)
        write_json(
            args.out / "prompt_background.json",
            {
                "counts_file": str(args.counts),
                "pseudo_experiments": args.pseudo,
                "seed": args.seed,
                "regions": record,
            },
        )
        write_figure(plot_prompt, args.out / "prompt_background.png", result, figsize=(9.0, 6.0))
        if args.region not in result.regions:
            raise DarkdumpInputError(
                f"--region {args.region!r}: not a region of the counts file; "
                f"allowed: {', '.join(result.regions)}"
            )
        shape = published_model(args.channel)
        model = result.regions[args.region].to_model(
            args.channel,
            shape.shape_kind,
            shape.shape_params,
            shape.mass_domain,
            source=(
                f"darkdump background prompt --counts {args.counts} --pseudo {args.pseudo} "
                f"--seed {args.seed} (region {args.region}); mass shape: {shape.source}"
            ),
        )
        write_json(args.out / f"background_model_{args.channel}.json", model.to_record())
        console.print(f"results in {args.out}")
    return 0


def _run_published(args: argparse.Namespace) -> int:
    from rich.table import Table

    from darkdump.analyses.na62_2021.published import (
        COMBINATORIAL_TABLE4,
        EE_PROMPT_PRL_EQ3,
        PROMPT_UPPER_LIMITS_TABLE4,
        published_model,
    )

    console = _console()
    table = Table(title="Published background models used by default (PRL appendix B)")
    for col in ("channel", "log-normal median", "shape k", "mass pdf", "source"):
        table.add_column(col)
    for channel in ("mumu", "ee"):
        model = published_model(channel)
        table.add_row(
            channel,
            f"{model.median_yield:g}",
            f"{model.lognormal_shape:g}",
            f"{model.shape_kind} {tuple(round(p, 5) for p in model.shape_params)}",
            model.source,
        )
    console.print(table)
    t4 = Table(title="JHEP 09 (2023) 035 table 4 (mu+mu-) and PRL eq. 3 (e+e-)")
    for col in ("component", "region", "expected"):
        t4.add_column(col)
    for region, (value, err) in COMBINATORIAL_TABLE4.items():
        t4.add_row("mumu combinatorial", region, f"{value:g} ± {err:g}")
    for (component, region), limit in PROMPT_UPPER_LIMITS_TABLE4.items():
        t4.add_row(f"mumu {component}", region, f"< {limit:g} (90% CL)")
    for region, (median, up, down) in EE_PROMPT_PRL_EQ3.items():
        t4.add_row("ee prompt", region, f"{median:g} +{up:g} -{down:g} (68% CL)")
    console.print(t4)
    return 0

"""``darkdump background combinatorial``: the runner (parser in :mod:`.background`)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from darkdump.commands._common import experiment_from
from darkdump.commands.background import _NA62, _console


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
        check_observed_keys,
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
    if args.partners is not None and args.mixing != "burst":
        raise DarkdumpInputError("--partners: only with --mixing burst")
    if args.tree is not None and Path(args.tracks).suffix.lower() != ".root":
        raise DarkdumpInputError("--tree: applies to a ROOT file only")
    args.partners = 10 if args.partners is None else args.partners
    experiment = load(experiment_from(args))
    tracks = read_control_sample(args.tracks, tree=args.tree)
    observed = load_observed(args.observed) if args.observed is not None else {}
    check_observed_keys(observed, args.channel, experiment, str(args.observed))
    from darkdump.results.io import prepare_output_folder

    prepare_output_folder(args.out)
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

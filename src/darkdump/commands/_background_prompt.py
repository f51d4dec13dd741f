"""``darkdump background prompt`` and ``published``: the runners (parser in :mod:`.background`)."""

from __future__ import annotations

import argparse
from typing import Any

from darkdump.commands.background import _console


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
    if args.out is not None:
        from darkdump.results.io import prepare_output_folder

        prepare_output_folder(args.out)
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

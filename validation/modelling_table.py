"""How far each modelling choice moves the NA62 contours (issue 10, the closing-note table).

For the default configuration and for every ``[[variations]]`` entry of the na62-2021
experiment file, one choice at a time, the full chain is rerun (``compute_grid``, the
default statistics) and the ratios ours / published of both coupling edges are printed
at 50, 300 and 500 MeV for JHEP fig. 4 (zero-event region, both decay modes, total
and meson decays alone) and at 300 and 500 MeV for JHEP fig. 14 (mu+mu- observed,
the JHEP counting method), with the mass reaches. The published curves are the
validation references of :mod:`darkdump.analyses.na62_2021`; nothing is fitted to them.

    python validation/modelling_table.py [--events N] [--csv FILE] [--only TEXT]

About 20 s per row on two cores. `darkdump reproduce na62-2021 --variations` puts the
same table, from its own runs, in the report.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from hepunits import MeV

from darkdump.analyses.na62_2021.report import (
    choice_table_header,
    choice_table_row,
    override_text,
    published_comparisons,
)
from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, _counting_limits
from darkdump.experiments import load
from darkdump.yields import YieldConfig, compute_grid


def main() -> None:
    """Rerun the chain for the default and every variation; print the ratio table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--events", type=int, default=None, help="decays per mass (default: the run's)"
    )
    parser.add_argument("--csv", default=None, help="also write the table as CSV")
    parser.add_argument(
        "--only", default=None, help="rerun only the variations whose name contains this text"
    )
    args = parser.parse_args()
    cfg = ReproduceConfig.create(quick=False, seed=2021, experiment="na62-2021")
    nominal = load("na62-2021")
    ycfg = YieldConfig(
        masses=tuple((np.asarray(cfg.masses_MeV) * MeV).tolist()),
        epsilons=cfg.epsilons,
        n_events=args.events or cfg.n_events,
        seed=cfg.seed,
        min_effective_events=cfg.min_effective_events,
        max_event_factor=cfg.max_event_factor,
    )
    rows = [("default", "-", nominal)]
    rows += [
        (v.name, override_text(v.overrides), nominal.with_variation(v))
        for v in nominal.variations
        if args.only is None or args.only in v.name
    ]
    header = choice_table_header()
    table = []
    for label, override, experiment in rows:
        start = time.perf_counter()
        grid = compute_grid(experiment, ycfg, workers=2)
        comps = published_comparisons(grid, {"mumu": _counting_limits(grid)[0]})
        table.append(choice_table_row(label, override, comps))
        print(f"# {label}: {time.perf_counter() - start:.0f} s", flush=True)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for line in table:
        print("| " + " | ".join(line) + " |")
    if args.csv:
        with Path(args.csv).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(table)


if __name__ == "__main__":
    main()

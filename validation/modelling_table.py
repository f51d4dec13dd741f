"""How far each modelling choice moves the NA62 contours (issue 10, the closing-note table).

For the default configuration and for every ``[[variations]]`` entry of the na62-2021
experiment file, one choice at a time, the full chain is rerun (``compute_grid``, the
default statistics) and the ratios ours / published of both coupling edges are printed
at 50, 300 and 500 MeV for JHEP fig. 4 (zero-event region, both decay modes, total
and meson decays alone) and at 300 and 500 MeV for JHEP fig. 14 (mu+mu- observed,
the JHEP counting method), with the mass reaches. The published curves are the
validation references of :mod:`darkdump.analyses.na62_2021`; nothing is fitted to them.

    python validation/modelling_table.py [--events N] [--csv FILE]

About one minute per row on two cores (eight rows by default).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from hepunits import MeV

from darkdump.analyses.na62_2021 import REFERENCES
from darkdump.analyses.na62_2021.report import published_comparisons
from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, _counting_limits
from darkdump.experiments import load
from darkdump.yields import YieldConfig, compute_grid

#: (reference, masses in GeV) of the table's cells.
CELLS = (
    ("fig4_total", (0.05, 0.30, 0.50)),
    ("fig4_meson", (0.05, 0.30)),
    ("fig14_mumu", (0.30, 0.50)),
)


def _ratio_cells(comp: object, masses: tuple[float, ...]) -> list[str]:
    grid = np.asarray(comp.masses_GeV)  # type: ignore[attr-defined]
    lower = np.asarray(comp.lower_ratio)  # type: ignore[attr-defined]
    upper = np.asarray(comp.upper_ratio)  # type: ignore[attr-defined]
    cells = []
    for mass in masses:
        i = np.flatnonzero(np.isclose(grid, mass))
        if i.size == 0 or not (np.isfinite(lower[i[0]]) and np.isfinite(upper[i[0]])):
            cells.append("-")
        else:
            cells.append(f"{lower[i[0]]:.2f}/{upper[i[0]]:.2f}")
    return cells


def main() -> None:
    """Rerun the chain for the default and every variation; print the ratio table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--events", type=int, default=None, help="decays per mass (default: the run's)"
    )
    parser.add_argument("--csv", default=None, help="also write the table as CSV")
    args = parser.parse_args()
    cfg = ReproduceConfig.create(quick=False, seed=2021, experiment="na62-2021")
    nominal = load("na62-2021")
    ycfg = YieldConfig(
        masses=tuple((np.asarray(cfg.masses_MeV) * MeV).tolist()),
        epsilons=cfg.epsilons,
        n_events=args.events or cfg.n_events,
        seed=cfg.seed,
    )
    rows = [("default", "-", nominal)]
    rows += [(v.name, str(v.overrides), nominal.with_variation(v)) for v in nominal.variations]
    header = ["choice", "override"]
    for name, masses in CELLS:
        header += [f"{name} {round(m * 1000)} MeV lower/upper" for m in masses]
    header += [f"{name} reach MeV" for name, _ in CELLS]
    table = []
    for label, override, experiment in rows:
        start = time.perf_counter()
        grid = compute_grid(experiment, ycfg, workers=2)
        comps = dict(
            zip(
                REFERENCES,
                published_comparisons(grid, {"mumu": _counting_limits(grid)[0]}),
                strict=True,
            )
        )
        line = [label, override]
        for name, masses in CELLS:
            line += _ratio_cells(comps[name][1], masses)
        line += [f"{1000 * comps[name][1].reach_GeV:.0f}" for name, _ in CELLS]
        table.append(line)
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

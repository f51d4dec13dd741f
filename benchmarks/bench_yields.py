"""Benchmark: the full default yields grid (both channels, both production modes).

140 masses (5-700 MeV, 5 MeV steps) x 200 couplings, 1.2e5 simulated decays per
mass, mode and channel (JHEP sec. 3), on a process pool over masses. Prints the
wall time and the CPU time per stage (production, decay, detector, selection,
re-weighting) summed over the workers. Acceptance (issue 4): <= 60 s wall on
the 2-core machine.

Usage: python benchmarks/bench_yields.py [--workers N] [--events N] [--masses K]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from darkdump.experiments import load
from darkdump.yields import YieldConfig, compute_grid, default_epsilons, default_masses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--events", type=int, default=120_000)
    parser.add_argument("--masses", type=int, default=140, help="first K default masses")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    experiment = load("na62-2021")
    masses = default_masses()[: args.masses]
    config = YieldConfig(
        masses=tuple(float(x) for x in masses),
        epsilons=tuple(float(x) for x in default_epsilons()),
        n_events=args.events,
        seed=args.seed,
    )
    load_avg = os.getloadavg()
    start = time.perf_counter()
    grid = compute_grid(experiment, config, workers=args.workers)
    wall = time.perf_counter() - start
    n_decays = int(sum(v.sum() for v in grid.n_simulated.values()))
    print(
        f"yields grid: {len(masses)} masses x {len(config.epsilons)} couplings, "
        f"{args.events} decays per mass/mode/channel, {args.workers} workers"
    )
    print(
        f"load average before the run (1/5/15 min): {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}"
    )
    print(f"simulated decays in total: {n_decays:.3g}")
    print(f"wall time: {wall:.1f} s")
    print("CPU time per stage, summed over workers:")
    total = 0.0
    for name, sec in grid.timings.items():
        total += sec
        print(f"  {name:12s} {sec:8.1f} s")
    print(f"  {'total':12s} {total:8.1f} s")
    n_exp = grid.get("n_exp", "both", "total")
    print(f"max N_exp (both channels, both modes): {np.max(n_exp):.3g}")


if __name__ == "__main__":
    main()

"""Time ``darkdump reproduce na62-2021``: --quick (target <= 20 s) and the default (<= 60 s).

Runs each configuration from an empty cache in a temporary folder, on a local Dask
cluster with one worker per core, and prints the wall time per step.

    python benchmarks/bench_reproduce.py [--only quick|default] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, run_reproduction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=("quick", "default"), default=None)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    for name in ("quick", "default"):
        if args.only not in (None, name):
            continue
        cfg = ReproduceConfig.create(quick=name == "quick")
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            summary = run_reproduction(
                cfg, Path(tmp), workers=args.workers, quiet=True, log=lambda _m: None
            )
            wall = time.perf_counter() - start
        target = 20.0 if name == "quick" else 60.0
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items() if k != "total")
        print(
            f"{name:8s} wall {wall:6.1f} s (target {target:.0f} s) | {steps} | "
            f"{len(cfg.masses_MeV)} masses x {len(cfg.epsilons)} couplings, "
            f"{cfg.n_events} decays per mass/mode/channel, {args.workers} workers"
        )


if __name__ == "__main__":
    main()

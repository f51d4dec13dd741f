"""Check that the split precision batches are unbiased and measure what they gain.

The precision batches of :func:`darkdump.yields.grid.simulate_mass` decay every A' of
the pilot's edge momentum band ``split_factor`` times at ``1 / split_factor`` of the
weight where plain batches cannot reach the target (the e+e- upper edges below 15 MeV
of na62-2021). Splitting is unbiased for any band that does not depend on the batch's
own decays; this script checks it on the full chain. For ``--seeds`` independent seeds,
one mass is simulated twice with the same capped number of batches (the target is set
out of reach, so both use ``--batches`` batches of the same productions): plain, and
split (with no cost bound, ``SPLIT_MAX_COST``, so that both get the same batches).
Printed per production mode, at four couplings up to just beyond the upper edge of
N_exp >= 2.3: the mean N_exp over the seeds with its standard error, the mean of the
per-seed differences split - plain in units of its standard error (the two runs share
their productions, so the differences are paired; unbiased: within about 2-3 for 8
rows), and the relative spread of one estimate (its Monte-Carlo error).

    python validation/split_batches.py [--mass MEV] [--seeds N] [--events N] [--batches K]

Issue 10 (deliverable 6). About 2 minutes per mass for 30 seeds on two cores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from hepunits import MeV

import darkdump.yields.grid as grid
from darkdump.experiments import load
from darkdump.yields import YieldConfig


def main() -> None:
    """Run both samplings over the seeds and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mass", type=float, default=10.0, help="A' mass [MeV] (default 10)")
    parser.add_argument("--seeds", type=int, default=30, help="independent seeds (default 30)")
    parser.add_argument("--events", type=int, default=20_000, help="events per batch")
    parser.add_argument("--batches", type=int, default=4, help="batches of each run")
    args = parser.parse_args()
    if args.seeds < 2 or args.events < 1000 or not 2 <= args.batches <= 64 or args.mass <= 1.1:
        parser.error("--seeds >= 2, --events >= 1000, --batches 2-64, --mass > 1.1 MeV")
    experiment = load("na62-2021")
    mass = args.mass * MeV
    eps = np.logspace(-8, -3, 120)
    factor = YieldConfig.split_factor  # the default
    runs: dict[tuple[str, str], list[np.ndarray]] = {}
    n_sim: dict[tuple[str, str], int] = {}
    start = time.perf_counter()
    max_cost = grid.SPLIT_MAX_COST
    grid.SPLIT_MAX_COST = 10**6  # the split runs get --batches batches too (no cost bound)
    try:
        for seed in range(100, 100 + args.seeds):
            for label, split in (("plain", 1), ("split", factor)):
                cfg = YieldConfig(
                    masses=(mass,),
                    epsilons=tuple(eps),
                    channels=("ee",),
                    n_events=args.events,
                    seed=seed,
                    min_effective_events=1e12,  # out of reach: every run gets the cap
                    max_event_factor=args.batches,
                    split_factor=split,
                )
                res = grid.simulate_mass(mass, experiment, cfg)
                for mode in cfg.modes:
                    key = (mode, label)
                    runs.setdefault(key, []).append(res.values[("ee", mode)]["n_exp"])
                    n_sim[key] = n_sim.get(key, 0) + res.n_simulated[("ee", mode)]
    finally:
        grid.SPLIT_MAX_COST = max_cost
    print(
        f"{args.mass:g} MeV, e+e-, {args.seeds} seeds x {args.batches} batches of "
        f"{args.events} events, split_factor {factor} ({time.perf_counter() - start:.0f} s)"
    )
    for mode in ("brems", "meson"):
        plain = np.array(runs[(mode, "plain")])
        split = np.array(runs[(mode, "split")])
        inside = np.flatnonzero(split.mean(axis=0) >= 2.3)
        if inside.size == 0:
            print(f"  {mode}: no region N_exp >= 2.3")
            continue
        j = int(inside[-1])
        cost = n_sim[(mode, "split")] / n_sim[(mode, "plain")]
        print(f"  {mode}: the split runs decay {cost:.1f} times as many A'")
        for jj in (j - 6, j - 3, j, min(j + 2, eps.size - 1)):
            mp, ms = plain[:, jj].mean(), split[:, jj].mean()
            ep = plain[:, jj].std(ddof=1) / np.sqrt(args.seeds)
            es = split[:, jj].std(ddof=1) / np.sqrt(args.seeds)
            diff = split[:, jj] - plain[:, jj]  # paired: same productions
            pull = diff.mean() / (diff.std(ddof=1) / np.sqrt(args.seeds))
            print(
                f"    eps {eps[jj]:.3g}: N_exp plain {mp:.4g} +- {ep:.2g}, split {ms:.4g} +- "
                f"{es:.2g}, difference {pull:+.2f} sigma; "
                f"spread of one run {plain[:, jj].std(ddof=1) / mp:.2f} -> "
                f"{split[:, jj].std(ddof=1) / ms:.2f}"
            )


if __name__ == "__main__":
    main()

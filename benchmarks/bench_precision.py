"""Monte-Carlo precision at the contour edges: effective simulated events, (sum w)^2 / sum w^2.

Two measurements (issue 10, deliverable 6: at least 1000 effective events behind every
edge, for each mass, production mode and channel):

- ``--grid DIR/yields/yields.h5`` (from ``darkdump reproduce na62-2021 --out DIR``): the
  selected events of the full chain, at the grid coupling just inside each edge of the
  region N_exp >= 2.3 of every (channel, mode);
- without ``--grid``: the JHEP fig. 4 geometric acceptance of na62-2021 (the generic reach,
  fast), once with JHEP's flat sampling and once with darkdump's importance sampling
  (``darkdump.production.meson_decays.HARD_FRACTION`` and ``FORWARD_FRACTION``,
  ``darkdump.production.brems.HARD_FRACTION``, ``darkdump.decay.volume.NEAR_FRACTION``),
  same number of decays.

    python benchmarks/bench_precision.py [--grid PATH] [--events N]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from hepunits import MeV

from darkdump.sensitivity.grid import exclusion_intervals


def edge_table(masses: np.ndarray, eps: np.ndarray, values: dict, n_eff_key: str) -> None:
    """Print, per (channel, mode), the median and smallest n_eff at the lower and upper edges."""
    for (ch, mode), q in values.items():
        lows, highs, short = [], [], []
        for i in range(masses.size):
            for lo, hi in exclusion_intervals(eps, q["n_exp"][i], 2.3):
                j_lo = min(int(np.searchsorted(eps, lo)), eps.size - 1)
                j_hi = max(int(np.searchsorted(eps, hi, side="right")) - 1, 0)
                lows.append(q[n_eff_key][i, j_lo])
                highs.append(q[n_eff_key][i, j_hi])
                if min(lows[-1], highs[-1]) < 1000:
                    short.append(round(float(masses[i] / MeV)))
        if lows:
            print(
                f"  {ch:>4} {mode:>5}: lower median {np.median(lows):7.0f} min {min(lows):6.0f} | "
                f"upper median {np.median(highs):7.0f} min {min(highs):6.0f} | "
                f"masses with an edge below 1000: {len(short)} {short[:10]}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grid", default=None, help="yields.h5 of a reproduction")
    parser.add_argument("--events", type=int, default=90_000, help="decays per mass/mode/channel")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    if args.grid:
        from darkdump.yields.io import read_grid

        grid = read_grid(args.grid)
        print(f"full chain, selected events ({args.grid}):")
        edge_table(grid.masses, grid.epsilons, grid.values, "n_eff_selected")
        return
    import darkdump.decay.volume as volume
    import darkdump.production.brems as brems
    import darkdump.production.meson_decays as meson_decays
    from darkdump.experiments import load
    from darkdump.sensitivity import ReachConfig, compute_reach

    experiment = load("na62-2021")
    config = ReachConfig(
        masses=tuple(np.arange(1, 141) * 5.0 * MeV),
        epsilons=tuple(np.logspace(-8.0, -3.0, 200)),
        n_events=args.events,
    )
    defaults = (
        meson_decays.HARD_FRACTION,
        meson_decays.FORWARD_FRACTION,
        brems.HARD_FRACTION,
        volume.NEAR_FRACTION,
    )
    for label, fractions in (("flat (JHEP)", (0.0,) * 4), ("importance sampled", defaults)):
        (
            meson_decays.HARD_FRACTION,
            meson_decays.FORWARD_FRACTION,
            brems.HARD_FRACTION,
            volume.NEAR_FRACTION,
        ) = fractions
        brems._grid.cache_clear()
        start = time.perf_counter()
        grid = compute_reach(experiment, config, workers=1)
        print(
            f"fig. 4 geometric acceptance, {label}, {args.events} decays "
            f"({time.perf_counter() - start:.1f} s):"
        )
        edge_table(grid.masses, grid.epsilons, grid.values, "n_eff")


if __name__ == "__main__":
    main()

"""Benchmark of the CLs grid scan (issue 5): observed + expected (+-1, +-2 sigma) contours.

Two channels (e+e- with 0 observed events, mu+mu- with one event at 411 MeV, JHEP sec. 7),
PRL appendix-B nuisances, on a 140 x 200 (mass, eps) grid of a synthetic but
realistically shaped yield (a decay-in-volume law, N ~ eps^2 [exp(-L1/lambda) - exp(-L2/lambda)]).
Prints the wall time. Usage: python benchmarks/bench_stats.py [--toys N] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from hepunits import MeV

from darkdump.analyses.na62_2021.statistics import POT_CONSTRAINT, ee_channel, mumu_channel
from darkdump.stats import GridChannel, scan
from darkdump.stats.pdfs import DEFAULT_MASS_RANGE_MUMU


def synthetic_grid(
    n_mass: int = 140, n_eps: int = 200
) -> tuple[np.ndarray, np.ndarray, list[GridChannel]]:
    mass = np.linspace(10.0, 700.0, n_mass) * MeV
    eps = np.logspace(-7, -3, n_eps)
    m, e = np.meshgrid(mass, eps, indexing="ij")
    # decay length [m]: ~ p / (eps^2 M^2), tuned to put the upper edge near 1e-5 at 100 MeV
    lam = 60.0 * (1e-5 / e) ** 2 * (100.0 * MeV / m) ** 2
    l1, l2 = 82.0, 157.0
    with np.errstate(over="ignore"):
        prob = np.exp(-l1 / lam) - np.exp(-l2 / lam)
    yield_total = 1.5e12 * e**2 * prob * (m / (100.0 * MeV)) ** 1.5 * np.exp(-m / (300.0 * MeV))
    lo_mumu = DEFAULT_MASS_RANGE_MUMU[0]
    frac_mumu = np.where(m > lo_mumu, 0.4 * (1 - (lo_mumu / m) ** 2), 0.0)
    ee = GridChannel(ee_channel([]), yield_total * (1 - frac_mumu), 0.015 * m + 0.3 * MeV)
    mumu = GridChannel(mumu_channel([411.0 * MeV]), yield_total * frac_mumu, 0.01 * m + 1.0 * MeV)
    return mass, eps, [ee, mumu]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--toys", type=int, default=2000)
    parser.add_argument("--refine-toys", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    mass, eps, channels = synthetic_grid()
    t0 = time.perf_counter()
    res = scan(
        channels,
        mass,
        eps,
        pot=POT_CONSTRAINT,
        n_toys=args.toys,
        refine_toys=args.refine_toys,
        seed=args.seed,
    )
    dt = time.perf_counter() - t0
    n_toy_points = int(res.from_toys.sum())
    print(
        f"grid {mass.size} x {eps.size}, {args.toys} toys/hypothesis, cores={os.cpu_count()}, "
        f"load={os.getloadavg()[0]:.1f}"
    )
    n_refined = int((res.toys_used > args.toys).sum())
    print(
        f"toy-evaluated points: {n_toy_points} ({n_toy_points / res.from_toys.size:.1%}), "
        f"of which refined: {n_refined}, rounds: {res.rounds}"
    )
    lo, hi = res.contours["observed"].lower_upper()
    i = int(np.argmin(np.abs(mass - 411.0 * MeV)))
    print(f"observed interval at {mass[i]:.0f} MeV: [{lo[i]:.3g}, {hi[i]:.3g}]")
    j = int(np.argmin(np.abs(mass - 100.0 * MeV)))
    print(f"observed interval at {mass[j]:.0f} MeV: [{lo[j]:.3g}, {hi[j]:.3g}]")
    print(f"WALL TIME observed + expected (+-1, +-2 sigma) combined scan: {dt:.1f} s")


if __name__ == "__main__":
    main()

"""Timing of the spectra sampling and of the ALP generator (prints rates).

Run: /work/venv/bin/python benchmarks/bench_spectra.py
Timings on the shared 2-core machine are pessimistic.
"""

from __future__ import annotations

import time

import numpy as np
from hepunits import MeV

from darkdump.experiments import load
from darkdump.production.alp import generate_alp
from darkdump.production.spectra import MESONS, load_default

N = 120_000


def best_of(func, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    mesons = load_default("mesons")
    load_default("b")
    print(f"load shipped tables: {time.perf_counter() - start:.3f} s")
    for name in MESONS:
        dt = best_of(lambda name=name: mesons.sample(name, N, rng))
        print(f"sample {N} {name:>8}: {dt * 1e3:7.1f} ms  ({N / dt:.3g} /s)")
    exp = load("na62-2021")
    dt = best_of(lambda: generate_alp(300 * MeV, N, rng, exp))
    print(f"generate_alp {N} at 0.3 GeV: {dt * 1e3:7.1f} ms  ({N / dt:.3g} /s)")


if __name__ == "__main__":
    main()

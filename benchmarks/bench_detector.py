"""Throughput of the decay stage and of the detector fast simulation (events per second).

Prints, for 1.2e5 events per call (the papers' statistics per mass, mode and channel):
decay_in_volume and simulate rates for mu mu and e e, and a numpy reference
(a*b + c on 2.4e5 doubles) so that figures from a loaded machine can be scaled.
Production samples are built by hand (A' from the TAX, 10-300 GeV, p_T ~ 0.3 GeV).

Run: /work/venv/bin/python benchmarks/bench_detector.py
"""

from __future__ import annotations

import os
import time

import numpy as np
from hepunits import GeV, MeV, m

from darkdump.decay import decay_in_volume
from darkdump.detector import simulate
from darkdump.experiments import load
from darkdump.production.sample import ProductionSample


def _production(n: int, mass: float, rng: np.random.Generator) -> ProductionSample:
    p = rng.uniform(10 * GeV, 300 * GeV, n)
    pt = rng.exponential(0.3 * GeV, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    mom = np.column_stack([pt * np.cos(phi), pt * np.sin(phi), np.sqrt(p**2 - pt**2)])
    point = np.column_stack(
        [rng.normal(0, 4.7, n), rng.normal(-22, 3.2, n), rng.uniform(23.07, 26.27, n) * m]
    )
    return ProductionSample(mass, "brems", mom, point, np.ones(n))


def _best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return float(best)


def main() -> None:
    exp = load("na62-2021")
    rng = np.random.default_rng(1)
    n = 120_000
    a = rng.random((2, n))
    b = rng.random(n)
    t_ref = _best_of(lambda: a * b + b, 20)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"numpy reference: {t_ref / (2 * a.size) * 1e9:.2f} ns per element-operation")
    for lepton, mass in (("mu", 400 * MeV), ("e", 50 * MeV)):
        prod = _production(n, mass, rng)
        t_dec = _best_of(lambda: decay_in_volume(prod, lepton, 102 * m, 180 * m, rng))  # noqa: B023
        dec = decay_in_volume(prod, lepton, 102 * m, 180 * m, rng)
        t_sim = _best_of(lambda: simulate(dec, exp, rng))  # noqa: B023
        tracks = simulate(dec, exp, rng)
        acc = float(
            np.mean(
                tracks.in_acceptance
                & tracks.pid({"e": "ee", "mu": "mumu"}[lepton])
                & tracks.trigger
            )
        )
        print(
            f"{lepton}{lepton}: decay_in_volume {n / t_dec:,.0f} events/s, "
            f"simulate {n / t_sim:,.0f} events/s (single thread, best of 5); "
            f"acceptance x PID x trigger of this toy sample {acc:.3f}"
        )


if __name__ == "__main__":
    main()

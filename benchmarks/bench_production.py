"""Benchmark: sample 1.2e5 A' per mechanism at one mass (JHEP sec. 3 uses >= 1.2e5 per mass).

Usage: ``python benchmarks/bench_production.py [--mass 0.3] [--events 120000]``

Prints, per mechanism, the wall time of ``darkdump.production.generate`` (first call,
which builds the cached per-mass bremsstrahlung grid, and the best of three repeats),
the sampling rate and the per-POT rate / eps^2 of the sample. Meson spectra: the
shipped PYTHIA tables when present, otherwise a toy stand-in (flagged in the output).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from hepunits import GeV

from darkdump.experiments import load
from darkdump.production import MECHANISMS, generate


class ToySpectra:
    """Stand-in meson spectra for timing only (NOT physics)."""

    def multiplicity(self, species: str) -> float:
        return 1.0

    def sample(self, species: str, n: int, rng: np.random.Generator) -> np.ndarray:
        p = rng.exponential(20 * GeV, n) + 1 * GeV
        theta = rng.exponential(0.01, n)
        phi = rng.uniform(0, 2 * np.pi, n)
        return np.stack(
            [p * np.sin(theta) * np.cos(phi), p * np.sin(theta) * np.sin(phi), p * np.cos(theta)],
            axis=1,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mass", type=float, default=0.3, help="A' mass in GeV (default 0.3)")
    parser.add_argument("--events", type=int, default=120_000, help="events per mechanism")
    args = parser.parse_args()
    exp = load("na62-2021")
    mass = args.mass * GeV
    spectra = None
    label = "shipped PYTHIA spectra"
    try:
        from darkdump.production import spectra as spectra_module

        spectra_module.load_default("mesons")
    except Exception:
        spectra = ToySpectra()
        label = "TOY stand-in spectra (shipped tables not available)"
    print(f"M = {args.mass:g} GeV, n = {args.events} per mechanism; mesons: {label}")
    print(
        f"{'mechanism':<10} {'first [s]':>10} {'best [s]':>10} {'events/s':>12} {'rate/eps^2':>12}"
    )
    for mechanism in MECHANISMS:
        kwargs = {} if spectra is None or mechanism == "brems" else {"spectra": spectra}
        t0 = time.perf_counter()
        sample = generate(mechanism, mass, args.events, np.random.default_rng(1), exp, **kwargs)
        first = time.perf_counter() - t0
        best = np.inf
        for seed in (2, 3, 4):
            t0 = time.perf_counter()
            sample = generate(
                mechanism, mass, args.events, np.random.default_rng(seed), exp, **kwargs
            )
            best = min(best, time.perf_counter() - t0)
        print(
            f"{mechanism:<10} {first:>10.3f} {best:>10.3f} {args.events / best:>12.3e} "
            f"{sample.rate:>12.4e}"
        )


if __name__ == "__main__":
    main()

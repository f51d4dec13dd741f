"""How far the [modelling.b] choices move the NA62 ALP bounds (issue 10, the ALP item).

For each alternative of ``[modelling.b]`` of the na62-2021 experiment file (the b-bbar
cross-section per nucleon, its nuclear exponent alpha, the B -> K* a share of the
B -> K(*) a decays), the ALP step of ``darkdump reproduce na62-2021`` is rerun at a few
masses with the default run's lifetimes and statistics (and twice its ALPs), and the ratio of the
bounds on BR(B -> K(*) a) x BR(a -> l+l-) (alternative / default; above 1 is weaker) is
printed per channel and mass: for the best bound over the lifetimes, and at 1 ns and
100 ns. Below about 100 ps the ALP sample's Monte-Carlo noise exceeds the K/K* effect.

    python validation/alp_modelling.py [--masses MEV ...] [--events N]

About 5 s on two cores.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from hepunits import MeV, ns

from darkdump.analyses.na62_2021.limits import _alp_limits
from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, _alp_task
from darkdump.experiments import load
from darkdump.experiments.schema import Experiment
from darkdump.yields.alp import AlpConfig

ALTERNATIVES: tuple[tuple[str, dict[str, dict[str, float | str]]], ...] = (
    ("sigma_bb 2.63 nb (default 1.7)", {"b": {"sigma_bb_per_nucleon_nb": 2.63}}),
    ("alpha 0.95 (default 1)", {"b": {"nuclear_exponent": 0.95}}),
    ("K a only (k_star_fraction 0)", {"b": {"k_star_fraction": 0.0}}),
    ("K* a only (k_star_fraction 1)", {"b": {"k_star_fraction": 1.0}}),
)


def bounds(
    experiment: Experiment, masses: tuple[float, ...], acfg: AlpConfig
) -> dict[str, np.ndarray]:
    """Rows (mass_GeV, tau_ps, br_limit) per channel for ``experiment``."""
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_alp_task, [(m * MeV, experiment, acfg) for m in masses]))
    return {ch: np.array(rows) for ch, rows in _alp_limits(results, acfg).items()}


def _ratio_at(alt: np.ndarray, base: np.ndarray, tau_ps: float) -> float:
    """Bound ratio at the lifetime of the grid nearest ``tau_ps``."""
    k = int(np.argmin(np.abs(np.log(base[:, 1] / tau_ps))))
    return float(alt[k, 2] / base[k, 2])


def main() -> None:
    """Print the ratio table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--masses", type=float, nargs="+", default=[100.0, 200.0, 300.0, 400.0, 600.0]
    )
    parser.add_argument(
        "--events", type=int, default=100_000, help="ALPs per mass (default 1e5, twice the run's)"
    )
    args = parser.parse_args()
    cfg = ReproduceConfig.create()
    masses = tuple(args.masses)
    acfg = AlpConfig(
        masses=tuple((np.asarray(masses) * MeV).tolist()),
        taus=tuple((np.asarray(cfg.alp_taus_ns) * ns).tolist()),
        n_events=args.events,
        seed=cfg.seed,
    )
    nominal = load("na62-2021")
    base = bounds(nominal, masses, acfg)
    print("| alternative | channel | mass [MeV] | best bound | at 1 ns | at 100 ns |")
    print("|---|---|---|---|---|---|")
    for label, override in ALTERNATIVES:
        alt = bounds(nominal.with_modelling(override), masses, acfg)
        for ch in ("ee", "mumu"):
            for mass in masses:
                b = base[ch][np.isclose(base[ch][:, 0], mass / 1000.0)]
                a = alt[ch][np.isclose(alt[ch][:, 0], mass / 1000.0)]
                # Lifetimes with a bound in both runs (a bound may start or end elsewhere).
                common = np.intersect1d(a[:, 1], b[:, 1])
                if common.size == 0:
                    continue
                a = a[np.isin(a[:, 1], common)]
                b = b[np.isin(b[:, 1], common)]
                print(
                    f"| {label} | {ch} | {mass:.0f} | {a[:, 2].min() / b[:, 2].min():.3f} "
                    f"| {_ratio_at(a, b, 1e3):.3f} | {_ratio_at(a, b, 1e5):.3f} |"
                )


if __name__ == "__main__":
    main()

"""Per-mass random streams and production samples of the yields runs.

Shared by :mod:`darkdump.yields.grid`, :mod:`darkdump.yields.alp` and
:mod:`darkdump.sensitivity`.

The meson mode is the sum of pi0, eta, eta', rho, omega, phi decays: events are shared
among the mesons in proportion to their rates (each open channel gets at least 1/20 of
the events) and carry weight rate_m / n_m, so the mixture is correctly weighted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import keV

from darkdump.yields.model import MESONS, PRODUCTION_MODES

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["mass_rng", "production_sample"]

#: Minimum share of the meson-mode events given to each open meson channel.
_MESON_MIN_SHARE = 1.0 / 20.0


def _rng(seed: int, mass: float, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, round(mass / keV), *keys]))


def _meson_mixture(
    mass: float, n: int, rng: np.random.Generator, experiment: Experiment
) -> tuple[Any, float]:
    from darkdump import production
    from darkdump.production.sample import ProductionSample

    rates = {mes: float(production.per_pot_over_eps2(mes, mass, experiment)) for mes in MESONS}
    total = sum(rates.values())
    if total <= 0.0:
        return None, 0.0
    open_ = [mes for mes in MESONS if rates[mes] > 0.0]
    counts = {
        mes: max(math.ceil(n * rates[mes] / total), math.ceil(n * _MESON_MIN_SHARE))
        for mes in open_
    }
    parts = [production.generate(mes, mass, counts[mes], rng, experiment) for mes in open_]
    sample = ProductionSample(
        mass=mass,
        mechanism="meson",
        momentum=np.concatenate([p.momentum for p in parts]),
        production_point=np.concatenate([p.production_point for p in parts]),
        weight=np.concatenate([p.weight for p in parts]),
    )
    return sample, float(sample.rate)


def _production(
    mode: str, mass: float, n: int, rng: np.random.Generator, experiment: Experiment
) -> Any:
    from darkdump import production

    if mode == "brems":
        # The sample's weights sum to the importance-sampled rate (no separate integral).
        sample = production.generate("brems", mass, n, rng, experiment)
        return sample if sample.rate > 0.0 else None
    if mode == "meson":
        return _meson_mixture(mass, n, rng, experiment)[0]
    raise ValueError(f"production mode {mode!r}: allowed: {', '.join(PRODUCTION_MODES)}")


#: Public names of the two helpers above.
mass_rng = _rng
production_sample = _production

"""ALP yields per unit BR product on the (M_a, tau_a) plane (JHEP fig. 16; PRL fig. 5).

The ALP from B -> K(*) a (Doebrich, Ertas, Kahlhoefer, Spadaro, PLB 790 (2019) 537)
has the lifetime as a free parameter: the decay weight of JHEP eq. 3.6 is
``w_i = s k_i L_i exp(-s k_i D_i)`` with ``s = 1 / (c tau_a)`` and ``k_i = M / p_i``,
the same form as for the dark photon, so the same re-weighting serves every
lifetime. The expected yield per unit ``BR(B -> K(*) a) x BR(a -> ll)`` is

    n_exp_per_br = N_POT x (B -> K(*) a per POT per unit BR) x P_D x A_sel,

and the 90 % CL zero-event bound on the BR product is ``2.3 / n_exp_per_br``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, c_light, ns

from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["AlpConfig", "AlpGrid", "compute_alp_grid", "default_alp_taus", "simulate_alp_mass"]


def default_alp_taus() -> FloatArray:
    """200 log-spaced ALP lifetimes 1e-4 to 1e4 ns [ns]."""
    return np.asarray(np.logspace(-4.0, 4.0, 200) * ns, dtype=np.float64)


@dataclass(frozen=True)
class AlpConfig:
    """What an ALP yields run computes: masses [MeV], lifetimes [ns], channels, statistics."""

    masses: tuple[float, ...]
    taus: tuple[float, ...]
    channels: tuple[str, ...] = ("ee", "mumu")
    n_events: int = 120_000
    seed: int = 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (GeV, ns)."""
        out = asdict(self)
        out["masses_GeV"] = [x / GeV for x in out.pop("masses")]
        out["taus_ns"] = [x / ns for x in out.pop("taus")]
        return out


@dataclass(frozen=True)
class AlpGrid:
    """ALP yields: ``values[channel][quantity]`` of shape ``(n_mass, n_tau)``.

    Quantities as :data:`darkdump.yields.QUANTITIES` with ``n_exp`` and
    ``n_exp_geo`` per unit BR product. ``production_rate`` (n_mass,) is the
    number of B -> K(*) a decays per POT per unit BR product.
    """

    masses: FloatArray
    taus: FloatArray
    values: dict[str, dict[str, FloatArray]]
    production_rate: FloatArray
    n_pot: float
    config: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def simulate_alp_mass(
    mass: float, experiment: Experiment, config: AlpConfig
) -> tuple[dict[str, Any], float]:
    """One ALP mass [MeV]: ``({channel: {quantity: (n_tau,)}}, B -> K(*) a per POT per BR)``."""
    from darkdump import production
    from darkdump.selection.select import lepton_mass
    from darkdump.yields.grid import _channel_yields, _simulate_channel, _zeros
    from darkdump.yields.sampling import ALP_MODE_KEY, CHANNEL_KEY
    from darkdump.yields.sampling import mass_rng as _rng

    s = 1.0 / (c_light * np.asarray(config.taus, dtype=np.float64))  # 1 / (c tau) [1/mm]
    prod = production.generate(
        "B", mass, config.n_events, _rng(config.seed, mass, ALP_MODE_KEY), experiment
    )
    rate = float(prod.rate)
    out: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for i_ch, ch in enumerate(config.channels):
        if rate <= 0.0 or mass <= 2.0 * lepton_mass(ch):
            out[ch] = _zeros(s.size)
            continue
        dec, sel, geo = _simulate_channel(
            prod, ch, _rng(config.seed, mass, ALP_MODE_KEY, CHANNEL_KEY + i_ch), experiment, timings
        )
        out[ch], _n = _channel_yields(
            dec,
            sel,
            geo,
            1.0,
            s,
            float(experiment.beam.n_pot),
            rate,
            1.0,
            production_scale=np.ones_like(s),
        )
    return out, rate


#: Former private name of :func:`simulate_alp_mass` (kept for callers).
_alp_mass = simulate_alp_mass


def compute_alp_grid(
    experiment: Experiment,
    config: AlpConfig,
    on_done: Callable[[int], None] | None = None,
) -> AlpGrid:
    """ALP yields per unit BR product on the (mass, lifetime) grid (serial over masses)."""
    from darkdump.yields.grid import QUANTITIES, fill_sigma_m

    rows = []
    rates = []
    for i, mass in enumerate(config.masses):
        values, rate = simulate_alp_mass(float(mass), experiment, config)
        rows.append(values)
        rates.append(rate)
        if on_done is not None:
            on_done(i)
    masses = np.asarray(config.masses, dtype=np.float64)
    grid_values = {
        ch: {q: np.stack([r[ch][q] for r in rows]) for q in QUANTITIES} for ch in config.channels
    }
    for q in grid_values.values():
        q["sigma_m"] = fill_sigma_m(q["sigma_m"], q["n_eff_selected"], masses)
    cfg = config.as_dict()
    cfg["experiment"] = str(experiment.name)
    return AlpGrid(
        masses=masses,
        taus=np.asarray(config.taus, dtype=np.float64),
        values=grid_values,
        production_rate=np.asarray(rates),
        n_pot=float(experiment.beam.n_pot),
        config=cfg,
    )

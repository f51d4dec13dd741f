"""Zero-background reach for ALPs from B -> K(*) a (model-independent, PRL fig. 5 plane).

The ALP lifetime is a free parameter (Doebrich, Ertas, Kahlhoefer, Spadaro, PLB 790 (2019)
537), so the decay weight is re-weighted over ``s = 1 / (c tau_a)`` exactly as the dark
photon's over ``eps^2`` (:mod:`darkdump.yields.alp`), but the production does not scale
with it. The expected events per unit ``BR(B -> K(*) a) x BR(a -> ll)`` are

    n_per_br = N_POT x (B -> K(*) a per POT per unit BR) x P_D x A_zero x efficiency,

and the bound on the BR product at the experiment's event threshold is
``threshold / n_per_br``. The B spectra are PYTHIA's at the experiment's beam energy
(shipped for 400 GeV; another energy is a one-line error).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, MeV, c_light, m, ns, ps

from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["ALP_COLUMNS", "AlpReach", "AlpReachConfig", "compute_alp_reach"]

ALP_COLUMNS = ("mass_GeV", "channel", "tau_ps", "br_product_limit")


@dataclass(frozen=True)
class AlpReachConfig:
    """ALP masses [MeV], lifetimes [ns], decays per mass and channel, seed, POT override."""

    masses: tuple[float, ...] = tuple(float(x) * MeV for x in np.arange(10.0, 1001.0, 10.0))
    taus: tuple[float, ...] = tuple(float(x) * ns for x in np.logspace(-3.0, 4.0, 71))
    n_events: int = 40_000
    seed: int = 2021
    n_pot: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (GeV, ns)."""
        out = asdict(self)
        out["masses_GeV"] = [x / GeV for x in out.pop("masses")]
        out["taus_ns"] = [x / ns for x in out.pop("taus")]
        return out


@dataclass
class AlpReach:
    """Expected events per unit BR product, ``n_per_br[channel]`` of shape (n_mass, n_tau)."""

    masses: FloatArray
    taus: FloatArray
    n_per_br: dict[str, FloatArray]
    production_rate: FloatArray
    threshold: float
    n_pot: float
    config: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def channels(self) -> tuple[str, ...]:
        """Decay channels present."""
        return tuple(self.n_per_br)

    def limit(self, channel: str) -> FloatArray:
        """BR-product bound (n_mass, n_tau); ``"all"`` sums the channels' events; inf: none."""
        n = sum(self.n_per_br.values()) if channel == "all" else self.n_per_br[channel]
        with np.errstate(divide="ignore", over="ignore"):
            return np.asarray(
                np.where(n > 0, self.threshold / np.where(n > 0, n, 1.0), np.inf), dtype=np.float64
            )

    def rows(self) -> list[tuple[float, str, float, float]]:
        """``(mass_GeV, channel, tau_ps, br_product_limit)`` where the bound is below 1."""
        out = []
        for ch in (*self.channels, "all"):
            lim = self.limit(ch)
            for i, mass in enumerate(self.masses):
                for j, tau in enumerate(self.taus):
                    if lim[i, j] < 1.0:
                        out.append((float(mass / GeV), ch, float(tau / ps), float(lim[i, j])))
        return out


def _alp_mass(
    mass: float, experiment: Experiment, config: AlpReachConfig
) -> tuple[dict[str, FloatArray], float]:
    from darkdump import decay, production
    from darkdump.decay.kinematics import lepton_mass
    from darkdump.sensitivity.acceptance import ChannelAcceptance, channel_acceptance
    from darkdump.sensitivity.grid import _channel_reach
    from darkdump.yields.model import CHANNELS
    from darkdump.yields.sampling import ALP_MODE_KEY, CHANNEL_KEY, mass_rng

    assert experiment.acceptance is not None
    s = 1.0 / (c_light * np.asarray(config.taus, dtype=np.float64))  # 1 / (c tau) [1/mm]
    n_pot = float(config.n_pot if config.n_pot is not None else experiment.beam.n_pot)
    prod = production.generate(
        "B", mass, config.n_events, mass_rng(config.seed, mass, ALP_MODE_KEY), experiment
    )
    rate = float(prod.rate)
    dv = experiment.decay_volume
    out: dict[str, FloatArray] = {}
    for ch in experiment.acceptance.channels():
        lepton = {"ee": "e", "mumu": "mu"}[ch]
        if rate <= 0.0 or mass <= 2.0 * lepton_mass(lepton):
            out[ch] = np.zeros(s.size)
            continue
        rng = mass_rng(config.seed, mass, ALP_MODE_KEY, CHANNEL_KEY + CHANNELS.index(ch))
        dec = decay.decay_in_volume(prod, lepton, dv.z_min_m * m, dv.z_max_m * m, rng)
        acc = ChannelAcceptance.build(experiment, ch)
        accepted = channel_acceptance(
            dec.decay_point, dec.daughter_momenta, lepton_mass(lepton), acc
        )
        # ctau1 = 1 mm makes the re-weighting variable s = 1 / (c tau) in 1/mm; the
        # production does not scale with s: divide the dark-photon form's s back out.
        reach = _channel_reach(dec, accepted, 1.0, s, n_pot * rate * acc.efficiency)
        out[ch] = reach["n_exp"] / s
    return out, rate


def compute_alp_reach(
    experiment: Experiment,
    config: AlpReachConfig,
    *,
    on_done: Callable[[int], None] | None = None,
) -> AlpReach:
    """Compute the ALP reach grid of ``experiment`` (serial over masses; B production is fast)."""
    assert experiment.acceptance is not None
    start = time.perf_counter()
    rows = []
    rates = []
    for i, mass in enumerate(config.masses):
        values, rate = _alp_mass(float(mass), experiment, config)
        rows.append(values)
        rates.append(rate)
        if on_done is not None:
            on_done(i)
    channels = tuple(experiment.acceptance.channels())
    cfg = config.as_dict()
    cfg["experiment"] = experiment.name
    return AlpReach(
        masses=np.asarray(config.masses, dtype=np.float64),
        taus=np.asarray(config.taus, dtype=np.float64),
        n_per_br={ch: np.stack([r[ch] for r in rows]) for ch in channels},
        production_rate=np.asarray(rates),
        threshold=float(experiment.acceptance.events),
        n_pot=float(config.n_pot if config.n_pot is not None else experiment.beam.n_pot),
        config=cfg,
        timings={"total": time.perf_counter() - start},
    )

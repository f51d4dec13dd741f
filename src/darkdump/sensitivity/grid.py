"""Zero-background reach on the (M, eps) plane: production x decay x acceptance.

For each mass ONE production sample per mode (bremsstrahlung, meson decays; shared by
the channels) and ONE decay sample per channel, flat between the planes of
``decay_volume`` (as :mod:`darkdump.yields.grid`), re-weighted for every coupling
(:mod:`darkdump.yields.reweight`):

``N_exp = N_POT eps^2 [P(pN -> A')/eps^2] P_D BR(A' -> ll) A_zero x efficiency``

with ``A_zero`` the acceptance of :mod:`darkdump.sensitivity.acceptance`. The region
excluded at the experiment's event threshold (2.3 by default) is
:func:`exclusion_intervals` of each column of the map.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, MeV, m

from darkdump.kinematics import norm3
from darkdump.typing import FloatArray
from darkdump.yields.model import ChannelModeKeys
from darkdump.yields.reweight import LogBins

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = [
    "DEFAULT_MASSES_MEV",
    "ReachConfig",
    "ReachGrid",
    "compute_reach",
    "exclusion_intervals",
    "reach_mass",
]

#: Masses of a reach run [MeV]: 5-1000 MeV in 5 MeV steps (the 5 MeV spacing of JHEP sec. 3,
#: extended past the NA62 grid for the reach of other dumps), which contains
#: the 10, 20, 50, 100, 200, 300, 400, 500 and 600 MeV of the comparison tables.
DEFAULT_MASSES_MEV: tuple[float, ...] = tuple(float(x) for x in np.arange(5.0, 1001.0, 5.0))

#: Quantities per (channel, mode) on the grid.
QUANTITIES = ("decay_probability", "acceptance", "n_exp", "n_eff")


@dataclass(frozen=True)
class ReachConfig:
    """What a reach run computes.

    Attributes
    ----------
    masses
        A' masses [MeV].
    epsilons
        Increasing couplings [dimensionless].
    n_events
        Decays simulated per mass, mode and channel.
    seed
        Run seed (each mass derives its own streams from it and the mass).
    n_pot
        Protons on target; None takes the experiment's ``beam.n_pot``.
    """

    masses: tuple[float, ...] = tuple(x * MeV for x in DEFAULT_MASSES_MEV)
    epsilons: tuple[float, ...] = tuple(float(x) for x in np.logspace(-9.0, -3.0, 241))
    n_events: int = 40_000
    seed: int = 2021
    n_pot: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (masses in GeV)."""
        out = asdict(self)
        out["masses_GeV"] = [x / GeV for x in out.pop("masses")]
        out["epsilon_range"] = [self.epsilons[0], self.epsilons[-1], len(self.epsilons)]
        out.pop("epsilons")
        return out


@dataclass
class ReachGrid(ChannelModeKeys):
    """Expected events of the zero-background selection.

    Attributes
    ----------
    masses
        ``(n_mass,)`` [MeV].
    epsilons
        ``(n_eps,)``.
    values
        ``values[(channel, mode)][quantity]`` of shape ``(n_mass, n_eps)``, quantities
        :data:`QUANTITIES` (``n_eff``: effective number of accepted simulated decays).
    production_rate
        ``mode -> (n_mass,)`` A' per POT / eps^2.
    threshold
        Expected events of the excluded region.
    n_pot
        Protons on target used.
    config
        Run configuration and experiment name.
    timings
        CPU seconds per stage summed over masses.
    """

    masses: FloatArray
    epsilons: FloatArray
    values: dict[tuple[str, str], dict[str, FloatArray]]
    production_rate: dict[str, FloatArray]
    threshold: float
    n_pot: float
    config: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    def n_exp(self, channel: str, mode: str) -> FloatArray:
        """``(n_mass, n_eps)`` expected events; ``"all"`` sums channels, ``"total"`` modes."""
        chans = self.channels if channel == "all" else (channel,)
        modes = self.modes if mode == "total" else (mode,)
        return np.asarray(
            sum(self.values[(c, p)]["n_exp"] for c in chans for p in modes), dtype=np.float64
        )

    def rows(self) -> list[tuple[float, str, str, str, float, float]]:
        """Excluded intervals: ``(mass_GeV, production, channel, "observed", lower, upper)``.

        One row per excluded interval (a mass with nothing excluded has none), for
        ``production`` in the modes and ``total``, ``channel`` in the channels and ``all``.
        """
        out = []
        for prod in (*self.modes, "total"):
            for chan in (*self.channels, "all"):
                n = self.n_exp(chan, prod)
                for i, mass in enumerate(self.masses):
                    for lo, hi in exclusion_intervals(self.epsilons, n[i], self.threshold):
                        out.append((float(mass / GeV), prod, chan, "observed", lo, hi))
        out.sort(key=lambda r: (r[0], r[1], r[2], r[4]))
        return out


def exclusion_intervals(
    epsilons: FloatArray, n_exp: FloatArray, threshold: float
) -> list[tuple[float, float]]:
    """Every coupling interval where ``n_exp >= threshold`` (crossings in log-log).

    >>> eps = np.logspace(-8, -3, 6)
    >>> [tuple(f"{v:.2e}" for v in iv) for iv in exclusion_intervals(eps, np.array([0.1, 5, 1, 9, 0.5, 0]), 2.3)]
    [('6.33e-08', '3.04e-07'), ('2.39e-06', '2.96e-05')]
    """
    eps = np.asarray(epsilons, dtype=np.float64)
    n = np.asarray(n_exp, dtype=np.float64)
    above = np.isfinite(n) & (n >= threshold)
    if not np.any(above):
        return []
    edges = np.diff(above.astype(np.int8))
    starts = [0] if above[0] else []
    starts += [int(i) for i in np.flatnonzero(edges == 1) + 1]
    ends = [int(i) for i in np.flatnonzero(edges == -1)]
    if above[-1]:
        ends.append(eps.size - 1)
    lt = math.log(threshold)

    def crossing(ia: int, ib: int) -> float:
        la, lb = math.log(max(n[ia], 1e-300)), math.log(max(n[ib], 1e-300))
        if lb == la:
            return float(eps[ib])
        f = (lt - la) / (lb - la)
        return float(np.exp(np.log(eps[ia]) + f * (np.log(eps[ib]) - np.log(eps[ia]))))

    out = []
    for i0, i1 in zip(starts, ends, strict=True):
        lower = float(eps[0]) if i0 == 0 else crossing(i0 - 1, i0)
        upper = float(eps[-1]) if i1 == eps.size - 1 else crossing(i1, i1 + 1)
        out.append((lower, upper))
    return out


def _channel_reach(
    decays: Any, accepted: np.ndarray, ctau1: float, s: FloatArray, scale: float
) -> dict[str, FloatArray]:
    """P_D, acceptance, N_exp and n_eff over ``s = eps^2`` for one sample."""
    prod = decays.production
    mass = float(prod.mass)
    p = norm3(prod.momentum)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = mass / (p * ctau1)  # 1 / (decay length at eps = 1) [1/mm]
        x = k * np.asarray(decays.decay_distance, dtype=np.float64)
        a = np.asarray(prod.weight, dtype=np.float64) * np.asarray(decays.path_length) * k
    live = np.isfinite(x) & (x > 0) & np.isfinite(a) & (a > 0)
    zeros = {q: np.zeros(s.size) for q in QUANTITIES}
    if not np.any(live):
        return zeros
    x, a, acc = x[live], a[live], accepted[live]
    bins = LogBins(x)
    logf = bins.log_factor(s)
    s_all = np.clip(bins.sums(a, s)[:, 0], 0.0, None)
    total_w = float(np.sum(prod.weight))
    p_d = s * np.exp(logf) * s_all / total_w if total_w > 0 else np.zeros_like(s)
    idx = np.flatnonzero(acc)
    s_acc = np.clip(bins.sums(a[idx], s, idx)[:, 0], 0.0, None)
    sq = np.clip(bins.sums(a[idx] * a[idx], 2.0 * s, idx)[:, 0], 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        acceptance = np.where(s_all > 0, s_acc / np.where(s_all > 0, s_all, 1.0), 0.0)
        n_eff = np.where(sq > 0, s_acc**2 / np.where(sq > 0, sq, 1.0), 0.0)
    return {
        "decay_probability": np.asarray(p_d, dtype=np.float64),
        "acceptance": acceptance,
        "n_exp": scale * s * p_d * acceptance,
        "n_eff": n_eff,
    }


def reach_mass(
    mass: float, experiment: Experiment, config: ReachConfig
) -> tuple[dict[tuple[str, str], dict[str, FloatArray]], dict[str, float], dict[str, float]]:
    """Simulate one mass [MeV]: values per (channel, mode), production rates, timings."""
    from darkdump import decay
    from darkdump.decay.kinematics import lepton_mass
    from darkdump.models import dark_photon
    from darkdump.sensitivity.acceptance import ChannelAcceptance, channel_acceptance
    from darkdump.yields.model import CHANNELS, PRODUCTION_MODES
    from darkdump.yields.sampling import CHANNEL_KEY, mass_rng, production_sample

    assert experiment.acceptance is not None
    channels = tuple(experiment.acceptance.channels())
    eps = np.asarray(config.epsilons, dtype=np.float64)
    s = eps * eps
    n_pot = float(config.n_pot if config.n_pot is not None else experiment.beam.n_pot)
    ctau1 = float(np.asarray(dark_photon.ctau(mass, 1.0)))
    dv = experiment.decay_volume
    timings: dict[str, float] = {}
    values: dict[tuple[str, str], dict[str, FloatArray]] = {}
    rates: dict[str, float] = {}
    for i_mode, mode in enumerate(PRODUCTION_MODES):
        t0 = time.perf_counter()
        prod = production_sample(
            mode, mass, config.n_events, mass_rng(config.seed, mass, i_mode), experiment
        )
        timings["production"] = timings.get("production", 0.0) + time.perf_counter() - t0
        rates[mode] = 0.0 if prod is None else float(prod.rate)
        for ch in channels:
            m_l = lepton_mass({"ee": "e", "mumu": "mu"}[ch])
            if prod is None or rates[mode] <= 0.0 or mass <= 2.0 * m_l:
                values[(ch, mode)] = {q: np.zeros(eps.size) for q in QUANTITIES}
                continue
            t0 = time.perf_counter()
            rng = mass_rng(config.seed, mass, i_mode, CHANNEL_KEY + CHANNELS.index(ch))
            dec = decay.decay_in_volume(
                prod, {"ee": "e", "mumu": "mu"}[ch], dv.z_min_m * m, dv.z_max_m * m, rng
            )
            acc = ChannelAcceptance.build(experiment, ch)
            accepted = channel_acceptance(dec.decay_point, dec.daughter_momenta, m_l, acc)
            br = float(np.asarray(dark_photon.branching_ratio(ch, mass)))
            scale = n_pot * rates[mode] * br * acc.efficiency
            values[(ch, mode)] = _channel_reach(dec, accepted, ctau1, s, scale)
            timings["decay+acceptance"] = (
                timings.get("decay+acceptance", 0.0) + time.perf_counter() - t0
            )
    return values, rates, timings


def _task(args: tuple[float, Any, ReachConfig]) -> Any:
    return reach_mass(*args)


def compute_reach(
    experiment: Experiment,
    config: ReachConfig,
    *,
    workers: int = 1,
    on_done: Callable[[int], None] | None = None,
) -> ReachGrid:
    """Compute the reach grid of ``experiment``, serially or on a process pool over masses.

    Each mass has its own random streams, so the result does not depend on ``workers``.
    """
    from darkdump.errors import DarkdumpInputError
    from darkdump.yields.grid import PRODUCTION_MODES, _warm_up

    if experiment.acceptance is None:
        raise DarkdumpInputError(
            f"experiment {experiment.name!r}: no [acceptance] section (the zero-background "
            "selection: vertex range, elements the daughters must cross, thresholds)"
        )
    masses = np.asarray(config.masses, dtype=np.float64)
    eps = np.asarray(config.epsilons, dtype=np.float64)
    from darkdump.yields.grid import YieldConfig
    from darkdump.yields.sampling import map_masses

    tasks = [(float(mass), experiment, config) for mass in masses]
    warm = YieldConfig(masses=(float(masses[0]),), epsilons=(1e-6,))
    results = map_masses(
        _task,
        tasks,
        workers=workers,
        warm_up=lambda: _warm_up(experiment, warm),
        on_done=None if on_done is None else (lambda i, _result: on_done(i)),
    )
    keys = list(results[0][0])
    values = {
        key: {q: np.stack([r[0][key][q] for r in results]) for q in QUANTITIES} for key in keys
    }
    rates = {mode: np.array([r[1][mode] for r in results]) for mode in PRODUCTION_MODES}
    timings: dict[str, float] = {}
    for r in results:
        for name, sec in r[2].items():
            timings[name] = timings.get(name, 0.0) + sec
    assert experiment.acceptance is not None
    cfg = config.as_dict()
    cfg["experiment"] = experiment.name
    return ReachGrid(
        masses=masses,
        epsilons=eps,
        values=values,
        production_rate=rates,
        threshold=float(experiment.acceptance.events),
        n_pot=float(config.n_pot if config.n_pot is not None else experiment.beam.n_pot),
        config=cfg,
        timings=timings,
    )

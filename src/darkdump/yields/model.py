"""The data model of a yields run: configuration, per-mass results and the (M, eps) grid.

:mod:`darkdump.yields.grid` computes them (its docstring defines every quantity).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from hepunits import GeV, MeV, m

from darkdump.typing import FloatArray

__all__ = [
    "CHANNELS",
    "EDGE_EVENTS",
    "MESONS",
    "PRODUCTION_MODES",
    "QUANTITIES",
    "QUICK_GRID",
    "ChannelModeKeys",
    "MassResult",
    "YieldConfig",
    "YieldGrid",
    "default_epsilons",
    "default_masses",
]

CHANNELS = ("ee", "mumu")
PRODUCTION_MODES = ("brems", "meson")
MESONS = ("pi0", "eta", "etaprime", "rho", "omega", "phi")
_LEPTON = {"ee": "e", "mumu": "mu"}

#: Per (channel, mode) quantities on the (mass, eps) grid, and their internal unit.
QUANTITIES: dict[str, float] = {
    "acceptance_sel": 1.0,
    "decay_probability": 1.0,
    "sigma_m": MeV,
    "n_exp": 1.0,
    "acceptance_geo": 1.0,
    "n_exp_geo": 1.0,
    "z_tax_mean": m,
    "z_tax_rms": m,
    "cda_tax_rms": m,
    "n_eff_selected": 1.0,
}

#: sigma_M is measured where at least this many effective simulated events are
#: selected, and filled elsewhere (:func:`fill_sigma_m`).
SIGMA_M_MIN_EFFECTIVE_EVENTS = 20.0

#: Expected signal events that define a contour edge for the precision target of
#: :class:`YieldConfig` (``min_effective_events``): 2.3, the 90 % CL upper limit with zero
#: events observed and no background, i.e. the boundary of the JHEP fig. 4 regions and,
#: within the systematics, of the observed contours.
EDGE_EVENTS = 2.3

#: Events whose true daughters are below this fraction of the track momentum cut skip
#: the detector simulation (they cannot be selected; see :func:`simulate_mass`).
PREFILTER_MOMENTUM_FRACTION = 0.95


#: The reduced grid of every ``--quick``: masses 10-700 MeV every 30 MeV, 80 couplings
#: 1e-8 to 1e-3, 15000 decays per mass, mode and channel (demonstrations and tests).
QUICK_GRID: dict[str, Any] = {
    "masses_MeV": tuple(float(x) for x in np.arange(10.0, 701.0, 30.0)),
    "n_epsilon": 80,
    "n_events": 15_000,
}


def default_masses() -> FloatArray:
    """Masses 5-700 MeV in 5 MeV steps (JHEP sec. 3) [MeV]."""
    return np.arange(1, 141, dtype=np.float64) * 5.0 * MeV


def default_epsilons() -> FloatArray:
    """200 log-spaced couplings 1e-8 to 1e-3 [dimensionless]."""
    return np.logspace(-8.0, -3.0, 200)


@dataclass(frozen=True)
class YieldConfig:
    """What a yields run computes (written beside its results).

    Attributes
    ----------
    masses
        A' masses [MeV].
    epsilons
        Couplings (increasing).
    channels, modes
        Decay channels (``ee``, ``mumu``) and production modes (``brems``, ``meson``).
    n_events
        Simulated decays per mass, mode and channel (>= 1.2e5 in the papers, JHEP sec. 3).
    seed
        Run seed; each mass derives its own streams from it and the mass, so a
        mass gives the same numbers whatever grid or worker it runs in.
    min_effective_events
        Precision target: where a (mass, mode) has a contour edge (a grid coupling just
        inside the region ``n_exp >= EDGE_EVENTS`` of one of its channels) resting on
        fewer effective selected events than this, that first batch is a pilot: the
        mass is simulated again in as many fresh, independent batches of ``n_events`` as
        the pilot says are needed, and they are merged (issue 10 asks for 1000).
        ``None``: one batch everywhere.
    max_event_factor
        Most batches any (mass, mode) may get, so that the run time stays bounded; the
        precision reached where the cap binds is printed by
        ``benchmarks/bench_precision.py``.
    split_factor
        With ``min_effective_events``, where ``max_event_factor`` plain batches cannot
        reach it (the e+e- upper edges at 5 and 10 MeV of na62-2021), every A' in the
        momentum band of those edges is decayed this many times at ``1 / split_factor``
        of its weight (:func:`darkdump.yields.grid.split_sample`); 1: no splitting.
        16 gives one batch 10-25 times the effective events at those edges for 4-5 times
        the decays (``validation/split_batches.py``).
    """

    masses: tuple[float, ...]
    epsilons: tuple[float, ...]
    channels: tuple[str, ...] = CHANNELS
    modes: tuple[str, ...] = PRODUCTION_MODES
    n_events: int = 120_000
    seed: int = 1
    min_effective_events: float | None = None
    max_event_factor: int = 1
    split_factor: int = 16

    def __post_init__(self) -> None:
        import operator

        operator.index(self.max_event_factor)  # a whole number (TypeError otherwise)
        if self.max_event_factor < 1:
            raise ValueError(f"max_event_factor={self.max_event_factor}: must be >= 1")
        operator.index(self.split_factor)
        if self.split_factor < 1:
            raise ValueError(f"split_factor={self.split_factor}: must be >= 1")
        if self.min_effective_events is not None and not self.min_effective_events > 0:
            raise ValueError(
                f"min_effective_events={self.min_effective_events}: must be > 0 or None"
            )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description with GeV masses."""
        out = asdict(self)
        out["masses_GeV"] = [x / GeV for x in out.pop("masses")]
        return out


@dataclass
class MassResult:
    """Grid rows of one mass: ``values[(channel, mode)][quantity]`` of shape ``(n_eps,)``."""

    mass: float
    values: dict[tuple[str, str], dict[str, FloatArray]]
    production_rate: dict[str, float]
    branching_ratio: dict[str, float]
    n_simulated: dict[tuple[str, str], int]
    n_selected: dict[tuple[str, str], int]
    timings: dict[str, float] = field(default_factory=dict)


class ChannelModeKeys:
    """``channels`` and ``modes`` of a grid whose ``values`` are keyed by (channel, mode)."""

    values: dict[tuple[str, str], Any]

    @property
    def channels(self) -> tuple[str, ...]:
        """Decay channels present."""
        return tuple(dict.fromkeys(c for c, _ in self.values))

    @property
    def modes(self) -> tuple[str, ...]:
        """Production modes present."""
        return tuple(dict.fromkeys(p for _, p in self.values))


@dataclass(frozen=True)
class YieldGrid(ChannelModeKeys):
    """Yields on the (mass, eps) grid.

    Attributes
    ----------
    masses
        Shape ``(n_mass,)`` [MeV].
    epsilons
        Shape ``(n_eps,)``.
    values
        ``values[(channel, mode)][quantity]``: arrays ``(n_mass, n_eps)`` in the
        internal units of :data:`QUANTITIES`.
    production_rate
        ``mode -> (n_mass,)``: A' per POT / eps^2.
    branching_ratio
        ``channel -> (n_mass,)``: BR(A' -> ll).
    n_simulated, n_selected
        ``(channel, mode) -> (n_mass,)`` event counts (unweighted): decays simulated and
        selected, every copy of a split A' counted (``YieldConfig.split_factor``).
    n_pot
        Protons on target used for ``n_exp``.
    config
        The run's :class:`YieldConfig` as a dict, plus the experiment name.
    timings
        Summed CPU seconds per stage over all masses.
    """

    masses: FloatArray
    epsilons: FloatArray
    values: dict[tuple[str, str], dict[str, FloatArray]]
    production_rate: dict[str, FloatArray]
    branching_ratio: dict[str, FloatArray]
    n_simulated: dict[tuple[str, str], FloatArray]
    n_selected: dict[tuple[str, str], FloatArray]
    n_pot: float
    config: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)

    def get(self, quantity: str, channel: str, mode: str) -> FloatArray:
        """One ``(n_mass, n_eps)`` map; ``mode="total"`` sums n_exp-like quantities.

        ``channel="both"`` sums ``n_exp``/``n_exp_geo`` over the channels.
        """
        if channel == "both" or mode == "total":
            if quantity not in ("n_exp", "n_exp_geo"):
                raise ValueError(f"only n_exp and n_exp_geo can be summed, not {quantity!r}")
            chans = self.channels if channel == "both" else (channel,)
            modes = self.modes if mode == "total" else (mode,)
            return np.asarray(
                sum(self.values[(c, p)][quantity] for c in chans for p in modes),
                dtype=np.float64,
            )
        return self.values[(channel, mode)][quantity]

    def _by_key(self, quantity: str) -> dict[tuple[str, str], FloatArray]:
        return {key: q[quantity] for key, q in self.values.items()}

    @property
    def acceptance_sel(self) -> dict[tuple[str, str], FloatArray]:
        """A_sel (JHEP eq. 3.5) by (channel, mode), ``(n_mass, n_eps)``."""
        return self._by_key("acceptance_sel")

    @property
    def decay_probability(self) -> dict[tuple[str, str], FloatArray]:
        """P_D by (channel, mode), ``(n_mass, n_eps)``."""
        return self._by_key("decay_probability")

    @property
    def sigma_m(self) -> dict[tuple[str, str], FloatArray]:
        """Mass resolution [MeV] by (channel, mode), ``(n_mass, n_eps)``."""
        return self._by_key("sigma_m")

    @property
    def n_exp(self) -> dict[tuple[str, str], FloatArray]:
        """Expected signal events (JHEP eq. 3.4) by (channel, mode), ``(n_mass, n_eps)``."""
        return self._by_key("n_exp")

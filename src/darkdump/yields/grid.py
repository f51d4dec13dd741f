"""Signal yields on the (M, eps) plane: A_sel, P_D, sigma_M and N_exp (JHEP eqs. 3.4-3.6).

For each mass ONE production sample per mode (shared by both decay channels)
and ONE decay + detector + selection sample per channel are simulated, then
re-weighted for every coupling (:mod:`darkdump.yields.reweight`):

- ``decay_probability`` P_D: production-weighted probability that the A' decays
  in the generated range (``decay_volume.z_min_m``-``z_max_m``, 102-180 m, JHEP
  sec. 3): ``sum_all W_i w_i / sum_all W_i``.
- ``acceptance_sel`` A_sel (JHEP eq. 3.5): ``sum_selected W_i w_i / sum_all W_i w_i``,
  with ``w_i`` the decay weight (eq. 3.6) times the sampled path length and
  ``W_i`` the production weight (equal within a mechanism for bremsstrahlung up to
  importance weights; the meson mixture's weights carry each meson's rate).
- ``n_exp`` (JHEP eq. 3.4): ``N_POT eps^2 P(pN -> A')/eps^2 P_D BR(A' -> ll) A_sel``.
- ``sigma_m``: decay-weighted rms of the reconstructed dilepton mass of the
  selected events inside a core window (median +- 5 x 1.4826 MAD of the
  unweighted selected sample), so that rare mis-measured events do not inflate
  the Gaussian width used by the likelihood (PRL appendix B: Gaussian signal pdf
  of width sigma_M). Measured where at least 20 effective events are selected
  and filled from the nearest measured coupling (or mass) elsewhere, so that it
  is finite and positive on the whole grid (:func:`fill_sigma_m`).
- ``acceptance_geo`` and ``n_exp_geo``: the same with the geometric selection of
  JHEP sec. 3 / fig. 4 (:mod:`darkdump.yields.geometric`).
- ``z_tax_mean``, ``z_tax_rms``, ``cda_tax_rms``: decay-weighted moments of the
  selected events before the signal-region cut (JHEP sec. 4, fig. 5).
- ``n_eff_selected``: effective number of selected simulated events
  ``(sum w)^2 / sum w^2`` at each coupling; A_sel and sigma_M are statistically
  meaningful only where it is large (at extreme couplings a few events dominate).

The meson mode is the sum of pi0, eta, eta', rho, omega, phi decays: events are
shared among the mesons in proportion to their rates (each open channel gets at
least 1/20 of the events) and carry weight rate_m / n_m, so the mixture is
correctly weighted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, MeV, keV, m

from darkdump.typing import FloatArray
from darkdump.yields.reweight import LogBins

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = [
    "CHANNELS",
    "QUICK_GRID",
    "MESONS",
    "PRODUCTION_MODES",
    "QUANTITIES",
    "MassResult",
    "SignalEvents",
    "YieldConfig",
    "YieldGrid",
    "assemble_grid",
    "compute_grid",
    "default_epsilons",
    "default_masses",
    "fill_sigma_m",
    "signal_events",
    "simulate_mass",
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

#: Events whose true daughters are below this fraction of the track momentum cut skip
#: the detector simulation (they cannot be selected; see :func:`simulate_mass`).
PREFILTER_MOMENTUM_FRACTION = 0.95

#: Minimum share of the meson-mode events given to each open meson channel.
_MESON_MIN_SHARE = 1.0 / 20.0


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
    """

    masses: tuple[float, ...]
    epsilons: tuple[float, ...]
    channels: tuple[str, ...] = CHANNELS
    modes: tuple[str, ...] = PRODUCTION_MODES
    n_events: int = 120_000
    seed: int = 1

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


@dataclass(frozen=True)
class YieldGrid:
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
        ``(channel, mode) -> (n_mass,)`` event counts (unweighted).
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

    @property
    def channels(self) -> tuple[str, ...]:
        """Decay channels present."""
        return tuple(dict.fromkeys(c for c, _ in self.values))

    @property
    def modes(self) -> tuple[str, ...]:
        """Production modes present."""
        return tuple(dict.fromkeys(p for _, p in self.values))


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


def _production(mode: str, mass: float, n: int, rng: np.random.Generator, experiment: Experiment) -> Any:
    from darkdump import production

    if mode == "brems":
        # The sample's weights sum to the importance-sampled rate (no separate integral).
        sample = production.generate("brems", mass, n, rng, experiment)
        return sample if sample.rate > 0.0 else None
    if mode == "meson":
        return _meson_mixture(mass, n, rng, experiment)[0]
    raise ValueError(f"production mode {mode!r}: allowed: {', '.join(PRODUCTION_MODES)}")


def _zeros(n_eps: int) -> dict[str, FloatArray]:
    out = {q: np.zeros(n_eps) for q in QUANTITIES}
    for q in ("sigma_m", "z_tax_mean", "z_tax_rms", "cda_tax_rms"):
        out[q] = np.full(n_eps, np.nan)
    return out


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    safe = np.where(den > 0, den, 1.0)
    return np.asarray(np.where(den > 0, num / safe, 0.0), dtype=np.float64)


def _moments_rms(s0: FloatArray, s1: FloatArray, s2: FloatArray) -> tuple[FloatArray, FloatArray]:
    mean = _ratio(s1, s0)
    var = np.clip(_ratio(s2, s0) - mean * mean, 0.0, None)
    bad = s0 <= 0
    return np.where(bad, np.nan, mean), np.where(bad, np.nan, np.sqrt(var))


@dataclass(frozen=True)
class _Selected:
    """Per-event selection results over the FULL decay sample (zeros where not simulated)."""

    mask: np.ndarray  # full selection, SR included
    pre_region: np.ndarray  # every cut but the SR
    z_tax: FloatArray
    cda_tax: FloatArray
    m_ll: FloatArray

    @classmethod
    def scatter(cls, n: int, idx: np.ndarray, sel: Any) -> _Selected:
        def put(values: Any, dtype: Any) -> np.ndarray:
            out = np.zeros(n, dtype=dtype)
            out[idx] = values
            return out

        return cls(
            mask=put(sel.mask, np.bool_),
            pre_region=put(sel.cuts["fiducial"], np.bool_),
            z_tax=put(sel.z_tax, np.float64),
            cda_tax=put(sel.cda_tax, np.float64),
            m_ll=put(sel.m_ll, np.float64),
        )


def _subset(decays: Any, idx: np.ndarray) -> Any:
    """Return the decays of ``idx`` (a DecaySample of the same mass, fewer events)."""
    from dataclasses import replace

    from darkdump.production.sample import ProductionSample

    prod = decays.production
    sub_prod = ProductionSample(
        mass=prod.mass,
        mechanism=prod.mechanism,
        momentum=prod.momentum[idx],
        production_point=prod.production_point[idx],
        weight=prod.weight[idx],
    )
    return replace(
        decays,
        production=sub_prod,
        decay_point=decays.decay_point[idx],
        decay_distance=decays.decay_distance[idx],
        path_length=decays.path_length[idx],
        daughter_momenta=decays.daughter_momenta[idx],
    )


def _channel_yields(
    decays: Any,
    sel: _Selected,
    geo: np.ndarray,
    ctau1: float,
    s: FloatArray,
    n_pot: float,
    rate: float,
    br: float,
    production_scale: FloatArray | None = None,
) -> tuple[dict[str, FloatArray], int]:
    """Re-weight one simulated (mass, mode, channel) sample over every s.

    Dark photon: ``s = eps^2`` and ``ctau1`` the proper decay length at eps = 1
    [mm]; the production scales as ``s`` too (default ``production_scale``).
    ALP: ``s = 1 / (c tau)`` [1/mm] with ``ctau1 = 1`` mm, and ``production_scale``
    ones (``rate`` per unit BR product).
    """
    prod = decays.production
    mass = float(prod.mass)
    p = np.sqrt(np.einsum("ij,ij->i", prod.momentum, prod.momentum))
    with np.errstate(divide="ignore", invalid="ignore"):
        k = mass / (p * ctau1)  # 1 / (lambda_i at eps = 1) [1/mm]
        x = k * np.asarray(decays.decay_distance, dtype=np.float64)
        a = np.asarray(prod.weight, dtype=np.float64) * np.asarray(decays.path_length) * k
    # Events that never reach the decay volume (zero path) or have no momentum weigh 0.
    live = np.isfinite(x) & (x > 0) & np.isfinite(a) & (a > 0)
    pre = np.asarray(sel.pre_region, dtype=np.bool_)[live]
    fin = np.asarray(sel.mask, dtype=np.bool_)[live]
    z_tax = np.asarray(sel.z_tax)[live]
    cda_tax = np.asarray(sel.cda_tax)[live]
    m_ll = np.asarray(sel.m_ll)[live]
    geo = geo[live]
    x = x[live]
    a = a[live]
    if x.size == 0:
        return _zeros(s.size), 0
    # Every sum shares one binning of x (LogBins); subsets are summed separately.
    n_sel = int(np.count_nonzero(fin))
    bins = LogBins(x)
    logf = bins.log_factor(s)
    s_all = np.clip(bins.sums(a, s)[:, 0], 0.0, None)
    out: dict[str, FloatArray] = {}
    # P_D: production-weighted decay probability in the generated range.
    total_w = float(np.sum(prod.weight))
    p_d = s * np.exp(logf) * s_all / total_w if total_w > 0 else np.zeros_like(s)
    out["decay_probability"] = np.asarray(p_d, dtype=np.float64)

    # Before the SR cut: Z_TAX and CDA_TAX moments (JHEP sec. 4, fig. 5).
    ip = np.flatnonzero(pre)
    z, c, ap = z_tax[ip], cda_tax[ip], a[ip]
    sp = np.clip(bins.sums(np.stack([ap, ap * z, ap * z * z, ap * c * c], axis=1), s, ip), 0, None)
    out["z_tax_mean"], out["z_tax_rms"] = _moments_rms(sp[:, 0], sp[:, 1], sp[:, 2])
    out["cda_tax_rms"] = np.where(sp[:, 0] > 0, np.sqrt(_ratio(sp[:, 3], sp[:, 0])), np.nan)

    # Selected (SR included): A_sel, the mass core and the effective event count.
    iff = np.flatnonzero(fin)
    af, mll = a[iff], m_ll[iff]
    if n_sel >= 2:
        med = float(np.median(mll))
        mad = float(np.median(np.abs(mll - med))) * 1.4826
        half = 5.0 * mad if mad > 0 else np.inf
        core = np.abs(mll - med) <= half
        dm = np.where(core, mll - med, 0.0)
    else:
        core = np.ones(n_sel, dtype=np.bool_)
        dm = np.zeros(n_sel)
    ac = af * core
    sf = np.clip(bins.sums(np.stack([af, ac, ac * dm, ac * dm * dm], axis=1), s, iff), 0, None)
    out["acceptance_sel"] = _ratio(sf[:, 0], s_all)
    if n_sel >= 2:
        out["sigma_m"] = _moments_rms(sf[:, 1], sf[:, 2], sf[:, 3])[1]
    else:
        out["sigma_m"] = np.full(s.size, np.nan)
    # Effective number of selected MC events, (sum w)^2 / sum w^2: where it is small,
    # A_sel and sigma_M rest on a few high-weight events (extreme couplings).
    sq = np.clip(bins.sums(af * af, 2.0 * s, iff)[:, 0], 0, None)
    out["n_eff_selected"] = np.where(sq > 0, sf[:, 0] ** 2 / np.where(sq > 0, sq, 1.0), 0.0)

    ig = np.flatnonzero(geo)
    out["acceptance_geo"] = _ratio(np.clip(bins.sums(a[ig], s, ig)[:, 0], 0, None), s_all)
    prod_scale = s if production_scale is None else production_scale
    scale = n_pot * prod_scale * rate * out["decay_probability"] * br
    out["n_exp"] = scale * out["acceptance_sel"]
    out["n_exp_geo"] = scale * out["acceptance_geo"]
    return out, n_sel


def _simulate_channel(
    prod: Any, channel: str, rng: np.random.Generator, experiment: Experiment, timings: dict[str, float]
) -> tuple[Any, _Selected, np.ndarray]:
    """Decay, detector and selection of one production sample in one channel.

    Returns the decay sample, the selection over all its events and the JHEP
    fig. 4 geometric-acceptance mask.
    """
    from darkdump import decay, detector
    from darkdump.selection import select
    from darkdump.yields.geometric import lkr_masks

    def tick(name: str, start: float) -> float:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - start
        return now

    dv = experiment.decay_volume
    t0 = time.perf_counter()
    dec = decay.decay_in_volume(prod, _LEPTON[channel], dv.z_min_m * m, dv.z_max_m * m, rng)
    t0 = tick("decay", t0)
    # Only events with both true daughters in the LKr fiducial region and above
    # 95 % of the momentum cut can pass the selection (the fast simulation's
    # acceptance uses the true trajectory; 5 % is > 15 sigma of the momentum
    # resolution): the others skip the detector simulation.
    p_floor = PREFILTER_MOMENTUM_FRACTION * experiment.selection.track_momentum_min_GeV * GeV
    active, fid = lkr_masks(dec.decay_point, dec.daughter_momenta, experiment)
    z_dec = dec.decay_point[:, 2]
    geo = active & (z_dec > dv.fiducial_z_min_m * m) & (z_dec < dv.fiducial_z_max_m * m)
    pd2 = np.einsum("ijk,ijk->ij", dec.daughter_momenta, dec.daughter_momenta)
    keep = fid & (pd2.min(axis=1) > p_floor * p_floor) & (dec.path_length > 0)
    idx = np.flatnonzero(keep)
    sub = _subset(dec, idx)
    t0 = tick("selection", t0)
    tracks = detector.simulate(sub, experiment, rng)
    t0 = tick("detector", t0)
    sel = _Selected.scatter(len(dec), idx, select(tracks, channel, experiment))
    tick("selection", t0)
    return dec, sel, np.asarray(geo, dtype=np.bool_)


@dataclass(frozen=True)
class SignalEvents:
    """Simulated signal of one (mass, mode, channel), for distributions (JHEP fig. 5).

    Attributes
    ----------
    selection
        Per-event selection results (``mask``, ``pre_region``, ``z_tax`` [mm],
        ``cda_tax`` [mm], ``m_ll`` [MeV]).
    x, a
        Re-weighting variables: the decay weight times the production weight of
        event i at coupling eps is ``eps^2 a_i exp(-eps^2 x_i)`` (:mod:`.reweight`).
    """

    selection: _Selected
    x: FloatArray
    a: FloatArray

    def weights(self, epsilon: float) -> FloatArray:
        """Per-event weight at ``epsilon`` (production x decay, arbitrary normalisation)."""
        s = epsilon * epsilon
        live = self.a > 0
        out = np.zeros_like(self.a)
        xm = float(self.x[live].min()) if np.any(live) else 0.0
        out[live] = self.a[live] * np.exp(-s * (self.x[live] - xm))
        return out


def signal_events(
    mass: float, mode: str, channel: str, experiment: Experiment, n_events: int = 120_000, seed: int = 1
) -> SignalEvents:
    """Simulate one (mass [MeV], mode, channel) sample with the streams of :func:`simulate_mass`.

    With the same ``seed`` and ``n_events`` as a grid run and the default mode and
    channel order, the events are those that entered the grid.
    """
    from darkdump.models import dark_photon

    i_mode = PRODUCTION_MODES.index(mode)
    i_ch = CHANNELS.index(channel)
    prod = _production(mode, mass, n_events, _rng(seed, mass, i_mode), experiment)
    if prod is None:
        raise ValueError(f"no {mode} production at {mass / GeV:g} GeV")
    dec, sel, _ = _simulate_channel(
        prod, channel, _rng(seed, mass, i_mode, 100 + i_ch), experiment, {}
    )
    ctau1 = float(np.asarray(dark_photon.ctau(mass, 1.0)))
    p = np.sqrt(np.einsum("ij,ij->i", prod.momentum, prod.momentum))
    with np.errstate(divide="ignore", invalid="ignore"):
        k = mass / (p * ctau1)
        x = k * dec.decay_distance
        a = prod.weight * dec.path_length * k
    bad = ~(np.isfinite(x) & np.isfinite(a) & (a > 0))
    return SignalEvents(sel, np.where(bad, 0.0, x), np.where(bad, 0.0, a))


def simulate_mass(mass: float, experiment: Experiment, config: YieldConfig) -> MassResult:
    """Simulate one mass for every mode and channel and re-weight over ``config.epsilons``.

    Parameters
    ----------
    mass
        A' mass [MeV].
    experiment
        :class:`darkdump.experiments.Experiment`.
    config
        Run configuration (couplings, channels, modes, statistics, seed).
    """
    from darkdump.models import dark_photon
    from darkdump.selection.select import lepton_mass

    timings: dict[str, float] = {}

    def tick(name: str, start: float) -> float:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - start
        return now

    eps = np.asarray(config.epsilons, dtype=np.float64)
    s = eps * eps
    n_pot = float(experiment.beam.n_pot)
    ctau1 = float(np.asarray(dark_photon.ctau(mass, 1.0)))
    values: dict[tuple[str, str], dict[str, FloatArray]] = {}
    rates: dict[str, float] = {}
    brs: dict[str, float] = {}
    n_sim: dict[tuple[str, str], int] = {}
    n_sel: dict[tuple[str, str], int] = {}
    for ch in config.channels:
        open_ = mass > 2.0 * lepton_mass(ch)
        brs[ch] = float(np.asarray(dark_photon.branching_ratio(ch, mass))) if open_ else 0.0
    for i_mode, mode in enumerate(config.modes):
        t0 = time.perf_counter()
        prod = _production(mode, mass, config.n_events, _rng(config.seed, mass, i_mode), experiment)
        t0 = tick("production", t0)
        rates[mode] = 0.0 if prod is None else float(prod.rate)
        for i_ch, ch in enumerate(config.channels):
            key = (ch, mode)
            if prod is None or brs[ch] <= 0.0 or rates[mode] <= 0.0:
                values[key] = _zeros(eps.size)
                n_sim[key] = 0
                n_sel[key] = 0
                continue
            rng = _rng(config.seed, mass, i_mode, 100 + i_ch)
            dec, sel, geo = _simulate_channel(prod, ch, rng, experiment, timings)
            t0 = time.perf_counter()
            values[key], n_sel[key] = _channel_yields(
                dec, sel, geo, ctau1, s, n_pot, rates[mode], brs[ch]
            )
            n_sim[key] = len(prod)
            tick("reweighting", t0)
    return MassResult(
        mass=mass,
        values=values,
        production_rate=rates,
        branching_ratio=brs,
        n_simulated=n_sim,
        n_selected=n_sel,
        timings=timings,
    )


def _simulate_mass_task(args: tuple[float, Any, YieldConfig]) -> MassResult:
    return simulate_mass(*args)


def _warm_up(experiment: Experiment, config: YieldConfig) -> None:
    from darkdump import decay, detector, selection  # noqa: F401
    from darkdump.models import dark_photon  # noqa: F401

    rng = np.random.default_rng(0)
    mass = float(config.masses[0])
    for mode in config.modes:
        _production(mode, mass, 16, rng, experiment)


def compute_grid(
    experiment: Experiment,
    config: YieldConfig,
    *,
    workers: int = 1,
    on_done: Callable[[int, MassResult], None] | None = None,
) -> YieldGrid:
    """Compute the yields grid, serially or on a process pool over masses.

    Every mass has its own random streams (derived from ``config.seed`` and the
    mass), so the result does not depend on ``workers``.

    Parameters
    ----------
    experiment
        :class:`darkdump.experiments.Experiment`.
    config
        :class:`YieldConfig`.
    workers
        Number of worker processes (1: serial).
    on_done
        Called as ``on_done(index, result)`` when a mass is finished (progress).
    """
    masses = np.asarray(config.masses, dtype=np.float64)
    eps = np.asarray(config.epsilons, dtype=np.float64)
    if np.any(np.diff(eps) <= 0):
        raise ValueError("epsilons must be strictly increasing")
    tasks = [(float(mass), experiment, config) for mass in masses]
    results: list[MassResult | None] = [None] * len(tasks)
    if workers <= 1:
        for i, task in enumerate(tasks):
            results[i] = _simulate_mass_task(task)
            if on_done is not None:
                on_done(i, results[i])  # type: ignore[arg-type]
    else:
        import multiprocessing

        # Load the meson spectra and import every stage once in the parent, so that
        # the forked workers inherit them (a throwaway generator: no effect on results).
        _warm_up(experiment, config)
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {pool.submit(_simulate_mass_task, t): i for i, t in enumerate(tasks)}
            from concurrent.futures import as_completed

            for fut in as_completed(futures):
                i = futures[fut]
                results[i] = fut.result()
                if on_done is not None:
                    on_done(i, results[i])  # type: ignore[arg-type]
    done = [r for r in results if r is not None]
    return assemble_grid(masses, eps, done, experiment, config)


def fill_sigma_m(sigma_m: FloatArray, n_eff: FloatArray, masses: FloatArray) -> FloatArray:
    """Mass resolution defined on the whole grid (finite and > 0), as the likelihood needs it.

    ``sigma_m`` is kept where at least :data:`SIGMA_M_MIN_EFFECTIVE_EVENTS` effective
    simulated events are selected; elsewhere (extreme couplings, where the yield
    is negligible, or no selected event at all) it takes the value at the nearest
    measured coupling of the same mass (in log eps), else that of the nearest mass
    with a measurement at the same coupling index, else 1 % of the mass.

    Parameters
    ----------
    sigma_m
        Shape ``(n_mass, n_eps)`` [MeV], NaN where undefined.
    n_eff
        Effective number of selected events, same shape.
    masses
        Shape ``(n_mass,)`` [MeV].

    Examples
    --------
    >>> import numpy as np
    >>> sig = np.array([[np.nan, 2.0, 3.0, np.nan], [np.nan] * 4])
    >>> neff = np.array([[0.0, 50.0, 50.0, 1.0], [0.0] * 4])
    >>> fill_sigma_m(sig, neff, np.array([300.0, 400.0])).tolist()
    [[2.0, 2.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]]
    """
    out = np.array(sigma_m, dtype=np.float64, copy=True)
    good = np.isfinite(out) & (out > 0) & (n_eff >= SIGMA_M_MIN_EFFECTIVE_EVENTS)
    out[~good] = np.nan
    n_eps = out.shape[1]
    cols = np.arange(n_eps)
    for i in range(out.shape[0]):
        ok = np.flatnonzero(good[i])
        if ok.size and ok.size < n_eps:
            nearest = ok[np.argmin(np.abs(cols[:, None] - ok[None, :]), axis=1)]
            out[i] = out[i, nearest]
    have = np.flatnonzero(np.any(good, axis=1))
    for i in range(out.shape[0]):
        if np.any(good[i]):
            continue
        if have.size:
            j = have[np.argmin(np.abs(masses[have] - masses[i]))]
            out[i] = out[j]
        else:
            out[i] = 0.01 * masses[i]
    return out


def assemble_grid(
    masses: FloatArray,
    eps: FloatArray,
    results: Sequence[MassResult],
    experiment: Experiment,
    config: YieldConfig,
) -> YieldGrid:
    """Build the :class:`YieldGrid` from per-mass :func:`simulate_mass` results.

    For callers that run :func:`simulate_mass` themselves (caching, Dask);
    ``results`` in the order of ``masses`` [MeV], ``eps`` the couplings.
    """
    keys = [(ch, mode) for ch in config.channels for mode in config.modes]
    values = {
        key: {q: np.stack([r.values[key][q] for r in results]) for q in QUANTITIES} for key in keys
    }
    for key in keys:
        values[key]["sigma_m"] = fill_sigma_m(
            values[key]["sigma_m"], values[key]["n_eff_selected"], masses
        )
    timings: dict[str, float] = {}
    for r in results:
        for name, sec in r.timings.items():
            timings[name] = timings.get(name, 0.0) + sec
    cfg = config.as_dict()
    cfg["experiment"] = str(experiment.name)
    return YieldGrid(
        masses=masses,
        epsilons=eps,
        values=values,
        production_rate={
            mode: np.array([r.production_rate[mode] for r in results]) for mode in config.modes
        },
        branching_ratio={
            ch: np.array([r.branching_ratio[ch] for r in results]) for ch in config.channels
        },
        n_simulated={
            key: np.array([r.n_simulated[key] for r in results], dtype=np.float64) for key in keys
        },
        n_selected={
            key: np.array([r.n_selected[key] for r in results], dtype=np.float64) for key in keys
        },
        n_pot=float(experiment.beam.n_pot),
        config=cfg,
        timings=timings,
    )


#: Former private name of :func:`assemble_grid` (kept for callers).
_assemble = assemble_grid

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
  selected events inside a core window (median +- ``SIGMA_M_CORE`` = 5 x 1.4826 MAD of the
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

Precision target (``YieldConfig.min_effective_events``): where a contour edge of a
(mass, mode) rests on too few effective selected events (at low e+e- masses only a
few per mille of the decays pass the STRAW1 isolation), the first batch is a pilot
that sets how many batches are needed (:func:`batches_needed`); that many fresh
batches, each with its own random streams, are simulated and merged with their
production weights divided by their number (every batch is an unbiased estimate, so
their mean is too; the pilot is left out, as its share would depend on its outcome).

Where even ``max_event_factor`` plain batches cannot reach the target
(:func:`target_out_of_reach`), the produced A' whose momentum lies in the band that
carries those edges' selected weight in the pilot (:func:`_split_plan`) are split
(:func:`split_sample`): each is decayed ``YieldConfig.split_factor`` times, every copy
with ``1 / split_factor`` of its weight (particle splitting). This is unbiased for any
band that does not depend on the batch's own decays, and it attacks the variance where
it is: at the upper e+e- edges below 15 MeV the selected weight sits in a narrow
momentum band (the STRAW1 isolation sets its top, the lifetime its bottom) where 1-2 %
of the decays pass the selection. A second pilot (a fresh production, split; also left
out) sets the number of split batches. The copies of one A' share its momentum and
production point, so the effective events count them as one (:func:`_channel_yields`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, m

from darkdump.kinematics import dot3, norm3
from darkdump.typing import FloatArray
from darkdump.yields.assemble import assemble_grid, fill_sigma_m
from darkdump.yields.model import (
    _LEPTON,
    CHANNELS,
    EDGE_EVENTS,
    MESONS,
    PREFILTER_MOMENTUM_FRACTION,
    PRODUCTION_MODES,
    QUANTITIES,
    QUICK_GRID,
    MassResult,
    YieldConfig,
    YieldGrid,
    default_epsilons,
    default_masses,
)
from darkdump.yields.reweight import LogBins, exp_sums
from darkdump.yields.sampling import (
    BATCH_KEY,
    CHANNEL_KEY,
    SECOND_PILOT_CHANNEL_KEY,
    SECOND_PILOT_KEY,
    _production,
    _rng,
    map_masses,
)

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment
    from darkdump.production.sample import ProductionSample

__all__ = [
    "CHANNELS",
    "MESONS",
    "PRODUCTION_MODES",
    "QUANTITIES",
    "QUICK_GRID",
    "MassResult",
    "SignalEvents",
    "YieldConfig",
    "YieldGrid",
    "assemble_grid",
    "batches_needed",
    "check_grid_inputs",
    "compute_grid",
    "default_epsilons",
    "default_masses",
    "edge_effective_events",
    "edge_precision",
    "fill_sigma_m",
    "signal_events",
    "simulate_mass",
    "split_sample",
    "target_out_of_reach",
]


def check_grid_inputs(experiment: Experiment, masses: Sequence[float]) -> None:
    """Refuse, before any work, what :func:`compute_grid` cannot do (one-line errors).

    The experiment needs the track-level simulation (``detector.spectrometer`` and
    ``[selection]``) and every mass [MeV] must be in the production range.
    """
    from darkdump.errors import DarkdumpInputError
    from darkdump.production import check_mass

    if not experiment.has_spectrometer:
        raise DarkdumpInputError(
            f"experiment {experiment.name!r}: the yields need the track-level simulation "
            "([detector.spectrometer] and [selection]), which it does not describe; "
            "darkdump sensitivity gives its geometric reach"
        )
    for mass in masses:
        check_mass(float(mass))


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


@dataclass(frozen=True)
class _Reweightable:
    """What :func:`_channel_yields` reads of a decay sample.

    The production mass, momenta and weights and the sampled decay distances and path
    lengths. The precision batches keep only this (48 bytes per event instead of about
    150), so that 16 of them fit in the memory of one worker.
    """

    mass: float
    momentum: FloatArray
    weight: FloatArray
    decay_distance: FloatArray
    path_length: FloatArray
    #: Index of the produced A' each event is a copy of (:func:`split_sample`); ``None``:
    #: every event is its own.
    parent: np.ndarray | None = None

    @property
    def rate(self) -> float:
        return float(np.sum(self.weight))

    def __len__(self) -> int:
        return int(self.weight.shape[0])

    @classmethod
    def of(cls, decays: Any, parent: np.ndarray | None = None) -> _Reweightable:
        prod = decays.production
        return cls(
            float(prod.mass),
            prod.momentum,
            prod.weight,
            decays.decay_distance,
            decays.path_length,
            parent,
        )

    def variables(self, ctau1: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per event: momentum ``p`` [MeV] and the re-weighting variables ``x``, ``a``.

        The production x decay weight at ``s`` (eps^2, with ``ctau1`` the proper decay
        length at eps = 1 [mm]) is ``s a exp(-s x)`` (:mod:`.reweight`), with
        ``k = M / (p ctau1)``, ``x = k D`` and ``a = W L k``. Not finite where ``p = 0``.
        """
        p = norm3(self.momentum)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = self.mass / (p * ctau1)  # 1 / (lambda_i at eps = 1) [1/mm]
            x = k * np.asarray(self.decay_distance, dtype=np.float64)
            a = np.asarray(self.weight, dtype=np.float64) * np.asarray(self.path_length) * k
        return p, x, a


def _concat(
    parts: list[tuple[_Reweightable, _Selected, np.ndarray]],
) -> tuple[_Reweightable, _Selected, np.ndarray]:
    """Merge independent batches of one (mass, mode, channel): production weights / K.

    Every batch's weights sum to its own estimate of the production rate, so the merged
    weights sum to their mean and every re-weighted quantity is the mean of the batches'.
    """
    from dataclasses import fields

    k = float(len(parts))
    decs = [d for d, _, _ in parts]
    parent = None
    if any(d.parent is not None for d in decs):
        # parents of different batches are different A': number them apart
        ids, offset = [], 0
        for d in decs:
            own = np.arange(len(d)) if d.parent is None else np.asarray(d.parent)
            ids.append(own + offset)
            offset += int(own.max()) + 1 if own.size else 0
        parent = np.concatenate(ids)
    merged = _Reweightable(
        mass=decs[0].mass,
        momentum=np.concatenate([d.momentum for d in decs]),
        weight=np.concatenate([d.weight for d in decs]) / k,
        decay_distance=np.concatenate([d.decay_distance for d in decs]),
        path_length=np.concatenate([d.path_length for d in decs]),
        parent=parent,
    )
    sel = _Selected(
        **{
            f.name: np.concatenate([getattr(p[1], f.name) for p in parts])
            for f in fields(_Selected)
        }
    )
    return merged, sel, np.concatenate([g for _, _, g in parts])


def _edge_masks(n_exp: FloatArray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid couplings just inside a lower edge and just inside an upper edge of ``n_exp >= t``."""
    inside = np.asarray(n_exp) >= threshold
    lower = np.zeros(inside.shape, dtype=np.bool_)
    upper = np.zeros(inside.shape, dtype=np.bool_)
    lower[1:] = inside[1:] & ~inside[:-1]
    upper[:-1] = inside[:-1] & ~inside[1:]
    return lower, upper


def edge_effective_events(values: dict[str, FloatArray], threshold: float = EDGE_EVENTS) -> float:
    """Smallest ``n_eff_selected`` at the couplings just inside an edge of ``n_exp >= threshold``.

    An edge is a grid coupling inside the region whose neighbour is outside it (the ends
    of the coupling grid are not edges). ``inf`` where the region has no edge.

    >>> import numpy as np
    >>> v = {"n_exp": np.array([1.0, 3.0, 5.0, 3.0, 1.0]),
    ...      "n_eff_selected": np.array([9.0, 40.0, 90.0, 20.0, 5.0])}
    >>> edge_effective_events(v)
    20.0
    """
    lower, upper = _edge_masks(values["n_exp"], threshold)
    edge = lower | upper
    if not np.any(edge):
        return float("inf")
    return float(np.min(np.asarray(values["n_eff_selected"])[edge]))


def edge_precision(
    grid: YieldGrid, threshold: float = EDGE_EVENTS
) -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """Lowest effective selected events behind the lower and the upper edges, per (channel, mode).

    Returns ``{(channel, mode): {"lower": (n_eff, mass), "upper": (n_eff, mass)}}`` with
    the mass [MeV] where the lowest is found (``(inf, nan)`` where no mass has such an
    edge), edges as in :func:`edge_effective_events`.
    """
    out: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    for (ch, mode), n_exp in grid.n_exp.items():
        n_eff = grid.get("n_eff_selected", ch, mode)
        best = {"lower": (float("inf"), float("nan")), "upper": (float("inf"), float("nan"))}
        for i, mass in enumerate(np.asarray(grid.masses, dtype=np.float64)):
            for side, mask in zip(
                ("lower", "upper"), _edge_masks(n_exp[i], threshold), strict=True
            ):
                if np.any(mask):
                    low = float(np.min(n_eff[i][mask]))
                    if low < best[side][0]:
                        best[side] = (low, float(mass))
        out[(ch, mode)] = best
    return out


#: Half-width of the core window of sigma_M, in robust standard deviations (1.4826 x MAD)
#: of the selected dilepton masses about their median (module doc). A definition, not a
#: physics parameter: PRL appendix B takes the signal pdf as a Gaussian of width sigma_M,
#: and +-5 robust sigma keeps the whole Gaussian core while rare mis-measured events (a
#: track's momentum off by several sigma) do not inflate it.
SIGMA_M_CORE = 5.0

#: Precision batches: a pilot short of the target asks for the batches that reach this
#: many times it, since n_eff of merged batches grows a little slower than their number
#: (rare heavy events) and a pilot's n_eff is itself uncertain. Without it the default run
#: ended 3 events above the target at 15 MeV (1003), and seeds differ by more; with it
#: the lowest edge behind batches has 1176 (``benchmarks/bench_precision.py``; 1045 at
#: 30 MeV is a pilot that met the target alone). Split batches: 4 seeds at 5 and 10 MeV
#: gave 825-1310 without it, 1103-1729 with it.
PRECISION_SAFETY = 1.25


def _batches_for(n_eff: float, config: YieldConfig) -> int:
    """``ceil(PRECISION_SAFETY x target / n_eff)`` between 1 and ``config.max_event_factor``."""
    target = config.min_effective_events
    if target is None or not np.isfinite(n_eff):
        return 1
    if n_eff <= 0.0:
        return config.max_event_factor
    wanted = int(np.ceil(PRECISION_SAFETY * target / n_eff))
    return int(min(config.max_event_factor, max(1, wanted)))


def batches_needed(n_eff: float, config: YieldConfig) -> int:
    """Batches that bring ``n_eff`` (from one batch) to ``config.min_effective_events``.

    1 where the target is met. Elsewhere the effective number of events grows about in
    proportion to the simulated events, so ``ceil(PRECISION_SAFETY x target / n_eff)``,
    at most ``config.max_event_factor``.

    >>> from darkdump.yields.model import YieldConfig
    >>> cfg = YieldConfig(masses=(5.0,), epsilons=(1e-6,), min_effective_events=1000.0,
    ...                   max_event_factor=8)
    >>> [batches_needed(n, cfg) for n in (300.0, 600.0, 20.0, 999.0, 2000.0)]
    [5, 3, 8, 2, 1]
    """
    target = config.min_effective_events
    if target is None or not n_eff < target:
        return 1
    return _batches_for(n_eff, config)


#: Precision batches: the band is the pilot's selected edge weight between the
#: quantiles ``SPLIT_QUANTILE`` and ``1 - SPLIT_QUANTILE`` in A' momentum, widened by
#: ``SPLIT_MARGIN`` on each side, so that the rare selected A' just outside the
#: pilot's range (which would otherwise carry 16 times the weight of a split copy)
#: are split too.
SPLIT_QUANTILE = 0.005
SPLIT_MARGIN = 1.25

#: Precision batches: the split batches of a (mass, mode) decay at most about this many
#: times the A' that its plain batches may (``max_event_factor x n_events``; the number of
#: batches is set from the second pilot's size), a bound on memory and time (the default
#: run's largest, 5 MeV meson decays, uses 3.0 of it: peak 1.3 GB per worker).
SPLIT_MAX_COST = 4


def _weighted_quantiles(values: FloatArray, weights: FloatArray, q: FloatArray) -> FloatArray:
    """Return the ``q`` quantiles of ``values`` weighted by ``weights`` (lower values)."""
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    idx = np.searchsorted(cum, np.asarray(q) * cum[-1])
    return np.asarray(values[order][np.clip(idx, 0, values.size - 1)], dtype=np.float64)


def _edge_momentum_band(
    decays: Any,
    sel: Any,
    values: dict[str, FloatArray],
    *,
    s: FloatArray,
    ctau1: float,
    target: float,
    threshold: float = EDGE_EVENTS,
) -> tuple[float, float] | None:
    """Return the A' momentum band [MeV] that carries the selected weight at the short edges.

    ``decays``, ``sel``: a simulated (mass, mode, channel) sample and its selection (an
    object with a boolean ``mask``); ``values``: its re-weighted quantities over ``s``
    (eps^2, with ``ctau1`` as in :func:`_channel_yields`). A short edge is an edge
    coupling (as in :func:`edge_effective_events`) with fewer than ``target`` effective
    events. Returns the widest band over the short edges (:data:`SPLIT_QUANTILE`,
    :data:`SPLIT_MARGIN`), or ``None`` when no edge is short or none has a selected event.

    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> p = np.linspace(10e3, 100e3, 1000)                 # 10-100 GeV along z
    >>> one = np.ones_like(p)
    >>> dec = _Reweightable(10.0, np.stack([0 * p, 0 * p, p], axis=1), one, 1e5 * one, one)
    >>> sel = SimpleNamespace(mask=(p > 40e3) & (p < 60e3))  # selected: 40-60 GeV
    >>> v = {"n_exp": np.array([1.0, 3.0, 1.0]), "n_eff_selected": np.array([5.0, 50.0, 5.0])}
    >>> lo, hi = _edge_momentum_band(dec, sel, v, s=np.array([0.0, 1e-9, 1.0]), ctau1=1.0,
    ...                              target=1000.0)
    >>> round(lo / 1e3), round(hi / 1e3)                   # 40 / 1.25 and 60 x 1.25 GeV
    (32, 75)
    """
    lower, upper = _edge_masks(values["n_exp"], threshold)
    short = np.flatnonzero((lower | upper) & (np.asarray(values["n_eff_selected"]) < target))
    if short.size == 0:
        return None
    r = decays if isinstance(decays, _Reweightable) else _Reweightable.of(decays)
    p, x, a = r.variables(ctau1)
    use = np.asarray(sel.mask, dtype=np.bool_) & np.isfinite(x) & (x > 0)
    use &= np.isfinite(a) & (a > 0)  # as _channel_yields
    if not np.any(use):
        return None
    p, x, log_a = p[use], x[use], np.log(a[use])
    lows, highs = [], []
    for j in short:
        log_w = log_a - s[j] * x
        w = np.exp(log_w - log_w.max())
        q_lo, q_hi = _weighted_quantiles(p, w, np.array([SPLIT_QUANTILE, 1.0 - SPLIT_QUANTILE]))
        lows.append(q_lo / SPLIT_MARGIN)
        highs.append(q_hi * SPLIT_MARGIN)
    return float(min(lows)), float(max(highs))


def _band_hull(bands: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    """Return the smallest band that contains every given band (``None`` if none is given)."""
    given = [b for b in bands if b is not None]
    if not given:
        return None
    return min(b[0] for b in given), max(b[1] for b in given)


def split_sample(
    prod: ProductionSample, band: tuple[float, float], factor: int
) -> tuple[ProductionSample, np.ndarray]:
    """Repeat every produced A' with momentum in ``band`` [MeV] ``factor`` times, weight / factor.

    Each copy is then decayed independently (particle splitting), so the sample estimates
    the same yields (the weights still sum to the production rate) with less decay and
    selection noise inside the band. Also returns, per row, the index of its A' in
    ``prod`` (for the effective events, :func:`_channel_yields`).

    >>> import numpy as np
    >>> from darkdump.production.sample import ProductionSample
    >>> mom = np.array([[0.0, 0.0, 5e3], [0.0, 0.0, 50e3]])
    >>> prod = ProductionSample(10.0, "brems", mom, np.zeros((2, 3)), np.array([1.0, 2.0]))
    >>> out, parent = split_sample(prod, (10e3, 100e3), 4)
    >>> len(out), out.weight.tolist(), float(out.rate), parent.tolist()
    (5, [1.0, 0.5, 0.5, 0.5, 0.5], 3.0, [0, 1, 1, 1, 1])
    """
    from darkdump.production.sample import ProductionSample

    p = prod.p
    reps = np.where((p >= band[0]) & (p <= band[1]), int(factor), 1)
    idx = np.repeat(np.arange(len(prod)), reps)
    out = ProductionSample(
        mass=prod.mass,
        mechanism=prod.mechanism,
        momentum=prod.momentum[idx],
        production_point=prod.production_point[idx],
        weight=prod.weight[idx] / reps[idx],
    )
    return out, idx


def _same_parent_pairs(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i != j``, each unordered pair once, of events with one parent.

    >>> first, second = _same_parent_pairs(np.array([7, 3, 7, 5, 7]))
    >>> sorted(zip(first.tolist(), second.tolist()))
    [(0, 2), (0, 4), (2, 4)]
    """
    order = np.argsort(parent, kind="stable")
    ps = np.asarray(parent)[order]
    firsts, seconds = [], []
    k = 1
    while k < ps.size:
        # copies of one parent are contiguous once sorted: a group of g has pairs at
        # every distance 1..g-1, so none at distance k means none beyond it
        at = np.flatnonzero(ps[k:] == ps[:-k])
        if at.size == 0:
            break
        firsts.append(order[at])
        seconds.append(order[at + k])
        k += 1
    if not firsts:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return np.concatenate(firsts), np.concatenate(seconds)


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
    ones (``rate`` per unit BR product). ``decays``: a decay sample or its
    :class:`_Reweightable` part.
    """
    r = decays if isinstance(decays, _Reweightable) else _Reweightable.of(decays)
    _, x, a = r.variables(ctau1)
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
    total_w = r.rate
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
        half = SIGMA_M_CORE * mad if mad > 0 else np.inf
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
    # A_sel and sigma_M rest on a few high-weight events (extreme couplings). Copies of
    # one produced A' (split samples) share its momentum and production point, so they
    # count as one: sum over A' of (sum of its copies' w)^2, i.e. the cross terms too.
    sq = np.clip(bins.sums(af * af, 2.0 * s, iff)[:, 0], 0, None)
    if r.parent is not None:
        first, second = _same_parent_pairs(np.asarray(r.parent)[live][iff])
        if first.size:
            xs = x[iff]
            cross, _ = exp_sums(
                0.5 * (xs[first] + xs[second]), 2.0 * af[first] * af[second], 2.0 * s, bins.shift
            )
            sq = sq + np.clip(cross[:, 0], 0, None)
    out["n_eff_selected"] = np.where(sq > 0, sf[:, 0] ** 2 / np.where(sq > 0, sq, 1.0), 0.0)

    ig = np.flatnonzero(geo)
    out["acceptance_geo"] = _ratio(np.clip(bins.sums(a[ig], s, ig)[:, 0], 0, None), s_all)
    prod_scale = s if production_scale is None else production_scale
    scale = n_pot * prod_scale * rate * out["decay_probability"] * br
    out["n_exp"] = scale * out["acceptance_sel"]
    out["n_exp_geo"] = scale * out["acceptance_geo"]
    return out, n_sel


def _simulate_channel(
    prod: Any,
    channel: str,
    rng: np.random.Generator,
    experiment: Experiment,
    timings: dict[str, float],
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
    # resolution): the others skip the detector simulation. One exception, neglected:
    # an electron that radiates before the magnet (detector.resolutions.
    # tracker_material_x0) bends more and can move from the LKr beam hole into the
    # fiducial region; 0.02-0.06 % of the selected e+e- events come that way (measured
    # at NA62's 1 % X0 on 200 000 decays, by an outside review of the code).
    assert experiment.selection is not None  # has_spectrometer was checked by the caller
    p_floor = PREFILTER_MOMENTUM_FRACTION * experiment.selection.track_momentum_min_GeV * GeV
    active, fid = lkr_masks(dec.decay_point, dec.daughter_momenta, experiment)
    z_dec = dec.decay_point[:, 2]
    geo = active & (z_dec > dv.fiducial_z_min_m * m) & (z_dec < dv.fiducial_z_max_m * m)
    pd2 = dot3(dec.daughter_momenta, dec.daughter_momenta)
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
    mass: float,
    mode: str,
    channel: str,
    experiment: Experiment,
    n_events: int = 120_000,
    seed: int = 1,
) -> SignalEvents:
    """Simulate one (mass [MeV], mode, channel) sample with the streams of :func:`simulate_mass`.

    With the same ``seed`` and ``n_events`` as a grid run and the default mode and
    channel order, the events are those that entered the grid, unless that run's
    precision target re-simulated the mass in batches (``YieldConfig.min_effective_events``;
    the e+e- masses below 30 MeV of the reproduction): these events are then its pilot.
    """
    from darkdump.models import dark_photon

    i_mode = PRODUCTION_MODES.index(mode)
    i_ch = CHANNELS.index(channel)
    prod = _production(mode, mass, n_events, _rng(seed, mass, i_mode), experiment)
    if prod is None:
        raise ValueError(f"no {mode} production at {mass / GeV:g} GeV")
    dec, sel, _ = _simulate_channel(
        prod, channel, _rng(seed, mass, i_mode, CHANNEL_KEY + i_ch), experiment, {}
    )
    ctau1 = float(np.asarray(dark_photon.ctau(mass, 1.0)))
    _, x, a = _Reweightable.of(dec).variables(ctau1)
    bad = ~(np.isfinite(x) & np.isfinite(a) & (a > 0))
    return SignalEvents(sel, np.where(bad, 0.0, x), np.where(bad, 0.0, a))


def target_out_of_reach(edge_n_eff: float, config: YieldConfig) -> bool:
    """Whether ``config.max_event_factor`` plain batches cannot bring ``edge_n_eff`` to target.

    >>> from darkdump.yields.model import YieldConfig
    >>> cfg = YieldConfig(masses=(5.0,), epsilons=(1e-6,), min_effective_events=1000.0,
    ...                   max_event_factor=16)
    >>> target_out_of_reach(40.0, cfg), target_out_of_reach(100.0, cfg)
    (True, False)
    """
    target = config.min_effective_events
    return target is not None and target > config.max_event_factor * edge_n_eff


def _split_plan(
    mass: float,
    i_mode: int,
    mode: str,
    sims: dict[int, list[tuple[Any, _Selected, np.ndarray]]],
    values: dict[tuple[str, str], dict[str, FloatArray]],
    edge_n_eff: float,
    experiment: Experiment,
    config: YieldConfig,
    timings: dict[str, float],
    *,
    s: FloatArray,
    ctau1: float,
    brs: dict[str, float],
) -> tuple[tuple[float, float] | None, int]:
    """Band and number of split batches of one (mass, mode), from its pilot (``sims``).

    The band covers the edges that plain batches cannot bring to the target (at the NA62
    e+e- upper edges below 15 MeV; elsewhere plain batches cost less). A second pilot, a
    fresh production split in that band, counts the split batches needed for
    :data:`PRECISION_SAFETY` times the target, within :data:`SPLIT_MAX_COST`; like the first
    pilot it is left out of the result. ``(None, plain batches)`` if there is no band.
    ``s``, ``ctau1``, ``brs``: as in :func:`simulate_mass` (eps^2, c tau at eps = 1 [mm],
    branching ratio per channel).
    """
    assert config.min_effective_events is not None  # target_out_of_reach was checked
    out_of_reach = config.min_effective_events / config.max_event_factor
    band = _band_hull(
        [
            _edge_momentum_band(
                part[0][0],
                part[0][1],
                values[(config.channels[i], mode)],
                s=s,
                ctau1=ctau1,
                target=out_of_reach,
            )
            for i, part in sims.items()
        ]
    )
    if band is None:
        return None, batches_needed(edge_n_eff, config)
    t0 = time.perf_counter()
    fresh = _production(
        mode, mass, config.n_events, _rng(config.seed, mass, i_mode, SECOND_PILOT_KEY), experiment
    )
    split, parent = split_sample(fresh, band, config.split_factor)
    timings["production"] = timings.get("production", 0.0) + time.perf_counter() - t0
    rate = float(split.rate)
    needed = []
    for i_ch in sims:
        ch = config.channels[i_ch]
        rng = _rng(config.seed, mass, i_mode, SECOND_PILOT_CHANNEL_KEY + i_ch)
        dec, sel, geo = _simulate_channel(split, ch, rng, experiment, timings)
        t0 = time.perf_counter()
        n_pot = float(experiment.beam.n_pot)
        reweightable = _Reweightable.of(dec, parent)
        trial, _ = _channel_yields(reweightable, sel, geo, ctau1, s, n_pot, rate, brs[ch])
        # always for the safety margin: one batch misses the rare heavy events
        needed.append(_batches_for(edge_effective_events(trial), config))
        timings["reweighting"] = timings.get("reweighting", 0.0) + time.perf_counter() - t0
    budget = SPLIT_MAX_COST * config.max_event_factor * config.n_events
    return band, max(1, min(max(needed), budget // len(split)))


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
        sims: dict[int, list[tuple[Any, _Selected, np.ndarray]]] = {}  # pilot, then batches
        for i_ch, ch in enumerate(config.channels):
            key = (ch, mode)
            if prod is None or brs[ch] <= 0.0 or rates[mode] <= 0.0:
                values[key] = _zeros(eps.size)
                n_sim[key] = 0
                n_sel[key] = 0
                continue
            rng = _rng(config.seed, mass, i_mode, CHANNEL_KEY + i_ch)
            sims[i_ch] = [_simulate_channel(prod, ch, rng, experiment, timings)]
            t0 = time.perf_counter()
            values[key], n_sel[key] = _channel_yields(
                *sims[i_ch][0], ctau1, s, n_pot, rates[mode], brs[ch]
            )
            n_sim[key] = len(prod)
            tick("reweighting", t0)
        # Precision target: where an edge rests on too few effective events, this first
        # batch is a pilot that only sets the number of batches; the result is made of
        # that many fresh batches (every open channel of the mode gets them). Keeping the
        # pilot would bias the mean slightly, since its share 1/K depends on its own
        # outcome.
        edge_n_eff = min(
            [edge_effective_events(values[(config.channels[i], mode)]) for i in sims],
            default=float("inf"),
        )
        n_batches = batches_needed(edge_n_eff, config)
        band = None
        if config.split_factor > 1 and target_out_of_reach(edge_n_eff, config):
            band, n_batches = _split_plan(
                mass,
                i_mode,
                mode,
                sims,
                values,
                edge_n_eff,
                experiment,
                config,
                timings,
                s=s,
                ctau1=ctau1,
                brs=brs,
            )
        if n_batches > 1 or band is not None:
            for parts in sims.values():
                parts.clear()
            for b in range(1, n_batches + 1):
                t0 = time.perf_counter()
                extra = _production(
                    mode,
                    mass,
                    config.n_events,
                    _rng(config.seed, mass, i_mode, BATCH_KEY + b),
                    experiment,
                )
                parent = None
                if band is not None:
                    extra, parent = split_sample(extra, band, config.split_factor)
                tick("production", t0)
                for i_ch, parts in sims.items():
                    # stream keys: darkdump.yields.sampling (CHANNEL_KEY, BATCH_KEY)
                    rng = _rng(config.seed, mass, i_mode, CHANNEL_KEY + i_ch, b)
                    dec, sel, geo = _simulate_channel(
                        extra, config.channels[i_ch], rng, experiment, timings
                    )
                    parts.append((_Reweightable.of(dec, parent), sel, geo))
                del extra
            for i_ch, parts in sims.items():
                t0 = time.perf_counter()
                merged = _concat(parts)
                key = (config.channels[i_ch], mode)
                rates[mode] = merged[0].rate
                values[key], n_sel[key] = _channel_yields(
                    *merged, ctau1, s, n_pot, rates[mode], brs[key[0]]
                )
                n_sim[key] = len(merged[0])
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
    check_grid_inputs(experiment, config.masses)
    masses = np.asarray(config.masses, dtype=np.float64)
    eps = np.asarray(config.epsilons, dtype=np.float64)
    if np.any(np.diff(eps) <= 0):
        raise ValueError("epsilons must be strictly increasing")
    tasks = [(float(mass), experiment, config) for mass in masses]
    # The warm-up loads the meson spectra and imports every stage once in the parent, so
    # that the forked workers inherit them (a throwaway generator: no effect on results).
    results = map_masses(
        _simulate_mass_task,
        tasks,
        workers=workers,
        warm_up=lambda: _warm_up(experiment, config),
        on_done=on_done,
    )
    return assemble_grid(masses, eps, results, experiment, config)

"""Combinatorial background from a single-track control sample (JHEP 09 (2023) 035 sec. 5.2).

Single tracks recorded by the downscaled Q1 trigger are paired into pseudo-events
that simulate a random coincidence of two unrelated tracks; each pseudo-event
goes through the signal selection (:func:`darkdump.selection.select`, the same
code as the signal) and is weighted so that the weights sum to the expected
number of random coincidences in the data. Expected yields are given per charge
combination (mu+mu+, mu-mu-, mu+mu-) and region (outside VR, CR3, CR2, CR1,
CR1+2+3, VR, SR; JHEP table 2), and the mu+mu- yields can be rescaled by the
data/MC ratio of same-sign events outside the VR (JHEP table 3).

Weights
-------
Let tracks arrive at a rate ``r`` during spills of effective duration ``T``; a
random coincidence is a pair with ``|dt| < W/2`` where ``W`` = 10 ns is the full
time window of the selection (JHEP sec. 4: track times within 5 ns of the
trigger time; fig. 7 side bands reach |dt| = 4.5 ns). The expected number of
such pairs is ``r^2 T W/2`` per spill. The control sample records a fraction
``1/D`` of the tracks (Q1 downscaling ``D`` = 20, JHEP sec. 2.2). Two ways to
form pseudo-events are provided:

``mixing="window"`` (default)
    every pair of recorded tracks of different events in the same burst with
    ``|dt| < Delta`` (the mixing half-window, e.g. 0.5 ms); sorted by time and
    paired with :func:`numpy.searchsorted`. As there are ``(r/D)^2 T Delta`` of
    them, each has weight ``D^2 W / (2 Delta)``. Exact if the rate is constant
    over ``Delta`` (ms scale); it follows the real intensity profile of the spill.
``mixing="burst"`` (the paper's normalisation)
    each recorded track is paired with ``K`` random partners of the same burst;
    all ``n_b (n_b - 1)/2`` pairs of a burst together represent ``r^2 T W/2``
    coincidences, so a pair has weight ``D^2 W / T * (n_b - 1)/(2 K)``, with the
    effective spill duration ``T`` = 4.8 s (JHEP sec. 2.2) absorbing the
    non-uniform intensity.

Both are multiplied by the H2 trigger efficiency for two Q1-like tracks (the
experiment's ``detector.trigger.efficiency``, 0.98 for NA62: JHEP sec. 6) and
by the two tracks' weights. The relative systematic uncertainty of the weight
is 15 % (JHEP sec. 5.2). Statistical uncertainties come from a Poisson
bootstrap over tracks (pairs that share a track are correlated, so
``sqrt(sum w^2)`` would underestimate them); for "burst" mixing the burst sizes
in the weights are kept fixed in the replicas.

The comparison with data (same-sign rescaling, observed counts, p-values) is in
:mod:`darkdump.background.comparison`; the mass shape (Bernstein fit, background model)
in :mod:`darkdump.background.shape`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from hepunits import ms, ns

from darkdump.background.control_sample import PID_ELECTRON, PID_MUON, SingleTrackSample
from darkdump.errors import DarkdumpInputError
from darkdump.selection import in_region, regions_for, select
from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = [
    "CATEGORIES",
    "CombinatorialConfig",
    "CombinatorialResult",
    "PairSample",
    "RegionYieldEstimate",
    "combinatorial",
    "evaluate_pairs",
    "pairs_within_window",
    "random_pairs_in_burst",
    "region_names",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Charge combinations, in the order of JHEP table 2 (index = PairSample.category).
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "mumu": ("mu+mu+", "mu-mu-", "mu+mu-"),
    "ee": ("e+e+", "e-e-", "e+e-"),
}

_PID = {"mumu": PID_MUON, "ee": PID_ELECTRON}
#: Regions blinded in the analysis: "outside" means outside their union.
_BLINDED = {"mumu": ("SR", "VR"), "ee": ("SR", "CR")}
_OUTSIDE = {"mumu": "outside VR", "ee": "outside CR"}


@dataclass(frozen=True)
class CombinatorialConfig:
    """Parameters of the pairing and weighting (internal units).

    Attributes
    ----------
    time_window
        Full width ``W`` of the coincidence window [ns] (NA62: 10 ns, JHEP sec. 5.2).
    q1_downscale
        Downscaling ``D`` of the control trigger (NA62: 20, JHEP sec. 2.2).
    spill_duration
        Effective spill duration ``T`` [ns] (NA62: 4.8 s, JHEP sec. 2.2); "burst" mixing only.
    h2_efficiency
        H2 trigger efficiency for two Q1-like tracks; ``None``: the experiment's
        ``detector.trigger.efficiency`` (0.98, JHEP sec. 6), or 1 if absent.
    weight_systematic
        Relative systematic uncertainty of the weight (NA62: 0.15, JHEP sec. 5.2).

    The experiment's values are data of its analysis: NA62 2021's are in
    ``analyses/na62_2021/analysis.toml`` (:func:`darkdump.analyses.na62_2021.combinatorial_config`).
    mixing
        ``"window"`` or ``"burst"`` (module doc).
    mixing_window
        Half-width ``Delta`` of the "window" mixing [ns].
    partners_per_track
        ``K`` of the "burst" mixing.
    chunk_size
        Pairs processed at once (memory bound).
    """

    time_window: float
    q1_downscale: int
    spill_duration: float
    weight_systematic: float
    h2_efficiency: float | None = None
    mixing: Literal["window", "burst"] = "window"
    mixing_window: float = 0.5 * ms
    partners_per_track: int = 10
    chunk_size: int = 500_000

    def __post_init__(self) -> None:
        if self.mixing not in ("window", "burst"):
            raise DarkdumpInputError(f"mixing {self.mixing!r}: allowed: window, burst")
        if not (self.time_window > 0 and self.spill_duration > 0 and self.mixing_window > 0):
            raise DarkdumpInputError(
                "time window, spill duration and mixing window must be positive"
            )
        if self.mixing_window < self.time_window:
            raise DarkdumpInputError(
                f"mixing window {self.mixing_window / ns:g} ns must be at least the "
                f"coincidence window {self.time_window / ns:g} ns"
            )
        if self.q1_downscale < 1 or self.partners_per_track < 1:
            raise DarkdumpInputError("q1_downscale and partners_per_track must be >= 1")
        if self.h2_efficiency is not None and not 0 < self.h2_efficiency <= 1:
            raise DarkdumpInputError(f"h2_efficiency={self.h2_efficiency}: must be in (0, 1]")


def _order_by_burst_time(burst_id: IntArray, time: FloatArray) -> IntArray:
    return np.asarray(np.lexsort((time, burst_id)), dtype=np.int64)


def _expand_ranges(start: IntArray, stop: IntArray) -> tuple[IntArray, IntArray]:
    """All (a, b) with start[a] <= b < stop[a], vectorised (a is the row index)."""
    counts = np.maximum(stop - start, 0)
    total = int(counts.sum())
    a = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    offsets = np.cumsum(counts) - counts
    b = start[a] + (np.arange(total, dtype=np.int64) - offsets[a])
    return a, b


def pairs_within_window(
    burst_id: npt.ArrayLike,
    event_id: npt.ArrayLike,
    time: npt.ArrayLike,
    half_window: float,
) -> tuple[IntArray, IntArray]:
    """All pairs of tracks of different events in the same burst with ``|dt| < half_window``.

    Sorts by (burst, time) and finds each track's partners with one
    :func:`numpy.searchsorted` (no per-track loop).

    Parameters
    ----------
    burst_id, event_id
        Integer ids, shape ``(n,)``.
    time
        Track times [ns], shape ``(n,)``.
    half_window
        Half-width of the window [ns].

    Returns
    -------
    i, j
        Indices into the input arrays of each unordered pair (``t_i <= t_j``).

    >>> i, j = pairs_within_window([0, 0, 0, 1], [0, 1, 2, 3], [0.0, 3.0, 20.0, 1.0], 5.0)
    >>> i.tolist(), j.tolist()
    ([0], [1])
    """
    b = np.asarray(burst_id, dtype=np.int64)
    e = np.asarray(event_id, dtype=np.int64)
    t = np.asarray(time, dtype=np.float64)
    order = _order_by_burst_time(b, t)
    bs, ts = b[order], t[order]
    if t.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    # One monotonic key: bursts separated by more than the window (float64 keeps
    # ~1e-3 ns precision for 1e4 bursts of 5 s).
    _, burst_rank = np.unique(bs, return_inverse=True)
    span = float(ts.max() - ts.min()) + 2.0 * half_window + 1.0
    key = burst_rank.reshape(-1) * span + (ts - ts.min())
    stop = np.searchsorted(key, key + half_window, side="left").astype(np.int64)
    start = np.arange(t.size, dtype=np.int64) + 1
    a, c = _expand_ranges(start, stop)
    i, j = order[a], order[c]
    different = (e[i] != e[j]) | (b[i] != b[j])
    return np.asarray(i[different], dtype=np.int64), np.asarray(j[different], dtype=np.int64)


def random_pairs_in_burst(
    burst_id: npt.ArrayLike,
    event_id: npt.ArrayLike,
    partners: int,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Pair each track with ``partners`` random tracks of other events in its burst.

    Returns
    -------
    i, j
        Indices of the pairs (draws with the same event are dropped).
    n_burst
        Number of tracks in the pair's burst, shape like ``i`` (for the weight).
    """
    b = np.asarray(burst_id, dtype=np.int64)
    e = np.asarray(event_id, dtype=np.int64)
    order = np.argsort(b, kind="stable")
    bs = b[order]
    first = np.searchsorted(bs, bs, side="left")
    last = np.searchsorted(bs, bs, side="right")
    n_b = (last - first).astype(np.int64)
    a = np.repeat(np.arange(b.size, dtype=np.int64), partners)
    # uniform among the other n_b - 1 tracks: draw in [0, n_b - 1) and skip self
    others = np.maximum(n_b[a] - 1, 1)
    draw = (rng.random(a.size) * others).astype(np.int64)
    pos = first[a] + draw
    pos = np.where(pos >= a, pos + 1, pos)
    ok = (n_b[a] > 1) & (pos < last[a])
    i, j = order[a[ok]], order[pos[ok]]
    keep = e[i] != e[j]
    return (
        np.asarray(i[keep], dtype=np.int64),
        np.asarray(j[keep], dtype=np.int64),
        np.asarray(n_b[a[ok]][keep], dtype=np.float64),
    )


@dataclass(frozen=True)
class _PseudoEvents:
    """Two-track pseudo-events in the duck-typed layout of ``darkdump.selection.select``."""

    momentum: FloatArray  # (n, 2, 3) MeV
    point: FloatArray  # (n, 2, 3) mm
    direction: FloatArray  # (n, 2, 3)
    charge: IntArray  # (n, 2): always (+1, -1), see evaluate_pairs
    in_acceptance: BoolArray
    trigger: BoolArray
    pid: dict[str, BoolArray]


@dataclass(frozen=True)
class PairSample:
    """Selected pseudo-events (pairs passing every cut but the signal region).

    Attributes
    ----------
    i, j
        Track indices of the pairs.
    category
        Index into :data:`CATEGORIES` of the channel (0: ++, 1: --, 2: +-).
    weight
        Expected data events per pseudo-event [events].
    z_tax, cda_tax
        [mm].
    m_ll
        Dilepton mass [MeV].
    vertex
        (n, 3) [mm].
    regions
        Region name -> mask over the pairs (including the "outside" region).
    n_formed
        Number of pseudo-events formed before the selection.
    """

    channel: str
    i: IntArray
    j: IntArray
    category: IntArray
    weight: FloatArray
    z_tax: FloatArray
    cda_tax: FloatArray
    m_ll: FloatArray
    vertex: FloatArray
    regions: dict[str, BoolArray]
    n_formed: int

    def __len__(self) -> int:
        return int(self.weight.shape[0])


def region_names(channel: str, experiment: Experiment | None = None) -> tuple[str, ...]:
    """Regions reported for ``channel``, in the order of JHEP table 2.

    >>> from darkdump.experiments import load
    >>> region_names("mumu", load("na62-2021"))
    ('outside VR', 'CR3', 'CR2', 'CR1', 'CR1+2+3', 'VR', 'SR')
    """
    names = list(regions_for(channel, experiment))
    crs = sorted((n for n in names if n.startswith("CR") and n[2:].isdigit()), reverse=True)
    out = [_OUTSIDE[channel], *crs]
    if len(crs) > 1:
        out.append("CR" + "+".join(sorted(n[2:] for n in crs)))
    out += [n for n in names if n not in crs and n not in ("VR", "SR")]
    out += [n for n in ("VR", "SR") if n in names]
    return tuple(out)


def _region_masks(
    channel: str,
    z_tax: FloatArray,
    cda_tax: FloatArray,
    experiment: Experiment,
    variables: dict[str, FloatArray] | None = None,
) -> dict[str, BoolArray]:
    names = region_names(channel, experiment)
    known = regions_for(channel, experiment)
    masks: dict[str, BoolArray] = {}
    for name in names:
        if name in known:
            masks[name] = in_region(channel, name, z_tax, cda_tax, experiment, variables)
    blinded = np.zeros(z_tax.shape[0], dtype=np.bool_)
    for name in _BLINDED[channel]:
        if name in masks:
            blinded |= masks[name]
    masks[_OUTSIDE[channel]] = ~blinded
    crs = [n for n in masks if n.startswith("CR") and n[2:].isdigit()]
    if len(crs) > 1:
        combined = np.zeros(z_tax.shape[0], dtype=np.bool_)
        for n in crs:
            combined |= masks[n]
        masks["CR" + "+".join(sorted(n[2:] for n in crs))] = combined
    return {name: masks[name] for name in names}


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def evaluate_pairs(
    tracks: SingleTrackSample,
    i: IntArray,
    j: IntArray,
    pair_weight: FloatArray,
    channel: str,
    experiment: Experiment,
    chunk_size: int = 500_000,
) -> PairSample:
    """Run the signal selection on the pseudo-events ``(i, j)``; keep those that pass.

    The pseudo-events go through :func:`darkdump.selection.select` with
    acceptance and trigger set (the control tracks passed the track
    requirements; the H2 efficiency is in the weight) and the channel's PID
    required of both tracks. The charges handed to ``select`` are (+1, -1) so
    that its opposite-charge requirement keeps the same-sign pairs that the
    data/MC scaling needs (JHEP sec. 5.2); the true charges set ``category``.
    Pairs passing every cut up to the fiducial volume are kept (the SR is a
    region, like the VR and CRs).

    Parameters
    ----------
    tracks
        The single tracks.
    i, j
        Pair indices.
    pair_weight
        Weight of each pair [events].
    channel
        ``"mumu"`` or ``"ee"``.
    experiment
        :class:`darkdump.experiments.Experiment`.
    chunk_size
        Pairs per vectorised block.
    """
    if channel not in CATEGORIES:
        raise DarkdumpInputError(f"channel {channel!r}: allowed: {', '.join(CATEGORIES)}")
    pid_code = _PID[channel]
    kept: list[dict[str, npt.NDArray[Any]]] = []
    for sl in _chunks(i.size, chunk_size):
        a, b = i[sl], j[sl]
        n = a.size
        if n == 0:
            continue
        mom = np.stack([tracks.momentum[a], tracks.momentum[b]], axis=1)
        pos = np.stack([tracks.position[a], tracks.position[b]], axis=1)
        pid_ok = np.stack([tracks.pid[a] == pid_code, tracks.pid[b] == pid_code], axis=1)
        events = _PseudoEvents(
            momentum=mom,
            point=pos,
            direction=mom,
            charge=np.broadcast_to(np.array([1, -1], dtype=np.int64), (n, 2)),
            in_acceptance=np.ones(n, dtype=np.bool_),
            trigger=np.ones(n, dtype=np.bool_),
            pid={channel: pid_ok},
        )
        sel = select(events, channel, experiment)
        keep = sel.before_region()
        qa, qb = tracks.charge[a][keep], tracks.charge[b][keep]
        category = np.where(qa * qb < 0, 2, np.where(qa > 0, 0, 1)).astype(np.int64)
        kept.append(
            {
                "i": a[keep],
                "j": b[keep],
                "category": category,
                "weight": pair_weight[sl][keep],
                "z_tax": sel.z_tax[keep],
                "cda_tax": sel.cda_tax[keep],
                "m_ll": sel.m_ll[keep],
                "vertex": sel.vertex[keep],
            }
        )
    if kept:
        cols = {k: np.concatenate([c[k] for c in kept]) for k in kept[0]}
    else:
        cols = {
            "i": np.zeros(0, np.int64),
            "j": np.zeros(0, np.int64),
            "category": np.zeros(0, np.int64),
            "weight": np.zeros(0),
            "z_tax": np.zeros(0),
            "cda_tax": np.zeros(0),
            "m_ll": np.zeros(0),
            "vertex": np.zeros((0, 3)),
        }
    vertex = np.asarray(cols["vertex"], dtype=np.float64).reshape(-1, 3)
    named = {
        "vertex_z_m": vertex[:, 2],
        "vertex_rho_m": np.hypot(vertex[:, 0], vertex[:, 1]),
        "m_ll_GeV": np.asarray(cols["m_ll"], dtype=np.float64),
    }
    regions = _region_masks(channel, cols["z_tax"], cols["cda_tax"], experiment, named)
    return PairSample(
        channel=channel,
        i=cols["i"].astype(np.int64),
        j=cols["j"].astype(np.int64),
        category=cols["category"].astype(np.int64),
        weight=cols["weight"].astype(np.float64),
        z_tax=cols["z_tax"].astype(np.float64),
        cda_tax=cols["cda_tax"].astype(np.float64),
        m_ll=cols["m_ll"].astype(np.float64),
        vertex=cols["vertex"].astype(np.float64),
        regions=regions,
        n_formed=int(i.size),
    )


@dataclass(frozen=True)
class RegionYieldEstimate:
    """Expected combinatorial events in one (charge combination, region) cell.

    Attributes
    ----------
    category, region
        Cell labels.
    n_exp
        Expected number of events [events].
    stat
        Statistical uncertainty (Poisson bootstrap over tracks) [events].
    syst
        Systematic uncertainty (``weight_systematic`` x ``n_exp``) [events].
    n_pairs
        Pseudo-events in the cell.
    """

    category: str
    region: str
    n_exp: float
    stat: float
    syst: float
    n_pairs: int

    @property
    def total_error(self) -> float:
        """Statistical and systematic uncertainties in quadrature [events]."""
        return math.hypot(self.stat, self.syst)


@dataclass(frozen=True)
class CombinatorialResult:
    """Result of :func:`combinatorial`."""

    channel: str
    config: CombinatorialConfig
    h2_efficiency: float
    n_tracks: int
    pairs: PairSample
    yields: tuple[RegionYieldEstimate, ...]
    n_bootstrap: int
    seed: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def get(self, category: str, region: str) -> RegionYieldEstimate:
        """Return the cell of ``category`` (e.g. ``"mu+mu-"``) and ``region`` (e.g. ``"SR"``)."""
        for row in self.yields:
            if row.category == category and row.region == region:
                return row
        raise DarkdumpInputError(f"no yield for {category!r} in region {region!r}")


def _h2_efficiency(config: CombinatorialConfig, experiment: Experiment) -> float:
    if config.h2_efficiency is not None:
        return config.h2_efficiency
    trigger = experiment.detector.trigger
    return 1.0 if trigger is None else float(trigger.efficiency)


def _bootstrap_cells(
    pairs: PairSample,
    n_tracks: int,
    n_bootstrap: int,
    rng: np.random.Generator,
    cells: Sequence[tuple[int, str]],
) -> dict[tuple[int, str], float]:
    """Poisson-bootstrap standard deviation of each cell's weighted sum [events]."""
    out: dict[tuple[int, str], float] = {}
    if len(pairs) == 0 or n_bootstrap < 2:
        return {c: 0.0 for c in cells}
    used, inverse = np.unique(np.concatenate([pairs.i, pairs.j]), return_inverse=True)
    inverse = inverse.reshape(-1)
    ia, ib = inverse[: len(pairs)], inverse[len(pairs) :]
    u = rng.poisson(1.0, size=(n_bootstrap, used.size)).astype(np.float64)
    for cat, region in cells:
        mask = (pairs.category == cat) & pairs.regions[region]
        if not mask.any():
            out[(cat, region)] = 0.0
            continue
        reps = (u[:, ia[mask]] * u[:, ib[mask]]) @ pairs.weight[mask]
        out[(cat, region)] = float(np.std(reps, ddof=1))
    return out


def combinatorial(
    tracks: SingleTrackSample,
    experiment: Experiment,
    rng: np.random.Generator,
    config: CombinatorialConfig,
    channel: str = "mumu",
    n_bootstrap: int = 200,
    seed: int | None = None,
) -> CombinatorialResult:
    """Estimate the combinatorial background per charge combination and region (JHEP table 2).

    Parameters
    ----------
    tracks
        Single-track control sample (:func:`~.control_sample.read_control_sample`).
    experiment
        :class:`darkdump.experiments.Experiment` (selection, regions, trigger).
    rng
        Random generator (burst mixing and bootstrap).
    config
        Pairing and weighting parameters (:class:`CombinatorialConfig`; NA62 2021's from
        :func:`darkdump.analyses.na62_2021.combinatorial_config`).
    channel
        ``"mumu"`` (default) or ``"ee"``.
    n_bootstrap
        Bootstrap replicas for the statistical errors.
    seed
        Seed of ``rng``, recorded in the result.

    Returns
    -------
    CombinatorialResult
        The selected pseudo-events and the yield table.
    """
    eff = _h2_efficiency(config, experiment)
    d2 = float(config.q1_downscale) ** 2
    if config.mixing == "window":
        i, j = pairs_within_window(
            tracks.burst_id, tracks.event_id, tracks.time, config.mixing_window
        )
        w = np.full(i.size, d2 * config.time_window / (2.0 * config.mixing_window) * eff)
    else:
        i, j, n_b = random_pairs_in_burst(
            tracks.burst_id, tracks.event_id, config.partners_per_track, rng
        )
        w = (
            d2
            * config.time_window
            / config.spill_duration
            * (n_b - 1.0)
            / (2.0 * config.partners_per_track)
            * eff
        )
    w = w * tracks.weight[i] * tracks.weight[j]
    pairs = evaluate_pairs(tracks, i, j, w, channel, experiment, config.chunk_size)
    names = region_names(channel, experiment)
    cells = [(c, r) for c in range(3) for r in names]
    stat = _bootstrap_cells(pairs, len(tracks), n_bootstrap, rng, cells)
    rows = []
    for c, r in cells:
        mask = (pairs.category == c) & pairs.regions[r]
        n_exp = float(np.sum(pairs.weight[mask]))
        rows.append(
            RegionYieldEstimate(
                category=CATEGORIES[channel][c],
                region=r,
                n_exp=n_exp,
                stat=stat[(c, r)],
                syst=config.weight_systematic * n_exp,
                n_pairs=int(np.count_nonzero(mask)),
            )
        )
    return CombinatorialResult(
        channel=channel,
        config=config,
        h2_efficiency=eff,
        n_tracks=len(tracks),
        pairs=pairs,
        yields=tuple(rows),
        n_bootstrap=n_bootstrap,
        seed=seed,
    )

"""CLs over a (mass, coupling) grid with toys only where the answer is in doubt.

Strategy (all grid points of all masses advance together, round by round):

1. an analytic pre-screen gives every point a proxy CLs (:func:`proxy_cls`: Poisson
   counting with the total signal, the background and the observed events in a
   +-2 sigma_M mass window, no systematics);
2. along every mass column and for every curve (observed and the five expected
   quantiles) the couplings where the current CLs crosses ``1 - cl`` are located; both
   neighbours of every crossing must carry toy-based CLs (:func:`darkdump.stats.cls.cls`);
   those that do not are evaluated, and the crossings are looked for again, until every
   crossing lies between two toy-based points. Toy values replace the proxy where
   they exist, so a proxy that is off moves the bracket outward one grid step per round;
3. the bracketing points are re-evaluated with ``refine_toys`` pseudo-experiments and
   step 2 is repeated at that precision.

Points far from every boundary keep the proxy value (flagged ``from_toys = False``);
the contour (:mod:`darkdump.stats.contours`) only ever interpolates between toy-based
points. The toys of a point depend only on the seed and its (mass, eps) indices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import stats

from darkdump.errors import DarkdumpInputError
from darkdump.stats.cls import DEFAULT_TOY_MODE, EXPECTED_QUANTILES, ClsResult, cls
from darkdump.stats.contours import Contour, contour
from darkdump.stats.engine import ToyMode
from darkdump.stats.model import ChannelSpec, Convention, LogNormal, Model
from darkdump.typing import FloatArray

__all__ = [
    "CURVES",
    "PRESCREEN_SIGNAL_FACTOR",
    "SHORT_RUN",
    "UNRESOLVED_FACTOR",
    "GridChannel",
    "ScanResult",
    "proxy_cls",
    "scan",
]

#: Names of the CLs curves: observed, then expected at the quantiles of
#: :data:`darkdump.stats.cls.EXPECTED_QUANTILES` of q under b (0.023 ... 0.977). The band
#: names follow RooStats (``HypoTestInverterResult::GetExpectedUpperLimit(n)``) and pyhf:
#: ``-2sigma`` / ``-1sigma`` are the STRONGER exclusions (smaller limit: a downward,
#: background-like fluctuation, i.e. a HIGH quantile of q), ``+1sigma`` / ``+2sigma`` the
#: weaker ones. A low quantile of q is signal-like and gives the weakest limit (+2 sigma).
CURVES: tuple[str, ...] = (
    "observed",
    "expected_p2sigma",
    "expected_p1sigma",
    "expected",
    "expected_m1sigma",
    "expected_m2sigma",
)

#: The pre-screen proxy (:func:`proxy_cls`) has no systematics. With log-normal
#: nuisances the true limits are lower (0 observed, PRL appendix B: 2.107 events observed
#: and about 1.6 for the strong band, against 2.303), so a mass whose signal peaks between
#: them would never get toys. Every column whose proxy, with the signal multiplied by this
#: factor, allows an exclusion that the plain proxy does not gets toys at its peak; the
#: bracketing then follows the toys. 2 covers the strong band (2.303 / 1.6 = 1.44) with margin.
PRESCREEN_SIGNAL_FACTOR = 2.0

#: Toy multiplier for a contour edge next to a toy-based CLs of 0 (no signal-like toy
#: among N: CLs below about 1 / (N CL_b), not 0), applied in the precision stage until
#: ``max_toys``. 4 resolves the strong -2 sigma band (CL_sb ~ 0.002 at its edge) from
#: the 600 base toys in two rounds.
UNRESOLVED_FACTOR = 4.0

#: Longest run of grid points (in coupling) between two crossings of one curve that the
#: precision stage treats as possible toy noise and refines (see ``UNRESOLVED_FACTOR``).
SHORT_RUN = 2


@dataclass(frozen=True)
class GridChannel:
    """A channel with its signal grid.

    ``n_exp`` (n_mass, n_eps): expected signal events at the median POT (1.4e17);
    ``sigma_m`` (n_mass, n_eps): dilepton-mass resolution [MeV]. Both may instead be
    (G, n_mass, n_eps), one slice per production mode: the signal mass pdf is then the
    n_exp-weighted mixture of the modes' Gaussians (:meth:`from_modes`).
    """

    spec: ChannelSpec
    n_exp: FloatArray
    sigma_m: FloatArray

    @classmethod
    def from_modes(
        cls,
        spec: ChannelSpec,
        n_exp: Mapping[str, FloatArray],
        sigma_m: Mapping[str, FloatArray],
    ) -> GridChannel:
        """Stack per-production-mode grids, e.g. ``{"brems": ..., "meson": ...}``."""
        if set(n_exp) != set(sigma_m) or not n_exp:
            raise DarkdumpInputError(
                "n_exp and sigma_m: need the same, non-empty set of production modes"
            )
        modes = sorted(n_exp)
        return cls(
            spec=spec,
            n_exp=np.stack([np.asarray(n_exp[m], np.float64) for m in modes]),
            sigma_m=np.stack([np.asarray(sigma_m[m], np.float64) for m in modes]),
        )

    def components(self) -> tuple[FloatArray, FloatArray]:
        """``n_exp`` and ``sigma_m`` as (G, n_mass, n_eps) arrays."""
        n = np.asarray(self.n_exp, dtype=np.float64)
        sig = np.asarray(self.sigma_m, dtype=np.float64)
        if n.ndim == 2:
            n = n[None]
        if sig.ndim == 2:
            sig = sig[None]
        return n, sig


@dataclass(frozen=True)
class ScanResult:
    """CLs on the grid and the contours.

    ``cls`` (6, n_mass, n_eps) in the order of :data:`CURVES`; ``from_toys``
    (n_mass, n_eps) marks toy-based values (elsewhere the analytic proxy) and
    ``toys_used`` (n_mass, n_eps) the toys per hypothesis behind each value;
    ``contours`` maps each curve name to its :class:`~darkdump.stats.contours.Contour`
    (with the relative Monte-Carlo error of every edge, :attr:`Contour.errors`);
    ``cls_error`` (6, n_mass, n_eps) is the Monte-Carlo error of ln CLs (0 where the
    value is the analytic proxy); ``seed``, ``mode``, ``n_toys``, ``refine_toys``,
    ``precision``, ``outer_band_precision`` and ``max_toys`` record how it was made.
    """

    mass: FloatArray
    eps: FloatArray
    cls: FloatArray
    from_toys: np.ndarray[tuple[int, ...], np.dtype[np.bool_]]
    toys_used: np.ndarray[tuple[int, ...], np.dtype[np.int64]]
    contours: dict[str, Contour]
    n_toys: int
    rounds: int
    cl: float
    seed: int = 0
    mode: str = DEFAULT_TOY_MODE
    refine_toys: int | None = None
    cls_error: FloatArray | None = None
    precision: float | None = None
    max_toys: int | None = None
    outer_band_precision: float | None = None


def proxy_cls(
    model: Model,
    signal: FloatArray,
    mass: FloatArray,
    sigma_m: FloatArray,
    weights: FloatArray | None = None,
) -> FloatArray:
    """Analytic pre-screen CLs (6, P): Poisson counting without systematics.

    ``n <= k`` with ``k`` the observed events within ``M +- 2 sigma_M`` (observed curve)
    or the ``1 - p`` Poisson quantile of the background in that window (expected
    curves, ``p`` in :data:`EXPECTED_QUANTILES`); the signal is the total over channels.
    ``sigma_m`` (P, C) [MeV], or (P, C, G) with ``weights`` (P, C, G) (rms is used).
    """
    s_tot = np.sum(signal, axis=1)
    if sigma_m.ndim == 3:
        w = np.ones(sigma_m.shape) / sigma_m.shape[2] if weights is None else weights
        sigma_m = np.sqrt(np.sum(w * sigma_m**2, axis=2))
    b_win = np.zeros(s_tot.shape)
    k_obs = np.zeros(s_tot.shape)
    for c, ch in enumerate(model.channels):
        lo = mass - 2.0 * sigma_m[:, c]
        hi = mass + 2.0 * sigma_m[:, c]
        b_win += ch.background.median * (ch.shape.cdf(hi) - ch.shape.cdf(lo))
        obs = ch.observed_masses
        k_obs += np.sum((obs[None, :] >= lo[:, None]) & (obs[None, :] <= hi[:, None]), axis=1)
    ks = [k_obs] + [stats.poisson.ppf(1.0 - p, b_win) for p in EXPECTED_QUANTILES]
    out = np.empty((len(ks), s_tot.size))
    for i, k in enumerate(ks):
        num = stats.poisson.cdf(k, s_tot + b_win)
        den = stats.poisson.cdf(k, b_win)
        out[i] = num / np.maximum(den, 1e-300)
    return out


def _run_batch(task: Callable[..., ClsResult], args: tuple[np.ndarray, ...]) -> ClsResult:
    signal, mass, sigma, weights, keys = args
    result: ClsResult = task(signal, mass, sigma, weights=weights, keys=keys)
    return result


def _needed(values: FloatArray, have: np.ndarray, level: float) -> np.ndarray:
    """Grid points (n_mass, n_eps) next to a crossing of ``level`` lacking toys."""
    below = values < level
    cross = below[..., 1:] != below[..., :-1]
    need = np.zeros(values.shape, dtype=bool)
    need[..., :-1] |= cross
    need[..., 1:] |= cross
    out: np.ndarray = np.any(need, axis=0) & ~have
    return out


def _edge_log_errors(
    values: FloatArray,
    log_err: FloatArray,
    eps: FloatArray,
    level: float,
    *,
    wide_slope: bool = False,
) -> tuple[FloatArray, np.ndarray]:
    """Monte-Carlo error of ln eps of every crossing of ``level`` (log-log interpolation).

    With ``l = ln CLs`` at the bracketing couplings e0 < e1 and ``t = (ln level - l0) /
    (l1 - l0)`` the edge is ``ln e* = ln e0 + t (ln e1 - ln e0)``, so
    ``sigma(ln e*) = |ln e1 - ln e0| / |l1 - l0| sqrt((1 - t)^2 s0^2 + t^2 s1^2)``.
    With ``wide_slope``, ``|l1 - l0|`` is replaced by the larger of it and a third of
    ``|l(j+2) - l(j-1)|`` (the slope over the neighbouring points): toy noise can make
    two bracketing values nearly equal where the curve is steep, and the error then says
    what more toys would reach, not what the noisy pair shows.
    Returns ``(sigma, crossing)`` of shape (..., n_eps - 1): ``sigma`` at each crossing
    between grid points j and j+1 (NaN elsewhere) and the crossing mask.
    """
    lv = np.log(np.maximum(values, 1e-300))
    below = values < level
    cross = below[..., 1:] != below[..., :-1]
    l0, l1 = lv[..., :-1], lv[..., 1:]
    s0, s1 = log_err[..., :-1], log_err[..., 1:]
    dl = l1 - l0
    if wide_slope and lv.shape[-1] >= 4:
        wide = np.zeros(dl.shape)
        wide[..., 1:-1] = np.abs(lv[..., 3:] - lv[..., :-3]) / 3.0
        dl = np.where(np.abs(dl) >= wide, dl, np.copysign(wide, dl))
    safe = np.where(np.abs(dl) > 1e-12, dl, 1e-12)
    t = np.clip((np.log(level) - l0) / safe, 0.0, 1.0)
    de = np.diff(np.log(eps))
    sigma = de / np.abs(safe) * np.sqrt((1.0 - t) ** 2 * s0**2 + t**2 * s1**2)
    return np.where(cross, sigma, np.nan), cross


def scan(
    channels: Sequence[GridChannel],
    mass: FloatArray,
    eps: FloatArray,
    *,
    pot: LogNormal | None,
    cl: float = 0.9,
    n_toys: int = 2000,
    seed: int = 0,
    mode: ToyMode = DEFAULT_TOY_MODE,
    convention: Convention = "median",
    refine_toys: int | None = 5000,
    precision: float | None = None,
    outer_band_precision: float | None = None,
    max_toys: int = 20_000,
    max_rounds: int = 30,
    executor: Executor | None = None,
    batches: int | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> ScanResult:
    """CLs and exclusion contours (observed, expected with +-1, +-2 sigma) on a grid.

    Parameters
    ----------
    channels
        Channels with their ``n_exp`` and ``sigma_m`` grids (n_mass, n_eps); the
        likelihood is their product with the POT nuisance shared.
    mass
        A' masses (n_mass,) [MeV].
    eps
        Couplings (n_eps,), increasing [1].
    cl
        Confidence level of the contours (0.9 in the papers).
    n_toys
        Pseudo-experiments per hypothesis at each toy-evaluated point.
    seed
        Seed of the toys (a point's toys depend on the seed and its indices only).
    mode
        ``"frequentist"`` (default) or ``"hybrid"`` toys.
    pot
        POT constraint shared by the channels (PRL appendix B), ``None`` to switch off.
    convention
        Constraint placement, see :mod:`darkdump.stats.model`.
    refine_toys
        Once every crossing is bracketed with ``n_toys``, the bracketing points are
        evaluated again with this many toys (and the bracketing repeated at that
        level), so the final interpolation uses precise CLs; ``None`` skips it.
    precision
        Target Monte-Carlo error of every contour edge, relative in eps (e.g. 0.01).
        After the bracketing stages, the two points that bracket an edge whose error
        (:func:`_edge_log_errors`) is above it get more toys, up to ``max_toys``, and the
        bracketing is repeated; ``None`` skips this stage.
    outer_band_precision
        Target of the +-2 sigma curves instead of ``precision`` (default: the same). The
        strong -2 sigma edge costs the most toys by far: CL_sb is about 0.1 x 0.023 there.
    max_toys
        Largest number of toys per hypothesis spent on one point by ``precision``.
    max_rounds
        Upper bound on bracketing rounds per stage.
    executor
        Optional :class:`concurrent.futures.Executor` (e.g. a process pool, or
        ``distributed.Client(...).get_executor()`` for Dask) that evaluates the points of
        a round in parallel batches; results are identical to the serial run because
        every point's toys are seeded by its (mass, eps) indices.
    batches
        Number of batches a round is split into on ``executor``. Each batch pays a fixed
        cost (toy set-up, transfer), so one batch per worker is fastest when several scans
        share the workers; default four per worker of a ``concurrent.futures`` pool
        (``_max_workers``), else 16. Ignored without an executor; no effect on results.
    progress
        Optional callback ``progress(round, n_points, n_toys)`` after every round.

    Returns
    -------
    ScanResult
        CLs grids, toy mask and contours.
    """
    if not channels:
        raise DarkdumpInputError("channels: need at least one channel")
    if batches is not None and (
        isinstance(batches, bool) or not isinstance(batches, (int, np.integer)) or batches < 1
    ):
        raise DarkdumpInputError(f"batches={batches!r}: must be a positive integer")
    if not 0.0 < cl < 1.0:
        raise DarkdumpInputError(f"cl={cl!r}: must be between 0 and 1 (e.g. 0.9)")
    mass = np.asarray(mass, dtype=np.float64).reshape(-1)
    eps = np.asarray(eps, dtype=np.float64).reshape(-1)
    n_m, n_e = mass.size, eps.size
    comps = [ch.components() for ch in channels]
    for ch, (n_c, s_c) in zip(channels, comps, strict=True):
        if n_c.shape[1:] != (n_m, n_e) or s_c.shape != n_c.shape:
            raise DarkdumpInputError(
                f"channel {ch.spec.name!r}: n_exp and sigma_m must have shape ({n_m}, {n_e}) "
                f"or (n_modes, {n_m}, {n_e})"
            )
    if np.any(np.diff(eps) <= 0) or eps[0] <= 0:
        raise DarkdumpInputError("eps: must be positive and increasing")
    model = Model(tuple(ch.spec for ch in channels), pot=pot, convention=convention)
    g_max = max(n_c.shape[0] for n_c, _ in comps)
    parts = np.zeros((n_m * n_e, len(channels), g_max))
    sigma = np.ones((n_m * n_e, len(channels), g_max))
    for c, (n_c, s_c) in enumerate(comps):
        parts[:, c, : n_c.shape[0]] = n_c.reshape(n_c.shape[0], -1).T
        sigma[:, c, : n_c.shape[0]] = s_c.reshape(s_c.shape[0], -1).T
    if np.any(~np.isfinite(parts)) or np.any(parts < 0):
        raise DarkdumpInputError("n_exp: expected signal events must be finite and >= 0")
    for c, ch in enumerate(channels):
        lo, hi = ch.spec.mass_range
        has_signal = np.any(parts[:, c, :] > 0, axis=1).reshape(n_m, n_e).any(axis=1)
        outside = has_signal & ((mass < lo) | (mass > hi))
        if np.any(outside):
            raise DarkdumpInputError(
                f"mass {mass[outside][0]:g}: outside the {ch.spec.name} mass-pdf range "
                f"[{lo:g}, {hi:g}] MeV where it has signal (masses are in MeV, not GeV)"
            )
    # sigma_M is undefined where nothing is selected (NaN or 0 from the yields stage):
    # harmless where n_exp = 0, an error elsewhere
    bad_sigma = ~(np.isfinite(sigma) & (sigma > 0))
    if np.any(bad_sigma & (parts > 0)):
        raise DarkdumpInputError("sigma_m: must be a positive number of MeV wherever n_exp > 0")
    sigma = np.where(bad_sigma, 1.0, sigma)
    signal = np.sum(parts, axis=2)
    weights = np.where(signal[..., None] > 0, parts / np.maximum(signal, 1e-300)[..., None], 0.0)
    weights[signal <= 0, 0] = 1.0
    mass_flat = np.repeat(mass, n_e)
    values = proxy_cls(model, signal, mass_flat, sigma, weights).reshape(len(CURVES), n_m, n_e)
    toys_used = np.zeros((n_m, n_e), dtype=np.int64)
    optimistic = proxy_cls(
        model, signal * PRESCREEN_SIGNAL_FACTOR, mass_flat, sigma, weights
    ).reshape(len(CURVES), n_m, n_e)
    total = signal.sum(axis=1).reshape(n_m, n_e)
    peak = np.zeros((n_m, n_e), dtype=bool)
    peak[np.arange(n_m), np.argmax(total, axis=1)] = True
    in_doubt = peak & np.any((optimistic < 1.0 - cl) & (values >= 1.0 - cl), axis=0)

    def n_batches(n_points: int) -> int:
        if executor is None:
            return 1
        n = batches if batches is not None else 4 * int(getattr(executor, "_max_workers", 0) or 4)
        return max(1, min(n_points, n))

    level = 1.0 - cl
    rounds = 0
    log_err = np.zeros((len(CURVES), n_m, n_e))

    def evaluate(points: np.ndarray, n_points_toys: np.ndarray) -> None:
        """Toy CLs at flat grid indices ``points`` with ``n_points_toys`` toys each."""
        nonlocal rounds
        rounds += 1
        for target in np.unique(n_points_toys):
            idx = points[n_points_toys == target]
            keys = np.column_stack([idx // n_e, idx % n_e]).astype(np.int64)
            task = partial(cls, model, n_toys=int(target), seed=seed, mode=mode)
            chunks = np.array_split(np.arange(idx.size), n_batches(idx.size))
            args = [
                (signal[idx[b]], mass_flat[idx[b]], sigma[idx[b]], weights[idx[b]], keys[b])
                for b in chunks
            ]
            if executor is None:
                results = [_run_batch(task, a) for a in args]
            else:
                results = list(executor.map(_run_batch, [task] * len(args), args))
            flat = values.reshape(len(CURVES), -1)
            flat_err = log_err.reshape(len(CURVES), -1)
            for b, res in zip(chunks, results, strict=True):
                flat[0, idx[b]] = res.cls
                flat[1:, idx[b]] = res.cls_expected
                if res.relative_error is not None:
                    flat_err[:, idx[b]] = res.relative_error
            toys_used.reshape(-1)[idx] = int(target)
            if progress is not None:
                progress(rounds, int(idx.size), int(target))

    def bracket(target: int, first: bool) -> None:
        for _ in range(max_rounds):
            need = _needed(values, toys_used >= target, level)
            if first:
                need |= in_doubt & (toys_used < target)
            if not np.any(need):
                return
            idx = np.flatnonzero(need.reshape(-1))
            evaluate(idx, np.full(idx.size, target))

    targets = [n_toys] if refine_toys is None or refine_toys <= n_toys else [n_toys, refine_toys]
    for stage, target in enumerate(targets):
        bracket(target, stage == 0)
    outer = precision if outer_band_precision is None or precision is None else outer_band_precision
    if precision is not None:
        target_of = np.array([outer if name.endswith("2sigma") else precision for name in CURVES])[
            :, None, None
        ]
        last = targets[-1]
        for _ in range(max_rounds):
            sig, cross = _edge_log_errors(values, log_err, eps, level)
            # An edge whose error would stay above twice the target even with max_toys
            # at both points is a shallow crossing (the tip of a contour, where CLs
            # barely dips below the level): toys cannot pin it, so none are spent there.
            # "Shallow" is judged on the slope over the neighbouring points, so that a
            # pair made flat by toy noise on a steep curve still gets its toys.
            pair_toys = np.minimum(toys_used[:, :-1], toys_used[:, 1:])
            sig_wide, _ = _edge_log_errors(values, log_err, eps, level, wide_slope=True)
            at_max = np.nan_to_num(sig_wide) * np.sqrt(np.maximum(pair_toys, 1) / max_toys)
            too_big = (np.nan_to_num(sig, nan=0.0) > target_of) & (at_max <= 2.0 * target_of)
            # Toys needed at both bracketing points, scaled by the error ratio squared
            # (at least doubled, at most max_toys), for every curve of the point.
            want = np.zeros((n_m, n_e))
            ratio2 = np.where(too_big, (np.nan_to_num(sig) / target_of) ** 2, 0.0)
            # A bracketing point whose CLs is 0 had no signal-like toy: ln CLs is
            # unbounded there, so the interpolated edge sits at the other point and its
            # error formula gives ~0. Such a crossing is unresolved, not precise: its
            # points get UNRESOLVED_FACTOR times the toys (up to max_toys).
            unresolved = cross & ((values[..., :-1] <= 0) | (values[..., 1:] <= 0))
            # Two crossings within SHORT_RUN grid steps bound a run of one or two points
            # on the other side of the level: mostly toy noise near an edge (a spurious
            # hole or island), which each crossing's own error does not see. Both are
            # treated as unresolved too.
            for gap in range(1, SHORT_RUN + 1):
                both = cross[..., :-gap] & cross[..., gap:]
                unresolved[..., :-gap] |= both
                unresolved[..., gap:] |= both
            unresolved &= (pair_toys < max_toys)[None]
            ratio2 = np.where(unresolved, np.maximum(ratio2, UNRESOLVED_FACTOR), ratio2)
            per_pair = np.max(ratio2, axis=0)
            want[:, :-1] = np.maximum(want[:, :-1], per_pair)
            want[:, 1:] = np.maximum(want[:, 1:], per_pair)
            new = np.minimum(max_toys, np.ceil(toys_used * np.maximum(want * 1.2, 2.0)))
            # Round up to a multiple of the base toys: few distinct batch sizes.
            new = np.minimum(max_toys, np.ceil(new / n_toys) * n_toys).astype(np.int64)
            todo = (want > 0) & (toys_used < new) & (toys_used < max_toys)
            if not np.any(todo):
                break
            idx = np.flatnonzero(todo.reshape(-1))
            evaluate(idx, new.reshape(-1)[idx])
            # New toys can move a crossing next to a point without toys: bracket again.
            bracket(last, False)
    have = toys_used > 0
    log_err = np.where(have[None], log_err, 0.0)
    contours = {
        name: contour(mass, eps, values[i], cl, log_errors=log_err[i])
        for i, name in enumerate(CURVES)
    }
    return ScanResult(
        mass=mass,
        eps=eps,
        cls=values,
        from_toys=have,
        toys_used=toys_used,
        contours=contours,
        n_toys=n_toys,
        rounds=rounds,
        cl=cl,
        seed=seed,
        mode=mode,
        refine_toys=refine_toys,
        cls_error=log_err,
        precision=precision,
        max_toys=max_toys if precision is not None else None,
        outer_band_precision=outer,
    )

"""Vectorised profile-likelihood fits and pseudo-experiments (PRL eqs. 4-5).

A batch of data sets ("toys", index ``t``) is fitted at once: every array carries the
toy index first, the events of all toys of a channel are flat arrays with a toy index,
and the nuisance parameters of all toys are profiled together by a damped Newton
method (exact Hessian where it is positive definite, else its Gauss-Newton part; Armijo
back-tracking; steps capped at 4 units of ``u``). Each toy has only a few events, so one
Newton iteration over a million toys costs a few numpy passes.

Notation (see :mod:`darkdump.stats.model`): per channel ``c``
``-ln L_c = s_c + b_c - sum_i ln(s_c f_s(x_i) + b_c f_b(x_i))`` and the constraint
``sum_k (u_k - centre_k)**2 / 2`` with ``centre = a + u0``. Constants common to the
signal-plus-background and background-only fits (``-sum ln f_b``) are kept, so
``q = 2 (nll_sb - nll_b)`` (PRL eq. 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

from darkdump.stats.model import Model
from darkdump.stats.pdfs import gaussian_pdf, sample_gaussian
from darkdump.typing import FloatArray

__all__ = [
    "ChannelEvents",
    "FitResult",
    "ToyMode",
    "Toys",
    "generate_toys",
    "observed_data",
    "profile",
]

ToyMode = Literal["frequentist", "hybrid"]
IntArray = np.ndarray[tuple[int, ...], np.dtype[np.int64]]

_TINY_LOG = -700.0
_MAX_STEP = 4.0
_MAX_ITER = 100
_STEP_TOL = 1e-11


@dataclass(frozen=True)
class ChannelEvents:
    """Events of one channel for ``n_toys`` data sets, flattened.

    ``toy`` (n_ev,) toy index of each event; ``log_ratio`` (n_ev,)
    ``ln f_s(x) - ln f_b(x)``; ``count`` (n_toys,) events per toy;
    ``sum_log_fb`` (n_toys,) ``sum_i ln f_b(x_i)`` per toy [ln(1/MeV)].
    """

    toy: IntArray
    log_ratio: FloatArray
    count: FloatArray
    sum_log_fb: FloatArray


@dataclass(frozen=True)
class Toys:
    """Data sets to fit: events per channel and the constraint centres (n_toys, K)."""

    events: tuple[ChannelEvents, ...]
    centre: FloatArray

    @property
    def n_toys(self) -> int:
        """Number of data sets."""
        return int(self.centre.shape[0])


@dataclass(frozen=True)
class FitResult:
    """Profiled ``-ln L`` per toy (n_toys,) and the fitted nuisances ``u`` (n_toys, K)."""

    nll: FloatArray
    u: FloatArray
    converged: np.ndarray[tuple[int, ...], np.dtype[np.bool_]]


Pairs = dict[tuple[int, int], FloatArray]


def _chol_solve(
    h: Pairs, rhs: FloatArray
) -> tuple[FloatArray, np.ndarray[tuple[int, ...], np.dtype[np.bool_]]]:
    """Solve ``h x = rhs`` for a batch of small symmetric matrices by Cholesky.

    ``h`` maps ``(i, j)`` with ``i <= j`` to the (n,) entries; ``rhs`` is (K, n).
    Returns ``x`` (K, n) and a mask of the matrices that are positive definite.
    """
    k, n = rhs.shape
    low: Pairs = {}
    ok = np.ones(n, dtype=bool)
    for j in range(k):
        d = h[(j, j)].copy()
        for m in range(j):
            d -= low[(j, m)] ** 2
        ok &= d > 1e-12 * np.maximum(1.0, np.abs(h[(j, j)]))
        low[(j, j)] = np.sqrt(np.where(d > 0, d, 1.0))
        for i in range(j + 1, k):
            v = h[(j, i)].copy()
            for m in range(j):
                v -= low[(i, m)] * low[(j, m)]
            low[(i, j)] = v / low[(j, j)]
    y = np.empty((k, n))
    for i in range(k):
        v = rhs[i].copy()
        for m in range(i):
            v -= low[(i, m)] * y[m]
        y[i] = v / low[(i, i)]
    x = np.empty((k, n))
    for i in reversed(range(k)):
        v = y[i].copy()
        for m in range(i + 1, k):
            v -= low[(m, i)] * x[m]
        x[i] = v / low[(i, i)]
    return x, ok


def _subset(toys: Toys, keep: np.ndarray[tuple[int, ...], np.dtype[np.bool_]]) -> Toys:
    """Return the toys selected by ``keep`` (n_toys,), with their events re-indexed."""
    new_index = np.cumsum(keep) - 1
    events = []
    for ev in toys.events:
        sel = keep[ev.toy]
        events.append(
            ChannelEvents(
                toy=new_index[ev.toy[sel]],
                log_ratio=ev.log_ratio[sel],
                count=ev.count[keep],
                sum_log_fb=ev.sum_log_fb[keep],
            )
        )
    return Toys(events=tuple(events), centre=toys.centre[keep])


def _evaluate_cols(
    u: FloatArray,
    model: Model,
    log_signal: FloatArray | None,
    toys: Toys,
    centre: FloatArray,
    derivatives: bool,
) -> tuple[FloatArray, FloatArray, Pairs, Pairs]:
    """``-ln L`` (n,), gradient (K, n), Hessian and Gauss-Newton Hessian (pairs i <= j).

    ``u`` and ``centre`` are (K, n) (one contiguous row per nuisance); ``log_signal``
    is (C, n) or ``None``.
    """
    k, n = u.shape
    a_s, a_b = model.a_signal, model.a_background
    diff = u - centre
    nll = 0.5 * np.sum(diff * diff, axis=0)
    grad = diff
    pairs = [(i, j) for i in range(k) for j in range(i, k)]
    hess: Pairs = {}
    hess_gn: Pairs = {}
    if derivatives:
        for i, j in pairs:
            hess_gn[(i, j)] = np.full(n, 1.0 if i == j else 0.0)
            hess[(i, j)] = np.zeros(n)

    def combine(row: FloatArray, base: float) -> FloatArray:
        out = np.full(n, base)
        for m in np.flatnonzero(row):
            out += row[m] * u[m]
        return out

    with np.errstate(over="ignore", invalid="ignore"):
        for c, evc in enumerate(toys.events):
            log_b = combine(a_b[c], float(model.log_background[c]))
            b = np.exp(log_b)
            nll += b - evc.count * log_b - evc.sum_log_fb
            g_lb = b - evc.count
            if log_signal is not None:
                log_s = log_signal[c] + combine(a_s[c], 0.0)
                s = np.exp(log_s)
                x = (log_s - log_b)[evc.toy] + evc.log_ratio
                nll += s - np.bincount(evc.toy, weights=np.logaddexp(0.0, x), minlength=n)
                if derivatives:
                    w = special.expit(x)
                    sum_w = np.bincount(evc.toy, weights=w, minlength=n)
                    big_w = np.bincount(evc.toy, weights=w * (1.0 - w), minlength=n)
                    g_lb += sum_w
                    g_ls = s - sum_w
                    d = a_s[c] - a_b[c]
                    for m in np.flatnonzero(a_s[c]):
                        grad[m] += a_s[c, m] * g_ls
                    for i, j in pairs:
                        if a_s[c, i] * a_s[c, j] != 0.0:
                            hess_gn[(i, j)] += (a_s[c, i] * a_s[c, j]) * s
                        if d[i] * d[j] != 0.0:
                            hess[(i, j)] -= (d[i] * d[j]) * big_w
            if derivatives:
                for m in np.flatnonzero(a_b[c]):
                    grad[m] += a_b[c, m] * g_lb
                for i, j in pairs:
                    if a_b[c, i] * a_b[c, j] != 0.0:
                        hess_gn[(i, j)] += (a_b[c, i] * a_b[c, j]) * b
    if derivatives:
        for key in pairs:
            hess[key] += hess_gn[key]
    nll = np.where(np.isfinite(nll), nll, np.inf)
    return nll, grad, hess, hess_gn


def _evaluate(
    u: FloatArray, model: Model, log_signal: FloatArray | None, toys: Toys, derivatives: bool
) -> tuple[FloatArray, FloatArray]:
    """``-ln L`` (n,) and gradient (n, K) at nuisances ``u`` (n, K) (for tests)."""
    nll, grad, _, _ = _evaluate_cols(
        np.ascontiguousarray(u.T),
        model,
        None if log_signal is None else np.ascontiguousarray(log_signal.T),
        toys,
        np.ascontiguousarray(toys.centre.T),
        derivatives,
    )
    return nll, grad.T


def profile(
    model: Model, toys: Toys, log_signal: FloatArray | None, start: FloatArray | None = None
) -> FitResult:
    """Minimise ``-ln L`` over the nuisances for every toy at once.

    Parameters
    ----------
    model
        The likelihood model.
    toys
        Data sets (events and constraint centres).
    log_signal
        ``ln n_exp`` per toy and channel (n_toys, C) for the signal-plus-background
        likelihood, or ``None`` for the background-only one (solved in closed form).
    start
        Starting nuisances (n_toys, K); default: the background-only solution.

    Returns
    -------
    FitResult
        Minimum ``-ln L`` and the nuisances at the minimum.
    """
    n = toys.n_toys
    k = model.n_nuisance
    u_all = _background_only_solution(model, toys) if start is None else start.copy()
    if k == 0 or log_signal is None:
        nll, _ = _evaluate(u_all, model, log_signal, toys, derivatives=False)
        return FitResult(nll=nll, u=u_all, converged=np.ones(n, dtype=bool))
    a_all = np.concatenate([model.a_signal, model.a_background], axis=0)
    converged_all = _solve_empty_toys(model, toys, log_signal, u_all)
    keep = ~converged_all
    active = np.flatnonzero(keep)
    cur_toys = _subset(toys, keep)
    cur_ls = np.ascontiguousarray(log_signal[keep].T)
    cur_centre = np.ascontiguousarray(cur_toys.centre.T)
    u = np.ascontiguousarray(u_all[active].T)
    for _ in range(_MAX_ITER):
        if active.size == 0:
            break
        nll, grad, hess, hess_gn = _evaluate_cols(
            u, model, cur_ls, cur_toys, cur_centre, derivatives=True
        )
        step, ok = _chol_solve(hess, -grad)
        if not np.all(ok):
            bad = ~ok
            step[:, bad], _ = _chol_solve(
                {key: v[bad] for key, v in hess_gn.items()}, -grad[:, bad]
            )
        size = np.max(np.abs(step), axis=0)
        converged = size < _STEP_TOL
        # Trust region in the log of the yields: no yield moves by more than a factor e
        # per iteration (Newton overshoots on exponentials), and |step| <= _MAX_STEP.
        log_move = np.max(np.abs(a_all @ step), axis=0)
        scale = np.minimum(
            1.0,
            np.minimum(1.0 / np.maximum(log_move, 1e-300), _MAX_STEP / np.maximum(size, 1e-300)),
        )
        step *= scale
        slope = np.sum(grad * step, axis=0)
        alpha = np.ones(u.shape[1])
        pending = ~converged
        for _ in range(40):
            if not np.any(pending):
                break
            trial = u + alpha * step
            nll_trial, *_ = _evaluate_cols(
                trial, model, cur_ls, cur_toys, cur_centre, derivatives=False
            )
            tiny = alpha * size * scale < 1e-7
            accept = pending & ((nll_trial <= nll + 1e-4 * alpha * slope) | tiny)
            u = np.where(accept, trial, u)
            pending &= ~accept
            alpha = np.where(pending, 0.5 * alpha, alpha)
        u_all[active] = u.T
        converged_all[active] = converged
        if np.all(converged):
            break
        keep = ~converged
        active = active[keep]
        cur_toys = _subset(cur_toys, keep)
        cur_ls = np.ascontiguousarray(cur_ls[:, keep])
        cur_centre = np.ascontiguousarray(cur_centre[:, keep])
        u = np.ascontiguousarray(u[:, keep])
    nll, _ = _evaluate(u_all, model, log_signal, toys, derivatives=False)
    return FitResult(nll=nll, u=u_all, converged=converged_all)


def _lambert_w_exp(y: FloatArray) -> FloatArray:
    """``W(exp(y))`` for real ``y`` (principal branch), without overflow.

    Solves ``v + exp(v) = y`` for ``v = ln W`` by Newton's method started to the right of
    the root (the function is convex and increasing, so the iteration is monotone).
    """
    v = np.where(y > 1.0, np.log(np.maximum(y, 1.0)), y)
    for _ in range(60):
        ev = np.exp(v)
        delta = (ev + v - y) / (ev + 1.0)
        v = v - delta
        if np.all(np.abs(delta) < 1e-15 * np.maximum(1.0, np.abs(v))):
            break
    return np.asarray(np.exp(v), dtype=np.float64)


def _solve_empty_toys(
    model: Model, toys: Toys, log_signal: FloatArray, u: FloatArray
) -> np.ndarray[tuple[int, ...], np.dtype[np.bool_]]:
    """Profile in closed form the toys without any event (signal-plus-background fit).

    Without events and without efficiency nuisances the POT nuisance only multiplies
    ``sum_c n_exp_c`` and decouples from the background nuisances (already at their
    closed-form values in ``u``), so it has the Lambert-W solution with ``n = 0``.
    ``u`` is updated in place; returns the mask of the toys solved this way.
    """
    n = toys.n_toys
    if "pot" not in model.names or any(name.startswith("efficiency") for name in model.names):
        return np.zeros(n, dtype=bool)
    empty = np.ones(n, dtype=bool)
    for ev in toys.events:
        empty &= ev.count == 0
    j = model.names.index("pot")
    sigma = float(model.a_signal[0, j])
    log_total = np.log(np.sum(np.exp(log_signal[empty]), axis=1))
    y = sigma * toys.centre[empty, j]
    w = _lambert_w_exp(np.log(sigma * sigma) + log_total + y)
    u[empty, j] = (y - w) / sigma
    return empty


def _background_only_solution(model: Model, toys: Toys) -> FloatArray:
    """Exact background-only profile: closed form with the Lambert W function.

    For a background nuisance of width ``sigma`` the minimum of
    ``B exp(sigma u) - n sigma u + (u - c)**2 / 2`` is
    ``u = (y - W(sigma**2 B exp(y))) / sigma`` with ``y = sigma (c + sigma n)``;
    every other nuisance sits at its constraint centre.
    """
    u = toys.centre.astype(np.float64, copy=True)
    log_b0 = model.log_background
    for c, ev in enumerate(toys.events):
        cols = np.flatnonzero(model.a_background[c])
        for j in cols:
            sigma = float(model.a_background[c, j])
            y = sigma * (toys.centre[:, j] + sigma * ev.count)
            w = _lambert_w_exp(np.log(sigma * sigma) + log_b0[c] + y)
            u[:, j] = (y - w) / sigma
    return u


def _channel_events(
    toy: IntArray,
    masses: FloatArray,
    mass_of_toy: FloatArray,
    sigma_of_toy: FloatArray,
    weight_of_toy: FloatArray,
    model: Model,
    c: int,
    n_toys: int,
) -> ChannelEvents:
    """Events of channel ``c``; the signal pdf is a mixture of Gaussians (T, G)."""
    shape = model.channels[c].shape
    fs = np.zeros(masses.shape)
    for g in range(sigma_of_toy.shape[1]):
        w = weight_of_toy[toy, g]
        if np.any(w > 0):
            fs += w * gaussian_pdf(masses, mass_of_toy[toy], sigma_of_toy[toy, g], shape.mass_range)
    fb = shape.pdf(masses)
    with np.errstate(divide="ignore"):
        log_fs = np.maximum(np.log(fs), _TINY_LOG)
        log_fb = np.maximum(np.log(fb), _TINY_LOG)
    return ChannelEvents(
        toy=toy,
        log_ratio=log_fs - log_fb,
        count=np.bincount(toy, minlength=n_toys).astype(np.float64),
        sum_log_fb=np.bincount(toy, weights=log_fb, minlength=n_toys).astype(np.float64),
    )


def observed_data(model: Model, mass: FloatArray, sigma_m: FloatArray, weights: FloatArray) -> Toys:
    """Return the observed events as one data set per point (P points), nominal constraints.

    ``mass`` (P,) is the A' mass [MeV]; the signal mass pdf of channel ``c`` is the
    mixture ``sum_g weights[:, c, g] N(M, sigma_m[:, c, g])`` (resolutions in MeV,
    weights summing to 1 over ``g``, e.g. the production modes).
    """
    p = mass.shape[0]
    events = []
    for c, ch in enumerate(model.channels):
        obs = ch.observed_masses
        toy = np.repeat(np.arange(p), obs.size).astype(np.int64)
        masses = np.tile(obs, p)
        events.append(_channel_events(toy, masses, mass, sigma_m[:, c], weights[:, c], model, c, p))
    centre = np.broadcast_to(model.u0, (p, model.n_nuisance)).copy()
    return Toys(events=tuple(events), centre=centre)


def generate_toys(
    model: Model,
    signal: FloatArray,
    mass: FloatArray,
    sigma_m: FloatArray,
    weights: FloatArray,
    u_fit: FloatArray,
    n_toys: int,
    rngs: list[np.random.Generator],
    mode: ToyMode,
    with_signal: bool,
) -> Toys:
    """Pseudo-experiments for P points, ``n_toys`` each (toy ``t`` belongs to point ``t // n_toys``).

    Parameters
    ----------
    model
        Likelihood model.
    signal
        Nominal expected signal events (P, C) at the median POT.
    mass, sigma_m, weights
        A' mass (P,) [MeV]; resolutions (P, C, G) [MeV] and weights (P, C, G) of the
        Gaussian components of the signal mass pdf (see :func:`observed_data`).
    u_fit
        Nuisances fitted to the observed data under the generated hypothesis (P, K).
    n_toys
        Toys per point.
    rngs
        One generator per point (so a point's toys do not depend on the batch).
    mode
        ``"frequentist"``: data generated at ``u_fit``, auxiliary observables drawn
        around ``u_fit`` (RooStats FrequentistCalculator, PRL text after eq. 5);
        ``"hybrid"``: nuisances drawn from their constraint pdfs, auxiliary observables
        at their nominal values.
    with_signal
        Generate under signal-plus-background (True) or background-only (False).
    """
    p_count, n_ch = signal.shape
    k = model.n_nuisance
    total = p_count * n_toys
    centre = np.empty((total, k))
    u_gen = np.empty((total, k))
    per_channel_toy: list[list[IntArray]] = [[] for _ in range(n_ch)]
    per_channel_mass: list[list[FloatArray]] = [[] for _ in range(n_ch)]
    log_b0 = model.log_background
    for p in range(p_count):
        rng = rngs[p]
        sl = slice(p * n_toys, (p + 1) * n_toys)
        if mode == "frequentist":
            u = np.broadcast_to(u_fit[p], (n_toys, k))
            centre[sl] = u + rng.standard_normal((n_toys, k))
        else:
            u = rng.standard_normal((n_toys, k))
            centre[sl] = model.u0
        u_gen[sl] = u
        offset = p * n_toys
        for c, ch in enumerate(model.channels):
            mu_b = np.exp(log_b0[c] + u @ model.a_background[c])
            n_b = rng.poisson(mu_b)
            idx_b = np.repeat(np.arange(n_toys), n_b) + offset
            x_b = ch.shape.sample(int(n_b.sum()), rng)
            if with_signal and signal[p, c] > 0:
                mu_s = signal[p, c] * np.exp(u @ model.a_signal[c])
                n_s = rng.poisson(mu_s)
                idx_s = np.repeat(np.arange(n_toys), n_s) + offset
                total_s = int(n_s.sum())
                cum = np.cumsum(weights[p, c])
                comp = np.minimum(np.searchsorted(cum / cum[-1], rng.random(total_s)), cum.size - 1)
                x_s = sample_gaussian(
                    np.full(total_s, mass[p]),
                    sigma_m[p, c][comp],
                    ch.mass_range,
                    rng,
                )
                idx_b = np.concatenate([idx_s, idx_b])
                x_b = np.concatenate([x_s, x_b])
            per_channel_toy[c].append(idx_b.astype(np.int64))
            per_channel_mass[c].append(x_b)
    mass_t = np.repeat(mass, n_toys)
    events = []
    for c in range(n_ch):
        toy = np.concatenate(per_channel_toy[c]) if per_channel_toy[c] else np.zeros(0, np.int64)
        xs = np.concatenate(per_channel_mass[c]) if per_channel_mass[c] else np.zeros(0)
        sigma_t = np.repeat(sigma_m[:, c], n_toys, axis=0)
        weight_t = np.repeat(weights[:, c], n_toys, axis=0)
        events.append(_channel_events(toy, xs, mass_t, sigma_t, weight_t, model, c, total))
    return Toys(events=tuple(events), centre=centre)

"""Re-weighting ONE simulated sample per mass over every coupling.

For a dark photon every width scales as eps^2, so the mean decay length of
event i is ``lambda_i = (p_i / M) c tau_1 / eps^2`` with ``c tau_1`` the proper
decay length at eps = 1. The decay weight of JHEP 09 (2023) 035, eq. 3.6, times
the length ``L_i`` of the flight segment over which the decay point was sampled
flat (so that its mean over the sample is the decay probability),

    w_i(eps) = L_i exp(-D_i / lambda_i) / lambda_i = s k_i L_i exp(-s k_i D_i),

with ``s = eps^2`` and ``k_i = M / (p_i c tau_1)`` [1/mm], is a sum of
exponentials in ``s``. Every quantity the yields need is a sum
``S_c(s) = sum_i a_i c_i exp(-s x_i)`` with ``x_i = k_i D_i`` (dimensionless per
unit s) and per-event coefficients (production weight x ``k_i L_i``, times 1, m,
m^2 for the mass moments).

:func:`exp_sums` evaluates these sums for all ``s`` at once. The exact sum costs
one exponential per (event, coupling); :func:`exp_sums_binned` groups the
events in narrow bins of ``log x`` and expands ``exp(-s x)`` to second order
about each bin's mean, which is exact to ``(s dx)^3 / 6`` (below 1e-3 relative
where the yield is not vanishingly small) at the cost of one exponential per
(bin, coupling). Both shift the exponent by ``min x`` so that nothing
underflows; the common factor ``exp(-s x_min)`` is returned separately.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from darkdump.typing import FloatArray

__all__ = ["EXPANSION_LIMIT", "TAIL_CUT", "LogBins", "exp_sums", "exp_sums_binned"]

#: Largest ``s * (bin width)`` at the smallest ``x`` for which the binned second-order
#: expansion is used (third-order error below 0.3^3/6 = 0.5 % in the worst bin);
#: beyond it the sums are exact over the few events that still contribute.
EXPANSION_LIMIT = 0.3

#: Terms below ``exp(-TAIL_CUT)`` of the largest possible term are dropped in the
#: exact large-``s`` sums.
TAIL_CUT = 40.0


def _check(x: FloatArray, coeffs: FloatArray) -> FloatArray:
    if coeffs.ndim == 1:
        coeffs = coeffs[:, np.newaxis]
    if x.ndim != 1 or coeffs.shape[0] != x.shape[0]:
        raise ValueError(f"x must be (n,) and coeffs (n, m); got {x.shape}, {coeffs.shape}")
    return coeffs


def exp_sums(
    x: npt.ArrayLike,
    coeffs: npt.ArrayLike,
    s: npt.ArrayLike,
    shift: float | None = None,
    chunk: int = 65536,
) -> tuple[FloatArray, FloatArray]:
    """Exact ``sum_i coeffs[i, j] exp(-s_k (x_i - shift))`` for every ``s_k`` and column ``j``.

    Parameters
    ----------
    x
        Per-event exponent per unit ``s``, shape ``(n,)``, ``>= 0`` [dimensionless].
    coeffs
        Per-event coefficients, shape ``(n,)`` or ``(n, m)``.
    s
        Values of the scaling variable (eps^2), shape ``(n_s,)``.
    shift
        Subtracted from ``x`` (default: ``min(x)``) so that the largest term is 1.
    chunk
        Events per block (bounds the memory of the exponential matrix).

    Returns
    -------
    sums
        Shape ``(n_s, m)``: the shifted sums.
    log_factor
        Shape ``(n_s,)``: ``-s * shift``; the unshifted sums are ``sums * exp(log_factor)``.

    Examples
    --------
    >>> import numpy as np
    >>> sums, logf = exp_sums([1.0, 2.0], [1.0, 1.0], [0.0, 1.0])
    >>> np.round(sums[:, 0] * np.exp(logf), 6).tolist()   # 2 and e^-1 + e^-2
    [2.0, 0.503215]
    """
    xa = np.asarray(x, dtype=np.float64)
    ca = _check(xa, np.asarray(coeffs, dtype=np.float64))
    sa = np.asarray(s, dtype=np.float64)
    if xa.size == 0:
        return np.zeros((sa.size, ca.shape[1])), np.zeros(sa.size)
    x0 = float(np.min(xa)) if shift is None else float(shift)
    dx = xa - x0
    out = np.zeros((sa.size, ca.shape[1]), dtype=np.float64)
    ct = np.ascontiguousarray(ca.T)  # summed index last in both operands: faster einsum
    for start in range(0, xa.size, chunk):
        stop = start + chunk
        arg = np.multiply.outer(sa, dx[start:stop])
        out += np.einsum("ij,kj->ik", np.exp(-arg), ct[:, start:stop])
    return out, -sa * x0


def exp_sums_binned(
    x: npt.ArrayLike,
    coeffs: npt.ArrayLike,
    s: npt.ArrayLike,
    shift: float | None = None,
    dex: float = 0.002,
) -> tuple[FloatArray, FloatArray]:
    """Like :func:`exp_sums`, via second-order expansion in narrow bins of ``log10 x``.

    Within a bin of relative width ``delta = 10**dex - 1`` (0.46 % by default),
    ``exp(-s x) = exp(-s xb) (1 - s dx + (s dx)^2 / 2) + O((s dx)^3)`` with
    ``xb`` the bin's mean and ``|dx| <= delta xb``. This is used while
    ``s delta min(x) <= EXPANSION_LIMIT`` (relative error below ~0.5 % in the
    worst bin, far less on average); for larger ``s`` (``s min(x) > 65``, decay
    probabilities below e^-65) the sums are computed exactly over the events
    within ``TAIL_CUT / s`` of ``min(x)``, the only ones that still contribute.

    Parameters and returns as :func:`exp_sums` (``x`` must be ``> 0``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, c, s = rng.uniform(1.0, 3.0, 10_000), rng.random(10_000), np.logspace(-2, 1, 5)
    >>> a, _ = exp_sums(x, c, s)
    >>> b, _ = exp_sums_binned(x, c, s)
    >>> bool(np.allclose(a, b, rtol=1e-5))
    True
    """
    xa = np.asarray(x, dtype=np.float64)
    ca = _check(xa, np.asarray(coeffs, dtype=np.float64))
    sa = np.asarray(s, dtype=np.float64)
    if xa.size == 0:
        return np.zeros((sa.size, ca.shape[1])), np.zeros(sa.size)
    bins = LogBins(xa, shift=shift, dex=dex)
    return bins.sums(ca, sa), bins.log_factor(sa)


class LogBins:
    """Events binned in ``log10 x`` once, for many :meth:`sums` over subsets and columns.

    Parameters
    ----------
    x
        Per-event exponent per unit ``s``, shape ``(n,)``, ``> 0``.
    shift
        Subtracted from ``x`` in the exponent (default ``min(x)``).
    dex
        Bin width in ``log10 x`` (see :func:`exp_sums_binned` for the accuracy).
    """

    def __init__(self, x: npt.ArrayLike, shift: float | None = None, dex: float = 0.002) -> None:
        xa = np.asarray(x, dtype=np.float64)
        if xa.size == 0 or np.any(xa <= 0):
            raise ValueError("LogBins needs a non-empty x > 0")
        self.shift = float(np.min(xa)) if shift is None else float(shift)
        lx = np.log10(xa)
        idx = np.floor((lx - np.floor(lx.min() / dex) * dex) / dex).astype(np.int64)
        nb = int(idx.max()) + 1
        # Expansion point: the mean x of the bin (unweighted: valid for every column).
        counts = np.bincount(idx, minlength=nb).astype(np.float64)
        used = counts > 0
        self.xb = np.bincount(idx, weights=xa, minlength=nb)[used] / counts[used]
        self.ib = (np.cumsum(used) - 1)[idx]
        self.d = xa - self.xb[self.ib]
        self.x = xa
        # The expansion holds while s times the bin width stays small where the sum
        # is made, i.e. for the smallest x: s * delta * x_min <= EXPANSION_LIMIT.
        self.s_max_binned = EXPANSION_LIMIT / ((10.0**dex - 1.0) * max(float(xa.min()), 1e-300))
        self._exp: dict[bytes, FloatArray] = {}

    def log_factor(self, s: npt.ArrayLike) -> FloatArray:
        """``-s * shift``: the unshifted sums are ``sums * exp(log_factor)``."""
        return np.asarray(-np.asarray(s, dtype=np.float64) * self.shift, dtype=np.float64)

    def _e(self, s: FloatArray) -> FloatArray:
        key = s.tobytes()
        if key not in self._exp:
            self._exp[key] = np.exp(-np.multiply.outer(s, self.xb - self.shift))
        return self._exp[key]

    def sums(
        self, coeffs: npt.ArrayLike, s: npt.ArrayLike, subset: npt.ArrayLike | None = None
    ) -> FloatArray:
        """Shifted ``sum_i coeffs[i, j] exp(-s_k (x_i - shift))`` over ``subset`` of the events.

        Parameters
        ----------
        coeffs
            Shape ``(n_subset,)`` or ``(n_subset, m)``: coefficients of the subset's events.
        s
            Shape ``(n_s,)``.
        subset
            Indices (or a boolean mask) of the events, default all.

        Returns
        -------
        Shape ``(n_s, m)``.
        """
        sa = np.asarray(s, dtype=np.float64)
        ib, d = self.ib, self.d
        if subset is not None:
            ib, d = ib[subset], d[subset]
        ca = _check(d, np.asarray(coeffs, dtype=np.float64))
        m = ca.shape[1]
        nb = self.xb.size
        if d.size == 0:
            return np.zeros((sa.size, m))
        # Columns contiguous: one bincount per (moment, column).
        ct = np.array(ca.T, dtype=np.float64, order="C", copy=True)  # scaled in place below
        moments = np.empty((3, m, nb), dtype=np.float64)
        for order in range(3):
            for j in range(m):
                moments[order, j] = np.bincount(ib, weights=ct[j], minlength=nb)
            if order < 2:
                ct *= d
        e = self._e(sa)
        big = sa > self.s_max_binned
        # einsum, not BLAS matmul: these products are small, and a threaded BLAS in
        # every worker of a process pool oversubscribes the cores (3x slower measured).
        # The summed index last in both operands: 4-5 times faster than "ij,jk->ik" for
        # more than one column (measured, numpy 2).
        r = np.einsum("ij,kj->ik", e, moments.reshape(3 * m, nb)).reshape(sa.size, 3, m)
        out: FloatArray = (
            r[:, 0] - sa[:, np.newaxis] * r[:, 1] + (0.5 * sa * sa)[:, np.newaxis] * r[:, 2]
        )
        if np.any(big):
            out[big] = self._exact_tail(ca, sa[big], subset)
        return out

    def _exact_tail(
        self, ca: FloatArray, s_big: FloatArray, subset: npt.ArrayLike | None
    ) -> FloatArray:
        """Exact sums for large ``s``, where only events near ``min x`` contribute.

        Terms with ``s (x - shift) > TAIL_CUT`` are below ``exp(-TAIL_CUT)`` of the
        largest possible term (``x = shift``) and are dropped.
        """
        rows = np.flatnonzero(self.x - self.shift < TAIL_CUT / float(s_big.min()))
        if subset is None:
            co = ca[rows]
        else:
            full = np.zeros((self.x.size, ca.shape[1]))
            full[np.asarray(subset)] = ca
            co = full[rows]
        arg = np.multiply.outer(s_big, self.x[rows] - self.shift)
        np.minimum(arg, 700.0, out=arg)
        out: FloatArray = np.einsum("ij,kj->ik", np.exp(-arg), np.ascontiguousarray(co.T))
        return out

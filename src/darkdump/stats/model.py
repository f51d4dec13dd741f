"""Statistical model of PRL eq. (5): channels, log-normal nuisances, nuisance layout.

Nuisance parameters
-------------------
Every nuisance theta with a log-normal constraint of median ``m0`` and RooFit shape
parameter ``k`` (PRL appendix B) is written as ``theta = m0 * exp(sigma * u)`` with
``sigma = ln k``; ``u`` is the fitted parameter. The constraint term of ``-ln L`` is
``(u - a - u0)**2 / 2`` with ``a`` the auxiliary ("global") observable, nominally 0.

``convention="median"`` (default): ``u0 = 0``, i.e. the constraint is a Gaussian in
``ln theta`` whose mode AND median are at the paper's median (``theta = m0`` is the
best-fit value in the absence of data). ``convention="roofit"``: the constraint is
RooLognormal used as a density in ``theta`` itself, which carries the Jacobian
``1/theta``; in ``u`` this is a Gaussian centred at ``u0 = -sigma`` (mode at
``m0 exp(-sigma^2)``, median still at ``m0``). The signal expectation ``n_exp`` given to
the model is the yield at the median number of protons on target (for NA62, PRL
appendix B: 1.4e17), and it scales as ``s = n_exp * N_POT / median``. The numbers of an
analysis (its POT and background constraints, its channels) live with the analysis
(NA62 2021: :mod:`darkdump.analyses.na62_2021.statistics`).

Examples
--------
>>> pot = LogNormal(median=1.4e17, shape=1.2)
>>> pot.median, round(pot.sigma, 4)
(1.4e+17, 0.1823)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from darkdump.errors import DarkdumpInputError
from darkdump.stats.pdfs import BackgroundShape
from darkdump.typing import FloatArray

__all__ = [
    "ChannelSpec",
    "Convention",
    "LogNormal",
    "Model",
]

Convention = Literal["median", "roofit"]


@dataclass(frozen=True)
class LogNormal:
    """Log-normal constraint with ``median`` (unit of the parameter) and RooFit shape ``k``.

    ``sigma = ln(k)``; ``k = 1`` means no uncertainty (the nuisance is fixed).
    """

    median: float
    shape: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.median) and self.median >= 0):
            raise DarkdumpInputError(f"log-normal median={self.median!r}: must be finite, >= 0")
        if not (math.isfinite(self.shape) and self.shape >= 1):
            raise DarkdumpInputError(
                f"log-normal shape={self.shape!r}: must be finite and >= 1 (1 = no uncertainty)"
            )

    @property
    def sigma(self) -> float:
        """Width of ``ln(theta)`` [1]: ``ln(shape)``."""
        return math.log(self.shape)


@dataclass(frozen=True)
class ChannelSpec:
    """One decay channel of the likelihood (PRL eq. 5), without the signal grid.

    Parameters
    ----------
    name
        Label, e.g. ``"ee"`` or ``"mumu"``.
    background
        Log-normal constraint of the background yield in the SR [events].
    shape
        Background pdf of the dilepton mass (normalised over its ``mass_range``, MeV).
    observed_masses
        Reconstructed dilepton masses of the observed SR events [MeV].
    efficiency
        Optional log-normal on the signal selection efficiency (median 1); ``None``
        leaves it out, as PRL appendix B does.
    """

    name: str
    background: LogNormal
    shape: BackgroundShape
    observed_masses: FloatArray = field(default_factory=lambda: np.zeros(0))
    efficiency: LogNormal | None = None

    def __post_init__(self) -> None:
        obs = np.asarray(self.observed_masses, dtype=np.float64).reshape(-1)
        low, high = self.shape.mass_range
        if np.any(~np.isfinite(obs)) or np.any((obs < low) | (obs > high)):
            raise DarkdumpInputError(
                f"observed_masses of channel {self.name!r}: every mass must lie in the "
                f"normalisation range [{low:g}, {high:g}] MeV"
            )
        if self.background.median <= 0:
            raise DarkdumpInputError(
                f"background median of channel {self.name!r} must be > 0 events"
            )
        object.__setattr__(self, "observed_masses", obs)

    @property
    def mass_range(self) -> tuple[float, float]:
        """Normalisation range of the mass pdfs [MeV]."""
        return self.shape.mass_range


@dataclass(frozen=True)
class Model:
    """Channels combined in one likelihood, POT nuisance shared (PRL, combination paragraph).

    Parameters
    ----------
    channels
        The channels; the total likelihood is their product.
    pot
        Log-normal on the number of protons on TAX, shared by all channels; ``None`` (or
        shape 1) switches it off.
    convention
        Where the constraint mode sits (module docstring): ``"median"`` (default) or
        ``"roofit"``.

    Notes
    -----
    The nuisance vector ``u`` is laid out as ``[pot?, b_0, ..., b_{C-1}, eff_c...]``;
    nuisances with zero width are dropped. ``log s_c = log n_exp_c + A_s[c] @ u`` and
    ``log b_c = log B_c + A_b[c] @ u``.
    """

    channels: tuple[ChannelSpec, ...]
    pot: LogNormal | None
    convention: Convention = "median"
    a_signal: FloatArray = field(init=False, repr=False)
    a_background: FloatArray = field(init=False, repr=False)
    u0: FloatArray = field(init=False, repr=False)
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if len(self.channels) == 0:
            raise DarkdumpInputError("channels: need at least one channel")
        if self.convention not in ("median", "roofit"):
            raise DarkdumpInputError(
                f"convention={self.convention!r}: allowed are 'median' and 'roofit'"
            )
        n_ch = len(self.channels)
        cols_s: list[FloatArray] = []
        cols_b: list[FloatArray] = []
        sig: list[float] = []
        names: list[str] = []
        if self.pot is not None and self.pot.sigma > 0:
            cols_s.append(np.full(n_ch, self.pot.sigma))
            cols_b.append(np.zeros(n_ch))
            sig.append(self.pot.sigma)
            names.append("pot")
        for c, ch in enumerate(self.channels):
            if ch.background.sigma > 0:
                col = np.zeros(n_ch)
                col[c] = ch.background.sigma
                cols_s.append(np.zeros(n_ch))
                cols_b.append(col)
                sig.append(ch.background.sigma)
                names.append(f"background_{ch.name}")
        for c, ch in enumerate(self.channels):
            if ch.efficiency is not None and ch.efficiency.sigma > 0:
                col = np.zeros(n_ch)
                col[c] = ch.efficiency.sigma
                cols_s.append(col)
                cols_b.append(np.zeros(n_ch))
                sig.append(ch.efficiency.sigma)
                names.append(f"efficiency_{ch.name}")
        k = len(names)
        a_s = np.stack(cols_s, axis=1) if k else np.zeros((n_ch, 0))
        a_b = np.stack(cols_b, axis=1) if k else np.zeros((n_ch, 0))
        u0 = -np.asarray(sig) if self.convention == "roofit" else np.zeros(k)
        object.__setattr__(self, "a_signal", a_s)
        object.__setattr__(self, "a_background", a_b)
        object.__setattr__(self, "u0", np.asarray(u0, dtype=np.float64).reshape(k))
        object.__setattr__(self, "names", tuple(names))

    @property
    def n_nuisance(self) -> int:
        """Number of fitted nuisance parameters (zero-width ones dropped)."""
        return len(self.names)

    @property
    def log_background(self) -> FloatArray:
        """``ln`` of the median background yields per channel [ln events]."""
        return np.asarray(np.log([ch.background.median for ch in self.channels]), dtype=np.float64)

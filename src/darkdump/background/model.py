"""Background models as data: a log-normal yield in the signal region and a mass shape.

Generic: :class:`BackgroundModel` (one per channel) is what the statistics stage
consumes, and :class:`RegionYield` is one row of a background table; the numbers of an
analysis live with it (NA62 2021: :mod:`darkdump.analyses.na62_2021.published`).
Log-normal shape parameters follow the RooFit ``RooLognormal`` convention: the shape
``k`` is ``exp(sigma)``, with ``sigma`` the standard deviation of ``ln N``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from hepunits import GeV

from darkdump.errors import DarkdumpInputError
from darkdump.typing import FloatArray

__all__ = ["BackgroundModel", "Channel", "RegionYield", "ShapeKind", "bernstein_pdf"]

ShapeKind = Literal["bernstein", "landau", "histogram", "flat"]
Channel = Literal["mumu", "ee"]


@dataclass(frozen=True)
class BackgroundModel:
    """Expected background in the signal region: yield pdf and dilepton-mass shape.

    Attributes
    ----------
    channel
        ``"mumu"`` or ``"ee"``.
    median_yield
        Median of the log-normal pdf of the expected number of background events
        in the SR [events].
    lognormal_shape
        Log-normal shape parameter ``k = exp(sigma_lnN)`` [dimensionless, >= 1]
        (RooFit ``RooLognormal`` convention, PRL appendix B).
    shape_kind
        Kind of the dilepton-mass pdf: ``"bernstein"`` (``shape_params`` are the
        Bernstein-basis coefficients, degree ``len - 1``, on ``mass_domain``),
        ``"landau"`` (``shape_params = (location, scale)`` [MeV], the ROOT/RooFit
        Landau parametrisation), ``"histogram"`` (``shape_params`` are the bin
        contents on ``bin_edges``), or ``"flat"`` (uniform on ``mass_domain``).
    shape_params
        Parameters of the mass pdf (see ``shape_kind``); masses in MeV.
    mass_domain
        ``(m_min, m_max)`` [MeV] on which the mass pdf is normalised.
    source
        Where the numbers come from (paper and table/equation, or the command
        and input that produced them).
    bin_edges
        Bin edges [MeV] for ``shape_kind == "histogram"``; empty otherwise.
    """

    channel: Channel
    median_yield: float
    lognormal_shape: float
    shape_kind: ShapeKind
    shape_params: tuple[float, ...]
    mass_domain: tuple[float, float]
    source: str
    bin_edges: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not (self.median_yield >= 0 and math.isfinite(self.median_yield)):
            raise DarkdumpInputError(
                f"background median_yield={self.median_yield!r}: must be finite and >= 0"
            )
        if not (self.lognormal_shape >= 1 and math.isfinite(self.lognormal_shape)):
            raise DarkdumpInputError(
                f"background lognormal_shape={self.lognormal_shape!r}: must be finite and >= 1 "
                "(k = exp(sigma_lnN))"
            )
        lo, hi = self.mass_domain
        if not lo < hi:
            raise DarkdumpInputError(f"background mass_domain={self.mass_domain!r}: need min < max")
        if self.shape_kind == "histogram" and len(self.bin_edges) != len(self.shape_params) + 1:
            raise DarkdumpInputError(
                "background histogram shape: len(bin_edges) must be len(shape_params) + 1"
            )

    def to_record(self) -> dict[str, Any]:
        """JSON-ready record, GeV in files (keys carry the unit).

        ``shape_params`` is dimensionless for Bernstein coefficients and histogram
        contents; for a Landau it is ``shape_params_GeV`` (location, scale).

        >>> from hepunits import MeV
        >>> m = BackgroundModel("ee", 0.0094, 4.0, "landau", (14.86 * MeV, 3.48 * MeV),
        ...                     (1.0 * MeV, 700.0 * MeV), "example")
        >>> rec = m.to_record()
        >>> rec["shape_params_GeV"], BackgroundModel.from_record(rec) == m
        ([0.01486, 0.00348], True)
        """
        record: dict[str, Any] = {
            "channel": self.channel,
            "median_yield": self.median_yield,
            "lognormal_shape": self.lognormal_shape,
            "shape_kind": self.shape_kind,
            "mass_domain_GeV": [x / GeV for x in self.mass_domain],
            "source": self.source,
        }
        if self.shape_kind == "landau":
            record["shape_params_GeV"] = [x / GeV for x in self.shape_params]
        else:
            record["shape_params"] = list(self.shape_params)
        if self.bin_edges:
            record["bin_edges_GeV"] = [x / GeV for x in self.bin_edges]
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> BackgroundModel:
        """Inverse of :meth:`to_record`; a bad or missing key is a one-line error."""
        try:
            kind = record["shape_kind"]
            if kind == "landau":
                params = tuple(float(x) * GeV for x in record["shape_params_GeV"])
            else:
                params = tuple(float(x) for x in record["shape_params"])
            lo, hi = (float(x) * GeV for x in record["mass_domain_GeV"])
            edges = tuple(float(x) * GeV for x in record.get("bin_edges_GeV", ()))
            if kind not in ("bernstein", "landau", "histogram", "flat"):
                raise DarkdumpInputError(
                    f"background model: shape_kind {kind!r}; allowed: bernstein, landau, "
                    "histogram, flat"
                )
            channel = record["channel"]
            if channel not in ("mumu", "ee"):
                raise DarkdumpInputError(
                    f"background model: channel {channel!r}; allowed: mumu, ee"
                )
            return cls(
                channel=channel,
                median_yield=float(record["median_yield"]),
                lognormal_shape=float(record["lognormal_shape"]),
                shape_kind=kind,
                shape_params=params,
                mass_domain=(lo, hi),
                source=str(record.get("source", "")),
                bin_edges=edges,
            )
        except KeyError as exc:
            raise DarkdumpInputError(f"background model: missing key {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, DarkdumpInputError):
                raise
            raise DarkdumpInputError(f"background model: bad value ({exc})") from None

    @property
    def log_sigma(self) -> float:
        """Standard deviation of ``ln N`` [dimensionless]: ``ln(lognormal_shape)``."""
        return math.log(self.lognormal_shape)

    def yield_quantiles(self, probabilities: FloatArray) -> FloatArray:
        """Quantiles of the log-normal yield pdf [events] at the given probabilities.

        >>> m = BackgroundModel("mumu", 0.016, 1.125, "flat", (), (0.0, 1.0), "example")
        >>> float(m.yield_quantiles(np.array([0.5]))[0])
        0.016
        """
        from scipy.stats import norm

        z = norm.ppf(np.asarray(probabilities, dtype=np.float64))
        return np.asarray(self.median_yield * np.exp(self.log_sigma * z), dtype=np.float64)

    def mass_pdf(self, mass: FloatArray) -> FloatArray:
        """Normalised dilepton-mass pdf [1/MeV] at ``mass`` [MeV] (zero outside the domain)."""
        m = np.asarray(mass, dtype=np.float64)
        lo, hi = self.mass_domain
        inside = (m >= lo) & (m <= hi)
        if self.shape_kind == "bernstein":
            return np.where(inside, bernstein_pdf(m, self.shape_params, self.mass_domain), 0.0)
        if self.shape_kind == "flat":
            return np.where(inside, 1.0 / (hi - lo), 0.0)
        if self.shape_kind == "histogram":
            edges = np.asarray(self.bin_edges)
            content = np.asarray(self.shape_params)
            density = content / (np.sum(content) * np.diff(edges))
            idx = np.clip(np.searchsorted(edges, m, side="right") - 1, 0, len(content) - 1)
            ok = (m >= edges[0]) & (m <= edges[-1])
            return np.where(ok, density[idx], 0.0)
        # Landau: scipy's standard Landau (moyal is NOT the Landau); normalise numerically
        return _landau_pdf(m, self.shape_params, self.mass_domain)


def _landau_pdf(
    m: FloatArray, params: tuple[float, ...], domain: tuple[float, float]
) -> FloatArray:
    """Landau density with ROOT's (location, scale), normalised on ``domain`` [1/MeV]."""
    from scipy.stats import landau

    mpv, sigma = params
    # ROOT/RooFit Landau: phi((x - mpv)/sigma)/sigma with the standard density
    # phi(x) = (1/pi) int_0^inf exp(-t ln t - x t) sin(pi t) dt (maximum at x = -0.22278).
    # scipy's `landau` (Boost convention, maximum at -0.42931) is the same family with
    # scale pi/2 * sigma and location mpv + sigma ln(pi/2) (checked against the integral
    # in tests/background/test_background_published.py).
    loc = mpv + sigma * math.log(math.pi / 2.0)
    scale = sigma * math.pi / 2.0
    lo, hi = domain
    norm = float(landau.cdf(hi, loc=loc, scale=scale) - landau.cdf(lo, loc=loc, scale=scale))
    inside = (m >= lo) & (m <= hi)
    return np.asarray(
        np.where(inside, landau.pdf(m, loc=loc, scale=scale) / norm, 0.0), dtype=np.float64
    )


def bernstein_pdf(
    mass: FloatArray, coefficients: tuple[float, ...] | FloatArray, domain: tuple[float, float]
) -> FloatArray:
    """Normalised Bernstein-polynomial pdf (RooBernstein convention) [1/MeV].

    ``f(x) = sum_k c_k b_{k,n}(t)``, ``t = (x - lo)/(hi - lo)``, ``n = len(c) - 1``,
    divided by its integral over the domain (each basis element integrates to
    ``(hi - lo)/(n + 1)``).

    Parameters
    ----------
    mass
        Dilepton invariant mass [MeV].
    coefficients
        Non-negative Bernstein coefficients (degree ``len - 1``).
    domain
        ``(lo, hi)`` [MeV].

    >>> float(bernstein_pdf(np.array([5.0]), (1.0, 1.0), (0.0, 10.0))[0])
    0.1
    """
    from scipy.special import comb

    c = np.asarray(coefficients, dtype=np.float64)
    n = len(c) - 1
    lo, hi = domain
    t = np.clip((np.asarray(mass, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)
    k = np.arange(n + 1)
    basis = comb(n, k) * t[..., None] ** k * (1.0 - t[..., None]) ** (n - k)
    integral = np.sum(c) * (hi - lo) / (n + 1)
    return np.asarray(basis @ c / integral, dtype=np.float64)


@dataclass(frozen=True)
class RegionYield:
    """One row of a published background table.

    Attributes
    ----------
    pid
        Lepton-pair charge/PID combination (``"mu+mu+"``, ``"mu-mu-"``, ``"mu+mu-"``).
    region
        Region name (``"outside VR"``, ``"CR3"``, ``"CR2"``, ``"CR1"``, ``"CR1+2+3"``,
        ``"VR"``, ``"SR"``).
    n_exp
        Expected number of events [events].
    n_exp_error
        Its uncertainty [events].
    n_obs
        Observed data events, or ``None`` where masked.
    p_value
        The paper's P(L <= L_obs), or ``None``.
    """

    pid: str
    region: str
    n_exp: float
    n_exp_error: float
    n_obs: int | None
    p_value: float | None


#: JHEP table 2: combinatorial mu mu background, scaled by the Q1/H2 weights; the
#: uncertainty is the 15 % weight systematic (JHEP sec. 5.2).

"""Published NA62 2021 background yields and shapes, as data for the statistics stage.

When no control sample is given, the reproduction uses the numbers the papers
publish. Every number carries its source:

- "JHEP": NA62, JHEP 09 (2023) 035 (A' -> mu+mu-), section 5, tables 1-4;
- "PRL": NA62, PRL 133 (2024) 111802 (A' -> e+e- and the combination),
  eq. 3 and appendix B.

The statistics stage consumes :class:`BackgroundModel` objects (one per channel):
a log-normal pdf of the expected background yield in the signal region (SR) and
the shape of the dilepton invariant mass. Log-normal shape parameters follow the
RooFit ``RooLognormal`` convention used by the PRL (appendix B): the shape ``k``
is ``exp(sigma)``, with ``sigma`` the standard deviation of ``ln N``.

>>> from darkdump.background.published import published_model
>>> published_model("mumu").median_yield
0.016
>>> round(published_model("ee").log_sigma, 4)  # ln 4.0
1.3863
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
from hepunits import GeV, MeV
from particle import Particle

from darkdump.errors import DarkdumpInputError
from darkdump.typing import FloatArray

__all__ = [
    "COMBINATORIAL_TABLE2",
    "COMBINATORIAL_TABLE3",
    "MUMU_BERNSTEIN_COEFFICIENTS",
    "MUMU_MASS_DOMAIN",
    "PROMPT_TABLE1",
    "PROMPT_UPPER_LIMITS_TABLE4",
    "BackgroundModel",
    "RegionYield",
    "ShapeKind",
    "bernstein_pdf",
    "published_model",
]

ShapeKind = Literal["bernstein", "landau", "histogram", "flat"]
Channel = Literal["mumu", "ee"]

_M_MU: Final[float] = float(Particle.from_pdgid(13).mass) * MeV  # type: ignore[arg-type]
_M_E: Final[float] = float(Particle.from_pdgid(11).mass) * MeV  # type: ignore[arg-type]


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

        >>> rec = published_model("ee").to_record()
        >>> rec["shape_params_GeV"], BackgroundModel.from_record(rec) == published_model("ee")
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

        >>> m = published_model("mumu")
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
COMBINATORIAL_TABLE2: Final[tuple[RegionYield, ...]] = (
    RegionYield("mu+mu+", "outside VR", 62.5, 9.4, 53, 0.46),
    RegionYield("mu+mu+", "VR", 0.46, 0.07, 0, 1.0),
    RegionYield("mu+mu+", "SR", 0.040, 0.006, 0, 1.0),
    RegionYield("mu-mu-", "outside VR", 9.1, 1.4, 8, 0.88),
    RegionYield("mu-mu-", "VR", 0.050, 0.007, 0, 1.0),
    RegionYield("mu-mu-", "SR", 0.0050, 0.0007, 0, 1.0),
    RegionYield("mu+mu-", "outside VR", 30.9, 4.6, 28, 0.78),
    RegionYield("mu+mu-", "CR3", 2.00, 0.30, 2, 1.0),
    RegionYield("mu+mu-", "CR2", 0.68, 0.10, 1, 0.48),
    RegionYield("mu+mu-", "CR1", 0.34, 0.05, 1, 0.29),
    RegionYield("mu+mu-", "CR1+2+3", 3.02, 0.45, 4, 0.56),
    RegionYield("mu+mu-", "VR", 0.20, 0.04, None, None),
    RegionYield("mu+mu-", "SR", 0.019, 0.004, None, None),
)

#: JHEP table 3: mu+mu- combinatorial background scaled by the data/MC ratio of
#: same-sign events outside the VR (61 observed, 71.6 +- 9.5 expected; JHEP sec. 5.2).
COMBINATORIAL_TABLE3: Final[tuple[RegionYield, ...]] = (
    RegionYield("mu+mu-", "outside VR", 26.3, 3.4, 28, 0.74),
    RegionYield("mu+mu-", "CR3", 1.70, 0.22, 2, 0.68),
    RegionYield("mu+mu-", "CR2", 0.58, 0.07, 1, 0.44),
    RegionYield("mu+mu-", "CR1", 0.29, 0.04, 1, 0.25),
    RegionYield("mu+mu-", "CR1+2+3", 2.57, 0.33, 4, 0.34),
    RegionYield("mu+mu-", "VR", 0.17, 0.02, None, None),
    RegionYield("mu+mu-", "SR", 0.016, 0.002, None, None),
)

#: JHEP sec. 5.2: same-sign events outside the VR used for the data/MC scaling.
SAME_SIGN_OUTSIDE_VR_OBSERVED: Final[int] = 61
SAME_SIGN_OUTSIDE_VR_EXPECTED: Final[tuple[float, float]] = (71.6, 9.5)

#: JHEP table 1: prompt mu mu background with the LAV veto applied, events in the
#: SR and VR excluded, for N_p = 1.4e17 (statistical errors; the total has a further
#: systematic error of 0.20). Keys: component -> (n_exp, stat error).
PROMPT_TABLE1: Final[dict[str, tuple[float, float]]] = {
    "mu-mu": (0.235, 0.177),
    "mu-pi": (0.038, 0.019),
    "other": (0.004, 0.003),
    "total": (0.28, 0.19),
}

#: JHEP table 4: 90 % CL upper limits on the prompt and upstream-prompt mu mu
#: background [events]; the SR limits are the VR ones divided by ten (flat
#: distribution over the VR, JHEP sec. 5.3).
PROMPT_UPPER_LIMITS_TABLE4: Final[dict[tuple[str, str], float]] = {
    ("prompt", "VR"): 0.004,
    ("prompt", "SR"): 0.0004,
    ("upstream-prompt", "VR"): 0.069,
    ("upstream-prompt", "SR"): 0.007,
}

#: JHEP table 4: combinatorial mu+mu- background (same-sign-scaled, table 3).
COMBINATORIAL_TABLE4: Final[dict[str, tuple[float, float]]] = {
    "VR": (0.17, 0.02),
    "SR": (0.016, 0.002),
}

#: PRL eq. 3: prompt e+e- background, median with 68 % CL interval [events].
EE_PROMPT_PRL_EQ3: Final[dict[str, tuple[float, float, float]]] = {
    "CR": (9.7e-3, 21.3e-3, 7.3e-3),  # (median, +err, -err)
    "SR": (9.4e-3, 20.6e-3, 7.2e-3),
}

#: PRL appendix B, eq. B1: Bernstein coefficients (degree 5) of the mu+mu- background
#: mass pdf.
MUMU_BERNSTEIN_COEFFICIENTS: Final[tuple[float, ...]] = (
    1.886e-2,
    1.945e-1,
    9.183e-1,
    2.769e-1,
    1.196e-1,
    6.845e-2,
)

#: Domain of the mu+mu- Bernstein pdf [MeV]. NOT stated in the papers: we assume
#: the dimuon threshold 2 m_mu (``particle``) to 700 MeV, the upper end of the A'
#: mass scan (JHEP sec. 6: 215-700 MeV).
MUMU_MASS_DOMAIN: Final[tuple[float, float]] = (2.0 * _M_MU, 700.0 * MeV)

#: PRL appendix B: Landau (location, scale) of the e+e- background mass pdf [MeV].
EE_LANDAU_PARAMS: Final[tuple[float, float]] = (14.86 * MeV, 3.48 * MeV)

#: Domain of the e+e- Landau pdf [MeV]. NOT stated in the PRL: we assume the
#: dielectron threshold 2 m_e to 700 MeV (PRL appendix A: A' masses 5-700 MeV), as
#: darkdump.stats does.
EE_MASS_DOMAIN: Final[tuple[float, float]] = (2.0 * _M_E, 700.0 * MeV)


def published_model(channel: str) -> BackgroundModel:
    """Return the published background model of one channel (PRL appendix B).

    Parameters
    ----------
    channel
        ``"mumu"`` (median 0.016, shape 1.125, Bernstein eq. B1; yield = JHEP table 4)
        or ``"ee"`` (median 0.0094, shape 4.0, Landau 14.86/3.48 MeV; yield = PRL eq. 3).

    Returns
    -------
    BackgroundModel

    Raises
    ------
    DarkdumpInputError
        For another channel name.

    >>> published_model("ee").shape_params
    (14.86, 3.48)
    """
    if channel == "mumu":
        return BackgroundModel(
            channel="mumu",
            median_yield=0.016,  # PRL app. B; = JHEP table 4 (SR, combinatorial)
            lognormal_shape=1.125,  # PRL app. B (1 + 0.002/0.016, JHEP table 4)
            shape_kind="bernstein",
            shape_params=MUMU_BERNSTEIN_COEFFICIENTS,
            mass_domain=MUMU_MASS_DOMAIN,
            source=(
                "PRL 133 (2024) 111802 appendix B (log-normal median 0.016, shape 1.125; "
                "Bernstein eq. B1); JHEP 09 (2023) 035 table 4; mass domain assumed"
            ),
        )
    if channel == "ee":
        return BackgroundModel(
            channel="ee",
            median_yield=0.0094,  # PRL app. B; = PRL eq. 3 (SR)
            lognormal_shape=4.0,  # PRL app. B
            shape_kind="landau",
            shape_params=EE_LANDAU_PARAMS,
            mass_domain=EE_MASS_DOMAIN,
            source=(
                "PRL 133 (2024) 111802 appendix B (log-normal median 0.0094, shape 4.0; "
                "Landau 14.86, 3.48 MeV) and eq. 3; mass domain assumed"
            ),
        )
    raise DarkdumpInputError(f"background channel {channel!r}: allowed are 'mumu', 'ee'")

"""Prompt background by rejection-factor pseudo-experiments (PRL 133 (2024) 111802).

The PRL ('Backgrounds') estimates the prompt e+e- background from a simulated
background sample: the number of vertices in the fiducial volume (FV), and the
fraction that survives each of the LAV veto, the ANTI0 veto, and the CR and SR
conditions. Each survival fraction ``f`` (one minus the PRL's rejection factor)
gets a posterior from a uniform prior and a binomial ("beta function")
likelihood: ``k`` survivors of ``n`` tested events give ``f ~ Beta(k + 1, n - k + 1)``.
Pseudo-experiments sample, independently, the FV yield and every factor; the
expected number in a region is the FV yield times the product of its factors.

FV yield pdf (the PRL does not write it down; our choice, documented):
``N_FV = scale * G * S`` with ``G ~ Gamma(n_fv + 1, 1)``, the posterior of a Poisson
mean given ``n_fv`` simulated events and a uniform prior, and ``S`` a log-normal of
mean one and relative standard deviation ``relative_systematic`` (50 %, PRL
'Backgrounds': accuracy of the backward extrapolation and forward propagation).

The result per region: median and central 68 % interval (as PRL eq. 3), mean,
the 90 % CL upper limit (the 90 % quantile), and the log-normal fit (median,
shape ``k = exp(sigma_lnN)``) that the statistics stage uses (PRL appendix B).

Upper limits on a single fraction when zero events survive follow JHEP 09 (2023)
035 sec. 5.1: with a uniform prior, zero of ``n`` gives ``f < 1 - (1 - CL)^(1/(n+1))``:

>>> round(fraction_upper_limit(0, 141, cl=0.9), 4)   # JHEP sec. 5.1: eta_VR < 1.6 %
0.0161
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from darkdump.background.model import BackgroundModel, ShapeKind
from darkdump.errors import DarkdumpInputError
from darkdump.typing import FloatArray

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = [
    "ILLUSTRATIVE",
    "PromptCounts",
    "PromptResult",
    "RegionEstimate",
    "SurvivalFactor",
    "fraction_upper_limit",
    "load_counts",
    "prompt_background",
    "sample_fv_yield",
]

#: Central 68 % interval quantiles (+-1 sigma of a normal).
Q16, Q84 = 0.15865525393145707, 0.8413447460685429


def fraction_upper_limit(n_passed: int, n_tested: int, cl: float = 0.9) -> float:
    """Upper limit at credibility ``cl`` on a survival fraction [dimensionless].

    The posterior of the fraction for ``n_passed`` of ``n_tested`` with a uniform
    prior is ``Beta(n_passed + 1, n_tested - n_passed + 1)``; the limit is its
    ``cl`` quantile. For zero survivors this is ``1 - (1 - cl)^(1/(n_tested + 1))``
    (about ``2.3/n`` at 90 % CL).

    >>> round(fraction_upper_limit(0, 10), 4)
    0.1889
    """
    from scipy.stats import beta

    _check_counts("fraction", n_passed, n_tested)
    return float(beta.ppf(cl, n_passed + 1, n_tested - n_passed + 1))


def _check_counts(name: str, n_passed: int, n_tested: int) -> None:
    if n_tested < 0 or n_passed < 0 or n_passed > n_tested:
        raise DarkdumpInputError(
            f"counts of {name!r}: need 0 <= n_passed <= n_tested, got {n_passed} of {n_tested}"
        )


@dataclass(frozen=True)
class SurvivalFactor:
    """One selection condition: ``n_passed`` of ``n_tested`` background events survive it.

    The PRL's rejection factor is ``1 - f``; the posterior of ``f`` is
    ``Beta(n_passed + 1, n_tested - n_passed + 1)`` (uniform prior).
    """

    name: str
    n_tested: int
    n_passed: int

    def __post_init__(self) -> None:
        _check_counts(self.name, self.n_passed, self.n_tested)

    @property
    def alpha(self) -> float:
        """First Beta parameter ``n_passed + 1``."""
        return float(self.n_passed + 1)

    @property
    def beta(self) -> float:
        """Second Beta parameter ``n_tested - n_passed + 1``."""
        return float(self.n_tested - self.n_passed + 1)

    @property
    def posterior_mean(self) -> float:
        """Posterior mean ``(k + 1)/(n + 2)`` [dimensionless].

        >>> SurvivalFactor("LAV", 8, 2).posterior_mean
        0.3
        """
        return self.alpha / (self.alpha + self.beta)

    def upper_limit(self, cl: float = 0.9) -> float:
        """Upper limit at credibility ``cl`` [dimensionless] (:func:`fraction_upper_limit`)."""
        return fraction_upper_limit(self.n_passed, self.n_tested, cl)

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Draw ``n`` values of the fraction from its posterior."""
        return np.asarray(rng.beta(self.alpha, self.beta, size=n), dtype=np.float64)


@dataclass(frozen=True)
class PromptCounts:
    """Counts of a prompt-background sample.

    Attributes
    ----------
    n_fv
        Vertices reconstructed in the FV in the background sample [events].
    scale
        Expected data events per sample event (e.g. POT of the data over POT
        equivalent of the sample; 1 for the PRL, whose sample is "equivalent to
        that of the data sample") [dimensionless].
    relative_systematic
        Relative uncertainty on the FV yield (0.5, PRL 'Backgrounds') [dimensionless].
    factors
        The conditions, by name.
    regions
        Region name -> names of the conditions whose product defines it
        (default CR: LAV, ANTI0, CR; SR: LAV, ANTI0, SR).
    """

    n_fv: int
    factors: Mapping[str, SurvivalFactor]
    regions: Mapping[str, tuple[str, ...]]
    scale: float = 1.0
    relative_systematic: float = 0.5
    source: str = ""

    def __post_init__(self) -> None:
        if self.n_fv < 0:
            raise DarkdumpInputError(f"prompt counts: n_fv={self.n_fv} must be >= 0")
        for region, names in self.regions.items():
            for name in names:
                if name not in self.factors:
                    raise DarkdumpInputError(
                        f"prompt counts: region {region!r} uses unknown condition {name!r}; "
                        f"known: {', '.join(self.factors)}"
                    )


class _ConditionModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    n_passed: int = Field(ge=0, description="events surviving the condition")
    n_tested: int | None = Field(None, ge=0, description="events tested (default: n_fv)")


class _SampleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    n_fv: int = Field(ge=0, description="vertices in the FV in the background sample")
    scale: float = Field(1.0, gt=0, description="data events per sample event")
    # A relative standard deviation, so 0.5 is 50 %; above 10 (1000 %) it is a percentage
    # typed by mistake, not a log-normal anyone means.
    relative_systematic: float = Field(
        0.5, ge=0, le=10, description="relative syst. on N_FV, a fraction (0.5 is 50 %)"
    )


class _CountsModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    sample: _SampleModel
    conditions: dict[str, _ConditionModel] = Field(min_length=1)
    regions: dict[str, list[str]] = Field(
        default_factory=lambda: {"CR": ["LAV", "ANTI0", "CR"], "SR": ["LAV", "ANTI0", "SR"]}
    )
    source: str = ""

    @model_validator(mode="after")
    def _tested_not_below_passed(self) -> _CountsModel:
        for name, cond in self.conditions.items():
            tested = self.sample.n_fv if cond.n_tested is None else cond.n_tested
            if cond.n_passed > tested:
                raise ValueError(
                    f"condition {name!r}: n_passed={cond.n_passed} exceeds n_tested={tested}"
                )
        return self


def counts_from_mapping(data: Mapping[str, Any], where: str = "counts") -> PromptCounts:
    """Validate a counts table (the TOML layout of :func:`load_counts`).

    Raises
    ------
    DarkdumpInputError
        One line naming the first bad key.
    """
    try:
        model = _CountsModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "<top level>"
        raise DarkdumpInputError(f"{where}: key {key!r}: {err['msg']}") from None
    factors = {
        name: SurvivalFactor(
            name, model.sample.n_fv if c.n_tested is None else c.n_tested, c.n_passed
        )
        for name, c in model.conditions.items()
    }
    return PromptCounts(
        n_fv=model.sample.n_fv,
        factors=factors,
        regions={k: tuple(v) for k, v in model.regions.items()},
        scale=model.sample.scale,
        relative_systematic=model.sample.relative_systematic,
        source=model.source or where,
    )


#: Name accepted by :func:`load_counts` for the shipped illustrative counts file.
ILLUSTRATIVE = "illustrative"


def load_counts(path: str | Path) -> PromptCounts:
    """Read and validate a prompt-background counts file (TOML).

    ``path = "illustrative"`` loads the shipped ILLUSTRATIVE counts
    (``darkdump/background/data/prompt_counts_illustrative.toml``; not NA62 data).

    Layout (``n_tested`` defaults to ``n_fv``; ``[regions]`` defaults to
    CR = LAV x ANTI0 x CR and SR = LAV x ANTI0 x SR)::

        source = "my background MC, 2021 conditions"
        [sample]
        n_fv = 40                  # e+e- vertices in the FV
        scale = 1.0                # data events per sample event
        relative_systematic = 0.5  # PRL: 50 % on the FV yield
        [conditions.LAV]
        n_passed = 2
        [conditions.ANTI0]
        n_passed = 6
        [conditions.CR]
        n_passed = 3
        [conditions.SR]
        n_passed = 1

    Raises
    ------
    DarkdumpInputError
        Unreadable file, invalid TOML, or a bad key (one line naming it).
    """
    if str(path) == ILLUSTRATIVE:
        from importlib import resources

        resource = resources.files("darkdump.background").joinpath(
            "data/prompt_counts_illustrative.toml"
        )
        data = tomllib.loads(resource.read_text(encoding="utf-8"))
        return counts_from_mapping(data, where="illustrative counts")
    from darkdump.experiments import read_toml

    p = Path(path)
    data = read_toml(p, "counts file")
    return counts_from_mapping(data, where=f"counts file {str(p)!r}")


def sample_fv_yield(counts: PromptCounts, n: int, rng: np.random.Generator) -> FloatArray:
    """Draw ``n`` values of the expected FV yield in the data [events] (module doc)."""
    stat = rng.gamma(counts.n_fv + 1.0, 1.0, size=n)
    r = counts.relative_systematic
    if r > 0:
        s2 = math.log1p(r * r)
        syst = rng.lognormal(-0.5 * s2, math.sqrt(s2), size=n)
    else:
        syst = np.ones(n)
    return np.asarray(counts.scale * stat * syst, dtype=np.float64)


@dataclass(frozen=True)
class RegionEstimate:
    """Expected prompt background in one region from the pseudo-experiments [events]."""

    region: str
    median: float
    lower68: float
    upper68: float
    mean: float
    upper90: float
    lognormal_median: float
    lognormal_shape: float

    def to_model(
        self,
        channel: str,
        shape_kind: ShapeKind,
        shape_params: tuple[float, ...],
        mass_domain: tuple[float, float],
        source: str,
    ) -> BackgroundModel:
        """Package the log-normal fit with a mass shape for the statistics stage."""
        if channel not in ("ee", "mumu"):
            raise DarkdumpInputError(f"channel {channel!r}: allowed 'ee', 'mumu'")
        return BackgroundModel(
            channel="ee" if channel == "ee" else "mumu",
            median_yield=self.lognormal_median,
            lognormal_shape=self.lognormal_shape,
            shape_kind=shape_kind,
            shape_params=shape_params,
            mass_domain=mass_domain,
            source=source,
        )


@dataclass(frozen=True)
class PromptResult:
    """Result of :func:`prompt_background`."""

    counts: PromptCounts
    n_pseudo: int
    seed: int | None
    regions: dict[str, RegionEstimate]
    samples: dict[str, FloatArray] = field(repr=False)


def _estimate(region: str, x: FloatArray) -> RegionEstimate:
    q16, q50, q84, q90 = np.quantile(x, [Q16, 0.5, Q84, 0.9])
    logs = np.log(x[x > 0])
    mu = float(np.mean(logs))
    sigma = float(np.std(logs))
    return RegionEstimate(
        region=region,
        median=float(q50),
        lower68=float(q16),
        upper68=float(q84),
        mean=float(np.mean(x)),
        upper90=float(q90),
        lognormal_median=math.exp(mu),
        lognormal_shape=math.exp(sigma),
    )


def prompt_background(
    counts: PromptCounts,
    n_pseudo: int,
    rng: np.random.Generator,
    seed: int | None = None,
) -> PromptResult:
    """Estimate the prompt background per region by pseudo-experiments (PRL 'Backgrounds').

    Each pseudo-experiment draws the FV yield (:func:`sample_fv_yield`) and every
    survival fraction from its beta posterior, independently; the region yield
    is the FV yield times the product of the region's fractions. A condition
    shared by two regions (LAV, ANTI0) uses the same draw in both, as one
    pseudo-experiment is one possible world.

    Parameters
    ----------
    counts
        The background-sample counts.
    n_pseudo
        Number of pseudo-experiments (>= 100).
    rng
        Random generator.
    seed
        The seed of ``rng``, recorded in the result.

    Returns
    -------
    PromptResult
        Per region: median, central 68 % interval, mean, 90 % quantile and the
        log-normal fit (maximum likelihood on ``ln N``), all in events.
    """
    if n_pseudo < 100:
        raise DarkdumpInputError(f"n_pseudo={n_pseudo}: at least 100 pseudo-experiments needed")
    fv = sample_fv_yield(counts, n_pseudo, rng)
    draws = {name: f.sample(n_pseudo, rng) for name, f in counts.factors.items()}
    samples: dict[str, FloatArray] = {"FV": fv}
    for region, names in counts.regions.items():
        prod = fv.copy()
        for name in names:
            prod *= draws[name]
        samples[region] = prod
    estimates = {region: _estimate(region, samples[region]) for region in counts.regions}
    return PromptResult(counts, n_pseudo, seed, estimates, samples)

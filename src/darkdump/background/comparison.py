"""Combinatorial estimates against data (JHEP 09 (2023) 035 sec. 5.2, tables 2-3).

The same-sign rescaling (table 3), observed counts per region from a file, and the
compatibility p-value of an observed count with an expectation of known uncertainty
(table 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from darkdump.errors import DarkdumpInputError

__all__ = [
    "ScaledYield",
    "check_observed_keys",
    "compatibility_pvalue",
    "load_observed",
    "same_sign_scaling",
]


@dataclass(frozen=True)
class ScaledYield:
    """A yield rescaled by the same-sign data/MC ratio (JHEP table 3) [events]."""

    region: str
    n_exp: float
    error: float
    scale: float


def same_sign_scaling(
    yields: Sequence[tuple[str, float, float]],
    n_obs_same_sign: int,
    n_exp_same_sign: float,
    n_exp_same_sign_stat: float = 0.0,
) -> tuple[ScaledYield, ...]:
    """Rescale opposite-sign yields by the same-sign data/MC ratio outside the VR.

    JHEP sec. 5.2 and table 3: the scale is ``n_obs / n_exp`` of same-sign events
    outside the VR; its relative uncertainty is statistical, ``1/sqrt(n_obs)``
    (plus the MC statistics), the weight systematic cancelling in the ratio.

    Parameters
    ----------
    yields
        ``(region, n_exp, mc_stat_error)`` of the opposite-sign pairs [events].
    n_obs_same_sign
        Same-sign data events outside the VR (61 in JHEP sec. 5.2).
    n_exp_same_sign
        Expected same-sign events outside the VR (71.6 in JHEP sec. 5.2).
    n_exp_same_sign_stat
        MC statistical error of ``n_exp_same_sign`` [events].

    Returns
    -------
    tuple of ScaledYield

    >>> r = same_sign_scaling([("SR", 0.019, 0.0)], 61, 71.6)[0]   # JHEP table 3: 0.016 +- 0.002
    >>> round(r.n_exp, 4), round(r.error, 4)
    (0.0162, 0.0021)
    """
    if n_obs_same_sign <= 0 or n_exp_same_sign <= 0:
        raise DarkdumpInputError(
            "same-sign scaling needs n_obs > 0 and n_exp > 0 outside the VR, got "
            f"{n_obs_same_sign} and {n_exp_same_sign:g}"
        )
    scale = n_obs_same_sign / n_exp_same_sign
    rel_scale2 = 1.0 / n_obs_same_sign + (n_exp_same_sign_stat / n_exp_same_sign) ** 2
    out = []
    for region, n_exp, mc_stat in yields:
        rel2 = rel_scale2 + ((mc_stat / n_exp) ** 2 if n_exp > 0 else 0.0)
        value = n_exp * scale
        out.append(ScaledYield(region, value, value * math.sqrt(rel2), scale))
    return tuple(out)


def load_observed(path: str | Path) -> dict[tuple[str, str], int]:
    """Observed data counts per (charge combination, region), e.g. JHEP table 2's N_obs.

    TOML layout: one table per charge combination whose keys are region names and
    values counts (``["mu+mu-"]`` / ``"outside VR" = 28``); a top-level ``source``
    string is allowed. ``path = "jhep"`` loads the shipped JHEP table 2 counts.

    Raises
    ------
    DarkdumpInputError
        Unreadable file, invalid TOML, or a count that is not a non-negative integer.
    """
    from darkdump.experiments import parse_toml, read_toml

    if str(path) == "jhep":
        from importlib import resources

        raw = (
            resources.files("darkdump.background")
            .joinpath("data/jhep_table2_observed.toml")
            .read_bytes()
        )
        data = parse_toml(raw, "observed counts 'jhep'")
    else:
        data = read_toml(path, "observed counts")
    out: dict[tuple[str, str], int] = {}
    for pid, table in data.items():
        if pid == "source" and isinstance(table, str):
            continue
        if not isinstance(table, dict):
            raise DarkdumpInputError(
                f"observed counts {str(path)!r}: key {pid!r} must be a table of region = count"
            )
        for region, count in table.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise DarkdumpInputError(
                    f"observed counts {str(path)!r}: key '{pid}.{region}' = {count!r}; "
                    "expected a non-negative integer"
                )
            out[(pid, region)] = count
    return out


def compatibility_pvalue(n_obs: int, n_exp: float, sigma: float) -> float:
    """P(L <= L_obs) for a Poisson count with a Gaussian-uncertain mean (JHEP tables 2-3).

    ``L(n)`` is the Poisson probability of ``n`` averaged over a normal pdf of the
    mean (``n_exp``, ``sigma``, truncated at zero); the p-value sums ``L(n)`` over
    all ``n`` with ``L(n) <= L(n_obs)``. This reproduces most entries of JHEP
    tables 2-3 to 0.01 (e.g. 28 observed for 30.9 +- 4.6: 0.78); at the mode of
    the distribution the paper's convention differs (8 for 9.1 +- 1.4: 0.88 there,
    1.0 here).

    >>> round(compatibility_pvalue(1, 0.34, 0.05), 2)   # JHEP table 2, CR1: 0.29
    0.29
    """
    from scipy.stats import norm, poisson

    if sigma > 0:
        lo = max(n_exp - 8 * sigma, 0.0)
        mu = np.linspace(lo, n_exp + 8 * sigma, 2001)
        prior = norm.pdf(mu, n_exp, sigma)
        prior /= prior.sum()
    else:
        mu = np.array([n_exp])
        prior = np.array([1.0])
    n_max = int(n_exp + 10 * sigma + 10 * math.sqrt(n_exp + 1) + 10 + n_obs)
    n = np.arange(n_max + 1)
    like = poisson.pmf(n[:, None], mu[None, :]) @ prior
    return float(np.sum(like[like <= like[n_obs] * (1 + 1e-12)]))


def check_observed_keys(
    observed: dict[tuple[str, str], int], channel: str, experiment: Any, source: str
) -> None:
    """Refuse observed counts (:func:`load_observed`) under a key the table does not have.

    A misspelled region or charge combination would otherwise be dropped silently. The
    allowed names are ``CATEGORIES[channel]`` and ``region_names(channel, experiment)``
    (:mod:`darkdump.background.combinatorial`); ``source`` names the file in the message.
    """
    from darkdump.background.combinatorial import CATEGORIES, region_names
    from darkdump.errors import DarkdumpInputError

    categories = CATEGORIES[channel]
    regions = region_names(channel, experiment)
    for category, region in observed:
        if category not in categories:
            raise DarkdumpInputError(
                f"--observed {source!r}: table [{category!r}]: not a charge combination of "
                f"{channel}; allowed: {', '.join(categories)}"
            )
        if region not in regions:
            raise DarkdumpInputError(
                f"--observed {source!r}: key '{category}.{region}': not a region; "
                f"allowed: {', '.join(regions)}"
            )

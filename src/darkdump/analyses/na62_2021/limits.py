"""NA62 2021 limits.

The JHEP counting method, the contour rows and their Monte-Carlo errors, the ALP bounds
and the summary rows of the reproduction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, MeV, ps

from darkdump.analyses.na62_2021.constants import (
    _STATS_CURVE,
    BACKGROUND_SR,
    KINDS,
    MASS_WINDOW_SIGMAS,
    OBSERVED_MUMU_MEV,
    PAPER_STATEMENTS,
    POT_SHAPE,
)
from darkdump.results.hepdata import LimitRow
from darkdump.typing import FloatArray

if TYPE_CHECKING:
    from darkdump.yields.grid import YieldGrid

# --------------------------------------------------------------------------- limits


def _rows(
    mass_MeV: FloatArray, intervals: Sequence[Sequence[tuple[float, float]]], kind: str
) -> list[LimitRow]:
    rows: list[LimitRow] = []
    for mass, ivs in zip(mass_MeV, intervals, strict=True):
        for lo, hi in ivs:
            rows.append((round(float(mass) / GeV, 6), kind, float(lo), float(hi)))
    return rows


MCErrors = dict[tuple[float, str, float, float], tuple[float, float]]

#: An ALP limit row: ``(mass_GeV, tau_ps, br_limit, br_limit_mc_error)``.
AlpRow = tuple[float, float, float, float]


def _contour_errors(contours: dict[str, Any]) -> MCErrors:
    """Relative Monte-Carlo errors of the edges, keyed by their limit row."""
    out: MCErrors = {}
    for kind in _STATS_CURVE:
        c = contours[kind]
        for mass, ivs, errs in zip(
            c.mass, c.intervals, c.errors or [[]] * len(c.mass), strict=True
        ):
            for (lo, hi), err in zip(ivs, errs, strict=False):
                out[(round(float(mass) / GeV, 6), kind, float(lo), float(hi))] = (
                    float(err[0]),
                    float(err[1]),
                )
    return out


def mc_error_summary(errors: MCErrors) -> dict[str, dict[str, float]]:
    """Largest and median relative Monte-Carlo error of the edges, per curve (kind)."""
    out: dict[str, dict[str, float]] = {}
    for kind in _STATS_CURVE:
        values = np.array(
            [e for key, pair in errors.items() if key[1] == kind for e in pair if e > 0]
        )
        values = values[np.isfinite(values)]
        if values.size:
            out[kind] = {
                "max": float(values.max()),
                "median": float(np.median(values)),
                "edges": int(values.size),
            }
    return out


def _contour_rows(contours: dict[str, Any]) -> list[LimitRow]:
    rows: list[LimitRow] = []
    for kind in _STATS_CURVE:
        c = contours[kind]
        rows.extend(_rows(c.mass, c.intervals, kind))
    return sorted(rows, key=lambda r: (r[0], KINDS.index(r[1]), r[2]))


def _counting_limits(grid: YieldGrid) -> tuple[list[LimitRow], dict[str, Any]]:
    """JHEP sec. 7: Poisson counting in the SR with a Bayesian log-normal POT nuisance."""
    from darkdump.stats import bayesian_upper_limit, contour

    masses = grid.masses
    eps = grid.epsilons
    n_exp = np.nan_to_num(grid.get("n_exp", "mumu", "total"))
    sigma = np.nan_to_num(grid.get("sigma_m", "mumu", "brems"))
    background = BACKGROUND_SR["mumu"][0]
    peak = np.argmax(n_exp, axis=1)
    sigma_at_peak = sigma[np.arange(masses.size), peak]
    n_obs = np.zeros(masses.size, dtype=int)
    for m_obs in OBSERVED_MUMU_MEV:
        inside = np.abs(masses / MeV - m_obs) < MASS_WINDOW_SIGMAS * np.maximum(
            sigma_at_peak / MeV, 1e-9
        )
        n_obs += inside.astype(int)
    limits = {
        n: bayesian_upper_limit(n, background, pot_shape=POT_SHAPE, cl=0.9)
        for n in set(n_obs.tolist()) | {0}
    }
    limit_obs = np.array([limits[n] for n in n_obs])

    def rows_for(limit: FloatArray, scale: float, kind: str) -> list[LimitRow]:
        pseudo = 0.1 * limit[:, None] / np.maximum(n_exp * scale, 1e-300)
        return _rows(masses, contour(masses, eps, pseudo, 0.9).intervals, kind)

    rows = rows_for(limit_obs, 1.0, "observed")
    # JHEP fig. 14's bands are "the expected uncertainty in the exclusion contour in the
    # absence of a signal" with 68 % / 95 % "statistical coverage". With b = 0.016 the
    # background-only count is 0 in 98.4 % of experiments, more than the 97.7 % of the
    # 2-sigma quantile, so a Poisson-only band coincides with the expected contour and
    # would not be visible; the band NA62 draws can only come from the normalisation,
    # i.e. the 20 % POT uncertainty (JHEP sec. 6), the one other random element of the
    # counting. darkdump draws that: the zero-event contour with the signal scaled by the
    # POT log-normal (shape 1.2) at its 2.3, 15.9, 84.1 and 97.7 % quantiles (an
    # INFERENCE from the figure; the paper gives no formula). Labels as in RooStats and
    # pyhf (darkdump.stats.CURVES): -2 sigma is the strongest exclusion, the signal
    # scaled UP by 1.2^2.
    limit0 = np.full(masses.size, limits[0])
    rows += rows_for(limit0, 1.0, "expected")
    for kind, z in (
        ("expected_-2sigma", -2.0),
        ("expected_-1sigma", -1.0),
        ("expected_+1sigma", 1.0),
        ("expected_+2sigma", 2.0),
    ):
        rows += rows_for(limit0, POT_SHAPE ** (-z), kind)
    info = {
        "n_obs_per_mass": dict(zip((masses / GeV).round(6).tolist(), n_obs.tolist(), strict=True)),
        "limits_events": {str(k): v for k, v in limits.items()},
        "mass_window_sigmas": MASS_WINDOW_SIGMAS,
        "mass_window_note": (
            "INFERENCE: the 411 MeV event counts at masses within +-3 sigma_M; JHEP uses that "
            "window only in its discovery statement (sec. 5.3). Without it (the event counted "
            "nowhere) the observed contour equals the 'expected' curve of mumu.csv."
        ),
        "bands_note": (
            "expected_+-1sigma/2sigma of mumu.csv: spread of the zero-event contour from the "
            "POT log-normal (shape 1.2) at the 2.3/15.9/84.1/97.7 % quantiles; a Poisson band "
            "collapses onto the expected curve with b = 0.016 (inference from JHEP fig. 14)"
        ),
    }
    rows.sort(key=lambda r: (r[0], KINDS.index(r[1]), r[2]))
    return rows, info


def _summary_row(name: str, rows: Sequence[LimitRow]) -> dict[str, str]:
    observed = [r for r in rows if r[1] == "observed"]
    if not observed:
        return {
            "result": name,
            "excluded_masses_MeV": "none",
            "epsilon_range": "-",
            "paper": PAPER_STATEMENTS.get(name, ""),
        }
    masses = [r[0] * 1000 for r in observed]
    return {
        "result": name,
        "excluded_masses_MeV": f"{min(masses):.0f}-{max(masses):.0f}",
        "epsilon_range": f"[{min(r[2] for r in observed):.2e}, {max(r[3] for r in observed):.2e}]",
        "paper": PAPER_STATEMENTS.get(name, ""),
    }


def _alp_limits(alp_results: Sequence[Any], acfg: Any) -> dict[str, list[AlpRow]]:
    """90 % CL upper limits on BR(B -> K(*) a) x BR(a -> ll) per (mass, tau), per channel.

    Rows ``(mass_GeV, tau_ps, limit, limit_mc_error)``. The Monte-Carlo error of the limit
    is that of the expected yield it divides, ``limit / sqrt(n_eff)`` with ``n_eff`` the
    effective number of selected simulated ALPs, ``(sum w)^2 / sum w^2``, at that lifetime.

    Each channel follows its own paper (:data:`ALP_STATISTICS`). ee: no observed event,
    CLs counting limit with the PRL background and POT log-normals (PRL: the ALP result
    is the interpretation of the e+e- search, whose statistics are the CLs of eqs. 4-5; with
    no event the unbinned likelihood reduces to counting). mumu: the JHEP counting limit
    (sec. 7: Poisson with a Bayesian POT nuisance, also for fig. 16), with the 411 MeV
    event counted where it is inside +-3 sigma_M of the ALP mass.
    """
    from darkdump.stats import bayesian_upper_limit, counting_upper_limit

    taus = np.asarray(acfg.taus)
    up_ee = counting_upper_limit(
        0,
        BACKGROUND_SR["ee"][0],
        pot_shape=POT_SHAPE,
        background_shape=BACKGROUND_SR["ee"][1],
        cl=0.9,
        n_toys=4000,
        seed=1,
    )
    up_mumu = {
        n: bayesian_upper_limit(n, BACKGROUND_SR["mumu"][0], pot_shape=POT_SHAPE, cl=0.9)
        for n in (0, 1)
    }
    out: dict[str, list[AlpRow]] = {"ee": [], "mumu": []}
    for mass, (values, _rate) in zip(acfg.masses, alp_results, strict=True):
        for ch in ("ee", "mumu"):
            n_per_br = np.asarray(values[ch]["n_exp"])
            n_eff = np.asarray(values[ch]["n_eff_selected"])
            if ch == "ee":
                limit = up_ee
            else:
                sig = np.nan_to_num(np.asarray(values[ch]["sigma_m"]))
                best = int(np.argmax(n_per_br))
                inside = any(
                    abs(mass / MeV - m) < MASS_WINDOW_SIGMAS * max(sig[best] / MeV, 1e-9)
                    for m in OBSERVED_MUMU_MEV
                )
                limit = up_mumu[1 if inside else 0]
            for tau, n, k in zip(taus, n_per_br, n_eff, strict=True):
                # A bound above BR = 1 excludes nothing: skip it (and 0 / tiny yields).
                if np.isfinite(n) and n > limit and k > 0:
                    bound = float(limit / n)
                    out[ch].append(
                        (round(mass / GeV, 6), float(tau / ps), bound, bound / float(np.sqrt(k)))
                    )
    return out


def _alp_summary(limits: dict[str, list[AlpRow]]) -> list[dict[str, str]]:
    rows = []
    for ch in ("mumu", "ee"):
        best = min(limits[ch], key=lambda r: r[2], default=None)
        rows.append(
            {
                "result": f"alp_{ch}",
                "excluded_masses_MeV": "see alp/" + ch + ".csv",
                "epsilon_range": "-"
                if best is None
                else f"best BR < {best[2]:.2g} at {best[0] * 1000:.0f} MeV, tau {best[1]:.3g} ps",
                "paper": PAPER_STATEMENTS[f"alp_{ch}"],
            }
        )
    return rows


def _error_cells(pair: tuple[float, float] | None) -> tuple[str, str]:
    """CSV cells of the relative Monte-Carlo errors (empty where there are none)."""
    if pair is None:
        return "", ""
    return tuple(f"{e:.3g}" if np.isfinite(e) else "" for e in pair)  # type: ignore[return-value]


def grid_edge(row: LimitRow, eps_min: float, eps_max: float) -> str:
    """Which end of an excluded interval is the end of the coupling grid, not a boundary.

    ``"lower"``, ``"upper"``, ``"lower+upper"`` or ``""``: an exclusion that reaches the
    grid edge continues beyond it (the contour is open there), see
    :mod:`darkdump.stats.contours`.
    """
    ends = []
    if row[2] <= eps_min * (1 + 1e-9):
        ends.append("lower")
    if row[3] >= eps_max * (1 - 1e-9):
        ends.append("upper")
    return "+".join(ends)

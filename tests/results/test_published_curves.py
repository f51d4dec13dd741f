"""The default NA62 2021 chain against the published JHEP curves (issue 10 acceptance).

The published curves (``darkdump.analyses.na62_2021`` reference data, digitised to
1-3 % in epsilon) validate the chain; nothing is fitted to them. The acceptance
figures of issue 10 are asserted as they are: those the default configuration does
not reach yet are strict xfails that state the measured figure, so that a fix shows
up as an unexpected pass. The regression guards below them hold today's measured
figures (with a margin for Monte-Carlo noise of a few %) so that a change that makes
the agreement worse fails.
"""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import MeV

from darkdump.analyses.na62_2021 import REFERENCES
from darkdump.analyses.na62_2021.report import published_comparisons
from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, _counting_limits
from darkdump.experiments import load
from darkdump.yields import YieldConfig, compute_grid
from darkdump.yields.grid import edge_effective_events
from darkdump.yields.model import YieldGrid

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_grid() -> YieldGrid:
    cfg = ReproduceConfig.create(quick=False, seed=2021, experiment="na62-2021")
    ycfg = YieldConfig(
        masses=tuple((np.asarray(cfg.masses_MeV) * MeV).tolist()),
        epsilons=cfg.epsilons,
        n_events=cfg.n_events,
        seed=cfg.seed,
        min_effective_events=cfg.min_effective_events,
        max_event_factor=cfg.max_event_factor,
        split_factor=cfg.split_factor,
    )
    return compute_grid(load("na62-2021"), ycfg, workers=2)


@pytest.fixture(scope="module")
def comparisons(default_grid: YieldGrid) -> dict[str, object]:
    limits = {"mumu": _counting_limits(default_grid)[0]}
    return dict(zip(REFERENCES, published_comparisons(default_grid, limits), strict=True))


def test_every_edge_rests_on_1000_effective_events(default_grid: YieldGrid) -> None:
    # Issue 10, deliverable 6: for each mass, channel and production mode, the grid
    # couplings just inside the edges of N_exp >= 2.3 rest on >= 1000 effective events.
    # Measured: lowest 1045 (e+e- meson upper edge at 30 MeV, a pilot that met the target
    # alone); 1176 behind precision batches (e+e- bremsstrahlung, 20 MeV).
    for (ch, mode), n_exp in default_grid.n_exp.items():
        n_eff = default_grid.get("n_eff_selected", ch, mode)
        lowest = min(
            edge_effective_events({"n_exp": n_exp[i], "n_eff_selected": n_eff[i]})
            for i in range(default_grid.masses.size)
        )
        assert lowest >= 1000.0, (ch, mode, lowest)


def _get(comparisons: dict[str, object], name: str) -> tuple[dict[str, object], object]:
    return comparisons[name]  # type: ignore[return-value]


def _edges_within(comp: object, lo_gev: float, hi_gev: float, factor: float) -> bool:
    masses = np.asarray(comp.masses_GeV)  # type: ignore[attr-defined]
    sel = (masses >= lo_gev - 1e-9) & (masses <= hi_gev + 1e-9)
    ratios = np.concatenate(
        [np.asarray(comp.lower_ratio)[sel], np.asarray(comp.upper_ratio)[sel]]  # type: ignore[attr-defined]
    )
    return bool(np.all(np.isfinite(ratios)) and np.all(np.abs(np.log(ratios)) <= np.log(factor)))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="measured 2026-11-26 (union of our two regions against the figure's outer "
    "boundary): lower edge 0.73-0.79 of the published below 100 MeV (pi0/eta decays: too "
    "many accepted) and 1.15-1.22 at 450-600 MeV (bremsstrahlung: too few); reach 630 MeV",
)
def test_fig4_total_acceptance(comparisons: dict[str, object]) -> None:
    spec, comp = _get(comparisons, "fig4_total")
    assert comp.within(spec["tolerance"])  # type: ignore[attr-defined]
    assert abs(comp.reach_GeV - 0.650) <= 0.015  # type: ignore[attr-defined]


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="measured 2026-11-26: upper edge 1.48-1.77 of the published, reach 455 vs 390 MeV; "
    "at the published upper edge we have 27-1700 events; below 135 MeV they come from pi0 "
    "whose forward spectrum matches NA49 data (validation/meson_forward_tail.py, "
    "docs/na62_fidelity.md)",
)
def test_fig4_meson_acceptance(comparisons: dict[str, object]) -> None:
    spec, comp = _get(comparisons, "fig4_meson")
    assert comp.within(spec["tolerance"])  # type: ignore[attr-defined]
    assert abs(comp.reach_GeV - 0.392) <= 0.020  # type: ignore[attr-defined]


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="measured 2026-11-26 (with the LAV1-11 veto, MUV1,2, the MUV3 search radius and "
    "the CHOD tiles): lower edge 0.71-1.02, upper 0.97-1.35 of the published, reach 550 vs "
    "538 MeV",
)
def test_fig14_mumu_acceptance(comparisons: dict[str, object]) -> None:
    spec, comp = _get(comparisons, "fig14_mumu")
    assert comp.within(spec["tolerance"])  # type: ignore[attr-defined]
    assert abs(comp.reach_GeV - 0.538) <= 0.010  # type: ignore[attr-defined]


def test_fig4_total_regression_guard(comparisons: dict[str, object]) -> None:
    # Measured (union of our bremsstrahlung and meson regions, as the figure draws them):
    # upper edge 0.91-1.03 everywhere; both edges within x1.25 from 150 to 600 MeV
    # (0.93-0.97 at 150-300 MeV); region ends at 630 MeV (published about 645-650).
    _, comp = _get(comparisons, "fig4_total")
    upper = np.asarray(comp.upper_ratio)  # type: ignore[attr-defined]
    assert np.all((upper > 0.87) & (upper < 1.15))
    assert _edges_within(comp, 0.150, 0.600, 1.25)
    assert 0.615 <= comp.reach_GeV <= 0.665  # type: ignore[attr-defined]


def test_fig14_mumu_regression_guard(comparisons: dict[str, object]) -> None:
    # Measured: both edges within x1.42 from 220 to 530 MeV (0.71-1.02 lower, 0.97-1.35
    # upper), reach 550 MeV.
    _, comp = _get(comparisons, "fig14_mumu")
    assert _edges_within(comp, 0.220, 0.530, 1.48)
    assert 0.530 <= comp.reach_GeV <= 0.575  # type: ignore[attr-defined]

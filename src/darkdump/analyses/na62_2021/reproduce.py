"""``darkdump reproduce na62-2021``: the NA62 2021 beam-dump results end to end.

The chain, for every stage a call into its package:

1. yields (:mod:`darkdump.yields`): one simulation per A' mass through production,
   decay, detector and selection, re-weighted over every coupling -> A_sel, P_D,
   sigma_M and N_exp on the (M, eps) grid, per channel and production mode;
2. the same for the ALP on the (M_a, tau_a) grid, per unit BR product;
3. backgrounds: the published yields and shapes (JHEP table 4, PRL eq. 3 and
   appendix B) as carried by :mod:`darkdump.stats` channel defaults;
4. statistics (:mod:`darkdump.stats`): the JHEP counting limit for mumu, the PRL
   unbinned CLs for mumu, ee and their combination, with expected bands;
5. files, figures, the HTML report and ``provenance.json``.

Every mass (yields, ALP) and every block of masses (statistics) is a task with
its own seed derived from the run seed and the task's key, run serially or on
Dask ``distributed``; the same seed gives identical files either way. Finished
tasks are cached under ``DIR/.cache/<key>/`` (the key hashes the configuration,
the experiment file, the seed, and darkdump's version, code fingerprint and the
numerical libraries' versions: :func:`darkdump.results.provenance.run_identity`), so
an interrupted run resumes without recomputing them, and one interrupted under other
code starts afresh.

How the observed events enter (JHEP sec. 7; PRL): mumu has one event at 411 MeV
in the SR, ee none. In the JHEP counting method the event counts at a mass
hypothesis M if it lies within +-3 sigma_M(M) of M (the mass window of JHEP
sec. 5.3), with sigma_M the resolution of the dominant (bremsstrahlung) signal at
the coupling where the expected yield peaks; elsewhere zero events are observed.
In the unbinned CLs method (PRL eq. 5) the event enters the likelihood with its
mass at every hypothesis, weighted by the signal and background mass pdfs.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import MeV, ns

from darkdump import __version__
from darkdump.analyses.na62_2021.constants import (
    _STATS_CURVE,
    ALP_STATISTICS,
    KINDS,
    OBSERVED_EE_MEV,
    OBSERVED_MUMU_MEV,
    PAPER_STATEMENTS,
)
from darkdump.analyses.na62_2021.limits import (
    AlpRow,
    MCErrors,
    _alp_limits,
    _alp_summary,
    _contour_errors,
    _contour_rows,
    _counting_limits,
    _error_cells,
    _summary_row,
    grid_edge,
    mc_error_summary,
)
from darkdump.results.cache import TaskCache
from darkdump.results.hepdata import LimitRow, write_hepdata_submission
from darkdump.results.io import write_csv, write_json
from darkdump.results.parallel import run_tasks, task_client
from darkdump.results.provenance import Timings, cache_key, run_identity, versions
from darkdump.typing import FloatArray
from darkdump.yields.grid import QUICK_GRID

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment
    from darkdump.yields.grid import YieldGrid

__all__ = [
    "PAPER_STATEMENTS",
    "ReproduceConfig",
    "ReproduceSummary",
    "run_reproduction",
]


@dataclass(frozen=True)
class ReproduceConfig:
    """Everything that determines the numbers of a reproduction (hashed for the cache).

    Masses in MeV, lifetimes in ns; ``n_events`` simulated decays per mass, mode
    and channel. JHEP sec. 3 simulates at least 1.2e5, flat; darkdump's are importance
    sampled towards hard A' and early decays (:mod:`darkdump.production.meson_decays`,
    :mod:`darkdump.production.brems`, :mod:`darkdump.decay.volume`), so that 9e4 of them
    give more effective events at most contour edges than 1.2e5 flat ones (measured by
    ``benchmarks/bench_precision.py``) within the one-minute budget.
    """

    experiment: str = "na62-2021"
    seed: int = 2021
    quick: bool = False
    masses_MeV: tuple[float, ...] = tuple(float(x) for x in np.arange(5.0, 701.0, 5.0))
    epsilons: tuple[float, ...] = tuple(float(x) for x in np.logspace(-8.0, -3.0, 200))
    n_events: int = 90_000
    #: Precision target of the yields (issue 10 deliverable 6): a (mass, mode) whose
    #: contour edge rests on fewer effective selected events than this is simulated again
    #: in up to ``max_event_factor`` fresh batches of ``n_events`` (the e+e- masses below
    #: 30 MeV, where few decays pass the STRAW1 isolation); where that cannot reach the
    #: target (the e+e- upper edges at 5 and 10 MeV), the A' of the short edges' momentum
    #: band are decayed ``split_factor`` times at 1/``split_factor`` of the weight
    #: (``YieldConfig.split_factor``). Every edge then has at least 1000 effective events
    #: (``benchmarks/bench_precision.py``); the yields step takes 25-28 s on two cores.
    min_effective_events: float | None = 1000.0
    max_event_factor: int = 16
    split_factor: int = 16
    n_toys: int = 600
    refine_toys: int | None = None
    #: Target Monte-Carlo error of every CLs contour edge, relative in eps, reached by
    #: adding toys at the bracketing points, up to ``max_toys`` per point (median edge
    #: error of the default run: 0.5-0.6 % observed and expected, 0.8-0.9 % at -1 sigma).
    precision: float | None = 0.02
    #: Target of the +-2 sigma expected curves (None: ``precision``). The strong -2 sigma
    #: edge needs by far the most toys (its CL_sb is ~0.002: ~16000 toys per point at 2 %);
    #: 2 % there takes the default run to 63 s on two cores, 3 % keeps it at 55-58 s
    #: (median -2 sigma edge error 1.5-1.6 %).
    outer_band_precision: float | None = 0.03
    max_toys: int = 20_000
    alp_masses_MeV: tuple[float, ...] = tuple(float(x) for x in np.arange(20.0, 801.0, 20.0))
    alp_taus_ns: tuple[float, ...] = tuple(float(x) for x in np.logspace(-4.0, 4.0, 120))
    #: ALPs per mass (importance sampled, :mod:`darkdump.production.alp`): 5e4 put 140-300
    #: effective selected events behind the bound at its best lifetime (100-600 MeV, 6-8 %
    #: Monte-Carlo error), against 44-114 before the importance sampling; 1e5 doubles that
    #: for 1 s more, which the one-minute budget of the default run does not leave.
    alp_n_events: int = 50_000

    @classmethod
    def create(
        cls,
        *,
        quick: bool = False,
        seed: int = 2021,
        experiment: str = "na62-2021",
        precision: float | None = None,
    ) -> ReproduceConfig:
        """Paper statistics by default; ``quick`` for demonstrations and tests.

        ``precision`` overrides the target Monte-Carlo error of the contour edges, of
        every curve (the +-2 sigma ones included).
        """
        if not quick:
            if precision is None:
                return cls(experiment=experiment, seed=seed)
            return cls(
                experiment=experiment, seed=seed, precision=precision, outer_band_precision=None
            )
        return cls(
            experiment=experiment,
            seed=seed,
            quick=True,
            masses_MeV=QUICK_GRID["masses_MeV"],
            epsilons=tuple(float(x) for x in np.logspace(-8.0, -3.0, QUICK_GRID["n_epsilon"])),
            n_events=QUICK_GRID["n_events"],
            min_effective_events=None,
            max_event_factor=1,
            n_toys=300,
            refine_toys=None,
            precision=None,
            outer_band_precision=None,
            alp_masses_MeV=(50.0, 200.0, 300.0, 400.0, 600.0),
            alp_taus_ns=tuple(float(x) for x in np.logspace(-4.0, 4.0, 60)),
            alp_n_events=10_000,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return asdict(self)


@dataclass
class ReproduceSummary:
    """What a run produced: output files, the summary rows and timings."""

    out: Path
    files: list[Path] = field(default_factory=list)
    summary: list[dict[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- tasks
# Top-level functions so that Dask can ship them to worker processes.


def _yield_task(task: tuple[float, Any, Any]) -> Any:
    from darkdump.yields import simulate_mass

    mass, experiment, config = task
    return simulate_mass(mass, experiment, config)


def _alp_task(task: tuple[float, Any, Any]) -> Any:
    from darkdump.yields import simulate_alp_mass

    mass, experiment, config = task
    return simulate_alp_mass(mass, experiment, config)


def _scan(
    name: str,
    channels: Sequence[Any],
    masses_mev: FloatArray,
    eps: FloatArray,
    cfg: ReproduceConfig,
    executor: Any,
    batches: int | None = None,
) -> Any:
    """CLs scan of one analysis; the seed depends on the run seed and the analysis name.

    ``batches``: executor calls per round (:func:`darkdump.stats.scan`).
    """
    from darkdump.analyses.na62_2021.statistics import POT_CONSTRAINT
    from darkdump.stats import scan

    seed = int(np.random.SeedSequence([cfg.seed, zlib.crc32(name.encode())]).generate_state(1)[0])
    return scan(
        channels,
        masses_mev,
        eps,
        pot=POT_CONSTRAINT,
        cl=0.9,
        n_toys=cfg.n_toys,
        seed=seed,
        refine_toys=cfg.refine_toys,
        precision=cfg.precision,
        outer_band_precision=cfg.outer_band_precision,
        max_toys=cfg.max_toys,
        executor=executor,
        batches=batches,
    )


# --------------------------------------------------------------------------- analyses


def _all_limits(
    grid: YieldGrid,
    cfg: ReproduceConfig,
    cache: TaskCache,
    executor: Any,
    tag: str,
    advance: Callable[[], None],
    batches: int | None = None,
) -> tuple[dict[str, list[LimitRow]], dict[str, Any], dict[str, MCErrors]]:
    """Compute the four analyses' limits on one yields grid (CLs scans cached as ``stats{tag}``).

    Returns the limit rows, the counting-method facts and the relative Monte-Carlo
    errors of the CLs contour edges per analysis.
    """
    from darkdump.analyses.na62_2021.statistics import ee_channel, mumu_channel
    from darkdump.stats import GridChannel

    ch_mumu = GridChannel.from_modes(
        mumu_channel(list(OBSERVED_MUMU_MEV)),
        {m_: grid.get("n_exp", "mumu", m_) for m_ in grid.modes},
        {m_: grid.get("sigma_m", "mumu", m_) for m_ in grid.modes},
    )
    ch_ee = GridChannel.from_modes(
        ee_channel(list(OBSERVED_EE_MEV)),
        {m_: grid.get("n_exp", "ee", m_) for m_ in grid.modes},
        {m_: grid.get("sigma_m", "ee", m_) for m_ in grid.modes},
    )
    analyses = {"mumu_cls": [ch_mumu], "ee": [ch_ee], "combined": [ch_ee, ch_mumu]}
    masses_mev = grid.masses / MeV
    limits: dict[str, list[LimitRow]] = {}
    errors: dict[str, MCErrors] = {}
    # One scan per analysis over the whole grid: its toys are seeded per grid point,
    # so the result does not depend on the executor (serial or Dask). On an executor the
    # scans run side by side: each waits for its own rounds, and a round of one analysis
    # keeps the workers busy while another does its bookkeeping or has a small round.
    results = {name: cache.get("stats" + tag, name) for name in analyses}
    todo = [name for name, result in results.items() if result is None]
    if executor is not None and len(todo) > 1:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=len(todo)) as threads:
            futures = {
                threads.submit(
                    _scan, name, analyses[name], masses_mev, grid.epsilons, cfg, executor, batches
                ): name
                for name in todo
            }
            # Each scan is cached as soon as it is done, so that an interrupted run keeps it.
            for future in as_completed(futures):
                name = futures[future]
                results[name] = future.result()
                cache.put("stats" + tag, name, results[name])
    for name, channels in analyses.items():
        result = results[name]
        if result is None:
            result = _scan(name, channels, masses_mev, grid.epsilons, cfg, executor, batches)
            cache.put("stats" + tag, name, result)
        by_kind = {kind: result.contours[_STATS_CURVE[kind]] for kind in _STATS_CURVE}
        limits[name] = _contour_rows(by_kind)
        errors[name] = _contour_errors(by_kind)
        advance()
    limits["mumu"], counting_info = _counting_limits(grid)
    ordered = {k: limits[k] for k in ("mumu_cls", "ee", "combined", "mumu")}
    return ordered, counting_info, errors


def _variation_limits(
    experiment: Experiment,
    masses: FloatArray,
    eps: FloatArray,
    ycfg: Any,
    cfg: ReproduceConfig,
    cache: TaskCache,
    client: Any,
    executor: Any,
    batches: int | None = None,
) -> list[tuple[dict[str, list[LimitRow]], list[tuple[float, str, str, float, float]]]]:
    """Limits and zero-event regions for each ``[[variations]]`` entry (cached per variation)."""
    from darkdump.yields import assemble_grid, zero_event_rows

    out = []
    for variation in experiment.variations:
        varied = experiment.with_variation(variation)
        tag = "-var-" + f"{zlib.crc32(variation.name.encode()):08x}"
        results = _cached_map(
            "yields" + tag,
            _yield_task,
            [_mass_key(mm) for mm in masses],
            [(float(mm), varied, ycfg) for mm in masses],
            cache,
            client,
            lambda: None,
        )
        grid = assemble_grid(masses, eps, results, varied, ycfg)
        out.append(
            (
                _all_limits(grid, cfg, cache, executor, tag, lambda: None, batches)[0],
                zero_event_rows(grid),
            )
        )
    return out


def _choice_rows(
    experiment: Experiment,
    grid: Any,
    limits: Mapping[str, Sequence[LimitRow]],
    varied: Sequence[
        tuple[Mapping[str, Sequence[LimitRow]], Sequence[tuple[float, str, str, float, float]]]
    ],
) -> list[list[str]]:
    """Compare the default and every variation with the published curves (report table)."""
    from darkdump.analyses.na62_2021.report import (
        choice_table_row,
        comparisons_from_rows,
        override_text,
        published_comparisons,
    )

    rows = [choice_table_row("default", "-", published_comparisons(grid, limits))]
    for variation, (varied_limits, zero) in zip(experiment.variations, varied, strict=True):
        comps = comparisons_from_rows(zero, varied_limits["mumu"])
        rows.append(choice_table_row(variation.name, override_text(variation.overrides), comps))
    return rows


def _write_variation_files(
    out: Path,
    experiment: Experiment,
    varied: Sequence[
        tuple[Mapping[str, Sequence[LimitRow]], Sequence[tuple[float, str, str, float, float]]]
    ],
) -> list[Path]:
    """Write every variation's observed and expected contours and zero-event regions.

    ``limits/variations.csv`` (``variation,analysis,mass_GeV,kind,epsilon_lower,
    epsilon_upper``) and ``limits/zero_event_geometric_variations.csv``
    (``variation,mass_GeV,production,channel,epsilon_lower,epsilon_upper``; empty cells
    where nothing is excluded), so that each alternative can be compared on its own.
    """
    from darkdump.yields.io import ZERO_EVENT_COLUMNS, zero_event_cells

    limit_rows = []
    zero_rows = []
    for variation, (limits, zero) in zip(experiment.variations, varied, strict=True):
        for analysis, rows in limits.items():
            limit_rows += [
                (variation.name, analysis, f"{r[0]:.6g}", r[1], f"{r[2]:.6g}", f"{r[3]:.6g}")
                for r in rows
                if r[1] in ("observed", "expected")
            ]
        zero_rows += [(variation.name, *zero_event_cells(row)) for row in zero]
    return [
        write_csv(
            out / "limits" / "variations.csv",
            ["variation", "analysis", "mass_GeV", "kind", "epsilon_lower", "epsilon_upper"],
            limit_rows,
        ),
        write_csv(
            out / "limits" / "zero_event_geometric_variations.csv",
            ["variation", *ZERO_EVENT_COLUMNS],
            zero_rows,
        ),
    ]


def _model_envelopes(
    nominal: Mapping[str, Sequence[LimitRow]], varied: Sequence[Mapping[str, Sequence[LimitRow]]]
) -> dict[str, list[LimitRow]]:
    """Envelope of the observed contours over the nominal and every variation.

    Per mass, ``model_high`` is the hull of the union of the excluded regions (lowest
    lower edge, highest upper edge over the alternatives: the most aggressive model)
    and ``model_low`` their intersection (highest lower edge, lowest upper edge, only
    where every alternative excludes something: the most conservative model).
    """
    from darkdump.results.compare import curve_from_rows

    envelopes: dict[str, list[LimitRow]] = {}
    for name, rows in nominal.items():
        curves = [curve_from_rows(rows, kind="observed")]
        curves += [curve_from_rows(v[name], kind="observed") for v in varied]
        masses = sorted(set().union(*curves))
        out: list[LimitRow] = []
        for m in masses:
            present = [c[m] for c in curves if m in c]
            out.append((m, "model_high", min(p[0] for p in present), max(p[1] for p in present)))
            if len(present) == len(curves):
                lo = max(p[0] for p in present)
                hi = min(p[1] for p in present)
                if lo < hi:
                    out.append((m, "model_low", lo, hi))
        envelopes[name] = out
    return envelopes


# --------------------------------------------------------------------------- cache


def _mass_key(mass: float) -> str:
    return f"m{round(mass / MeV * 1000):09d}keV"


def _cached_map(
    kind: str,
    func: Callable[[Any], Any],
    keys: Sequence[str],
    tasks: Sequence[Any],
    cache: TaskCache,
    client: Any,
    advance: Callable[[], None],
) -> list[Any]:
    """Run the tasks whose result is not cached; cache each as it finishes."""
    results: list[Any] = [cache.get(kind, k) for k in keys]
    todo = [i for i, r in enumerate(results) if r is None]
    for _ in range(len(results) - len(todo)):
        advance()

    def done(j: int, result: Any) -> None:
        index = todo[j]
        cache.put(kind, keys[index], result)
        results[index] = result
        advance()

    run_tasks(func, [tasks[i] for i in todo], client=client, on_done=done)
    return results


# --------------------------------------------------------------------------- run


def run_reproduction(
    cfg: ReproduceConfig,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    log: Callable[[str], None] = print,
    variations: bool = False,
    earlier: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> ReproduceSummary:
    """Run the whole reproduction into ``out``; see the module docstring.

    Parameters
    ----------
    cfg
        What to compute (:meth:`ReproduceConfig.create`).
    out
        Output folder; ``out/.cache`` holds finished tasks for resuming.
    workers
        Local Dask worker processes (``None`` or 1: serial in this process).
    scheduler
        Address of an existing Dask scheduler (overrides ``workers``).
    quiet
        No progress display.
    log
        Where one-line messages go.
    variations
        Also rerun yields and limits for every ``[[variations]]`` entry of the experiment
        file and add the envelope of the observed contours (kinds ``model_low`` and
        ``model_high``) to the limits files (:func:`_model_envelopes`).
    earlier
        Regions of earlier experiments recomputed by darkdump (label -> rows
        ``(mass_GeV, lower, upper)``), drawn in grey on the limit figures.
    """
    from darkdump.results.io import output_lock, prepare_output_folder

    # Every output folder writable before any work (not a traceback after a minute).
    out = prepare_output_folder(out, ("limits", "figures", "alp", "yields", ".cache"))

    with output_lock(out):
        return _run_reproduction(
            cfg,
            out,
            workers=workers,
            scheduler=scheduler,
            quiet=quiet,
            log=log,
            variations=variations,
            earlier=earlier,
        )


def _run_reproduction(
    cfg: ReproduceConfig,
    out: str | Path,
    *,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
    log: Callable[[str], None],
    variations: bool,
    earlier: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> ReproduceSummary:
    """:func:`run_reproduction` with the output folder locked."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from darkdump.experiments import load, load_raw
    from darkdump.yields import YieldConfig
    from darkdump.yields.alp import AlpConfig

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings = Timings()
    start = time.perf_counter()
    experiment = load(cfg.experiment)
    # The configuration, the experiment file and the code and library versions: a
    # folder interrupted under other code recomputes instead of resuming.
    key = cache_key(cfg.as_dict(), load_raw(cfg.experiment), run_identity())
    cache = TaskCache(out / ".cache" / key, key, __version__, note=log)
    summary = ReproduceSummary(out=out)
    variation_info: dict[str, Any] = {}
    choice_rows: list[list[str]] | None = None

    masses = np.asarray(cfg.masses_MeV) * MeV
    eps = np.asarray(cfg.epsilons)
    ycfg = YieldConfig(
        masses=tuple(masses.tolist()),
        epsilons=tuple(eps.tolist()),
        n_events=cfg.n_events,
        seed=cfg.seed,
        min_effective_events=cfg.min_effective_events,
        max_event_factor=cfg.max_event_factor,
        split_factor=cfg.split_factor,
    )
    alp_masses = np.asarray(cfg.alp_masses_MeV) * MeV
    acfg = AlpConfig(
        masses=tuple(alp_masses.tolist()),
        taus=tuple((np.asarray(cfg.alp_taus_ns) * ns).tolist()),
        n_events=cfg.alp_n_events,
        seed=cfg.seed,
    )
    columns = [
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with (
        Progress(*columns, disable=quiet, transient=False) as bar,
        task_client(workers, scheduler) as client,
    ):
        t_y = bar.add_task("yields: masses", total=masses.size)
        t_a = bar.add_task("ALP: masses", total=alp_masses.size)
        t_s = bar.add_task("statistics: analyses", total=4)
        t_f = bar.add_task("files, figures, report", total=1)

        with timings.step("yields"):
            results = _cached_map(
                "yields",
                _yield_task,
                [_mass_key(mm) for mm in masses],
                [(float(mm), experiment, ycfg) for mm in masses],
                cache,
                client,
                lambda: bar.advance(t_y),
            )
            from darkdump.yields import assemble_grid

            grid = assemble_grid(masses, eps, results, experiment, ycfg)
        with timings.step("alp"):
            alp_results = _cached_map(
                "alp",
                _alp_task,
                [_mass_key(mm) for mm in alp_masses],
                [(float(mm), experiment, acfg) for mm in alp_masses],
                cache,
                client,
                lambda: bar.advance(t_a),
            )

        # The yield maps need only the grid: on Dask they are drawn while the
        # statistics run (their workers idle while a scan does its bookkeeping).
        from darkdump.analyses.na62_2021.report import draw, map_figure_jobs

        map_jobs = map_figure_jobs(out, grid)
        map_futures = client.map(draw, map_jobs, pure=False) if client is not None else None
        executor = client.get_executor() if client is not None else None
        # One executor call per worker and round: the three scans run side by side, so
        # the workers stay busy, and each call pays a fixed set-up cost (measured on 2
        # cores: 16 calls per round 27 s, 2 calls 22 s).
        batches = sum(client.nthreads().values()) if client is not None else None
        with timings.step("statistics"):
            limits, counting_info, mc_errors = _all_limits(
                grid, cfg, cache, executor, "", lambda: bar.advance(t_s), batches
            )
            bar.advance(t_s)
        if variations and experiment.variations:
            t_v = bar.add_task("variations: grids", total=len(experiment.variations))
            with timings.step("variations"):
                varied = _variation_limits(
                    experiment, masses, eps, ycfg, cfg, cache, client, executor, batches
                )
                summary.files += _write_variation_files(out, experiment, varied)
                choice_rows = _choice_rows(experiment, grid, limits, varied)
                for name, rows in _model_envelopes(limits, [v[0] for v in varied]).items():
                    limits[name] = sorted(
                        limits[name] + rows, key=lambda r: (r[0], KINDS.index(r[1]), r[2])
                    )
                bar.advance(t_v, len(experiment.variations))
            variation_info = {
                v.name: {**v.overrides, "source": v.source} for v in experiment.variations
            }

        with timings.step("files"):
            alp_rows = _alp_limits(alp_results, acfg)
            summary.files += _write_outputs(
                out, cfg, grid, limits, alp_rows, counting_info, log, client, mc_errors, earlier
            )
            if map_futures is not None:
                summary.files += client.gather(map_futures)
            else:
                summary.files += [draw(job) for job in map_jobs]
            summary.summary = [
                _summary_row(n, limits[n]) for n in ("mumu", "mumu_cls", "ee", "combined")
            ]
            summary.summary += _alp_summary(alp_rows)
            bar.advance(t_f)
    summary.timings = {**timings.as_dict(), "total": round(time.perf_counter() - start, 3)}
    from darkdump.analyses.na62_2021.report import write_report

    summary.files.append(
        write_report(
            out, cfg, grid, summary, counting_info, limits, experiment, choice_rows=choice_rows
        )
    )
    provenance = {
        "command": "darkdump reproduce",
        "config": cfg.as_dict(),
        "cache_key": key,
        "experiment": load_raw(cfg.experiment),
        "seed": cfg.seed,
        "versions": versions(),
        "timings_s": summary.timings,
        "workers": workers,
        "scheduler": scheduler,
        "observed_events": {"mumu_MeV": OBSERVED_MUMU_MEV, "ee_MeV": OBSERVED_EE_MEV},
        "alp_statistics": ALP_STATISTICS,
        "mc_error_summary": {name: mc_error_summary(e) for name, e in mc_errors.items()},
        "modelling": experiment.modelling.model_dump(),
        "variations": variation_info,
        "files": sorted(str(p.relative_to(out)) for p in summary.files),
    }
    summary.files.append(write_json(out / "provenance.json", provenance))
    return summary


def _write_outputs(
    out: Path,
    cfg: ReproduceConfig,
    grid: YieldGrid,
    limits: dict[str, list[LimitRow]],
    alp_rows: dict[str, list[AlpRow]],
    counting_info: dict[str, Any],
    log: Callable[[str], None],
    client: Any = None,
    mc_errors: dict[str, MCErrors] | None = None,
    earlier: Mapping[str, Sequence[tuple[float, float, float]]] | None = None,
) -> list[Path]:
    from darkdump.yields import write_grid, write_zero_event_csv, zero_event_rows

    files: list[Path] = []
    header = [
        "mass_GeV",
        "kind",
        "epsilon_lower",
        "epsilon_upper",
        "grid_edge",
        "epsilon_lower_mc_error",
        "epsilon_upper_mc_error",
    ]
    eps_min, eps_max = min(cfg.epsilons), max(cfg.epsilons)
    descriptions = {
        "mumu": "A' -> mu+mu-, 90% CL, JHEP 09 (2023) 035 method (Poisson counting, Bayesian POT nuisance)",
        "mumu_cls": "A' -> mu+mu-, 90% CL, PRL 133 (2024) 111802 method (unbinned CLs)",
        "ee": "A' -> e+e-, 90% CL, PRL 133 (2024) 111802 method (unbinned CLs)",
        "combined": "A' -> e+e- and mu+mu- combined, 90% CL, PRL 133 (2024) 111802 (shared POT nuisance)",
    }
    for name, rows in limits.items():
        errors = (mc_errors or {}).get(name, {})
        flagged = [
            (
                *row,
                grid_edge(row, eps_min, eps_max),
                *_error_cells(errors.get((row[0], row[1], row[2], row[3]))),
            )
            for row in rows
        ]
        files.append(write_csv(out / "limits" / f"{name}.csv", header, flagged))
    files += write_hepdata_submission(
        out / "limits" / "hepdata",
        {name: (rows, descriptions[name]) for name, rows in limits.items()},
    )
    files.append(
        write_zero_event_csv(out / "limits" / "zero_event_geometric.csv", zero_event_rows(grid))
    )
    files.append(
        write_grid(out / "yields" / "yields.h5", grid, {"config": cfg.as_dict(), "seed": cfg.seed})
    )
    for ch, alp_channel_rows in alp_rows.items():
        files.append(
            write_csv(
                out / "alp" / f"{ch}.csv",
                ["mass_GeV", "tau_ps", "br_limit", "br_limit_mc_error"],
                alp_channel_rows,
            )
        )
    files.append(write_json(out / "limits" / "counting_method.json", counting_info))
    from darkdump.analyses.na62_2021.report import draw, limit_figure_jobs
    from darkdump.results.parallel import run_tasks

    files += run_tasks(draw, limit_figure_jobs(out, grid, limits, alp_rows, earlier), client=client)
    log(f"wrote {len(files)} files into {out}")
    return files

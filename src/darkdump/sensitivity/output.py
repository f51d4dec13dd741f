"""Files, figures and report of a zero-background reach run (``darkdump sensitivity``).

``DIR/`` receives, each written atomically under the folder's lock:

- ``limits/by_production.csv``: ``mass_GeV,production,channel,kind,epsilon_lower,
  epsilon_upper`` (``production`` brems | meson | total, ``channel`` ee | mumu | all,
  ``kind`` observed: the region N_exp >= threshold; one row per excluded interval);
- ``yields/reach.h5``: the maps (N_exp, P_D, acceptance, effective MC events) per
  channel and production mode, couplings and masses in GeV;
- ``figures/reach.png`` (the JHEP fig. 4 construction by channel and by production
  mode) and ``figures/n_exp_<channel>_<mode>.png`` (maps with the threshold contour);
- ``report.html`` (self-contained) and ``provenance.json`` (experiment, settings,
  versions, command, seed).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, MeV, ps

from darkdump.plotting import axes_or_new, label_epsilon, style, write_figure
from darkdump.results.io import write_csv, write_json
from darkdump.results.plots import contour_in_log, mass_axis
from darkdump.results.provenance import versions

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment
    from darkdump.sensitivity.grid import ReachGrid

__all__ = [
    "BY_PRODUCTION_COLUMNS",
    "edge_effective_events",
    "plot_reach",
    "read_by_production",
    "table_masses_mev",
    "write_alp_outputs",
    "write_outputs",
]

BY_PRODUCTION_COLUMNS = (
    "mass_GeV",
    "production",
    "channel",
    "kind",
    "epsilon_lower",
    "epsilon_upper",
)

#: Masses of the report's table [MeV] (issue 12's comparison masses).
table_masses_mev = (10.0, 20.0, 50.0, 100.0, 200.0, 300.0, 400.0, 500.0, 600.0)

_MODE_LABELS = {"brems": "bremsstrahlung", "meson": "meson decays", "total": "total"}
_SUM_LABEL = "both channels, total"
_CHANNEL_LABELS = {
    "ee": r"$A' \to e^+e^-$",
    "mumu": r"$A' \to \mu^+\mu^-$",
    "all": "both channels, total",
}


def plot_reach(grid: ReachGrid, ax: Any = None, *, title: str = "") -> Any:
    """Contours N_exp = threshold by channel (left, all production) and by production (right).

    Contours of the maps themselves (``matplotlib`` ``contour``), so that separate excluded
    islands are drawn as such; ``ax`` two Axes or None.
    """
    from matplotlib.lines import Line2D

    colours = {"ee": "tab:green", "mumu": "tab:blue", "all": "k"}
    mode_colours = {"brems": "tab:red", "meson": "tab:purple", "total": "k"}
    masses_mev = grid.masses / MeV
    with style():
        axes = axes_or_new(ax, figsize=(14.0, 6.0), ncols=2)
        panels = (
            (
                axes[0],
                [("all", "total")] + [(c, "total") for c in grid.channels],
                "by decay channel",
            ),
            (axes[1], [("all", "total")] + [("all", p) for p in grid.modes], "by production mode"),
        )
        for i, (panel, keys, what) in enumerate(panels):
            handles = []
            for chan, prod in keys:
                n = grid.n_exp(chan, prod)
                colour = colours[chan] if i == 0 else mode_colours[prod]
                label = _CHANNEL_LABELS[chan] if i == 0 else _MODE_LABELS[prod]
                label = _SUM_LABEL if (chan == "all" and prod == "total") else label
                style_ = "--" if (i == 1 and prod == "meson") else "-"
                # The sum is drawn first, wide and grey, so that its parts stay visible on it.
                is_sum = chan == "all" and prod == "total"
                colour = "0.55" if is_sum else colour
                width = 4.0 if is_sum else 1.8
                if np.nanmax(n) >= grid.threshold:
                    contour_in_log(
                        panel,
                        masses_mev,
                        grid.epsilons,
                        n,
                        grid.threshold,
                        colors=[colour],
                        linestyles=[style_],
                        linewidths=[width],
                    )
                    handles.append(Line2D([], [], color=colour, ls=style_, lw=width, label=label))
                else:
                    handles.append(
                        Line2D([], [], color=colour, ls=style_, label=f"{label} (nothing excluded)")
                    )
            panel.set_yscale("log")
            # Log mass, as the limit figures: the few-MeV region, where e+e- reaches
            # highest in coupling, is not squeezed against the axis.
            mass_axis(panel, (0.8 * float(masses_mev.min()), 1.05 * float(masses_mev.max())), True)
            panel.set_ylim(float(grid.epsilons[0]), float(grid.epsilons[-1]))
            label_epsilon(panel)
            panel.set_title(
                rf"{title} $N_{{exp}} \geq {grid.threshold:g}$, {what}".strip(), fontsize=13
            )
            panel.legend(handles=handles, fontsize=10, loc="upper right")
    return axes


def edge_effective_events(
    grid: ReachGrid,
) -> dict[tuple[str, str], tuple[float, float, float, float]]:
    """Effective MC events at the contour edges of each (channel, mode).

    For every mass and excluded interval, ``n_eff`` at the grid coupling just inside the
    lower and the upper edge. Returns ``(median_lower, min_lower, median_upper, min_upper)``
    per (channel, mode) with an excluded region.
    """
    from darkdump.sensitivity.grid import exclusion_intervals

    out = {}
    for key, q in grid.values.items():
        lows, highs = [], []
        for i in range(grid.masses.size):
            for lo, hi in exclusion_intervals(grid.epsilons, q["n_exp"][i], grid.threshold):
                j_lo = int(np.searchsorted(grid.epsilons, lo, side="left"))
                j_hi = int(np.searchsorted(grid.epsilons, hi, side="right")) - 1
                lows.append(q["n_eff"][i, min(j_lo, grid.epsilons.size - 1)])
                highs.append(q["n_eff"][i, max(j_hi, 0)])
        if lows:
            out[key] = (
                float(np.median(lows)),
                float(np.min(lows)),
                float(np.median(highs)),
                float(np.min(highs)),
            )
    return out


def _provenance(experiment: Experiment, result: Any, *, model: str) -> dict[str, Any]:
    """Describe what produced a reach run: command, time, model, experiment, settings, versions."""
    return {
        "command": " ".join(["darkdump", *sys.argv[1:]]) if sys.argv else "",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": model,
        "experiment": experiment.model_dump(mode="json"),
        "config": result.config,
        "threshold_events": result.threshold,
        "n_pot": result.n_pot,
        "versions": versions(),
    }


def _write_h5(path: Path, grid: ReachGrid, provenance: dict[str, Any]) -> None:
    import h5py

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w", track_order=True) as f:
            f.attrs["format"] = "darkdump-reach-1"
            f.attrs["threshold_events"] = grid.threshold
            f.attrs["n_pot"] = grid.n_pot
            f.attrs["provenance_json"] = json.dumps(
                provenance, sort_keys=True, default=str, allow_nan=False
            )
            opts = {"track_times": False}
            f.create_dataset("mass_GeV", data=grid.masses / GeV, **opts)
            f.create_dataset("epsilon", data=grid.epsilons, **opts)
            for mode, rate in grid.production_rate.items():
                f.create_dataset(
                    f"production/{mode}/probability_per_pot_over_eps2", data=rate, **opts
                )
            for (ch, mode), quantities in grid.values.items():
                for q, arr in quantities.items():
                    f.create_dataset(f"{ch}/{mode}/{q}", data=arr, **opts)

    from darkdump.results.io import atomic_write_file

    atomic_write_file(path, write)


def _finite_rows(grid: ReachGrid) -> list[tuple[Any, ...]]:
    rows = grid.rows()
    for row in rows:
        if not (np.isfinite(row[4]) and np.isfinite(row[5]) and 0 < row[4] <= row[5] < 1):
            raise RuntimeError(f"non-physical excluded interval {row}: not written")
    return rows


def _interval_text(rows: list[tuple[Any, ...]], mass_mev: float, prod: str, chan: str) -> str:
    hits = [r for r in rows if abs(r[0] * 1e3 - mass_mev) < 1e-6 and r[1] == prod and r[2] == chan]
    if not hits:
        return "-"
    return "; ".join(f"{r[4]:.2e} - {r[5]:.2e}" for r in hits)


def write_outputs(
    grid: ReachGrid,
    experiment: Experiment,
    out: Path,
    *,
    title: str,
    seconds: float,
    extra_paragraphs: tuple[str, ...] = (),
) -> dict[str, Path]:
    """Write every output of a reach run into ``out`` (call under :func:`output_lock`)."""
    from darkdump.results.plots import plot_map
    from darkdump.results.report import Figure, Report, Section, Table

    rows = _finite_rows(grid)
    provenance = _provenance(experiment, grid, model="dark-photon")
    paths: dict[str, Path] = {}
    paths["csv"] = write_csv(
        out / "limits" / "by_production.csv",
        BY_PRODUCTION_COLUMNS,
        [(f"{r[0]:.6g}", r[1], r[2], r[3], f"{r[4]:.6g}", f"{r[5]:.6g}") for r in rows],
    )
    (out / "yields").mkdir(parents=True, exist_ok=True)
    _write_h5(out / "yields" / "reach.h5", grid, provenance)
    paths["h5"] = out / "yields" / "reach.h5"
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    write_figure(
        plot_reach, figures / "reach.png", grid, figsize=(14.0, 6.0), ncols=2, title=experiment.name
    )
    figure_list = [
        Figure(
            "figures/reach.png",
            f"Regions with N_exp >= {grid.threshold:g} (zero-background reach), by decay channel "
            "(left) and by production mode (right).",
            wide=True,
        )
    ]
    for (ch, mode), quantities in grid.values.items():
        name = f"n_exp_{ch}_{mode}.png"
        write_figure(
            plot_map,
            figures / name,
            grid.masses / GeV,
            grid.epsilons,
            quantities["n_exp"],
            title=f"{experiment.name}: {_CHANNEL_LABELS[ch]}, {_MODE_LABELS[mode]}",
            label=r"$N_{exp}$",
            contour_level=grid.threshold,
            contour_label=rf"$N_{{exp}} = {grid.threshold:g}$",
            vmin=1e-3,
            log_mass=True,
        )
        figure_list.append(
            Figure(
                f"figures/{name}",
                f"Expected events, {ch}, {mode}; black: N_exp = {grid.threshold:g}.",
            )
        )
    write_json(out / "provenance.json", provenance)
    paths["provenance"] = out / "provenance.json"

    acc = experiment.acceptance
    assert acc is not None
    acc_rows = [
        [
            ch,
            ", ".join(spec.elements) or "(decay volume only)",
            str(spec.min_daughters),
            f"{spec.energy_min_GeV:g} - {spec.energy_max_GeV:g}"
            if spec.energy_max_GeV
            else f"> {spec.energy_min_GeV:g}",
            f"{spec.energy_sum_min_GeV:g}",
            f"{spec.efficiency:g}",
            spec.source,
        ]
        for ch, spec in acc.channels().items()
    ]
    dv = experiment.decay_volume
    table_rows = []
    masses_mev = [m for m in table_masses_mev if np.any(np.isclose(grid.masses / MeV, m))]
    for mass in masses_mev:
        table_rows.append(
            [f"{mass:g}"] + [_interval_text(rows, mass, p, "all") for p in (*grid.modes, "total")]
        )
    reach_cells = []
    for prod in (*grid.modes, "total"):
        hit = [r[0] for r in rows if r[1] == prod and r[2] == "all"]
        reach_cells.append(f"{max(hit) * 1e3:.0f}" if hit else "-")
    table_rows.append(["mass reach [MeV]", *reach_cells])
    edge_neff = edge_effective_events(grid)
    report = Report(
        title=title,
        sections=[
            Section(
                "Experiment",
                [
                    experiment.description,
                    f"Beam: {experiment.beam.energy_GeV:g} GeV protons, N_POT = {grid.n_pot:.3g}. "
                    f"Decay volume: {dv.z_min_m:g}-{dv.z_max_m:g} m"
                    + (f", transverse shape {dv.aperture.shape}" if dv.aperture else "")
                    + f". Excluded where N_exp >= {grid.threshold:g} ({acc.events_source}).",
                    *extra_paragraphs,
                ],
                [
                    Table(
                        [
                            "channel",
                            "elements crossed",
                            "daughters",
                            "E window [GeV]",
                            "E sum min [GeV]",
                            "efficiency",
                            "source",
                        ],
                        acc_rows,
                        "Zero-background selection ([acceptance] of the experiment file).",
                    )
                ],
            ),
            Section(
                "Reach",
                [
                    "Excluded couplings (both channels) per production mode; one interval "
                    "per excluded island. Full table: limits/by_production.csv.",
                    "Monte-Carlo precision: effective number of simulated decays "
                    "(sum w)^2 / sum w^2 at the grid point just inside each contour edge, "
                    "per channel and production mode (median / smallest over the masses; "
                    "the relative error of N_exp there is about 1/sqrt of it): "
                    + "; ".join(
                        f"{ch} {mode}: lower {lo_med:.0f} / {lo_min:.0f}, upper {hi_med:.0f} / {hi_min:.0f}"
                        for (ch, mode), (lo_med, lo_min, hi_med, hi_min) in edge_neff.items()
                    )
                    + ".",
                ],
                [
                    Table(
                        ["M [MeV]", *(_MODE_LABELS[p] for p in (*grid.modes, "total"))], table_rows
                    )
                ],
                figure_list,
            ),
            Section(
                "Run",
                [
                    f"{grid.config.get('n_events')} decays per mass, mode and channel; "
                    f"{len(grid.masses)} masses, {len(grid.epsilons)} couplings "
                    f"({grid.epsilons[0]:.0e} - {grid.epsilons[-1]:.0e}); seed "
                    f"{grid.config.get('seed')}; {seconds:.1f} s.",
                    f"Command: {provenance['command']}",
                ],
            ),
        ],
    )
    paths["report"] = report.write(out / "report.html")
    return paths


def write_alp_outputs(
    reach: Any, experiment: Experiment, out: Path, *, title: str, seconds: float
) -> dict[str, Path]:
    """Write the ALP reach (``limits/alp.csv``, figures, report, provenance) into ``out``."""
    from darkdump.results.plots import plot_alp
    from darkdump.results.report import Figure, Report, Section, Table
    from darkdump.sensitivity.alp import ALP_COLUMNS

    rows = reach.rows()
    for row in rows:
        if not (np.isfinite(row[3]) and 0 < row[3] < 1):
            raise RuntimeError(f"non-physical ALP bound {row}: not written")
    provenance = _provenance(experiment, reach, model="alp-BK")
    paths: dict[str, Path] = {}
    paths["csv"] = write_csv(
        out / "limits" / "alp.csv",
        ALP_COLUMNS,
        [(f"{r[0]:.6g}", r[1], f"{r[2]:.6g}", f"{r[3]:.6g}") for r in rows],
    )
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    figure_list = []
    shown = [m for m in (0.1, 0.3, 0.5, 0.7) if np.any(np.isclose(reach.masses / GeV, m))]
    for ch in (*reach.channels, "all"):
        sel = [(r[0], r[2], r[3]) for r in rows if r[1] == ch and any(np.isclose(r[0], shown))]
        if not sel:
            continue
        name = f"alp_{ch}.png"
        lepton = {"ee": r"e^+e^-", "mumu": r"\mu^+\mu^-", "all": r"\ell^+\ell^-"}[ch]
        write_figure(
            plot_alp,
            figures / name,
            sel,
            ch,
            title=rf"{experiment.name}: ALP, $N_{{exp}} = {reach.threshold:g}$, $a\to {lepton}$",
        )
        figure_list.append(
            Figure(
                f"figures/{name}",
                f"Bound on BR(B -> K(*) a) x BR(a -> ll), {ch}, at N_exp = {reach.threshold:g} "
                "(zero background).",
            )
        )
    write_json(out / "provenance.json", provenance)
    paths["provenance"] = out / "provenance.json"
    best_rows = []
    lim = reach.limit("all")
    for m_gev in (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0):
        idx = np.flatnonzero(np.isclose(reach.masses / GeV, m_gev))
        if idx.size:
            j = int(np.argmin(lim[idx[0]]))
            best = lim[idx[0], j]
            best_rows.append(
                [
                    f"{m_gev * 1e3:g}",
                    f"{best:.2e}" if np.isfinite(best) else "-",
                    f"{reach.taus[j] / ps:.3g}" if np.isfinite(best) else "-",
                ]
            )
    report = Report(
        title=title,
        sections=[
            Section(
                "ALP from B -> K(*) a (model-independent)",
                [
                    experiment.description,
                    f"N_POT = {reach.n_pot:.3g}; bound at N_exp = {reach.threshold:g} events "
                    "per unit BR(B -> K(*) a) x BR(a -> ll) (zero background). Full table: "
                    "limits/alp.csv (rows where the bound is below 1).",
                ],
                [Table(["M_a [MeV]", "best bound (both channels)", "at tau_a [ps]"], best_rows)],
                figure_list,
            ),
            Section(
                "Run",
                [
                    f"{reach.config.get('n_events')} decays per mass and channel; "
                    f"{len(reach.masses)} masses, {len(reach.taus)} lifetimes; seed "
                    f"{reach.config.get('seed')}; {seconds:.1f} s.",
                    f"Command: {provenance['command']}",
                ],
            ),
        ],
    )
    paths["report"] = report.write(out / "report.html")
    return paths


def read_by_production(
    folder: str | Path, production: str = "total", channel: str = "all"
) -> tuple[str, list[tuple[float, float, float]]]:
    """Read a reach run's ``limits/by_production.csv``: (experiment name, rows).

    Rows are ``(mass_GeV, epsilon_lower, epsilon_upper)`` of the selected production and
    channel, the widest-reaching interval per mass (the main region; islands dropped).
    One-line :class:`~darkdump.errors.DarkdumpInputError` if the folder is not a reach run.
    """
    import csv

    from darkdump.errors import DarkdumpInputError

    folder = Path(folder)
    path = folder / "limits" / "by_production.csv"
    try:
        with path.open(encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != BY_PRODUCTION_COLUMNS:
                raise DarkdumpInputError(
                    f"--earlier {str(folder)!r}: {path.name} has columns {reader.fieldnames}, "
                    f"expected {', '.join(BY_PRODUCTION_COLUMNS)}"
                )
            best: dict[float, tuple[float, float]] = {}
            for r in reader:
                if r["production"] != production or r["channel"] != channel:
                    continue
                mass, lo, hi = (
                    float(r["mass_GeV"]),
                    float(r["epsilon_lower"]),
                    float(r["epsilon_upper"]),
                )
                if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi < 1):
                    raise DarkdumpInputError(f"--earlier {str(folder)!r}: bad interval {lo}, {hi}")
                if mass not in best or lo < best[mass][0]:
                    best[mass] = (lo, hi)
    except OSError as exc:
        raise DarkdumpInputError(
            f"--earlier {str(folder)!r}: no reach run there ({path}: {exc.strerror})"
        ) from None
    except (KeyError, ValueError) as exc:
        raise DarkdumpInputError(
            f"--earlier {str(folder)!r}: malformed {path.name} ({exc})"
        ) from None
    name = folder.name
    with contextlib.suppress(OSError, KeyError, ValueError, TypeError):
        provenance = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        name = provenance["experiment"]["name"]
    return str(name), [(m, lo, hi) for m, (lo, hi) in sorted(best.items())]

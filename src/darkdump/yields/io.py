"""Files of a yields run: the grid (HDF5) and the JHEP fig. 4 zero-event table (CSV).

HDF5 layout (every unit in the dataset name; GeV and metres, CDA in mm):

``/mass_GeV`` (n_mass,), ``/epsilon`` (n_eps,)
``/production/<mode>/probability_per_pot_over_eps2`` (n_mass,): P(pN -> A') / eps^2
``/branching_ratio/<channel>`` (n_mass,): BR(A' -> ll)
``/<channel>/<mode>/<quantity>`` (n_mass, n_eps) for the quantities
``acceptance_sel``, ``decay_probability``, ``sigma_m_GeV``, ``n_exp``,
``acceptance_geo``, ``n_exp_geo``, ``z_tax_mean_m``, ``z_tax_rms_m``,
``cda_tax_rms_mm``, ``n_eff_selected``; and ``n_simulated``, ``n_selected`` (n_mass,).

No file holds NaN or infinity. The Z_TAX and CDA_TAX moments of an empty sample are
undefined: where no simulated decay is selected (for mu+mu-, every mass below the dimuon
threshold) the dataset holds 0, and a boolean dataset ``<name>_defined`` of the same
shape (false there) says so, as does the dataset attribute ``undefined_where``.
:func:`read_grid` gives NaN at those cells.

Root attributes: ``format`` (``darkdump-yields-2``), ``n_pot``, ``experiment``,
``seed`` and ``config_json`` / ``provenance_json`` (the run's configuration and the
versions that made it). Channels are ``ee``, ``mumu``; modes ``brems``, ``meson``.

Files are written atomically (temporary file in the same folder, then rename)
and without HDF5 time stamps, so the same run gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from hepunits import GeV, m, mm

from darkdump.results.io import atomic_write_file, atomic_write_text
from darkdump.typing import FloatArray
from darkdump.yields.geometric import exclusion_interval
from darkdump.yields.grid import QUANTITIES, YieldGrid

if TYPE_CHECKING:
    from darkdump.yields.alp import AlpGrid

#: The ``undefined_where`` attribute of a dataset with undefined cells.
UNDEFINED_NOTE = (
    "where the boolean dataset <name>_defined is false, the value (written as 0) is "
    "undefined: no simulated decay is selected there (the moments of an empty sample)"
)


def _write_quantity(f: Any, path: str, values: FloatArray, opts: dict[str, Any]) -> None:
    """Write a quantity with no NaN or infinity: undefined (NaN) cells as 0 plus a mask."""
    if np.isinf(values).any():
        raise ValueError(f"{path}: infinite values, not written")
    undefined = np.isnan(values)
    data = f.create_dataset(path, data=np.where(undefined, 0.0, values), **opts)
    if undefined.any():
        f.create_dataset(f"{path}_defined", data=~undefined, **opts)
        data.attrs["undefined_where"] = UNDEFINED_NOTE


def _read_quantity(group: Any, name: str) -> FloatArray:
    """Read a quantity written by :func:`_write_quantity`; NaN where it is undefined."""
    values = np.asarray(group[name][()], dtype=np.float64)
    mask = f"{name}_defined"
    if mask in group:
        values = np.where(np.asarray(group[mask][()], dtype=bool), values, np.nan)
    return values


__all__ = [
    "FILE_NAMES",
    "FORMAT",
    "ZERO_EVENT_COLUMNS",
    "read_grid",
    "write_alp_grid",
    "write_grid",
    "write_zero_event_csv",
    "zero_event_rows",
]

#: Version 2 writes undefined moments as 0 with a ``<name>_defined`` mask (version 1
#: wrote NaN); :func:`read_grid` reads both.
FORMAT = "darkdump-yields-2"
_READABLE_FORMATS = ("darkdump-yields-1", FORMAT)

#: Internal quantity -> (dataset name, unit it is divided by).
FILE_NAMES: dict[str, tuple[str, float]] = {
    "acceptance_sel": ("acceptance_sel", 1.0),
    "decay_probability": ("decay_probability", 1.0),
    "sigma_m": ("sigma_m_GeV", GeV),
    "n_exp": ("n_exp", 1.0),
    "acceptance_geo": ("acceptance_geo", 1.0),
    "n_exp_geo": ("n_exp_geo", 1.0),
    "z_tax_mean": ("z_tax_mean_m", m),
    "z_tax_rms": ("z_tax_rms_m", m),
    "cda_tax_rms": ("cda_tax_rms_mm", mm),
    "n_eff_selected": ("n_eff_selected", 1.0),
}
assert set(FILE_NAMES) == set(QUANTITIES)

ZERO_EVENT_COLUMNS = ("mass_GeV", "production", "channel", "epsilon_lower", "epsilon_upper")


def write_grid(path: str | Path, grid: YieldGrid, provenance: dict[str, Any] | None = None) -> Path:
    """Write ``grid`` to an HDF5 file atomically (layout in the module doc). Return the path."""
    import h5py

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w", track_order=True) as f:
            f.attrs["format"] = FORMAT
            f.attrs["n_pot"] = grid.n_pot
            f.attrs["experiment"] = str(grid.config.get("experiment", ""))
            f.attrs["seed"] = int(grid.config.get("seed", 0))
            f.attrs["config_json"] = json.dumps(grid.config, sort_keys=True)
            f.attrs["provenance_json"] = json.dumps(
                provenance or {}, sort_keys=True, default=str, allow_nan=False
            )
            opts = {"track_times": False}
            f.create_dataset("mass_GeV", data=grid.masses / GeV, **opts)
            f.create_dataset("epsilon", data=grid.epsilons, **opts)
            for mode, rate in grid.production_rate.items():
                f.create_dataset(
                    f"production/{mode}/probability_per_pot_over_eps2", data=rate, **opts
                )
            for ch, br in grid.branching_ratio.items():
                f.create_dataset(f"branching_ratio/{ch}", data=br, **opts)
            for (ch, mode), quantities in grid.values.items():
                for q, arr in quantities.items():
                    name, unit = FILE_NAMES[q]
                    _write_quantity(f, f"{ch}/{mode}/{name}", arr / unit, opts)
                f.create_dataset(
                    f"{ch}/{mode}/n_simulated", data=grid.n_simulated[(ch, mode)], **opts
                )
                f.create_dataset(
                    f"{ch}/{mode}/n_selected", data=grid.n_selected[(ch, mode)], **opts
                )

    return atomic_write_file(Path(path), write)


def write_alp_grid(
    path: str | Path, grid: AlpGrid, provenance: dict[str, Any] | None = None
) -> Path:
    """Write an :class:`darkdump.yields.alp.AlpGrid` to HDF5 atomically. Return the path.

    Layout: ``/mass_GeV`` (n_mass,), ``/tau_ns`` (n_tau,),
    ``/production/B/decays_per_pot_per_br`` (n_mass,), and
    ``/<channel>/B/<quantity>`` (n_mass, n_tau) with the names of :data:`FILE_NAMES`;
    ``n_exp`` and ``n_exp_geo`` are per unit BR(B -> K(*) a) x BR(a -> ll). Undefined
    moments are 0 with a ``<name>_defined`` mask, as in :func:`write_grid`.
    """
    import h5py
    from hepunits import ns

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w", track_order=True) as f:
            f.attrs["format"] = FORMAT + "-alp"
            f.attrs["n_pot"] = grid.n_pot
            f.attrs["experiment"] = str(grid.config.get("experiment", ""))
            f.attrs["seed"] = int(grid.config.get("seed", 0))
            f.attrs["config_json"] = json.dumps(grid.config, sort_keys=True)
            f.attrs["provenance_json"] = json.dumps(
                provenance or {}, sort_keys=True, default=str, allow_nan=False
            )
            opts = {"track_times": False}
            f.create_dataset("mass_GeV", data=grid.masses / GeV, **opts)
            f.create_dataset("tau_ns", data=grid.taus / ns, **opts)
            f.create_dataset(
                "production/B/decays_per_pot_per_br", data=grid.production_rate, **opts
            )
            for ch, quantities in grid.values.items():
                for q, arr in quantities.items():
                    name, unit = FILE_NAMES[q]
                    _write_quantity(f, f"{ch}/B/{name}", arr / unit, opts)

    return atomic_write_file(Path(path), write)


def read_grid(path: str | Path) -> YieldGrid:
    """Read a file written by :func:`write_grid` back into a :class:`YieldGrid` (internal units)."""
    import h5py

    from darkdump.errors import DarkdumpInputError

    with h5py.File(path, "r") as f:
        if f.attrs.get("format") not in _READABLE_FORMATS:
            raise DarkdumpInputError(
                f"yields file {str(path)!r}: attribute 'format' is {f.attrs.get('format')!r}, "
                f"expected one of {', '.join(_READABLE_FORMATS)}"
            )
        masses = np.asarray(f["mass_GeV"][()]) * GeV
        eps = np.asarray(f["epsilon"][()])
        config = json.loads(f.attrs["config_json"])
        channels = [c for c in ("ee", "mumu") if c in f]
        modes = list(f["production"].keys())
        values: dict[tuple[str, str], dict[str, FloatArray]] = {}
        n_sim: dict[tuple[str, str], FloatArray] = {}
        n_sel: dict[tuple[str, str], FloatArray] = {}
        for ch in channels:
            for mode in f[ch]:
                group = f[f"{ch}/{mode}"]
                values[(ch, mode)] = {
                    q: _read_quantity(group, name) * unit for q, (name, unit) in FILE_NAMES.items()
                }
                n_sim[(ch, mode)] = np.asarray(group["n_simulated"][()])
                n_sel[(ch, mode)] = np.asarray(group["n_selected"][()])
        return YieldGrid(
            masses=masses,
            epsilons=eps,
            values=values,
            production_rate={
                mode: np.asarray(f[f"production/{mode}/probability_per_pot_over_eps2"][()])
                for mode in modes
            },
            branching_ratio={ch: np.asarray(f[f"branching_ratio/{ch}"][()]) for ch in channels},
            n_simulated=n_sim,
            n_selected=n_sel,
            n_pot=float(f.attrs["n_pot"]),
            config=config,
        )


def zero_event_rows(grid: YieldGrid) -> list[tuple[float, str, str, float, float]]:
    """Tabulate JHEP fig. 4: the couplings where the geometric-acceptance yield is >= 2.3.

    One row per mass, production (brems, meson, total) and channel (ee, mumu, both).

    Returns rows ``(mass_GeV, production, channel, epsilon_lower, epsilon_upper)``;
    the interval is ``(nan, nan)`` where nothing is excluded.
    """
    rows: list[tuple[float, str, str, float, float]] = []
    productions = [*grid.modes, "total"]
    channels = [*grid.channels, "both"]
    maps = {(p, c): grid.get("n_exp_geo", c, p) for p in productions for c in channels}
    for i, mass in enumerate(grid.masses):
        for p in productions:
            for c in channels:
                lo, hi = exclusion_interval(grid.epsilons, maps[(p, c)][i])
                rows.append((float(mass / GeV), p, c, lo, hi))
    return rows


def zero_event_cells(row: tuple[float, str, str, float, float]) -> list[str]:
    """Format one :func:`zero_event_rows` row as CSV cells (:data:`ZERO_EVENT_COLUMNS`).

    Masses with 6 significant digits, couplings with 6; empty cells where nothing is excluded.

    >>> zero_event_cells((0.3, "brems", "ee", 2.5e-7, float("nan")))
    ['0.3', 'brems', 'ee', '2.5e-07', '']
    """
    mass, prod, chan, lo, hi = row
    return [
        f"{mass:.6g}",
        prod,
        chan,
        "" if not np.isfinite(lo) else f"{lo:.6g}",
        "" if not np.isfinite(hi) else f"{hi:.6g}",
    ]


def write_zero_event_csv(
    path: str | Path, rows: Sequence[tuple[float, str, str, float, float]]
) -> Path:
    """Write :func:`zero_event_rows` as CSV (:func:`zero_event_cells`), atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ZERO_EVENT_COLUMNS)
    for row in rows:
        writer.writerow(zero_event_cells(row))
    return atomic_write_text(Path(path), buffer.getvalue())

"""``darkdump widths``: dark-photon total width, branching ratios and c tau per mass.

Prints one row per mass with the columns :data:`COLUMNS`: the mass [GeV], the total
width divided by eps^2 [GeV], the e+e-, mu+mu- and hadronic branching ratios, and
c tau times eps^2 [m] (c tau at coupling eps is this value divided by eps^2).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from darkdump.commands._common import (
    mass_list_gev,
    png_path,
    positive_gev,
)

if TYPE_CHECKING:
    from darkdump.typing import FloatArray

__all__ = ["COLUMNS", "register", "run", "widths_table"]

#: Output columns, with their units in the names.
COLUMNS = ("mass_GeV", "gamma_over_eps2_GeV", "br_ee", "br_mumu", "br_had", "ctau_eps2_m")

#: Masses used when neither --masses nor --mass-range is given [GeV].
DEFAULT_MASSES_GEV = [0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.77, 0.8, 0.9, 1.0, 1.2, 1.5]


def register(subparsers: Any) -> None:
    """Add the ``widths`` sub-command to the top-level parser."""
    parser = subparsers.add_parser(
        "widths",
        help="dark-photon total width, branching ratios and c*tau versus mass",
        description=(
            "Print the dark-photon total width over eps^2 [GeV], the e+e-, mu+mu- and "
            "hadronic branching ratios, and c*tau*eps^2 [m], one row per mass. Leptonic "
            "widths are analytic; the hadronic width uses darkdump's vector-meson-dominance "
            "R ratio (darkdump.models.dark_photon)."
        ),
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--masses",
        type=mass_list_gev,
        metavar="M1,M2,...",
        help="comma-separated dark-photon masses in GeV, e.g. 0.01,0.3,0.5 "
        f"(default: {','.join(f'{m:g}' for m in DEFAULT_MASSES_GEV)})",
    )
    group.add_argument(
        "--mass-range",
        type=positive_gev,
        nargs=3,
        metavar=("START", "STOP", "STEP"),
        help="masses from START to STOP (inclusive) in steps of STEP, all in GeV",
    )
    parser.add_argument(
        "--format",
        choices=("csv", "json", "text", "table"),
        default="csv",
        help="output format: csv (to stdout, columns "
        + ",".join(COLUMNS)
        + "), json (the same columns as lists), or text, a table ('table' is the earlier "
        "name); units: GeV, m (default: csv)",
    )
    parser.add_argument(
        "--plot",
        type=png_path,
        metavar="FILE.png",
        default=None,
        help="also draw the branching ratios versus mass (GeV) into this image file",
    )
    parser.set_defaults(func=run)


def widths_table(masses: FloatArray) -> dict[str, FloatArray]:
    """Compute the :data:`COLUMNS` for masses given in MeV (internal units).

    Parameters
    ----------
    masses
        Dark-photon masses [MeV].

    Returns
    -------
    dict
        Column name -> array; ``mass_GeV`` [GeV], ``gamma_over_eps2_GeV`` [GeV],
        branching ratios [1], ``ctau_eps2_m`` [m].

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import GeV
    >>> t = widths_table(np.array([0.01]) * GeV)
    >>> float(t["br_ee"][0]), round(float(t["ctau_eps2_m"][0]) * 1e12, 3)
    (1.0, 8.113)
    """
    import numpy as np
    from hepunits import GeV, m

    from darkdump.models import dark_photon

    width = dark_photon.total_width(masses, 1.0)
    return {
        "mass_GeV": np.asarray(masses / GeV),
        "gamma_over_eps2_GeV": np.asarray(width / GeV),
        "br_ee": dark_photon.branching_ratio("ee", masses),
        "br_mumu": dark_photon.branching_ratio("mumu", masses),
        "br_had": dark_photon.branching_ratio("hadrons", masses),
        "ctau_eps2_m": np.asarray(dark_photon.ctau(masses, 1.0) / m),
    }


def _plot(masses: FloatArray, path: str) -> None:
    from darkdump.models.plots import plot_branching_ratios
    from darkdump.plotting import write_figure

    write_figure(plot_branching_ratios, path, masses, figsize=(9.0, 6.0))


def run(args: argparse.Namespace) -> int:
    """Run ``darkdump widths``; return the exit status."""
    import sys

    from darkdump.commands._common import masses_from_args
    from darkdump.errors import DarkdumpInputError

    try:
        masses = masses_from_args(args.masses, args.mass_range, DEFAULT_MASSES_GEV)
    except argparse.ArgumentTypeError as exc:
        raise DarkdumpInputError(str(exc)) from None
    from darkdump.models.dark_photon import _check_mass

    _check_mass(masses, option="--masses")
    if args.plot:
        from darkdump.results.io import check_output_file

        check_output_file(args.plot, option="--plot")
    table = widths_table(masses)
    if args.format == "csv":
        sys.stdout.write(",".join(COLUMNS) + "\n")
        for row in zip(*(table[c] for c in COLUMNS), strict=True):
            # Masses with 10 significant digits (0.2113715 and 0.2113717 stay apart).
            cells = [f"{float(row[0]):.10g}", *(f"{float(v):.6g}" for v in row[1:])]
            sys.stdout.write(",".join(cells) + "\n")
    elif args.format == "json":
        import json

        sys.stdout.write(
            json.dumps({c: [float(v) for v in table[c]] for c in COLUMNS}, indent=1) + "\n"
        )
    else:
        from rich.console import Console
        from rich.table import Table

        rich_table = Table(title="Dark photon widths (Gamma and c*tau scale as eps^2, eps^-2)")
        for c in COLUMNS:
            rich_table.add_column(c, justify="right", no_wrap=True, min_width=len(c))
        for row in zip(*(table[c] for c in COLUMNS), strict=True):
            rich_table.add_row(*(f"{float(v):.6g}" for v in row))
        console = Console()
        # the table keeps its natural width (about 100 characters), never squeezed
        Console(width=max(console.width, 160)).print(rich_table)
    if args.plot:
        try:
            _plot(masses, args.plot)
        except OSError as exc:
            raise DarkdumpInputError(
                f"--plot {args.plot!r}: cannot write the file ({exc.strerror})"
            ) from None
    return 0

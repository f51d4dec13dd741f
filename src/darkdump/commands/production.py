"""``darkdump production``: A' production rates per mechanism (per POT / eps^2).

Examples
--------
``darkdump production na62-2021 --mass 0.3 --format json``
``darkdump production na62-2021 --mass 0.05 --plot spectra_50MeV.png --events 120000 --seed 7``
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from darkdump.commands._common import (
    MAX_EVENTS,
    add_seed_argument,
    float_in,
    int_in,
    png_path,
    positive_gev,
)

__all__ = ["register", "run"]

_P_CUT_GEV = 10.0  # JHEP sec. 1 and sec. 4: p > 10 GeV/c


def register(subparsers: Any) -> None:
    """Add the ``production`` sub-command."""
    parser = subparsers.add_parser(
        "production",
        help="A' production probability per POT / eps^2 for every mechanism at one mass",
        description=(
            "Print, for one dark-photon mass, the production probability per proton on "
            "target divided by eps^2 for proton bremsstrahlung (generalised FWW) and for "
            "pi0, eta, eta', rho, omega, phi decays (PYTHIA spectra), in total and for "
            "A' momenta above 10 GeV/c. Bremsstrahlung rates are integrals; the meson "
            "rates above 10 GeV/c are Monte Carlo estimates from --events decays."
        ),
    )
    parser.add_argument(
        "experiment", help="experiment name (e.g. na62-2021) or path of a TOML description"
    )
    parser.add_argument(
        "--mass", type=positive_gev, required=True, help="A' mass in GeV (e.g. 0.3)"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument(
        "--plot",
        type=png_path,
        metavar="FILE.png",
        default=None,
        help="also draw the weighted A' momentum spectra (GeV/c) per mechanism to this file",
    )
    parser.add_argument(
        "--events",
        type=int_in(1, MAX_EVENTS),
        default=120_000,
        help="events sampled per mechanism for the meson p > 10 GeV/c rates and the plot "
        "(dimensionless count; default: 120000, as JHEP sec. 3)",
    )
    add_seed_argument(parser)
    parser.add_argument(
        "--brems-z-range",
        nargs=2,
        type=float_in(0.0, 1.0, low_open=True, high_open=True),
        metavar=("ZMIN", "ZMAX"),
        default=None,
        help="validity range of the bremsstrahlung FWW approximation in z = E_A'/E_p "
        "(dimensionless; default: the experiment's [modelling.brems] z_min z_max)",
    )
    parser.add_argument(
        "--brems-pt-max",
        type=float_in(0.01, 100.0),
        default=None,
        metavar="GEV",
        help="largest A' transverse momentum for bremsstrahlung in GeV/c, 0.01-100 "
        "(default: the experiment's [modelling.brems] pt_max_GeV)",
    )
    parser.set_defaults(func=run)


def compute(
    experiment: str,
    mass_gev: float,
    events: int,
    seed: int,
    brems_cuts: tuple[float | None, float | None, float | None] = (None, None, None),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Rates per mechanism and the generated samples (for plotting).

    Parameters
    ----------
    experiment
        Experiment name or TOML path.
    mass_gev
        A' mass [GeV].
    events
        Events per mechanism.
    seed
        Seed of the :class:`numpy.random.Generator` (one child stream per mechanism).
    brems_cuts
        (z_min, z_max, p_T max [GeV]) of the bremsstrahlung approximation; ``None``
        entries take the experiment's ``[modelling.brems]`` values.

    Returns
    -------
    result
        The JSON-able result (GeV units in key names).
    samples
        ``{mechanism: ProductionSample}``.
    """
    from dataclasses import replace

    import numpy as np
    from hepunits import GeV

    from darkdump.experiments import load
    from darkdump.production import MECHANISMS, generate, per_pot_over_eps2
    from darkdump.production import brems_cuts as experiment_cuts

    exp = load(experiment)
    cuts = experiment_cuts(exp)
    z_min, z_max, pt_max = brems_cuts
    cuts = replace(
        cuts,
        z_min=cuts.z_min if z_min is None else z_min,
        z_max=cuts.z_max if z_max is None else z_max,
        pt_max=cuts.pt_max if pt_max is None else pt_max * GeV,
    )
    mass = mass_gev * GeV
    streams = np.random.SeedSequence(seed).spawn(len(MECHANISMS))
    total: dict[str, float] = {}
    above: dict[str, float] = {}
    samples: dict[str, Any] = {}
    for mechanism, stream in zip(MECHANISMS, streams, strict=True):
        total[mechanism] = per_pot_over_eps2(mechanism, mass, exp, cuts=cuts)
        sample = generate(mechanism, mass, events, np.random.default_rng(stream), exp, cuts=cuts)
        samples[mechanism] = sample
        if mechanism == "brems":
            above[mechanism] = per_pot_over_eps2(
                mechanism, mass, exp, p_min=_P_CUT_GEV * GeV, cuts=cuts
            )
        else:
            above[mechanism] = float(np.sum(sample.weight[sample.p > _P_CUT_GEV * GeV]))
    result = {
        "mass_GeV": mass_gev,
        "per_pot_over_eps2": total,
        "per_pot_over_eps2_p_gt_10GeV": above,
        "experiment": exp.name,
        "seed": seed,
        "events": events,
        "brems_cuts": {
            "z_min": cuts.z_min,
            "z_max": cuts.z_max,
            "pt_max_GeV": cuts.pt_max / GeV,
            "form_factor": cuts.form_factor,
        },
    }
    return result, samples


def _plot(samples: dict[str, Any], mass_gev: float, path: str) -> None:
    from hepunits import GeV

    from darkdump.plotting import write_figure
    from darkdump.production.plots import plot_momentum_spectra

    write_figure(plot_momentum_spectra, path, samples, mass_gev * GeV, figsize=(9.0, 7.0))


def run(args: argparse.Namespace) -> int:
    """Compute and print the rates; optionally draw the momentum spectra."""
    z_range = args.brems_z_range or (None, None)
    cuts = (z_range[0], z_range[1], args.brems_pt_max)
    if args.plot is not None:
        from darkdump.results.io import check_output_file

        check_output_file(args.plot, option="--plot")
    result, samples = compute(args.experiment, args.mass, args.events, args.seed, cuts)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print(
            f"A' production at M = {args.mass:g} GeV ({result['experiment']}), "
            "probability per POT / eps^2"
        )
        print(f"{'mechanism':<10} {'all p':>12} {'p > 10 GeV/c':>14}")
        for mechanism, value in result["per_pot_over_eps2"].items():
            above = result["per_pot_over_eps2_p_gt_10GeV"][mechanism]
            print(f"{mechanism:<10} {value:>12.4e} {above:>14.4e}")
        print(
            f"{'total':<10} {sum(result['per_pot_over_eps2'].values()):>12.4e} "
            f"{sum(result['per_pot_over_eps2_p_gt_10GeV'].values()):>14.4e}"
        )
    if args.plot is not None:
        _plot(samples, args.mass, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0

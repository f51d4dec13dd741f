"""Test whether the JHEP fig. 4 meson curve can come from a measured forward pion spectrum.

Two measurements (issue 10: "if physics says it cannot be the meson region of fig. 4,
show why"):

1. **Anatomy of the published meson upper edge.** At a few masses, darkdump's geometric
   meson-decay yield (JHEP sec. 3 selection: decay in 105-180 m, both daughters in the
   LKr; default configuration) is evaluated AT the published meson upper edge and split
   by the A' momentum. Where NA62 has 2.3 events, the table says how many we have and
   from which momenta, i.e. by how much the mesons behind them would have to be fewer.
2. **The generator's forward pions against data.** PYTHIA with darkdump's generator
   settings (p-p, SoftQCD:inelastic, 158 GeV/c) against the NA49 p + p -> pi+ X
   density dn/dx_F (Eur. Phys. J. C 45 (2006) 343, table 6; shipped in
   ``tests/production/data``), with a figure. PYTHIA's x_F spectra scale from 158 to
   400 GeV within 2-15 % above x_F = 0.2, so the comparison speaks for NA62's energy.

Nothing here is an input to the chain, and nothing is fitted.

    python validation/meson_forward_tail.py [--events N] [--pythia-events N] [--png FILE]

About 2 minutes on two cores (mostly PYTHIA, 1e6 events).
"""

from __future__ import annotations

import argparse
import csv
import itertools
from pathlib import Path

import numpy as np
from hepunits import GeV, MeV, m

from darkdump import decay
from darkdump.analyses.na62_2021 import REFERENCES
from darkdump.experiments import load
from darkdump.models import dark_photon
from darkdump.production import pythia_gen
from darkdump.results.compare import load_reference
from darkdump.yields.geometric import lkr_masks
from darkdump.yields.sampling import mass_rng, production_sample

ROOT = Path(__file__).resolve().parents[1]
NA49 = ROOT / "tests" / "production" / "data" / "na49_pp158_piplus_dndxf.csv"
#: A' momentum bins of the anatomy table [GeV].
P_EDGES_GEV = (0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 400.0)


def edge_anatomy(mass_mev: float, epsilon: float, n_events: int) -> tuple[float, np.ndarray]:
    """Geometric meson-decay N_exp (both decay modes) at (mass, eps), and its split by A' p."""
    experiment = load("na62-2021")
    mass = mass_mev * MeV
    dv = experiment.decay_volume
    s = epsilon * epsilon
    ctau1 = float(np.asarray(dark_photon.ctau(mass, 1.0)))
    by_p = np.zeros(len(P_EDGES_GEV) - 1)
    prod = production_sample("meson", mass, n_events, mass_rng(11, mass, 1), experiment)
    p = np.linalg.norm(prod.momentum, axis=1)
    for i_ch, (lepton, channel) in enumerate((("e", "ee"), ("mu", "mumu"))):
        if mass <= 2.0 * decay.lepton_mass(lepton):
            continue
        dec = decay.decay_in_volume(
            prod, lepton, dv.z_min_m * m, dv.z_max_m * m, mass_rng(11, mass, 1, 100 + i_ch)
        )
        active, _ = lkr_masks(dec.decay_point, dec.daughter_momenta, experiment)
        z = dec.decay_point[:, 2]
        geo = active & (z > dv.fiducial_z_min_m * m) & (z < dv.fiducial_z_max_m * m)
        k = mass / (p * ctau1)
        # expected events per simulated A': N_POT eps^2 W_i x decay density x path x BR
        w = prod.weight * dec.path_length * k * s * np.exp(-s * k * dec.decay_distance)
        n_i = (
            float(experiment.beam.n_pot)
            * s
            * w
            * float(np.asarray(dark_photon.branching_ratio(channel, mass)))
        )
        by_p += np.histogram(p[geo] / GeV, bins=P_EDGES_GEV, weights=n_i[geo])[0]
    return float(by_p.sum()), by_p


def na49() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NA49 pi+ dn/dx_F at 158 GeV/c: x_F, value, error."""
    with NA49.open() as handle:
        rows = list(csv.reader(line for line in handle if not line.startswith("#")))
    values = np.array([[float(v) for v in r] for r in rows[1:]])
    return values[:, 0], values[:, 1], values[:, 2]


def pythia_densities(n_events: int, x_points: np.ndarray, half: float = 0.025) -> dict:
    """PYTHIA pi+, pi- and pi0 dn/dx_F per inelastic p-p event at 158 and 400 GeV/c."""
    out = {}
    for energy in (158.0, 400.0):
        settings = pythia_gen.GenerationSettings(
            kind="mesons", n_events=n_events, seed=2006, beam_energy_GeV=energy, proton_fraction=1.0
        )
        species = {"pi+": (211,), "pi-": (-211,), "pi0": (111,)}
        run = pythia_gen.generate(settings, species=species)
        for name in species:
            mass = 0.1349768 if name == "pi0" else 0.13957039
            out[(energy, name)] = pythia_gen.feynman_x_density(run, name, x_points, half, mass)
    return out


def draw(png: Path, x: np.ndarray, data: np.ndarray, err: np.ndarray, dens: dict) -> None:
    """PYTHIA against NA49, with the ratio."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    plt.style.use(mplhep.style.ROOT)
    fig, (ax, rx) = plt.subplots(
        2, 1, figsize=(8, 8), sharex=True, gridspec_kw={"height_ratios": (3, 1.3)}
    )
    ax.errorbar(x, data, yerr=err, fmt="ko", label=r"NA49 $pp\to\pi^+X$, 158 GeV/$c$")
    styles = {
        (158.0, "pi+"): ("C0", "-", r"PYTHIA $\pi^+$, 158 GeV/$c$"),
        (158.0, "pi-"): ("C1", "--", r"PYTHIA $\pi^-$, 158 GeV/$c$"),
        (158.0, "pi0"): ("C2", "-.", r"PYTHIA $\pi^0$, 158 GeV/$c$"),
        (400.0, "pi0"): ("C3", ":", r"PYTHIA $\pi^0$, 400 GeV/$c$ (NA62)"),
    }
    for key, (color, ls, label) in styles.items():
        ax.plot(x, dens[key][0], color=color, ls=ls, label=label)
    ax.set_yscale("log")
    ax.set_ylabel(r"$dn/dx_F$ per inelastic p-p collision", fontsize=18)
    ax.set_xlim(-0.02, 0.9)
    ax.legend(fontsize=13)
    ratio = dens[(158.0, "pi+")][0] / data
    rx.errorbar(x, ratio, yerr=dens[(158.0, "pi+")][1] / data, fmt="C0o")
    rx.axhline(1.0, color="k", lw=1)
    rx.set_ylim(0.5, 2.0)
    rx.set_xlabel(r"Feynman $x_F$ (centre-of-mass frame)")
    rx.set_ylabel(r"PYTHIA $\pi^+$ / NA49", fontsize=16)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main() -> None:
    """Print the anatomy table and the PYTHIA / NA49 ratios; draw the figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=300_000, help="A' per mass")
    parser.add_argument("--pythia-events", type=int, default=1_000_000, help="p-p events")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "figures" / "forward_pions.png")
    args = parser.parse_args()

    meson = load_reference(REFERENCES["fig4_meson"])
    print("Geometric meson-decay yield (both modes) AT the published meson upper edge:")
    header = " | ".join(f"{a:.0f}-{b:.0f}" for a, b in itertools.pairwise(P_EDGES_GEV))
    print(f"| M [MeV] | eps (published upper) | N_exp ours | by A' momentum [GeV]: {header} |")
    for mass_gev in (0.020, 0.050, 0.100, 0.200, 0.300):
        eps_up = meson[min(meson, key=lambda k: abs(k - mass_gev))][1]
        total, by_p = edge_anatomy(mass_gev * 1000.0, eps_up, args.events)
        cells = " | ".join(f"{v:.3g}" for v in by_p)
        print(f"| {mass_gev * 1000:.0f} | {eps_up:.3g} | {total:.3g} | {cells} |")

    x, data, err = na49()
    dens = pythia_densities(args.pythia_events, x)
    print("\nPYTHIA (darkdump settings) / NA49, pi+ dn/dx_F in p-p at 158 GeV/c:")
    for xi, di, (pi, ei) in zip(x, data, zip(*dens[(158.0, "pi+")], strict=True), strict=True):
        if xi >= 0.1:
            print(f"  x_F {xi:.2f}: {pi / di:.3f} +- {ei / di:.3f}")
    print("PYTHIA pi0 at 400 / at 158 GeV/c (Feynman scaling):")
    for xi, a, b in zip(x, dens[(400.0, "pi0")][0], dens[(158.0, "pi0")][0], strict=True):
        if xi >= 0.2:
            print(f"  x_F {xi:.2f}: {a / b:.3f}")
    draw(args.png, x, data, err, dens)
    print(f"figure: {args.png}")


if __name__ == "__main__":
    main()

"""What each modelled selection loss costs the NA62 mu+mu- signal (issue 10, fig. 14).

JHEP sec. 2.2 and 4 name four requirements whose cost the fast simulation now models:
the LAV veto fired by the signal's own tracks (LAV1-11), the MUV3 association with its
momentum-dependent search radius, the MUV1 and MUV2 acceptance and the H2 condition of
two different CHOD tiles. For a few (mass, mode, epsilon) points near the fig. 14 lower
edge, the same decays go through the detector and the selection with the default
experiment file and with one requirement switched off, and the ratio of the selected
signal (default / off) is printed, with the selected fraction of the geometrically
accepted signal (JHEP sec. 3: decay in 105-180 m, both daughters in the LKr).

For e+e-, the same for the electrons' bremsstrahlung in STRAW1-2, with the fraction of
the fiducial signal that the signal region loses: the PRL (after eq. 1) quotes 1.7 %.

    python validation/selection_losses.py [--events N]

About 60 s on one core. Nothing here is an input to the chain.
"""

from __future__ import annotations

import argparse

import numpy as np
from hepunits import MeV, m

from darkdump import decay, detector
from darkdump.experiments import Experiment, load
from darkdump.experiments.schema import Variation
from darkdump.models import dark_photon
from darkdump.selection import select
from darkdump.yields.geometric import lkr_masks
from darkdump.yields.sampling import mass_rng, production_sample

POINTS = (("brems", 300.0, 4e-7), ("meson", 300.0, 4e-7), ("brems", 450.0, 3e-7))
POINTS_EE = (
    ("meson", 20.0, 2e-6),
    ("brems", 50.0, 1e-6),
    ("meson", 50.0, 1e-6),
    ("brems", 100.0, 5e-7),
    ("brems", 300.0, 2e-7),
)


def _off(base: Experiment) -> dict[str, Experiment]:
    """Return the default with each requirement switched off (and all four), by name."""

    def with_detector(**tables: dict[str, object]) -> Experiment:
        return base.with_variation(Variation(name="off", detector=tables))  # type: ignore[arg-type]

    spectrometer = base.detector.spectrometer
    assert spectrometer is not None
    no_muv12 = base.detector.model_copy(
        update={"spectrometer": spectrometer.model_copy(update={"muon_acceptance": []})}
    )
    none = base.model_copy(
        update={
            "detector": no_muv12.model_copy(
                update={
                    "spectrometer": no_muv12.spectrometer.model_copy(  # type: ignore[union-attr]
                        update={"vetoes_in_acceptance": False}
                    ),
                    "isolation": base.detector.isolation.model_copy(  # type: ignore[union-attr]
                        update={
                            "muon_detector_search_radius_mm_GeV": 0.0,
                            "muon_detector_scattering_mm_GeV": 0.0,
                        }
                    ),
                    "trigger": base.detector.trigger.model_copy(  # type: ignore[union-attr]
                        update={"hodoscope_tile_x_mm": 0.0, "hodoscope_tile_y_mm": 0.0}
                    ),
                }
            )
        }
    )
    return {
        "all four": none,
        "LAV1-11 veto": with_detector(spectrometer={"vetoes_in_acceptance": False}),
        "MUV3 search radius and scattering": with_detector(
            isolation={
                "muon_detector_search_radius_mm_GeV": 0.0,
                "muon_detector_scattering_mm_GeV": 0.0,
            }
        ),
        "MUV1, MUV2 acceptance": base.model_copy(update={"detector": no_muv12}),
        "different CHOD tiles": with_detector(
            trigger={"hodoscope_tile_x_mm": 0.0, "hodoscope_tile_y_mm": 0.0}
        ),
    }


def _selected(
    experiment: Experiment, mode: str, mass_mev: float, eps: float, n: int, lepton: str = "mu"
) -> tuple[float, float, float]:
    """Return the selected, geometric and fiducial signal weights at (mass, eps), seed fixed."""
    mass = mass_mev * MeV
    prod = production_sample(mode, mass, n, mass_rng(7, mass, 0), experiment)
    dv = experiment.decay_volume
    dec = decay.decay_in_volume(
        prod, lepton, dv.z_min_m * m, dv.z_max_m * m, mass_rng(7, mass, 0, 101)
    )
    tracks = detector.simulate(dec, experiment, mass_rng(7, mass, 0, 102))
    sel = select(tracks, "mumu" if lepton == "mu" else "ee", experiment)
    p = np.linalg.norm(prod.momentum, axis=1)
    k = mass / (p * float(dark_photon.ctau(mass, 1.0))) * eps * eps
    w = prod.weight * dec.path_length * k * np.exp(-k * dec.decay_distance)
    active, _ = lkr_masks(dec.decay_point, dec.daughter_momenta, experiment)
    z = dec.decay_point[:, 2]
    geometric = active & (z > 105 * m) & (z < 180 * m)
    return float(w[sel.mask].sum()), float(w[geometric].sum()), float(w[sel.cuts["fiducial"]].sum())


def main() -> None:
    """Print the ratios default / off for every requirement at every point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=150_000, help="decays per point")
    args = parser.parse_args()
    base = load("na62-2021")
    alternatives = _off(base)
    print("mu+mu-: selected signal, default / requirement off")
    for mode, mass_mev, eps in POINTS:
        selected, geometric, _ = _selected(base, mode, mass_mev, eps, args.events)
        ratios = []
        for name, experiment in alternatives.items():
            off, _, _ = _selected(experiment, mode, mass_mev, eps, args.events)
            ratios.append(f"{name} x{selected / off:.3f}")
        print(
            f"{mode} {mass_mev:.0f} MeV, eps {eps:.1e}: selected / geometric "
            f"{selected / geometric:.3f} | " + "; ".join(ratios)
        )
    print("e+e-: electron bremsstrahlung in STRAW1-2; signal-region loss (PRL: 1.7 %)")
    x0 = base.detector.resolutions.tracker_material_x0  # type: ignore[union-attr]
    materials = {
        f"{x:g} X0": base.with_variation(
            Variation(name="x0", detector={"resolutions": {"tracker_material_x0": x}})
        )
        for x in (0.0, x0, 2 * x0)
    }
    for mode, mass_mev, eps in POINTS_EE:
        results = {
            name: _selected(experiment, mode, mass_mev, eps, args.events, "e")
            for name, experiment in materials.items()
        }
        none = results["0 X0"][0]
        print(
            f"{mode} {mass_mev:.0f} MeV, eps {eps:.1e}: "
            + "; ".join(
                f"{name}: selected x{sel / none:.3f}, SR loss {1 - sel / fid:.3f}"
                for name, (sel, _, fid) in results.items()
            )
        )


if __name__ == "__main__":
    main()

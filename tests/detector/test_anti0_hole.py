"""What the JHEP sec. 4 ANTI0 requirement costs, as a function of ANTI0's unpublished beam hole.

docs/na62_fidelity.md and the experiment file state the fraction of the selected mu+mu-
signal kept when both tracks' upstream extrapolations must be inside ANTI0: 0.88 with the
80 mm placeholder hole, 0.54-0.61 with 150 mm (the candidate cause of the selection
factor between JHEP figs. 4 and 14). This pins those statements at one point.
"""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import MeV, m

from darkdump import decay, detector
from darkdump.experiments import load
from darkdump.experiments.schema import Experiment, Variation
from darkdump.models import dark_photon
from darkdump.selection import select
from darkdump.yields.sampling import mass_rng, production_sample


def _with_hole(exp: Experiment, r_min_m: float) -> Experiment:
    elements = [
        e.model_copy(update={"aperture": e.aperture.model_copy(update={"r_min_m": r_min_m})})
        if e.name == "ANTI0"
        else e
        for e in exp.detector.elements
    ]
    return exp.model_copy(
        update={"detector": exp.detector.model_copy(update={"elements": elements})}
    )


def test_anti0_hole_decides_the_mumu_selection() -> None:
    # 300 MeV bremsstrahlung at the lower edge (eps = 4e-7), 60000 decays: ~10000 selected,
    # so each kept fraction has a statistical error below 1 %; bands of +-0.05.
    base = load("na62-2021")
    on = base.with_variation(
        Variation(name="on", selection={"mumu": {"upstream_veto_acceptance": True}})
    )
    mass, eps = 300.0 * MeV, 4e-7
    prod = production_sample("brems", mass, 60_000, mass_rng(7, mass, 0), base)
    dv = base.decay_volume
    dec = decay.decay_in_volume(prod, "mu", dv.z_min_m * m, dv.z_max_m * m, mass_rng(7, mass, 1))
    p = np.linalg.norm(prod.momentum, axis=1)
    k = mass / (p * float(np.asarray(dark_photon.ctau(mass, 1.0)))) * eps**2
    w = prod.weight * dec.path_length * k * np.exp(-k * dec.decay_distance)

    def selected(exp: Experiment) -> np.ndarray:
        return select(detector.simulate(dec, exp, mass_rng(7, mass, 2)), "mumu", exp).mask

    ref = w[selected(base)].sum()
    kept = {r: w[selected(_with_hole(on, r))].sum() / ref for r in (0.08, 0.15)}
    assert kept[0.08] == pytest.approx(0.88, abs=0.05)
    assert kept[0.15] == pytest.approx(0.58, abs=0.05)

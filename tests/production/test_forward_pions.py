"""The generator's forward pion spectrum against measured pp data (NA49, 158 GeV/c).

The upper edges of the meson-decay regions are set by the hardest mesons: at 50 MeV the
A' at NA62's published meson upper edge come from pi0 above 100 GeV (x_F > 0.25 at
400 GeV), see ``validation/meson_forward_tail.py``. This checks that PYTHIA, run with
darkdump's generator settings (:class:`darkdump.production.pythia_gen.GenerationSettings`),
gives the measured density of forward pi+ there. PYTHIA's own spectra scale in x_F
between sqrt(s) = 17.3 and 27.4 GeV to within 11 % (pi0) and 17 % (pi+) above x_F = 0.2
(measured with 1e6 events each), so the check at NA49's energy speaks for NA62's 400 GeV.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pythia8mc")

from darkdump.production import pythia_gen

DATA = Path(__file__).parent / "data" / "na49_pp158_piplus_dndxf.csv"


def na49_piplus() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NA49 p + p -> pi+ X at 158 GeV/c: x_F, dn/dx_F per inelastic event, its error."""
    with DATA.open() as handle:
        rows = list(csv.reader(line for line in handle if not line.startswith("#")))
    values = np.array([[float(v) for v in r] for r in rows[1:]])
    return values[:, 0], values[:, 1], values[:, 2]


def pythia_density(x_points: np.ndarray, n_events: int, half_width: float = 0.025) -> tuple:
    """PYTHIA pi+ dn/dx_F per inelastic p-p event at 158 GeV/c in windows around x_points."""
    settings = pythia_gen.GenerationSettings(
        kind="mesons", n_events=n_events, seed=2006, beam_energy_GeV=158.0, proton_fraction=1.0
    )
    run = pythia_gen.generate(settings, species={"pi+": (211,)})
    return pythia_gen.feynman_x_density(run, "pi+", x_points, half_width)


@pytest.mark.slow
def test_forward_pi_plus_against_na49() -> None:
    # 3e5 p-p events (about 20 s); x_F = 0.2-0.75, where the windows hold >= 140 pi+
    # (statistical error <= 9 %; the x_F = 0.85 point, ~30 pi+, is left to the validation
    # script). Measured with 1e6 events, PYTHIA / NA49 is 0.86-0.99 at x_F = 0.2-0.55
    # (the Monash tune, fitted at LHC energies, is a little soft here), 1.05 at 0.65 and
    # 1.5 at 0.75. The bands pin that: the region that sets the pi0 meson upper edges
    # (0.25-0.65) within 25 %, 0.75 within a factor 1.8. A frame, boost or normalisation
    # error (the lab momentum taken as the centre-of-mass one moves x_F by a factor ~15; a
    # per-collision count off by the nucleus multiplicity, by ~3) fails by far.
    x, data, _err = na49_piplus()
    forward = (x >= 0.2) & (x <= 0.75)
    dens, _dens_err = pythia_density(x[forward], 300_000)
    ratio = dens / data[forward]
    core = (x[forward] >= 0.25) & (x[forward] <= 0.65)
    assert np.all((ratio[core] > 0.75) & (ratio[core] < 1.25)), dict(
        zip(x[forward], ratio, strict=True)
    )
    assert np.all((ratio > 1 / 1.8) & (ratio < 1.8)), dict(zip(x[forward], ratio, strict=True))
    # the tail falls as steeply as measured: dn/dx_F drops by ~160 between 0.2 and 0.75
    drop_data = data[forward][0] / data[forward][-1]
    drop_pythia = dens[0] / dens[-1]
    assert drop_pythia == pytest.approx(drop_data, rel=0.5)


def test_na49_table_is_read() -> None:
    x, data, err = na49_piplus()
    assert x.size == 17
    assert (x[0], x[-1]) == (0.0, 0.85)
    assert np.all(np.diff(data) < 0)
    assert np.all(err > 0)

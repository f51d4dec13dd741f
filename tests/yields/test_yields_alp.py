from __future__ import annotations

from pathlib import Path

import numpy as np
from hepunits import MeV, c_light, m, ns

from darkdump.experiments import load
from darkdump.yields import AlpConfig, compute_alp_grid, write_alp_grid

EXP = load("na62-2021")


def test_alp_decay_probability_matches_analytic_and_yield_peaks() -> None:
    # The ALP lifetime is the free parameter (JHEP sec. 1, eq. 1.3): the flat-sampling
    # re-weighting must reproduce the analytic decay probability in 102-180 m
    # (decay.decay_probability), and the yield per BR product must peak at an
    # intermediate lifetime (too short: decays in the dump; too long: decays beyond).
    from darkdump import production
    from darkdump.decay import decay_probability
    from darkdump.yields.grid import _rng

    taus = np.logspace(-3, 2, 11) * ns
    cfg = AlpConfig(masses=(400 * MeV,), taus=tuple(taus), n_events=20_000, seed=3)
    grid = compute_alp_grid(EXP, cfg)
    prod = production.generate("B", 400 * MeV, 20_000, _rng(3, 400 * MeV, 7), EXP)
    analytic = decay_probability(prod, c_light * taus, 102 * m, 180 * m)
    big = analytic > 1e-3
    assert big.sum() >= 3
    for ch in ("ee", "mumu"):
        q = grid.values[ch]
        # Flat-sampling MC estimate with 2e4 events: a few % where P_D > 1e-3.
        np.testing.assert_allclose(q["decay_probability"][0][big], analytic[big], rtol=0.05)
        n = q["n_exp"][0]
        peak = int(np.argmax(n))
        assert 0 < peak < taus.size - 1
        assert n[peak] > 0
    assert grid.production_rate[0] > 0


def test_alp_file(tmp_path: Path) -> None:
    import h5py

    cfg = AlpConfig(masses=(300 * MeV,), taus=(0.1 * ns, 1 * ns), n_events=2000, seed=1)
    grid = compute_alp_grid(EXP, cfg)
    path = write_alp_grid(tmp_path / "alp.h5", grid)
    with h5py.File(path) as f:
        assert f["mumu/B/n_exp"].shape == (1, 2)
        np.testing.assert_allclose(f["tau_ns"][()], [0.1, 1.0])


def test_alp_mc_error_from_effective_events_matches_the_seed_spread() -> None:
    # The ALP limit files give br_limit / sqrt(n_eff) as the Monte-Carlo error (the
    # importance-sampled ALPs carry unequal weights). Checked against the spread of
    # N_exp between 16 seeds at 0.1-100 ns (100 MeV e+e-, 300 MeV e+e- and mu+mu-),
    # pooled over the 12 cells: a standard deviation from 16 samples is known to
    # about 18 % per cell, ~6 % pooled, so [0.8, 1.25] is a 3-4 sigma window.
    # Measured: 0.91. (At 30 ps and 600 MeV, with n_eff ~ 3 per 20 000 ALPs, the
    # estimate is about 2x low: rare heavy weights; the README says so.)
    from darkdump.yields.alp import simulate_alp_mass

    taus = tuple((np.array([0.1, 1.0, 10.0, 100.0]) * ns).tolist())
    spread2, predicted2 = [], []
    for mass, ch in ((100 * MeV, "ee"), (300 * MeV, "ee"), (300 * MeV, "mumu")):
        n_exp, rel = [], []
        for seed in range(16):
            cfg = AlpConfig(masses=(mass,), taus=taus, channels=(ch,), n_events=20_000, seed=seed)
            values, _rate = simulate_alp_mass(mass, EXP, cfg)
            n_exp.append(values[ch]["n_exp"])
            rel.append(1.0 / np.sqrt(values[ch]["n_eff_selected"]))
        n = np.array(n_exp)
        spread2 += list((n.std(axis=0, ddof=1) / n.mean(axis=0)) ** 2)
        predicted2 += list(np.mean(np.array(rel) ** 2, axis=0))
    ratio = float(np.sqrt(np.mean(spread2) / np.mean(predicted2)))
    assert 0.8 < ratio < 1.25, ratio

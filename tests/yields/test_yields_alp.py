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

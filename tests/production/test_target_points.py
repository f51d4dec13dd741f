"""Primary interaction points in the TAX against their analytic distributions.

Inputs: JHEP 09 (2023) 035 sec. 2 / eq. 2.1 (impact point (0, -22, 23070) mm, sigma_x = 4.7 mm,
sigma_y = 3.2 mm; 800 mm Cu + 2400 mm Fe) and PDG lambda_I (Cu 153.2 mm, Fe 167.7 mm).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from darkdump.experiments import load
from darkdump.production.target import (
    depth_in_interaction_lengths,
    interaction_probability,
    sample_production_points,
)

Z0, L_CU, L_FE = 23070.0, 800.0, 2400.0
LAM_CU, LAM_FE = 153.2, 167.7


@pytest.fixture(scope="module")
def points() -> np.ndarray:
    return sample_production_points(load("na62-2021"), 100_000, np.random.default_rng(2021))


def _cdf_z(z: np.ndarray) -> np.ndarray:
    """Analytic CDF of the interaction Z: exponential in Cu, then in Fe, truncated at the end."""
    depth = np.where(
        z < Z0 + L_CU,
        (z - Z0) / LAM_CU,
        L_CU / LAM_CU + (z - Z0 - L_CU) / LAM_FE,
    )
    total = L_CU / LAM_CU + L_FE / LAM_FE
    return (1 - np.exp(-np.clip(depth, 0, total))) / (1 - np.exp(-total))


def test_depth_is_the_papers_19p6_lambda() -> None:
    # 800/153.2 + 2400/167.7 = 5.2219 + 14.3113 = 19.533 (JHEP sec. 2 rounds to 19.6).
    na62 = load("na62-2021")
    assert depth_in_interaction_lengths(na62) == pytest.approx(19.533, abs=1e-3)
    # Survival exp(-19.53) = 3.3e-9: truncation at the end of the dump is negligible.
    assert 1 - interaction_probability(na62) == pytest.approx(np.exp(-19.533), rel=1e-3)


def test_z_follows_the_two_layer_exponential(points: np.ndarray) -> None:
    z = points[:, 2]
    assert np.all((z >= Z0) & (z <= Z0 + L_CU + L_FE))
    # Kolmogorov-Smirnov against the analytic CDF (fixed seed; p-value threshold 1e-3).
    assert stats.kstest(z, _cdf_z).pvalue > 1e-3
    # Fraction interacting in Cu: 1 - exp(-5.2219) = 0.99461; binomial 5 sigma.
    frac = np.mean(z < Z0 + L_CU)
    p = 1 - np.exp(-L_CU / LAM_CU)
    assert abs(frac - p) < 5 * np.sqrt(p * (1 - p) / z.size)


def test_z_ks_detects_a_wrong_interaction_length(points: np.ndarray) -> None:
    # The same KS test rejects a 10% longer lambda(Cu): the test above can fail.
    def wrong_cdf(z: np.ndarray) -> np.ndarray:
        return 1 - np.exp(-(z - Z0) / (1.1 * LAM_CU))

    assert stats.kstest(points[:, 2], wrong_cdf).pvalue < 1e-6


def test_transverse_spot(points: np.ndarray) -> None:
    n = points.shape[0]
    x, y = points[:, 0], points[:, 1]
    # Mean within 5 standard errors of (0, -22) mm; widths within 5 standard errors
    # (sigma / sqrt(2n)) of 4.7 and 3.2 mm.
    assert abs(x.mean() - 0.0) < 5 * 4.7 / np.sqrt(n)
    assert abs(y.mean() + 22.0) < 5 * 3.2 / np.sqrt(n)
    assert abs(x.std() - 4.7) < 5 * 4.7 / np.sqrt(2 * n)
    assert abs(y.std() - 3.2) < 5 * 3.2 / np.sqrt(2 * n)
    assert stats.kstest((x - 0.0) / 4.7, "norm").pvalue > 1e-3

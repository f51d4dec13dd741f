"""Contours: per-mass intervals in log(eps), polygons."""

from __future__ import annotations

import numpy as np
import pytest

from darkdump.errors import DarkdumpInputError
from darkdump.stats.contours import contour, exclusion_intervals


def test_interval_log_interpolation_exact_for_power_law() -> None:
    # CLs = exp(-s) with s = A eps^2 (long-lifetime regime): ln CLs is not linear in
    # ln eps, but with a fine grid the crossing converges to the analytic
    # eps where A eps^2 = 2.303 (tolerance: 0.1 % with 400 points/decade)
    eps = np.logspace(-7, -5, 801)
    a = 1e12
    col = np.exp(-a * eps**2)
    ((lo, hi),) = exclusion_intervals(eps, col)
    assert lo == pytest.approx(np.sqrt(np.log(10) / a), rel=1e-3)
    assert hi == eps[-1]  # closed at the grid edge


def test_disjoint_intervals() -> None:
    eps = np.logspace(-8, -3, 6)
    col = np.array([0.5, 0.01, 0.5, 0.01, 0.01, 0.5])
    iv = exclusion_intervals(eps, col)
    assert len(iv) == 2
    assert iv[0][0] < 1e-7 < iv[0][1] < 1e-6 < iv[1][0] < 1e-5
    assert 1e-4 < iv[1][1] < 1e-3


def test_polygons_enclose_excluded_points() -> None:
    mass = np.linspace(10.0, 100.0, 10)
    eps = np.logspace(-7, -4, 31)
    m, e = np.meshgrid(mass, eps, indexing="ij")
    grid = np.where((np.abs(np.log10(e) + 5.5) < 0.8) & (m > 30), 0.01, 0.5)
    c = contour(mass, eps, grid)
    assert len(c.polygons) == 1
    poly = c.polygons[0]
    # first excluded mass is 40 MeV; ln CLs interpolated linearly between 30 and 40 MeV
    frac = (np.log(0.1) - np.log(0.5)) / (np.log(0.01) - np.log(0.5))
    assert poly[:, 0].min() == pytest.approx(mass[2] + (mass[3] - mass[2]) * frac, rel=1e-9)
    lo, hi = c.lower_upper()
    assert np.isnan(lo[0])
    assert np.isnan(hi[0])
    assert lo[5] < 10**-5.5 < hi[5]


def test_bad_eps() -> None:
    with pytest.raises(DarkdumpInputError, match="eps"):
        exclusion_intervals(np.array([1e-5, 1e-6]), np.array([0.5, 0.5]))

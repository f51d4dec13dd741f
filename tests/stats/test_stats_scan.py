"""Grid scan: toys only near the boundary, contour matches the analytic answer."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from darkdump.analyses.na62_2021.statistics import POT_CONSTRAINT
from darkdump.errors import DarkdumpInputError
from darkdump.stats.model import ChannelSpec, LogNormal
from darkdump.stats.pdfs import FlatShape
from darkdump.stats.scan import GridChannel
from darkdump.stats.scan import scan as _scan

#: Scans with the NA62 POT constraint (PRL appendix B) unless a test gives its own.
scan = partial(_scan, pot=POT_CONSTRAINT)


def _grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mass = np.linspace(100.0, 500.0, 6)
    eps = np.logspace(-7, -4, 60)
    m, e = np.meshgrid(mass, eps, indexing="ij")
    lam = 50.0 * (1e-5 / e) ** 2 * (100.0 / m) ** 2
    with np.errstate(over="ignore"):
        n_exp = 3e12 * e**2 * (np.exp(-80.0 / lam) - np.exp(-150.0 / lam)) * (100.0 / m)
    return mass, eps, n_exp


def test_scan_no_systematics_matches_analytic_boundary() -> None:
    # 0 observed, no systematics: CLs = exp(-n_exp), so the boundary is n_exp = 2.303;
    # compare the interpolated interval with the one from the exact exp(-n_exp) grid
    # (toy noise at 2000 toys moves ln CLs by ~7 %, i.e. eps by a few %: 10 % tolerance)
    mass, eps, n_exp = _grid()
    ch = ChannelSpec("flat", LogNormal(1e-3, 1.0), FlatShape((0.0, 1000.0)))
    res = scan(
        [GridChannel(ch, n_exp, np.full(n_exp.shape, 5.0))],
        mass,
        eps,
        n_toys=2000,
        seed=3,
        pot=None,
    )
    from darkdump.stats.contours import contour

    exact = contour(mass, eps, np.exp(-n_exp))
    lo, hi = res.contours["observed"].lower_upper()
    lo_x, hi_x = exact.lower_upper()
    assert np.array_equal(np.isnan(lo), np.isnan(lo_x))
    ok = ~np.isnan(lo_x)
    assert ok.sum() >= 3
    np.testing.assert_allclose(lo[ok], lo_x[ok], rtol=0.1)
    np.testing.assert_allclose(hi[ok], hi_x[ok], rtol=0.1)
    # toys were spent near the boundary only
    assert res.from_toys.mean() < 0.3
    # expected = observed here (no background, 0 observed): the median curve agrees
    lo_e, _ = res.contours["expected"].lower_upper()
    np.testing.assert_allclose(lo_e[ok], lo_x[ok], rtol=0.1)


def test_scan_tolerates_undefined_sigma_where_no_signal_and_rejects_it_elsewhere() -> None:
    from darkdump.analyses.na62_2021.statistics import mumu_channel
    from darkdump.errors import DarkdumpInputError

    mass = np.array([100.0, 300.0])
    eps = np.logspace(-6, -5, 5)
    n_exp = np.zeros((2, 5))
    n_exp[1] = [0.5, 3.0, 10.0, 3.0, 0.5]
    sigma = np.where(n_exp > 0, 3.0, np.nan)  # mu+mu- below threshold: nothing selected
    res = scan(
        [GridChannel(mumu_channel([]), n_exp, sigma)], mass, eps, n_toys=500, refine_toys=None
    )
    assert res.contours["observed"].intervals[0] == []
    assert len(res.contours["observed"].intervals[1]) == 1
    sigma[1, 2] = np.nan
    with pytest.raises(DarkdumpInputError, match="sigma_m"):
        scan([GridChannel(mumu_channel([]), n_exp, sigma)], mass, eps, n_toys=500)


def test_from_modes_mixture_equals_single_gaussian_when_modes_agree() -> None:
    # two production modes with the same resolution = one Gaussian with the summed
    # yield: the same model, so CLs agree within toy statistics (400 toys: sigma(CLs)
    # ~ 0.015 near 0.1; the component draw changes the random stream, hence 0.05)
    from darkdump.analyses.na62_2021.statistics import ee_channel

    mass = np.array([50.0, 60.0])
    eps = np.logspace(-6, -4, 7)
    n_exp = np.array([[0.5, 2.0, 5.0, 9.0, 5.0, 2.0, 0.5], [0.3, 1.0, 3.0, 6.0, 3.0, 1.0, 0.3]])
    sig = np.full(n_exp.shape, 1.0)
    one = scan([GridChannel(ee_channel([]), n_exp, sig)], mass, eps, n_toys=400, refine_toys=None)
    two = scan(
        [
            GridChannel.from_modes(
                ee_channel([]),
                {"brems": 0.7 * n_exp, "meson": 0.3 * n_exp},
                {"brems": sig, "meson": sig},
            )
        ],
        mass,
        eps,
        n_toys=400,
        refine_toys=None,
    )
    assert np.isfinite(two.cls).all()
    np.testing.assert_allclose(two.cls[0][two.from_toys], one.cls[0][one.from_toys], atol=0.05)


def test_parallel_executor_gives_identical_result() -> None:
    # every point's toys are keyed by its indices: batching over workers changes nothing
    from concurrent.futures import ThreadPoolExecutor

    mass, eps, n_exp = _grid()
    ch = GridChannel(
        ChannelSpec("flat", LogNormal(1e-2, 1.5), FlatShape((0.0, 1000.0))),
        n_exp,
        np.full(n_exp.shape, 5.0),
    )
    serial = scan([ch], mass, eps, n_toys=300, refine_toys=600, seed=9)
    calls: list[tuple[int, int, int]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        parallel = scan(
            [ch],
            mass,
            eps,
            n_toys=300,
            refine_toys=600,
            seed=9,
            executor=pool,
            progress=lambda *a: calls.append(a),
        )
    np.testing.assert_array_equal(serial.cls, parallel.cls)
    assert len(calls) == parallel.rounds


def test_batches_split_rounds_without_changing_results() -> None:
    # `batches` only sets how many executor calls a round makes (one per worker is the
    # reproduction's choice); the result is identical to the serial one.
    from concurrent.futures import ThreadPoolExecutor

    mass, eps, n_exp = _grid()
    ch = GridChannel(
        ChannelSpec("flat", LogNormal(1e-2, 1.5), FlatShape((0.0, 1000.0))),
        n_exp,
        np.full(n_exp.shape, 5.0),
    )
    serial = scan([ch], mass, eps, n_toys=300, refine_toys=None, seed=4)

    class Counting(ThreadPoolExecutor):
        def __init__(self) -> None:
            super().__init__(max_workers=2)
            self.sizes: list[int] = []

        def map(self, fn, *iterables, **kwargs):  # type: ignore[no-untyped-def, override]
            args = [list(it) for it in iterables]
            self.sizes.append(len(args[0]))
            return super().map(fn, *args, **kwargs)

    with Counting() as pool:
        one = scan([ch], mass, eps, n_toys=300, refine_toys=None, seed=4, executor=pool, batches=1)
    assert set(pool.sizes) == {1}
    with Counting() as pool:
        three = scan(
            [ch], mass, eps, n_toys=300, refine_toys=None, seed=4, executor=pool, batches=3
        )
    assert max(pool.sizes) == 3
    np.testing.assert_array_equal(serial.cls, one.cls)
    np.testing.assert_array_equal(serial.cls, three.cls)
    for bad in (0, 2.5, True):
        with pytest.raises(DarkdumpInputError, match="batches"):
            scan([ch], mass, eps, n_toys=300, executor=pool, batches=bad)


def _bump_columns(peaks: tuple[float, ...], n_eps: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """n_exp columns, one per peak value: a smooth bump in log eps peaking at ``peak``."""
    eps = np.logspace(-7, -5, n_eps)
    x = np.log10(eps) + 6.0  # -1 .. 1
    shape = np.exp(-0.5 * (x / 0.35) ** 2)
    return eps, np.array([p * shape for p in peaks])


def test_prescreen_does_not_hide_exclusions_that_only_systematics_allow() -> None:
    # With the NA62 log-normal POT uncertainty the frequentist limit at 0 observed events
    # is 2.107 events (PRL appendix B nuisances; closed form in test_stats_counting), below
    # the 2.303 of the systematics-free pre-screen. A column peaking at 2.2 events must be
    # excluded at its peak, and the strong expected band (about 1.6 events) must exclude
    # the 1.8 and 2.0 columns: compared with toys evaluated at every point.
    from darkdump.analyses.na62_2021.statistics import mumu_channel
    from darkdump.stats.cls import cls as cls_points
    from darkdump.stats.model import Model

    peaks = (1.8, 2.0, 2.2)
    mass = np.array([300.0, 350.0, 400.0])
    eps, n_exp = _bump_columns(peaks)
    spec = mumu_channel([])
    sigma = np.full(n_exp.shape, 3.0)
    res = scan([GridChannel(spec, n_exp, sigma)], mass, eps, n_toys=4000, refine_toys=20000, seed=5)
    # Toys at every point of each column's peak region (where n_exp > 1.5).
    model = Model((spec,), pot=POT_CONSTRAINT)
    for i in range(mass.size):
        top = np.flatnonzero(n_exp[i] > 1.5)
        direct = cls_points(
            model,
            n_exp[i, top][:, None],
            np.full(top.size, mass[i]),
            sigma[i, top][:, None],
            n_toys=20000,
            seed=11,
            keys=np.column_stack([np.full(top.size, i), top]).astype(np.int64),
        )
        observed_excluded = bool(np.any(direct.cls < 0.1))
        strong_excluded = bool(np.any(direct.cls_expected[-1] < 0.1))  # q quantile 0.977
        lo_obs, _ = res.contours["observed"].lower_upper()
        assert observed_excluded == bool(np.isfinite(lo_obs[i])), (peaks[i], direct.cls.min())
        assert strong_excluded, peaks[i]
        # RooStats/pyhf labels: -2 sigma is the strongest expected exclusion.
        lo_strong, _ = res.contours["expected_m2sigma"].lower_upper()
        assert np.isfinite(lo_strong[i]), (peaks[i], direct.cls_expected[-1].min())
    assert observed_excluded  # the 2.2-event column is excluded by the observed curve


def test_masses_in_gev_are_rejected() -> None:
    from darkdump.analyses.na62_2021.statistics import mumu_channel
    from darkdump.errors import DarkdumpInputError

    eps, n_exp = _bump_columns((3.0, 3.0))
    spec = mumu_channel([])
    grid = GridChannel(spec, n_exp, np.full(n_exp.shape, 3.0))
    with pytest.raises(DarkdumpInputError, match=r"mass 0\.3: outside the mumu mass-pdf range"):
        scan([grid], np.array([0.3, 0.4]), eps, n_toys=100)
    # No signal below the dimuon threshold: such masses are allowed (zero rows).
    zero = GridChannel(spec, np.zeros_like(n_exp), np.full(n_exp.shape, 3.0))
    scan([zero], np.array([5.0, 100.0]), eps, n_toys=100)


def test_precision_stage_resolves_empty_brackets_and_spurious_holes() -> None:
    # Near-zero background with the POT constraint: the strong -2 sigma curve has
    # CL_sb ~ 0.002 at its edge, so 300 toys often see no signal-like toy (CLs = 0).
    # Such a bracket is unresolved, and two crossings one or two grid points apart are
    # mostly toy noise: the precision stage must give both more toys (up to max_toys).
    from darkdump.stats.scan import CURVES, SHORT_RUN

    mass, eps, n_exp = _grid()
    ch = ChannelSpec("flat", LogNormal(1e-3, 1.0), FlatShape((0.0, 1000.0)))
    max_toys = 4800
    res = scan(
        [GridChannel(ch, n_exp, np.full(n_exp.shape, 5.0))],
        mass,
        eps,
        n_toys=300,
        refine_toys=None,
        seed=5,
        precision=0.05,
        max_toys=max_toys,
    )
    assert res.outer_band_precision == 0.05
    below = res.cls < 0.1
    cross = below[..., 1:] != below[..., :-1]
    pair_toys = np.minimum(res.toys_used[:, :-1], res.toys_used[:, 1:])
    empty = cross & ((res.cls[..., :-1] <= 0) | (res.cls[..., 1:] <= 0))
    assert not np.any(empty & (pair_toys < max_toys)[None]), "a CLs = 0 bracket kept few toys"
    for gap in range(1, SHORT_RUN + 1):
        short = cross[..., :-gap] & cross[..., gap:]
        assert not np.any(short & (pair_toys[:, :-gap] < max_toys)[None])
    strong = CURVES.index("expected_m2sigma")
    assert res.toys_used.max() == max_toys
    assert all(len(iv) <= 1 for iv in res.contours[CURVES[strong]].intervals)


def test_edge_error_on_the_wide_slope_ignores_a_pair_flattened_by_noise() -> None:
    # ln CLs falls by 0.6 per grid step; toy noise made the two points around the
    # crossing of 0.1 nearly equal (0.105, 0.098). Their own difference gives a large
    # error (the pairwise interpolation is that uncertain); the slope over the neighbours
    # says what more toys would reach, which decides whether toys can pin the edge.
    from darkdump.stats.scan import _edge_log_errors

    eps = np.exp(np.arange(6) * 0.058)
    values = np.array([[0.55, 0.3, 0.105, 0.098, 0.03, 0.016]])
    err = np.full(values.shape, 0.1)
    pair, cross = _edge_log_errors(values, err, eps, 0.1)
    wide, _ = _edge_log_errors(values, err, eps, 0.1, wide_slope=True)
    j = int(np.flatnonzero(cross[0])[0])
    assert j == 2
    slope = abs(np.log(0.03) - np.log(0.3)) / 3.0  # over points 1..4
    # pairwise: 0.058 / |ln(0.098 / 0.105)| ~ 0.84 per unit error; wide: 0.058 / 0.77
    assert pair[0, j] > 5 * wide[0, j]
    t = np.log(0.1 / 0.105) / -slope  # where the steep curve through point 2 crosses
    expected = 0.058 / slope * 0.1 * np.hypot(1 - t, t)
    assert wide[0, j] == pytest.approx(expected, rel=1e-9)

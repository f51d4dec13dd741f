from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np

from darkdump.plotting import new_figure, write_figure
from darkdump.results.plots import plot_limits, plot_map


def _rows() -> list[tuple[float, str, float, float]]:
    rows = []
    for m in (0.1, 0.2, 0.3):
        rows.append((m, "observed", 1e-7, 1e-5))
        rows.append((m, "expected", 1.1e-7, 0.9e-5))
        for k, f in (("-2", 1.5), ("-1", 1.2), ("+1", 0.8), ("+2", 0.5)):
            rows.append((m, f"expected_{k}sigma", 1.1e-7 / f, 0.9e-5 * f))
    return rows


def test_plot_limits_on_the_callers_axes_with_band_legend() -> None:
    _fig, ax = new_figure()
    out = plot_limits(_rows(), ax=ax, title="t", overlays={"other": _rows()})
    assert out is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:4] == [
        r"expected $\pm 2\sigma$",
        r"expected $\pm 1\sigma$",
        "observed",
        "expected",
    ]
    assert ax.get_xlabel() == r"$M_{A'}$ [MeV]"
    assert ax.get_xlim()[1] == 750.0  # masses drawn in MeV
    # The coupling label stands upright (the ROOT style would rotate it into an omega).
    assert ax.yaxis.label.get_rotation() == 0.0


def test_plotting_leaves_the_callers_matplotlib_alone(tmp_path: Path) -> None:
    backend = mpl.get_backend()
    before = dict(mpl.rcParams)
    path = write_figure(plot_limits, tmp_path / "c.png", _rows(), title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert mpl.get_backend() == backend
    assert dict(mpl.rcParams) == before  # the style only inside the context manager


def test_plot_map_writes_png(tmp_path: Path) -> None:
    m = np.linspace(0.1, 0.7, 5)
    e = np.logspace(-8, -3, 7)
    values = np.outer(m, e) * 1e8
    path = write_figure(
        plot_map, tmp_path / "m.png", m, e, values, title="t", label="N", contour_level=2.3
    )
    assert path.stat().st_size > 1000


def test_band_fills_the_contour_tip_and_not_the_inside() -> None:
    # The -2 sigma contour reaches 500 MeV, the +2 sigma one only 400 MeV: the band is
    # the area inside exactly one of them, so it must cover the -2 sigma tip at 450 MeV
    # (the old per-mass fill stopped at 400 MeV) and leave the common inside empty.
    rows = [(m, "expected_-2sigma", 1e-7, 1e-5) for m in (0.3, 0.35, 0.4, 0.45, 0.5)]
    rows += [(m, "expected_+2sigma", 2e-7, 5e-6) for m in (0.3, 0.35, 0.4)]
    fig, ax = new_figure()
    plot_limits(rows, ax=ax, title="t", xlim_mev=(250.0, 600.0), ylim=(1e-8, 1e-4))
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())
    yellow = np.array([0xFF, 0xDD, 0x00])

    def filled(mass_mev: float, eps: float) -> bool:
        # The rendered pixel (what a reader sees), not a geometric test of the path.
        x, y = ax.transData.transform((mass_mev, eps))
        pixel = image[image.shape[0] - round(float(y)), round(float(x)), :3]
        return bool(np.all(np.abs(pixel.astype(int) - yellow) < 8))

    assert filled(450.0, 1e-6)  # the -2 sigma tip, beyond the +2 sigma contour
    assert filled(350.0, 1.5e-7)  # between the lower edges
    assert filled(350.0, 8e-6)  # between the upper edges
    assert not filled(350.0, 1e-6)  # inside both: not part of the band
    assert not filled(550.0, 1e-6)  # outside both


def test_contours_close_at_their_tip_but_not_at_the_grid_start() -> None:
    from darkdump.results.plots import contour_polygons

    m = np.array([5.0, 10.0, 15.0, 30.0, 35.0])
    lo = np.array([1e-6, 8e-7, 7e-7, 5e-7, np.nan])
    hi = np.array([1e-4, 5e-5, 3e-5, 1e-5, np.nan])
    runs = contour_polygons(m, lo, hi, grid=np.arange(5.0, 40.0, 5.0))
    # Two runs (20 and 25 MeV of the 5 MeV grid are missing), the NaN mass left out.
    assert len(runs) == 2
    xs, ys = runs[0]
    assert xs.tolist() == [5.0, 10.0, 15.0, 15.0, 10.0, 5.0]  # open at the grid start
    xs, ys = runs[1]
    assert xs.tolist() == [30.0, 30.0, 30.0]
    assert ys.tolist() == [5e-7, 1e-5, 5e-7]


def test_a_log_spaced_grid_gives_one_contour() -> None:
    # A contour on a non-uniform grid (darkdump yields --masses) is one outline, not
    # pieces split wherever a step is longer than the median one.
    from darkdump.results.plots import contour_polygons

    m = np.array([10.0, 20.0, 50.0, 100.0, 200.0, 500.0])
    lo, hi = np.full(6, 1e-7), np.full(6, 1e-5)
    assert len(contour_polygons(m, lo, hi, grid=m)) == 1
    assert (
        len(contour_polygons(np.geomspace(5.0, 700.0, 40), np.full(40, 1e-7), np.full(40, 1e-5)))
        == 1
    )

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

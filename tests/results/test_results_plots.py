from __future__ import annotations

from pathlib import Path

import numpy as np

from darkdump.results.plots import plot_limits, plot_map


def test_plot_limits_writes_png(tmp_path: Path) -> None:
    rows = []
    for m in (0.1, 0.2, 0.3):
        rows.append((m, "observed", 1e-7, 1e-5))
        rows.append((m, "expected", 1.1e-7, 0.9e-5))
        for k, f in (("-2", 0.5), ("-1", 0.8), ("+1", 1.2), ("+2", 1.5)):
            rows.append((m, f"expected_{k}sigma", 1.1e-7 * f, 0.9e-5 / f))
    path = plot_limits(rows, tmp_path / "c.png", title="t", overlays={"other": rows})
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_map_writes_png(tmp_path: Path) -> None:
    m = np.linspace(0.1, 0.7, 5)
    e = np.logspace(-8, -3, 7)
    values = np.outer(m, e) * 1e8
    path = plot_map(m, e, values, tmp_path / "m.png", title="t", label="N", contour_level=2.3)
    assert path.stat().st_size > 1000

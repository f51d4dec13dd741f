"""docs/tutorial.py runs and its numbers make sense."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the test's own choice: the tutorial itself never switches backends


def test_tutorial_runs(tmp_path: Path) -> None:
    path = Path(__file__).parents[1] / "docs" / "tutorial.py"
    spec = importlib.util.spec_from_file_location("tutorial", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(str(tmp_path / "t.png"), n_events=5000)
    assert (tmp_path / "t.png").stat().st_size > 10_000
    assert 0.1 < out["ctau_m_at_eps_1e-6"] < 0.2  # 0.142 m (Gamma/eps^2 = 1.39e-3 GeV)
    assert 0.4 < out["br_mumu"] < 0.5
    assert out["brems_per_pot_over_eps2"] > 0
    assert out["eta_per_pot_over_eps2"] > 0
    assert 2.0 < out["cls_limit_events"] < 2.3  # 2.107 with the POT uncertainty
    lo, hi = out["excluded_eps"]
    assert math.isfinite(lo)
    assert 1e-8 < lo < hi < 1e-4

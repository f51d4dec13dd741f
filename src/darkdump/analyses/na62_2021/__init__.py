"""NA62 2021 beam-dump analyses (JHEP 09 (2023) 035, PRL 133 (2024) 111802).

``analysis.toml`` holds what belongs to the analyses rather than to the detector: the
observed events, the counting method's settings, the papers' statements
(:func:`load_analysis`). ``reference/`` holds the published curves used to validate the
chain (report overlays, ratio tables, slow tests); they are never inputs to it.
:data:`REFERENCES` describes them for :func:`darkdump.results.compare.load_reference`.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib.resources import files
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["REFERENCES", "load_analysis"]


@cache
def load_analysis() -> dict[str, Any]:
    """The analysis description ``analysis.toml`` (observed events, counting, statements)."""
    return tomllib.loads((files(__name__) / "analysis.toml").read_text(encoding="utf-8"))

_REF = files(__name__) / "reference"

#: name -> (file, selection column, selection value, description, mass range compared [GeV],
#: tolerance in epsilon, tolerance on the mass reach [GeV]) from the acceptance of issue 10.
REFERENCES: dict[str, dict[str, object]] = {
    "fig4_total": {
        "path": _REF / "na62_jhep_fig4_zero_event.csv",
        "select": ("production", "total"),
        "title": "JHEP fig. 4, zero-event region, bremsstrahlung + mesons, both modes",
        "compare_GeV": (0.020, 0.600),
        "tolerance": 1.15,
        "reach_tolerance_GeV": 0.015,
    },
    "fig4_meson": {
        "path": _REF / "na62_jhep_fig4_zero_event.csv",
        "select": ("production", "meson"),
        "title": "JHEP fig. 4, zero-event region, meson decays alone, both modes",
        "compare_GeV": (0.020, 0.350),
        "tolerance": 1.25,
        "reach_tolerance_GeV": 0.020,
    },
    "fig14_mumu": {
        "path": _REF / "na62_jhep_fig14_mumu_observed.csv",
        "select": ("kind", "observed"),
        "title": "JHEP fig. 14, A' -> mu+mu- observed 90 % CL",
        "compare_GeV": (0.220, 0.530),
        "tolerance": 1.10,
        "reach_tolerance_GeV": 0.010,
    },
}

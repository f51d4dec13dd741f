"""Exclusion limits as HEPData-style YAML tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from darkdump.results.io import atomic_write_text

__all__ = ["LimitRow", "limits_to_hepdata_yaml"]

#: ``(mass_GeV, kind, epsilon_lower, epsilon_upper)``, as in the limits CSV files.
LimitRow = tuple[float, str, float, float]


def limits_to_hepdata_yaml(
    path: str | Path, rows: Sequence[LimitRow], *, description: str, cl: float = 0.9
) -> Path:
    """Write limit rows as a HEPData table (``independent_variables``/``dependent_variables``).

    One dependent variable per kind and bound, e.g. ``epsilon_lower (observed)``;
    masses with two excluded intervals get one entry per interval, in order.
    """
    kinds = sorted({row[1] for row in rows}, key=lambda k: (k != "observed", k))
    masses = sorted({row[0] for row in rows})
    table: dict[str, object] = {
        "description": description,
        "independent_variables": [
            {"header": {"name": "M(A')", "units": "GeV"}, "values": [{"value": m} for m in masses]}
        ],
        "dependent_variables": [],
    }
    dependent: list[dict[str, object]] = []
    for kind in kinds:
        for index, bound in ((2, "lower"), (3, "upper")):
            values: list[dict[str, object]] = []
            for mass in masses:
                hits = [r[index] for r in rows if r[0] == mass and r[1] == kind]
                values.append({"value": ",".join(f"{v:.4g}" for v in hits) if hits else "-"})
            dependent.append(
                {
                    "header": {"name": f"epsilon_{bound} ({kind})"},
                    "qualifiers": [{"name": "CL", "value": f"{cl:.0%}"}],
                    "values": values,
                }
            )
    table["dependent_variables"] = dependent
    return atomic_write_text(path, yaml.safe_dump(table, sort_keys=False))

"""What belongs to one analysis: its description, published references, specific code.

One sub-package per analysis (``na62_2021``, ``charm``, ``nucal``), each with an
``analysis.toml``. Generic stages never import from here.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = ["load_analysis_file"]


def load_analysis_file(package: str) -> dict[str, Any]:
    """``analysis.toml`` of the analysis sub-package ``package``."""
    data: dict[str, Any] = tomllib.loads(
        (files(package) / "analysis.toml").read_text(encoding="utf-8")
    )
    return data

"""The NUCAL dark-photon recast: ``analysis.toml`` (what is reproduced, from where).

The experiment itself is ``experiment.toml`` in this folder; ``darkdump reproduce nucal``
runs the generic zero-background reach (:mod:`darkdump.sensitivity`) on it.
"""

from __future__ import annotations

from darkdump.analyses import load_analysis_file

__all__ = ["load_analysis"]


def load_analysis() -> dict[str, object]:
    """Return the analysis description ``analysis.toml``."""
    return load_analysis_file(__name__)

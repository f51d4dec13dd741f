"""Stage ``models``: what the particle is (masses, widths, branching ratios, lifetime).

Masses in MeV and lengths in mm (hepunits); the coupling ``eps`` is dimensionless.

>>> from hepunits import MeV, m
>>> from darkdump.models import ctau, branching_ratio
>>> round(float(ctau(300 * MeV, 1e-6) / m), 3)   # c tau of a 300 MeV A' at eps = 1e-6
0.142
>>> round(float(branching_ratio("mumu", 300 * MeV)), 3)
0.465
"""

from darkdump.models import alp, dark_photon
from darkdump.models.alp import Alp
from darkdump.models.dark_photon import (
    CHANNELS,
    MASS_RANGE,
    branching_ratio,
    ctau,
    lifetime,
    partial_width,
    r_ratio,
    total_width,
)

__all__ = [
    "CHANNELS",
    "MASS_RANGE",
    "Alp",
    "alp",
    "branching_ratio",
    "ctau",
    "dark_photon",
    "lifetime",
    "partial_width",
    "r_ratio",
    "total_width",
]

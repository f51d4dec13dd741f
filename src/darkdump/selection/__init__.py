"""Stage ``selection``: what the analysis keeps (JHEP 09 (2023) 035 sec. 4; PRL 133 (2024) 111802).

Two-track vertex at the closest approach of the reconstructed lines, the
A' production point estimate (Z_TAX, CDA_TAX; JHEP 09 (2023) 035 sec. 4) and
the signal/validation/control regions of each channel.
"""

from darkdump.selection.geometry import closest_approach, z_tax_cda_tax
from darkdump.selection.regions import CHANNELS, Region, in_region, regions_for
from darkdump.selection.select import (
    CUT_NAMES,
    Selection,
    dilepton_mass,
    lepton_mass,
    select,
)

__all__ = [
    "CHANNELS",
    "CUT_NAMES",
    "Region",
    "Selection",
    "closest_approach",
    "dilepton_mass",
    "in_region",
    "lepton_mass",
    "regions_for",
    "select",
    "z_tax_cda_tax",
]

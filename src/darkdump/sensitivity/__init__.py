"""Zero-background reach of any proton beam dump (JHEP 09 (2023) 035 fig. 4 construction).

Generic stage: it reads only the experiment file (``beam``, ``target``,
``decay_volume``, ``detector.elements``, ``[acceptance]``, ``[modelling]``) and knows no
experiment. :mod:`.acceptance` is the geometric and threshold selection,
:mod:`.grid` the production x decay x acceptance map and its excluded intervals,
:mod:`.output` the files, figures and report of ``darkdump sensitivity``.
"""

from darkdump.sensitivity.acceptance import ChannelAcceptance, channel_acceptance
from darkdump.sensitivity.grid import (
    ReachConfig,
    ReachGrid,
    compute_reach,
    exclusion_intervals,
    reach_mass,
)

__all__ = [
    "ChannelAcceptance",
    "ReachConfig",
    "ReachGrid",
    "channel_acceptance",
    "compute_reach",
    "exclusion_intervals",
    "reach_mass",
]

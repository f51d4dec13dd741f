"""darkdump stage: decay.

Where the produced particle decays and into what: the decay point is sampled
flat along the flight path in the decay volume and weighted by the lifetime
(JHEP 09 (2023) 035, eqs. 3.5-3.6), so that ONE sample per mass serves every
coupling; the two-body decay to l+ l- is isotropic in the rest frame and boosted.
Lengths in mm, momenta and masses in MeV (hepunits).
"""

from darkdump.decay.kinematics import LEPTONS, boost, lepton_mass, two_body_decay, two_body_momentum
from darkdump.decay.volume import (
    DecaySample,
    decay_in_volume,
    decay_probability,
    decay_probability_per_event,
    decay_weights,
    weighted_decay_sum,
)

__all__ = [
    "LEPTONS",
    "DecaySample",
    "boost",
    "decay_in_volume",
    "decay_probability",
    "decay_probability_per_event",
    "decay_weights",
    "lepton_mass",
    "two_body_decay",
    "two_body_momentum",
    "weighted_decay_sum",
]

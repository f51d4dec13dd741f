"""darkdump stage: detector.

What NA62 sees of a lepton pair: straight tracks with the MNP33 kick, the
acceptance of every detector plane, momentum/direction/energy resolution, PID,
isolation and trigger, all from the ``detector`` section of the experiment file.
Lengths in mm, momenta and energies in MeV (hepunits).
"""

from darkdump.detector.geometry import DetectorGeometry, Plane, detector_geometry
from darkdump.detector.simulate import (
    CUT_ORDER,
    TrackSample,
    Trajectories,
    magnet_kick,
    propagate,
    simulate,
)

__all__ = [
    "CUT_ORDER",
    "DetectorGeometry",
    "Plane",
    "TrackSample",
    "Trajectories",
    "detector_geometry",
    "magnet_kick",
    "propagate",
    "simulate",
]

"""darkdump stage: detector.

What a magnetic spectrometer sees of a lepton pair (NA62 as the example): straight
tracks with the magnet's kick, the acceptance of every detector plane, momentum/direction/energy resolution, PID,
isolation and trigger, all from the ``detector`` section of the experiment file.
Lengths in mm, momenta and energies in MeV (hepunits).
"""

from darkdump.detector.geometry import DetectorGeometry, Plane, detector_geometry
from darkdump.detector.simulate import (
    TrackSample,
    Trajectories,
    cut_order,
    magnet_kick,
    propagate,
    simulate,
)

__all__ = [
    "DetectorGeometry",
    "Plane",
    "TrackSample",
    "Trajectories",
    "cut_order",
    "detector_geometry",
    "magnet_kick",
    "propagate",
    "simulate",
]

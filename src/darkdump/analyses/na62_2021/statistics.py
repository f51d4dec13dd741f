"""The NA62 2021 statistical model: its constraints, background shapes and channels.

What belongs to the NA62 analyses rather than to the generic statistics stage
(:mod:`darkdump.stats`): the protons-on-TAX constraint, the background yields and mass
shapes of PRL 133 (2024) 111802 appendix B and JHEP 09 (2023) 035, and the two channels
built from them.

The normalisation range of the mass pdfs is not given in the papers; the defaults
(:data:`DEFAULT_MASS_RANGE_MUMU`, :data:`DEFAULT_MASS_RANGE_EE`) are an ASSUMPTION of
darkdump: from the kinematic threshold 2 m_l to the highest simulated A' mass, 700 MeV
(JHEP sec. 6: "mass is varied from 215 to 700 MeV/c2"; PRL appendix A: "varied from 5 to
700 MeV/c2").

Examples
--------
>>> POT_CONSTRAINT.median, round(POT_CONSTRAINT.sigma, 4)
(1.4e+17, 0.1823)
>>> round(float(mumu_background_shape().integral()), 6)
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from darkdump.analyses.na62_2021 import published as _published
from darkdump.analyses.na62_2021.published import published_model
from darkdump.stats.model import ChannelSpec, LogNormal
from darkdump.stats.pdfs import BernsteinShape, LandauShape
from darkdump.typing import FloatArray

__all__ = [
    "DEFAULT_MASS_RANGE_EE",
    "DEFAULT_MASS_RANGE_MUMU",
    "EE_BACKGROUND",
    "EE_EFFICIENCY",
    "EE_LANDAU_LOCATION",
    "EE_LANDAU_SCALE",
    "MUMU_BACKGROUND",
    "MUMU_BERNSTEIN_COEFFICIENTS",
    "MUMU_EFFICIENCY",
    "POT_CONSTRAINT",
    "ee_background_shape",
    "ee_channel",
    "mumu_background_shape",
    "mumu_channel",
]

#: The published numbers live once, in :mod:`darkdump.analyses.na62_2021.published`
#: (PRL 133 (2024) 111802 appendix B):
#: degree-5 Bernstein coefficients of the mu+mu- background pdf (eq. B1) and the
#: e+e- Landau location and scale [MeV] (RooLandau(x, mean=14.86, sigma=3.48); the
#: density is phi((x - mean) / sigma) / sigma, maximal at mean - 0.2228 sigma).
MUMU_BERNSTEIN_COEFFICIENTS: tuple[float, ...] = _published.MUMU_BERNSTEIN_COEFFICIENTS
EE_LANDAU_LOCATION, EE_LANDAU_SCALE = _published.EE_LANDAU_PARAMS
#: Default normalisation ranges of the mass pdfs [MeV]: (2 m_l, 700 MeV). ASSUMPTION
#: (the papers do not state them), shared with the published background models.
DEFAULT_MASS_RANGE_MUMU: tuple[float, float] = _published.MUMU_MASS_DOMAIN
DEFAULT_MASS_RANGE_EE: tuple[float, float] = _published.EE_MASS_DOMAIN

#: Protons on TAX: median 1.4e17, shape 1.2 (PRL appendix B; JHEP sec. 6: 20 % uncertainty).
POT_CONSTRAINT = LogNormal(median=1.4e17, shape=1.2)
#: mu+mu- background yield in the SR: median 0.016, shape 1.125 (PRL appendix B; JHEP
#: table 4), from the published background model of the background stage.
MUMU_BACKGROUND = LogNormal(
    median=published_model("mumu").median_yield, shape=published_model("mumu").lognormal_shape
)
#: e+e- background yield in the SR: median 0.0094, shape 4.0 (PRL appendix B; PRL eq. 3).
EE_BACKGROUND = LogNormal(
    median=published_model("ee").median_yield, shape=published_model("ee").lognormal_shape
)
#: Optional selection-efficiency nuisance, mu+mu-: 2.8 % (JHEP table 5), as a log-normal.
MUMU_EFFICIENCY = LogNormal(median=1.0, shape=1.028)
#: Optional selection-efficiency nuisance, e+e-: 2.9 % (PRL table I), as a log-normal.
EE_EFFICIENCY = LogNormal(median=1.0, shape=1.029)


def mumu_background_shape(
    mass_range: tuple[float, float] = DEFAULT_MASS_RANGE_MUMU,
) -> BernsteinShape:
    """Background pdf of the mu+mu- channel: degree-5 Bernstein, PRL eq. (B1); range [MeV]."""
    return BernsteinShape(mass_range=mass_range, coefficients=MUMU_BERNSTEIN_COEFFICIENTS)


def ee_background_shape(mass_range: tuple[float, float] = DEFAULT_MASS_RANGE_EE) -> LandauShape:
    """Background pdf of the e+e- channel: Landau(14.86, 3.48) MeV, PRL appendix B."""
    return LandauShape(mass_range=mass_range, location=EE_LANDAU_LOCATION, scale=EE_LANDAU_SCALE)


def mumu_channel(
    observed_masses: Sequence[float] | FloatArray = (),
    *,
    mass_range: tuple[float, float] = DEFAULT_MASS_RANGE_MUMU,
    background: LogNormal = MUMU_BACKGROUND,
    efficiency: LogNormal | None = None,
) -> ChannelSpec:
    """Build the PRL appendix-B mu+mu- channel (Bernstein background); masses in MeV."""
    return ChannelSpec(
        name="mumu",
        background=background,
        shape=mumu_background_shape(mass_range),
        observed_masses=np.asarray(observed_masses, dtype=np.float64),
        efficiency=efficiency,
    )


def ee_channel(
    observed_masses: Sequence[float] | FloatArray = (),
    *,
    mass_range: tuple[float, float] = DEFAULT_MASS_RANGE_EE,
    background: LogNormal = EE_BACKGROUND,
    efficiency: LogNormal | None = None,
) -> ChannelSpec:
    """Build the PRL appendix-B e+e- channel (Landau background); masses in MeV."""
    return ChannelSpec(
        name="ee",
        background=background,
        shape=ee_background_shape(mass_range),
        observed_masses=np.asarray(observed_masses, dtype=np.float64),
        efficiency=efficiency,
    )

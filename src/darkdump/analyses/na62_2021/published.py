"""Published NA62 2021 background yields and shapes, as data for the statistics stage.

(Analysis-specific numbers: they live with the analysis, not in the generic background
stage, whose :class:`~darkdump.background.model.BackgroundModel` they fill.)

When no control sample is given, the reproduction uses the numbers the papers
publish. Every number carries its source:

- "JHEP": NA62, JHEP 09 (2023) 035 (A' -> mu+mu-), section 5, tables 1-4;
- "PRL": NA62, PRL 133 (2024) 111802 (A' -> e+e- and the combination),
  eq. 3 and appendix B.

The statistics stage consumes :class:`BackgroundModel` objects (one per channel):
a log-normal pdf of the expected background yield in the signal region (SR) and
the shape of the dilepton invariant mass. Log-normal shape parameters follow the
RooFit ``RooLognormal`` convention used by the PRL (appendix B): the shape ``k``
is ``exp(sigma)``, with ``sigma`` the standard deviation of ``ln N``.

>>> from darkdump.analyses.na62_2021.published import published_model
>>> published_model("mumu").median_yield
0.016
>>> round(published_model("ee").log_sigma, 4)  # ln 4.0
1.3863
"""

from __future__ import annotations

from typing import Final

from hepunits import MeV
from particle import Particle

from darkdump.background.model import (
    BackgroundModel,
    RegionYield,
    ShapeKind,
    bernstein_pdf,
)
from darkdump.errors import DarkdumpInputError

__all__ = [
    "COMBINATORIAL_TABLE2",
    "COMBINATORIAL_TABLE3",
    "MUMU_BERNSTEIN_COEFFICIENTS",
    "MUMU_MASS_DOMAIN",
    "PROMPT_TABLE1",
    "PROMPT_UPPER_LIMITS_TABLE4",
    "BackgroundModel",
    "RegionYield",
    "ShapeKind",
    "bernstein_pdf",
    "published_model",
]

_M_MU: Final[float] = float(Particle.from_pdgid(13).mass) * MeV  # type: ignore[arg-type]
_M_E: Final[float] = float(Particle.from_pdgid(11).mass) * MeV  # type: ignore[arg-type]


COMBINATORIAL_TABLE2: Final[tuple[RegionYield, ...]] = (
    RegionYield("mu+mu+", "outside VR", 62.5, 9.4, 53, 0.46),
    RegionYield("mu+mu+", "VR", 0.46, 0.07, 0, 1.0),
    RegionYield("mu+mu+", "SR", 0.040, 0.006, 0, 1.0),
    RegionYield("mu-mu-", "outside VR", 9.1, 1.4, 8, 0.88),
    RegionYield("mu-mu-", "VR", 0.050, 0.007, 0, 1.0),
    RegionYield("mu-mu-", "SR", 0.0050, 0.0007, 0, 1.0),
    RegionYield("mu+mu-", "outside VR", 30.9, 4.6, 28, 0.78),
    RegionYield("mu+mu-", "CR3", 2.00, 0.30, 2, 1.0),
    RegionYield("mu+mu-", "CR2", 0.68, 0.10, 1, 0.48),
    RegionYield("mu+mu-", "CR1", 0.34, 0.05, 1, 0.29),
    RegionYield("mu+mu-", "CR1+2+3", 3.02, 0.45, 4, 0.56),
    RegionYield("mu+mu-", "VR", 0.20, 0.04, None, None),
    RegionYield("mu+mu-", "SR", 0.019, 0.004, None, None),
)

#: JHEP table 3: mu+mu- combinatorial background scaled by the data/MC ratio of
#: same-sign events outside the VR (61 observed, 71.6 +- 9.5 expected; JHEP sec. 5.2).
COMBINATORIAL_TABLE3: Final[tuple[RegionYield, ...]] = (
    RegionYield("mu+mu-", "outside VR", 26.3, 3.4, 28, 0.74),
    RegionYield("mu+mu-", "CR3", 1.70, 0.22, 2, 0.68),
    RegionYield("mu+mu-", "CR2", 0.58, 0.07, 1, 0.44),
    RegionYield("mu+mu-", "CR1", 0.29, 0.04, 1, 0.25),
    RegionYield("mu+mu-", "CR1+2+3", 2.57, 0.33, 4, 0.34),
    RegionYield("mu+mu-", "VR", 0.17, 0.02, None, None),
    RegionYield("mu+mu-", "SR", 0.016, 0.002, None, None),
)

#: JHEP sec. 5.2: same-sign events outside the VR used for the data/MC scaling.
SAME_SIGN_OUTSIDE_VR_OBSERVED: Final[int] = 61
SAME_SIGN_OUTSIDE_VR_EXPECTED: Final[tuple[float, float]] = (71.6, 9.5)

#: JHEP table 1: prompt mu mu background with the LAV veto applied, events in the
#: SR and VR excluded, for N_p = 1.4e17 (statistical errors; the total has a further
#: systematic error of 0.20). Keys: component -> (n_exp, stat error).
PROMPT_TABLE1: Final[dict[str, tuple[float, float]]] = {
    "mu-mu": (0.235, 0.177),
    "mu-pi": (0.038, 0.019),
    "other": (0.004, 0.003),
    "total": (0.28, 0.19),
}

#: JHEP table 4: 90 % CL upper limits on the prompt and upstream-prompt mu mu
#: background [events]; the SR limits are the VR ones divided by ten (flat
#: distribution over the VR, JHEP sec. 5.3).
PROMPT_UPPER_LIMITS_TABLE4: Final[dict[tuple[str, str], float]] = {
    ("prompt", "VR"): 0.004,
    ("prompt", "SR"): 0.0004,
    ("upstream-prompt", "VR"): 0.069,
    ("upstream-prompt", "SR"): 0.007,
}

#: JHEP table 4: combinatorial mu+mu- background (same-sign-scaled, table 3).
COMBINATORIAL_TABLE4: Final[dict[str, tuple[float, float]]] = {
    "VR": (0.17, 0.02),
    "SR": (0.016, 0.002),
}

#: PRL eq. 3: prompt e+e- background, median with 68 % CL interval [events].
EE_PROMPT_PRL_EQ3: Final[dict[str, tuple[float, float, float]]] = {
    "CR": (9.7e-3, 21.3e-3, 7.3e-3),  # (median, +err, -err)
    "SR": (9.4e-3, 20.6e-3, 7.2e-3),
}

#: PRL appendix B, eq. B1: Bernstein coefficients (degree 5) of the mu+mu- background
#: mass pdf.
MUMU_BERNSTEIN_COEFFICIENTS: Final[tuple[float, ...]] = (
    1.886e-2,
    1.945e-1,
    9.183e-1,
    2.769e-1,
    1.196e-1,
    6.845e-2,
)

#: Domain of the mu+mu- Bernstein pdf [MeV]. NOT stated in the papers: we assume
#: the dimuon threshold 2 m_mu (``particle``) to 700 MeV, the upper end of the A'
#: mass scan (JHEP sec. 6: 215-700 MeV).
MUMU_MASS_DOMAIN: Final[tuple[float, float]] = (2.0 * _M_MU, 700.0 * MeV)

#: PRL appendix B: Landau (location, scale) of the e+e- background mass pdf [MeV].
EE_LANDAU_PARAMS: Final[tuple[float, float]] = (14.86 * MeV, 3.48 * MeV)

#: Domain of the e+e- Landau pdf [MeV]. NOT stated in the PRL: we assume the
#: dielectron threshold 2 m_e to 700 MeV (PRL appendix A: A' masses 5-700 MeV), as
#: darkdump.stats does.
EE_MASS_DOMAIN: Final[tuple[float, float]] = (2.0 * _M_E, 700.0 * MeV)


def published_model(channel: str) -> BackgroundModel:
    """Return the published background model of one channel (PRL appendix B).

    Parameters
    ----------
    channel
        ``"mumu"`` (median 0.016, shape 1.125, Bernstein eq. B1; yield = JHEP table 4)
        or ``"ee"`` (median 0.0094, shape 4.0, Landau 14.86/3.48 MeV; yield = PRL eq. 3).

    Returns
    -------
    BackgroundModel

    Raises
    ------
    DarkdumpInputError
        For another channel name.

    >>> published_model("ee").shape_params
    (14.86, 3.48)
    """
    if channel == "mumu":
        return BackgroundModel(
            channel="mumu",
            median_yield=0.016,  # PRL app. B; = JHEP table 4 (SR, combinatorial)
            lognormal_shape=1.125,  # PRL app. B (1 + 0.002/0.016, JHEP table 4)
            shape_kind="bernstein",
            shape_params=MUMU_BERNSTEIN_COEFFICIENTS,
            mass_domain=MUMU_MASS_DOMAIN,
            source=(
                "PRL 133 (2024) 111802 appendix B (log-normal median 0.016, shape 1.125; "
                "Bernstein eq. B1); JHEP 09 (2023) 035 table 4; mass domain assumed"
            ),
        )
    if channel == "ee":
        return BackgroundModel(
            channel="ee",
            median_yield=0.0094,  # PRL app. B; = PRL eq. 3 (SR)
            lognormal_shape=4.0,  # PRL app. B
            shape_kind="landau",
            shape_params=EE_LANDAU_PARAMS,
            mass_domain=EE_MASS_DOMAIN,
            source=(
                "PRL 133 (2024) 111802 appendix B (log-normal median 0.0094, shape 4.0; "
                "Landau 14.86, 3.48 MeV) and eq. 3; mass domain assumed"
            ),
        )
    raise DarkdumpInputError(f"background channel {channel!r}: allowed are 'mumu', 'ee'")

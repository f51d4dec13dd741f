"""Measured radiative branching ratios that the ``particle`` package does not carry.

Written once, here, with their source: PDG, R. L. Workman et al. (Particle Data
Group), PTEP 2022, 083C01 and 2023 update (pdgLive summary tables). Masses and
widths come from ``particle``; only the branching fractions are typed by hand.

The keys are ``(parent, daughters)`` with the names used throughout darkdump:
``pi0``, ``eta``, ``etaprime``, ``rho``, ``omega``, ``phi`` and ``gamma``.

>>> BR_RADIATIVE[("omega", "pi0 gamma")]
0.0835
"""

from __future__ import annotations

from typing import Final

__all__ = ["BR_RADIATIVE", "BR_VECTOR", "PDG_ID", "radiative_br", "vector_br"]

#: PDG Monte Carlo ids of the mesons darkdump uses by name.
PDG_ID: Final[dict[str, int]] = {
    "pi0": 111,
    "eta": 221,
    "etaprime": 331,
    "rho": 113,
    "omega": 223,
    "phi": 333,
}

#: Branching fractions (PDG 2022/2023 fit values; uncertainty in the comment).
BR_RADIATIVE: Final[dict[tuple[str, str], float]] = {
    ("pi0", "gamma gamma"): 0.98823,  # +- 0.00034
    ("eta", "gamma gamma"): 0.3936,  # +- 0.0018
    ("etaprime", "gamma gamma"): 0.02307,  # +- 0.00040
    ("etaprime", "omega gamma"): 0.0252,  # +- 0.0007
    ("etaprime", "rho gamma"): 0.289,  # +- 0.005 (including non-resonant pi+ pi- gamma)
    ("rho", "pi0 gamma"): 4.7e-4,  # +- 0.6e-4 (rho0)
    ("rho", "eta gamma"): 3.00e-4,  # +- 0.21e-4
    ("omega", "pi0 gamma"): 0.0835,  # +- 0.0027
    ("omega", "eta gamma"): 4.5e-4,  # +- 0.4e-4
    ("phi", "pi0 gamma"): 1.32e-3,  # +- 0.06e-3
    ("phi", "eta gamma"): 0.01303,  # +- 0.00025
}


def radiative_br(parent: str, daughters: str) -> float:
    """Return the measured branching fraction of ``parent -> daughters`` [dimensionless].

    Parameters
    ----------
    parent
        Meson name (``"pi0"``, ``"eta"``, ``"etaprime"``, ``"rho"``, ``"omega"``, ``"phi"``).
    daughters
        Final state, space separated, e.g. ``"pi0 gamma"`` or ``"gamma gamma"``.

    Returns
    -------
    float
        The PDG branching fraction; ``0.0`` for a mode not listed here (not measured).

    Examples
    --------
    >>> radiative_br("pi0", "gamma gamma")
    0.98823
    >>> radiative_br("etaprime", "pi0 gamma")
    0.0
    """
    return BR_RADIATIVE.get((parent, daughters), 0.0)


#: Non-radiative branching fractions of the vector mesons that the dark-photon
#: R-ratio parametrisation (:mod:`darkdump.models.dark_photon`) needs and that
#: ``particle`` does not carry. Same source as :data:`BR_RADIATIVE` (PDG 2022/2023
#: summary tables, fit or average values; uncertainty in the comment).
BR_VECTOR: Final[dict[tuple[str, str], float]] = {
    ("rho", "e+ e-"): 4.72e-5,  # +- 0.05e-5
    ("omega", "e+ e-"): 7.38e-5,  # +- 0.22e-5
    ("omega", "pi+ pi- pi0"): 0.892,  # +- 0.007
    ("omega", "pi+ pi-"): 0.0153,  # +0.0011 -0.0013
    ("phi", "e+ e-"): 2.974e-4,  # +- 0.034e-4
    ("phi", "K+ K-"): 0.491,  # +- 0.005
    ("phi", "KL KS"): 0.339,  # +- 0.004
    ("phi", "pi+ pi- pi0"): 0.1524,  # +- 0.0033 (rho pi + pi+ pi- pi0)
}


def vector_br(parent: str, daughters: str) -> float:
    """Return the measured branching fraction of a vector meson [dimensionless].

    Looks in :data:`BR_VECTOR` first, then in :data:`BR_RADIATIVE`.

    Parameters
    ----------
    parent
        ``"rho"``, ``"omega"`` or ``"phi"``.
    daughters
        Final state, space separated, e.g. ``"e+ e-"``, ``"K+ K-"``, ``"pi0 gamma"``.

    Returns
    -------
    float
        The PDG branching fraction; ``0.0`` for a mode not listed.

    Examples
    --------
    >>> vector_br("phi", "K+ K-")
    0.491
    >>> vector_br("omega", "pi0 gamma")
    0.0835
    """
    return BR_VECTOR.get((parent, daughters), radiative_br(parent, daughters))

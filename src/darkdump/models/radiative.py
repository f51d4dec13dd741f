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

__all__ = ["BR_RADIATIVE", "PDG_ID", "radiative_br"]

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

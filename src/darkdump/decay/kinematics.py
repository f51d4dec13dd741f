"""Two-body decay X -> l- l+ in the rest frame of X, boosted to the lab (vectorised).

Angular distribution
--------------------
The daughters are emitted isotropically in the rest frame of the parent. For a
spin-1 parent (dark photon) this is exact when the parent is unpolarised (the
average over the three helicity states of ``1 + cos^2`` and ``sin^2`` terms is
flat); a polarised A' would give ``1 + alpha cos^2(theta)`` with
``|alpha| <= 1``. The production stages of darkdump do not track the A'
polarisation, so the isotropic (unpolarised) choice is used for the dark photon.
For the spin-0 ALP the decay is isotropic exactly.

All momenta in MeV, masses in MeV.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from particle import Particle

from darkdump.errors import DarkdumpInputError
from darkdump.kinematics import boost
from darkdump.typing import FloatArray

__all__ = ["LEPTONS", "boost", "lepton_mass", "two_body_decay", "two_body_momentum"]

#: Lepton name -> PDG id of the negative lepton.
LEPTONS = {"e": 11, "mu": 13}


@cache
def lepton_mass(lepton: str) -> float:
    """Mass of the lepton ``"e"`` or ``"mu"`` [MeV], from the ``particle`` package.

    >>> round(lepton_mass("mu"), 4)
    105.6584
    """
    if lepton not in LEPTONS:
        raise DarkdumpInputError(f"lepton {lepton!r}: allowed: {', '.join(LEPTONS)}")
    mass = Particle.from_pdgid(LEPTONS[lepton]).mass
    assert mass is not None
    return float(mass)


def two_body_momentum(parent_mass: float, daughter_mass: float) -> float:
    """Daughter momentum in the rest frame of a parent decaying to two equal masses [MeV].

    ``p* = sqrt((M - 2m)(M + 2m)) / 2``.

    >>> two_body_momentum(10.0, 3.0)
    4.0
    """
    if not parent_mass > 2.0 * daughter_mass:
        raise DarkdumpInputError(
            f"mass {parent_mass / 1000.0:g} GeV: below the threshold "
            f"2 m_l = {2.0 * daughter_mass / 1000.0:g} GeV of this decay channel"
        )
    return 0.5 * float(
        np.sqrt((parent_mass - 2.0 * daughter_mass) * (parent_mass + 2.0 * daughter_mass))
    )


def two_body_decay(
    parent_momentum: FloatArray,
    parent_mass: float,
    daughter_mass: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Isotropic decay to two particles of equal mass, boosted to the lab.

    Parameters
    ----------
    parent_momentum
        Parent lab momenta, shape ``(n, 3)`` [MeV].
    parent_mass
        Parent mass [MeV]; must exceed twice ``daughter_mass``.
    daughter_mass
        Mass of each daughter [MeV].
    rng
        Random generator (two uniforms per event).

    Returns
    -------
    FloatArray
        Daughter lab momenta, shape ``(n, 2, 3)`` [MeV]: index 0 is the negative
        lepton, 1 the positive one (back to back in the rest frame).

    Examples
    --------
    >>> import numpy as np
    >>> from hepunits import GeV, MeV
    >>> d = two_body_decay(np.array([[0.0, 0.0, 50 * GeV]]), 300 * MeV, 105.66 * MeV,
    ...                    np.random.default_rng(1))
    >>> bool(np.allclose(d.sum(axis=1), [[0.0, 0.0, 50 * GeV]]))
    True
    """
    n = parent_momentum.shape[0]
    p_star = two_body_momentum(parent_mass, daughter_mass)
    e_star = 0.5 * parent_mass
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    sin_t = np.sqrt((1.0 - cos_t) * (1.0 + cos_t))
    k = np.empty((n, 3))
    k[:, 0] = p_star * sin_t * np.cos(phi)
    k[:, 1] = p_star * sin_t * np.sin(phi)
    k[:, 2] = p_star * cos_t
    out = np.empty((n, 2, 3))
    out[:, 0, :] = boost(k, e_star, parent_momentum, parent_mass)
    out[:, 1, :] = boost(-k, e_star, parent_momentum, parent_mass)
    return out

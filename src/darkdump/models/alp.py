r"""Model-independent axion-like particle (ALP) emitted in B -> K(*) a decays.

The NA62 papers interpret their searches for an ALP :math:`a` coupled to Standard
Model fermions in a model-independent way (JHEP 09 (2023) 035, sec. 1, eqs. 1.2-1.3;
PRL 133 (2024) 111802, ALP paragraph; following Doebrich, Ertas, Kahlhoefer and
Spadaro, PLB 790 (2019) 537): the free parameters are

* the ALP mass :math:`M_a`,
* its proper lifetime :math:`\tau_a`,
* the product :math:`BR(B\to K^{(*)}a)\times BR(a\to\ell^+\ell^-)` (eq. 1.3), taken
  independent of :math:`\tau_a`, for the lepton of the search
  (:math:`\mu` in the JHEP paper, :math:`e` in the PRL).

Nothing here guesses how the ALP decays. The leptonic branching fractions that
relate the two channels (``br_ee``, ``br_mumu``) are explicit, optional inputs; the
methods that need them say so when they are missing.

Masses are in MeV, times in ns, lengths in mm (``hepunits``).

Examples
--------
>>> from hepunits import MeV, ns, m
>>> a = Alp(mass=300 * MeV, tau=1.0 * ns, br_product=1e-9, lepton="mu")
>>> round(a.ctau / m, 4)
0.2998
>>> a.with_lepton_fractions(br_ee=0.2, br_mumu=0.8).br_b_to_k_a
1.25e-09
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Final, Literal

from hepunits import MeV, c_light
from particle import Particle

from darkdump.errors import DarkdumpInputError

__all__ = ["LEPTONS", "Alp", "check_mass", "mass_range"]

#: Lepton flavours of the two NA62 searches.
LEPTONS: Final[tuple[str, ...]] = ("e", "mu")

_LEPTON_PDGID: Final[dict[str, int]] = {"e": 11, "mu": 13}


def _mass(pdgid: int) -> float:
    value = Particle.from_pdgid(pdgid).mass
    if value is None:  # pragma: no cover - every id used here has a PDG mass
        raise LookupError(f"particle {pdgid} has no mass in the particle package")
    return float(value) * MeV


def mass_range(lepton: str) -> tuple[float, float]:
    r"""Open interval of ALP masses for which B -> K a, a -> l+l- is possible [MeV].

    The lower end is :math:`2 m_\ell`, the upper end :math:`m_{B^+} - m_{K^+}`
    (masses from ``particle``).

    Parameters
    ----------
    lepton
        ``"e"`` or ``"mu"``.

    Returns
    -------
    tuple of float
        ``(low, high)`` [MeV], both excluded.

    Examples
    --------
    >>> lo, hi = mass_range("mu")
    >>> round(lo, 3), round(hi, 1)
    (211.317, 4785.7)
    """
    if lepton not in _LEPTON_PDGID:
        raise DarkdumpInputError(f"ALP lepton {lepton!r} is not allowed; use one of {LEPTONS}")
    return 2.0 * _mass(_LEPTON_PDGID[lepton]), _mass(521) - _mass(321)


def check_mass(mass: float, what: str = "ALP mass") -> None:
    """Refuse an ALP mass [MeV] at which no B -> K a, a -> l+l- channel is open.

    One line naming ``what`` (e.g. ``--alp-masses``) and the range in GeV: from the e+e-
    threshold to m_B - m_K (:func:`mass_range`).

    >>> check_mass(5000.0)
    Traceback (most recent call last):
    ...
    darkdump.errors.DarkdumpInputError: ALP mass 5 GeV: allowed 0.001022-4.786 GeV (from the e+e- threshold to m_B - m_K, where B -> K a closes)
    """
    low, high = mass_range("e")
    if not (math.isfinite(mass) and low < mass < high):
        raise DarkdumpInputError(
            f"{what} {mass / 1000.0:.6g} GeV: allowed {low / 1000.0:.6g}-{high / 1000.0:.4g} GeV "
            "(from the e+e- threshold to m_B - m_K, where B -> K a closes)"
        )


def _check_fraction(name: str, value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise DarkdumpInputError(f"ALP {name} = {value!r} must be a number in [0, 1]")


@dataclass(frozen=True)
class Alp:
    """An ALP in the model-independent scheme of JHEP 09 (2023) 035, eq. 1.3.

    Attributes
    ----------
    mass
        ALP mass M_a [MeV], inside :func:`mass_range` for ``lepton``.
    tau
        Proper lifetime tau_a [ns], positive and finite.
    br_product
        BR(B -> K(*) a) x BR(a -> l+l-) for ``lepton`` [dimensionless], in [0, 1].
        BR(B -> K(*) a) is the sum over B+, B0 and their antiparticles weighted by
        their production yields (PRL 133 (2024) 111802, ALP paragraph).
    lepton
        Lepton of the search: ``"mu"`` (JHEP) or ``"e"`` (PRL).
    br_ee, br_mumu
        Optional BR(a -> e+e-) and BR(a -> mu+mu-) [dimensionless]; inputs, never
        computed here. Needed only to convert between channels.

    Examples
    --------
    >>> from hepunits import MeV, ns
    >>> Alp(mass=100 * MeV, tau=1 * ns, br_product=1e-8, lepton="mu")
    Traceback (most recent call last):
    ...
    darkdump.errors.DarkdumpInputError: ALP mass 100 MeV is outside (211.317, 4785.73) MeV allowed for a -> mu+mu- from B -> K a
    """

    mass: float
    tau: float
    br_product: float
    lepton: Literal["e", "mu"] = "mu"
    br_ee: float | None = None
    br_mumu: float | None = None

    def __post_init__(self) -> None:
        lo, hi = mass_range(self.lepton)
        if not (math.isfinite(self.mass) and lo < self.mass < hi):
            raise DarkdumpInputError(
                f"ALP mass {self.mass / MeV:g} MeV is outside ({lo / MeV:g}, {hi / MeV:g}) MeV "
                f"allowed for a -> {self.lepton}+{self.lepton}- from B -> K a"
            )
        if not (math.isfinite(self.tau) and self.tau > 0):
            raise DarkdumpInputError(
                f"ALP lifetime tau = {self.tau!r} ns must be positive and finite"
            )
        _check_fraction("br_product", self.br_product)
        _check_fraction("br_ee", self.br_ee)
        _check_fraction("br_mumu", self.br_mumu)
        if self.br_ee is not None and self.br_mumu is not None and self.br_ee + self.br_mumu > 1.0:
            raise DarkdumpInputError(
                f"ALP br_ee + br_mumu = {self.br_ee + self.br_mumu:g} exceeds 1"
            )
        below_mumu = self.mass <= mass_range("mu")[0]
        if below_mumu and self.br_mumu not in (None, 0.0):
            raise DarkdumpInputError(
                f"ALP br_mumu = {self.br_mumu:g} must be 0 below the mu+mu- threshold "
                f"(mass {self.mass / MeV:g} MeV)"
            )

    @property
    def ctau(self) -> float:
        """Proper decay length c tau_a [mm]."""
        return float(c_light * self.tau)

    @property
    def br_lepton(self) -> float | None:
        """BR(a -> l+l-) for this ALP's ``lepton`` if given, else ``None`` [dimensionless]."""
        return self.br_mumu if self.lepton == "mu" else self.br_ee

    @property
    def br_b_to_k_a(self) -> float:
        """BR(B -> K(*) a) = br_product / BR(a -> l+l-) [dimensionless].

        Raises :class:`~darkdump.errors.DarkdumpInputError` if the lepton fraction is
        not given or is zero.
        """
        frac = self.br_lepton
        if frac is None or frac == 0.0:
            name = "br_mumu" if self.lepton == "mu" else "br_ee"
            raise DarkdumpInputError(f"BR(B -> K a) needs a non-zero {name} input; got {frac!r}")
        return self.br_product / frac

    def with_lepton_fractions(self, br_ee: float, br_mumu: float) -> Alp:
        """Return a copy with the leptonic branching fractions set (validated)."""
        return replace(self, br_ee=br_ee, br_mumu=br_mumu)

    def for_lepton(self, lepton: Literal["e", "mu"]) -> Alp:
        """Return the same ALP in the other channel: br_product times the BR(a->ll) ratio.

        Needs both lepton fractions (inputs). Example: with br_ee = 0.2,
        br_mumu = 0.8, a mu-channel product 1e-9 is an e-channel product 2.5e-10.
        """
        if lepton == self.lepton:
            return self
        if self.br_ee is None or self.br_mumu is None:
            raise DarkdumpInputError(
                "converting an ALP between the e and mu channels needs both br_ee and br_mumu inputs"
            )
        return replace(
            self,
            lepton=lepton,
            br_product=self.br_b_to_k_a * (self.br_ee if lepton == "e" else self.br_mumu),
        )

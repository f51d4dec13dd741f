"""The weighted sample of produced particles that flows from ``production`` to ``decay``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkdump.kinematics import norm3
from darkdump.typing import FloatArray

__all__ = ["ProductionSample"]


@dataclass(frozen=True)
class ProductionSample:
    """Weighted, structure-of-arrays sample of produced A' (or ALPs) for ONE mass.

    Attributes
    ----------
    mass
        Mass of the produced particle [MeV].
    mechanism
        Production mechanism (``"brems"``, ``"pi0"``, ``"eta"``, ``"etaprime"``,
        ``"rho"``, ``"omega"``, ``"phi"``, ``"B"``, ...).
    momentum
        Lab-frame three-momentum, shape ``(n, 3)`` [MeV], columns (px, py, pz).
    production_point
        Production point in the NA62 frame (origin at the target centre, Z along
        the beam, Y up), shape ``(n, 3)`` [mm].
    weight
        Per-event weight, shape ``(n,)`` [dimensionless]: production probability
        per proton on target divided by epsilon^2 for dark photons (divided by the
        free BR product for ALPs). ``weight.sum()`` is the total per-POT rate / eps^2.
    """

    mass: float
    mechanism: str
    momentum: FloatArray
    production_point: FloatArray
    weight: FloatArray

    def __post_init__(self) -> None:
        n = self.weight.shape[0]
        if self.momentum.shape != (n, 3) or self.production_point.shape != (n, 3):
            raise ValueError(
                "ProductionSample: momentum and production_point must have shape (n, 3) "
                f"with n = len(weight) = {n}; got {self.momentum.shape}, "
                f"{self.production_point.shape}"
            )

    def __len__(self) -> int:
        return int(self.weight.shape[0])

    @property
    def rate(self) -> float:
        """Total production probability per POT (divided by eps^2) [dimensionless]."""
        return float(np.sum(self.weight))

    @property
    def p(self) -> FloatArray:
        """Momentum magnitude [MeV]."""
        return np.asarray(norm3(self.momentum), dtype=np.float64)

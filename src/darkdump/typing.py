"""Constrained types shared by the stages (in the spirit of ``iminuit.typing``)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import numpy.typing as npt
from annotated_types import Ge, Gt, Interval

__all__ = ["FloatArray", "NonNegativeFloat", "PositiveFloat", "Probability"]

#: A float array (any shape); dimensional arrays carry hepunits units.
FloatArray = npt.NDArray[np.float64]
PositiveFloat = Annotated[float, Gt(0)]
NonNegativeFloat = Annotated[float, Ge(0)]
Probability = Annotated[float, Interval(ge=0, le=1)]

"""Where the primary proton interacts in the dump (the TAX for NA62).

The transverse position is Gaussian around the mean impact point and the
longitudinal position follows the exponential interaction depth through the
absorber layers, each with its own nuclear interaction length lambda_I.

For NA62 2021 (``na62-2021``): mean impact point P0 = (0, -22, 23070) mm at the
TAX front plane with sigma_x = 4.7 mm, sigma_y = 3.2 mm (JHEP 09 (2023) 035,
sec. 2, eq. 2.1); 800 mm Cu then 2400 mm Fe (JHEP sec. 2) with lambda_I(Cu) =
153.2 mm and lambda_I(Fe) = 167.7 mm (PDG), i.e. 5.22 + 14.31 = 19.53 lambda_I
(the paper quotes 19.6).

The depth distribution is truncated at the end of the dump: the probability that a
proton crosses all layers without an inelastic interaction is exp(-19.53) ~ 3e-9,
negligible, so every proton on target is taken to interact exactly once. The
production probability of a mechanism is therefore "per interacting proton" =
"per proton on target" to 3e-9; :func:`interaction_probability` returns the exact
factor for callers that want it. Secondary (cascade) interactions of the
remnants are not modelled here: they belong to the meson spectra (PYTHIA, one
primary interaction per POT) and, for bremsstrahlung, produce softer A' than the
primary proton.

>>> import numpy as np
>>> from darkdump.experiments import load
>>> pts = sample_production_points(load("na62-2021"), 4, np.random.default_rng(1))
>>> pts.shape
(4, 3)
>>> bool(np.all((pts[:, 2] >= 23070.0) & (pts[:, 2] <= 23070.0 + 3200.0)))
True
"""

from __future__ import annotations

import numpy as np
from hepunits import m as metre

from darkdump.experiments.schema import Experiment
from darkdump.typing import FloatArray

__all__ = [
    "depth_in_interaction_lengths",
    "interaction_probability",
    "layer_boundaries",
    "sample_production_points",
    "z_from_depth",
]


def layer_boundaries(experiment: Experiment) -> tuple[FloatArray, FloatArray]:
    """Z boundaries of the absorber layers and their interaction lengths.

    Parameters
    ----------
    experiment
        Experiment description (uses ``experiment.target``).

    Returns
    -------
    z_edges
        Shape ``(n_layers + 1,)`` [mm]: front face of each layer, then the end of the dump.
        The front face of the first layer is the Z of the mean impact point.
    lambda_i
        Shape ``(n_layers,)`` [mm]: nuclear interaction length of each layer.
    """
    target = experiment.target
    z0 = target.impact_point_m[2] * metre
    lengths = np.array([layer.length_m * metre for layer in target.layers], dtype=np.float64)
    lambda_i = np.array(
        [layer.interaction_length_m * metre for layer in target.layers], dtype=np.float64
    )
    z_edges = z0 + np.concatenate([[0.0], np.cumsum(lengths)])
    return np.asarray(z_edges, dtype=np.float64), lambda_i


def depth_in_interaction_lengths(experiment: Experiment) -> float:
    """Total thickness of the dump in nuclear interaction lengths [dimensionless].

    >>> from darkdump.experiments import load
    >>> round(depth_in_interaction_lengths(load("na62-2021")), 2)
    19.53
    """
    z_edges, lambda_i = layer_boundaries(experiment)
    return float(np.sum(np.diff(z_edges) / lambda_i))


def interaction_probability(experiment: Experiment) -> float:
    """Probability that a proton interacts inelastically inside the dump [dimensionless].

    >>> from darkdump.experiments import load
    >>> 1.0 - interaction_probability(load("na62-2021")) < 4e-9
    True
    """
    return float(-np.expm1(-depth_in_interaction_lengths(experiment)))


def z_from_depth(depth: FloatArray, experiment: Experiment) -> FloatArray:
    """Convert an interaction depth (in lambda_I units) to the Z coordinate [mm].

    Parameters
    ----------
    depth
        Depth along the beam measured in nuclear interaction lengths [dimensionless],
        between 0 and :func:`depth_in_interaction_lengths`.
    experiment
        Experiment description.

    Returns
    -------
    ndarray
        Z in the experiment frame [mm], same shape as ``depth``.
    """
    z_edges, lambda_i = layer_boundaries(experiment)
    tau_edges = np.concatenate([[0.0], np.cumsum(np.diff(z_edges) / lambda_i)])
    depth = np.asarray(depth, dtype=np.float64)
    layer = np.clip(np.searchsorted(tau_edges, depth, side="right") - 1, 0, lambda_i.size - 1)
    z = z_edges[layer] + (depth - tau_edges[layer]) * lambda_i[layer]
    return np.asarray(np.minimum(z, z_edges[-1]), dtype=np.float64)


def sample_production_points(
    experiment: Experiment, n: int, rng: np.random.Generator
) -> FloatArray:
    """Sample ``n`` primary-interaction points in the dump.

    X and Y are Gaussian around the mean impact point (JHEP eq. 2.1 and sec. 2 for
    NA62); Z follows exp(-depth) in interaction-length units, layer by layer,
    truncated at the end of the dump (see the module docstring).

    Parameters
    ----------
    experiment
        Experiment description (``experiment.target``).
    n
        Number of points.
    rng
        Random generator.

    Returns
    -------
    ndarray
        Shape ``(n, 3)`` [mm], columns (x, y, z) in the experiment frame.
    """
    target = experiment.target
    x0, y0, _ = (c * metre for c in target.impact_point_m)
    sx, sy = (s * metre for s in target.impact_sigma_m)
    tau_max = depth_in_interaction_lengths(experiment)
    u = rng.random(n)
    # Inverse CDF of the exponential truncated at tau_max.
    depth = -np.log1p(u * np.expm1(-tau_max))
    points = np.empty((n, 3), dtype=np.float64)
    points[:, 0] = x0 + sx * rng.standard_normal(n)
    points[:, 1] = y0 + sy * rng.standard_normal(n)
    points[:, 2] = z_from_depth(depth, experiment)
    return points

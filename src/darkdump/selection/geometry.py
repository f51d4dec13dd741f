"""Line geometry of the selection: two-track vertex, Z_TAX and CDA_TAX.

All positions are in the NA62 frame (origin at the target centre, Z along the
beam, Y up; JHEP sec. 2) in mm; directions and momenta may have any unit since
only their direction matters.

>>> import numpy as np
>>> p1, d1 = np.array([[0.0, 0.0, 0.0]]), np.array([[1.0, 0.0, 1.0]])
>>> p2, d2 = np.array([[2.0, 0.0, 0.0]]), np.array([[-1.0, 0.0, 1.0]])
>>> vertex, cda = closest_approach(p1, d1, p2, d2)
>>> vertex.round(6).tolist(), cda.round(6).tolist()   # lines cross at (1, 0, 1) mm
([[1.0, 0.0, 1.0]], [0.0])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from darkdump.kinematics import dot3, norm3
from darkdump.typing import FloatArray

__all__ = ["PARALLEL_SIN2", "closest_approach", "z_tax_cda_tax"]

#: Two lines whose opening angle theta has sin^2(theta) below this are treated as
#: parallel (theta < 1e-6 rad; signal opening angles are > 1e-5 rad even for a
#: 5 MeV A' at 400 GeV, 2 M / p).
PARALLEL_SIN2 = 1e-12


def _as_points(a: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"expected an array of shape (n, 3) or (3,), got shape {arr.shape}")
    return arr


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.asarray(dot3(a, b), dtype=np.float64)


def closest_approach(
    p1: npt.ArrayLike, d1: npt.ArrayLike, p2: npt.ArrayLike, d2: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Closest approach of two straight lines ``p1 + t d1`` and ``p2 + s d2``.

    Vectorised over events; arrays of shape ``(3,)`` broadcast against ``(n, 3)``.

    Parameters
    ----------
    p1, p2
        A point on each line, shape ``(n, 3)`` [mm].
    d1, d2
        Direction of each line (any non-zero length, e.g. a momentum in MeV),
        shape ``(n, 3)``.

    Returns
    -------
    vertex
        Midpoint of the shortest segment joining the two lines, shape ``(n, 3)`` [mm].
        For (numerically) parallel lines, whose closest points are not unique, the
        midpoint between ``p1`` and its projection onto line 2.
    cda
        Distance of closest approach, shape ``(n,)`` [mm], ``>= 0``.
    """
    a1, b1, a2, b2 = (_as_points(x) for x in (p1, d1, p2, d2))
    n = max(a1.shape[0], b1.shape[0], a2.shape[0], b2.shape[0])
    a1, b1, a2, b2 = (np.broadcast_to(x, (n, 3)) for x in (a1, b1, a2, b2))
    w0 = a1 - a2
    a = _dot(b1, b1)
    b = _dot(b1, b2)
    c = _dot(b2, b2)
    d = _dot(b1, w0)
    e = _dot(b2, w0)
    denom = a * c - b * b  # = |d1|^2 |d2|^2 sin^2(theta) >= 0
    parallel = denom <= PARALLEL_SIN2 * a * c
    safe = np.where(parallel, 1.0, denom)
    t = np.where(parallel, 0.0, (b * e - c * d) / safe)
    s = np.where(parallel, e / c, (a * e - b * d) / safe)
    q1 = a1 + t[:, np.newaxis] * b1
    q2 = a2 + s[:, np.newaxis] * b2
    vertex = 0.5 * (q1 + q2)
    cda = norm3(q1 - q2)
    return np.asarray(vertex, dtype=np.float64), np.asarray(cda, dtype=np.float64)


def z_tax_cda_tax(
    vertex: npt.ArrayLike, momentum: npt.ArrayLike, beam_point: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Z_TAX and CDA_TAX: where the A' line of flight meets the proton beam line.

    JHEP 09 (2023) 035, sec. 4 (and PRL 133 (2024) 111802, text before eq. 1):
    the A' production point is estimated as the point of closest approach P_CDA
    between the A' line of flight (through the two-track ``vertex``, along the
    total ``momentum``) and the proton beam line (through the mean impact point
    on the TAX, JHEP eq. 2.1, parallel to Z). Z_TAX is the Z coordinate of
    P_CDA and CDA_TAX the distance of closest approach. Because the beam line is
    parallel to Z, the shortest segment between the two lines is transverse, so
    both of its ends (and its midpoint) have the same Z: Z_TAX is unambiguous.

    Parameters
    ----------
    vertex
        Two-track vertex, shape ``(n, 3)`` [mm].
    momentum
        Total momentum of the pair (only its direction matters), shape ``(n, 3)`` [MeV].
    beam_point
        A point of the beam line, shape ``(3,)`` [mm]; for NA62, the mean impact
        point (0, -22, 23070) mm (JHEP eq. 2.1).

    Returns
    -------
    z_tax
        Shape ``(n,)`` [mm]. For a line of flight parallel to the beam (no
        transverse momentum) every Z is a closest point; the vertex Z is returned.
    cda_tax
        Shape ``(n,)`` [mm], ``>= 0``.

    Examples
    --------
    A flight line along (0.001, 0, 1) passing 5 mm above the beam line at Z = 23.07 m:

    >>> import numpy as np
    >>> from hepunits import m, mm
    >>> beam = np.array([0.0, -22.0, 23070.0]) * mm
    >>> vertex = np.array([[0.001 * 100e3, -22.0 + 5.0, 123070.0]]) * mm
    >>> z, cda = z_tax_cda_tax(vertex, np.array([[0.001, 0.0, 1.0]]), beam)
    >>> print(f"{z[0] / m:.3f} m, {cda[0] / mm:.3f} mm")
    23.070 m, 5.000 mm
    """
    v = _as_points(vertex)
    u = _as_points(momentum)
    b = np.asarray(beam_point, dtype=np.float64).reshape(3)
    n = max(v.shape[0], u.shape[0])
    v = np.broadcast_to(v, (n, 3))
    u = np.broadcast_to(u, (n, 3))
    wx = v[:, 0] - b[0]
    wy = v[:, 1] - b[1]
    ux = u[:, 0]
    uy = u[:, 1]
    ut2 = ux * ux + uy * uy
    parallel = ut2 <= PARALLEL_SIN2 * _dot(u, u)
    t = np.where(parallel, 0.0, -(wx * ux + wy * uy) / np.where(parallel, 1.0, ut2))
    z_tax = v[:, 2] + t * u[:, 2]
    cda = np.hypot(wx + t * ux, wy + t * uy)
    return np.asarray(z_tax, dtype=np.float64), np.asarray(cda, dtype=np.float64)

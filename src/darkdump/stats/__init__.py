"""darkdump stage: stats. CLs limits from the extended unbinned likelihood of PRL eq. (5).

Public API (masses in MeV, expected yields in events at the median POT of the POT
constraint). Generic: the numbers of an analysis (its POT and background constraints,
its channels) live with it; NA62 2021's in :mod:`darkdump.analyses.na62_2021.statistics`.

Model
    :class:`ChannelSpec` (one channel: background log-normal, mass pdf, observed masses,
    optional efficiency nuisance); :class:`LogNormal`; :class:`Model` (channels combined,
    POT shared; constraint convention documented in :mod:`darkdump.stats.model`).
Mass pdfs
    :mod:`darkdump.stats.pdfs`: Bernstein (PRL eq. B1), Landau, flat, truncated Gaussian.
CLs
    :func:`cls` -- CLs (observed and expected quantiles) for a batch of points with
    vectorised toys; :data:`EXPECTED_QUANTILES`; toy modes ``"frequentist"`` (default,
    PRL) and ``"hybrid"``.
Grid scan and contours
    :class:`GridChannel` (a channel with ``n_exp`` and ``sigma_m`` grids (n_mass, n_eps));
    :func:`scan` -> :class:`ScanResult` with CLs grids (observed + 5 expected curves, see
    :data:`CURVES`) and :class:`Contour` per curve (per-mass ``[eps_lower, eps_upper]``
    intervals and polygons); :func:`contour`, :func:`exclusion_intervals`.
Counting
    :func:`counting_upper_limit` (one-bin CLs limit on the signal events, the engine's
    check; :func:`counting_cls`), :func:`bayesian_upper_limit` and
    :func:`bayesian_contour` (JHEP sec. 7: Poisson counting with a Bayesian log-normal
    POT nuisance).

Example for the end-to-end step::

    from darkdump.analyses.na62_2021.statistics import POT_CONSTRAINT, ee_channel, mumu_channel
    from darkdump.stats import GridChannel, scan
    result = scan([GridChannel(ee_channel([]), n_exp_ee, sigma_ee),
                   GridChannel(mumu_channel([411.0]), n_exp_mumu, sigma_mumu)],
                  mass_MeV, eps, pot=POT_CONSTRAINT, n_toys=1000, seed=1)
    result.cls[0]                      # observed CLs (n_mass, n_eps)
    result.contours["observed"].intervals
"""

from __future__ import annotations

from darkdump.stats.cls import DEFAULT_TOY_MODE, EXPECTED_QUANTILES, ClsResult, cls
from darkdump.stats.contours import Contour, contour, exclusion_intervals, exclusion_polygons
from darkdump.stats.counting import (
    bayesian_contour,
    bayesian_upper_limit,
    counting_cls,
    counting_upper_limit,
)
from darkdump.stats.model import ChannelSpec, LogNormal, Model
from darkdump.stats.scan import CURVES, GridChannel, ScanResult, proxy_cls, scan

__all__ = [
    "CURVES",
    "DEFAULT_TOY_MODE",
    "EXPECTED_QUANTILES",
    "ChannelSpec",
    "ClsResult",
    "Contour",
    "GridChannel",
    "LogNormal",
    "Model",
    "ScanResult",
    "bayesian_contour",
    "bayesian_upper_limit",
    "cls",
    "contour",
    "counting_cls",
    "counting_upper_limit",
    "exclusion_intervals",
    "exclusion_polygons",
    "proxy_cls",
    "scan",
]

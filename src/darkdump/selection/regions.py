"""Signal, validation and control regions in the (Z_TAX, CDA_TAX) plane.

The regions are data of the experiment file: a :class:`Region` is a box or an ellipse
in (Z_TAX, CDA_TAX), or a set of cuts on named selection variables (:data:`VARIABLES`),
minus other regions of the same channel, read from ``[regions.<channel>.<name>]``
tables whose keys are the :class:`Region` fields in metres (``kind``, ``z_min_m``,
``z_max_m``, ``cda_max_m``, ``z_center_m``, ``z_half_axis_m``, ``cda_half_axis_m``,
``cuts = [{variable, min, max}, ...]``, ``exclude``, ``source``). NA62 2021's (JHEP
eqs. 4.1-4.2, PRL eqs. 1-2, and the approximated control regions of JHEP fig. 10) are in
``analyses/na62_2021/experiment.toml``.

>>> import numpy as np
>>> from hepunits import m, mm
>>> from darkdump.experiments import load
>>> na62 = load("na62-2021")
>>> in_region("mumu", "SR", np.array([23.0, 23.0]) * m, np.array([5.0, 25.0]) * mm, na62).tolist()
[True, False]
>>> in_region("ee", "SR", np.array([34.0]) * m, np.array([5.0]) * mm, na62).tolist()
[True]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from hepunits import GeV, m

from darkdump.errors import DarkdumpInputError

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = ["CHANNELS", "VARIABLES", "Region", "in_region", "regions_for"]

#: Named selection variables a ``kind = "cuts"`` region may cut on, and the factor from
#: the file's unit (in the name) to the internal one. Z_TAX and CDA_TAX always come
#: with the region test; the others from the selection (:func:`darkdump.selection.select`).
VARIABLES: dict[str, float] = {
    "z_tax_m": m,
    "cda_tax_m": m,
    "vertex_z_m": m,
    "vertex_rho_m": m,
    "m_ll_GeV": GeV,
    "p_total_GeV": GeV,
}

CHANNELS = ("ee", "mumu")

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Region:
    """A region of the (Z_TAX, CDA_TAX) plane, or cuts on named variables.

    Attributes
    ----------
    kind
        ``"box"``: ``z_min < Z_TAX < z_max`` and ``CDA_TAX < cda_max``;
        ``"ellipse"``: ``((Z_TAX - z_center)/z_half_axis)^2 + (CDA_TAX/cda_half_axis)^2 < 1``;
        ``"cuts"``: ``low < variable < high`` for every ``(variable, low, high)`` of ``cuts``
        (internal units, variables of :data:`VARIABLES`).
    z_min, z_max, cda_max
        Box bounds [mm].
    z_center, z_half_axis, cda_half_axis
        Ellipse centre and half axes [mm] (the ellipse is centred at CDA_TAX = 0).
    exclude
        Names of regions of the same channel removed from this one.
    source
        Where the definition comes from.
    """

    kind: Literal["box", "ellipse", "cuts"]
    z_min: float = -np.inf
    z_max: float = np.inf
    cda_max: float = np.inf
    z_center: float = 0.0
    z_half_axis: float = 1.0
    cda_half_axis: float = 1.0
    exclude: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""
    cuts: tuple[tuple[str, float, float], ...] = ()

    def contains(
        self,
        z_tax: npt.ArrayLike,
        cda_tax: npt.ArrayLike,
        variables: Mapping[str, npt.ArrayLike] | None = None,
    ) -> BoolArray:
        """Return the points inside the region, before exclusions.

        Z_TAX, CDA_TAX in mm; ``variables`` by name in internal units for
        ``kind = "cuts"``.
        """
        z = np.asarray(z_tax, dtype=np.float64)
        c = np.asarray(cda_tax, dtype=np.float64)
        if self.kind == "cuts":
            known = {"z_tax_m": z, "cda_tax_m": c, **(variables or {})}
            ok = np.ones(np.broadcast(z, c).shape, dtype=np.bool_)
            for name, low, high in self.cuts:
                if name not in known:
                    raise DarkdumpInputError(
                        f"region cut on {name!r}: this selection provides "
                        + ", ".join(sorted(known))
                    )
                value = np.asarray(known[name], dtype=np.float64)
                ok &= (value > low) & (value < high)
            return ok
        if self.kind == "box":
            return np.asarray((z > self.z_min) & (z < self.z_max) & (c < self.cda_max))
        u = (z - self.z_center) / self.z_half_axis
        v = c / self.cda_half_axis
        return np.asarray(u * u + v * v < 1.0)


_LENGTH_KEYS = {
    "z_min_m": "z_min",
    "z_max_m": "z_max",
    "cda_max_m": "cda_max",
    "z_center_m": "z_center",
    "z_half_axis_m": "z_half_axis",
    "cda_half_axis_m": "cda_half_axis",
}


def _experiment_section(experiment: Experiment | None, name: str) -> Mapping[str, Any] | None:
    if experiment is None:
        return None
    value = getattr(experiment, name, None)
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        # Unset bounds are None in the schema (unbounded): left out, the Region defaults apply.
        dumped: Mapping[str, Any] = value.model_dump(exclude_none=True)
        return dumped
    if isinstance(value, Mapping):
        return value
    return None


def _region_from_table(channel: str, name: str, table: Mapping[str, Any]) -> Region:
    where = f"regions.{channel}.{name}"
    kind = table.get("kind")
    if kind not in ("box", "ellipse", "cuts"):
        raise DarkdumpInputError(
            f"experiment key '{where}.kind': {kind!r}; allowed: box, ellipse, cuts"
        )
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("kind", "source"):
            continue
        if key == "cuts":
            kwargs["cuts"] = _cuts_from_table(where, value)
            continue
        if key == "exclude":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise DarkdumpInputError(
                    f"experiment key '{where}.exclude': expected a list of region names"
                )
            kwargs["exclude"] = tuple(value)
            continue
        if key not in _LENGTH_KEYS:
            raise DarkdumpInputError(
                f"experiment key '{where}.{key}' is not allowed; allowed: kind, source, exclude, "
                + ", ".join(_LENGTH_KEYS)
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DarkdumpInputError(f"experiment key '{where}.{key}': expected a number of metres")
        kwargs[_LENGTH_KEYS[key]] = float(value) * m
    if kind == "ellipse" and (
        kwargs.get("z_half_axis", 0.0) <= 0 or kwargs.get("cda_half_axis", 0.0) <= 0
    ):
        raise DarkdumpInputError(
            f"experiment key '{where}': an ellipse needs z_half_axis_m > 0 and cda_half_axis_m > 0"
        )
    return Region(kind, source=str(table.get("source", where)), **kwargs)


def _cuts_from_table(where: str, value: Any) -> tuple[tuple[str, float, float], ...]:
    if not isinstance(value, (list, tuple)):
        raise DarkdumpInputError(f"experiment key '{where}.cuts': expected a list of tables")
    out = []
    for i, cut in enumerate(value):
        if not isinstance(cut, Mapping) or cut.get("variable") not in VARIABLES:
            raise DarkdumpInputError(
                f"experiment key '{where}.cuts.{i}.variable': allowed: {', '.join(VARIABLES)}"
            )
        unit = VARIABLES[cut["variable"]]
        low = float(cut.get("min", -np.inf)) * unit
        high = float(cut.get("max", np.inf)) * unit
        out.append((str(cut["variable"]), low, high))
    return tuple(out)


def regions_for(channel: str, experiment: Experiment | None = None) -> dict[str, Region]:
    """Return the regions of ``channel`` (``"ee"`` or ``"mumu"``) by name.

    From the experiment's ``regions`` section (``[regions.<channel>.<name>]`` tables,
    lengths in metres); empty without one.
    """
    if channel not in CHANNELS:
        raise DarkdumpInputError(f"channel {channel!r}: allowed: {', '.join(CHANNELS)}")
    found: dict[str, Region] = {}
    section = _experiment_section(experiment, "regions")
    if section is not None:
        tables = section.get(channel) or {}
        for name, table in tables.items():
            if isinstance(table, Region):
                found[name] = table
            elif isinstance(table, Mapping):
                found[name] = _region_from_table(channel, name, table)
            else:
                raise DarkdumpInputError(f"experiment key 'regions.{channel}.{name}': not a table")
    return found


def in_region(
    channel: str,
    region: str,
    z_tax: npt.ArrayLike,
    cda_tax: npt.ArrayLike,
    experiment: Experiment | None = None,
    variables: Mapping[str, npt.ArrayLike] | None = None,
) -> BoolArray:
    """Mask of the points of (Z_TAX, CDA_TAX) that fall in ``region`` of ``channel``.

    Parameters
    ----------
    channel
        ``"ee"`` or ``"mumu"``.
    region
        Region name (``"SR"``, ``"VR"``, ``"CR1"``... for mumu; ``"SR"``, ``"CR"`` for ee).
    z_tax, cda_tax
        Shape ``(n,)`` [mm].
    experiment
        The experiment whose ``regions`` section defines the regions.
    variables
        Further named variables (:data:`VARIABLES`, internal units) for regions of kind
        ``"cuts"``.

    Returns
    -------
    mask
        Boolean array of shape ``(n,)``; exclusions (e.g. VR without SR) applied.
    """
    regions = regions_for(channel, experiment)
    if region not in regions:
        raise DarkdumpInputError(
            f"region {region!r} of channel {channel!r}: allowed: "
            f"{', '.join(regions) or 'none (the experiment has no [regions.' + channel + '] tables)'}"
        )
    target = regions[region]
    mask = target.contains(z_tax, cda_tax, variables)
    for other in target.exclude:
        if other not in regions:
            raise DarkdumpInputError(
                f"region {channel}.{region} excludes unknown region {other!r}; "
                f"known: {', '.join(regions)}"
            )
        mask &= ~regions[other].contains(z_tax, cda_tax, variables)
    return np.asarray(mask, dtype=np.bool_)

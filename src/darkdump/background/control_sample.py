"""The single-track control-sample format, its validating reader and its writer.

A control sample (JHEP 09 (2023) 035 sec. 5.2: Q1-triggered, not H2, events with a
single good STRAW track in time with the trigger) is a table with one row per
track. Files speak GeV, metres and nanoseconds; every column carries its unit:

============  ========  ==================================================================
column        type      meaning
============  ========  ==================================================================
event_id      integer   event number (unique within a burst)
burst_id      integer   burst (spill) number; pairs are only formed within a burst
time_ns       float     track time [ns] from the start of the burst (NA48-CHOD/CHOD time)
charge        integer   +1 or -1
pid           integer   identified species as ``|PDG id|``: 13 muon, 11 electron,
                        211 pion, 0 unidentified (JHEP sec. 4 PID by E/p and MUV3)
px_GeV        float     momentum x component [GeV/c] (upstream of the spectrometer magnet)
py_GeV        float     momentum y component [GeV/c]
pz_GeV        float     momentum z component [GeV/c]
x_m           float     track position x [m] at the reference plane
y_m           float     track position y [m] at the reference plane
z_m           float     z [m] of that position (the reference plane, e.g. 180 m as in
                        JHEP sec. 5.1; may differ per track)
weight        float     OPTIONAL per-track weight (default 1)
============  ========  ==================================================================

Coordinates are in the NA62 frame (origin at the target centre, Z along the
beam, Y up; JHEP sec. 2). The upstream track is the straight line through the
position along the momentum (the residual field in the decay volume is
neglected).

Formats: Apache Parquet (``.parquet``, via pyarrow) or a ROOT file (``.root``)
with one TTree of flat branches named as above (read and written with uproot;
an RNTuple with the same fields is read too).
Any problem (a missing column, a column of the wrong type, a NaN or null, a
charge other than +-1) is a one-line :class:`~darkdump.errors.DarkdumpInputError`
naming the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from hepunits import GeV, m, ns
from particle import Particle

from darkdump.errors import DarkdumpInputError
from darkdump.typing import FloatArray

__all__ = [
    "FLOAT_COLUMNS",
    "INTEGER_COLUMNS",
    "PID_ELECTRON",
    "PID_MUON",
    "PID_PION",
    "PID_UNIDENTIFIED",
    "REQUIRED_COLUMNS",
    "SingleTrackSample",
    "read_control_sample",
    "write_control_sample",
]

IntArray = npt.NDArray[np.int64]

#: PID codes: absolute PDG ids from ``particle``.
PID_MUON: Final[int] = abs(int(Particle.from_name("mu-").pdgid))
PID_ELECTRON: Final[int] = abs(int(Particle.from_name("e-").pdgid))
PID_PION: Final[int] = abs(int(Particle.from_name("pi+").pdgid))
PID_UNIDENTIFIED: Final[int] = 0

INTEGER_COLUMNS: Final[tuple[str, ...]] = ("event_id", "burst_id", "charge", "pid")
FLOAT_COLUMNS: Final[tuple[str, ...]] = (
    "time_ns",
    "px_GeV",
    "py_GeV",
    "pz_GeV",
    "x_m",
    "y_m",
    "z_m",
)
REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "event_id",
    "burst_id",
    "time_ns",
    "charge",
    "pid",
    "px_GeV",
    "py_GeV",
    "pz_GeV",
    "x_m",
    "y_m",
    "z_m",
)
OPTIONAL_FLOAT_COLUMNS: Final[tuple[str, ...]] = ("weight",)
#: Largest per-track weight accepted (a downscaled stream weighs its downscale factor,
#: tens to thousands; 1e9 leaves room and keeps sums of 1e7 tracks finite).
MAX_WEIGHT: Final[float] = 1e9


@dataclass(frozen=True)
class SingleTrackSample:
    """Single tracks of a control sample, structure of arrays, internal units.

    Attributes
    ----------
    event_id, burst_id
        Integer ids, shape ``(n,)``.
    time
        Track time from the start of the burst, shape ``(n,)`` [ns].
    charge
        +1 or -1, shape ``(n,)``.
    pid
        ``|PDG id|`` of the identified species (13, 11, 211, or 0), shape ``(n,)``.
    momentum
        Shape ``(n, 3)`` [MeV].
    position
        Point of the upstream track line, shape ``(n, 3)`` [mm].
    weight
        Per-track weight, shape ``(n,)`` [dimensionless].
    source
        Where the tracks come from (file name, or the generator and its seed).
    """

    event_id: IntArray
    burst_id: IntArray
    time: FloatArray
    charge: IntArray
    pid: IntArray
    momentum: FloatArray
    position: FloatArray
    weight: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        n = self.time.shape[0]
        shapes = {
            "event_id": (self.event_id.shape, (n,)),
            "burst_id": (self.burst_id.shape, (n,)),
            "charge": (self.charge.shape, (n,)),
            "pid": (self.pid.shape, (n,)),
            "weight": (self.weight.shape, (n,)),
            "momentum": (self.momentum.shape, (n, 3)),
            "position": (self.position.shape, (n, 3)),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise ValueError(f"SingleTrackSample.{name}: shape {got}, expected {want}")

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def subset(self, index: npt.NDArray[Any]) -> SingleTrackSample:
        """Rows selected by a boolean mask or an index array."""
        return SingleTrackSample(
            event_id=self.event_id[index],
            burst_id=self.burst_id[index],
            time=self.time[index],
            charge=self.charge[index],
            pid=self.pid[index],
            momentum=self.momentum[index],
            position=self.position[index],
            weight=self.weight[index],
            source=self.source,
        )

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """File columns (GeV, m, ns) of the documented format."""
        return {
            "event_id": self.event_id.astype(np.int64),
            "burst_id": self.burst_id.astype(np.int64),
            "time_ns": self.time / ns,
            "charge": self.charge.astype(np.int8),
            "pid": self.pid.astype(np.int32),
            "px_GeV": self.momentum[:, 0] / GeV,
            "py_GeV": self.momentum[:, 1] / GeV,
            "pz_GeV": self.momentum[:, 2] / GeV,
            "x_m": self.position[:, 0] / m,
            "y_m": self.position[:, 1] / m,
            "z_m": self.position[:, 2] / m,
            "weight": self.weight.astype(np.float64),
        }

    @classmethod
    def from_columns(
        cls, columns: Mapping[str, npt.NDArray[Any]], source: str = "columns"
    ) -> SingleTrackSample:
        """Validate file columns (GeV, m, ns) and convert them to internal units.

        Raises
        ------
        DarkdumpInputError
            One line naming the missing column, the column of the wrong type, or
            the first row with a NaN/infinite value or a charge other than +-1.
        """
        for name in REQUIRED_COLUMNS:
            if name not in columns:
                raise DarkdumpInputError(
                    f"control sample {source}: missing column {name!r}; required: "
                    + ", ".join(REQUIRED_COLUMNS)
                )
        arrays: dict[str, npt.NDArray[Any]] = {}
        n: int | None = None
        for name in (*REQUIRED_COLUMNS, *OPTIONAL_FLOAT_COLUMNS):
            if name not in columns:
                continue
            arr = np.asarray(columns[name])
            if arr.ndim != 1:
                raise DarkdumpInputError(
                    f"control sample {source}: column {name!r} must be flat (one value per "
                    f"track), got shape {arr.shape}"
                )
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise DarkdumpInputError(
                    f"control sample {source}: column {name!r} has {arr.shape[0]} rows, "
                    f"expected {n}"
                )
            if name in INTEGER_COLUMNS:
                if not np.issubdtype(arr.dtype, np.integer):
                    raise DarkdumpInputError(
                        f"control sample {source}: column {name!r} has type {arr.dtype}; "
                        "expected an integer type"
                    )
            else:
                if not (
                    np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
                ):
                    raise DarkdumpInputError(
                        f"control sample {source}: column {name!r} has type {arr.dtype}; "
                        "expected a floating-point number"
                    )
                arr = arr.astype(np.float64)
                bad = ~np.isfinite(arr)
                if bad.any():
                    row = int(np.argmax(bad))
                    raise DarkdumpInputError(
                        f"control sample {source}: column {name!r} has a NaN or infinite "
                        f"value at row {row}"
                    )
            arrays[name] = arr
        charge = arrays["charge"].astype(np.int64)
        wrong = (charge != 1) & (charge != -1)
        if wrong.any():
            row = int(np.argmax(wrong))
            raise DarkdumpInputError(
                f"control sample {source}: column 'charge' is {charge[row]} at row {row}; "
                "allowed: +1, -1"
            )
        momentum = np.stack([arrays["px_GeV"], arrays["py_GeV"], arrays["pz_GeV"]], axis=1) * GeV
        if np.any(momentum[:, 2] <= 0):
            row = int(np.argmax(momentum[:, 2] <= 0))
            raise DarkdumpInputError(
                f"control sample {source}: column 'pz_GeV' is not positive at row {row}; "
                "tracks must go downstream"
            )
        position = np.stack([arrays["x_m"], arrays["y_m"], arrays["z_m"]], axis=1) * m
        weight = arrays.get("weight", np.ones(charge.shape[0]))
        if charge.shape[0] == 0:
            raise DarkdumpInputError(f"control sample {source}: no tracks")
        wrong_weight = (weight < 0) | (weight > MAX_WEIGHT)
        if wrong_weight.any():
            row = int(np.argmax(wrong_weight))
            raise DarkdumpInputError(
                f"control sample {source}: column 'weight' is {weight[row]:g} at row {row}; "
                f"allowed: 0 to {MAX_WEIGHT:g}"
            )
        return cls(
            event_id=arrays["event_id"].astype(np.int64),
            burst_id=arrays["burst_id"].astype(np.int64),
            time=np.asarray(arrays["time_ns"] * ns, dtype=np.float64),
            charge=charge,
            pid=arrays["pid"].astype(np.int64),
            momentum=np.asarray(momentum, dtype=np.float64),
            position=np.asarray(position, dtype=np.float64),
            weight=np.asarray(weight, dtype=np.float64),
            source=source,
        )


def _read_parquet(path: Path) -> dict[str, npt.NDArray[Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DarkdumpInputError(
            f"control sample {str(path)!r}: not readable as Parquet: {first}"
        ) from None
    columns: dict[str, npt.NDArray[Any]] = {}
    for name in table.column_names:
        col = table.column(name)
        if col.null_count:
            raise DarkdumpInputError(
                f"control sample {str(path)!r}: column {name!r} has {col.null_count} null values"
            )
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            columns[name] = col.to_numpy()
        else:
            columns[name] = np.asarray(col.to_pylist(), dtype=object)
    return columns


#: ROOT classes read as a table of tracks (uproot >= 5.7 writes RNTuples by default).
_TREE_CLASSES: Final[tuple[str, ...]] = ("TTree", "ROOT::RNTuple")


def _read_root(path: Path, tree: str | None) -> dict[str, npt.NDArray[Any]]:
    import uproot

    try:
        handle = uproot.open(path)
    except Exception as exc:  # uproot raises many types for a non-ROOT file
        raise DarkdumpInputError(
            f"control sample {str(path)!r}: not readable as ROOT: {type(exc).__name__}"
        ) from None
    with handle as file:
        trees = sorted(
            {k.split(";")[0] for k, c in file.classnames().items() if c in _TREE_CLASSES}
        )
        if tree is None:
            if len(trees) != 1:
                raise DarkdumpInputError(
                    f"control sample {str(path)!r}: expected exactly one TTree (or RNTuple), found "
                    f"{len(trees)} ({', '.join(trees) or 'none'}); name one with tree="
                )
            tree = trees[0]
        elif tree not in trees:
            raise DarkdumpInputError(
                f"control sample {str(path)!r}: no TTree {tree!r}; found: {', '.join(trees)}"
            )
        try:
            arrays = file[tree].arrays(library="np")
        except Exception as exc:  # a truncated or corrupted file fails while reading
            first = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(",")
            raise DarkdumpInputError(
                f"control sample {str(path)!r}: the ROOT file is truncated or corrupted "
                f"({type(exc).__name__}: {first})"
            ) from None
        columns: dict[str, npt.NDArray[Any]] = {k: np.asarray(v) for k, v in arrays.items()}
    return columns


def read_control_sample(path: str | Path, tree: str | None = None) -> SingleTrackSample:
    """Read and validate a single-track control sample (``.parquet`` or ``.root``).

    Parameters
    ----------
    path
        File in the format of this module's documentation.
    tree
        TTree name for a ROOT file (default: the file's only TTree).

    Returns
    -------
    SingleTrackSample
        In internal units (MeV, mm, ns).

    Raises
    ------
    DarkdumpInputError
        Unknown suffix, unreadable file, or invalid content (one line naming it).
    """
    p = Path(path)
    if not p.exists():
        raise DarkdumpInputError(f"control sample {str(p)!r}: no such file")
    if not p.is_file():
        raise DarkdumpInputError(
            f"control sample {str(p)!r}: not a regular file (a folder, pipe or device)"
        )
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        columns = _read_parquet(p)
    elif suffix == ".root":
        columns = _read_root(p, tree)
    else:
        raise DarkdumpInputError(
            f"control sample {str(p)!r}: unknown suffix {suffix!r}; allowed: .parquet, .root"
        )
    return SingleTrackSample.from_columns(columns, source=repr(str(p)))


def write_control_sample(
    sample: SingleTrackSample,
    path: str | Path,
    tree: str = "tracks",
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write a control sample in the documented format (``.parquet`` or ``.root``).

    Parameters
    ----------
    sample
        The tracks.
    path
        Output file; the suffix chooses the format.
    tree
        TTree name for ROOT output.
    metadata
        Key/value strings stored in the Parquet schema metadata (e.g. generator and
        seed); ignored for ROOT.

    Returns
    -------
    Path
        The written file.
    """
    p = Path(path)
    columns = sample.to_columns()
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(columns)
        meta = {b"darkdump.source": sample.source.encode()}
        for key, value in (metadata or {}).items():
            meta[f"darkdump.{key}".encode()] = value.encode()
        table = table.replace_schema_metadata(meta)
        pq.write_table(table, p)
    elif suffix == ".root":
        import uproot

        with uproot.recreate(p) as file:
            # mktree: an explicit TTree (plain assignment makes an RNTuple in uproot 5.7)
            ttree = file.mktree(tree, {k: v.dtype for k, v in columns.items()})
            ttree.extend(columns)
    else:
        raise DarkdumpInputError(
            f"output {str(p)!r}: unknown suffix {suffix!r}; allowed: .parquet, .root"
        )
    return p

"""Fuzz the files users give: mutated experiment TOMLs and malformed control samples.

hypothesis draws mutations (a key removed, a value of another type, a number negated,
zeroed, made huge or NaN, detector elements reordered) of the shipped files. Loading and
the first stages that read the file must either work or stop with a one-line
:class:`DarkdumpInputError`; never another exception. ``pytest -m slow`` draws more.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from hepunits import GeV
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from darkdump.errors import DarkdumpInputError

EXAMPLES = int(os.environ.get("DARKDUMP_FUZZ_EXAMPLES", "25"))
SRC = Path(__file__).parents[1] / "src/darkdump"
FILES = [
    "analyses/na62_2021/experiment.toml",
    "experiments/na62_1e18.toml",
    "analyses/charm/experiment.toml",
    "analyses/nucal/experiment.toml",
]
NUMBER_LINE = re.compile(r"^(\s*[A-Za-z_0-9]+\s*=\s*)(-?[0-9][0-9.eE+-]*)(.*)$")
BAD_VALUES = ["-1.0", "0.0", "1e300", "nan", "inf", '"text"', "true", "[1.0, 2.0]", "{}", "-0.0"]


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    kind = data.draw(st.sampled_from(["value", "delete", "swap_elements", "duplicate"]))
    numeric = [i for i, line in enumerate(lines) if NUMBER_LINE.match(line)]
    keyed = [i for i, line in enumerate(lines) if re.match(r"^\s*[A-Za-z_]+\s*=", line)]
    if kind == "value" and numeric:
        i = data.draw(st.sampled_from(numeric))
        head, number, tail = NUMBER_LINE.match(lines[i]).groups()  # type: ignore[union-attr]
        new = data.draw(st.sampled_from([*BAD_VALUES, f"-{number}"]))
        lines[i] = f"{head}{new}{tail if tail.strip().startswith('#') else ''}"
    elif kind == "delete" and keyed:
        del lines[data.draw(st.sampled_from(keyed))]
    elif kind == "swap_elements":
        blocks = "\n".join(lines).split("[[detector.elements]]")
        if len(blocks) > 3:
            i = data.draw(st.integers(1, len(blocks) - 2))
            blocks[i], blocks[i + 1] = blocks[i + 1], blocks[i]
        return "[[detector.elements]]".join(blocks)
    elif kind == "duplicate" and keyed:
        i = data.draw(st.sampled_from(keyed))
        lines.insert(i, lines[i])
    return "\n".join(lines) + "\n"


def _use(path: Path) -> None:
    """Load the file and run the cheap first stages that read it."""
    from darkdump import production
    from darkdump.experiments import load
    from darkdump.sensitivity.acceptance import ChannelAcceptance

    exp = load(path)
    if exp.has_spectrometer:
        from darkdump.detector import detector_geometry

        detector_geometry(exp)
    if exp.acceptance is not None:
        for channel in exp.acceptance.channels():
            ChannelAcceptance.build(exp, channel)
    rate = production.per_pot_over_eps2("brems", 0.3 * GeV, exp)
    assert np.isfinite(rate)
    assert rate >= 0


@pytest.mark.parametrize("name", FILES)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_experiment_file_works_or_is_one_line(
    tmp_path_factory: pytest.TempPathFactory, name: str, data: st.DataObject
) -> None:
    text = _mutate((SRC / name).read_text(encoding="utf-8"), data)
    path = tmp_path_factory.mktemp("fuzz") / Path(name).name
    path.write_text(text, encoding="utf-8")
    try:
        _use(path)
    except DarkdumpInputError as exc:
        error = str(exc)
    else:
        return
    assert error
    assert "\n" not in error


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_malformed_control_sample_reads_or_is_one_line(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from darkdump.background.control_sample import (
        FLOAT_COLUMNS,
        INTEGER_COLUMNS,
        REQUIRED_COLUMNS,
        read_control_sample,
    )

    n = data.draw(st.integers(0, 20))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    table: dict[str, object] = {}
    for name in REQUIRED_COLUMNS:
        if name in INTEGER_COLUMNS:
            table[name] = rng.integers(-1, 3, n)
        else:
            table[name] = rng.normal(0.0, 1e3, n)
    table["weight"] = rng.uniform(0.0, 2.0, n)
    action = data.draw(
        st.sampled_from(["drop", "nan", "inf", "negative", "strings", "huge", "none"])
    )
    column = data.draw(st.sampled_from([*REQUIRED_COLUMNS, "weight"]))
    if action == "drop":
        table.pop(column)
    elif action in ("nan", "inf", "huge", "negative") and n:
        values = np.asarray(table[column], dtype=np.float64).copy()
        values[data.draw(st.integers(0, n - 1))] = {
            "nan": np.nan,
            "inf": np.inf,
            "huge": 1e300,
            "negative": -5.0,
        }[action]
        table[column] = values
    elif action == "strings":
        table[column] = [str(v) for v in np.asarray(table[column]).tolist()]
    path = tmp_path_factory.mktemp("cs") / "sample.parquet"
    pq.write_table(pa.table(table), path)
    assert set(FLOAT_COLUMNS) | set(INTEGER_COLUMNS) >= set(REQUIRED_COLUMNS)
    try:
        sample = read_control_sample(path)
    except DarkdumpInputError as exc:
        error = str(exc)
    else:
        error = ""
    if error:
        assert "\n" not in error
        return
    for name in REQUIRED_COLUMNS:
        values = np.asarray(getattr(sample, name, None) if hasattr(sample, name) else 0.0)
        if values.dtype.kind == "f":
            assert np.all(np.isfinite(values))


@pytest.mark.slow
def test_file_fuzz_many_more_cases() -> None:
    """The same with many more draws."""
    import subprocess
    import sys

    env = {**os.environ, "DARKDUMP_FUZZ_EXAMPLES": "200"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            __file__,
            "-m",
            "not slow",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]

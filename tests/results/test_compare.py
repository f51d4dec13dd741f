"""Ratios against a published curve, and the modelling envelope of --variations."""

from __future__ import annotations

import math
from pathlib import Path

from darkdump.analyses.na62_2021.reproduce import _model_envelopes
from darkdump.results.compare import compare, curve_from_rows


def test_curve_hull_and_ratios() -> None:
    rows = [
        (0.3, "observed", 1e-7, 1e-6),
        (0.3, "observed", 2e-6, 3e-6),  # a second interval: hull 1e-7 - 3e-6
        (0.4, "observed", 2e-7, 1e-6),
        (0.4, "expected", 1e-9, 1e-3),
    ]
    ours = curve_from_rows(rows, kind="observed")
    assert ours == {0.3: (1e-7, 3e-6), 0.4: (2e-7, 1e-6)}
    ref = {0.3: (2e-7, 3e-6), 0.4: (2e-7, 2e-6), 0.5: (3e-7, 1e-6)}
    comp = compare(ours, ref, (0.3, 0.5))
    assert comp.lower_ratio[:2] == (0.5, 1.0)
    assert comp.upper_ratio[:2] == (1.0, 0.5)
    assert math.isnan(comp.lower_ratio[2])  # nothing excluded at 0.5 GeV by us
    assert comp.worst == math.inf
    assert comp.reach_GeV == 0.4
    assert comp.reference_reach_GeV == 0.5
    assert not comp.within(10.0)
    assert compare(ours, ref, (0.3, 0.4)).worst == 2.0


def test_model_envelope_union_and_intersection() -> None:
    nominal = {"a": [(0.3, "observed", 2e-7, 2e-6), (0.4, "observed", 3e-7, 1e-6)]}
    varied = [
        {"a": [(0.3, "observed", 1e-7, 1.5e-6)]},  # excludes nothing at 0.4 GeV
        {"a": [(0.3, "observed", 3e-7, 3e-6), (0.4, "observed", 2e-7, 2e-6)]},
    ]
    env = _model_envelopes(nominal, varied)["a"]
    assert (0.3, "model_high", 1e-7, 3e-6) in env
    assert (0.3, "model_low", 3e-7, 1.5e-6) in env
    assert (0.4, "model_high", 2e-7, 2e-6) in env
    # Not every alternative excludes 0.4 GeV: no conservative contour there.
    assert not [r for r in env if r[0] == 0.4 and r[1] == "model_low"]


def test_grid_edge_flag() -> None:
    from darkdump.analyses.na62_2021.reproduce import grid_edge

    assert grid_edge((0.1, "observed", 1e-8, 1e-6), 1e-8, 1e-3) == "lower"
    assert grid_edge((0.1, "observed", 2e-8, 1e-3), 1e-8, 1e-3) == "upper"
    assert grid_edge((0.1, "observed", 1e-8, 1e-3), 1e-8, 1e-3) == "lower+upper"
    assert grid_edge((0.1, "observed", 2e-8, 1e-6), 1e-8, 1e-3) == ""


def test_each_variation_is_written_on_its_own(tmp_path: Path) -> None:
    import csv

    from darkdump.analyses.na62_2021.reproduce import _write_variation_files
    from darkdump.experiments import load

    experiment = load("na62-2021")
    varied = [
        (
            {"mumu": [(0.3, "observed", 2e-7 * (i + 1), 2e-6), (0.3, "model_low", 1.0, 2.0)]},
            [(0.3, "brems", "both", 3e-7, 4e-6), (0.7, "meson", "ee", math.nan, math.nan)],
        )
        for i in range(len(experiment.variations))
    ]
    limits_csv, zero_csv = _write_variation_files(tmp_path, experiment, varied)
    rows = list(csv.DictReader(limits_csv.read_text().splitlines()))
    assert [r["variation"] for r in rows] == [v.name for v in experiment.variations]
    assert {r["kind"] for r in rows} == {"observed"}  # envelopes are not repeated here
    assert float(rows[1]["epsilon_lower"]) == 4e-7
    zero = list(csv.DictReader(zero_csv.read_text().splitlines()))
    assert len(zero) == 2 * len(experiment.variations)
    assert zero[1]["epsilon_lower"] == zero[1]["epsilon_upper"] == ""  # nothing excluded
    assert "nan" not in zero_csv.read_text().lower()


def test_choice_table_row_reads_ratios_at_the_asked_masses() -> None:
    from darkdump.analyses.na62_2021 import REFERENCES
    from darkdump.analyses.na62_2021.report import (
        CHOICE_CELLS,
        choice_table_header,
        choice_table_row,
    )

    ref = {0.05: (1e-7, 1e-5), 0.3: (2e-7, 2e-6), 0.5: (3e-7, 1e-6)}
    ours = {0.05: (0.8e-7, 1.1e-5), 0.3: (2e-7, 1e-6)}  # nothing excluded at 0.5 GeV
    comps = [(spec, compare(ours, ref, (0.02, 0.6))) for spec in REFERENCES.values()]
    row = choice_table_row("x", "{}", comps)
    header = choice_table_header()
    assert len(row) == len(header) == 3 + sum(len(m) for _, m in CHOICE_CELLS)
    cells = dict(zip(header, row, strict=True))
    assert cells["fig. 4 outer, 50 MeV"] == "0.80/1.10"
    assert cells["fig. 4 outer, 300 MeV"] == "1.00/0.50"
    assert cells["fig. 4 outer, 500 MeV"] == "-"
    assert row[-1] == "300 / 300 / 300"

from __future__ import annotations

import csv
import html
import os
from pathlib import Path

import numpy as np
import pytest

from darkdump.analyses.na62_2021.reproduce import ReproduceConfig, run_reproduction

HEADER = [
    "mass_GeV",
    "kind",
    "epsilon_lower",
    "epsilon_upper",
    "grid_edge",
    "epsilon_lower_mc_error",
    "epsilon_upper_mc_error",
]
KINDS = {
    "observed",
    "expected",
    "expected_-2sigma",
    "expected_-1sigma",
    "expected_+1sigma",
    "expected_+2sigma",
}


def tiny(seed: int = 7) -> ReproduceConfig:
    """A few masses around the mumu sensitivity, low statistics: seconds, not minutes."""
    return ReproduceConfig(
        seed=seed,
        quick=True,
        masses_MeV=(100.0, 300.0, 411.0, 500.0),
        epsilons=tuple(np.logspace(-8, -3, 40).tolist()),
        n_events=4000,
        n_toys=150,
        refine_toys=None,
        precision=0.05,
        max_toys=600,
        alp_masses_MeV=(300.0,),
        alp_taus_ns=tuple(np.logspace(-3, 3, 20).tolist()),
        alp_n_events=3000,
    )


def read_rows(path: Path) -> list[list[str]]:
    with path.open() as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    run_reproduction(tiny(), out, workers=1, quiet=True, log=lambda _m: None)
    return out


def test_outputs_exist_with_documented_columns(serial_run: Path) -> None:
    for name in ("mumu", "mumu_cls", "ee", "combined"):
        rows = read_rows(serial_run / "limits" / f"{name}.csv")
        assert rows[0] == HEADER
        assert {r[1] for r in rows[1:]} <= KINDS
        for row in rows[1:]:
            assert 0 < float(row[2]) < float(row[3]) <= 1e-3
            assert row[4] in {"", "lower", "upper", "lower+upper"}
            if name != "mumu" and row[1] in KINDS:  # CLs edges carry their MC error
                assert float(row[5]) >= 0
                assert float(row[6]) >= 0
    assert read_rows(serial_run / "alp" / "ee.csv")[0] == [
        "mass_GeV",
        "tau_ps",
        "br_limit",
        "br_limit_mc_error",
    ]
    alp = read_rows(serial_run / "alp" / "ee.csv")[1:]
    assert alp
    assert all(0 < float(r[3]) <= float(r[2]) for r in alp)  # bound / sqrt(n_eff), n_eff >= 1
    for name in (
        "report.html",
        "provenance.json",
        "limits/zero_event_geometric.csv",
        "yields/yields.h5",
    ):
        assert (serial_run / name).is_file(), name
    # The combined figure is in the report (embedded, with its caption).
    from darkdump.analyses.na62_2021.report import FIGURES

    caption = FIGURES["limits_combined.png"]
    assert html.escape(caption) in (serial_run / "report.html").read_text()


def test_mumu_excludes_near_411_mev_with_one_event(serial_run: Path) -> None:
    # JHEP sec. 7: the 411 MeV event enters the counting limit at 411 MeV (inside
    # +-3 sigma_M), not at 100 MeV; with one event the limit is weaker than with none.
    import json

    info = json.loads((serial_run / "limits" / "counting_method.json").read_text())
    assert info["n_obs_per_mass"]["0.411"] == 1
    assert info["n_obs_per_mass"]["0.3"] == 0
    assert float(info["limits_events"]["1"]) > float(info["limits_events"]["0"])


def test_resume_uses_cache_and_gives_identical_files(serial_run: Path, tmp_path: Path) -> None:
    # A second run into the same folder takes every task from the cache (no task
    # runs: a failing task function proves it) and rewrites the same CSVs.
    import darkdump.analyses.na62_2021.reproduce as rep

    before = {p: p.read_bytes() for p in (serial_run / "limits").glob("*.csv")}

    def boom(_task: object) -> object:
        raise AssertionError("task recomputed although cached")

    saved = rep._yield_task, rep._alp_task, rep._scan
    rep._yield_task = rep._alp_task = rep._scan = boom  # type: ignore[assignment]
    try:
        run_reproduction(tiny(), serial_run, workers=1, quiet=True, log=lambda _m: None)
    finally:
        rep._yield_task, rep._alp_task, rep._scan = saved
    assert {p: p.read_bytes() for p in (serial_run / "limits").glob("*.csv")} == before


def test_resume_under_other_code_recomputes(
    serial_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache key holds darkdump's code fingerprint, not just its version: the same
    # folder under changed code must not resume from the old entries.
    import darkdump.analyses.na62_2021.reproduce as rep
    import darkdump.results.provenance as prov

    def boom(_task: object) -> object:
        raise AssertionError("recomputed")

    monkeypatch.setattr(prov, "_installed_fingerprint", lambda: "0123456789abcdef")
    monkeypatch.setattr(rep, "_yield_task", boom)
    with pytest.raises(AssertionError, match="recomputed"):
        run_reproduction(tiny(), serial_run, workers=1, quiet=True, log=lambda _m: None)


@pytest.mark.skipif(os.environ.get("DARKDUMP_SKIP_DASK") == "1", reason="Dask test disabled")
def test_dask_local_cluster_gives_byte_identical_csvs(serial_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "dask"
    run_reproduction(tiny(), out, workers=2, quiet=True, log=lambda _m: None)
    for path in sorted((serial_run / "limits").glob("*.csv")) + sorted(
        (serial_run / "alp").glob("*.csv")
    ):
        other = out / path.relative_to(serial_run)
        assert other.read_bytes() == path.read_bytes(), path.name


@pytest.mark.slow
def test_quick_reproduction_matches_the_papers_statements(tmp_path: Path) -> None:
    """JHEP sec. 8: the mumu result excludes 215-550 MeV for couplings of the order of
    1e-6; its fig. 14 contour contains eps = 1e-6 from about 220 to 505 MeV and closes at
    538 MeV (above 505 MeV its upper edge is below 1e-6: 8.7e-7 at 520 MeV). PRL abstract:
    the combination extends the limits over 50-600 MeV for couplings 1e-6 to 4e-5.
    Checked on the --quick statistics (masses 10, 40, 70, ... MeV): at eps = 1e-6 every
    grid mass in 250-490 MeV is inside an observed mumu interval, 520 MeV at 6.5e-7
    (inside the published 5.0e-7 to 8.7e-7), and every mass in 70-520 MeV inside a
    combined one (the edges are left out because the contour closes there)."""
    run_reproduction(
        ReproduceConfig.create(quick=True), tmp_path, workers=1, quiet=True, log=lambda _m: None
    )

    def excluded(name: str, mass_gev: float, eps: float) -> bool:
        rows = read_rows(tmp_path / "limits" / f"{name}.csv")[1:]
        return any(
            abs(float(r[0]) - mass_gev) < 1e-9
            and r[1] == "observed"
            and float(r[2]) < eps < float(r[3])
            for r in rows
        )

    masses = [0.01 + 0.03 * i for i in range(24)]
    for m in masses:
        if 0.25 <= m <= 0.49:
            assert excluded("mumu", m, 1e-6), m
            assert excluded("mumu_cls", m, 1e-6), m
        if 0.07 <= m <= 0.52:
            assert excluded("combined", m, 1e-6), m
    assert excluded("mumu", 0.52, 6.5e-7)
    assert excluded("mumu_cls", 0.52, 6.5e-7)
    # Far outside the papers' regions nothing is excluded.
    assert not excluded("combined", 0.4, 1e-4)
    assert not excluded("combined", 0.4, 1e-8)


def test_report_is_self_contained_and_well_formed(serial_run: Path, tmp_path: Path) -> None:
    """Every figure is embedded (the report opens from anywhere) and decodes as a PNG;
    every table row has as many cells as its header."""
    import base64
    import shutil
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.images: list[str] = []
            self.tables: list[list[int]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img":
                self.images.append(dict(attrs)["src"] or "")
            elif tag == "table":
                self.tables.append([])
            elif tag == "tr":
                self.tables[-1].append(0)
            elif tag in ("td", "th"):
                self.tables[-1][-1] += 1

    moved = tmp_path / "elsewhere.html"
    shutil.copy(serial_run / "report.html", moved)  # alone, without figures/
    parser = Parser()
    parser.feed(moved.read_text(encoding="utf-8"))
    assert len(parser.images) >= 10
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert parser.tables
    for rows in parser.tables:
        assert len(set(rows)) == 1, rows
    text = moved.read_text(encoding="utf-8")
    assert "darkdump " in text
    assert "Configuration:" in text


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_hepdata_output_of_a_run_validates(serial_run: Path) -> None:
    from hepdata_validator.full_submission_validator import FullSubmissionValidator

    folder = serial_run / "limits" / "hepdata"
    assert (folder / "submission.yaml").is_file()
    assert (folder / "combined_observed.yaml").is_file()
    validator = FullSubmissionValidator()
    assert validator.validate(directory=str(folder)), validator.get_messages()

"""``darkdump sensitivity`` and ``darkdump reproduce charm|nucal``: files, figures, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from darkdump.cli import main

COLUMNS = ["mass_GeV", "production", "channel", "kind", "epsilon_lower", "epsilon_upper"]
TABLE_MASSES_GEV = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def na62_reach(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reach")
    assert (
        main(
            ["sensitivity", "na62-1e18", "--out", str(out), "--quick", "--workers", "1", "--quiet"]
        )
        == 0
    )
    return out


def test_by_production_csv(na62_reach: Path) -> None:
    rows = _rows(na62_reach / "limits" / "by_production.csv")
    assert {r["production"] for r in rows} == {"brems", "meson", "total"}
    assert {r["channel"] for r in rows} == {"ee", "mumu", "all"}
    assert {r["kind"] for r in rows} == {"observed"}
    masses = {float(r["mass_GeV"]) for r in rows}
    for m in TABLE_MASSES_GEV:
        assert any(abs(m - x) < 1e-9 for x in masses), m
    for r in rows:
        lo, hi = float(r["epsilon_lower"]), float(r["epsilon_upper"])
        assert 0 < lo < hi < 1
    # The total excludes at least what each production mode excludes (at 100 MeV, all channels).
    at = {
        r["production"]: (float(r["epsilon_lower"]), float(r["epsilon_upper"]))
        for r in rows
        if r["mass_GeV"] == "0.1" and r["channel"] == "all"
    }
    assert at["total"][0] <= min(at["brems"][0], at["meson"][0])
    assert at["total"][1] >= max(at["brems"][1], at["meson"][1])


def test_maps_figures_report_and_provenance(na62_reach: Path) -> None:
    with h5py.File(na62_reach / "yields" / "reach.h5") as f:
        n = f["ee/brems/n_exp"][()]
        assert n.shape == (f["mass_GeV"].size, f["epsilon"].size)
        assert np.all(np.isfinite(n))
        assert f.attrs["threshold_events"] == pytest.approx(2.3)
        assert f.attrs["n_pot"] == pytest.approx(1e18)
    assert (na62_reach / "figures" / "reach.png").stat().st_size > 10_000
    html = (na62_reach / "report.html").read_text(encoding="utf-8")
    assert "na62-1e18" in html
    assert "data:image/png;base64" in html
    # Strict JSON (the experiment's unbounded region sides once came out as Infinity).
    text = (na62_reach / "provenance.json").read_text(encoding="utf-8")
    provenance = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in provenance"))
    assert provenance["experiment"]["name"] == "na62-1e18"


def test_pot_scales_the_lower_edge_as_the_fourth_root(tmp_path: Path) -> None:
    # Long-lifetime limit: N_exp ~ N_POT eps^4, so 16x the POT lowers the lower edge by 2x
    # where the A' lives much longer than the 100 m to the decay volume (20 MeV: measured
    # 2.001; at 300 MeV the exponential decay already matters, 2.11).
    edges = {}
    for pot in ("1e17", "1.6e18"):
        out = tmp_path / pot
        assert (
            main(
                [
                    "sensitivity",
                    "na62-1e18",
                    "--out",
                    str(out),
                    "--quick",
                    "--pot",
                    pot,
                    "--workers",
                    "1",
                    "--quiet",
                ]
            )
            == 0
        )
        rows = _rows(out / "limits" / "by_production.csv")
        edges[pot] = next(
            float(r["epsilon_lower"])
            for r in rows
            if r["mass_GeV"] == "0.02" and r["production"] == "total" and r["channel"] == "all"
        )
    assert edges["1e17"] / edges["1.6e18"] == pytest.approx(2.0, rel=0.005)


@pytest.mark.parametrize("name", ["charm", "nucal"])
def test_reproduce_charm_and_nucal(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    assert main(["reproduce", name, "--out", str(out), "--quick", "--workers", "1", "--quiet"]) == 0
    rows = _rows(out / "limits" / "by_production.csv")
    total = [r for r in rows if r["production"] == "total" and r["channel"] == "all"]
    assert total, "something is excluded"
    assert (out / "report.html").is_file()
    assert (out / "figures" / "reach.png").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reproduce", "charm", "--variations"], "--variations: applies to na62-2021 only"),
        (["sensitivity", "na62-1e18", "--pot", "-1"], "--pot"),
        (["sensitivity", "na62-1e18", "--events", "nan"], "--events"),
        (["sensitivity", "na62-1e18", "--model", "alp"], "--model"),
    ],
)
def test_bad_usage_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        status = main([*argv, "--out", str(tmp_path / "x")])
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert not (tmp_path / "x").exists()


def test_experiment_without_acceptance_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = Path(__file__).parents[2] / "src/darkdump/experiments/na62_1e18.toml"
    text = src.read_text(encoding="utf-8")
    cut = text.index("# Zero-background geometric acceptance")
    end = text.index("[modelling.brems]")
    bad = tmp_path / "noacc.toml"
    bad.write_text(text[:cut] + text[end:], encoding="utf-8")
    assert main(["sensitivity", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "no [acceptance] section" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "calorimeter"', 'kind = "calorimetre"', r"elements\.\d+\[LKr\]\.kind"),
        ("half_width_m = 1.13", "half_width_m = -1.13", r"\[LKr\]\.aperture\.half_width_m"),
        ("z_m = 241.495", "z_m = 190.0", r"ordered along the beam: 'LKr'"),
        ("n_pot = 1.0e18", "", r"beam\.n_pot"),
        ('elements = ["LKr"]', 'elements = ["ECAL"]', r"no element named 'ECAL'"),
    ],
)
def test_bad_user_file_is_one_line_naming_key_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    import re

    src = Path(__file__).parents[2] / "src/darkdump/experiments/na62_1e18.toml"
    text = src.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "my_dump.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["sensitivity", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert re.search(message, err[0]), err[0]
    assert "my_dump.toml" in err[0]
    assert not (tmp_path / "o").exists()


def test_alp_reach_files_and_long_lifetime_scaling(tmp_path: Path) -> None:
    out = tmp_path / "alp"
    assert (
        main(
            [
                "sensitivity",
                "na62-1e18",
                "--model",
                "alp-BK",
                "--out",
                str(out),
                "--quick",
                "--quiet",
            ]
        )
        == 0
    )
    with (out / "limits" / "alp.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["mass_GeV", "channel", "tau_ps", "br_product_limit"]
        rows = [r for r in reader if r["mass_GeV"] == "0.3" and r["channel"] == "all"]
    tau = np.array([float(r["tau_ps"]) for r in rows])
    bound = np.array([float(r["br_product_limit"]) for r in rows])
    assert np.all((bound > 0) & (bound < 1))
    # Long lifetimes: P_D -> L / (gamma beta c tau), so the bound grows as tau (slope 1 in
    # log-log) once c tau >> the 100-180 m flight paths (tau > 1e6 ps: c tau > 300 m x gamma).
    far = tau > 1e6
    slope = np.polyfit(np.log(tau[far]), np.log(bound[far]), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.05)
    assert (out / "figures" / "alp_all.png").is_file()
    assert "ALP" in (out / "report.html").read_text(encoding="utf-8")


def test_alp_reach_without_b_spectra_for_the_beam_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sensitivity", "nucal", "--model", "alp-BK", "--out", str(tmp_path / "n")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "b spectra for 400 GeV protons only" in err[0]
    assert not (tmp_path / "n").exists()


def test_earlier_regions_are_read_and_a_bad_folder_is_refused(
    na62_reach: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from darkdump.sensitivity.output import read_by_production

    name, rows = read_by_production(na62_reach)
    assert name == "na62-1e18"
    assert len(rows) > 50
    assert all(0 < lo < hi < 1 for _, lo, hi in rows)
    # A folder without a reach run: one line, exit 2, before the NA62 chain starts.
    out = tmp_path / "na62"
    status = main(
        ["reproduce", "na62-2021", "--quick", "--out", str(out), "--earlier", str(tmp_path)]
    )
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--earlier" in err[0]
    assert not out.exists()

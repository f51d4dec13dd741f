"""``darkdump production``: JSON keys, zero-not-NaN above thresholds, one-line errors, plot.

The meson spectra are replaced by a toy stand-in (not physics) so that the command's
plumbing is tested independently of the shipped PYTHIA tables; one test uses the
shipped tables when they are present.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hepunits import GeV

import darkdump.production as production
from darkdump.cli import main
from darkdump.production import MECHANISMS

KEYS = ["brems", "pi0", "eta", "etaprime", "rho", "omega", "phi"]


class ToySpectra:
    """Stand-in for darkdump.production.spectra (NOT physics)."""

    def multiplicity(self, species: str) -> float:
        return {"pi0": 4.0, "eta": 0.4, "etaprime": 0.04, "rho": 0.5, "omega": 0.5, "phi": 0.02}[
            species
        ]

    def sample(self, species: str, n: int, rng: np.random.Generator) -> np.ndarray:
        p = rng.exponential(20 * GeV, n) + 1 * GeV
        return np.stack([np.zeros(n), np.zeros(n), p], axis=1)


@pytest.fixture
def toy_spectra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(production, "_default_spectra", lambda *_: ToySpectra())


def _run_json(capsys: pytest.CaptureFixture[str], mass: str) -> dict:
    status = main(
        ["production", "na62-2021", "--mass", mass, "--format", "json", "--events", "3000"]
    )
    assert status == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.usefixtures("toy_spectra")
def test_json_keys_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run_json(capsys, "0.3")
    assert out["mass_GeV"] == 0.3
    assert list(out["per_pot_over_eps2"]) == KEYS == list(MECHANISMS)
    assert list(out["per_pot_over_eps2_p_gt_10GeV"]) == KEYS
    # pi0 -> gamma A' is closed at 0.3 GeV: exactly zero, not NaN.
    assert out["per_pot_over_eps2"]["pi0"] == 0.0
    assert out["per_pot_over_eps2_p_gt_10GeV"]["pi0"] == 0.0
    for key in KEYS:
        total = out["per_pot_over_eps2"][key]
        above = out["per_pot_over_eps2_p_gt_10GeV"][key]
        assert math.isfinite(total)
        assert math.isfinite(above)
        assert 0.0 <= above <= total * (1 + 1e-12)
    assert out["per_pot_over_eps2"]["brems"] > 0.0


@pytest.mark.usefixtures("toy_spectra")
def test_all_mesons_closed_at_high_mass(capsys: pytest.CaptureFixture[str]) -> None:
    # 1.2 GeV is above every meson channel of JHEP eq. 3.3 (phi -> pi0 A' closes at 0.88 GeV).
    out = _run_json(capsys, "1.2")
    for key in KEYS[1:]:
        assert out["per_pot_over_eps2"][key] == 0.0
    assert out["per_pot_over_eps2"]["brems"] > 0.0


def test_mass_outside_range_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["production", "na62-2021", "--mass", "5", "--format", "json"])
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "5 GeV" in err
    assert "outside" in err


@pytest.mark.usefixtures("toy_spectra")
def test_plot_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "spectra.png"
    status = main(
        ["production", "na62-2021", "--mass", "0.05", "--events", "2000", "--plot", str(png)]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "brems" in out
    assert "total" in out
    assert png.stat().st_size > 1000


def test_shipped_spectra_if_present(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        production._default_spectra()
    except Exception:  # the PYTHIA tables are shipped by another work package
        pytest.skip("shipped meson spectra not available yet")
    out = _run_json(capsys, "0.05")
    assert out["per_pot_over_eps2"]["pi0"] > out["per_pot_over_eps2"]["eta"] > 0.0


@pytest.mark.usefixtures("toy_spectra")
def test_brems_cuts_are_options(capsys: pytest.CaptureFixture[str]) -> None:
    base = _run_json(capsys, "0.3")["per_pot_over_eps2"]["brems"]
    status = main(
        [
            "production",
            "na62-2021",
            "--mass",
            "0.3",
            "--format",
            "json",
            "--events",
            "3000",
            "--brems-z-range",
            "0.05",
            "0.9",
            "--brems-pt-max",
            "2",
        ]
    )
    assert status == 0
    wider = json.loads(capsys.readouterr().out)
    assert wider["per_pot_over_eps2"]["brems"] > base
    assert wider["brems_cuts"] == {
        "z_min": 0.05,
        "z_max": 0.9,
        "pt_max_GeV": 2.0,
        "form_factor": "none",  # na62-2021 [modelling.brems]
    }
    status = main(["production", "na62-2021", "--mass", "0.3", "--brems-z-range", "0.9", "0.1"])
    assert status == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_api_input_errors() -> None:
    from darkdump.errors import DarkdumpInputError
    from darkdump.experiments import load

    na62 = load("na62-2021")
    rng = np.random.default_rng(0)
    with pytest.raises(DarkdumpInputError, match="mechanism 'kaon' is unknown"):
        production.generate("kaon", 0.3 * GeV, 10, rng, na62)
    with pytest.raises(DarkdumpInputError, match="n=0"):
        production.generate("brems", 0.3 * GeV, 0, rng, na62)
    # Below 2 m_e (the dark-photon model range) and above 1.7 GeV (VMD form factor range).
    for mass in (0.5e-3 * GeV, 1.8 * GeV):
        with pytest.raises(DarkdumpInputError, match="outside the production range"):
            production.per_pot_over_eps2("brems", mass, na62)


def test_alp_mechanism_dispatches_to_alp_module() -> None:
    pytest.importorskip("darkdump.production.alp")
    from darkdump.errors import DarkdumpInputError
    from darkdump.experiments import load

    try:
        sample = production.generate(
            "B", 1.0 * GeV, 200, np.random.default_rng(4), load("na62-2021")
        )
    except DarkdumpInputError as exc:  # B spectra not shipped yet
        pytest.skip(str(exc))
    assert sample.mechanism == "B"
    assert len(sample) == 200
    assert np.all(np.isfinite(sample.momentum))


def test_unwritable_spectra_cache_is_refused_before_pythia(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 14: an unwritable DARKDUMP_CACHE failed only after PYTHIA had run.
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("DARKDUMP_CACHE", str(blocker / "cache"))
    status = main(["spectra", "na62-2021", "--kind", "mesons", "--events", "100", "--seed", "6"])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "DARKDUMP_CACHE" in err[0]

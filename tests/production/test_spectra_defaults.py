"""The shipped default spectra: provenance, physics sanity against published numbers,
and (slow) exact reproduction from the PYTHIA run they were made from."""

from __future__ import annotations

import json
import math
import shlex
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from darkdump.experiments import load
from darkdump.production import pythia_gen, spectra
from darkdump.production.spectra import B_SPECIES, MESONS, load_default


def _meta(kind: str) -> dict[str, object]:
    path = resources.files("darkdump.data").joinpath("spectra", f"{kind}.json")
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("kind", ["mesons", "b", "mesons_70GeV", "mesons_pA"])
def test_provenance_is_recorded(kind: str) -> None:
    meta = _meta(kind)
    settings = meta["settings"]
    assert isinstance(settings, dict)
    assert settings["pythia8mc_version"] == pythia_gen.pythia_version()
    command = shlex.split(str(meta["command"]))
    assert command[:2] == ["darkdump", "spectra"]
    assert f"--seed={settings['seed']}" in command or str(settings["seed"]) in command
    assert str(settings["n_events"]) in command
    assert meta["n_events"] == settings["n_events"]
    # well under 10 MB together (issue 3)
    base = resources.files("darkdump.data").joinpath("spectra")
    size = sum(base.joinpath(f"{k}.npz").stat().st_size for k in ("mesons", "b", kind))  # type: ignore[attr-defined]
    assert size < 1_000_000


def test_meson_table_is_consistent() -> None:
    table = load_default("mesons")
    assert table.species == MESONS
    for name in MESONS:
        n_events = int(_meta("mesons")["n_events"])  # type: ignore[call-overload]
        # multiplicity per POT = entries / events x interaction probability (19.6 lambda)
        assert table.multiplicity(name) == pytest.approx(
            table.counts[name].sum() / n_events * (1 - math.exp(-19.53)), rel=1e-6
        )


# Published multiplicities per inelastic pp interaction at 400 GeV/c (sqrt(s) = 27.4 GeV).
# pi0 from the PYTHIA 8 parametrisation of Kafexhiu, Aharonian, Taylor and Vila,
# PRD 90 (2014) 123014, eq. 6 with the PYTHIA 8 coefficients of their table IV
# (a1..a5 = 0.652, 0.0016, 0.488, 0.1928, 0.483): <pi0>(T_p = 399 GeV) = 3.67.
# Measured (LEBC-EHS / NA27, Aguilar-Benitez et al., Z. Phys. C 50 (1991) 405, as
# tabulated in Becattini and Heinz, Z. Phys. C 76 (1997) 269, table 1):
# pi0 3.87 +- 0.12, eta 0.30 +- 0.02, rho0 0.385 +- 0.018, omega 0.390 +- 0.024,
# phi 0.019 +- 0.001. These measured values include pi0 from K0_S and hyperon decays
# (about 0.2 per event), which our tables exclude (weak decays off).
def _kafexhiu_pi0(t_p_gev: float) -> float:
    a1, a2, a3, a4, a5 = 0.652, 0.0016, 0.488, 0.1928, 0.483
    q = (t_p_gev - 3.0) / 0.938272
    return a1 * q**a4 * (1 + math.exp(-a2 * q**a5)) * (1 - math.exp(-a3 * q**0.25))


def test_kafexhiu_parametrisation_hand_value() -> None:
    assert _kafexhiu_pi0(400.0 - 0.938272) == pytest.approx(3.67, abs=0.01)


@pytest.mark.parametrize(
    ("species", "reference", "factor"),
    [
        # PYTHIA 8.3 (Monash tune, fitted at LHC energies; NA62 used PYTHIA 8.2 with the
        # same default tune, PRL appendix A) overshoots soft multiplicities at sqrt(s) =
        # 27 GeV: 10.8 charged particles per event here against about 9 measured, and
        # its vector/pseudoscalar and eta/pi0 ratios are the LEP e+e- ones. Measured:
        # pi0 +22%, rho0 and omega +70%, eta +90%, phi +23% (see the module report).
        # The test pins these known deviations as bands (a factor), so that a counting
        # error (double counting, lost feed-down, wrong frame) fails: dropping feed-down
        # gives pi0 = 1.65 (ratio 0.43), double-counting gives ratios 2.4 and above.
        ("pi0", 3.87, 1.35),
        ("rho", 0.385, 2.0),
        ("omega", 0.390, 2.0),
        ("eta", 0.30, 2.2),
        ("phi", 0.019, 1.35),
    ],
)
def test_multiplicities_against_published(species: str, reference: float, factor: float) -> None:
    per_event = _meta("mesons")["per_event"]
    assert isinstance(per_event, dict)
    ratio = per_event[species] / reference
    assert 1 / factor < ratio < factor, ratio


def test_pi0_against_pythia8_parametrisation() -> None:
    """Same generator family: PYTHIA 8 (v8.18 in Kafexhiu et al.) vs 8.317 here; 30%
    covers the tune change (4C -> Monash) and the p-n admixture."""
    per_event = _meta("mesons")["per_event"]
    assert isinstance(per_event, dict)
    assert per_event["pi0"] / _kafexhiu_pi0(399.06) == pytest.approx(1.0, abs=0.30)


def test_b_table_fragmentation_fractions_and_chi_bb() -> None:
    """B per b bbar event = 2 f(b -> B): PDG (Z pole / Tevatron averages, review
    "Production and decay of b-flavored hadrons") f_u = f_d = 0.407, f_s = 0.101.
    B+ and B0 within 5% (statistics 0.3%, PYTHIA near threshold uses the same string
    fragmentation as at LEP); Bs within 25% (PYTHIA's strangeness suppression at
    sqrt(s) = 27 GeV gives fewer Bs)."""
    meta = _meta("b")
    per_event = meta["per_event"]
    assert isinstance(per_event, dict)
    assert per_event["B+"] == pytest.approx(2 * 0.407, rel=0.05)
    assert per_event["B0"] == pytest.approx(2 * 0.407, rel=0.05)
    assert per_event["Bs"] == pytest.approx(2 * 0.101, rel=0.25)
    chi = spectra.chi_bb_for_experiment(load("na62-2021"))
    assert meta["chi_bb"] == pytest.approx(chi, rel=1e-12)
    table = load_default("b")
    assert table.species == B_SPECIES
    assert table.multiplicity("B+") == pytest.approx(chi * per_event["B+"], rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mesons", "b"])
def test_shipped_tables_reproduce_their_pythia_run(kind: str) -> None:
    """Acceptance: the shipped table equals the histogram of the (cached, or re-run with
    the recorded settings and seed) PYTHIA run, bin by bin. Re-running takes ~4 min
    for the mesons on this machine when the cache is empty."""
    meta = _meta(kind)
    s = meta["settings"]
    assert isinstance(s, dict)
    settings = pythia_gen.GenerationSettings(
        kind=s["kind"],
        n_events=s["n_events"],
        seed=s["seed"],
        beam_energy_GeV=s["beam_energy_GeV"],
        proton_fraction=s["proton_fraction"],
        tau0_max_mm=s["tau0_max_mm"],
        extra_settings=tuple(s["extra_settings"]),
    )
    run = spectra.load_cached(settings)
    if run is None:
        run = pythia_gen.generate(settings)
        spectra.store_run(run)
    rebuilt = spectra.from_run(
        run,
        interaction_probability=float(meta["interaction_probability"]),  # type: ignore[arg-type]
        feed_down=bool(meta["feed_down"]),
        chi_bb_value=meta.get("chi_bb"),  # type: ignore[arg-type]
    )
    shipped = load_default(kind)  # type: ignore[arg-type]
    for name in shipped.species:
        np.testing.assert_array_equal(rebuilt.counts[name], shipped.counts[name])
        assert rebuilt.per_pot[name] == pytest.approx(shipped.per_pot[name], rel=1e-12)


@pytest.mark.slow
def test_table_sampling_matches_raw_run_in_the_forward_region() -> None:
    """The (log p, log theta) table reproduces the raw PYTHIA momenta where NA62 looks:
    the fraction with p > 10 GeV and theta < 10 mrad and the mean momentum agree to 1%
    (binomial error of 1e6 samples: 0.3% relative at a fraction 0.12; the within-bin
    sampling shifts are below 0.5%)."""
    meta = _meta("mesons")
    s = meta["settings"]
    assert isinstance(s, dict)
    settings = pythia_gen.GenerationSettings(
        kind="mesons", n_events=s["n_events"], seed=s["seed"], proton_fraction=s["proton_fraction"]
    )
    run = spectra.load_cached(settings)
    if run is None:
        run = pythia_gen.generate(settings)
        spectra.store_run(run)
    table = load_default("mesons")
    rng = np.random.default_rng(11)
    for name in MESONS:
        raw = run.records[name].momentum_GeV.astype(float)
        smp = table.sample(name, 1_000_000, rng) / 1000.0  # MeV -> GeV
        fractions = []
        for mom in (raw, smp):
            p = np.linalg.norm(mom, axis=1)
            theta = np.arctan2(np.hypot(mom[:, 0], mom[:, 1]), mom[:, 2])
            fractions.append((np.mean((p > 10) & (theta < 0.01)), p.mean()))
        assert fractions[1][0] == pytest.approx(fractions[0][0], rel=0.01), name
        assert fractions[1][1] == pytest.approx(fractions[0][1], rel=0.01), name


def test_a_damaged_spectra_cache_entry_is_regenerated_not_trusted(tmp_path: Path) -> None:
    # Issue 14: a truncated run.npz raised BadZipFile instead of being regenerated.
    pytest.importorskip("pythia8mc")
    settings = pythia_gen.GenerationSettings(kind="mesons", n_events=50, seed=3)
    run = pythia_gen.generate(settings)
    directory = spectra.store_run(run, root=tmp_path)
    assert spectra.load_cached(settings, root=tmp_path) is not None
    npz = directory / "run.npz"
    npz.write_bytes(npz.read_bytes()[:100])
    assert spectra.load_cached(settings, root=tmp_path) is None  # -> the caller regenerates

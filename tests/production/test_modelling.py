"""The [modelling] parameters of an experiment file reach the production stage."""

from __future__ import annotations

import numpy as np
import pytest
from hepunits import GeV, MeV

from darkdump.errors import DarkdumpInputError
from darkdump.experiments import load
from darkdump.production import brems_cuts, meson_spectra, per_pot_over_eps2
from darkdump.production.brems import BremsCuts, form_factor_sq, rate

NA62 = load("na62-2021")


@pytest.mark.parametrize("mass", [50 * MeV, 300 * MeV, 600 * MeV])
def test_form_factor_choice_is_exactly_the_vmd_factor(mass: float) -> None:
    # The form factor depends on the mass alone, so "vmd" / "none" = |F(m^2)|^2 exactly
    # (PLB 731 (2014) 320: d2N = ... |F(m^2)|^2 w(z, p_T^2)).
    none = rate(mass, 400 * GeV, BremsCuts(form_factor="none"))
    vmd = rate(mass, 400 * GeV, BremsCuts(form_factor="vmd"))
    assert vmd / none == pytest.approx(float(form_factor_sq(mass)), rel=1e-12)


def test_unknown_form_factor_is_one_line_error() -> None:
    with pytest.raises(DarkdumpInputError, match="form_factor 'dipole'"):
        BremsCuts(form_factor="dipole")


def test_experiment_modelling_drives_brems_rate() -> None:
    cuts = brems_cuts(NA62)
    b = NA62.modelling.brems
    assert (cuts.z_min, cuts.z_max, cuts.pt_max, cuts.form_factor) == (
        b.z_min,
        b.z_max,
        b.pt_max_GeV * GeV,
        b.form_factor,
    )
    vmd = NA62.with_modelling({"brems": {"form_factor": "vmd"}})
    ratio = per_pot_over_eps2("brems", 300 * MeV, vmd) / per_pot_over_eps2("brems", 300 * MeV, NA62)
    assert ratio == pytest.approx(float(form_factor_sq(300 * MeV)), rel=1e-9)


def test_measured_multiplicities_replace_the_generator_values() -> None:
    measured = NA62.modelling.mesons.measured_per_pot
    spec = meson_spectra(NA62)
    generator = meson_spectra(NA62.with_modelling({"mesons": {"multiplicity": "generator"}}))
    for species, value in measured.items():
        assert spec.multiplicity(species) == value
    # eta' has no measurement: the generator's value stays.
    assert spec.multiplicity("etaprime") == generator.multiplicity("etaprime")
    # Same momentum shapes: same draws for the same seed.
    a = spec.sample("eta", 100, np.random.default_rng(1))
    b = generator.sample("eta", 100, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    # The pi0 -> gamma A' rate scales with the multiplicity.
    r = per_pot_over_eps2("pi0", 50 * MeV, NA62) / per_pot_over_eps2(
        "pi0", 50 * MeV, NA62.with_modelling({"mesons": {"multiplicity": "generator"}})
    )
    assert r == pytest.approx(measured["pi0"] / generator.multiplicity("pi0"), rel=1e-12)


def test_nucleus_collisions_scale_the_measured_values_by_the_generator_ratio() -> None:
    # collisions = "nucleus": p-Cu momentum shapes (PYTHIA Angantyr table) and the NA27
    # nucleon-nucleon multiplicities times the generator's p-Cu / p-N ratio.
    from darkdump.production.spectra import load_default, shipped_for_beam

    pcu = NA62.with_modelling({"mesons": {"collisions": "nucleus"}})
    spec = meson_spectra(pcu)
    table = shipped_for_beam("mesons", 400.0, nucleus=29)
    nucleons = load_default("mesons")
    for species, value in NA62.modelling.mesons.measured_per_pot.items():
        ratio = table.multiplicity(species) / nucleons.multiplicity(species)
        assert spec.multiplicity(species) == pytest.approx(value * ratio, rel=1e-12)
        assert 1.2 < ratio < 2.5  # more mesons per p-Cu collision than per p-N one
    assert spec.multiplicity("etaprime") == table.multiplicity("etaprime")
    a = spec.sample("pi0", 100, np.random.default_rng(1))
    np.testing.assert_array_equal(a, table.sample("pi0", 100, np.random.default_rng(1)))
    # The momentum shapes are those of p-Cu: fewer forward (x_F > 0.25) pi0 per collision.
    forward_pcu = table.multiplicity("pi0") * np.mean(
        table.sample("pi0", 200_000, np.random.default_rng(2))[:, 2] > 100 * GeV
    )
    forward_pn = nucleons.multiplicity("pi0") * np.mean(
        nucleons.sample("pi0", 200_000, np.random.default_rng(2))[:, 2] > 100 * GeV
    )
    assert forward_pcu < forward_pn


def test_nucleus_collisions_without_a_table_are_a_one_line_error() -> None:
    # NuCal (iron, 70 GeV): no p-Fe table is shipped.
    nucal = load("nucal").with_modelling({"mesons": {"collisions": "nucleus"}})
    with pytest.raises(DarkdumpInputError, match="no shipped p-nucleus mesons spectra for Z = 26"):
        meson_spectra(nucal)
    with pytest.raises(ValueError, match="collisions"):
        NA62.with_modelling({"mesons": {"collisions": "deuteron"}})


def test_bad_modelling_override_names_the_key() -> None:
    with pytest.raises(ValueError, match="unknown section 'brem'"):
        NA62.with_modelling({"brem": {"z_min": 0.1}})
    with pytest.raises(ValueError, match="z_min"):
        NA62.with_modelling({"brems": {"z_min": 0.99}})


def test_variations_listed_and_valid() -> None:
    names = [v.name for v in NA62.variations]
    assert len(names) == len(set(names)) >= 4
    for v in NA62.variations:
        assert v.source
        NA62.with_variation(v)


def test_variations_override_detector_and_selection_tables() -> None:
    from darkdump.experiments.schema import Variation

    wide = NA62.with_variation(
        Variation(name="w", detector={"isolation": {"first_tracker_min_mm": 30.0}}, source="test")
    )
    assert wide.detector.isolation.first_tracker_min_mm == 30.0
    assert wide.detector.isolation.calorimeter_min_mm == NA62.detector.isolation.calorimeter_min_mm
    assert NA62.detector.isolation.first_tracker_min_mm == 15.0  # the nominal is untouched
    anti0 = NA62.with_variation(
        Variation(name="a", selection={"mumu": {"upstream_veto_acceptance": True}})
    )
    assert anti0.selection.mumu.upstream_veto_acceptance
    assert not anti0.selection.ee.upstream_veto_acceptance
    with pytest.raises(ValueError, match="no key 'straw_mm'"):
        NA62.with_variation(Variation(name="x", detector={"isolation": {"straw_mm": 1.0}}))
    with pytest.raises(ValueError, match=r"detector\.isolations is not a table"):
        NA62.with_variation(
            Variation(name="x", detector={"isolations": {"first_tracker_min_mm": 1.0}})
        )
    with pytest.raises(ValueError, match="first_tracker_min_mm"):
        NA62.with_variation(
            Variation(name="x", detector={"isolation": {"first_tracker_min_mm": -1.0}})
        )
    with pytest.raises(ValueError, match="overrides nothing"):
        Variation(name="empty")


def test_a_beam_energy_without_spectra_is_an_error_not_a_substitution() -> None:
    # The shipped PYTHIA tables are for 400 GeV (NA62, CHARM) and 70 GeV (NuCal) protons;
    # a 120 GeV beam must not silently get either.
    beam = NA62.beam.model_copy(update={"energy_GeV": 120.0})
    other = NA62.model_copy(update={"beam": beam})
    with pytest.raises(DarkdumpInputError, match=r"beam.energy_GeV = 120: .*400 GeV protons only"):
        per_pot_over_eps2("eta", 300 * MeV, other)
    # Bremsstrahlung needs no table: it follows the beam energy.
    assert per_pot_over_eps2("brems", 300 * MeV, other) > 0


def test_the_beam_energy_picks_its_shipped_table() -> None:
    from darkdump.production.spectra import shipped_for_beam

    assert shipped_for_beam("mesons", 400.0).metadata["settings"]["beam_energy_GeV"] == 400.0
    table = shipped_for_beam("mesons", 70.0)
    assert table.metadata["settings"]["beam_energy_GeV"] == 70.0
    # Fewer mesons per interaction at sqrt(s) = 11.5 GeV than at 27.4 GeV.
    assert table.multiplicity("pi0") < shipped_for_beam("mesons", 400.0).multiplicity("pi0")


def test_sigma_bb_is_a_named_parameter_and_scales_the_alp_yield() -> None:
    # [modelling.b] sigma_bb_per_nucleon_nb: the B number per POT scales linearly with it
    # (chi_bb = A sigma_bb / sigma_inel(pA)); the NA62 default reproduces the shipped table.
    from darkdump.production.alp import b_spectra_for
    from darkdump.production.spectra import shipped_for_beam

    assert NA62.modelling.b.sigma_bb_per_nucleon_nb == 1.7
    assert NA62.modelling.b.source
    table = shipped_for_beam("b", 400.0)
    assert b_spectra_for(NA62).multiplicity("B+") == table.multiplicity("B+")
    other = NA62.with_modelling({"b": {"sigma_bb_per_nucleon_nb": 2.63}})
    ratio = b_spectra_for(other).multiplicity("B0") / table.multiplicity("B0")
    assert ratio == pytest.approx(2.63 / 1.7, rel=1e-12)

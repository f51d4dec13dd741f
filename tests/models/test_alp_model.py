"""models.alp: the model-independent ALP of JHEP 09 (2023) 035, eq. 1.3."""

from __future__ import annotations

import pytest
from hepunits import MeV, m, ns
from hypothesis import given, settings
from hypothesis import strategies as st

from darkdump.errors import DarkdumpInputError
from darkdump.models.alp import Alp, mass_range


def test_free_parameters_are_stored_as_given() -> None:
    a = Alp(mass=400 * MeV, tau=0.5 * ns, br_product=3e-10, lepton="mu")
    assert (a.mass, a.tau, a.br_product, a.lepton) == (400 * MeV, 0.5 * ns, 3e-10, "mu")
    # c tau = 299.792458 mm/ns * 0.5 ns
    assert a.ctau / m == pytest.approx(0.149896229, rel=1e-9)
    assert a.br_ee is None
    assert a.br_mumu is None


def test_mass_range_uses_lepton_threshold_and_b_to_k_kinematics() -> None:
    # 2 m_mu = 211.3168 MeV, 2 m_e = 1.0220 MeV; m_B+ - m_K+ = 5279.3(4) - 493.677 MeV (PDG)
    lo, hi = mass_range("mu")
    assert lo == pytest.approx(211.3168, abs=1e-3)
    assert hi == pytest.approx(4785.66, abs=0.2)
    assert mass_range("e")[0] == pytest.approx(1.0219979, abs=1e-6)


def test_lepton_fractions_are_inputs_not_guesses() -> None:
    a = Alp(mass=300 * MeV, tau=1 * ns, br_product=1e-9, lepton="mu")
    with pytest.raises(DarkdumpInputError, match="br_mumu"):
        _ = a.br_b_to_k_a
    b = a.with_lepton_fractions(br_ee=0.2, br_mumu=0.8)
    assert b.br_b_to_k_a == pytest.approx(1.25e-9)
    e_channel = b.for_lepton("e")
    assert e_channel.lepton == "e"
    assert e_channel.br_product == pytest.approx(2.5e-10)
    with pytest.raises(DarkdumpInputError, match="both br_ee and br_mumu"):
        a.for_lepton("e")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"mass": 100 * MeV, "lepton": "mu"}, "ALP mass 100 MeV is outside"),
        ({"mass": 5000 * MeV}, "ALP mass 5000 MeV is outside"),
        ({"mass": 0.5 * MeV, "lepton": "e"}, "ALP mass 0.5 MeV is outside"),
        ({"tau": 0.0}, "lifetime"),
        ({"tau": float("inf")}, "lifetime"),
        ({"br_product": 1.5}, "br_product"),
        ({"br_product": -1e-9}, "br_product"),
        ({"br_ee": 0.7, "br_mumu": 0.6}, "exceeds 1"),
        ({"mass": 100 * MeV, "lepton": "e", "br_mumu": 0.1}, "mu+mu- threshold"),
        ({"lepton": "tau"}, "lepton"),
    ],
)
def test_invalid_inputs_are_one_line_errors(kwargs: dict[str, object], fragment: str) -> None:
    args: dict[str, object] = {"mass": 300 * MeV, "tau": 1 * ns, "br_product": 1e-9, "lepton": "mu"}
    args.update(kwargs)
    with pytest.raises(DarkdumpInputError) as info:
        Alp(**args)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@settings(max_examples=50, deadline=None)
@given(
    br_ee=st.floats(min_value=0.01, max_value=0.5),
    br_mumu=st.floats(min_value=0.01, max_value=0.5),
    product=st.floats(min_value=1e-15, max_value=1e-3),
)
def test_channel_conversion_round_trip(br_ee: float, br_mumu: float, product: float) -> None:
    a = Alp(300 * MeV, 1 * ns, product, "mu", br_ee=br_ee, br_mumu=br_mumu)
    back = a.for_lepton("e").for_lepton("mu")
    assert back.br_product == pytest.approx(product, rel=1e-12)
    assert a.for_lepton("e").br_b_to_k_a == pytest.approx(a.br_b_to_k_a, rel=1e-12)

"""Profiled likelihood of PRL eq. 5: the vectorised Newton fit against iminuit."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iminuit import Minuit

from darkdump.analyses.na62_2021.statistics import POT_CONSTRAINT, ee_channel, mumu_channel
from darkdump.stats.engine import (
    ChannelEvents,
    Toys,
    _evaluate,
    _lambert_w_exp,
    observed_data,
    profile,
)
from darkdump.stats.model import LogNormal
from darkdump.stats.model import Model as _Model

#: The NA62 model: the POT constraint of PRL appendix B, shared by the channels.
Model = partial(_Model, pot=POT_CONSTRAINT)


def _observed(model: Model, mass: np.ndarray, sigma: np.ndarray) -> Toys:
    return observed_data(model, mass, sigma[..., None], np.ones((*sigma.shape, 1)))


def _single(toys: Toys, i: int) -> Toys:
    events = tuple(
        ChannelEvents(
            toy=ev.toy[ev.toy == i] * 0,
            log_ratio=ev.log_ratio[ev.toy == i],
            count=ev.count[i : i + 1],
            sum_log_fb=ev.sum_log_fb[i : i + 1],
        )
        for ev in toys.events
    )
    return Toys(events=events, centre=toys.centre[i : i + 1])


def _minuit_min(model: Model, toys: Toys, log_signal: np.ndarray | None) -> float:
    def nll(*u: float) -> float:
        return float(_evaluate(np.array(u)[None], model, log_signal, toys, False)[0][0])

    m = Minuit(nll, *np.zeros(model.n_nuisance))
    m.errordef = Minuit.LIKELIHOOD
    m.strategy = 2
    m.tol = 1e-10
    m.migrad()
    m.migrad()
    return float(m.fval)


@settings(max_examples=25, deadline=None)
@given(
    obs_mumu=st.lists(st.floats(220.0, 690.0), max_size=3),
    obs_ee=st.lists(st.floats(2.0, 690.0), max_size=3),
    s_mumu=st.floats(0.01, 30.0),
    s_ee=st.floats(0.01, 30.0),
    mass=st.floats(220.0, 690.0),
    rel_sigma=st.floats(0.003, 0.05),
    convention=st.sampled_from(["median", "roofit"]),
)
def test_profile_matches_iminuit(
    obs_mumu: list[float],
    obs_ee: list[float],
    s_mumu: float,
    s_ee: float,
    mass: float,
    rel_sigma: float,
    convention: str,
) -> None:
    # the acceptance: profiled -ln L equal to an independent iminuit fit to 1e-6
    model = Model((mumu_channel(obs_mumu), ee_channel(obs_ee)), convention=convention)  # type: ignore[arg-type]
    data = _observed(model, np.array([mass]), np.array([[rel_sigma * mass, rel_sigma * mass]]))
    log_s = np.log(np.array([[s_mumu, s_ee]]))
    for ls in (log_s, None):
        ours = profile(model, data, ls)
        assert ours.converged.all()
        ref = _minuit_min(model, _single(data, 0), ls)
        assert ours.nll[0] <= ref + 1e-6
        assert ours.nll[0] == pytest.approx(ref, abs=1e-6)


def test_efficiency_nuisance_and_mixture_profile_matches_iminuit() -> None:
    eff = LogNormal(1.0, 1.029)  # PRL table I, 2.9 %
    model = Model((mumu_channel([411.0], efficiency=eff), ee_channel([20.0], efficiency=eff)))
    # two-Gaussian signal pdf (brems and meson resolutions) in each channel
    sigma = np.array([[[4.0, 2.0], [6.0, 3.0]]])
    data = observed_data(model, np.array([410.0]), sigma, np.array([[[0.7, 0.3], [0.5, 0.5]]]))
    ls = np.log(np.array([[3.0, 1.5]]))
    ours = profile(model, data, ls)
    assert ours.nll[0] == pytest.approx(_minuit_min(model, data, ls), abs=1e-6)


def test_lambert_w() -> None:
    # W(x) e^W(x) = x, including arguments far beyond float range (x = e^800)
    y = np.array([-30.0, -1.0, 0.0, 1.0, 10.0, 800.0])
    w = _lambert_w_exp(y)
    assert np.allclose(np.log(w) + w, y, rtol=1e-13, atol=1e-13)


def test_no_events_no_nuisance_move_without_signal() -> None:
    # background-only fit of an empty data set: -ln L = b, minimised below the median
    model = Model((mumu_channel([]),), pot=None)
    data = _observed(model, np.array([300.0]), np.array([[3.0]]))
    fit = profile(model, data, None)
    sigma = np.log(1.125)
    # stationarity: sigma * b + u = 0 with b = 0.016 exp(sigma u)
    u = fit.u[0, 0]
    assert sigma * 0.016 * np.exp(sigma * u) + u == pytest.approx(0.0, abs=1e-12)


def test_roofit_convention_moves_constraint_mode() -> None:
    # RooLognormal as a density in theta carries 1/theta: in u the constraint is a
    # Gaussian centred at -sigma, i.e. theta's mode at median * exp(-sigma^2)
    model = Model((mumu_channel([]),), pot=None, convention="roofit")
    data = _observed(model, np.array([300.0]), np.array([[3.0]]))
    sigma = np.log(1.125)
    assert data.centre[0, 0] == pytest.approx(-sigma)
    fit = profile(model, data, None)
    u = fit.u[0, 0]
    assert sigma * 0.016 * np.exp(sigma * u) + (u + sigma) == pytest.approx(0.0, abs=1e-12)


def test_profile_of_generated_toys_matches_iminuit() -> None:
    # toys with many events (s = 8 and 15) and a pulled POT: 12 random toys vs iminuit
    from darkdump.stats.engine import _subset, generate_toys

    model = Model((mumu_channel([411.0]), ee_channel([30.0])))
    signal = np.array([[8.0, 15.0]])
    sigma = np.array([[[4.0, 2.0], [6.0, 3.0]]])
    weights = np.array([[[0.6, 0.4], [0.5, 0.5]]])
    u_fit = np.array([[-1.0, 0.5, 1.5]])
    rng = [np.random.default_rng(21)]
    toys = generate_toys(
        model, signal, np.array([420.0]), sigma, weights, u_fit, 200, rng, "frequentist", True
    )
    ls = np.log(np.repeat(signal, 200, axis=0))
    fit = profile(model, toys, ls)
    assert fit.converged.all()
    for i in np.random.default_rng(3).choice(200, 12, replace=False):
        keep = np.zeros(200, dtype=bool)
        keep[i] = True
        ref = _minuit_min(model, _subset(toys, keep), ls[i : i + 1])
        assert fit.nll[i] == pytest.approx(ref, abs=1e-6)

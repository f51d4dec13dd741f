"""Coverage of the CLs limits: a true signal is excluded in at most 10 % of experiments.

Pseudo-experiments of the one-bin counting model with the PRL appendix-B POT log-normal
(shape 1.2) and a background of 0.5 events (large enough that the count varies):
each draws the observed count from Poisson(s_true + b) and the POT auxiliary
measurement from its unit Gaussian (the true POT is the median), then computes CLs at
s_true with the frequentist toys. CLs being conservative, the fraction with CLs < 0.1
must not exceed 0.1 (binomial error of 300 experiments: 0.017).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkdump.stats.cls import cls
from darkdump.stats.model import ChannelSpec, LogNormal, Model
from darkdump.stats.pdfs import FlatShape

pytestmark = pytest.mark.slow

BACKGROUND = 0.5
N_EXPERIMENTS = 300


def excluded_fraction(s_true: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(s_true + BACKGROUND, N_EXPERIMENTS)
    aux = rng.normal(0.0, 1.0, N_EXPERIMENTS)
    excluded = 0
    for n in np.unique(counts):
        idx = np.flatnonzero(counts == n)
        channel = ChannelSpec(
            "bin", LogNormal(BACKGROUND, 1.0), FlatShape((0.0, 1.0)), np.full(int(n), 0.5)
        )
        model = Model((channel,), pot=LogNormal(1.0, 1.2))
        res = cls(
            model,
            np.full((idx.size, 1), s_true),
            np.full(idx.size, 0.5),
            np.full((idx.size, 1), 100.0),
            n_toys=1000,
            seed=seed + int(n),
            keys=idx.astype(np.int64),
            global_observables=aux[idx, None],
        )
        excluded += int(np.sum(res.cls < 0.1))
    return excluded / N_EXPERIMENTS


@pytest.mark.parametrize("s_true", [1.5, 3.0, 5.0])
def test_true_signal_excluded_at_most_ten_percent(s_true: float) -> None:
    fraction = excluded_fraction(s_true, seed=int(s_true * 10))
    assert fraction <= 0.1 + 2.0 * math.sqrt(0.1 * 0.9 / N_EXPERIMENTS), fraction

"""One-bin counting CLs against pyhf's toy-based CLs (optional: skipped without pyhf).

pyhf (>= 0.7) generates toys at the conditional fits of the nuisances and randomises the
auxiliary data, our "frequentist" mode. Its test statistic is q~_mu; for 0 observed
events the fitted mu-hat is 0, so q~_mu equals our q = -2 ln(L_sb / L_b) and the
orderings agree. A normsys modifier (hi = k, lo = 1/k, exponential interpolation) is
exactly our log-normal with sigma = ln k.
"""

from __future__ import annotations

import numpy as np
import pytest

from darkdump.stats.counting import counting_cls

pyhf = pytest.importorskip("pyhf")


def _model(s: float, b: float, k_pot: float, k_b: float) -> object:
    spec = {
        "channels": [
            {
                "name": "bin",
                "samples": [
                    {
                        "name": "signal",
                        "data": [s],
                        "modifiers": [
                            {"name": "mu", "type": "normfactor", "data": None},
                            {
                                "name": "pot",
                                "type": "normsys",
                                "data": {"hi": k_pot, "lo": 1 / k_pot},
                            },
                        ],
                    },
                    {
                        "name": "bkg",
                        "data": [b],
                        "modifiers": [
                            {
                                "name": "bkgsys",
                                "type": "normsys",
                                "data": {"hi": k_b, "lo": 1 / k_b},
                            }
                        ],
                    },
                ],
            }
        ]
    }
    return pyhf.Model(spec)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("k_pot", "k_b"), [(1.0001, 1.0001), (1.2, 1.5)])
def test_cls_matches_pyhf_toys(k_pot: float, k_b: float) -> None:
    s, b, n_pyhf = 2.5, 0.5, 1500
    pyhf.set_backend("numpy")
    model = _model(s, b, k_pot, k_b)
    data = [0, *model.config.auxdata]
    np.random.seed(12)  # noqa: NPY002 (pyhf draws toys from numpy's global generator)
    calc = pyhf.infer.calculators.ToyCalculator(data, model, ntoys=n_pyhf, track_progress=False)
    q = calc.teststatistic(1.0)
    sb_dist, b_dist = calc.distributions(1.0)
    cl_sb, cl_b, cls_pyhf = (float(v) for v in calc.pvalues(q, sb_dist, b_dist))
    ours = float(
        counting_cls(
            np.array([s]), 0, b, pot_shape=k_pot, background_shape=k_b, n_toys=40000, seed=5
        )[0]
    )
    # binomial error of the pyhf ratio dominates (our 40000 toys are ~27x more)
    err = cls_pyhf * np.sqrt((1 - cl_sb) / (n_pyhf * cl_sb) + (1 - cl_b) / (n_pyhf * cl_b))
    assert abs(ours - cls_pyhf) < 3.5 * err

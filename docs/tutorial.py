"""darkdump from Python: widths, production, yields at one mass, a CLs limit and a contour.

Run it as a script (``python docs/tutorial.py``; it writes ``tutorial.png``) or read it
as a tutorial; the test suite executes it (tests/test_tutorial.py). Units: inside
darkdump everything is in the hepunits system (MeV, mm, ns): multiply by the unit where
a value enters and divide where it leaves.
"""

from __future__ import annotations

import numpy as np
from hepunits import MeV, m

import darkdump
from darkdump import models, production, stats
from darkdump.analyses.na62_2021.statistics import POT_CONSTRAINT, mumu_channel
from darkdump.experiments import load
from darkdump.yields import YieldConfig, compute_grid


def main(figure_path: str | None = "tutorial.png", n_events: int = 20_000) -> dict[str, object]:
    """Run the tutorial; return its numbers (and draw them if ``figure_path`` is given)."""
    out: dict[str, object] = {"version": darkdump.__version__}

    # 1. The model: width, branching ratios and decay length of a 300 MeV dark photon.
    mass = 300 * MeV
    out["ctau_m_at_eps_1e-6"] = float(models.ctau(mass, 1e-6) / m)
    out["br_mumu"] = float(models.branching_ratio("mumu", mass))

    # 2. Production in the NA62 dump: A' per proton on target / eps^2, per mechanism.
    na62 = load("na62-2021")
    out["brems_per_pot_over_eps2"] = production.per_pot_over_eps2("brems", mass, na62)
    out["eta_per_pot_over_eps2"] = production.per_pot_over_eps2("eta", mass, na62)

    # 3. Yields at one mass on a coupling grid: one simulation, re-weighted per eps.
    eps = np.logspace(-7.5, -5.0, 40)
    config = YieldConfig(masses=(mass,), epsilons=tuple(eps), n_events=n_events, seed=2021)
    grid = compute_grid(na62, config)
    n_exp = grid.get("n_exp", "mumu", "total")[0]
    out["n_exp_max"] = float(n_exp.max())

    # 4. A CLs limit: the PRL statistics (frequentist toys, log-normal POT and background
    #    nuisances of PRL appendix B) for 0 observed mu+mu- events and b = 0.016.
    out["cls_limit_events"] = stats.counting_upper_limit(
        0, 0.016, pot_shape=1.2, background_shape=1.125, n_toys=2000, seed=1
    )

    # 5. The exclusion interval in eps at this mass: CLs on the grid column, then the
    #    couplings where CLs < 0.1 (the unbinned likelihood with the mu+mu- mass shapes).
    sigma_m = np.nan_to_num(grid.get("sigma_m", "mumu", "brems"), nan=3.0 * MeV)
    # The NA62 mu+mu- channel (background and mass shape of PRL appendix B) and POT constraint.
    channel = stats.GridChannel(mumu_channel([]), n_exp[None, :], np.maximum(sigma_m, 0.1))
    scan = stats.scan(
        [channel],
        np.array([mass / MeV]),
        eps,
        pot=POT_CONSTRAINT,
        n_toys=300,
        refine_toys=None,
        seed=1,
    )
    (interval,) = scan.contours["observed"].intervals[0] or [(np.nan, np.nan)]
    out["excluded_eps"] = interval

    # 6. Draw on your own Axes (any matplotlib backend: inline in a notebook too).
    if figure_path is not None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 5))
        ax.plot(eps, n_exp, label=r"$N_{exp}$, $A'\to\mu^+\mu^-$, 300 MeV")
        ax.axhline(out["cls_limit_events"], color="k", ls="--", label="CLs limit (events)")
        ax.axvspan(*interval, color="tab:green", alpha=0.2, label="excluded")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\varepsilon$")
        ax.set_ylabel("expected events")
        ax.legend()
        fig.savefig(figure_path)
        plt.close(fig)
        out["figure"] = figure_path
    return out


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}: {value}")

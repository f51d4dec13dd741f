"""Per-mass random streams and production samples of the yields runs.

Shared by :mod:`darkdump.yields.grid`, :mod:`darkdump.yields.alp` and
:mod:`darkdump.sensitivity`.

The meson mode is the sum of pi0, eta, eta', rho, omega, phi decays: events are shared
among the mesons in proportion to their rates (each open channel gets at least 1/20 of
the events) and carry weight rate_m / n_m, so the mixture is correctly weighted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from hepunits import keV

from darkdump.yields.model import MESONS, PRODUCTION_MODES

if TYPE_CHECKING:
    from darkdump.experiments.schema import Experiment

__all__ = [
    "ALP_MODE_KEY",
    "BATCH_KEY",
    "CHANNEL_KEY",
    "SECOND_PILOT_CHANNEL_KEY",
    "SECOND_PILOT_KEY",
    "map_masses",
    "mass_rng",
    "production_sample",
]

#: Minimum share of the meson-mode events given to each open meson channel.
_MESON_MIN_SHARE = 1.0 / 20.0

#: Keys of the per-mass random streams, after (seed, mass) (:func:`mass_rng`). Production
#: mode ``i`` (its index in ``PRODUCTION_MODES``; the ALP's B mesons: ``ALP_MODE_KEY``) is
#: produced on ``(i,)`` and decayed in channel ``c`` (index in ``CHANNELS``) on
#: ``(i, CHANNEL_KEY + c)``. The precision batches ``b >= 1`` of
#: :func:`darkdump.yields.grid.simulate_mass` use ``(i, BATCH_KEY + b)`` and
#: ``(i, CHANNEL_KEY + c, b)``; its second pilot ``(i, SECOND_PILOT_KEY)`` and
#: ``(i, SECOND_PILOT_CHANNEL_KEY + c)``. Distinct for fewer than 100 channels and
#: batches.
ALP_MODE_KEY = 7
CHANNEL_KEY = 100
SECOND_PILOT_CHANNEL_KEY = 200
BATCH_KEY = 1000
SECOND_PILOT_KEY = 2000


def _rng(seed: int, mass: float, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, round(mass / keV), *keys]))


def _meson_mixture(
    mass: float, n: int, rng: np.random.Generator, experiment: Experiment
) -> tuple[Any, float]:
    from darkdump import production
    from darkdump.production.sample import ProductionSample

    rates = {mes: float(production.per_pot_over_eps2(mes, mass, experiment)) for mes in MESONS}
    total = sum(rates.values())
    if total <= 0.0:
        return None, 0.0
    open_ = [mes for mes in MESONS if rates[mes] > 0.0]
    counts = {
        mes: max(math.ceil(n * rates[mes] / total), math.ceil(n * _MESON_MIN_SHARE))
        for mes in open_
    }
    parts = [production.generate(mes, mass, counts[mes], rng, experiment) for mes in open_]
    sample = ProductionSample(
        mass=mass,
        mechanism="meson",
        momentum=np.concatenate([p.momentum for p in parts]),
        production_point=np.concatenate([p.production_point for p in parts]),
        weight=np.concatenate([p.weight for p in parts]),
    )
    return sample, float(sample.rate)


def _production(
    mode: str, mass: float, n: int, rng: np.random.Generator, experiment: Experiment
) -> Any:
    from darkdump import production

    if mode == "brems":
        # The sample's weights sum to the importance-sampled rate (no separate integral).
        sample = production.generate("brems", mass, n, rng, experiment)
        return sample if sample.rate > 0.0 else None
    if mode == "meson":
        return _meson_mixture(mass, n, rng, experiment)[0]
    raise ValueError(f"production mode {mode!r}: allowed: {', '.join(PRODUCTION_MODES)}")


#: Public names of the two helpers above.
mass_rng = _rng
production_sample = _production


T = TypeVar("T")
R = TypeVar("R")


def map_masses(
    func: Callable[[T], R],
    tasks: Sequence[T],
    *,
    workers: int = 1,
    warm_up: Callable[[], None] | None = None,
    on_done: Callable[[int, R], None] | None = None,
) -> list[R]:
    """Run ``func`` on every per-mass task, serially or on a forked process pool.

    Results come back in the order of ``tasks`` whatever the workers (each mass has its
    own random streams). ``warm_up`` runs once in the parent before forking, so that the
    workers inherit the loaded spectra and imported stages; ``on_done(index, result)``
    is called as each task finishes (progress).
    """
    results: list[Any] = [None] * len(tasks)
    if workers <= 1:
        for i, task in enumerate(tasks):
            results[i] = func(task)
            if on_done is not None:
                on_done(i, results[i])
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if warm_up is not None:
        warm_up()
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    # The workers ignore Ctrl-C (it reaches the whole process group): this process takes
    # it, stops them at once and re-raises, instead of waiting for their running tasks.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
    try:
        futures = {pool.submit(func, t): i for i, t in enumerate(tasks)}
        for fut in as_completed(futures):
            i = futures[fut]
            results[i] = fut.result()
            if on_done is not None:
                on_done(i, results[i])
    except KeyboardInterrupt:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # a task failed: no more work
        raise
    pool.shutdown(wait=True)
    return results


def _ignore_sigint() -> None:
    """Pool-worker initialiser: leave Ctrl-C to the parent process."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

"""Run independent tasks serially or on Dask ``distributed``, with the same results.

Reproducibility does not depend on where a task runs: every task receives its
own seed derived from the run seed and the task's key (never from the order in
which workers pick tasks up), and results are returned in input order.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import numpy as np

__all__ = ["check_scheduler", "run_tasks", "task_client", "task_seed"]

T = TypeVar("T")
R = TypeVar("R")


def task_seed(run_seed: int, key: str) -> np.random.SeedSequence:
    """Seed sequence for one task, from the run seed and a stable task key.

    >>> a = np.random.default_rng(task_seed(1, "mass=0.3")).random()
    >>> b = np.random.default_rng(task_seed(1, "mass=0.3")).random()
    >>> a == b
    True
    """
    return np.random.SeedSequence([run_seed, zlib.crc32(key.encode())])


def check_scheduler(address: str, timeout: float = 3.0) -> None:
    """Refuse a malformed or silent Dask scheduler address before any work.

    A malformed address is a one-line input error; one that does not answer a TCP
    connection within ``timeout`` seconds raises ``OSError`` (exit status 1):
    distributed itself would wait 30 s and end in a traceback.

    >>> check_scheduler("no-port")
    Traceback (most recent call last):
    ...
    darkdump.errors.DarkdumpInputError: --scheduler 'no-port': expected tcp://HOST:PORT
    """
    import socket

    from darkdump.errors import DarkdumpInputError

    text = address.removeprefix("tcp://")
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise DarkdumpInputError(f"--scheduler {address!r}: expected tcp://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise OSError(
            f"--scheduler {address!r}: no Dask scheduler answers there "
            f"({exc.strerror or type(exc).__name__})"
        ) from None


@contextmanager
def task_client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """Open a ``distributed.Client``: a local cluster of ``workers`` processes, or ``scheduler``.

    Yields ``None`` for serial running (``workers`` in (None, 0, 1) and no scheduler).
    """
    if scheduler is None and (workers is None or workers <= 1):
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        check_scheduler(scheduler)
        client = Client(scheduler, timeout=10)
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    # distributed's nannies set MALLOC_TRIM_THRESHOLD_=65536 in the workers, which makes
    # glibc map and unmap every large numpy temporary: measured here, the yields tasks
    # then spend as much time in the kernel as in numpy. Keep one BLAS thread per
    # worker (one worker per core) but leave malloc alone.
    environ = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
    # Every worker ignores Ctrl-C (darkdump.results._dask_worker): this process takes it,
    # stops the workers and re-raises, instead of waiting for workers dying mid-task.
    preload = [*dask.config.get("distributed.worker.preload", []), _WORKER_PRELOAD]
    settings = {
        "distributed.nanny.pre-spawn-environ": environ,
        "distributed.worker.preload": preload,
    }
    with dask.config.set(settings):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    client = Client(cluster)
    interrupted = False
    try:
        yield client
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if interrupted:
            # Stop the workers at once (their running tasks are lost, as the user asked):
            # a graceful close would cancel those tasks and print the workers' tracebacks.
            with _distributed_muted():
                _kill_workers(cluster)
                _close(client, cluster)
        else:
            _close(client, cluster)


_WORKER_PRELOAD = "darkdump.results._dask_worker"


def _close(client: Any, cluster: Any) -> None:
    """Close the client, then the cluster even if the client's close failed."""
    try:
        client.close()
    finally:
        cluster.close()


@contextmanager
def _distributed_muted() -> Iterator[None]:
    """Mute this process's ``distributed`` loggers (nannies, scheduler) in the block."""
    import logging

    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _kill_workers(cluster: Any) -> None:
    """SIGKILL the worker processes of a local cluster (best effort)."""
    import os
    import signal

    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(nanny, "pid", None)
        if isinstance(pid, int) and pid > 0:
            with suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def run_tasks(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    client: Any = None,
    on_done: Callable[[int, R], None] | None = None,
) -> list[R]:
    """Apply ``func`` to every item, serially or on ``client``; results in input order.

    ``on_done(index, result)`` is called as each task finishes (in completion
    order when distributed), e.g. to save it to the cache and advance a progress bar.
    """
    results: list[Any] = [None] * len(items)
    if client is None:
        for index, item in enumerate(items):
            results[index] = func(item)
            if on_done is not None:
                on_done(index, results[index])
        return results
    from distributed import as_completed

    futures = client.map(func, list(items), pure=False)
    index_of = {future.key: index for index, future in enumerate(futures)}
    for future in as_completed(futures):
        index = index_of[future.key]
        results[index] = future.result()
        if on_done is not None:
            on_done(index, results[index])
    return results

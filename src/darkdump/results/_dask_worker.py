"""Dask worker preload of darkdump's local clusters (:func:`darkdump.results.parallel.task_client`).

Ctrl-C in a terminal reaches every process of its group. A worker that took it would die
mid-task and leave the cluster waiting for it; ignoring SIGINT in every worker, those
restarted by their nanny included, leaves the interrupt to the process that started the
cluster, which stops the workers itself.
"""

from __future__ import annotations

import signal
import threading
from typing import Any


def dask_setup(worker: Any) -> None:
    """Ignore SIGINT in this worker process (distributed calls this at worker start)."""
    del worker
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)

"""A lazily spawned process pool whose workers end with the process that started them.

Used by the served app twice: the evidence worker (:mod:`sakera_toolkit.evidence.jobs`) and the
case-drawing workers (``apps/casegen.py``). A SIGKILLed (or crashed) server cannot shut its pool
down; without the parent watch its workers would live on as orphans holding the toolkit's memory.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["WorkerPool"]


def _start_worker(parent_pid: int, setup: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    """Worker initializer: the pool's own ``setup(*args)``, then exit when the parent is gone."""
    if setup is not None:
        setup(*args)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="sakera-parent-watch", daemon=True).start()


class WorkerPool:
    """``max_workers`` spawned processes, started on first :meth:`get`, ended by :meth:`shutdown`.

    ``setup`` (a module-level function, so that it pickles) runs in each worker first with the
    arguments ``setup_args()`` gives at spawn time; ``warm_up`` is submitted once per worker.
    """

    def __init__(
        self,
        max_workers: int,
        setup: Callable[..., None] | None = None,
        setup_args: Callable[[], tuple[Any, ...]] = tuple,
        warm_up: Callable[[], Any] | None = None,
    ) -> None:
        self.max_workers = max_workers
        self._setup = setup
        self._setup_args = setup_args
        self._warm_up = warm_up
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the workers have been started (and not shut down)."""
        return self._pool is not None

    def get(self) -> ProcessPoolExecutor:
        """The pool (spawned on first use)."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.max_workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(os.getpid(), self._setup, self._setup_args()),
                )
                if self._warm_up is not None:
                    for _ in range(self.max_workers):
                        self._pool.submit(self._warm_up)
            return self._pool

    def shutdown(self) -> None:
        """Stop the workers (at server shutdown); running jobs are abandoned."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

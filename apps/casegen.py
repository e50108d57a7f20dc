"""Drawing a trainee's next practice cases in a worker process when served.

Which cases a trainee gets is decided by :mod:`sakera_toolkit.sandbox.selection` (re-exported
here); this module only runs it off the server's event loop.

Generating a case is ~50-100 ms of pure Python. Done in a thread of the server it holds the GIL
and delays every other session's replies; done on the event loop it blocks them outright. The
server therefore draws cases in worker processes (:func:`draw_cases_async`, :data:`CASE_WORKERS`); the worker returns
plain dicts (``Case.to_dict()``), rebuilt here. Without a worker (tests, a failed start) the same
function runs in the calling process. This module does not import Panel.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sakera_toolkit._workers import WorkerPool
from sakera_toolkit.sandbox.selection import case_seed, draw_case_dicts, draw_cases, service_for

__all__ = ["case_seed", "draw_case_dicts", "draw_cases", "draw_cases_async", "service_for", "shutdown_pool",
           "worker_pool"]

log = logging.getLogger(__name__)

#: Worker processes drawing cases: one per core, at most 4 (40 trainees logging in at the same
#: minute each wait for their first citizens; one worker made them queue).
CASE_WORKERS = max(1, min(4, os.cpu_count() or 1))

def _warm_up() -> bool:
    from sakera_toolkit import training  # noqa: F401 - import once in the worker
    from sakera_toolkit.services import load_catalogue

    load_catalogue()
    return True


_POOL = WorkerPool(CASE_WORKERS, warm_up=_warm_up)


def worker_pool() -> Executor:
    """The shared worker processes (spawned on first use, warmed up in the background)."""
    return _POOL.get()


def shutdown_pool() -> None:
    """Stop the worker processes (at server shutdown)."""
    _POOL.shutdown()


async def draw_cases_async(level: int, user_id: int, village_code: str | None, serials: Sequence[int]) -> list[Any]:
    """:func:`draw_cases` in the worker process; falls back to a thread if the worker is gone."""
    from sakera_toolkit import training

    loop = asyncio.get_running_loop()
    try:
        dicts = await loop.run_in_executor(worker_pool(), draw_case_dicts, level, user_id, village_code,
                                           list(serials))
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        log.warning("case worker unavailable (%s): drawing cases in a thread", exc)
        shutdown_pool()
        dicts = await loop.run_in_executor(None, draw_case_dicts, level, user_id, village_code, list(serials))
    return [training.Case.from_dict(d) for d in dicts]

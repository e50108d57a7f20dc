"""The service-flow simulation engine (see ``docs/model.md``).

Public API
----------
FlowParams
    Validated scenario parameters (a thin builder over the rules of :mod:`.rules`).
compile(scenario, regency=None, calibration=None) -> EngineInputs
    Frozen, typed arrays of everything a run needs (:mod:`.inputs`).
run(inputs, requests=None, seed=0, replications=1, progress=False) -> SimResult
    The whole flow (:mod:`.flow` composing the stages of :mod:`.stages`); ``inputs`` may also be
    a ``FlowParams`` or a ``Scenario``; ``requests`` an external ``demand.Requests`` stream.
    ``SimResult.replications`` (typed :class:`~.flow.Replication`), ``.trace``, ``.timeseries``,
    ``.kpis``, ``.summary()``.
multi_server_fifo(arrivals, service, servers) -> starts
    The validated FIFO kernel (compiled; matches SimPy).
serve_groups, Calendar
    The calendar-aware grouped kernel with priorities and retries.

The heavy modules (numba kernels) are imported on first use, so ``import sakera_toolkit.sim``
and the validation rules stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .params import SERVICE_IDS, FlowParams

if TYPE_CHECKING:  # pragma: no cover
    from .flow import STREAMS, Replication, run
    from .inputs import EngineInputs, compile
    from .kernel import Calendar, multi_server_fifo, serve_groups
    from .result import SimResult

__all__ = [
    "multi_server_fifo",
    "serve_groups",
    "Calendar",
    "FlowParams",
    "EngineInputs",
    "compile",
    "run",
    "Replication",
    "SimResult",
    "SERVICE_IDS",
    "STREAMS",
]

_LAZY = {
    "run": "flow",
    "STREAMS": "flow",
    "Replication": "flow",
    "compile": "inputs",
    "EngineInputs": "inputs",
    "Calendar": "kernel",
    "multi_server_fifo": "kernel",
    "serve_groups": "kernel",
    "SimResult": "result",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

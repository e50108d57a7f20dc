"""The service-flow simulation engine (see ``docs/model.md``).

Public API
----------
multi_server_fifo(arrivals, service, servers) -> starts
    The validated FIFO kernel (compiled; matches SimPy).
serve_groups, Calendar
    The calendar-aware grouped kernel with priorities and retries.
FlowParams
    Validated scenario parameters.
run(params, seed=0, replications=1, progress=False) -> SimResult
    The whole flow; ``SimResult.trace``, ``.timeseries``, ``.kpis``, ``.summary()``.
"""

from .flow import STREAMS, run
from .kernel import Calendar, multi_server_fifo, serve_groups
from .params import SERVICE_IDS, FlowParams
from .result import SimResult

__all__ = ["multi_server_fifo", "serve_groups", "Calendar", "FlowParams", "run", "SimResult", "SERVICE_IDS", "STREAMS"]

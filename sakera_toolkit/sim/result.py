"""``SimResult``: the tidy outputs of :func:`sakera_toolkit.sim.run`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import SakeraInputError

if TYPE_CHECKING:  # pragma: no cover
    from .flow import Replication
    from .inputs import EngineInputs
    from .params import FlowParams

__all__ = ["SimResult", "atomic_csv"]


def atomic_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV to ``path`` atomically (temporary file in the folder, then rename)."""
    from ._write import atomic_write

    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


class SimResult:
    """Outputs of a simulation run.

    Attributes
    ----------
    inputs
        The compiled :class:`~sakera_toolkit.sim.inputs.EngineInputs` simulated.
    params
        The :class:`~sakera_toolkit.sim.FlowParams` they were compiled from (``None`` when the run
        started from hand-made inputs).
    replications
        One typed :class:`~sakera_toolkit.sim.flow.Replication` per replication.
    trace
        One row per request and replication: ids, service, village, district, channel, arrival and
        the start/end of every stage (days from midnight of the start date; NaN = not reached by
        the end of the horizon), outcome (completed | abandoned | in_system), trips and travel
        (km, minutes, IDR) with the office-only baseline of the same request.
    timeseries
        One row per day and replication: arrivals, completions, queues, backlog, blanko stock,
        stock-outs, busy/capacity/utilisation per resource class.
    kpis
        One row per replication (see :mod:`sakera_toolkit.sim.kpi`).
    """

    def __init__(self, inputs: EngineInputs, replications: list[Replication], kpis: pd.DataFrame):
        self.inputs = inputs
        self.params: FlowParams | None = inputs.params
        self.replications = replications
        self.kpis = kpis
        self.outages = [r.calendars.outages for r in replications]
        self._trace: pd.DataFrame | None = None
        self._timeseries: pd.DataFrame | None = None

    @property
    def timeseries(self) -> pd.DataFrame:
        """The daily series (built from the replications on first access)."""
        if self._timeseries is None:
            from .timeseries import daily

            frames = [daily(r, self.inputs) for r in self.replications]
            self._timeseries = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return self._timeseries

    @property
    def trace(self) -> pd.DataFrame:
        """The per-request trace (built from the replications on first access)."""
        if self._trace is None:
            from .flow import trace_frame

            frames = [trace_frame(r, self.inputs) for r in self.replications]
            self._trace = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return self._trace

    @classmethod
    def from_replications(cls, inputs: EngineInputs, replications: list[Replication]) -> SimResult:
        """Assemble the results of several replications."""
        from .kpi import replication_kpis

        rows = [{"replication": r.index, **replication_kpis(r, inputs)} for r in replications]
        return cls(inputs=inputs, replications=replications, kpis=pd.DataFrame(rows))

    def summary(self) -> pd.DataFrame:
        """KPI means with 95 % confidence intervals over replications (NaN bounds with one replication)."""
        from .kpi import summarise

        return summarise(self.kpis)

    def turnaround(self) -> pd.DataFrame:
        """Turnaround per replication, service and channel (median, p90, share within SLA)."""
        from .kpi import turnaround_table

        return turnaround_table(self.trace, self.inputs)

    def kpis_json(self) -> dict[str, Any]:
        """KPIs as a JSON-ready dict: per KPI its mean and 95 % CI (``null`` with one replication)."""
        s = self.summary()

        def num(x: Any) -> float | None:
            x = float(x)
            return None if math.isnan(x) else x

        return {
            "replications": int(len(self.kpis)),
            "start_date": self.inputs.start_date.isoformat(),
            "days": int(self.inputs.days),
            "warmup_days": int(self.inputs.warmup_days),
            "villages_live": self.inputs.villages_live,
            "kpis": {
                row.kpi: {"mean": num(row.mean), "ci95_low": num(row.ci95_low), "ci95_high": num(row.ci95_high)}
                for row in s.itertuples()
            },
        }

    def write_trace(self, path: str | Path) -> Path:
        """Write the trace as CSV (``.csv``) or Parquet (``.parquet``/``.pq``), atomically."""
        from ._write import atomic_write

        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".csv":
            atomic_write(p, lambda tmp: self.trace.to_csv(tmp, index=False))
        elif suffix in (".parquet", ".pq"):
            atomic_write(p, lambda tmp: self.trace.to_parquet(tmp, index=False))
        else:
            raise SakeraInputError(f"unknown trace format {suffix!r}; use .csv or .parquet", location="--trace")
        return p

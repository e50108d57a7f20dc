"""``SimResult``: the tidy outputs of :func:`sakera_toolkit.sim.run`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import SakeraInputError

__all__ = ["SimResult"]


class SimResult:
    """Outputs of a simulation run.

    Attributes
    ----------
    params
        The :class:`~sakera_toolkit.sim.FlowParams` simulated.
    trace
        One row per request and replication: ids, service, village, district, channel, arrival and
        the start/end of every stage (days from midnight of ``params.start_date``; NaN = not reached
        by the end of the horizon), outcome (completed | abandoned | in_system), trips and travel
        (km, minutes, IDR) with the office-only baseline of the same request.
    timeseries
        One row per day and replication: arrivals, completions, queues, backlog, blanko stock,
        stock-outs, busy/capacity/utilisation per resource class.
    kpis
        One row per replication (see :mod:`sakera_toolkit.sim.kpi`).
    """

    def __init__(self, params, parts: list[dict], kpis: pd.DataFrame):
        self.params = params
        self.parts = parts
        self.kpis = kpis
        self.outages = [p["calendars"].outages for p in parts]
        self._trace: pd.DataFrame | None = None
        self._timeseries: pd.DataFrame | None = None

    @property
    def raw(self) -> list[dict]:
        """Per replication, the per-request numpy arrays behind :attr:`trace` (codes, not labels)."""
        return [p["raw"] for p in self.parts]

    @property
    def timeseries(self) -> pd.DataFrame:
        """The daily series (built from the raw arrays on first access)."""
        if self._timeseries is None:
            from .timeseries import daily

            frames = [daily(p, self.params) for p in self.parts]
            self._timeseries = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return self._timeseries

    @property
    def trace(self) -> pd.DataFrame:
        """The per-request trace (built from the raw arrays on first access)."""
        if self._trace is None:
            from .flow import trace_frame

            frames = [trace_frame(p["raw"], p["static"], float(self.params.days)) for p in self.parts]
            self._trace = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return self._trace

    @classmethod
    def from_parts(cls, params, parts: list[dict]) -> SimResult:
        """Assemble the results of several replications."""
        from .kpi import replication_kpis

        fc = params.flow_calibration()
        rows = [{"replication": r, **replication_kpis(p, params, fc)} for r, p in enumerate(parts)]
        return cls(params=params, parts=parts, kpis=pd.DataFrame(rows))

    def summary(self) -> pd.DataFrame:
        """KPI means with 95 % confidence intervals over replications."""
        from .kpi import summarise

        return summarise(self.kpis)

    def turnaround(self) -> pd.DataFrame:
        """Turnaround per replication, service and channel (median, p90, share within SLA)."""
        from .kpi import turnaround_table

        return turnaround_table(self.trace, self.params, self.params.flow_calibration())

    def kpis_json(self) -> dict:
        """KPIs as a JSON-ready dict: per KPI its mean and 95 % CI, plus the per-replication values."""
        s = self.summary()

        def num(x):
            x = float(x)
            return None if x != x else x

        return {
            "replications": int(len(self.kpis)),
            "start_date": self.params.start_date.isoformat(),
            "days": int(self.params.days),
            "warmup_days": int(self.params.warmup_days),
            "villages_live": int(sum(1 for d in self.params.village_go_live.values() if d < self.params.days)),
            "kpis": {
                row.kpi: {"mean": num(row.mean), "ci95_low": num(row.ci95_low), "ci95_high": num(row.ci95_high)}
                for row in s.itertuples()
            },
        }

    def write_trace(self, path: str | Path) -> Path:
        """Write the trace as CSV (``.csv``) or Parquet (``.parquet``/``.pq``)."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".csv":
            self.trace.to_csv(p, index=False)
        elif suffix in (".parquet", ".pq"):
            self.trace.to_parquet(p, index=False)
        else:
            raise SakeraInputError(f"unknown trace format {suffix!r}; use .csv or .parquet", location="--trace")
        return p

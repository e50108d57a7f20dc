"""The model against reality: simulated vs observed monthly volumes and turnaround from a request log.

``sakera validate`` checks the engine against queueing theory; this module checks a scenario
against what happened. For a request log (read by :func:`sakera_toolkit.demandfit.read_log`, personal
columns dropped) and a scenario whose horizon contains the log's period:

1. The scenario is simulated (``replications`` at ``seed``) with the scenario's regency and data.
2. Simulated requests are aligned with the log: same days (the log's first to last date) and the
   same villages (those appearing in the log, or every village of the kecamatan it names).
3. Monthly volumes per service (and per channel when the log has one): observed count,
   simulated mean count and the relative error ``(simulated - observed) / observed``.
4. Turnaround (when the log has completion dates): completed requests only, in whole days as a log
   records them (completion date - request date; the simulated times are cut to dates the same
   way); two-sample Kolmogorov-Smirnov statistic ``D`` and p-value, medians and 90th percentiles,
   overall, per service and per channel.

:func:`calibration_plot` draws observed vs simulated monthly volumes and the two turnaround
distributions (HoloViews/Bokeh, offline, bilingual labels) for a notebook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .demandfit import RequestLog, read_log
from .errors import SakeraInputError

__all__ = ["CalibrationReport", "calibrate", "calibration_plot", "ks_statistic"]


def ks_statistic(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov ``D`` and its p-value (scipy; asymptotic for ties)."""
    from scipy import stats  # type: ignore[import-untyped]  # scipy ships no type stubs

    if len(a) == 0 or len(b) == 0:
        return float("nan"), float("nan")
    r = stats.ks_2samp(np.asarray(a, dtype=float), np.asarray(b, dtype=float), method="asymp")
    return float(r.statistic), float(r.pvalue)


@dataclass(frozen=True)
class CalibrationReport:
    """Observed vs simulated, aligned on the log's period and villages.

    Attributes
    ----------
    volumes
        ``month, service, observed, simulated, rel_error`` (plus an ``all`` service row per month).
    channels
        ``month, channel, observed, simulated, rel_error`` (empty if the log has no channel).
    turnaround
        ``group, n_observed, n_simulated, median_observed, median_simulated, p90_observed,
        p90_simulated, p90_sim_min, p90_sim_max, ks_d, ks_p`` (empty if the log has no completion
        dates). ``p90_sim_min/max``: the lowest and highest 90th percentile of single replications.
        The KS p-value treats requests as independent, which they are not within a replication
        (shared queues, outages): with a large log it is small even for the model's own output;
        an observed p90 inside the replications' range is the fairer reading.
    samples
        Observed and simulated turnaround days (``source``, ``service``, ``channel``, ``days``).
    meta
        Log, scenario, period, villages, replications, seed, data line.
    """

    volumes: pd.DataFrame
    channels: pd.DataFrame
    turnaround: pd.DataFrame
    samples: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def monthly_totals(self) -> pd.DataFrame:
        """All services together per month."""
        return self.volumes[self.volumes["service"] == "all"].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {
            **self.meta,
            "volumes": self.volumes.to_dict("records"),
            "channels": self.channels.to_dict("records"),
            "turnaround": self.turnaround.to_dict("records"),
        }


def _months(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("M").astype(str)


def _rel(sim: pd.Series, obs: pd.Series) -> pd.Series:
    return pd.Series(np.where(obs > 0, (sim - obs) / obs.where(obs > 0, 1), np.nan), index=obs.index)


def _compare_counts(obs: pd.DataFrame, sim: pd.DataFrame, key: str, replications: int) -> pd.DataFrame:
    o = obs.groupby(["month", key]).size().rename("observed")
    s = (sim.groupby(["month", key]).size() / replications).rename("simulated")
    out = pd.concat([o, s], axis=1).fillna(0.0).reset_index()
    out["observed"] = out["observed"].astype(int)
    out["simulated"] = out["simulated"].round(1)
    out["rel_error"] = _rel(out["simulated"], out["observed"].astype(float)).round(4)
    return out


def _quantiles(days: np.ndarray) -> tuple[float, float]:
    if len(days) == 0:
        return float("nan"), float("nan")
    return float(np.median(days)), float(np.quantile(days, 0.9))


def calibrate(
    log: RequestLog | str | Path | pd.DataFrame,
    scenario: Any,
    *,
    replications: int = 3,
    seed: int = 0,
    columns: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | None = None,
) -> CalibrationReport:
    """Compare a scenario's simulation with a request log (module docstring).

    Parameters
    ----------
    log
        A :class:`~sakera_toolkit.demandfit.RequestLog` or a CSV path / DataFrame to read.
    scenario
        Preset name, YAML path or :class:`~sakera_toolkit.scenarios.Scenario`; its horizon must
        contain the log's period.
    replications, seed
        Of the simulation.
    columns
        Column mapping for reading the log (``--columns``).
    data
        ``{"data.regency": ..., "data.population_csv": ..., ...}`` replacing the scenario's data.
    """
    from . import scenarios
    from .sim import run

    if isinstance(replications, bool) or int(replications) < 1:
        raise SakeraInputError(f"{replications} must be >= 1", location="--replications")
    s = scenarios.load(scenario)
    if data:
        s = s.with_values(dict(data))
    reg = s.regency()
    rl = log if isinstance(log, RequestLog) else read_log(log, reg, columns)
    h = s.horizon
    end = h.start_date + dt.timedelta(days=h.days - 1)
    if rl.start < h.start_date or rl.end > end:
        raise SakeraInputError(
            f"the log covers {rl.start}..{rl.end} but the scenario {s.name} simulates {h.start_date}..{end}; "
            "use a scenario whose horizon contains the log's period",
            source=rl.source,
        )
    params = s.to_flow_params()
    trace = run(params, seed=seed, replications=int(replications)).trace
    start = pd.Timestamp(params.start_date)
    arr_day = np.floor(trace["arrival"].to_numpy(dtype=float))
    sim = pd.DataFrame(
        {
            "date": start + pd.to_timedelta(arr_day, unit="D"),
            "service": trace["service"].astype(str).to_numpy(),
            "village_code": trace["village_code"].astype(str).to_numpy(),
            "district_code": trace["district_code"].astype(str).to_numpy(),
            "channel": trace["channel"].astype(str).to_numpy(),
            "done": (trace["outcome"].astype(str) == "completed").to_numpy(),
            "replication": trace["replication"].to_numpy(),
            "days": np.floor(trace["arrival"].to_numpy(dtype=float) + trace["turnaround_days"].to_numpy(dtype=float))
            - arr_day,
        }
    )
    if "backlog" in trace.columns:
        sim = sim[~trace["backlog"].to_numpy(dtype=bool)]
    obs = rl.frame.copy()
    first, last = pd.Timestamp(rl.start), pd.Timestamp(rl.end)
    keep = (sim["date"] >= first) & (sim["date"] <= last)
    if rl.has("village_code"):
        villages = sorted(obs["village_code"].unique())
        keep &= sim["village_code"].isin(set(villages))
        where = f"{len(villages)} village(s) in the log"
    elif rl.has("district_code"):
        kec = sorted(obs["district_code"].unique())
        keep &= sim["district_code"].isin(set(kec))
        where = f"{len(kec)} kecamatan in the log"
    else:
        where = "the whole regency"
    sim = sim[keep].reset_index(drop=True)
    obs["month"] = _months(obs["date"])
    sim["month"] = _months(sim["date"])

    volumes = _compare_counts(obs, sim, "service", int(replications))
    totals = _compare_counts(obs.assign(service="all"), sim.assign(service="all"), "service", int(replications))
    volumes = pd.concat([volumes, totals], ignore_index=True).sort_values(["month", "service"], kind="stable")
    channels = (
        _compare_counts(obs, sim, "channel", int(replications))
        if rl.has("channel")
        else pd.DataFrame(columns=["month", "channel", "observed", "simulated", "rel_error"])
    )

    rows: list[dict[str, Any]] = []
    samples = pd.DataFrame(columns=["source", "service", "channel", "days"])
    if rl.has("completed"):
        o = obs[obs["completed"].notna()].copy()
        o["days"] = (o["completed"] - o["date"]).dt.days.astype(float)
        sd = sim[sim["done"]]
        o_ch = o["channel"] if rl.has("channel") else pd.Series("", index=o.index)
        samples = pd.concat(
            [
                pd.DataFrame({"source": "observed", "service": o["service"], "channel": o_ch, "days": o["days"]}),
                pd.DataFrame(
                    {"source": "simulated", "service": sd["service"], "channel": sd["channel"], "days": sd["days"]}
                ),
            ],
            ignore_index=True,
        )
        groups: list[tuple[str, pd.Series, pd.DataFrame]] = [("all", o["days"], sd)]
        for sid in sorted(set(o["service"]) | set(sd["service"])):
            groups.append((f"service={sid}", o.loc[o["service"] == sid, "days"], sd[sd["service"] == sid]))
        if rl.has("channel"):
            for ch in sorted(set(o["channel"]) | set(sd["channel"])):
                groups.append((f"channel={ch}", o.loc[o["channel"] == ch, "days"], sd[sd["channel"] == ch]))
        for name, a, sg in groups:
            b = sg["days"]
            d, p = ks_statistic(a.to_numpy(), b.to_numpy())
            mo, po = _quantiles(a.to_numpy())
            ms, ps = _quantiles(b.to_numpy())
            # the spread of the p90 between replications: requests of one replication share its
            # congestion and outages, so the KS p-value (independent requests) overstates a mismatch
            p90s = [_quantiles(x.to_numpy())[1] for _, x in sg.groupby("replication")["days"]]
            p90s = [v for v in p90s if v == v]
            rows.append(
                {
                    "group": name,
                    "n_observed": int(len(a)),
                    "n_simulated": int(len(b)),
                    "median_observed": mo,
                    "median_simulated": ms,
                    "p90_observed": po,
                    "p90_simulated": ps,
                    "p90_sim_min": min(p90s) if p90s else float("nan"),
                    "p90_sim_max": max(p90s) if p90s else float("nan"),
                    "ks_d": round(d, 4),
                    "ks_p": round(p, 4),
                }
            )
    turnaround = pd.DataFrame(rows)
    meta = {
        "log": rl.source,
        "scenario": s.name,
        "period": [rl.start.isoformat(), rl.end.isoformat()],
        "aligned_on": where,
        "observed_requests": int(len(obs)),
        "simulated_requests_per_replication": round(len(sim) / int(replications), 1),
        "replications": int(replications),
        "seed": int(seed),
        "data": reg.describe(),
        "dropped_columns": list(rl.dropped_columns),
    }
    return CalibrationReport(
        volumes=volumes.reset_index(drop=True),
        channels=channels.reset_index(drop=True),
        turnaround=turnaround,
        samples=samples,
        meta=meta,
    )


def calibration_plot(report: CalibrationReport, service: str = "all") -> Any:
    """Observed vs simulated monthly volumes (bars) and turnaround distributions (CDF steps).

    The turnaround axis ends at the 99th percentile of both samples (the longest 1 % are off-plot).

    Parameters
    ----------
    report
        From :func:`calibrate`.
    service
        ``all`` or a service id for both panels.

    Returns
    -------
    holoviews.Layout
        Two panels with Indonesian / English labels.
    """
    from .plots import _hv

    hv = _hv()
    v = report.volumes[report.volumes["service"] == service]
    if v.empty:
        raise SakeraInputError(f"no volumes for service {service!r}", location="service")
    long = pd.concat(
        [
            pd.DataFrame({"month": v["month"], "source": "teramati / observed", "requests": v["observed"]}),
            pd.DataFrame({"month": v["month"], "source": "simulasi / simulated", "requests": v["simulated"]}),
        ]
    )
    bars = hv.Bars(long, kdims=["month", "source"], vdims=["requests"]).opts(
        title=f"Permohonan per bulan / requests per month ({service})",
        xlabel="Bulan / month",
        ylabel="Permohonan / requests",
        width=560,
        height=380,
        multi_level=False,
        color="source",
        cmap={"teramati / observed": "#4c72b0", "simulasi / simulated": "#dd8452"},
        show_legend=True,
        legend_position="top_right",
        show_grid=True,
        tools=["hover"],
        ylim=(0, 1.3 * float(max(long["requests"].max(), 1.0))),  # head room for the legend
    )
    panels = [bars]
    sm = report.samples
    if not sm.empty:
        if service != "all":
            sm = sm[sm["service"] == service]
        curves = []
        for src, label, color in (
            ("observed", "teramati / observed", "#4c72b0"),
            ("simulated", "simulasi / simulated", "#dd8452"),
        ):
            days = np.sort(sm.loc[sm["source"] == src, "days"].to_numpy(dtype=float))
            if len(days) == 0:
                continue
            cdf = np.arange(1, len(days) + 1) / len(days)
            curves.append(
                hv.Curve((days, cdf), "days", "share", label=label).opts(interpolation="steps-post", color=color)
            )
        row = report.turnaround[report.turnaround["group"] == ("all" if service == "all" else f"service={service}")]
        ks = f" — KS D = {float(row['ks_d'].iloc[0]):.3f}" if len(row) else ""
        if curves:
            x_max = float(np.quantile(sm["days"].to_numpy(dtype=float), 0.99)) + 1.0
            panels.append(
                hv.Overlay(curves).opts(
                    title=f"Waktu selesai / turnaround{ks}",
                    xlabel="Hari sejak permohonan / days from request",
                    ylabel="Porsi selesai (kumulatif) / cumulative share",
                    width=560,
                    height=380,
                    ylim=(0, 1.02),
                    xlim=(0, x_max),
                    show_grid=True,
                    legend_position="bottom_right",
                )
            )
    return hv.Layout(panels).cols(2)

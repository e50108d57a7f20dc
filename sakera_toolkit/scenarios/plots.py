"""Plots for comparisons, sweeps and plans (HoloViews/Bokeh, imported lazily; no map tiles).

Every function returns a HoloViews object that renders in JupyterLab and in Panel; the core
package never imports them at module import time.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ci_plot", "diff_plot", "tornado_plot", "plan_map"]


def _hv():
    import holoviews as hv

    hv.extension("bokeh", logo=False)
    return hv


def ci_plot(table: pd.DataFrame, kpi: str, title: str | None = None):
    """Mean and confidence interval of ``kpi`` per scenario (``Comparison.table()`` rows)."""
    hv = _hv()
    t = table[table["kpi"] == kpi].reset_index(drop=True)
    if t.empty:
        raise ValueError(f"no rows for KPI {kpi!r}")
    err = pd.DataFrame(
        {
            "scenario": t["scenario"],
            "mean": t["mean"],
            "minus": (t["mean"] - t["ci_low"]).fillna(0),
            "plus": (t["ci_high"] - t["mean"]).fillna(0),
        }
    )
    points = hv.Scatter(err, "scenario", "mean").opts(size=9, tools=["hover"])
    bars = hv.ErrorBars(err, "scenario", ["mean", "minus", "plus"])
    return (bars * points).opts(
        title=title or f"{kpi} (95% CI)", ylabel=kpi, xlabel="", width=560, height=320, invert_axes=True
    )


def diff_plot(table: pd.DataFrame, kpi: str, reference: str, title: str | None = None):
    """Paired difference of ``kpi`` against ``reference`` with its interval; zero marked."""
    hv = _hv()
    t = table[(table["kpi"] == kpi) & (table["scenario"] != reference)].reset_index(drop=True)
    if t.empty:
        raise ValueError(f"no differences for KPI {kpi!r}")
    err = pd.DataFrame(
        {
            "scenario": t["scenario"],
            "diff": t["diff"],
            "minus": (t["diff"] - t["diff_ci_low"]).fillna(0),
            "plus": (t["diff_ci_high"] - t["diff"]).fillna(0),
            "distinguishable": t["distinguishable"].astype(str),
        }
    )
    points = hv.Scatter(err, "scenario", ["diff", "distinguishable"]).opts(size=9, tools=["hover"])
    bars = hv.ErrorBars(err, "scenario", ["diff", "minus", "plus"])
    zero = hv.VLine(0).opts(color="grey", line_dash="dashed")
    return (bars * points * zero).opts(
        title=title or f"{kpi}: difference vs {reference}",
        xlabel="",
        ylabel=f"Δ {kpi}",
        width=560,
        height=320,
        invert_axes=True,
    )


def tornado_plot(tornado: pd.DataFrame, kpi: str, title: str | None = None):
    """Tornado chart from ``SweepResult.tornado(kpi)``: KPI at the low and high value of each parameter."""
    hv = _hv()
    base = float(pd.concat([tornado["kpi_at_low"], tornado["kpi_at_high"]]).median()) if len(tornado) else 0.0
    rows = []
    for r in tornado.itertuples(index=False):
        rows.append({"parameter": r.parameter, "end": "low", "change": r.kpi_at_low - base})
        rows.append({"parameter": r.parameter, "end": "high", "change": r.kpi_at_high - base})
    df = pd.DataFrame(rows)
    bars = hv.Bars(df, ["parameter", "end"], "change").opts(
        invert_axes=True,
        stacked=False,
        width=620,
        height=60 + 40 * max(1, len(tornado)),
        tools=["hover"],
        color="end",
        cmap="Category10",
    )
    return bars.opts(title=title or f"Sensitivity of {kpi} (change from the median)", xlabel="", ylabel=f"Δ {kpi}")


def plan_map(villages: pd.DataFrame, color: str = "phase", title: str | None = None):
    """Villages at their centroids (lon/lat, no tiles), coloured by ``color`` (e.g. phase or go-live date)."""
    hv = _hv()
    df = villages.copy()
    df[color] = df[color].astype(str).replace({"<NA>": "not live", "NaT": "not live", "nan": "not live"})
    vdims = [color] + [c for c in ("village_name", "district_name", "population", "travel_minutes") if c in df.columns]
    pts = hv.Points(df, ["lon", "lat"], vdims).opts(
        color=color, cmap="Category20", size=7, tools=["hover"], width=640, height=460, legend_position="right"
    )
    return pts.opts(title=title or f"Villages by {color}", data_aspect=1)

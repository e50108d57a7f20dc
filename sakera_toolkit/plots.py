"""Plots and plot-ready tables for the analysts' notebooks (HoloViews/Bokeh, offline).

Every plot is a HoloViews object drawn with the Bokeh backend **without map tiles**: maps are the
real village boundaries on the sea (:mod:`sakera_toolkit.maps`), so the notebooks and exported
HTML work without a network connection. HoloViews is imported inside each function, so importing this module is cheap and
never imports Panel.

Labels are Bahasa Indonesia first, English after a slash (``"Waktu tempuh (menit) / travel
time (minutes)"``); :func:`label` gives the label of a KPI.

Public API
----------
label(kpi) -> str
village_map(table=None, color="travel_minutes", ...) -> holoviews Overlay  (choropleth, see maps)
scenario_label(name) / axis_label(text) -> str
kecamatan_table(result) -> DataFrame  (per replication x kecamatan)
kecamatan_summary(result | table, confidence=0.95) -> DataFrame  (equity across kecamatan, with CIs)
equity_index(result | table) -> DataFrame  (spread of travel per request across kecamatan, per replication)
ci_plot(table, kpi) / diff_plot(table, kpi, reference) -> holoviews Overlay  (own y-axis per KPI)
series_plot(timeseries, columns, by="scenario") -> holoviews Overlay  (one line per scenario)
grouped_bar_plot(frame, x, y, by="scenario") -> holoviews Bars  (with a legend)
tornado_plot(tornado, kpi, base) -> holoviews Overlay
parity_plot(frame, x, y, by=None) -> holoviews Overlay  (simulated vs theory)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .maps import CATEGORY_COLOURS  # colours of categorical maps, re-exported for the notebooks

__all__ = [
    "KPI_LABELS",
    "CATEGORY_COLOURS",
    "label",
    "village_map",
    "kecamatan_table",
    "kecamatan_summary",
    "equity_index",
    "scenario_label",
    "axis_label",
    "SCENARIO_LABELS",
    "ci_plot",
    "diff_plot",
    "series_plot",
    "grouped_bar_plot",
    "tornado_plot",
    "parity_plot",
]

#: Bilingual labels (Indonesian / English) of the KPIs and columns the notebooks plot.
KPI_LABELS: dict[str, str] = {
    "arrivals": "Permohonan / requests",
    "turnaround_median_days": "Waktu selesai median (hari) / median turnaround (days)",
    "turnaround_p90_days": "Waktu selesai persentil 90 (hari) / 90th-percentile turnaround (days)",
    "turnaround_mean_days": "Waktu selesai rata-rata (hari) / mean turnaround (days)",
    "share_within_sla": "Porsi selesai sesuai SLA / share within SLA",
    "desk_share": "Porsi lewat loket desa / share via village desk",
    "trips_per_request": "Perjalanan per permohonan / trips per request",
    "outside_trips": "Perjalanan ke luar desa / trips outside the village",
    "outside_trips_saved": "Perjalanan yang dihemat / trips saved",
    "travel_hours": "Jam perjalanan warga / citizen travel hours",
    "travel_hours_saved": "Jam perjalanan yang dihemat / travel hours saved",
    "travel_cost_idr": "Biaya perjalanan warga (Rp) / citizen travel cost (IDR)",
    "travel_cost_saved_idr": "Biaya perjalanan yang dihemat (Rp) / travel cost saved (IDR)",
    "utilisation_verifier": "Utilisasi verifikator kantor / office verifier utilisation",
    "utilisation_counter": "Utilisasi loket kantor / office counter utilisation",
    "utilisation_desk": "Utilisasi loket desa / village desk utilisation",
    "verification_queue_mean": "Antrean verifikasi rata-rata (berkas) / mean verification queue (files)",
    "backlog_end": "Berkas belum selesai di akhir / files open at the end",
    "stockout_days_ktp": "Hari stok blanko KTP-el habis / KTP-el blanko stock-out days",
    "stockout_days_kia": "Hari stok blanko KIA habis / KIA blanko stock-out days",
    "travel_minutes": "Waktu tempuh ke Dispendukcapil (menit) / travel time to the office (minutes)",
    "travel_cost_idr_village": "Biaya pulang-pergi ke Dispendukcapil (Rp) / round-trip cost to the office (IDR)",
    "population": "Penduduk / population",
    "travel_hours_per_request": "Jam perjalanan per permohonan / travel hours per request",
    "travel_hours_saved_per_request": "Jam perjalanan dihemat per permohonan / travel hours saved per request",
    "requests": "Permohonan / requests",
}


#: Short display names of the preset scenarios (legends and axes show these, not the file names).
SCENARIO_LABELS: dict[str, str] = {
    "office-only": "Hanya kantor / office only",
    "office-only-oct-2021": "Hanya kantor (Okt 2021) / office only (Oct 2021)",
    "all-2022": "186 desa 2022 / all villages 2022",
    "outage-july-2022": "Gangguan Juli 2022 / July 2022 outage",
    "blanko-shortage": "Kurang blanko / blanko shortage",
    "oct-2021": "26 desa Okt 2021 / 26 villages Oct 2021",
    "phased-readiness": "Bertahap sesuai kesiapan / phased by readiness",
    # rollout plans (sakera_toolkit.scenarios.plan: "plan-<objective>", "rule-<rule>")
    "plan-travel-hours": "Optimasi: jam perjalanan / optimised: travel hours",
    "plan-trips": "Optimasi: perjalanan / optimised: trips",
    "plan-equity": "Optimasi: pemerataan / optimised: equity",
    "rule-population": "Aturan: penduduk terbanyak / rule: by population",
    "rule-distance": "Aturan: terjauh / rule: by distance",
}

#: Bilingual names of the daily time-series columns of ``SimResult.timeseries``.
SERIES_LABELS: dict[str, str] = {
    "blanko_ktp": "KTP-el",
    "blanko_kia": "KIA",
    "verification_queue": "Antrean verifikasi / verification queue",
}


def label(kpi: str) -> str:
    """Bilingual label of ``kpi`` (the name itself when no label is known)."""
    return KPI_LABELS.get(kpi, kpi)


def scenario_label(name: str) -> str:
    """Display name of a scenario: the preset's short bilingual name, else the name itself."""
    return SCENARIO_LABELS.get(name, name)


def axis_label(text: str, limit: int = 44) -> str:
    """An axis label that fits a default-size plot: the Indonesian part of a long bilingual label.

    Bokeh does not wrap axis labels; a label longer than the axis is cut off. Labels up to
    ``limit`` characters are kept whole; longer ``"id / en"`` labels keep the Indonesian part
    (the plot title carries both languages).
    """
    if len(text) <= limit or " / " not in text:
        return text
    return text.split(" / ")[0]


def _hv():
    """HoloViews with the Bokeh backend loaded (without touching the notebook display)."""
    import holoviews as hv  # type: ignore[import-untyped]

    if "bokeh" not in hv.Store.renderers:
        import holoviews.plotting.bokeh  # type: ignore[import-untyped]  # noqa: F401  (registers the backend)
    if hv.Store.current_backend != "bokeh":
        hv.Store.set_current_backend("bokeh")
    return hv


# -- map ----------------------------------------------------------------------------------------


def village_map(
    table: pd.DataFrame | None = None,
    color: str = "travel_minutes",
    *,
    title: str | None = None,
    clabel: str | None = None,
    cmap: str | list[str] = "viridis",
    kecamatan_labels: bool = True,
    width: int = 560,
):
    """Interactive choropleth of the 186 villages coloured by a column of ``table``.

    A thin wrapper of :func:`sakera_toolkit.maps.village_map_hv` for village tables: the real
    village boundaries on the sea, kecamatan outlines, P. Mandangin as an island and the
    Dispendukcapil office as a red star; no tile server. Hovering a village shows its name,
    kecamatan, the value and population/travel columns when the table has them.

    Parameters
    ----------
    table
        One row per village with ``village_code`` and the ``color`` column (default:
        :func:`sakera_toolkit.registry.village_table`).
    color
        Column to colour by: numeric (a colour bar) or categorical (one legend entry per value, in
        the order of a pandas Categorical, else sorted).
    title, clabel
        Plot title and colour-bar/legend label (default: the bilingual label of ``color``).
    cmap
        Colour map name for a numeric column, or a list of colours for a categorical one.
    kecamatan_labels
        Write the kecamatan names.
    width
        Width of the map area in pixels (the height follows from the map's aspect).
    """
    from . import maps, registry

    if table is None:
        table = registry.village_table()
    missing = {"village_code", color} - set(table.columns)
    if missing:
        raise ValueError(f"village_map needs column(s) {sorted(missing)}")
    indexed = table.set_index("village_code")
    hover_cols = [c for c in ("population", "travel_minutes", "travel_cost_idr") if c in indexed and c != color]
    return maps.village_map_hv(
        indexed[color],
        title=title or label(color),
        label=clabel or label(color),
        cmap=cmap,
        kecamatan_labels=kecamatan_labels,
        hover=indexed[hover_cols] if hover_cols else None,
        width=width,
    )


# -- equity across kecamatan --------------------------------------------------------------------


def _kpi_window(result) -> pd.DataFrame:
    p = result.params
    t = result.trace
    a = t["arrival"].to_numpy()
    keep = (a >= p.warmup_days) & (a < p.days) & ~t["backlog"].to_numpy()
    return t[keep]


def kecamatan_table(result) -> pd.DataFrame:
    """Per replication and kecamatan: requests, travel hours (and per request), desk share, turnaround.

    Columns: ``replication, district_code, requests, travel_hours, office_only_hours,
    desk_requests, turnaround_median_days, travel_hours_per_request,
    travel_hours_saved_per_request, desk_share``. Only requests of the KPI window (after the
    warm-up, initial backlog excluded) count.

    Parameters
    ----------
    result
        A :class:`sakera_toolkit.sim.SimResult`.
    """
    t = _kpi_window(result)
    frame = pd.DataFrame(
        {
            "replication": t["replication"].to_numpy(),
            "district_code": t["district_code"],
            "requests": 1,
            "travel_hours": t["travel_minutes"].to_numpy() / 60.0,
            "office_only_hours": t["office_only_minutes"].to_numpy() / 60.0,
            "desk_requests": (t["channel"] == "desa").to_numpy().astype("int64"),
        }
    )
    out = frame.groupby(["replication", "district_code"], observed=True).sum().reset_index()
    # turnaround of documents, as the engine's KPIs (an activation is finished in minutes)
    from .services import DOCUMENT_IDS

    done = t[((t["outcome"] == "completed") & t["service"].isin(DOCUMENT_IDS)).to_numpy()]
    med = done.groupby(["replication", "district_code"], observed=True)["turnaround_days"].median()
    out = out.merge(med.rename("turnaround_median_days").reset_index(), on=["replication", "district_code"], how="left")
    n = out["requests"].clip(lower=1)
    out["travel_hours_per_request"] = out["travel_hours"] / n
    out["travel_hours_saved_per_request"] = (out["office_only_hours"] - out["travel_hours"]) / n
    out["desk_share"] = out["desk_requests"] / n
    out["district_code"] = out["district_code"].astype(str)
    return out


def _as_kecamatan_table(result_or_table) -> pd.DataFrame:
    return result_or_table if isinstance(result_or_table, pd.DataFrame) else kecamatan_table(result_or_table)


def kecamatan_summary(result, confidence: float = 0.95) -> pd.DataFrame:
    """Per kecamatan: travel hours per request, hours saved, desk share and median turnaround.

    Computed per replication from ``result.trace`` (KPI window only: warm-up and initial backlog
    left out), then summarised over replications as the mean with a Student-t interval
    (``*_low``/``*_high`` columns; NaN with a single replication).

    Parameters
    ----------
    result
        A :class:`sakera_toolkit.sim.SimResult`, or its :func:`kecamatan_table`.
    confidence
        Confidence level of the intervals.
    """
    from scipy import stats  # type: ignore[import-untyped]

    from . import registry

    per = _as_kecamatan_table(result)
    metrics = [
        "requests",
        "travel_hours_per_request",
        "travel_hours_saved_per_request",
        "desk_share",
        "turnaround_median_days",
    ]
    rows = []
    for code, g in per.groupby("district_code", observed=True, sort=True):
        row: dict[str, object] = {"district_code": code}
        for m in metrics:
            x = g[m].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            mean = float(x.mean()) if len(x) else math.nan
            half = (
                float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
                if len(x) > 1
                else math.nan
            )
            row[m] = mean
            if m != "requests":
                row[f"{m}_low"] = mean - half
                row[f"{m}_high"] = mean + half
        rows.append(row)
    out = pd.DataFrame(rows)
    names = registry.districts().set_index("district_code")["district_name"]
    out.insert(1, "district_name", out["district_code"].map(names))
    return out


def equity_index(result) -> pd.DataFrame:
    """Spread of travel hours per request across the 14 kecamatan, one row per replication.

    Columns: ``max_over_min`` (worst-served kecamatan / best-served, >= 1) and ``cv`` (coefficient
    of variation across kecamatan). Lower is more equal. Feed the columns to
    :func:`sakera_toolkit.scenarios.compare.mean_ci` for intervals. ``result`` is a
    :class:`sakera_toolkit.sim.SimResult` or its :func:`kecamatan_table`.
    """
    per = _as_kecamatan_table(result)
    rows = []
    for _rep, g in per.groupby("replication", sort=True):
        x = g["travel_hours_per_request"].to_numpy(dtype=float)
        rows.append(
            {
                "replication": int(g["replication"].iloc[0]),
                "max_over_min": float(x.max() / x.min()) if x.min() > 0 else math.inf,
                "cv": float(x.std(ddof=0) / x.mean()) if x.mean() > 0 else math.nan,
            }
        )
    return pd.DataFrame(rows)


# -- intervals ----------------------------------------------------------------------------------


def _interval_plot(
    frame: pd.DataFrame, x: str, mean: str, low: str, high: str, value: str, ylabel: str, title: str, zero_line: bool
):
    """Points with error bars per scenario; the value dimension is named ``value`` (one per KPI).

    Naming the value dimension after the KPI keeps every KPI on its own y-axis when several plots
    are laid out together: HoloViews links the axes of plots whose dimensions share a name, so
    plots of different KPIs with one generic "mean" dimension shared one axis (three of four
    panels flat at zero). ``axiswise`` normalisation is set as well.
    """
    hv = _hv()
    f = frame[[x, mean, low, high]].copy()
    f[x] = [scenario_label(str(v)) for v in f[x]]
    f = f.rename(columns={mean: value, low: f"{value}_low", high: f"{value}_high"})
    f["err_neg"] = (f[value] - f[f"{value}_low"]).fillna(0.0)
    f["err_pos"] = (f[f"{value}_high"] - f[value]).fillna(0.0)
    ydim = hv.Dimension(value, label=axis_label(ylabel))
    xdim = hv.Dimension(x, label="Skenario / scenario")
    scatter = hv.Scatter(f, kdims=[xdim], vdims=[ydim, f"{value}_low", f"{value}_high"]).opts(
        size=10, color="navy", tools=["hover"]
    )
    bars = hv.ErrorBars(f, kdims=[xdim], vdims=[ydim, "err_neg", "err_pos"]).opts(line_width=2, color="navy")
    layers = [bars, scatter]
    if zero_line:
        layers.insert(0, hv.HLine(0.0).opts(color="gray", line_dash="dashed"))
    extra = {}
    big = float(np.nanmax(np.abs(f[[value, f"{value}_low", f"{value}_high"]].to_numpy(dtype=float)), initial=0.0))
    if big >= 1e4:  # thousands separators instead of bokeh's scientific notation (1.000e+5)
        from bokeh.models import NumeralTickFormatter

        extra["yformatter"] = NumeralTickFormatter(format="0,0")
    return (
        hv.Overlay(layers)
        .opts(title=title, xrotation=20, width=640, height=380, show_grid=True, **extra)
        .opts(axiswise=True)
    )


def ci_plot(table: pd.DataFrame, kpi: str, title: str | None = None):
    """Mean and confidence interval of ``kpi`` per scenario.

    ``table`` is :meth:`sakera_toolkit.scenarios.compare.Comparison.table` (columns ``scenario,
    kpi, mean, ci_low, ci_high``).
    """
    sub = table[table["kpi"] == kpi]
    if sub.empty:
        raise ValueError(f"no rows for KPI {kpi!r}")
    return _interval_plot(
        sub, "scenario", "mean", "ci_low", "ci_high", kpi, label(kpi), title or label(kpi), zero_line=False
    )


def diff_plot(table: pd.DataFrame, kpi: str, reference: str, title: str | None = None):
    """Paired difference of ``kpi`` against ``reference`` per scenario, with its interval.

    An interval crossing the dashed zero line means the difference is not statistically
    distinguishable.
    """
    sub = table[(table["kpi"] == kpi) & (table["scenario"] != reference)]
    if sub.empty:
        raise ValueError(f"no rows for KPI {kpi!r} besides the reference {reference!r}")
    name = label(kpi)
    t = title or f"Selisih vs {reference} / difference vs {reference}: {name.split(' / ')[-1]}"
    return _interval_plot(
        sub, "scenario", "diff", "diff_ci_low", "diff_ci_high", f"{kpi}_diff", f"Δ {name}", t, zero_line=True
    )


# -- time series --------------------------------------------------------------------------------

#: Line colours of the scenarios in :func:`series_plot` (Category10).
LINE_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
_DASHES = ["solid", "dashed", "dotted", "dashdot"]


def series_plot(
    frame: pd.DataFrame,
    columns: str | list[str],
    *,
    by: str = "scenario",
    x: str = "date",
    title: str,
    ylabel: str,
    width: int = 640,
    height: int = 300,
):
    """Daily series, one line per scenario (and per column): colour = scenario, dash = column.

    ``frame`` is ``SimResult.timeseries`` of one replication per scenario with a ``by`` column
    (e.g. ``pd.concat([r.timeseries.assign(scenario=name) ...])`` filtered to replication 0).
    Each line is sorted by ``x``; several rows for one date of one scenario (several replications
    left in) are an error, because the line would zig-zag between them.

    Parameters
    ----------
    frame
        Tidy table with ``x``, ``by`` and the ``columns``.
    columns
        Column(s) to draw (e.g. ``["blanko_ktp", "blanko_kia"]``); legend entries read
        "KTP-el · <scenario>" when there are several.
    by, x
        Grouping column (one colour each) and the x column.
    title, ylabel
        Plot title and y-axis label.
    width, height
        Size of the plotting area in pixels (the legend comes on the right of it).
    """
    hv = _hv()
    cols = [columns] if isinstance(columns, str) else list(columns)
    missing = sorted({x, by, *cols} - set(frame.columns))
    if missing:
        raise ValueError(f"series_plot needs column(s) {missing}")
    xdim = hv.Dimension(x, label="Tanggal / date" if x == "date" else x)
    ydim = hv.Dimension("series_value", label=axis_label(ylabel))
    curves = []
    for i, (key, g) in enumerate(frame.groupby(by, sort=False, observed=True)):
        if g[x].duplicated().any():
            raise ValueError(f"series_plot: several rows per {x} for {by}={key!r}; keep one replication")
        g = g.sort_values(x)
        for j, col in enumerate(cols):
            name = scenario_label(str(key))
            if len(cols) > 1:
                name = f"{SERIES_LABELS.get(col, col)} · {name}"
            curves.append(
                hv.Curve((g[x].to_numpy(), g[col].to_numpy()), kdims=[xdim], vdims=[ydim], label=name).opts(
                    color=LINE_COLOURS[i % len(LINE_COLOURS)], line_dash=_DASHES[j % len(_DASHES)], line_width=2
                )
            )
    return hv.Overlay(curves).opts(
        title=title,
        frame_width=width,
        frame_height=height,
        show_grid=True,
        legend_position="right",
        tools=["hover"],
    )


def grouped_bar_plot(
    frame: pd.DataFrame,
    x: str,
    y: str,
    by: str = "scenario",
    *,
    title: str,
    xlabel: str,
    ylabel: str | None = None,
    width: int = 900,
    height: int = 420,
):
    """Grouped bars of ``y`` per ``x`` (e.g. kecamatan), one colour per ``by`` value with a legend.

    Scenario names in ``by`` are shown by their :func:`scenario_label`; the legend (right of the
    plot) names every colour.
    """
    hv = _hv()
    missing = sorted({x, y, by} - set(frame.columns))
    if missing:
        raise ValueError(f"grouped_bar_plot needs column(s) {missing}")
    f = frame[[x, by, y]].copy()
    f[by] = [scenario_label(str(v)) for v in f[by]]
    groups = list(dict.fromkeys(f[by]))
    colours = {g: LINE_COLOURS[i % len(LINE_COLOURS)] for i, g in enumerate(groups)}
    xdim = hv.Dimension(x, label=xlabel)
    bdim = hv.Dimension(by, label="Skenario / scenario" if by == "scenario" else by)
    ydim = hv.Dimension(y, label=axis_label(ylabel or label(y)))
    return hv.Bars(f, kdims=[xdim, bdim], vdims=[ydim]).opts(
        color=by,
        cmap=colours,
        multi_level=False,
        show_legend=True,
        legend_position="right",
        xrotation=45,
        title=title,
        width=width,
        height=height,
        show_grid=True,
        tools=["hover"],
    )


# -- sensitivity --------------------------------------------------------------------------------


def tornado_plot(
    tornado: pd.DataFrame, kpi: str, base: float, title: str | None = None, labels: dict[str, str] | None = None
):
    """Tornado chart: change of ``kpi`` from ``base`` at each parameter's lowest and highest value.

    ``tornado`` is :meth:`sakera_toolkit.scenarios.sweep.SweepResult.tornado` (columns
    ``parameter, low_value, high_value, kpi_at_low, kpi_at_high``), sorted by swing; the widest bar
    is drawn on top. ``labels`` renames parameters (e.g. ``{"staff.office_verifiers":
    "Verifikator / verifiers"}``).
    """
    hv = _hv()
    if tornado.empty:
        raise ValueError("empty tornado table")
    names = labels or {}
    t = tornado.copy()
    t["name"] = [f"{names.get(p, p)}" for p in t["parameter"]]
    t = t.iloc[::-1]  # widest bar last = drawn at the top of an inverted axis
    low = pd.DataFrame({"name": t["name"], "change": t["kpi_at_low"] - base, "value": t["low_value"].astype(str)})
    high = pd.DataFrame({"name": t["name"], "change": t["kpi_at_high"] - base, "value": t["high_value"].astype(str)})
    opts = dict(invert_axes=True, tools=["hover"], alpha=0.75, line_color="black")
    bars_low = hv.Bars(low, kdims=["name"], vdims=["change", "value"], label="nilai terendah / lowest value").opts(
        color="#4575b4", **opts
    )
    bars_high = hv.Bars(high, kdims=["name"], vdims=["change", "value"], label="nilai tertinggi / highest value").opts(
        color="#d73027", **opts
    )
    return (bars_low * bars_high * hv.VLine(0.0).opts(color="black")).opts(
        title=title or f"Sensitivitas / sensitivity: {label(kpi)}",
        xlabel="Parameter",
        ylabel=f"Perubahan vs rata-rata / change vs mean ({base:,.3g})",
        width=820,
        height=170 + 55 * len(t),
        legend_position="right",
        show_grid=True,
    )


# -- validation ---------------------------------------------------------------------------------


def parity_plot(
    frame: pd.DataFrame,
    x: str,
    y: str,
    by: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
):
    """Simulated (``y``) against theory (``x``) with the 45° line: points on the line agree."""
    hv = _hv()
    f = frame.copy()
    cols = [y] + ([by] if by else [])
    lo = float(min(f[x].min(), f[y].min()))
    hi = float(max(f[x].max(), f[y].max()))
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    line = hv.Curve([(lo - pad, lo - pad), (hi + pad, hi + pad)], label="teori = simulasi / theory = simulation").opts(
        color="gray", line_dash="dashed"
    )
    if by:
        pts = hv.Points(f, kdims=[x, y], vdims=[by]).opts(
            color=by, cmap="Category10", size=9, tools=["hover"], show_legend=True
        )
    else:
        pts = hv.Points(f, kdims=[x, y], vdims=cols[1:]).opts(size=9, color="navy", tools=["hover"])
    return (line * pts).opts(
        title=title or "Simulasi vs teori antrean / simulation vs queueing theory",
        xlabel=xlabel or f"Teori / theory: {x}",
        ylabel=ylabel or f"Simulasi / simulation: {y}",
        width=900 if by else 520,
        height=460,
        show_grid=True,
        legend_position="right",
    )

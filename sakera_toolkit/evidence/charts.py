"""Matplotlib charts of the report, rendered as deterministic inline SVG.

Every chart draws intervals (error bars) from the run it belongs to. SVG output is made
byte-reproducible: fixed ``svg.hashsalt``, no date in the metadata, text kept as text.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "svg_data_uri",
    "figure_svg",
    "before_after_chart",
    "area_chart",
    "ikm_chart",
    "bcr_chart",
    "server_figure",
    "server_hourly_chart",
    "server_utilisation_chart",
    "server_daily_figure",
]

BEFORE, AFTER = "#9e9e9e", "#1b9e77"


def _mpl() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "sakera-report",
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def figure_svg(fig: Any) -> str:
    """The figure as SVG text (deterministic) and close it."""
    plt = _mpl()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "sakera"})
    plt.close(fig)
    return buf.getvalue()


def svg_data_uri(svg: str) -> str:
    """A ``data:`` URI for an ``<img>`` (works in browsers and WeasyPrint, no network)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _err(mean: float, low: float, high: float) -> tuple[float, float]:
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        return (0.0, 0.0)
    return (max(mean - low, 0.0), max(high - mean, 0.0))


def before_after_chart(rows: pd.DataFrame, before_label: str, after_label: str, ncols: int = 3) -> str:
    """Small multiples: one panel per KPI row, before vs after bars with 95 % CI error bars.

    ``rows`` has ``label, unit, before, before_low, before_high, after, after_low, after_high``
    and a ``scale`` column (multiply values for display, e.g. 100 for shares).
    """
    plt = _mpl()
    n = len(rows)
    nrows = int(math.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.3 * nrows), squeeze=False)
    row: Any
    for ax, row in zip(axes.flat, rows.itertuples(index=False), strict=False):
        k = float(getattr(row, "scale", 1.0))
        means = [row.before * k, row.after * k]
        errs = np.array(
            [
                _err(row.before * k, row.before_low * k, row.before_high * k),
                _err(row.after * k, row.after_low * k, row.after_high * k),
            ]
        ).T
        ax.bar([0, 1], means, color=[BEFORE, AFTER], width=0.6, yerr=errs, capsize=4, ecolor="#222")
        ax.set_xticks([0, 1], [before_label, after_label])
        ax.set_title(f"{row.label}" + (f" ({row.unit})" if row.unit else ""), fontsize=8.5)
        ax.set_ylim(bottom=0)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"))
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return figure_svg(fig)


def area_chart(area: pd.DataFrame, value: str, xlabel: str, title: str) -> str:
    """Horizontal bars per kecamatan (and P. Mandangin last, highlighted) with CI error bars."""
    plt = _mpl()
    df = area.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.0, 0.32 * len(df) + 0.9))
    y = np.arange(len(df))
    colours = [AFTER if not str(c).count(".") == 3 else "#d95f02" for c in df["code"]]
    err = np.array(
        [_err(m, lo, hi) for m, lo, hi in zip(df[value], df[f"{value}_low"], df[f"{value}_high"], strict=True)]
    ).T
    ax.barh(y, df[value], color=colours, xerr=err, capsize=3, ecolor="#222")
    ax.set_yticks(y, df["name"])
    ax.axvline(0, color="#444", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9.5)
    fig.tight_layout()
    return figure_svg(fig)


def ikm_chart(unsur: pd.DataFrame, title: str, xlabel: str) -> str:
    """NRR per unsur with bootstrap CIs on the 1-4 scale, grade boundaries marked."""
    plt = _mpl()
    from .ikm import INTERVALS

    df = unsur.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    y = np.arange(len(df))
    err = np.array(
        [_err(m, lo, hi) for m, lo, hi in zip(df["nrr"], df["nrr_ci_low"], df["nrr_ci_high"], strict=True)]
    ).T
    ax.barh(y, df["nrr"], color=AFTER, xerr=err, capsize=3, ecolor="#222")
    ax.set_yticks(y, [f"{u.upper()} {n}" for u, n in zip(df["unsur"], df["name"], strict=True)])
    for g in INTERVALS[1:]:
        ax.axvline(g.nrr_low, color="#999", lw=0.8, ls="--")
        ax.text(g.nrr_low, len(df) - 0.35, f" {g.mutu}", fontsize=7.5, color="#555")
    ax.set_xlim(1, 4)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9.5)
    fig.tight_layout()
    return figure_svg(fig)


def bcr_chart(table: pd.DataFrame, title: str, xlabel: str) -> str:
    """Benefit-cost ratio per phase with CI, the break-even line at 1."""
    plt = _mpl()
    df = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.0, 0.4 * len(df) + 1.0))
    y = np.arange(len(df))
    err = np.array([_err(m, lo, hi) for m, lo, hi in zip(df["bcr"], df["bcr_low"], df["bcr_high"], strict=True)]).T
    ax.barh(y, df["bcr"], color=AFTER, xerr=err, capsize=3, ecolor="#222")
    ax.set_yticks(y, df["phase"])
    ax.axvline(1.0, color="#d95f02", lw=1.0, ls="--")
    ax.set_xlim(left=0)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=9.5)
    fig.tight_layout()
    return figure_svg(fig)


def map_svg(values: pd.Series, title: str, label: str, lang: str, categorical: bool = False) -> str:
    """The village choropleth of :mod:`sakera_toolkit.maps` as deterministic SVG."""
    _mpl()
    from ..maps import village_map

    fig = village_map(values, title=title, label=label, lang=lang, categorical=categorical, figsize=(8.0, 6.6))
    return figure_svg(fig)


#: Line colours of the server curves (as planned first, then the levers).
SERVER_COLOURS = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")


def server_figure(
    curves: Mapping[str, pd.DataFrame],
    x: str,
    timeout_s: float,
    lang: str = "id",
    xlabel: str | None = None,
    title: str | None = None,
) -> Any:
    """The central server's p95 response time and timed-out share against ``x``, with 95 % CIs.

    Two panels with their own y-axes, both from 0: p95 response time (the client timeout dashed)
    and the share of attempts timed out, against ``x`` (villages live, or hour of day).

    ``curves`` maps a legend label to a frame with ``x``, ``<kpi>`` and ``<kpi>_low/_high`` columns for
    ``p95`` = ``server_response_p95_s`` or ``response_p95_s`` and ``share`` = ``server_timeout_share``
    or ``timeout_share``; error bars are the 95 % intervals over replications. Returns the matplotlib
    figure (:func:`figure_svg` turns it into SVG).
    """
    plt = _mpl()
    en = lang == "en"
    fig, (ax_p95, ax_share) = plt.subplots(1, 2, figsize=(9.0, 3.4))
    for i, (label, frame) in enumerate(curves.items()):
        p95 = "server_response_p95_s" if "server_response_p95_s" in frame else "response_p95_s"
        share = "server_timeout_share" if "server_timeout_share" in frame else "timeout_share"
        colour = SERVER_COLOURS[i % len(SERVER_COLOURS)]
        for ax, col, k in ((ax_p95, p95, 1.0), (ax_share, share, 100.0)):
            err = np.array(
                [
                    _err(m * k, lo * k, hi * k)
                    for m, lo, hi in zip(frame[col], frame[f"{col}_low"], frame[f"{col}_high"], strict=True)
                ]
            ).T
            ax.errorbar(
                frame[x], frame[col] * k, yerr=err, color=colour, marker="o", ms=3.5, lw=1.4, capsize=3, label=label
            )
    ax_p95.axhline(timeout_s, color="#444", lw=0.9, ls="--")
    ax_p95.text(
        ax_p95.get_xlim()[0], timeout_s, " timeout" if en else " batas waktu", va="bottom", fontsize=7.5, color="#444"
    )
    ax_p95.set_ylabel("seconds" if en else "detik")
    ax_p95.set_title("Response time, 95th percentile" if en else "Waktu respons, persentil 95", fontsize=9.5)
    ax_share.set_ylabel("% of attempts" if en else "% percobaan")
    ax_share.set_title("Attempts timed out" if en else "Percobaan gagal (batas waktu habis)", fontsize=9.5)
    for ax in (ax_p95, ax_share):
        ax.set_ylim(bottom=0)
        ax.set_xlabel(xlabel or x)
    if len(curves) > 1:
        ax_share.legend(fontsize=7.5, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def server_hourly_chart(hourly: Mapping[str, pd.DataFrame], timeout_s: float, lang: str = "id") -> str:
    """:func:`server_figure` by hour of day (``hourly`` maps scenario name to ``server.hourly_table``), as SVG."""
    en = lang == "en"
    fig = server_figure(
        hourly,
        "hour",
        timeout_s,
        lang,
        xlabel="hour of day (service hours)" if en else "jam (jam layanan)",
        title="Central server by hour of day (95 % CI)" if en else "Server pusat menurut jam (SK 95 %)",
    )
    return figure_svg(fig)


def server_utilisation_chart(hourly: Mapping[str, pd.DataFrame], lang: str = "id") -> str:
    """Server utilisation by hour of day (``hourly`` as for :func:`server_hourly_chart`), 95 % CIs, as SVG."""
    plt = _mpl()
    en = lang == "en"
    fig, ax = plt.subplots(figsize=(9.0, 2.8))
    for i, (label, frame) in enumerate(hourly.items()):
        err = np.array(
            [
                _err(m * 100, lo * 100, hi * 100)
                for m, lo, hi in zip(
                    frame["utilisation"], frame["utilisation_low"], frame["utilisation_high"], strict=True
                )
            ]
        ).T
        ax.errorbar(
            frame["hour"],
            frame["utilisation"] * 100,
            yerr=err,
            color=SERVER_COLOURS[i % len(SERVER_COLOURS)],
            marker="o",
            ms=3.5,
            lw=1.4,
            capsize=3,
            label=label,
        )
    ax.axhline(100, color="#444", lw=0.9, ls="--")
    ax.set_ylim(0, 105)
    ax.set_ylabel("% busy" if en else "% sibuk")
    ax.set_xlabel("hour of day (service hours)" if en else "jam (jam layanan)")
    ax.set_title(
        "Central server utilisation by hour of day (95 % CI)" if en else "Utilisasi server pusat menurut jam (SK 95 %)",
        fontsize=9.5,
    )
    if len(hourly) > 1:
        ax.legend(fontsize=7.5, frameon=False)
    fig.tight_layout()
    return figure_svg(fig)


def server_daily_figure(profile: pd.DataFrame, timeout_s: float, tip: Any = None, lang: str = "id") -> Any:
    """The central server day by day (``evidence.server.daily_profile``), as a matplotlib figure.

    p95 response time with the timeout dashed, and villages live on their own axis below; outage
    days greyed, the tipping day marked.
    """
    plt = _mpl()
    en = lang == "en"
    fig, (ax, ax_v) = plt.subplots(2, 1, figsize=(9.0, 4.6), sharex=True, height_ratios=(3, 1.2))
    dates = pd.to_datetime(profile["date"])
    normal = ~profile["outage"].to_numpy(dtype=bool)
    ax.plot(dates[normal], profile["response_p95_s"][normal], ".-", color=SERVER_COLOURS[0], lw=1.0, ms=3)
    for d in dates[~normal]:
        ax.axvspan(d, d + pd.Timedelta(days=1), color="#ccc", lw=0)
    ax.axhline(timeout_s, color="#444", lw=0.9, ls="--")
    ax.text(dates.iloc[0], timeout_s, " timeout" if en else " batas waktu", va="bottom", fontsize=7.5, color="#444")
    if tip is not None:
        for a in (ax, ax_v):
            a.axvline(pd.Timestamp(tip["date"]), color="#7570b3", lw=1.2)
        ax.text(
            pd.Timestamp(tip["date"]), ax.get_ylim()[1], " " + str(tip["date"]), va="top", fontsize=8, color="#7570b3"
        )
    ax.set_ylim(bottom=0)
    ax.set_ylabel("p95 response (s)" if en else "respons p95 (detik)")
    ax.set_title(
        "Central server day by day (service hours; grey: outage days)"
        if en
        else "Server pusat per hari (jam layanan; abu-abu: hari gangguan)",
        fontsize=9.5,
    )
    ax_v.step(dates, profile["villages_live"], where="post", color="#1b9e77")
    ax_v.set_ylim(0, max(float(profile["villages_live"].max()), 1.0) * 1.1)
    ax_v.set_ylabel("villages live" if en else "desa aktif")
    fig.tight_layout()
    return fig

"""Before/after KPIs of an :class:`~sakera_toolkit.evidence.run.EvidenceRun` with 95 % intervals.

"Before" is the baseline (office only by default), "after" the rollout scenario. Headline rows are
read from the run's :class:`~sakera_toolkit.scenarios.compare.Comparison` unchanged (they equal
``sakera compare --json``); savings are paired differences **baseline minus scenario** per
replication (common random numbers), summarised as mean and Student-t interval, the same rule
as ``sakera compare``. Per-kecamatan and P. Mandangin rows come from the replication digests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..scenarios.compare import mean_ci
from .run import MANDANGIN, EvidenceRun

__all__ = [
    "KPI_LABELS",
    "HEADLINE",
    "COVERAGE_KPIS",
    "label",
    "before_after",
    "savings",
    "savings_by_area",
    "office_relief",
    "ci_row",
    "coverage_table",
]

#: KPI -> (Indonesian label, English label, unit).
KPI_LABELS: dict[str, tuple[str, str, str]] = {
    "arrivals": ("Permohonan", "Requests", ""),
    "completed": ("Dokumen terbit", "Documents issued", ""),
    "turnaround_median_days": ("Waktu penyelesaian, median", "Turnaround, median", "hari/days"),
    "turnaround_p90_days": ("Waktu penyelesaian, persentil 90", "Turnaround, 90th percentile", "hari/days"),
    "share_within_sla": ("Selesai dalam standar pelayanan", "Within the service standard", "%"),
    "desk_share": ("Dilayani di desa", "Served at the village desk", "%"),
    "outside_trips": ("Perjalanan ke luar desa", "Trips outside the village", ""),
    "travel_hours": ("Jam perjalanan warga", "Citizens' travel hours", "jam/h"),
    "travel_cost_idr": ("Biaya perjalanan warga", "Citizens' travel cost", "Rp"),
    "utilisation_counter": ("Utilisasi loket kantor", "Office counter utilisation", "%"),
    "utilisation_verifier": ("Utilisasi verifikator", "Verifier utilisation", "%"),
    "backlog_end": ("Sisa berkas di akhir periode", "Backlog at the end", ""),
    "trips_per_request": ("Perjalanan per permohonan", "Trips per request", ""),
    "outside_trips_saved": (
        "Perjalanan ke luar desa dihemat (dibanding ke kantor)",
        "Trips outside the village saved (vs going to the office)",
        "",
    ),
    "travel_hours_saved": (
        "Jam perjalanan dihemat (dibanding ke kantor)",
        "Travel hours saved (vs the office)",
        "jam/h",
    ),
    "travel_cost_saved_idr": (
        "Biaya perjalanan dihemat (dibanding ke kantor)",
        "Travel cost saved (vs the office)",
        "Rp",
    ),
    "stockout_days_ktp": ("Hari blanko KTP-el habis", "Days without KTP-el blanko", "hari/days"),
    "stockout_days_kia": ("Hari blanko KIA habis", "Days without KIA blanko", "hari/days"),
}

#: Headline KPIs of the before/after table, in display order.
HEADLINE = (
    "arrivals",
    "completed",
    "turnaround_median_days",
    "turnaround_p90_days",
    "share_within_sla",
    "desk_share",
    "outside_trips",
    "travel_hours",
    "travel_cost_idr",
    "utilisation_counter",
    "backlog_end",
)


_DOCS = {"akta": ("akta kelahiran", "birth certificate"), "kia": ("KIA", "child ID card"), "ktp": ("KTP-el", "KTP-el")}

#: Coverage KPIs of the life-events model (``life_events.coverage_kpis``), in display order:
#: kpi -> (Indonesian, English, unit, scale, digits).
COVERAGE_KPIS: dict[str, tuple[str, str, str, float, int]] = {
    **{
        f"coverage_{doc}_start": (f"Cakupan {di}, awal periode", f"Coverage of {de}, at the start", "%", 100.0, 1)
        for doc, (di, de) in _DOCS.items()
    },
    **{
        f"coverage_{doc}_end": (f"Cakupan {di}, akhir periode", f"Coverage of {de}, at the end", "%", 100.0, 1)
        for doc, (di, de) in _DOCS.items()
    },
    **{
        f"coverage_requests_{doc}": (f"Permohonan {di} baru (susulan)", f"New {de} requests (uptake)", "", 1.0, 0)
        for doc, (di, de) in _DOCS.items()
    },
}


def label(kpi: str, lang: str = "id") -> str:
    """Display label of a KPI."""
    item = KPI_LABELS.get(kpi)
    if item is None:
        return kpi
    return item[1] if lang == "en" else item[0]


def ci_row(values: np.ndarray | list[float], confidence: float = 0.95) -> dict[str, float]:
    """``{"mean", "ci_low", "ci_high"}`` of per-replication values (Student t)."""
    mean, low, high = mean_ci(np.asarray(values, dtype=float), confidence)
    return {"mean": mean, "ci_low": low, "ci_high": high}


def before_after(ev: EvidenceRun, lang: str = "id", kpis: tuple[str, ...] = HEADLINE) -> pd.DataFrame:
    """Headline KPIs before (baseline) and after (scenario), with CIs and the paired difference.

    Columns: ``kpi, label, unit, before, before_low, before_high, after, after_low, after_high,
    diff, diff_low, diff_high, distinguishable``; numbers exactly as in ``Comparison.table()``.
    """
    names = [k for k in kpis if k in ev.comparison.kpi_names()]
    t = ev.comparison.table(names)
    base = t[t["scenario"] == ev.baseline].set_index("kpi")
    scen = t[t["scenario"] == ev.scenario].set_index("kpi")
    rows = []
    for k in names:
        b, s = base.loc[k], scen.loc[k]
        rows.append(
            {
                "kpi": k,
                "label": label(k, lang),
                "unit": KPI_LABELS.get(k, ("", "", ""))[2],
                "before": b["mean"],
                "before_low": b["ci_low"],
                "before_high": b["ci_high"],
                "after": s["mean"],
                "after_low": s["ci_low"],
                "after_high": s["ci_high"],
                "diff": s["diff"],
                "diff_low": s["diff_ci_low"],
                "diff_high": s["diff_ci_high"],
                "distinguishable": s["distinguishable"],
            }
        )
    return pd.DataFrame(rows)


def _paired(ev: EvidenceRun, kpi: str) -> tuple[np.ndarray, np.ndarray]:
    k = ev.comparison.kpis
    b = k[k["scenario"] == ev.baseline].set_index("replication")[kpi]
    s = k[k["scenario"] == ev.scenario].set_index("replication")[kpi]
    common = b.index.intersection(s.index)
    return b.loc[common].to_numpy(float), s.loc[common].to_numpy(float)


def savings(ev: EvidenceRun, lang: str = "id") -> pd.DataFrame:
    """What citizens save with the rollout vs the baseline: totals and per request (mean, CI).

    Rows: trips avoided, travel hours saved, travel cost saved (Rp), and the same per request of
    the scenario. Totals are over the KPI window (``ev.window_days`` days).
    """
    b_trips, s_trips = _paired(ev, "outside_trips")
    b_h, s_h = _paired(ev, "travel_hours")
    b_c, s_c = _paired(ev, "travel_cost_idr")
    _, n = _paired(ev, "arrivals")
    n = np.maximum(n, 1.0)
    en = lang == "en"
    items = [
        ("trips_avoided", "Trips avoided" if en else "Perjalanan yang tidak perlu lagi", "", b_trips - s_trips),
        ("travel_hours_saved", "Travel hours saved" if en else "Jam perjalanan yang dihemat", "jam/h", b_h - s_h),
        ("travel_cost_saved_idr", "Travel cost saved" if en else "Biaya perjalanan yang dihemat", "Rp", b_c - s_c),
        (
            "travel_hours_saved_per_request",
            "Hours saved per request" if en else "Jam dihemat per permohonan",
            "jam/h",
            (b_h - s_h) / n,
        ),
        (
            "travel_cost_saved_per_request_idr",
            "Cost saved per request" if en else "Biaya dihemat per permohonan",
            "Rp",
            (b_c - s_c) / n,
        ),
    ]
    return pd.DataFrame(
        [{"kpi": k, "label": lab, "unit": u, **ci_row(v, ev.comparison.confidence)} for k, lab, u, v in items]
    )


def _village_frames(ev: EvidenceRun, name: str) -> list[pd.DataFrame]:
    return [d.villages.set_index("village_code") for d in ev.digests[name]]


def savings_by_area(ev: EvidenceRun, by: str = "kecamatan", lang: str = "id") -> pd.DataFrame:
    """Travel hours and rupiah saved per kecamatan (or village), total and per request, with CIs.

    ``by="kecamatan"`` gives one row per kecamatan and a last row for P. Mandangin alone;
    ``by="village"`` one row per village (for the map). Columns: ``code, name, requests,
    desk_share, hours_saved[_low/_high], cost_saved_idr[_low/_high], hours_saved_per_request``,
    ``cost_saved_per_request_idr`` (each with ``_low``/``_high``).
    """
    from ..registry import districts, villages

    vil = villages().set_index("village_code")
    base = _village_frames(ev, ev.baseline)
    scen = _village_frames(ev, ev.scenario)
    conf = ev.comparison.confidence

    def key(frame: pd.DataFrame) -> pd.Series:
        if by == "village":
            return pd.Series(frame.index, index=frame.index)
        return vil.loc[frame.index, "district_code"]

    groups: dict[str, list[pd.DataFrame]] = {"b": [], "s": []}
    for tag, frames in (("b", base), ("s", scen)):
        for f in frames:
            g = f.groupby(key(f).to_numpy()).sum()
            if by == "kecamatan":
                g.loc[MANDANGIN] = f.loc[MANDANGIN]
            groups[tag].append(g)
    codes = list(groups["s"][0].index)
    rows = []
    names = (
        vil["village_name"].to_dict()
        if by == "village"
        else {**districts().set_index("district_code")["district_name"].to_dict(), MANDANGIN: "P. Mandangin"}
    )
    for code in codes:
        hb = np.array([g.at[code, "travel_hours"] for g in groups["b"]])
        hs = np.array([g.at[code, "travel_hours"] for g in groups["s"]])
        cb = np.array([g.at[code, "travel_cost_idr"] for g in groups["b"]])
        cs = np.array([g.at[code, "travel_cost_idr"] for g in groups["s"]])
        req = np.array([g.at[code, "requests"] for g in groups["s"]])
        desk = np.array([g.at[code, "desk_requests"] for g in groups["s"]])
        n = np.maximum(req, 1.0)
        row: dict[str, Any] = {"code": code, "name": names.get(code, code), "requests": float(req.mean())}
        row["desk_share"] = float((desk / n).mean())
        for name, vals in (
            ("hours_saved", hb - hs),
            ("cost_saved_idr", cb - cs),
            ("hours_saved_per_request", (hb - hs) / n),
            ("cost_saved_per_request_idr", (cb - cs) / n),
        ):
            r = ci_row(vals, conf)
            row[name], row[f"{name}_low"], row[f"{name}_high"] = r["mean"], r["ci_low"], r["ci_high"]
        rows.append(row)
    return pd.DataFrame(rows)


def office_relief(ev: EvidenceRun, lang: str = "id") -> pd.DataFrame:
    """Office queue relief: requests at the office counters and the mean counter queue, before/after."""
    en = lang == "en"
    conf = ev.comparison.confidence
    rows = []
    for key, lab, attr in (
        (
            "office_requests",
            "Requests at the office counters" if en else "Permohonan di loket kantor",
            "office_requests",
        ),
        (
            "counter_queue_mean",
            "Mean counter queue (end of day)" if en else "Rata-rata antrean loket (akhir hari)",
            "counter_queue_mean",
        ),
    ):
        b = np.array([getattr(d, attr) for d in ev.digests[ev.baseline]], dtype=float)
        s = np.array([getattr(d, attr) for d in ev.digests[ev.scenario]], dtype=float)
        m = min(len(b), len(s))
        rb, rs, rd = ci_row(b, conf), ci_row(s, conf), ci_row(s[:m] - b[:m], conf)
        rows.append(
            {
                "kpi": key,
                "label": lab,
                "before": rb["mean"],
                "before_low": rb["ci_low"],
                "before_high": rb["ci_high"],
                "after": rs["mean"],
                "after_low": rs["ci_low"],
                "after_high": rs["ci_high"],
                "diff": rd["mean"],
                "diff_low": rd["ci_low"],
                "diff_high": rd["ci_high"],
                "relief_share": (1 - rs["mean"] / rb["mean"]) if rb["mean"] else math.nan,
            }
        )
    return pd.DataFrame(rows)


def coverage_table(ev: EvidenceRun, lang: str = "id") -> pd.DataFrame:
    """Document coverage KPIs per scenario of an evidence run, with 95 % intervals over replications.

    Same layout as :func:`sakera_toolkit.evidence.server.server_table`: columns ``kpi, label, unit,
    scale, digits`` and, per scenario, ``<name>``, ``<name>_low``, ``<name>_high`` (NaN for a
    scenario without the ``coverage:`` section). Empty when no scenario of the run has it.
    """
    kpis = ev.comparison.kpis
    present = [k for k in COVERAGE_KPIS if k in kpis.columns and kpis[k].notna().any()]
    return kpi_ci_table(ev, {k: COVERAGE_KPIS[k] for k in present}, lang)


def kpi_ci_table(ev: EvidenceRun, specs: dict[str, tuple[str, str, str, float, int]], lang: str = "id") -> pd.DataFrame:
    """A KPI table with 95 % intervals over replications, one row per KPI of ``specs`` in the run.

    ``specs`` maps ``kpi -> (label_id, label_en, unit, scale, digits)``. Columns: ``kpi, label, unit,
    scale, digits`` and, per scenario, ``<name>``, ``<name>_low``, ``<name>_high`` (NaN where a
    scenario lacks the KPI). Shared by :func:`coverage_table` and ``evidence.server.server_table``.
    """
    kpis = ev.comparison.kpis
    rows = []
    for k, (label_id, label_en, unit, scale, digits) in specs.items():
        if k not in kpis.columns:
            continue
        row: dict[str, Any] = {
            "kpi": k,
            "label": label_en if lang == "en" else label_id,
            "unit": unit,
            "scale": scale,
            "digits": digits,
        }
        for name in ev.comparison.scenarios:
            values = kpis.loc[kpis["scenario"] == name, k].to_numpy(dtype=float)
            row[name], row[f"{name}_low"], row[f"{name}_high"] = mean_ci(values)
        rows.append(row)
    return pd.DataFrame(rows)

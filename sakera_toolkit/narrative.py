"""Sentences for the notebooks' "reading the results" paragraphs, computed from a run.

The notebooks must not state numbers or causes that the run did not produce. These helpers turn
a comparison table or a :class:`~sakera_toolkit.sim.SimResult` into short Bahasa Indonesia (or
English) sentences: the savings with their confidence interval, annualised from the KPI window;
where the savings of a scenario without village desks come from (KTP-el recording at the
kecamatan); and which stage of the desk channel's turnaround dominates.

Public API
----------
number(x, lang="id") -> str                      thousands separators of the language, 3 significant digits
money(x, lang="id") -> str                       "Rp6,4 miliar"
savings_text(table, scenario, lang="id") -> str  "Dengan 186 desa aktif, warga menghemat ..."
turnaround_stages(result, channel="desa") -> DataFrame   mean days per stage of completed requests
driver_text(result, lang="id") -> str           the stage that dominates the desk turnaround
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .services import DOCUMENT_IDS

__all__ = ["number", "money", "savings_text", "turnaround_stages", "driver_text", "STAGES", "WEEKDAYS"]

#: Weekday names (0 = Monday) per language.
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

#: Stages of a request through a village desk: (key, start column, end column, id, en) of the trace.
STAGES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "desk",
        "arrival",
        "desk_end",
        "di loket desa (termasuk kunjungan ulang)",
        "at the village desk (incl. return visits)",
    ),
    ("upload", "desk_end", "upload_end", "unggah berkas", "upload"),
    (
        "verification_queue",
        "upload_end",
        "verify_start",
        "antre verifikasi di kantor",
        "waiting for office verification",
    ),
    ("verification", "verify_start", "verify_end", "verifikasi di kantor", "office verification"),
    ("signing", "verify_end", "signed", "menunggu tanda tangan (TTE)", "waiting for the e-signature batch"),
    ("printing", "signed", "printed", "cetak", "printing"),
    (
        "courier",
        "printed",
        "ready",
        "menunggu kurir dokumen ke desa",
        "waiting for the document courier to the village",
    ),
)

_BACK_OFFICE = ("verification_queue", "verification", "signing")


def _check_lang(lang: str) -> None:
    if lang not in WEEKDAYS:
        raise ValueError(f"lang must be one of {sorted(WEEKDAYS)}, not {lang!r}")


def number(x: float, lang: str = "id", significant: int = 3) -> str:
    """``x`` rounded to ``significant`` digits with the language's separators.

    ``number(576_123.4)`` gives ``"576.000"`` (Indonesian: dot for thousands, comma for decimals),
    ``number(576_123.4, "en")`` gives ``"576,000"``; ``number(0.0734)`` gives ``"0,0734"``.
    """
    _check_lang(lang)
    if not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    digits = significant - int(math.floor(math.log10(abs(x)))) - 1
    r = round(x, digits)
    text = f"{r:,.{max(digits, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")  # 6.40 -> 6.4
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def money(x: float, lang: str = "id") -> str:
    """Rupiah in words for large sums: ``"Rp6,4 miliar"`` / ``"IDR 6.4 billion"``."""
    _check_lang(lang)
    for size, word_id, word_en in ((1e12, "triliun", "trillion"), (1e9, "miliar", "billion"), (1e6, "juta", "million")):
        if abs(x) >= size:
            amount = number(x / size, lang)
            return f"Rp{amount} {word_id}" if lang == "id" else f"IDR {amount} {word_en}"
    return f"Rp{number(x, lang)}" if lang == "id" else f"IDR {number(x, lang)}"


def _interval(low: float, high: float, lang: str, confidence: float) -> str:
    pct = f"{confidence * 100:.0f} %"
    if not (math.isfinite(low) and math.isfinite(high)):
        return "(IK tidak tersedia: satu replikasi)" if lang == "id" else "(no CI: one replication)"
    head = f"IK {pct}" if lang == "id" else f"{pct} CI"
    return f"({head} {number(low, lang)}–{number(high, lang)})"


def _row(table: pd.DataFrame, scenario: str, kpi: str) -> pd.Series:
    sub = table[(table["scenario"] == scenario) & (table["kpi"] == kpi)]
    if sub.empty:
        raise ValueError(f"no row for scenario {scenario!r} and KPI {kpi!r} in the comparison table")
    return sub.iloc[0]


def savings_text(table: pd.DataFrame, scenario: Any, *, lang: str = "id", confidence: float = 0.95) -> str:
    """What citizens save under ``scenario``, per year, with the confidence interval.

    Savings are measured against each request's own journey to the Dispendukcapil office
    (``travel_hours_saved``, ``outside_trips_saved``, ``travel_cost_saved_idr``) over the KPI
    window (horizon minus warm-up) and scaled to 365 days. A scenario without village desks can
    still save travel, because KTP-el recording (``kecamatan_services``) is offered at the
    kecamatan offices: the sentence then says so instead of crediting the desks.

    Parameters
    ----------
    table
        :meth:`sakera_toolkit.scenarios.compare.Comparison.table` (``scenario, kpi, mean,
        ci_low, ci_high``) containing ``scenario``.
    scenario
        The :class:`sakera_toolkit.scenarios.Scenario` (horizon, villages live, kecamatan
        services).
    lang
        ``"id"`` or ``"en"``.
    confidence
        The level of the table's intervals (for the text only).
    """
    _check_lang(lang)
    params = scenario.to_flow_params()
    window = int(params.days) - int(params.warmup_days)
    if window <= 0:
        raise ValueError(
            f"scenario {scenario.name!r}: no KPI window (days {params.days}, warm-up {params.warmup_days})"
        )
    scale = 365.0 / window
    villages = int(scenario.summary()["villages_live"])
    hours = _row(table, scenario.name, "travel_hours_saved")
    trips = _row(table, scenario.name, "outside_trips_saved")
    cost = _row(table, scenario.name, "travel_cost_saved_idr")
    h, hl, hh = (float(hours[c]) * scale for c in ("mean", "ci_low", "ci_high"))
    t = float(trips["mean"]) * scale
    c = float(cost["mean"]) * scale
    per = "per tahun" if lang == "id" else "a year"
    note = (
        f" (disetahunkan dari {window} hari KPI)"
        if window != 365 and lang == "id"
        else f" (annualised from a {window}-day KPI window)"
        if window != 365
        else ""
    )
    ci = _interval(hl, hh, lang, confidence)
    if lang == "id":
        head = f"Dengan {villages} desa aktif" if villages else "Tanpa loket desa"
        text = (
            f"{head}, warga menghemat {number(h, lang)} jam perjalanan {per} {ci}, "
            f"{number(t, lang)} perjalanan ke luar desa dan {money(c, lang)} ongkos{note}."
        )
    else:
        head = f"With {villages} village desks live" if villages else "Without village desks"
        text = (
            f"{head}, citizens save {number(h, lang)} travel hours {per} {ci}, "
            f"{number(t, lang)} trips outside their village and {money(c, lang)} in fares{note}."
        )
    if villages == 0 and h > 0:
        services = ", ".join(params.flow_calibration()["kecamatan_services"])
        if lang == "id":
            text += (
                f" Penghematan ini bukan dari loket desa: berasal dari layanan di kantor kecamatan ({services}, "
                "perekaman KTP-el), yang lebih dekat daripada Dispendukcapil di kota Sampang."
            )
        else:
            text += (
                f" These savings do not come from village desks but from the kecamatan offices ({services}, "
                "KTP-el recording), which are nearer than the Dispendukcapil office in Sampang town."
            )
    return text


def turnaround_stages(result: Any, channel: str = "desa") -> pd.DataFrame:
    """Mean days per stage of the requests completed through ``channel`` in the KPI window.

    The stages (:data:`STAGES`) partition each request's time from arrival to its document being
    ready, so their means add up to the mean turnaround. Documents only: a SIAK activation
    (:data:`~sakera_toolkit.services.ACTIVATION_IDS`) has no back-office stages and is left out.
    Columns: ``stage, label_id, label_en, mean_days, share``.

    Parameters
    ----------
    result
        A :class:`sakera_toolkit.sim.SimResult` (its ``trace``).
    channel
        ``"desa"`` (village desk; the default) or another channel of the trace.
    """
    t = result.trace
    p = result.params
    a = t["arrival"].to_numpy()
    keep = (a >= p.warmup_days) & (a < p.days) & ~t["backlog"].to_numpy()
    keep &= (t["outcome"] == "completed").to_numpy() & (t["channel"] == channel).to_numpy()
    keep &= t["service"].isin(DOCUMENT_IDS).to_numpy()
    done = t[keep]
    if done.empty:
        raise ValueError(f"no completed request through channel {channel!r} in the KPI window")
    rows = []
    for key, start, end, lid, len_ in STAGES:
        d = done[end].to_numpy(dtype=float) - done[start].to_numpy(dtype=float)
        rows.append({"stage": key, "label_id": lid, "label_en": len_, "mean_days": float(np.nanmean(d))})
    out = pd.DataFrame(rows)
    total = float(out["mean_days"].sum())
    out["share"] = out["mean_days"] / total if total > 0 else math.nan
    return out


def driver_text(result: Any, *, lang: str = "id", channel: str = "desa") -> str:
    """Which stage dominates the desk channel's turnaround, compared with the back office.

    Computed from :func:`turnaround_stages`; when the dominant stage is the courier, its weekdays
    (``courier_weekdays`` of the run's parameters) are named.
    """
    _check_lang(lang)
    st = turnaround_stages(result, channel)
    total = float(st["mean_days"].sum())
    top = st.iloc[int(np.argmax(st["mean_days"].to_numpy()))]
    back = st[st["stage"].isin(_BACK_OFFICE)]
    back_days, back_share = float(back["mean_days"].sum()), float(back["share"].sum())
    name = str(top["label_id"] if lang == "id" else top["label_en"])
    if top["stage"] == "courier":
        days = [WEEKDAYS[lang][d] for d in result.params.courier_weekdays]
        joiner = " dan " if lang == "id" else " and "
        name += f" (hanya {joiner.join(days)})" if lang == "id" else f" ({joiner.join(d + 's' for d in days)} only)"
    pct = f"{float(top['share']) * 100:.0f} %"
    bpct = f"{back_share * 100:.0f} %"
    minor = top["stage"] not in _BACK_OFFICE and back_days < float(top["mean_days"])
    if lang == "id":
        return (
            f"Di loket desa, dokumen siap rata-rata {number(total, lang)} hari setelah permohonan. "
            f"Bagian terbesar adalah {name}: {number(float(top['mean_days']), lang)} hari ({pct}); "
            f"antrean, verifikasi dan TTE di kantor {'hanya ' if minor else ''}{number(back_days, lang)} hari ({bpct})."
        )
    return (
        f"At the village desks a document is ready on average {number(total, lang)} days after the request. "
        f"The largest part is {name}: {number(float(top['mean_days']), lang)} days ({pct}); "
        f"queueing, verification and signing at the office take {'only ' if minor else ''}"
        f"{number(back_days, lang)} days ({bpct})."
    )

"""The evidence report: a self-contained HTML (and PDF) structured by the KIPP criteria.

Sections follow PermenPAN-RB 91/2021 Pasal 3 (research notes §6): **kebaruan, efektif,
bermanfaat, mudah disebarkan, berkelanjutan**, after a summary page for the Bupati; then the model's
validation and an appendix listing every calibration parameter with its source.

Every number comes from one :class:`~sakera_toolkit.evidence.run.EvidenceRun` (the headline KPIs
are exactly ``sakera compare --json`` for the same scenarios, seed and replications; the JSON is
embedded in the page as ``<script type="application/json" id="sakera-compare">``), the survey file
if one is given, ``sim.validate`` and the calibration files. Nothing is typed in by hand.

The HTML has no external resource (charts are inline SVG data URIs) and no timestamp: the same
inputs and seed give a byte-identical file.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__, calibration
from ..errors import SakeraInputError
from . import charts, costs, ikm, kpis, server
from .run import MANDANGIN, EvidenceRun, run_evidence

__all__ = ["Report", "build_report", "write_report", "CRITERIA", "fmt", "format_ci"]

#: The five criteria (PermenPAN-RB 91/2021 Pasal 3): id, Indonesian title, English title.
CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("kebaruan", "Kebaruan", "Novelty"),
    ("efektif", "Efektif", "Effective"),
    ("bermanfaat", "Bermanfaat", "Beneficial"),
    ("mudah-disebarkan", "Mudah disebarkan", "Easy to replicate"),
    ("berkelanjutan", "Berkelanjutan", "Sustainable"),
)

_T: dict[str, tuple[str, str]] = {
    "title": ("Laporan Bukti Inovasi Sakera Mesem", "Sakera Mesem innovation evidence report"),
    "subtitle": (
        "Layanan administrasi kependudukan di desa, Kabupaten Sampang — disusun menurut kriteria inovasi "
        "PermenPAN-RB 91/2021",
        "Population-administration services at the village, Sampang Regency — structured by the innovation "
        "criteria of PermenPAN-RB 91/2021",
    ),
    "summary": ("Ringkasan untuk Bupati", "Summary for the Bupati"),
    "before": ("Sebelum", "Before"),
    "after": ("Sesudah", "After"),
    "kpi": ("Indikator", "Indicator"),
    "diff": ("Selisih", "Difference"),
    "ci_note": (
        "Angka dalam kurung siku adalah selang kepercayaan 95 % atas {n} replikasi simulasi (seed {seed}, "
        "bilangan acak bersama); \u2248 berarti selisih tidak dapat dibedakan dari nol.",
        "Brackets are 95 % confidence intervals over {n} simulation replications (seed {seed}, common random "
        "numbers); \u2248 marks a difference not distinguishable from zero.",
    ),
    "settings": ("Pengaturan perhitungan", "Run settings"),
    "validation": ("Validasi model", "Model validation"),
    "appendix": ("Lampiran: asumsi dan sumber", "Appendix: assumptions and sources"),
    "ikm": ("Indeks Kepuasan Masyarakat (IKM)", "Public satisfaction index (IKM)"),
    "map": ("Peta desa", "Village map"),
    "costs": ("Biaya dan manfaat", "Costs and benefits"),
    "coverage": ("Cakupan dokumen", "Document coverage"),
    "coverage_off": (
        "Cakupan dokumen tidak disimulasikan dalam skenario ini (tanpa bagian coverage:); tidak ada angka yang "
        "dikarang. Lihat preset life-events-2022 dan docs/life-events.md.",
        "Document coverage is not simulated in these scenarios (no coverage: section); no number is made up. "
        "See the life-events-2022 preset and docs/life-events.md.",
    ),
    "coverage_note": (
        "Kohort penduduk hari pertama: (pemegang dokumen + dokumen susulan yang selesai) / penduduk yang berhak; "
        "penyerapan susulan bergantung pada biaya menjangkau titik layanan (elastisitas: asumsi, "
        "calibration/life_events.yaml).",
        "Day-0 cohort: (holders + uptake documents completed) / eligible residents; the uptake depends on the "
        "cost of reaching a service point (elasticity: assumption, calibration/life_events.yaml).",
    ),
    "server": ("Server pusat (SIAK Terpusat)", "Central server (SIAK Terpusat)"),
    "server_off": (
        "Tahap server pusat tidak aktif dalam skenario ini (tanpa bagian server:); beban server bersama tidak "
        "disimulasikan. Lihat preset overload-july-2022 dan docs/central-server.md.",
        "The central-server stage is off in this scenario (no server: section); the shared server's load is not "
        "simulated. See the overload-july-2022 preset and docs/central-server.md.",
    ),
    "server_note": (
        "Semua transaksi desa, kecamatan, kantor dan MPP dilayani satu server bersama dengan kapasitas terbatas "
        "({tps} transaksi standar/detik, {workers} penangan, batas waktu klien {timeout} detik: asumsi, "
        "calibration/server.yaml). Waktu respons dihitung atas percobaan dalam jam layanan. {requests}",
        "Every transaction of the village desks, kecamatan points, office and MPP is served by one shared server "
        "of finite capacity ({tps} standard transactions/s, {workers} handlers, client timeout {timeout} s: "
        "assumptions, calibration/server.yaml). Response times are over attempts in service hours. {requests}",
    ),
    "not_run": ("tidak disimulasikan", "not simulated"),
}


def _t(key: str, lang: str, **kw: Any) -> str:
    pair = _T[key]
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**kw) if kw else text



def ci_label(lang: str) -> str:
    """The confidence-interval label: "SK 95 %" (selang kepercayaan) in Indonesian, "95 % CI" in English."""
    return "SK 95 %" if lang == "id" else "95 % CI"

def fmt(x: Any, digits: int = 0, lang: str = "id") -> str:
    """A number for display: thousands and decimal separators by language ("-" for NaN/None)."""
    if x is None:
        return "-"
    v = float(x)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "\u221e"
    text = f"{v:,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0"
    if lang == "en":
        return text
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_ci(mean: Any, low: Any, high: Any, digits: int, lang: str, scale: float = 1.0) -> str:
    """Format as "mean [low; high]" (the mean alone when the interval is missing)."""
    m = fmt(None if mean is None else float(mean) * scale, digits, lang)
    if low is None or high is None or any(math.isnan(float(v)) for v in (low, high)):
        return m
    return f"{m} [{fmt(float(low) * scale, digits, lang)}; {fmt(float(high) * scale, digits, lang)}]"


def _digits(kpi: str, unit: str) -> tuple[int, float]:
    if unit == "%":
        return 1, 100.0
    if kpi.endswith("_days"):
        return 2, 1.0
    return 0, 1.0


def _cell(text: str, split: bool) -> str:
    """A table cell; in number tables "mean [low; high]" puts the interval on a second, smaller line."""
    e = html.escape
    if split and " [" in text and text.rstrip(" \u2248").endswith("]"):
        main, _, rest = text.partition(" [")
        return f"<td>{e(main)}<br><span class='ci'>[{e(rest)}</span></td>"
    return f"<td>{e(text)}</td>"


def _table(headers: list[str], rows: list[list[str]], cls: str = "") -> str:
    e = html.escape
    split = "num" in cls
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c, split) for c in r) + "</tr>" for r in rows)
    return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _at(frame: pd.DataFrame, row: str, col: str) -> float:
    return float(frame.at[row, col])  # type: ignore[arg-type]


def _img(svg: str, alt: str) -> str:
    return f"<figure><img alt='{html.escape(alt)}' src='{charts.svg_data_uri(svg)}'></figure>"


@dataclass
class Report:
    """A built report: the HTML text and the data behind it."""

    html: str
    data: dict[str, Any] = field(default_factory=dict)

    def pdf(self) -> bytes:
        """The same document as PDF (WeasyPrint)."""
        from .pdf import html_to_pdf

        return html_to_pdf(self.html)


_CSS = """
@page { size: A4; margin: 15mm 14mm 16mm 14mm; @bottom-right { content: counter(page); font-size: 8pt; } }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; color: #111; max-width: 190mm;
       margin: 0 auto; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 1mm 0; } h2 { font-size: 13pt; border-bottom: 0.4mm solid #1b9e77;
     padding-bottom: 1mm; margin-top: 7mm; } h3 { font-size: 10.5pt; margin: 4mm 0 1.5mm 0; }
section.criterion, section.page { page-break-before: always; }
p.sub { color: #444; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 3mm 0; font-size: 8.3pt; }
th, td { border-bottom: 0.2mm solid #ccc; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eef6f2; }
table.num td:not(:first-child) { text-align: right; }
table.num td .ci { font-size: 7pt; color: #555; white-space: nowrap; }
table { table-layout: auto; } td { overflow-wrap: break-word; } tr { page-break-inside: avoid; }
figure.small img { max-width: 62%; }
.cards { display: flex; flex-wrap: wrap; gap: 2.5mm; margin: 3mm 0; }
.card { border: 0.3mm solid #1b9e77; border-radius: 1.5mm; padding: 2mm 3mm; width: 56mm; }
.card .v { font-size: 13pt; font-weight: bold; } .card .l { font-size: 8pt; color: #333; }
.card .ci { font-size: 7.5pt; color: #555; }
figure { margin: 2mm 0; text-align: center; page-break-inside: avoid; } figure img { max-width: 100%; }
.note { font-size: 8pt; color: #444; } .warn { color: #8a4b00; }
table.appendix { font-size: 7pt; table-layout: fixed; }
"""


def _survey_section(survey_path: str | None, lang: str, seed: int) -> tuple[str, dict[str, Any]]:
    from .survey import read_survey

    if not survey_path:
        return "", {}
    s = read_survey(survey_path)
    res = ikm.compute(s.frame, seed=seed)
    rounded = ikm.compute(s.frame, weights="rounded", resamples=0)
    en = lang == "en"
    parts = [f"<h3>{'Survey' if en else 'Survei'}: {html.escape(Path(survey_path).name)}</h3>"]
    dropped = (
        (
            f"Personal columns dropped on import: {', '.join(s.dropped_columns)}."
            if en
            else f"Kolom data pribadi dibuang saat impor: {', '.join(s.dropped_columns)}."
        )
        if s.dropped_columns
        else ""
    )
    parts.append(
        "<p>"
        + (
            f"IKM <b>{fmt(res.ikm, 2, lang)}</b> [{fmt(res.ci_low, 2, lang)}; {fmt(res.ci_high, 2, lang)}], "
            f"mutu <b>{res.mutu}</b> ({html.escape(res.kinerja(lang))}), {res.respondents} "
            + ("respondents, weight 1/9" if en else "responden, bobot 1/9")
            + f"; {'with the rounded weight 0.11' if en else 'dengan bobot dibulatkan 0,11'}: "
            f"{fmt(rounded.ikm, 2, lang)} (mutu {rounded.mutu}). "
            f"{'Minimum sample (Krejcie-Morgan) for 10,000 recipients' if en else 'Sampel minimum (Krejcie-Morgan) untuk 10.000 penerima'}: "
            f"{ikm.krejcie_morgan(10_000)}. {html.escape(dropped)}"
        )
        + "</p>"
    )
    unsur = res.unsur_table(lang)
    parts.append(
        _img(
            charts.ikm_chart(unsur, f"NRR per unsur ({ci_label(lang)})", "NRR (1-4)"),
            "NRR per unsur",
        )
    )
    data: dict[str, Any] = {"survey": {**res.to_dict(lang), "ikm_rounded_weight": round(rounded.ikm, 2)}}
    for by in ("channel", "service", "kecamatan", "jenis_kelamin", "usia_band", "pendidikan", "pekerjaan"):
        if by not in s.frame.columns:
            continue
        t = ikm.breakdown(s.frame, by, seed=seed, lang=lang)
        name_col = "kecamatan_name" if by == "kecamatan" else by
        parts.append(f"<h3>IKM {'by' if en else 'menurut'} {html.escape(by)}</h3>")
        parts.append(
            _table(
                [by, "n", f"IKM [{ci_label(lang)}]", "mutu"],
                [
                    [
                        str(r[name_col]),
                        str(r["respondents"]),
                        format_ci(r["ikm"], r["ci_low"], r["ci_high"], 2, lang),
                        r["mutu"],
                    ]
                    for r in t.to_dict("records")
                ],
                "num",
            )
        )
        data["survey"][f"by_{by}"] = t.round(4).to_dict(orient="records")
    return "".join(parts), data


def _appendix(lang: str) -> str:
    """Every calibration parameter with its value, unit and source, one table per file."""
    e = html.escape
    en = lang == "en"
    head = ["parameter", "value", "unit", "source"] if en else ["parameter", "nilai", "satuan", "sumber"]
    cols = "<colgroup><col style='width:19%'><col style='width:17%'><col style='width:20%'><col style='width:44%'></colgroup>"
    parts = []
    for name in calibration.available():
        c = calibration.load(name)
        rows = []
        for key, value in c.values.items():
            text = json.dumps(value, ensure_ascii=False, default=str)
            if len(text) > 80:
                text = text[:77] + "..."
            rows.append(
                "<tr>"
                + "".join(f"<td>{e(v)}</td>" for v in (key, text, c.units.get(key, ""), c.sources[key]))
                + "</tr>"
            )
        parts.append(
            f"<h3>calibration/{e(name)}.yaml</h3><table class='appendix'>{cols}<thead><tr>"
            + "".join(f"<th>{e(h)}</th>" for h in head)
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    return "".join(parts)


def ci_rows(
    table: pd.DataFrame, names: list[str], lang: str, label: Callable[[dict[Any, Any]], str] | None = None
) -> list[list[str]]:
    """Rows of a :func:`~sakera_toolkit.evidence.kpis.kpi_ci_table` frame (server and coverage tables).

    Each row: label (unit), then mean [95 % CI] per scenario ("not simulated" where a scenario lacks
    the KPI). ``label(row)`` gives the first cell (default: the table's label and unit); the report
    and the app's Bukti page both build their tables here.
    """
    rows = []
    for r in table.to_dict("records"):
        cells = [label(r) if label else r["label"] + (f" ({r['unit']})" if r["unit"] else "")]
        for name in names:
            mean = r.get(name)
            cells.append(
                _t("not_run", lang)
                if mean is None or (isinstance(mean, float) and math.isnan(mean))
                else format_ci(mean, r[f"{name}_low"], r[f"{name}_high"], int(r["digits"]), lang, float(r["scale"]))
            )
        rows.append(cells)
    return rows


def _coverage_section(ev: EvidenceRun, lang: str) -> str:
    """Document coverage (akta, KIA, KTP-el) per scenario, mean [95 % CI], from ``kpis.coverage_table``."""
    table = kpis.coverage_table(ev, lang)
    if table.empty:
        return f"<p class='note'>{html.escape(_t('coverage_off', lang))}</p>"
    names = list(ev.comparison.scenarios)
    return (
        "<div id='coverage-table'>"
        + _table([_t("kpi", lang), *names], ci_rows(table, names, lang), "num coverage")
        + f"<p class='note'>{html.escape(_t('coverage_note', lang))}</p></div>"
    )


def server_note_values(view: dict[str, Any], lang: str) -> dict[str, Any]:
    """The server's capacity, handlers and client timeout as the report and the Bukti page word them."""
    return {
        "tps": fmt(view["capacity_tps"], 1, lang),
        "workers": view["workers"],
        "timeout": fmt(view["timeout_s"], 0, lang),
        "requests": (
            "Transaksi layanan: transaksi permohonan warga (cari data, unggah berkas, verifikasi, TTE, cetak), "
            "tanpa sinkronisasi latar dari sesi yang terbuka."
            if lang == "id"
            else "Service transactions: the citizens' requests' transactions (look-ups, uploads, verification, "
            "TTE, print), without the open sessions' background polling."
        ),
    }


def _server_section(ev: EvidenceRun, lang: str) -> str:
    """The central server's KPIs per scenario (mean [95 % CI]) and a chart by hour of day."""
    view = server.server_view(ev, lang)
    if view is None:
        return f"<p class='note'>{html.escape(_t('server_off', lang))}</p>"
    names = view["scenarios"]
    rows = ci_rows(view["table"], list(names), lang)
    note = _t("server_note", lang, **server_note_values(view, lang))
    chart = charts.server_hourly_chart(view["hourly"], view["timeout_s"], lang)
    return (
        _table([_t("kpi", lang), *names], rows, "num server")
        + f"<p class='note'>{html.escape(note)}</p>"
        + _img(chart, "server by hour" if lang == "en" else "server menurut jam")
    )


def build_report(
    scenario: Any = "oct-2021",
    baseline: Any = "office-only",
    survey: str | None = None,
    replications: int = 10,
    seed: int = 0,
    lang: str = "id",
    overrides: dict[str, Any] | None = None,
    validation: pd.DataFrame | None = None,
    validation_settings: dict[str, int] | None = None,
    evidence: EvidenceRun | None = None,
    progress: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> Report:
    """Run the evidence and build the report.

    Parameters
    ----------
    scenario, baseline
        The rollout scenario and the reference (preset names or YAML paths).
    survey
        A survey CSV (optional): its IKM, breakdowns and CIs are shown next to the projected IKM.
    replications, seed, overrides
        As ``sakera compare`` (``overrides`` = ``--days``/``--set``).
    lang
        ``"id"`` (default) or ``"en"``.
    validation
        A ready ``sim.validate()`` table; default: run it with ``validation_settings``.
    validation_settings
        Keyword arguments of ``sim.validate`` (default: 4 seeds, 100,000 customers, 2 regency years).
    evidence
        A ready :class:`EvidenceRun` (default: run it).
    progress
        Progress bar of the simulations on stderr.
    on_step
        Called with a short description before each stage (for progress display in the app).
    """
    if lang not in ("id", "en"):
        raise SakeraInputError(f"lang must be 'id' or 'en', got {lang!r}", location="--lang")
    step = on_step or (lambda _s: None)
    en = lang == "en"
    step("simulate")
    ev = evidence or run_evidence(scenario, baseline, replications, seed, overrides, progress)
    step("tables")
    ba = kpis.before_after(ev, lang)
    sav = kpis.savings(ev, lang)
    area = kpis.savings_by_area(ev, "kecamatan", lang)
    per_village = kpis.savings_by_area(ev, "village", lang)
    relief = kpis.office_relief(ev, lang)
    cb = costs.cost_benefit(ev)
    compare_json = ev.comparison.to_dict(ev.comparison.headline())
    settings = validation_settings or {"seeds": 4, "customers": 100_000, "regency_seeds": 2, "regency_days": 365}
    if validation is None:
        step("validate")
        from ..sim.validate import validate

        validation = validate(**settings)  # type: ignore[arg-type]
    step("charts")
    scen_s = ev.scenarios[ev.scenario]
    desc = scen_s.description
    scen_desc = (getattr(desc, "en", "") if en else getattr(desc, "id", "")) or ""
    n_live = int(scen_s.village_frame()["go_live_date"].notna().sum())
    n_rep = ev.replications
    ci_note = _t("ci_note", lang, n=n_rep, seed=ev.seed)
    window = (
        f"{ev.window_days} days of service ({ev.start_date} + {ev.warmup_days} warm-up days)"
        if en
        else f"{ev.window_days} hari layanan (mulai {ev.start_date}, setelah {ev.warmup_days} hari pemanasan)"
    )
    s_idx = sav.set_index("kpi")
    b_idx = ba.set_index("kpi")
    t_cb = cb.table.set_index("phase")
    proj = {k: v.to_dict() for k, v in ev.projections.items()}

    def card(value: str, label: str, ci: str = "") -> str:
        e = html.escape
        return f"<div class='card'><div class='v'>{e(value)}</div><div class='l'>{e(label)}</div><div class='ci'>{e(ci)}</div></div>"

    def ci_text(row: Any, digits: int, scale: float = 1.0) -> str:
        return f"{ci_label(lang)} [{fmt(row['ci_low'] * scale, digits, lang)}; {fmt(row['ci_high'] * scale, digits, lang)}]"

    def ba_ci(kpi: str, col: str, digits: int, scale: float = 1.0) -> str:
        r = b_idx.loc[kpi]
        return f"{ci_label(lang)} [{fmt(r[col + '_low'] * scale, digits, lang)}; {fmt(r[col + '_high'] * scale, digits, lang)}]"

    total = t_cb.loc["total"]
    mand = area[area["code"] == MANDANGIN].iloc[0]
    cards = [
        card(
            f"{fmt(_at(b_idx, 'desk_share', 'after') * 100, 1, lang)} %",
            "requests served at the village desk" if en else "permohonan dilayani di desa",
            ba_ci("desk_share", "after", 1, 100),
        ),
        card(
            f"{fmt(_at(s_idx, 'trips_avoided', 'mean'), 0, lang)}",
            "trips outside the village avoided" if en else "perjalanan ke luar desa tidak perlu lagi",
            ci_text(s_idx.loc["trips_avoided"], 0),
        ),
        card(
            f"{fmt(_at(s_idx, 'travel_hours_saved', 'mean'), 0, lang)} {'h' if en else 'jam'}",
            "citizens' travel time saved" if en else "waktu perjalanan warga yang dihemat",
            ci_text(s_idx.loc["travel_hours_saved"], 0),
        ),
        card(
            f"Rp {fmt(_at(s_idx, 'travel_cost_saved_idr', 'mean') / 1e6, 1, lang)} {'million' if en else 'juta'}",
            "travel cost saved" if en else "biaya perjalanan yang dihemat",
            ci_text(s_idx.loc["travel_cost_saved_idr"], 1, 1e-6),
        ),
        card(
            f"Rp {fmt(mand['cost_saved_per_request_idr'], 0, lang)}",
            "saved per request, P. Mandangin" if en else "dihemat per permohonan, P. Mandangin",
            f"95 % CI [{fmt(mand['cost_saved_per_request_idr_low'], 0, lang)}; {fmt(mand['cost_saved_per_request_idr_high'], 0, lang)}]",
        ),
        card(
            fmt(total["bcr"], 2, lang),
            f"benefit-cost ratio ({int(cb.assumptions['appraisal_years'])} years)"
            if en
            else f"rasio manfaat-biaya ({int(cb.assumptions['appraisal_years'])} tahun)",
            f"95 % CI [{fmt(total['bcr_low'], 2, lang)}; {fmt(total['bcr_high'], 2, lang)}]",
        ),
        card(
            f"{fmt(total['payback_months'], 1, lang)} {'months' if en else 'bulan'}",
            "payback of the one-off costs" if en else "balik modal biaya awal",
            f"95 % CI [{fmt(total['payback_months_low'], 1, lang)}; {fmt(total['payback_months_high'], 1, lang)}]",
        ),
        card(
            f"{fmt(_at(b_idx, 'share_within_sla', 'after') * 100, 1, lang)} %",
            ("finished within the service standard (before: " if en else "selesai dalam standar pelayanan (sebelum: ")
            + f"{fmt(_at(b_idx, 'share_within_sla', 'before') * 100, 1, lang)} %)",
            ba_ci("share_within_sla", "after", 1, 100),
        ),
        card(
            f"{fmt(proj[ev.scenario]['ikm'], 2, lang)} ({proj[ev.scenario]['mutu']})",
            ("projected IKM (synthetic answers; before: " if en else "IKM proyeksi (jawaban sintetis; sebelum: ")
            + f"{fmt(proj[ev.baseline]['ikm'], 2, lang)})",
            f"95 % CI [{fmt(proj[ev.scenario]['ci'][0], 2, lang)}; {fmt(proj[ev.scenario]['ci'][1], 2, lang)}]",
        ),
    ]

    # --- before/after table and chart
    ba_rows = []
    for r in ba.to_dict("records"):
        d, k = _digits(r["kpi"], r["unit"])
        mark = "" if r["distinguishable"] is True else " \u2248"
        ba_rows.append(
            [
                r["label"] + (f" ({r['unit']})" if r["unit"] else ""),
                format_ci(r["before"], r["before_low"], r["before_high"], d, lang, k),
                format_ci(r["after"], r["after_low"], r["after_high"], d, lang, k),
                format_ci(r["diff"], r["diff_low"], r["diff_high"], d, lang, k) + mark,
            ]
        )
    for r in relief.to_dict("records"):
        ba_rows.append(
            [
                r["label"],
                format_ci(r["before"], r["before_low"], r["before_high"], 0, lang),
                format_ci(r["after"], r["after_low"], r["after_high"], 0, lang),
                format_ci(r["diff"], r["diff_low"], r["diff_high"], 0, lang),
            ]
        )
    before_label, after_label = ev.baseline, ev.scenario
    chart_rows = ba[
        ba["kpi"].isin(
            [
                "turnaround_median_days",
                "turnaround_p90_days",
                "share_within_sla",
                "outside_trips",
                "travel_hours",
                "utilisation_counter",
            ]
        )
    ].copy()
    chart_rows["scale"] = [100.0 if u == "%" else 1.0 for u in chart_rows["unit"]]
    relief_rows = relief.assign(unit="", scale=1.0)
    chart = charts.before_after_chart(
        pd.concat([chart_rows, relief_rows], ignore_index=True), before_label, after_label
    )

    # --- map and area
    live = scen_s.village_frame().set_index("village_code")["go_live_date"].notna()
    map_values = per_village.set_index("code")["hours_saved_per_request"]
    map_svg = charts.map_svg(
        map_values,
        "Travel hours saved per request vs " + ev.baseline
        if en
        else "Jam perjalanan dihemat per permohonan vs " + ev.baseline,
        "hours per request" if en else "jam per permohonan",
        lang,
    )
    live_svg = charts.map_svg(
        live.map({True: "live" if en else "melayani", False: "not live" if en else "belum"}).astype("category"),
        ("Villages serving adminduk: " if en else "Desa yang melayani adminduk: ") + ev.scenario,
        "village desk" if en else "layanan desa",
        lang,
        categorical=True,
    )
    area_svg = charts.area_chart(
        area,
        "hours_saved_per_request",
        "hours saved per request (95 % CI)" if en else "jam dihemat per permohonan (SK 95 %)",
        "By kecamatan; P. Mandangin separately" if en else "Per kecamatan; P. Mandangin terpisah",
    )
    area_rows = [
        [
            r["name"],
            fmt(r["requests"], 0, lang),
            f"{fmt(r['desk_share'] * 100, 1, lang)} %",
            format_ci(r["hours_saved"], r["hours_saved_low"], r["hours_saved_high"], 0, lang),
            format_ci(r["cost_saved_idr"], r["cost_saved_idr_low"], r["cost_saved_idr_high"], 0, lang, 1e-6),
            format_ci(
                r["hours_saved_per_request"],
                r["hours_saved_per_request_low"],
                r["hours_saved_per_request_high"],
                2,
                lang,
            ),
            format_ci(
                r["cost_saved_per_request_idr"],
                r["cost_saved_per_request_idr_low"],
                r["cost_saved_per_request_idr_high"],
                0,
                lang,
            ),
        ]
        for r in area.to_dict("records")
    ]
    area_head = (
        ["area", "requests", "at desk", "hours saved", "Rp saved (million)", "hours/request", "Rp/request"]
        if en
        else ["wilayah", "permohonan", "di desa", "jam dihemat", "Rp dihemat (juta)", "jam/permohonan", "Rp/permohonan"]
    )
    sav_rows = [
        [
            r["label"] + (f" ({r['unit']})" if r["unit"] else ""),
            format_ci(
                r["mean"], r["ci_low"], r["ci_high"], 2 if "per_request" in r["kpi"] and r["unit"] != "Rp" else 0, lang
            ),
        ]
        for r in sav.to_dict("records")
    ]

    # --- costs
    cb_head = (
        [
            "phase",
            "villages",
            "go-live",
            "one-off (Rp m)",
            "running/yr (Rp m)",
            "benefit/yr (Rp m)",
            "of which fares (Rp m)",
            "BCR",
            "payback (months)",
        ]
        if en
        else [
            "fase",
            "desa",
            "mulai",
            "biaya awal (Rp juta)",
            "biaya rutin/th (Rp juta)",
            "manfaat/th (Rp juta)",
            "dari ongkos (Rp juta)",
            "RMB",
            "balik modal (bulan)",
        ]
    )
    cb_rows = []
    for r in cb.table.to_dict("records"):
        go = (
            r["go_live_first"]
            if r["go_live_first"] == r["go_live_last"]
            else f"{r['go_live_first']} – {r['go_live_last']}"
        )
        cb_rows.append(
            [
                str(r["phase"]),
                str(r["villages"]),
                go,
                fmt(r["one_off_idr"] / 1e6, 1, lang),
                format_ci(
                    r["running_idr_per_year"],
                    r["running_idr_per_year_low"],
                    r["running_idr_per_year_high"],
                    1,
                    lang,
                    1e-6,
                ),
                format_ci(
                    r["benefit_idr_per_year"],
                    r["benefit_idr_per_year_low"],
                    r["benefit_idr_per_year_high"],
                    1,
                    lang,
                    1e-6,
                ),
                format_ci(
                    r["travel_cost_saved_idr_per_year"],
                    r["travel_cost_saved_idr_per_year_low"],
                    r["travel_cost_saved_idr_per_year_high"],
                    1,
                    lang,
                    1e-6,
                ),
                format_ci(r["bcr"], r["bcr_low"], r["bcr_high"], 2, lang),
                format_ci(r["payback_months"], r["payback_months_low"], r["payback_months_high"], 1, lang)
                + (f" ({fmt(r['payback_never_share'] * 100, 0, lang)} % never)" if r["payback_never_share"] else ""),
            ]
        )
    bcr_svg = charts.bcr_chart(
        cb.table, "Benefit-cost ratio by phase (95 % CI)" if en else "Rasio manfaat-biaya per fase (SK 95 %)", "BCR"
    )
    assumption_rows = [[k, json.dumps(v, ensure_ascii=False, default=str)] for k, v in cb.assumptions.items()]

    # --- survey and IKM
    survey_html, survey_data = _survey_section(survey, lang, ev.seed)
    proj_rows = [
        [
            name,
            fmt(p["ikm"], 2, lang) + f" [{fmt(p['ci'][0], 2, lang)}; {fmt(p['ci'][1], 2, lang)}]",
            p["mutu"],
            str(p["respondents_per_replication"]),
        ]
        for name, p in proj.items()
    ]

    # --- validation
    val_rows = [
        [
            str(r["case"]),
            str(r["quantity"]),
            fmt(r["analytic"], 4, lang),
            format_ci(r["simulated"], r["ci95_low"], r["ci95_high"], 4, lang),
            ("pass" if en else "lulus") if bool(r["pass"]) else ("FAIL" if en else "GAGAL"),
        ]
        for r in validation.to_dict("records")
    ]
    n_pass = int(validation["pass"].sum())

    # --- central server (when a scenario has the server: stage on)
    server_html = _server_section(ev, lang)

    # --- document coverage (when a scenario has the coverage: section), then extension point output
    coverage_html = _coverage_section(ev, lang)
    extra_html = ""
    for name, per in ev.extra.items():
        extra_html += f"<h3>{html.escape(name)}</h3>" + _table(
            ["scenario", "values"], [[k, json.dumps(v, ensure_ascii=False, default=str)] for k, v in per.items()]
        )

    e = html.escape
    crit = {cid: (ten if en else tid) for cid, tid, ten in CRITERIA}
    phases = ", ".join(f"{p.name} ({p.date})" for p in scen_s.rollout.phases)
    body = [
        f"<section class='first'><h1>{e(_t('title', lang))}</h1><p class='sub'>{e(_t('subtitle', lang))}</p>",
        f"<h2 id='ringkasan'>{e(_t('summary', lang))}</h2>",
        "<p>"
        + e(
            (
                f"Scenario '{ev.scenario}' ({n_live} villages with a desk; phases: {phases}) compared with "
                f"'{ev.baseline}' over {window}. {scen_desc}"
            )
            if en
            else (
                f"Skenario '{ev.scenario}' ({n_live} desa/kelurahan dengan layanan desa; fase: {phases}) dibandingkan "
                f"dengan '{ev.baseline}' selama {window}. {scen_desc}"
            )
        )
        + "</p>",
        "<div class='cards'>" + "".join(cards) + "</div>",
        f"<p class='note'>{e(ci_note)}</p>",
        _img(live_svg, "map").replace("<figure>", "<figure class='small'>"),
        "</section>",
        # kebaruan
        f"<section class='criterion' id='kebaruan'><h2>1. {e(crit['kebaruan'])}</h2>",
        "<p>"
        + e(
            "Citizens apply for KK, akta and other adminduk documents at their own village office: the village "
            "operator enters and uploads the file, the Dinas verifies and signs electronically (TTE), and the "
            "document is printed on plain HVS paper with a QR code at the village. Before, every request meant "
            "trips to the Dispendukcapil office in Sampang town — from P. Mandangin by boat."
            if en
            else "Warga mengurus KK, akta dan dokumen adminduk lain di kantor desanya sendiri: operator desa memasukkan "
            "dan mengunggah berkas, Dinas memverifikasi dan menandatangani secara elektronik (TTE), lalu dokumen "
            "dicetak di desa pada kertas HVS dengan kode QR. Sebelumnya setiap permohonan berarti perjalanan ke "
            "kantor Dispendukcapil di kota Sampang — dari P. Mandangin dengan perahu."
        )
        + "</p>",
        "<p>"
        + e(
            f"In this scenario {n_live} of 186 villages have a desk; {fmt(_at(b_idx, 'desk_share', 'after') * 100, 1, lang)} % "
            f"of all requests are served there (office only: {fmt(_at(b_idx, 'desk_share', 'before') * 100, 1, lang)} %)."
            if en
            else f"Dalam skenario ini {n_live} dari 186 desa/kelurahan memiliki layanan desa; "
            f"{fmt(_at(b_idx, 'desk_share', 'after') * 100, 1, lang)} % permohonan dilayani di sana (hanya kantor: "
            f"{fmt(_at(b_idx, 'desk_share', 'before') * 100, 1, lang)} %)."
        )
        + "</p></section>",
        # efektif
        f"<section class='criterion' id='efektif'><h2>2. {e(crit['efektif'])}</h2>",
        _table(
            [
                _t("kpi", lang),
                f"{_t('before', lang)}: {ev.baseline}",
                f"{_t('after', lang)}: {ev.scenario}",
                _t("diff", lang),
            ],
            ba_rows,
            "num",
        ),
        f"<p class='note'>{e(ci_note)}</p>",
        _img(chart, "before/after"),
        f"<h3 id='server'>{e(_t('server', lang))}</h3>",
        server_html,
        f"<h3 id='coverage'>{e(_t('coverage', lang))}</h3>",
        coverage_html,
        extra_html,
        "</section>",
        # bermanfaat
        f"<section class='criterion' id='bermanfaat'><h2>3. {e(crit['bermanfaat'])}</h2>",
        _table([_t("kpi", lang), "95 % CI"], sav_rows, "num"),
        f"<h3>{e(_t('map', lang))}</h3>",
        _img(map_svg, "map"),
        _img(area_svg, "kecamatan"),
        _table(area_head, area_rows, "num"),
        f"<h3>{e(_t('ikm', lang))}</h3>",
        "<p class='note'>"
        + e(
            "Projected IKM: synthetic respondents drawn from the simulated requests; lateness, extra visits, "
            "server outages and travel cost lower the relevant unsur by the labelled assumptions of "
            "calibration/ikm.yaml (see the appendix). It is a model, not a survey result."
            if en
            else "IKM proyeksi: responden sintetis diambil dari permohonan yang disimulasikan; keterlambatan, "
            "kunjungan ulang, gangguan server dan biaya perjalanan menurunkan unsur terkait menurut asumsi "
            "berlabel di calibration/ikm.yaml (lihat lampiran). Ini model, bukan hasil survei."
        )
        + "</p>",
        _table(
            [
                "scenario" if en else "skenario",
                "IKM [95 % CI]",
                "mutu",
                "respondents/replication" if en else "responden/replikasi",
            ],
            proj_rows,
            "num",
        ),
        survey_html,
        "</section>",
        # mudah disebarkan
        f"<section class='criterion' id='mudah-disebarkan'><h2>4. {e(crit['mudah-disebarkan'])}</h2>",
        "<p>"
        + e(
            "Another regency replicates the analysis with this toolkit: (1) its village registry and travel "
            "model (sakera villages); (2) a rollout scenario as YAML (sakera scenarios); (3) simulate and compare "
            "(sakera compare); (4) this report (sakera report); (5) train and certify operators in the app "
            "(Latihan); (6) survey citizens with the printable SKM questionnaire (sakera survey template) and score "
            "it (sakera ikm). A ready regional example pack is not part of the toolkit yet."
            if en
            else "Kabupaten lain dapat mereplikasi analisis ini dengan toolkit: (1) daftar desa dan model perjalanan "
            "(sakera villages); (2) skenario peluncuran dalam YAML (sakera scenarios); (3) simulasi dan perbandingan "
            "(sakera compare); (4) laporan ini (sakera report); (5) pelatihan dan sertifikasi operator di aplikasi "
            "(Latihan); (6) survei warga dengan kuesioner SKM siap cetak (sakera survey template) dan hitung "
            "(sakera ikm). Paket contoh untuk kabupaten lain belum tersedia di toolkit."
        )
        + "</p>",
        f"<p class='note'>sakera report --scenario {e(ev.scenario)} --baseline {e(ev.baseline)} --replications {n_rep} --seed {ev.seed}"
        + (f" --lang {lang}" if en else "")
        + "</p></section>",
        # berkelanjutan
        f"<section class='criterion' id='berkelanjutan'><h2>5. {e(crit['berkelanjutan'])}</h2>",
        f"<h3>{e(_t('costs', lang))}</h3>",
        _table(cb_head, cb_rows, "num"),
        _img(bcr_svg, "BCR"),
        "<p class='note'>"
        + e(
            "Benefits = citizens' travel cost saved + travel hours saved x value of time; yearly figures at full "
            "operation of each phase; BCR over the appraisal period, discounted; payback undiscounted. Parameters:"
            if en
            else "Manfaat = biaya perjalanan warga yang dihemat + jam perjalanan dihemat x nilai waktu; angka tahunan "
            "pada operasi penuh tiap fase; RMB selama periode penilaian, didiskonto; balik modal tanpa diskonto. Parameter:"
        )
        + "</p>",
        _table(["parameter", "value" if en else "nilai"], assumption_rows),
        "</section>",
        # validation
        f"<section class='page' id='validasi'><h2>{e(_t('validation', lang))}</h2>",
        "<p>"
        + e(
            f"{n_pass} of {len(validation)} checks pass (engine vs queueing theory and conservation; sim.validate "
            f"with {settings})."
            if en
            else f"{n_pass} dari {len(validation)} pemeriksaan lulus (mesin simulasi vs teori antrean dan konservasi; "
            f"sim.validate dengan {settings})."
        )
        + "</p>",
        _table(["case", "quantity", "analytic", "simulated [95 % CI]", ""], val_rows, "num"),
        "<p class='note'>"
        + e(
            "Observed data: no Sampang service log is available for validation yet."
            if en
            else "Data observasi: belum ada log layanan Sampang untuk validasi."
        )
        + "</p></section>",
        # settings + appendix
        f"<section class='page' id='lampiran'><h2>{e(_t('settings', lang))}</h2>",
        _table(
            ["", ""],
            [
                ["sakera", __version__],
                ["scenario / baseline", f"{ev.scenario} / {ev.baseline}"],
                ["replications, seed", f"{n_rep}, {ev.seed}"],
                ["horizon", f"{ev.start_date}, {ev.days} d, warm-up {ev.warmup_days} d"],
                ["overrides", json.dumps(ev.overrides, ensure_ascii=False, sort_keys=True, default=str)],
                ["survey", Path(survey).name if survey else "-"],
            ],
        ),
        f"<h2>{e(_t('appendix', lang))}</h2>",
        _appendix(lang),
        "</section>",
    ]
    data = {
        "compare": compare_json,
        "savings": sav.drop(columns=["label"]).to_dict(orient="records"),
        "cost_benefit": cb.table.to_dict(orient="records"),
        "projected_ikm": proj,
        **survey_data,
    }
    payload = json.dumps(compare_json, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    doc = (
        "<!DOCTYPE html>\n"
        f"<html lang='{lang}'><head><meta charset='utf-8'><title>{e(_t('title', lang))}</title>"
        f"<style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<script type='application/json' id='sakera-compare'>{payload}</script>\n</body></html>\n"
    )
    step("done")
    return Report(html=doc, data=data)


def write_report(report: Report, out: str | Path) -> Path:
    """Write ``report`` as ``.html`` or ``.pdf`` (by the suffix of ``out``), atomically."""
    from .._io import write_atomic

    p = Path(out)
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm"):
        return write_atomic(p, report.html)
    if suffix == ".pdf":
        return write_atomic(p, report.pdf())
    raise SakeraInputError(f"unknown report format {suffix!r}; use .html or .pdf", location="--out")

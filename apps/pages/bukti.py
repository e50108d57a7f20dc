"""Bukti: the evaluator's evidence page.

KPI cards and before/after chart of a rollout scenario against a baseline, the village maps (live
or not, travel hours saved), the central server (SIAK Terpusat) when a scenario has the ``server:``
section (KPI cards and table with 95 % intervals, response time, time-outs and utilisation by hour:
:func:`sakera_toolkit.evidence.server.server_view`, the numbers of the report), document coverage
when it has ``coverage:``, the cost-benefit table, the projected IKM, an IKM dashboard for an
uploaded survey CSV (validated like ``sakera ikm``; personal columns dropped and named), and a
button that produces the report (``sakera report``) for download. Simulations, figures and the
report are made in the server's worker process (:mod:`sakera_toolkit.evidence.jobs`) and cached
per scenario + seed.
"""

from __future__ import annotations

import asyncio
import html
import io
import tempfile
from pathlib import Path
from typing import Any

import panel as pn

from sakera_toolkit import scenarios
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.evidence import charts, ikm, jobs
from sakera_toolkit.evidence.report import ci_label, ci_rows, fmt, format_ci, server_note_values
from sakera_toolkit.evidence.survey import read_survey

from ..shell import Page, heading, in_server_session, run_to_completion


def _int(widget: Any) -> int:
    """The value of an integer widget (0 when empty)."""
    return int(widget.value or 0)


TEXT: dict[str, tuple[str, str]] = {
    "title": ("Bukti inovasi", "Innovation evidence"),
    "preset": ("Skenario", "Scenario"),
    "baseline": ("Pembanding", "Baseline"),
    "replications": ("Replikasi", "Replications"),
    "seed": ("Seed", "Seed"),
    "days": ("Lama simulasi (hari)", "Simulated days"),
    "run": ("Hitung bukti", "Compute evidence"),
    "running": ("Menyimulasikan dan menggambar ...", "Simulating and drawing ..."),
    "cached": ("Dari cache (skenario dan seed yang sama).", "From the cache (same scenario and seed)."),
    "done": ("Selesai: {n} replikasi, seed {seed}.", "Done: {n} replications, seed {seed}."),
    "ikm": ("IKM dari survei", "IKM of a survey"),
    "upload": ("Unggah survei (CSV: u1..u9, jawaban 1-4)", "Upload a survey (CSV: u1..u9, answers 1-4)"),
    "by": ("Rincian menurut", "Break down by"),
    "dropped": ("Kolom data pribadi dibuang: {cols}", "Personal columns dropped: {cols}"),
    "report": ("Buat laporan", "Make the report"),
    "report_wait": ("Menyusun laporan ...", "Building the report ..."),
    "report_ready": ("Laporan siap diunduh.", "The report is ready to download."),
    "download": ("Unduh laporan (HTML)", "Download the report (HTML)"),
    "need_run": ("Hitung bukti terlebih dahulu.", "Compute the evidence first."),
    "projected": ("IKM proyeksi (jawaban sintetis)", "Projected IKM (synthetic answers)"),
    "costs": ("Biaya dan manfaat", "Costs and benefits"),
    "same": ("Skenario dan pembanding harus berbeda.", "Scenario and baseline must differ."),
    "server": ("Server pusat (SIAK Terpusat)", "Central server (SIAK Terpusat)"),
    "server_note": (
        "Semua transaksi desa, kecamatan, kantor dan MPP dilayani satu server bersama: {tps} transaksi/detik, "
        "{workers} penangan, batas waktu klien {timeout} detik (asumsi, calibration/server.yaml). Kartu: skenario "
        "{name}; rata-rata dan selang kepercayaan 95 % atas replikasi. {requests}",
        "Every transaction of the village desks, kecamatan points, office and MPP is served by one shared server: "
        "{tps} transactions/s, {workers} handlers, client timeout {timeout} s (assumptions, calibration/server.yaml). "
        "Cards: scenario {name}; mean and 95 % confidence interval over replications. {requests}",
    ),
    "kpi": ("Indikator", "Indicator"),
    "coverage": ("Cakupan dokumen", "Document coverage"),
    "coverage_note": (
        "Kohort penduduk hari pertama: (pemegang dokumen + dokumen susulan yang selesai) / penduduk yang berhak. "
        "Rata-rata dan selang kepercayaan 95 % atas replikasi.",
        "Day-0 cohort: (holders + uptake documents completed) / eligible residents. Mean and 95 % confidence "
        "interval over replications.",
    ),
}

#: Server KPIs shown as cards (labels, units and scales from ``evidence.server.SERVER_KPIS``).
SERVER_CARDS = (
    "server_response_p95_s",
    "server_timeout_share",
    "server_utilisation_open_hours",
    "server_files_delayed",
    "server_citizens_gave_up",
)


def text(key: str, lang: str, **kw: Any) -> str:
    """A page text in ``lang``."""
    pair = TEXT[key]
    out = pair[1] if lang == "en" else pair[0]
    return out.format(**kw) if kw else out


#: Style of the KPI cards (each HTML pane has its own shadow root, so every pane carries it).
CARD_STYLE = (
    "<style>.cs{display:flex;flex-wrap:wrap;gap:8px}.c{border:1px solid #0b7a5e;border-radius:6px;padding:6px 10px;"
    "width:190px}.c .v{font-size:20px;font-weight:700}.c .l{font-size:12px}.c .ci{font-size:11px;color:#555}</style>"
)


def _img(svg: str) -> str:
    return f"<img style='max-width:100%' src='{charts.svg_data_uri(svg)}'>"


def _unit(unit: str, lang: str) -> str:
    """``detik/s`` -> ``detik`` (id) or ``s`` (en); ``%`` and empty units unchanged."""
    if "/" not in unit:
        return unit
    ind, eng = unit.split("/", 1)
    return eng if lang == "en" else ind


def _label(row: Any, lang: str) -> str:
    """A server/coverage KPI's label in ``lang`` (the bundle's own labels are in the language it was made in)."""
    from sakera_toolkit.evidence.kpis import COVERAGE_KPIS
    from sakera_toolkit.evidence.server import SERVER_KPIS

    item = SERVER_KPIS.get(row["kpi"]) or COVERAGE_KPIS.get(row["kpi"])
    return str(row["label"]) if item is None else (item[1] if lang == "en" else item[0])


def kpi_table_html(table: Any, names: list[str], lang: str, table_id: str) -> str:
    """A ``server_table``/``coverage_table`` frame as HTML: one row per KPI, mean [95 % CI] per scenario."""
    e = html.escape

    def label(r: dict[Any, Any]) -> str:
        unit = _unit(str(r["unit"]), lang)
        return _label(r, lang) + (f" ({unit})" if unit else "")

    rows = [
        f"<tr><td>{e(cells[0])}</td>" + "".join(f"<td class='n'>{e(c)}</td>" for c in cells[1:]) + "</tr>"
        for cells in ci_rows(table, names, lang, label)
    ]
    head = f"<tr><th>{e(text('kpi', lang))}</th>" + "".join(f"<th>{e(n)}</th>" for n in names) + "</tr>"
    return (
        "<style>table.bk{border-collapse:collapse;width:100%;font-size:13px}table.bk td,table.bk th{border-bottom:"
        "1px solid #ddd;padding:3px 6px;text-align:left}table.bk td.n{text-align:right;white-space:nowrap}</style>"
        f"<table class='bk' id='{table_id}'>{head}{''.join(rows)}</table>"
    )


def server_html(bundle: dict[str, Any], lang: str) -> str:
    """The central server: KPI cards of the rollout scenario, the table of every scenario, the charts by hour.

    Empty when no scenario of the run has the ``server:`` section. Every number comes from
    ``bundle["server"]`` (:func:`sakera_toolkit.evidence.server.server_view`, made in the worker).
    """
    view = bundle.get("server")
    if not view:
        return ""
    e = html.escape
    table = view["table"]
    name = view["on"][-1]
    by_kpi = table.set_index("kpi")
    cards = []
    for kpi in SERVER_CARDS:
        if kpi not in by_kpi.index:
            continue
        r = by_kpi.loc[kpi]
        digits, scale, unit = int(r["digits"]), float(r["scale"]), _unit(str(r["unit"]), lang)
        value = fmt(float(r[name]) * scale, digits, lang) + (f" {unit}" if unit else "")
        ci = f"{ci_label(lang)} [{fmt(float(r[f'{name}_low']) * scale, digits, lang)}; {fmt(float(r[f'{name}_high']) * scale, digits, lang)}]"
        cards.append(
            f"<div class='c' data-kpi='{e(kpi)}'><div class='v'>{e(value)}</div><div class='l'>{e(_label({**r, 'kpi': kpi}, lang))}</div>"
            f"<div class='ci'>{e(ci)}</div></div>"
        )
    note = text("server_note", lang, name=name, **server_note_values(view, lang))
    svg = bundle["svg"]
    charts_html = "".join(_img(svg[k]) for k in ("server_hourly", "server_utilisation") if svg.get(k))
    return (
        CARD_STYLE + "<div id='sakera-bukti-server'>"
        f"<div class='cs' id='sakera-bukti-server-cards'>{''.join(cards)}</div>"
        f"<p style='font-size:12px;color:#555'>{e(note)}</p>"
        + kpi_table_html(table, list(view["scenarios"]), lang, "sakera-bukti-server-table")
        + f"<div id='sakera-bukti-server-charts'>{charts_html}</div></div>"
    )


def coverage_html(bundle: dict[str, Any], lang: str) -> str:
    """Document coverage per scenario with 95 % intervals (empty without a ``coverage:`` section)."""
    table = bundle.get("coverage")
    if table is None or table.empty:
        return ""
    names = list(bundle["evidence"].comparison.scenarios)
    return (
        "<div id='sakera-bukti-coverage'>"
        + kpi_table_html(table, names, lang, "sakera-bukti-coverage-table")
        + f"<p style='font-size:12px;color:#555'>{html.escape(text('coverage_note', lang))}</p></div>"
    )


def cards_html(bundle: dict[str, Any], lang: str) -> str:
    """KPI cards: desk share, trips avoided, hours and rupiah saved, within standard, BCR, payback, IKM."""
    en = lang == "en"
    ba = bundle["before_after"].set_index("kpi")
    sav = bundle["savings"].set_index("kpi")
    cb = bundle["cost_benefit"].set_index("phase").loc["total"]
    ev = bundle["evidence"]
    proj = bundle["projected"]
    e = html.escape

    def card(value: str, label: str, ci: str) -> str:
        return (
            "<div class='c'><div class='v'>" + e(value) + "</div><div class='l'>" + e(label) + "</div>"
            "<div class='ci'>" + e(ci) + "</div></div>"
        )

    def rng(lo: Any, hi: Any, d: int, k: float = 1.0) -> str:
        return f"{ci_label(lang)} [{fmt(float(lo) * k, d, lang)}; {fmt(float(hi) * k, d, lang)}]"

    items = [
        card(
            f"{fmt(ba.at['desk_share', 'after'] * 100, 1, lang)} %",
            "served at the village desk" if en else "dilayani di desa",
            rng(ba.at["desk_share", "after_low"], ba.at["desk_share", "after_high"], 1, 100),
        ),
        card(
            fmt(sav.at["trips_avoided", "mean"], 0, lang),
            "trips avoided" if en else "perjalanan tidak perlu lagi",
            rng(sav.at["trips_avoided", "ci_low"], sav.at["trips_avoided", "ci_high"], 0),
        ),
        card(
            f"{fmt(sav.at['travel_hours_saved', 'mean'], 0, lang)} {'h' if en else 'jam'}",
            "travel time saved" if en else "waktu perjalanan dihemat",
            rng(sav.at["travel_hours_saved", "ci_low"], sav.at["travel_hours_saved", "ci_high"], 0),
        ),
        card(
            f"Rp {fmt(sav.at['travel_cost_saved_idr', 'mean'] / 1e6, 1, lang)} {'m' if en else 'jt'}",
            "travel cost saved" if en else "biaya perjalanan dihemat",
            rng(sav.at["travel_cost_saved_idr", "ci_low"], sav.at["travel_cost_saved_idr", "ci_high"], 1, 1e-6),
        ),
        card(
            f"{fmt(ba.at['share_within_sla', 'after'] * 100, 1, lang)} %",
            "within the service standard" if en else "selesai dalam standar",
            rng(ba.at["share_within_sla", "after_low"], ba.at["share_within_sla", "after_high"], 1, 100),
        ),
        card(
            fmt(cb["bcr"], 2, lang),
            "benefit-cost ratio" if en else "rasio manfaat-biaya",
            rng(cb["bcr_low"], cb["bcr_high"], 2),
        ),
        card(
            f"{fmt(cb['payback_months'], 1, lang)} {'months' if en else 'bulan'}",
            "payback" if en else "balik modal",
            rng(cb["payback_months_low"], cb["payback_months_high"], 1),
        ),
        card(
            f"{fmt(proj[ev.scenario]['ikm'], 2, lang)} ({proj[ev.scenario]['mutu']})",
            text("projected", lang),
            rng(proj[ev.scenario]["ci"][0], proj[ev.scenario]["ci"][1], 2),
        ),
    ]
    return CARD_STYLE + "<div class='cs' id='sakera-bukti-cards'>" + "".join(items) + "</div>"


def costs_html(bundle: dict[str, Any], lang: str) -> str:
    """The cost-benefit table (per phase and total)."""
    e = html.escape
    en = lang == "en"
    head = (
        ["phase", "villages", "one-off (Rp m)", "benefit/yr (Rp m)", "BCR", "payback (months)"]
        if en
        else ["fase", "desa", "biaya awal (Rp jt)", "manfaat/th (Rp jt)", "RMB", "balik modal (bulan)"]
    )
    rows = []
    for r in bundle["cost_benefit"].to_dict("records"):
        cells = [
            str(r["phase"]),
            str(r["villages"]),
            fmt(r["one_off_idr"] / 1e6, 1, lang),
            format_ci(
                r["benefit_idr_per_year"], r["benefit_idr_per_year_low"], r["benefit_idr_per_year_high"], 1, lang, 1e-6
            ),
            format_ci(r["bcr"], r["bcr_low"], r["bcr_high"], 2, lang),
            format_ci(r["payback_months"], r["payback_months_low"], r["payback_months_high"], 1, lang),
        ]
        rows.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    return (
        "<table style='border-collapse:collapse;font-size:13px;width:100%' id='sakera-bukti-costs'><tr>"
        + "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


class BuktiPage(Page):
    """The evidence page (see the module docstring)."""

    slug = "bukti"

    def __init__(self, user: Any, context: Any, **params: Any) -> None:
        super().__init__(user, context, **params)
        presets = scenarios.list_presets()
        self.preset = pn.widgets.Select(
            sizing_mode="stretch_width", options=presets, value="oct-2021" if "oct-2021" in presets else presets[0]
        )
        self.baseline = pn.widgets.Select(
            sizing_mode="stretch_width",
            options=presets,
            value="office-only" if "office-only" in presets else presets[0],
        )
        self.replications = pn.widgets.IntSlider(sizing_mode="stretch_width", start=2, end=20, value=5)
        self.seed = pn.widgets.IntInput(sizing_mode="stretch_width", value=0, start=0)
        self.days = pn.widgets.IntSlider(sizing_mode="stretch_width", start=30, end=365, step=5, value=120)
        self.run_button = pn.widgets.Button(color="primary", tags=["sakera-bukti-run"])
        self.run_button.on_click(self._on_run)
        self.progress = pn.indicators.Progress(active=False, visible=False, sizing_mode="stretch_width")
        self.status = pn.pane.HTML("", tags=["sakera-bukti-status"], sizing_mode="stretch_width")
        self.cards = pn.pane.HTML("", sizing_mode="stretch_width", tags=["sakera-bukti-cards"])
        self.chart = pn.pane.HTML("", sizing_mode="stretch_width")
        self.maps = pn.pane.HTML("", sizing_mode="stretch_width", tags=["sakera-bukti-maps"])
        self.costs = pn.pane.HTML("", sizing_mode="stretch_width")
        self.server_heading = heading("")
        self.server = pn.pane.HTML("", visible=False, sizing_mode="stretch_width", tags=["sakera-bukti-server"])
        self.coverage_heading = heading("")
        self.coverage = pn.pane.HTML("", visible=False, sizing_mode="stretch_width", tags=["sakera-bukti-coverage"])
        self.upload = pn.widgets.FileInput(accept=".csv", tags=["sakera-bukti-upload"])
        self.upload.param.watch(self._on_upload, "value")
        self.by = pn.widgets.Select(
            options=["channel", "service", "kecamatan", "jenis_kelamin", "usia_band", "pendidikan", "pekerjaan"],
            value="channel",
        )
        self.by.param.watch(lambda _e: self.show_survey(), "value")
        self.survey_out = pn.pane.HTML("", sizing_mode="stretch_width", tags=["sakera-bukti-ikm"])
        self.report_button = pn.widgets.Button(tags=["sakera-bukti-report"])
        self.report_button.on_click(self._on_report)
        self.download = pn.widgets.FileDownload(filename="laporan-sakera.html", visible=False, embed=False, auto=True)
        self.report_status = pn.pane.HTML("")
        self.server_heading.visible = self.coverage_heading.visible = False
        self.bundle: dict[str, Any] | None = None
        self.survey: Any = None
        self.survey_path: str | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="sakera-bukti-")
        self.rebuild()

    def _yaml(self) -> tuple[str, str]:
        days = _int(self.days)
        horizon = {"horizon.days": days, "horizon.warmup_days": min(28, max(0, days // 4))}
        scen = scenarios.load(self.preset.value).with_values(horizon)
        base = scenarios.load(self.baseline.value).with_values(horizon)
        if scen.name == base.name:
            raise SakeraInputError(text("same", self.lang))
        return scen.to_yaml(), base.to_yaml()

    # -- evidence ------------------------------------------------------------------------------
    def _on_run(self, _event: Any = None) -> None:
        if in_server_session():
            pn.state.execute(self._run_task)
        else:
            run_to_completion(self.run_async())

    async def _run_task(self) -> None:
        await self.run_async()

    async def run_async(self) -> dict[str, Any] | None:
        """Simulate and draw (in the worker when served), then show the cards, charts and maps."""
        lang = self.lang
        try:
            scen_yaml, base_yaml = self._yaml()
        except SakeraInputError as exc:
            self.status.object = f"<span style='color:#a40000'>{html.escape(str(exc))}</span>"
            return None
        reps, seed = _int(self.replications), _int(self.seed)
        key = jobs.cache_key("bukti", scen_yaml, base_yaml, reps, seed, lang)
        bundle = jobs.cached(key)
        if bundle is None:
            self.run_button.disabled = True
            self.progress.visible = self.progress.active = True
            self.status.object = html.escape(text("running", lang))
            try:
                if in_server_session():
                    future = jobs.pool().submit(jobs.evidence_bundle, scen_yaml, base_yaml, reps, seed, lang)
                    bundle = await asyncio.wrap_future(future)
                else:
                    bundle = jobs.evidence_bundle(scen_yaml, base_yaml, reps, seed, lang)
            finally:
                self.run_button.disabled = False
                self.progress.active = self.progress.visible = False
            jobs.store(key, bundle)
            self.status.object = html.escape(text("done", lang, n=reps, seed=seed))
        else:
            self.status.object = html.escape(text("cached", lang))
        self.bundle = bundle
        self.show_bundle()
        return bundle

    def show_bundle(self) -> None:
        """Fill the cards, chart, maps and cost table from :attr:`bundle`."""
        if self.bundle is None:
            return
        lang = self.lang
        self.cards.object = cards_html(self.bundle, lang)
        self.chart.object = _img(self.bundle["svg"]["before_after"])
        self.maps.object = (
            "<div style='display:flex;flex-wrap:wrap;gap:6px'>"
            f"<div style='flex:1;min-width:320px'>{_img(self.bundle['svg']['live_map'])}</div>"
            f"<div style='flex:1;min-width:320px'>{_img(self.bundle['svg']['saved_map'])}</div></div>"
        )
        self.costs.object = costs_html(self.bundle, lang)
        for head, pane, key, body in (
            (self.server_heading, self.server, "server", server_html(self.bundle, lang)),
            (self.coverage_heading, self.coverage, "coverage", coverage_html(self.bundle, lang)),
        ):
            head.object = heading(text(key, lang)).object if body else ""
            pane.object = body
            head.visible = pane.visible = bool(body)

    # -- survey --------------------------------------------------------------------------------
    def _on_upload(self, event: Any) -> None:
        if not event.new:
            return
        name = Path(self.upload.filename or "survey.csv").name
        path = Path(self._tmp.name) / name
        path.write_bytes(event.new)
        self.load_survey(path)

    def load_survey(self, path: str | Path) -> None:
        """Read a survey CSV (errors shown on the page, one line naming row and column)."""
        try:
            self.survey = read_survey(path)
            self.survey_path = str(path)
        except SakeraInputError as exc:
            self.survey, self.survey_path = None, None
            self.survey_out.object = f"<div style='color:#a40000' id='sakera-ikm-error'>{html.escape(str(exc))}</div>"
            return
        self.show_survey()

    def show_survey(self) -> None:
        """The IKM, NRR chart and the breakdown of the uploaded survey."""
        if self.survey is None:
            return
        lang = self.lang
        df = self.survey.frame
        res = ikm.compute(df, seed=0)
        e = html.escape
        parts = [
            f"<div id='sakera-ikm-value' style='font-size:18px'><b>IKM {fmt(res.ikm, 2, lang)}</b> "
            f"[{fmt(res.ci_low, 2, lang)}; {fmt(res.ci_high, 2, lang)}] · mutu <b>{res.mutu}</b> · {e(res.kinerja(lang))} · "
            f"n = {res.respondents}</div>"
        ]
        if self.survey.dropped_columns:
            parts.append(
                f"<div style='color:#8a4b00'>{e(text('dropped', lang, cols=', '.join(self.survey.dropped_columns)))}</div>"
            )
        parts.append(_img(charts.ikm_chart(res.unsur_table(lang), f"NRR per unsur ({ci_label(lang)})", "NRR (1-4)")))
        if self.by.value in df.columns:
            t = ikm.breakdown(df, self.by.value, seed=0, lang=lang)
            col = "kecamatan_name" if self.by.value == "kecamatan" else self.by.value
            rows = "".join(
                f"<tr><td>{e(str(r[col]))}</td><td>{r['respondents']}</td><td>{e(format_ci(r['ikm'], r['ci_low'], r['ci_high'], 2, lang))}</td><td>{r['mutu']}</td></tr>"
                for r in t.to_dict("records")
            )
            parts.append(
                "<table style='border-collapse:collapse;font-size:13px' id='sakera-ikm-breakdown'>"
                f"<tr><th>{e(self.by.value)}</th><th>n</th><th>IKM [{ci_label(lang)}]</th><th>mutu</th></tr>{rows}</table>"
            )
        self.survey_out.object = "".join(parts)

    # -- report --------------------------------------------------------------------------------
    def _on_report(self, _event: Any = None) -> None:
        if in_server_session():
            pn.state.execute(self._report_task)
        else:
            run_to_completion(self.report_async())

    async def _report_task(self) -> None:
        await self.report_async()

    async def report_async(self) -> str | None:
        """Build the report of the current evidence (worker process when served) and offer it."""
        lang = self.lang
        if self.bundle is None:
            self.report_status.object = html.escape(text("need_run", lang))
            return None
        self.report_button.disabled = True
        self.report_status.object = html.escape(text("report_wait", lang))
        try:
            ev = self.bundle["evidence"]
            if in_server_session():
                future = jobs.pool().submit(jobs.report_html, ev, lang, self.survey_path)
                doc = await asyncio.wrap_future(future)
            else:
                doc = jobs.report_html(ev, lang, self.survey_path)
        finally:
            self.report_button.disabled = False
        self.download.file = io.BytesIO(doc.encode("utf-8"))
        self.download.filename = f"laporan-sakera-{ev.scenario}-seed{ev.seed}.html"
        self.download.visible = True
        self.report_status.object = html.escape(text("report_ready", lang))
        return doc

    # -- layout --------------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Labels in the current language (values kept), results redrawn."""
        lang = self.lang
        for widget, key in (
            (self.preset, "preset"),
            (self.baseline, "baseline"),
            (self.replications, "replications"),
            (self.seed, "seed"),
            (self.days, "days"),
            (self.by, "by"),
        ):
            widget.name = text(key, lang)
        self.run_button.name = text("run", lang)
        self.report_button.name = text("report", lang)
        self.download.label = text("download", lang)
        self.sidebar.objects = [
            heading(text("title", lang)),
            self.preset,
            self.baseline,
            self.replications,
            self.seed,
            self.days,
            self.run_button,
            heading(text("report", lang)),
            self.report_button,
            self.report_status,
            self.download,
        ]
        self.show_bundle()
        self.show_survey()
        self.main.objects = [
            heading(text("title", lang)),
            self.progress,
            self.status,
            self.cards,
            self.chart,
            self.maps,
            self.server_heading,
            self.server,
            self.coverage_heading,
            self.coverage,
            heading(text("costs", lang)),
            self.costs,
            heading(text("ikm", lang)),
            pn.pane.HTML(html.escape(text("upload", lang))),
            self.upload,
            self.by,
            self.survey_out,
        ]

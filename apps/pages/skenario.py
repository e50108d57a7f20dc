"""Skenario: analysts and evaluators simulate a rollout scenario against a baseline.

Pick a preset, edit office staff, the blanko lead time and a central-server outage, and run: the
two scenarios are simulated one after the other on the **baseline's period** (start date, days,
population year: :func:`sakera_toolkit.scenarios.compare.align_scenarios`, the rule of ``sakera
compare --align``, so replication *r* of both sees the same demand) **in the server's worker process**
(:func:`sakera_toolkit.evidence.jobs.pool`), so the event loop that serves the trainees stays
free; the progress bar moves per scenario. The KPI table shows every headline KPI with its 95 %
interval and the paired difference against the baseline, exactly as ``sakera compare`` (same
seed -> same numbers). Results are cached per scenario + seed + settings.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from typing import Any

import pandas as pd
import panel as pn

from sakera_toolkit import calibration, scenarios
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.evidence import jobs
from sakera_toolkit.evidence.kpis import KPI_LABELS
from sakera_toolkit.evidence.report import fmt, format_ci
from sakera_toolkit.scenarios.compare import Comparison, align_scenarios

from ..shell import Page, heading, in_server_session, run_to_completion

#: Page texts: key -> (Bahasa Indonesia, English).


def _int(widget: Any) -> int:
    """The value of an integer widget (0 when empty)."""
    return int(widget.value or 0)


TEXT: dict[str, tuple[str, str]] = {
    "title": ("Skenario peluncuran", "Rollout scenario"),
    "preset": ("Skenario", "Scenario"),
    "baseline": ("Pembanding", "Baseline"),
    "replications": ("Replikasi", "Replications"),
    "seed": ("Seed", "Seed"),
    "days": ("Lama simulasi (hari)", "Simulated days"),
    "counters": ("Loket kantor", "Office counters"),
    "verifiers": ("Verifikator", "Verifiers"),
    "lead": ("Waktu kirim blanko (hari)", "Blanko lead time (days)"),
    "outage": ("Gangguan server pusat 1 minggu", "One-week central-server outage"),
    "outage_day": ("mulai hari ke-", "starting on day"),
    "run": ("Jalankan", "Run"),
    "running": ("Menyimulasikan {name} ({i}/{n}) ...", "Simulating {name} ({i}/{n}) ..."),
    "cached": ("Dari cache (skenario dan seed yang sama).", "From the cache (same scenario and seed)."),
    "done": ("Selesai: {n} replikasi, seed {seed}.", "Done: {n} replications, seed {seed}."),
    "kpi": ("Indikator", "Indicator"),
    "diff": ("Selisih", "Difference"),
    "note": (
        "Selang kepercayaan 95 % atas replikasi, bilangan acak bersama; \u2248 = selisih tidak dapat dibedakan dari nol.",
        "95 % confidence intervals over replications, common random numbers; \u2248 = difference not distinguishable from zero.",
    ),
    "same": ("Skenario dan pembanding harus berbeda.", "Scenario and baseline must differ."),
    "period": (
        "Dibandingkan pada periode skenario dasar ({base}): {start} selama {days} hari, penduduk tahun {year}.",
        "Compared on the baseline scenario's period ({base}): {start} for {days} days, population of {year}.",
    ),
    "aligned": (
        " Skenario {name} dijalankan pada periode ini (tanggal aktif desa dan gangguannya tetap).",
        " Scenario {name} is run on this period (its go-live and outage dates are kept).",
    ),
}


def text(key: str, lang: str, **kw: Any) -> str:
    """A page text in ``lang``."""
    pair = TEXT[key]
    out = pair[1] if lang == "en" else pair[0]
    return out.format(**kw) if kw else out


def comparison_table(comp: Comparison, lang: str) -> str:
    """The headline KPIs of a comparison as an HTML table (baseline, scenario, difference)."""
    names = comp.headline()
    t = comp.table(names)
    ref = t[t["scenario"] == comp.reference].set_index("kpi")
    other = t[t["scenario"] == comp.scenarios[-1]].set_index("kpi")
    e = html.escape
    rows = []
    for k in names:
        label, unit = KPI_LABELS.get(k, (k, k, ""))[1 if lang == "en" else 0], KPI_LABELS.get(k, ("", "", ""))[2]
        digits, scale = (
            (1, 100.0)
            if unit == "%" or k.startswith("share") or k.startswith("desk_share")
            else ((2, 1.0) if k.endswith("_days") or k.endswith("per_request") else (0, 1.0))
        )
        b, s = ref.loc[k], other.loc[k]
        mark = "" if s["distinguishable"] is True else " \u2248"
        cells = [
            format_ci(b["mean"], b["ci_low"], b["ci_high"], digits, lang, scale),
            format_ci(s["mean"], s["ci_low"], s["ci_high"], digits, lang, scale),
            format_ci(s["diff"], s["diff_ci_low"], s["diff_ci_high"], digits, lang, scale) + mark,
        ]
        rows.append(f"<tr><td>{e(label or k)}</td>" + "".join(f"<td class='n'>{e(c)}</td>" for c in cells) + "</tr>")
    head = (
        f"<tr><th>{e(text('kpi', lang))}</th><th>{e(comp.reference)}</th><th>{e(comp.scenarios[-1])}</th>"
        f"<th>{e(text('diff', lang))}</th></tr>"
    )
    return (
        "<style>table.k{border-collapse:collapse;width:100%;font-size:13px}table.k td,table.k th{border-bottom:1px solid #ddd;"
        "padding:3px 6px;text-align:left}table.k td.n{text-align:right;white-space:nowrap}</style>"
        f"<table class='k' id='sakera-kpi-table'>{head}{''.join(rows)}</table>"
        f"<p style='font-size:12px;color:#555'>{e(text('note', lang))}</p>"
    )


def period_note(comp: Comparison, lang: str) -> str:
    """One line saying on which period the scenarios were compared (the baseline's)."""
    p = comp.period
    if not p:
        return ""
    start = dt.date.fromisoformat(str(p["start_date"]))
    out = text(
        "period",
        lang,
        base=comp.reference,
        start=start.isoformat(),
        days=fmt(p["days"], 0, lang),
        year=p["population_year"],
    )
    if p.get("aligned_to"):
        out += text("aligned", lang, name=comp.scenarios[-1])
    return f"<p id='sakera-skenario-period' style='font-size:13px'>{html.escape(out)}</p>"


class SkenarioPage(Page):
    """The scenario explorer (see the module docstring)."""

    slug = "skenario"

    def __init__(self, user: Any, context: Any, **params: Any) -> None:
        super().__init__(user, context, **params)
        flow = calibration.load("flow")
        presets = scenarios.list_presets()
        self.preset = pn.widgets.Select(
            sizing_mode="stretch_width", options=presets, value="oct-2021" if "oct-2021" in presets else presets[0]
        )
        self.baseline = pn.widgets.Select(
            sizing_mode="stretch_width",
            options=presets,
            value="office-only" if "office-only" in presets else presets[0],
        )
        self.replications = pn.widgets.IntSlider(
            sizing_mode="stretch_width", start=2, end=20, value=5, tags=["sakera-skenario-replications"]
        )
        self.seed = pn.widgets.IntInput(sizing_mode="stretch_width", value=0, start=0, tags=["sakera-skenario-seed"])
        self.days = pn.widgets.IntSlider(
            sizing_mode="stretch_width", start=30, end=365, step=5, value=120, tags=["sakera-skenario-days"]
        )
        self.counters = pn.widgets.IntInput(
            sizing_mode="stretch_width", value=int(flow["office_counters"]), start=1, end=200
        )
        self.verifiers = pn.widgets.IntInput(
            sizing_mode="stretch_width", value=int(flow["office_verifiers"]), start=1, end=200
        )
        self.lead_days = pn.widgets.IntInput(
            sizing_mode="stretch_width", value=int(flow["blanko_lead_days"]), start=0, end=365
        )
        self.outage = pn.widgets.Checkbox(value=False)
        self.outage_day = pn.widgets.IntInput(sizing_mode="stretch_width", value=60, start=0, end=364)
        self.run_button = pn.widgets.Button(color="primary", tags=["sakera-skenario-run"])
        self.run_button.on_click(self._on_click)
        self.progress = pn.indicators.Progress(value=0, max=2, active=False, visible=False, sizing_mode="stretch_width")
        self.status = pn.pane.HTML("", tags=["sakera-skenario-status"], sizing_mode="stretch_width")
        self.result = pn.pane.HTML("", tags=["sakera-skenario-result"], sizing_mode="stretch_width")
        self.comparison: Comparison | None = None
        self.rebuild()

    # -- scenario from the widgets ---------------------------------------------------------------
    def horizon(self) -> dict[str, Any]:
        """Horizon override shared by both scenarios (the same rule as ``sakera compare --days``)."""
        days = _int(self.days)
        return {"horizon.days": days, "horizon.warmup_days": min(28, max(0, days // 4))}

    def scenario(self) -> scenarios.Scenario:
        """The edited scenario."""
        s = scenarios.load(self.preset.value)
        values: dict[str, Any] = {
            **self.horizon(),
            "staff.office_counters": _int(self.counters),
            "staff.office_verifiers": _int(self.verifiers),
            "blanko.lead_days": _int(self.lead_days),
        }
        if self.outage.value:
            # day N of the compared period, which is the baseline's (see the module docstring)
            first_day = scenarios.load(self.baseline.value).horizon.start_date
            start = first_day + dt.timedelta(days=_int(self.outage_day))
            values["outages"] = [
                *[{"start": o.start, "end": o.end, "note": o.note} for o in s.outages],
                {"start": start, "end": start + dt.timedelta(days=4), "note": "Skenario page"},
            ]
        return s.with_values(values)

    def baseline_scenario(self) -> scenarios.Scenario:
        """The baseline preset with the same horizon."""
        return scenarios.load(self.baseline.value).with_values(self.horizon())

    def key(self, scen: scenarios.Scenario, base: scenarios.Scenario) -> str:
        """Cache key: both scenarios' YAML, replications and seed."""
        return jobs.cache_key("skenario", scen.to_yaml(), base.to_yaml(), _int(self.replications), _int(self.seed))

    # -- running ---------------------------------------------------------------------------------
    def _on_click(self, _event: Any = None) -> None:
        if in_server_session():
            pn.state.execute(self._run_task)
        else:
            run_to_completion(self.run_async())

    async def _run_task(self) -> None:
        await self.run_async()

    async def run_async(self) -> Comparison | None:
        """Simulate baseline and scenario (in the worker process when served) and show the KPIs."""
        lang = self.lang
        try:
            scen, base = self.scenario(), self.baseline_scenario()
        except SakeraInputError as exc:
            self.status.object = f"<span style='color:#a40000'>{html.escape(str(exc))}</span>"
            return None
        if scen.name == base.name:
            self.status.object = f"<span style='color:#a40000'>{html.escape(text('same', lang))}</span>"
            return None
        try:
            (base, scen), period = align_scenarios([base, scen], align=True)
        except SakeraInputError as exc:
            self.status.object = f"<span style='color:#a40000'>{html.escape(str(exc))}</span>"
            return None
        reps, seed = _int(self.replications), _int(self.seed)
        key = self.key(scen, base)
        comp = jobs.cached(key)
        if comp is not None:
            self.status.object = html.escape(text("cached", lang))
        else:
            self.run_button.disabled = True
            self.progress.visible, self.progress.active, self.progress.value = True, True, 0
            frames = []
            try:
                for i, s in enumerate((base, scen)):
                    self.status.object = html.escape(text("running", lang, name=s.name, i=i + 1, n=2))
                    if in_server_session():
                        future = jobs.pool().submit(jobs.scenario_kpis, s.to_yaml(), reps, seed)
                        frames.append(await asyncio.wrap_future(future))
                    else:
                        frames.append(jobs.scenario_kpis(s.to_yaml(), reps, seed))
                    self.progress.value = i + 1
            except SakeraInputError as exc:
                self.status.object = f"<span style='color:#a40000'>{html.escape(str(exc))}</span>"
                return None
            finally:
                self.run_button.disabled = False
                self.progress.active = False
            comp = Comparison(
                kpis=pd.concat(frames, ignore_index=True),
                scenarios=[base.name, scen.name],
                seed=seed,
                replications=reps,
                period=period,
            )
            jobs.store(key, comp)
            self.status.object = html.escape(text("done", lang, n=reps, seed=fmt(seed, 0, lang)))
        self.comparison = comp
        self.result.object = period_note(comp, lang) + comparison_table(comp, lang)
        return comp

    # -- layout ----------------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Labels in the current language; the widgets keep their values."""
        lang = self.lang
        for widget, key in (
            (self.preset, "preset"),
            (self.baseline, "baseline"),
            (self.replications, "replications"),
            (self.seed, "seed"),
            (self.days, "days"),
            (self.counters, "counters"),
            (self.verifiers, "verifiers"),
            (self.lead_days, "lead"),
            (self.outage, "outage"),
            (self.outage_day, "outage_day"),
        ):
            widget.name = text(key, lang)
        self.run_button.name = text("run", lang)
        self.sidebar.objects = [
            heading(text("title", lang)),
            self.preset,
            self.baseline,
            self.replications,
            self.seed,
            self.days,
            self.counters,
            self.verifiers,
            self.lead_days,
            self.outage,
            self.outage_day,
            self.run_button,
        ]
        if self.comparison is not None:
            self.result.object = period_note(self.comparison, lang) + comparison_table(self.comparison, lang)
        self.main.objects = [heading(text("title", lang)), self.progress, self.status, self.result]

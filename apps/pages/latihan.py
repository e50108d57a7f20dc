"""Latihan: the trainee's desk.

Citizens wait in a queue (one at the lower levels, several in the timed queue level); the trainee
reads the citizen's request and documents, chooses the service, ticks the requirements that the
documents meet, flags the problems, decides (process / return with what is missing / refer to the
office), fills in the form when the request proceeds and submits. The store grades and **commits**
the attempt before the page shows the grader's feedback, so feedback the trainee has seen is never
lost. The sidebar shows the queue, the level and progress towards certification.

Cases are drawn deterministically for each trainee (:mod:`sakera_toolkit.sandbox.selection`), and
reloading the page resumes the open attempt: the same citizen, with the clock still running from
when they were first shown. Everything the page reads or stores goes through
:class:`sakera_toolkit.sandbox.TrainingService`. After the feedback, the trainee still sees what
they answered, next to what was expected; a level-up is announced.
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import panel as pn
import param

from sakera_toolkit import training
from sakera_toolkit.sandbox import TrainingService, labels
from sakera_toolkit.services import load_catalogue

from .. import icons
from ..casegen import case_seed, draw_cases, draw_cases_async, service_for  # noqa: F401 - re-exported
from ..i18n import Translator
from ..shell import HEADING_STYLE, Page, in_server_session
from .cards import CARDS_CSS, documents_html, queue_html, request_html

#: Most recent scores drawn in the progress sparkline.
SPARKLINE_CASES = 20

FEEDBACK_CSS = """
.fb { font-size: 13.5px; }
.fb .score { display: flex; align-items: center; gap: 14px; margin-bottom: 8px; }
.fb .big { font-size: 34px; font-weight: 700; line-height: 1; }
.fb .pass { color: #1b7a3a; } .fb .fail { color: #b3261e; }
.fb .crit { display: grid; grid-template-columns: 170px 1fr 44px; gap: 3px 8px; align-items: center;
            margin: 6px 0 10px 0; }
.fb .bar { background: #e7ecea; border-radius: 4px; height: 9px; overflow: hidden; }
.fb .bar > span { display: block; height: 100%; background: #0b7a5e; }
.fb ol { padding-left: 20px; margin: 4px 0; }
.fb li { margin-bottom: 7px; }
.fb .src { color: #68736f; font-size: 11.5px; display: block; margin-top: 2px; }
.fb .ok { background: #e6f4ea; color: #1b5e20; padding: 6px 10px; border-radius: 6px; }
.fb .saved { color: #4a5a56; font-size: 12px; }
.fb .levelup { background: #fff4d6; color: #6b4d00; border: 1px solid #f0dc9c; padding: 6px 10px; border-radius: 6px;
               font-weight: 600; margin: 6px 0; }
.fb table.mine { border-collapse: collapse; width: 100%; margin: 4px 0 10px 0; font-size: 12.5px; }
.fb table.mine th, .fb table.mine td { border-top: 1px solid #e1e8e5; padding: 3px 5px; text-align: left;
                                       vertical-align: top; }
.fb table.mine th { color: #4a5a56; font-weight: 600; }
.fb table.mine td.bad { color: #b3261e; } .fb table.mine td.good { color: #1b5e20; }
"""

PROGRESS_CSS = """
.pr { font-size: 13px; }
.pr .lvl { font-size: 15px; font-weight: 700; color: #0b5d4b; }
.pr .kv { display: flex; justify-content: space-between; margin: 2px 0; }
.pr .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.pr .yes { background: #e6f4ea; color: #1b5e20; } .pr .no { background: #fff4d6; color: #6b4d00; }
.pr .meter { background: #e7ecea; border-radius: 4px; height: 8px; overflow: hidden; margin: 4px 0; }
.pr .meter > span { display: block; height: 100%; background: #0b7a5e; }
.pr .why { color: #5b6b67; font-size: 11.5px; }
"""


def _rule_title(rule_id: str, lang: str) -> str:
    """Short bilingual name of a grading rule (falls back to its id)."""
    return labels.rule_title(rule_id, lang)

def sparkline_svg(scores: Sequence[float], width: int = 260, height: int = 46, pass_score: float = 70.0) -> str:
    """A tiny inline SVG of the last scores (0-100), with the pass line dashed."""
    values = [max(0.0, min(100.0, float(s))) for s in scores][-SPARKLINE_CASES:]
    if not values:
        return ""
    n = len(values)
    step = width / max(1, SPARKLINE_CASES - 1)

    def y(v: float) -> float:
        return height - 3 - (height - 6) * v / 100.0

    points = " ".join(f"{i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
    dots = "".join(
        f'<circle cx="{i * step:.1f}" cy="{y(v):.1f}" r="2.6" fill="{"#1b7a3a" if v >= pass_score else "#b3261e"}"/>'
        for i, v in enumerate(values)
    )
    line = f'<polyline fill="none" stroke="#0b7a5e" stroke-width="1.6" points="{points}"/>' if n > 1 else ""
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<line x1="0" x2="{width}" y1="{y(pass_score):.1f}" y2="{y(pass_score):.1f}" stroke="#c9a227" '
        f'stroke-dasharray="4 3" stroke-width="1"/>{line}{dots}</svg>'
    )


def _basis_label(source: str, lang: str) -> str:
    """The mistake's own legal basis (a requirement's regulation, else its rule's), as shown to trainees."""
    from sakera_toolkit.training.rules import basis_label

    return basis_label(source, lang)


def _strip_source(text: str, source: str) -> str:
    from sakera_toolkit.training.rules import basis_label

    for marker in (f" (Dasar hukum: {source})", f" (Legal basis: {basis_label(source, 'en')})"):
        text = text.replace(marker, "")
    return text


def answer_html(case: Any, answer: Any, lang: str) -> str:
    """What the trainee answered next to what was expected, one row per step (after submitting)."""
    tr = Translator(lang)
    esc = html.escape
    expected = case.expected
    service_id = answer.service_id

    def reqs(ids: Any, sid: str | None) -> str:
        names = [labels.requirement_name(sid, r, lang) for r in ids]
        return ", ".join(names) if names else tr("common.none")

    def defects(kinds: Any) -> str:
        names = [labels.defect_name(k, lang) for k in sorted(kinds)]
        return ", ".join(names) if names else tr("common.none")

    ticked = [r for r, met in answer.requirements.items() if met]
    met = [r for r, ok in expected.requirements.items() if ok]
    rows = [
        (tr("latihan.step_service"), labels.service_name(service_id, lang) or tr("common.none"),
         labels.service_name(expected.service_id, lang), service_id == expected.service_id),
        (tr("latihan.step_requirements"), reqs(ticked, service_id), reqs(met, expected.service_id),
         service_id == expected.service_id and set(ticked) == set(met)),
        (tr("latihan.step_defects"), defects(answer.flagged_kinds), defects(case.defect_kinds),
         set(answer.flagged_kinds) == set(case.defect_kinds)),
        (tr("latihan.step_decision"), labels.decision_name(answer.decision, lang) or tr("common.none"),
         labels.decision_name(expected.decision, lang), answer.decision == expected.decision),
    ]
    if answer.decision == "return" or expected.decision == "return":
        rows.append((tr("latihan.missing"), reqs(answer.missing, service_id), reqs(expected.missing, expected.service_id),
                     set(answer.missing) == set(expected.missing)))
    if answer.decision in training.PROCEEDING_DECISIONS and answer.form:
        fields = {f.key: f.label(lang) for f in training.rules.form_fields(service_id)} if service_id else {}
        for key, value in answer.form.items():
            want = expected.form.get(key, "")
            rows.append((fields.get(key, key), value or "–", want or "–", value.strip().upper() == want.strip().upper()))
    body = "".join(
        f"<tr><th>{esc(step)}</th><td class='{'good' if ok else 'bad'}'>{esc(given)}</td><td>{esc(want)}</td></tr>"
        for step, given, want, ok in rows
    )
    return (f"<b>{esc(tr('latihan.your_answer'))}</b><table class='mine' data-sakera='my-answer'>"
            f"<tr><th></th><th>{esc(tr('latihan.given'))}</th><th>{esc(tr('latihan.expected'))}</th></tr>"
            f"{body}</table>")


def level_up_html(before: int, after: int, lang: str) -> str:
    """The announcement of a level-up (empty when the level did not rise)."""
    if after <= before:
        return ""
    tr = Translator(lang)
    return f"<div class='levelup' data-sakera='level-up'>{html.escape(tr('latihan.level_up', n=after, name=training.level(after).name(lang)))}</div>"


def case_rules_html(case: Any, lang: str) -> str:
    """The rules this case turns on, each with its legal basis ("Dasar hukum")."""
    tr = Translator(lang)
    esc = html.escape
    items = "".join(
        f"<li>{esc(title)}<span class='src'>{esc(tr('latihan.basis'))}: {esc(basis)}</span></li>"
        for _rule_id, title, basis in labels.case_rules(case, lang)
    )
    return f"<b>{esc(tr('latihan.case_rules'))}</b><ul data-sakera='case-rules'>{items}</ul>" if items else ""


def feedback_html(report: Any, lang: str, attempt_id: int | None, attempt_number: int | None,
                  mine: str = "", news: str = "") -> str:
    """The grader's report as HTML: score, one bar per criterion, each mistake with its rule.

    ``mine`` (:func:`answer_html`) and ``news`` (:func:`level_up_html`) are shown with it.
    """
    tr = Translator(lang)
    esc = html.escape
    status = ("lulus" if report.passed else "belum lulus") if lang == "id" else ("passed" if report.passed else "not passed")
    parts = [
        f'<div class="fb" data-attempt="{attempt_id if attempt_id is not None else ""}">',
        '<div class="score">',
        f'<span class="big {"pass" if report.passed else "fail"}">{report.score:.0f}</span>',
        f"<span><b>{esc(tr('latihan.score'))}</b> /100 · {esc(status)}<br>"
        f"{esc(tr('latihan.time_taken'))}: {esc(tr('common.seconds', n=report.elapsed_seconds))}</span>",
        "</div>",
        news,
        '<div class="crit">',
    ]
    for crit in report.criteria:
        if not crit.applicable:
            continue
        pct = 100 * crit.score
        parts.append(
            f"<span>{esc(crit.label(lang))}</span><span class='bar'><span style='width:{pct:.0f}%'></span></span>"
            f"<span>{pct:.0f}%</span>"
        )
    parts.append("</div>")
    if report.mistakes:
        heading = "Yang perlu diperbaiki" if lang == "id" else "What to improve"
        parts.append(f"<b>{esc(heading)}</b><ol>")
        for m in report.mistakes:
            rule_label = tr("latihan.rule")
            parts.append(
                f"<li>{esc(_strip_source(m.explain(lang), m.source))}"
                f"<span class='src'>{esc(rule_label)}: {esc(_rule_title(m.rule_id, lang))} · "
                f"{esc(tr('latihan.basis'))}: {esc(_basis_label(m.source, lang))}</span></li>"
            )
        parts.append("</ol>")
    else:
        parts.append(f"<p class='ok'>{esc('Semua benar. Bagus!' if lang == 'id' else 'Everything is right. Well done!')}</p>")
    parts.append(mine)
    if attempt_number is not None:
        parts.append(f"<p class='saved'>{esc(tr('latihan.saved', n=attempt_number))}</p>")
    parts.append("</div>")
    return "".join(parts)


def progress_html(progress: dict[str, Any], lang: str) -> str:
    """The sidebar's level and certification box."""
    tr = Translator(lang)
    esc = html.escape
    lv = training.level(progress["level"])
    status = progress["status"]
    badge = (f'<span class="badge yes">{esc(tr("latihan.certified"))}</span>' if status.certified
             else f'<span class="badge no">{esc(tr("latihan.not_certified"))}</span>')
    avg = progress["recent_average"]
    return (
        '<div class="pr">'
        f'<div class="lvl">{esc(tr("latihan.level"))} {lv.number}: {esc(lv.name(lang))}</div>'
        f'<div class="kv"><span>{esc(tr("latihan.cases_done"))}</span><b>{progress["cases_done"]}</b></div>'
        f'<div class="kv"><span>{esc(tr("latihan.recent_avg"))}</span>'
        f'<b>{"–" if avg is None else f"{avg:.0f}"}</b></div>'
        f"<div>{badge}</div>"
        f'<div class="meter"><span style="width:{100 * status.progress:.0f}%"></span></div>'
        f'<div class="why">{esc(status.message(lang))}</div>'
        f'<div style="margin-top:6px">{sparkline_svg(progress["scores"])}</div>'
        "</div>"
    )


class LatihanPage(Page):
    """The trainee's practice desk (see the module docstring)."""

    slug = "latihan"

    service = param.String(default="", doc="Service chosen by the trainee ('' = none yet).")
    requirements_met = param.List(default=[], doc="Requirement ids ticked as met.")
    defects_flagged = param.List(default=[], doc="Defect kinds flagged.")
    decision = param.String(default="", doc="One of training.DECISIONS or '' (none yet).")
    missing = param.List(default=[], doc="Requirement ids the citizen must still bring (when returning).")
    submitted = param.Boolean(default=False, doc="True once the current case has been graded.")

    def __init__(self, user, context, **params: Any) -> None:
        super().__init__(user, context, **params)
        self.catalogue = load_catalogue()
        self.service_layer = TrainingService(context.session_factory)
        self.form_values: dict[str, str] = {}
        self._filling_form = False
        self.report: Any = None
        self.submitted_answer: Any = None
        self.level_change: tuple[int, int] | None = None
        self.attempt_id: int | None = None
        self.shown_since: datetime | None = None
        self._busy = False
        self._prefetch: Any = None
        self.queue: list[Any] = []
        self.started_at = time.monotonic()
        self.progress: dict[str, Any] = {}
        # panes kept across rebuilds (their content is refreshed, not recreated)
        self.queue_pane = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 5), tags=["sakera-queue"])
        self.progress_pane = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 5), stylesheets=[PROGRESS_CSS],
                                          tags=["sakera-progress"])
        self.request_pane = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[CARDS_CSS], margin=(0, 5),
                                         tags=["sakera-request"])
        self.hints_pane = pn.pane.Alert(alert_type="info", sizing_mode="stretch_width", margin=(4, 5), visible=False)
        self.documents_pane = pn.pane.HTML(sizing_mode="stretch_width", stylesheets=[CARDS_CSS], margin=(4, 5),
                                           tags=["sakera-documents"])
        self.feedback_pane = pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[FEEDBACK_CSS],
                                          margin=(4, 5), tags=["sakera-feedback"])
        self.message = pn.pane.Alert("", alert_type="warning", visible=False, margin=(4, 5),
                                     sizing_mode="stretch_width")
        if in_server_session():
            # the first citizens are drawn after the page is on screen, in a thread: logging in a
            # whole class at once must not stall the sessions already working
            pn.state.onload(self._load_async)
        else:
            self._load_progress()
            self._fill_queue()

    async def _load_async(self) -> None:
        loop = asyncio.get_running_loop()
        self.progress = await loop.run_in_executor(self.context.db_executor, self._read_progress)
        resumed = await loop.run_in_executor(self.context.db_executor, self.service_layer.resume, self.user.username)
        queue, opened = await self._prepare_queue_async([resumed.case] if resumed else [], self.progress)
        self._show_next(queue, opened)

    # ------------------------------------------------------------------ data
    @property
    def case(self) -> Any:
        """The citizen being served."""
        return self.queue[0]

    @property
    def level(self) -> Any:
        """The trainee's current curriculum level."""
        return training.level(self.progress.get("level", training.LEVELS[0].number))

    def _load_progress(self) -> None:
        self.progress = self._read_progress()

    def _read_progress(self) -> dict[str, Any]:
        """Level, cases done, recent scores and certification status from the store (thread-safe)."""
        progress = self.service_layer.progress(self.user.username)
        return {**vars(progress), "scores": list(progress.scores)}

    def _fill_queue(self) -> None:
        """Resume the open attempt (if any), top the queue up and start (or keep) the clock."""
        resumed = self.service_layer.resume(self.user.username) if not self.queue else None
        queue = [resumed.case] if resumed is not None else list(self.queue)
        self.queue, opened = self._prepare_queue(queue, self.progress)
        self._set_clock(opened)

    def _missing_serials(self, queue: list[Any], progress: dict[str, Any]) -> list[int]:
        """Serial numbers of the cases that top ``queue`` up to the level's size."""
        size = training.level(progress["level"]).queue_size
        first = progress["cases_done"] + len(queue)
        return list(range(first, first + max(0, size - len(queue))))

    def _village(self) -> str | None:
        return self.user.village_codes[0] if self.user.village_codes else None

    def _start_attempt(self, case: Any, level_number: int) -> Any:
        """Store that ``case`` is shown, or find its open attempt (thread-safe: touches no widget)."""
        return self.service_layer.start(self.user.username, case, level_number)

    def _set_clock(self, opened: Any) -> None:
        """Run the page's clock from the attempt's server-side start (kept across reloads)."""
        self.attempt_id = int(opened.attempt_id)
        self.shown_since = opened.started_at
        waited = max(0.0, (datetime.now(UTC) - opened.started_at).total_seconds())
        self.started_at = time.monotonic() - waited

    def _prepare_queue(self, queue: list[Any], progress: dict[str, Any]) -> tuple[list[Any], Any]:
        """``queue`` topped up with this trainee's next cases, and the open attempt of its first case.

        Runs in this process; see :meth:`_prepare_queue_async` for the server.
        """
        level_number = progress["level"]
        queue = queue + draw_cases(level_number, self.user.id, self._village(), self._missing_serials(queue, progress))
        return queue, self._start_attempt(queue[0], level_number)

    async def _top_up_async(self, queue: list[Any], progress: dict[str, Any]) -> list[Any]:
        """``queue`` topped up with cases drawn in the worker process."""
        serials = self._missing_serials(queue, progress)
        if not serials:
            return queue
        return queue + await draw_cases_async(progress["level"], self.user.id, self._village(), serials)

    async def _prepare_queue_async(self, queue: list[Any], progress: dict[str, Any],
                                   prefetched: Any = None) -> tuple[list[Any], Any]:
        """:meth:`_prepare_queue` for the server.

        The cases come from the worker process (or from a prefetch started when the previous
        answer was graded) and the database work runs in the store thread.
        """
        queue = await prefetched if prefetched is not None else await self._top_up_async(queue, progress)
        loop = asyncio.get_running_loop()
        return queue, await loop.run_in_executor(self.context.db_executor, self._start_attempt, queue[0],
                                                 self.progress["level"])

    # ------------------------------------------------------------------ answer
    def answer(self) -> Any:
        """The trainee's answer as a :class:`sakera_toolkit.training.Answer`."""
        service = self.catalogue.get(self.service) if self.service in self.catalogue.ids() else None
        requirement_ids = [r.id for r in service.requirements] if service else []
        fields = training.rules.form_fields(self.service) if service else ()
        return training.Answer(
            service_id=self.service or None,
            requirements={rid: rid in self.requirements_met for rid in requirement_ids},
            defects=tuple(self.defects_flagged),
            decision=self.decision or None,
            missing=tuple(m for m in self.missing if m in requirement_ids) if self.decision == "return" else (),
            form={f.key: self.form_values.get(f.key, "") for f in fields}
            if self.decision in training.PROCEEDING_DECISIONS else {},
            elapsed_seconds=round(time.monotonic() - self.started_at, 1),
        )

    def _can_submit(self) -> bool:
        if self.submitted or self._busy:
            return False
        if not self.service or not self.decision:
            self.message.object = self.tr("latihan.incomplete")
            self.message.visible = True
            return False
        return True

    def _store_submission(self, case: Any, answer: Any, attempt_id: int | None) -> Any:
        """Grade and store (committed before returning; thread-safe: touches no widget)."""
        return self.service_layer.submit(self.user.username, case, answer, attempt_id)

    def _after_submit(self, result: Any, answer: Any = None) -> None:
        # the attempt is committed: from here on it survives anything that happens to the server
        self.report = result.report
        self.submitted_answer = answer
        self.attempt_id = result.attempt_id
        self.submitted = True
        self.progress = {**self.progress, "cases_done": self.progress["cases_done"] + 1}
        self.level_change = None
        if result.levelled_up:
            self.level_change = (result.level_before, result.level_after)
            self.progress["level"] = result.level_after
        with pn.io.hold():
            self.message.visible = False
            self._show_feedback()
        if pn.state.notifications is not None:
            if result.levelled_up:
                lv = training.level(result.level_after)
                pn.state.notifications.success(self.tr("latihan.level_up", n=lv.number, name=lv.name(self.lang)),
                                               duration=8000)
            if result.newly_certified:
                pn.state.notifications.success(self.tr("latihan.certified"), duration=8000)

    def _apply_progress(self, progress: dict[str, Any]) -> None:
        self.progress = progress
        self._show_progress()

    def _heading(self, key: str, margin: str) -> str:
        return f'<div style="{HEADING_STYLE}margin:{margin};">{html.escape(self.tr(key))}</div>'

    def _show_progress(self) -> None:
        """The sidebar's progress box under its heading, with the link to the trainee's record.

        Heading, box and link are one pane (they were three): each pane is a Bokeh model built when
        the page opens, and a class logging in at the same minute waits for every one of them.
        """
        box = progress_html(self.progress, self.lang) if self.progress else ""
        link = (f'<div style="margin:8px 0 0 0;"><a href="/rekaman/{html.escape(self.user.username)}.csv" '
                f'id="my-record" data-tag="sakera-my-record">{html.escape(self.tr("latihan.my_record"))}</a></div>')
        self.progress_pane.object = self._heading("latihan.progress", "10px 0 2px 0") + box + link

    def _show_queue(self) -> None:
        entries = [(c.citizen.name, self._asked_for(c), i == 0) for i, c in enumerate(self.queue)]
        self.queue_pane.object = self._heading("latihan.queue", "0 0 2px 0") + (queue_html(entries, self.lang)
                                                                              if entries else "")

    def _show_documents(self) -> None:
        cards = documents_html(self.case.documents, self.lang) if self.queue else ""
        self.documents_pane.object = self._heading("latihan.documents", "2px 0 2px 0") + cards

    def submit(self, event: Any = None) -> Any:
        """Grade and store the answer (committed), then show the feedback. Returns the report."""
        if not self._can_submit():
            return self.report
        answer = self.answer()
        result = self._store_submission(self.case, answer, self.attempt_id)
        self._after_submit(result, answer)
        self._apply_progress(self._read_progress())
        return self.report

    async def submit_async(self, event: Any = None) -> None:
        """:meth:`submit` with the database work in a thread, so other sessions are not held up."""
        if not self._can_submit():
            return
        self._busy = True
        try:
            loop = asyncio.get_running_loop()
            answer = self.answer()
            result = await loop.run_in_executor(self.context.db_executor, self._store_submission, self.case, answer,
                                                self.attempt_id)
            self._after_submit(result, answer)
        finally:
            self._busy = False
        # while the trainee reads the feedback: refresh the progress, then draw the next citizens
        self._prefetch = asyncio.ensure_future(self._refresh_and_prefetch())

    async def _refresh_and_prefetch(self) -> list[Any]:
        loop = asyncio.get_running_loop()
        self._apply_progress(await loop.run_in_executor(self.context.db_executor, self._read_progress))
        return await self._top_up_async(self.queue[1:], self.progress)

    def _reset_answer(self) -> None:
        self.report = None
        self.submitted_answer = None
        self.level_change = None
        self.form_values = {}
        self.service = ""
        self.requirements_met = []
        self.defects_flagged = []
        self.decision = ""
        self.missing = []
        self.submitted = False

    def _show_next(self, queue: list[Any], opened: Any) -> None:
        self.queue = queue
        self._set_clock(opened)
        self._reset_answer()
        with pn.io.hold():
            changed = self.service_select.value != ""
            self.service_select.value = ""  # when it changes, _on_service refreshes what depends on it
            self.defects_box.value = []
            if not changed:
                self._refresh_service_dependent()
            self._show_case()

    def next_citizen(self, event: Any = None) -> None:
        """Serve the next citizen in the queue."""
        if not self.submitted or self._busy:
            return
        self._show_next(*self._prepare_queue(self.queue[1:], self.progress))

    async def next_citizen_async(self, event: Any = None) -> None:
        """:meth:`next_citizen` with case generation and the database in a thread."""
        if not self.submitted or self._busy:
            return
        self._busy = True
        try:
            prefetched, self._prefetch = self._prefetch, None  # also waits for the progress refresh
            queue, opened = await self._prepare_queue_async(self.queue[1:], self.progress, prefetched)
            self._show_next(queue, opened)
        finally:
            self._busy = False

    # ------------------------------------------------------------------ view
    def _build(self) -> None:
        """Create every widget once; later changes only update their options, values and labels."""
        self.service_select = pn.widgets.Select(options={"": ""}, value="", sizing_mode="stretch_width",
                                                tags=["sakera-service"])
        self.service_select.param.watch(self._on_service, "value")
        # long labels (requirement and defect names) wrap inside the 420 px answer column
        wrap = [":host label { white-space: normal; align-items: flex-start; }"]
        self.requirements_box = pn.widgets.CheckBoxGroup(options={}, value=[], inline=False, stylesheets=wrap,
                                                         sizing_mode="stretch_width", tags=["sakera-requirements"])
        self.requirements_box.param.watch(lambda e: setattr(self, "requirements_met", list(e.new)), "value")
        self.defects_box = pn.widgets.CheckBoxGroup(options={}, value=[], inline=False, stylesheets=wrap,
                                                    sizing_mode="stretch_width", tags=["sakera-defects"])
        self.defects_box.param.watch(lambda e: setattr(self, "defects_flagged", list(e.new)), "value")
        self.decision_buttons = {
            decision: pn.widgets.Button(label=decision, color="primary", variant="outline",
                                        tags=[f"sakera-decision-{decision}"], sizing_mode="stretch_width",
                                        margin=(2, 5))
            for decision in training.DECISIONS
        }
        for decision, button in self.decision_buttons.items():
            button.on_click(lambda event, d=decision: self.choose_decision(d))  # type: ignore[misc]  # mypy cannot infer a lambda with a default
        self.missing_box = pn.widgets.CheckBoxGroup(options={}, value=[], inline=False, stylesheets=wrap,
                                                    sizing_mode="stretch_width", tags=["sakera-missing"])
        self.missing_box.param.watch(lambda e: setattr(self, "missing", list(e.new)), "value")
        self.missing_title = pn.pane.HTML(margin=(4, 5, 0, 5))
        self.missing_section = pn.Column(self.missing_title, self.missing_box, visible=False, margin=0)
        self.form_box = pn.FlexBox(sizing_mode="stretch_width")
        self.submit_button = pn.widgets.Button(label="", color="success", icon=icons.SEND, tags=["sakera-submit"],
                                               width=200, margin=(8, 5))
        served = in_server_session()
        self.submit_button.on_click(self.submit_async if served else self.submit)
        self.next_button = pn.widgets.Button(label="", color="primary", icon=icons.USER_PLUS, tags=["sakera-next"],
                                             width=240, margin=(4, 5, 8, 5))
        self.next_button.on_click(self.next_citizen_async if served else self.next_citizen)
        self._answer_widgets = [self.service_select, self.requirements_box, self.defects_box,
                                *self.decision_buttons.values(), self.missing_box]

        self._titles: dict[str, pn.pane.HTML] = {}

        def section(key: str, *objects: Any, **kwargs: Any) -> pn.Column:
            self._titles[key] = pn.pane.HTML(margin=(0, 5), sizing_mode="stretch_width")
            return pn.Column(self._titles[key], *objects, margin=(4, 5), sizing_mode="stretch_width",
                             styles={"background": "#f7faf9", "border": "1px solid #dde6e3", "border-radius": "6px",
                                     "padding": "4px 6px"}, **kwargs)

        self.form_section = section("form", self.form_box, visible=False)
        self.answer_steps = pn.Column(
            section("service", self.service_select),
            section("requirements", self.requirements_box),
            section("defects", self.defects_box),
            section("decision", *self.decision_buttons.values(), self.missing_section),
            self.form_section,
            self.submit_button,
            self.message,
            sizing_mode="stretch_width", margin=0,
        )
        self.review = pn.Column(self.next_button, self.feedback_pane, sizing_mode="stretch_width", margin=0,
                                visible=False)
        pane_style = {"max-height": "calc(100vh - 110px)", "overflow-y": "auto"}
        case_column = pn.Column(self.request_pane, self.hints_pane, self.documents_pane,
                                sizing_mode="stretch_width", styles=pane_style, margin=(0, 4, 0, 0))
        answer_column = pn.Column(self.review, self.answer_steps, width=420, styles=pane_style,
                                  margin=(0, 0, 0, 4), tags=["sakera-answer"])
        # side by side on a wide screen; on a small one (1024 px) the answer goes below the case so
        # the document cards keep a readable width
        case_column.styles = {**pane_style, "flex": "1 1 520px", "min-width": "0"}
        answer_column.styles = {**pane_style, "flex": "0 0 420px"}
        self.main.objects = [pn.FlexBox(case_column, answer_column, flex_wrap="wrap", align_items="flex-start",
                                        sizing_mode="stretch_width")]
        self.sidebar.objects = [self.queue_pane, self.progress_pane]

    def _show_feedback(self) -> None:
        if self.report is None:
            self.feedback_pane.object = ""
            return
        mine = answer_html(self.case, self.submitted_answer, self.lang) if self.submitted_answer is not None else ""
        mine += case_rules_html(self.case, self.lang)
        self.feedback_pane.object = feedback_html(self.report, self.lang, self.attempt_id, self.progress["cases_done"],
                                                  mine=mine,
                                                  news=level_up_html(*self.level_change, self.lang)
                                                  if self.level_change else "")
        self.answer_steps.visible = False
        self.review.visible = True

    def _asked_for(self, case: Any) -> str:
        asked = case.request.requested_service_id
        if asked not in self.catalogue.ids():
            return ""
        service = self.catalogue.get(asked)
        return service.name_id if self.lang == "id" else service.name_en

    def _service_options(self) -> dict[str, str]:
        name = "name_id" if self.lang == "id" else "name_en"
        options = {self.tr("latihan.choose_service"): ""}
        options.update({getattr(s, name): s.id for s in self.catalogue if s.training})
        return options

    def _requirement_options(self) -> dict[str, str]:
        if self.service not in self.catalogue.ids():
            return {}
        name = "name_id" if self.lang == "id" else "name_en"
        return {getattr(r, name): r.id for r in self.catalogue.get(self.service).requirements}

    def _defect_options(self) -> dict[str, str]:
        return {info.name(self.lang): kind for kind, info in training.rules.defect_kinds().items()}

    def _decision_options(self) -> dict[str, str]:
        return {training.rules.decision_label(d, self.lang): d for d in training.DECISIONS}

    def _form_pool(self, create: bool = True) -> list[pn.widgets.TextInput]:
        """One text input per form-field slot (as many as the longest form), made once per page.

        Performance (issue 13): the inputs stay in ``form_box`` for the page's life; a change of
        service or citizen only relabels, refills, retags and shows/hides them (property patches).
        Replacing the box's children instead built a dozen Bokeh models (with their theme
        stylesheets) and re-walked the document on every change: the largest share of the server
        CPU between a click and the next case.

        The pool is made when the first service with a form is chosen, not with the page
        (``create=False`` returns ``[]`` until then): its 11 inputs were 11 of the page's 83 Bokeh
        models, built and sent while a whole class logs in at the same minute.
        """
        pool: list[pn.widgets.TextInput] | None = self.__dict__.get("_form_pool_widgets")
        if pool is None and not create:
            return []
        if pool is None:
            slots = max((len(training.rules.form_fields(s)) for s in self.catalogue.ids()), default=0)
            pool = []
            for slot in range(slots):
                widget = pn.widgets.TextInput(width=185, margin=(2, 4), visible=False, tags=["sakera-form-"])
                widget.param.watch(lambda e, slot=slot: self._on_form_value(slot, e.new), "value")
                pool.append(widget)
            self.__dict__["_form_pool_widgets"] = pool
            self.form_box.objects = list(pool)
        return pool

    def _on_form_value(self, slot: int, value: str) -> None:
        fields = self._form_fields()
        if slot < len(fields) and not self._filling_form:
            self.form_values[fields[slot].key] = value

    def _form_fields(self) -> tuple[training.rules.FormField, ...]:
        return training.rules.form_fields(self.service) if self.service in self.catalogue.ids() else ()

    def _form_inputs(self) -> list[pn.widgets.TextInput]:
        """The inputs of the current service's form, refilled from ``form_values``."""
        fields = self._form_fields()
        pool = self._form_pool(create=bool(fields))
        self._filling_form = True
        try:
            for slot, widget in enumerate(pool):
                if slot < len(fields):
                    f = fields[slot]
                    widget.param.update(label=f.label(self.lang), tags=[f"sakera-form-{f.key}"],
                                        value=self.form_values.get(f.key, ""), disabled=self.submitted,
                                        visible=True)
                elif widget.visible:
                    widget.param.update(visible=False, value="", tags=["sakera-form-"])
        finally:
            self._filling_form = False
        return pool[: len(fields)]

    def _on_service(self, event: Any) -> None:
        self.service = event.new or ""
        self.requirements_met = []
        self.missing = []
        # one websocket message for the boxes and the form inputs (Panel sends each change of a
        # client-side event on its own otherwise)
        with pn.io.hold():
            self._refresh_service_dependent()

    def _refresh_service_dependent(self) -> None:
        options = self._requirement_options()
        self.requirements_box.options = options
        self.requirements_box.value = [v for v in self.requirements_met if v in options.values()]
        self.missing_box.options = options
        self.missing_box.value = [v for v in self.missing if v in options.values()]
        self._form_inputs()

    def choose_decision(self, decision: str) -> None:
        """Select a decision (``process``, ``return`` or ``refer``); the others are unselected."""
        if self.submitted or decision not in training.DECISIONS:
            return
        self.decision = decision
        with pn.io.hold():
            self._refresh_decision()

    def _refresh_decision(self) -> None:
        for key, button in self.decision_buttons.items():
            button.variant = "solid" if key == self.decision else "outline"
        self.missing_section.visible = self.decision == "return"
        self.form_section.visible = self.decision in training.PROCEEDING_DECISIONS

    def _apply_texts(self) -> None:
        """Every label in the current language."""
        tr = self.tr
        titles = {
            "service": (tr("latihan.step_service"), ""),
            "requirements": (tr("latihan.step_requirements"), tr("latihan.requirements_help")),
            "defects": (tr("latihan.step_defects"), tr("latihan.defects_help")),
            "decision": (tr("latihan.step_decision"), ""),
            "form": (tr("latihan.step_form"), tr("latihan.form_help")),
        }
        for key, (title, help_text) in titles.items():
            small = f'<br><small style="color:#5b6b67">{html.escape(help_text)}</small>' if help_text else ""
            self._titles[key].object = f"<b>{html.escape(title)}</b>{small}"
        self.service_select.options = self._service_options()
        self.service_select.value = self.service
        self.defects_box.options = self._defect_options()
        self.defects_box.value = list(self.defects_flagged)
        for label, decision in self._decision_options().items():
            self.decision_buttons[decision].label = label
        self.missing_title.object = f"<i>{html.escape(tr('latihan.missing'))}</i>"
        self.submit_button.label = tr("latihan.submit")
        self.next_button.label = tr("latihan.serve_next")
        self.message.object = tr("latihan.incomplete")
        self._refresh_service_dependent()

    def _show_case(self) -> None:
        """The current citizen, the queue, the progress and the answer widgets' state."""
        self.main.loading = not self.queue
        # no answer before the citizen is on screen (the loading overlay does not stop keyboard
        # or scripted input, and the first case's arrival resets the answer)
        self.service_select.disabled = self.submit_button.disabled = not self.queue
        self._show_queue()
        self._show_progress()
        self._show_documents()
        if not self.queue:
            return
        case = self.case
        self.request_pane.object = request_html(case, self.lang, shown_since=self.shown_since)
        hints = case.hints(self.lang) if self.level.hints else []
        self.hints_pane.object = "\n".join(f"- {h}" for h in hints)
        self.hints_pane.visible = bool(hints)
        self._refresh_decision()
        if self.submitted:
            self._show_feedback()
        else:
            self.feedback_pane.object = ""
            self.review.visible = False
            self.answer_steps.visible = True
            self.message.visible = False

    def rebuild(self) -> None:
        if not hasattr(self, "service_select"):
            self._build()
        self._apply_texts()
        self._show_case()

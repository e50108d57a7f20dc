"""Ringkasan: aggregates of the training programme for evaluators (and trainers).

Only counts and averages appear on this page: no trainee's name or individual record. Evaluators
see every class; a trainer sees their own classes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
from sqlalchemy import Integer, cast, func, select

from sakera_toolkit.services import load_catalogue

from ..shell import BRAND, Page, heading

PLOT_HEIGHT = 280


def scoped_trainee_ids(session: Any, username: str) -> list[int]:
    """Trainees whose work the aggregates cover: all for an evaluator, the classes of a trainer."""
    from sakera_toolkit.store import users
    from sakera_toolkit.store.models import User

    viewer = users.require_user(session, username)
    if viewer.role == "evaluator":
        return list(session.scalars(select(User.id).where(User.role == "trainee")))
    return users.visible_trainee_ids(session, viewer)


def score_by_service(session: Any, trainee_ids: list[int]) -> pd.DataFrame:
    """Graded attempts and mean score per service (aggregate over ``trainee_ids``)."""
    from sakera_toolkit.store.models import Attempt, CaseRecord, Grade

    columns = ["service_id", "attempts", "mean_score", "pass_rate"]
    if not trainee_ids:
        return pd.DataFrame(columns=columns)
    rows = session.execute(
        select(
            CaseRecord.service_id, func.count(Grade.id), func.avg(Grade.score), func.avg(cast(Grade.passed, Integer))
        )
        .join(Attempt, Attempt.case_id == CaseRecord.id)
        .join(Grade, Grade.attempt_id == Attempt.id)
        .where(Attempt.user_id.in_(trainee_ids))
        .group_by(CaseRecord.service_id)
        .order_by(CaseRecord.service_id)
    ).all()
    return pd.DataFrame(rows, columns=columns)


def attempts_by_week(session: Any, trainee_ids: list[int]) -> pd.DataFrame:
    """Submitted attempts per ISO week (Monday) over ``trainee_ids``."""
    from sakera_toolkit.store.models import Attempt

    if not trainee_ids:
        return pd.DataFrame(columns=["week", "attempts"])
    times = session.scalars(
        select(Attempt.submitted_at).where(Attempt.user_id.in_(trainee_ids), Attempt.submitted_at.is_not(None))
    ).all()
    if not times:
        return pd.DataFrame(columns=["week", "attempts"])
    stamps = pd.to_datetime(pd.Series(times), utc=True)
    weeks = (stamps.dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time).dt.strftime("%Y-%m-%d")
    return weeks.value_counts().sort_index().rename_axis("week").reset_index(name="attempts")


class RingkasanPage(Page):
    """Programme aggregates (see the module docstring)."""

    slug = "ringkasan"

    def __init__(self, user, context, **params: Any) -> None:
        super().__init__(user, context, **params)
        self.catalogue = load_catalogue()
        self.load()

    def load(self) -> None:
        """Read the aggregates from the store."""
        from sakera_toolkit.store import attempts

        name = self.user.username
        with self.session() as session:
            ids = scoped_trainee_ids(session, name)
            self.cohorts = attempts.cohort_summary(session, name)
            self.mistakes = attempts.common_mistakes(session, name)
            self.by_service = score_by_service(session, ids)
            self.by_week = attempts_by_week(session, ids)
            self.ready = attempts.readiness(session)
        self.n_trainees = len(ids)

    def _service_name(self, service_id: str) -> str:
        if service_id not in self.catalogue.ids():
            return service_id
        service = self.catalogue.get(service_id)
        return service.name_id if self.lang == "id" else service.name_en

    def _bars(self, df: pd.DataFrame, x: str, y: str, title: str, xlabel: str, ylabel: str, **opts: Any) -> Any:
        import holoviews as hv

        hv.extension("bokeh", logo=False)
        data = df.rename(columns={x: xlabel, y: ylabel})
        return hv.Bars(data, xlabel, ylabel).opts(
            title=title, height=PLOT_HEIGHT, responsive=True, color=BRAND, tools=["hover"], toolbar=None, **opts
        )

    def rebuild(self) -> None:
        tr = self.tr
        attempts_total = int(self.cohorts["attempts"].sum()) if not self.cohorts.empty else 0
        mean = (
            (self.by_service["mean_score"] * self.by_service["attempts"]).sum() / max(1, attempts_total)
            if not self.by_service.empty
            else float("nan")
        )
        certified = int(self.cohorts["certified"].sum()) if not self.cohorts.empty else 0
        ready = int(self.ready["ready"].sum())

        def number(value: float, label: str, fmt: str = "{value:.0f}") -> pn.indicators.Number:
            return pn.indicators.Number(
                value=value,
                label=label,
                format=fmt,
                font_size="28pt",
                title_size="11pt",
                default_color=BRAND,
                margin=(0, 18),
            )

        kpis = pn.FlexBox(
            number(self.n_trainees, tr("ringkasan.trainees")),
            number(attempts_total, tr("ringkasan.attempts")),
            number(0 if pd.isna(mean) else mean, tr("ringkasan.mean_score")),
            number(certified, tr("ringkasan.certified")),
            number(ready, tr("ringkasan.ready_villages"), "{value:.0f} / " + str(len(self.ready))),
            tags=["sakera-kpis"],
        )
        plots: list[Any] = []
        if attempts_total:
            service_df = self.by_service.assign(service=[self._service_name(s) for s in self.by_service["service_id"]])
            plots.append(
                self._bars(
                    service_df,
                    "service",
                    "mean_score",
                    tr("ringkasan.by_service"),
                    tr("pelatih.service"),
                    tr("ringkasan.mean_score"),
                    invert_axes=True,
                    ylim=(0, 100),
                )
            )
            plots.append(
                self._bars(
                    self.by_week,
                    "week",
                    "attempts",
                    tr("ringkasan.by_week"),
                    tr("pelatih.when"),
                    tr("ringkasan.attempts"),
                )
            )
        if not self.mistakes.empty:
            from sakera_toolkit.training import rules

            known = rules.rules()
            titled = self.mistakes.assign(
                rule=[known[r].title(self.lang) if r in known else r for r in self.mistakes["rule_id"]]
            )
            per_rule = titled.groupby("rule", as_index=False)["mistakes"].sum().sort_values("mistakes")
            plots.append(
                self._bars(
                    per_rule,
                    "rule",
                    "mistakes",
                    tr("ringkasan.mistakes"),
                    tr("pelatih.rule"),
                    tr("pelatih.count"),
                    invert_axes=True,
                )
            )
        cohort_table = pd.DataFrame()
        if not self.cohorts.empty:
            cohort_table = pd.DataFrame(
                {
                    tr("pelatih.class"): self.cohorts["class"],
                    tr("ringkasan.trainees"): self.cohorts["trainees"],
                    tr("ringkasan.attempts"): self.cohorts["attempts"],
                    tr("ringkasan.mean_score"): self.cohorts["mean_score"].round(0),
                    tr("ringkasan.certified"): self.cohorts["certified"],
                }
            )
        self.main.objects = [
            heading(tr("ringkasan.title"), margin=(0, 5, 0, 5)),
            pn.pane.HTML(f"<small>{tr('ringkasan.note')}</small>", margin=(0, 5)),
            kpis,
            pn.pane.Alert(tr("ringkasan.empty"), alert_type="info", visible=not attempts_total),
            pn.GridBox(
                *[pn.pane.HoloViews(p, sizing_mode="stretch_width") for p in plots],
                ncols=2,
                sizing_mode="stretch_width",
            ),
            pn.widgets.Tabulator(
                cohort_table,
                disabled=True,
                show_index=False,
                sizing_mode="stretch_width",
                layout="fit_data_stretch",
                tags=["sakera-cohorts"],
            ),
        ]
        self.sidebar.objects = [pn.pane.Markdown(tr("ringkasan.note"), margin=(0, 5))]

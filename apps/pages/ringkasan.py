"""Ringkasan: aggregates of the training programme for evaluators (and trainers).

Only counts and averages appear on this page: no trainee's name or individual record. Evaluators
see every class; a trainer sees their own classes. The figures come from
:meth:`sakera_toolkit.sandbox.TrainingService.programme_summary` (the store's one scoping rule);
this page runs no query of its own.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn

from sakera_toolkit.sandbox import TrainingService, labels
from sakera_toolkit.services import load_catalogue

from ..shell import BRAND, Page, heading

PLOT_HEIGHT = 280


class RingkasanPage(Page):
    """Programme aggregates (see the module docstring)."""

    slug = "ringkasan"

    def __init__(self, user, context, **params: Any) -> None:
        super().__init__(user, context, **params)
        self.catalogue = load_catalogue()
        self.load()

    def load(self) -> None:
        """Read the aggregates through the training service."""
        summary = TrainingService(self.context.session_factory).programme_summary(self.user.username)
        self.cohorts = summary["cohorts"]
        self.mistakes = summary["mistakes"]
        self.by_service = summary["by_service"]
        self.by_week = summary["by_week"]
        self.ready = summary["readiness"]
        self.n_trainees = summary["n_trainees"]

    def _service_name(self, service_id: str) -> str:
        return labels.service_name(service_id, self.lang)

    def _bars(self, df: pd.DataFrame, x: str, y: str, title: str, xlabel: str, ylabel: str, **opts: Any) -> Any:
        import holoviews as hv  # type: ignore[import-untyped]  # holoviews ships no type hints

        hv.extension("bokeh", logo=False)
        data = df.rename(columns={x: xlabel, y: ylabel})
        return hv.Bars(data, xlabel, ylabel).opts(
            title=title, height=PLOT_HEIGHT, responsive=True, color=BRAND, tools=["hover"], toolbar=None, **opts)

    def rebuild(self) -> None:
        tr = self.tr
        attempts_total = int(self.cohorts["attempts"].sum()) if not self.cohorts.empty else 0
        mean = (self.by_service["mean_score"] * self.by_service["attempts"]).sum() / max(1, attempts_total) \
            if not self.by_service.empty else float("nan")
        certified = int(self.cohorts["certified"].sum()) if not self.cohorts.empty else 0
        ready = int(self.ready["ready"].sum())

        def number(value: float, label: str, fmt: str = "{value:.0f}") -> pn.indicators.Number:
            return pn.indicators.Number(value=value, label=label, format=fmt, font_size="28pt", title_size="11pt",
                                        default_color=BRAND, margin=(0, 18))

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
            plots.append(self._bars(service_df, "service", "mean_score", tr("ringkasan.by_service"),
                                    tr("pelatih.service"), tr("ringkasan.mean_score"), invert_axes=True,
                                    ylim=(0, 100)))
            plots.append(self._bars(self.by_week, "week", "attempts", tr("ringkasan.by_week"), tr("pelatih.when"),
                                    tr("ringkasan.attempts")))
        if not self.mistakes.empty:
            titled = self.mistakes.assign(rule=[labels.rule_title(r, self.lang) for r in self.mistakes["rule_id"]])
            per_rule = titled.groupby("rule", as_index=False)["mistakes"].sum().sort_values("mistakes")
            plots.append(self._bars(per_rule, "rule", "mistakes", tr("ringkasan.mistakes"), tr("pelatih.rule"),
                                    tr("pelatih.count"), invert_axes=True))
        cohort_table = pd.DataFrame()
        if not self.cohorts.empty:
            cohort_table = pd.DataFrame({
                tr("pelatih.class"): self.cohorts["class"],
                tr("nav.pelatih"): self.cohorts["trainer_name"],
                tr("ringkasan.trainees"): self.cohorts["trainees"],
                tr("ringkasan.attempts"): self.cohorts["attempts"],
                tr("ringkasan.mean_score"): self.cohorts["mean_score"].round(0),
                tr("ringkasan.certified"): self.cohorts["certified"],
            })
        self.main.objects = [
            heading(tr("ringkasan.title"), margin=(0, 5, 0, 5)),
            pn.pane.HTML(f"<small>{tr('ringkasan.note')}</small>", margin=(0, 5)),
            kpis,
            pn.pane.Alert(tr("ringkasan.empty"), alert_type="info", visible=not attempts_total),
            pn.GridBox(*[pn.pane.HoloViews(p, sizing_mode="stretch_width") for p in plots], ncols=2,
                       sizing_mode="stretch_width"),
            pn.widgets.Tabulator(cohort_table, disabled=True, show_index=False, sizing_mode="stretch_width",
                                 layout="fit_data_stretch", tags=["sakera-cohorts"]),
        ]
        self.sidebar.objects = [pn.pane.Markdown(tr("ringkasan.note"), margin=(0, 5))]

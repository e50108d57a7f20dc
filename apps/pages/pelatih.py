"""Pelatih: the trainer's dashboard of their own classes.

* class overview: one row per trainee (cases, mean and recent score, level, certification);
* the latest attempts of the class (so the trainer sees a submission as soon as it is stored);
* one trainee's progress over time (score per case, rolling mean, pass line), their record
  exported as CSV or PDF;
* the most common mistakes as a rule x service heatmap.

Every read goes through :class:`sakera_toolkit.sandbox.TrainingService` with the trainer as
``viewer``, so the store's one scoping rule applies (a trainer sees only the trainees of their
classes). Tables show names (trainees, villages, services, rules), never ids, and times in WIB.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import panel as pn
import param

from sakera_toolkit import calibration
from sakera_toolkit.sandbox import TrainingService, labels
from sakera_toolkit.services import load_catalogue

from .. import icons
from ..shell import Page, heading
from .classroom import classroom_box

#: Rows of the "latest attempts" table.
RECENT_ATTEMPTS = 15
#: Height (px) of the plots: fits a 768 px laptop screen.
PLOT_HEIGHT = 380

#: Table style: headers wrap onto a second line instead of being cut off ("Rata-rata ..."), and the
#: title of a sortable column keeps clear of its sort arrow (no arrow over "Percobaan" at 1366 px).
TABLE_CSS = """
:host .tabulator { font-size: 12.5px; }
:host .tabulator .tabulator-header .tabulator-col .tabulator-col-content .tabulator-col-title {
  white-space: normal; text-overflow: clip; overflow: visible; word-break: normal; }
:host .tabulator .tabulator-header .tabulator-col .tabulator-col-content { padding: 4px 4px 4px 12px; }
:host .tabulator .tabulator-header .tabulator-col .tabulator-col-content .tabulator-col-title-holder {
  display: flex; align-items: flex-start; gap: 3px; }
:host .tabulator .tabulator-header .tabulator-col.tabulator-sortable .tabulator-col-title {
  flex: 1 1 auto; padding-right: 0 !important; }
:host .tabulator .tabulator-header .tabulator-col .tabulator-col-content .tabulator-col-sorter {
  position: static !important; flex: 0 0 auto; padding-top: 4px; }
"""


def progress_plot(history: pd.DataFrame, lang: str, title: str) -> Any:
    """Score per case and its rolling mean over time, with the pass line (HoloViews/Bokeh)."""
    import holoviews as hv  # type: ignore[import-untyped]  # holoviews ships no type hints

    hv.extension("bokeh", logo=False)
    score = "Nilai" if lang == "id" else "Score"
    case_no = "Kasus ke-" if lang == "id" else "Case no."
    rolling = "Rata-rata bergerak" if lang == "id" else "Rolling mean"
    level = "Tingkat" if lang == "id" else "Level"
    if history.empty:
        return hv.Curve([], case_no, score).opts(title=title, height=PLOT_HEIGHT, responsive=True,
                                                 xlabel=case_no, ylabel=score)
    service = "Layanan" if lang == "id" else "Service"
    df = history.rename(columns={"attempt_no": case_no, "score": score, "rolling_score": rolling, "level": level})
    df[level] = df[level].astype(str)
    df[service] = [labels.service_name(s, lang) for s in df["service_id"]]
    pass_score = float(calibration.load("training")["pass_score"])
    points = hv.Scatter(df, case_no, [score, level, service]).opts(
        color=level, cmap="Category10", size=7, tools=["hover"], legend_position="bottom_right")
    line = hv.Curve(df, case_no, rolling).opts(color="#0b7a5e", line_width=2.5)
    limit = hv.HLine(pass_score).opts(color="#c9a227", line_dash="dashed", line_width=1.5)
    return (limit * line * points).opts(
        title=title, height=PLOT_HEIGHT, responsive=True, ylim=(0, 105), show_grid=True, toolbar="above",
        xlabel=case_no, ylabel=score,
    )


def mistakes_heatmap(mistakes: pd.DataFrame, lang: str, title: str) -> Any:
    """Mistakes counted by rule (rows) and service (columns) as a heatmap with hover details."""
    import holoviews as hv

    hv.extension("bokeh", logo=False)
    rule_label = "Aturan" if lang == "id" else "Rule"
    service_label = "Layanan" if lang == "id" else "Service"
    count_label = "Jumlah" if lang == "id" else "Count"
    if mistakes.empty:
        return hv.HeatMap([], [service_label, rule_label], count_label).opts(title=title, height=PLOT_HEIGHT,
                                                                            responsive=True)
    mistakes = mistakes.assign(
        rule_id=[labels.rule_title(r, lang) for r in mistakes["rule_id"]],
        service_id=[labels.service_name(s, lang) for s in mistakes["service_id"]],
    )
    df = mistakes.groupby(["service_id", "rule_id"], as_index=False).agg(
        mistakes=("mistakes", "sum"), trainees=("trainees", "max"), attempts=("attempts", "max"))
    df["rate"] = df["mistakes"] / df["attempts"].where(df["attempts"] > 0)
    df = df.rename(columns={"service_id": service_label, "rule_id": rule_label, "mistakes": count_label})
    # Rules ordered by how often they are broken (most frequent on top). The order goes on the
    # dimension, not as a pandas Categorical: HoloViews mistakes a Categorical for a non-unique index.
    order = df.groupby(rule_label)[count_label].sum().sort_values().index.tolist()
    rule_dim = hv.Dimension(rule_label, values=order)
    return hv.HeatMap(df, [service_label, rule_dim], [count_label, "trainees", "attempts", "rate"]).opts(
        cmap="OrRd", colorbar=True, tools=["hover"], xrotation=35, title=title, height=PLOT_HEIGHT + 60,
        responsive=True, toolbar="above", fontsize={"xticks": 9, "yticks": 9},
    )


class PelatihPage(Page):
    """The trainer's dashboard (see the module docstring)."""

    slug = "pelatih"

    trainee = param.String(default="", doc="Username of the trainee whose progress is shown.")

    def __init__(self, user, context, **params: Any) -> None:
        super().__init__(user, context, **params)
        self.catalogue = load_catalogue()
        self.service_layer = TrainingService(context.session_factory)
        self.overview = pd.DataFrame()
        self.recent = pd.DataFrame()
        self.mistakes = pd.DataFrame()
        self.history = pd.DataFrame()
        self.overview_table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width", max_height=260,
            layout="fit_columns", tags=["sakera-class-table"], selectable=1, stylesheets=[TABLE_CSS],
        )
        self.overview_table.on_click(self._on_row_click)
        self.recent_table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width", max_height=300,
            layout="fit_columns", tags=["sakera-recent-table"], stylesheets=[TABLE_CSS],
        )
        self.progress_pane = pn.pane.HoloViews(sizing_mode="stretch_width", tags=["sakera-progress-plot"])
        self.heatmap_pane = pn.pane.HoloViews(sizing_mode="stretch_width", tags=["sakera-heatmap"])
        self.trainee_select = pn.widgets.Select(options=[], sizing_mode="stretch_width", tags=["sakera-trainee"])
        self.trainee_select.param.watch(lambda e: setattr(self, "trainee", e.new or ""), "value")
        self.csv_download = pn.widgets.FileDownload(callback=self._csv, filename="rekaman.csv",
                                                    sizing_mode="stretch_width", tags=["sakera-export-csv"],
                                                    color="primary")
        self.pdf_download = pn.widgets.FileDownload(callback=self._pdf, filename="rekaman.pdf",
                                                    sizing_mode="stretch_width", tags=["sakera-export-pdf"])
        self.refresh_button = pn.widgets.Button(icon=icons.REFRESH, sizing_mode="stretch_width", tags=["sakera-refresh"])
        self.refresh_button.on_click(lambda event: self.load())
        self.status_pane = pn.pane.Markdown(sizing_mode="stretch_width", margin=(0, 5))
        self.load()

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        """Re-read the class from the store."""
        board = self.service_layer.class_dashboard(self.user.username, RECENT_ATTEMPTS)
        self.overview, self.mistakes, self.recent = board["overview"], board["mistakes"], board["recent"]
        usernames = self.overview["username"].tolist()
        if self.trainee not in usernames:
            # Open on the trainee with the most practice, so the progress plot is not empty.
            busiest = self.overview.sort_values("attempts", ascending=False, kind="stable")["username"].tolist()
            self.trainee = busiest[0] if busiest else ""
        self._load_history()
        self.refresh_views()

    def _load_history(self) -> None:
        if not self.trainee:
            self.history = pd.DataFrame()
            return
        self.history = self.service_layer.trainee_history(self.user.username, self.trainee)

    @param.depends("trainee", watch=True)
    def _trainee_changed(self) -> None:
        self._load_history()
        self._refresh_progress()
        self.csv_download.filename = f"rekaman-{self.trainee}.csv"
        self.pdf_download.filename = f"rekaman-{self.trainee}.pdf"

    def _on_row_click(self, event: Any) -> None:
        if self.overview.empty or event.row is None:
            return
        self.trainee = str(self.overview.iloc[int(event.row)]["username"])
        self.trainee_select.value = self.trainee

    def _csv(self) -> io.StringIO:
        return io.StringIO(self.service_layer.export_csv(self.user.username, self.trainee, self.lang))

    def _pdf(self) -> io.BytesIO:
        return io.BytesIO(self.service_layer.export_pdf(self.user.username, self.trainee, self.lang))

    # ------------------------------------------------------------------ views
    def _service_name(self, service_id: str) -> str:
        return labels.service_name(service_id, self.lang)

    def overview_frame(self) -> pd.DataFrame:
        """The class overview with translated column names."""
        tr = self.tr
        if self.overview.empty:
            return pd.DataFrame()
        df = self.overview
        certified = [tr("common.yes") if c else f"{100 * p:.0f}%" for c, p in
                     zip(df["certified"], df["certification_progress"], strict=True)]
        return pd.DataFrame({
            tr("pelatih.trainee"): df["display_name"],
            tr("login.username"): df["username"],
            tr("pelatih.village"): [labels.village_names(v) for v in df["villages"]],
            tr("pelatih.attempts"): df["attempts"],
            tr("pelatih.mean_score"): df["mean_score"].round(0),
            tr("latihan.recent_avg"): df["recent_score"].round(0),
            tr("latihan.level"): df["level"],
            tr("pelatih.certification"): certified,
            tr("pelatih.last_activity"): [labels.format_time(v) for v in df["last_activity"]],
        })

    def recent_frame(self) -> pd.DataFrame:
        """The latest attempts of the class with translated column names."""
        tr = self.tr
        if self.recent.empty:
            return pd.DataFrame()
        df = self.recent
        names = dict(zip(self.overview["username"], self.overview["display_name"], strict=True)) \
            if not self.overview.empty else {}
        return pd.DataFrame({
            tr("pelatih.when"): [labels.format_time(v) for v in df["submitted_at"]],
            tr("pelatih.trainee"): [names.get(u, u) for u in df["username"]],
            tr("pelatih.service"): [self._service_name(s) for s in df["service_id"]],
            tr("latihan.level"): df["level"],
            tr("pelatih.score"): df["score"].round(0),
            tr("pelatih.rule"): [labels.rule_titles(m, self.lang) for m in df["mistakes"]],
        })

    def _refresh_progress(self) -> None:
        name = self.trainee or "-"
        self.progress_pane.object = progress_plot(self.history, self.lang, f"{self.tr('pelatih.progress')}: {name}")

    def refresh_views(self) -> None:
        """Push the loaded data into the widgets and plots."""
        tr = self.tr
        overview, recent = self.overview_frame(), self.recent_frame()
        # column shares that fit a 1366 px screen; long texts wrap in their cell instead of being cut
        wrap = {"type": "textarea"}
        self.overview_table.param.update(
            value=overview,
            widths=dict(zip(overview.columns, ["12%", "10%", "11%", "10%", "9%", "9%", "8%", "11%", "20%"],
                            strict=False)),
            formatters={c: wrap for c in overview.columns[:3]},
        )
        self.recent_table.param.update(
            value=recent,
            widths=dict(zip(recent.columns, ["16%", "13%", "23%", "8%", "7%", "33%"], strict=False)),
            formatters={c: wrap for c in (tr("pelatih.service"), tr("pelatih.rule")) if c in recent.columns},
        )
        options = {f"{r.display_name} ({r.username})": r.username for r in self.overview.itertuples()}
        self.trainee_select.options = options
        self.trainee_select.value = self.trainee or None
        self._refresh_progress()
        self.heatmap_pane.object = mistakes_heatmap(self.mistakes, self.lang, tr("pelatih.mistakes"))
        certified = int(self.overview["certified"].sum()) if not self.overview.empty else 0
        self.status_pane.object = (
            f"**{tr('pelatih.certification')}:** {certified} / {len(self.overview)} {tr('role.trainee')}"
        )
        self.csv_download.filename = f"rekaman-{self.trainee}.csv"
        self.pdf_download.filename = f"rekaman-{self.trainee}.pdf"

    def rebuild(self) -> None:
        tr = self.tr
        self.csv_download.label = tr("pelatih.export_csv")
        self.pdf_download.label = tr("pelatih.export_pdf")
        self.refresh_button.label = tr("pelatih.refresh")
        self.refresh_views()
        empty = pn.pane.Alert(tr("pelatih.no_trainees"), alert_type="info", visible=self.overview.empty)
        self.tabs = pn.Tabs(
            (tr("pelatih.class"), pn.Column(self.overview_table, heading(tr("pelatih.recent")), self.recent_table,
                                            sizing_mode="stretch_width")),
            (tr("pelatih.progress"), self.progress_pane),
            (tr("pelatih.mistakes"), self.heatmap_pane),
            sizing_mode="stretch_width", tags=["sakera-pelatih-tabs"],
        )
        self.main.objects = [empty, self.tabs]
        self.sidebar.objects = [
            self.refresh_button,
            self.status_pane,
            heading(tr("pelatih.choose_trainee"), margin=(12, 5, 2, 5)),
            self.trainee_select,
            heading(tr("pelatih.export"), margin=(12, 5, 2, 5)),
            self.csv_download,
            self.pdf_download,
            classroom_box(self.context, self.lang),
        ]

"""Pelatih: the trainer's dashboard of their own classes.

* class overview: one row per trainee (cases, mean and recent score, level, certification);
* the latest attempts of the class (so the trainer sees a submission as soon as it is stored);
* one trainee's progress over time (score per case, rolling mean, pass line), their record
  exported as CSV or PDF;
* the most common mistakes as a rule x service heatmap.

Every query goes through :mod:`sakera_toolkit.store.attempts` with the trainer as ``viewer``, so
the store's access rules apply (a trainer sees only the trainees of their classes).
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
import panel as pn
import param

from sakera_toolkit import calibration
from sakera_toolkit.services import load_catalogue

from ..shell import Page, heading

#: Rows of the "latest attempts" table.
RECENT_ATTEMPTS = 15
#: Height (px) of the plots: fits a 768 px laptop screen.
PLOT_HEIGHT = 380

TABLE_CSS = ":host .tabulator { font-size: 12.5px; }"


def progress_plot(history: pd.DataFrame, lang: str, title: str) -> Any:
    """Score per case and its rolling mean over time, with the pass line (HoloViews/Bokeh)."""
    import holoviews as hv

    hv.extension("bokeh", logo=False)
    score = "Nilai" if lang == "id" else "Score"
    case_no = "Kasus ke-" if lang == "id" else "Case no."
    rolling = "Rata-rata bergerak" if lang == "id" else "Rolling mean"
    level = "Tingkat" if lang == "id" else "Level"
    if history.empty:
        return hv.Curve([], case_no, score).opts(
            title=title, height=PLOT_HEIGHT, responsive=True, xlabel=case_no, ylabel=score
        )
    df = history.rename(columns={"attempt_no": case_no, "score": score, "rolling_score": rolling, "level": level})
    df[level] = df[level].astype(str)
    pass_score = float(calibration.load("training")["pass_score"])
    points = hv.Scatter(df, case_no, [score, level, "service_id"]).opts(
        color=level, cmap="Category10", size=7, tools=["hover"], legend_position="bottom_right"
    )
    line = hv.Curve(df, case_no, rolling).opts(color="#0b7a5e", line_width=2.5)
    limit = hv.HLine(pass_score).opts(color="#c9a227", line_dash="dashed", line_width=1.5)
    return (limit * line * points).opts(
        title=title,
        height=PLOT_HEIGHT,
        responsive=True,
        ylim=(0, 105),
        show_grid=True,
        toolbar="above",
        xlabel=case_no,
        ylabel=score,
    )


def mistakes_heatmap(mistakes: pd.DataFrame, lang: str, title: str) -> Any:
    """Mistakes counted by rule (rows) and service (columns) as a heatmap with hover details."""
    import holoviews as hv

    hv.extension("bokeh", logo=False)
    rule_label = "Aturan" if lang == "id" else "Rule"
    service_label = "Layanan" if lang == "id" else "Service"
    count_label = "Jumlah" if lang == "id" else "Count"
    if mistakes.empty:
        return hv.HeatMap([], [service_label, rule_label], count_label).opts(
            title=title, height=PLOT_HEIGHT, responsive=True
        )
    from sakera_toolkit.services import load_catalogue
    from sakera_toolkit.training import rules

    known = rules.rules()
    catalogue = load_catalogue()
    mistakes = mistakes.assign(
        rule_id=[known[r].title(lang) if r in known else r for r in mistakes["rule_id"]],
        service_id=[
            (catalogue.get(s).name_id if lang == "id" else catalogue.get(s).name_en) if s in catalogue.ids() else s
            for s in mistakes["service_id"]
        ],
    )
    df = mistakes.groupby(["service_id", "rule_id"], as_index=False).agg(
        mistakes=("mistakes", "sum"), trainees=("trainees", "max"), attempts=("attempts", "max")
    )
    df["rate"] = df["mistakes"] / df["attempts"].where(df["attempts"] > 0)
    df = df.rename(columns={"service_id": service_label, "rule_id": rule_label, "mistakes": count_label})
    # Rules ordered by how often they are broken (most frequent on top). The order goes on the
    # dimension, not as a pandas Categorical: HoloViews mistakes a Categorical for a non-unique index.
    order = df.groupby(rule_label)[count_label].sum().sort_values().index.tolist()
    rule_dim = hv.Dimension(rule_label, values=order)
    return hv.HeatMap(df, [service_label, rule_dim], [count_label, "trainees", "attempts", "rate"]).opts(
        cmap="OrRd",
        colorbar=True,
        tools=["hover"],
        xrotation=35,
        title=title,
        height=PLOT_HEIGHT + 60,
        responsive=True,
        toolbar="above",
        fontsize={"xticks": 9, "yticks": 9},
    )


class PelatihPage(Page):
    """The trainer's dashboard (see the module docstring)."""

    slug = "pelatih"

    trainee = param.String(default="", doc="Username of the trainee whose progress is shown.")

    def __init__(self, user, context, **params: Any) -> None:
        super().__init__(user, context, **params)
        self.catalogue = load_catalogue()
        self.overview = pd.DataFrame()
        self.recent = pd.DataFrame()
        self.mistakes = pd.DataFrame()
        self.history = pd.DataFrame()
        self.overview_table = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            show_index=False,
            sizing_mode="stretch_width",
            max_height=260,
            layout="fit_columns",
            tags=["sakera-class-table"],
            selectable=1,
            stylesheets=[TABLE_CSS],
        )
        self.overview_table.on_click(self._on_row_click)
        self.recent_table = pn.widgets.Tabulator(
            pd.DataFrame(),
            disabled=True,
            show_index=False,
            sizing_mode="stretch_width",
            max_height=300,
            layout="fit_columns",
            tags=["sakera-recent-table"],
            stylesheets=[TABLE_CSS],
        )
        self.progress_pane = pn.pane.HoloViews(sizing_mode="stretch_width", tags=["sakera-progress-plot"])
        self.heatmap_pane = pn.pane.HoloViews(sizing_mode="stretch_width", tags=["sakera-heatmap"])
        self.trainee_select = pn.widgets.Select(options=[], sizing_mode="stretch_width", tags=["sakera-trainee"])
        self.trainee_select.param.watch(lambda e: setattr(self, "trainee", e.new or ""), "value")
        self.csv_download = pn.widgets.FileDownload(
            callback=self._csv,
            filename="rekaman.csv",
            sizing_mode="stretch_width",
            tags=["sakera-export-csv"],
            color="primary",
        )
        self.pdf_download = pn.widgets.FileDownload(
            callback=self._pdf, filename="rekaman.pdf", sizing_mode="stretch_width", tags=["sakera-export-pdf"]
        )
        self.refresh_button = pn.widgets.Button(icon="refresh", sizing_mode="stretch_width", tags=["sakera-refresh"])
        self.refresh_button.on_click(lambda event: self.load())
        self.status_pane = pn.pane.Markdown(sizing_mode="stretch_width", margin=(0, 5))
        self.load()

    # ------------------------------------------------------------------ data
    def load(self) -> None:
        """Re-read the class from the store."""
        from sakera_toolkit.store import attempts

        name = self.user.username
        with self.session() as session:
            self.overview = attempts.class_overview(session, name)
            self.mistakes = attempts.common_mistakes(session, name)
            rows = []
            for username in self.overview["username"].tolist():
                table = attempts.attempts_table(session, name, username)
                rows.append(table.tail(RECENT_ATTEMPTS))
        recent = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
        if not recent.empty:
            recent = recent.sort_values("submitted_at", ascending=False).head(RECENT_ATTEMPTS)
        self.recent = recent
        usernames = self.overview["username"].tolist()
        if self.trainee not in usernames:
            # Open on the trainee with the most practice, so the progress plot is not empty.
            busiest = self.overview.sort_values("attempts", ascending=False, kind="stable")["username"].tolist()
            self.trainee = busiest[0] if busiest else ""
        self._load_history()
        self.refresh_views()

    def _load_history(self) -> None:
        from sakera_toolkit.store import attempts

        if not self.trainee:
            self.history = pd.DataFrame()
            return
        with self.session() as session:
            self.history = attempts.trainee_progress(session, self.user.username, self.trainee)

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
        from sakera_toolkit.store import attempts

        with self.session() as session:
            text = attempts.export_trainee_csv(session, self.trainee, viewer=self.user.username)
        return io.StringIO(text)

    def _pdf(self) -> io.BytesIO:
        from sakera_toolkit.store import attempts

        with self.session() as session:
            data = attempts.export_trainee_pdf(session, self.trainee, viewer=self.user.username, lang=self.lang)
        return io.BytesIO(data)

    # ------------------------------------------------------------------ views
    def _service_name(self, service_id: str) -> str:
        if service_id not in self.catalogue.ids():
            return service_id
        service = self.catalogue.get(service_id)
        return service.name_id if self.lang == "id" else service.name_en

    def overview_frame(self) -> pd.DataFrame:
        """The class overview with translated column names."""
        tr = self.tr
        if self.overview.empty:
            return pd.DataFrame()
        df = self.overview
        certified = [
            tr("common.yes") if c else f"{100 * p:.0f}%"
            for c, p in zip(df["certified"], df["certification_progress"], strict=True)
        ]
        return pd.DataFrame(
            {
                tr("pelatih.trainee"): df["display_name"],
                "username": df["username"],
                tr("pelatih.village"): df["villages"],
                tr("pelatih.attempts"): df["attempts"],
                tr("pelatih.mean_score"): df["mean_score"].round(0),
                tr("latihan.recent_avg"): df["recent_score"].round(0),
                tr("latihan.level"): df["level"],
                tr("pelatih.certification"): certified,
                tr("pelatih.last_activity"): [_when(v) for v in df["last_activity"]],
            }
        )

    def recent_frame(self) -> pd.DataFrame:
        """The latest attempts of the class with translated column names."""
        tr = self.tr
        if self.recent.empty:
            return pd.DataFrame()
        df = self.recent
        return pd.DataFrame(
            {
                tr("pelatih.when"): [_when(v) for v in df["submitted_at"]],
                tr("pelatih.trainee"): df["username"],
                tr("pelatih.service"): [self._service_name(s) for s in df["service_id"]],
                tr("latihan.level"): df["level"],
                tr("pelatih.score"): df["score"].round(0),
                tr("pelatih.rule"): [_count_rules(m) for m in df["mistakes"]],
            }
        )

    def _refresh_progress(self) -> None:
        name = self.trainee or "-"
        self.progress_pane.object = progress_plot(self.history, self.lang, f"{self.tr('pelatih.progress')}: {name}")

    def refresh_views(self) -> None:
        """Push the loaded data into the widgets and plots."""
        tr = self.tr
        self.overview_table.value = self.overview_frame()
        self.recent_table.value = self.recent_frame()
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
            (
                tr("pelatih.class"),
                pn.Column(
                    self.overview_table, heading(tr("pelatih.recent")), self.recent_table, sizing_mode="stretch_width"
                ),
            ),
            (tr("pelatih.progress"), self.progress_pane),
            (tr("pelatih.mistakes"), self.heatmap_pane),
            sizing_mode="stretch_width",
            tags=["sakera-pelatih-tabs"],
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
        ]


def _count_rules(joined: str) -> str:
    """``"a;a;b"`` -> ``"a ×2, b"`` (the rules broken in one attempt)."""
    counts: dict[str, int] = {}
    for rule_id in filter(None, str(joined or "").split(";")):
        counts[rule_id] = counts.get(rule_id, 0) + 1
    return ", ".join(f"{r} ×{n}" if n > 1 else r for r, n in counts.items())


def _when(value: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM`` (UTC), empty for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")

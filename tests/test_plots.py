"""Tests of sakera_toolkit.plots: offline maps, equity tables and interval/tornado/parity plots."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit import calibration, plots, registry

hv = pytest.importorskip("holoviews")


def _render(obj):
    return hv.render(obj, backend="bokeh")


def _layers(overlay, kind):
    return [el for el in overlay if type(el).__name__ == kind]


@pytest.fixture(scope="module")
def villages():
    return registry.village_table(2022)


@pytest.fixture(scope="module")
def short_results():
    """Office-only and oct-2021 over 40 days, 2 replications, same seed (small and quick)."""
    from sakera_toolkit import scenarios, sim

    out = {}
    for name in ("office-only", "oct-2021"):
        s = scenarios.load(name).with_values({"horizon.days": 40, "horizon.warmup_days": 5})
        out[name] = sim.run(s.to_flow_params(), seed=11, replications=2)
    return out


def test_import_is_light():
    code = "import sys, sakera_toolkit.plots; print(any(m in sys.modules for m in ('panel', 'holoviews', 'hvplot', 'bokeh')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_label_known_and_fallback():
    assert plots.label("share_within_sla").startswith("Porsi")
    assert " / " in plots.label("travel_hours_saved")
    assert plots.label("no_such_kpi") == "no_such_kpi"


def _village_polygons(overlay):
    return [el for el in _layers(overlay, "Polygons") if "village" in [d.name for d in el.vdims]]


def test_village_map_has_every_village_office_and_island(villages):
    overlay = plots.village_map(villages)
    polys = _village_polygons(overlay)
    codes = [c for p in polys for c in p.dimension_values("code", expanded=False)]
    assert sorted(codes) == sorted(villages["village_code"])
    # the value drawn for each village is its travel time
    values = dict(zip(codes, [v for p in polys for v in p.dimension_values("value", expanded=False)], strict=True))
    expected = villages.set_index("village_code")["travel_minutes"]
    assert values == pytest.approx(expected.to_dict())
    c = calibration.load("registry")
    office = _layers(overlay, "Points")[0]
    assert office.data.iloc[0, :2].tolist() == pytest.approx([c["dispendukcapil_lon"], c["dispendukcapil_lat"]])
    texts = [t.text for t in _layers(overlay, "Text")]
    assert any("Mandangin" in t for t in texts)
    labels = _layers(overlay, "Labels")
    assert len(labels) == 1 and len(labels[0]) == 14


def test_village_map_renders_without_tiles(villages):
    from bokeh.models import TileRenderer

    fig = _render(plots.village_map(villages))
    assert not any(isinstance(r, TileRenderer) for r in fig.renderers)
    assert fig.title.text.startswith("Waktu tempuh")


def test_village_map_categorical_one_layer_per_category_in_order(villages):
    t = villages.copy()
    t["group"] = pd.Categorical(
        np.where(t["travel_minutes"] > 80, "jauh", "dekat"), categories=["jauh", "dekat"], ordered=True
    )
    overlay = plots.village_map(t, color="group", kecamatan_labels=False)
    polys = _village_polygons(overlay)
    assert [p.label for p in polys] == ["jauh", "dekat"]
    assert sum(len(p.split()) for p in polys) == 186
    assert len(polys[0].split()) == int((t["travel_minutes"] > 80).sum())
    assert not _layers(overlay, "Labels")
    fig = _render(overlay)
    assert [i.label.value for i in fig.legend[0].items][:2] == ["jauh", "dekat"]


def test_village_map_rejects_missing_columns(villages):
    with pytest.raises(ValueError, match="population_x"):
        plots.village_map(villages, color="population_x")


def test_kecamatan_table_agrees_with_engine_kpis(short_results):
    for result in short_results.values():
        per = plots.kecamatan_table(result)
        by_rep = per.groupby("replication")[["requests", "travel_hours", "office_only_hours"]].sum()
        k = result.kpis.set_index("replication")
        np.testing.assert_array_equal(by_rep["requests"].to_numpy(), k["arrivals"].to_numpy())
        np.testing.assert_allclose(by_rep["travel_hours"].to_numpy(), k["travel_hours"].to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(
            by_rep["office_only_hours"].to_numpy(), k["office_only_travel_hours"].to_numpy(), rtol=1e-9
        )
        assert per["district_code"].nunique() == 14
        assert ((per["desk_share"] >= 0) & (per["desk_share"] <= 1)).all()


def test_kecamatan_summary_and_equity(short_results):
    office = plots.kecamatan_summary(short_results["office-only"])
    assert len(office) == 14 and office["district_name"].notna().all()
    assert (office["desk_share"] == 0).all()
    assert (office["travel_hours_per_request_low"] <= office["travel_hours_per_request"]).all()
    assert (office["travel_hours_per_request"] <= office["travel_hours_per_request_high"]).all()
    live = plots.kecamatan_summary(plots.kecamatan_table(short_results["oct-2021"]))
    assert (live["desk_share"] > 0).any()
    eq = plots.equity_index(short_results["office-only"])
    assert list(eq["replication"]) == [0, 1]
    assert (eq["max_over_min"] >= 1).all() and (eq["cv"] > 0).all()


@pytest.fixture
def comparison_table():
    return pd.DataFrame(
        {
            "scenario": ["a", "b", "c", "a", "b", "c"],
            "kpi": ["x", "x", "x", "y", "y", "y"],
            "mean": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
            "ci_low": [0.5, 1.5, 2.5, 9.0, 19.0, 29.0],
            "ci_high": [1.5, 2.5, 3.5, 11.0, 21.0, 31.0],
            "diff": [0.0, 1.0, 2.0, 0.0, 10.0, 20.0],
            "diff_ci_low": [np.nan, 0.8, -0.1, np.nan, 9.0, 19.0],
            "diff_ci_high": [np.nan, 1.2, 4.1, np.nan, 11.0, 21.0],
        }
    )


def test_ci_plot_data(comparison_table):
    overlay = plots.ci_plot(comparison_table, "y")
    scatter = _layers(overlay, "Scatter")[0]
    assert list(scatter.data["scenario"]) == ["a", "b", "c"]
    assert list(scatter.data["y"]) == [10.0, 20.0, 30.0]
    bars = _layers(overlay, "ErrorBars")[0]
    assert list(bars.data["err_neg"]) == [1.0, 1.0, 1.0]
    _render(overlay)
    with pytest.raises(ValueError):
        plots.ci_plot(comparison_table, "z")


def test_diff_plot_excludes_reference(comparison_table):
    overlay = plots.diff_plot(comparison_table, "x", reference="a")
    scatter = _layers(overlay, "Scatter")[0]
    assert list(scatter.data["scenario"]) == ["b", "c"]
    assert list(scatter.data["x_diff"]) == [1.0, 2.0]
    assert _layers(overlay, "HLine")
    _render(overlay)


def test_tornado_plot_changes_and_order():
    tor = pd.DataFrame(
        {
            "parameter": ["big", "small"],
            "low_value": [1, 5],
            "high_value": [2, 30],
            "kpi_at_low": [0.5, 0.8],
            "kpi_at_high": [0.9, 0.7],
            "swing": [0.4, 0.1],
        }
    )
    overlay = plots.tornado_plot(tor, "share_within_sla", base=0.75, labels={"big": "Besar / big"})
    low, high = _layers(overlay, "Bars")
    # widest bar last (drawn on top of the inverted axis)
    assert list(low.data["name"]) == ["small", "Besar / big"]
    np.testing.assert_allclose(low.data["change"], [0.05, -0.25])
    np.testing.assert_allclose(high.data["change"], [-0.05, 0.15])
    _render(overlay)
    with pytest.raises(ValueError):
        plots.tornado_plot(tor.iloc[0:0], "x", base=0.0)


def test_parity_plot_line_covers_data():
    f = pd.DataFrame({"analytic": [1.0, 4.0], "simulated": [1.1, 3.9], "case": ["a", "b"]})
    overlay = plots.parity_plot(f, "analytic", "simulated", by="case")
    line = _layers(overlay, "Curve")[0]
    xs = line.data.iloc[:, 0].to_numpy()
    assert xs.min() < 1.0 and xs.max() > 4.0
    np.testing.assert_allclose(line.data.iloc[:, 0], line.data.iloc[:, 1])
    _render(overlay)


# -- charts that tell the truth (issue 12) --------------------------------------------------------


def _grid_figures(layout):
    """The bokeh figures of a rendered HoloViews layout, in order."""
    grid = _render(layout)
    return [child[0] for child in grid.children]


def test_ci_plots_of_different_kpis_get_independent_y_axes():
    """Notebooks 02 and 05 lay out four KPIs of different units: each needs its own y-axis.

    With one generic "mean" dimension HoloViews linked the four axes, so the rupiah KPI set the
    range and the other three were flat lines at 0.
    """
    rows = []
    for kpi, values in {
        "turnaround_p90_days": [3.0, 4.0, 5.0],
        "share_within_sla": [0.6, 0.8, 0.9],
        "travel_hours_saved": [1e4, 5e5, 6e5],
        "travel_cost_saved_idr": [1e8, 1e9, 1.1e9],
    }.items():
        for scen, v in zip(["office-only", "all-2022", "blanko-shortage"], values, strict=True):
            rows.append({"scenario": scen, "kpi": kpi, "mean": v, "ci_low": v * 0.95, "ci_high": v * 1.05})
    table = pd.DataFrame(rows)
    kpis = table["kpi"].unique().tolist()
    layout = hv.Layout([plots.ci_plot(table, k) for k in kpis]).cols(2)
    figs = _grid_figures(layout)
    assert len({id(f.y_range) for f in figs}) == 4
    for fig, kpi in zip(figs, kpis, strict=True):
        v = table.loc[table["kpi"] == kpi, "mean"]
        lo, hi = fig.y_range.start, fig.y_range.end
        # the data spans a visible part of its own axis (not squeezed to a flat line)
        assert lo <= v.min() and hi >= v.max()
        assert (v.max() - v.min()) / (hi - lo) > 0.3, kpi
    # the x axis names scenarios by their display names, not file names
    assert "Hanya kantor / office only" in figs[0].x_range.factors


def test_axis_labels_fit_the_default_plot():
    """Bokeh cuts long axis labels: a 380 px high axis holds ~44 characters at the default font."""
    for kpi in plots.KPI_LABELS:
        overlay = plots.ci_plot(
            pd.DataFrame({"scenario": ["a"], "kpi": [kpi], "mean": [1.0], "ci_low": [0.5], "ci_high": [1.5]}), kpi
        )
        fig = _render(overlay)
        assert len(fig.yaxis[0].axis_label) <= 44, kpi
        # titles: 640 px at ~8 px per character
        assert len(fig.title.text) <= 80, kpi


@pytest.fixture
def two_stock_series():
    dates = pd.date_range("2022-01-01", periods=30, freq="D")
    frames = []
    for i, scen in enumerate(["all-2022", "blanko-shortage"]):
        frames.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "replication": 0,
                    "scenario": scen,
                    "blanko_ktp": np.linspace(5000, 1000, 30) / (i + 1),
                    "blanko_kia": np.linspace(2000, 500, 30) / (i + 1),
                }
            )
        )
    # interleave the two scenarios row by row, as pd.concat + filtering can leave them
    return pd.concat(frames).sort_values("date", kind="stable").reset_index(drop=True)


def test_series_plot_one_line_per_scenario_and_card(two_stock_series):
    """Notebook 03's blanko chart dropped ``by="scenario"``: one line zig-zagged between scenarios."""
    overlay = plots.series_plot(
        two_stock_series, ["blanko_ktp", "blanko_kia"], title="Stok blanko", ylabel="Blanko di gudang"
    )
    curves = _layers(overlay, "Curve")
    assert len(curves) == 4  # 2 scenarios x 2 cards
    assert [c.label for c in curves] == [
        "KTP-el · 186 desa 2022 / all villages 2022",
        "KIA · 186 desa 2022 / all villages 2022",
        "KTP-el · Kurang blanko / blanko shortage",
        "KIA · Kurang blanko / blanko shortage",
    ]
    for c in curves:
        x = c.dimension_values(0)
        y = c.dimension_values(1)
        assert len(x) == 30 and (np.diff(x.astype("int64")) > 0).all()  # dates strictly increase: no zig-zag
        assert (np.diff(y) <= 0).all()  # each line is one monotone stock, not two interleaved
    fig = _render(overlay)
    assert len(fig.legend[0].items) == 4


def test_series_plot_refuses_several_replications(two_stock_series):
    both = pd.concat([two_stock_series, two_stock_series.assign(replication=1)])
    with pytest.raises(ValueError, match="replication"):
        plots.series_plot(both, "blanko_ktp", title="t", ylabel="y")


def test_grouped_bar_plot_has_a_legend_with_scenario_names():
    frame = pd.DataFrame(
        {
            "district_name": ["Sreseh", "Sreseh", "Omben", "Omben"],
            "scenario": ["office-only", "all-2022"] * 2,
            "travel_hours_per_request": [2.0, 0.5, 1.5, 0.4],
        }
    )
    bars = plots.grouped_bar_plot(
        frame, "district_name", "travel_hours_per_request", title="Jam perjalanan", xlabel="Kecamatan"
    )
    fig = _render(bars)
    assert fig.legend, "grouped bars need a legend"
    items = fig.legend[0].items
    assert len(items) == 1 and items[0].label.field  # one legend group per scenario colour
    source = fig.renderers[0].data_source.data
    assert set(source["scenario"]) == {"Hanya kantor / office only", "186 desa 2022 / all villages 2022"}

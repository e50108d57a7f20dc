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


def test_village_map_has_every_village_office_and_island(villages):
    overlay = plots.village_map(villages)
    points = _layers(overlay, "Points")
    assert len(points[0]) == 186
    drawn = sorted(zip(points[0].data["lon"], points[0].data["lat"], points[0].data["village_name"], strict=True))
    assert drawn == sorted(zip(villages["lon"], villages["lat"], villages["village_name"], strict=True))
    c = calibration.load("registry")
    office = points[1]
    assert office.data[["lon", "lat"]].iloc[0].tolist() == pytest.approx(
        [c["dispendukcapil_lon"], c["dispendukcapil_lat"]]
    )
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
    pts = _layers(overlay, "Points")[:-1]  # last one is the office
    assert [p.label for p in pts] == ["jauh", "dekat"]
    assert sum(len(p) for p in pts) == 186
    assert len(pts[0]) == int((t["travel_minutes"] > 80).sum())
    assert not _layers(overlay, "Labels")
    _render(overlay)


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
    assert list(scatter.data["mean"]) == [10.0, 20.0, 30.0]
    bars = _layers(overlay, "ErrorBars")[0]
    assert list(bars.data["err_neg"]) == [1.0, 1.0, 1.0]
    _render(overlay)
    with pytest.raises(ValueError):
        plots.ci_plot(comparison_table, "z")


def test_diff_plot_excludes_reference(comparison_table):
    overlay = plots.diff_plot(comparison_table, "x", reference="a")
    scatter = _layers(overlay, "Scatter")[0]
    assert list(scatter.data["scenario"]) == ["b", "c"]
    assert list(scatter.data["diff"]) == [1.0, 2.0]
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

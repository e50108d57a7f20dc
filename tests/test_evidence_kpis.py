"""Before/after KPIs and the cost-benefit table of an evidence run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sakera_toolkit import calibration
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.evidence import costs, kpis, run

OVERRIDES = {"horizon.days": 90, "horizon.warmup_days": 21}


@pytest.fixture(scope="module")
def ev():
    return run.run_evidence("oct-2021", replications=3, seed=2, overrides=OVERRIDES)


def test_headline_rows_are_the_comparison(ev):
    t = kpis.before_after(ev)
    table = ev.comparison.table(list(t["kpi"]))
    scen = table[table["scenario"] == "oct-2021"].set_index("kpi")
    for row in t.itertuples():
        assert row.after == scen.at[row.kpi, "mean"]
        assert row.diff == scen.at[row.kpi, "diff"]
    assert {"turnaround_median_days", "share_within_sla", "outside_trips", "completed"} <= set(t["kpi"])


def test_savings_are_baseline_minus_scenario(ev):
    s = kpis.savings(ev).set_index("kpi")
    d = kpis.before_after(ev).set_index("kpi")
    assert s.at["travel_hours_saved", "mean"] == pytest.approx(-d.at["travel_hours", "diff"])
    assert s.at["travel_cost_saved_idr", "mean"] == pytest.approx(-d.at["travel_cost_idr", "diff"])
    assert s.at["travel_cost_saved_idr", "mean"] > 0


def test_by_kecamatan_adds_up_and_shows_mandangin(ev):
    area = kpis.savings_by_area(ev)
    assert len(area) == 15 and area.iloc[-1]["name"] == "P. Mandangin"
    kec = area.iloc[:-1]
    total = kpis.savings(ev).set_index("kpi").at["travel_hours_saved", "mean"]
    assert kec["hours_saved"].sum() == pytest.approx(total, rel=1e-9)
    villages = kpis.savings_by_area(ev, by="village")
    assert len(villages) == 186
    assert villages.set_index("code").at[run.MANDANGIN, "hours_saved"] == pytest.approx(area.iloc[-1]["hours_saved"])


def test_office_relief(ev):
    r = kpis.office_relief(ev).set_index("kpi")
    assert r.at["office_requests", "after"] < r.at["office_requests", "before"]


def test_cost_benefit_by_phase(ev):
    cb = costs.cost_benefit(ev)
    t = cb.table.set_index("phase")
    assert list(t.index) == ["oct-2021", "total"]
    plan = calibration.load("plan")
    c = calibration.load("costs")
    per_village = c["setup_training_idr"] + sum(plan[f"cost_{f}_idr"] for f in ("computer", "printer", "internet"))
    assert t.at["total", "one_off_idr"] == 26 * per_village
    assert t.at["total", "bcr_low"] <= t.at["total", "bcr"] <= t.at["total", "bcr_high"]
    assert math.isfinite(t.at["total", "payback_months"]) and t.at["total", "payback_months"] > 0
    assert len(cb.per_replication) == 2 * 3


def test_cost_benefit_responds_to_costs(ev, tmp_path):
    user = tmp_path / "costs.yaml"
    user.write_text(
        "operator_honorarium_idr_per_month: {value: 100000000, source: 'assumption: test'}\n", encoding="utf-8"
    )
    expensive = costs.cost_benefit(ev, calibration.load("costs", user)).table.set_index("phase")
    normal = costs.cost_benefit(ev).table.set_index("phase")
    assert expensive.at["total", "bcr"] < normal.at["total", "bcr"]
    assert np.isnan(expensive.at["total", "payback_months"]) or expensive.at["total", "payback_never_share"] == 1.0


def test_same_scenario_twice_is_an_error():
    with pytest.raises(SakeraInputError, match="same"):
        run.run_evidence("office-only", "office-only", replications=2)

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.registry import villages
from sakera_toolkit.sim import FlowParams, run

START = dt.date(2025, 2, 3)  # a Monday


def small(**kw) -> FlowParams:
    kw.setdefault("start_date", START)
    kw.setdefault("days", 40)
    kw.setdefault("warmup_days", 5)
    kw.setdefault("demand_scale", 0.25)
    kw.setdefault("random_outages_per_year", 0.0)
    return FlowParams.all_live(**kw) if "village_go_live" not in kw else FlowParams(**kw)


@pytest.fixture(scope="module")
def result():
    return run(small(outages=[(10.0, 12.5)]), seed=11)


def test_same_seed_same_trace_and_kpis():
    p = small(days=20)
    a, b = run(p, seed=5), run(p, seed=5)
    pd.testing.assert_frame_equal(a.trace, b.trace)
    pd.testing.assert_frame_equal(a.kpis, b.kpis)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    c = run(p, seed=6)
    assert not a.trace["arrival"].equals(c.trace["arrival"])


def test_common_random_numbers_across_scenarios():
    a = run(small(days=20), seed=9).trace
    b = run(FlowParams.office_only(start_date=START, days=20, warmup_days=2, demand_scale=0.25), seed=9).trace
    for col in ("arrival", "service", "village_code"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())
    assert (a["channel"] == "desa").mean() > 0.8
    assert (b["channel"] == "desa").sum() == 0


def test_conservation_and_stage_order(result):
    t = result.trace
    k = result.kpis.iloc[0]
    assert k["arrivals_all"] == len(t) == k["completed_all"] + k["abandoned_all"] + k["in_system_all"]
    stages = [
        "arrival",
        "desk_start",
        "desk_end",
        "upload_end",
        "verify_start",
        "verify_end",
        "signed",
        "printed",
        "ready",
    ]
    vals = t[stages].to_numpy()
    for a, b in zip(stages, stages[1:], strict=False):
        x, y = t[a].to_numpy(), t[b].to_numpy()
        ok = np.isfinite(x) & np.isfinite(y)
        assert (y[ok] >= x[ok] - 1e-12).all(), (a, b)
    done = t["outcome"] == "completed"
    assert np.isfinite(t.loc[done, "ready"]).all() and (t.loc[done, "ready"] <= 40).all()
    assert t.loc[~done, "ready"].isna().all()
    assert np.isfinite(vals).any()
    ab = t["outcome"] == "abandoned"
    assert ab.any() and t.loc[ab, "verify_start"].isna().all()


def test_calendar_rules(result):
    t = result.trace
    p = result.params
    desk = t["desk_start"].dropna().to_numpy()
    hour = (desk % 1) * 24
    assert ((hour >= 8 - 1e-6) & (hour < 14) & ~((hour >= 12 + 1e-6) & (hour < 12.5 - 1e-6))).all()
    days = pd.Timestamp(START) + pd.to_timedelta(np.floor(desk), unit="D")
    assert (days.day_of_week < 5).all()
    assert not np.isin(days.date, p.holidays).any()
    # nothing is uploaded, verified or signed during the outage, but work resumes after it
    for col in ("upload_end", "verify_start", "signed"):
        x = t[col].dropna().to_numpy()
        assert not ((x > 10.0) & (x < 12.5)).any(), col
    assert (t["verify_start"].dropna() >= 12.5).any()
    signed_hours = np.round((t["signed"].dropna().to_numpy() % 1) * 24, 6)
    assert set(signed_hours) <= set(p.signing_times)


def test_channel_rules(result):
    t = result.trace
    counter_only = t["service"].isin(["ktp_baru", "aktivasi_nik"])  # biometric recording
    assert (t.loc[counter_only, "channel"] != "desa").all()
    assert (t.loc[~counter_only, "channel"] == "desa").all()
    codes = list(villages()["village_code"])
    live = {c: 10 for c in codes[:50]}
    r = run(small(days=30, village_go_live=live), seed=2).trace
    desa = r["channel"] == "desa"
    assert (r.loc[desa, "arrival"] >= 10).all()
    assert set(r.loc[desa, "village_code"].astype(str)) <= set(codes[:50])
    early = (r["arrival"] < 10) | ~r["village_code"].astype(str).isin(codes[:50])
    assert not desa[early].any()


def test_travel_is_saved_against_office_only_baseline(result):
    t = result.trace
    k = result.kpis.iloc[0]
    assert (t.loc[t["channel"] == "desa", "travel_km"] == 0).all()
    assert (t["office_only_km"] >= 0).all()
    assert k["travel_hours_saved"] > 0 and k["travel_cost_saved_idr"] > 0 and k["outside_trips_saved"] > 0
    office = run(
        FlowParams.office_only(
            start_date=START, days=20, warmup_days=2, demand_scale=0.1, kecamatan_points=False, mpp_counters=0
        ),
        seed=1,
    )
    np.testing.assert_allclose(office.trace["travel_km"], office.trace["office_only_km"])
    assert office.kpis.iloc[0]["travel_km_saved"] == pytest.approx(0.0)


def test_blanko_stockout_blocks_cards_only():
    p = small(days=25, blanko_initial={"ktp": 0, "kia": 0}, blanko_reorder_qty=0)
    r = run(p, seed=4)
    t = r.trace
    card = t["service"].isin(["ktp_baru", "ktp_hilang_rusak", "ktp_perubahan", "kia"])
    assert t.loc[card, "printed"].isna().all()
    assert (t.loc[card & (t["outcome"] == "completed")]).empty
    assert (t.loc[~card, "outcome"] == "completed").mean() > 0.7
    assert r.kpis.iloc[0]["stockout_days_ktp"] > 10
    assert (r.timeseries["blanko_ktp"] == 0).all()


def test_blanko_reorder_restocks():
    p = small(
        days=40,
        blanko_initial={"ktp": 300, "kia": 100},
        blanko_reorder_point=200,
        blanko_reorder_qty=2000,
        blanko_lead_days=3,
    )
    ts = run(p, seed=4).timeseries
    assert ts["blanko_ordered_ktp"].sum() >= 2000
    assert ts["blanko_ktp"].max() > 300


def test_skill_changes_rejections_and_handling():
    lo = run(small(days=30, operator_skill=0.0), seed=3)
    hi = run(small(days=30, operator_skill=1.0), seed=3)
    assert lo.kpis.iloc[0]["rejections_per_file"] > 2 * hi.kpis.iloc[0]["rejections_per_file"]
    assert lo.kpis.iloc[0]["utilisation_desk"] > 1.5 * hi.kpis.iloc[0]["utilisation_desk"]


def test_replications_summary_and_utilisation():
    r = run(small(days=20), seed=1, replications=3)
    assert len(r.kpis) == 3 and set(r.trace["replication"]) == {0, 1, 2}
    s = r.summary().set_index("kpi")
    row = s.loc["turnaround_median_days"]
    assert row["ci95_low"] <= row["mean"] <= row["ci95_high"]
    for res in ("desk", "counter", "verifier"):
        assert 0 <= r.kpis[f"utilisation_{res}"].max() <= 1.0
    js = r.kpis_json()
    assert js["replications"] == 3 and "share_within_sla" in js["kpis"]
    tt = r.turnaround()
    assert {"service", "channel", "median_days", "p90_days"} <= set(tt.columns)


def test_initial_backlog_enters_verification():
    r = run(small(days=15, initial_backlog=500), seed=2)
    t = r.trace
    b = t[t["backlog"]]
    assert len(b) == 500 and (b["trips"] == 0).all() and b["desk_start"].isna().all()
    assert (b["verify_start"].dropna() >= 0).all() and b["verify_start"].notna().mean() > 0.9


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"operator_skill": 1.5}, "operator_skill"),
        ({"days": 0}, "days"),
        ({"warmup_days": 50, "days": 40}, "warmup_days"),
        ({"village_go_live": {"35.27.99.9999": 0}}, "village_go_live"),
        ({"office_counters": 0}, "office_counters"),
        ({"signing_times": ("25:00",)}, "signing_times"),
        ({"outages": [(5.0, 2.0)]}, "outages[0]"),
        ({"blanko_initial": {"sim": 3}}, "blanko_initial"),
        ({"demand_overrides": {"kk_baru": -1.0}}, "demand_overrides"),
        ({"travel_mode": "becak"}, "travel_mode"),
        ({"operators_per_village": {"35.27.01.2001": 0}}, "operators_per_village"),
        ({"work_hours": (14.0, 8.0)}, "work_hours"),
    ],
)
def test_bad_parameters_name_the_field(kw, field):
    with pytest.raises(SakeraInputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        FlowParams(**kw)


def test_run_rejects_bad_replications():
    with pytest.raises(SakeraInputError, match="replications"):
        run(small(days=10), replications=0)

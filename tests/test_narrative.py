"""Tests of sakera_toolkit.narrative: sentences computed from a run, not written by hand."""

from __future__ import annotations

import pytest

from sakera_toolkit import narrative, scenarios, sim
from sakera_toolkit.scenarios.compare import compare


@pytest.fixture(scope="module")
def short():
    """office-only and all-2022 over 60 days (32 KPI days), 2 replications, shared seed."""
    ss = [scenarios.load(n).with_values({"horizon.days": 60}) for n in ("office-only", "all-2022")]
    return ss, compare(ss, replications=2, seed=7).table()


def test_number_formats():
    assert narrative.number(576_123.4) == "576.000"
    assert narrative.number(576_123.4, "en") == "576,000"
    assert narrative.number(2.354) == "2,35"
    assert narrative.number(0.0734) == "0,0734"
    assert narrative.money(6.4e9) == "Rp6,4 miliar"
    assert narrative.money(6.4e9, "en") == "IDR 6.4 billion"
    with pytest.raises(ValueError):
        narrative.number(1.0, "fr")


def test_savings_text_is_the_run_annualised(short):
    ss, table = short
    live = ss[1]
    text = narrative.savings_text(table, live)
    row = table[(table["scenario"] == live.name) & (table["kpi"] == "travel_hours_saved")].iloc[0]
    window = 60 - live.to_flow_params().warmup_days
    expected = narrative.number(float(row["mean"]) * 365 / window)
    assert text.startswith("Dengan 186 desa aktif, warga menghemat " + expected + " jam perjalanan per tahun (IK 95 % ")
    assert f"disetahunkan dari {window} hari KPI" in text
    assert "kecamatan" not in text
    en = narrative.savings_text(table, live, lang="en")
    assert en.startswith("With 186 village desks live, citizens save ")


def test_office_only_savings_are_attributed_to_kecamatan_recording(short):
    ss, table = short
    office = ss[0]
    row = table[(table["scenario"] == office.name) & (table["kpi"] == "travel_hours_saved")].iloc[0]
    assert row["mean"] > 0  # KTP-el recording at the kecamatan shortens some journeys
    text = narrative.savings_text(table, office)
    assert text.startswith("Tanpa loket desa")
    assert "bukan dari loket desa" in text and "perekaman KTP-el" in text


def test_savings_text_needs_the_rows(short):
    ss, table = short
    with pytest.raises(ValueError, match="travel_hours_saved"):
        narrative.savings_text(table[table["kpi"] != "travel_hours_saved"], ss[1])


@pytest.fixture(scope="module")
def live_run():
    s = scenarios.load("all-2022").with_values({"horizon.days": 60})
    return sim.run(s.to_flow_params(), seed=3, replications=1)


def test_turnaround_stages_add_up_to_the_mean_turnaround(live_run):
    st = narrative.turnaround_stages(live_run)
    assert list(st["stage"]) == [s[0] for s in narrative.STAGES]
    t = live_run.trace
    p = live_run.params
    w = (t["arrival"] >= p.warmup_days) & (t["arrival"] < p.days) & ~t["backlog"]
    documents = ~t["service"].isin(["aktivasi_ikd", "aktivasi_nik"])  # activations have no back office
    done = t[w & (t["outcome"] == "completed") & (t["channel"] == "desa") & documents]
    assert st["mean_days"].sum() == pytest.approx(float((done["ready"] - done["arrival"]).mean()), rel=1e-9)
    assert st["share"].sum() == pytest.approx(1.0)
    assert (st["mean_days"] >= 0).all()


def test_driver_text_names_the_largest_stage(live_run):
    st = narrative.turnaround_stages(live_run)
    top = st.loc[st["mean_days"].idxmax()]
    text = narrative.driver_text(live_run)
    assert top["label_id"] in text
    if top["stage"] == "courier":  # the default calibration: courier on Tuesdays and Thursdays
        assert "Selasa dan Kamis" in text
    # a daily courier removes most of that stage: the sentence follows the run, not a fixed story
    daily = scenarios.load("all-2022").with_values({"horizon.days": 60, "travel.courier_weekdays": [0, 1, 2, 3, 4]})
    fast = sim.run(daily.to_flow_params(), seed=3, replications=1)
    courier = lambda frame: float(frame.set_index("stage").loc["courier", "mean_days"])  # noqa: E731
    assert courier(narrative.turnaround_stages(fast)) < courier(st)
    assert isinstance(narrative.driver_text(fast, lang="en"), str)


def test_turnaround_stages_without_requests(live_run):
    with pytest.raises(ValueError, match="mpp"):
        narrative.turnaround_stages(live_run, channel="mpp")

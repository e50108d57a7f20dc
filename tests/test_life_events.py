"""Life-event demand: bundles, anchors, per-visit trips, common random numbers, scenario keys."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sakera_toolkit import calibration, life_events
from sakera_toolkit.demand import Requests
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.scenarios.spec import Scenario
from sakera_toolkit.services import SERVICE_IDS
from sakera_toolkit.sim import FlowParams, compile, run

KK = ("kk_baru", "kk_perubahan", "kk_hilang_rusak")
KTP = ("ktp_baru", "ktp_hilang_rusak", "ktp_perubahan")


@pytest.fixture(scope="module")
def year_inputs():
    return compile(FlowParams(days=365, life_events=life_events.LifeEventSettings()))


@pytest.fixture(scope="module")
def short_inputs():
    live = {c: 0 for c in compile(FlowParams(days=30)).village_codes[:60]}
    return compile(FlowParams(days=30, warmup_days=0, village_go_live=live,
                              life_events=life_events.LifeEventSettings()))  # fmt: skip


def test_expected_volumes_meet_the_anchors():
    c = calibration.load("life_events")
    tol, anchors = float(c["anchor_tolerance"]), c["anchors_per_1000"]
    docs = life_events.annual_documents()
    assert docs[list(KK)].sum() == pytest.approx(anchors["kk"], rel=tol)
    assert docs[list(KTP)].sum() == pytest.approx(anchors["ktp"], rel=tol)
    # the birth "3 in 1" gives one akta, one KK update and one KIA per birth
    assert docs["akta_kelahiran"] == pytest.approx(14.62)


def test_drawn_annual_volumes_meet_the_anchors(year_inputs):
    c = calibration.load("life_events")
    tol, anchors = float(c["anchor_tolerance"]), c["anchors_per_1000"]
    req = life_events.generate(year_inputs, seed=3)
    per_1000 = pd.Series(np.bincount(req.service, minlength=len(SERVICE_IDS)), index=list(SERVICE_IDS))
    per_1000 = per_1000 / year_inputs.geography.population.sum() * 1000.0
    assert per_1000[list(KK)].sum() == pytest.approx(anchors["kk"], rel=tol)
    assert per_1000[list(KTP)].sum() == pytest.approx(anchors["ktp"], rel=tol)


def test_every_event_documents_accounted_for(year_inputs):
    req = life_events.generate(year_inputs, seed=5)
    assert req.event is not None and req.kind is not None
    n_events = int(req.event.max()) + 1
    per_event = np.bincount(req.event, minlength=n_events)
    assert (per_event >= 1).all()  # every event id is used: no event without documents
    # documents of one event share arrival, village and kind
    for arr in (req.arrival, req.village.astype(float), req.kind.astype(float)):
        lo = np.full(n_events, np.inf)
        hi = np.full(n_events, -np.inf)
        np.minimum.at(lo, req.event, arr)
        np.maximum.at(hi, req.event, arr)
        assert (lo == hi).all()
    # per kind, the mean bundle matches the calibrated expectation (fractions drawn as Bernoulli)
    table = life_events.event_table()
    kind_of_event = np.zeros(n_events, dtype=np.int64)
    kind_of_event[req.event] = req.kind
    for i, name in enumerate(table.events):
        events = np.flatnonzero(kind_of_event == i)
        got = np.bincount(req.service[np.isin(req.event, events)], minlength=len(SERVICE_IDS)) / len(events)
        assert got == pytest.approx(table.bundle[i], abs=0.05), name
    assert (np.diff(req.arrival) >= 0).all()


def test_conservation_through_the_engine(short_inputs):
    res = run(short_inputs, seed=2)
    rep, k = res.replications[0], res.kpis.iloc[0]
    assert k["arrivals"] == k["completed"] + k["abandoned"] + k["in_system"] == len(rep.requests)
    assert k["visits"] == len(np.unique(rep.requests.event.astype(np.int64) * 4 + rep.channel))
    assert k["documents_per_visit"] > 1.2  # bundles


def test_documents_of_an_event_go_to_one_point(short_inputs):
    rep = run(short_inputs, seed=4).replications[0]
    ev, ch = rep.requests.event, rep.channel.astype(np.int64)
    lo = np.full(ev.max() + 1, 9)
    hi = np.full(ev.max() + 1, -1)
    np.minimum.at(lo, ev, ch)
    np.maximum.at(hi, ev, ch)
    bio = np.isin(rep.requests.service, [SERVICE_IDS.index("ktp_baru")])
    mixed = np.flatnonzero(lo != hi)
    # only a KTP-el recording (biometric: never at the village desk) splits a bundle
    assert np.isin(mixed, ev[bio]).all()


def test_trips_counted_per_visit_against_the_trace(short_inputs):
    res = run(short_inputs, seed=6)
    rep, k = res.replications[0], res.kpis.iloc[0]
    t = res.trace.assign(event=rep.requests.event)
    activation = t["service"].isin(["aktivasi_ikd", "aktivasi_nik"]).to_numpy()  # finished during the visit
    t["pickup"] = (t["outcome"] == "completed") & ((t["channel"] == "desa") | rep.output.card) & ~activation
    t["pickup_day"] = np.floor(t["ready"])
    g = t.groupby(["event", "channel"], observed=True)
    desk = g["desk_visits"].max()
    pick = t[t["pickup"]].groupby(["event", "channel"], observed=True)["pickup_day"].nunique()
    trips = desk.add(pick, fill_value=0)
    assert k["trips_total"] == int(trips.sum())
    assert k["trips_total"] < k["trips_total_per_document"]  # bundling saves trips
    assert k["trips_total_per_document"] == int(t["trips"].sum())


def test_one_visit_for_a_hand_made_bundle(short_inputs):
    v = 0  # a live village
    services = [SERVICE_IDS.index(s) for s in ("akta_kelahiran", "kk_perubahan", "akta_kematian")]

    def stream(event):
        return Requests(arrival=np.full(3, 1.4), village=np.full(3, v, np.int32), service=np.array(services, np.int8),
                        backlog=np.zeros(3, bool), village_codes=short_inputs.village_codes,
                        event=np.array(event, np.int64), kind=np.zeros(3, np.int16))  # fmt: skip

    one = run(short_inputs, requests=stream([0, 0, 0]), seed=1).kpis.iloc[0]
    three = run(short_inputs, requests=stream([0, 1, 2]), seed=1).kpis.iloc[0]
    assert one["visits"] == 1 and three["visits"] == 3
    assert one["trips_total"] < three["trips_total"]
    assert three["trips_total"] == three["trips_total_per_document"]


def test_common_random_numbers_pair_scenarios(short_inputs):
    other = dataclasses.replace(short_inputs, go_live=np.full(short_inputs.villages, np.inf))
    a = life_events.generate(short_inputs, seed=9)
    b = life_events.generate(other, seed=9)
    for name in ("arrival", "village", "service", "event", "kind"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_default_stays_per_document():
    inputs = compile(FlowParams(days=10))
    assert inputs.life_events is None
    assert run(inputs, seed=0).replications[0].requests.event is None


def test_settings_validate():
    with pytest.raises(SakeraInputError, match="unknown life event"):
        life_events.LifeEventSettings(rates={"wedding": 3.0})
    with pytest.raises(SakeraInputError, match=">= 0"):
        life_events.LifeEventSettings(scale=-1.0)


HEAD = "name: x\nhorizon: {start_date: 2022-01-01, days: 30}\n"


@pytest.mark.parametrize(
    ("body", "where", "line"),
    [
        ("coverage: {enabled: true}\n", "coverage", 3),
        ("demand: {model: life_events, overrides: {kia: 3}}\n", "demand.overrides", 3),
        ("demand:\n  model: life_events\n  life_events: {wedding: 3}\n", "demand.life_events.wedding", 5),
        ("demand: {life_events: {birth: 3}}\n", "demand.life_events", 3),
        ("demand: {model: life_events}\ncoverage:\n  uptake: {akta: -1}\n", "coverage.uptake.akta", 5),
        ("demand: {model: monthly}\n", "demand.model", 3),
        ("demand: {model: life_events}\ncoverage: {enabled: maybe}\n", "coverage.enabled", 4),
    ],
)
def test_scenario_validation_names_field_and_line(body, where, line):
    with pytest.raises(SakeraInputError) as exc:
        Scenario.from_yaml_text(HEAD + body, source="s.yaml")
    assert f"{where} (line {line})" in str(exc.value)
    assert "s.yaml" in str(exc.value)


def test_scenario_round_trip_and_flow_params():
    text = (
        HEAD + "demand:\n  model: life_events\n  scale: 1.1\n  life_events: {birth: 16}\ncoverage:\n  elasticity: 0.8\n"
    )
    s = Scenario.from_yaml_text(text, source="s.yaml")
    again = Scenario.from_yaml_text(s.to_yaml(), source="s.yaml")
    assert again.to_dict() == s.to_dict()
    st = s.to_flow_params().life_events
    assert st == life_events.LifeEventSettings(rates={"birth": 16.0}, scale=1.1, coverage=True, elasticity=0.8)


def _visits_by_sort(event: np.ndarray, channel: np.ndarray, day: np.ndarray, mask: np.ndarray):
    """The per-visit rule written with sorts (np.unique), the reference for the compiled kernels."""
    key = event * 4 + channel
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    pairs = np.unique(inv[mask] * 10**7 + day[mask])
    return first, inv, np.bincount(pairs // 10**7, minlength=len(uniq))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.booleans()), min_size=1, max_size=5), max_size=40
    )
)
def test_visit_kernels_equal_the_sorting_rule(events: list[list[tuple[int, int, bool]]]) -> None:
    # the documents of one event are consecutive (generate() emits them so), on any channel, day, mask
    docs = [(e, *d) for e, ds in enumerate(events) for d in ds]
    cols = np.array(docs, dtype=np.int64).reshape(-1, 4)
    event, channel, day, mask = cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3].astype(bool)
    first, inv = life_events._visit_groups(event, channel)
    got = life_events._distinct_days(event, inv, day, mask, len(first))
    ref_first, ref_inv, ref_days = _visits_by_sort(event, channel, day, mask)
    assert np.array_equal(first, ref_first)
    assert np.array_equal(inv, ref_inv)
    assert np.array_equal(got, ref_days)


def test_bundle_kernels_equal_the_array_rule() -> None:
    rng = np.random.default_rng(5)
    bundle = rng.random((6, 9)) * 3.0
    kind = rng.integers(0, 6, 500)
    nd = 7
    u = rng.random((500, nd))
    docs = life_events._bundle_docs(bundle, kind, u, 9)
    b = bundle[kind][:, :nd]
    ref = np.zeros((500, 9), dtype=np.int64)
    ref[:, :nd] = np.floor(b) + (u < b - np.floor(b))
    assert np.array_equal(docs, ref)
    order = rng.permutation(500)
    event, service = life_events._expand_documents(docs, order)
    per = docs[order]
    assert np.array_equal(event, np.repeat(np.arange(500), per.sum(axis=1)))
    assert np.array_equal(service, np.repeat(np.tile(np.arange(9), 500), per.ravel()))

"""Coverage stocks whose uptake responds to access (sakera_toolkit.life_events)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sakera_toolkit import life_events
from sakera_toolkit.services import SERVICE_IDS
from sakera_toolkit.sim import FlowParams, compile, run

ON = life_events.LifeEventSettings(coverage=True)


@pytest.fixture(scope="module")
def base():
    return compile(FlowParams(days=60, warmup_days=0, life_events=ON))


def _live(inputs, villages):
    go = np.full(inputs.villages, np.inf)
    go[list(villages)] = 0.0
    return dataclasses.replace(inputs, go_live=go)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(0, 185), max_size=40), st.sets(st.integers(0, 185), max_size=40),
       st.floats(0.0, 2.0))  # fmt: skip
def test_multiplier_monotone_in_access(base, fewer, extra, elasticity):
    a, b = _live(base, fewer), _live(base, fewer | extra)
    for s in ("akta_kelahiran", "kia", "ktp_baru"):
        i = SERVICE_IDS.index(s)
        assert (
            life_events.uptake_multiplier(b, i, elasticity) >= life_events.uptake_multiplier(a, i, elasticity)
        ).all()


def test_more_villages_live_more_uptake_and_coverage(base):
    few = _live(base, range(0, 20))
    many = _live(base, range(0, 120))
    ra, rb = life_events.generate(few, seed=11), life_events.generate(many, seed=11)
    for ci in range(len(life_events.COVERAGE_DOCUMENTS)):
        kind = len(life_events.EVENTS) + ci
        assert (rb.kind == kind).sum() >= (ra.kind == kind).sum()
    ka = run(few, seed=11).kpis.iloc[0]
    kb = run(many, seed=11).kpis.iloc[0]
    assert kb["coverage_akta_end"] >= ka["coverage_akta_end"] > ka["coverage_akta_start"]
    assert kb["coverage_kia_end"] >= ka["coverage_kia_end"]
    assert kb["coverage_ktp_end"] >= ka["coverage_ktp_end"]  # KTP-el recording needs a counter


def test_uptakes_of_unchanged_villages_are_paired(base):
    a, b = _live(base, range(0, 10)), _live(base, range(0, 50))
    ra, rb = life_events.generate(a, seed=12), life_events.generate(b, seed=12)
    untouched = np.arange(60, 186)
    for r in (ra, rb):
        assert r.kind is not None
    sel_a = np.isin(ra.village, untouched) & (ra.kind >= len(life_events.EVENTS))
    sel_b = np.isin(rb.village, untouched) & (rb.kind >= len(life_events.EVENTS))
    assert np.array_equal(np.sort(ra.arrival[sel_a]), np.sort(rb.arrival[sel_b]))


def test_zero_elasticity_ignores_access(base):
    off = dataclasses.replace(base, life_events=dataclasses.replace(ON, elasticity=0.0))
    a, b = life_events.generate(_live(off, []), seed=1), life_events.generate(_live(off, range(186)), seed=1)
    assert np.array_equal(a.arrival, b.arrival) and np.array_equal(a.service, b.service)


def test_coverage_table_and_summary(base):
    res = run(_live(base, range(0, 60)), seed=3, replications=2)
    table = life_events.coverage_table(res)
    assert set(table["document"]) == set(life_events.COVERAGE_DOCUMENTS)
    assert table["district_code"].nunique() == len(base.district_codes)
    # coverage never falls from one month to the next (closed day-0 cohort)
    t = table.sort_values(["replication", "document", "district_code", "month"])
    assert (t.groupby(["replication", "document", "district_code"])["coverage"].diff().dropna() >= 0).all()
    s = life_events.coverage_summary(res)
    assert ((s["ci95_low"] <= s["mean"]) & (s["mean"] <= s["ci95_high"])).all()
    last = table[table["month"] == table["month"].max()]
    k = res.kpis
    for doc in life_events.COVERAGE_DOCUMENTS:
        got = last[(last["document"] == doc) & (last["replication"] == 0)]
        assert 0.0 < got["coverage"].min() <= got["coverage"].max() <= 1.0
        assert k[f"coverage_{doc}_end"].iloc[0] >= k[f"coverage_{doc}_start"].iloc[0]


def test_elasticity_sweep_rows(base):
    short = dataclasses.replace(_live(base, range(0, 30)), days=20)
    out = life_events.elasticity_sweep(short, (0.0, 1.0), seed=0, replications=1)
    assert list(out["elasticity"]) == [0.0, 1.0]
    assert {"coverage_akta_end", "coverage_kia_end", "coverage_ktp_end"} <= set(out.columns)

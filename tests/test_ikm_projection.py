"""Synthetic survey answers from simulated experiences (calibration/ikm.yaml)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit import calibration, scenarios, sim
from sakera_toolkit.evidence import ikm, projection
from sakera_toolkit.evidence.survey import validate_survey


@pytest.fixture(scope="module")
def outage_result():
    s = scenarios.load("outage-july-2022").with_values(
        {"horizon.start_date": "2022-06-01", "horizon.days": 60, "horizon.warmup_days": 7}
    )
    return sim.run(s.to_flow_params(), seed=3, replications=2)


def test_every_assumption_is_labelled():
    c = calibration.load("ikm")
    assert set(c["base_answer"]) == set(ikm.UNSUR_COLUMNS)
    for key, source in c.sources.items():
        assert source, key


def test_experiences_see_the_outage(outage_result):
    exp = projection.experiences(outage_result)
    assert set(exp["replication"]) == {0, 1}
    assert exp["outage"].any() and not exp["outage"].all()
    assert (exp["late_days"] >= 0).all() and (exp["extra_visits"] >= 0).all()


def test_synthesis_is_seeded_and_valid(outage_result):
    a = projection.synthesize(outage_result, respondents=150, seed=5)
    b = projection.synthesize(outage_result, respondents=150, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 300
    # the synthetic file passes the same validation as a real survey
    s = validate_survey(a.drop(columns=["replication"]).astype(str))
    assert len(s) == 300


def test_penalties_lower_the_right_unsur():
    c = calibration.load("ikm")
    n = 4000
    calm = pd.DataFrame({"late_days": 0.0, "extra_visits": 0, "outage": False, "travel_cost_idr": 0.0}, index=range(n))
    rough = calm.assign(late_days=3.0, extra_visits=1, outage=True, travel_cost_idr=40_000.0)
    a = projection._answers(calm, np.random.default_rng(1), c).mean(axis=0)
    b = projection._answers(rough, np.random.default_rng(1), c).mean(axis=0)
    diff = dict(zip(ikm.UNSUR_COLUMNS, a - b, strict=True))
    for u in ("u1", "u2", "u3", "u4", "u8"):
        assert diff[u] > 0.15, u
    for u in ("u5", "u6", "u7", "u9"):
        assert diff[u] == 0.0, u


def test_projection_has_interval(outage_result):
    p = projection.project(outage_result, respondents=200, seed=1)
    assert len(p.per_replication) == 2
    assert p.ci_low <= p.mean <= p.ci_high
    assert p.grade.mutu in "ABCD"
    assert p.to_dict()["replications"] == 2

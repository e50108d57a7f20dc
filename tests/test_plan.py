"""Rollout optimiser: feasibility, optimality against brute force, gap, rules, written scenario."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from sakera_toolkit import scenarios
from sakera_toolkit.cli import main
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.scenarios import Scenario
from sakera_toolkit.scenarios.plan import plan, village_benefits
from sakera_toolkit.scenarios.readiness import assumed_readiness

# every kecamatan live except Pangarengan: its 6 villages are the only candidates
ALL_BUT_PANGARENGAN = """\
name: all-but-pangarengan
horizon: {start_date: 2022-01-01, days: 40, warmup_days: 10}
rollout:
  phases:
    - date: 2022-01-01
      select:
        - by: kecamatan
          kecamatan: [Sreseh, Torjun, Sampang, Camplong, Omben, Kedungdung, Jrengik, Tambelangan,
                      Banyuates, Robatal, Sokobanah, Ketapang, Karang Penang]
"""


@pytest.fixture(scope="module")
def small_base():
    return Scenario.from_yaml_text(ALL_BUT_PANGARENGAN)


def _feasible(plan_result, per_phase, budget, trainable):
    for _, sub in plan_result.assignments.groupby("phase"):
        assert per_phase is None or len(sub) <= per_phase
        assert budget is None or sub["facility_cost_idr"].sum() <= budget + 1e-6
        assert sub["needs_training"].sum() <= trainable
    assert plan_result.assignments["village_code"].is_unique


def test_milp_matches_brute_force_on_a_small_instance(small_base):
    ready = assumed_readiness()
    values = village_benefits(small_base, ready)
    cand = values[values["district_name"] == "Pangarengan"].reset_index(drop=True)
    assert len(cand) == 6
    per_phase, budget, trainable, k = 2, 9_000_000.0, 1, 2
    result = plan(k, villages_per_phase=per_phase, budget=budget, base=small_base, readiness=ready, trainable=trainable)
    assert result.status == "optimal"
    assert result.mip_gap is not None and 0 <= result.mip_gap <= 1e-4
    _feasible(result, per_phase, budget, trainable)

    weights = np.array([1.0, 0.5])  # (K - p) / K
    best = 0.0
    for combo in itertools.product([-1, 0, 1], repeat=6):
        ok = True
        for p in range(k):
            members = [i for i, c in enumerate(combo) if c == p]
            if (
                len(members) > per_phase
                or cand.loc[members, "facility_cost_idr"].sum() > budget
                or cand.loc[members, "needs_training"].sum() > trainable
            ):
                ok = False
        if ok:
            best = max(
                best, sum(weights[c] * cand.at[i, "travel_hours_saved_per_year"] for i, c in enumerate(combo) if c >= 0)
            )
    assert result.objective == pytest.approx(best, rel=1e-6)
    assert result.dual_bound == pytest.approx(best, rel=1e-4)


def test_full_plan_is_feasible_and_beats_simple_rules():
    per_phase, budget = 15, 40_000_000.0
    result = plan(3, villages_per_phase=per_phase, budget=budget, objective="travel-hours")
    _feasible(result, per_phase, budget, result.constraints["trainable_per_phase"])
    assert result.status == "optimal" and result.mip_gap is not None
    rules = result.rules.set_index("plan")
    assert set(rules.index) == {"optimised", "rule: by population", "rule: by distance"}
    assert (rules["objective"] <= rules.at["optimised", "objective"] * (1 + 1e-9)).all()
    for a in result.rule_assignments.values():  # rules obey the same constraints

        class R:
            assignments = a

        _feasible(R, per_phase, budget, result.constraints["trainable_per_phase"])
    phases = result.phase_table()
    assert list(phases["date"]) == ["2022-01-01", "2022-04-01", "2022-07-01"]
    # the plan becomes a scenario: same villages and dates
    s = result.scenario("my-plan")
    live = s.go_live_dates()
    assert len(live) == len(result.assignments)
    for code, when in zip(result.assignments["village_code"], result.assignments["date"], strict=True):
        assert live[code] == when


@pytest.mark.parametrize("objective", ["trips", "equity"])
def test_other_objectives(objective, small_base):
    result = plan(2, villages_per_phase=3, objective=objective, base=small_base, time_limit=10)
    assert len(result.assignments) == 6  # no budget: the 6 candidates fill both phases
    assert result.status == "optimal"
    if objective == "equity":
        # Pangarengan is the only kecamatan not yet covered: its time-weighted share is the minimum
        assert 0 < result.objective <= 1


def test_plan_input_errors():
    with pytest.raises(SakeraInputError, match="villages-per-phase or --budget"):
        plan(2)
    with pytest.raises(SakeraInputError, match="objective"):
        plan(2, villages_per_phase=3, objective="speed")
    with pytest.raises(SakeraInputError, match="phases"):
        plan(0, villages_per_phase=3)


def test_cli_plan_writes_a_scenario_that_simulates(tmp_path, capsys):
    out = tmp_path / "plan.yaml"
    code = main(
        [
            "plan",
            "--phases",
            "2",
            "--villages-per-phase",
            "8",
            "--budget",
            "30000000",
            "--out",
            str(out),
            "--json",
            "-n",
            "2",
            "--days",
            "30",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "optimal" and report["mip_gap"] is not None
    assert {r["plan"] for r in report["rules"]} == {"optimised", "rule: by population", "rule: by distance"}
    sim = report["simulated"]["scenarios"]
    assert set(sim) == {"office-only", "plan-travel-hours", "rule-population", "rule-distance"}
    assert sim["plan-travel-hours"]["travel_hours_saved"]["diff_vs_reference"] > 0
    written = scenarios.load(out)
    assert len(written.go_live_dates()) == len(report["villages"])
    # the written scenario runs in `sakera simulate`
    assert main(["simulate", str(out), "--days", "30", "--replications", "1"]) == 0
    capsys.readouterr()


def test_cli_plan_bad_budget(capsys):
    assert main(["plan", "--phases", "2", "--budget", "-5", "-n", "0"]) == 2
    assert "budget" in capsys.readouterr().err


def test_readiness_from_the_training_database(tmp_path, small_base):
    from sqlalchemy.orm import Session

    from sakera_toolkit.scenarios.readiness import load_readiness
    from sakera_toolkit.store import users
    from sakera_toolkit.store.db import make_engine
    from sakera_toolkit.store.migrations import upgrade
    from sakera_toolkit.store.models import Certification

    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    assumed = assumed_readiness().set_index("village_code")
    pang = [c for c in assumed.index if c.startswith("35.27.13.")]
    # a Pangarengan village with every facility but no certified operator in the assumed table
    target = next(
        c
        for c in pang
        if assumed.loc[c, ["has_computer", "has_printer", "has_internet"]].all()
        and assumed.loc[c, "certified_operators"] == 0
    )
    with Session(engine, expire_on_commit=False) as session:
        user = users.add_user(session, "operator1", "trainee", "a-long-Passw0rd!", villages=[target])
        session.add(Certification(user_id=user.id, village_code=target, rule={"window": 5}))
        session.commit()
    engine.dispose()
    ready = load_readiness(db=url).set_index("village_code")
    assert ready.loc[target, "certified_operators"] == 1
    assert (ready.drop(index=target)["certified_operators"] == 0).all()
    # the planner sees the certified operator: that village needs no training
    result = plan(1, villages_per_phase=6, base=small_base, db=url, trainable=0)
    assert result.assignments["village_code"].tolist() == [target]


def test_plan_volumes_come_from_the_demand_model_and_agree_with_simulation():
    from sakera_toolkit.sim.capacity import desk_savings
    from sakera_toolkit.sim.inputs import compile as compile_inputs

    base = scenarios.load("office-only")
    inputs = compile_inputs(base)
    yearly = desk_savings(inputs)
    rate_total = float(inputs.rate[~inputs.biometric].sum())  # desk-eligible requests per 1,000 a year
    assert yearly["requests"].sum() == pytest.approx(inputs.geography.population.sum() / 1000 * rate_total, rel=1e-9)
    assert rate_total > 200  # the demand model, not the old 110 per 1,000 assumption
    p = plan(phases=1, villages_per_phase=8)
    p.simulate(replications=3, seed=2, overrides={"horizon.days": 120, "horizon.warmup_days": 20})
    check = p.savings_check({"horizon.days": 120, "horizon.warmup_days": 20}).set_index("quantity")
    hours = check.loc["travel_hours_saved"]
    assert abs(hours["relative_difference"]) < 0.05, check

"""The scenario -> EngineInputs -> stages -> Replication pipeline."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sakera_toolkit import demand, scenarios
from sakera_toolkit.cli import main
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.sim import EngineInputs, FlowParams, Replication, compile, run
from sakera_toolkit.sim.flow import requests_for


def small() -> FlowParams:
    return FlowParams.all_live(start_date=dt.date(2022, 3, 7), days=15, warmup_days=2, demand_scale=0.2)


def test_compile_is_frozen_and_typed():
    inputs = compile(small())
    assert isinstance(inputs, EngineInputs) and inputs.villages == 186 and inputs.villages_live == 186
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.days = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        inputs.operators[0] = 5  # read-only arrays
    assert inputs.desk_servers.shape == (186 + 2 + 14,)
    s = compile(scenarios.load("oct-2021"))
    assert s.villages_live == 26 and s.start_date == dt.date(2021, 10, 1)


def test_run_accepts_inputs_params_or_scenario_alike():
    p = small()
    a = run(compile(p), seed=4).kpis
    b = run(p, seed=4).kpis
    assert a.equals(b)


def test_external_request_stream_is_used_by_every_replication():
    inputs = compile(small())
    req = requests_for(inputs, np.random.SeedSequence(99))
    r = run(inputs, requests=req, seed=1, replications=2)
    assert all(isinstance(rep, Replication) and rep.requests is req for rep in r.replications)
    assert (r.kpis["arrivals_all"] == len(req)).all()
    # a smaller, hand-made stream: three requests in one village
    one = demand.Requests(
        arrival=np.array([0.4, 1.4, 2.4]),
        village=np.zeros(3, np.int32),
        service=np.zeros(3, np.int8),
        backlog=np.zeros(3, bool),
        village_codes=inputs.village_codes,
    )
    t = run(inputs, requests=one, seed=0).trace
    assert len(t) == 3 and (t["village_code"].astype(str) == inputs.village_codes[0]).all()


def test_bad_request_stream_is_refused():
    inputs = compile(small())
    bad = demand.Requests(np.array([20.0]), np.zeros(1, np.int32), np.zeros(1, np.int8), np.zeros(1, bool),
                          inputs.village_codes)  # fmt: skip
    with pytest.raises(SakeraInputError, match="requests"):
        run(inputs, requests=bad)


def test_library_run_has_no_process_wide_side_effect(monkeypatch):
    from sakera_toolkit.sim import allocator

    allocator.tune_allocator.cache_clear()
    run(small(), seed=0)
    assert allocator.tune_allocator.cache_info().currsize == 0  # only the CLI tunes the allocator


def test_scenarios_check_applies_the_engine_limits(tmp_path, capsys):
    bad = tmp_path / "long.yaml"
    bad.write_text("name: long\nhorizon: {start_date: 2022-01-01, days: 100000000}\n")
    with pytest.raises(SakeraInputError, match="horizon.days"):
        scenarios.load(bad)
    assert main(["scenarios", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "long.yaml" in err and "horizon.days" in err and "3,660" in err


def test_one_rule_for_both_entry_points():
    with pytest.raises(SakeraInputError, match=r"FlowParams.days.*3,660"):
        FlowParams(days=100_000)
    with pytest.raises(SakeraInputError, match=r"staff.office_skill.*1"):
        scenarios.Scenario.from_dict({"name": "x", "horizon": {"start_date": "2022-01-01", "days": 5},
                                      "staff": {"office_skill": 1.5}})  # fmt: skip

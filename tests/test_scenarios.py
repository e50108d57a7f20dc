"""Scenario spec: presets, YAML round trip, selection rules, validation with field paths."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sakera_toolkit import scenarios
from sakera_toolkit.cli import main
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.registry import villages
from sakera_toolkit.scenarios import Scenario
from sakera_toolkit.scenarios.readiness import assumed_readiness, read_readiness_csv

PRESETS = scenarios.list_presets()
REQUIRED = {"office-only", "oct-2021", "all-2022", "phased-readiness", "outage-july-2022", "blanko-shortage"}


def test_required_presets_are_shipped():
    assert REQUIRED <= set(PRESETS)


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads_round_trips_and_is_bilingual(name):
    s = scenarios.load(name)
    assert s.name == name
    assert s.description.id and s.description.en and s.description.id != s.description.en
    again = Scenario.from_yaml_text(s.to_yaml())
    assert again == s
    assert again.go_live_dates() == s.go_live_dates()
    kw = s.flow_kwargs()
    assert kw["start_date"] == s.horizon.start_date and kw["days"] == s.horizon.days
    assert all(0 <= d < s.horizon.days for d in kw["village_go_live"].values())


def test_preset_village_counts():
    vil = villages().set_index("village_code")
    assert scenarios.load("office-only").go_live_dates() == {}
    assert len(scenarios.load("all-2022").go_live_dates()) == 186
    oct21 = scenarios.load("oct-2021").go_live_dates()
    kinds = vil.loc[list(oct21), "village_type"].value_counts().to_dict()
    assert kinds == {"desa": 25, "kelurahan": 1}
    # documented rule: at most 2 desa per kecamatan, the farthest ones
    per_kec = vil.loc[list(oct21), "district_code"].value_counts()
    assert per_kec.max() <= 2
    assert "35.27.03.2001" in oct21  # P. Mandangin (far, by boat) is among the farthest desa


def test_outage_preset_becomes_day_indices():
    kw = scenarios.load("outage-july-2022").flow_kwargs()
    start = dt.date(2022, 1, 1)
    # whole days, end included -> the engine's [start_day, end_day)
    assert kw["outages"] == [((dt.date(2022, 7, 4) - start).days, (dt.date(2022, 7, 9) - start).days)]


def test_phased_readiness_follows_ready_dates():
    s = scenarios.load("phased-readiness")
    ready = assumed_readiness().set_index("village_code")["ready_date"]
    live = s.go_live_dates()
    assert 26 <= len(live) < 186
    for code, when in live.items():
        assert when == max(s.rollout.phases[0].date, pd.Timestamp(ready[code]).date())
    # nothing that becomes ready after the 'until' date goes live
    late = {c for c, d in ready.items() if pd.Timestamp(d).date() > dt.date(2022, 9, 30)}
    assert late and not late & set(live)


def test_assumed_readiness_is_deterministic_and_complete():
    a, b = assumed_readiness(), assumed_readiness()
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 186 and a["village_code"].is_unique
    ready_now = a[a["ready_date"] == dt.date(2021, 10, 1)]
    assert (ready_now["certified_operators"] > 0).all()
    assert ready_now[["has_computer", "has_printer", "has_internet"]].all().all()


SMALL = """\
name: small
horizon: {start_date: 2022-01-01, days: 60}
rollout:
  phases:
    - date: 2022-01-01
      villages: [35.27.11.2012]
      select:
        - {by: kecamatan, kecamatan: [Pangarengan]}
    - date: 2022-02-01
      select:
        - {by: population, count: 3, kecamatan: [sampang], village_type: desa}
        - {by: travel_time, count: 2, order: ascending}
    - date: 2022-04-01
      select: {by: all}
staff: {operators_per_village: {default: 1, 35.27.11.2012: 2}, office_verifiers: 3}
calendar: {working_days: [senin, selasa, rabu, kamis, jumat], signing_times: ["10:00", "13:30"], work_hours: ["07:30", "14:00"]}
blanko: {reorder_point: 50, reorder_qty: {ktp: 9000, kia: 1000}}
outages: [{start: 2021-12-30, end: 2022-01-02}, {start: 2022-05-01, end: 2022-05-05}]
demand: {scale: 1.2, overrides: {kia: 30}}
"""


def test_selection_rules_and_flow_kwargs():
    s = Scenario.from_yaml_text(SMALL)
    vf = s.village_frame().set_index("village_code")
    p0 = set(vf.index[vf["phase"] == 0])
    pang = set(villages().query("district_name == 'Pangarengan'")["village_code"])
    assert p0 == pang | {"35.27.11.2012"}
    p1 = vf[vf["phase"] == 1]
    assert len(p1) == 5
    sampang_desa = p1[(p1["district_name"] == "Sampang") & (p1["village_type"] == "desa")]
    assert len(sampang_desa) >= 3
    # phase 2 (after the horizon) never goes live in the engine parameters
    kw = s.flow_kwargs()
    assert set(kw["village_go_live"]) == p0 | set(p1.index)
    assert set(kw["village_go_live"].values()) == {0, 31}
    assert kw["operators_per_village"]["35.27.11.2012"] == 2
    assert set(kw["operators_per_village"].values()) == {1, 2}
    assert kw["working_days"] == (0, 1, 2, 3, 4)
    assert kw["signing_times"] == (10.0, 13.5) and kw["work_hours"] == (7.5, 14.0)
    assert kw["blanko_reorder_point"] == {"ktp": 50, "kia": 50}
    assert kw["blanko_reorder_qty"] == {"ktp": 9000, "kia": 1000}
    assert kw["outages"] == [(0.0, 2.0)]  # clipped at the start; the May outage is after the horizon
    assert kw["demand_overrides"] == {"kia": 30.0} and kw["demand_scale"] == 1.2
    assert Scenario.from_yaml_text(s.to_yaml()) == s


def test_with_values_sets_dotted_paths_and_revalidates():
    s = scenarios.load("oct-2021")
    t = s.with_values({"staff.office_verifiers": 5, "horizon.days": 30, "rollout.phases[0].select[0].count": 10})
    assert t.staff.office_verifiers == 5 and t.horizon.days == 30
    assert len(t.go_live_dates()) == 11
    with pytest.raises(SakeraInputError, match=r"staff\.office_verifiers.*negative"):
        s.with_values({"staff.office_verifiers": -1})
    with pytest.raises(SakeraInputError, match="does not exist"):
        s.with_values({"rollout.phases[3].date": "2022-01-01"})


BAD = [
    (
        "unknown village",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        rollout:
          phases:
            - date: 2022-01-01
              villages: [35.27.03.1003]
            - date: 2022-02-01
              villages: [35.27.03.1004]
            - date: 2022-03-01
              villages: [35.27.99.2001]
        """,
        "rollout.phases[2].villages[0] (line 10): unknown village code '35.27.99.2001'",
    ),
    (
        "negative staff",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        staff:
          office_verifiers: -2
        """,
        "staff.office_verifiers (line 4): -2 is negative",
    ),
    (
        "dates out of order",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        rollout:
          phases:
            - {date: 2022-03-01, villages: [35.27.03.1003]}
            - {date: 2022-02-01, villages: [35.27.03.1004]}
        """,
        "rollout.phases[1].date (line 6): 2022-02-01 is before rollout.phases[0].date",
    ),
    (
        "outage end before start",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        outages:
          - {start: 2022-01-10, end: 2022-01-05}
        """,
        "outages[0].end (line 4): 2022-01-05 is before outages[0].start",
    ),
    (
        "yaml syntax",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        staff:
          office_verifiers: [1, 2
        calendar: {}
        """,
        "line 5",
    ),
    (
        "unknown field",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        staff: {office_verifier: 3}
        """,
        "staff.office_verifier (line 3): unknown field 'office_verifier'",
    ),
    (
        "duplicate village",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        rollout:
          phases:
            - {date: 2022-01-01, villages: [35.27.03.1003]}
            - {date: 2022-02-01, villages: [35.27.03.1003]}
        """,
        "rollout.phases[1].villages[0] (line 6): village '35.27.03.1003' already goes live in rollout.phases[0]",
    ),
    (
        "unknown service",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        demand: {overrides: {passport: 3}}
        """,
        "demand.overrides.passport (line 3): unknown field 'passport'",
    ),
    (
        "rule without kecamatan",
        """\
        name: bad
        horizon: {start_date: 2022-01-01, days: 30}
        rollout:
          phases:
            - date: 2022-01-01
              select: [{by: kecamatan}]
        """,
        "rollout.phases[0].select[0].kecamatan (line 6): is required when by: kecamatan",
    ),
]


@pytest.mark.parametrize("label,text,expected", BAD, ids=[b[0] for b in BAD])
def test_bad_scenario_gives_field_path(tmp_path, capsys, label, text, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(text))
    assert main(["scenarios", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err
    assert expected in err


def test_bad_scenario_exit_2_through_python_m(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(BAD[0][1]))
    proc = subprocess.run(
        [sys.executable, "-m", "sakera_toolkit", "scenarios", "show", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{path}: rollout.phases[2].villages[0] (line 10): unknown village code '35.27.99.2001'" in proc.stderr


def test_unknown_preset_and_missing_file(capsys):
    assert main(["scenarios", "show", "no-such-preset"]) == 2
    assert "unknown scenario 'no-such-preset'" in capsys.readouterr().err
    assert main(["scenarios", "show", "/nonexistent/x.yaml"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_cli_list_and_show(capsys):
    assert main(["scenarios", "list", "--format", "csv", "--lang", "en"]) == 0
    table = capsys.readouterr().out
    for name in REQUIRED:
        assert name in table
    assert main(["scenarios", "show", "oct-2021", "--villages", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 1 + 26


def test_readiness_csv_validation_and_relative_path(tmp_path):
    csv = tmp_path / "ready.csv"
    csv.write_text(
        "village_code,has_computer,has_printer,has_internet,certified_operators,ready_date\n"
        "35.27.03.1003,ya,ya,ya,1,2022-01-01\n"
        "35.27.03.1004,yes,no,yes,0,\n"
    )
    table = read_readiness_csv(csv)
    assert len(table) == 186
    row = table.set_index("village_code").loc["35.27.03.1004"]
    assert not row["has_printer"] and row["ready_date"] is None
    scen = tmp_path / "s.yaml"
    scen.write_text(
        "name: r\nhorizon: {start_date: 2022-01-01, days: 30}\n"
        "rollout:\n  readiness: ready.csv\n  phases:\n    - {date: 2022-01-01, select: [{by: readiness}]}\n"
    )
    assert scenarios.load(scen).go_live_dates() == {"35.27.03.1003": dt.date(2022, 1, 1)}
    csv.write_text(
        "village_code,has_computer,has_printer,has_internet,certified_operators\n35.27.03.1003,maybe,1,1,1\n"
    )
    with pytest.raises(SakeraInputError, match=r"row 2, has_computer"):
        scenarios.load(scen)


def test_package_presets_are_real_files():
    for name in PRESETS:
        assert Path(scenarios.preset_path(name)).is_file()


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_runs_in_the_engine(name):
    from sakera_toolkit.sim import run

    s = scenarios.load(name).with_values({"horizon.days": 35, "horizon.warmup_days": 7})
    params = s.to_flow_params()
    assert params.village_go_live == s.flow_kwargs()["village_go_live"]
    result = run(params, seed=3, replications=1)
    kpis = result.kpis
    assert len(kpis) == 1 and kpis["arrivals"].iat[0] > 0
    if name == "office-only":
        assert kpis["desk_share"].iat[0] == 0
    if name in ("all-2022", "oct-2021"):
        assert kpis["desk_share"].iat[0] > 0

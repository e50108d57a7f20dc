import json
import sys

import pandas as pd
import pytest

from sakera_toolkit.cli import main


def test_simulate_json_is_clean_and_reproducible(capsys):
    assert main(["simulate", "--days", "12", "--seed", "3", "--json"]) == 0
    first = capsys.readouterr()
    data = json.loads(first.out)
    assert data["villages_live"] == 186 and data["seed"] == 3
    assert {"turnaround_median_days", "share_within_sla", "travel_hours_saved", "backlog_end"} <= set(data["kpis"])
    assert main(["simulate", "--days", "12", "--seed", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data


def test_simulate_table_trace_and_timeseries(tmp_path, capsys):
    trace = tmp_path / "t.parquet"
    ts = tmp_path / "ts.csv"
    assert main(["simulate", "--days", "10", "-r", "2", "--trace", str(trace), "--timeseries", str(ts)]) == 0
    out = capsys.readouterr().out
    assert "turnaround_median_days" in out and "ci95" in out and "nan" not in out
    df = pd.read_parquet(trace)
    assert set(df["replication"]) == {0, 1} and "travel_cost_idr" in df.columns
    assert len(pd.read_csv(ts)) == 20
    csv = tmp_path / "t.csv"
    assert main(["simulate", "--days", "5", "--trace", str(csv), "--json"]) == 0
    assert pd.read_csv(csv)["outcome"].isin(["completed", "abandoned", "in_system"]).all()


def test_simulate_one_replication_prints_no_nan(capsys):
    assert main(["simulate", "--days", "8"]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower() and "n/a (1 replication" in out


def test_simulate_checks_output_paths_before_running(tmp_path, capsys):
    assert main(["simulate", "--days", "5", "--trace", str(tmp_path / "missing" / "t.csv")]) == 2
    assert "--trace" in capsys.readouterr().err
    assert main(["simulate", "--days", "5", "--timeseries", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_simulate_scenario_preset(capsys):
    assert main(["simulate", "office-only", "--days", "10", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["villages_live"] == 0 and data["kpis"]["desk_share"]["mean"] == 0.0


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["simulate", "--days", "0"], "--days"),  # the flag, checked before the engine
        (["simulate", "--replications", "0"], "--replications"),
        (["simulate", "--trace", "x.xlsx"], "--trace"),
        (["simulate", "no-such-preset"], "no-such-preset"),
    ],
)
def test_simulate_bad_input_exits_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_simulate_bad_scenario_file_names_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nhorizon: {start_date: 2022-01-01, days: 30}\nstaff: {office_verifiers: -3}\n")
    assert main(["simulate", str(bad)]) == 2
    assert "office_verifiers" in capsys.readouterr().err


def test_simulate_without_scenarios_module(monkeypatch, capsys):
    import sakera_toolkit

    monkeypatch.setitem(sys.modules, "sakera_toolkit.scenarios", None)
    monkeypatch.delattr(sakera_toolkit, "scenarios", raising=False)
    assert main(["simulate", "oct-2021", "--days", "5"]) == 2
    assert "sakera_toolkit.scenarios" in capsys.readouterr().err

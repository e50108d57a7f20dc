"""Real data through the CLI: data flags, demand fit/calibrate commands, a 35.28 pack end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sakera_toolkit import registry

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LOG = ROOT / "sample_data" / "requests.csv"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_regency import pamekasan_villages  # noqa: E402


def sakera(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sakera_toolkit", *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


def one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_simulate_with_a_population_csv_changes_demand(tmp_path):
    pop = registry.village_population(2025).reset_index()
    pop["population"] *= 2
    path = tmp_path / "pop.csv"
    pop.to_csv(path, index=False)
    base = sakera("simulate", "--days", "20", "--json")
    double = sakera("simulate", "--days", "20", "--json", "--population-csv", str(path))
    assert base.returncode == 0 and double.returncode == 0, double.stderr
    a, b = json.loads(base.stdout), json.loads(double.stdout)
    ratio = b["kpis"]["arrivals"]["mean"] / a["kpis"]["arrivals"]["mean"]
    assert 1.85 < ratio < 2.15
    assert b["data"]["population"].startswith("CSV") and a["data"]["population"] == "registry estimate"
    text = sakera("simulate", "--days", "10", "--population-csv", str(path))
    assert f"population: CSV {path}" in text.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("village_code,population\n35.27.01.2001,-3\n", encoding="utf-8")
    one_line_error(sakera("simulate", "--days", "10", "--population-csv", str(bad)), "bad.csv", "row 2, population")


def test_demand_fit_and_calibrate_commands(tmp_path):
    out = tmp_path / "demand.yaml"
    proc = sakera("demand", "fit", str(SAMPLE_LOG), "--by", "village,service,month", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "personal columns dropped on reading: nik, nama, alamat, no_hp" in proc.stdout
    text = out.read_text(encoding="utf-8")
    assert "kind: sakera-demand-fit" in text and "Dusun" not in text
    # a bad log: file, row, field; exit 2; nothing written
    log = pd.read_csv(SAMPLE_LOG, dtype=str, keep_default_na=False)
    log.loc[9, "tanggal"] = "31/31/2022"
    bad = tmp_path / "bad.csv"
    log.to_csv(bad, index=False)
    target = tmp_path / "never.yaml"
    one_line_error(sakera("demand", "fit", str(bad), "--out", str(target)), "bad.csv", "row 11, tanggal")
    assert not target.exists()
    cal = sakera("calibrate", str(SAMPLE_LOG), "--scenario", "all-2022", "-r", "1")
    assert cal.returncode == 0, cal.stderr
    assert "ks_d" in cal.stdout and "2022-04" in cal.stdout and "nik, nama, alamat, no_hp" in cal.stdout


def test_pamekasan_pack_end_to_end(tmp_path):
    src = tmp_path / "villages.csv"
    pamekasan_villages().to_csv(src, index=False)
    pack = tmp_path / "pamekasan"
    proc = sakera("regency", "init", "35.28", "--villages", str(src), "--total", "39000", "--out", str(pack))
    assert proc.returncode == 0, proc.stderr
    vil = sakera("villages", "--regency", str(pack), "--format", "csv")
    assert vil.returncode == 0, vil.stderr
    table = pd.read_csv(pd.io.common.StringIO(vil.stdout), dtype={"village_code": str})
    assert (
        len(table) == 39 and table["population"].sum() == 39000 and table["village_code"].str.startswith("35.28.").all()
    )
    assert "Kabupaten Pamekasan" in vil.stderr
    sim = sakera("simulate", "--regency", str(pack), "--days", "30", "--json")
    assert sim.returncode == 0, sim.stderr
    assert json.loads(sim.stdout)["data"]["regency"] == "35.28 Kabupaten Pamekasan"
    for name, rollout in (
        ("none", ""),
        ("far", "rollout:\n  phases:\n    - {date: 2025-01-01, select: [{by: travel_time, count: 12}]}\n"),
    ):
        (tmp_path / f"{name}.yaml").write_text(
            f"name: pmk-{name}\nhorizon: {{start_date: 2025-01-01, days: 30, warmup_days: 5}}\n{rollout}"
            "data: {regency: pamekasan}\n",
            encoding="utf-8",
        )
    cmp = sakera("compare", str(tmp_path / "none.yaml"), str(tmp_path / "far.yaml"), "-n", "2", "--format", "csv")
    assert cmp.returncode == 0, cmp.stderr
    rows = pd.read_csv(pd.io.common.StringIO(cmp.stdout))
    desk = rows[(rows["kpi"] == "desk_share")].set_index("scenario")["mean"]
    assert desk["pmk-none"] == 0 and desk["pmk-far"] > 0.1
    plan = sakera("plan", "--regency", str(pack), "--phases", "2", "--villages-per-phase", "4", "--replications", "0")
    assert plan.returncode == 0, plan.stderr
    assert "35.28 Kabupaten Pamekasan" in plan.stdout and "optimal" in plan.stdout
    # a Sampang village code does not exist in the Pamekasan pack: one clear line
    sampang = tmp_path / "sampang.yaml"
    sampang.write_text(
        "name: one\nhorizon: {start_date: 2025-01-01, days: 10}\n"
        "rollout: {phases: [{date: 2025-01-01, villages: [35.27.03.2001]}]}\n",
        encoding="utf-8",
    )
    one_line_error(sakera("simulate", str(sampang), "--regency", str(pack)), "unknown village code '35.27.03.2001'")


def test_sample_data_is_all_or_nothing(tmp_path, monkeypatch):
    from sakera_toolkit.cli import sample_data

    def broken(ctx):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sample_data, "TABLES", [*sample_data.TABLES[:2], ("boom.csv", broken)])
    with pytest.raises(RuntimeError):
        sample_data.write_sample_data(tmp_path / "out", 42)
    assert not any(p.suffix == ".csv" for p in (tmp_path / "out").rglob("*")) if (tmp_path / "out").exists() else True

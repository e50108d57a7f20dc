"""Dask sweeps: grid parsing, tidy output, interruption and resumption."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from sakera_toolkit.cli import main
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.scenarios.sweep import grid, parse_vary, parts_dir, sweep

VARY = ["staff.office_verifiers=6,12", "demand.scale=1,1.5"]
BASE = "oct-2021"
QUICK = ["horizon.days=30"]  # with warm-up 28 the KPIs cover two days: small and quick


def test_parse_vary_and_grid():
    vary = parse_vary(
        ["staff.office_verifiers=8,10", "horizon.start_date=2022-01-01", "staff.kecamatan_points=true,false"]
    )
    assert vary["staff.office_verifiers"] == [8, 10]
    assert str(vary["horizon.start_date"][0]) == "2022-01-01"
    assert vary["staff.kecamatan_points"] == [True, False]
    cells = grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert cells[:3] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"}] and len(cells) == 6
    assert grid({}) == [{}]
    for bad in (["nopath"], ["=1,2"], ["a=1,,2"], ["a=1,1"], ["a=1", "a=2"]):
        with pytest.raises(SakeraInputError):
            parse_vary(bad)


def test_bad_vary_values_are_reported_before_running(tmp_path):
    with pytest.raises(SakeraInputError, match=r"staff\.office_verifiers.*negative"):
        sweep(
            BASE, ["staff.office_verifiers=4,-1"], replications=1, workers=0, out=tmp_path / "x.parquet", progress=False
        )
    assert not parts_dir(tmp_path / "x.parquet").exists()


@pytest.fixture(scope="module")
def reference():
    """The whole grid in this process (no Dask): what a resumed sweep must reproduce."""
    return sweep(BASE, VARY + QUICK, replications=2, seed=5, workers=0, progress=False).frame


def test_tidy_output(reference):
    assert len(reference) == 4 * 2
    assert list(reference.columns[:7]) == [
        "run_id",
        "cell",
        "scenario",
        "replication",
        "seed",
        "staff.office_verifiers",
        "demand.scale",
    ]
    assert set(reference["run_id"]) == {0, 1, 2, 3}
    assert reference.groupby("run_id")["replication"].apply(list).tolist() == [[0, 1]] * 4
    # common random numbers: at the same demand scale every cell sees the same arrivals
    base_arrivals = reference[reference["demand.scale"] == 1].groupby("staff.office_verifiers")["arrivals"].apply(list)
    assert base_arrivals.iloc[0] == base_arrivals.iloc[1]
    scaled = reference[reference["demand.scale"] == 1.5]["arrivals"].mean()
    assert scaled > reference[reference["demand.scale"] == 1]["arrivals"].mean()


@pytest.mark.slow
def test_interrupted_sweep_resumes_on_local_cluster(tmp_path, reference):
    out = tmp_path / "sweep.parquet"
    first = sweep(BASE, VARY + QUICK, replications=2, seed=5, out=out, workers=1, max_cells=1, progress=False)
    assert (first.ran, first.skipped, first.cells) == (1, 0, 4)
    assert first.out is None and not out.exists()  # incomplete: no final table yet
    assert len(list(parts_dir(out).glob("*.parquet"))) == 1

    # resume on an existing cluster given by its scheduler address (as `--scheduler tcp://...`)
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster:
        second = sweep(
            BASE, VARY + QUICK, replications=2, seed=5, out=out, scheduler=cluster.scheduler_address, progress=False
        )
    assert (second.ran, second.skipped) == (3, 1)
    assert second.out == out and out.exists()
    pd.testing.assert_frame_equal(pd.read_parquet(out), reference, check_dtype=False)

    third = sweep(BASE, VARY + QUICK, replications=2, seed=5, out=out, workers=2, progress=False)
    assert (third.ran, third.skipped) == (0, 4)
    pd.testing.assert_frame_equal(third.frame, reference, check_dtype=False)


@pytest.mark.slow
def test_cli_sweep_killed_then_resumed(tmp_path, capsys):
    out = tmp_path / "killed.parquet"
    argv = [
        "sweep",
        BASE,
        "--vary",
        "staff.office_verifiers=6,8,10,12,14,16",
        "--vary",
        "horizon.days=60",
        "-n",
        "1",
        "--workers",
        "0",
        "--out",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sakera_toolkit", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    parts = parts_dir(out)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and not (parts.exists() and any(parts.glob("*.parquet"))):
            time.sleep(0.05)
            if proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # an abrupt end: no cleanup code runs
        proc.wait(timeout=30)
    done_before = len(list(parts.glob("*.parquet")))
    assert 1 <= done_before
    for part in parts.glob("*.parquet"):  # a killed write never leaves a half part under a final name
        assert len(pd.read_parquet(part)) == 1
    if done_before < 6:
        assert not out.exists()
    assert main([*argv, "--json"]) == 0
    summary = __import__("json").loads(capsys.readouterr().out)
    assert summary["skipped"] == done_before and summary["ran"] == 6 - done_before
    table = pd.read_parquet(out)
    assert sorted(table["staff.office_verifiers"]) == [6, 8, 10, 12, 14, 16]


def test_cli_sweep_needs_vary(tmp_path, capsys):
    assert main(["sweep", BASE, "--out", str(tmp_path / "x.parquet")]) == 2
    assert "--vary" in capsys.readouterr().err


def test_tornado_from_a_sweep(reference):
    from sakera_toolkit.scenarios.sweep import SweepResult

    result = SweepResult(
        frame=reference,
        cells=4,
        ran=4,
        skipped=0,
        out=None,
        seconds=0.0,
        varied=["staff.office_verifiers", "demand.scale"],
    )
    t = result.tornado("arrivals").set_index("parameter")
    # demand drives arrivals; staff does not (common random numbers make that exact)
    assert t.at["demand.scale", "swing"] > 0
    assert t.at["staff.office_verifiers", "swing"] == 0
    assert list(t.index) == ["demand.scale", "staff.office_verifiers"]


def test_sweep_validates_each_value_once_and_names_it(monkeypatch):
    from sakera_toolkit.errors import SakeraInputError
    from sakera_toolkit.scenarios import sweep as sw
    from sakera_toolkit.sim import params as sim_params

    calls = {"n": 0}
    real = sim_params.FlowParams.validate

    def counting(self):
        calls["n"] += 1
        return real(self)

    monkeypatch.setattr(sim_params.FlowParams, "validate", counting)
    vary = {"staff.office_verifiers": [8, 9, 10, 11, 12], "demand.scale": [0.5, 1.0, 1.5, 2.0]}
    cells = sw.grid(vary)
    from sakera_toolkit import scenarios as sc

    out = sw._validated_cells(sc.load("oct-2021"), vary, cells)
    assert len(out) == 20 and calls["n"] <= 9 + 1  # once per value, not once per cell
    with pytest.raises(SakeraInputError, match=r"staff.office_verifiers=0"):
        sw.sweep("oct-2021", ["staff.office_verifiers=4,0"], workers=0, progress=False)

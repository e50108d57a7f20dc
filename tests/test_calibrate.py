"""sakera calibrate: the model against a request log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sakera_toolkit.calibrate import calibrate, calibration_plot, ks_statistic
from sakera_toolkit.errors import SakeraInputError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LOG = ROOT / "sample_data" / "requests.csv"


@pytest.fixture(scope="module")
def report():
    return calibrate(SAMPLE_LOG, "all-2022", replications=2, seed=3)


def test_sample_log_agrees_with_the_model_that_made_it(report):
    tot = report.monthly_totals()
    assert list(tot["month"]) == ["2022-01", "2022-02", "2022-03", "2022-04"]
    assert (tot["rel_error"].abs() < 0.2).all(), tot
    overall = report.turnaround.set_index("group").loc["all"]
    assert overall["n_observed"] > 3000 and overall["ks_d"] < 0.15
    assert set(report.channels["channel"]) >= {"desa", "office", "kecamatan"}
    assert set(report.meta["dropped_columns"]) == {"nik", "nama", "alamat", "no_hp"}


def test_p90_range_over_replications(report):
    """The replications' p90 range is reported beside the pooled p90 (the KS p-value assumes independence)."""
    t = report.turnaround.set_index("group")
    assert (t["p90_sim_min"] <= t["p90_sim_max"]).all()
    overall = t.loc["all"]
    assert overall["p90_sim_min"] < overall["p90_sim_max"]  # two replications differ
    one = calibrate(SAMPLE_LOG, "all-2022", replications=1, seed=3).turnaround.set_index("group").loc["all"]
    assert one["p90_sim_min"] == one["p90_sim_max"] == one["p90_simulated"]


def test_a_different_world_is_detected(tmp_path):
    log = pd.read_csv(SAMPLE_LOG, dtype=str, keep_default_na=False)
    doubled = pd.concat([log, log], ignore_index=True)  # twice the requests the model predicts
    later = doubled.copy()
    path = tmp_path / "double.csv"
    later.to_csv(path, index=False)
    r = calibrate(path, "all-2022", replications=1, seed=3)
    assert (r.monthly_totals()["rel_error"] < -0.35).all()


def test_log_outside_the_horizon_is_refused(tmp_path):
    yml = tmp_path / "late.yaml"
    yml.write_text("name: late\nhorizon: {start_date: 2023-01-01, days: 30}\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match="scenario late simulates 2023-01-01..2023-01-30"):
        calibrate(SAMPLE_LOG, yml, replications=1)


def test_ks_statistic():
    assert ks_statistic([1, 2, 3], [1, 2, 3])[0] == 0.0
    assert ks_statistic([0, 0, 0], [5, 5, 5])[0] == 1.0


def test_plot(report):
    layout = calibration_plot(report)
    assert len(layout) == 2
    with pytest.raises(SakeraInputError):
        calibration_plot(report, service="nope")

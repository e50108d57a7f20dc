"""Scenario comparison: confidence intervals, paired differences with common random numbers, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sakera_toolkit.cli import main
from sakera_toolkit.scenarios.compare import Comparison, compare, mean_ci, paired_ci

QUICK = {"horizon.days": 40, "horizon.warmup_days": 10}


def test_mean_ci_matches_student_t():
    x = np.array([3.0, 5.0, 4.0, 6.0, 2.0])
    mean, low, high = mean_ci(x)
    half = stats.t.ppf(0.975, 4) * x.std(ddof=1) / math.sqrt(5)
    assert mean == pytest.approx(4.0)
    assert (low, high) == pytest.approx((4.0 - half, 4.0 + half))
    assert math.isnan(mean_ci([1.0])[1])
    d, dlow, dhigh = paired_ci([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    assert d == 1.0 and dlow == dhigh == 1.0


def _fake_comparison(values_a, values_b) -> Comparison:
    rows = [{"scenario": "a", "replication": r, "k": v} for r, v in enumerate(values_a)]
    rows += [{"scenario": "b", "replication": r, "k": v} for r, v in enumerate(values_b)]
    return Comparison(kpis=pd.DataFrame(rows), scenarios=["a", "b"], seed=0, replications=len(values_a))


def test_distinguishable_flags():
    # a large noisy spread that cancels in pairs: distinguishable only thanks to pairing
    base = [10.0, 50.0, 90.0, 30.0]
    shifted = [v + 1.0 + 0.01 * i for i, v in enumerate(base)]
    row = _fake_comparison(base, shifted).table().set_index("scenario").loc["b"]
    assert row["distinguishable"] is True and row["diff_ci_low"] > 0
    noisy = [v + s for v, s in zip(base, [1.0, -1.0, 1.5, -1.5], strict=True)]
    row = _fake_comparison(base, noisy).table().set_index("scenario").loc["b"]
    assert row["distinguishable"] is False and row["diff_ci_low"] < 0 < row["diff_ci_high"]
    same = _fake_comparison(base, base).table().set_index("scenario").loc["b"]
    assert same["distinguishable"] is False


@pytest.fixture(scope="module")
def office_vs_all():
    return compare(["office-only", "all-2022"], replications=4, seed=11, overrides=QUICK)


def test_common_random_numbers_and_paired_intervals(office_vs_all):
    c = office_vs_all
    k = c.kpis.set_index(["scenario", "replication"])
    # same seed -> the same demand in both scenarios, replication by replication
    assert (k.loc["office-only", "arrivals"].to_numpy() == k.loc["all-2022", "arrivals"].to_numpy()).all()
    t = c.table().set_index(["scenario", "kpi"])
    arrivals = t.loc[("all-2022", "arrivals")]
    assert arrivals["diff"] == 0 and arrivals["distinguishable"] is False
    hours = t.loc[("all-2022", "travel_hours")]
    assert hours["diff"] < 0 and hours["diff_ci_high"] < 0 and hours["distinguishable"] is True
    saved = t.loc[("all-2022", "travel_hours_saved")]
    assert saved["diff"] > 0 and saved["diff_ci_low"] > 0
    # pairing removes the shared demand noise: the paired interval is narrower than the unpaired bound
    paired_half = (hours["diff_ci_high"] - hours["diff_ci_low"]) / 2
    ref = t.loc[("office-only", "travel_hours")]
    unpaired_bound = (hours["ci_high"] - hours["ci_low"]) / 2 + (ref["ci_high"] - ref["ci_low"]) / 2
    assert paired_half < unpaired_bound


def test_same_seed_same_results(office_vs_all):
    again = compare(["office-only", "all-2022"], replications=4, seed=11, overrides=QUICK)
    pd.testing.assert_frame_equal(again.kpis, office_vs_all.kpis)


def test_wide_and_json(office_vs_all):
    wide = office_vs_all.wide(["travel_hours_saved"])
    assert list(wide.columns) == ["scenario", "travel_hours_saved", "travel_hours_saved Δ"]
    data = json.loads(office_vs_all.to_json(["travel_hours_saved"]))
    entry = data["scenarios"]["all-2022"]["travel_hours_saved"]
    assert entry["ci"][0] < entry["mean"] < entry["ci"][1]
    assert entry["distinguishable"] is True


def test_cli_compare_json_shows_travel_hours_saved(capsys):
    code = main(["compare", "office-only", "all-2022", "--replications", "3", "--days", "30", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reference"] == "office-only" and data["replications"] == 3
    saved = data["scenarios"]["all-2022"]["travel_hours_saved"]
    assert saved["diff_vs_reference"] > 0
    assert saved["diff_ci"][0] > 0 and saved["distinguishable"] is True


def test_cli_compare_bad_input(capsys):
    assert main(["compare", "office-only", "all-2022", "-n", "2", "--days", "20", "--kpi", "nope"]) == 2
    assert "unknown KPI" in capsys.readouterr().err
    assert main(["compare", "office-only", "no-such-scenario"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


def test_plots_render_without_network(office_vs_all):
    import holoviews as hv

    from sakera_toolkit import plots
    from sakera_toolkit.scenarios import load

    assert isinstance(office_vs_all.plot("travel_hours"), hv.Overlay)
    assert isinstance(office_vs_all.plot_diff("travel_hours_saved"), hv.Overlay)
    frame = load("oct-2021").village_frame()
    hv.render(plots.village_map(frame, color="phase"))
    with pytest.raises(ValueError):
        plots.ci_plot(office_vs_all.table(), "nope")


def test_compare_refuses_or_aligns_different_periods(capsys):
    from sakera_toolkit.cli import main
    from sakera_toolkit.errors import SakeraInputError
    from sakera_toolkit.scenarios.compare import compare

    with pytest.raises(SakeraInputError, match="differ in period"):
        compare(["office-only", "oct-2021"], replications=1, overrides={"horizon.days": 5, "horizon.warmup_days": 1})
    assert main(["compare", "office-only", "oct-2021", "-n", "1", "--days", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--align" in err and "2021-10-01" in err
    c = compare(["office-only", "oct-2021"], replications=1, align=True,
                overrides={"horizon.days": 5, "horizon.warmup_days": 1})  # fmt: skip
    assert c.period["aligned_to"] == "office-only" and c.period["start_date"] == "2022-01-01"
    assert main(["compare", "office-only", "oct-2021", "-n", "1", "--days", "5", "--align"]) == 0
    assert "aligned to 'office-only'" in capsys.readouterr().out

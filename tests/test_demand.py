import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit import calibration, demand, demandfit
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.registry import village_population


def test_rates_have_sources_and_overrides():
    cal = calibration.load("demand")
    r = demand.rates()
    assert list(r.index) == list(demand.SERVICE_IDS)
    for sid in demand.SERVICE_IDS:
        src = cal.sources[f"rate_{sid}"]
        assert "research-notes" in src or src.startswith("assumption")
    # ~290,000 requests a year for ~1.03 M residents (research-notes §7)
    assert 250 < r.sum() < 320
    r2 = demand.rates({"kia": 50.0}, scale=2.0)
    assert r2["kia"] == 100.0 and r2["kk_baru"] == pytest.approx(2 * r["kk_baru"])
    with pytest.raises(SakeraInputError, match="demand_overrides"):
        demand.rates({"kartu_kuning": 1.0})


def test_day_weights_sum_to_one_per_year_and_skip_closed_days():
    hol = (dt.date(2025, 8, 17), dt.date(2025, 12, 25))
    w = demand.day_weights(dt.date(2025, 1, 1), 365, (0, 1, 2, 3, 4), hol)
    np.testing.assert_allclose(w.sum(axis=0), 1.0)
    days = np.datetime64("2025-01-01") + np.arange(365)
    weekday = (days.astype(int) + 3) % 7
    assert (w[weekday >= 5] == 0).all()
    assert (w[(days == np.datetime64("2025-12-25"))] == 0).all()
    # post-Lebaran surge (Idul Fitri 2025-03-31) and school months raise demand
    kk = demand.SERVICE_IDS.index("kk_baru")
    akta = demand.SERVICE_IDS.index("akta_kelahiran")
    open_ = w[:, kk] > 0
    surge = (days >= np.datetime64("2025-04-02")) & (days < np.datetime64("2025-04-14")) & open_
    normal = (days >= np.datetime64("2025-02-01")) & (days < np.datetime64("2025-03-01")) & open_
    assert w[surge, kk].mean() > 1.5 * w[normal, kk].mean()
    june = (days >= np.datetime64("2025-06-02")) & (days < np.datetime64("2025-06-30")) & open_
    assert w[june, akta].mean() / w[june, kk].mean() > 1.3 * w[normal, akta].mean() / w[normal, kk].mean()


def test_generate_is_reproducible_and_matches_rates():
    a = demand.generate(dt.date(2025, 1, 1), 365, seed=7)
    b = demand.generate(dt.date(2025, 1, 1), 365, seed=7)
    c = demand.generate(dt.date(2025, 1, 1), 365, seed=8)
    np.testing.assert_array_equal(a.arrival, b.arrival)
    np.testing.assert_array_equal(a.service, b.service)
    assert not np.array_equal(a.arrival[:100], c.arrival[:100])
    assert (np.diff(a.arrival) >= 0).all()
    expected = village_population(2025).sum() / 1000 * demand.rates().sum()
    assert len(a) == pytest.approx(expected, rel=0.01)
    hour = (a.arrival % 1) * 24
    assert ((hour >= 8) & (hour < 14)).all()
    per_service = np.bincount(a.service, minlength=11)
    exp_s = village_population(2025).sum() / 1000 * demand.rates().to_numpy()
    np.testing.assert_allclose(per_service, exp_s, rtol=0.05)
    df = a.to_frame(dt.date(2025, 1, 1))
    assert set(df.columns) >= {"arrival", "service", "village_code", "arrival_time"}


def test_generate_backlog_and_scale():
    r = demand.generate(dt.date(2025, 3, 3), 10, seed=1, rate=demand.rates(scale=0.5), initial_backlog=250)
    assert r.backlog.sum() == 250 and (r.arrival[r.backlog] == 0).all()
    with pytest.raises(SakeraInputError, match="initial_backlog"):
        demand.generate(dt.date(2025, 3, 3), 10, seed=1, initial_backlog=-1)


def test_fit_rates_round_trip_and_drops_personal_columns(tmp_path):
    start = dt.date(2025, 1, 1)
    req = demand.generate(start, 365, seed=3)
    df = req.to_frame(start)
    log = pd.DataFrame(
        {
            "request_id": np.arange(len(df)).astype(str),
            "date": df["arrival_time"].dt.strftime("%Y-%m-%d"),
            "service": df["service"].astype(str),
            "village_code": df["village_code"].astype(str),
            "nik": "3527000000000001",
            "nama": "Warga Sintetis",
            "no_hp": "0800000000",
        }
    )
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    fit = demandfit.fit_rates(path, population_year=2025, period_days=365)
    assert set(fit.attrs["dropped_columns"]) == {"nik", "nama", "no_hp"}
    got = dict(zip(fit["service"], fit["rate_per_1000_per_year"], strict=True))
    for sid, rate in demand.rates().items():
        assert got[sid] == pytest.approx(rate * 365.25 / 365, rel=0.05)


@pytest.mark.parametrize(
    "rows,where",
    [
        ({"date": ["2025-01-02", "kemarin"], "service": ["kia", "kia"]}, "row 3, date"),
        ({"date": ["2025-01-02", "2025-01-03"], "service": ["kia", "sim_c"]}, "row 3, service"),
        ({"date": ["2025-01-02"], "service": ["kia"], "village_code": ["35.27.99.9999"]}, "row 2, village_code"),
    ],
)
def test_fit_rates_errors_name_the_row(tmp_path, rows, where):
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(SakeraInputError, match=where):
        demandfit.fit_rates(path)


def test_fit_rates_needs_columns(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"tanggal": ["2025-01-01"]}).to_csv(path, index=False)
    with pytest.raises(SakeraInputError, match="needs a service column"):
        demandfit.fit_rates(path)


def test_merge_order_is_the_stable_sort_of_two_sorted_streams():
    """The activation stream is merged into the document stream as a stable sort would (ties: documents first)."""
    from sakera_toolkit._sort import stable_argsort
    from sakera_toolkit.demand import _merge_order

    rng = np.random.default_rng(3)
    for _ in range(300):
        a = np.sort(rng.integers(0, 15, rng.integers(0, 40))).astype(float)
        b = np.sort(rng.integers(0, 15, rng.integers(0, 40))).astype(float)
        c = np.concatenate([a, b])
        assert np.array_equal(_merge_order(a, b), stable_argsort(c))

"""Flow invariants as hypothesis property tests over random small scenarios.

* conservation: every request is completed, abandoned or still in the system;
* no negative waits: every stage starts at or after the previous one ends (desk, upload,
  verification, signing, printing, delivery), and the first desk visit at or after arrival;
* utilisation of desks, counters and verifiers within [0, 1], every day and over the window
  (busy time is booked on the days the work is done, following the calendar);
* Little's law on the sample path of the horizon: the time average of the number in the system
  (integrated from the daily end-of-day counts of the time series, which the engine computes
  independently of the trace, plus the within-day part from the trace) equals arrival rate x mean
  time in the system, both clipped to the horizon.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sakera_toolkit.registry import villages
from sakera_toolkit.sim import FlowParams, run

CODES = list(villages()["village_code"])
STAGES = ("arrival", "desk_start", "desk_end", "upload_end", "verify_start", "verify_end", "signed", "printed", "ready")


@st.composite
def scenarios(draw):
    days = draw(st.integers(8, 40))
    start = dt.date(2022, 1, 3) + dt.timedelta(days=draw(st.integers(0, 360)))
    n_live = draw(st.integers(0, len(CODES)))
    first = draw(st.integers(0, len(CODES) - 1))
    live = {CODES[(first + i) % len(CODES)]: draw(st.integers(0, days - 1)) for i in range(n_live)}
    outages = []
    if draw(st.booleans()):
        a = draw(st.floats(0, days - 1, allow_nan=False))
        outages.append((a, a + draw(st.floats(0.1, 5.0))))
    return FlowParams(
        start_date=start,
        days=days,
        warmup_days=draw(st.integers(0, days // 3)),
        village_go_live=live,
        operators_per_village=draw(st.integers(1, 3)),
        operator_skill=draw(st.floats(0.0, 1.0)),
        office_counters=draw(st.integers(1, 8)),
        office_verifiers=draw(st.integers(1, 12)),
        mpp_counters=draw(st.integers(0, 3)),
        kecamatan_points=draw(st.booleans()),
        demand_scale=draw(st.floats(0.02, 0.4)),
        initial_backlog=draw(st.integers(0, 200)),
        outages=outages,
        random_outages_per_year=draw(st.sampled_from([0.0, 6.0])),
        blanko_initial={"ktp": draw(st.integers(0, 3000)), "kia": draw(st.integers(0, 1000))},
        card_print_per_day=draw(st.integers(0, 600)),
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_flow_invariants(params, seed):
    result = run(params, seed=seed)
    t = result.trace
    k = result.kpis.iloc[0]
    H = float(params.days)

    # conservation
    outcome = t["outcome"].astype(str).to_numpy()
    assert k["arrivals_all"] == len(t) == k["completed_all"] + k["abandoned_all"] + k["in_system_all"]
    assert k["arrivals"] == k["completed"] + k["abandoned"] + k["in_system"]
    assert set(outcome) <= {"completed", "abandoned", "in_system"}

    # no negative waits; stage times inside the horizon or NaN
    walk_in = ~t["backlog"].to_numpy()
    for a, b in zip(STAGES, STAGES[1:], strict=False):
        x, y = t[a].to_numpy(), t[b].to_numpy()
        ok = np.isfinite(x) & np.isfinite(y)
        if a == "arrival" and b == "desk_start":
            ok &= walk_in
        assert (y[ok] >= x[ok] - 1e-12).all(), (a, b)
    for name in STAGES:
        v = t[name].to_numpy()
        assert not (v[np.isfinite(v)] > H + 1e-9).any(), name
    done = outcome == "completed"
    assert (t["turnaround_days"].to_numpy()[done] >= 0).all()
    assert np.isnan(t["turnaround_days"].to_numpy()[~done]).all()
    assert (t["trips"].to_numpy() >= 0).all() and (t["desk_visits"].to_numpy() >= 0).all()

    # Little's law on the horizon's sample path
    ts = result.timeseries
    arrival = t["arrival"].to_numpy()
    exit_ = t["exit"].to_numpy()
    exit_ = np.where(np.isfinite(exit_), exit_, np.inf)
    sojourn = np.clip(np.minimum(exit_, H) - arrival, 0.0, None)
    lam_w = len(t) / H * (sojourn.mean() if len(t) else 0.0)
    # integrate N(t) day by day: N at the end of day d from the time series, corrected inside the
    # day by the trace's arrivals and exits of that day
    n_end = ts["in_system"].to_numpy(dtype=float)
    area = 0.0
    day = np.floor(arrival).astype(int)
    day_exit = np.where(np.isfinite(exit_) & (exit_ < H), np.floor(np.minimum(exit_, H - 1e-12)), -1).astype(int)
    for d in range(int(H)):
        arr_d = arrival[day == d]
        ex_d = exit_[day_exit == d]
        # N(t) inside day d = N(end of d) - arrivals after t + exits after t (within the day)
        area += n_end[d] - (arr_d - d).sum() + (ex_d - d).sum()
    np.testing.assert_allclose(area / H, lam_w, rtol=1e-9, atol=1e-9)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_utilisation_within_bounds(params, seed):
    result = run(params, seed=seed)
    k = result.kpis.iloc[0]
    ts = result.timeseries
    for res in ("desk", "counter", "verifier"):
        u = ts[f"utilisation_{res}"].to_numpy()
        assert (u[np.isfinite(u)] >= 0).all() and (u[np.isfinite(u)] <= 1 + 1e-9).all(), res
        assert (ts[f"busy_{res}"] <= ts[f"capacity_{res}"] + 1e-9).all(), res
        v = k[f"utilisation_{res}"]
        assert np.isnan(v) or 0 <= v <= 1 + 1e-9, res

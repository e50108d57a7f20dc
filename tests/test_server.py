"""The central-server stage: Erlang C, conservation with retries and give-ups, monotone in load."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.sim.server import FAILED, SUCCESS, Background, ServerPolicy, ServerWindows, serve_transactions
from sakera_toolkit.sim.validate import erlang_c

NO_TIMEOUT = dict(
    timeout_s=1e12, max_attempts=1, jitter=0.0, give_up_after=10**9, queue_limit=10_000_000, defer_spread_s=0.0
)


def _poisson(rng, lam_per_s, n):
    return np.cumsum(rng.exponential(1.0 / lam_per_s, n)) / 86400.0


@pytest.mark.parametrize("c,rho", [(1, 0.7), (4, 0.85), (16, 0.9)])
def test_mmc_response_matches_erlang_c(c, rho):
    means = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        lam = rho * c  # mean service 1 s per worker
        submit = _poisson(rng, lam, 120_000)
        out = serve_transactions(
            submit, rng.exponential(1.0, submit.size), ServerPolicy(capacity_tps=c, workers=c, **NO_TIMEOUT)
        )
        means.append(((out.done - submit) * 86400.0)[10_000:].mean())
    analytic = erlang_c(c, rho * c) / (c - rho * c) + 1.0
    assert np.mean(means) == pytest.approx(analytic, rel=0.06)


def test_utilisation_equals_offered_load_below_saturation():
    rng = np.random.default_rng(5)
    submit = _poisson(rng, 6.0, 200_000)
    out = serve_transactions(
        submit, rng.exponential(1.0, submit.size), ServerPolicy(capacity_tps=10, workers=10, **NO_TIMEOUT)
    )
    hours = int(submit[-1] * 24) - 1
    assert out.utilisation()[1:hours].mean() == pytest.approx(0.6, rel=0.03)


def test_retry_storm_goodput_collapses_past_saturation():
    pol = ServerPolicy(
        capacity_tps=10,
        workers=10,
        timeout_s=30,
        max_attempts=3,
        backoff_s=10,
        give_up_after=10**6,
        max_days=1,
        queue_limit=10**6,
    )
    goodput = []
    for load in (0.8, 0.95, 1.2, 1.6):
        rng = np.random.default_rng(11)
        n = int(load * 10 * 8 * 3600)
        submit = np.sort(rng.uniform(8 / 24, 16 / 24, n))
        out = serve_transactions(submit, rng.exponential(1.0, n), pol, horizon_days=1, rng=np.random.default_rng(1))
        goodput.append((out.outcome == SUCCESS).sum())
    assert goodput[1] > goodput[0]  # still growing below saturation
    assert goodput[2] < 0.5 * goodput[1] and goodput[3] < goodput[2]  # collapse, not a plateau


def test_discarding_stale_requests_keeps_goodput_at_capacity():
    rng = np.random.default_rng(3)
    n = int(1.5 * 10 * 8 * 3600)
    submit = np.sort(rng.uniform(8 / 24, 16 / 24, n))
    work = rng.exponential(1.0, n)
    kw = dict(
        capacity_tps=10,
        workers=10,
        timeout_s=30,
        max_attempts=3,
        backoff_s=10,
        give_up_after=10**6,
        max_days=1,
        queue_limit=10**6,
    )
    wasteful = serve_transactions(submit, work, ServerPolicy(**kw), horizon_days=1, rng=np.random.default_rng(1))
    careful = serve_transactions(
        submit, work, ServerPolicy(discard_stale=True, **kw), horizon_days=1, rng=np.random.default_rng(1)
    )
    assert (careful.outcome == SUCCESS).sum() > 0.8 * 10 * 8 * 3600
    assert (careful.outcome == SUCCESS).sum() > 10 * (wasteful.outcome == SUCCESS).sum()


def test_queue_limit_refuses_at_once_and_bounds_the_wait():
    rng = np.random.default_rng(4)
    n = int(1.5 * 10 * 8 * 3600)
    submit = np.sort(rng.uniform(8 / 24, 16 / 24, n))
    kw = dict(capacity_tps=10, workers=10, timeout_s=30, max_attempts=3, backoff_s=10, give_up_after=10**6, max_days=1)
    out = serve_transactions(
        submit,
        rng.exponential(1.0, n),
        ServerPolicy(queue_limit=50, **kw),
        horizon_days=1,
        rng=np.random.default_rng(1),
    )
    # at most 50 wait for 10 handlers of 1 s: no admitted request waits anywhere near the timeout,
    # so the server keeps doing useful work at capacity while the excess is refused
    assert out.useful_s.sum() > 0.97 * out.busy_s.sum()
    assert (out.outcome == SUCCESS).sum() > 0.9 * 10 * 8 * 3600
    loss = serve_transactions(
        submit[:1000], np.ones(1000), ServerPolicy(queue_limit=0, **kw), horizon_days=1, rng=np.random.default_rng(1)
    )
    assert np.all(loss.timeouts_h.sum() >= 0) and loss.attempts.sum() >= 1000


def test_outage_fails_fast_and_defers_to_next_day():
    submit = np.array([0.40, 0.41, 0.60])  # two inside the outage, one after
    pol = ServerPolicy(
        capacity_tps=1, workers=1, timeout_s=60, max_attempts=2, backoff_s=5, jitter=0.0, defer_spread_s=0.0
    )
    out = serve_transactions(submit, np.ones(3), pol, windows=ServerWindows.from_list([(0.35, 0.5, 0.0)]))
    assert out.deferrals[:2].tolist() == [1, 1] and out.attempts[:2].tolist() == [3, 3]
    assert np.all(out.done[:2] > 1.0) and out.done[2] < 0.61
    assert out.outcome.tolist() == [SUCCESS] * 3


def test_degraded_capacity_slows_service():
    submit = np.array([0.4])
    pol = ServerPolicy(capacity_tps=1, workers=1, timeout_s=1e6, jitter=0.0, defer_spread_s=0.0)
    full = serve_transactions(submit, np.ones(1), pol)
    half = serve_transactions(submit, np.ones(1), pol, windows=ServerWindows.from_list([(0.3, 0.5, 0.5)]))
    assert (half.done[0] - 0.4) == pytest.approx(2 * (full.done[0] - 0.4))


def test_operator_gives_up_for_the_day_after_n_failures():
    # one operator, server down all morning: after give_up_after failures every later file of the
    # day is deferred without an attempt
    submit = np.linspace(0.34, 0.45, 10)
    pol = ServerPolicy(
        capacity_tps=1, workers=1, timeout_s=60, max_attempts=1, give_up_after=3, jitter=0.0, defer_spread_s=0.0
    )
    out = serve_transactions(
        submit, np.ones(10), pol, owner=np.zeros(10, np.int64), windows=ServerWindows.from_list([(0.3, 0.6, 0.0)])
    )
    first_day_attempts = out.attempts - 1  # every file is retried once on day 1 and succeeds
    assert first_day_attempts.tolist() == [1, 1, 1] + [0] * 7
    assert np.all(out.outcome == SUCCESS) and np.all(out.done > 1.0)


def test_bad_policy_names_the_field():
    with pytest.raises(SakeraInputError, match="server.capacity_tps"):
        ServerPolicy(capacity_tps=0)
    with pytest.raises(SakeraInputError, match="server.windows"):
        ServerWindows.from_list([(1.0, 2.0, 0.5), (1.5, 3.0, 0.5)])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 300),
    seed=st.integers(0, 10_000),
    tps=st.floats(0.5, 20),
    workers=st.integers(1, 8),
    timeout=st.floats(1, 120),
    attempts=st.integers(1, 4),
    give_up=st.integers(1, 5),
    stale=st.booleans(),
    qlim=st.integers(0, 50),
)
def test_conservation_with_retries_and_give_ups(n, seed, tps, workers, timeout, attempts, give_up, stale, qlim):
    rng = np.random.default_rng(seed)
    submit = np.sort(rng.uniform(0.3, 0.7, n) + rng.integers(0, 3, n))
    pol = ServerPolicy(
        capacity_tps=tps,
        workers=workers,
        timeout_s=timeout,
        max_attempts=attempts,
        give_up_after=give_up,
        discard_stale=stale,
        queue_limit=qlim,
    )
    bg_t = np.sort(rng.uniform(0.3, 0.7, n) + rng.integers(0, 3, n))
    background = Background(bg_t, rng.exponential(1.0, n))
    out = serve_transactions(
        submit, rng.exponential(1.0, n), pol, owner=rng.integers(-2, 3, n), rng=rng, background=background
    )
    ok = out.outcome == SUCCESS
    # every transaction ends exactly once: served, or failed after its days ran out
    assert set(np.unique(out.outcome)) <= {SUCCESS, FAILED}
    assert np.all(np.isfinite(out.done[ok])) and np.all(np.isinf(out.done[~ok]))
    assert np.all(out.done[ok] >= submit[ok])
    # attempts = failures + the one success; failed ones never exceed their daily budget
    assert np.all(out.timeouts == out.attempts - ok)
    assert np.all(out.attempts <= attempts * pol.max_days)
    # the polls: one attempt each, counted in the hourly statistics with the transactions
    assert out.background_attempts == n and 0 <= out.background_failed <= n
    assert out.attempts_h.sum() == out.attempts.sum() + n
    assert out.timeouts_h.sum() == out.timeouts.sum() + out.background_failed
    assert out.response_hist.sum() == out.attempts.sum() + n
    assert out.request_hist.sum() == out.attempts.sum()  # the requests' own histogram leaves the polls out
    assert np.all(out.useful_s <= out.busy_s + 1e-9)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    m=st.integers(0, 600),
    seed=st.integers(0, 10_000),
    workers=st.integers(1, 6),
    qlim=st.integers(0, 30),
    give_up=st.integers(1, 4),
)
def test_background_stream_serves_polls_exactly_as_merged_transactions(n, m, seed, workers, qlim, give_up):
    # the polls given as a separate stream (no per-poll arrays, no sort) are served exactly as the
    # same polls merged into the transactions as fire-and-forget (owner -2) traffic
    rng = np.random.default_rng(seed)
    submit = np.sort(rng.uniform(0.3, 0.7, n) + rng.integers(0, 3, n))
    work = rng.exponential(1.0, n)
    owner = rng.integers(-1, 3, n)
    bg_t = np.sort(rng.uniform(0.3, 0.7, m) + rng.integers(0, 3, m))
    bg_w = rng.exponential(1.0, m)
    pol = ServerPolicy(
        capacity_tps=2.0, workers=workers, timeout_s=20.0, jitter=0.0, defer_spread_s=0.0,
        queue_limit=qlim, give_up_after=give_up,
    )  # fmt: skip
    split = serve_transactions(submit, work, pol, owner=owner, background=Background(bg_t, bg_w), horizon_days=4)
    t = np.concatenate([submit, bg_t])
    order = np.argsort(t, kind="stable")  # a transaction before a poll at the same instant
    merged = serve_transactions(
        t[order],
        np.concatenate([work, bg_w])[order],
        pol,
        owner=np.concatenate([owner, np.full(m, -2)])[order],
        horizon_days=4,
    )
    fg = np.argsort(order)[:n]  # positions of the transactions in the merged run
    assert np.array_equal(split.done, merged.done[fg]) and np.array_equal(split.outcome, merged.outcome[fg])
    assert np.array_equal(split.attempts, merged.attempts[fg])
    assert np.array_equal(split.deferrals, merged.deferrals[fg])
    assert np.array_equal(split.attempts_h, merged.attempts_h)
    assert np.array_equal(split.timeouts_h, merged.timeouts_h)
    assert np.array_equal(split.response_hist, merged.response_hist)
    assert np.allclose(split.busy_s, merged.busy_s) and np.allclose(split.useful_s, merged.useful_s)
    assert split.background_failed == int((merged.outcome[np.argsort(order)[n:]] != SUCCESS).sum())


def test_session_traffic_is_a_poisson_stream_over_the_open_intervals():
    from sakera_toolkit.sim.central import session_traffic

    # two clients open 08-14 on two days (one with 2 sessions), one open over the horizon's end
    start = np.array([0 + 8 / 24, 1 + 8 / 24, 0 + 8 / 24, 2 + 20 / 24])
    end = np.array([0 + 14 / 24, 1 + 14 / 24, 0 + 14 / 24, 3 + 4 / 24])
    weight = np.array([1.0, 1.0, 2.0, 1.0])
    counts = []
    for seed in range(200):
        bg = session_traffic(start, end, weight, 30.0, np.random.default_rng(seed), horizon_days=3.0, service_cv=1.0)
        assert np.all(np.diff(bg.times) >= 0) and bg.work.shape == bg.times.shape
        assert np.all(bg.times < 3.0)
        day0 = (bg.times >= start[0]) & (bg.times < end[0])
        day1 = (bg.times >= start[1]) & (bg.times < end[1])
        late = bg.times >= start[3]
        assert day0.sum() + day1.sum() + late.sum() == bg.size  # nothing outside the intervals
        counts.append((day0.sum(), day1.sum(), late.sum()))
    c = np.array(counts, dtype=float)
    expect = np.array([3 * 6 * 30, 6 * 30, 4 * 30])  # sessions x open hours x tph (late one cut at 3.0)
    assert np.all(np.abs(c.mean(axis=0) - expect) < 4 * np.sqrt(expect / 200))
    assert np.all(np.abs(c.var(axis=0) / expect - 1) < 0.3)  # Poisson: variance = mean
    same = session_traffic(start, end, weight, 30.0, np.random.default_rng(5), horizon_days=3.0, service_cv=1.0)
    again = session_traffic(start, end, weight, 30.0, np.random.default_rng(5), horizon_days=3.0, service_cv=1.0)
    assert np.array_equal(same.times, again.times) and np.array_equal(same.work, again.work)
    # the compiled draw grows its output when the count exceeds the guess: the same points either way
    from sakera_toolkit.sim.central import _poisson_times

    lam, knots, level = np.array([0.0, 500.0]), np.array([0.0, 1.0]), np.array([500.0, 0.0])
    big = _poisson_times(np.random.default_rng(9), lam, knots, level, 10_000)
    small = _poisson_times(np.random.default_rng(9), lam, knots, level, 1)
    assert np.array_equal(big, small) and 400 < big.size < 600


def test_overlapping_outages_are_merged_and_cut_out_of_degraded_periods():
    from sakera_toolkit.sim.central import server_windows

    w = server_windows([(1.0, 2.0), (1.5, 3.0), (5.0, 6.0)], ((2.5, 5.5, 0.5), (7.0, 8.0, 0.3)))
    assert w.start.tolist() == [1.0, 3.0, 5.0, 7.0] and w.end.tolist() == [3.0, 5.0, 6.0, 8.0]
    assert w.factor.tolist() == [0.0, 0.5, 0.0, 0.3]


def test_engine_with_many_random_outages_and_the_server_runs():
    # random outages overlap each other at this rate; the server's windows used to refuse them
    from sakera_toolkit.sim import FlowParams, run
    from sakera_toolkit.sim.central import CentralSettings

    p = FlowParams.all_live(days=30, warmup_days=0, random_outages_per_year=365.0, central=CentralSettings.default())
    kp = run(p, seed=2).kpis.iloc[0]
    assert kp["arrivals"] == kp["completed"] + kp["abandoned"] + kp["in_system"]
    assert kp["server_timeout_share"] > 0


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 400), seed=st.integers(0, 10_000), workers=st.integers(1, 6), squeeze=st.floats(0.1, 0.99))
def test_response_time_non_decreasing_in_load(n, seed, workers, squeeze):
    # the same transactions arriving closer together (higher load) never finish sooner relative
    # to their arrival (FIFO multi-server queues are monotone in the interarrival times)
    rng = np.random.default_rng(seed)
    submit = np.cumsum(rng.exponential(1.0, n)) / 86400.0
    work = rng.exponential(1.0, n)
    pol = ServerPolicy(capacity_tps=workers, workers=workers, **NO_TIMEOUT)
    light = serve_transactions(submit, work, pol)
    heavy = serve_transactions(submit * squeeze, work, pol)
    assert np.all((heavy.done - submit * squeeze) >= (light.done - submit) - 1e-12)


def test_engine_stage_conserves_requests_and_server_slows_the_desks():
    from sakera_toolkit.sim import FlowParams, run
    from sakera_toolkit.sim.central import CentralLoad, CentralSettings, policy_from_calibration

    base = dict(days=20, warmup_days=5, random_outages_per_year=0.0)
    fast = CentralSettings(policy_from_calibration(capacity_tps=50.0, workers=50), CentralLoad.from_calibration())
    slow = CentralSettings(policy_from_calibration(capacity_tps=1.2), CentralLoad.from_calibration())
    k = {}
    for name, s in (("fast", fast), ("slow", slow)):
        kp = run(FlowParams.all_live(**base, central=s), seed=3).kpis.iloc[0]
        assert kp["arrivals"] == kp["completed"] + kp["abandoned"] + kp["in_system"]
        k[name] = kp
    assert k["slow"]["server_response_p95_s"] > k["fast"]["server_response_p95_s"]
    assert k["slow"]["server_request_response_p95_s"] > k["fast"]["server_request_response_p95_s"]
    assert k["slow"]["server_desk_minutes_lost"] > k["fast"]["server_desk_minutes_lost"]
    assert k["slow"]["utilisation_counter"] > k["fast"]["utilisation_counter"]


def test_scenario_server_section_is_validated_with_field_paths():
    from sakera_toolkit.scenarios.spec import Scenario

    head = "name: t\nhorizon: {start_date: 2022-01-01, days: 30}\n"
    sc = Scenario.from_yaml_text(head + "server: {capacity_tps: 5, batch_upload: 15-21}\n")
    assert sc.server.central.policy.capacity_tps == 5 and sc.server.central.load.upload_window == (15.0, 21.0)
    assert Scenario.from_yaml_text(sc.to_yaml()) == sc
    with pytest.raises(SakeraInputError, match="server.timeout_s"):
        Scenario.from_yaml_text(head + "server: {timeout_s: -1}\n")
    with pytest.raises(SakeraInputError, match="server.batch_upload"):
        Scenario.from_yaml_text(head + "server: {batch_upload: late}\n")
    assert Scenario.from_yaml_text(head).server.central is None


@pytest.mark.parametrize("villages", [None, 40])
def test_capacity_cli_uses_the_levers_of_evidence_server(monkeypatch, capsys, villages):
    """``sakera capacity`` searches exactly the (policy, load) pairs of ``evidence.server.levers``."""
    import json

    from sakera_toolkit.cli import main
    from sakera_toolkit.evidence import server
    from sakera_toolkit.scenarios import saturation
    from sakera_toolkit.sim.central import CentralLoad, policy_from_calibration

    seen = []

    def fake_search(scenario, *args, **kw):
        policy, load = args[-2:]
        seen.append((policy, load))
        return saturation.SearchResult(values=[float(len(seen)), float(len(seen))], probes=[])

    monkeypatch.setattr(saturation, "max_villages", fake_search)
    monkeypatch.setattr(saturation, "capacity_needed", fake_search)
    argv = ["capacity", "all-2022", "--batch-window", "16-20", "--stagger", "1.5", "--capacity", "4", "--json"]
    if villages is not None:
        argv = [a for a in argv if a not in ("--capacity", "4")] + ["--villages", str(villages)]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    policy = policy_from_calibration() if villages is not None else policy_from_calibration(capacity_tps=4.0)
    want = server.levers(
        policy, CentralLoad.from_calibration(), batch_window=(16.0, 20.0), stagger_hours=1.5, capacity_factor=None
    )
    assert [r["lever"] for r in out["levers"]] == list(want)
    assert seen == list(want.values())
    assert "kapasitas" not in " ".join(want)  # --capacity/--villages decide the capacity, no upgrade lever
    assert len(server.levers(policy)) == len(want) + 1  # the report's levers add the capacity upgrade


def test_capacity_replications_in_dask_workers_give_the_same_answer(capsys):
    """`sakera capacity --workers 2` runs the replications' bisections in a Dask process pool:
    the JSON is byte-identical to the in-process search (each replication has its own streams)."""
    from sakera_toolkit.cli import main

    outs = []
    for workers in ("1", "2"):
        argv = ["capacity", "all-2022", "--days", "5", "-r", "2", "--no-levers", "--json", "--workers", workers]
        assert main(argv) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["levers"][0]["per_replication"]


def test_simulate_text_table_shows_the_server_kpis_with_bounds_not_below_zero(capsys):
    import re

    from sakera_toolkit.cli import main

    assert main(["simulate", "overload-july-2022", "-r", "2", "--days", "35"]) == 0
    out = capsys.readouterr().out
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\s*(server_\w+)\s+\S+\s+\[(-?[\d.,]+),", out, re.M)}
    assert set(rows) >= {"server_response_p95_s", "server_request_response_p95_s", "server_timeout_share"}
    assert not any(low.startswith("-") for low in rows.values()), rows
    assert main(["simulate", "-r", "2", "--days", "35"]) == 0  # no server stage: no server rows
    assert "server_" not in capsys.readouterr().out


def test_histogram_bin_is_exactly_numpys_searchsorted():
    from sakera_toolkit.sim.server import _BIN_CELL_S, _BIN_TABLE, RESPONSE_BINS_S, _hist_bin

    edges = RESPONSE_BINS_S
    cells = np.arange(_BIN_TABLE.size + 2) * _BIN_CELL_S  # the table's cell borders and its end
    rng = np.random.default_rng(0)
    xs = np.concatenate([edges[:-1], np.nextafter(edges[:-1], 0), np.nextafter(edges[:-1], np.inf),
                         cells, np.nextafter(cells, 0), np.nextafter(cells, np.inf),
                         rng.uniform(0, 8000, 5000), rng.uniform(0, 130, 5000), np.exp(rng.uniform(-6, 10, 5000)),
                         [0.0, 1e9]])  # fmt: skip
    got = [_hist_bin(edges, _BIN_TABLE, float(x)) for x in xs]
    assert got == np.searchsorted(edges, xs, side="left").tolist()


def test_capacity_says_when_the_server_is_saturated_before_any_village(monkeypatch, capsys):
    """A bisection that finds even 0 villages saturated answers -1: the CLI says so in words, counts
    such replications, and carries them as 0 villages in the mean (never "-1.0 villages")."""
    import json

    from sakera_toolkit.cli import main
    from sakera_toolkit.scenarios import saturation

    answers: list[list[float]] = []

    def fake_search(scenario, *args, **kw):
        return saturation.SearchResult(values=answers[0], probes=[])

    monkeypatch.setattr(saturation, "max_villages", fake_search)
    answers.append([-1.0, -1.0, -1.0])
    assert main(["capacity", "all-2022", "--capacity", "2", "--no-levers", "-r", "3"]) == 0
    out = capsys.readouterr().out
    assert "jenuh walau belum ada desa aktif" in out and "-1" not in out
    answers[0] = [-1.0, 30.0, 60.0]
    assert main(["capacity", "all-2022", "--capacity", "2", "--no-levers", "-r", "3"]) == 0
    out = capsys.readouterr().out
    assert "maks. desa aktif 30.0" in out and "(1 dari 3 replikasi jenuh tanpa desa aktif)" in out
    assert main(["capacity", "all-2022", "--capacity", "2", "--no-levers", "-r", "3", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["levers"][0]
    assert row["max_villages"]["mean"] == 30.0 and row["saturated_without_villages"] == 1
    assert row["per_replication"] == [-1.0, 30.0, 60.0]


def test_capacity_search_says_when_no_capacity_is_enough(monkeypatch, capsys):
    """When no capacity up to MAX_CAPACITY_FACTOR x the calibration clears saturation, the search
    answers inf (it reported the last capacity tried) and the CLI says so in words."""
    from sakera_toolkit import scenarios
    from sakera_toolkit.cli import main
    from sakera_toolkit.scenarios import saturation
    from sakera_toolkit.sim.central import CentralLoad, policy_from_calibration

    tried: list[float] = []

    def always_saturated(scenario, n, policy, load, **kw):
        tried.append(policy.capacity_tps)
        return saturation.Probe(n, policy.capacity_tps, kw["replication"], {"server_response_p95_s": 1e9, "server_timeout_share": 1.0})

    monkeypatch.setattr(saturation, "probe", always_saturated)
    policy = policy_from_calibration()
    value, probes = saturation._capacity_search(
        scenarios.load("all-2022"), 10, policy, CentralLoad.from_calibration(), 0, 0, 5, 0.05
    )
    assert value == np.inf and max(tried) <= policy.capacity_tps * saturation.MAX_CAPACITY_FACTOR
    assert main(["capacity", "all-2022", "--villages", "10", "--no-levers", "-r", "2", "--workers", "1"]) == 0
    assert "tidak tercapai walau kapasitas x1024" in capsys.readouterr().out

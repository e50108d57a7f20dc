"""The queueing kernels agree with plain SimPy models fed the same arrays."""

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle_kernel import serve_groups_heap

from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.sim import Calendar, multi_server_fifo, serve_groups
from sakera_toolkit.sim.kernel import Rounds, always_open, serve_rows, stable_argsort


def simpy_fifo(arrivals, service, servers, priority=None, fail=None, retry_delay=None):
    """Reference: a SimPy Resource (or PriorityResource) fed the same arrays; returns visits."""
    env = simpy.Environment()
    res = (
        simpy.PriorityResource(env, capacity=servers) if priority is not None else simpy.Resource(env, capacity=servers)
    )
    visits = []
    rounds = 1 if fail is None else fail.shape[1]

    def customer(i):
        yield env.timeout(arrivals[i])
        k = 0
        while True:
            arrived = env.now
            req = res.request(priority=priority[i]) if priority is not None else res.request()
            yield req
            start = env.now
            dur = service[i] if service.ndim == 1 else service[i, k]
            yield env.timeout(dur)
            res.release(req)
            visits.append((i, k, arrived, start, env.now))
            if fail is not None and fail[i, k] and k + 1 < rounds and not np.isnan(retry_delay[i, k]):
                yield env.timeout(retry_delay[i, k])
                k += 1
                continue
            break

    for i in range(len(arrivals)):
        env.process(customer(i))
    env.run()
    return visits


@st.composite
def queue_inputs(draw):
    n = draw(st.integers(0, 60))
    gaps = draw(st.lists(st.one_of(st.just(0.0), st.floats(0, 5, allow_nan=False)), min_size=n, max_size=n))
    service = draw(st.lists(st.one_of(st.just(0.0), st.floats(0, 8, allow_nan=False)), min_size=n, max_size=n))
    servers = draw(st.integers(1, 5))
    return np.cumsum(np.array(gaps, dtype=float)), np.array(service, dtype=float), servers


@settings(max_examples=150, deadline=None)
@given(queue_inputs())
def test_multi_server_fifo_matches_simpy(inputs):
    arrivals, service, servers = inputs
    starts = multi_server_fifo(arrivals, service, servers)
    ref = np.full(len(arrivals), np.nan)
    for i, _k, _a, start, _e in simpy_fifo(arrivals, service, servers):
        ref[i] = start
    np.testing.assert_allclose(starts, ref, rtol=0, atol=1e-9)
    assert (starts >= arrivals).all()


@settings(max_examples=60, deadline=None)
@given(queue_inputs())
def test_serve_groups_always_open_equals_fifo(inputs):
    arrivals, service, servers = inputs
    out = serve_groups(np.zeros(len(arrivals), int), arrivals, service, np.array([servers]), always_open(1))
    starts = np.empty(len(arrivals))
    starts[out["request"]] = out["start"]
    np.testing.assert_allclose(starts, multi_server_fifo(arrivals, service, servers), rtol=0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 3), st.integers(1, 3))
def test_priorities_and_retries_match_simpy(seed, n, servers, rounds):
    rng = np.random.default_rng(seed)
    arrivals = np.sort(rng.uniform(0, 20, n))
    service = rng.exponential(1.0, (n, rounds))
    priority = rng.integers(0, 3, n).astype(float)
    fail = rng.random((n, rounds)) < 0.4
    delay = np.where(rng.random((n, rounds)) < 0.8, rng.exponential(3.0, (n, rounds)), np.nan)
    out = serve_groups(np.zeros(n, int), arrivals, service, np.array([servers]), always_open(1), priority, fail, delay)
    ref = sorted(simpy_fifo(arrivals, service, servers, priority, fail, delay))
    got = sorted(zip(out["request"], out["round"], out["arrival"], out["start"], out["end"], strict=True))
    assert len(got) == len(ref)
    np.testing.assert_allclose(np.array(got, float), np.array(ref, float), rtol=0, atol=1e-9)


def _warp(cal_start, cal_end):
    """Working-time coordinate maps for one group (reference for the calendar variant)."""
    lengths = cal_end - cal_start
    cum = np.concatenate([[0.0], np.cumsum(lengths)])

    def to_work(t):
        k = np.searchsorted(cal_end, t, side="right")
        k = np.minimum(k, len(cal_start) - 1)
        return cum[k] + np.clip(t - cal_start[k], 0, lengths[k])

    def from_work_start(w):
        k = np.searchsorted(cum[1:], w, side="right")
        return cal_start[k] + (w - cum[k])

    return to_work, from_work_start


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80), st.integers(1, 4))
def test_calendar_variant_is_fifo_in_working_time(seed, n, servers):
    rng = np.random.default_rng(seed)
    days = np.arange(400.0)
    cal_start, cal_end = days + 0.3, days + 0.55  # open 07:12-13:12 every day
    arrivals = np.sort(rng.uniform(0, 30, n))
    service = rng.exponential(0.05, n)
    cal = Calendar(np.array([0, len(days)]), cal_start, cal_end)
    out = serve_groups(np.zeros(n, int), arrivals, service, np.array([servers]), cal)
    starts = np.empty(n)
    ends = np.empty(n)
    starts[out["request"]] = out["start"]
    ends[out["request"]] = out["end"]
    to_work, from_work = _warp(cal_start, cal_end)
    w_starts = multi_server_fifo(to_work(arrivals), service, servers)
    np.testing.assert_allclose(to_work(starts), w_starts, atol=1e-9)
    np.testing.assert_allclose(starts, from_work(w_starts), atol=1e-9)
    np.testing.assert_allclose(to_work(ends) - to_work(starts), service, atol=1e-9)
    # every start lies inside an open interval
    k = np.searchsorted(cal_end, starts, side="right")
    assert ((starts >= cal_start[k]) & (starts < cal_end[k])).all()


def test_calendar_add_work_spans_closures_and_ends():
    cal = Calendar(np.array([0, 2]), np.array([1.0, 3.0]), np.array([2.0, 4.0]))
    assert cal.next_open(np.array([0]), np.array([0.5]))[0] == 1.0
    assert cal.next_open(np.array([0]), np.array([2.5]))[0] == 3.0
    assert cal.add_work(np.array([0]), np.array([1.5]), np.array([1.0]))[0] == pytest.approx(3.5)
    assert cal.add_work(np.array([0]), np.array([1.5]), np.array([5.0]))[0] == np.inf
    assert cal.next_open(np.array([0]), np.array([4.0]))[0] == np.inf
    assert cal.open_time(0, 0.0, 3.5) == pytest.approx(1.5)


def test_groups_are_independent():
    rng = np.random.default_rng(3)
    a = np.sort(rng.uniform(0, 10, 50))
    s = rng.exponential(1, 50)
    g = rng.integers(0, 3, 50)
    out = serve_groups(g, a, s, np.array([1, 2, 3]), always_open(3))
    starts = np.empty(50)
    starts[out["request"]] = out["start"]
    for grp, c in enumerate([1, 2, 3]):
        m = g == grp
        np.testing.assert_allclose(starts[m], multi_server_fifo(a[m], s[m], c))


@pytest.mark.parametrize(
    "args,field",
    [
        (([1.0, 0.5], [1.0, 1.0], 1), "arrivals"),
        (([0.0, 1.0], [1.0, -1.0], 1), "service"),
        (([0.0, 1.0], [1.0, 1.0], 0), "servers"),
        (([0.0, 1.0], [1.0], 1), "service"),
    ],
)
def test_bad_input_names_the_field(args, field):
    with pytest.raises(SakeraInputError, match=field):
        multi_server_fifo(*args)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 400), st.sampled_from([1.0, 1e-9, 1e6]), st.booleans())
def test_stable_argsort_equals_numpy(seed, n, scale, special):
    rng = np.random.default_rng(seed)
    x = np.round(rng.random(n) * scale, int(rng.integers(0, 4)))  # rounding makes ties
    if special and n:
        m = rng.random(n)
        x[m < 0.1] = np.inf
        x[(m >= 0.1) & (m < 0.15)] = np.nan
        x[(m >= 0.15) & (m < 0.2)] = -np.inf
    np.testing.assert_array_equal(stable_argsort(x), np.argsort(x, kind="stable"))


def _calendar_case(rng):
    G, n, R = int(rng.integers(1, 4)), int(rng.integers(1, 120)), int(rng.integers(1, 4))
    days = int(rng.integers(2, 12))  # short calendars: some visits are never served
    cal = Calendar.from_masks(np.arange(days) + 0.3, np.arange(days) + 0.55, rng.random((G, days)) < 0.8)
    return (
        rng.integers(0, G, n),
        np.round(rng.uniform(0, 10, n), int(rng.integers(0, 3))),
        rng.exponential(0.3, (n, R)),
        rng.integers(1, 3, G),
        cal,
        rng.random((n, R)) < 0.4,
        np.where(rng.random((n, R)) < 0.8, np.round(rng.exponential(1.0, (n, R)), 1), np.nan),
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([1, 2, 3, 8, 12, 80]))
def test_level_queues_reproduce_the_heap_kernel(seed, n_levels):
    """The FIFO-per-priority-level kernel serves in the heap kernel's order (up to 80 levels)."""
    rng = np.random.default_rng(seed)
    group, arrival, service, servers, cal, fail, delay = _calendar_case(rng)
    prio = rng.integers(0, n_levels, len(arrival)).astype(float)
    rounds = Rounds.from_dense(service, fail, delay)
    order = np.lexsort((arrival, group))
    gptr = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=cal.groups))])
    ref = serve_groups_heap(
        gptr, order, arrival[order], prio[order], rounds.service0[order], rounds.fail0[order],
        rounds.delay0[order], rounds.xptr, rounds.xservice, rounds.xfail, rounds.xdelay, rounds.rounds,
        servers.astype(np.int64), cal.ptr, cal.start, cal.end, cal.cum, cal.cum_end,
    )  # fmt: skip
    out = serve_groups(group, arrival, service, servers, cal, prio, fail, delay)
    for key, expected in zip(("request", "round", "arrival", "start", "end", "work"), ref, strict=True):
        np.testing.assert_array_equal(out[key], expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_serve_rows_equals_serve_groups_on_a_subset(seed):
    rng = np.random.default_rng(seed)
    group, arrival, service, servers, cal, fail, delay = _calendar_case(rng)
    prio = rng.integers(0, 3, len(arrival)).astype(float)
    rounds = Rounds.from_dense(service, fail, delay)
    sel = rng.permutation(len(arrival))[: max(1, len(arrival) // 2)]
    got = serve_rows(group[sel], arrival[sel], rounds, servers, cal, prio[sel], rows=sel)
    want = serve_groups(group[sel], arrival[sel], rounds.subset(sel), servers, cal, prio[sel])
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])


def test_nan_priority_is_rejected():
    with pytest.raises(SakeraInputError, match="priority"):
        serve_groups(np.zeros(2, int), np.array([0.0, 1.0]), np.ones(2), np.array([1]), always_open(1), [0.0, np.nan])

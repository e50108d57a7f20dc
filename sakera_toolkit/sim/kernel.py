"""Compiled queueing kernels: multi-server FIFO, with and without working calendars.

Everything here works on plain numpy arrays and is compiled with numba; there is no per-event
Python object. Times are in days (any unit works for :func:`multi_server_fifo`).

Two kernels:

* :func:`multi_server_fifo` -- the public, validated kernel: ``servers`` identical servers, first
  come first served, always open. Each customer starts at ``max(arrival, earliest free server)``;
  a binary heap keeps the servers' next-free times. It reproduces a SimPy ``Resource`` model fed
  the same arrays (see ``tests/test_kernel.py``).
* :func:`serve_groups` -- the engine's workhorse: many independent queues ("groups", e.g. one per
  village desk) each with its own server count and working calendar, non-preemptive priorities,
  and retries (a customer who fails a visit comes back after a delay and queues again). Service
  is measured in *working time*: a service running at closing time pauses and resumes at the next
  opening (so outages lose no work). The waiting line is one FIFO pair per priority level (fresh
  arrivals in arrival order, admitted retries in return order); the next customer is the head of
  the lowest non-empty level, so a dispatch costs O(levels). It serves in exactly the order of a
  heap of ``(priority, time, seq)`` tuples (a plain Python version of that is the test oracle,
  ``tests/oracle_kernel.py``).
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

from .._sort import stable_argsort
from ..errors import SakeraInputError

__all__ = [
    "multi_server_fifo",
    "serve_groups",
    "serve_rows",
    "stable_argsort",
    "visit_summary",
    "Calendar",
    "Rounds",
    "always_open",
]


@njit(cache=True)
def _fifo(arrivals, service, servers):
    n = arrivals.shape[0]
    starts = np.empty(n, dtype=np.float64)
    free = [0.0] * servers  # every server free from time 0; a valid heap
    for i in range(n):
        earliest = free[0]
        a = arrivals[i]
        s = a if a > earliest else earliest
        starts[i] = s
        heapq.heapreplace(free, s + service[i])
    return starts


def multi_server_fifo(arrivals, service, servers: int) -> np.ndarray:
    """Service start times of a FIFO queue with ``servers`` identical servers.

    Parameters
    ----------
    arrivals
        Arrival times, sorted ascending (1-D, finite, >= 0).
    service
        Service durations (same length, finite, >= 0).
    servers
        Number of identical servers (>= 1).

    Returns
    -------
    numpy.ndarray
        Start time of each customer's service; waiting time is ``starts - arrivals`` and departure
        ``starts + service``.
    """
    a = np.ascontiguousarray(arrivals, dtype=np.float64)
    s = np.ascontiguousarray(service, dtype=np.float64)
    if a.ndim != 1 or s.shape != a.shape:
        raise SakeraInputError("arrivals and service must be 1-D arrays of the same length", location="service")
    if int(servers) != servers or servers < 1:
        raise SakeraInputError(f"servers must be a positive integer, got {servers!r}", location="servers")
    if a.size:
        if not (np.isfinite(a).all() and np.isfinite(s).all()):
            raise SakeraInputError("arrivals and service must be finite", location="arrivals")
        if (a[0] < 0) or (s < 0).any():
            raise SakeraInputError("arrivals and service must be >= 0", location="service")
        if (np.diff(a) < 0).any():
            raise SakeraInputError("arrivals must be sorted ascending", location="arrivals")
    return _fifo(a, s, int(servers))


# --------------------------------------------------------------------------------------------
# Working calendars
# --------------------------------------------------------------------------------------------
class Calendar:
    """Open intervals of several groups in compressed (CSR) form.

    Group ``g`` is open on ``[start[k], end[k])`` for ``k`` in ``ptr[g]:ptr[g+1]`` (sorted, disjoint).
    ``cum[k]`` is the open time of group ``g`` before ``start[k]`` (working-time coordinate).
    ``cum_end[k] = cum[k] + (end[k] - start[k])``. Beyond the last interval a group is closed for
    ever (times become ``inf``).
    """

    def __init__(self, ptr: np.ndarray, start: np.ndarray, end: np.ndarray):
        self.ptr = np.ascontiguousarray(ptr, dtype=np.int64)
        self.start = np.ascontiguousarray(start, dtype=np.float64)
        self.end = np.ascontiguousarray(end, dtype=np.float64)
        length = self.end - self.start
        cum = np.concatenate([[0.0], np.cumsum(length)])[:-1]
        first = cum[np.minimum(self.ptr[:-1], max(len(cum) - 1, 0))] if len(cum) else np.zeros(len(self.ptr) - 1)
        group_of = np.repeat(np.arange(len(self.ptr) - 1), np.diff(self.ptr))
        self.cum = np.ascontiguousarray(cum - first[group_of] if len(cum) else cum, dtype=np.float64)
        self.cum_end = np.ascontiguousarray(self.cum + (self.end - self.start), dtype=np.float64)

    @property
    def groups(self) -> int:
        """Number of groups."""
        return len(self.ptr) - 1

    @classmethod
    def from_masks(cls, start: np.ndarray, end: np.ndarray, keep: np.ndarray) -> Calendar:
        """Build from shared intervals and a ``(groups, intervals)`` boolean mask of the ones kept."""
        keep = np.asarray(keep, dtype=bool)
        rows, cols = np.nonzero(keep)
        ptr = np.zeros(keep.shape[0] + 1, dtype=np.int64)
        np.cumsum(keep.sum(axis=1), out=ptr[1:])
        return cls(ptr, np.asarray(start)[cols], np.asarray(end)[cols])

    def next_open(self, group: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Earliest open instant >= ``t`` for each (group, t) pair (vectorised)."""
        return _next_open_many(self.ptr, self.start, self.end, np.asarray(group, np.int64), np.asarray(t, np.float64))

    def add_work(self, group: np.ndarray, t: np.ndarray, work: np.ndarray | float) -> np.ndarray:
        """Instant at which ``work`` units of open time after ``t`` have elapsed (vectorised)."""
        g = np.asarray(group, np.int64)
        t = np.asarray(t, np.float64)
        w = np.broadcast_to(np.asarray(work, np.float64), t.shape)
        return _add_work_many(self.ptr, self.start, self.end, self.cum, self.cum_end, g, t, np.ascontiguousarray(w))

    def open_time(self, group: int, t0: float, t1: float) -> float:
        """Open time of ``group`` within ``[t0, t1)``."""
        lo, hi = self.ptr[group], self.ptr[group + 1]
        s = np.clip(self.start[lo:hi], t0, t1)
        e = np.clip(self.end[lo:hi], t0, t1)
        return float((e - s).sum())


def always_open(groups: int = 1, until: float = 1e18) -> Calendar:
    """A calendar in which every group is open from 0 to ``until``."""
    ptr = np.arange(groups + 1, dtype=np.int64)
    return Calendar(ptr, np.zeros(groups), np.full(groups, float(until)))


@njit(cache=True, inline="always")
def _work_from(cs, ce, cum, cend, k, hi, t, work):
    """End of ``work`` open time starting at open instant ``t`` inside interval ``k``.

    Inlined into the loops that call it; the rare case of work running past the interval's end is
    :func:`_work_past`, a separate function (a slice inside an inlined body costs a reference-count
    update on every call, ~8x the whole fast path).
    """
    if t + work <= ce[k]:
        return t + work
    return _work_past(cs, cum, cend, k, hi, t, work)


@njit(cache=True, inline="never")
def _work_past(cs, cum, cend, k, hi, t, work):
    """:func:`_work_from` when the work does not end inside interval ``k``.

    In working-time coordinates the end is ``target = cum[k] + (t - cs[k]) + work``: the first
    interval ``j > k`` whose working-time end ``cend[j]`` reaches it holds the end instant.
    """
    target = cum[k] + (t - cs[k]) + work
    a = k + 1 + np.searchsorted(cend[k + 1 : hi], target, side="left")
    if a >= hi:
        return np.inf
    return cs[a] + (target - cum[a])


# The calendar loops below are written out as one loop body each (not calls of small inlined
# helpers): numba does not inline a second level, and an inlined helper that slices an array ran
# ~8x slower than the same steps in the loop (measured on the upload stage's 288,000 requests).
@njit(cache=True)
def _next_open_many(ptr, cs, ce, g, t):
    """``out[i]`` = the earliest open instant of group ``g[i]`` at or after ``t[i]`` (``inf`` if none)."""
    out = np.full(t.shape[0], np.inf)
    for i in range(t.shape[0]):
        lo = ptr[g[i]]
        hi = ptr[g[i] + 1]
        k = lo + np.searchsorted(ce[lo:hi], t[i], side="right")  # first interval ending after t
        if k < hi:
            s = cs[k]
            out[i] = s if s > t[i] else t[i]
    return out


@njit(cache=True)
def _add_work_many(ptr, cs, ce, cum, cend, g, t, w):
    """``out[i]`` = the instant at which ``w[i]`` units of group ``g[i]``'s open time after ``t[i]`` have elapsed.

    ``t[i]`` need not be open; ``inf`` when the calendar ends first or ``t[i]`` is not finite.
    """
    out = np.full(t.shape[0], np.inf)
    for i in range(t.shape[0]):
        ti = t[i]
        if not np.isfinite(ti):
            continue
        lo = ptr[g[i]]
        hi = ptr[g[i] + 1]
        k = lo + np.searchsorted(ce[lo:hi], ti, side="right")  # first interval ending after t
        if k >= hi:
            continue
        ti = max(ti, cs[k])
        if w[i] <= 0.0:
            out[i] = ti
        elif ti + w[i] <= ce[k]:  # as _work_from
            out[i] = ti + w[i]
        else:
            out[i] = _work_past(cs, cum, cend, k, hi, ti, w[i])
    return out


# --------------------------------------------------------------------------------------------
# Grouped, calendar-aware queue with priorities and retries
# --------------------------------------------------------------------------------------------
class Rounds:
    """Visit rounds of every customer in compact form.

    Round 0 (every customer): ``service0``, ``fail0``, ``delay0`` of shape ``(n,)``. Later rounds
    exist only for customers who failed and came back: customer ``j``'s round ``k >= 1`` is at
    ``xptr[j] + k - 1`` of ``xservice``, ``xfail``, ``xdelay``. ``delay`` is the time before the
    next visit after a failure (``nan``: gives up); ``rounds`` caps the number of visits.
    """

    def __init__(self, service0, fail0, delay0, xptr, xservice, xfail, xdelay, rounds: int):
        self.service0 = np.ascontiguousarray(service0, dtype=np.float64)
        self.fail0 = np.ascontiguousarray(fail0, dtype=np.bool_)
        self.delay0 = np.ascontiguousarray(delay0, dtype=np.float64)
        self.xptr = np.ascontiguousarray(xptr, dtype=np.int64)
        self.xservice = np.ascontiguousarray(xservice, dtype=np.float64)
        self.xfail = np.ascontiguousarray(xfail, dtype=np.bool_)
        self.xdelay = np.ascontiguousarray(xdelay, dtype=np.float64)
        self.rounds = int(rounds)

    def __len__(self) -> int:
        return len(self.service0)

    @classmethod
    def from_dense(cls, service, fail=None, delay=None) -> Rounds:
        """From ``(n, rounds)`` arrays (every round of every customer)."""
        service = np.asarray(service, dtype=np.float64)
        if service.ndim == 1:
            service = service[:, None]
        n, rounds = service.shape
        fail = np.zeros((n, rounds), dtype=np.bool_) if fail is None else np.asarray(fail, dtype=np.bool_)
        delay = np.full((n, rounds), np.nan) if delay is None else np.asarray(delay, dtype=np.float64)
        xptr = np.arange(n + 1, dtype=np.int64) * (rounds - 1)
        return cls(
            service[:, 0],
            fail[:, 0],
            delay[:, 0],
            xptr,
            service[:, 1:].ravel(),
            fail[:, 1:].ravel(),
            delay[:, 1:].ravel(),
            rounds,
        )

    def subset(self, idx: np.ndarray) -> Rounds:
        """The customers ``idx`` (in that order)."""
        counts = np.diff(self.xptr)[idx]
        xptr = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=xptr[1:])
        src = np.repeat(self.xptr[idx], counts) + (np.arange(int(xptr[-1])) - np.repeat(xptr[:-1], counts))
        return Rounds(
            self.service0[idx],
            self.fail0[idx],
            self.delay0[idx],
            xptr,
            self.xservice[src],
            self.xfail[src],
            self.xdelay[src],
            self.rounds,
        )


@njit(cache=True, inline="always")
def _unserved(v_req, v_round, v_arr, v_start, v_end, v_work, nv, req, rnd, arr):
    """Record visit ``nv`` as never served (the calendar ended first); return ``nv + 1``."""
    v_req[nv] = req
    v_round[nv] = rnd
    v_arr[nv] = arr
    v_start[nv] = np.inf
    v_end[nv] = np.inf
    v_work[nv] = 0.0
    return nv + 1


#: Up to this many distinct priorities, levels are ranked in one compiled pass (else by sorting).
_FEW_LEVELS = 64


@njit(cache=True)
def _rank_levels(prio, max_levels):
    """Rank of each priority among the distinct values (ascending) and their count; ``-1`` if too many."""
    n = prio.shape[0]
    vals = np.empty(max_levels, dtype=np.float64)
    nv = 0
    level = np.zeros(n, dtype=np.int64)
    for i in range(n):
        p = prio[i]
        a = np.searchsorted(vals[:nv], p)
        if a < nv and vals[a] == p:
            continue
        if nv == max_levels:
            return level, -1
        vals[a + 1 : nv + 1] = vals[a:nv].copy()
        vals[a] = p
        nv += 1
    for i in range(n):
        level[i] = np.searchsorted(vals[:nv], prio[i])
    return level, max(nv, 1)


@njit(cache=True)
def _level_lists(gptr, ids, level, L):
    """Positions (sorted by group, arrival) regrouped by (group, level), keeping their order."""
    groups = gptr.shape[0] - 1
    n = ids.shape[0]
    lptr = np.zeros(groups * L + 1, dtype=np.int64)
    for g in range(groups):
        for pos in range(gptr[g], gptr[g + 1]):
            lptr[g * L + level[ids[pos]] + 1] += 1
    for k in range(groups * L):
        lptr[k + 1] += lptr[k]
    fill = lptr[:-1].copy()
    lvpos = np.empty(n, dtype=np.int64)
    for g in range(groups):
        for pos in range(gptr[g], gptr[g + 1]):
            key = g * L + level[ids[pos]]
            lvpos[fill[key]] = pos
            fill[key] += 1
    return lvpos, lptr


@njit(cache=True, inline="always")
def _replace_min(h, c, x):
    """``heapq.heapreplace`` on the float min-heap ``h[:c]`` (only its minimum is ever read)."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= c:
            break
        r = child + 1
        if r < c and h[r] < h[child]:
            child = r
        if h[child] >= x:
            break
        h[pos] = h[child]
        pos = child
    h[pos] = x


@njit(cache=True)
def _serve_levels(
    gptr,
    ids,
    rows,
    arrival,
    level,
    L,
    lvpos,
    lptr,
    s0,
    f0,
    d0,
    xptr,
    xs,
    xf,
    xd,
    rounds,
    servers,
    ptr,
    cs,
    ce,
    cum,
    cend,
):
    """The grouped queue: one FIFO pair per priority level (fresh arrivals, admitted retries).

    Positions ``gptr[g]:gptr[g+1]`` are group ``g``'s customers in arrival order; ``ids[pos]`` is the
    customer and ``rows[pos]`` its row in the round arrays; ``arrival``, ``level``, ``s0``, ``f0`` and
    ``d0`` are given per position (gathered: sequential access is much faster than indirect).
    Served order is that of one heap keyed (priority, time, seq), fresh arrivals before retries on
    ties (the plain one-heap oracle in ``tests/oracle_kernel.py``).
    """
    n = ids.shape[0]
    cap = n + xs.shape[0]
    v_req = np.empty(cap, dtype=np.int64)
    v_round = np.empty(cap, dtype=np.int64)
    v_arr = np.empty(cap, dtype=np.float64)
    v_start = np.empty(cap, dtype=np.float64)
    v_end = np.empty(cap, dtype=np.float64)
    v_work = np.empty(cap, dtype=np.float64)
    # admitted retries: records in per-level linked lists (FIFO)
    rcap = xs.shape[0] + 1
    r_time = np.empty(rcap, dtype=np.float64)
    r_seq = np.empty(rcap, dtype=np.int64)
    r_pos = np.empty(rcap, dtype=np.int64)
    r_rnd = np.empty(rcap, dtype=np.int64)
    r_next = np.empty(rcap, dtype=np.int64)
    fp = np.empty(L, dtype=np.int64)
    fend = np.empty(L, dtype=np.int64)
    rhead = np.empty(L, dtype=np.int64)
    rtail = np.empty(L, dtype=np.int64)
    nv = 0
    groups = gptr.shape[0] - 1
    for g in range(groups):
        lo = gptr[g]
        hi = gptr[g + 1]
        if hi == lo:
            continue
        for lv in range(L):
            fp[lv] = lptr[g * L + lv]
            fend[lv] = lptr[g * L + lv + 1]
            rhead[lv] = -1
            rtail[lv] = -1
        nrec = 0
        c = servers[g]
        free = np.zeros(c)  # a binary min-heap of the servers' next free instants
        retries = [(0.0, 0, 0, 0)]  # (time, seq, position, round) not yet back
        retries.pop()
        nwait = 0
        seq = hi - lo
        i = lo
        k = ptr[g]  # calendar cursor: dispatch instants never decrease
        khi = ptr[g + 1]
        last = -np.inf
        while True:
            f = free[0]
            if nwait == 0:
                na = np.inf
                if i < hi:
                    na = arrival[i]
                if len(retries) > 0 and retries[0][0] < na:
                    na = retries[0][0]
                if na == np.inf:
                    break
                t = na if na > f else f
            else:
                t = f if f > last else last
            while k < khi and ce[k] <= t:
                k += 1
            if k >= khi:
                t = np.inf
            elif cs[k] > t:
                t = cs[k]
            last = t
            if t == np.inf:
                # the calendar has ended: every remaining visit waits for ever, listed in the
                # order the heap kernel would (waiting line by key, fresh arrivals, then retries)
                for lv in range(L):
                    while True:
                        hasf = fp[lv] < fend[lv] and lvpos[fp[lv]] < i
                        hasr = rhead[lv] >= 0
                        if hasf and (not hasr or arrival[lvpos[fp[lv]]] <= r_time[rhead[lv]]):
                            pos = lvpos[fp[lv]]
                            fp[lv] += 1
                            nv = _unserved(v_req, v_round, v_arr, v_start, v_end, v_work, nv, ids[pos], 0, arrival[pos])
                        elif hasr:
                            rec = rhead[lv]
                            rhead[lv] = r_next[rec]
                            nv = _unserved(
                                v_req,
                                v_round,
                                v_arr,
                                v_start,
                                v_end,
                                v_work,
                                nv,
                                ids[r_pos[rec]],
                                r_rnd[rec],
                                r_time[rec],
                            )
                        else:
                            break
                while i < hi:
                    nv = _unserved(v_req, v_round, v_arr, v_start, v_end, v_work, nv, ids[i], 0, arrival[i])
                    i += 1
                while len(retries) > 0:
                    r = heapq.heappop(retries)
                    nv = _unserved(v_req, v_round, v_arr, v_start, v_end, v_work, nv, ids[r[2]], r[3], r[0])
                break
            # admit everyone who has arrived by t
            while True:
                fresh = arrival[i] if i < hi else np.inf
                retry = retries[0][0] if len(retries) > 0 else np.inf
                if fresh <= t and fresh <= retry:
                    i += 1
                    nwait += 1
                elif retry <= t:
                    r = heapq.heappop(retries)
                    rec = nrec
                    nrec += 1
                    r_time[rec] = r[0]
                    r_seq[rec] = r[1]
                    r_pos[rec] = r[2]
                    r_rnd[rec] = r[3]
                    r_next[rec] = -1
                    lv = level[r[2]]
                    if rtail[lv] >= 0:
                        r_next[rtail[lv]] = rec
                    else:
                        rhead[lv] = rec
                    rtail[lv] = rec
                    nwait += 1
                else:
                    break
            # the next in line: lowest level, then earliest (time, seq)
            pos = -1
            rnd = 0
            at = 0.0
            for lv in range(L):
                hasf = fp[lv] < fend[lv] and lvpos[fp[lv]] < i
                hasr = rhead[lv] >= 0
                if hasf:
                    p = lvpos[fp[lv]]
                    a = arrival[p]
                    if not hasr or a <= r_time[rhead[lv]]:
                        pos = p
                        at = a
                        fp[lv] += 1
                        break
                if hasr:
                    rec = rhead[lv]
                    rhead[lv] = r_next[rec]
                    if rhead[lv] < 0:
                        rtail[lv] = -1
                    pos = r_pos[rec]
                    rnd = r_rnd[rec]
                    at = r_time[rec]
                    break
            nwait -= 1
            j = ids[pos]
            row = rows[pos]
            if rnd == 0:
                work = s0[pos]
                failed = f0[pos]
                d = d0[pos]
            else:
                x = xptr[row] + rnd - 1
                work = xs[x]
                failed = xf[x]
                d = xd[x]
            end = _work_from(cs, ce, cum, cend, k, khi, t, work)
            if c == 1:
                free[0] = end
            else:
                _replace_min(free, c, end)
            v_req[nv] = j
            v_round[nv] = rnd
            v_arr[nv] = at
            v_start[nv] = t
            v_end[nv] = end
            v_work[nv] = work
            nv += 1
            if failed and rnd + 1 < rounds and xptr[row] + rnd < xptr[row + 1]:
                if not np.isnan(d) and end < np.inf:
                    heapq.heappush(retries, (end + d, seq, pos, rnd + 1))
                    seq += 1
    return v_req[:nv], v_round[:nv], v_arr[:nv], v_start[:nv], v_end[:nv], v_work[:nv]


def serve_groups(
    group: np.ndarray,
    arrival: np.ndarray,
    service,
    servers: np.ndarray,
    calendar: Calendar,
    priority: np.ndarray | None = None,
    fail: np.ndarray | None = None,
    retry_delay: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Simulate independent multi-server queues with calendars, priorities and retries.

    Parameters
    ----------
    group
        Group (queue) of each customer, ``0 <= group < calendar.groups``.
    arrival
        Arrival time of each customer (any order).
    service
        ``(n,)`` or ``(n, rounds)`` service durations in working time, one per visit round, or a
        :class:`Rounds` (then ``fail`` and ``retry_delay`` are taken from it).
    servers
        Servers per group (``>= 1``).
    calendar
        Open intervals of each group (:class:`Calendar`). A service running at closing time
        pauses and resumes at the next opening.
    priority
        Lower value served first (non-preemptive); ties in arrival order. Default: all equal.
    fail
        ``(n, rounds)`` booleans: the visit of that round fails (e.g. incomplete documents).
    retry_delay
        ``(n, rounds)`` delay after a failed visit before the customer queues again; ``nan`` means
        the customer gives up. A failure in the last round is final.

    Returns
    -------
    dict
        One entry per visit: ``request`` (index into the inputs), ``round``, ``arrival``,
        ``start``, ``end`` (``inf`` when the group's calendar ends before the visit is served) and
        ``work`` (its service duration).
    """
    group = np.asarray(group, dtype=np.int64)
    arrival = np.asarray(arrival, dtype=np.float64)
    rounds = service if isinstance(service, Rounds) else Rounds.from_dense(service, fail, retry_delay)
    if len(rounds) != len(arrival) or len(group) != len(arrival):
        raise SakeraInputError("group, arrival and service need one entry per customer", location="service")
    return serve_rows(group, arrival, rounds, servers, calendar, priority)


def serve_rows(
    group: np.ndarray,
    arrival: np.ndarray,
    rounds: Rounds,
    servers: np.ndarray,
    calendar: Calendar,
    priority: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """:func:`serve_groups` for customers whose rounds are rows ``rows`` of ``rounds`` (no copy).

    ``rows[i]`` is customer ``i``'s row in ``rounds`` (default: ``i``); everything else as in
    :func:`serve_groups`, whose results this reproduces exactly.
    """
    group = np.ascontiguousarray(group, dtype=np.int64)
    arrival = np.ascontiguousarray(arrival, dtype=np.float64)
    n = len(arrival)
    if len(group) != n or (rows is None and len(rounds) != n) or (rows is not None and len(rows) != n):
        raise SakeraInputError("group, arrival and service need one entry per customer", location="service")
    servers = np.ascontiguousarray(servers, dtype=np.int64)
    if (servers < 1).any():
        raise SakeraInputError("every group needs at least one server", location="servers")
    if calendar.groups == 1:
        order = stable_argsort(arrival)
    elif n > 1 and (arrival[1:] >= arrival[:-1]).all():
        small = np.int16 if calendar.groups < 2**15 else np.int64  # 16-bit keys sort by radix
        order = np.argsort(group.astype(small), kind="stable").astype(np.int64)  # keeps arrival order
    else:
        order = np.lexsort((arrival, group)).astype(np.int64)
    counts = np.bincount(group, minlength=calendar.groups)
    gptr = np.zeros(calendar.groups + 1, dtype=np.int64)
    np.cumsum(counts, out=gptr[1:])
    if priority is None:
        level, L = np.zeros(n, dtype=np.int64), 1
    else:
        prio = np.broadcast_to(np.asarray(priority, dtype=np.float64), (n,))
        if np.isnan(prio).any():
            raise SakeraInputError("priorities must be numbers (no NaN)", location="priority")
        level, L = _rank_levels(np.ascontiguousarray(prio), _FEW_LEVELS)
        if L < 0:  # many distinct values: rank them by sorting
            values, inverse = np.unique(prio, return_inverse=True)
            level, L = inverse.astype(np.int64).reshape(n), len(values)
    if L == 1:
        lvpos, lptr = np.arange(n, dtype=np.int64), gptr
    else:
        lvpos, lptr = _level_lists(gptr, order, level, L)
    prow = order if rows is None else np.asarray(rows, dtype=np.int64)[order]
    req, rnd, arr, start, end, work = _serve_levels(
        gptr,
        order,
        prow,
        arrival[order],
        level[order],
        L,
        lvpos,
        lptr,
        rounds.service0[prow],
        rounds.fail0[prow],
        rounds.delay0[prow],
        rounds.xptr,
        rounds.xservice,
        rounds.xfail,
        rounds.xdelay,
        rounds.rounds,
        servers,
        calendar.ptr,
        calendar.start,
        calendar.end,
        calendar.cum,
        calendar.cum_end,
    )
    return {"request": req, "round": rnd, "arrival": arr, "start": start, "end": end, "work": work}


@njit(cache=True)
def _visit_summary(n, req, rnd, start, end, horizon):
    first_start = np.full(n, np.nan)
    last_end = np.full(n, np.nan)
    last_round = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for v in range(req.shape[0]):
        j = req[v]
        if rnd[v] == 0:
            first_start[j] = start[v]
        if rnd[v] > last_round[j]:
            last_round[j] = rnd[v]
            last_end[j] = end[v]
        if start[v] < horizon:
            count[j] += 1
    return first_start, last_end, last_round, count


def visit_summary(
    n: int, request: np.ndarray, rnd: np.ndarray, start: np.ndarray, end: np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per customer: first start, end of the last visit, last round and visits started before ``horizon``."""
    return _visit_summary(int(n), request, rnd, start, end, float(horizon))

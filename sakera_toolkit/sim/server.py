"""The shared central server (SIAK Terpusat) as a finite-capacity multi-server queue.

Client timeouts, retries with exponential backoff, operators who give up for the day, degraded
periods and outages.

Why a multi-server FIFO queue (and not processor sharing)
---------------------------------------------------------
Every village desk, kecamatan point, the office and the MPP send their transactions (data entry
and look-ups, file uploads, back-office verification, TTE signing, print fetches) to one remote
service (research notes §9.7). Such a service is a pool of ``workers`` request handlers (application
threads / database connections): a request waits for a free handler, then holds it for its service
time. That is an M/G/c queue in transactions per second, which

* saturates the way the July 2022 failure was described ("banyak desa yang memakai program yang
  sama sehingga menimbulkan keterlambatan dalam pengaksesan data"): response time grows slowly with
  load, then sharply as utilisation nears 1;
* can be validated against Erlang C (M/M/c) exactly (``sakera validate``), and reduces to M/M/1
  with one worker;
* makes timeouts meaningful: a client that gives up after ``timeout_s`` does not cancel the work
  it already queued. By default the server still processes a request whose client has left
  (``discard_stale=False``: the application server cannot tell), so each timed-out attempt is
  wasted capacity and its retry adds load again. Past saturation the share of useful work
  (goodput) falls while the server stays 100 % busy: a retry storm. With ``discard_stale=True`` the
  server knows each client's deadline and refuses a request, when it reaches a handler, that could
  not finish before its client times out (deadline propagation / admission control): every admitted
  request then succeeds and goodput stays near capacity.

Processor sharing would give the same mean response time for exponential work at one worker, but
it slows every request in flight at once, so under overload *all* requests time out together; the
queue model keeps FIFO order, which is what the SIAK web client experiences (requests queue at the
application server) and what Erlang C checks.

Units: arrival and completion times are in **days** (the engine's clock); durations given to the
policy are in **seconds**. Everything runs in one compiled pass over transactions in time order
(same-day retries on a heap, next-day resubmissions in per-day buckets), with no per-event Python
object.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .._sort import stable_argsort
from ..errors import SakeraInputError
from . import rules
from .kernel import _replace_min

__all__ = [
    "ServerPolicy",
    "ServerWindows",
    "ServerOutcome",
    "Background",
    "serve_transactions",
    "SUCCESS",
    "FAILED",
    "RESPONSE_BINS_S",
]

SECONDS = 1.0 / 86400.0

#: Outcome codes of a transaction.
SUCCESS, FAILED = 0, 1

#: Upper edges (seconds) of the response-time histogram kept per hour (log-spaced, 0.05 s .. 2 h).
RESPONSE_BINS_S = np.concatenate([np.geomspace(0.05, 7200.0, 63), [np.inf]])


@dataclass(frozen=True)
class ServerPolicy:
    """Capacity of the central server and the clients' timeout/retry policy.

    Parameters
    ----------
    capacity_tps
        Standard transactions per second the server completes when every worker is busy.
    workers
        Concurrent request handlers (``c`` of the M/M/c queue). Each standard transaction holds a
        handler for ``workers / capacity_tps`` seconds on average.
    timeout_s
        The client gives up on an attempt whose response time (queueing + service) exceeds this.
    max_attempts
        Attempts per transaction on one working day (the first try plus retries).
    backoff_s, backoff_factor
        Delay before the k-th retry: ``backoff_s * backoff_factor ** (k - 1)`` seconds after the
        timeout, times a jitter factor in ``[1 - jitter, 1 + jitter]``.
    jitter
        Relative jitter of retry delays (0 = synchronised retries).
    give_up_after
        An operator (client) who sees this many failed attempts on one day stops using the server
        for the rest of that day; the file waits for the next working day.
    max_days
        Working days a transaction is retried (first day included) before the citizen gives up.
    discard_stale
        Refuse requests that cannot finish before their client's timeout (``False``: the server
        processes them anyway, which wastes capacity).
    service_cv
        Coefficient of variation of the service time (1.0 = exponential, as M/M/c).
    queue_limit
        Requests that may wait for a handler; a request arriving to a full queue is refused at
        once (connection refused: a failed attempt that costs no work). Bounds the stale backlog a
        retry storm can build.
    defer_spread_s
        Files put aside to the next working day are worked through over this many seconds after
        opening (not all at the opening instant).
    """

    capacity_tps: float = 40.0
    workers: int = 16
    timeout_s: float = 60.0
    max_attempts: int = 3
    backoff_s: float = 30.0
    backoff_factor: float = 2.0
    jitter: float = 0.5
    give_up_after: int = 6
    max_days: int = 5
    discard_stale: bool = False
    service_cv: float = 1.0
    queue_limit: int = 60
    defer_spread_s: float = 7200.0

    def __post_init__(self) -> None:
        for name in POLICY_FIELDS:  # the ranges live in sim/rules.LIMITS (one copy of each rule)
            try:
                rules.check(name, getattr(self, name))
            except rules.Invalid as exc:
                raise SakeraInputError(str(exc), location=f"server.{name}") from None

    @property
    def mean_service_s(self) -> float:
        """Mean handler time of one standard transaction, in seconds."""
        return self.workers / self.capacity_tps


#: Numeric fields of :class:`ServerPolicy`, checked against :data:`~.rules.LIMITS`.
POLICY_FIELDS = (
    "capacity_tps",
    "workers",
    "timeout_s",
    "max_attempts",
    "backoff_s",
    "backoff_factor",
    "jitter",
    "give_up_after",
    "max_days",
    "service_cv",
    "defer_spread_s",
    "queue_limit",
)


@dataclass(frozen=True)
class ServerWindows:
    """Periods when the server runs at a fraction of its capacity (0 = outage).

    ``start``/``end`` in days of the engine clock; ``factor`` in [0, 1]. Windows must not overlap.
    """

    start: np.ndarray = field(default_factory=lambda: np.zeros(0))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0))
    factor: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_list(cls, windows: list[tuple[float, float, float]]) -> ServerWindows:
        """Build from ``(start_day, end_day, factor)`` triples (sorted and checked)."""
        rows = sorted((float(s), float(e), float(f)) for s, e, f in windows)
        for i, (s, e, f) in enumerate(rows):
            if not (e > s and 0.0 <= f <= 1.0):
                raise SakeraInputError(f"window {i}: need end > start and 0 <= factor <= 1", location="server.windows")
            if i and s < rows[i - 1][1]:
                raise SakeraInputError(f"window {i} overlaps the previous one", location="server.windows")
        arr = np.array(rows, dtype=np.float64).reshape(-1, 3)
        return cls(arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy())


@dataclass(frozen=True)
class Background:
    """Fire-and-forget traffic (sessions polling the server).

    Sorted arrival times (days) and the work of each poll (standard-transaction units,
    service-time draw included). A poll is served like any transaction (it holds a handler, it
    can time out, it is counted in the hourly statistics) but it is never retried and has no
    per-transaction outcome, so the server keeps no arrays for it.
    """

    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    work: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        # checked once here, not in every feedback pass that serves the same polls
        object.__setattr__(self, "times", np.ascontiguousarray(self.times, dtype=np.float64))
        object.__setattr__(self, "work", np.ascontiguousarray(self.work, dtype=np.float64))
        if self.work.shape != self.times.shape:
            raise SakeraInputError("background times and work must have the same length", location="background")
        if not _sorted_times(self.times):
            raise SakeraInputError("background times must be finite, >= 0 and sorted", location="background")

    @property
    def size(self) -> int:
        """Number of polls."""
        return int(self.times.shape[0])


@dataclass(frozen=True)
class ServerOutcome:
    """What happened to each transaction, plus hourly server statistics.

    Per transaction (arrays of the input length): ``done`` completion time in days (``inf`` when
    it failed), ``outcome`` (:data:`SUCCESS` / :data:`FAILED`), ``attempts``, ``timeouts``,
    ``deferrals`` (days it was pushed to the next working day), ``waited`` days between the first
    submission and the completion beyond the nominal service time (``inf`` when failed).

    Per hour of the horizon (``hours`` bins): ``busy_s`` handler-seconds used, ``useful_s`` of them
    spent on attempts that succeeded, ``attempts_h``, ``timeouts_h``, ``response_hist`` (hours × bins
    counts of attempt response times, bin edges :data:`RESPONSE_BINS_S`).

    ``request_hist``: ``response_hist`` of the transactions alone (the background polls left out).
    ``background_attempts`` / ``background_failed``: polls of the :class:`Background` traffic
    (one attempt each) and how many of them failed; the hourly statistics include them.
    """

    done: np.ndarray
    outcome: np.ndarray
    attempts: np.ndarray
    timeouts: np.ndarray
    deferrals: np.ndarray
    waited: np.ndarray
    busy_s: np.ndarray
    useful_s: np.ndarray
    attempts_h: np.ndarray
    timeouts_h: np.ndarray
    response_hist: np.ndarray
    workers: int
    request_hist: np.ndarray
    background_attempts: int = 0
    background_failed: int = 0

    @property
    def hours(self) -> int:
        """Number of hourly bins."""
        return int(self.busy_s.shape[0])

    def utilisation(self) -> np.ndarray:
        """Share of handler time busy, per hour."""
        return self.busy_s / (3600.0 * self.workers)

    def response_quantile(self, q: float, hours: np.ndarray | None = None, *, requests_only: bool = False) -> float:
        """Quantile ``q`` of attempt response times (seconds), over all hours or the given ones.

        ``requests_only``: the requests' transactions alone (look-ups, uploads, verification, TTE,
        print), without the background polls. Interpolates within the histogram bin; ``nan`` when
        no attempt was made.
        """
        full = self.request_hist if requests_only else self.response_hist
        hist = full if hours is None else full[hours]
        counts = hist.sum(axis=0).astype(np.float64)
        return _hist_quantile(counts, q)

    def timeout_share(self) -> float:
        """Share of attempts that timed out (or hit an outage)."""
        total = self.attempts_h.sum()
        return float(self.timeouts_h.sum() / total) if total else 0.0


def _hist_quantile(counts: np.ndarray, q: float) -> float:
    total = counts.sum()
    if total <= 0:
        return float("nan")
    target = q * total
    cum = np.cumsum(counts)
    i = int(np.searchsorted(cum, target, side="left"))
    i = min(i, len(counts) - 1)
    lo = 0.0 if i == 0 else float(RESPONSE_BINS_S[i - 1])
    hi = float(RESPONSE_BINS_S[i]) if np.isfinite(RESPONSE_BINS_S[i]) else lo * 2.0
    before = 0.0 if i == 0 else float(cum[i - 1])
    frac = (target - before) / counts[i] if counts[i] else 0.0
    if i == 0:  # linear from 0
        return float(hi * frac)
    return float(lo * (hi / lo) ** frac)  # log-linear inside a log-spaced bin


@njit(cache=True)
def _sorted_times(t):
    """Whether ``t`` is finite, >= 0 and sorted ascending (one pass, no temporary arrays)."""
    prev = 0.0
    for i in range(t.shape[0]):
        v = t[i]
        if not (prev <= v < np.inf):  # also False for nan
            return False
        prev = v
    return True


#: Width (seconds) of the cells of :data:`_BIN_TABLE`, and how far the table reaches.
_BIN_CELL_S = 0.01
_BIN_TABLE_S = 120.0
#: ``_BIN_TABLE[i]``: the histogram bin of the start of cell ``i - 1`` (a lower bound of the bin of
#: any ``x`` in cell ``i``, safe against rounding of ``x / _BIN_CELL_S``).
_BIN_TABLE = np.searchsorted(
    RESPONSE_BINS_S, np.maximum(np.arange(int(_BIN_TABLE_S / _BIN_CELL_S) + 1) - 1, 0) * _BIN_CELL_S, side="left"
).astype(np.int64)


@njit(cache=True, inline="always")
def _hist_bin(edges, table, x):
    """``np.searchsorted(edges, x, side="left")`` for the log-spaced :data:`RESPONSE_BINS_S`.

    Up to two minutes (nearly every attempt: the client times out at a minute) a lower bound is
    looked up in :data:`_BIN_TABLE` and stepped up against the edges; beyond, a guess from the
    logarithm is corrected both ways. Exact either way. Inlined into the serve loop: as a called
    function (array arguments) it cost a fifth of a reported pass, the logarithm another 6 %.
    """
    if x <= edges[0]:
        return 0
    last = edges.shape[0] - 1
    c = int(x * (1.0 / _BIN_CELL_S))
    if c < table.shape[0]:
        g = table[c]
    else:
        g = int(math.log(x / edges[0]) * ((last - 1) / math.log(edges[last - 1] / edges[0])))
        if g > last:
            g = last
        while g > 0 and edges[g - 1] >= x:
            g -= 1
    while edges[g] < x:
        g += 1
    return g


@njit(cache=True)
def _serve(
    submit,
    work,
    owner,
    n_owners,
    bg_t,
    bg_w,
    next_open,
    u_jitter,
    u_defer,
    workers,
    mean_s,
    timeout_s,
    max_attempts,
    backoff_s,
    backoff_factor,
    jitter,
    give_up_after,
    max_days,
    discard_stale,
    queue_limit,
    defer_spread,
    w_start,
    w_end,
    w_factor,
    hours,
    edges,
    bin_table,
    stats,
):
    n = submit.shape[0]
    nb = bg_t.shape[0]
    done = np.full(n, np.inf)
    # per-transaction state in one row (one cache line) per transaction: work, owner, and the
    # counts attempts, timeouts, deferrals, attempts today (files come back in time order, not
    # in index order: scattered rows cost a cache miss each)
    row = np.empty((n, 6))
    for j in range(n):
        row[j, 0] = work[j]
        row[j, 1] = owner[j]
        row[j, 2] = 0.0
        row[j, 3] = 0.0
        row[j, 4] = 0.0
        row[j, 5] = 0.0
    outcome = np.zeros(n, np.int8)
    busy = np.zeros(hours)
    useful = np.zeros(hours)
    att_h = np.zeros(hours, np.int64)
    to_h = np.zeros(hours, np.int64)
    hist = np.zeros((hours, edges.shape[0]), np.int64)
    req_hist = np.zeros((hours, edges.shape[0]), np.int64)  # the same, without the polls
    fail_count = np.zeros(max(n_owners, 1), np.int64)
    fail_day = np.full(max(n_owners, 1), -1, np.int64)
    gave_up_day = np.full(max(n_owners, 1), -1, np.int64)
    free = np.zeros(workers)  # a binary min-heap of the handlers' next free instants
    wk = 0  # window cursor: event times never decrease (the sources are merged in time order)
    nw = w_start.shape[0]
    size = queue_limit + 1
    ring = np.zeros(size)  # start times of admitted requests still waiting (FIFO)
    r_head = 0
    r_len = 0
    to_s = timeout_s * 1.0 / 86400.0
    n_days = next_open.shape[0]
    n_uj = u_jitter.shape[0]
    n_ud = u_defer.shape[0]
    c_uj = 0  # the jitter and spread draws are used in turn
    c_ud = 0
    # same-day retries: a heap of (time, transaction) with a sentinel
    retry = [(np.inf, np.int64(-1))]
    r_top = np.inf
    # files put aside to a later working day: one bucket per target day, sorted when its day comes.
    # A bucket's times lie in [opening, opening + defer_spread) with defer_spread <= 1 day, so
    # buckets never interleave, and a bucket is complete before its first file is due (only events
    # of earlier days put files into it). Events come in time order and next_open never decreases,
    # so files reach the buckets in bucket order: the buckets lie one after another in a FIFO ring
    # (contiguous, in insertion order; each transaction is in at most one bucket at a time).
    dl_min = np.full(n_days + 2, np.inf)
    dl_cnt = np.zeros(n_days + 2, np.int64)
    size_q = max(n, 1)
    dl_t = np.empty(size_q)
    dl_j = np.empty(size_q, np.int64)
    q_head = 0
    q_len = 0
    last_b = -1
    act_j = np.empty(n, np.int64)  # the bucket being worked through, in time order
    act_t = np.empty(n)
    act_len = 0
    act_ptr = 0
    p_day = -1  # earliest bucket not yet worked through (-1: none)
    d_top = np.inf  # time of the next deferred file
    bg_failed = 0
    last_a = 0.0
    i = 0
    p = 0
    a_next = submit[0] if n else np.inf
    b_next = bg_t[0] if nb else np.inf
    while True:
        # next event: the earliest background poll, fresh submission, same-day retry or file put
        # aside (a fresh submission first at the same instant, then a retry, then a file, then a poll)
        other = a_next if a_next <= r_top else r_top
        if d_top < other:
            other = d_top
        if b_next < other:
            a = b_next
            wj = bg_w[p]
            j = -1
            p += 1
            b_next = bg_t[p] if p < nb else np.inf
        elif other == np.inf:
            break
        elif a_next == other and i < n:
            a = a_next
            j = i
            i += 1
            a_next = submit[i] if i < n else np.inf
            wj = row[j, 0]
        elif r_top == other:
            a, j = heapq.heappop(retry)
            r_top = retry[0][0]
            wj = row[j, 0]
        else:
            if act_ptr >= act_len:  # the next bucket's day has come: sort it
                m = dl_cnt[p_day]  # the bucket's files are the next m of the ring
                for c in range(m):
                    act_t[c] = dl_t[q_head]
                    act_j[c] = dl_j[q_head]
                    q_head += 1
                    if q_head == size_q:
                        q_head = 0
                q_len -= m
                order = stable_argsort(act_t[:m])  # O(m): the times are spread evenly
                tmp = act_j[:m][order]
                act_t[:m] = act_t[:m][order]
                act_j[:m] = tmp
                act_len = m
                act_ptr = 0
                nxt_day = -1
                for dd in range(p_day + 1, dl_cnt.shape[0]):
                    if dl_cnt[dd] > 0:
                        nxt_day = dd
                        break
                p_day = nxt_day
            a = act_t[act_ptr]
            j = act_j[act_ptr]
            act_ptr += 1
            if act_ptr < act_len:
                d_top = act_t[act_ptr]
            else:
                d_top = dl_min[p_day] if p_day >= 0 else np.inf
            wj = row[j, 0]
        if a < last_a:  # the window cursor, the FIFO ring and the buckets rely on it
            raise AssertionError("central server: events out of time order")
        last_a = a
        d = int(a)
        o = int(row[j, 1]) if j >= 0 else -2  # -2: fire-and-forget, never retried nor deferred
        deferred = False
        if o >= 0 and gave_up_day[o] == d:
            deferred = True  # an operator who gave up today tries again on the next working day
        else:
            if j >= 0:
                row[j, 2] += 1.0
                row[j, 5] += 1.0
            h = int(a * 24.0)
            if h < hours:
                att_h[h] += 1
            # capacity factor of the (sorted, disjoint) degraded/outage window holding a, else 1
            while wk < nw and w_end[wk] <= a:
                wk += 1
            f = w_factor[wk] if wk < nw and w_start[wk] <= a else 1.0
            failed = False
            resp_s = 0.0
            if f <= 0.0:
                failed = True  # outage: connection refused at once
            else:
                # requests admitted earlier that are still waiting at time a (starts are
                # non-decreasing in admission order under FIFO)
                while r_len > 0 and ring[r_head] <= a:
                    r_head += 1
                    if r_head == size:
                        r_head = 0
                    r_len -= 1
                earliest = free[0]
                s = a if a > earliest else earliest
                dur = wj * mean_s / f / 86400.0
                if s > a and r_len >= queue_limit:
                    failed = True  # queue full: refused at once
                elif discard_stale and s - a + dur > to_s:
                    failed = True  # deadline-aware server: refuses at once what cannot finish in time
                    resp_s = (s - a) * 86400.0
                else:
                    e = s + dur
                    if workers == 1:
                        free[0] = e
                    else:
                        _replace_min(free, workers, e)
                    if s > a:
                        q = r_head + r_len
                        if q >= size:
                            q -= size
                        ring[q] = s
                        r_len += 1
                    resp_s = (e - a) * 86400.0
                    failed = resp_s > timeout_s
                    if stats:  # spread [s, e) (days) over the hourly busy/useful bins
                        t = s
                        while t < e:
                            hb = int(t * 24.0)
                            if hb >= hours:
                                break
                            edge = (hb + 1) / 24.0
                            stop = e if e < edge else edge
                            span = (stop - t) * 86400.0
                            busy[hb] += span
                            if not failed:
                                useful[hb] += span
                            t = stop
                    if not failed and j >= 0:
                        done[j] = e
            if h < hours:
                if stats:
                    b = _hist_bin(edges, bin_table, resp_s if not failed else max(resp_s, timeout_s))
                    hist[h, b] += 1
                    if j >= 0:
                        req_hist[h, b] += 1
                if failed:
                    to_h[h] += 1
            if failed:
                if j < 0:
                    bg_failed += 1
                else:
                    row[j, 3] += 1.0
                    if o == -2:
                        outcome[j] = 1
                    else:
                        t_fail = a + (resp_s if resp_s < timeout_s else timeout_s) / 86400.0
                        if o >= 0:
                            if fail_day[o] != d:
                                fail_day[o] = d
                                fail_count[o] = 0
                            fail_count[o] += 1
                            if fail_count[o] >= give_up_after:
                                gave_up_day[o] = d
                        deferred = True  # unless retried today
                        k = int(row[j, 5])  # attempts today; 1 before the first retry
                        if k < max_attempts:
                            delay = backoff_s * backoff_factor ** (k - 1)
                            if jitter > 0.0:
                                delay *= 1.0 + jitter * (2.0 * u_jitter[c_uj] - 1.0)
                                c_uj = c_uj + 1 if c_uj + 1 < n_uj else 0
                            t_next = t_fail + delay / 86400.0
                            if int(t_next) == d:
                                heapq.heappush(retry, (t_next, j))
                                r_top = retry[0][0]
                                deferred = False
        if deferred:
            # out of attempts today (or the retry would fall after closing): next working day
            nxt = next_open[d] if d < n_days else np.inf
            row[j, 4] += 1.0
            if row[j, 4] >= max_days or not np.isfinite(nxt):
                outcome[j] = 1
            else:
                row[j, 5] = 0.0
                t_def = nxt + defer_spread * u_defer[c_ud]
                c_ud = c_ud + 1 if c_ud + 1 < n_ud else 0
                b_day = int(nxt)
                if b_day < last_b:  # the ring relies on it
                    raise AssertionError("central server: files put aside out of day order")
                last_b = b_day
                q = q_head + q_len
                if q >= size_q:
                    q -= size_q
                dl_t[q] = t_def
                dl_j[q] = j
                q_len += 1
                dl_cnt[b_day] += 1
                if t_def < dl_min[b_day]:
                    dl_min[b_day] = t_def
                if p_day < 0 or b_day < p_day:
                    p_day = b_day
                if act_ptr >= act_len:
                    d_top = dl_min[p_day]
    attempts = np.empty(n, np.int32)
    timeouts = np.empty(n, np.int32)
    deferrals = np.empty(n, np.int32)
    waited = np.empty(n)
    for j in range(n):
        if done[j] == np.inf:
            outcome[j] = 1
            waited[j] = np.inf
        else:  # beyond the nominal service time
            waited[j] = max(done[j] - submit[j] - work[j] * mean_s * SECONDS, 0.0)
        attempts[j] = int(row[j, 2])
        timeouts[j] = int(row[j, 3])
        deferrals[j] = int(row[j, 4])
    return done, outcome, attempts, timeouts, deferrals, waited, busy, useful, att_h, to_h, hist, req_hist, bg_failed


def serve_transactions(
    submit: np.ndarray,
    work: np.ndarray,
    policy: ServerPolicy,
    *,
    owner: np.ndarray | None = None,
    next_open: np.ndarray | None = None,
    windows: ServerWindows | None = None,
    horizon_days: float | None = None,
    rng: np.random.Generator | None = None,
    background: Background | None = None,
    stats: bool = True,
) -> ServerOutcome:
    """Serve transactions on the central server.

    Parameters
    ----------
    submit
        First submission time of each transaction, in days, sorted ascending.
    work
        Work of each transaction in standard-transaction units (mean 1 for a standard look-up;
        an upload is several units). Service time = ``work * policy.mean_service_s`` seconds
        divided by the capacity factor at its start.
    policy
        Capacity and client policy.
    owner
        Client (operator desk) of each transaction, ``0 .. n_owners - 1``; -1 for none (retried
        and deferred, but no give-up rule); -2 for fire-and-forget traffic (background polling:
        one attempt, never retried or deferred). Default: -1.
    next_open
        ``next_open[d]`` = opening time (days) of the first working day after day ``d``; where a
        transaction is deferred. Default: the next calendar day at 08:00.
    windows
        Degraded periods and outages.
    horizon_days
        Horizon of the run (default: last submission + 1 day); the hourly statistics cover it plus
        ``policy.max_days + 2`` days so that deferred retries are counted too.
    rng
        Generator for the retry jitter (needed when ``policy.jitter > 0``).
    background
        Fire-and-forget polls served in time order with the transactions (see :class:`Background`).
    stats
        Keep the hourly busy time and response-time histogram (``False``: only the per-transaction
        outcome and the hourly attempt/time-out counts, for a feedback pass whose statistics are
        not reported).

    Returns
    -------
    ServerOutcome
    """
    submit = np.ascontiguousarray(submit, dtype=np.float64)
    work = np.ascontiguousarray(work, dtype=np.float64)
    n = submit.shape[0]
    if work.shape != submit.shape:
        raise SakeraInputError("submit and work must have the same length", location="work")
    if not _sorted_times(submit):
        raise SakeraInputError("submission times must be finite, >= 0 and sorted", location="submit")
    own = np.full(n, -1, np.int64) if owner is None else np.ascontiguousarray(owner, dtype=np.int64)
    n_owners = int(own.max()) + 1 if n and own.max() >= 0 else 0
    horizon = float(horizon_days) if horizon_days is not None else (float(submit[-1]) + 1.0 if n else 1.0)
    days = int(math.ceil(horizon)) + policy.max_days + 2
    if next_open is None:
        next_open = np.arange(1, days + 1, dtype=np.float64) + 8.0 / 24.0
    nxt = np.ascontiguousarray(next_open, dtype=np.float64)
    win = windows or ServerWindows()
    bg = background or Background()  # contiguous float64 and sorted: checked when it was built
    if policy.jitter > 0 or policy.defer_spread_s > 0:
        if rng is None:
            raise SakeraInputError("a random generator is needed for retry jitter", location="server.jitter")
        u = rng.random(max(1024, min(n * 4, 1 << 22)))
        u_defer = rng.random(max(1024, min(n, 1 << 20)))
    else:
        u = np.zeros(1)
        u_defer = np.zeros(1)
    hours = days * 24  # the horizon plus the days a deferred transaction may still be retried
    done, outcome, attempts, timeouts, deferrals, waited, busy, useful, att_h, to_h, hist, req_hist, bg_failed = _serve(
        submit,
        work,
        own,
        n_owners,
        bg.times,
        bg.work,
        nxt,
        u,
        u_defer,
        int(policy.workers),
        float(policy.mean_service_s),
        float(policy.timeout_s),
        int(policy.max_attempts),
        float(policy.backoff_s),
        float(policy.backoff_factor),
        float(policy.jitter),
        int(policy.give_up_after),
        int(policy.max_days),
        bool(policy.discard_stale),
        int(policy.queue_limit),
        float(policy.defer_spread_s) / 86400.0,
        np.ascontiguousarray(win.start, dtype=np.float64),
        np.ascontiguousarray(win.end, dtype=np.float64),
        np.ascontiguousarray(win.factor, dtype=np.float64),
        hours,
        RESPONSE_BINS_S,
        _BIN_TABLE,
        bool(stats),
    )
    return ServerOutcome(
        done=done,
        outcome=outcome,
        attempts=attempts,
        timeouts=timeouts,
        deferrals=deferrals,
        waited=waited,
        busy_s=busy,
        useful_s=useful,
        attempts_h=att_h,
        timeouts_h=to_h,
        response_hist=hist,
        request_hist=req_hist,
        workers=int(policy.workers),
        background_attempts=bg.size,
        background_failed=int(bg_failed),
    )


def service_draws(rng: np.random.Generator, n: int, cv: float) -> np.ndarray:
    """Unit-mean service-time multipliers: exponential for ``cv == 1``, lognormal otherwise."""
    if n == 0:
        return np.zeros(0)
    if cv == 1.0:
        return rng.exponential(1.0, n)
    if cv == 0.0:
        return np.ones(n)
    sigma2 = math.log1p(cv * cv)
    return rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), n)

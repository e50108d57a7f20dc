"""Test oracle: the grouped queue with one heap of ``(priority, time, seq, position, round)`` tuples.

The engine's kernel (:func:`sakera_toolkit.sim.kernel.serve_rows`) keeps one FIFO pair per
priority level instead; ``tests/test_kernel.py`` checks that both serve in the same order. This
straightforward heap version is kept here only as that oracle.
"""

import heapq

import numpy as np
from numba import njit

from sakera_toolkit.sim.kernel import _unserved, _work_from


@njit(cache=True)
def serve_groups_heap(
    gptr, ids, arrival, priority, s0, f0, d0, xptr, xs, xf, xd, rounds, servers, ptr, cs, ce, cum, cend
):
    """The heap-of-tuples grouped kernel: customers sorted by (group, arrival); ``ids`` maps positions to ids."""
    n = arrival.shape[0]
    cap = n + xs.shape[0]
    v_req = np.empty(cap, dtype=np.int64)
    v_round = np.empty(cap, dtype=np.int64)
    v_arr = np.empty(cap, dtype=np.float64)
    v_start = np.empty(cap, dtype=np.float64)
    v_end = np.empty(cap, dtype=np.float64)
    v_work = np.empty(cap, dtype=np.float64)
    nv = 0
    groups = gptr.shape[0] - 1
    for g in range(groups):
        lo = gptr[g]
        hi = gptr[g + 1]
        if hi == lo:
            continue
        c = servers[g]
        free = [0.0] * c
        # waiting: (priority, time, seq, position, round); retries: (time, seq, position, round)
        waiting = [(0.0, 0.0, 0, 0, 0)]
        waiting.pop()
        retries = [(0.0, 0, 0, 0)]
        retries.pop()
        seq = hi - lo
        i = lo
        k = ptr[g]  # calendar cursor: dispatch instants never decrease
        khi = ptr[g + 1]
        last = -np.inf
        while True:
            f = free[0]
            if len(waiting) == 0:
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
                # the calendar has ended: every remaining visit waits for ever
                while len(waiting) > 0:
                    w = heapq.heappop(waiting)
                    nv = _unserved(v_req, v_round, v_arr, v_start, v_end, v_work, nv, ids[w[3]], w[4], w[1])
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
                    heapq.heappush(waiting, (priority[i], fresh, i - lo, i, 0))
                    i += 1
                elif retry <= t:
                    r = heapq.heappop(retries)
                    heapq.heappush(waiting, (priority[r[2]], r[0], r[1], r[2], r[3]))
                else:
                    break
            w = heapq.heappop(waiting)
            pos = w[3]
            rnd = w[4]
            j = ids[pos]
            if rnd == 0:
                work = s0[pos]
                failed = f0[pos]
                d = d0[pos]
            else:
                x = xptr[j] + rnd - 1
                work = xs[x]
                failed = xf[x]
                d = xd[x]
            end = _work_from(cs, ce, cum, cend, k, khi, t, work)
            heapq.heapreplace(free, end)
            v_req[nv] = j
            v_round[nv] = rnd
            v_arr[nv] = w[1]
            v_start[nv] = t
            v_end[nv] = end
            v_work[nv] = work
            nv += 1
            if failed and rnd + 1 < rounds and xptr[j] + rnd < xptr[j + 1]:
                if not np.isnan(d) and end < np.inf:
                    heapq.heappush(retries, (end + d, seq, pos, rnd + 1))
                    seq += 1
    return v_req[:nv], v_round[:nv], v_arr[:nv], v_start[:nv], v_end[:nv], v_work[:nv]

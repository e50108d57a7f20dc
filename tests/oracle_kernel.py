"""Test oracle: the grouped calendar queue written plainly, one heap of waiting customers per group.

The engine's compiled kernel (:func:`sakera_toolkit.sim.kernel.serve_rows`) keeps one FIFO pair per
priority level instead; ``tests/test_kernel.py`` checks that both serve every visit identically.
This slow, direct version (pure Python, small inputs only) exists only as that oracle.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from sakera_toolkit.sim.kernel import Calendar, _work_from


def serve_with_one_heap(group, arrival, service, servers, calendar: Calendar, priority, fail, delay):
    """Visits ``(request, round, arrival, start, end, work)`` sorted by (request, round).

    ``service``, ``fail`` and ``delay`` are ``(n, rounds)``; a failed visit comes back after its
    delay (``nan``: gives up) and queues again with the same priority; ties are served in
    (priority, time, arrival order, then retries in return order).
    """
    n, rounds = service.shape
    visits = []
    cal = calendar
    for g in range(cal.groups):
        members = sorted((i for i in range(n) if group[i] == g), key=lambda i: (arrival[i], i))
        lo, hi = int(cal.ptr[g]), int(cal.ptr[g + 1])
        free = [0.0] * int(servers[g])
        waiting: list[tuple[float, float, int, int, int]] = []  # priority, time, seq, customer, round
        returning: list[tuple[float, int, int, int]] = []  # time back, seq, customer, round
        fresh = list(members)
        seq = len(members)
        last = -math.inf
        while True:
            if not waiting:
                soonest = min(arrival[fresh[0]] if fresh else math.inf, returning[0][0] if returning else math.inf)
                if soonest == math.inf:
                    break
                t = max(soonest, free[0])
            else:
                t = max(free[0], last)
            k = next((j for j in range(lo, hi) if cal.end[j] > t), hi)
            t = math.inf if k == hi else max(t, float(cal.start[k]))
            last = t
            if t == math.inf:  # the calendar has ended: nobody left is ever served
                left = [(c, r, at) for _, at, _, c, r in waiting] + [(c, 0, arrival[c]) for c in fresh]
                left += [(c, r, at) for at, _, c, r in returning]
                visits += [(c, r, at, math.inf, math.inf, 0.0) for c, r, at in left]
                break
            while True:  # everyone back or arrived by t joins the line (arrivals first on ties)
                a = arrival[fresh[0]] if fresh else math.inf
                b = returning[0][0] if returning else math.inf
                if a <= t and a <= b:
                    c = fresh.pop(0)
                    heapq.heappush(waiting, (priority[c], a, members.index(c), c, 0))
                elif b <= t:
                    back, s, c, r = heapq.heappop(returning)
                    heapq.heappush(waiting, (priority[c], back, s, c, r))
                else:
                    break
            _, at, _, c, r = heapq.heappop(waiting)
            work = float(service[c, r])
            end = float(_work_from(cal.start, cal.end, cal.cum, cal.cum_end, k, hi, t, work))
            heapq.heapreplace(free, end)
            visits.append((c, r, at, t, end, work))
            d = delay[c, r]
            if fail[c, r] and r + 1 < rounds and not np.isnan(d) and end < math.inf:
                heapq.heappush(returning, (end + d, seq, c, r + 1))
                seq += 1
    visits.sort(key=lambda v: (v[0], v[1]))
    return {
        key: np.array([v[i] for v in visits])
        for i, key in enumerate(("request", "round", "arrival", "start", "end", "work"))
    }

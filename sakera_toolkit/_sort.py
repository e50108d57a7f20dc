"""A compiled stable argsort of float arrays (shared by the demand model and the engine)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["stable_argsort"]


@njit(cache=True)
def stable_argsort(t):
    """``numpy.argsort(t, kind="stable")`` of a float array in O(n) expected time.

    Counting sort into ``n`` equal-width buckets over the finite range, then insertion sort
    inside each bucket (a merge sort for a crowded one); ``inf`` and ``nan`` go last, as in numpy.
    """
    n = t.shape[0]
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out
    lo_v = np.inf  # finite range
    hi_v = -np.inf
    for i in range(n):
        v = t[i]
        if -np.inf < v < np.inf:
            if v < lo_v:
                lo_v = v
            if v > hi_v:
                hi_v = v
    nb = n
    scale = nb / (hi_v - lo_v) if hi_v > lo_v else 0.0
    cnt = np.zeros(nb + 3, dtype=np.int64)
    b = np.empty(n, dtype=np.int64)
    for i in range(n):
        v = t[i]
        if -np.inf < v < np.inf:
            k = min(int((v - lo_v) * scale), nb - 1)
        elif v == -np.inf:
            k = 0  # sorted first inside bucket 0
        elif v == np.inf:
            k = nb
        else:
            k = nb + 1  # nan
        b[i] = k
        cnt[k + 1] += 1
    for k in range(nb + 2):
        cnt[k + 1] += cnt[k]
    pos = cnt[: nb + 2].copy()
    for i in range(n):
        k = b[i]
        out[pos[k]] = i
        pos[k] += 1
    for k in range(nb):
        lo = cnt[k]
        hi = cnt[k + 1]
        if hi - lo > 32:
            seg = out[lo:hi].copy()
            o = np.argsort(t[seg], kind="mergesort")
            out[lo:hi] = seg[o]
        else:
            for a in range(lo + 1, hi):
                j = out[a]
                v = t[j]
                c = a - 1
                while c >= lo and t[out[c]] > v:
                    out[c + 1] = out[c]
                    c -= 1
                out[c + 1] = j
    return out

"""Card printing at the office (blanko stock, reorders, daily capacity) and courier delivery."""

from __future__ import annotations

import numpy as np
from numba import njit

from .kernel import stable_argsort

__all__ = ["print_cards", "next_instant"]


@njit(cache=True)
def _print_cards(sign, order0, order1, open_day, h0, h1, cap, initial, reorder_point, reorder_qty, lead):
    total = open_day.shape[0]
    n = sign.shape[0]
    printed = np.full(n, np.inf)
    stock_eod = np.zeros((2, total), dtype=np.int64)
    stockout = np.zeros((2, total), dtype=np.bool_)
    ordered = np.zeros((2, total), dtype=np.int64)
    stock = initial.copy()
    pending = np.array([-1, -1], dtype=np.int64)
    p0 = 0
    p1 = 0
    n0 = order0.shape[0]
    n1 = order1.shape[0]
    for d in range(total):
        for b in range(2):
            if pending[b] >= 0 and pending[b] <= d:
                stock[b] += reorder_qty[b]
                pending[b] = -1
        if open_day[d]:
            close = d + h1 / 24.0
            cursor = d + h0 / 24.0
            slot = (h1 - h0) / 24.0 / cap if cap > 0 else 0.0
            k = 0
            while k < cap:
                t0 = sign[order0[p0]] if (p0 < n0 and stock[0] > 0) else np.inf
                t1 = sign[order1[p1]] if (p1 < n1 and stock[1] > 0) else np.inf
                if t0 <= t1 and t0 <= close:
                    j = order0[p0]
                    p0 += 1
                    stock[0] -= 1
                elif t1 < t0 and t1 <= close:
                    j = order1[p1]
                    p1 += 1
                    stock[1] -= 1
                else:
                    break
                if sign[j] > cursor:
                    cursor = sign[j]
                cursor += slot
                printed[j] = cursor
                k += 1
            if p0 < n0 and stock[0] == 0 and sign[order0[p0]] <= close:
                stockout[0, d] = True
            if p1 < n1 and stock[1] == 0 and sign[order1[p1]] <= close:
                stockout[1, d] = True
        for b in range(2):
            if stock[b] <= reorder_point[b] and pending[b] < 0 and reorder_qty[b] > 0:
                pending[b] = d + (lead if lead > 0 else 1)
                ordered[b, d] = reorder_qty[b]
        stock_eod[0, d] = stock[0]
        stock_eod[1, d] = stock[1]
    return printed, stock_eod, stockout, ordered


def print_cards(sign, blanko_type, open_day, work_hours, cap, initial, reorder_point, reorder_qty, lead):
    """Print time of each card (``inf`` if never within the calendar) and daily stock records.

    Cards are printed first come first served by signing time on open days, at most ``cap`` a day,
    each consuming a blank of its type (0 = KTP-el, 1 = KIA); a type out of stock waits while the
    other type goes on. Deliveries arrive at the start of a day; a reorder is placed at the end of a
    day when stock <= reorder point and no order is outstanding.

    Returns
    -------
    printed, stock_end_of_day (2, T), stockout (2, T), ordered (2, T)
    """
    sign = np.ascontiguousarray(sign, dtype=np.float64)
    blanko_type = np.asarray(blanko_type)
    finite = np.isfinite(sign)
    order = stable_argsort(sign)
    order = order[finite[order]]
    order0 = np.ascontiguousarray(order[blanko_type[order] == 0], dtype=np.int64)
    order1 = np.ascontiguousarray(order[blanko_type[order] == 1], dtype=np.int64)
    return _print_cards(
        sign,
        order0,
        order1,
        np.ascontiguousarray(open_day, dtype=np.bool_),
        float(work_hours[0]),
        float(work_hours[1]),
        int(cap),
        np.asarray(initial, dtype=np.int64),
        np.asarray(reorder_point, dtype=np.int64),
        np.asarray(reorder_qty, dtype=np.int64),
        int(lead),
    )


def next_instant(instants: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The first of the sorted ``instants`` at or after each ``t`` (``inf`` if none)."""
    k = np.searchsorted(instants, t, side="left")
    out = np.full(t.shape, np.inf)
    ok = k < len(instants)
    out[ok] = instants[k[ok]]
    return out

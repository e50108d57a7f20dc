"""Validation of the engine against queueing theory and conservation laws.

Each case simulates several independent seeds and compares the mean over seeds with an analytic
value. A case passes when ``|simulated - analytic| <= 3 x standard error + rel_slack x analytic``
(the slack covers the small start-up bias of finite runs; it is printed with the table).

Cases
-----
* M/M/1 mean wait ``rho / (mu - lambda)`` -- public kernel :func:`multi_server_fifo`.
* M/M/c mean wait (Erlang C ``C / (c mu - lambda)``) and P(wait > 0) (Erlang C).
* M/D/1 mean wait (Pollaczek-Khinchine ``rho / (2 mu (1 - rho))``).
* M/M/1 with two non-preemptive priority classes (Cobham) -- the engine's grouped kernel.
* M/M/1 on a working calendar (8 open hours a day): waits measured in open time.
* Little's law ``L = lambda W`` on full regency runs (all 186 villages live, desks staffed by
  :func:`~sakera_toolkit.sim.capacity.operators_for` so every queue is stable). ``L`` is the exact
  time average of requests in the system over ``[warmup, days)``; ``W`` the mean time in system of
  the requests arriving in that window (their exits after the horizon come from the calendar tail).
  The 2 % slack covers the boundary terms of a finite, seasonal year (measured ~0.7 %).
* Conservation: arrivals = completed + abandoned + in system, and the end-of-horizon backlog of
  the daily series equals the in-system count of the trace.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .kernel import Calendar, always_open, multi_server_fifo, serve_groups

__all__ = ["erlang_c", "validate", "check", "TOLERANCE_Z", "REL_SLACK"]

TOLERANCE_Z = 3.0
REL_SLACK = 0.01


def erlang_c(c: int, offered: float) -> float:
    """Erlang C probability of waiting for ``c`` servers and offered load ``lambda/mu``."""
    if offered >= c:
        return 1.0
    term = 1.0
    total = 1.0
    for k in range(1, c):
        term *= offered / k
        total += term
    last = term * offered / c * c / (c - offered)
    return last / (total + last)


def check(case: str, quantity: str, analytic: float, samples, rel_slack: float = REL_SLACK) -> dict:
    """One table row comparing the per-seed ``samples`` with ``analytic``."""
    x = np.asarray(samples, dtype=float)
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else 0.0
    from scipy import stats  # type: ignore[import-untyped]  # no type hints published for this package

    half = float(stats.t.ppf(0.975, len(x) - 1) * se) if len(x) > 1 else float("nan")
    tol = TOLERANCE_Z * se + rel_slack * abs(analytic)
    return {
        "case": case,
        "quantity": quantity,
        "analytic": analytic,
        "simulated": mean,
        "ci95_low": mean - half,
        "ci95_high": mean + half,
        "seeds": len(x),
        "tolerance": tol,
        "pass": bool(abs(mean - analytic) <= tol),
    }


def _mm_waits(lam, service_draw, c, n, warm, seed):
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    service = service_draw(rng, n)
    waits = multi_server_fifo(arrivals, service, c) - arrivals
    return waits[warm:]


def _priority_waits(lams, mu, n, warm, seed):
    rng = np.random.default_rng(seed)
    lam = sum(lams)
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    cls = rng.choice(len(lams), size=n, p=np.asarray(lams) / lam)
    service = rng.exponential(1 / mu, n)
    out = serve_groups(
        np.zeros(n, np.int64), arrivals, service, np.array([1]), always_open(1), priority=cls.astype(float)
    )
    start = np.empty(n)
    start[out["request"]] = out["start"]
    waits = (start - arrivals)[warm:]
    return [float(waits[cls[warm:] == k].mean()) for k in range(len(lams))]


def _calendar_waits(lam, mu, n, warm, seed, open_hours=8.0):
    """Poisson arrivals in open time, mapped to a calendar open ``open_hours`` a day."""
    rng = np.random.default_rng(seed)
    work_arrivals = np.cumsum(rng.exponential(1 / lam, n))
    service = rng.exponential(1 / mu, n)
    day_len = open_hours / 24.0
    n_days = int(work_arrivals[-1] / day_len + service.sum() / day_len) + 10
    days = np.arange(n_days, dtype=float)
    cal_start, cal_end = days + 8 / 24, days + 8 / 24 + day_len
    cal = Calendar(np.array([0, n_days]), cal_start, cal_end)

    def to_calendar(w):
        k = np.floor(w / day_len)
        return cal_start[k.astype(np.int64)] + (w - k * day_len)

    arrivals = to_calendar(work_arrivals)
    out = serve_groups(np.zeros(n, np.int64), arrivals, service, np.array([1]), cal)
    start = np.empty(n)
    start[out["request"]] = out["start"]
    k = np.searchsorted(cal_end, start, side="right")
    work_start = k * day_len + (start - cal_start[k])
    return (work_start - work_arrivals)[warm:]


def _regency_checks(seeds, days: int) -> list[dict]:
    from .capacity import operators_for
    from .flow import run_replication
    from .inputs import compile
    from .params import FlowParams
    from .timeseries import daily

    params = FlowParams.all_live(days=days, warmup_days=min(28, days // 4))
    # Little's law needs stable queues: staff every desk below 75 % expected utilisation
    # (with one operator, P. Mandangin's desk is overloaded and its queue grows without bound).
    params = params.replace(operators_per_village=operators_for(params))
    inputs = compile(params)
    little_l, little_lw, conserve_in, conserve_out, backlog_ts, backlog_tr = [], [], [], [], [], []
    for s in seeds:
        rep = run_replication(inputs, np.random.SeedSequence(int(s)), 0)
        a = rep.requests.arrival
        # exits after the horizon are known from the calendar tail (no new arrivals there)
        e = rep.outcome.exit_unclipped
        e = np.where(np.isfinite(e), e, float(rep.calendars.total_days))
        w0, H = float(inputs.warmup_days), float(inputs.days)
        overlap = np.clip(np.minimum(e, H) - np.maximum(a, w0), 0.0, None)
        L = overlap.sum() / (H - w0)
        win = (a >= w0) & (a < H)
        lam = win.sum() / (H - w0)
        W = float((e[win] - a[win]).mean())
        little_l.append(L)
        little_lw.append(lam * W)
        out = rep.outcome.code
        conserve_in.append(len(out))
        conserve_out.append(int((out == 0).sum() + (out == 1).sum() + (out == 2).sum()))
        backlog_ts.append(int(daily(rep, inputs)["in_system"].iloc[-1]))
        backlog_tr.append(int((out == 2).sum()))
    rows = []
    ratio = np.asarray(little_l) / np.asarray(little_lw)
    rows.append(check("Little's law, regency year (186 live)", "L / (lambda W)", 1.0, ratio, rel_slack=0.02))
    rows[-1]["quantity"] = f"L / (lambda W); L = {np.mean(little_l):.0f} requests"
    for name, lhs, rhs in (
        ("Conservation", conserve_in, conserve_out),
        ("Backlog: daily series vs trace", backlog_tr, backlog_ts),
    ):
        equal = all(int(x) == int(y) for x, y in zip(lhs, rhs, strict=True))
        rows.append(
            {
                "case": name,
                "quantity": "arrivals = completed + abandoned + in_system"
                if name == "Conservation"
                else "in_system at the end",
                "analytic": float(np.mean(lhs)),
                "simulated": float(np.mean(rhs)),
                "ci95_low": float(np.min(rhs)),
                "ci95_high": float(np.max(rhs)),
                "seeds": len(seeds),
                "tolerance": 0.0,
                "pass": bool(equal),
            }
        )
    return rows


def validate(
    seeds: int = 8, customers: int = 200_000, regency_seeds: int = 3, regency_days: int = 365, progress: bool = False
) -> pd.DataFrame:
    """Run every validation case; one row per checked quantity (``pass`` column)."""
    seed_list = list(range(1, seeds + 1))
    warm = customers // 10
    rows = []
    steps = 8
    import sys

    from tqdm import tqdm  # type: ignore[import-untyped]  # no type hints published for this package

    bar = tqdm(total=steps, desc="validate", disable=not progress, file=sys.stderr, leave=False)

    lam, mu = 0.8, 1.0
    w = [float(_mm_waits(lam, lambda r, n: r.exponential(1 / mu, n), 1, customers, warm, s).mean()) for s in seed_list]
    rows.append(check("M/M/1 (rho 0.8)", "mean wait Wq", lam / mu / (mu - lam), w))
    bar.update()

    c, lam = 3, 2.4
    ws = [_mm_waits(lam, lambda r, n: r.exponential(1.0, n), c, customers, warm, 100 + s) for s in seed_list]
    pc = erlang_c(c, lam)
    rows.append(check("M/M/3 (rho 0.8)", "mean wait Wq (Erlang C)", pc / (c - lam), [float(x.mean()) for x in ws]))
    rows.append(check("M/M/3 (rho 0.8)", "P(wait > 0) (Erlang C)", pc, [float((x > 0).mean()) for x in ws]))
    bar.update()

    lam = 0.8
    w = [float(_mm_waits(lam, lambda r, n: np.ones(n), 1, customers, warm, 200 + s).mean()) for s in seed_list]
    rows.append(check("M/D/1 (rho 0.8)", "mean wait Wq (Pollaczek-Khinchine)", lam / (2 * (1 - lam)), w))
    bar.update()

    lams, mu = (0.3, 0.5), 1.0
    res = np.array([_priority_waits(lams, mu, customers, warm, 300 + s) for s in seed_list])
    w0 = sum(lams) / mu / mu
    s1, s2 = lams[0] / mu, sum(lams) / mu
    rows.append(check("M/M/1, 2 priority classes", "Wq class 1 (Cobham)", w0 / (1 - s1), res[:, 0]))
    rows.append(check("M/M/1, 2 priority classes", "Wq class 2 (Cobham)", w0 / ((1 - s1) * (1 - s2)), res[:, 1]))
    bar.update()

    lam, mu = 2.4, 3.0  # per open day (8 hours); rho 0.8; rates per day of open time below
    day = 8 / 24
    w = [float(_calendar_waits(lam / day, mu / day, customers // 2, warm // 2, 400 + s).mean()) for s in seed_list]
    rows.append(check("M/M/1 on an 8-hour calendar", "Wq in open time (days)", (lam / mu) / (mu / day - lam / day), w))
    bar.update()

    from .validate_server import server_checks

    rows.extend(server_checks(seed_list, customers))  # the shared central server (sim/server.py)
    bar.update()

    rows.extend(_regency_checks(list(range(1, regency_seeds + 1)), regency_days))
    bar.update(2)
    bar.close()
    return pd.DataFrame(rows)

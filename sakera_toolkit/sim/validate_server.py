"""Checks of the central-server stage against queueing theory (part of ``sakera validate``).

With no timeouts the server is an M/M/c queue: mean response time = Erlang C wait + service,
checked at several loads, also with most of the load sent as background polling (drawn by
``central.session_traffic`` and served as a ``Background`` stream: by PASTA the requests' mean
response is still Erlang C's); with one worker it is M/M/1 (response 1 / (mu - lambda)). A retry storm
check asserts the mechanism behind July 2022: past saturation, with clients that time out and a
server that keeps working on abandoned requests, goodput falls instead of levelling off.
"""

from __future__ import annotations

import numpy as np

from .server import SUCCESS, ServerPolicy, serve_transactions

__all__ = ["server_checks"]


def _response_means(lam: float, c: int, n: int, warm: int, seeds: list[int], poll_share: float = 0.0) -> list[float]:
    """Mean response (s) of ``n`` Poisson requests on an M/M/c server with no timeouts.

    ``lam`` is the total arrival rate per second; a share ``poll_share`` of it arrives as
    background polls (drawn by ``central.session_traffic``, served as a ``Background`` stream, one
    worker-second of exponential work each), the rest as the requests whose mean is returned.
    """
    from .central import session_traffic

    lam_req = lam * (1.0 - poll_share)
    out = []
    for s in seeds:
        rng = np.random.default_rng(s)
        submit = np.cumsum(rng.exponential(1.0 / lam_req, n)) / 86400.0
        polls = None
        if poll_share > 0:
            polls = session_traffic(
                np.array([0.0]),
                np.array([float(submit[-1])]),
                np.array([1.0]),
                lam * poll_share * 3600.0,  # polls per hour of the one open session
                rng,
                horizon_days=float(submit[-1]),
                service_cv=1.0,
            )
        pol = ServerPolicy(
            capacity_tps=float(c),
            workers=c,
            timeout_s=1e12,
            max_attempts=1,
            jitter=0.0,
            queue_limit=10_000_000,
            defer_spread_s=0.0,
        )
        res = serve_transactions(submit, rng.exponential(1.0, n), pol, background=polls)
        out.append(float(((res.done - submit) * 86400.0)[warm:].mean()))
    return out


def server_checks(seeds: list[int], customers: int) -> list[dict]:
    """Rows for :func:`sakera_toolkit.sim.validate.validate` (same columns as its ``check``)."""
    from .validate import check, erlang_c

    warm = customers // 10
    rows = []
    for rho in (0.5, 0.8, 0.9):
        lam = rho  # one worker of rate 1/s
        rows.append(
            check(
                f"central server M/M/1 (rho {rho})",
                "mean response time (s)",
                1.0 / (1.0 - lam),
                _response_means(lam, 1, customers, warm, [700 + s for s in seeds]),
            )
        )
    c = 8
    for rho in (0.6, 0.85):
        lam = rho * c
        analytic = erlang_c(c, lam) / (c - lam) + 1.0
        rows.append(
            check(
                f"central server M/M/{c} (rho {rho})",
                "mean response time (s, Erlang C)",
                analytic,
                _response_means(lam, c, customers, warm, [800 + s for s in seeds]),
            )
        )
    lam = 0.85 * c
    rows.append(
        check(
            f"central server M/M/{c} (rho 0.85), 3/4 of it background polls",
            "requests' mean response time (s, Erlang C)",
            erlang_c(c, lam) / (c - lam) + 1.0,
            _response_means(lam, c, customers // 4, customers // 40, [850 + s for s in seeds], poll_share=0.75),
        )
    )
    # retry storm: goodput at 1.5x capacity is far below goodput at 0.9x
    ratios = []
    for s in seeds[:3]:
        good = []
        for load in (0.9, 1.5):
            rng = np.random.default_rng(900 + s)
            n = int(load * 10 * 4 * 3600)
            submit = np.sort(rng.uniform(8 / 24, 12 / 24, n))
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
            res = serve_transactions(submit, rng.exponential(1.0, n), pol, horizon_days=1, rng=rng)
            good.append(float((res.outcome == SUCCESS).sum()))
        ratios.append(good[1] / good[0])
    mean_ratio = float(np.mean(ratios))
    rows.append(
        {
            "case": "central server retry storm (load 1.5 vs 0.9, timeouts 30 s)",
            "quantity": "goodput ratio (< 0.5 = collapse)",
            "analytic": 0.5,
            "simulated": mean_ratio,
            "ci95_low": float(np.min(ratios)),
            "ci95_high": float(np.max(ratios)),
            "seeds": len(ratios),
            "tolerance": 0.0,
            "pass": bool(mean_ratio < 0.5),
        }
    )
    return rows

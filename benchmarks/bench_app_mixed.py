"""Mixed load: N trainees submitting cases while one analyst runs a scenario in Skenario.

Issue 11's performance target: with 40 trainees working and one analyst running a
10-replication scenario comparison in the Skenario page, the trainees' submit -> feedback p95
stays below 300 ms and the analyst's run takes at most 2x its time on an idle server. The
simulation runs in the server's worker process (``sakera_toolkit.evidence.jobs``), so the
Tornado event loop keeps serving the trainees.

Reuses the trainee client and server start-up of ``bench_app_load.py`` (same loopback server,
same Bokeh-protocol client). Runs, in one process, on one server:

1. warm-up: a short analyst run (spawns the worker, compiles the engine);
2. **idle**: the analyst's run alone (reference time);
3. **trainees only**: N trainees submitting (reference latencies);
4. **mixed**: N trainees submitting while the analyst runs again (another seed, so no cache hit).

Prints the ratios (mixed / idle analyst time, mixed / trainees-only p95) next to the absolute
figures. Loopback only; bounded as ``bench_app_load.py``.

Usage::

    .venv/bin/python benchmarks/bench_app_mixed.py                   # N=40, 10 replications, 120 days
    .venv/bin/python benchmarks/bench_app_mixed.py --n 10 --cases 3 --days 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app_load import (  # noqa: E402
    MAX_SESSIONS,
    PASSWORD,
    create_trainees,
    free_port,
    run_load,
    start_server,
    summary,
)

from apps.wsclient import login, open_session  # noqa: E402

ANALYST = "benchanalyst"


def create_analyst(db_url: str) -> None:
    from sakera_toolkit.store import make_session_factory, users

    factory = make_session_factory(db_url)
    with factory() as session:
        users.add_user(session, ANALYST, "evaluator", PASSWORD)
    factory.kw["bind"].dispose()


async def analyst_run(base: str, replications: int, days: int, seed: int, timeout: float) -> float:
    """Open Skenario as the analyst, set replications/days/seed, click Run; seconds until the KPI table."""
    cookies = await login(base, ANALYST, PASSWORD)
    session = await open_session(base, "/skenario", cookies)
    try:
        await session.set_value(session.find("sakera-skenario-replications"), "value", replications)
        await session.set_value(session.find("sakera-skenario-days"), "value", days)
        await session.set_value(session.find("sakera-skenario-seed"), "value", seed)
        await asyncio.sleep(0.2)
        await session.click(session.find("sakera-skenario-run"))
        t0 = time.perf_counter()
        await session.wait_for(
            lambda s: (
                "sakera-kpi-table" in s.text_of("sakera-skenario-result")
                and f"seed {seed}" in s.text_of("sakera-skenario-status")
            ),
            timeout,
        )
        return time.perf_counter() - t0
    finally:
        session.close()


async def mixed(base: str, names: list[str], cases: int, think: tuple[float, float], args) -> tuple:
    trainees = asyncio.create_task(run_load(base, names, cases, think, args.seed, args.timeout))
    await asyncio.sleep(args.analyst_delay)  # let the class log in first
    analyst = await analyst_run(base, args.replications, args.days, 2, args.analyst_timeout)
    latencies, wall = await trainees
    return latencies, wall, analyst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="trainees (default 40, max 60)")
    parser.add_argument("--cases", type=int, default=5, help="cases per trainee (default 5)")
    parser.add_argument("--answer-time", type=float, default=15.0, help="mean seconds per answer (default 15)")
    parser.add_argument("--read-time", type=float, default=3.0, help="mean seconds reading feedback (default 3)")
    parser.add_argument("--replications", type=int, default=10, help="analyst's replications (default 10)")
    parser.add_argument("--days", type=int, default=120, help="analyst's simulated days (default 120)")
    parser.add_argument(
        "--analyst-delay", type=float, default=20.0, help="seconds before the analyst starts (default 20)"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the trainees' choices")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one trainee round trip may take")
    parser.add_argument("--analyst-timeout", type=float, default=900.0, help="seconds the analyst run may take")
    args = parser.parse_args(argv)
    n = max(1, min(args.n, MAX_SESSIONS))
    think = (max(0.0, args.answer_time), max(0.0, args.read_time))
    cases = max(1, min(args.cases, 20))

    with tempfile.TemporaryDirectory(prefix="sakera-bench-mixed-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        names = create_trainees(db_url, n)
        create_analyst(db_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db_url, port, Path(tmp) / "server.log")
        try:
            print(
                f"sakera serve, SQLite, loopback, {os.cpu_count()} cores; N={n} trainees x {cases} cases; analyst: "
                f"office-only vs oct-2021, {args.replications} replications, {args.days} days",
                flush=True,
            )
            warm = asyncio.run(analyst_run(base, 2, 30, 100, args.analyst_timeout))
            print(f"analyst warm-up (worker spawn + compile): {warm:6.1f} s", flush=True)
            idle = asyncio.run(analyst_run(base, args.replications, args.days, 1, args.analyst_timeout))
            print(f"analyst run, idle server:                 {idle:6.1f} s", flush=True)
            ref_lat, ref_wall = asyncio.run(run_load(base, names, cases, think, args.seed, args.timeout))
            ref = summary(f"trainees only N={n}", ref_lat, ref_wall)
            mix_lat, mix_wall, busy = asyncio.run(mixed(base, names, cases, think, args))
            print(f"analyst run, {n} trainees submitting:     {busy:6.1f} s   ratio x{busy / idle:.2f} (target <= 2)")
            mix = summary(f"trainees + analyst N={n}", mix_lat, mix_wall)
            print(
                f"trainee p95 with analyst / without: x{mix['p95'] / ref['p95']:.2f}  "
                f"(p95 {mix['p95']:.0f} ms, target < 300 ms)"
            )
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
    .venv/bin/python benchmarks/bench_app_mixed.py --quick                # end-to-end check, ~2 min

``--quick`` (5 trainees x 3 cases, short think times, a 2-replication 30-day analyst run) checks
that every phase runs and that the numbers are consistent (every submit got its feedback, the
analyst's run overlapped the trainees' work, the KPI table equals ``sakera compare --align`` for
the same seed); its timings mean nothing. The exit status is 1 when a check fails.
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
    process_cpu_s,
    run_load,
    start_server,
    summary,
)

from apps.wsclient import login, open_session  # noqa: E402

ANALYST = "benchanalyst"


def cpu_by_role(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the server, its case workers, the evidence worker and this client.

    The evidence worker is the server's child with a higher ``nice`` than the server
    (``sakera_toolkit.evidence.jobs`` lowers its priority); the other children are the case
    workers (and multiprocessing's resource tracker, which uses next to no CPU).
    """
    import psutil

    out = {"server": process_cpu_s(server_pid), "case workers": 0.0, "evidence worker": 0.0}
    try:
        server = psutil.Process(server_pid)
        own_nice = server.nice()
        for child in server.children(recursive=True):
            try:
                role = "evidence worker" if child.nice() > own_nice else "case workers"
                out[role] += process_cpu_s(child.pid)
            except psutil.Error:
                continue
    except psutil.Error:
        pass
    t = os.times()
    out["bench client"] = t.user + t.system
    return out


def cpu_line(before: dict[str, float], after: dict[str, float], wall: float) -> str:
    """Cores used per role between two :func:`cpu_by_role` snapshots over ``wall`` seconds."""
    parts = [f"{k} {(after[k] - before[k]) / wall:.2f}" for k in after]
    return "  cores used: " + ", ".join(parts) + f"; load average {os.getloadavg()[0]:.2f}"


def timed(server_pid: int, coro) -> tuple:
    """Run ``coro``; its result, the wall seconds and the cores used per role meanwhile."""
    before, t0 = cpu_by_role(server_pid), time.perf_counter()
    result = asyncio.run(coro)
    wall = time.perf_counter() - t0
    return result, cpu_line(before, cpu_by_role(server_pid), wall)


def create_analyst(db_url: str) -> None:
    from sakera_toolkit.store import make_session_factory, users

    factory = make_session_factory(db_url)
    with factory() as session:
        users.add_user(session, ANALYST, "evaluator", PASSWORD)
    factory.kw["bind"].dispose()


async def analyst_run(
    base: str, replications: int, days: int, seed: int, timeout: float, server_pid: int | None = None
) -> tuple[float, str]:
    """Open Skenario as the analyst, set replications/days/seed, click Run; seconds until the KPI table, and the table.

    With ``server_pid``, also prints the cores each role used between the click and the table.
    """
    cookies = await login(base, ANALYST, PASSWORD)
    session = await open_session(base, "/skenario", cookies)
    try:
        await session.set_value(session.find("sakera-skenario-replications"), "value", replications)
        await session.set_value(session.find("sakera-skenario-days"), "value", days)
        await session.set_value(session.find("sakera-skenario-seed"), "value", seed)
        await asyncio.sleep(0.2)
        before = cpu_by_role(server_pid) if server_pid else None
        await session.click(session.find("sakera-skenario-run"))
        t0 = time.perf_counter()
        await session.wait_for(
            lambda s: (
                "sakera-kpi-table" in s.text_of("sakera-skenario-result")
                and f"seed {seed}" in s.text_of("sakera-skenario-status")
            ),
            timeout,
        )
        seconds = time.perf_counter() - t0
        if before is not None and server_pid:
            print("  click -> table:" + cpu_line(before, cpu_by_role(server_pid), seconds), flush=True)
        return seconds, session.text_of("sakera-skenario-result")
    finally:
        session.close()


async def mixed(base: str, names: list[str], cases: int, think: tuple[float, float], args) -> tuple:
    """Trainees and the analyst together; also whether the trainees were still working when the run ended."""
    trainees = asyncio.create_task(run_load(base, names, cases, think, args.seed, args.timeout))
    await asyncio.sleep(args.analyst_delay)  # let the class log in first
    analyst, table = await analyst_run(
        base, args.replications, args.days, MIXED_SEED, args.analyst_timeout, args.server_pid
    )
    overlapped = not trainees.done()
    latencies, wall = await trainees
    return latencies, wall, analyst, overlapped, table


#: Seeds of the analyst's runs (distinct, so no run is a cache hit of another).
WARM_SEED, IDLE_SEED, MIXED_SEED, IDLE2_SEED = 100, 1, 2, 3

QUICK = {"n": 5, "cases": 3, "answer_time": 4.0, "read_time": 1.0, "replications": 2, "days": 30, "analyst_delay": 3.0}


def expected_table(replications: int, days: int, seed: int) -> str:
    """The KPI table ``sakera compare --align`` gives for the page's scenarios, formatted as the page does."""
    from apps.pages.skenario import comparison_table
    from sakera_toolkit import scenarios
    from sakera_toolkit.scenarios.compare import compare

    horizon = {"horizon.days": days, "horizon.warmup_days": min(28, max(0, days // 4))}
    base = scenarios.load("office-only").with_values(horizon)
    scen = scenarios.load("oct-2021").with_values(horizon)
    comp = compare([base, scen], replications=replications, seed=seed, align=True)
    return comparison_table(comp, "id")


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
    parser.add_argument(
        "--evidence-nice",
        type=int,
        default=None,
        metavar="N",
        help="nice increment of the server's evidence worker (default: the server's, evidence.jobs.WORKER_NICENESS)",
    )
    parser.add_argument("--quick", action="store_true", help="small end-to-end check (timings not meaningful)")
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    n = max(1, min(args.n, MAX_SESSIONS))
    think = (max(0.0, args.answer_time), max(0.0, args.read_time))
    cases = max(1, min(args.cases, 20))

    if args.evidence_nice is not None:
        os.environ["SAKERA_EVIDENCE_NICE"] = str(args.evidence_nice)
    from sakera_toolkit.evidence.jobs import niceness

    with tempfile.TemporaryDirectory(prefix="sakera-bench-mixed-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        names = create_trainees(db_url, n)
        create_analyst(db_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db_url, port, Path(tmp) / "server.log")
        args.server_pid = proc.pid
        try:
            print(
                f"sakera serve, SQLite, loopback, {os.cpu_count()} cores; N={n} trainees x {cases} cases; analyst: "
                f"office-only vs oct-2021, {args.replications} replications, {args.days} days; evidence worker: "
                f"1 process, nice +{niceness()}, SCHED_BATCH",
                flush=True,
            )
            print(f"load average at start (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
            warm, _ = asyncio.run(analyst_run(base, 2, 30, WARM_SEED, args.analyst_timeout))
            print(f"analyst warm-up (worker spawn + compile): {warm:6.1f} s", flush=True)
            idle, _ = asyncio.run(
                analyst_run(base, args.replications, args.days, IDLE_SEED, args.analyst_timeout, proc.pid)
            )
            print(f"analyst run, idle server:                 {idle:6.1f} s", flush=True)
            (ref_lat, ref_wall), cpu = timed(proc.pid, run_load(base, names, cases, think, args.seed, args.timeout))
            ref = summary(f"trainees only N={n}", ref_lat, ref_wall)
            print(cpu, flush=True)
            (mix_lat, mix_wall, busy, overlapped, shown), cpu = timed(proc.pid, mixed(base, names, cases, think, args))
            print(f"analyst run, {n} trainees submitting:     {busy:6.1f} s", flush=True)
            mix = summary(f"trainees + analyst N={n}", mix_lat, mix_wall)
            print(cpu, flush=True)
            # the idle reference once more (another seed: no cache hit), so that a change of the
            # machine's other load between the phases shows instead of skewing the ratio unseen
            idle2, _ = asyncio.run(
                analyst_run(base, args.replications, args.days, IDLE2_SEED, args.analyst_timeout, proc.pid)
            )
            print(f"analyst run, idle server again:           {idle2:6.1f} s", flush=True)
            ref_idle = (idle + idle2) / 2
            print(
                f"analyst ratio loaded / idle: x{busy / ref_idle:.2f} against the mean idle time "
                f"(x{busy / idle:.2f} and x{busy / idle2:.2f} against each; target <= 2)"
            )
            print(
                f"trainee p95 with analyst / without: x{mix['p95'] / ref['p95']:.2f}  "
                f"(p95 {mix['p95']:.0f} ms, target < 300 ms)"
            )
        finally:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
    failures = []
    for label, lat in (("trainees only", ref_lat), ("mixed", mix_lat)):
        if len(lat) != n * cases:
            failures.append(f"{label}: {len(lat)} feedbacks for {n * cases} submits")
    if not overlapped:
        failures.append("the trainees finished before the analyst's run ended (raise --cases or --answer-time)")
    if args.quick:  # the page's last table (the mixed run) must be compare --align's for the same seed
        import html as _html
        import re as _re

        want = expected_table(args.replications, args.days, MIXED_SEED)
        cells = [_html.unescape(c) for c in _re.findall(r"<td class='n'>(.*?)</td>", want)]
        missing = [c for c in cells if c not in _html.unescape(shown)]
        if not cells or missing:
            failures.append(f"Skenario table differs from compare --align: {missing[:3]}")
    for f in failures:
        print("CHECK FAILED:", f)
    print("checks:", "ok" if not failures else f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Load benchmark of the training app: N trainees logged in at once, each submitting cases.

Starts ``sakera serve`` on a loopback port with a fresh temporary SQLite database, creates N
trainee accounts, logs each in through ``/login`` (cookie), opens N real Bokeh sessions of
``/latihan`` with a small asyncio websocket client speaking Bokeh's protocol
(:mod:`apps.wsclient`), and has every trainee work cases: choose a service and a decision, click
*Kirim jawaban*, wait for the grader's feedback, take the next citizen. The time from the click
leaving the client to the feedback arriving is the submit -> feedback round trip (the grading, the
commit to the database and the page update, all on the server; client and server share the
loopback).

Prints p50/p95/max for a reference run with one trainee and for N trainees, their ratio, the
throughput, and the server's peak memory (VmHWM). Bounded: N <= 60 sessions, a few cases each,
a time limit per run; loopback only.

Usage::

    .venv/bin/python benchmarks/bench_app_load.py            # N=40, 5 cases each (~2 min)
    .venv/bin/python benchmarks/bench_app_load.py --n 10 --cases 3 --answer-time 2 --read-time 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tornado.httpclient import AsyncHTTPClient  # noqa: E402

from apps.wsclient import AccessRefused, BokehSession, login, open_session  # noqa: E402

# the default client queues more than 10 concurrent requests (and times them out in the queue)
AsyncHTTPClient.configure(None, max_clients=500)

MAX_SESSIONS = 60
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_trainees(db_url: str, n: int) -> list[str]:
    from sakera_toolkit.store import make_session_factory, users
    from sakera_toolkit.store.migrations import ensure_schema

    ensure_schema(db_url)
    names = [f"bench{i:03d}" for i in range(n)]
    factory = make_session_factory(db_url)
    with factory() as session:
        users.add_user(session, "benchtrainer", "trainer", PASSWORD)
        users.create_class(session, "Kelas Bench", "benchtrainer")
        for name in names:
            users.add_user(session, name, "trainee", PASSWORD, villages=("35.27.03.2001",))
            users.add_to_class(session, "Kelas Bench", name)
    factory.kw["bind"].dispose()
    return names


def start_server(db_url: str, port: int, log_path: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "sakera_toolkit", "serve", "--db", db_url, "--port", str(port),
         "--address", "127.0.0.1", "--no-show", *extra],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text(errors="replace")[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/liveness", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    os.kill(proc.pid, signal.SIGTERM)
    raise RuntimeError("server did not start")


def server_peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def feedback_marker(session: BokehSession) -> str:
    return session.text_of("sakera-feedback")


async def trainee(base: str, username: str, cases: int, think: tuple[float, float], rng: random.Random,
                  latencies: list[float], login_slots: asyncio.Semaphore, all_open: asyncio.Event,
                  n_open: list[int], n_total: int, timeout: float) -> None:
    async with login_slots:  # a login costs ~0.25 s of server CPU: do not queue 40 at once
        cookies = await login(base, username, PASSWORD)
        session = await open_session(base, "/latihan", cookies)
        await session.wait_for(lambda s: s.text_of("sakera-request") != "", timeout)  # first citizen drawn
    n_open[0] += 1
    if n_open[0] == n_total:
        all_open.set()
    await all_open.wait()  # measure only once every trainee is logged in
    try:
        for _ in range(cases):
            service_id = session.find("sakera-service")
            options = session.attribute(service_id, "options") or []
            values = [o[0] if isinstance(o, list) else o for o in options][1:]  # [0] is "(pilih layanan)"
            await session.set_value(service_id, "value", rng.choice(values))
            decision = rng.choice(["process", "return", "refer"])
            await session.click(session.find(f"sakera-decision-{decision}"))
            await asyncio.sleep(think[0] * rng.uniform(0.5, 1.5))
            before = feedback_marker(session)
            await session.click(session.find("sakera-submit"))
            t0 = time.perf_counter()
            await session.wait_for(
                lambda s, before=before: 'data-attempt="' in feedback_marker(s) and feedback_marker(s) != before,
                timeout)
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(think[1] * rng.uniform(0.5, 1.5))
            case_before = session.text_of("sakera-request")
            await session.click(session.find("sakera-next"))
            await session.wait_for(lambda s, case_before=case_before: s.text_of("sakera-request") != case_before,
                                   timeout)
    finally:
        session.close()


async def run_load(base: str, usernames: list[str], cases: int, think: tuple[float, float], seed: int,
                   timeout: float) -> tuple[list[float], float]:
    latencies: list[float] = []
    all_open = asyncio.Event()
    n_open = [0]
    rng = random.Random(seed)
    login_slots = asyncio.Semaphore(4)
    t0 = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(trainee(base, name, cases, think, random.Random(rng.random()), latencies, login_slots,
                                 all_open, n_open, len(usernames), timeout) for name in usernames)),
        timeout=timeout * (cases + 2) * 2,
    )
    return latencies, time.perf_counter() - t0


def summary(label: str, latencies: list[float], wall: float) -> dict[str, float]:
    ms = sorted(x * 1000 for x in latencies)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"{label:<24} submits={len(ms):4d}  p50={p50:7.1f} ms  p95={p95:7.1f} ms  max={ms[-1]:7.1f} ms  "
          f"throughput={len(ms) / wall:5.1f} submits/s")
    return {"p50": p50, "p95": p95}


# --------------------------------------------------------------------------- scenarios of issue 13


def server_rss_mb(pid: int) -> float:
    """Current resident memory (VmRSS) of a process, MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


class PostgresCluster:
    """A throwaway PostgreSQL server on a loopback port (as the test fixture; stopped by ``stop``)."""

    def __init__(self) -> None:
        import glob
        import shutil

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
        self.bindir = Path(found[-1]).parent
        self.base = Path(tempfile.mkdtemp(prefix="sakera-bench-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
        self.port = free_port()
        data = self.base / "data"
        self._run(f"{self.bindir}/initdb -D {data} -A trust -U postgres -E UTF8 --no-sync")
        self._run(f"{self.bindir}/pg_ctl -D {data} -l {self.base}/log -w -t 30 -o '-p {self.port} -k {self.base} "
                  f"-c listen_addresses=127.0.0.1 -c max_connections=300' start")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, command: str) -> None:
        argv = ["su", "postgres", "-c", command] if os.geteuid() == 0 else ["sh", "-c", command]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-500:])

    def stop(self) -> None:
        import shutil

        self._run(f"{self.bindir}/pg_ctl -D {self.base}/data -m fast -w -t 30 stop")
        shutil.rmtree(self.base, ignore_errors=True)


def start_servers(db_url: str, procs: int, tmp: Path, extra: tuple[str, ...] = ()) -> list[tuple[str, subprocess.Popen]]:
    """``procs`` server processes on their own loopback ports, one database (sticky routing by client)."""
    os.environ.setdefault("SAKERA_COOKIE_SECRET", "bench-" + "0" * 40)  # every process signs alike
    servers = []
    for k in range(procs):
        port = free_port()
        proc = start_server(db_url, port, tmp / f"server{k}.log", extra)
        servers.append((f"http://127.0.0.1:{port}", proc))
    return servers


async def _work_cases(session: BokehSession, cases: int, think: tuple[float, float], rng: random.Random,
                      latencies: list[float], timeout: float, starts: list[float] | None = None) -> None:
    """Work ``cases`` citizens; each submit's round trip goes to ``latencies`` (its start time,
    ``time.perf_counter()``, to ``starts`` when given)."""
    for _ in range(cases):
        service_id = session.find("sakera-service")
        options = session.attribute(service_id, "options") or []
        values = [o[0] if isinstance(o, list) else o for o in options][1:]
        await session.set_value(service_id, "value", rng.choice(values))
        await session.click(session.find(f"sakera-decision-{rng.choice(['process', 'return', 'refer'])}"))
        if think[0]:
            await asyncio.sleep(think[0] * rng.uniform(0.5, 1.5))
        before = feedback_marker(session)
        await session.click(session.find("sakera-submit"))
        t0 = time.perf_counter()
        await session.wait_for(
            lambda s, before=before: 'data-attempt="' in feedback_marker(s) and feedback_marker(s) != before, timeout)
        latencies.append(time.perf_counter() - t0)
        if starts is not None:
            starts.append(t0)
        if think[1]:
            await asyncio.sleep(think[1] * rng.uniform(0.5, 1.5))
        case_before = session.text_of("sakera-request")
        await session.click(session.find("sakera-next"))
        await session.wait_for(lambda s, case_before=case_before: s.text_of("sakera-request") != case_before, timeout)


async def _open_desk(base: str, cookies: dict[str, str], timeout: float) -> BokehSession:
    session = await open_session(base, "/latihan", cookies, timeout=timeout)
    await session.wait_for(lambda s: s.text_of("sakera-request") != "", timeout)
    return session


async def throughput_run(bases: list[str], names: list[str], cases: int, seed: int,
                         timeout: float, pid: int | None = None,
                         cpu: dict[str, float] | None = None) -> tuple[list[float], float]:
    """Every trainee logged in first, then all submit as fast as the server answers.

    With ``pid`` and ``cpu``: the server's CPU seconds of the login phase (``cpu["open"]``) and
    of the submit phase (``cpu["work"]``) are written into ``cpu``.
    """
    cpu0 = process_cpu_s(pid) if pid else 0.0
    sem = asyncio.Semaphore(4)

    async def enter(i: int, name: str) -> BokehSession:
        async with sem:
            cookies = await login(bases[i % len(bases)], name, PASSWORD)
            return await _open_desk(bases[i % len(bases)], cookies, timeout)

    sessions = await asyncio.gather(*(enter(i, n) for i, n in enumerate(names)))
    await asyncio.sleep(0.5)  # let the server finish the sessions' onload work
    cpu1 = process_cpu_s(pid) if pid else 0.0
    latencies: list[float] = []
    rng = random.Random(seed)
    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(_work_cases(s, cases, (0.0, 0.0), random.Random(rng.random()), latencies, timeout)
                               for s in sessions))
    finally:
        wall = time.perf_counter() - t0
        if pid and cpu is not None:
            cpu["open"] = cpu1 - cpu0
            cpu["work"] = process_cpu_s(pid) - cpu1
        for s in sessions:
            s.close()
    return latencies, wall


def scenario_throughput(args, tmp: Path) -> None:
    """Per-process submits/s: N trainees submitting back to back, N doubled until p95 >= 300 ms."""
    db_url = f"sqlite:///{tmp / 'throughput.db'}"
    names = create_trainees(db_url, 32)
    (base, proc), = start_servers(db_url, 1, tmp)
    print("throughput, 1 server process, SQLite, loopback; each submit followed by 'next citizen'")
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    best = top = 0.0
    try:
        for n in (1, 2, 4, 8, 16):
            cpu: dict[str, float] = {}
            lat, wall = asyncio.run(throughput_run([base], names[:n], args.cases, args.seed, args.timeout,
                                                   proc.pid, cpu))
            p95 = percentile(lat, 0.95) * 1000
            rate = len(lat) / wall
            print(f"  N={n:3d}  submits={len(lat):4d}  p50={percentile(lat, 0.5) * 1000:7.1f} ms  "
                  f"p95={p95:7.1f} ms  {rate:5.1f} submits/s (with next-citizen round trips)  "
                  f"server CPU {1000 * cpu['open'] / n:5.0f} ms per session opened, "
                  f"{1000 * cpu['work'] / max(1, len(lat)):5.1f} ms per submit+next cycle")
            if p95 < 300:
                best = max(best, rate)
            top = max(top, rate)
        print(f"  => submits/s per process at p95 < 300 ms: {best:.1f} (target >= 20); highest at any p95: {top:.1f}")
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def scenario_class(args, tmp: Path) -> None:
    """N trainees over P server processes (PostgreSQL or SQLite) at the given pace.

    Trainees arrive at uniformly random moments over ``--ramp`` seconds, log in, open the desk and
    work ``--cases`` citizens. Submit round trips are reported for the *login phase* (submits that
    started while some trainee had not yet got their first case) and the *steady phase* (after
    every desk is open), with the time to first case of the logins.
    """
    pg = PostgresCluster() if args.database == "postgresql" else None
    try:
        db_url = pg.url if pg else f"sqlite:///{tmp / 'class.db'}"
        names = create_trainees(db_url, args.n)
        servers = start_servers(db_url, args.procs, tmp)
        bases = [b for b, _ in servers]
        think = (args.answer_time, args.read_time)
        try:
            latencies: list[float] = []
            starts: list[float] = []
            first_case: list[float] = []
            desks_open: list[float] = []
            rng = random.Random(args.seed)
            sem = asyncio.Semaphore(8)

            failures: list[str] = []

            async def one(i: int, name: str) -> None:
                base = bases[i % len(bases)]
                await asyncio.sleep(args.ramp * rng.random())  # trainees arrive over the ramp
                t0 = time.perf_counter()
                try:
                    async with sem:
                        cookies = await login(base, name, PASSWORD, timeout=60)
                    session = await _open_desk(base, cookies, 60)
                except (OSError, TimeoutError, AccessRefused) as exc:
                    failures.append(f"{name}: {type(exc).__name__} {exc}")
                    return
                first_case.append(time.perf_counter() - t0)
                desks_open.append(time.perf_counter())
                try:
                    await asyncio.sleep(args.answer_time * rng.random())  # spread the first submits
                    await _work_cases(session, args.cases, think, random.Random(rng.random()), latencies,
                                      args.timeout, starts)
                except (OSError, TimeoutError, AccessRefused) as exc:
                    failures.append(f"{name}: {type(exc).__name__} {exc}")
                finally:
                    session.close()

            async def everyone() -> tuple[float, float]:
                t0 = time.perf_counter()
                await asyncio.gather(*(one(i, n) for i, n in enumerate(names)))
                return t0, time.perf_counter() - t0

            cpu0 = [process_cpu_s(p.pid) for _, p in servers]
            t_start, wall = asyncio.run(everyone())
            cpu = [process_cpu_s(p.pid) - c for (_, p), c in zip(servers, cpu0, strict=True)]
            all_open = max(desks_open, default=t_start)
            cycle = think[0] + think[1]
            print(f"class: {len(names)} trainees over {args.procs} process(es), {args.database}; "
                  f"{args.cases} cases each, ~{think[0]:.0f} s per answer, ~{think[1]:.0f} s reading")
            print(f"  pace: arrivals uniform over {args.ramp:.0f} s ({len(names) / max(args.ramp, 1e-9):.1f} "
                  f"logins/s, {len(names) / max(args.ramp, 1e-9) / args.procs:.1f} per process); offered "
                  f"~{len(names) / max(cycle, 1e-9):.1f} submits/s once all work (a real desk takes ~480 s "
                  f"per case: this is ~{480 / max(think[0], 1e-9):.0f}x a real class's pace)")
            print(f"  server CPU {', '.join(f'{c:.0f} s' for c in cpu)} over {wall:.0f} s")
            print(f"  time to first case: p50={percentile(first_case, 0.5) * 1000:.0f} ms  "
                  f"p95={percentile(first_case, 0.95) * 1000:.0f} ms  max={max(first_case, default=float('nan')) * 1000:.0f} ms"
                  f"  (last desk open {all_open - t_start:.0f} s after the start)")
            phases = (("login phase", [x for x, t in zip(latencies, starts, strict=True) if t < all_open]),
                      ("steady phase", [x for x, t in zip(latencies, starts, strict=True) if t >= all_open]),
                      ("all", latencies))
            for label, values in phases:
                if not values:
                    print(f"  {label:<13} submits=   0")
                    continue
                print(f"  {label:<13} submits={len(values):4d}  p50={percentile(values, 0.5) * 1000:7.1f} ms  "
                      f"p95={percentile(values, 0.95) * 1000:7.1f} ms  max={max(values) * 1000:7.1f} ms  "
                      f"(target p95 < 300 ms)")
            print(f"  trainees who could not open the desk or timed out: {len(failures)} of {len(names)}"
                  + (f" (first: {failures[0]})" if failures else ""))
        finally:
            for _, p in servers:
                os.kill(p.pid, signal.SIGTERM)
                p.wait(timeout=30)
    finally:
        if pg:
            pg.stop()


def scenario_storm(args, tmp: Path) -> None:
    """Login storm: 40 trainees start within 5 s; time from the login POST to the first case on screen.

    One server process by default (``--procs`` spreads the trainees round robin over several, on
    SQLite; the reference login goes to the first).
    """
    db_url = f"sqlite:///{tmp / 'storm.db'}"
    n = 40
    names = create_trainees(db_url, n + 1)
    servers = start_servers(db_url, args.procs, tmp)
    (base, proc) = servers[0]
    bases = [b for b, _ in servers]
    rng = random.Random(args.seed)
    offsets = sorted(rng.uniform(0, 5.0) for _ in range(n))
    failures: list[str] = []

    async def storm(group: list[str], offs: list[float]) -> list[float]:
        results: list[float] = []

        async def one(k: int, name: str, offset: float) -> None:
            await asyncio.sleep(offset)
            t0 = time.perf_counter()
            target = bases[k % len(bases)]
            try:
                cookies = await login(target, name, PASSWORD, timeout=60)
                session = await _open_desk(target, cookies, 60)
            except (OSError, TimeoutError, AccessRefused) as exc:
                failures.append(f"{name}: {exc}")
                return
            results.append(time.perf_counter() - t0)
            session.close()

        await asyncio.gather(*(one(k, nm, o) for k, (nm, o) in enumerate(zip(group, offs, strict=True))))
        return results

    try:
        load = os.getloadavg()
        ref = asyncio.run(storm(names[:1], [0.0]))
        cpu0 = [process_cpu_s(p.pid) for _, p in servers]
        client0 = time.process_time()
        ttfc = asyncio.run(storm(names[1:], offsets))
        cpu = sum(process_cpu_s(p.pid) - c for (_, p), c in zip(servers, cpu0, strict=True))
        client = time.process_time() - client0
        print(f"login storm: {n} logins within 5 s, {len(servers)} process(es), SQLite; time to first case "
              f"(load average before: {' '.join(f'{x:.2f}' for x in load)})")
        print(f"  benchmark client CPU (same machine): {client:.1f} s = {1000 * client / n:.0f} ms per login")
        print(f"  server CPU during the storm: {cpu:.1f} s = {1000 * cpu / n:.0f} ms per login + first case")
        print(f"  reference (1 login): {ref[0] * 1000:.0f} ms")
        print(f"  p50={percentile(ttfc, 0.5) * 1000:.0f} ms  p95={percentile(ttfc, 0.95) * 1000:.0f} ms  "
              f"max={max(ttfc, default=float('nan')) * 1000:.0f} ms  (p95 / reference "
              f"x{percentile(ttfc, 0.95) / ref[0]:.1f}; target p95 < 3 s); {len(failures)} of {n} failed"
              + (f" (first: {failures[0]})" if failures else ""))
    finally:
        for _, p in servers:
            os.kill(p.pid, signal.SIGTERM)
            p.wait(timeout=30)


def scenario_memory(args, tmp: Path) -> None:
    """RSS per open session, and RSS while 500 sessions are opened and closed (plateau expected)."""
    db_url = f"sqlite:///{tmp / 'memory.db'}"
    names = create_trainees(db_url, 50)
    (base, proc), = start_servers(db_url, 1, tmp)

    async def main() -> None:
        cookies = []
        for name in names:
            cookies.append(await login(base, name, PASSWORD))
        warm = await _open_desk(base, cookies[0], 60)  # first session: imports, caches
        warm.close()
        await asyncio.sleep(args.settle)
        rss0 = server_rss_mb(proc.pid)
        opened = [await _open_desk(base, c, 60) for c in cookies[:40]]
        rss40 = server_rss_mb(proc.pid)
        print(f"memory, 1 process, SQLite: RSS {rss0:.0f} MB idle -> {rss40:.0f} MB with 40 open sessions "
              f"= {(rss40 - rss0) / 40:.2f} MB per open session")
        for s in opened:
            s.close()
        marks = []
        for wave in range(20):  # 20 waves x 25 = 500 sessions opened and closed
            batch = await asyncio.gather(*(_open_desk(base, cookies[(wave * 25 + k) % len(cookies)], 60)
                                           for k in range(25)))
            for s in batch:
                s.close()
            if (wave + 1) % 4 == 0:
                marks.append(((wave + 1) * 25, server_rss_mb(proc.pid)))
        await asyncio.sleep(args.settle)
        marks.append(("after the unused-session sweep", server_rss_mb(proc.pid)))
        print("  RSS after sessions opened and closed: " + ", ".join(f"{k}: {v:.0f} MB" for k, v in marks))

    try:
        asyncio.run(main())
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def scenario_reference(args, tmp: Path) -> None:
    """The original benchmark: one trainee, then N at the given pace (ratio printed)."""
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    n = max(1, min(args.n, MAX_SESSIONS))
    names = create_trainees(db_url, n + 1)
    think = (max(0.0, args.answer_time), max(0.0, args.read_time))
    (base, proc), = start_servers(db_url, 1, tmp)
    try:
        ref_lat, ref_wall = asyncio.run(run_load(base, names[:1], args.cases, think, args.seed, args.timeout))
        cpu0 = (process_cpu_s(proc.pid), time.process_time())
        load_lat, load_wall = asyncio.run(run_load(base, names[1:n + 1], args.cases, think, args.seed, args.timeout))
        cpu = (process_cpu_s(proc.pid) - cpu0[0], time.process_time() - cpu0[1])
        print(f"sakera serve, SQLite, loopback; {args.cases} cases per trainee; ~{think[0]:.0f} s per answer, "
              f"~{think[1]:.0f} s reading feedback")
        ref = summary("reference N=1", ref_lat, ref_wall)
        load = summary(f"load N={n}", load_lat, load_wall)
        print(f"ratio N={n} / N=1:       p50 x{load['p50'] / ref['p50']:.2f}  p95 x{load['p95'] / ref['p95']:.2f}")
        print(f"CPU during the N={n} run ({load_wall:.0f} s wall): server {cpu[0]:.1f} s, "
              f"benchmark client {cpu[1]:.1f} s")
        print(f"server peak memory (VmHWM): {server_peak_rss_mb(proc.pid):.0f} MB")
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


SCENARIOS = {
    "reference": scenario_reference,
    "throughput": scenario_throughput,
    "class": scenario_class,
    "storm": scenario_storm,
    "memory": scenario_memory,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="reference",
                        help="reference (N trainees at a pace, ratio to N=1), throughput (per-process submits/s "
                        "at p95 < 300 ms), class (N trainees over --procs processes), storm (40 logins in 5 s), "
                        "memory (RSS per session, 500 sessions opened/closed)")
    parser.add_argument("--n", type=int, default=40, help="trainees logged in at once (default 40; class: max 200)")
    parser.add_argument("--procs", type=int, default=1, help="server processes (class and storm scenarios; "
                        "default 1)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="store of the class scenario (postgresql starts a throwaway local cluster)")
    parser.add_argument("--cases", type=int, default=5, help="cases each trainee submits (default 5)")
    parser.add_argument("--answer-time", type=float, default=15.0,
                        help="mean seconds a trainee works on a case before submitting (default 15; the "
                        "calibrated desk target is 480 s, so this is ~30x a real class's pace)")
    parser.add_argument("--read-time", type=float, default=3.0,
                        help="mean seconds spent reading the feedback before the next citizen (default 3)")
    parser.add_argument("--ramp", type=float, default=60.0,
                        help="seconds over which the class scenario's trainees arrive, uniformly at random "
                        "(default 60; a class entering an exam room logs in over a few minutes: try 180)")
    parser.add_argument("--settle", type=float, default=45.0,
                        help="seconds to wait for the server's unused-session sweep (memory scenario)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the simulated choices")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one round trip may take at most")
    args = parser.parse_args(argv)
    limit = 200 if args.scenario == "class" else MAX_SESSIONS
    args.n = max(1, min(args.n, limit))
    args.procs = max(1, min(args.procs, 4))
    args.cases = max(1, min(args.cases, 20))
    with tempfile.TemporaryDirectory(prefix="sakera-bench-") as tmp:
        SCENARIOS[args.scenario](args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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

from apps.wsclient import BokehSession, login, open_session  # noqa: E402

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


def start_server(db_url: str, port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "sakera_toolkit", "serve", "--db", db_url, "--port", str(port),
         "--address", "127.0.0.1", "--no-show"],
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
    async with login_slots:  # a login costs ~0.1 s of Argon2: do not queue 40 at once
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="trainees logged in at once (default 40, max 60)")
    parser.add_argument("--cases", type=int, default=5, help="cases each trainee submits (default 5)")
    parser.add_argument("--answer-time", type=float, default=15.0,
                        help="mean seconds a trainee works on a case before submitting (default 15; the "
                        "calibrated desk target is 480 s, so this is ~30x a real class's pace)")
    parser.add_argument("--read-time", type=float, default=3.0,
                        help="mean seconds spent reading the feedback before the next citizen (default 3)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the simulated choices")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one round trip may take at most")
    args = parser.parse_args(argv)
    n = max(1, min(args.n, MAX_SESSIONS))
    think = (max(0.0, args.answer_time), max(0.0, args.read_time))
    cases = max(1, min(args.cases, 20))

    with tempfile.TemporaryDirectory(prefix="sakera-bench-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        names = create_trainees(db_url, n + 1)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db_url, port, Path(tmp) / "server.log")
        try:
            ref_lat, ref_wall = asyncio.run(run_load(base, names[:1], cases, think, args.seed, args.timeout))
            cpu0 = (process_cpu_s(proc.pid), time.process_time())
            load_lat, load_wall = asyncio.run(run_load(base, names[1:n + 1], cases, think, args.seed,
                                                       args.timeout))
            cpu = (process_cpu_s(proc.pid) - cpu0[0], time.process_time() - cpu0[1])
            print(f"sakera serve, SQLite, loopback; {cases} cases per trainee; ~{think[0]:.0f} s per answer, "
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
    return 0


if __name__ == "__main__":
    sys.exit(main())

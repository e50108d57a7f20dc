"""Cost of a durable submission: ``store.attempts.submit`` vs grading alone.

Run:  .venv/bin/python benchmarks/bench_store_submit.py [--n 200] [--db URL]

Measures, on a fresh SQLite file (or the PostgreSQL database given with ``--db``, which must be
empty), the time of ``submit`` (grade + attempt, answer, grade, mistakes, certification check and
audit row in one committed transaction, ``synchronous=FULL`` on SQLite) for ``--n`` submissions of
prepared cases, and prints p50/p95 in ms, the ratio against ``training.grade`` alone (the
reference, same cases, same process), the same with ``synchronous=NORMAL`` (SQLite only, to show
what durability costs), the dashboard queries on the resulting data, and peak memory.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import max_rss_mb, peak_traced_mb
from sqlalchemy import event

from sakera_toolkit import training
from sakera_toolkit.store import attempts, demo, make_engine, make_session_factory, upgrade


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1000.0
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def run_submits(url: str, cases, answers, synchronous: str | None = None) -> list[float]:
    """Submit every case once as ``peserta1``/``peserta2`` alternately; per-call wall seconds."""
    upgrade(url)
    engine = make_engine(url)
    if synchronous is not None:
        event.listen(engine, "connect", lambda conn, _r: conn.execute(f"PRAGMA synchronous={synchronous}"))
    factory = make_session_factory(engine)
    with factory() as session:
        demo.seed_demo(session)
    times = []
    with factory() as session:
        for i, (case, answer) in enumerate(zip(cases, answers, strict=True)):
            user = "peserta1" if i % 2 == 0 else "peserta2"
            t0 = time.perf_counter()
            attempts.submit(session, user, case, answer)
            times.append(time.perf_counter() - t0)
    engine.dispose()
    return times


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="submissions per run (default 200)")
    parser.add_argument("--db", default=None, help="an EMPTY PostgreSQL database URL (default: SQLite files)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    cases = [training.generate_for_level(int(rng.integers(0, 4)), int(s)) for s in rng.integers(0, 2**31, args.n)]
    answers = [
        training.perfect_answer(c, 60) if k % 3 else training.Answer(service_id="kk_baru", decision="process")
        for k, c in enumerate(cases)
    ]

    t0 = time.perf_counter()
    grade_times = []
    for case, answer in zip(cases, answers, strict=True):
        g0 = time.perf_counter()
        training.grade(case, answer)
        grade_times.append(time.perf_counter() - g0)
    g50, g95 = _percentiles(grade_times)
    print(
        f"reference training.grade alone: p50 {g50:.2f} ms, p95 {g95:.2f} ms ({time.perf_counter() - t0:.2f} s total)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'full.db'}"
        label = "PostgreSQL" if args.db else "SQLite synchronous=FULL"
        holder: dict[str, list[float]] = {}
        peak = peak_traced_mb(lambda: holder.setdefault("t", run_submits(url, cases, answers)))
        s50, s95 = _percentiles(holder["t"])
        print(f"submit ({label}): p50 {s50:.2f} ms, p95 {s95:.2f} ms; ratio to grading alone p50 x{s50 / g50:.1f}")
        print(f"  peak traced memory during {args.n} submits: {peak:.1f} MB")
        if not args.db:
            normal = run_submits(f"sqlite:///{Path(tmp) / 'normal.db'}", cases, answers, synchronous="NORMAL")
            n50, n95 = _percentiles(normal)
            print(
                f"submit (SQLite synchronous=NORMAL, not used): p50 {n50:.2f} ms, p95 {n95:.2f} ms; FULL/NORMAL p50 x{s50 / n50:.2f}"
            )

        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as session:
            for name, fn in (
                ("class_overview", lambda: attempts.class_overview(session, "pelatih")),
                ("common_mistakes", lambda: attempts.common_mistakes(session, "pelatih")),
                ("trainee_progress", lambda: attempts.trainee_progress(session, "pelatih", "peserta1")),
                ("readiness", lambda: attempts.readiness(session)),
            ):
                q0 = time.perf_counter()
                fn()
                print(f"  {name} over {args.n} attempts: {1000 * (time.perf_counter() - q0):.1f} ms")
        engine.dispose()
    print(f"max RSS: {max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

"""Whole-flow benchmark: one regency-year with all 186 villages live, every stage.

    .venv/bin/python benchmarks/bench_flow.py [--repeat 3] [--simpy-customers 200000]

Prints time per replication (run() computes the KPIs and daily series; the per-request trace
DataFrame is built lazily, so its construction is timed separately), peak memory, requests per
second, and next to it SimPy's customers per second on a bare M/M/2 queue (load 0.9) in the same
process. Target: the whole flow processes requests >= 10x faster than SimPy serves one bare queue.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import max_rss_mb, mmc_inputs, peak_traced_mb, simpy_fifo_starts, timed  # noqa: E402

from sakera_toolkit.sim import FlowParams, run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--simpy-customers", type=int, default=200_000)
    args = ap.parse_args()

    params = FlowParams.all_live()
    run(FlowParams.all_live(days=20), seed=99)  # compile / load the numba cache

    wall, cpu, result = timed(lambda: run(params, seed=1), args.repeat)
    n = int(result.kpis.iloc[0]["arrivals_all"])
    t_wall, t_cpu, trace = timed(lambda: run(params, seed=1).trace, 1)
    mem = peak_traced_mb(lambda: run(params, seed=1).trace)

    arrivals, service = mmc_inputs(args.simpy_customers, 2, 0.9)
    s_wall, s_cpu, _ = timed(lambda: simpy_fifo_starts(arrivals, service, 2), 1)
    simpy_rate = args.simpy_customers / s_wall
    simpy_rate_cpu = args.simpy_customers / s_cpu

    print(
        f"regency-year, all 186 villages live, {params.start_date} + {params.days} days: {n:,} requests, "
        f"{len(trace.columns)} trace columns"
    )
    print(f"run()         : {wall:.3f} s wall, {cpu:.3f} s CPU per replication (median of {args.repeat})")
    print(f"run() + trace : {t_wall:.3f} s wall, {t_cpu:.3f} s CPU")
    print(f"peak traced memory (run + trace DataFrame): {mem:.0f} MB; process peak RSS {max_rss_mb():.0f} MB")
    print(f"flow throughput : {n / wall:,.0f} requests/s wall ({n / cpu:,.0f} per CPU-second)")
    print(
        f"SimPy bare M/M/2: {simpy_rate:,.0f} customers/s wall ({simpy_rate_cpu:,.0f} per CPU-second), "
        f"{args.simpy_customers:,} customers"
    )
    print(f"ratio           : {n / wall / simpy_rate:.1f}x wall, {n / cpu / simpy_rate_cpu:.1f}x CPU (target >= 10x)")
    print(f"with the trace  : {n / t_wall / simpy_rate:.1f}x wall")


if __name__ == "__main__":
    main()

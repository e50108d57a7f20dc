"""Kernel benchmark: ``multi_server_fifo`` vs a plain SimPy model on the same M/M/c arrays.

    .venv/bin/python benchmarks/bench_kernel.py [--customers 1000000] [--simpy-customers 200000]

SimPy serves ~100k customers per second, so by default it runs on the first 200,000 customers and
its time is scaled linearly to the full count (said in the output); ``--simpy-customers`` equal to
``--customers`` runs it on everything. The kernel's start times are checked against SimPy's on the
common prefix (a FIFO prefix does not depend on later customers).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import max_rss_mb, mmc_inputs, peak_traced_mb, simpy_fifo_starts, timed  # noqa: E402

from sakera_toolkit.sim import multi_server_fifo  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--simpy-customers", type=int, default=200_000)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--rho", type=float, default=0.9)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    n, m = args.customers, min(args.simpy_customers, args.customers)
    arrivals, service = mmc_inputs(n, args.servers, args.rho)
    multi_server_fifo(arrivals[:100], service[:100], args.servers)  # compile / load the cache

    k_wall, k_cpu, starts = timed(lambda: multi_server_fifo(arrivals, service, args.servers), args.repeat)
    k_mem = peak_traced_mb(lambda: multi_server_fifo(arrivals, service, args.servers))
    s_wall, s_cpu, ref = timed(lambda: simpy_fifo_starts(arrivals[:m], service[:m], args.servers), 1)
    scale = n / m
    max_diff = float(np.max(np.abs(starts[:m] - ref)))

    print(f"M/M/{args.servers}, load {args.rho}, {n:,} customers, same arrays for both")
    print(
        f"kernel  : {k_wall * 1e3:8.1f} ms wall, {k_cpu * 1e3:8.1f} ms CPU (median of {args.repeat}); "
        f"peak traced memory {k_mem:.1f} MB"
    )
    label = "measured" if m == n else f"measured on the first {m:,} customers, scaled x{scale:g}"
    print(f"SimPy   : {s_wall * scale:8.2f} s wall, {s_cpu * scale:8.2f} s CPU ({label})")
    print(f"agreement on {m:,} starts: max |kernel - SimPy| = {max_diff:.3g}")
    print(f"speed-up: {s_wall * scale / k_wall:,.0f}x wall, {s_cpu * scale / k_cpu:,.0f}x CPU  (target >= 100x)")
    print(f"kernel throughput: {n / k_wall / 1e6:.1f} M customers/s; SimPy: {m / s_wall / 1e3:.0f} k customers/s")
    print(f"process peak RSS: {max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

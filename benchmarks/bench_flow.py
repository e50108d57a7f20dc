"""Whole-flow benchmark: one regency-year with all 186 villages live, every stage.

    .venv/bin/python benchmarks/bench_flow.py [--repeat 5] [--simpy-customers 200000]

Prints, for warm runs (the numba functions are compiled or loaded from the on-disk cache first,
and that start-up time is reported on its own line):

* wall and CPU time per replication of ``run()`` (demand, every stage, KPIs; the per-request trace
  DataFrame and the daily series are built lazily, so ``run() + trace`` is timed separately);
* peak memory of one replication (tracemalloc: numpy buffers included) and the process peak RSS;
* requests per second of the whole flow, next to SimPy's customers per second on a bare M/M/2
  queue (load 0.9) in the same process, and the ratio (target: >= 10x).

The machine is shared, so the flow and the SimPy runs are interleaved (each repeat runs both) and
both wall-clock and CPU (``time.process_time``) figures are printed: medians, and the best repeat.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
    bare_fifo_seconds,
    max_rss_mb,
    mmc_inputs,
    peak_traced_mb,
    simpy_fifo_starts,
    timed,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="interleaved flow/SimPy repeats (default 5)")
    ap.add_argument("--simpy-customers", type=int, default=200_000, help="customers of the SimPy M/M/2 run")
    ap.add_argument(
        "--server",
        action="store_true",
        help="with the central-server stage (default calibration) and demand by life event (issue 10's benchmark)",
    )
    args = ap.parse_args()

    w0, c0 = time.perf_counter(), time.process_time()
    from sakera_toolkit.sim import FlowParams, run
    from sakera_toolkit.sim.allocator import tune_allocator

    tuned = tune_allocator()  # as `sakera simulate` does (the library itself never changes the process)
    extra: dict[str, object] = {}
    if args.server:
        from sakera_toolkit.life_events import LifeEventSettings
        from sakera_toolkit.sim.central import CentralSettings

        extra = {"central": CentralSettings.default(), "life_events": LifeEventSettings()}
    run(FlowParams.all_live(days=20, **extra), seed=99)  # compile, or load the numba cache
    start_wall, start_cpu = time.perf_counter() - w0, time.process_time() - c0

    params = FlowParams.all_live(**extra)
    run(params, seed=1)  # first full-size run: page in the working set
    arrivals, service = mmc_inputs(args.simpy_customers, 2, 0.9)

    flow_w, flow_c, simpy_w, simpy_c = [], [], [], []
    result = None
    for _ in range(args.repeat):
        w, c, result = timed(lambda: run(params, seed=1), 1)
        flow_w.append(w)
        flow_c.append(c)
        w, c, _ = timed(lambda: simpy_fifo_starts(arrivals, service, 2), 1)
        simpy_w.append(w)
        simpy_c.append(c)
    n = int(result.kpis.iloc[0]["arrivals_all"])
    t_wall, t_cpu, trace = timed(lambda: run(params, seed=1).trace, 1)
    mem = peak_traced_mb(lambda: run(params, seed=1))
    mem_trace = peak_traced_mb(lambda: run(params, seed=1).trace)

    med = {k: float(np.median(v)) for k, v in (("fw", flow_w), ("fc", flow_c), ("sw", simpy_w), ("sc", simpy_c))}
    best = {k: float(np.min(v)) for k, v in (("fw", flow_w), ("fc", flow_c), ("sw", simpy_w), ("sc", simpy_c))}
    m = args.simpy_customers
    print(
        f"regency-year, all 186 villages live{', central server + life events' if args.server else ''}, "
        f"{params.start_date} + {params.days} days: {n:,} requests, "
        f"{len(trace.columns)} trace columns; {args.repeat} interleaved repeats; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"start-up (import + numba compile/cache load + 20-day run): {start_wall:.2f} s wall, {start_cpu:.2f} s CPU")
    print(f"allocator tuning (sim.allocator, as the CLI does): {'on' if tuned else 'off'}")
    print(
        f"run()          : {med['fw']:.3f} s wall, {med['fc']:.3f} s CPU per replication (median); "
        f"best {best['fw']:.3f} s wall, {best['fc']:.3f} s CPU"
    )
    print(f"run() + trace  : {t_wall:.3f} s wall, {t_cpu:.3f} s CPU")
    print(
        f"peak traced memory: {mem:.0f} MB per replication, {mem_trace:.0f} MB with the trace DataFrame; "
        f"process peak RSS {max_rss_mb():.0f} MB"
    )
    print(f"flow throughput  : {n / med['fw']:,.0f} requests/s wall, {n / med['fc']:,.0f} per CPU-second (median)")
    print(
        f"SimPy bare M/M/2 : {m / med['sw']:,.0f} customers/s wall, {m / med['sc']:,.0f} per CPU-second "
        f"(median, {m:,} customers, {med['sw']:.2f} s wall)"
    )
    ratio_w = (n / med["fw"]) / (m / med["sw"])
    ratio_c = (n / med["fc"]) / (m / med["sc"])
    best_w = (n / best["fw"]) / (m / best["sw"])
    best_c = (n / best["fc"]) / (m / best["sc"])
    print(
        f"ratio            : {ratio_w:.1f}x wall, {ratio_c:.1f}x CPU (medians); best repeats {best_w:.1f}x wall, "
        f"{best_c:.1f}x CPU (target >= 10x)"
    )
    print(f"with the trace   : {(n / t_wall) / (m / med['sw']):.1f}x wall")
    # the SIAK activations (Aktivasi IKD/NIK) are quick requests with no back office: the ratio
    # counting document requests only, for comparison with runs before they existed
    from sakera_toolkit.services import DOCUMENT_IDS, SERVICE_IDS

    docs = int(np.isin(np.asarray(SERVICE_IDS)[result.replications[0].requests.service], DOCUMENT_IDS).sum())
    print(
        f"documents only   : {docs:,} of the {n:,} requests (the rest SIAK activations): "
        f"{(docs / med['fc']) / (m / med['sc']):.1f}x CPU (median)"
    )
    if args.server:
        # the central server is a queue of its own: its customers are transactions (look-ups,
        # uploads, verification, TTE, print, background polls), served in every feedback pass
        k = result.kpis.iloc[0]
        tx = float(k["server_transactions"])
        passes = max(1, params.central.feedback_rounds) if params.central is not None else 1
        print(
            f"server queue     : {tx:,.0f} transactions x {passes} feedback passes = "
            f"{tx * passes / med['fc']:,.0f} queue customers per CPU-second of the whole run "
            f"({(tx * passes / med['fc']) / (m / med['sc']):.1f}x SimPy's customers/s; p95 response "
            f"{k['server_response_p95_s']:.1f} s, {100 * k['server_timeout_share']:.1f} % timed out)"
        )
        # what the targets leave for the server stage: the same flow without it, and the tightest
        # compiled FIFO loop over the server's customers (one pass: a floor, not a design)
        import dataclasses

        bare = dataclasses.replace(params, central=None)
        run(bare, seed=1)
        _, flow_only, _ = timed(lambda: run(bare, seed=1), 3)
        floor = bare_fifo_seconds(int(tx), params.central.policy.workers if params.central else 1)
        budget = n / (10.0 * m / med["sc"])
        print(
            f"floor            : the same flow without the server {flow_only:.3f} s CPU; a bare compiled "
            f"FIFO {params.central.policy.workers if params.central else 1}-handler loop over {tx:,.0f} "
            f"customers {floor:.3f} s ({1e9 * floor / tx:.1f} ns each); flow + one such pass = "
            f"{flow_only + floor:.3f} s (target 0.5 s); 10x SimPy allows {budget:.3f} s for the whole run"
        )


if __name__ == "__main__":
    main()

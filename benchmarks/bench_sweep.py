"""Speed-up of a sweep on a Dask LocalCluster with 2 workers vs 1 (target >= 1.8x).

Both clusters are warmed up first (imports and numba compilation happen once per worker process),
then the same grid is timed: 8 cells of a full-year oct-2021 scenario, 8 replications each (about
2 s of work per cell). With the engine at ~0.2 s per regency-year, per-cell costs outside the
simulation (task dispatch, the client writing one parquet part per finished cell, the scheduler
sharing the 2 cores) are visible with small cells: 12 cells x 3 replications gave 1.5x.

Run:  .venv/bin/python benchmarks/bench_sweep.py [--cells 8] [--replications 8] [--days 365]
"""

from __future__ import annotations

import argparse
import os
import resource
import time


def timed_sweep(workers: int, vary: list[str], days: int, replications: int) -> tuple[float, object]:
    from dask.distributed import Client, LocalCluster

    from sakera_toolkit.scenarios.sweep import sweep, warm_up

    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    ) as cluster:
        with Client(cluster) as client:
            client.run(warm_up)
            t0 = time.perf_counter()
            result = sweep(
                "oct-2021", vary + [f"horizon.days={days}"], replications=replications, seed=1, client=client, progress=False
            )
            return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=int, default=8)
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    vary = ["staff.office_verifiers=" + ",".join(str(8 + i) for i in range(args.cells))]
    load_before = os.getloadavg()[0]
    t1, r1 = timed_sweep(1, vary, args.days, args.replications)
    t2, r2 = timed_sweep(2, vary, args.days, args.replications)
    same = r1.frame.equals(r2.frame)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cells: {args.cells} x {args.days} days, {args.replications} replications each")
    print(f"1 worker : {t1:6.2f} s  ({t1 / args.cells:.2f} s/cell)")
    print(f"2 workers: {t2:6.2f} s  ({t2 / args.cells:.2f} s/cell)")
    print(f"speed-up : {t1 / t2:.2f}x (target >= 1.8x); identical results: {same}")
    print(f"peak RSS of the client process: {peak_mb:.0f} MB")
    print(
        f"machine: {os.cpu_count()} cores, 1-min load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after "
        "(other processes on the cores lower the speed-up)"
    )


if __name__ == "__main__":
    main()

"""Scale benchmark: one simulated year of a synthetic regency, from 186 to 1,000 villages.

    .venv/bin/python benchmarks/bench_regency.py [--sizes 186,500,1000] [--residents-per-village 3000]

A synthetic regency is built in memory (:class:`sakera_toolkit.regency.Regency`): villages on a
grid around the office, kecamatan of about 13 villages, population split evenly (3 M residents
at 1,000 villages), every village live from day 0, one operator per desk, and the office staff
(counters, verifiers, card printing) scaled with the population so that the back office stays
stable. For each size it prints the wall and CPU time of one replication (median of
``--repeat``, after a warm-up run), the peak memory traced while it runs (tracemalloc: numpy
buffers included) and the process peak RSS, then the growth from the smallest to the largest
size: time and memory per request, and the exponent ``b`` of ``time ~ requests^b`` (1 = linear).
Target: linear growth and <= 2 GB at 1,000 villages / 3 M residents.

The same process first times SimPy's bare M/M/2 queue (the project's reference) so the figures
can be compared across machines and loads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from _common import max_rss_mb, mmc_inputs, peak_traced_mb, simpy_fifo_starts, timed  # noqa: E402


def synthetic_regency(n_villages: int, residents: int):
    """A regency of ``n_villages`` villages with ``residents`` in total (Sampang's services and points)."""
    import dataclasses

    from sakera_toolkit.regency import Regency

    base = Regency.sampang()
    side = math.ceil(math.sqrt(n_villages))
    lat0, lon0 = -7.19, 113.24  # around the Sampang office
    n_kec = max(1, round(n_villages / 13))
    rows = []
    for i in range(n_villages):
        r, c = divmod(i, side)
        k = i * n_kec // n_villages
        rows.append(
            {
                "village_code": f"35.99.{k + 1:02d}.{2001 + i:04d}",
                "village_name": f"Desa Sintetis {i + 1}",
                "village_type": "desa",
                "district_code": f"35.99.{k + 1:02d}",
                "district_name": f"Kecamatan Sintetis {k + 1}",
                "lat": lat0 - 0.25 + 0.5 * r / side,
                "lon": lon0 - 0.25 + 0.5 * c / side,
            }
        )
    vil = pd.DataFrame(rows)
    dis = pd.DataFrame(kec_rows(vil, n_kec))
    each = np.full(n_villages, residents // n_villages, dtype="int64")
    each[: residents - int(each.sum())] += 1
    population = pd.Series(each, index=pd.Index(vil["village_code"], name="village_code"), name="population")
    return dataclasses.replace(
        base,
        code="35.99",
        name="Kabupaten Sintetis",
        _villages=vil,
        _districts=dis,
        legs=(),
        population_rule=None,
        _explicit_population=population,
        _road_distances=None,
        origin="synthetic (bench_regency.py)",
        population_source="synthetic: residents split evenly",
    )


def kec_rows(vil: pd.DataFrame, n_kec: int) -> list[dict]:
    """Kecamatan table of the synthetic villages (centre = mean of its villages)."""
    out = []
    for k in range(n_kec):
        members = vil[vil["district_code"] == f"35.99.{k + 1:02d}"]
        out.append(
            {
                "district_code": f"35.99.{k + 1:02d}",
                "district_name": f"Kecamatan Sintetis {k + 1}",
                "centre_lat": float(members["lat"].mean()),
                "centre_lon": float(members["lon"].mean()),
            }
        )
    return out


def params_for(regency, residents: int):
    from sakera_toolkit.sim import FlowParams

    scale = (
        residents / 1_033_926
    )  # office staff grows with the population (per ~1 M residents: 6 counters, 22 verifiers)
    return FlowParams.all_live(
        regency=regency,
        start_date=dt.date(2022, 1, 1),
        days=365,
        warmup_days=28,
        office_counters=max(6, round(6 * scale)),
        office_verifiers=max(22, round(22 * scale)),
        card_print_per_day=max(900, round(900 * scale)),
        blanko_initial={"ktp": round(20000 * scale), "kia": round(5000 * scale)},
        random_outages_per_year=0.0,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="186,500,1000", help="village counts (default 186,500,1000)")
    ap.add_argument("--residents-per-village", type=int, default=3000, help="residents per village (default 3000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed replications per size (default 3)")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]

    from sakera_toolkit.sim import compile, run
    from sakera_toolkit.sim.allocator import tune_allocator

    tune_allocator()
    arrivals, service = mmc_inputs(200_000, 2, 0.9)
    s_wall, s_cpu, _ = timed(lambda: simpy_fifo_starts(arrivals, service, 2), 1)
    print(f"reference: SimPy bare M/M/2, 200,000 customers: {s_wall:.2f} s wall, {s_cpu:.2f} s CPU")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    rows = []
    for n in sizes:
        residents = n * args.residents_per_village
        reg = synthetic_regency(n, residents)
        inputs = compile(params_for(reg, residents))
        run(inputs, seed=1)  # warm-up: compile kernels, page in
        w, c, result = timed(lambda: run(inputs, seed=1), args.repeat)  # noqa: B023
        mem = peak_traced_mb(lambda: run(inputs, seed=1))  # noqa: B023
        k = result.kpis.iloc[0]
        requests = int(k["arrivals_all"])
        rows.append({"villages": n, "residents": residents, "requests": requests, "wall_s": w, "cpu_s": c,
                     "peak_traced_mb": mem, "rss_mb": max_rss_mb(),
                     "utilisation_verifier": float(k["utilisation_verifier"]),
                     "turnaround_median_days": float(k["turnaround_median_days"])})  # fmt: skip
        r = rows[-1]
        print(
            f"{n:5d} villages, {residents:>9,} residents: {requests:>9,} requests; {w:6.2f} s wall, {c:6.2f} s CPU "
            f"per replication; peak traced {mem:7.0f} MB, process RSS {r['rss_mb']:6.0f} MB; "
            f"verifier utilisation {r['utilisation_verifier']:.2f}"
        )
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        exp_t = math.log(b["cpu_s"] / a["cpu_s"]) / math.log(b["requests"] / a["requests"])
        exp_m = math.log(b["peak_traced_mb"] / a["peak_traced_mb"]) / math.log(b["requests"] / a["requests"])
        print(
            f"\ngrowth {a['villages']} -> {b['villages']} villages: requests x{b['requests'] / a['requests']:.2f}, "
            f"CPU x{b['cpu_s'] / a['cpu_s']:.2f} (exponent {exp_t:.2f}; 1 = linear), peak memory "
            f"x{b['peak_traced_mb'] / a['peak_traced_mb']:.2f} (exponent {exp_m:.2f})"
        )
        print(
            f"per request: {1e6 * a['cpu_s'] / a['requests']:.2f} -> {1e6 * b['cpu_s'] / b['requests']:.2f} us CPU, "
            f"{1e3 * a['peak_traced_mb'] / a['requests']:.2f} -> {1e3 * b['peak_traced_mb'] / b['requests']:.2f} kB"
        )
        print(f"largest size: {b['peak_traced_mb']:.0f} MB traced (target <= 2,048 MB); SimPy ratio "
              f"{(b['requests'] / b['cpu_s']) / (200_000 / s_cpu):.1f}x requests per CPU-second")  # fmt: skip


if __name__ == "__main__":
    main()

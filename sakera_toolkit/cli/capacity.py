"""``sakera capacity``: how many villages the central server carries, or what capacity N need."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import sys
from collections.abc import Iterator
from typing import Any

from . import _args


def register(sub) -> None:
    """Add the ``capacity`` subcommand."""
    p = sub.add_parser(
        "capacity",
        help="central-server capacity: villages live before it saturates, or capacity needed",
        description="Bisect, in every replication, the number of villages live (in the scenario's rollout order) "
        "before the shared central server saturates -- p95 response time at the client timeout or more than 2%% "
        "of attempts timing out -- for a given capacity; or, with --villages N, the capacity (transactions per "
        "second) N live villages need. Also under the levers batch upload (off-peak window) and staggered hours. "
        "Every default is in data/calibration/server.yaml (assumptions labelled).",
    )
    p.add_argument(
        "scenario", nargs="?", default="all-2022", metavar="SCENARIO", help="preset or YAML (default all-2022)"
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--capacity",
        type=_args.positive_float(1e9),
        metavar="TPS",
        help="server capacity in transactions/s (default: calibration)",
    )
    g.add_argument(
        "--villages", type=_args.positive_int(100_000), metavar="N", help="find the capacity N live villages need"
    )
    p.add_argument("--replications", "-r", type=_args.positive_int(1000), default=3, help="replications (default 3)")
    p.add_argument(
        "--days", type=_args.positive_int(_args.MAX_DAYS), default=30, help="days simulated per probe (default 30)"
    )
    p.add_argument("--seed", "-s", type=_args.seed, default=0, help="random seed (default 0)")
    p.add_argument(
        "--batch-window",
        default="15-21",
        metavar="H0-H1",
        help="off-peak upload window of the batch-upload lever, hours (default 15-21)",
    )
    p.add_argument(
        "--stagger",
        type=_args.number(0, 24),
        default=2.0,
        metavar="HOURS",
        help="shift of every other kecamatan's hours (default 2)",
    )
    p.add_argument(
        "--workers",
        type=_args.positive_int(64),
        default=None,
        metavar="N",
        help="Dask worker processes running the replications in parallel (default: one per core; 1 = in this "
        "process); the answers do not depend on it",
    )
    p.add_argument("--no-levers", action="store_true", help="only the scenario as it is")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(func=run)


def _window(text: str) -> tuple[float, float]:
    from ..errors import SakeraInputError

    try:
        a, b = (float(x) for x in text.split("-", 1))
    except ValueError:
        raise SakeraInputError(f"{text!r} is not H0-H1 (e.g. 15-21)", location="--batch-window") from None
    if not (0 <= a < b <= 24):
        raise SakeraInputError(f"{text!r}: need 0 <= H0 < H1 <= 24", location="--batch-window")
    return a, b


def run(args: Any) -> int:
    """Run the search and print the table (or JSON)."""
    from ..errors import SakeraInputError

    for flag, value, lo, hi in (
        ("--replications", args.replications, 1, 100),
        ("--days", args.days, 5, 366),
        ("--seed", args.seed, 0, 2**63 - 1),
    ):
        if not lo <= value <= hi:
            raise SakeraInputError(f"{value} is outside {lo}..{hi}", location=flag)
    if args.capacity is not None and not (math.isfinite(args.capacity) and 0 < args.capacity <= 1e6):
        raise SakeraInputError(
            f"{args.capacity} must be a positive number of transactions per second", location="--capacity"
        )
    if not 0 <= args.stagger <= 6:
        raise SakeraInputError(f"{args.stagger} is outside 0..6 hours", location="--stagger")
    window = _window(args.batch_window)

    from .. import scenarios
    from ..evidence import server
    from ..scenarios.saturation import rollout_order
    from ..sim.central import CentralLoad, policy_from_calibration

    scenario = scenarios.load(args.scenario)
    policy = policy_from_calibration()
    if args.capacity is not None:
        policy = dataclasses.replace(policy, capacity_tps=float(args.capacity))
    n_all = len(rollout_order(scenario))
    if args.villages is not None and not 0 < args.villages <= n_all:
        raise SakeraInputError(
            f"{args.villages} is outside 1..{n_all} (villages in the rollout)", location="--villages"
        )
    # the levers of the report and notebook 06 (one definition: evidence.server.levers); no
    # capacity upgrade here: --capacity sets it, --villages searches it
    options = server.levers(
        policy, CentralLoad.from_calibration(), batch_window=window, stagger_hours=args.stagger, capacity_factor=None
    )
    levers = list(options.items())[: 1 if args.no_levers else None]
    progress = not args.json and sys.stderr.isatty()
    workers = args.workers if args.workers is not None else min(os.cpu_count() or 1, args.replications)
    with _dask_client(min(workers, args.replications)) as client:
        rows = [_search_lever(args, scenario, label, pol, load, progress, client) for label, (pol, load) in levers]
    header = {
        "scenario": scenario.name,
        "villages_in_rollout": n_all,
        "timeout_s": policy.timeout_s,
        "workers": policy.workers,
        "days_per_probe": args.days,
        "replications": args.replications,
        "seed": args.seed,
        "saturated_when": "p95 attempt response >= timeout or > 2% of attempts timed out (service hours)",
    }
    if args.json:
        from ._output import emit_json

        out = dict(header)
        out["capacity_tps"] = policy.capacity_tps if args.villages is None else None
        out["max_villages"] = rows[0]["max_villages"]["mean"] if args.villages is None else None
        out["levers"] = rows
        emit_json(out)
        return 0
    print(
        f"Skenario {scenario.name}: {n_all} desa dalam urutan peluncuran; batas waktu klien {policy.timeout_s:g} s, "
        f"{policy.workers} pekerja server; {args.replications} replikasi x {args.days} hari per uji."
    )
    from ..evidence.report import ci_label
    from ..scenarios.saturation import MAX_CAPACITY_FACTOR

    label = ci_label("id")  # the same label as the report and the Bukti page
    for r in rows:
        s = r["max_villages"] if args.villages is None else r["capacity_tps_needed"]
        digits = 1 if args.villages is None else 2  # villages to a tenth, capacity (tps) to a hundredth
        ci = (
            "t/a (1 replikasi; pakai -r 5 untuk selang)"
            if math.isnan(s["ci95_low"])
            else f"[{s['ci95_low']:.{digits}f}; {s['ci95_high']:.{digits}f}]"
        )
        if args.villages is None:
            none = r["saturated_without_villages"]
            if none == args.replications:
                print(
                    f"  {r['lever']:<58} kapasitas {r['capacity_tps']:g} tps -> jenuh walau belum ada desa aktif "
                    f"(beban loket lain saja) / saturated with no village live (the other counters' load alone)"
                )
                continue
            note = f"  ({none} dari {args.replications} replikasi jenuh tanpa desa aktif)" if none else ""
            print(
                f"  {r['lever']:<58} kapasitas {r['capacity_tps']:g} tps -> maks. desa aktif {s['mean']:.1f}  {label} {ci}"
                f"{note}"
            )
        elif math.isinf(s["mean"]):
            print(
                f"  {r['lever']:<58} {args.villages} desa -> tidak tercapai walau kapasitas x{MAX_CAPACITY_FACTOR} "
                f"(di sebagian replikasi) / not reached even at {MAX_CAPACITY_FACTOR}x capacity (in some replications)"
            )
        else:
            print(f"  {r['lever']:<58} {args.villages} desa -> kapasitas perlu {s['mean']:.2f} tps  {label} {ci}")
    return 0


def _search_lever(args: Any, scenario: Any, label: str, lever_policy: Any, load: Any, progress: bool,
                  client: Any) -> dict:  # fmt: skip
    """The search of one lever: its row of the table (and of the JSON)."""
    from ..scenarios.saturation import capacity_needed, max_villages

    common: dict[str, Any] = {
        "replications": args.replications, "seed": args.seed, "days": args.days, "progress": progress,
        "client": client,
    }  # fmt: skip
    if args.villages is None:
        res = max_villages(scenario, lever_policy, load, **common)
        summary = res.villages_summary()
        none = int(summary.pop("saturated_without_villages"))
        row = {
            "lever": label,
            "capacity_tps": lever_policy.capacity_tps,
            "max_villages": summary,
            "saturated_without_villages": none,
        }
    else:
        res = capacity_needed(scenario, args.villages, lever_policy, load, **common)
        row = {"lever": label, "villages": args.villages, "capacity_tps_needed": res.summary()}
    return {**row, "per_replication": res.values}


@contextlib.contextmanager
def _dask_client(workers: int) -> Iterator[Any]:
    """A local Dask cluster of ``workers`` processes (``None`` for one worker: run in this process)."""
    if workers <= 1:
        yield None
        return
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            yield client

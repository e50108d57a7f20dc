"""``sakera calibrate``: a scenario's simulation against a request log (volumes and turnaround)."""

from __future__ import annotations

from . import _args
from ._data_args import add_data_arguments, data_overrides
from ._output import emit_frame, emit_json


def register(sub) -> None:
    """Add the ``calibrate`` subcommand."""
    p = sub.add_parser(
        "calibrate",
        help="compare a scenario's simulation with a request log (monthly volumes, turnaround KS)",
        description="Simulate SCENARIO and compare it with what a request log recorded, on the log's days and "
        "villages: monthly volumes per service and channel (observed, simulated mean, relative error) and the "
        "turnaround distribution (two-sample Kolmogorov-Smirnov D and p-value, medians, 90th percentiles). "
        "This is the model's validation against reality, next to `sakera validate` against queueing theory. "
        "Personal columns of the log are dropped on reading. "
        "Bandingkan simulasi dengan log permohonan nyata: volume bulanan dan waktu selesai.",
    )
    p.add_argument("log", metavar="LOG.csv", help="request log CSV (as for `sakera demand fit`)")
    p.add_argument(
        "--scenario", required=True, metavar="SCENARIO", help="preset name or YAML whose horizon contains the log"
    )
    p.add_argument("--replications", "-r", type=_args.positive_int(1000), default=3, help="replications (default 3)")
    p.add_argument("--seed", type=_args.seed, default=0, help="seed (default 0)")
    p.add_argument("--columns", metavar="FIELD=COLUMN,...", help="map log columns (see `sakera demand fit --help`)")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_data_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run and print the comparison."""
    from ..calibrate import calibrate
    from ..demandfit import parse_columns

    report = calibrate(
        args.log,
        args.scenario,
        replications=args.replications,
        seed=args.seed,
        columns=parse_columns(args.columns),
        data=data_overrides(args),
    )
    if args.json:
        emit_json(report.to_dict())
        return 0
    m = report.meta
    dropped = ", ".join(m["dropped_columns"]) or "none"
    print(f"data: {m['data']}")
    print(
        f"log {m['log']}: {m['observed_requests']:,} requests {m['period'][0]}..{m['period'][1]} on {m['aligned_on']}; "
        f"personal columns dropped on reading: {dropped}"
    )
    print(f"scenario {m['scenario']}: {m['replications']} replication(s), seed {m['seed']}, "
          f"{m['simulated_requests_per_replication']:,} simulated requests per replication on the same days and villages")  # fmt: skip
    print("\nmonthly volumes, all services / volume bulanan, semua layanan:")
    emit_frame(report.monthly_totals(), "table")
    if not report.channels.empty:
        print("\nmonthly volumes per channel / volume bulanan per kanal:")
        emit_frame(report.channels, "table")
    if not report.turnaround.empty:
        print("\nturnaround in days (completed requests) / waktu selesai (hari):")
        emit_frame(report.turnaround, "table")
        print(
            "p90_sim_min/max: the range of single replications' 90th percentile. The KS p-value "
            "treats requests as independent (they share a replication's queues and outages), so "
            "with a large log it is small even for the model's own output: read the observed p90 "
            "against that range (use -r 5 or more). / Rentang persentil 90 antar replikasi; nilai p "
            "KS menganggap permohonan saling bebas."
        )
    else:
        print("\nturnaround: the log has no completion dates (tanggal_selesai)")
    worst = report.volumes[report.volumes["service"] != "all"].dropna(subset=["rel_error"])
    if not worst.empty:
        w = worst.iloc[int(worst["rel_error"].abs().to_numpy().argmax())]
        print(f"\nlargest monthly relative error: {w['service']} {w['month']}: {w['rel_error']:+.1%}")
    return 0

"""``sakera simulate``: run the service-flow engine for a scenario and print its KPIs."""

from __future__ import annotations

import sys

from . import _args
from ._data_args import add_data_arguments, data_overrides, header
from ._output import emit_frame, emit_json

#: KPIs shown in the text table (the JSON has all of them).
HEADLINE = (
    "arrivals",
    "completed",
    "abandoned",
    "in_system",
    "turnaround_median_days",
    "turnaround_p90_days",
    "share_within_sla",
    "desk_share",
    "trips_per_request",
    "travel_hours",
    "travel_hours_saved",
    "travel_cost_saved_idr",
    "backlog_end",
    "utilisation_desk",
    "utilisation_counter",
    "utilisation_verifier",
    "stockout_days_ktp",
    "stockout_days_kia",
)
#: Added to the text table when the scenario has the central-server stage.
SERVER_HEADLINE = (
    "server_response_p95_s",
    "server_request_response_p95_s",
    "server_timeout_share",
    "server_utilisation_open_hours",
    "server_files_delayed",
    "server_citizens_gave_up",
)


def register(sub) -> None:
    """Add the ``simulate`` subcommand."""
    p = sub.add_parser(
        "simulate",
        help="simulate a scenario (default: all 186 villages live) and print KPIs",
        description="Simulate the adminduk service flow (village desks, counters, back office, TTE signing, "
        "printing, delivery) for a scenario -- a preset name or a scenario YAML file; without SCENARIO, the "
        "built-in default with all 186 villages live -- and print KPI means with 95%% confidence intervals.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="preset name or scenario YAML path (default: all 186 villages live)",
    )
    p.add_argument(
        "--replications", "-r", type=_args.positive_int(10_000), default=1, help="independent replications (default 1)"
    )
    p.add_argument(
        "--seed",
        "-s",
        type=_args.seed,
        default=0,
        help="random seed (default 0); the same seed gives identical results",
    )
    p.add_argument(
        "--days",
        "-d",
        type=_args.positive_int(_args.MAX_DAYS),
        default=None,
        help="horizon in days (overrides the scenario; warm-up is cut to a quarter if longer)",
    )
    p.add_argument("--json", action="store_true", help="print only the KPIs as JSON on stdout")
    p.add_argument(
        "--trace",
        metavar="FILE",
        type=_args.output_file(".csv", ".parquet", ".pq"),
        help="write the per-request trace to FILE (.csv or .parquet)",
    )
    p.add_argument(
        "--timeseries",
        metavar="FILE",
        type=_args.output_file(".csv"),
        help="write the daily time series to FILE (.csv)",
    )
    add_data_arguments(p)
    p.set_defaults(func=run)


def resolve_params(scenario: str | None, days: int | None = None, data: dict | None = None):
    """FlowParams for ``scenario`` (preset name or YAML path; None: all villages live).

    ``data``: ``{"data.regency": DIR, "data.population_csv": FILE, ...}`` replacing the scenario's.
    """
    from ..errors import SakeraInputError
    from ..sim import FlowParams

    if scenario is None:
        from ..regency import resolve

        d = data or {}
        reg = resolve(d.get("data.regency"), d.get("data.population_csv"), d.get("data.road_distance_csv"))
        params = FlowParams.all_live(regency=reg)
    else:
        try:
            from .. import scenarios
        except ImportError:
            raise SakeraInputError(
                "scenario files need sakera_toolkit.scenarios, which is not installed yet; run without SCENARIO "
                "for the built-in default (all 186 villages live)",
                location="SCENARIO",
            ) from None
        s = scenarios.load(scenario)
        params = (s.with_values(data) if data else s).to_flow_params()
    if days is not None:
        changes = {"days": days}
        if isinstance(days, int) and days >= 1 and (params.warmup_days or 0) >= days:
            changes["warmup_days"] = days // 4
        params = params.replace(**changes)
    return params


def fmt_number(x: float) -> str:
    """A KPI value for people: thousands separated, three decimals below 100."""
    if x != x:  # NaN
        return "n/a"
    return f"{x:,.3f}" if abs(x) < 100 else f"{x:,.0f}"


def run(args) -> int:
    """Run ``sakera simulate``; returns the exit status."""
    from ..sim import run as simulate
    from ..sim.allocator import tune_allocator
    from ..sim.result import atomic_csv

    params = resolve_params(args.scenario, args.days, data_overrides(args))
    tune_allocator()  # process-wide; SAKERA_MALLOC_TUNING=0 opts out
    result = simulate(params, seed=args.seed, replications=args.replications, progress=sys.stderr.isatty())
    if args.trace:
        result.write_trace(args.trace)
        print(f"trace: {len(result.trace)} rows -> {args.trace}", file=sys.stderr)
    if args.timeseries:
        atomic_csv(result.timeseries, args.timeseries)
        print(f"time series: {len(result.timeseries)} rows -> {args.timeseries}", file=sys.stderr)
    if args.json:
        out = result.kpis_json()
        out["scenario"] = args.scenario or f"default (all {len(params.village_codes())} villages live)"
        out["seed"] = args.seed
        out["data"] = params.regency.data_summary()
        emit_json(out)
        return 0
    summary = result.summary().set_index("kpi")
    shown = list(HEADLINE) + [k for k in SERVER_HEADLINE if k in summary.index]
    s = summary.loc[shown].reset_index()
    s["mean"] = s["mean"].map(fmt_number)
    if args.replications > 1:
        from ..evidence.server import low_bound

        s["ci95"] = [
            f"[{fmt_number(low_bound(k, a))}, {fmt_number(b)}]"
            for k, a, b in zip(s["kpi"], s["ci95_low"], s["ci95_high"], strict=True)
        ]
    else:
        s["ci95"] = "n/a (1 replication; use -r 5 for intervals)"
    print(
        f"scenario: {args.scenario or f'default (all {len(params.village_codes())} villages live)'}; "
        f"{params.start_date} + {params.days} days "
        f"(warm-up {params.warmup_days}); {args.replications} replication(s), seed {args.seed}"
    )
    print(header(params.regency))
    emit_frame(s[["kpi", "mean", "ci95"]], "table")
    return 0

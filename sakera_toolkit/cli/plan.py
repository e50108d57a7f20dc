"""``sakera plan``: choose which villages join in which phase (MILP, HiGHS) and compare with simple rules."""

from __future__ import annotations

import sys

from . import _args
from ._output import emit_frame, emit_json
from .compare import add_override_arguments, overrides_from

#: KPIs printed for the simulated comparison of the plan with the simple rules.
PLAN_KPIS = ("travel_hours_saved", "outside_trips", "share_within_sla", "turnaround_median_days", "desk_share")


def register(sub) -> None:
    """Add the ``plan`` subcommand."""
    p = sub.add_parser(
        "plan",
        help="optimise the rollout: which villages join in which phase (MILP), vs simple rules",
        description="Choose which villages join in each of K phases under a per-phase facilities budget (computer, "
        "printer, internet for villages lacking them; costs in calibration/plan.yaml), a cap on villages and on "
        "operators trained per phase, and readiness, as a mixed-integer programme solved by HiGHS. Reports the "
        "objective, the optimality gap, the greedy rules by population and by distance under the same constraints, "
        "and (unless --replications 0) their simulated KPIs with common random numbers. --out writes the plan as a "
        "scenario YAML that `sakera simulate` runs. Rencana rollout desa per tahap.",
    )
    p.add_argument("--phases", type=_args.positive_int(100), required=True, metavar="K", help="number of phases")
    p.add_argument(
        "--villages-per-phase", type=_args.positive_int(100_000), metavar="M", help="at most M villages join per phase"
    )
    p.add_argument("--budget", type=_args.number(0, 1e15), metavar="IDR", help="facilities budget per phase in rupiah")
    p.add_argument(
        "--objective",
        choices=("travel-hours", "trips", "equity"),
        default="travel-hours",
        help="what to maximise (default travel-hours)",
    )
    p.add_argument(
        "--base", default="office-only", metavar="SCENARIO", help="scenario the plan builds on (default office-only)"
    )
    p.add_argument(
        "--readiness",
        metavar="CSV",
        help="readiness CSV (village_code,has_computer,has_printer,has_internet,certified_operators[,ready_date])",
    )
    p.add_argument("--db", metavar="URL", help="training database URL: certified operators make villages ready")
    p.add_argument(
        "--trainable",
        type=_args.whole(0, 100_000),
        metavar="N",
        help="operators that can be trained per phase (default from calibration)",
    )
    p.add_argument(
        "--phase-months",
        type=_args.positive_int(120),
        metavar="N",
        help="months between phases (default from calibration)",
    )
    p.add_argument(
        "--time-limit",
        type=_args.positive_float(86_400),
        default=20.0,
        metavar="S",
        help="solver time limit in seconds (default 20)",
    )
    p.add_argument(
        "--replications",
        "-n",
        type=_args.whole(0, 10_000),
        default=3,
        help="replications to simulate plan and rules (default 3; 0 = skip)",
    )
    p.add_argument("--seed", type=_args.seed, default=0, help="seed of the simulated comparison (default 0)")
    p.add_argument(
        "--out", metavar="FILE.yaml", type=_args.output_file(".yaml", ".yml"), help="write the plan as a scenario YAML"
    )
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_override_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``sakera plan``."""
    from .. import scenarios
    from ..scenarios.plan import plan
    from ._data_args import data_overrides, header

    if args.db:  # a typo in a SQLite path must not leave an empty database behind
        from ..store.db import require_existing

        require_existing(args.db)
    base = scenarios.load(args.base)
    if data_overrides(args):
        base = base.with_values(data_overrides(args))
    result = plan(
        phases=args.phases,
        villages_per_phase=args.villages_per_phase,
        budget=args.budget,
        objective=args.objective,
        base=base,
        readiness=args.readiness,
        db=args.db,
        trainable=args.trainable,
        phase_months=args.phase_months,
        time_limit=args.time_limit,
    )
    if args.out:
        result.write(args.out)
    if args.replications > 0:
        result.simulate(replications=args.replications, seed=args.seed, overrides=overrides_from(args) or None)
    check = None
    if result.simulated is not None and len(result.simulated.scenarios) > 1:
        check = result.savings_check(overrides_from(args) or None)
    if args.json:
        report = result.to_dict()
        if result.simulated is not None:
            kpis = [k for k in PLAN_KPIS if k in result.simulated.kpi_names()]
            report["simulated"] = result.simulated.to_dict(kpis)
        if check is not None:
            report["savings_check"] = check.to_dict("records")
        report["out"] = args.out
        emit_json(report)
        return 0
    gap = "n/a" if result.mip_gap is None else f"{result.mip_gap:.2%}"
    print(header(base.regency()))
    print(
        f"tujuan / objective ({result.objective_name}): {result.objective:,.0f}   status: {result.status}   gap: {gap}"
    )
    print()
    emit_frame(_people(result.phase_table()), "table")
    print()
    villages = result.assignments[["phase", "date", "village_name", "district_name", "population",
                                   "travel_hours_saved_per_year", "facility_cost_idr"]]  # fmt: skip
    print("desa per tahap / villages per phase:")
    emit_frame(_people(villages), "table")
    print()
    emit_frame(_people(result.rules), "table")
    if result.simulated is not None:
        kpis = [k for k in PLAN_KPIS if k in result.simulated.kpi_names()]
        print(
            f"\nsimulated ({args.replications} replications, seed {args.seed}, differences vs {result.simulated.reference}):"
        )
        wide = result.simulated.wide(kpis).set_index("scenario").T.fillna("")
        wide.index.name = "kpi"
        emit_frame(wide.reset_index(), "table")
    if check is not None:
        print("\nhemat yang diprediksi vs disimulasikan / predicted vs simulated savings (plan vs base, KPI window):")
        for row in check.itertuples(index=False):
            print(
                f"  {row.quantity}: predicted {row.predicted:,.0f}; simulated {row.simulated:,.0f} "
                f"[{row.simulated_ci_low:,.0f}, {row.simulated_ci_high:,.0f}] "
                f"({'within' if row.within_ci else 'outside'} the CI, {row.relative_difference:+.1%})"
            )
    if args.out:
        print(f"\nwrote {args.out}", file=sys.stdout)
    return 0


def _people(df):
    """Numbers for people: thousands separators, no float noise; dates as text."""
    out = df.copy()
    for col in out.columns:
        if col in ("phase", "villages", "operators_to_train"):
            continue
        if str(out[col].dtype).startswith(("float", "int")) and col != "phase":
            digits = 3 if col == "objective_vs_optimised" else 0
            out[col] = out[col].map(lambda x, d=digits: f"{x:,.{d}f}")
    return out

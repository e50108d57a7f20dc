"""``sakera sweep``: a parameter grid over a scenario on Dask, resumable, tidy parquet output."""

from __future__ import annotations

from . import _args
from ._output import emit_frame, emit_json


def register(sub) -> None:
    """Add the ``sweep`` subcommand."""
    p = sub.add_parser(
        "sweep",
        help="run a parameter grid over a scenario on Dask (resumable), write tidy parquet",
        description="Vary dotted scenario paths over a grid (--vary staff.office_verifiers=8,10,12 --vary "
        "demand.scale=1,1.2) and simulate every cell with the same seed (common random numbers) on a Dask "
        "LocalCluster (--workers) or an existing cluster (--scheduler). Every finished cell is saved at once in "
        "OUT.parts/, so an interrupted sweep resumes where it stopped when run again. Output: one row per cell "
        "and replication with run_id, cell, replication, seed, the varied values and every KPI. "
        "Sapuan parameter: dapat dilanjutkan bila terputus.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="preset name or YAML path")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=V1,V2,...",
        help="dotted scenario path and its values (repeatable)",
    )
    p.add_argument(
        "--replications", "-n", type=_args.positive_int(10_000), default=5, help="replications per cell (default 5)"
    )
    p.add_argument("--seed", type=_args.seed, default=0, help="seed shared by all cells (default 0)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_args.whole(0, 1024),
        default=2,
        help="LocalCluster worker processes (default 2; 0 = no Dask, in this process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        type=_args.scheduler_address,
        help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument(
        "--out",
        required=True,
        type=_args.output_file(".parquet"),
        metavar="FILE.parquet",
        help="tidy output; finished cells are kept in FILE.parquet.parts/",
    )
    p.add_argument(
        "--max-cells",
        type=_args.positive_int(),
        metavar="N",
        help="run at most N pending cells, then stop (resume later)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    from ._data_args import add_data_arguments

    add_data_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``sakera sweep``."""
    from ..errors import SakeraInputError
    from ..scenarios.sweep import sweep

    if not args.vary:
        raise SakeraInputError("give at least one --vary PATH=V1,V2,...", location="--vary")
    from .. import scenarios
    from ._data_args import data_overrides, header

    base = scenarios.load(args.scenario)
    if data_overrides(args):
        base = base.with_values(data_overrides(args))
    result = sweep(
        base,
        args.vary,
        replications=args.replications,
        seed=args.seed,
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        max_cells=args.max_cells,
    )
    summary = result.summary()
    if not args.json:
        print(header(base.regency()))
    if args.json:
        emit_json(summary)
    else:
        state = (
            f"wrote {summary['out']}"
            if summary["out"]
            else f"{summary['cells'] - summary['ran'] - summary['skipped']} cell(s) still pending: run again to finish"
        )
        print(
            f"{summary['cells']} cells: {summary['ran']} run, {summary['skipped']} already done (skipped); "
            f"{summary['rows']} rows; {state} ({summary['seconds']} s)"
        )
        table = cell_table(result.frame, result.varied)
        if len(table):
            print(f"\nrata-rata per sel / mean per cell over {args.replications} replication(s):")
            emit_frame(table, "table")
    return 0


#: KPIs of the summary table printed after a sweep (the parquet has all of them).
SUMMARY_KPIS = (
    "turnaround_median_days",
    "share_within_sla",
    "utilisation_verifier",
    "travel_hours_saved",
    "backlog_end",
)


def cell_table(frame, varied: list[str]):
    """One row per cell: run id, the varied values and the mean of :data:`SUMMARY_KPIS`, formatted."""
    import pandas as pd

    if frame is None or not len(frame):
        return pd.DataFrame()
    kpis = [k for k in SUMMARY_KPIS if k in frame.columns]
    means = frame.groupby(["run_id", *varied], sort=True)[kpis].mean().reset_index()
    for k in kpis:
        means[k] = means[k].map(lambda x: "n/a" if x != x else (f"{x:,.3f}" if abs(x) < 100 else f"{x:,.0f}"))
    return means

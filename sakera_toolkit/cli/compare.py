"""``sakera compare``: KPIs of several scenarios with 95 % CIs and paired differences vs the first."""

from __future__ import annotations

import sys

from . import _args
from ._output import FORMATS, emit_frame, emit_json


def add_override_arguments(p) -> None:
    """``--days``, ``--set PATH=VALUE`` and the data flags (shared by compare and plan)."""
    from ._data_args import add_data_arguments

    add_data_arguments(p)
    p.add_argument(
        "--days",
        type=_args.positive_int(_args.MAX_DAYS),
        metavar="N",
        help="override every scenario's horizon (days) for a quicker run",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="set a dotted scenario path in every scenario, e.g. --set staff.office_verifiers=14 (repeatable)",
    )


def overrides_from(args) -> dict:
    """Collect ``--days`` and ``--set`` into ``{dotted path: value}``."""
    import yaml

    from ..errors import SakeraInputError

    out: dict = {}
    for item in args.set:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise SakeraInputError(f"{item!r} must be PATH=VALUE", location="--set")
        try:
            out[path.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[path.strip()] = value
    from ._data_args import data_overrides

    out.update(data_overrides(args))
    if args.days is not None:
        if args.days < 1:
            raise SakeraInputError(f"--days must be >= 1, got {args.days}", location="--days")
        out["horizon.days"] = args.days
        # keep the warm-up shorter than the horizon
        out.setdefault("horizon.warmup_days", min(28, max(0, args.days // 4)))
    return out


def _data_header(scenario: str, overrides: dict) -> str:
    from .. import scenarios
    from ._data_args import header

    s = scenarios.load(scenario)
    data = {k: v for k, v in overrides.items() if k.startswith("data.")}
    return header((s.with_values(data) if data else s).regency())


def period_line(period: dict | None) -> str:
    """One line stating the period and population every scenario was simulated on."""
    if not period:
        return ""
    line = (
        f"periode / period: {period['start_date']} + {period['days']} hari/days, penduduk / population "
        f"{period['population_year']}"
    )
    if period.get("aligned_to"):
        line += f" (disamakan dengan / aligned to '{period['aligned_to']}')"
    return line


def register(sub) -> None:
    """Add the ``compare`` subcommand."""
    p = sub.add_parser(
        "compare",
        help="compare scenarios: KPIs with 95%% CIs and paired differences vs the first",
        description="Simulate each scenario with the same seed (common random numbers) and print every headline KPI "
        "with its 95%% confidence interval, and the paired difference against the first scenario. Differences "
        "whose interval contains 0 are marked '≈' (table) or distinguishable=false (JSON). "
        "Bandingkan skenario: KPI dengan selang kepercayaan 95%% dan selisih terhadap skenario pertama.",
    )
    p.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="preset names or YAML paths; the first is the reference"
    )
    _args.add_replications(p)
    p.add_argument("--seed", type=_args.seed, default=0, help="base seed shared by all scenarios (default 0)")
    p.add_argument(
        "--json", action="store_true", help="print JSON (settings, per scenario each KPI with CI and difference)"
    )
    p.add_argument(
        "--format", choices=FORMATS, default="table", help="table (one row per scenario), csv or json (long rows)"
    )
    p.add_argument(
        "--kpi",
        action="append",
        default=[],
        metavar="NAME",
        help="KPI to show (repeatable; default: the headline KPIs)",
    )
    p.add_argument("--all-kpis", action="store_true", help="show every KPI the engine reports")
    p.add_argument(
        "--confidence",
        type=_args.number(0, 1, open_low=True, open_high=True),
        default=0.95,
        help="confidence level (default 0.95)",
    )
    progress = p.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress", dest="progress", action="store_true", default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )  # fmt: skip
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.add_argument(
        "--align", action="store_true",
        help="run every scenario on the first one's period and population year (default: refuse scenarios that differ)",
    )  # fmt: skip
    add_override_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``sakera compare``."""
    from ..scenarios.compare import compare

    result = compare(
        args.scenarios,
        replications=args.replications,
        seed=args.seed,
        progress=sys.stderr.isatty() if args.progress is None else args.progress,
        overrides=overrides_from(args) or None,
        confidence=args.confidence,
        align=args.align,
    )
    kpis = [k for item in args.kpi for k in item.split(",") if k] or (None if args.all_kpis else result.headline())
    if args.json:
        emit_json(result.to_dict(kpis))
        return 0
    if args.format == "table":
        wide = result.wide(kpis)
        # one block per scenario is easier to read than a very wide row
        long = wide.set_index("scenario").T.fillna("")
        long.index.name = "kpi"
        emit_frame(long.reset_index(), "table")
        print(
            f"\n{args.replications} replications, seed {args.seed}, common random numbers; 'Δ' = difference vs "
            f"{result.reference} [{int(args.confidence * 100)}% CI]; '≈' = not statistically distinguishable.",
            file=sys.stdout,
        )
        print(_data_header(args.scenarios[0], overrides_from(args)))
        print(period_line(result.period))
    else:
        emit_frame(result.table(kpis), args.format)
    return 0

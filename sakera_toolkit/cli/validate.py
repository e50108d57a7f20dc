"""``sakera validate``: check the engine against queueing theory and conservation laws."""

from __future__ import annotations

import sys

from . import _args
from ._output import emit_frame, emit_json


def register(sub) -> None:
    """Add the ``validate`` subcommand."""
    p = sub.add_parser(
        "validate",
        help="check the simulation engine against queueing theory (M/M/1, M/M/c, M/D/1, Little's law)",
        description="Run the engine against analytic results -- M/M/1, M/M/c (Erlang C mean wait and "
        "P(wait)), M/D/1 (Pollaczek-Khinchine), non-preemptive priorities (Cobham), a working calendar, "
        "Little's law on full regency years and conservation -- over several seeds. Prints case, analytic, "
        "simulated mean with 95%% CI and pass/fail; exits 0 only if every check passes.",
    )
    p.add_argument("--json", action="store_true", help="print the table as JSON on stdout")
    p.add_argument("--seeds", type=_args.positive_int(1000), default=8, help="seeds per queueing case (default 8)")
    p.add_argument(
        "--customers",
        type=_args.positive_int(100_000_000),
        default=200_000,
        help="customers per seed and case (default 200000)",
    )
    p.add_argument(
        "--regency-seeds",
        type=_args.positive_int(100),
        default=3,
        help="full regency years for Little's law (default 3)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``sakera validate``; exit 0 only if every check passes."""
    from ..errors import SakeraInputError
    from ..sim.validate import REL_SLACK, TOLERANCE_Z, validate

    if args.seeds < 2:
        raise SakeraInputError("needs at least 2 seeds for a confidence interval", location="--seeds")
    if args.customers < 1000:
        raise SakeraInputError("needs at least 1000 customers", location="--customers")
    if args.regency_seeds < 2:
        raise SakeraInputError("needs at least 2 regency seeds", location="--regency-seeds")
    table = validate(
        seeds=args.seeds, customers=args.customers, regency_seeds=args.regency_seeds, progress=not args.json
    )
    ok = bool(table["pass"].all())
    if args.json:
        emit_json(
            {
                "passed": ok,
                "rule": f"|simulated - analytic| <= {TOLERANCE_Z:g} SE + {REL_SLACK:g} x analytic",
                "checks": table.to_dict(orient="records"),
            }
        )
    else:
        shown = table.copy()
        shown["pass"] = shown["pass"].map({True: "pass", False: "FAIL"})
        for col in ("analytic", "simulated", "ci95_low", "ci95_high", "tolerance"):
            shown[col] = shown[col].map(lambda x: f"{x:.4g}")
        emit_frame(shown, "table")
        print(
            f"rule: |simulated - analytic| <= {TOLERANCE_Z:g} standard errors + {REL_SLACK:.0%} of analytic "
            f"(Little's law: 2%); {'all checks passed' if ok else 'SOME CHECKS FAILED'}",
            file=sys.stdout,
        )
    return 0 if ok else 1

"""``sakera report``: the evidence report (HTML or PDF) structured by the KIPP criteria."""

from __future__ import annotations

import sys

from . import _args
from .compare import add_override_arguments, overrides_from


def register(sub) -> None:
    """Add the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="write the evidence report (HTML or PDF) by the five KIPP criteria, in Indonesian by default",
        description="Simulasikan skenario dan pembanding (sama seperti 'sakera compare'), lalu tulis laporan bukti "
        "menurut lima kriteria PermenPAN-RB 91/2021 (kebaruan, efektif, bermanfaat, mudah disebarkan, "
        "berkelanjutan) dengan ringkasan untuk Bupati, grafik, peta desa, IKM, validasi model dan lampiran asumsi. "
        "Simulate the scenario and the baseline (as 'sakera compare') and write the self-contained report; "
        "the same seed gives a byte-identical HTML.",
    )
    p.add_argument("--scenario", default="oct-2021", help="rollout scenario: preset or YAML (default oct-2021)")
    p.add_argument("--baseline", default="office-only", help="reference scenario (default office-only)")
    p.add_argument("--survey", metavar="FILE.csv", help="survey CSV to score next to the projected IKM")
    _args.add_replications(p)
    p.add_argument("--seed", type=_args.seed, default=0, help="base seed (default 0)")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="language (default id)")
    p.add_argument(
        "--validation-seeds",
        type=_args.positive_int(1000),
        default=4,
        help="seeds per check of the model validation (default 4)",
    )
    p.add_argument(
        "--validation-customers",
        type=_args.positive_int(100_000_000),
        default=100_000,
        help="customers per seed and check (default 100000)",
    )
    p.add_argument(
        "--out",
        required=True,
        type=_args.output_file(".html", ".pdf"),
        metavar="report.html|report.pdf",
        help="output file (.html or .pdf)",
    )
    p.add_argument("--progress", action="store_true", help="progress on stderr")
    add_override_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``sakera report``."""
    from pathlib import Path

    from ..errors import SakeraInputError
    from ..evidence.report import build_report, write_report

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise SakeraInputError(f"unknown report format {out.suffix!r}; use .html or .pdf", location="--out")
    if not out.parent.is_dir() and str(out.parent):
        raise SakeraInputError("folder does not exist", source=str(out.parent), location="--out")
    if args.replications < 2:
        raise SakeraInputError("needs at least 2 replications for confidence intervals", location="--replications")
    if args.validation_seeds < 2:
        raise SakeraInputError("needs at least 2 seeds", location="--validation-seeds")
    if args.validation_customers < 1000:
        raise SakeraInputError("needs at least 1000 customers", location="--validation-customers")
    if args.survey:
        from ..evidence.survey import read_survey

        read_survey(args.survey)  # fail on a bad survey before the long simulation
    step = (lambda s: print(f"sakera report: {s}", file=sys.stderr)) if args.progress else None
    report = build_report(
        scenario=args.scenario,
        baseline=args.baseline,
        survey=args.survey,
        replications=args.replications,
        seed=args.seed,
        lang=args.lang,
        overrides=overrides_from(args) or None,
        validation_settings={
            "seeds": args.validation_seeds,
            "customers": 100_000,
            "regency_seeds": 2,
            "regency_days": 365,
        },
        progress=args.progress,
        on_step=step,
    )
    write_report(report, out)
    print(out)
    return 0

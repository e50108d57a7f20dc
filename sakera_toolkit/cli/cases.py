"""``sakera cases``: practice cases in batches, and printable exercise packs.

``sakera cases generate`` prints cases (the JSON of ``Case.to_dict``, one object with a
``cases`` list, or a short table); ``sakera cases print`` writes a PDF exercise pack in Bahasa
Indonesia for classes with too few computers (:mod:`sakera_toolkit.sandbox.packs`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import SakeraInputError
from . import _args
from ._output import emit_frame, emit_json

#: ``schema_version`` of the batch object printed by ``generate --json``.
BATCH_SCHEMA_VERSION = 1


def _whole(text: str, flag: str, low: int, high: int | None = None) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise SakeraInputError(f"{text!r} must be a whole number {span}", location=flag)
    return value


def _common(p: Any, n_default: str) -> None:
    p.add_argument("--service", metavar="ID", help="only this service (default: drawn per case)")
    p.add_argument("--difficulty", default="1", metavar="0-3", help="0 clean and guided ... 3 subtle defects (default 1)")
    p.add_argument("--defect", action="append", default=[], metavar="KIND",
                   help="inject this defect kind into every case (repeatable)")
    p.add_argument("--village", metavar="CODE", help="the desk's village code (default: drawn per case)")
    p.add_argument("--n", default=n_default, metavar="N", help=f"number of cases (default {n_default})")
    p.add_argument("--seed", default="0", metavar="S", help="seed, a non-negative whole number (default 0)")


def register(sub: Any) -> None:
    """Add ``sakera cases generate`` and ``sakera cases print``."""
    p = sub.add_parser("cases", help="generate practice cases or print an exercise pack",
                       description="Practice cases of the operator training, reproducible from a seed.")
    actions = p.add_subparsers(dest="cases_action", metavar="ACTION", required=True)
    g = actions.add_parser("generate", help="print practice cases",
                           description="Print N practice cases: a table, or with --json one object "
                           "{schema_version, seed, cases: [Case.to_dict(), ...]}.")
    _common(g, "1")
    g.add_argument("--json", action="store_true", help="print the cases as JSON")
    g.set_defaults(func=run_generate)
    pr = actions.add_parser("print", help="write a printable exercise pack (PDF)",
                            description="Write an exercise pack in Bahasa Indonesia: one case per page with its "
                            "document cards, answer sheets and a separate answer key with the rules.")
    _common(pr, "20")
    pr.add_argument("--out", required=True, type=_args.output_file(".pdf"), metavar="FILE.pdf",
                    help="where to write the PDF (written atomically)")
    pr.set_defaults(func=run_print)


def _cases(args: Any) -> tuple[list[Any], int]:
    from ..sandbox.packs import MAX_CASES, generate_cases

    n = _whole(args.n, "--n", 1, MAX_CASES)
    seed = _whole(args.seed, "--seed", 0)
    difficulty = _whole(args.difficulty, "--difficulty", 0, 3)
    cases = generate_cases(n, seed, service_id=args.service, difficulty=difficulty, defects=args.defect,
                           village_code=args.village)
    return cases, seed


def run_generate(args: Any) -> int:
    """Print the cases."""
    from ..sandbox import labels

    cases, seed = _cases(args)
    if args.json:
        emit_json({"schema_version": BATCH_SCHEMA_VERSION, "seed": seed, "cases": [c.to_dict() for c in cases]})
        return 0
    table = pd.DataFrame({
        "case_id": [c.case_id for c in cases],
        "service": [labels.service_name(c.service_id, "id") for c in cases],
        "difficulty": [c.difficulty for c in cases],
        "village": [f"{c.village_name} ({c.village_code})" for c in cases],
        "defects": [", ".join(sorted(c.defect_kinds)) or "-" for c in cases],
        "decision": [c.expected.decision for c in cases],
    })
    emit_frame(table, "table")
    return 0


def run_print(args: Any) -> int:
    """Write the exercise pack."""
    from ..sandbox.packs import write_pack_pdf

    out = str(args.out)
    if not out.lower().endswith(".pdf"):
        raise SakeraInputError(f"{out!r} must end in .pdf", location="--out")
    parent = Path(out).resolve().parent
    if not parent.is_dir():
        raise SakeraInputError(f"directory {str(parent)!r} does not exist", location="--out")
    cases, seed = _cases(args)
    data = write_pack_pdf(cases, out, seed=seed)
    print(f"wrote {out}: {len(cases)} cases, {len(data) // 1024} KiB", file=sys.stderr)
    return 0

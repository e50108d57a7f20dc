"""``sakera ikm``: the public-satisfaction index (PermenPAN-RB 14/2017) of a survey CSV."""

from __future__ import annotations

import sys

from . import _args
from ._output import emit_frame, emit_json

BY_CHOICES = ("service", "channel", "kecamatan", "jenis_kelamin", "usia_band", "pendidikan", "pekerjaan")


def register(sub) -> None:
    """Add the ``ikm`` subcommand."""
    p = sub.add_parser(
        "ikm",
        help="Indeks Kepuasan Masyarakat of a survey CSV (u1..u9, answers 1-4), with mutu, kinerja and CIs",
        description="Hitung Indeks Kepuasan Masyarakat (PermenPAN-RB 14/2017) dari berkas survei: NRR per unsur, "
        "IKM = jumlah(NRR x bobot) x 25, mutu A-D dan kinerja, selang kepercayaan bootstrap. "
        "Compute the public-satisfaction index of a survey CSV: one row per respondent, columns u1..u9 "
        "(answers 1-4) and optional service, channel, kecamatan, jenis_kelamin, usia, pendidikan, pekerjaan. "
        "Personal columns (nama, nik, alamat, ...) are dropped and reported.",
    )
    p.add_argument("file", metavar="FILE.csv", help="survey CSV")
    p.add_argument("--by", choices=BY_CHOICES, help="also break the index down by this column")
    p.add_argument(
        "--weights",
        choices=("exact", "rounded"),
        default="exact",
        help="weight per unsur: exact = 1/9 (default), rounded = 0.11 as in many published reports",
    )
    p.add_argument(
        "--resamples",
        type=_args.positive_int(1_000_000),
        default=2000,
        help="bootstrap resamples for the CIs (default 2000)",
    )
    p.add_argument("--seed", type=_args.seed, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="language of the labels (default id)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``sakera ikm``."""
    from ..errors import SakeraInputError
    from ..evidence import ikm
    from ..evidence.survey import read_survey

    if args.resamples < 0:
        raise SakeraInputError(f"must be >= 0, got {args.resamples}", location="--resamples")
    survey = read_survey(args.file)
    df = survey.frame
    if args.by == "usia_band" and "usia_band" not in df.columns:
        raise SakeraInputError("the survey has no column 'usia' to break down by", location="--by")
    res = ikm.compute(df, weights=args.weights, resamples=args.resamples, seed=args.seed)
    table = (
        ikm.breakdown(df, args.by, weights=args.weights, resamples=args.resamples, seed=args.seed, lang=args.lang)
        if args.by
        else None
    )
    if survey.dropped_columns:
        print(
            f"sakera: dropped personal column(s) {', '.join(survey.dropped_columns)} from {args.file}",
            file=sys.stderr,
        )
    if args.json:
        out = {
            "file": args.file,
            "dropped_personal_columns": survey.dropped_columns,
            **res.to_dict(args.lang),
            "unsur": res.unsur_table(args.lang).round(4).to_dict(orient="records"),
        }
        if table is not None:
            out["by"] = args.by
            out["breakdown"] = table.round(4).to_dict(orient="records")
        emit_json(out)
        return 0
    en = args.lang == "en"
    level = int(round(res.confidence * 100))
    ci = f"[{res.ci_low:.2f}, {res.ci_high:.2f}]" if res.ci_low == res.ci_low else "[-]"
    w = "1/9" if args.weights == "exact" else "0,11"
    print(
        (
            f"IKM {res.ikm:.2f} {ci} ({level}% CI, bootstrap {res.resamples}), mutu {res.mutu}, "
            f"performance {res.kinerja('en')}; {res.respondents} respondents, weight {w}"
        )
        if en
        else (
            f"IKM {res.ikm:.2f} {ci} (SK {level}%, bootstrap {res.resamples}), mutu {res.mutu}, "
            f"kinerja {res.kinerja('id')}; {res.respondents} responden, bobot {w}"
        )
    )
    print()
    unsur = res.unsur_table(args.lang)
    emit_frame(unsur.round({"nrr": 4, "nrr_ci_low": 4, "nrr_ci_high": 4, "converted": 2}), "table")
    if table is not None:
        print()
        emit_frame(table.round(2), "table")
    return 0

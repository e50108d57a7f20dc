"""``sakera survey``: Krejcie-Morgan sample sizes and the printable SKM questionnaire."""

from __future__ import annotations

from . import _args
from ._output import emit_json


def register(sub) -> None:
    """Add the ``survey`` subcommand with ``sample-size`` and ``template``."""
    p = sub.add_parser(
        "survey",
        help="survey tools: minimum sample size (Krejcie-Morgan) and the questionnaire template",
        description="Alat survei kepuasan masyarakat (PermenPAN-RB 14/2017): ukuran sampel minimum "
        "(Krejcie-Morgan) dan kuesioner siap cetak. Survey tools: minimum sample size and the printable "
        "questionnaire.",
    )
    inner = p.add_subparsers(dest="survey_command", metavar="ACTION", parser_class=type(p))
    s = inner.add_parser(
        "sample-size",
        help="minimum sample for N recipients of the previous period (Krejcie-Morgan table)",
        description="Minimum sample for N service recipients (Krejcie & Morgan 1970, chi2 3.841, P 0.5, "
        "d 0.05, rounded to the nearest integer as in the published table).",
    )
    s.add_argument(
        "population",
        metavar="N",
        type=_args.positive_int(1_000_000_000),
        help="recipients of the service in the previous period",
    )
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=run_sample_size)
    t = inner.add_parser(
        "template",
        help="write the questionnaire (9 questions, four answers each, profile fields)",
        description="Tulis kuesioner SKM: 9 pertanyaan dengan empat pilihan jawaban, profil responden. "
        "csv = the questionnaire as a table (also the codebook of a survey CSV); html/pdf = a printable A4 form.",
    )
    t.add_argument("--format", choices=("csv", "html", "pdf"), default="html", help="output format (default html)")
    t.add_argument("--lang", choices=("id", "en"), default="id", help="language (default id)")
    t.add_argument(
        "--out", metavar="FILE", type=_args.output_file(), help="output file (default kuesioner-skm.<format>)"
    )
    t.set_defaults(func=run_template)
    y = inner.add_parser(
        "synthesize",
        help="synthetic survey answers from a simulated scenario (labelled assumptions of calibration/ikm.yaml)",
        description="Draw synthetic respondents among the requests a scenario completes and let their simulated "
        "experience (lateness, extra visits, server outages, travel cost) shape the answers (calibration/ikm.yaml). "
        "Jawaban survei sintetis dari pengalaman yang disimulasikan. Synthetic people only.",
    )
    y.add_argument("--scenario", default="oct-2021", help="preset name or YAML path (default oct-2021)")
    y.add_argument("--days", type=_args.positive_int(_args.MAX_DAYS), help="override the scenario's horizon (days)")
    y.add_argument("--respondents", type=_args.positive_int(1_000_000), default=400, help="respondents (default 400)")
    y.add_argument("--seed", type=_args.seed, default=42, help="seed of the simulation and the answers (default 42)")
    y.add_argument("--out", required=True, type=_args.output_file(".csv"), metavar="FILE.csv", help="output CSV")
    y.set_defaults(func=run_synthesize)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_sample_size(args) -> int:
    """Run ``sakera survey sample-size N``."""
    from ..evidence.ikm import KM_CHI2, KM_D, KM_P, krejcie_morgan

    n = krejcie_morgan(args.population)
    if args.json:
        emit_json(
            {
                "population": args.population,
                "min_sample": n,
                "method": "Krejcie & Morgan (1970), nearest integer",
                "chi2": KM_CHI2,
                "p": KM_P,
                "margin": KM_D,
            }
        )
    else:
        print(f"{args.population} penerima layanan -> sampel minimum {n} responden (Krejcie-Morgan)")
    return 0


def run_template(args) -> int:
    """Run ``sakera survey template``."""
    from .._io import write_atomic
    from ..evidence.survey import questionnaire_html, questionnaire_table

    out = args.out or f"kuesioner-skm.{args.format}"
    if args.format == "csv":
        data: str | bytes = questionnaire_table(args.lang).to_csv(index=False, lineterminator="\n")
    elif args.format == "html":
        data = questionnaire_html(args.lang)
    else:
        from ..evidence.pdf import html_to_pdf

        data = html_to_pdf(questionnaire_html(args.lang))
    write_atomic(out, data)
    print(out)
    return 0


def run_synthesize(args) -> int:
    """Run ``sakera survey synthesize``."""
    from .._io import write_atomic
    from ..errors import SakeraInputError
    from ..evidence.projection import sample_survey

    if args.respondents < 1:
        raise SakeraInputError(f"must be >= 1, got {args.respondents}", location="--respondents")
    survey = sample_survey(args.seed, args.respondents, args.scenario, args.days)
    write_atomic(args.out, survey.to_csv(index=False, lineterminator="\n"))
    print(args.out)
    return 0

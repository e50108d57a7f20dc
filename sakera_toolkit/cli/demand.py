"""``sakera demand fit``: per-village x service (x month) demand rates from a request log."""

from __future__ import annotations

import sys

from . import _args
from ._data_args import add_data_arguments, header, regency_from
from ._output import emit_frame, emit_json


def register(sub) -> None:
    """Add ``sakera demand`` with its ``fit`` action."""
    p = sub.add_parser(
        "demand",
        help="fit demand rates from a request log (sakera demand fit LOG.csv --out demand.yaml)",
        description="Demand from real data. Permintaan layanan dari data nyata.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    f = actions.add_parser(
        "fit",
        help="fit per-village x service (x month) rates from a request log",
        description="Read a request log (one row per request; columns as a Dispendukcapil export has them, "
        "Indonesian or English: tanggal/date, kode_desa/village_code or kecamatan, layanan/service, optional "
        "tanggal_selesai and kanal/channel, or mapped with --columns), drop personal columns (NIK, nama, alamat, "
        "no_hp ...) on reading, fit rates per 1,000 residents per year with shrinkage toward the regency profile "
        "for villages with few records, and write a demand override YAML a scenario references as "
        "'demand: {fitted: FILE}'. Nothing is written if the log has an error. "
        "Hitung laju permintaan per desa dan layanan dari log permohonan; kolom data pribadi dibuang.",
    )
    f.add_argument("log", metavar="LOG.csv", help="request log CSV")
    f.add_argument(
        "--out",
        required=True,
        type=_args.output_file(".yaml", ".yml"),
        metavar="demand.yaml",
        help="demand override YAML to write (atomically)",
    )
    f.add_argument(
        "--by", default="village,service", help="dimensions: village, service, month (default village,service)"
    )
    f.add_argument(
        "--columns",
        metavar="FIELD=COLUMN,...",
        help="map log columns, e.g. date=tgl_daftar,service=jenis,village_code=kode_kel,completed=tgl_terbit",
    )
    f.add_argument(
        "--coverage",
        choices=("log", "regency"),
        default="log",
        help="villages the log covers: those appearing in it (default) or the whole regency",
    )
    f.add_argument(
        "--prior", type=_args.number(0, 1e9), metavar="A", help="shrinkage strength in requests (default: calibration)"
    )
    f.add_argument(
        "--population-year",
        type=_args.whole(1900, 2100),
        metavar="YEAR",
        help="population year (default: the log's middle)",
    )
    f.add_argument(
        "--period-days",
        type=_args.positive_int(_args.MAX_DAYS),
        metavar="N",
        help="observed period in days (default: from the dates)",
    )
    f.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_data_arguments(f)
    f.set_defaults(func=run_fit)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_fit(args) -> int:
    """Fit and write; print what was dropped, the per-service table and where it went."""
    from ..demandfit import fit, parse_columns, read_log

    reg = regency_from(args)
    log = read_log(args.log, reg, parse_columns(args.columns))
    result = fit(
        log,
        reg,
        by=args.by,
        population_year=args.population_year,
        period_days=args.period_days,
        coverage=args.coverage,
        prior_requests=args.prior,
    )
    path = result.write(args.out)
    if args.json:
        emit_json({**result.meta, "out": str(path), "services": result.table().to_dict("records")})
        return 0
    print(header(reg))
    print(log.note())
    m = result.meta
    print(
        f"fitted by {','.join(m['by'])}: {m['villages_covered']} village(s) covered ({m['coverage']}), "
        f"population {m['population']:,} ({m['population_year']}), {m['period_days']} days, prior {m['prior_requests']:g} requests"
    )
    emit_frame(result.table(), "table")
    print(f"wrote {path} (use it in a scenario as: demand: {{fitted: {path.name}}})", file=sys.stdout)
    return 0

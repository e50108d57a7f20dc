"""``sakera regency``: build and inspect regency packs (any kabupaten/kota, not only Sampang)."""

from __future__ import annotations

from . import _args
from ._data_args import add_data_arguments, header, regency_from
from ._output import emit_frame, emit_json


def register(sub) -> None:
    """Add ``sakera regency init|show|export``."""
    p = sub.add_parser(
        "regency",
        help="build (init) or inspect (show) a regency pack for any kabupaten/kota",
        description="Regency packs: villages, kecamatan, service points, travel legs and calibration overrides of "
        "one kabupaten/kota in one validated folder (docs/regency.md). Paket kabupaten/kota.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    i = actions.add_parser(
        "init",
        help="build a pack from a villages CSV for a code in the national list",
        description="Build a regency pack for kabupaten/kota CODE (e.g. 35.28 Pamekasan) from a villages CSV "
        "(village_code, village_name, lat, lon; optional village_type, district_code, population). Kecamatan names "
        "come from the packaged national table; without a population column, --total is split over kecamatan and "
        "villages (flat, kelurahan weighted; docs/regency.md). The office defaults to the mean kelurahan centroid "
        "(an assumption written into the pack). Written all or nothing.",
    )
    i.add_argument("code", metavar="CODE", help="kabupaten/kota code PP.RR (35.28) or PPRR (3528)")
    i.add_argument("--villages", required=True, metavar="FILE.csv", help="villages CSV")
    i.add_argument("--out", required=True, type=_args.output_dir, metavar="DIR", help="pack folder to write")
    i.add_argument(
        "--total", type=_args.positive_int(2_000_000_000), metavar="N", help="regency population when the CSV has none"
    )
    i.add_argument("--year", type=_args.whole(1900, 2100), default=2025, help="year of --total (default 2025)")
    i.add_argument("--office", metavar="LAT,LON", help="Dispendukcapil office coordinates")
    i.add_argument("--force", action="store_true", help="replace a non-empty --out")
    i.set_defaults(func=run_init)
    s = actions.add_parser(
        "show",
        help="summary of a pack (default: built-in Sampang)",
        description="Code, name, villages, kecamatan, population, service points and travel legs of a pack.",
    )
    s.add_argument("--year", type=_args.whole(1900, 2100), default=2025, help="population year (default 2025)")
    s.add_argument("--json", action="store_true", help="print JSON")
    add_data_arguments(s)
    s.set_defaults(func=run_show)
    e = actions.add_parser(
        "export",
        help="write a pack (default: the built-in Sampang pack) as a folder to start from",
        description="Write the regency (default: built-in Sampang, the reference example) as a pack folder.",
    )
    e.add_argument("--out", required=True, type=_args.output_dir, metavar="DIR", help="pack folder to write")
    e.add_argument("--force", action="store_true", help="replace a non-empty --out")
    add_data_arguments(e)
    e.set_defaults(func=run_export)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _office(text: str | None) -> tuple[float, float] | None:
    from ..errors import SakeraInputError

    if text is None:
        return None
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        raise SakeraInputError(f"{text!r} must be LAT,LON", location="--office") from None
    return lat, lon


def run_init(args) -> int:
    """Build the pack and print its summary."""
    from ..regency import init_pack

    reg = init_pack(
        args.code,
        args.villages,
        args.out,
        total=args.total,
        year=args.year,
        office=_office(args.office),
        overwrite=args.force,
    )
    print(
        f"wrote {args.out}: {reg.code} {reg.name}, {len(reg.village_codes)} villages in {len(reg.district_codes)} kecamatan"
    )
    print(f"use it with --regency {args.out} (villages, simulate, compare, sweep, plan, demand fit, calibrate)")
    return 0


def _summary(reg, year: int) -> dict:
    pop = reg.population(year)
    return {
        "code": reg.code,
        "name": reg.name,
        "origin": reg.origin,
        "villages": len(reg.village_codes),
        "kecamatan": len(reg.district_codes),
        "population_year": year,
        "population": int(pop.sum()),
        "population_source": reg.population_source,
        "service_points": [
            {
                "kind": p.kind,
                "name": p.name,
                "lat": p.lat,
                "lon": p.lon,
                "opens": p.opens.isoformat() if p.opens else None,
                "address": p.address,
                "source": p.source,
            }
            for p in reg.service_points
        ],  # fmt: skip
        "travel_legs": [
            {
                "village_code": leg.village_code,
                "kind": leg.kind,
                "name": leg.name,
                "minutes": leg.minutes,
                "wait_minutes": leg.wait_minutes,
                "fare_idr": leg.fare_idr,
                "extra_km": leg.extra_km,
                "source": leg.source,
            }
            for leg in reg.legs
        ],  # fmt: skip
    }


def run_show(args) -> int:
    """Print the pack summary."""
    reg = regency_from(args)
    info = _summary(reg, args.year)
    if args.json:
        emit_json(info)
        return 0
    print(header(reg))
    print(
        f"{info['villages']} villages in {info['kecamatan']} kecamatan; population {info['population']:,} ({args.year})"
    )
    import pandas as pd

    emit_frame(pd.DataFrame(info["service_points"]).fillna(""), "table")
    if info["travel_legs"]:
        emit_frame(pd.DataFrame(info["travel_legs"]), "table")
    return 0


def run_export(args) -> int:
    """Write the pack folder."""
    reg = regency_from(args)
    reg.to_pack(args.out, overwrite=args.force)
    print(f"wrote {args.out}: {reg.code} {reg.name}")
    return 0

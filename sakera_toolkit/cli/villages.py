"""``sakera villages``: the 186 villages with population and travel to a service point."""

from __future__ import annotations

from ..registry import SERVICE_POINTS, village_table
from ._output import add_format_argument, emit_frame


def register(sub) -> None:
    """Add the ``villages`` subcommand to ``sub``."""
    p = sub.add_parser(
        "villages",
        help="list the 186 villages with population and travel to a service point",
        description="List the 186 desa/kelurahan of Kabupaten Sampang with Kemendagri codes, centroids, "
        "population for a year and the citizen travel distance, time (one way) and cost (round trip).",
    )
    add_format_argument(p)
    p.add_argument("--year", type=int, default=2025, help="population reference year (default 2025)")
    p.add_argument(
        "--point", choices=SERVICE_POINTS, default="office", help="service point (default: office = Dispendukcapil)"
    )
    p.add_argument(
        "--mode",
        choices=("motorbike", "ojek", "public_transport"),
        default=None,
        help="travel mode (default: calibration's usual mode)",
    )
    p.add_argument("--population-csv", metavar="FILE", help="CSV village_code,population with real per-village figures")
    p.add_argument(
        "--road-distance-csv", metavar="FILE", help="CSV village_code,point,road_km replacing the circuity estimate"
    )
    p.add_argument("--district", metavar="CODE_OR_NAME", help="only villages of this kecamatan")
    p.set_defaults(func=run)


def run(args) -> int:
    """Print the village table in the requested format."""
    from ..errors import SakeraInputError

    df = village_table(
        year=args.year,
        point=args.point,
        mode=args.mode,
        population_csv=args.population_csv,
        road_distance_csv=args.road_distance_csv,
    )
    if args.district:
        key = args.district.strip().lower()
        mask = (df["district_code"] == args.district.strip()) | (df["district_name"].str.lower() == key)
        if not mask.any():
            raise SakeraInputError(f"unknown kecamatan {args.district!r}", location="--district")
        df = df[mask]
    emit_frame(df, args.format)
    return 0

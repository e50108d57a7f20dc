"""``sakera villages``: the villages of a regency with population and travel to a service point."""

from __future__ import annotations

import sys

from ..regency import SERVICE_POINTS
from . import _args
from ._data_args import add_data_arguments, header, regency_from
from ._output import add_format_argument, emit_frame


def register(sub) -> None:
    """Add the ``villages`` subcommand to ``sub``."""
    p = sub.add_parser(
        "villages",
        help="list the villages (default: Sampang's 186) with population and travel to a service point",
        description="List the desa/kelurahan of a regency (default: the 186 of Kabupaten Sampang; --regency DIR for "
        "a regency pack) with Kemendagri codes, centroids, population for a year and the citizen travel distance, "
        "time (one way) and cost (round trip). Daftar desa/kelurahan dengan penduduk dan jarak tempuh.",
    )
    add_format_argument(p)
    p.add_argument(
        "--year", type=_args.whole(1900, 2100), default=2025, help="population reference year (default 2025)"
    )
    p.add_argument(
        "--point", choices=SERVICE_POINTS, default="office", help="service point (default: office = Dispendukcapil)"
    )
    p.add_argument(
        "--mode",
        choices=("motorbike", "ojek", "public_transport"),
        default=None,
        help="travel mode (default: calibration's usual mode)",
    )
    p.add_argument("--district", metavar="CODE_OR_NAME", help="only villages of this kecamatan")
    add_data_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Print the village table in the requested format (the data line goes to stderr)."""
    from ..errors import SakeraInputError

    reg = regency_from(args)
    df = reg.village_table(year=args.year, point=args.point, mode=args.mode)
    if args.district:
        key = args.district.strip().lower()
        mask = (df["district_code"] == args.district.strip()) | (df["district_name"].str.lower() == key)
        if not mask.any():
            raise SakeraInputError(f"unknown kecamatan {args.district!r}", location="--district")
        df = df[mask]
    print(header(reg), file=sys.stderr)
    emit_frame(df, args.format)
    return 0

"""``sakera nik``: decode and validate a NIK (or KK number), or generate a synthetic one."""

from __future__ import annotations

import datetime as dt
import sys

from ..errors import SakeraInputError
from ..people import nik as nikmod
from . import _args
from ._output import emit_json


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SakeraInputError(f"{text!r} is not a date (YYYY-MM-DD)", location="--reference-date") from None


def register(sub) -> None:
    """Add ``sakera nik decode`` and ``sakera nik generate``."""
    p = sub.add_parser(
        "nik",
        help="decode, validate or generate NIK and KK numbers",
        description="Decode and validate a 16-digit NIK (province, regency and kecamatan of any region in "
        "Indonesia, birth date, sex, sequence) or a KK number, or generate a synthetic NIK.",
    )
    actions = p.add_subparsers(dest="nik_action", metavar="ACTION", required=True)

    d = actions.add_parser(
        "decode",
        help="decode and validate a NIK",
        description="Decode a NIK. A structurally invalid NIK exits with status 2 and names the failed part "
        "(length, digits, date, sequence). An unknown region code (province, regency, kecamatan) is a warning, "
        "exit status 0: NIKs keep the code of first registration even after a region was renumbered or split.",
    )
    d.add_argument("number", metavar="NIK", help="16-digit NIK")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.add_argument("--kk", action="store_true", help="decode a KK number instead of a NIK")
    d.add_argument(
        "--reference-date",
        type=_args.iso_date(),
        metavar="YYYY-MM-DD",
        help="resolve the two-digit year to the latest date not after this one (default: today)",
    )
    d.set_defaults(func=run_decode)

    g = actions.add_parser(
        "generate",
        help="generate a synthetic NIK",
        description="Build a synthetic NIK from a kecamatan code, a birth date, the sex and a sequence number.",
    )
    g.add_argument("--district", required=True, metavar="CODE", help="kecamatan code, e.g. 35.27.03 (Sampang)")
    g.add_argument(
        "--birth-date",
        required=True,
        type=_args.iso_date(dt.date(1900, 1, 1), dt.date.today),
        metavar="YYYY-MM-DD",
        help="date of birth",
    )
    g.add_argument("--sex", required=True, choices=("M", "F", "L", "P"), help="M/L laki-laki, F/P perempuan")
    g.add_argument("--sequence", type=_args.whole(1, 9999), default=1, help="sequence number 1-9999 (default 1)")
    g.add_argument("--json", action="store_true", help="print JSON with the decoded fields")
    g.set_defaults(func=run_generate)


def _print_info(info: dict, as_json: bool) -> None:
    if as_json:
        emit_json(info)
        return
    width = max(len(k) for k in info)
    for key, value in info.items():
        print(f"{key.ljust(width)}  {value}")


def run_decode(args) -> int:
    """Print the decoded NIK (or KK number); invalid input raises ``NikError`` (exit 2)."""
    ref = _date(args.reference_date) if args.reference_date else None
    if args.kk:
        info = nikmod.decode_kk(args.number, reference=ref).to_dict()
        info["note"] = "the date/series split after the area code is an unverified assumption"
    else:
        info = nikmod.decode(args.number, reference=ref, unknown_region="warn").to_dict()
        info["sex_id"] = "perempuan" if info["sex"] == "F" else "laki-laki"
        for warning in info.get("warnings", ()):
            print(f"peringatan / warning: {warning}", file=sys.stderr)
    if not args.json:
        info.pop("warnings", None)
    _print_info(info, args.json)
    return 0


def run_generate(args) -> int:
    """Print a synthetic NIK built from the arguments."""
    number = nikmod.encode(args.district, args.birth_date, args.sex, args.sequence)
    if args.json:
        born = dt.date.fromisoformat(args.birth_date)
        emit_json(nikmod.decode(number, reference=max(born, dt.date.today())).to_dict())
    else:
        print(number)
    return 0

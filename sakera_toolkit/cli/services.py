"""``sakera services``: the adminduk service catalogue (list, or one service in full)."""

from __future__ import annotations

import argparse
import sys

from ..services import load_catalogue
from ._output import add_format_argument, emit_frame, emit_json


def register(sub) -> None:
    """Add ``sakera services`` and ``sakera services show``."""
    p = sub.add_parser(
        "services",
        help="list the adminduk services (KK, KTP-el, akta, KIA, pindah) or show one in full",
        description="List the adminduk services a Sakera Mesem desk and the Dispendukcapil office handle "
        "(id, Indonesian and English names), or show one service with its requirements, forms, output "
        "document, desk/office steps, deadlines, fee and sources.",
    )
    add_format_argument(p)
    p.add_argument("--catalogue", metavar="FILE", help="a services YAML replacing the packaged catalogue")
    p.add_argument("--full", action="store_true", help="list every rule column, not only the names")
    p.set_defaults(func=run_list)
    actions = p.add_subparsers(dest="services_action", metavar="ACTION")
    show = actions.add_parser(
        "show",
        help="show one service in full",
        description="Show one service in full: requirements (with alternatives and conditions), forms, "
        "output document and medium, desk and office steps, reporting deadline, fee, legal basis and sources.",
    )
    show.add_argument("service_id", metavar="ID", help="service id, e.g. akta_kelahiran (see `sakera services`)")
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    show.add_argument(
        "--catalogue",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="a services YAML replacing the packaged catalogue",
    )
    show.set_defaults(func=run_show)


def run_list(args) -> int:
    """Print the catalogue as a table, CSV or JSON."""
    cat = load_catalogue(args.catalogue)
    df = cat.table()
    if not args.full:
        df = df[["service_id", "name_id", "name_en"]]
    emit_frame(df, args.format)
    return 0


def _yes(flag: bool) -> str:
    return "ya / yes" if flag else "tidak / no"


def run_show(args) -> int:
    """Print one service in full (Indonesian first, English alongside) or as JSON."""
    cat = load_catalogue(args.catalogue)
    s = cat.get(args.service_id)
    if args.json:
        emit_json(s.to_dict())
        return 0
    out = sys.stdout
    w = out.write
    w(f"{s.id}: {s.name_id} / {s.name_en}\n")
    w(f"  kategori / category: {s.category}\n")
    if s.eligibility_id:
        w(f"  syarat pemohon / eligibility: {s.eligibility_id} / {s.eligibility_en}  [{s.sources['eligibility']}]\n")
    w("  persyaratan / requirements:\n")
    for r in s.requirements:
        mark = "wajib / required" if r.required else "bila perlu / if applicable"
        w(f"    - {r.id}: {r.name_id} ({mark})\n")
        w(f"      {r.name_en}\n")
        if r.condition_id:
            w(f"      kondisi / condition: {r.condition_id} / {r.condition_en}\n")
        if r.required_when:
            w(f"      wajib bila / required when: {', '.join(r.required_when)}\n")
        if r.alternatives:
            w(f"      dapat diganti / alternatives: {', '.join(r.alternatives)}\n")
        if r.desk_substitute:
            w("      diisi di meja layanan (SPTJM) / completed at the desk (sworn statement)\n")
        w(f"      dasar hukum / legal basis: {r.legal_basis}\n")
        w(f"      sumber / source: {r.source}\n")
    w("  formulir / forms:\n")
    for code in s.forms:
        f = cat.forms[code]
        w(f"    - {code}: {f.name_id} / {f.name_en}\n")
    if not s.forms:
        w("    (tidak ada / none)\n")
    w(f"    sumber / source: {s.sources['forms']}\n")
    w(f"  dokumen hasil / output: {s.output_document} / {s.output_document_en}  [{s.sources['output']}]\n")
    w(f"  media / medium: {s.medium}; blanko: {_yes(s.needs_blanko)}  [{s.sources['medium']}]\n")
    w("  alur / flow:\n")
    for step_id, where in s.flow:
        place = "meja desa / village desk" if where == "desk" else "kantor / office"
        w(f"    - {cat.steps[step_id].name_id} / {cat.steps[step_id].name_en} ({place})\n")
    w(f"    perekaman biometrik / biometric recording: {_yes(s.needs_biometric)}  [{s.sources['steps']}]\n")
    if s.reporting_deadline_days is not None:
        w(
            f"  batas pelaporan / reporting deadline: {s.reporting_deadline_days} hari / days  [{s.sources['reporting_deadline']}]\n"
        )
    else:
        w("  batas pelaporan / reporting deadline: tidak ada / none\n")
    w(f"  biaya / fee: Rp{s.fee_idr:,}".replace(",", ".") + f"  [{s.sources['fee']}]\n")
    w(f"  dasar hukum / legal basis: {'; '.join(s.legal_basis)}\n")
    return 0

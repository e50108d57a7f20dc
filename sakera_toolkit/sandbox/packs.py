"""Batches of practice cases and printable exercise packs (``sakera cases generate|print``).

For classes with too few computers: :func:`generate_cases` draws ``n`` cases reproducibly from one
seed (case ``k`` gets its own integer seed, stored in ``case.seed``, so any case can be
regenerated alone), and :func:`pack_html` / :func:`write_pack_pdf` lay them out in Bahasa
Indonesia for print: a cover with instructions, one page per case (the desk, what the citizen
says, the document cards), answer sheets to fill in by hand, and a separate answer key for the
trainer with the rules and their legal basis.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SakeraInputError
from . import labels
from .exports import html_to_pdf, write_atomic

__all__ = ["MAX_CASES", "generate_cases", "pack_html", "write_pack_pdf"]

#: Upper bound of one batch (a printed pack of 500 pages is already more than a class uses).
MAX_CASES = 500


def _case_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent non-negative integer seeds derived from ``seed``."""
    state = np.random.SeedSequence(int(seed)).generate_state(n, dtype=np.uint64)
    return [int(x) >> 2 for x in state]


def generate_cases(
    n: int = 1,
    seed: int = 0,
    *,
    service_id: str | None = None,
    difficulty: int = 1,
    defects: Sequence[str] = (),
    village_code: str | None = None,
) -> list[Any]:
    """``n`` practice cases from ``seed`` (same arguments -> identical cases).

    Parameters
    ----------
    n
        How many cases (1 to :data:`MAX_CASES`).
    seed
        A non-negative integer.
    service_id
        Only this service (default: drawn per case; with ``defects``, among the services in which
        every requested defect can occur).
    difficulty
        0 (clean, guided) to 3.
    defects
        Inject exactly these defect kinds into every case (for drilling one skill).
    village_code
        The desk's village (default: drawn per case).

    Raises
    ------
    SakeraInputError
        A bad count, seed, difficulty, service, defect kind or village.
    """
    from .. import training
    from ..services import load_catalogue
    from ..training import defects as defect_policies

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_CASES:
        raise SakeraInputError(f"--n {n!r} must be a whole number from 1 to {MAX_CASES}", location="--n")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SakeraInputError(f"--seed {seed!r} must be a non-negative whole number", location="--seed")
    if isinstance(difficulty, bool) or difficulty not in training.DIFFICULTIES:
        raise SakeraInputError(f"--difficulty {difficulty!r} must be 0, 1, 2 or 3", location="--difficulty")
    catalogue = load_catalogue()
    if service_id is not None and service_id not in catalogue.training_ids():
        raise SakeraInputError(
            f"unknown service {service_id!r}; choose from {', '.join(catalogue.training_ids())}", location="--service"
        )
    kinds = list(dict.fromkeys(defects))
    for kind in kinds:
        if kind not in training.DEFECT_KINDS:
            raise SakeraInputError(
                f"unknown defect kind {kind!r}; choose from {', '.join(training.DEFECT_KINDS)}", location="--defect"
            )
    candidates = [service_id] if service_id is not None else list(catalogue.training_ids())
    if kinds:
        candidates = [s for s in candidates if all(defect_policies.policy(k).possible(s) for k in kinds)]
        if not candidates:
            where = service_id or "any service"
            raise SakeraInputError(f"defects {', '.join(kinds)} cannot occur together in {where}", location="--defect")
    picker = np.random.default_rng([int(seed), 1])
    out = []
    for case_seed in _case_seeds(seed, int(n)):
        service = candidates[int(picker.integers(len(candidates)))] if (kinds or service_id) else None
        out.append(
            training.generate_case(
                service, int(difficulty), case_seed, village_code=village_code, defect_kinds=kinds or None
            )
        )
    return out


# --- the printable pack --------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 14mm 13mm 14mm 13mm;
        @bottom-right { content: "Halaman " counter(page) " / " counter(pages); font-size: 8pt; color: #666; }
        @bottom-left { content: "Sakera Mesem · paket latihan · data sintetis"; font-size: 8pt; color: #666; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #1f1b14; }
h1 { font-size: 17pt; margin: 0 0 4mm 0; color: #0b5d4b; }
h2 { font-size: 13pt; margin: 0 0 2mm 0; color: #0b5d4b; }
h3 { font-size: 10.5pt; margin: 3mm 0 1.5mm 0; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
.desk { color: #4a5a56; font-size: 9pt; margin-bottom: 2mm; }
.request { background: #f4f8f6; border-left: 3pt solid #0b7a5e; padding: 2mm 3mm; font-size: 10.5pt;
           margin-bottom: 3mm; }
.cards { display: block; }
/* inline blocks, not flex: WeasyPrint moves a whole flex container to the next page (a case page
   then held only its heading); lines of inline blocks break between cards */
.card { display: inline-block; vertical-align: top; margin: 0 2.5mm 3mm 0; border: 0.6pt solid #b9b2a2;
        border-radius: 2mm; width: 86mm; page-break-inside: avoid; background: #fffdf7; }
.card.wide { width: 100%; }
.card .head { color: #fff; background: #546e7a; padding: 1.2mm 2.5mm; font-weight: bold; font-size: 9.5pt; }
.card .head small { font-weight: normal; float: right; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.6mm 3mm; margin: 2mm 2.5mm; }
.card dt { color: #6b6457; } .card dd { margin: 0; font-weight: bold; font-family: "DejaVu Sans Mono", monospace;
                                          font-size: 8.5pt; overflow-wrap: anywhere; }
.card table { border-collapse: collapse; margin: 0 2.5mm 2.5mm 2.5mm; width: calc(100% - 5mm); font-size: 7.5pt; }
.card th { background: #eef1ea; text-align: left; padding: 0.8mm 1.2mm; }
.card td { border-top: 0.4pt solid #ddd; padding: 0.8mm 1.2mm; font-family: "DejaVu Sans Mono", monospace; }
.card .note { margin: 0 2.5mm 2mm 2.5mm; color: #8a1c12; font-style: italic; }
.card .stamp { color: #c62828; font-weight: bold; margin: 1mm 2.5mm; }
.sheet { border: 0.6pt solid #999; border-radius: 2mm; padding: 2mm 3mm; margin-bottom: 4mm;
         page-break-inside: avoid; }
.sheet table { width: 100%; border-collapse: collapse; }
.sheet td { padding: 1.6mm 1mm; vertical-align: top; border-bottom: 0.4pt dotted #999; }
.sheet td.label { width: 45mm; color: #333; }
.box { display: inline-block; width: 3mm; height: 3mm; border: 0.6pt solid #333; margin: 0 1mm 0 3mm;
       vertical-align: middle; }
.key { page-break-inside: avoid; border-top: 0.8pt solid #0b5d4b; padding-top: 2mm; margin-bottom: 4mm; }
.key table { width: 100%; border-collapse: collapse; font-size: 8.5pt; }
.key th, .key td { border: 0.4pt solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
.key th { background: #eef1ea; width: 38mm; }
.rules li { margin-bottom: 1.2mm; } .src { color: #555; font-size: 8pt; }
.small { font-size: 8.5pt; color: #444; }
ul.ref { columns: 2; font-size: 8.5pt; }
"""

#: Header colour of each document kind (as on screen).
_KIND_COLOURS = {
    "kk": "#2e7d32", "ktp_el": "#1565c0", "surat_keterangan_lahir": "#6d4c41",
    "surat_keterangan_kematian": "#455a64", "buku_nikah": "#4e342e", "akta_kelahiran": "#00695c",
    "skpwni": "#5d4037", "surat_kehilangan": "#37474f", "pas_foto": "#b71c1c", "tanda_terima": "#6a1b9a",
}  # fmt: skip


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _card(doc: Any) -> str:
    colour = _KIND_COLOURS.get(doc.kind, "#546e7a")
    parts = [
        f'<div class="card{" wide" if doc.rows else ""}">',
        f'<div class="head" style="background:{colour}">{_esc(doc.title("id"))}</div>',
    ]
    if getattr(doc, "damaged", False):
        parts.append(f'<div class="stamp">{_esc(doc.condition_label("id").upper())}</div>')
    fields = "".join(f"<dt>{_esc(label)}</dt><dd>{_esc(value)}</dd>" for _k, label, value in doc.field_items("id"))
    if fields:
        parts.append(f"<dl>{fields}</dl>")
    if doc.rows:
        columns = doc.columns("id")
        head = "".join(f"<th>{_esc(label)}</th>" for _k, label in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_esc(row.get(k, ''))}</td>" for k, _label in columns) + "</tr>" for row in doc.rows
        )
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
    if doc.note("id"):
        parts.append(f'<p class="note">{_esc(doc.note("id"))}</p>')
    parts.append("</div>")
    return "".join(parts)


def _case_page(number: int, total: int, case: Any) -> str:
    desk = f"{case.village_name}, Kec. {case.district_name} · tanggal di loket {case.today.strftime('%d-%m-%Y')}"
    cards = "".join(_card(d) for d in case.documents) or "<p>Warga tidak membawa berkas.</p>"
    return (
        f'<section class="page"><h2>Kasus {number} dari {total}</h2>'
        f'<div class="desk">{_esc(desk)}</div>'
        f'<div class="request"><b>{_esc(case.citizen.name)}</b> berkata: “{_esc(case.situation("id"))}”</div>'
        f"<h3>Berkas yang dibawa</h3><div class=\"cards\">{cards}</div></section>"
    )


def _answer_sheet(number: int) -> str:
    decisions = "".join(
        f'<span class="box"></span>{_esc(labels.decision_name(d, "id"))}' for d in ("process", "return", "refer")
    )
    rows = [
        ("1. Layanan yang tepat", ""),
        ("2. Persyaratan yang terpenuhi", ""),
        ("3. Masalah yang ditemukan (tulis dokumen mana)", ""),
        ("4. Keputusan", decisions),
        ("Bila dikembalikan: yang harus dilengkapi", ""),
        ("5. Bila diproses: data formulir (nama, NIK, tanggal...)", ""),
    ]
    body = "".join(f'<tr><td class="label">{_esc(a)}</td><td>{b}&nbsp;</td></tr>' for a, b in rows)
    return f'<div class="sheet"><b>Lembar jawaban · Kasus {number}</b> · Nama peserta: ____________________<table>{body}</table></div>'


def _key(number: int, case: Any) -> str:
    from .. import training

    expected = case.expected
    service = expected.service_id
    met = [labels.requirement_name(service, r, "id") for r, ok in expected.requirements.items() if ok]
    defects = "".join(
        f"<li><b>{_esc(labels.defect_name(d.kind, 'id'))}</b>: {_esc(d.detail('id'))}"
        + (f" <span class='src'>(berkas {_esc(', '.join(d.documents))})</span>" if d.documents else "")
        + "</li>"
        for d in case.defects
    ) or "<li>Tidak ada: berkas bersih.</li>"
    rows = [
        ("Layanan", _esc(labels.service_name(service, "id"))),
        ("Persyaratan terpenuhi", _esc(", ".join(met) or "(tidak ada)")),
        ("Masalah", f"<ul>{defects}</ul>"),
        ("Keputusan", _esc(labels.decision_name(expected.decision, "id"))),
    ]
    if expected.decision == "return":
        rows.append(("Harus dilengkapi",
                     _esc(", ".join(labels.requirement_name(service, r, "id") for r in expected.missing))))
    if expected.decision == "process" and expected.form:
        fields = {f.key: f.label("id") for f in training.rules.form_fields(service)}
        rows.append(("Formulir", "<br>".join(f"{_esc(fields.get(k, k))}: <b>{_esc(v)}</b>"
                                             for k, v in expected.form.items())))
    known = training.rules.rules()
    rules_html = "".join(
        f"<li><b>{_esc(title)}</b>: {_esc(known[r].text('id') if r in known else '')}"
        f"<br><span class='src'>Dasar hukum: {_esc(basis)}</span></li>"
        for r, title, basis in labels.case_rules(case, "id")
    )
    rows.append(("Aturan", f"<ul class='rules'>{rules_html}</ul>"))
    body = "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows)
    return (f'<div class="key"><h3>Kasus {number} · {_esc(case.citizen.name)}</h3>'
            f'<p class="small">Kode kasus {_esc(case.case_id)} (seed {_esc(case.seed)})</p><table>{body}</table></div>')


def pack_html(cases: Sequence[Any], *, seed: int | None = None, title: str = "Paket latihan operator adminduk") -> str:
    """The exercise pack as one self-contained HTML document (Bahasa Indonesia, A4 pages)."""
    from .. import training
    from ..services import load_catalogue

    if not cases:
        raise SakeraInputError("an exercise pack needs at least one case", location="--n")
    total = len(cases)
    services = "".join(f"<li>{_esc(s.name_id)}</li>" for s in load_catalogue() if s.training)
    problems = "".join(f"<li>{_esc(info.name('id'))}</li>" for info in training.rules.defect_kinds().values())
    made = f" · seed {seed}" if seed is not None else ""
    cover = (
        f'<section class="page"><h1>{_esc(title)}</h1>'
        f"<p>Dispendukcapil Kabupaten Sampang · program Sakera Mesem · {total} kasus{_esc(made)}</p>"
        "<h3>Petunjuk untuk peserta</h3><ol>"
        "<li>Setiap halaman kasus menunjukkan loket desa, apa yang dikatakan warga dan berkas yang dibawanya.</li>"
        "<li>Periksa berkas seperti di loket: pilih layanan, periksa persyaratan, tandai masalah, putuskan "
        "(proses, kembalikan, atau rujuk), lalu isi formulir bila diproses.</li>"
        "<li>Tulis jawaban di lembar jawaban (setelah halaman kasus). Kunci jawaban ada di bagian terakhir, "
        "khusus untuk pelatih.</li></ol>"
        f"<h3>Layanan</h3><ul class='ref'>{services}</ul>"
        f"<h3>Jenis masalah yang mungkin ada</h3><ul class='ref'>{problems}</ul>"
        "<p class='small'>Semua orang, NIK dan berkas dalam paket ini sintetis (bukan penduduk nyata).</p></section>"
    )
    pages = "".join(_case_page(i, total, c) for i, c in enumerate(cases, 1))
    sheets = "".join(_answer_sheet(i) for i in range(1, total + 1))
    keys = "".join(_key(i, c) for i, c in enumerate(cases, 1))
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f"<style>{_CSS}</style></head><body>{cover}{pages}"
        f'<section class="page"><h1>Lembar jawaban</h1>{sheets}</section>'
        f'<section class="page"><h1>Kunci jawaban (untuk pelatih)</h1>'
        f"<p class='small'>Jangan dibagikan kepada peserta sebelum latihan selesai.</p>{keys}</section>"
        "</body></html>"
    )


def write_pack_pdf(cases: Sequence[Any], path: str | Path, *, seed: int | None = None) -> bytes:
    """Render :func:`pack_html` to PDF and write it atomically to ``path``; returns the bytes."""
    target = Path(path)
    if not target.parent.exists():
        raise SakeraInputError(f"directory {str(target.parent)!r} does not exist", location="--out")
    data = html_to_pdf(pack_html(cases, seed=seed))
    write_atomic(target, data)
    return data

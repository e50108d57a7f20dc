"""HTML renderings of a practice case: the citizen's request and the document cards.

Pure functions from :class:`sakera_toolkit.training.model.Case` (or its parts) to HTML strings,
so they are cheap to test and to re-render in the other language. Every value coming from the
case is escaped.
"""

from __future__ import annotations

import html
from typing import Any

from ..i18n import Translator

#: Header colour of each document kind (KTP-el blue, KK green, letters in sepia...).
KIND_COLOURS: dict[str, str] = {
    "kk": "#2e7d32",
    "ktp_el": "#1565c0",
    "surat_keterangan_lahir": "#6d4c41",
    "surat_keterangan_kematian": "#455a64",
    "buku_nikah": "#4e342e",
    "akta_kelahiran": "#00695c",
    "skpwni": "#5d4037",
    "surat_kehilangan": "#37474f",
    "pas_foto": "#b71c1c",
    "tanda_terima": "#6a1b9a",
}

CARDS_CSS = """
:host { display: block; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(290px, 100%), 1fr)); gap: 10px; }
.card { background: #fffdf7; border: 1px solid #d8d2c4; border-radius: 8px; overflow: hidden;
        box-shadow: 0 1px 3px rgba(0,0,0,.08); font-size: 12.5px; position: relative; }
.card.wide { grid-column: 1 / -1; }
.card .head { color: #fff; padding: 5px 10px; font-weight: 600; display: flex; justify-content: space-between;
              align-items: baseline; }
.card .head small { font-weight: 400; opacity: .85; font-size: 11px; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 8px 10px; }
.card dt { color: #6b6457; }
.card dd { margin: 0; font-weight: 600; color: #1f1b14; overflow-wrap: anywhere;
           font-family: 'DejaVu Sans Mono', 'Consolas', monospace; font-size: 12px; }
.card table { border-collapse: collapse; margin: 0 10px 10px 10px; width: calc(100% - 20px); font-size: 11.5px; }
.card th { text-align: left; background: #eef1ea; color: #444; padding: 3px 5px; font-weight: 600; }
.card td { border-top: 1px solid #e6e2d8; padding: 3px 5px; font-family: 'DejaVu Sans Mono', monospace; }
.card .scroll { overflow-x: auto; }
.card.damaged { background: repeating-linear-gradient(135deg, #fffdf7, #fffdf7 12px, #f6efe0 12px, #f6efe0 14px); }
.stamp { position: absolute; right: 10px; top: 34px; border: 2px solid #c62828; color: #c62828;
         padding: 1px 8px; border-radius: 4px; transform: rotate(-8deg); font-weight: 700; font-size: 12px;
         background: rgba(255,255,255,.7); }
.note { margin: 0 10px 8px 10px; color: #8a1c12; font-style: italic; }
.photo { margin: 10px; width: 72px; height: 96px; background: #c62828; border-radius: 3px; position: relative; }
.photo:after { content: ''; position: absolute; left: 22px; top: 14px; width: 28px; height: 28px; border-radius: 50%;
               background: #f1e3d3; box-shadow: 0 36px 0 10px #f1e3d3; }
.photo-row { display: flex; gap: 8px; align-items: flex-start; }
.request { background: #f4f8f6; border-left: 4px solid #0b7a5e; padding: 8px 12px; border-radius: 4px;
           font-size: 14px; }
.request .who { color: #4a5a56; font-size: 12px; margin-bottom: 3px; }
.request .fee { color: #8a1c12; font-weight: 600; }
.desk { color: #4a5a56; font-size: 12px; margin: 4px 0 8px 0; }
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def document_card(doc: Any, lang: str = "id") -> str:
    """One document as an HTML card (title band, fields, KK member table, condition)."""
    colour = KIND_COLOURS.get(doc.kind, "#546e7a")
    damaged = bool(getattr(doc, "damaged", False))
    classes = ["card"]
    if doc.rows:
        classes.append("wide")
    if damaged:
        classes.append("damaged")
    parts = [
        f'<div class="{" ".join(classes)}" data-ref="{_esc(doc.ref)}">',
        f'<div class="head" style="background:{colour}"><span>{_esc(doc.title(lang))}</span></div>',
    ]
    if damaged:
        parts.append(f'<div class="stamp">{_esc(doc.condition_label(lang).upper())}</div>')
    fields = "".join(f"<dt>{_esc(label)}</dt><dd>{_esc(value)}</dd>" for _key, label, value in doc.field_items(lang))
    if doc.kind == "pas_foto":
        parts.append(
            f'<div class="photo-row"><div class="photo" title="{_esc(doc.title(lang))}"></div><dl>{fields}</dl></div>'
        )
    elif fields:
        parts.append(f"<dl>{fields}</dl>")
    if doc.rows:
        columns = doc.columns(lang)
        head = "".join(f"<th>{_esc(label)}</th>" for _key, label in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_esc(row.get(key, ''))}</td>" for key, _label in columns) + "</tr>"
            for row in doc.rows
        )
        parts.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
    note = doc.note(lang)
    if note:
        parts.append(f'<p class="note">{_esc(note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def documents_html(documents: Any, lang: str = "id") -> str:
    """All the citizen's documents as a responsive grid of cards."""
    tr = Translator(lang)
    docs = list(documents)
    if not docs:
        return f"<p>{_esc(tr('latihan.no_documents'))}</p>"
    return '<div class="cards">' + "".join(document_card(d, lang) for d in docs) + "</div>"


def request_html(case: Any, lang: str = "id", shown_since: Any = None) -> str:
    """What the citizen says at the desk, with the desk's village and date.

    ``shown_since`` (the attempt's start, UTC) is shown in WIB: it stays the same across reloads.
    """
    tr = Translator(lang)
    citizen = case.citizen
    fee = ""
    if getattr(case.request, "fee_idr", 0):
        fee = f'<div class="fee">Rp {case.request.fee_idr:,}</div>'.replace(",", ".")
    desk = f"{case.village_name}, {case.district_name} · {case.today.strftime('%d-%m-%Y')}"
    if shown_since is not None:
        from sakera_toolkit.sandbox.labels import to_local

        local = to_local(shown_since)
        if local is not None:
            desk += " · " + tr("latihan.shown_since", time=local.strftime("%H:%M"))
    return (
        f'<div class="desk">{_esc(desk)}</div>'
        f'<div class="request"><div class="who">{_esc(citizen.name)} · {_esc(tr("latihan.citizen_says"))}</div>'
        f"“{_esc(case.situation(lang))}”{fee}</div>"
    )


def queue_html(entries: list[tuple[str, str, bool]], lang: str = "id") -> str:
    """The waiting line: ``(name, short request, is_current)`` per citizen."""
    tr = Translator(lang)
    if not entries:
        return f"<p>{_esc(tr('latihan.queue_empty'))}</p>"
    items = []
    for number, (name, what, current) in enumerate(entries, start=1):
        style = "background:#e3f1ec;border-color:#0b7a5e;" if current else ""
        items.append(
            f'<li style="list-style:none;border:1px solid #d5dedb;border-radius:6px;padding:5px 8px;margin:4px 0;{style}">'
            f"<b>{number}. {_esc(name)}</b><br><small>{_esc(what)}</small></li>"
        )
    return f'<ul style="padding:0;margin:0">{"".join(items)}</ul>'

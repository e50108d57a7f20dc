"""The classroom box of the trainer page: the addresses trainees type, with QR codes.

Filled from the server's settings (``context.options["trainee_urls"]``, set by ``sakera serve``);
shows nothing when the server is not reachable from the LAN. Over plain HTTP it reminds the
trainer that passwords cross the network unencrypted.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn

from ..lan import qr_svg

#: Texts of the box: key -> (Bahasa Indonesia, English).
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Alamat untuk peserta", "Address for trainees"),
    "help": ("Ketik alamat ini di peramban komputer peserta, atau pindai kodenya.",
             "Type this address in the trainees' browsers, or scan the code."),
    "plain_http": ("HTTP biasa: kata sandi terbaca di jaringan bersama. Pakai --cert/--key untuk HTTPS.",
                   "Plain HTTP: passwords can be read on a shared network. Use --cert/--key for HTTPS."),
}

BOX_CSS = """
.cls { font-size: 12.5px; } .cls .url { font-family: monospace; font-size: 13.5px; font-weight: 700; color: #0b5d4b; }
.cls .warn { background: #fff4d6; color: #6b4d00; border-radius: 5px; padding: 4px 6px; margin-top: 6px; }
.cls svg { display: block; margin: 4px 0 8px 0; }
"""


def _t(key: str, lang: str) -> str:
    indonesian, english = TEXTS[key]
    return english if lang == "en" else indonesian


def classroom_html(urls: list[str], lang: str) -> str:
    """HTML of the box for ``urls`` (empty when there are none)."""
    if not urls:
        return ""
    parts = ['<div class="cls">', f"<p>{html.escape(_t('help', lang))}</p>"]
    for url in urls:
        parts.append(f'<div class="url" data-url="{html.escape(url)}">{html.escape(url)}</div>{qr_svg(url, scale=3)}')
    if any(u.startswith("http://") for u in urls):
        parts.append(f'<div class="warn">{html.escape(_t("plain_http", lang))}</div>')
    parts.append("</div>")
    return "".join(parts)


def classroom_box(context: Any, lang: str) -> pn.Column:
    """The box as a Panel column (invisible when the server is not on the LAN)."""
    urls = list((getattr(context, "options", None) or {}).get("trainee_urls", []))
    title = pn.pane.HTML(f'<div style="font-size:15px;font-weight:700;color:#0b5d4b">{html.escape(_t("title", lang))}'
                         "</div>", margin=(12, 5, 2, 5))
    body = pn.pane.HTML(classroom_html(urls, lang), stylesheets=[BOX_CSS], margin=(0, 5),
                        sizing_mode="stretch_width", tags=["sakera-classroom"])
    return pn.Column(title, body, visible=bool(urls), margin=0, sizing_mode="stretch_width")

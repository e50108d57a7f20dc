"""Notebook HTML exports that open with no network: nothing is fetched from a CDN.

``jupyter nbconvert --to html`` leaves three kinds of remote resources in an export even when
BokehJS is embedded (``hv.extension(..., inline=True)``):

* Panel's stylesheets and its ES-module shim (``https://cdn.holoviz.org/panel/<version>/dist/...``:
  theme ``default.css``/``native.css``, ``listpanel.css``, ``loading.css``), referenced by the
  plots' models;
* nbconvert's MathJax 2 loader and require.js (cdnjs), which the lab template always adds.

:class:`OfflineHTMLExporter` is nbconvert's HTML exporter with a template that leaves out MathJax
and require.js (no notebook of the toolkit uses LaTeX; Bokeh and Panel do not need require.js) and
a post-processing step that replaces every Panel CDN URL with a ``data:`` URI of the same file from
the installed Panel package (relative ``url(...)`` inside a stylesheet inlined too). Use it as
``jupyter nbconvert --to sakera_toolkit.offline_html.OfflineHTMLExporter NOTEBOOK.ipynb`` or call
:func:`export_html`. ``tests/e2e/test_notebook_offline.py`` renders an export in Chromium with the
network blocked and requires zero external requests.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from typing import Any

from nbconvert import HTMLExporter  # type: ignore[import-untyped]  # nbconvert ships no type hints
from traitlets import default  # type: ignore[import-untyped]  # traitlets' hints are not PEP 561-marked here

__all__ = ["OfflineHTMLExporter", "inline_cdn", "export_html", "TEMPLATE_DIR"]

#: Folder of the ``sakera-offline`` nbconvert template (lab without MathJax and require.js).
TEMPLATE_DIR = Path(__file__).resolve().parent / "data" / "nbconvert"

_CDN = re.compile(r"https://cdn\.holoviz\.org/panel/[^/\"']+/dist/([^\"'\s)\\?#]+)(\?[^\"'\s)\\]*)?")
_CSS_URL = re.compile(r"url\((['\"]?)(?!data:|https?:|#)([^'\")]+)\1\)")


def _data_uri(path: Path, text: bytes | None = None) -> str:
    kind = mimetypes.guess_type(path.name)[0] or ("text/javascript" if path.suffix == ".js" else "text/css")
    if path.suffix == ".js":
        kind = "text/javascript"
    body = path.read_bytes() if text is None else text
    return f"data:{kind};base64," + base64.b64encode(body).decode("ascii")


def _css(path: Path) -> bytes:
    """A stylesheet with its relative ``url(...)`` references inlined as data URIs."""

    def one(m: re.Match[str]) -> str:
        target = (path.parent / m.group(2)).resolve()
        return f"url('{_data_uri(target)}')" if target.is_file() else m.group(0)

    return _CSS_URL.sub(one, path.read_text(encoding="utf-8")).encode("utf-8")


def inline_cdn(html: str, dist: Path | None = None) -> str:
    """``html`` with every Panel CDN URL replaced by a ``data:`` URI of the installed file.

    A URL whose file the installed Panel does not have is left as it is (the offline test then
    names it).
    """
    if dist is None:
        from panel.io.resources import DIST_DIR

        dist = Path(DIST_DIR)
    cache: dict[str, str] = {}

    def one(m: re.Match[str]) -> str:
        rel = m.group(1)
        if rel not in cache:
            path = dist / rel
            if not path.is_file():
                cache[rel] = m.group(0)
            else:
                cache[rel] = _data_uri(path, _css(path) if path.suffix == ".css" else None)
        return cache[rel]

    return _CDN.sub(one, html)


class OfflineHTMLExporter(HTMLExporter):  # type: ignore[misc]  # nbconvert is untyped
    """nbconvert's HTML exporter for exports that open without a network (see the module docstring)."""

    export_from_notebook = "HTML (offline)"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "sakera-offline"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [str(TEMPLATE_DIR)]

    def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, Any]:  # type: ignore[override]  # HTML text, as HTMLExporter returns
        """Export ``nb`` and inline Panel's CDN resources."""
        html, resources = super().from_notebook_node(nb, resources, **kw)
        return inline_cdn(html), resources


def export_html(notebook: Any, out: str | Path) -> Path:
    """Write an executed notebook (path or ``nbformat`` node) as an offline HTML file, atomically."""
    import nbformat

    from .sim._write import atomic_write

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook
    html, _ = OfflineHTMLExporter().from_notebook_node(nb)
    return atomic_write(out, lambda tmp: Path(tmp).write_text(html, encoding="utf-8"))

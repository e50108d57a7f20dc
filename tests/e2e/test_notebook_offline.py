"""An executed notebook exported to HTML renders its plots with the network blocked.

Notebook 01 (no app, no database) is executed and exported with the toolkit's offline exporter
(:class:`sakera_toolkit.offline_html.OfflineHTMLExporter`, ``jupyter nbconvert --to
sakera_toolkit.offline_html.OfflineHTMLExporter``), then opened in Chromium with every request that
is not ``file:``/``data:`` aborted. Each Bokeh figure must have drawn at least one canvas, and the
page must not have asked for **anything** from the network: without ``hv.extension(...,
inline=True)`` BokehJS comes from cdn.bokeh.org (0 canvases); with plain ``--to html`` Panel's
theme CSS comes from cdn.holoviz.org and nbconvert's MathJax and require.js from cdnjs.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01-sampang-demand.ipynb"
ARTIFACTS = ROOT / "test-artifacts"

#: JavaScript a plot cannot render without (a blocked request for one of these is a failure).
ESSENTIAL = re.compile(r"(bokeh[-\w.]*\.js|panel(\.min)?\.js)(\?|$)")

_COUNT = """() => {
  const canvases = (root) => {
    let n = 0;
    root.querySelectorAll('*').forEach((el) => {
      if (el.tagName === 'CANVAS') n += 1;
      if (el.shadowRoot) n += canvases(el.shadowRoot);
    });
    return n;
  };
  const figures = [];
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    if (el.classList && el.classList.contains('bk-Figure')) figures.push(el);
    else if (el.shadowRoot) walk(el.shadowRoot);
  });
  walk(document);
  return figures.map((f) => (f.shadowRoot ? canvases(f.shadowRoot) : 0));
}"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from nbconvert.preprocessors import ExecutePreprocessor

    from sakera_toolkit.offline_html import OfflineHTMLExporter

    out = tmp_path_factory.mktemp("nb")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    ExecutePreprocessor(timeout=900, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(out)}})
    # plots are the cells' results with a HoloViews/Bokeh payload (display_data of the extension excluded)
    plots = sum(
        1
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "execute_result"
        and {"application/vnd.holoviews_exec.v0+json", "application/vnd.bokehjs_exec.v0+json"} & set(o.get("data", {}))
    )
    html, _ = OfflineHTMLExporter().from_notebook_node(nb)
    path = out / "01-sampang-demand.html"
    path.write_text(html, encoding="utf-8")
    return path, plots


def test_exported_notebook_renders_offline(exported, page):
    path, plots = exported
    assert plots >= 4  # map, histogram, bars, weekly line
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function(f"() => ({_COUNT})().length >= {plots}", timeout=60_000)
    page.wait_for_timeout(1500)
    canvases = page.evaluate(_COUNT)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook01_offline.png"), full_page=True)
    assert len(canvases) >= plots, (canvases, blocked)
    assert all(n > 0 for n in canvases), canvases
    essential = [u for u in blocked if ESSENTIAL.search(u.split("#")[0])]
    assert not essential, f"plots needed these from the network: {essential}"
    assert blocked == [], f"the export asked the network for: {sorted(set(blocked))}"


def test_export_has_no_cdn_script_and_inline_cdn_replaces_panel_urls(exported):
    """No ``<script src=`` or stylesheet link to a CDN is left in the export (CDN constants inside the
    embedded BokehJS/Panel bundles are code, not requests: the browser test above is the real check);
    a Panel URL of another version is still inlined from the installed files (the path after
    ``dist/`` decides), and a file Panel does not have is left for the browser test to name."""
    from sakera_toolkit.offline_html import inline_cdn

    path, _ = exported
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", text)
    assert "https://cdn.holoviz.org/panel/" not in text.split("<script", 1)[0]  # head: no Panel CSS link
    raw = 'x = {"url": "https://cdn.holoviz.org/panel/9.9.9/dist/css/loading.css?v=9.9.9"}'
    inlined = inline_cdn(raw)
    assert "cdn.holoviz.org" not in inlined and "data:text/css;base64," in inlined
    assert (
        inline_cdn("https://cdn.holoviz.org/panel/1.0/dist/no/such.css")
        == "https://cdn.holoviz.org/panel/1.0/dist/no/such.css"
    )

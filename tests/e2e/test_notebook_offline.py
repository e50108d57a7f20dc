"""An executed notebook exported to HTML renders its plots with the network blocked.

Notebook 01 (no app, no database) is executed and exported with nbconvert, then opened in
Chromium with every request that is not ``file:``/``data:`` aborted. Each Bokeh figure must have
drawn at least one canvas, and no JavaScript needed to draw (BokehJS, Panel) may have been asked
for from a CDN. Without ``hv.extension(..., inline=True)`` the export loads BokehJS from
cdn.bokeh.org and stays blank offline (0 canvases).
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
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import ExecutePreprocessor

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
    html, _ = HTMLExporter().from_notebook_node(nb)
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

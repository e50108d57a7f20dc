"""Photograph one notebook chart: run the code cells up to ``CELL`` and save that cell's result as PNG.

Usage (from a checkout, with the toolkit importable)::

    PYTHONPATH=$PWD python docs/img/charts/render_cell.py notebooks/02-rollout-scenarios.ipynb 10 out.png

The chart is saved as HTML with inline BokehJS and photographed in Debian's Chromium (Playwright)
with every request that is not a local file blocked, so what you see is what an offline reader sees.
This is how the before/after pictures in docs/bad-input.md were made.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import holoviews as hv
from bokeh.resources import INLINE
from IPython.core.interactiveshell import InteractiveShell
from playwright.sync_api import Route, sync_playwright


def run_to_cell(notebook: Path, target: int) -> object:
    """Execute the notebook's code cells ``0..target`` in one IPython shell; the last cell's result."""
    shell = InteractiveShell.instance()
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    result = None
    for index, cell in enumerate(cells[: target + 1]):
        if cell["cell_type"] != "code":
            continue
        outcome = shell.run_cell("".join(cell["source"]), silent=index != target)
        if outcome.error_before_exec or outcome.error_in_exec:
            raise SystemExit(f"{notebook}: cell {index} failed: {outcome.error_before_exec or outcome.error_in_exec}")
        result = outcome.result
    return result


def photograph(obj: object, out: Path) -> None:
    """Save ``obj`` as inline-resource HTML next to ``out`` and screenshot it offline."""
    html = out.with_suffix(".html")
    hv.save(obj, str(html), backend="bokeh", resources=INLINE)

    def local_only(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route("**/*", local_only)
        page.goto(html.as_uri())
        page.wait_for_timeout(2500)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


if __name__ == "__main__":
    nb, cell, target_png = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    photograph(run_to_cell(nb, cell), target_png)
    print(f"saved {target_png}")

"""Checks on the analysts' notebooks themselves (running them is nbval's job: see pyproject addopts).

Notebooks are numbered, small, stored without big outputs, offline (no tile servers) and only
compose the package: logic is imported from ``sakera_toolkit``, not defined in the notebook.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAME = re.compile(r"^(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*\.ipynb$")
EXPECTED = [
    "01-sampang-demand.ipynb",
    "02-rollout-scenarios.ipynb",
    "03-staffing-and-resilience.ipynb",
    "04-model-validation.ipynb",
    "05-rollout-plan.ipynb",
    "06-central-server.ipynb",
]
MAX_BYTES = 1_000_000
MAX_OUTPUT_BYTES = 50_000  # stored outputs: none, or a few small ones
MAX_FUNCTION_LINES = 20
MAX_FUNCTIONS = 2
TILE_MARKERS = ("tiles=", "tile_sources", "OSM(", "EsriImagery", "CartoLight", "WMTS", "{z}/{x}/{y}")

paths = sorted(NOTEBOOKS.glob("*.ipynb"))


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _module(nb) -> ast.Module:
    return ast.parse("\n\n".join(_code(nb)))


def test_expected_notebooks_present_and_numbered():
    names = [p.name for p in paths]
    assert names == EXPECTED
    numbers = [int(NAME.match(n).group(1)) for n in names]
    assert numbers == list(range(1, len(names) + 1))


@pytest.mark.parametrize("path", paths, ids=lambda p: p.name)
def test_notebook_is_valid_small_and_stripped(path):
    assert NAME.match(path.name)
    assert path.stat().st_size < MAX_BYTES
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    out_bytes = sum(len(str(o)) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert out_bytes < MAX_OUTPUT_BYTES


@pytest.mark.parametrize("path", paths, ids=lambda p: p.name)
def test_notebook_starts_with_numbered_heading(path):
    nb = _read(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# {path.name[:2]} · ")
    headings = [
        line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines() if line.startswith("## ")
    ]
    assert headings and headings[0].startswith("## 1. ")


@pytest.mark.parametrize("path", paths, ids=lambda p: p.name)
def test_notebook_composes_the_package(path):
    tree = _module(_read(path))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
    assert "sakera_toolkit" in imported
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    top_level = [n for n in functions if n in tree.body]
    assert len(top_level) <= MAX_FUNCTIONS, [f.name for f in top_level]
    for f in top_level:
        assert f.end_lineno - f.lineno + 1 <= MAX_FUNCTION_LINES, f"{path.name}: {f.name} is too long for a notebook"
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]


@pytest.mark.parametrize("path", paths, ids=lambda p: p.name)
def test_notebook_is_offline_and_parameterised(path):
    nb = _read(path)
    source = "\n".join(_code(nb))
    for marker in TILE_MARKERS:
        assert marker not in source, f"{path.name} uses a tile server ({marker})"
    tree = _module(nb)
    assigned = {
        t.id: n.value for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
    }
    simulates = any(word in source for word in ("sim.run(", "compare(", "sweep(", ".simulate(", "validate.validate("))
    if simulates:
        # a visible, small default that analysts can raise
        knob = assigned.get("REPLICATIONS") or assigned.get("SEEDS")
        assert isinstance(knob, ast.Constant) and 1 <= knob.value <= 10, (
            f"{path.name}: needs REPLICATIONS = <small int>"
        )
    assert "SEED" in assigned, f"{path.name}: needs a SEED parameter"


def test_readme_lists_every_notebook():
    text = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for p in paths:
        assert p.name in text


def test_plain_pytest_collects_notebooks():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "notebooks" in cfg["testpaths"]
    assert "--nbval-lax" in cfg["addopts"].split()
    assert "--nbval-current-env" in cfg["addopts"].split()


@pytest.mark.parametrize("path", paths, ids=lambda p: p.name)
def test_notebook_loads_bokehjs_inline_before_hvplot(path):
    """``hv.extension(..., inline=True)`` must run before ``import hvplot.pandas``: hvplot loads the
    extension itself on import, and a later inline call no longer embeds BokehJS (the HTML export
    then needs cdn.bokeh.org and is blank offline)."""
    source = "\n".join(_code(_read(path)))
    ext = re.search(r"hv\.extension\((.*)\)", source)
    assert ext and "inline=True" in ext.group(1), f"{path.name}: hv.extension(..., inline=True) missing"
    hvplot = source.find("import hvplot")
    assert hvplot == -1 or ext.start() < hvplot, f"{path.name}: hv.extension must come before import hvplot"

"""Every notebook's imports are installed by the extras the README's notebook command names.

Nothing is installed: the notebooks' import statements are parsed, each top-level module is mapped
to the distribution that provides it (``importlib.metadata`` of this environment), and that
distribution must be required, directly or through the requirements of what is required, by the
core dependencies plus the extras in the README's ``pip install -e ".[...]"`` line of the
"For analysts: notebooks" section. Notebook 04 imports ``simpy``, which only ``dev`` installed.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SECTION = "## For analysts: notebooks"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _readme_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the notebooks section has no bash command"
    return block.group(1).strip()


def _readme_extras() -> list[str]:
    m = re.search(r'pip install -e "\.\[([a-z,]+)\]"', _readme_command())
    assert m, "the notebook command installs the package with extras"
    return m.group(1).split(",")


def _notebook_modules(path: Path) -> set[str]:
    nb = nbformat.read(path, as_version=4)
    source = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code")
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m != "sakera_toolkit"}


def _requirements(dist: str) -> set[str]:
    """Direct requirements of an installed distribution (not its optional extras; markers applied)."""
    out = set()
    for line in metadata.requires(dist) or []:
        req = Requirement(line)
        if req.marker is not None and ("extra" in str(req.marker) or not req.marker.evaluate()):
            continue
        out.add(_norm(req.name))
    return out


def _closure(names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            todo.extend(_requirements(name) - seen)
        except metadata.PackageNotFoundError:
            continue
    return seen


def _covered_by(extras: list[str]) -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = {_norm(Requirement(r).name) for r in meta["dependencies"]}
    for extra in extras:
        direct |= {_norm(Requirement(r).name) for r in meta["optional-dependencies"][extra]}
    return _closure(direct)


def test_readme_command_works_on_a_fresh_clone():
    """The command creates the virtual environment it then uses (not only the Quickstart's)."""
    cmd = _readme_command()
    assert cmd.startswith("python3 -m venv .venv && "), cmd
    assert ".venv/bin/jupyter lab notebooks/" in cmd


def test_readme_extras_exist():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(_readme_extras()) <= set(meta["optional-dependencies"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_are_covered_by_the_readme_extras(path):
    covered = _covered_by(_readme_extras())
    providers = metadata.packages_distributions()
    missing = {}
    for module in sorted(_notebook_modules(path)):
        dists = {_norm(d) for d in providers.get(module, [])}
        assert dists, f"{path.name}: no installed distribution provides {module!r}"
        if not dists & covered:
            missing[module] = sorted(dists)
    assert not missing, f"{path.name} imports {missing}, not installed by .[{','.join(_readme_extras())}]"


def test_the_check_would_catch_simpy_outside_the_extra():
    """Without the notebooks extra, notebook 04's simpy is not covered (the check can fail)."""
    covered = _covered_by([])
    assert "simpy" not in covered
    assert "simpy" in _covered_by(["notebooks"])

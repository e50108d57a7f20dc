"""The two dependency lists (pyproject.toml and environment.yml) agree, and the package data ships."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPLIT = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for _extra, items in meta["optional-dependencies"].items():
        reqs += [r for r in items if not r.startswith("sakera-toolkit")]
    out: dict[str, str] = {}
    for req in reqs:
        name, extras, spec = SPLIT.match(req).groups()
        out[_norm(name)] = spec.strip()
        # dask[distributed] is two conda packages
        if _norm(name) == "dask" and extras and "distributed" in extras:
            out["distributed"] = spec.strip()
    return out


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        if (
            not isinstance(dep, str)
            or dep.startswith(("python", "pip"))
            and _norm(SPLIT.match(dep).group(1)) in {"python", "pip"}
        ):
            continue
        name, _extras, spec = SPLIT.match(dep).groups()
        out[_norm(name)] = spec.strip()
    return out


def test_environment_yml_matches_pyproject():
    py = _pyproject_requirements()
    conda = _conda_requirements()
    assert sorted(set(py) - set(conda)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(conda) - set(py)) == [], "in environment.yml but not pyproject.toml"
    differing = {k: (py[k], conda[k]) for k in py if py[k] != conda[k]}
    assert differing == {}, "version bounds differ (pyproject, environment.yml)"


def test_all_extra_covers_every_extra():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = set(meta["optional-dependencies"]) - {"all"}
    all_line = meta["optional-dependencies"]["all"][0]
    assert set(all_line.split("[", 1)[1].rstrip("]").split(",")) == extras


def test_readme_quickstart_and_ci_agree():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```(?:bash|sh)\n(.*?)\n```", block, flags=re.S)
    assert len(commands) == 2, "Quickstart must hold exactly two commands"
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1].strip() in ci, ".ci/run must run the README test command verbatim"


def test_package_data_and_attribution_present():
    data = ROOT / "sakera_toolkit" / "data"
    for name in ("sampang_villages.csv", "sampang_districts.csv", "indonesia_districts.csv", "ATTRIBUTION.md"):
        assert (data / name).exists(), name
    attribution = (data / "ATTRIBUTION.md").read_text()
    assert "ODbL" in attribution and "MIT" in attribution

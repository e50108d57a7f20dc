"""Rollout scenarios: validated declarative descriptions, presets, comparison, sweeps and planning.

>>> from sakera_toolkit import scenarios
>>> scenarios.list_presets()[:2]
['all-2022', 'blanko-shortage']
>>> s = scenarios.load("oct-2021")
>>> len(s.go_live_dates())
26

``compare``, ``sweep`` and ``plan`` are imported lazily (they pull in scipy and Dask).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import SakeraInputError
from .spec import Scenario, set_path

__all__ = ["Scenario", "load", "list_presets", "presets_table", "preset_path", "set_path"]


def _preset_dir():
    return resources.files("sakera_toolkit") / "scenarios" / "presets"


def list_presets() -> list[str]:
    """Names of the scenarios shipped with the package, sorted."""
    return sorted(p.name[:-5] for p in _preset_dir().iterdir() if p.name.endswith(".yaml"))


def preset_path(name: str) -> Path:
    """File of the preset ``name``."""
    if name not in list_presets():
        raise SakeraInputError(f"unknown scenario {name!r}; presets: {', '.join(list_presets())} (or give a YAML path)")
    return Path(str(_preset_dir() / f"{name}.yaml"))


def load(name_or_path: str | Path | Scenario) -> Scenario:
    """A preset by name (``oct-2021``) or a scenario YAML file by path, validated."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = str(name_or_path)
    if text in list_presets():
        return Scenario.from_yaml(preset_path(text))
    p = Path(text)
    if p.suffix.lower() in (".yaml", ".yml") or p.exists() or "/" in text:
        return Scenario.from_yaml(p)
    raise SakeraInputError(f"unknown scenario {text!r}; presets: {', '.join(list_presets())} (or give a YAML path)")


def presets_table() -> pd.DataFrame:
    """One row per preset: name, horizon, phases, villages live, outages, descriptions (id, en)."""
    return pd.DataFrame([load(name).summary() for name in list_presets()])

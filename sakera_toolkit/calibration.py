"""Calibration parameters with their sources.

Every default number the toolkit uses lives in a YAML file under ``sakera_toolkit/data/calibration/``.
Each entry is a mapping with a ``value`` and a ``source``; the source is a citation (as given in the
project's research notes) or starts with the word ``assumption``. :func:`load` validates that
contract, so a number without a provenance cannot enter the model.

Example entry::

    circuity_factor:
      value: 1.4
      source: "assumption: road/straight-line ratio, middle of the 1.3-1.5 range ..."
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ._io import read_yaml
from .errors import SakeraInputError

__all__ = ["Calibration", "load", "override", "load_raw", "available"]


@dataclass(frozen=True)
class Calibration:
    """A validated calibration file: values and their sources, keyed by parameter name."""

    name: str
    values: dict[str, Any]
    sources: dict[str, str]
    units: dict[str, str]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        """Value of ``key``, or ``default`` when absent."""
        return self.values.get(key, default)

    def table(self):
        """Return the parameters as a DataFrame (name, value, unit, source)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {"name": k, "value": v, "unit": self.units.get(k, ""), "source": self.sources[k]}
                for k, v in self.values.items()
            ]
        )


def _parse(name: str, raw: Any, origin: str) -> Calibration:
    if not isinstance(raw, dict):
        raise SakeraInputError("calibration file must be a mapping of parameters", source=origin)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    units: dict[str, str] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
            raise SakeraInputError(
                "each parameter needs 'value' and 'source' (a citation or 'assumption: ...')",
                source=origin,
                location=str(key),
            )
        source = str(entry["source"]).strip()
        if not source:
            raise SakeraInputError("empty source", source=origin, location=str(key))
        values[str(key)] = entry["value"]
        sources[str(key)] = source
        if "unit" in entry:
            units[str(key)] = str(entry["unit"])
    return Calibration(name=name, values=values, sources=sources, units=units)


@cache
def _load_packaged(name: str) -> Calibration:
    ref = resources.files("sakera_toolkit") / "data" / "calibration" / f"{name}.yaml"
    try:
        text = ref.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SakeraInputError(f"no packaged calibration named {name!r}; have {available()}") from None
    return _parse(name, yaml.safe_load(text), f"calibration/{name}.yaml")


def override(base: Calibration, raw: Any, origin: str) -> Calibration:
    """``base`` with the entries of ``raw`` (a mapping of ``{value, source}``) replacing its own.

    Raises
    ------
    SakeraInputError
        If an entry lacks ``value``/``source`` or names a parameter ``base`` does not have.
    """
    user = _parse(base.name, raw, origin)
    unknown = sorted(set(user.values) - set(base.values))
    if unknown:
        raise SakeraInputError(f"unknown parameter(s) {unknown}", source=origin, location=unknown[0])
    return Calibration(
        name=base.name,
        values={**base.values, **user.values},
        sources={**base.sources, **user.sources},
        units={**base.units, **user.units},
    )


def load_raw(path: str | Path) -> Any:
    """The parsed YAML of a user calibration file (validated by :func:`override`)."""
    return read_yaml(Path(path))


def load(name: str, path: str | Path | None = None) -> Calibration:
    """Load a calibration file.

    Parameters
    ----------
    name
        Name of a packaged file (``registry``, ``demand``, ``flow`` ...).
    path
        Optional user file with the same structure; its entries override the packaged ones.
    """
    base = _load_packaged(name)
    if path is None:
        return base
    p = Path(path)
    return override(base, read_yaml(p), str(p))


def available() -> list[str]:
    """Names of the packaged calibration files."""
    folder = resources.files("sakera_toolkit") / "data" / "calibration"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))

"""Shared ``--regency``, ``--population-csv`` and ``--road-distance-csv`` flags.

Every command that reads villages, populations or travel takes the same three flags; they mean the
same as the ``data:`` section of a scenario YAML (``regency``, ``population_csv``,
``road_distance_csv``), and a flag replaces the scenario's value. :func:`regency_from` gives the
:class:`~sakera_toolkit.regency.Regency` for commands without a scenario; :func:`data_overrides`
gives the dotted scenario paths for commands that load scenarios; :func:`header` is the line a run
prints about the data it used.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..regency import Regency, resolve

__all__ = ["add_data_arguments", "regency_from", "data_overrides", "header"]

#: flag attribute -> scenario YAML path
KEYS = {
    "regency": "data.regency",
    "population_csv": "data.population_csv",
    "road_distance_csv": "data.road_distance_csv",
}


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """Add the three data flags to ``p``."""
    g = p.add_argument_group("data (same keys as a scenario's data: section)")
    g.add_argument(
        "--regency",
        metavar="DIR",
        help="regency pack folder or its regency.yaml (default: built-in Kabupaten Sampang); see `sakera regency init`",
    )
    g.add_argument("--population-csv", metavar="FILE", help="CSV village_code,population with real per-village figures")
    g.add_argument(
        "--road-distance-csv",
        metavar="FILE",
        help="CSV village_code,point,road_km (point: office|mpp|kecamatan) replacing the circuity estimate",
    )


def regency_from(args: argparse.Namespace) -> Regency:
    """The regency the flags ask for (built-in Sampang when none is given)."""
    return resolve(
        getattr(args, "regency", None), getattr(args, "population_csv", None), getattr(args, "road_distance_csv", None)
    )


def data_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """``{"data.regency": DIR, ...}`` for the flags given (absolute paths), to apply to scenarios."""
    from pathlib import Path

    out: dict[str, Any] = {}
    for attr, path in KEYS.items():
        value = getattr(args, attr, None)
        if value is not None:
            out[path] = str(Path(value).resolve())
    return out


def header(regency: Regency) -> str:
    """``data: regency 35.27 Kabupaten Sampang (built-in); population: ...; road distances: ...``."""
    return f"data: {regency.describe()}"

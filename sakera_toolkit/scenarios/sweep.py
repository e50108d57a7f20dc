"""Parameter sweeps over a scenario on Dask distributed, resumable.

A sweep varies dotted scenario paths (``staff.office_verifiers=8,10,12``) over their Cartesian
product. Each combination is one **cell**: the scenario with those values, simulated for all
replications with the sweep's seed (so every cell sees the same demand streams: common random
numbers, and replication *r* of a cell equals replication *r* of ``sakera compare`` with the
same seed).

Cells run on a Dask cluster: a ``LocalCluster`` with ``workers`` processes by default, or an
existing cluster given by its scheduler address (``tcp://host:8786``) to go beyond one machine.
``workers=0`` runs the cells in this process without Dask (debugging).

Resumable: every finished cell is written at once as one parquet part in ``<out>.parts/`` (by the
client, so workers need no shared disk), named by a hash of the scenario, the values, the
replications and the seed. A rerun skips the cells whose part exists; the tidy table at ``out``
is assembled from the parts of the current grid at the end.

Output columns: ``run_id`` (cell number in grid order), ``cell`` (its hash), ``scenario``,
``replication``, ``seed``, one column per varied path, then the engine's KPI columns.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import SakeraInputError
from .spec import Scenario

__all__ = ["parse_vary", "grid", "cell_key", "run_cell", "run_params", "sweep", "SweepResult", "parts_dir", "warm_up"]


def parse_vary(items: Sequence[str]) -> dict[str, list[Any]]:
    """``["staff.office_verifiers=8,10", ...]`` -> ``{"staff.office_verifiers": [8, 10]}``.

    Each value is read as YAML (``3`` is a number, ``2022-07-01`` a date, ``true`` a boolean).
    """
    out: dict[str, list[Any]] = {}
    for item in items:
        if "=" not in item:
            raise SakeraInputError(f"{item!r} must be PATH=V1,V2,...", location="--vary")
        path, _, values = item.partition("=")
        path = path.strip()
        if not path:
            raise SakeraInputError(f"{item!r} has an empty PATH", location="--vary")
        if path in out:
            raise SakeraInputError(f"path {path!r} is varied twice", location="--vary")
        parsed = []
        for text in values.split(","):
            text = text.strip()
            if not text:
                raise SakeraInputError(f"{item!r} has an empty value", location="--vary")
            try:
                parsed.append(yaml.safe_load(text))
            except yaml.YAMLError:
                parsed.append(text)
        if len({json.dumps(v, default=str) for v in parsed}) != len(parsed):
            raise SakeraInputError(f"{item!r} repeats a value", location="--vary")
        out[path] = parsed
    return out


def grid(vary: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of the varied values, first path slowest; ``[{}]`` when nothing varies."""
    paths = list(vary)
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(vary[p] for p in paths))]


def _fingerprint(scenario: Scenario) -> str:
    text = json.dumps(scenario.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cell_key(scenario_fingerprint: str, values: dict[str, Any], replications: int, seed: int) -> str:
    """Stable identifier of a cell (16 hex digits)."""
    text = json.dumps(
        {"s": scenario_fingerprint, "v": values, "r": replications, "seed": seed}, sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parts_dir(out: str | Path) -> Path:
    """Folder holding one parquet part per finished cell for the sweep written to ``out``."""
    return Path(str(out) + ".parts")


def run_params(
    flow_kwargs: dict[str, Any], scenario_name: str, replications: int, seed: int, runner: Callable | None = None
) -> pd.DataFrame:
    """Simulate resolved engine parameters (what a Dask worker runs); same table as :func:`run_cell`."""
    from ..sim import FlowParams
    from .compare import _engine_run

    simulate = runner if runner is not None else _engine_run()
    result = simulate(FlowParams(**flow_kwargs), seed=seed, replications=replications, progress=False)
    kpis = result.kpis.copy()
    if "replication" not in kpis.columns:
        kpis.insert(0, "replication", range(len(kpis)))
    kpis.insert(0, "scenario", scenario_name)
    return kpis.reset_index(drop=True)


def run_cell(
    scenario: Scenario, values: dict[str, Any], replications: int, seed: int, runner: Callable | None = None
) -> pd.DataFrame:
    """Simulate one cell: ``scenario`` with ``values`` set, all replications, per-replication KPIs."""
    from .compare import simulate_kpis

    return simulate_kpis(scenario, replications, seed, overrides=values, runner=runner)


def _validated_cells(base: Scenario, vary: dict[str, list[Any]], cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Engine parameters of every cell, validated before any work starts (errors name the path and value).

    The full engine validation runs once per varied value (``sum`` of the value counts, not their
    product); each cell then only goes through the scenario rules (which include the cross-field
    ones such as warm-up < days) and the resolution of its parameters, whose rollout is resolved
    once and cached. Workers receive engine parameters, so they need no scenario files.
    """
    from ..sim import FlowParams

    for path, values in vary.items():
        for value in values:
            try:
                FlowParams(**base.with_values({path: value}).flow_kwargs())
            except SakeraInputError as exc:
                raise SakeraInputError(f"{path}={value!r}: {exc}", location="--vary") from None
    out: list[dict[str, Any]] = []
    for cell in cells:
        try:
            out.append(base.with_values(cell).flow_kwargs())
        except SakeraInputError as exc:
            raise SakeraInputError(f"{cell}: {exc}", location="--vary") from None
    return out


def warm_up(scenario: Scenario | str = "oct-2021") -> bool:
    """Run a two-day simulation so that a fresh worker process has imported and compiled the engine."""
    run_cell(
        scenario
        if isinstance(scenario, Scenario)
        else __import__("sakera_toolkit.scenarios", fromlist=["load"]).load(scenario),
        {"horizon.days": 3, "horizon.warmup_days": 1},
        1,
        0,
    )
    return True


@dataclass
class SweepResult:
    """Tidy results of a sweep and what happened while running it."""

    frame: pd.DataFrame
    cells: int
    ran: int
    skipped: int
    out: Path | None
    seconds: float
    varied: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts, output path and time (JSON-ready)."""
        return {
            "cells": self.cells,
            "ran": self.ran,
            "skipped": self.skipped,
            "rows": int(len(self.frame)),
            "out": str(self.out) if self.out else None,
            "seconds": round(self.seconds, 2),
            "varied": self.varied,
        }

    def tornado(self, kpi: str) -> pd.DataFrame:
        """Per varied path: the KPI mean at its lowest and highest value (for a tornado chart)."""
        rows = []
        for path in self.varied:
            means = self.frame.groupby(path, sort=True)[kpi].mean()
            rows.append(
                {
                    "parameter": path,
                    "low_value": means.index[0],
                    "high_value": means.index[-1],
                    "kpi_at_low": means.iloc[0],
                    "kpi_at_high": means.iloc[-1],
                }
            )
        out = pd.DataFrame(rows)
        if len(out):
            out["swing"] = (out["kpi_at_high"] - out["kpi_at_low"]).abs()
            out = out.sort_values("swing", ascending=False, ignore_index=True)
        return out


def _write_part(folder: Path, key: str, frame: pd.DataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, folder / f"{key}.parquet")  # atomic: a part exists only when complete


def _tidy(frame: pd.DataFrame, run_id: int, key: str, values: dict[str, Any], seed: int) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "run_id", run_id)
    frame.insert(1, "cell", key)
    if "seed" not in frame.columns:
        frame.insert(list(frame.columns).index("replication") + 1, "seed", seed)
    pos = list(frame.columns).index("seed") + 1
    for i, (path, value) in enumerate(values.items()):
        frame.insert(pos + i, path, value if isinstance(value, (int, float, bool, str)) else str(value))
    return frame


def sweep(
    scenario: Scenario | str,
    vary: dict[str, list[Any]] | Sequence[str],
    replications: int = 5,
    seed: int = 0,
    out: str | Path | None = None,
    workers: int = 2,
    scheduler: str | None = None,
    progress: bool = True,
    max_cells: int | None = None,
    runner: Callable | None = None,
    client: Any = None,
) -> SweepResult:
    """Run the grid of ``vary`` over ``scenario``; see the module docstring.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, preset name or YAML path.
    vary
        ``{path: [values]}`` or ``["PATH=V1,V2", ...]``.
    replications, seed
        Per cell; the same seed in every cell (common random numbers).
    out
        Parquet file for the tidy table; its ``.parts`` folder makes the sweep resumable. Without
        ``out`` nothing is written and nothing can be resumed.
    workers
        Worker processes of the LocalCluster (``0``: run in this process without Dask).
    scheduler
        Address of an existing Dask scheduler; ``workers`` is then ignored.
    progress
        Progress bar on stderr.
    max_cells
        Run at most this many of the pending cells, then stop (the rest is left for a rerun).
    runner
        Alternative to ``sakera_toolkit.sim.run`` (must be importable on the workers).
    client
        An existing ``dask.distributed.Client`` to use (kept open), e.g. from a notebook.
    """
    from . import load

    t0 = time.perf_counter()
    base = load(scenario)
    if not isinstance(vary, dict):
        vary = parse_vary(list(vary))
    if replications < 1:
        raise SakeraInputError(f"replications must be >= 1, got {replications}", location="--replications")
    if workers < 0:
        raise SakeraInputError(f"workers must be >= 0, got {workers}", location="--workers")
    cells = grid(vary)
    cell_params = _validated_cells(base, vary, cells)
    fp = _fingerprint(base)
    keys = [cell_key(fp, values, replications, seed) for values in cells]
    folder = parts_dir(out) if out is not None else None
    done: set[str] = set()
    if folder is not None and folder.exists():
        for stale in folder.glob(".*.tmp"):  # left by a sweep killed while writing a part
            stale.unlink(missing_ok=True)
        done = {p.stem for p in folder.glob("*.parquet")}
    pending = [i for i, k in enumerate(keys) if k not in done]
    skipped = len(cells) - len(pending)
    if max_cells is not None:
        pending = pending[: max(0, int(max_cells))]
    results: dict[int, pd.DataFrame] = {}

    bar = None
    if progress and pending:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]  # no type hints published for this package

        bar = tqdm(total=len(pending), desc="sweep cells", unit="cell", file=sys.stderr)

    def finished(i: int, frame: pd.DataFrame) -> None:
        tidy = _tidy(frame, i, keys[i], cells[i], seed)
        if folder is not None:
            _write_part(folder, keys[i], tidy)
        results[i] = tidy
        if bar is not None:
            bar.update(1)

    try:
        if pending and workers == 0 and scheduler is None and client is None:
            for i in pending:
                finished(i, run_params(cell_params[i], base.name, replications, seed, runner))
        elif pending:
            _run_on_dask(
                base.name, cell_params, pending, replications, seed, workers, scheduler, runner, finished, client
            )
    finally:
        if bar is not None:
            bar.close()

    frames = []
    for i, key in enumerate(keys):
        if i in results:
            frames.append(results[i])
        elif folder is not None and (folder / f"{key}.parquet").exists():
            frames.append(pd.read_parquet(folder / f"{key}.parquet"))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(table):
        table = table.sort_values(["run_id", "replication"], ignore_index=True)
    out_path = None
    if out is not None and len(frames) == len(cells):
        out_path = Path(out)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        from .._io import atomic_write

        atomic_write(out_path, lambda tmp: table.to_parquet(tmp, index=False))
    return SweepResult(
        frame=table,
        cells=len(cells),
        ran=len(results),
        skipped=skipped,
        out=out_path,
        seconds=time.perf_counter() - t0,
        varied=list(vary),
    )


def _run_on_dask(
    name, cell_params, pending, replications, seed, workers, scheduler, runner, finished, client=None
) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    own_client = client is None
    if client is None and scheduler is None:
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        client = Client(cluster)
    elif client is None:
        try:
            client = Client(scheduler, timeout=30)
        except OSError as exc:
            raise SakeraInputError(f"cannot reach the Dask scheduler ({exc})", location="--scheduler") from None
    try:
        futures = {}
        for i in pending:
            fut = client.submit(
                run_params,
                cell_params[i],
                name,
                replications,
                seed,
                runner,
                pure=False,
                key=f"sakera-cell-{i}-{time.time_ns()}",
            )
            futures[fut] = i
        for fut in as_completed(futures):
            finished(futures[fut], fut.result())
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()

"""Long evidence computations run in a worker process, so an app's event loop stays free.

A served app hands these functions to :func:`pool` (one spawned worker process, shared by every
session of the server): a class of trainees clicking through their cases is not slowed by an
analyst's 10-replication scenario, because the simulation runs in another process. The worker is
scheduled as a batch job (``SCHED_BATCH``: it never preempts the server or the case workers when
they wake up to answer a trainee) at a slightly lower priority (``nice`` +:data:`WORKER_NICENESS`),
but not so low that any other busy process on a 2-core laptop starves it: at ``nice`` +10 it got
about a tenth of a core whenever something else ran, and the analyst's run took 3-4 times longer
(``benchmarks/bench_app_mixed.py``). There is always exactly one worker, idle or loaded, so the
analyst's run has the same configuration whoever else is working. Results are cached per
scenario + seed + settings (:func:`cached`). No Panel import here: the worker only loads the
toolkit.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from .._workers import WorkerPool

__all__ = [
    "pool",
    "shutdown",
    "cached",
    "cache_key",
    "scenario_kpis",
    "evidence_run",
    "report_html",
    "CACHE_SIZE",
    "WORKER_NICENESS",
]

#: Results kept per server (least recently used dropped first).
CACHE_SIZE = 16

_lock = threading.Lock()
_cache: OrderedDict[Hashable, Any] = OrderedDict()


#: ``nice`` increment of the worker (environment ``SAKERA_EVIDENCE_NICE`` overrides it, 0..19).
#: +2 is a CPU weight of 655 against 1024 for the server: trainees first, the analyst not starved.
WORKER_NICENESS = 2


def niceness() -> int:
    """The worker's ``nice`` increment: ``SAKERA_EVIDENCE_NICE`` if set (0..19), else :data:`WORKER_NICENESS`."""
    raw = os.environ.get("SAKERA_EVIDENCE_NICE", "")
    try:
        value = int(raw) if raw.strip() else WORKER_NICENESS
    except ValueError:
        value = WORKER_NICENESS
    return min(max(value, 0), 19)


def _lower_priority(increment: int) -> None:
    """Worker set-up: batch scheduling and ``nice`` + ``increment`` (trainees' sessions first)."""
    try:
        os.nice(increment)
    except (AttributeError, OSError):  # pragma: no cover - not on POSIX, or not permitted
        pass
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_BATCH"):
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
        except OSError:  # pragma: no cover - not permitted
            pass


_POOL = WorkerPool(1, setup=_lower_priority, setup_args=lambda: (niceness(),))


def pool() -> ProcessPoolExecutor:
    """The server's single worker process (spawned on first use, batch-scheduled, ``nice`` +2)."""
    return _POOL.get()


def shutdown() -> None:
    """Stop the worker process (at server shutdown); running jobs are abandoned."""
    _POOL.shutdown()


def cache_key(*parts: Any) -> str:
    """A stable key from JSON-able parts (scenario YAML text, seed, settings)."""
    return json.dumps(parts, sort_keys=True, default=str)


def cached(key: Hashable, compute: Callable[[], Any] | None = None) -> Any:
    """The cached value of ``key``; with ``compute``, store its result when missing. None if absent."""
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    if compute is None:
        return None
    value = compute()
    store(key, value)
    return value


def store(key: Hashable, value: Any) -> None:
    """Put ``value`` into the cache."""
    with _lock:
        _cache[key] = value
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def scenario_kpis(scenario_yaml: str, replications: int, seed: int) -> pd.DataFrame:
    """Per-replication KPIs of one scenario (as ``scenarios.compare`` computes them)."""
    from ..scenarios import Scenario
    from ..scenarios.compare import simulate_kpis

    return simulate_kpis(Scenario.from_yaml_text(scenario_yaml), replications, seed)


def evidence_run(scenario_yaml: str, baseline_yaml: str, replications: int, seed: int) -> Any:
    """An :class:`~sakera_toolkit.evidence.run.EvidenceRun` of two scenarios given as YAML text."""
    from ..scenarios import Scenario
    from .run import run_evidence

    return run_evidence(
        Scenario.from_yaml_text(scenario_yaml), Scenario.from_yaml_text(baseline_yaml), replications, seed
    )


def report_html(evidence: Any, lang: str, survey_path: str | None = None) -> str:
    """The report of a finished evidence run (quick model validation: 2 seeds, 20,000 customers)."""
    from .report import build_report

    settings = {"seeds": 2, "customers": 20_000, "regency_seeds": 2, "regency_days": 60}
    return build_report(evidence=evidence, survey=survey_path, lang=lang, validation_settings=settings).html


def evidence_bundle(scenario_yaml: str, baseline_yaml: str, replications: int, seed: int, lang: str) -> dict[str, Any]:
    """An evidence run plus the app's figures (SVG) and tables, all made in the worker.

    ``server`` is :func:`sakera_toolkit.evidence.server.server_view` (None when no scenario has the
    central-server stage), with its charts in ``svg["server_hourly"]`` and ``svg["server_utilisation"]``;
    ``coverage`` is :func:`sakera_toolkit.evidence.kpis.coverage_table` (empty without ``coverage:``).
    """
    from . import charts, costs, kpis, server

    ev = evidence_run(scenario_yaml, baseline_yaml, replications, seed)
    ba = kpis.before_after(ev, lang)
    relief = kpis.office_relief(ev, lang)
    rows = ba[ba["kpi"].isin(["turnaround_median_days", "share_within_sla", "outside_trips", "travel_hours"])].copy()
    rows["scale"] = [100.0 if u == "%" else 1.0 for u in rows["unit"]]
    chart = charts.before_after_chart(
        pd.concat([rows, relief.assign(unit="", scale=1.0)], ignore_index=True), ev.baseline, ev.scenario
    )
    per_village = kpis.savings_by_area(ev, "village", lang).set_index("code")
    live = ev.scenarios[ev.scenario].village_frame().set_index("village_code")["go_live_date"].notna()
    en = lang == "en"
    live_map = charts.map_svg(
        live.map({True: "live" if en else "melayani", False: "not live" if en else "belum"}).astype("category"),
        ("Villages serving adminduk: " if en else "Desa yang melayani adminduk: ") + ev.scenario,
        "village desk" if en else "layanan desa",
        lang,
        categorical=True,
    )
    saved_map = charts.map_svg(
        per_village["hours_saved_per_request"],
        ("Travel hours saved per request vs " if en else "Jam perjalanan dihemat per permohonan vs ") + ev.baseline,
        "hours per request" if en else "jam per permohonan",
        lang,
    )
    svg = {"before_after": chart, "live_map": live_map, "saved_map": saved_map}
    view = server.server_view(ev, lang)  # None unless a scenario has the server: section
    if view is not None:
        svg["server_hourly"] = charts.server_hourly_chart(view["hourly"], view["timeout_s"], lang)
        svg["server_utilisation"] = charts.server_utilisation_chart(view["hourly"], lang)
    return {
        "evidence": ev,
        "server": view,
        "coverage": kpis.coverage_table(ev, lang),
        "before_after": ba,
        "relief": relief,
        "savings": kpis.savings(ev, lang),
        "areas": kpis.savings_by_area(ev, "kecamatan", lang),
        "cost_benefit": costs.cost_benefit(ev).table,
        "projected": {k: v.to_dict() for k, v in ev.projections.items()},
        "svg": svg,
    }

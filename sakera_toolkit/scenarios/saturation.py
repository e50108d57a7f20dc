"""How many villages can go live before the central server saturates, and what capacity 186 need.

A *probe* runs the engine on the scenario with its first ``N`` villages (in the scenario's rollout
order) live from the start and the central-server stage on (:mod:`sakera_toolkit.sim.central`:
every transaction of every channel, desk queues lengthened by the server's response times) and
reads the server KPIs. Random outages are off in probes (the limit is about load; the scenario's
scheduled outages stay). The server is **saturated** when the
95th percentile of attempt response times in service hours reaches the client timeout, or more
than :data:`TIMEOUT_SHARE_LIMIT` of attempts time out. Both searches bisect (villages live, or
capacity) separately in every replication, with common random numbers across probes, so the
answer comes with a confidence interval over replications.

Levers (``CentralLoad``): batch upload in an off-peak window, staggered opening hours per
kecamatan, a capacity upgrade (the ``capacity_tps`` searched for).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..sim.central import CentralLoad
from ..sim.server import ServerPolicy

__all__ = [
    "TIMEOUT_SHARE_LIMIT",
    "Probe",
    "probe",
    "is_saturated",
    "max_villages",
    "capacity_needed",
    "rollout_order",
]

#: Share of timed-out attempts above which the server counts as saturated.
TIMEOUT_SHARE_LIMIT = 0.02


def rollout_order(scenario) -> list[str]:
    """Village codes in the order the scenario brings them live (ties by code)."""
    from .resolve import go_live_dates

    dates = go_live_dates(scenario)
    return [code for code, _ in sorted(dates.items(), key=lambda kv: (kv[1], kv[0]))]


@dataclass(frozen=True)
class Probe:
    """Server KPIs of one probe (one replication)."""

    villages: int
    capacity_tps: float
    replication: int
    kpis: dict[str, float]


def is_saturated(kpis: dict[str, float], policy: ServerPolicy) -> bool:
    """p95 response time at the timeout, or too many timed-out attempts."""
    p95 = kpis["server_response_p95_s"]
    return bool((not math.isnan(p95) and p95 >= policy.timeout_s) or kpis["server_timeout_share"] > TIMEOUT_SHARE_LIMIT)


def probe(
    scenario,
    n_villages: int,
    policy: ServerPolicy,
    load: CentralLoad,
    *,
    replication: int,
    seed: int,
    days: int,
    order: list[str] | None = None,
) -> Probe:
    """Run one replication with the first ``n_villages`` of the rollout live from day 0."""
    from ..sim import run
    from ..sim.central import CentralSettings

    order = rollout_order(scenario) if order is None else order
    base = scenario.to_flow_params()
    params = base.replace(
        village_go_live={c: 0 for c in order[:n_villages]},
        days=days,
        warmup_days=min(base.warmup_days, days // 4),
        random_outages_per_year=0.0,  # saturation from load, not from chance outages
        central=CentralSettings(policy, load),
    )
    ss = np.random.SeedSequence(seed).spawn(replication + 1)[replication]
    kpis = run(params, seed=ss, replications=1).kpis.iloc[0]
    return Probe(
        n_villages, policy.capacity_tps, replication, {str(k): float(v) for k, v in kpis.items() if str(k).startswith("server_")}
    )


def _bisect_int(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """Largest n in [lo, hi] with ok(n), assuming ok is monotone (True then False); lo - 1 if none."""
    if not ok(lo):
        return lo - 1
    if ok(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class SearchResult:
    """Per-replication answers of a search and every probe it ran."""

    values: list[float]
    probes: list[Probe]

    def summary(self) -> dict[str, float]:
        """Mean and 95 % CI (t) over replications."""
        x = np.asarray(self.values, dtype=float)
        mean = float(x.mean())
        if not np.isfinite(x).all():  # a replication found no capacity enough: no interval
            return {"mean": mean, "ci95_low": float("nan"), "ci95_high": float("nan"), "replications": float(x.size)}
        if x.size > 1:
            from scipy import stats  # type: ignore[import-untyped]  # scipy ships no type hints

            half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
        else:
            half = float("nan")
        return {"mean": mean, "ci95_low": mean - half, "ci95_high": mean + half, "replications": float(x.size)}

    def villages_summary(self) -> dict[str, float]:
        """:meth:`summary` of a :func:`max_villages` search, with ``saturated_without_villages``.

        A replication answers -1 when even 0 villages live saturate the server (the other
        counters' load alone): the server carries no village, so it counts as 0 in the mean and
        such replications are counted on their own.
        """
        carried = SearchResult([max(v, 0.0) for v in self.values], self.probes).summary()
        return {**carried, "saturated_without_villages": float(sum(v < 0 for v in self.values))}

    def probe_table(self) -> pd.DataFrame:
        """One row per probe: villages, capacity, replication and the server KPIs."""
        return pd.DataFrame(
            [
                {"villages": p.villages, "capacity_tps": p.capacity_tps, "replication": p.replication, **p.kpis}
                for p in self.probes
            ]
        )


def _villages_search(
    scenario, policy: ServerPolicy, load: CentralLoad, r: int, seed: int, days: int, on_probe: Callable[[], None] | None = None
) -> tuple[float, list[Probe]]:
    """Replication ``r`` of :func:`max_villages`: its answer and its probes."""
    order = rollout_order(scenario)
    probes: list[Probe] = []

    def ok(n: int) -> bool:
        p = probe(scenario, n, policy, load, replication=r, seed=seed, days=days, order=order)
        probes.append(p)
        if on_probe is not None:
            on_probe()
        return not is_saturated(p.kpis, policy)

    return float(_bisect_int(0, len(order), ok)), probes


#: ``capacity_needed`` gives up (answers ``inf``) beyond this multiple of the calibrated capacity.
MAX_CAPACITY_FACTOR = 1024


def _capacity_search(
    scenario,
    n_villages: int,
    policy: ServerPolicy,
    load: CentralLoad,
    r: int,
    seed: int,
    days: int,
    rel_tol: float,
    on_probe: Callable[[], None] | None = None,
) -> tuple[float, list[Probe]]:
    """Replication ``r`` of :func:`capacity_needed`: its answer and its probes."""
    order = rollout_order(scenario)
    probes: list[Probe] = []

    def ok(cap: float) -> bool:
        p = probe(
            scenario, n_villages, replace(policy, capacity_tps=cap), load, replication=r, seed=seed, days=days, order=order
        )
        probes.append(p)
        if on_probe is not None:
            on_probe()
        return not is_saturated(p.kpis, policy)

    lo, hi = policy.capacity_tps / 8.0, policy.capacity_tps
    while not ok(hi):  # grow until enough
        lo, hi = hi, hi * 2.0
        if hi > policy.capacity_tps * MAX_CAPACITY_FACTOR:
            return math.inf, probes  # no capacity is enough (e.g. an outage the whole probe long)
    while hi / lo > 1.0 + rel_tol:
        mid = math.sqrt(lo * hi)
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi, probes


def _replications(
    search: Callable[..., tuple[float, list[Probe]]],
    args: tuple,
    replications: int,
    *,
    client: Any | None,
    steps: int,
    progress: bool,
) -> SearchResult:
    """Run ``search(*args[:k], r, *args[k:])`` for every replication ``r``, here or on a Dask client.

    Each replication is an independent bisection with its own random numbers, so the answers do not
    depend on where they ran; with a client they run in parallel (one task per replication) and the
    progress bar advances per replication, without one per probe.
    """
    from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no type hints

    head, tail = args
    bar = tqdm(total=steps if client is None else replications, desc="capacity", disable=not progress,
               file=sys.stderr, leave=False)  # fmt: skip
    results: list[tuple[float, list[Probe]]]
    try:
        if client is None:
            results = [search(*head, r, *tail, on_probe=bar.update) for r in range(replications)]
        else:
            from dask.distributed import as_completed

            futures = [client.submit(search, *head, r, *tail, pure=False) for r in range(replications)]
            for _ in as_completed(futures):
                bar.update()
            results = client.gather(futures)
    finally:
        bar.close()
    return SearchResult([v for v, _ in results], [p for _, probes in results for p in probes])


def max_villages(
    scenario,
    policy: ServerPolicy,
    load: CentralLoad,
    *,
    replications: int = 3,
    seed: int = 0,
    days: int = 60,
    progress: bool = False,
    client: Any | None = None,
) -> SearchResult:
    """Largest number of live villages (rollout order) before the server saturates, per replication.

    ``client``: a ``dask.distributed.Client`` to run the replications in parallel (same answers).
    """
    V = len(rollout_order(scenario))
    steps = replications * (math.ceil(math.log2(max(V, 2))) + 2)
    return _replications(
        _villages_search, ((scenario, policy, load), (seed, days)), replications, client=client, steps=steps,
        progress=progress,
    )  # fmt: skip


def capacity_needed(
    scenario,
    n_villages: int,
    policy: ServerPolicy,
    load: CentralLoad,
    *,
    replications: int = 3,
    seed: int = 0,
    days: int = 60,
    rel_tol: float = 0.05,
    progress: bool = False,
    client: Any | None = None,
) -> SearchResult:
    """Smallest capacity (transactions/s) that keeps ``n_villages`` live villages unsaturated.

    ``client``: a ``dask.distributed.Client`` to run the replications in parallel (same answers).
    """
    return _replications(
        _capacity_search, ((scenario, n_villages, policy, load), (seed, days, rel_tol)), replications,
        client=client, steps=replications * 10, progress=progress,
    )  # fmt: skip

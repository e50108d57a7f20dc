"""One evidence run: a baseline and a rollout scenario simulated through ``scenarios.compare``.

The run goes through :func:`sakera_toolkit.scenarios.compare.compare` with the same seed and
replications as ``sakera compare``, so every headline number of the report **is** the number
``sakera compare --json`` prints. While the engine runs, a digest of each replication is kept
(per-village travel and documents, office queue, the synthetic survey for the projected IKM);
the heavy per-request arrays are dropped as soon as the digest is made.

The central server's KPIs (``server_*``, when a scenario has the ``server:`` stage on) are in the
comparison like every KPI; its hourly profile is kept in the digests (``server_hourly``).
Extension point: KPIs of models that do not exist yet (document coverage, issue 10 §4) plug in through :data:`DIGESTERS`: a function ``(scenario name, SimResult) -> dict`` whose
values land in :attr:`EvidenceRun.extra`; the report shows a section for each one registered and
says plainly when none is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EvidenceRun", "ReplicationDigest", "run_evidence", "DIGESTERS", "MANDANGIN"]

#: Kemendagri code of P. Mandangin, the island desa reported separately.
MANDANGIN = "35.27.03.2001"

#: Extra digesters (see the module docstring); empty until the coverage model exists.
DIGESTERS: list[Callable[[str, Any], dict[str, Any]]] = []


@dataclass
class ReplicationDigest:
    """What the evidence needs from one replication of one scenario.

    Attributes
    ----------
    villages
        One row per village: requests in the KPI window, travel hours and cost (IDR) of the
        citizens' trips, desk requests, documents issued (completed), desk documents.
    office_requests
        Requests handled at the Dispendukcapil office counters (channel ``office``).
    counter_queue_mean
        Mean end-of-day queue at the office/MPP/kecamatan counters over the KPI window.
    server_hourly
        The central server's profile by hour of day (``sim.central.hourly_profile``: utilisation,
        p50/p95 response time, timed-out share) when the scenario has the server stage on, else None.
    """

    villages: pd.DataFrame
    office_requests: int
    counter_queue_mean: float
    server_hourly: pd.DataFrame | None = None


def _digest(result: Any) -> list[ReplicationDigest]:
    from ..sim.channel import DESA, OFFICE
    from ..sim.kpi import _window
    from ..sim.timeseries import daily

    params = result.params
    out = []
    from ._records import replication_arrays

    for raw, st, rep in replication_arrays(result):
        w = _window(rep, result.inputs)
        v = raw["village"][w]
        n_v = len(st.codes)
        done = raw["outcome"][w] == 0
        desk = raw["channel"][w] == DESA

        def per_village(weights: np.ndarray | None, v: np.ndarray = v, n_v: int = n_v) -> np.ndarray:
            return np.bincount(v, weights=weights, minlength=n_v)

        villages = pd.DataFrame(
            {
                "village_code": list(st.codes),
                "requests": per_village(None),
                "travel_hours": per_village(raw["travel_minutes"][w] / 60.0),
                "travel_cost_idr": per_village(raw["travel_cost_idr"][w]),
                "outside_trips": per_village(raw["outside_trips"][w].astype(float)),
                "desk_requests": per_village(desk.astype(float)),
                "documents": per_village(done.astype(float)),
                "desk_documents": per_village((done & desk).astype(float)),
            }
        )
        ts = daily(rep, result.inputs)
        window = ts[(ts["day"] >= params.warmup_days) & (ts["day"] < params.days)]
        out.append(
            ReplicationDigest(
                villages=villages,
                office_requests=int((raw["channel"][w] == OFFICE).sum()),
                counter_queue_mean=float(window["counter_queue"].mean()),
                server_hourly=None if rep.server is None else rep.server.hourly.copy(),
            )
        )
    return out


@dataclass
class EvidenceRun:
    """A baseline and a scenario, simulated once, with everything the evidence tables need.

    Attributes
    ----------
    comparison
        The :class:`~sakera_toolkit.scenarios.compare.Comparison` (baseline first).
    scenarios
        The loaded scenarios by name (baseline first).
    digests
        Per scenario name, one :class:`ReplicationDigest` per replication.
    projections
        Per scenario name, the projected IKM (:class:`~sakera_toolkit.evidence.projection.Projection`).
    days, warmup_days
        Horizon of the runs (the KPI window is ``[warmup_days, days)``).
    extra
        Per digester name, per scenario, what :data:`DIGESTERS` returned.
    """

    comparison: Any
    scenarios: dict[str, Any]
    digests: dict[str, list[ReplicationDigest]]
    projections: dict[str, Any]
    days: int
    warmup_days: int
    start_date: Any
    overrides: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        """Name of the baseline scenario."""
        return str(self.comparison.reference)

    @property
    def scenario(self) -> str:
        """Name of the rollout scenario."""
        return str(self.comparison.scenarios[-1])

    @property
    def seed(self) -> int:
        """Base seed of the runs."""
        return int(self.comparison.seed)

    @property
    def replications(self) -> int:
        """Replications per scenario."""
        return int(self.comparison.replications)

    @property
    def window_days(self) -> int:
        """Length of the KPI window in days."""
        return self.days - self.warmup_days


def run_evidence(
    scenario: Any = "oct-2021",
    baseline: Any = "office-only",
    replications: int = 10,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    progress: bool = False,
) -> EvidenceRun:
    """Simulate ``baseline`` and ``scenario`` through ``scenarios.compare`` and keep the digests.

    Parameters
    ----------
    scenario, baseline
        Preset names, YAML paths or Scenario objects; the baseline is the reference.
    replications, seed
        As ``sakera compare --replications N --seed S``.
    overrides
        Dotted scenario paths set in both (as ``sakera compare --days/--set``).
    progress
        Progress bar on stderr.
    """
    from ..errors import SakeraInputError
    from ..scenarios import load
    from ..scenarios.compare import compare
    from ..sim import run
    from .projection import project

    base_s, scen_s = load(baseline), load(scenario)
    if base_s.name == scen_s.name:
        raise SakeraInputError(f"scenario and baseline are the same ({scen_s.name!r})", location="--baseline")
    digests: dict[str, list[ReplicationDigest]] = {}
    projections: dict[str, Any] = {}
    extra: dict[str, dict[str, Any]] = {}
    horizon: dict[str, Any] = {}
    order = [base_s.name, scen_s.name]

    def capturing_runner(params: Any, seed: Any, replications: int, progress: bool = False) -> Any:
        result = run(params, seed=seed, replications=replications, progress=progress)
        name = order[len(digests)]
        digests[name] = _digest(result)
        projections[name] = project(result, seed=int(seed))
        for fn in DIGESTERS:
            extra.setdefault(getattr(fn, "__name__", "extra"), {})[name] = fn(name, result)
        horizon.update(days=int(params.days), warmup_days=int(params.warmup_days), start_date=params.start_date)
        return result

    comparison = compare(
        [base_s, scen_s],
        replications=replications,
        seed=seed,
        progress=progress,
        overrides=overrides or None,
        runner=capturing_runner,
        align=True,  # the baseline's period and population for both (paired, common random numbers)
    )
    scen_loaded = {s.name: (s.with_values(overrides) if overrides else s) for s in (base_s, scen_s)}
    return EvidenceRun(
        comparison=comparison,
        scenarios=scen_loaded,
        digests=digests,
        projections=projections,
        days=horizon["days"],
        warmup_days=horizon["warmup_days"],
        start_date=horizon["start_date"],
        overrides=dict(overrides or {}),
        extra=extra,
    )

"""Rollout optimiser: which villages join in which phase, as a mixed-integer programme.

Model
-----
Villages ``i`` not yet live in the base scenario, phases ``p = 0..K-1`` starting every
``phase_months`` months from the base scenario's start date. Binary ``x[i, p]`` = village ``i``
goes live at the start of phase ``p``.

* each village joins at most once: ``sum_p x[i, p] <= 1``;
* at most ``villages_per_phase`` villages per phase, and/or the facilities bought in a phase cost
  at most ``budget`` IDR: ``sum_i cost_i x[i, p] <= budget`` where ``cost_i`` is the price of the
  computer, printer and internet connection the village lacks (``calibration/plan.yaml``);
* at most ``trainable`` villages without a certified operator per phase (operators are trained
  before their village goes live).

A village that joins in phase ``p`` serves for ``w_p = (K - p) / K`` of the planning period, so
earlier is better. Objectives (all maximised):

* ``travel-hours``: ``sum w_p * h_i * x[i, p]`` where ``h_i`` is the citizen travel hours a year
  that a desk saves: yearly requests x office trips per request x round-trip hours to the office
  minus the short trip to the village desk;
* ``trips``: the same with trips to the office avoided;
* ``equity``: the lowest time-weighted share of residents covered by a live desk over the 14
  kecamatan (max-min, through an auxiliary variable), with travel hours as a tie-breaker.

Solved with :func:`scipy.optimize.milp` (HiGHS); the result reports the status, the objective,
HiGHS' dual bound and relative MIP gap. Simple rules (by population, by distance) fill the same
phases greedily under the same constraints, for comparison on the objective and, with
:meth:`Plan.simulate`, on the simulated KPIs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import calibration
from ..errors import SakeraInputError
from .readiness import FACILITIES, add_months, load_readiness
from .spec import Scenario

__all__ = ["OBJECTIVES", "RULES", "Plan", "plan", "village_benefits"]

OBJECTIVES = ("travel-hours", "trips", "equity")
RULES = ("population", "distance")
#: Weight of (normalised) travel hours added to the equity objective to break ties between max-min plans.
EQUITY_TIEBREAK = 1e-3


def village_benefits(
    base: Scenario, readiness: pd.DataFrame, calib: calibration.Calibration | None = None
) -> pd.DataFrame:
    """Per village: population, travel, yearly requests, hours and trips a desk saves, cost, training need.

    Requests, trips and travel hours come from the engine's own model of the base scenario
    (:func:`sakera_toolkit.sim.capacity.desk_savings`: the same demand rates, channel rule, visit
    rounds and trip costs the simulation uses), so a plan's predicted savings are the simulation's
    expectation.
    """
    from ..sim.capacity import desk_savings
    from ..sim.inputs import compile as compile_inputs

    c = calib or calibration.load("plan")
    df = base.village_frame(readiness=readiness)
    saved = desk_savings(compile_inputs(base)).set_index("village_code").reindex(df["village_code"])
    df["requests_per_year"] = saved["requests"].to_numpy()
    df["trips_saved_per_year"] = saved["trips_saved"].to_numpy()
    df["travel_hours_saved_per_year"] = saved["travel_hours_saved"].to_numpy()
    cost = np.zeros(len(df))
    for fac in FACILITIES:
        cost += np.where(df[f"has_{fac}"].to_numpy(bool), 0.0, float(c[f"cost_{fac}_idr"]))
    df["facility_cost_idr"] = cost
    df["needs_training"] = df["certified_operators"].to_numpy() <= 0
    return df


@dataclass
class Plan:
    """A rollout plan: assignments, solver report and comparison with simple rules."""

    base: Scenario
    objective_name: str
    phases: int
    phase_dates: list[dt.date]
    assignments: pd.DataFrame
    objective: float
    status: str
    mip_gap: float | None
    dual_bound: float | None
    rules: pd.DataFrame
    rule_assignments: dict[str, pd.DataFrame]
    constraints: dict[str, Any]
    simulated: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def scenario(
        self, name: str | None = None, assignments: pd.DataFrame | None = None, label: str = "optimised"
    ) -> Scenario:
        """The plan as a scenario: the base's live villages, then one explicit phase per plan phase."""
        a = self.assignments if assignments is None else assignments
        name = name or f"plan-{self.objective_name}"
        base_live = self.base.go_live_dates()
        by_date: dict[dt.date, list[str]] = {}
        for code, when in base_live.items():
            by_date.setdefault(when, []).append(code)
        for p, when in enumerate(self.phase_dates):
            codes = a.loc[a["phase"] == p, "village_code"].tolist()
            if codes:
                by_date.setdefault(when, []).extend(codes)
        data = self.base.to_dict()
        data["name"] = name
        n = int(len(a))
        data["description"] = {
            "id": f"Rencana rollout ({label}, tujuan {self.objective_name}): {n} desa/kelurahan baru dalam "
            f"{self.phases} tahap mulai {self.phase_dates[0]}, di atas skenario dasar '{self.base.name}'.",
            "en": f"Rollout plan ({label}, objective {self.objective_name}): {n} new villages in {self.phases} "
            f"phases from {self.phase_dates[0]}, on top of the base scenario '{self.base.name}'.",
        }
        rollout = dict(data.get("rollout") or {})
        rollout["phases"] = [{"date": d, "villages": sorted(by_date[d])} for d in sorted(by_date)]
        data["rollout"] = rollout
        return Scenario.from_dict(data, source=f"<plan {name}>")

    def rule_scenario(self, rule: str) -> Scenario:
        """The greedy rule ``rule`` (``population`` | ``distance``) as a scenario."""
        return self.scenario(f"rule-{rule}", self.rule_assignments[rule], label=f"rule: by {rule}")

    def write(self, path: str | Path, name: str | None = None) -> Path:
        """Write the plan as a scenario YAML file (loadable by ``sakera simulate`` and ``scenarios.load``)."""
        p = Path(path)
        text = self.scenario(name or p.stem).to_yaml()
        from .._io import write_atomic

        p.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(p, text)

    def simulate(
        self,
        replications: int = 3,
        seed: int = 0,
        progress: bool = False,
        overrides: dict | None = None,
        runner: Callable | None = None,
    ):
        """Simulate base, plan and the rule plans with common random numbers (a :class:`~.compare.Comparison`)."""
        from .compare import compare

        scen = [self.base, self.scenario()] + [self.rule_scenario(r) for r in self.rule_assignments]
        self.simulated = compare(
            scen, replications=replications, seed=seed, progress=progress, overrides=overrides, runner=runner
        )
        return self.simulated

    def predicted_savings(self, overrides: dict[str, Any] | None = None) -> dict[str, float]:
        """Expected travel hours and outside trips the plan saves against its base over the base's KPI window.

        From the engine's model (:func:`~sakera_toolkit.sim.capacity.desk_savings`): each village
        assigned to phase ``p`` saves what its desk saves for the requests arriving between its
        go-live day (or the end of the warm-up) and the end of the horizon. Compare with the
        simulated ``travel_hours`` and ``outside_trips`` differences of :meth:`simulate` (run with
        the same ``overrides``).
        """
        from ..sim.capacity import desk_savings
        from ..sim.inputs import compile as compile_inputs

        inputs = compile_inputs(self.base.with_values(overrides) if overrides else self.base)
        hours = trips = 0.0
        for p, when in enumerate(self.phase_dates):
            codes = self.assignments.loc[self.assignments["phase"] == p, "village_code"]
            start = max((when - inputs.start_date).days, inputs.warmup_days)
            if not len(codes) or start >= inputs.days:
                continue
            saved = desk_savings(inputs, window=(start, inputs.days)).set_index("village_code").loc[codes]
            hours += float(saved["travel_hours_saved"].sum())
            trips += float(saved["trips_saved"].sum())
        return {"travel_hours_saved": hours, "outside_trips_saved": trips}

    def savings_check(self, overrides: dict[str, Any] | None = None) -> pd.DataFrame:
        """Predicted (model) next to simulated (paired mean and CI) savings of the optimised plan vs its base.

        Needs :meth:`simulate` first. One row per quantity: travel hours and outside trips saved.
        """
        if self.simulated is None:
            raise SakeraInputError("simulate the plan first (replications > 0)", location="--replications")
        predicted = self.predicted_savings(overrides)
        t = self.simulated.table(["travel_hours", "outside_trips"]).set_index(["scenario", "kpi"])
        plan_name = self.simulated.scenarios[1]
        rows = []
        for kpi, key in (("travel_hours", "travel_hours_saved"), ("outside_trips", "outside_trips_saved")):
            r = t.loc[(plan_name, kpi)]
            rows.append(
                {
                    "quantity": key,
                    "predicted": predicted[key],
                    "simulated": -float(r["diff"]),
                    "simulated_ci_low": -float(r["diff_ci_high"]),
                    "simulated_ci_high": -float(r["diff_ci_low"]),
                }
            )
        out = pd.DataFrame(rows)
        out["within_ci"] = (out["predicted"] >= out["simulated_ci_low"]) & (
            out["predicted"] <= out["simulated_ci_high"]
        )
        out["relative_difference"] = out["predicted"] / out["simulated"] - 1.0
        return out

    def phase_table(self) -> pd.DataFrame:
        """Per phase: date, villages, facility cost, operators to train, benefit."""
        a = self.assignments
        rows = []
        for p, when in enumerate(self.phase_dates):
            sub = a[a["phase"] == p]
            rows.append(
                {
                    "phase": p,
                    "date": when.isoformat(),
                    "villages": int(len(sub)),
                    "facility_cost_idr": float(sub["facility_cost_idr"].sum()),
                    "operators_to_train": int(sub["needs_training"].sum()),
                    "travel_hours_saved_per_year": float(sub["travel_hours_saved_per_year"].sum()),
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        out: dict[str, Any] = {
            "objective_name": self.objective_name,
            "objective": self.objective,
            "status": self.status,
            "mip_gap": self.mip_gap,
            "dual_bound": self.dual_bound,
            "base": self.base.name,
            "constraints": self.constraints,
            "phases": self.phase_table().to_dict("records"),
            "villages": self.assignments[["village_code", "village_name", "district_name", "phase", "date"]]
            .assign(date=lambda d: d["date"].astype(str))
            .to_dict("records"),
            "rules": self.rules.to_dict("records"),
        }
        if self.simulated is not None:
            out["simulated"] = self.simulated.to_dict()
        return out


def _weights(k: int) -> np.ndarray:
    return (k - np.arange(k)) / k


def _score(values: pd.DataFrame, assign: pd.DataFrame, k: int, objective: str, cover: dict[str, Any]) -> float:
    w = _weights(k)
    if assign.empty:
        hours = trips = 0.0
    else:
        v = values.set_index("village_code").loc[assign["village_code"]]
        ww = w[assign["phase"].to_numpy(int)]
        hours = float((ww * v["travel_hours_saved_per_year"].to_numpy()).sum())
        trips = float((ww * v["trips_saved_per_year"].to_numpy()).sum())
    if objective == "travel-hours":
        return hours
    if objective == "trips":
        return trips
    # equity: lowest time-weighted coverage share over kecamatan
    base_cov, pop_k = cover["base"], cover["pop"]
    cov = dict(base_cov)
    if not assign.empty:
        v = values.set_index("village_code").loc[assign["village_code"]]
        for kec, pop, p in zip(v["district_code"], v["population"], assign["phase"], strict=True):
            cov[kec] = cov.get(kec, 0.0) + w[int(p)] * pop
    return float(min(cov.get(kec, 0.0) / pop_k[kec] for kec in pop_k))


def _greedy(
    cand: pd.DataFrame, order: list[str], k: int, per_phase: int | None, budget: float | None, trainable: int
) -> pd.DataFrame:
    cost_of = dict(zip(cand["village_code"], cand["facility_cost_idr"].astype(float), strict=True))
    train_of = dict(zip(cand["village_code"], cand["needs_training"].astype(bool), strict=True))
    remaining = list(order)
    rows = []
    for p in range(k):
        count, spent, trained = 0, 0.0, 0
        left = []
        for code in remaining:
            cost, train = float(cost_of[code]), int(train_of[code])
            fits = (
                (per_phase is None or count < per_phase)
                and (budget is None or spent + cost <= budget + 1e-6)
                and trained + train <= trainable
            )
            if fits:
                rows.append((code, p))
                count, spent, trained = count + 1, spent + cost, trained + train
            else:
                left.append(code)
        remaining = left
    return pd.DataFrame(rows, columns=["village_code", "phase"])


def plan(
    phases: int,
    villages_per_phase: int | None = None,
    budget: float | None = None,
    objective: str = "travel-hours",
    base: Scenario | str = "office-only",
    readiness: pd.DataFrame | str | Path | None = None,
    db: str | None = None,
    trainable: int | None = None,
    phase_months: int | None = None,
    time_limit: float = 20.0,
    mip_rel_gap: float = 1e-4,
) -> Plan:
    """Solve the rollout MILP (see the module docstring).

    Parameters
    ----------
    phases
        Number of phases ``K`` (>= 1).
    villages_per_phase, budget
        At least one: the most villages per phase, and/or the facilities budget per phase (IDR).
    objective
        ``travel-hours`` | ``trips`` | ``equity``.
    base
        Scenario whose live villages stay live and whose horizon/staff the plan inherits.
    readiness, db
        Readiness table or CSV path; or a database URL of the training store (certified operators).
        Default: the base scenario's ``rollout.readiness`` (the assumed table).
    trainable
        Villages without a certified operator that can join per phase (default from ``plan.yaml``).
    phase_months
        Months between phases (default from ``plan.yaml``).
    time_limit, mip_rel_gap
        HiGHS limits; the achieved gap is reported.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]  # no type hints published for this package
    from scipy.sparse import coo_array  # type: ignore[import-untyped]  # no type hints published for this package

    from . import load

    c = calibration.load("plan")
    if objective not in OBJECTIVES:
        raise SakeraInputError(f"objective {objective!r} is not one of {', '.join(OBJECTIVES)}", location="--objective")
    if phases < 1:
        raise SakeraInputError(f"phases must be >= 1, got {phases}", location="--phases")
    if villages_per_phase is None and budget is None:
        raise SakeraInputError("give --villages-per-phase or --budget (or both)", location="--villages-per-phase")
    if villages_per_phase is not None and villages_per_phase < 1:
        raise SakeraInputError(
            f"villages per phase must be >= 1, got {villages_per_phase}", location="--villages-per-phase"
        )
    if budget is not None and (not math.isfinite(budget) or budget < 0):
        raise SakeraInputError(f"budget must be >= 0 IDR, got {budget}", location="--budget")
    trainable = int(c["operators_trainable_per_phase"]) if trainable is None else int(trainable)
    if trainable < 0:
        raise SakeraInputError(f"trainable operators must be >= 0, got {trainable}", location="--trainable")
    months = int(c["phase_months"]) if phase_months is None else int(phase_months)
    if months < 1:
        raise SakeraInputError(f"phase months must be >= 1, got {months}", location="--phase-months")

    base_s = load(base)
    if isinstance(readiness, pd.DataFrame):
        ready = readiness
    elif readiness is not None or db is not None:
        ready = load_readiness(readiness, db=db, regency=base_s.regency())
    else:
        ready = load_readiness(base_s.rollout.readiness, regency=base_s.regency())
    values = village_benefits(base_s, ready, c)
    live_codes = set(base_s.go_live_dates())
    cand = values[~values["village_code"].isin(live_codes)].reset_index(drop=True)
    n, k = len(cand), phases
    start = base_s.horizon.start_date
    dates = [add_months(start, p * months) for p in range(k)]
    w = _weights(k)

    pop_k = values.groupby("district_code")["population"].sum().to_dict()
    base_cov = values[values["village_code"].isin(live_codes)].groupby("district_code")["population"].sum().to_dict()
    cover = {"pop": pop_k, "base": base_cov}

    # variables: x[i, p] at i * k + p, then z (equity only)
    nx = n * k
    nvar = nx + (1 if objective == "equity" else 0)
    hours = cand["travel_hours_saved_per_year"].to_numpy(float)
    trips = cand["trips_saved_per_year"].to_numpy(float)
    cvec = np.zeros(nvar)
    if objective == "travel-hours":
        cvec[:nx] = -(hours[:, None] * w[None, :]).ravel()
    elif objective == "trips":
        cvec[:nx] = -(trips[:, None] * w[None, :]).ravel()
    else:
        cvec[nx] = -1.0
        scale = max(1.0, float(hours.sum()))
        cvec[:nx] = -EQUITY_TIEBREAK * (hours[:, None] * w[None, :]).ravel() / scale

    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(row_cols, row_vals, lower, upper):
        nonlocal r
        rows.extend([r] * len(row_cols))
        cols.extend(row_cols)
        vals.extend(row_vals)
        lo.append(lower)
        hi.append(upper)
        r += 1

    idx = np.arange(nx).reshape(n, k) if n else np.zeros((0, k), dtype=int)
    for i in range(n):
        add(list(idx[i]), [1.0] * k, -np.inf, 1.0)
    cost = cand["facility_cost_idr"].to_numpy(float)
    train = cand["needs_training"].to_numpy(bool).astype(float)
    for p in range(k):
        col = list(idx[:, p])
        if villages_per_phase is not None:
            add(col, [1.0] * n, -np.inf, float(villages_per_phase))
        if budget is not None:
            add(col, list(cost), -np.inf, float(budget))
        add(col, list(train), -np.inf, float(trainable))
    if objective == "equity":
        codes = cand["district_code"].to_numpy()
        popv = cand["population"].to_numpy(float)
        for kec, total in pop_k.items():
            members = np.flatnonzero(codes == kec)
            row_cols = [int(idx[i, p]) for i in members for p in range(k)]
            row_vals = [w[p] * popv[i] / total for i in members for p in range(k)]
            # z - sum(w p x / pop_k) <= base coverage share
            add(row_cols + [nx], [-v for v in row_vals] + [1.0], -np.inf, base_cov.get(kec, 0.0) / total)

    integrality = np.zeros(nvar)
    integrality[:nx] = 1
    ub = np.ones(nvar)
    if objective == "equity":
        ub[nx] = 1.0
    constraints = []
    if r:
        A = coo_array((vals, (rows, cols)), shape=(r, nvar)).tocsr()
        constraints = [LinearConstraint(A, np.array(lo), np.array(hi))]
    res = milp(
        cvec,
        integrality=integrality,
        bounds=Bounds(np.zeros(nvar), ub),
        constraints=constraints,
        options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_rel_gap), "disp": False},
    )
    if res.x is None:
        raise SakeraInputError(f"the solver found no plan: {res.message}", location="plan")
    x = np.round(res.x[:nx]).reshape(n, k) if n else np.zeros((0, k))
    chosen = [(cand["village_code"].iat[i], int(np.argmax(x[i]))) for i in range(n) if x[i].sum() > 0.5]
    assign = pd.DataFrame(chosen, columns=["village_code", "phase"])

    def enrich(a: pd.DataFrame) -> pd.DataFrame:
        cols_keep = [
            "village_code",
            "village_name",
            "village_type",
            "district_code",
            "district_name",
            "population",
            "travel_minutes",
            "facility_cost_idr",
            "needs_training",
            "travel_hours_saved_per_year",
            "trips_saved_per_year",
        ]
        out = a.merge(cand[cols_keep], on="village_code", how="left")
        out["date"] = [dates[p] for p in out["phase"]]
        return out.sort_values(["phase", "village_code"], ignore_index=True)

    assign = enrich(assign)
    objective_value = _score(values, assign, k, objective, cover)
    per_phase = villages_per_phase
    rule_assign = {
        "population": enrich(
            _greedy(
                cand,
                cand.sort_values(["population", "village_code"], ascending=[False, True])["village_code"].tolist(),
                k,
                per_phase,
                budget,
                trainable,
            )
        ),
        "distance": enrich(
            _greedy(
                cand,
                cand.sort_values(["travel_minutes", "village_code"], ascending=[False, True])["village_code"].tolist(),
                k,
                per_phase,
                budget,
                trainable,
            )
        ),
    }
    rule_rows: list[dict[str, Any]] = [
        {
            "plan": "optimised",
            "objective": objective_value,
            "villages": int(len(assign)),
            "facility_cost_idr": float(assign["facility_cost_idr"].sum()),
        }
    ]
    for name, a in rule_assign.items():
        rule_rows.append(
            {
                "plan": f"rule: by {name}",
                "objective": _score(values, a, k, objective, cover),
                "villages": int(len(a)),
                "facility_cost_idr": float(a["facility_cost_idr"].sum()),
            }
        )
    rules = pd.DataFrame(rule_rows)
    best = max(float(rule_rows[0]["objective"]), 1e-12)
    rules["objective_vs_optimised"] = rules["objective"] / best

    gap = getattr(res, "mip_gap", None)
    dual = getattr(res, "mip_dual_bound", None)
    sign = -1.0
    status = {0: "optimal", 1: "time or iteration limit (feasible)", 2: "infeasible", 3: "unbounded", 4: "other"}.get(
        res.status, str(res.status)
    )
    dual_value = None
    if dual is not None and math.isfinite(dual):
        dual_value = float(sign * dual)
        if objective == "equity":
            dual_value = None  # the bound includes the tie-breaker term; the gap is what matters
    return Plan(
        base=base_s,
        objective_name=objective,
        phases=k,
        phase_dates=dates,
        assignments=assign,
        objective=objective_value,
        status=status,
        mip_gap=None if gap is None or not math.isfinite(gap) else float(gap),
        dual_bound=dual_value,
        rules=rules,
        rule_assignments=rule_assign,
        constraints={
            "villages_per_phase": villages_per_phase,
            "budget_idr_per_phase": budget,
            "trainable_per_phase": trainable,
            "phase_months": months,
            "candidates": n,
            "time_limit_s": time_limit,
            "mip_rel_gap_target": mip_rel_gap,
        },
    )

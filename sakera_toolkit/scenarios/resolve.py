"""Turn a :class:`~.spec.Scenario` into concrete go-live dates and engine parameters.

Selection rules are applied phase by phase, in order; each rule of a phase picks among villages not
yet chosen (and not listed explicitly in any phase). Ties are broken by village code, so the result
is deterministic.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .spec import hours_of

if TYPE_CHECKING:  # pragma: no cover
    from .spec import Phase, Scenario, SelectionRule

__all__ = ["village_frame", "go_live_dates", "flow_kwargs", "base_villages"]


def base_villages(year: int, mode: str | None = None, regency: Any = None) -> pd.DataFrame:
    """Village table of ``regency`` (default Sampang): population for ``year``, travel to the office."""
    from ..registry import village_table

    return village_table(year=year, point="office", mode=mode, regency=regency)


def _population_year(scenario: Scenario) -> int:
    return scenario.horizon.population_year or scenario.horizon.start_date.year


def _readiness(scenario: Scenario, readiness: pd.DataFrame | None) -> pd.DataFrame:
    if readiness is not None:
        return readiness
    from .readiness import load_readiness

    return load_readiness(scenario.rollout.readiness, regency=scenario.regency())


def _apply_rule(rule: SelectionRule, phase: Phase, pool: pd.DataFrame) -> list[tuple[str, dt.date]]:
    df = pool
    if rule.village_type != "any":
        df = df[df["village_type"] == rule.village_type]
    if rule.kecamatan:
        df = df[df["district_code"].isin(rule.kecamatan)]
    descending = (rule.order or "descending") == "descending"
    if rule.by == "population":
        df = df.sort_values(["population", "village_code"], ascending=[not descending, True], kind="stable")
    elif rule.by == "travel_time":
        df = df.sort_values(["travel_minutes", "village_code"], ascending=[not descending, True], kind="stable")
    elif rule.by == "readiness":
        limit = rule.until or phase.date
        df = df[pd.to_datetime(df["ready_date"]).dt.date <= limit]
        df = df.sort_values(
            ["ready_date", "travel_minutes", "village_code"], ascending=[True, False, True], kind="stable"
        )
    else:  # kecamatan, all
        df = df.sort_values("village_code", kind="stable")
    if rule.per_kecamatan is not None:
        df = df[df.groupby("district_code", sort=False).cumcount() < rule.per_kecamatan]
    if rule.count is not None:
        df = df.head(rule.count)
    out = []
    for code, ready in zip(df["village_code"], df["ready_date"], strict=True):
        when = phase.date
        if rule.by == "readiness" and rule.until is not None:
            when = max(phase.date, pd.Timestamp(ready).date())
        out.append((code, when))
    return out


def village_frame(scenario: Scenario, readiness: pd.DataFrame | None = None) -> pd.DataFrame:
    """Villages with population, travel, readiness, ``go_live_date`` (NaT: never) and ``phase``."""
    df = base_villages(_population_year(scenario), scenario.travel.mode, scenario.regency())
    ready = _readiness(scenario, readiness)
    df = df.merge(ready, on="village_code", how="left")
    df["ready_date"] = pd.to_datetime(df["ready_date"])
    explicit = {code for ph in scenario.rollout.phases for code in ph.villages}
    chosen: dict[str, tuple[dt.date, int]] = {}
    for i, phase in enumerate(scenario.rollout.phases):
        for code in phase.villages:
            chosen[code] = (phase.date, i)
        for rule in phase.select:
            pool = df[~df["village_code"].isin(set(chosen) | explicit)]
            for code, when in _apply_rule(rule, phase, pool):
                chosen[code] = (when, i)
    df["go_live_date"] = pd.to_datetime(df["village_code"].map(lambda c: chosen[c][0] if c in chosen else None))
    df["phase"] = df["village_code"].map(lambda c: chosen[c][1] if c in chosen else np.nan).astype("Int64")
    return df


def go_live_dates(scenario: Scenario, readiness: pd.DataFrame | None = None) -> dict[str, dt.date]:
    """Village code -> go-live date (villages that never go live are left out).

    With the scenario's own readiness table the result depends only on the rollout, the
    population year, the travel mode and the data section, and is cached on them (a sweep
    resolves the rollout once, not once per cell).
    """
    if readiness is None:
        key = (scenario.rollout, _population_year(scenario), scenario.travel.mode, scenario.data)
        hit = _GO_LIVE_CACHE.get(key)
        if hit is None:
            hit = _go_live_dates(scenario, None)
            if len(_GO_LIVE_CACHE) > 64:
                _GO_LIVE_CACHE.clear()
            _GO_LIVE_CACHE[key] = hit
        return dict(hit)
    return _go_live_dates(scenario, readiness)


_GO_LIVE_CACHE: dict[tuple[Any, ...], dict[str, dt.date]] = {}


def _go_live_dates(scenario: Scenario, readiness: pd.DataFrame | None) -> dict[str, dt.date]:
    df = village_frame(scenario, readiness)
    df = df[df["go_live_date"].notna()]
    return {code: ts.date() for code, ts in zip(df["village_code"], df["go_live_date"], strict=True)}


def _day(scenario: Scenario, when: dt.date) -> int:
    return (when - scenario.horizon.start_date).days


def flow_kwargs(scenario: Scenario, readiness: pd.DataFrame | None = None) -> dict[str, Any]:
    """Keyword arguments for ``sakera_toolkit.sim.FlowParams``; fields the scenario leaves unset are omitted.

    Go-live dates before the start become day 0 (already live); villages going live after the
    horizon are left out. Outages (whole days, end day included) become the engine's
    ``[start_day, end_day)`` pairs, clipped to the horizon; outages wholly outside it are dropped.
    """
    h = scenario.horizon
    kw: dict[str, Any] = {"start_date": h.start_date, "days": h.days, "population_year": _population_year(scenario)}
    kw["regency"] = scenario.regency()
    if h.warmup_days is not None:
        kw["warmup_days"] = h.warmup_days
    live = {}
    for code, when in sorted(go_live_dates(scenario, readiness).items()):
        day = max(0, _day(scenario, when))
        if day < h.days:
            live[code] = day
    kw["village_go_live"] = live

    s = scenario.staff
    for name in ("operators_per_village", "operator_skill"):
        value = getattr(s, name)
        if isinstance(value, dict):
            default = value.get("default")
            if default is None:  # villages not listed take the engine's calibrated default
                value = {code: v for code, v in value.items() if code != "default"}
            else:
                value = {**{code: default for code in live}, **{c: v for c, v in value.items() if c != "default"}}
        if value is not None:
            kw[name] = value
    for name in (
        "office_skill",
        "office_counters",
        "office_verifiers",
        "mpp_counters",
        "kecamatan_points",
        "leave_days_per_year",
    ):
        if getattr(s, name) is not None:
            kw[name] = getattr(s, name)

    c = scenario.calendar
    if c.signing_times is not None:
        kw["signing_times"] = tuple(hours_of(t) for t in c.signing_times)
    if c.working_days is not None:
        kw["working_days"] = tuple(c.working_days)
    if c.work_hours is not None:
        kw["work_hours"] = (hours_of(c.work_hours[0]), hours_of(c.work_hours[1]))
    if c.break_hours is not None:
        kw["break_hours"] = (hours_of(c.break_hours[0]), hours_of(c.break_hours[1]))
    if c.holidays is not None:
        kw["holidays"] = tuple(c.holidays)

    b = scenario.blanko
    if b.initial is not None:
        kw["blanko_initial"] = dict(b.initial)
    for name, key in (("reorder_point", "blanko_reorder_point"), ("reorder_qty", "blanko_reorder_qty")):
        value = getattr(b, name)
        if isinstance(value, int):
            value = {"ktp": value, "kia": value}
        if value is not None:
            kw[key] = dict(value)
    for name, key in (
        ("lead_days", "blanko_lead_days"),
        ("card_print_per_day", "card_print_per_day"),
    ):
        if getattr(b, name) is not None:
            kw[key] = getattr(b, name)

    outages = []
    for o in scenario.outages:
        start, end = _day(scenario, o.start), _day(scenario, o.end)
        if end < 0 or start >= h.days:
            continue
        outages.append((float(max(0, start)), float(min(h.days, end + 1))))
    if scenario.outages:
        kw["outages"] = outages

    d = scenario.demand
    if d.scale is not None:
        kw["demand_scale"] = d.scale
    if d.overrides is not None:
        kw["demand_overrides"] = dict(d.overrides)
    if d.initial_backlog is not None:
        kw["initial_backlog"] = d.initial_backlog
    if d.fitted is not None:
        kw["demand_fitted"] = d.fitted
    if d.model == "life_events":
        from ..life_events import LifeEventSettings

        cv = scenario.coverage
        kw["life_events"] = LifeEventSettings(
            rates=dict(d.life_events or {}),
            scale=1.0 if d.scale is None else float(d.scale),
            coverage=bool(cv.enabled),
            elasticity=cv.elasticity,
            uptake=dict(cv.uptake or {}),
        )

    if scenario.server.random_outages_per_year is not None:
        kw["random_outages_per_year"] = scenario.server.random_outages_per_year
    if scenario.server.central is not None:
        kw["central"] = scenario.server.central
    if scenario.calibration is not None:
        kw["calibration_file"] = scenario.calibration

    t = scenario.travel
    if t.mode is not None:
        kw["travel_mode"] = t.mode
    if t.courier_weekdays is not None:
        kw["courier_weekdays"] = tuple(t.courier_weekdays)
    return kw

"""``FlowParams``: everything the service-flow engine needs, validated.

Defaults come from ``data/calibration/flow.yaml`` (and the holiday table of ``demand.yaml``); every
default there carries its source or the word "assumption". Build directly
(``FlowParams(days=90, office_verifiers=10)``), with :meth:`FlowParams.all_live` /
:meth:`FlowParams.office_only`, or from a scenario (``Scenario.to_flow_params()``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .. import calibration
from ..errors import SakeraInputError
from ..services import SERVICE_IDS
from . import rules

__all__ = ["FlowParams", "SERVICE_IDS", "travel_modes"]


BLANKO_TYPES = ("ktp", "kia")


def travel_modes() -> tuple[str, ...]:
    """The citizen travel modes the registry's travel model knows."""
    return tuple(sorted(calibration.load("registry")["mode_speed_kmh"]))


def _flow(key: str) -> Any:
    return calibration.load("flow")[key]


def _default(key: str):
    """``default_factory`` reading ``flow.yaml`` (copies mutable values)."""

    def make():
        value = _flow(key)
        if isinstance(value, dict):
            return dict(value)
        if isinstance(value, list):
            return tuple(value)
        return value

    return field(default_factory=make)


@lru_cache(maxsize=1)
def _village_codes() -> tuple[str, ...]:
    from ..registry import villages

    return tuple(villages()["village_code"])


def _default_holidays() -> tuple[dt.date, ...]:
    return tuple(dt.date.fromisoformat(str(d)) for d in calibration.load("demand")["holidays"])


@dataclass(kw_only=True)
class FlowParams:
    """Parameters of one simulated scenario (all keyword-only; defaults from ``flow.yaml``).

    Time is measured in days from midnight of ``start_date`` (day 0); hours are hours of the day.

    Attributes
    ----------
    start_date : datetime.date
        First simulated day.
    days : int
        Horizon in days (>= 1). Requests arrive during ``[0, days)``; work still open at the end is
        reported as ``in_system``.
    warmup_days : int or None
        Requests arriving before this day are simulated but left out of the KPIs (0 <= warmup < days).
        Default: the calibrated warm-up, cut to a quarter of ``days`` for short horizons.
    population_year : int or None
        Year of the registry population used for demand (default: the year of ``start_date``).
    village_go_live : dict[str, int]
        Village code -> day index when its Sakera Mesem desk goes live. Villages absent never go live;
        their residents travel to the office, MPP or kecamatan point.
    operators_per_village : int or dict[str, int]
        Operators at each live desk (one value, or per village code; missing codes take the
        calibration default).
    operator_skill : float or dict[str, float]
        0..1; lowers handling time and the back-office rejection rate (``skill_slowdown``,
        ``error_rate_skill0/1`` in ``flow.yaml``). One value or per village code.
    office_skill : float
        Skill of office, MPP and kecamatan counter staff (0..1).
    office_counters : int
        Counters at the Dispendukcapil office (>= 1).
    office_verifiers : int
        Back-office verifiers at Dispendukcapil (>= 1).
    mpp_counters : int
        Dispendukcapil counters at the Mal Pelayanan Publik (0 = no MPP channel).
    kecamatan_points : bool or int
        Whether each kecamatan office serves citizens (True: ``kecamatan_counters`` counters each;
        an int gives the counters per point; False/0: none).
    signing_times : tuple of float or "HH:MM" str
        Hours of the day when the TTE batch is signed (on working days, not during outages).
    working_days : tuple of int
        Open weekdays, 0 = Monday.
    work_hours : (float, float) or float
        Opening and closing hour (e.g. ``(8.0, 14.0)``); a single number is the hours per day from
        the calibrated opening hour.
    break_hours : (float, float) or None
        Daily break when desks and office are closed.
    holidays : tuple of datetime.date
        Closed days (default: national holidays 2021-2026 from ``demand.yaml``).
    leave_days_per_year : float
        Leave days per operator per year; a desk is closed on a day all its operators are away.
    blanko_initial : dict[str, int]
        Blank cards in stock at day 0, keys ``'ktp'`` and ``'kia'``.
    blanko_reorder_point, blanko_reorder_qty : int or dict[str, int]
        When stock (on hand) falls to the reorder point with no order outstanding, order
        ``reorder_qty`` cards; one value for both types or per type.
    blanko_lead_days : int
        Calendar days from order to delivery.
    card_print_per_day : int
        Cards (KTP-el and KIA together) the office can print per working day.
    courier_weekdays : tuple of int
        Weekdays the courier takes printed cards to villages and kecamatan points (0 = Monday).
    outages : list of (float, float)
        Central-server outages ``[start_day, end_day)`` in fractional days from day 0 (e.g.
        ``(190.0, 193.5)``). Upload, verification and signing stop; nothing is lost.
    random_outages_per_year : float
        Extra outages drawn at random (Poisson; exponential durations, ``random_outage_mean_days``).
    central : sim.central.CentralSettings or None
        The shared central server as a saturating resource (timeouts, retries, give-ups): desk
        look-ups and uploads wait on it (:mod:`sakera_toolkit.sim.central`). ``None``: off (the
        upload takes a fixed ``upload_minutes`` of server time).
    life_events : sakera_toolkit.life_events.LifeEventSettings or None
        Demand drawn by life event with bundled documents and, optionally, coverage stocks whose
        uptake responds to access (:mod:`sakera_toolkit.life_events`). ``None``: per-document rates.
    demand_scale : float
        Multiplies every demand rate (>= 0).
    demand_overrides : dict[str, float]
        Service id -> rate per 1,000 residents per year replacing the calibrated rate.
    initial_backlog : int
        Files waiting for back-office verification at day 0.
    travel_mode : str or None
        ``motorbike``, ``ojek`` or ``public_transport`` (default: the registry's usual mode).
    calibration_file : str or None
        Optional user ``flow.yaml`` overriding engine numbers (handling minutes, error rates ...).
    demand_calibration_file : str or None
        Optional user ``demand.yaml`` overriding demand rates, profiles and seasonality.
    demand_fitted : str or None
        Demand override YAML from ``sakera demand fit`` (per-village rates, monthly index); it
        replaces the calibrated rates, then ``demand_overrides`` and ``demand_scale`` apply.
    regency : sakera_toolkit.regency.Regency or None
        Villages, population, travel model and service points (default: the built-in Sampang
        pack); carries any per-village population or road-distance data the run uses.
    """

    start_date: dt.date = field(default_factory=lambda: dt.date.fromisoformat(str(_flow("start_date"))))
    days: int = _default("days")
    warmup_days: int | None = None
    population_year: int | None = None
    village_go_live: dict[str, int] = field(default_factory=dict)
    operators_per_village: int | dict[str, int] = _default("operators_per_village")
    operator_skill: float | dict[str, float] = _default("operator_skill")
    office_skill: float = _default("office_skill")
    office_counters: int = _default("office_counters")
    office_verifiers: int = _default("office_verifiers")
    mpp_counters: int = _default("mpp_counters")
    kecamatan_points: bool | int = _default("kecamatan_points")
    signing_times: tuple[float, ...] = _default("signing_times")
    working_days: tuple[int, ...] = _default("working_days")
    work_hours: tuple[float, float] | float = _default("work_hours")
    break_hours: tuple[float, float] | None = _default("break_hours")
    holidays: tuple[dt.date, ...] = field(default_factory=_default_holidays)
    leave_days_per_year: float = _default("leave_days_per_year")
    blanko_initial: dict[str, int] = _default("blanko_initial")
    blanko_reorder_point: int | dict[str, int] = _default("blanko_reorder_point")
    blanko_reorder_qty: int | dict[str, int] = _default("blanko_reorder_qty")
    blanko_lead_days: int = _default("blanko_lead_days")
    card_print_per_day: int = _default("card_print_per_day")
    courier_weekdays: tuple[int, ...] = _default("courier_weekdays")
    outages: list[tuple[float, float]] = field(default_factory=list)
    random_outages_per_year: float = _default("random_outages_per_year")
    central: Any = None  # sim.central.CentralSettings: the shared central-server stage (None: off)
    life_events: Any = None  # life_events.LifeEventSettings: demand by life event (None: per-document rates)
    demand_scale: float = 1.0
    demand_overrides: dict[str, float] = field(default_factory=dict)
    initial_backlog: int = 0
    travel_mode: str | None = None
    calibration_file: str | None = None
    demand_calibration_file: str | None = None
    demand_fitted: str | None = None
    regency: Any = None

    def __post_init__(self) -> None:
        self.validate()

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def all_live(cls, **kwargs: Any) -> FlowParams:
        """Every one of the 186 villages live from day 0 (the built-in default scenario)."""
        reg = kwargs.get("regency")
        codes = reg.village_codes if reg is not None else _village_codes()
        kwargs.setdefault("village_go_live", {code: 0 for code in codes})
        return cls(**kwargs)

    @classmethod
    def office_only(cls, **kwargs: Any) -> FlowParams:
        """No village desk: everyone travels to the office, MPP or kecamatan point."""
        kwargs["village_go_live"] = {}
        return cls(**kwargs)

    def replace(self, **changes: Any) -> FlowParams:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    # -- validation (every rule lives in :mod:`.rules`) ------------------------------------------
    def _rule(self, name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except rules.Invalid as exc:
            raise SakeraInputError(str(exc), location=f"FlowParams.{name}") from None

    def _limit(self, name: str, value: Any, field_name: str | None = None) -> Any:
        return self._rule(name, rules.check, field_name or name.split("[")[0].split(".")[0], value)

    def _per_village(self, name: str, value: Any) -> Any:
        if isinstance(value, dict):
            known = set(self.village_codes())
            out = {}
            for code, v in value.items():
                if code not in known:
                    raise SakeraInputError(f"unknown village code {code!r}", location=f"FlowParams.{name}[{code!r}]")
                out[code] = self._limit(f"{name}[{code!r}]", v, name)
            return out
        return self._limit(name, value)

    def _per_blanko(self, name: str, value: Any) -> dict[str, int]:
        if isinstance(value, dict):
            unknown = set(value) - set(BLANKO_TYPES)
            if unknown:
                raise SakeraInputError(
                    f"unknown blanko type(s) {sorted(unknown)}; use {BLANKO_TYPES}", location=f"FlowParams.{name}"
                )
            default = _flow(name)
            merged = {**default, **value} if isinstance(default, dict) else dict(value)
            return {k: self._limit(f"{name}.{k}", merged.get(k, 0), name) for k in BLANKO_TYPES}
        v = self._limit(name, value)
        return {k: v for k in BLANKO_TYPES}

    def validate(self) -> FlowParams:
        """Check and normalise every field; raise :class:`SakeraInputError` naming the field."""
        self.start_date = self._rule("start_date", rules.date, self.start_date)
        self.days = self._limit("days", self.days)
        if self.warmup_days is None:
            self.warmup_days = min(int(_flow("warmup_days")), self.days // 4)
        self.warmup_days = self._limit("warmup_days", self.warmup_days)
        if self.warmup_days >= self.days:
            raise SakeraInputError(
                f"{self.warmup_days} must be shorter than days ({self.days})", location="FlowParams.warmup_days"
            )
        if self.population_year is None:
            self.population_year = self.start_date.year
        self.population_year = self._limit("population_year", self.population_year)
        if not isinstance(self.village_go_live, dict):
            raise SakeraInputError("must map village codes to day indexes", location="FlowParams.village_go_live")
        from ..regency import Regency

        if self.regency is None:
            self.regency = Regency.sampang()
        if not isinstance(self.regency, Regency):
            raise SakeraInputError(f"{self.regency!r} is not a Regency", location="FlowParams.regency")
        known = set(self.village_codes())
        live = {}
        for code, day in self.village_go_live.items():
            if code not in known:
                raise SakeraInputError(
                    f"unknown village code {code!r}", location=f"FlowParams.village_go_live[{code!r}]"
                )
            live[code] = self._limit(f"village_go_live[{code!r}]", day, "village_go_live")
        self.village_go_live = live
        self.operators_per_village = self._per_village("operators_per_village", self.operators_per_village)
        self.operator_skill = self._per_village("operator_skill", self.operator_skill)
        for name in ("office_skill", "office_counters", "office_verifiers", "mpp_counters", "leave_days_per_year"):
            setattr(self, name, self._limit(name, getattr(self, name)))
        if not isinstance(self.kecamatan_points, bool):
            self.kecamatan_points = self._limit("kecamatan_points", self.kecamatan_points)
        if isinstance(self.signing_times, (str, bytes)) or not hasattr(self.signing_times, "__iter__"):
            raise SakeraInputError(
                f"{self.signing_times!r} is not a list of hours", location="FlowParams.signing_times"
            )
        times = tuple(self._rule("signing_times", rules.hour, t) for t in self.signing_times)
        if not times:
            raise SakeraInputError("needs at least one signing time", location="FlowParams.signing_times")
        self.signing_times = tuple(sorted(set(times)))
        self.working_days = self._rule("working_days", rules.weekdays, self.working_days)
        wh: Any = self.work_hours
        if isinstance(wh, (int, float, np.number)) and not isinstance(wh, bool):
            length = self._rule("work_hours", rules.number, wh, 0.0, 24.0, strict=True)
            open_hour = float(_flow("work_hours")[0])
            if open_hour + length > 24:
                raise SakeraInputError(
                    f"{length} hours from {open_hour:g}:00 does not fit in a day", location="FlowParams.work_hours"
                )
            wh = (open_hour, open_hour + length)
        self.work_hours = self._rule("work_hours", rules.span, wh)
        if self.break_hours is not None:
            self.break_hours = self._rule("break_hours", rules.span, self.break_hours, inside=self.work_hours)
        self.holidays = tuple(
            sorted({self._rule(f"holidays[{i}]", rules.date, d) for i, d in enumerate(self.holidays or ())})
        )
        if not isinstance(self.blanko_initial, dict):
            raise SakeraInputError("must map 'ktp' and 'kia' to card counts", location="FlowParams.blanko_initial")
        self.blanko_initial = self._per_blanko("blanko_initial", self.blanko_initial)
        self.blanko_reorder_point = self._per_blanko("blanko_reorder_point", self.blanko_reorder_point)
        self.blanko_reorder_qty = self._per_blanko("blanko_reorder_qty", self.blanko_reorder_qty)
        self.blanko_lead_days = self._limit("blanko_lead_days", self.blanko_lead_days)
        self.card_print_per_day = self._limit("card_print_per_day", self.card_print_per_day)
        self.courier_weekdays = self._rule("courier_weekdays", rules.weekdays, self.courier_weekdays)
        outs = []
        for i, o in enumerate(self.outages or ()):
            try:
                a, b = o
            except (TypeError, ValueError):
                raise SakeraInputError(
                    f"{o!r} is not (start_day, end_day)", location=f"FlowParams.outages[{i}]"
                ) from None
            a = self._limit(f"outages[{i}]", a, "outages")
            b = self._limit(f"outages[{i}]", b, "outages")
            if b <= a:
                raise SakeraInputError(f"end {b} must be after start {a}", location=f"FlowParams.outages[{i}]")
            outs.append((a, b))
        self.outages = sorted(outs)
        self.random_outages_per_year = self._limit("random_outages_per_year", self.random_outages_per_year)
        if self.central is not None:
            from .central import CentralSettings

            if not isinstance(self.central, CentralSettings):
                raise SakeraInputError("must be a sim.central.CentralSettings or None", location="FlowParams.central")
        self.demand_scale = self._limit("demand_scale", self.demand_scale)
        if not isinstance(self.demand_overrides, dict):
            raise SakeraInputError(
                "must map service ids to rates per 1000 residents per year", location="FlowParams.demand_overrides"
            )
        ov = {}
        for sid, rate in self.demand_overrides.items():
            if sid not in SERVICE_IDS:
                raise SakeraInputError(
                    f"unknown service {sid!r}; use one of {SERVICE_IDS}",
                    location=f"FlowParams.demand_overrides[{sid!r}]",
                )
            ov[sid] = self._limit(f"demand_overrides[{sid!r}]", rate, "demand_overrides")
        self.demand_overrides = ov
        self.initial_backlog = self._limit("initial_backlog", self.initial_backlog)
        if self.travel_mode is not None:
            modes = travel_modes()
            if self.travel_mode not in modes:
                raise SakeraInputError(
                    f"unknown travel mode {self.travel_mode!r}; choose one of {list(modes)}",
                    location="FlowParams.travel_mode",
                )
        for name in ("calibration_file", "demand_calibration_file", "demand_fitted"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, str(value))
                if not Path(str(value)).exists():
                    raise SakeraInputError(f"file {str(value)!r} not found", location=f"FlowParams.{name}")
        return self

    # -- resolved views used by the engine ------------------------------------------------------
    def village_codes(self) -> tuple[str, ...]:
        """Village codes of the regency (built-in Sampang when ``regency`` is None)."""
        return self.regency.village_codes if self.regency is not None else _village_codes()

    def flow_calibration(self) -> calibration.Calibration:
        """The engine calibration (packaged ``flow.yaml`` plus ``calibration_file``)."""
        return calibration.load("flow", self.calibration_file)

    def demand_calibration(self) -> calibration.Calibration:
        """The demand calibration (packaged ``demand.yaml`` plus ``demand_calibration_file``)."""
        return calibration.load("demand", self.demand_calibration_file)

    def kecamatan_counters(self) -> int:
        """Counters per kecamatan point (0: no kecamatan channel)."""
        if isinstance(self.kecamatan_points, bool):
            return int(self.flow_calibration()["kecamatan_counters"]) if self.kecamatan_points else 0
        return int(self.kecamatan_points)

    def per_village(self, name: str, codes) -> np.ndarray:
        """``operators_per_village`` or ``operator_skill`` as an array aligned with ``codes``."""
        value = getattr(self, name)
        default = self.flow_calibration()[name]
        if isinstance(value, dict):
            return np.array([value.get(c, default) for c in codes], dtype=float)
        return np.full(len(codes), float(value))

    def go_live_days(self, codes) -> np.ndarray:
        """Go-live day per village in ``codes`` (``inf``: never)."""
        return np.array([float(self.village_go_live.get(c, np.inf)) for c in codes])

"""``compile``: a scenario, a regency and a calibration become the engine's :class:`EngineInputs`.

This is the one step between the user-facing layer (scenario YAML, :class:`~.params.FlowParams`,
both validated by :mod:`.rules`) and the stages of :mod:`.stages`: every lookup in calibration
dictionaries, the registry and the service catalogue happens here, once per run, and the result is
a frozen object of typed, read-only arrays. Stages read only this object.

The regency enters through :func:`geography` (the one seam to the regency pack): the built-in
Sampang pack or any :class:`~sakera_toolkit.regency.Regency`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import calibration as _calibration
from ..services import SERVICE_IDS
from .channel import KECAMATAN, MPP, TripCosts

if TYPE_CHECKING:  # pragma: no cover
    from ..regency import Regency
    from ..scenarios.spec import Scenario
    from .params import FlowParams

__all__ = ["EngineInputs", "FlowConstants", "Geography", "compile", "geography"]

FloatArray = np.ndarray
IntArray = np.ndarray
BoolArray = np.ndarray


@dataclass(frozen=True)
class Geography:
    """Villages, kecamatan, population and trip costs of one regency for one run."""

    village_codes: tuple[str, ...]
    district_codes: tuple[str, ...]
    district_of: IntArray  # (V,)
    population: FloatArray  # (V,) residents
    trips: TripCosts
    regency: Regency


_GEO_CACHE: dict[tuple[Any, ...], Geography] = {}


def geography(regency: Regency | None, year: int, mode: str | None, village_trip_minutes: float) -> Geography:
    """The :class:`Geography` of ``regency`` (default: built-in Sampang) for ``year`` and travel ``mode``.

    This is the only place the engine reads the regency pack (villages, kecamatan, population,
    travel model); results are cached per (pack, year, mode).
    """
    from ..regency import Regency as _Regency

    reg = regency if regency is not None else _Regency.sampang()
    key = (id(reg), int(year), mode, float(village_trip_minutes))
    cached = _GEO_CACHE.get(key)
    if cached is not None and cached.regency is reg:
        return cached
    codes = tuple(reg.village_codes)
    district_codes = tuple(reg.district_codes)
    pop = reg.population(int(year)).reindex(list(codes)).to_numpy(dtype=float)
    geo = Geography(
        village_codes=codes,
        district_codes=district_codes,
        district_of=_frozen(
            np.asarray(pd.Index(district_codes).get_indexer(pd.Index(reg.villages["district_code"])), dtype=np.int64)
        ),
        population=_frozen(pop),
        trips=TripCosts.from_travel(codes, mode, float(village_trip_minutes), regency=reg),
        regency=reg,
    )
    if len(_GEO_CACHE) > 8:
        _GEO_CACHE.clear()
    _GEO_CACHE[key] = geo
    return geo


@dataclass(frozen=True)
class FlowConstants:
    """Scalar engine numbers from ``flow.yaml`` (typed; see that file for each source)."""

    handling_cv: float
    office_minutes_factor: float
    biometric_minutes: float
    skill_slowdown: float
    error_rate_skill0: float
    error_rate_skill1: float
    incomplete_probability: float
    return_probability: float
    return_delay_days: float
    max_visits: int
    upload_minutes: float
    verify_minutes: float
    rework_delay_days: float
    max_verifications: int
    hvs_print_minutes: float
    courier_departure_hour: float
    courier_transit_hours: float
    calendar_tail_days: int
    random_outage_mean_days: float
    sla_working_days: int
    value_of_time_idr_per_hour: float
    mpp_share: float

    @classmethod
    def from_calibration(cls, fc: _calibration.Calibration) -> FlowConstants:
        """Read every scalar of the flow calibration ``fc``."""
        ints = {"max_visits", "max_verifications", "calendar_tail_days", "sla_working_days"}
        values: dict[str, Any] = {name: (int(fc[name]) if name in ints else float(fc[name])) for name in cls.__dataclass_fields__}
        return cls(**values)


@dataclass(frozen=True)
class EngineInputs:
    """Everything one run of the engine needs, as normalised, read-only arrays.

    Time is in days from midnight of ``start_date``; hours are hours of the day. Queues (groups of
    the service calendar) are ``0..V-1`` the village desks, ``V`` the office, ``V+1`` the MPP and
    ``V+2+k`` the counter of kecamatan ``k``.
    """

    start_date: dt.date
    days: int
    warmup_days: int
    geography: Geography
    # villages (V,)
    go_live: FloatArray  # day index, inf = never
    operators: IntArray
    skill: FloatArray
    # servers
    office_skill: float
    office_counters: int
    mpp_counters: int
    kecamatan_counters: int
    office_verifiers: int
    desk_servers: IntArray  # (V + 2 + K,) servers per desk/counter queue (>= 1)
    counters: IntArray  # (2 + K,) counters of office, MPP, kecamatan points (0 = closed)
    # calendars
    working_days: tuple[int, ...]
    work_hours: tuple[float, float]
    break_hours: tuple[float, float] | None
    holidays: tuple[dt.date, ...]
    signing_times: tuple[float, ...]
    courier_weekdays: tuple[int, ...]
    leave_days_per_year: float
    outages: tuple[tuple[float, float], ...]
    random_outages_per_year: float
    mpp_open_day: float  # day the MPP opens (0: open from the start; inf: no MPP)
    # services (S,)
    card: BoolArray  # output printed on card stock
    blanko: IntArray  # 0 KTP-el blanko, 1 KIA blanko, -1 none
    biometric: BoolArray
    back_office: BoolArray  # False: finished where served when its SIAK transaction goes through
    desk_minutes: FloatArray
    priority: FloatArray  # back-office priority (lower first)
    offered: BoolArray  # (S, 4) service offered on channel
    # card stock (ktp, kia)
    blanko_initial: IntArray
    blanko_reorder_point: IntArray
    blanko_reorder_qty: IntArray
    blanko_lead_days: int
    card_print_per_day: int
    # demand (the request stream is drawn from these by :mod:`sakera_toolkit.demand`)
    rate: pd.Series | pd.DataFrame  # per 1,000 residents per year: per service, or villages x services
    monthly: np.ndarray | None  # services x 12 monthly demand index (fitted), or None: calibrated seasons
    demand_calibration: _calibration.Calibration
    initial_backlog: int
    constants: FlowConstants
    params: FlowParams | None = None
    central: Any = None  # sim.central.CentralSettings or None (stage off)
    life_events: Any = None  # life_events.LifeEventSettings or None (per-document demand)

    @property
    def village_codes(self) -> tuple[str, ...]:
        """Village codes (index of every per-village array)."""
        return self.geography.village_codes

    @property
    def district_codes(self) -> tuple[str, ...]:
        """Kecamatan codes."""
        return self.geography.district_codes

    @property
    def villages(self) -> int:
        """Number of villages ``V``."""
        return len(self.geography.village_codes)

    @property
    def villages_live(self) -> int:
        """Villages whose desk goes live inside the horizon."""
        return int((self.go_live < self.days).sum())


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _catalogue_flags() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from ..services import load_catalogue

    cat = load_catalogue()
    card = np.array([cat.get(s).medium == "card" for s in SERVICE_IDS])
    biometric = np.array([cat.get(s).needs_biometric for s in SERVICE_IDS])
    blanko = np.array([(1 if s == "kia" else 0) if cat.get(s).needs_blanko else -1 for s in SERVICE_IDS])
    back_office = np.array([cat.get(s).back_office for s in SERVICE_IDS])
    return card, biometric, blanko.astype(np.int64), back_office


def _pair(value: int | dict[str, int]) -> np.ndarray:
    """``(ktp, kia)`` card counts from one number or a mapping (validated by ``FlowParams``)."""
    if isinstance(value, dict):
        return _frozen(np.array([int(value["ktp"]), int(value["kia"])], dtype=np.int64))
    return _frozen(np.array([int(value), int(value)], dtype=np.int64))


def _per_village(value: Any, default: Any, codes: tuple[str, ...]) -> np.ndarray:
    if isinstance(value, dict):
        return np.array([value.get(c, default) for c in codes], dtype=float)
    return np.full(len(codes), float(value))


def compile(
    scenario: FlowParams | Scenario | None = None,
    regency: Regency | None = None,
    calibration: _calibration.Calibration | None = None,
) -> EngineInputs:
    """Compile a scenario into :class:`EngineInputs`.

    Parameters
    ----------
    scenario
        A :class:`~sakera_toolkit.scenarios.spec.Scenario`, validated
        :class:`~.params.FlowParams`, or ``None`` for every village live (:meth:`FlowParams.all_live`).
    regency
        The regency pack (default: the scenario's, else the built-in Sampang pack).
    calibration
        The flow calibration (default: ``flow.yaml`` plus the scenario's ``calibration`` file).
    """
    from .params import FlowParams

    if scenario is None:
        params = FlowParams.all_live()
    elif isinstance(scenario, FlowParams):
        params = scenario.validate()
    else:
        params = scenario.to_flow_params()
    fc = calibration or params.flow_calibration()
    k = FlowConstants.from_calibration(fc)
    assert params.population_year is not None and params.warmup_days is not None  # set by validate()
    reg = regency if regency is not None else params.regency
    geo = geography(reg, params.population_year, params.travel_mode, float(fc["village_trip_minutes"]))
    codes = geo.village_codes
    card, biometric, blanko, back_office = _catalogue_flags()
    kec = params.kecamatan_counters()
    mpp_open = geo.regency.point_open_day("mpp", params.start_date)  # inf: no MPP (Sampang: Nov 2021)
    offered = np.ones((len(SERVICE_IDS), 4), dtype=bool)
    offered[:, MPP] = (
        np.isin(SERVICE_IDS, list(fc["mpp_services"])) & (params.mpp_counters > 0) & (mpp_open < params.days)
    )
    offered[:, KECAMATAN] = (
        np.isin(SERVICE_IDS, list(fc["kecamatan_services"])) & (kec > 0) & (geo.regency.point("kecamatan") is not None)
    )
    prio = dict(fc["verify_priority"])
    default_prio = float(prio.pop("default", 1))
    operators = _per_village(params.operators_per_village, fc["operators_per_village"], codes).astype(np.int64)
    n_kec = len(geo.district_codes)
    counters = np.concatenate([[params.office_counters, params.mpp_counters], np.full(n_kec, kec)]).astype(np.int64)
    from .. import demand

    dcal = params.demand_calibration()
    rate, monthly = demand.params_rates(params)
    wh = params.work_hours
    assert isinstance(wh, tuple)
    return EngineInputs(
        start_date=params.start_date,
        days=int(params.days),
        warmup_days=int(params.warmup_days),
        geography=geo,
        go_live=_frozen(np.array([float(params.village_go_live.get(c, np.inf)) for c in codes])),
        operators=_frozen(operators),
        skill=_frozen(_per_village(params.operator_skill, fc["operator_skill"], codes)),
        office_skill=float(params.office_skill),
        office_counters=int(params.office_counters),
        mpp_counters=int(params.mpp_counters),
        kecamatan_counters=int(kec),
        office_verifiers=int(params.office_verifiers),
        desk_servers=_frozen(np.concatenate([operators, np.maximum(counters, 1)])),
        counters=_frozen(counters),
        working_days=tuple(params.working_days),
        work_hours=(float(wh[0]), float(wh[1])),
        break_hours=None
        if params.break_hours is None
        else (float(params.break_hours[0]), float(params.break_hours[1])),
        holidays=tuple(params.holidays),
        signing_times=tuple(float(t) for t in params.signing_times),
        courier_weekdays=tuple(params.courier_weekdays),
        leave_days_per_year=float(params.leave_days_per_year),
        outages=tuple((float(a), float(b)) for a, b in params.outages),
        random_outages_per_year=float(params.random_outages_per_year),
        mpp_open_day=min(mpp_open, float(params.days)),
        card=_frozen(card),
        blanko=_frozen(blanko),
        biometric=_frozen(biometric),
        back_office=_frozen(back_office),
        desk_minutes=_frozen(np.array([float(fc["desk_minutes"][s]) for s in SERVICE_IDS])),
        priority=_frozen(np.array([float(prio.get(s, default_prio)) for s in SERVICE_IDS])),
        offered=_frozen(offered),
        blanko_initial=_pair(params.blanko_initial),
        blanko_reorder_point=_pair(params.blanko_reorder_point),
        blanko_reorder_qty=_pair(params.blanko_reorder_qty),
        blanko_lead_days=int(params.blanko_lead_days),
        card_print_per_day=int(params.card_print_per_day),
        rate=rate,
        monthly=None if monthly is None else _frozen(np.asarray(monthly, dtype=float)),
        demand_calibration=dcal,
        initial_backlog=int(params.initial_backlog),
        constants=k,
        params=params,
        central=params.central,
        life_events=params.life_events,
    )

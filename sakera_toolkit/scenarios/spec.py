"""Scenario: one validated, declarative description of a rollout, with a YAML form.

A scenario says which villages go live when (explicit Kemendagri codes or selection rules), the
staff at village desks and in the office, calendars and the signing schedule, blanko supply,
outages, demand changes, travel assumptions and the horizon. Fields left out (``None``) take the
engine's calibrated defaults (``calibration/flow.yaml``).

YAML layout (every section optional except ``name`` and ``horizon``)::

    name: my-scenario
    description: {id: "...", en: "..."}
    horizon: {start_date: 2022-01-01, days: 365, warmup_days: 30, population_year: 2022}
    rollout:
      readiness: assumed            # or a CSV path (relative to this file)
      phases:
        - date: 2022-01-03
          villages: [35.27.03.1003]  # explicit codes ...
          select:                    # ... and/or selection rules
            - {by: travel_time, count: 10, village_type: desa, per_kecamatan: 2}
            - {by: kecamatan, kecamatan: [Sokobanah]}
    staff: {operators_per_village: 1, operator_skill: 1.0, office_counters: 6, office_verifiers: 4}
    calendar: {working_days: [mon, tue, wed, thu, fri], work_hours: 6, holidays: [2022-05-02],
               signing_times: ["10:00", "14:00"]}
    blanko: {initial: {ktp: 5000, kia: 2000}, reorder_point: 50, reorder_qty: 10000, lead_days: 14,
             card_print_per_day: 900}
    outages: [{start: 2022-07-04, end: 2022-07-08, note: "central server"}]
    demand: {scale: 1.0, overrides: {kia: 40}, initial_backlog: 0, fitted: demand.yaml}  # fitted: sakera demand fit
    travel: {mode: motorbike, courier_weekdays: [tue, fri]}
    data: {regency: packs/pamekasan, population_csv: pop.csv, road_distance_csv: roads.csv}
                                     # optional; paths relative to this file (docs/regency.md)

Selection rules (``by``): ``population`` (largest first), ``travel_time`` (farthest from the office
first), ``readiness`` (villages with facilities and a certified operator by the phase date, or by
``until``, then going live on their ready date), ``kecamatan`` (every village of the named
kecamatan), ``all``. Options: ``count``, ``order`` (``descending``/``ascending``), ``village_type``
(``desa``/``kelurahan``/``any``), ``kecamatan`` (names or codes, filters any rule),
``per_kecamatan`` (at most this many per kecamatan). Ties are broken by village code. Villages
already live in an earlier phase are skipped by rules; listing a code twice is an error.

Every problem is a :class:`~sakera_toolkit.errors.SakeraInputError` naming the file, the field
path (``rollout.phases[2].villages[0]``) with its YAML line, and the problem.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import SakeraInputError
from ..services import SERVICE_IDS
from ..sim import rules
from ..sim.params import travel_modes

__all__ = [
    "Scenario",
    "Description",
    "Horizon",
    "SelectionRule",
    "Phase",
    "Rollout",
    "Staff",
    "Calendar",
    "Blanko",
    "Outage",
    "Demand",
    "Travel",
    "Server",
    "Coverage",
    "Data",
    "SELECT_BY",
    "SERVICE_IDS",
    "set_path",
    "get_path",
    "hours_of",
]

#: Selection rules for rollout phases.
SELECT_BY = ("population", "travel_time", "readiness", "kecamatan", "all")
WEEKDAYS = rules.WEEKDAYS


# ------------------------------------------------------------------------------------------------
# validation helpers: every one takes the field path for its message
# ------------------------------------------------------------------------------------------------
class _Ctx:
    """Where the scenario came from: file name and a map field path -> YAML line."""

    def __init__(self, source: str | None, lines: dict[str, int] | None = None, base_dir: Path | None = None):
        self.source = source
        self.lines = lines or {}
        self.base_dir = base_dir
        self.regency: Any = None  # the scenario's Regency once its ``data`` section is read

    def village_codes(self) -> frozenset[str]:
        """Codes valid in this scenario (its regency's, else the built-in Sampang's)."""
        return frozenset(self.regency.village_codes) if self.regency is not None else _known_villages()

    def error(self, path: str, message: str) -> SakeraInputError:
        line = self.lines.get(path)
        if line is None:
            # fall back to the closest parent that has a line
            parent = path
            while parent and line is None:
                parent = (
                    re.sub(r"(\.[^.\[]+|\[\d+\])$", "", parent) if re.search(r"(\.[^.\[]+|\[\d+\])$", parent) else ""
                )
                line = self.lines.get(parent)
        loc = f"{path} (line {line})" if line is not None and path else (path or None)
        return SakeraInputError(message, source=self.source, location=loc)


def _mapping(ctx: _Ctx, value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ctx.error(path, f"must be a mapping with keys {list(allowed)}, got {type(value).__name__}")
    for key in value:
        if key not in allowed:
            raise ctx.error(_join(path, str(key)), f"unknown field {str(key)!r}; allowed: {', '.join(allowed)}")
    for key in required:
        if value.get(key) is None:
            raise ctx.error(_join(path, key), "is required")
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _rule(ctx: _Ctx, path: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Apply a shared rule of :mod:`sakera_toolkit.sim.rules`; its problem is reported at ``path``."""
    try:
        return fn(*args, **kw)
    except rules.Invalid as exc:
        raise ctx.error(path, str(exc)) from None


def _limit(ctx: _Ctx, field_name: str, value: Any, path: str, allow_none: bool = True) -> Any:
    """``value`` within the engine's documented limit of ``field_name`` (``None`` passes unless required)."""
    if value is None:
        if allow_none:
            return None
        raise ctx.error(path, "is required")
    return _rule(ctx, path, rules.check, field_name, value)


def _int(ctx: _Ctx, value: Any, path: str, minimum: int = 0) -> int | None:
    """A whole number >= ``minimum`` for fields the engine has no limit for (selection rules)."""
    return None if value is None else _rule(ctx, path, rules.whole, value, minimum)


def _date(ctx: _Ctx, value: Any, path: str) -> dt.date:
    return _rule(ctx, path, rules.date, value)


def _choice(ctx: _Ctx, value: Any, path: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ctx.error(path, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _list(ctx: _Ctx, value: Any, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ctx.error(path, f"must be a list, got {type(value).__name__}")
    return list(value)


def _weekdays(ctx: _Ctx, value: Any, path: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    items = _list(ctx, value, path)
    for i, item in enumerate(items):  # name the offending item
        _rule(ctx, f"{path}[{i}]", rules.weekdays, [item])
    return _rule(ctx, path, rules.weekdays, items, allow_repeats=False)


def _time(ctx: _Ctx, value: Any, path: str) -> str:
    """A time of day as "HH:MM" (YAML may give 'HH:MM' text, or a number of hours such as 13.5)."""
    hours = _rule(ctx, path, rules.hour, value, allow_end=False)
    return rules.hhmm(hours)


def _span(ctx: _Ctx, value: Any, path: str) -> tuple[str, str] | None:
    """[start, end] times of day with start < end."""
    if value is None:
        return None
    items = _list(ctx, value, path)
    if len(items) != 2:
        raise ctx.error(path, "must be [start, end], e.g. ['08:00', '14:00']")
    a, b = _time(ctx, items[0], f"{path}[0]"), _time(ctx, items[1], f"{path}[1]")
    _rule(ctx, f"{path}[1]", rules.span, (a, b))
    return (a, b)


def hours_of(text: str) -> float:
    """'13:30' -> 13.5."""
    hh, mm = text.split(":")
    return int(hh) + int(mm) / 60.0


@lru_cache(maxsize=1)
def _known_villages() -> frozenset[str]:
    from ..registry import villages

    return frozenset(villages()["village_code"])


@lru_cache(maxsize=1)
def _service_ids() -> tuple[str, ...]:
    try:
        from ..services import load_catalogue  # type: ignore[attr-defined]

        return tuple(load_catalogue().ids())
    except ImportError:
        return SERVICE_IDS


def _per_card(ctx: _Ctx, field_name: str, value: Any, path: str) -> int | dict | None:
    """A number of cards for both KTP-el and KIA, or a mapping ``{ktp: n, kia: n}``."""
    if isinstance(value, dict):
        m = _mapping(ctx, value, path, ("ktp", "kia"))
        return {k: _limit(ctx, field_name, v, f"{path}.{k}") for k, v in m.items() if v is not None}
    return _limit(ctx, field_name, value, path)


def _village_code(ctx: _Ctx, value: Any, path: str) -> str:
    code = str(value).strip() if value is not None else ""
    if code not in ctx.village_codes():
        raise ctx.error(path, f"unknown village code {code!r}")
    return code


def _kecamatan(ctx: _Ctx, value: Any, path: str) -> str:
    """A kecamatan code or name (case-insensitive) -> its code."""
    from ..registry import districts

    dis = ctx.regency.districts if ctx.regency is not None else districts()
    text = str(value).strip()
    if text in set(dis["district_code"]):
        return text
    by_name = {n.lower(): c for n, c in zip(dis["district_name"], dis["district_code"], strict=True)}
    if text.lower() in by_name:
        return by_name[text.lower()]
    raise ctx.error(path, f"unknown kecamatan {text!r}")


def _per_village(ctx: _Ctx, value: Any, path: str, field_name: str) -> int | float | dict | None:
    """A number, or a mapping ``{default: n, <village code>: n}``."""
    if value is None:
        return None

    def conv(v: Any, p: str) -> Any:
        return _limit(ctx, field_name, v, p)

    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            p = _join(path, str(key))
            if str(key) == "default":
                out["default"] = conv(item, p)
            else:
                out[_village_code(ctx, key, p)] = conv(item, p)
        return out
    return conv(value, path)


# ------------------------------------------------------------------------------------------------
# dataclasses
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Description:
    """Description in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str = ""
    en: str = ""


@dataclass(frozen=True)
class Horizon:
    """Simulated period: first day, length in days, warm-up days excluded from KPIs."""

    start_date: dt.date
    days: int
    warmup_days: int | None = None
    population_year: int | None = None

    @property
    def end_date(self) -> dt.date:
        """Last simulated day."""
        return self.start_date + dt.timedelta(days=self.days - 1)


@dataclass(frozen=True)
class SelectionRule:
    """A rule choosing villages for a phase (see the module docstring)."""

    by: str
    count: int | None = None
    order: str | None = None
    village_type: str = "any"
    kecamatan: tuple[str, ...] = ()
    per_kecamatan: int | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class Phase:
    """Villages going live on ``date`` (explicit codes and/or selection rules)."""

    date: dt.date
    villages: tuple[str, ...] = ()
    select: tuple[SelectionRule, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class Rollout:
    """Rollout phases in date order and the readiness source (``assumed`` or a CSV path)."""

    phases: tuple[Phase, ...] = ()
    readiness: str = "assumed"


@dataclass(frozen=True)
class Staff:
    """Village operators (count >= 1 and skill 0..1, one value or per village) and office staff.

    ``kecamatan_points``: whether kecamatan offices serve citizens (``true``/``false``) or the
    number of counters at each.
    """

    operators_per_village: int | float | dict | None = None
    operator_skill: float | dict | None = None
    office_skill: float | None = None
    office_counters: int | None = None
    office_verifiers: int | None = None
    mpp_counters: int | None = None
    kecamatan_points: bool | int | None = None
    leave_days_per_year: float | None = None


@dataclass(frozen=True)
class Calendar:
    """Working days (0 = Monday), opening hours and break ("HH:MM" start, end), holidays, signing times."""

    working_days: tuple[int, ...] | None = None
    work_hours: tuple[str, str] | None = None
    break_hours: tuple[str, str] | None = None
    holidays: tuple[dt.date, ...] | None = None
    signing_times: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Blanko:
    """Card stock (KTP-el, KIA) and the reorder rule (a number for both cards or ``{ktp, kia}``)."""

    initial: dict | None = None
    reorder_point: int | dict | None = None
    reorder_qty: int | dict | None = None
    lead_days: int | None = None
    card_print_per_day: int | None = None


@dataclass(frozen=True)
class Outage:
    """A central-server outage from ``start`` to ``end`` (both days included)."""

    start: dt.date
    end: dt.date
    note: str = ""


@dataclass(frozen=True)
class Demand:
    """Demand scale, per-service overrides (requests per 1000 residents per year), initial backlog."""

    scale: float | None = None
    overrides: dict | None = None
    initial_backlog: int | None = None
    fitted: str | None = None
    model: str | None = None  # "documents" (default) or "life_events" (sakera_toolkit.life_events)
    life_events: dict | None = None  # life event -> events per 1000 residents per year (model: life_events)


@dataclass(frozen=True)
class Coverage:
    """Coverage stocks whose uptake responds to access (needs ``demand.model: life_events``)."""

    enabled: bool | None = None
    elasticity: float | None = None
    uptake: dict | None = None  # akta/kia/ktp -> uptake hazard per year


@dataclass(frozen=True)
class Travel:
    """Citizen travel mode and the weekdays a courier brings finished documents to villages."""

    mode: str | None = None
    courier_weekdays: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Server:
    """Central server (SIAK) reliability beyond the scheduled ``outages``."""

    random_outages_per_year: float | None = None
    central: Any = None  # sim.central.CentralSettings (the saturating central server) or None


@dataclass(frozen=True)
class Data:
    """Real data the run uses: a regency pack, per-village populations, road distances (paths)."""

    regency: str | None = None
    population_csv: str | None = None
    road_distance_csv: str | None = None


@lru_cache(maxsize=16)
def _regency_for(regency: str | None, population_csv: str | None, road_distance_csv: str | None) -> Any:
    from ..regency import resolve

    return resolve(regency, population_csv, road_distance_csv)


@dataclass(frozen=True)
class Scenario:
    """A validated rollout scenario. Build with :meth:`from_yaml`, :meth:`from_dict` or :func:`load`."""

    name: str
    horizon: Horizon
    description: Description = field(default_factory=Description)
    rollout: Rollout = field(default_factory=Rollout)
    staff: Staff = field(default_factory=Staff)
    calendar: Calendar = field(default_factory=Calendar)
    blanko: Blanko = field(default_factory=Blanko)
    outages: tuple[Outage, ...] = ()
    demand: Demand = field(default_factory=Demand)
    travel: Travel = field(default_factory=Travel)
    server: Server = field(default_factory=Server)
    coverage: Coverage = field(default_factory=Coverage)
    calibration: str | None = None
    data: Data = field(default_factory=Data)
    source: str | None = field(default=None, compare=False, repr=False)

    def regency(self) -> Any:
        """The :class:`~sakera_toolkit.regency.Regency` of this scenario with its data applied."""
        return _regency_for(self.data.regency, self.data.population_csv, self.data.road_distance_csv)

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(
        cls, data: Any, source: str | None = None, lines: dict[str, int] | None = None, base_dir: Path | None = None
    ) -> Scenario:
        """Validate a plain mapping (as read from YAML) into a Scenario."""
        return _parse(data, _Ctx(source, lines, base_dir))

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario YAML file."""
        from .._io import read_text_file

        p = Path(path)
        text = read_text_file(p, what="scenario YAML")
        return cls.from_yaml_text(text, source=str(p), base_dir=p.resolve().parent)

    @classmethod
    def from_yaml_text(cls, text: str, source: str | None = "<string>", base_dir: Path | None = None) -> Scenario:
        """Validate scenario YAML given as text (``source`` names it in errors)."""
        from .._io import parse_yaml

        data, node = parse_yaml(text, source=source)  # bounded: size, depth, aliases, duplicate keys
        lines: dict[str, int] = {}
        if node is not None:
            _node_lines(node, "", lines)
        return cls.from_dict(data, source=source, lines=lines, base_dir=base_dir)

    # -- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain mapping (YAML-ready); ``None`` fields are left out."""
        plain = _to_plain(self)
        return {key: plain[key] for key in _TOP if key in plain}

    def to_yaml(self, path: str | Path | None = None) -> str:
        """YAML text of the scenario; also written to ``path`` if given."""
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        if path is not None:
            from .._io import write_atomic

            write_atomic(path, text)
        return text

    def replace(self, **changes: Any) -> Scenario:
        """A copy with top-level fields replaced (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def with_values(self, values: dict[str, Any]) -> Scenario:
        """A validated copy with dotted paths set, e.g. ``{"staff.office_verifiers": 3}``."""
        data = self.to_dict()
        for path, value in values.items():
            set_path(data, path, value)
        base_dir = Path(self.source).resolve().parent if self.source and Path(self.source).exists() else None
        return Scenario.from_dict(data, source=self.source, base_dir=base_dir)

    # -- resolution --------------------------------------------------------------------------
    def village_frame(self, readiness: pd.DataFrame | None = None) -> pd.DataFrame:
        """Villages with population, travel time, readiness and their go-live date (NaT if never).

        Parameters
        ----------
        readiness
            Readiness table (see :mod:`.readiness`); default: the scenario's ``rollout.readiness``.
        """
        from .resolve import village_frame

        return village_frame(self, readiness=readiness)

    def go_live_dates(self, readiness: pd.DataFrame | None = None) -> dict[str, dt.date]:
        """Village code -> go-live date for every village a phase brings live."""
        from .resolve import go_live_dates

        return go_live_dates(self, readiness=readiness)

    def flow_kwargs(self, readiness: pd.DataFrame | None = None) -> dict[str, Any]:
        """Keyword arguments for :class:`sakera_toolkit.sim.FlowParams` (unset fields left out)."""
        from .resolve import flow_kwargs

        return flow_kwargs(self, readiness=readiness)

    def to_flow_params(self, readiness: pd.DataFrame | None = None, **overrides: Any):
        """The engine's :class:`~sakera_toolkit.sim.FlowParams` for this scenario."""
        from ..sim import FlowParams

        kwargs = self.flow_kwargs(readiness=readiness)
        kwargs.update(overrides)
        return FlowParams(**kwargs)

    def summary(self) -> dict[str, Any]:
        """One-line facts: name, horizon, phases, villages live at the end, outages."""
        live = self.go_live_dates()
        return {
            "name": self.name,
            "start_date": self.horizon.start_date.isoformat(),
            "days": self.horizon.days,
            "phases": len(self.rollout.phases),
            "villages_live": sum(1 for d in live.values() if d <= self.horizon.end_date),
            "outages": len(self.outages),
            "description_id": self.description.id,
            "description_en": self.description.en,
        }


# ------------------------------------------------------------------------------------------------
# parsing
# ------------------------------------------------------------------------------------------------
def _node_lines(node: yaml.Node, path: str, out: dict[str, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            sub = _join(path, str(key))
            out[sub] = key_node.start_mark.line + 1
            _node_lines(value_node, sub, out)
            out[sub] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, f"{path}[{i}]", out)


_TOP = (
    "name",
    "description",
    "horizon",
    "rollout",
    "staff",
    "calendar",
    "blanko",
    "outages",
    "server",
    "demand",
    "travel",
    "coverage",
    "calibration",
    "data",
)


def _parse(data: Any, ctx: _Ctx) -> Scenario:
    if data is None:
        raise ctx.error("", "the scenario file is empty")
    d = _mapping(ctx, data, "", _TOP, required=("name", "horizon"))
    data = _parse_data(ctx, d.get("data"))
    name = str(d["name"]).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ctx.error("name", f"{name!r} must be letters, digits, '-', '_' or '.'")

    desc_raw = d.get("description")
    if isinstance(desc_raw, str):
        description = Description(id=desc_raw, en=desc_raw)
    else:
        dd = _mapping(ctx, desc_raw, "description", ("id", "en"))
        description = Description(id=str(dd.get("id") or ""), en=str(dd.get("en") or ""))

    h = _mapping(
        ctx,
        d["horizon"],
        "horizon",
        ("start_date", "days", "warmup_days", "population_year"),
        required=("start_date", "days"),
    )
    horizon = Horizon(
        start_date=_date(ctx, h["start_date"], "horizon.start_date"),
        days=_limit(ctx, "days", h["days"], "horizon.days", allow_none=False),
        warmup_days=_limit(ctx, "warmup_days", h.get("warmup_days"), "horizon.warmup_days"),
        population_year=_limit(ctx, "population_year", h.get("population_year"), "horizon.population_year"),
    )
    if horizon.population_year is None:  # the population year defaults to the start year: same limits
        _limit(ctx, "population_year", horizon.start_date.year, "horizon.start_date")
    if horizon.warmup_days is not None and horizon.warmup_days >= horizon.days:
        raise ctx.error(
            "horizon.warmup_days", f"{horizon.warmup_days} must be shorter than horizon.days ({horizon.days})"
        )

    rollout = _parse_rollout(ctx, d.get("rollout"))

    s = _mapping(ctx, d.get("staff"), "staff", tuple(f.name for f in dataclasses.fields(Staff)))
    staff = Staff(
        operators_per_village=_per_village(
            ctx, s.get("operators_per_village"), "staff.operators_per_village", "operators_per_village"
        ),
        operator_skill=_per_village(ctx, s.get("operator_skill"), "staff.operator_skill", "operator_skill"),
        office_skill=_limit(ctx, "office_skill", s.get("office_skill"), "staff.office_skill"),
        office_counters=_limit(ctx, "office_counters", s.get("office_counters"), "staff.office_counters"),
        office_verifiers=_limit(ctx, "office_verifiers", s.get("office_verifiers"), "staff.office_verifiers"),
        mpp_counters=_limit(ctx, "mpp_counters", s.get("mpp_counters"), "staff.mpp_counters"),
        kecamatan_points=s.get("kecamatan_points")
        if isinstance(s.get("kecamatan_points"), bool)
        else _limit(ctx, "kecamatan_points", s.get("kecamatan_points"), "staff.kecamatan_points"),
        leave_days_per_year=_limit(
            ctx, "leave_days_per_year", s.get("leave_days_per_year"), "staff.leave_days_per_year"
        ),
    )

    c = _mapping(ctx, d.get("calendar"), "calendar", tuple(f.name for f in dataclasses.fields(Calendar)))
    holidays = None
    if c.get("holidays") is not None:
        holidays = tuple(
            sorted(
                {
                    _date(ctx, v, f"calendar.holidays[{i}]")
                    for i, v in enumerate(_list(ctx, c["holidays"], "calendar.holidays"))
                }
            )
        )
    signing = None
    if c.get("signing_times") is not None:
        items = [
            _time(ctx, v, f"calendar.signing_times[{i}]")
            for i, v in enumerate(_list(ctx, c["signing_times"], "calendar.signing_times"))
        ]
        if items != sorted(items) or len(set(items)) != len(items):
            raise ctx.error("calendar.signing_times", "times must be in increasing order without repeats")
        signing = tuple(items)
    work_hours = _span(ctx, c.get("work_hours"), "calendar.work_hours")
    break_hours = _span(ctx, c.get("break_hours"), "calendar.break_hours")
    if (
        break_hours is not None
        and work_hours is not None
        and not (work_hours[0] < break_hours[0] and break_hours[1] < work_hours[1])
    ):
        raise ctx.error(
            "calendar.break_hours", f"{list(break_hours)} must lie inside calendar.work_hours {list(work_hours)}"
        )
    working_days = _weekdays(ctx, c.get("working_days"), "calendar.working_days")
    if working_days is not None and not working_days:
        raise ctx.error("calendar.working_days", "needs at least one working day")
    calendar = Calendar(
        working_days=working_days,
        work_hours=work_hours,
        break_hours=break_hours,
        holidays=holidays,
        signing_times=signing,
    )

    b = _mapping(ctx, d.get("blanko"), "blanko", tuple(f.name for f in dataclasses.fields(Blanko)))
    initial = None
    if b.get("initial") is not None:
        bi = _mapping(ctx, b["initial"], "blanko.initial", ("ktp", "kia"))
        initial = {k: _limit(ctx, "blanko_initial", v, f"blanko.initial.{k}") for k, v in bi.items() if v is not None}
    blanko = Blanko(
        initial=initial,
        reorder_point=_per_card(ctx, "blanko_reorder_point", b.get("reorder_point"), "blanko.reorder_point"),
        reorder_qty=_per_card(ctx, "blanko_reorder_qty", b.get("reorder_qty"), "blanko.reorder_qty"),
        lead_days=_limit(ctx, "blanko_lead_days", b.get("lead_days"), "blanko.lead_days"),
        card_print_per_day=_limit(ctx, "card_print_per_day", b.get("card_print_per_day"), "blanko.card_print_per_day"),
    )

    outages = []
    for i, item in enumerate(_list(ctx, d.get("outages"), "outages")):
        p = f"outages[{i}]"
        o = _mapping(ctx, item, p, ("start", "end", "note"), required=("start", "end"))
        start, end = _date(ctx, o["start"], f"{p}.start"), _date(ctx, o["end"], f"{p}.end")
        if end < start:
            raise ctx.error(f"{p}.end", f"{end} is before {p}.start {start}")
        outages.append(Outage(start=start, end=end, note=str(o.get("note") or "")))
    outages.sort(key=lambda o: o.start)

    dm = _mapping(
        ctx, d.get("demand"), "demand", ("scale", "overrides", "initial_backlog", "fitted", "model", "life_events")
    )
    fitted = None
    if dm.get("fitted") is not None:
        fp = Path(str(dm["fitted"]).strip())
        if not fp.is_absolute() and ctx.base_dir is not None:
            fp = ctx.base_dir / fp
        if not fp.exists():
            raise ctx.error("demand.fitted", f"demand fit {str(dm['fitted'])!r} not found")
        from ..demand import read_fitted

        read_fitted(fp)  # validate now: errors name the file and field
        fitted = str(fp)
    overrides = None
    if dm.get("overrides") is not None:
        ov = _mapping(ctx, dm["overrides"], "demand.overrides", _service_ids())
        overrides = {k: _limit(ctx, "demand_overrides", v, f"demand.overrides.{k}") for k, v in ov.items()}
    demand = Demand(
        scale=_limit(ctx, "demand_scale", dm.get("scale"), "demand.scale"),
        overrides=overrides,
        initial_backlog=_limit(ctx, "initial_backlog", dm.get("initial_backlog"), "demand.initial_backlog"),
        fitted=fitted,
        **_parse_life_events(ctx, dm),
    )
    coverage = _parse_coverage(ctx, d.get("coverage"), demand.model)

    t = _mapping(ctx, d.get("travel"), "travel", ("mode", "courier_weekdays"))
    mode = None
    if t.get("mode") is not None:
        mode = _choice(ctx, t["mode"], "travel.mode", travel_modes())
    travel = Travel(mode=mode, courier_weekdays=_weekdays(ctx, t.get("courier_weekdays"), "travel.courier_weekdays"))

    from ..sim.central import SERVER_KEYS, settings_from_section

    sv = _mapping(
        ctx, d.get("server"), "server", ("random_outages_per_year", "central", "batch_upload", "degraded", *SERVER_KEYS)
    )
    server = Server(
        random_outages_per_year=_limit(
            ctx, "random_outages_per_year", sv.get("random_outages_per_year"), "server.random_outages_per_year"
        ),
        central=settings_from_section(sv, horizon.start_date, ctx.error),
    )

    calib_file = None
    if d.get("calibration") is not None:
        cp = Path(str(d["calibration"]).strip())
        if not cp.is_absolute() and ctx.base_dir is not None:
            cp = ctx.base_dir / cp
        if not cp.exists():
            raise ctx.error("calibration", f"calibration file {str(d['calibration'])!r} not found")
        from .. import calibration as _calibration

        _calibration.load("flow", cp)  # validate now: errors name the calibration file and entry
        calib_file = str(cp)

    return Scenario(
        name=name,
        horizon=horizon,
        description=description,
        rollout=rollout,
        staff=staff,
        calendar=calendar,
        blanko=blanko,
        outages=tuple(outages),
        demand=demand,
        travel=travel,
        server=server,
        coverage=coverage,
        calibration=calib_file,
        data=data,
        source=ctx.source,
    )


def _rate(ctx: _Ctx, value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value == float("inf"):
        raise ctx.error(path, f"{value!r} must be a number >= 0")
    return float(value)


def _parse_life_events(ctx: _Ctx, dm: dict) -> dict[str, Any]:
    """``demand.model`` and ``demand.life_events`` (event rates per 1000 residents per year)."""
    model = None if dm.get("model") is None else _choice(ctx, dm["model"], "demand.model", ("documents", "life_events"))
    rates = None
    if dm.get("life_events") is not None:
        if model != "life_events":
            raise ctx.error("demand.life_events", "needs demand.model: life_events")
        from ..life_events import EVENTS

        raw = _mapping(ctx, dm["life_events"], "demand.life_events", EVENTS)
        rates = {k: _rate(ctx, v, f"demand.life_events.{k}") for k, v in raw.items()}
    if model == "life_events":
        for key in ("overrides", "fitted"):
            if dm.get(key) is not None:
                raise ctx.error(f"demand.{key}", "applies to the per-document model, not to demand.model: life_events")
    return {"model": model, "life_events": rates}


def _parse_coverage(ctx: _Ctx, raw: Any, model: str | None) -> Coverage:
    """The ``coverage`` section: stocks lacking akta/KIA/KTP-el, uptake responding to access."""
    if raw is None:
        return Coverage()
    c = _mapping(ctx, raw, "coverage", ("enabled", "elasticity", "uptake"))
    enabled = c.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ctx.error("coverage.enabled", f"{enabled!r} must be true or false")
    if enabled and model != "life_events":
        raise ctx.error("coverage", "needs demand.model: life_events (the backlog uptakes are life-event requests)")
    uptake = None
    if c.get("uptake") is not None:
        from ..life_events import COVERAGE_DOCUMENTS

        u = _mapping(ctx, c["uptake"], "coverage.uptake", COVERAGE_DOCUMENTS)
        uptake = {k: _rate(ctx, v, f"coverage.uptake.{k}") for k, v in u.items()}
    elasticity = None if c.get("elasticity") is None else _rate(ctx, c["elasticity"], "coverage.elasticity")
    return Coverage(enabled=enabled, elasticity=elasticity, uptake=uptake)


def _parse_data(ctx: _Ctx, raw: Any) -> Data:
    """The ``data`` section: files resolved against the scenario's folder, validated now."""
    m = _mapping(ctx, raw, "data", ("regency", "population_csv", "road_distance_csv"))
    paths: dict[str, str | None] = {}
    for key in ("regency", "population_csv", "road_distance_csv"):
        if m.get(key) is None:
            paths[key] = None
            continue
        p = Path(str(m[key]).strip())
        if not p.is_absolute() and ctx.base_dir is not None:
            p = ctx.base_dir / p
        if not p.exists():
            raise ctx.error(f"data.{key}", f"{str(m[key])!r} not found")
        paths[key] = str(p)
    data = Data(**paths)
    try:
        ctx.regency = _regency_for(data.regency, data.population_csv, data.road_distance_csv)
    except SakeraInputError as exc:
        raise ctx.error("data", str(exc)) from None
    return data


def _parse_rollout(ctx: _Ctx, raw: Any) -> Rollout:
    r = _mapping(ctx, raw, "rollout", ("phases", "readiness"))
    readiness = str(r.get("readiness") or "assumed").strip()
    if readiness != "assumed":
        csv = Path(readiness)
        if not csv.is_absolute() and ctx.base_dir is not None:
            csv = ctx.base_dir / csv
        if not csv.exists():
            raise ctx.error(
                "rollout.readiness", f"readiness file {readiness!r} not found (use 'assumed' or a CSV path)"
            )
        from .readiness import read_readiness_csv

        read_readiness_csv(csv)  # validate now so errors name the CSV, row and field
        readiness = str(csv)
    phases: list[Phase] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(_list(ctx, r.get("phases"), "rollout.phases")):
        p = f"rollout.phases[{i}]"
        ph = _mapping(ctx, item, p, ("date", "villages", "select", "name"), required=("date",))
        date = _date(ctx, ph["date"], f"{p}.date")
        if phases and date < phases[-1].date:
            raise ctx.error(
                f"{p}.date",
                f"{date} is before rollout.phases[{i - 1}].date {phases[-1].date} (phases must be in date order)",
            )
        codes: list[str] = []
        raw_villages = ph.get("villages")
        for j, code in enumerate(_list(ctx, raw_villages, f"{p}.villages")):
            code = _village_code(ctx, code, f"{p}.villages[{j}]")
            if code in seen:
                raise ctx.error(f"{p}.villages[{j}]", f"village {code!r} already goes live in {seen[code]}")
            seen[code] = p
            codes.append(code)
        select_rules = []
        raw_select = ph.get("select")
        if isinstance(raw_select, dict):
            raw_select = [raw_select]
        for j, rule in enumerate(_list(ctx, raw_select, f"{p}.select")):
            select_rules.append(_parse_rule(ctx, rule, f"{p}.select[{j}]", date))
        if not codes and not select_rules:
            raise ctx.error(p, "a phase needs 'villages' or 'select'")
        phases.append(
            Phase(
                date=date,
                villages=tuple(codes),
                select=tuple(select_rules),
                name=None if ph.get("name") is None else str(ph["name"]),
            )
        )
    return Rollout(phases=tuple(phases), readiness=readiness)


def _parse_rule(ctx: _Ctx, raw: Any, path: str, phase_date: dt.date) -> SelectionRule:
    r = _mapping(
        ctx,
        raw,
        path,
        ("by", "count", "order", "village_type", "kecamatan", "per_kecamatan", "until"),
        required=("by",),
    )
    by = _choice(ctx, r["by"], f"{path}.by", SELECT_BY)
    order = None
    if r.get("order") is not None:
        order = _choice(ctx, r["order"], f"{path}.order", ("descending", "ascending"))
    kec = tuple(
        _kecamatan(ctx, v, f"{path}.kecamatan[{i}]")
        for i, v in enumerate(
            _list(
                ctx,
                r.get("kecamatan") if not isinstance(r.get("kecamatan"), str) else [r["kecamatan"]],
                f"{path}.kecamatan",
            )
        )
    )
    if by == "kecamatan" and not kec:
        raise ctx.error(f"{path}.kecamatan", "is required when by: kecamatan")
    until = None
    if r.get("until") is not None:
        if by != "readiness":
            raise ctx.error(f"{path}.until", "only applies to by: readiness")
        until = _date(ctx, r["until"], f"{path}.until")
        if until < phase_date:
            raise ctx.error(f"{path}.until", f"{until} is before the phase date {phase_date}")
    return SelectionRule(
        by=by,
        count=_int(ctx, r.get("count"), f"{path}.count", minimum=1),
        order=order,
        village_type=_choice(ctx, r.get("village_type") or "any", f"{path}.village_type", ("desa", "kelurahan", "any")),
        kecamatan=kec,
        per_kecamatan=_int(ctx, r.get("per_kecamatan"), f"{path}.per_kecamatan", minimum=1),
        until=until,
    )


# ------------------------------------------------------------------------------------------------
# serialisation and dotted paths
# ------------------------------------------------------------------------------------------------
_WEEKDAY_FIELDS = {"working_days", "courier_weekdays"}


def _to_plain(obj: Any, key: str | None = None) -> Any:
    if dataclasses.is_dataclass(obj):
        out = {}
        for f in dataclasses.fields(obj):
            if f.name == "source":
                continue
            value = getattr(obj, f.name)
            if value is None or (isinstance(value, (tuple, dict)) and not value):
                continue
            if isinstance(obj, SelectionRule) and f.name == "village_type" and value == "any":
                continue
            if isinstance(obj, Server) and f.name == "central":
                out.update(value.to_section())
                continue
            if isinstance(obj, Scenario) and f.name in (
                "staff", "calendar", "blanko", "demand", "travel", "server", "coverage", "data"
            ):  # fmt: skip
                plain = _to_plain(value, f.name)
                if not plain:
                    continue
                out[f.name] = plain
                continue
            out[f.name] = _to_plain(value, f.name)
        return out
    if isinstance(obj, (tuple, list)):
        if key in _WEEKDAY_FIELDS:
            return [WEEKDAYS[i] for i in obj]
        return [_to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, dt.date):
        return obj  # YAML writes an ISO date; reading it back gives the same date
    return obj


_INDEX = re.compile(r"\[(\d+)\]")


def _split(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in path.split("."):
        if not piece:
            raise SakeraInputError(f"empty component in path {path!r}", location="path")
        name = _INDEX.sub("", piece)
        if name:
            parts.append(int(name) if name.isascii() and name.isdigit() else name)
        parts.extend(int(m) for m in _INDEX.findall(piece))
    return parts


def get_path(data: dict, path: str) -> Any:
    """Value at a dotted path (``staff.office_verifiers``, ``rollout.phases[1].date``)."""
    cur: Any = data
    for part in _split(path):
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            raise SakeraInputError(f"path {path!r} does not exist in the scenario", location="path") from None
    return cur


def set_path(data: dict, path: str, value: Any) -> dict:
    """Set ``value`` at a dotted path in a plain scenario mapping (creating mappings on the way)."""
    parts = _split(path)
    cur: Any = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(part, int):
            if not isinstance(cur, list) or part >= len(cur):
                raise SakeraInputError(f"path {path!r}: index {part} does not exist", location="path")
            cur = cur[part]
            continue
        if not isinstance(cur, dict):
            raise SakeraInputError(f"path {path!r}: {part!r} is not inside a mapping", location="path")
        if cur.get(part) is None:
            if isinstance(nxt, int):
                raise SakeraInputError(f"path {path!r}: {part!r} has no list to index", location="path")
            cur[part] = {}
        cur = cur[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(cur, list) or last >= len(cur):
            raise SakeraInputError(f"path {path!r}: index {last} does not exist", location="path")
    elif not isinstance(cur, dict):
        raise SakeraInputError(f"path {path!r}: {last!r} is not inside a mapping", location="path")
    cur[last] = copy.deepcopy(value)
    return data

"""The value rules of every engine parameter, defined once.

Both entry points validate with these functions: the scenario reader
(:mod:`sakera_toolkit.scenarios.spec`, which adds the YAML field path and line) and the Python
builder :class:`~sakera_toolkit.sim.FlowParams` (which names ``FlowParams.<field>``). A rule raises
:class:`Invalid` with the problem only; the caller adds where it happened.

:data:`LIMITS` holds the documented range of every numeric parameter, keyed by the engine's field
name; :func:`check` applies it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Invalid",
    "Limit",
    "LIMITS",
    "check",
    "whole",
    "number",
    "date",
    "hour",
    "weekdays",
    "span",
    "WEEKDAYS",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{d: i for i, d in enumerate(("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"))},
}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Invalid(ValueError):
    """A value breaks a rule (the message says how; the caller says where)."""


@dataclass(frozen=True)
class Limit:
    """Kind (``int`` or ``float``) and inclusive range of a numeric parameter."""

    kind: str
    low: float
    high: float


#: Range of every numeric engine parameter (engine field name -> limit).
LIMITS: dict[str, Limit] = {
    "days": Limit("int", 1, 3660),
    "warmup_days": Limit("int", 0, 3659),
    "population_year": Limit("int", 1990, 2100),
    "village_go_live": Limit("int", 0, 3660),
    "operators_per_village": Limit("int", 1, 1000),
    "operator_skill": Limit("float", 0.0, 1.0),
    "office_skill": Limit("float", 0.0, 1.0),
    "office_counters": Limit("int", 1, 10_000),
    "office_verifiers": Limit("int", 1, 10_000),
    "mpp_counters": Limit("int", 0, 10_000),
    "kecamatan_points": Limit("int", 0, 10_000),
    "leave_days_per_year": Limit("float", 0.0, 366.0),
    "blanko_initial": Limit("int", 0, 100_000_000),
    "blanko_reorder_point": Limit("int", 0, 100_000_000),
    "blanko_reorder_qty": Limit("int", 0, 100_000_000),
    "blanko_lead_days": Limit("int", 0, 3660),
    "card_print_per_day": Limit("int", 0, 1_000_000),
    "outages": Limit("float", 0.0, 3660.0),
    "random_outages_per_year": Limit("float", 0.0, 365.0),
    "demand_scale": Limit("float", 0.0, 100.0),
    "demand_overrides": Limit("float", 0.0, 10_000.0),
    "initial_backlog": Limit("int", 0, 10_000_000),
    # the central server (sim/server.py ServerPolicy, sim/central.py CentralLoad; scenario server:)
    "capacity_tps": Limit("float", 0.001, 1e6),
    "workers": Limit("int", 1, 100_000),
    "timeout_s": Limit("float", 1.0, 1e12),  # 1e12: no timeout (the queueing-formula checks)
    "max_attempts": Limit("int", 1, 50),
    "backoff_s": Limit("float", 0.0, 86_400.0),
    "backoff_factor": Limit("float", 1.0, 10.0),
    "jitter": Limit("float", 0.0, 0.99),
    "give_up_after": Limit("int", 1, 1_000_000_000),
    "max_days": Limit("int", 1, 60),
    "service_cv": Limit("float", 0.0, 10.0),
    "defer_spread_s": Limit("float", 0.0, 86_400.0),
    "queue_limit": Limit("int", 0, 10_000_000),
    "session_tph": Limit("float", 0.0, 100_000.0),
    "stagger_hours": Limit("float", 0.0, 6.0),
}


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def whole(value: Any, low: float = 0, high: float = math.inf) -> int:
    """An integer in ``[low, high]`` (a float with no fraction is accepted; booleans are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Invalid(f"{value!r} is not a whole number")
    if isinstance(value, (float, np.floating)) and not float(value).is_integer():
        raise Invalid(f"{value!r} is not a whole number")
    out = int(value)
    if out < low:
        what = "negative" if out < 0 else f"below {_fmt(low)}"
        raise Invalid(f"{out} is {what} (must be >= {_fmt(low)})")
    if out > high:
        raise Invalid(f"{out:,} is above the limit {_fmt(high)}")
    return out


def number(value: Any, low: float = 0.0, high: float = math.inf, strict: bool = False) -> float:
    """A finite number in ``[low, high]`` (``(low, high]`` with ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise Invalid(f"{value!r} is not a number")
    out = float(value)
    if not math.isfinite(out):
        raise Invalid(f"{value!r} is not a finite number")
    if out < low or (strict and out == low):
        what = "is negative" if out < 0 else "is too small"
        raise Invalid(f"{out:g} {what} (must be {'>' if strict else '>='} {_fmt(low)})")
    if out > high:
        raise Invalid(f"{out:g} must be <= {_fmt(high)}")
    return out


def check(field: str, value: Any) -> Any:
    """``value`` checked against :data:`LIMITS` ``[field]`` (an int or a float)."""
    limit = LIMITS[field]
    if limit.kind == "int":
        return whole(value, limit.low, limit.high)
    return number(value, limit.low, limit.high)


def date(value: Any) -> dt.date:
    """A calendar date (a ``date``, a ``datetime`` or ISO text ``YYYY-MM-DD``)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    if value is None:
        raise Invalid("is required (a date YYYY-MM-DD)")
    raise Invalid(f"{value!r} is not a date (YYYY-MM-DD)")


def hour(value: Any, allow_end: bool = True) -> float:
    """A time of day in hours: ``"HH:MM"`` text, or a number of hours in ``[0, 24]``.

    YAML 1.1 reads an unquoted ``10:30`` as the sexagesimal integer 630: integers >= 60 are read
    back as minutes.
    """
    if isinstance(value, str):
        m = _TIME.match(value.strip())
        if not m:
            raise Invalid(f"{value!r} is not a time of day HH:MM")
        return int(m.group(1)) + int(m.group(2)) / 60.0
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 60:
        return hour(f"{int(value) // 60:02d}:{int(value) % 60:02d}")
    try:
        out = number(value, 0.0, 24.0 if allow_end else 23.99)
    except Invalid:
        raise Invalid(f"{value!r} is not a time of day HH:MM") from None
    return out


def hhmm(hours: float) -> str:
    """``13.5`` -> ``"13:30"``."""
    total = round(hours * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def weekdays(value: Any, allow_repeats: bool = True) -> tuple[int, ...]:
    """Weekdays (0 = Monday) from numbers 0-6 or names (mon..sun, senin..minggu), sorted, at least one."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise Invalid(f"{value!r} is not a list of weekdays")
    out: list[int] = []
    for item in value:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool) and 0 <= item <= 6:
            out.append(int(item))
        elif isinstance(item, str) and item.strip().lower()[:6] in _WEEKDAY_ALIASES:
            out.append(_WEEKDAY_ALIASES[item.strip().lower()[:6]])
        elif isinstance(item, str) and item.strip().lower()[:3] in _WEEKDAY_ALIASES:
            out.append(_WEEKDAY_ALIASES[item.strip().lower()[:3]])
        else:
            raise Invalid(f"{item!r} is not a weekday (mon..sun, senin..minggu or 0-6)")
    if not allow_repeats and len(set(out)) != len(out):
        raise Invalid("lists a weekday twice")
    if not out:
        raise Invalid("needs at least one weekday")
    return tuple(sorted(set(out)))


def span(value: Any, inside: tuple[float, float] | None = None) -> tuple[float, float]:
    """``(start, end)`` hours of the day with ``start < end`` (strictly inside ``inside`` if given)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise Invalid(f"{value!r} must be [start, end], e.g. ['08:00', '14:00']")
    a, b = hour(value[0]), hour(value[1])
    if not a < b:
        raise Invalid(f"{hhmm(b)} is not after {hhmm(a)}")
    if inside is not None and not inside[0] < a < b < inside[1]:
        raise Invalid(
            f"[{hhmm(a)}, {hhmm(b)}] must lie inside the working hours [{hhmm(inside[0])}, {hhmm(inside[1])}]"
        )
    return (a, b)

"""What a trainer reads instead of ids: rule titles, service and village names, times in WIB.

Every table, CSV and PDF of the training back-end goes through these functions, so a screen and
an export never disagree on a name. An id that is not (or no longer) in the catalogue is shown
as it is rather than hidden.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

__all__ = [
    "TIMEZONE",
    "TZ_LABEL",
    "case_rules",
    "decision_name",
    "defect_name",
    "format_time",
    "requirement_name",
    "rule_basis",
    "rule_titles",
    "rule_title",
    "service_name",
    "to_local",
    "village_name",
    "village_names",
]

#: The time zone of Kabupaten Sampang (Waktu Indonesia Barat, UTC+7, no daylight saving).
TIMEZONE = ZoneInfo("Asia/Jakarta")
#: How the zone is written after a time.
TZ_LABEL = "WIB"


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "id"


@functools.lru_cache(maxsize=1)
def _catalogue() -> Any:
    from ..services import load_catalogue

    return load_catalogue()


@functools.lru_cache(maxsize=1)
def _village_table() -> dict[str, tuple[str, str]]:
    from ..registry import villages

    vil = villages()
    return {
        str(code): (str(name), str(district))
        for code, name, district in zip(vil["village_code"], vil["village_name"], vil["district_name"], strict=True)
    }


def service_name(service_id: str | None, lang: str = "id") -> str:
    """The service's name in ``lang`` (its id when unknown, ``""`` for none)."""
    if not service_id:
        return ""
    catalogue = _catalogue()
    if service_id not in catalogue.ids():
        return str(service_id)
    service = catalogue.get(service_id)
    return str(service.name_en if _lang(lang) == "en" else service.name_id)


def requirement_name(service_id: str | None, requirement_id: str, lang: str = "id") -> str:
    """A requirement of a service by name (its id when unknown)."""
    catalogue = _catalogue()
    if service_id and service_id in catalogue.ids():
        for req in catalogue.get(service_id).requirements:
            if req.id == requirement_id:
                return str(req.name_en if _lang(lang) == "en" else req.name_id)
    return str(requirement_id)


def rule_title(rule_id: str, lang: str = "id") -> str:
    """The short title of a grading rule in ``lang`` (its id when unknown)."""
    from ..training import rules

    known = rules.rules()
    return known[rule_id].title(_lang(lang)) if rule_id in known else str(rule_id)


def rule_titles(joined: str | Iterable[str], lang: str = "id") -> str:
    """Rule ids (``"a;a;b"`` or a list) as titles with counts: ``"Title A ×2, Title B"``."""
    ids = [r for r in (str(joined or "").split(";") if isinstance(joined, str) or joined is None else joined) if r]
    counts: dict[str, int] = {}
    for rule_id in ids:
        counts[rule_id] = counts.get(rule_id, 0) + 1
    return ", ".join(
        f"{rule_title(r, lang)} ×{n}" if n > 1 else rule_title(r, lang) for r, n in counts.items()
    )


def rule_basis(rule_id: str, fallback: str = "", lang: str = "id") -> str:
    """The legal basis ("Dasar hukum") a trainee may cite for a rule (``fallback`` for an unknown rule).

    Regulations are cited in Indonesian; a rule without a legal text is labelled as a local
    service policy (assumption) by the rules data.
    """
    from ..training import rules

    known = rules.rules()
    if rule_id not in known:
        return str(fallback)
    rule = known[rule_id]
    basis = getattr(rule, "basis", None)
    return str(basis(_lang(lang))) if callable(basis) else str(rule.source)


def case_rules(case: Any, lang: str = "id") -> list[tuple[str, str, str]]:
    """The rules a case turns on, as ``(rule_id, title, legal basis)``, in grading order.

    They are the rules an empty answer would break (every point of the answer key has one), so
    the list follows the grader and never a second copy of its logic. The time rule is left out.
    """
    from .. import training

    report = training.grade(case, training.Answer())
    seen: dict[str, str] = {}
    for mistake in report.mistakes:
        if mistake.criterion != "time":
            seen.setdefault(mistake.rule_id, mistake.source)
    return [(r, rule_title(r, lang), rule_basis(r, src, lang)) for r, src in seen.items()]


def defect_name(kind: str, lang: str = "id") -> str:
    """The on-screen name of a defect kind (its id when unknown)."""
    from ..training import rules

    kinds = rules.defect_kinds()
    return kinds[kind].name(_lang(lang)) if kind in kinds else str(kind)


def decision_name(decision: str | None, lang: str = "id") -> str:
    """The on-screen name of a decision (``""`` for none)."""
    from ..training import rules

    if not decision:
        return ""
    try:
        return str(rules.decision_label(decision, _lang(lang)))
    except Exception:  # noqa: BLE001 - an unknown decision is shown as it is
        return str(decision)


def village_name(code: str | None, *, with_district: bool = False) -> str:
    """A desa/kelurahan code as its name (``"Banyuates, Kec. Banyuates"`` with the kecamatan)."""
    if not code:
        return ""
    table = _village_table()
    if code not in table:
        return str(code)
    name, district = table[code]
    return f"{name}, Kec. {district}" if with_district else name


def village_names(codes: str | Iterable[str] | None, *, sep: str = ", ") -> str:
    """Several village codes (a list or ``;``-joined) as names."""
    if codes is None:
        return ""
    items = codes.split(";") if isinstance(codes, str) else list(codes)
    return sep.join(village_name(c) for c in items if c)


def to_local(value: Any) -> datetime | None:
    """A timestamp (aware, or naive UTC as the store keeps them) in WIB; None for none/NaT."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TIMEZONE)


def format_time(value: Any, *, seconds: bool = False, zone: bool = True) -> str:
    """``"2026-12-01 09:30 WIB"`` for a timestamp, ``""`` for none."""
    local = to_local(value)
    if local is None:
        return ""
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {TZ_LABEL}" if zone else text

"""Curriculum: levels from guided practice to a timed queue, promotion and certification.

======  =============  ==========  =====  =====  ==========================================
level   name           difficulty  hints  timed  queue
======  =============  ==========  =====  =====  ==========================================
0       Terpandu       0           yes    no     one citizen, clean cases, hints shown
1       Dasar          1           no     no     one citizen, obvious defects
2       Menengah       2           no     no     one citizen, subtle defects too
3       Antrean        3           no     yes    several citizens waiting, time per citizen
======  =============  ==========  =====  =====  ==========================================

Promotion and certification are pure functions over a list of graded attempts (oldest first, or
with ``submitted_at`` timestamps). Defaults (``calibration/training.yaml``): promotion after an
80-point average over the last 5 cases of a level; certification at >= 90 average over the last
20 cases at the top level. A certified operator makes their village "ready" for the rollout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import calibration, registry
from ..errors import SakeraInputError
from . import rules as _rules
from .cases import SeedLike, generate_case
from .model import Case

__all__ = [
    "Level",
    "LEVELS",
    "TOP_LEVEL",
    "level",
    "Attempt",
    "PromotionRule",
    "CertificationRule",
    "Status",
    "certification_status",
    "next_level",
    "generate_for_level",
    "generate_queue",
]



def _submitted_at(attempt: Attempt) -> dt.datetime:
    assert attempt.submitted_at is not None  # the caller sorts only submitted attempts
    return attempt.submitted_at

def _cal(key: str) -> Any:
    return calibration.load("training")[key]


@dataclass(frozen=True)
class Level:
    """A curriculum level: the difficulty of its cases, hints, time limit and queue size."""

    number: int
    name_id: str
    name_en: str
    difficulty: int
    hints: bool
    timed: bool
    queue_size: int
    seconds_per_case: int | None

    def name(self, lang: str = "id") -> str:
        """The level's on-screen name."""
        return self.name_id if _rules.check_lang(lang) == "id" else self.name_en


def _levels() -> tuple[Level, ...]:
    return (
        Level(0, "Terpandu", "Guided", 0, True, False, 1, None),
        Level(1, "Dasar", "Basic", 1, False, False, 1, None),
        Level(2, "Menengah", "Intermediate", 2, False, False, 1, None),
        Level(3, "Antrean", "Queue", 3, False, True, int(_cal("queue_size")), int(_cal("queue_seconds_per_case"))),
    )


#: The levels, easiest first.
LEVELS: tuple[Level, ...] = _levels()
#: The level at which certification is earned.
TOP_LEVEL: int = LEVELS[-1].number


def level(number: int | Level) -> Level:
    """The level ``number`` (``SakeraInputError`` if there is none)."""
    if isinstance(number, Level):
        return number
    for lv in LEVELS:
        if lv.number == number:
            return lv
    raise SakeraInputError(f"level {number!r} does not exist; levels are 0-{TOP_LEVEL}", location="level")


@dataclass(frozen=True)
class Attempt:
    """One graded case: the level it was played at and its overall score (0-100)."""

    level: int
    score: float
    case_id: str = ""
    submitted_at: dt.datetime | None = None


def _as_attempt(item: Any) -> Attempt:
    if isinstance(item, Attempt):
        return item
    if isinstance(item, Mapping):
        return Attempt(int(item["level"]), float(item["score"]), str(item.get("case_id", "")), item.get("submitted_at"))
    try:
        return Attempt(
            int(item.level), float(item.score), str(getattr(item, "case_id", "")), getattr(item, "submitted_at", None)
        )
    except AttributeError:
        raise SakeraInputError(
            f"cannot read attempt {item!r}: it needs a level and a score", location="attempts"
        ) from None


def _ordered(attempts: Iterable[Any]) -> list[Attempt]:
    items = [_as_attempt(a) for a in attempts]
    if items and all(a.submitted_at is not None for a in items):
        items.sort(key=_submitted_at)
    return items


@dataclass(frozen=True)
class PromotionRule:
    """Move up a level after an average of at least ``threshold`` over the last ``window`` cases."""

    window: int = field(default_factory=lambda: int(_cal("promotion_window")))
    threshold: float = field(default_factory=lambda: float(_cal("promotion_threshold")))


@dataclass(frozen=True)
class CertificationRule:
    """Certified after an average of at least ``threshold`` over the last ``window`` cases at ``level``."""

    level: int = TOP_LEVEL
    window: int = field(default_factory=lambda: int(_cal("certification_window")))
    threshold: float = field(default_factory=lambda: float(_cal("certification_threshold")))

    def __post_init__(self):
        if self.window < 1:
            raise SakeraInputError("certification window must be at least 1 case", location="window")
        if not 0 <= self.threshold <= 100:
            raise SakeraInputError("certification threshold must be between 0 and 100", location="threshold")
        level(self.level)


@dataclass(frozen=True)
class Status:
    """Certification status: ``certified``, ``progress`` (0-1) and the reason in both languages."""

    certified: bool
    progress: float
    reason: str
    reason_en: str
    cases_counted: int
    average: float | None

    def message(self, lang: str = "id") -> str:
        """The reason in ``lang``."""
        return self.reason if _rules.check_lang(lang) == "id" else self.reason_en


def certification_status(attempts: Iterable[Any], rule: CertificationRule | None = None) -> Status:
    """Whether a trainee is certified, from their graded attempts.

    Parameters
    ----------
    attempts
        :class:`Attempt` objects, mappings or objects with ``level`` and ``score`` (oldest first,
        or all with ``submitted_at``).
    rule
        Default: >= 90 average over the last 20 cases at the top level (calibration).

    Returns
    -------
    Status
        ``progress`` = share of the window played x share of the threshold reached (capped at 1).
    """
    rule = rule or CertificationRule()
    name = level(rule.level)
    at_level = [a.score for a in _ordered(attempts) if a.level == rule.level][-rule.window :]
    n = len(at_level)
    if n == 0:
        return Status(
            False, 0.0,
            f"Belum ada kasus di level {name.name_id}; perlu {rule.window} kasus dengan rata-rata ≥ {rule.threshold:.0f}.",
            f"No case played at level {name.name_en} yet; {rule.window} cases averaging ≥ {rule.threshold:.0f} are needed.",
            0, None,
        )  # fmt: skip
    avg = float(np.mean(at_level))
    progress = min(1.0, n / rule.window) * (min(1.0, avg / rule.threshold) if rule.threshold > 0 else 1.0)
    if n < rule.window:
        return Status(
            False, progress,
            f"{n} dari {rule.window} kasus di level {name.name_id}; rata-rata sejauh ini {avg:.1f} (perlu ≥ {rule.threshold:.0f}).",
            f"{n} of {rule.window} cases at level {name.name_en}; average so far {avg:.1f} (≥ {rule.threshold:.0f} needed).",
            n, avg,
        )  # fmt: skip
    if avg < rule.threshold:
        return Status(
            False, progress,
            f"Rata-rata {avg:.1f} pada {rule.window} kasus terakhir di level {name.name_id}, di bawah {rule.threshold:.0f}.",
            f"Average {avg:.1f} over the last {rule.window} cases at level {name.name_en}, below {rule.threshold:.0f}.",
            n, avg,
        )  # fmt: skip
    return Status(
        True, 1.0,
        f"Tersertifikasi: rata-rata {avg:.1f} ≥ {rule.threshold:.0f} pada {rule.window} kasus terakhir di level {name.name_id}.",
        f"Certified: average {avg:.1f} ≥ {rule.threshold:.0f} over the last {rule.window} cases at level {name.name_en}.",
        n, avg,
    )  # fmt: skip


def next_level(attempts: Iterable[Any], current_level: int, rule: PromotionRule | None = None) -> int:
    """The level to play next.

    One level up when the last ``rule.window`` cases at ``current_level`` average at least
    ``rule.threshold``; otherwise the same level (the top level is kept).
    """
    rule = rule or PromotionRule()
    current = level(current_level).number
    if current >= TOP_LEVEL:
        return TOP_LEVEL
    at_level = [a.score for a in _ordered(attempts) if a.level == current][-rule.window :]
    if len(at_level) >= rule.window and float(np.mean(at_level)) >= rule.threshold:
        return current + 1
    return current


def generate_for_level(
    level_number: int | Level,
    seed: SeedLike,
    *,
    service_id: str | None = None,
    village_code: str | None = None,
    today: dt.date | str | None = None,
) -> Case:
    """One case for a level (its difficulty, and its time limit when the level is timed)."""
    lv = level(level_number)
    return generate_case(
        service_id,
        lv.difficulty,
        seed,
        village_code=village_code,
        today=today,
        time_limit_seconds=lv.seconds_per_case if lv.timed else None,
    )


def generate_queue(
    level_number: int | Level,
    n: int | None = None,
    seed: SeedLike | None = None,
    *,
    village_code: str | None = None,
    today: dt.date | str | None = None,
    service_ids: Sequence[str] | None = None,
) -> list[Case]:
    """Citizens waiting at one village desk: ``n`` cases of the level, in arrival order.

    Parameters
    ----------
    level_number
        A level (its difficulty and time limit apply to every case).
    n
        Queue length (default: the level's ``queue_size``).
    seed
        Int, ``SeedSequence`` or ``Generator`` (required); each case gets its own integer seed,
        stored in ``case.seed``, so any case can be regenerated alone.
    village_code
        The desk's village (all citizens arrive at the same desk); drawn from the seed if ``None``.
    today
        Date at the desk (default: the calibrated reference date).
    service_ids
        Restrict the services drawn (default: the whole catalogue).
    """
    lv = level(level_number)
    size = lv.queue_size if n is None else n
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise SakeraInputError(f"queue length {n!r} must be a positive whole number", location="n")
    if seed is None:
        raise SakeraInputError("a seed (int, SeedSequence or Generator) is required", location="seed")
    if isinstance(seed, np.random.Generator):
        ss = np.random.SeedSequence(int(seed.integers(0, 2**63 - 1)))
    elif isinstance(seed, np.random.SeedSequence):
        ss = seed
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise SakeraInputError(f"seed {seed!r} must be a non-negative integer", location="seed")
    else:
        ss = np.random.SeedSequence(int(seed))
    rng = np.random.default_rng(ss)
    if village_code is None:
        codes = registry.villages()["village_code"]
        village_code = str(codes.iloc[int(rng.integers(len(codes)))])
    seeds = rng.integers(0, 2**62, size=int(size))
    picks = None
    if service_ids is not None:
        picks = [str(service_ids[int(i)]) for i in rng.integers(0, len(service_ids), size=int(size))]
    return [
        generate_for_level(
            lv, int(s), service_id=None if picks is None else picks[i], village_code=village_code, today=today
        )
        for i, s in enumerate(seeds)
    ]

"""Repositories of the training store: the queries that read and write cases, attempts and grades.

Plain functions over a SQLAlchemy session, with no access rule and no training logic: the
viewer-scoped reads are in :mod:`.reports`, the use cases (start, submit, certify) in
:mod:`sakera_toolkit.sandbox`. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Attempt, CaseRecord, Certification, Grade, Mistake, User, UserVillage

__all__ = [
    "ATTEMPT_COLUMNS",
    "active_certifications",
    "as_utc",
    "attempt_rows",
    "certified_counts",
    "grade_of",
    "history",
    "last_submitted_level",
    "newest_open_attempt",
    "open_attempt",
    "store_case",
]

#: Columns of :func:`attempt_rows` (one row per attempt).
ATTEMPT_COLUMNS = (
    "attempt_id",
    "username",
    "case_id",
    "service_id",
    "difficulty",
    "level",
    "started_at",
    "submitted_at",
    "time_taken_s",
    "score",
    "passed",
    "mistakes",
)


def as_utc(value: datetime) -> datetime:
    """``value`` as a timezone-aware UTC datetime (a naive one is taken to be UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _case_dict(case: Any) -> dict[str, Any]:
    if isinstance(case, Mapping):
        return dict(case)
    return dict(case.to_dict())


def store_case(session: Session, case: Any) -> CaseRecord:
    """The stored copy of ``case`` (a training ``Case`` or its dict), added if new; flushed.

    Cases are identified by their ``case_id`` (same generator inputs -> same id).
    """
    data = _case_dict(case)
    key = str(data["case_id"])
    rec = session.scalars(select(CaseRecord).where(CaseRecord.case_key == key)).one_or_none()
    if rec is not None:
        return rec
    seed = data.get("seed")
    rec = CaseRecord(
        case_key=key,
        service_id=str(data["service_id"]),
        difficulty=int(data["difficulty"]),
        seed=None if seed is None else str(seed),
        case_json=data,
    )
    session.add(rec)
    session.flush()
    return rec


def open_attempt(session: Session, user_id: int, case_id: int) -> Attempt | None:
    """The newest attempt of a user at one stored case that is not submitted yet."""
    return session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.case_id == case_id, Attempt.submitted_at.is_(None))
        .order_by(Attempt.id.desc())
        .limit(1)
    ).one_or_none()


def newest_open_attempt(session: Session, user_id: int) -> tuple[Attempt, CaseRecord] | None:
    """The user's newest attempt not submitted yet (any case), with its case."""
    row = session.execute(
        select(Attempt, CaseRecord)
        .join(CaseRecord, CaseRecord.id == Attempt.case_id)
        .where(Attempt.user_id == user_id, Attempt.submitted_at.is_(None))
        .order_by(Attempt.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def grade_of(session: Session, attempt_id: int) -> Grade | None:
    """The grade row of an attempt (None before it is submitted)."""
    return session.scalars(select(Grade).where(Grade.attempt_id == attempt_id)).one_or_none()


def history(session: Session, user_id: int, level: int | None = None, limit: int | None = None) -> list[dict]:
    """Graded attempts of one user, oldest first: ``{"level", "score", "submitted_at"}``.

    With ``limit``: the newest ``limit`` of them (still oldest first).
    """
    stmt = (
        select(Attempt.level, Grade.score, Attempt.submitted_at, Attempt.id)
        .join(Grade, Grade.attempt_id == Attempt.id)
        .where(Attempt.user_id == user_id)
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
    )
    if level is not None:
        stmt = stmt.where(Attempt.level == level)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    return [{"level": r[0], "score": r[1], "submitted_at": r[2]} for r in reversed(rows)]


def last_submitted_level(session: Session, user_id: int) -> int | None:
    """The level of the user's newest submitted attempt (None before the first)."""
    return session.scalar(
        select(Attempt.level)
        .where(Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(1)
    )


def active_certifications(session: Session, user_id: int) -> list[Certification]:
    """The user's certifications that are not revoked."""
    return list(
        session.scalars(
            select(Certification).where(Certification.user_id == user_id, Certification.revoked_at.is_(None))
        )
    )


def attempt_rows(session: Session, user_ids: list[int], *, submitted_only: bool = True) -> pd.DataFrame:
    """Attempts of ``user_ids`` with their grade, one row each (:data:`ATTEMPT_COLUMNS`).

    ``mistakes`` is the ``;``-joined rule ids of the attempt's mistakes, in grading order. No
    access rule applies here: callers pass ids they have scoped (:mod:`.reports`).
    """
    if not user_ids:
        return pd.DataFrame(columns=list(ATTEMPT_COLUMNS))
    stmt = (
        select(
            Attempt.id,
            User.username,
            CaseRecord.case_key,
            CaseRecord.service_id,
            CaseRecord.difficulty,
            Attempt.level,
            Attempt.started_at,
            Attempt.submitted_at,
            Grade.time_taken_s,
            Grade.score,
            Grade.passed,
        )  # fmt: skip
        .join(User, User.id == Attempt.user_id)
        .join(CaseRecord, CaseRecord.id == Attempt.case_id)
        .outerjoin(Grade, Grade.attempt_id == Attempt.id)
        .where(Attempt.user_id.in_(user_ids))
        .order_by(User.username, Attempt.started_at, Attempt.id)
    )
    if submitted_only:
        stmt = stmt.where(Attempt.submitted_at.is_not(None))
    rows = session.execute(stmt).all()
    mistakes: dict[int, list[str]] = {}
    if rows:
        ids = [r[0] for r in rows]
        for attempt_id, rule_id in session.execute(
            select(Grade.attempt_id, Mistake.rule_id)
            .join(Mistake, Mistake.grade_id == Grade.id)
            .where(Grade.attempt_id.in_(ids))
            .order_by(Mistake.id)
        ):
            mistakes.setdefault(attempt_id, []).append(rule_id)
    df = pd.DataFrame(rows, columns=list(ATTEMPT_COLUMNS[:-1]))
    df["mistakes"] = [";".join(mistakes.get(i, [])) for i in df["attempt_id"]]
    return df


def certified_counts(session: Session) -> dict[str, int]:
    """Per village: active users who serve it now and hold an active certification."""
    certified_users = (
        select(Certification.user_id).where(Certification.revoked_at.is_(None)).distinct().scalar_subquery()
    )
    rows = session.execute(
        select(UserVillage.village_code, func.count(func.distinct(UserVillage.user_id)))
        .join(User, User.id == UserVillage.user_id)
        .where(User.active.is_(True), UserVillage.user_id.in_(certified_users))
        .group_by(UserVillage.village_code)
    ).all()
    return {code: int(n) for code, n in rows}

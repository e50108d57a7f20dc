"""Attempts: submit an answer (graded, committed before returning), progress, dashboards, exports.

Also certification (via :func:`sakera_toolkit.training.certification_status`) and village
readiness for the rollout planner.

Durability
----------
:func:`submit` grades the answer with :func:`sakera_toolkit.training.grade`, writes the attempt,
the answer, the grade, one row per mistake, the certification update and an audit row in ONE
transaction and commits it before it returns the report. The app shows feedback only after
``submit`` has returned, so feedback a trainee has seen is never lost (a server killed right after
is fine: SQLite runs with ``synchronous=FULL``, PostgreSQL with ``fsync``).

Access
------
Every query about a trainee takes the ``viewer`` (the logged-in user) and applies the rules of
:mod:`sakera_toolkit.store.users`: trainees see only themselves, trainers their classes,
evaluators only aggregates (:func:`cohort_summary`, :func:`common_mistakes`, :func:`readiness`).
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Integer, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import calibration
from .._io import read_csv_text
from ..errors import SakeraError, SakeraInputError
from . import audit
from .models import (
    Answer,
    Attempt,
    CaseRecord,
    Certification,
    ClassMember,
    Grade,
    Mistake,
    Role,
    TrainingClass,
    User,
    UserVillage,
    check_village_code,
    utcnow,
)
from .users import AccessDenied, require_can_view, require_user, visible_trainee_ids

__all__ = [
    "ATTEMPT_COLUMNS",
    "Submission",
    "store_case",
    "start_attempt",
    "submit",
    "submit_detailed",
    "get_attempt",
    "attempt_report",
    "attempt_case",
    "attempts_table",
    "trainee_progress",
    "current_level",
    "class_overview",
    "cohort_summary",
    "common_mistakes",
    "mistake_matrix",
    "certification_status",
    "update_certification",
    "revoke_certification",
    "certifications_table",
    "export_trainee_record",
    "export_trainee_csv",
    "trainee_record_html",
    "export_trainee_pdf",
    "read_facilities_csv",
    "readiness",
]

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


# --- the training package, imported lazily (the store must import without it) --------------------


def _training():
    from .. import training

    return training


def _case_dict(case: Any) -> dict[str, Any]:
    if isinstance(case, Mapping):
        return dict(case)
    return case.to_dict()


def _to_case(case: Any):
    training = _training()
    if isinstance(case, Mapping):
        return training.Case.from_dict(case)
    return case


# --- cases and attempts -------------------------------------------------------------------------


def store_case(session: Session, case: Any) -> CaseRecord:
    """The stored copy of ``case`` (a :class:`~sakera_toolkit.training.Case` or its dict), added if new.

    Cases are identified by their ``case_id`` (same generator inputs -> same id). Flushed, not
    committed.
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


def _active_user(session: Session, user: User | str) -> User:
    user = require_user(session, user)
    if not user.active:
        raise AccessDenied(f"user {user.username!r} is not active")
    return user


def _level_number(level: Any, default: int) -> int:
    if level is None:
        return int(default)
    number = int(getattr(level, "number", level))
    _training().level(number)  # raises for an unknown level
    return number


def start_attempt(
    session: Session,
    user: User | str,
    case: Any,
    *,
    level: int | None = None,
    started_at: datetime | None = None,
) -> Attempt:
    """Record that ``user`` was shown ``case`` (this starts the server-side clock) and commit.

    ``level`` is the curriculum level the case was served at (default: the case's difficulty,
    which is the level number in :data:`sakera_toolkit.training.LEVELS`).
    """
    user = _active_user(session, user)
    rec = store_case(session, case)
    attempt = Attempt(
        user_id=user.id,
        case_id=rec.id,
        level=_level_number(level, rec.difficulty),
        started_at=started_at or utcnow(),
    )
    session.add(attempt)
    session.flush()
    audit.record(
        session, "attempt.start", actor=user.username, target=f"attempt:{attempt.id}",
        details={"case_id": rec.case_key, "level": attempt.level},
    )  # fmt: skip
    session.commit()
    return attempt


class Submission:
    """What :func:`submit_detailed` returns: the report, the stored attempt id and certification news."""

    __slots__ = ("report", "attempt_id", "certification", "newly_certified", "duplicate")

    def __init__(self, report, attempt_id: int, certification, newly_certified: bool, duplicate: bool = False):
        self.report = report
        self.attempt_id = attempt_id
        self.certification = certification
        self.newly_certified = newly_certified
        self.duplicate = duplicate

    def __repr__(self) -> str:
        return (
            f"Submission(attempt_id={self.attempt_id}, score={self.report.score}, "
            f"newly_certified={self.newly_certified}, duplicate={self.duplicate})"
        )


def _as_utc(value: datetime) -> datetime:
    """``value`` as a timezone-aware UTC datetime (a naive one is taken to be UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _open_attempt(session: Session, user: User, rec: CaseRecord) -> Attempt | None:
    return session.scalars(
        select(Attempt)
        .where(Attempt.user_id == user.id, Attempt.case_id == rec.id, Attempt.submitted_at.is_(None))
        .order_by(Attempt.id.desc())
        .limit(1)
    ).one_or_none()


def _stored_submission(session: Session, attempt: Attempt) -> Submission:
    training = _training()
    grade_row = session.scalars(select(Grade).where(Grade.attempt_id == attempt.id)).one()
    return Submission(training.GradeReport.from_dict(grade_row.report_json), attempt.id, None, False, duplicate=True)


def submit(
    session: Session,
    user: User | str,
    case: Any,
    answer: Any,
    *,
    attempt: Attempt | int | None = None,
    level: int | None = None,
    submitted_at: datetime | None = None,
):
    """Grade ``answer`` to ``case`` for ``user``, commit everything, then return the GradeReport.

    See :func:`submit_detailed` for the parameters; this returns only its ``report``.
    """
    return submit_detailed(session, user, case, answer, attempt=attempt, level=level, submitted_at=submitted_at).report


def submit_detailed(
    session: Session,
    user: User | str,
    case: Any,
    answer: Any,
    *,
    attempt: Attempt | int | None = None,
    level: int | None = None,
    submitted_at: datetime | None = None,
) -> Submission:
    """Grade and store one submission; the transaction is COMMITTED before this returns.

    Parameters
    ----------
    session
        A store session (its pending changes are committed with the submission).
    user
        The trainee (object or username); must be active.
    case
        The :class:`~sakera_toolkit.training.Case` shown (or its ``to_dict()``).
    answer
        A :class:`~sakera_toolkit.training.Answer` (or its ``to_dict()``). When its
        ``elapsed_seconds`` is 0 and the attempt was started with :func:`start_attempt`, the
        server-side time since the start is used instead.
    attempt
        The attempt (or its id) opened by :func:`start_attempt`; by default the newest open
        attempt of this user for this case, or a new one starting now.
    level
        Curriculum level for a new attempt (default: the case difficulty).
    submitted_at
        When the answer was submitted (default: now). Only for recording past attempts, e.g. the
        demo practice history (:func:`sakera_toolkit.store.demo.seed_demo_history`); a naive
        datetime is taken as UTC. The audit row keeps the real time it was written.

    Returns
    -------
    Submission
        ``report`` (GradeReport), ``attempt_id``, ``certification`` (training Status or None when
        the level cannot change it), ``newly_certified``. Submitting an attempt that was already
        submitted (a double click) returns the stored report with ``duplicate=True`` and changes
        nothing.

    Raises
    ------
    SakeraInputError
        Bad answer, or an attempt that belongs to another user or another case.
    AccessDenied
        Inactive user.
    """
    training = _training()
    user = _active_user(session, user)
    case_obj = _to_case(case)
    if isinstance(answer, Mapping):
        answer = training.Answer.from_dict(answer)
    rec = store_case(session, case_obj)

    if attempt is not None:
        att = attempt if isinstance(attempt, Attempt) else session.get(Attempt, int(attempt))
        if att is None or att.user_id != user.id:
            raise SakeraInputError(f"attempt {attempt!r} is not an attempt of {user.username}", location="attempt")
        if att.case_id != rec.id:
            raise SakeraInputError(f"attempt {att.id} is for another case", location="attempt")
        if att.submitted_at is not None:
            return _stored_submission(session, att)
    else:
        att = _open_attempt(session, user, rec)
    now = utcnow() if submitted_at is None else _as_utc(submitted_at)
    if att is None:
        att = Attempt(user_id=user.id, case_id=rec.id, level=_level_number(level, rec.difficulty), started_at=now)
        session.add(att)
    server_seconds = max(0.0, (now - att.started_at).total_seconds())
    if answer.elapsed_seconds == 0 and server_seconds > 0:
        answer = training.Answer.from_dict({**answer.to_dict(), "elapsed_seconds": round(server_seconds, 3)})

    report = training.grade(case_obj, answer)
    report_json = report.to_dict()

    att.submitted_at = now
    session.flush()
    session.add(Answer(attempt_id=att.id, answer_json=answer.to_dict(), created_at=now))
    grade_row = Grade(
        attempt_id=att.id,
        score=float(report.score),
        passed=bool(report.passed),
        time_taken_s=float(report.elapsed_seconds),
        per_criterion={
            c.criterion: {"score": c.score, "weight": c.weight, "applicable": c.applicable} for c in report.criteria
        },
        report_json=report_json,
        created_at=now,
    )
    grade_row.mistakes = [
        Mistake(
            user_id=user.id,
            service_id=report.service_id,
            criterion=m.criterion,
            item=str(m.item)[:120],
            rule_id=m.rule_id,
            legal_source=m.source,
        )
        for m in report.mistakes
    ]
    session.add(grade_row)
    audit.record(
        session, "attempt.submit", actor=user.username, target=f"attempt:{att.id}",
        details={"case_id": rec.case_key, "level": att.level, "score": report.score, "passed": report.passed},
    )  # fmt: skip
    status, newly = _update_certification(session, user, att.level, now)
    try:
        session.commit()
    except IntegrityError:
        # the same attempt was submitted concurrently by another session: keep the first one
        session.rollback()
        stored = session.get(Attempt, att.id)
        if stored is not None and stored.submitted_at is not None:
            return _stored_submission(session, stored)
        raise
    except BaseException:
        session.rollback()
        raise
    return Submission(report, att.id, status, newly)


# --- certification -------------------------------------------------------------------------------


def _rule():
    return _training().CertificationRule()


def _history(session: Session, user_id: int, level: int | None = None, limit: int | None = None) -> list[dict]:
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


def _active_certifications(session: Session, user_id: int) -> list[Certification]:
    return list(
        session.scalars(
            select(Certification).where(Certification.user_id == user_id, Certification.revoked_at.is_(None))
        )
    )


def _update_certification(session: Session, user: User, level: int | None, now: datetime | None = None):
    """Certify ``user`` if the rule is now met (not committed). Returns (status, newly_certified).

    ``now`` is the certification time (default: the current time).
    """
    training = _training()
    rule = _rule()
    if level is not None and level != rule.level:
        return None, False
    history = _history(session, user.id, rule.level, rule.window)
    status = training.certification_status(history, rule)
    if not status.certified or _active_certifications(session, user.id):
        return status, False
    details = {
        "level": rule.level,
        "window": rule.window,
        "threshold": rule.threshold,
        "average": status.average,
        "cases": status.cases_counted,
        "reason_id": status.reason,
        "reason_en": status.reason_en,
    }
    now = now or utcnow()
    codes = user.village_codes or [None]
    for code in codes:
        session.add(Certification(user_id=user.id, village_code=code, certified_at=now, rule=details))
    audit.record(
        session, "certification.grant", actor="system", target=user.username,
        details={**details, "villages": [c for c in codes if c]},
    )  # fmt: skip
    return status, True


def update_certification(session: Session, user: User | str):
    """Re-check ``user``'s certification with :func:`sakera_toolkit.training.certification_status`.

    Grants it (one row per village served, audit row) when the rule is met and the user is not
    certified yet; commits. Returns the training ``Status``.
    """
    user = require_user(session, user)
    status, _ = _update_certification(session, user, None)
    session.commit()
    return status


def revoke_certification(session: Session, user: User | str, *, actor: str, reason: str) -> int:
    """Revoke a user's active certifications (e.g. an operator who left); commits; returns how many."""
    user = require_user(session, user)
    rows = _active_certifications(session, user.id)
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    audit.record(session, "certification.revoke", actor=actor, target=user.username, details={"reason": reason})
    session.commit()
    return len(rows)


def certification_status(session: Session, viewer: User | str, trainee: User | str | None = None):
    """The training ``Status`` of a trainee (default: the viewer), with access checks."""
    viewer = require_user(session, viewer)
    trainee = require_can_view(session, viewer, trainee if trainee is not None else viewer)
    rule = _rule()
    return _training().certification_status(_history(session, trainee.id, rule.level, rule.window), rule)


def certifications_table(session: Session, viewer: User | str | None = None) -> pd.DataFrame:
    """Active certifications: ``username, display_name, village_code, certified_at, average``.

    With a ``viewer``, limited to what they may see (evaluators see all: certification is public
    programme data; trainees see their own).
    """
    stmt = (
        select(Certification, User)
        .join(User, User.id == Certification.user_id)
        .where(Certification.revoked_at.is_(None))
        .order_by(User.username, Certification.village_code)
    )
    if viewer is not None:
        viewer = require_user(session, viewer)
        if viewer.role != Role.EVALUATOR:
            stmt = stmt.where(Certification.user_id.in_(visible_trainee_ids(session, viewer)))
    rows = [
        {
            "username": u.username,
            "display_name": u.display_name,
            "village_code": c.village_code,
            "certified_at": c.certified_at,
            "average": (c.rule or {}).get("average"),
        }
        for c, u in session.execute(stmt).all()
    ]
    return pd.DataFrame(rows, columns=["username", "display_name", "village_code", "certified_at", "average"])


# --- reading attempts ----------------------------------------------------------------------------


def get_attempt(session: Session, viewer: User | str, attempt_id: int) -> Attempt:
    """One attempt, if ``viewer`` may see its trainee's work.

    Raises
    ------
    AccessDenied
        For an attempt of somebody the viewer may not see, or one that does not exist.
    """
    viewer = require_user(session, viewer)
    att = session.get(Attempt, int(attempt_id))
    if att is None or att.user_id not in visible_trainee_ids(session, viewer):
        raise AccessDenied(f"{viewer.username} may not see attempt {attempt_id}")
    return att


def attempt_report(session: Session, viewer: User | str, attempt_id: int):
    """The stored GradeReport of an attempt (access checked); None if not submitted yet."""
    att = get_attempt(session, viewer, attempt_id)
    grade_row = session.scalars(select(Grade).where(Grade.attempt_id == att.id)).one_or_none()
    return None if grade_row is None else _training().GradeReport.from_dict(grade_row.report_json)


def attempt_case(session: Session, viewer: User | str, attempt_id: int):
    """The Case shown in an attempt (access checked)."""
    att = get_attempt(session, viewer, attempt_id)
    return _training().Case.from_dict(session.get(CaseRecord, att.case_id).case_json)


def _attempt_rows(session: Session, user_ids: list[int], *, submitted_only: bool = True) -> pd.DataFrame:
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


def attempts_table(session: Session, viewer: User | str, trainee: User | str | None = None) -> pd.DataFrame:
    """Submitted attempts of one trainee (default: the viewer), oldest first, access checked.

    Columns: :data:`ATTEMPT_COLUMNS` (``mistakes`` is the ``;``-joined rule ids).

    Raises
    ------
    AccessDenied
        If ``viewer`` may not see ``trainee`` (a trainee asking for another trainee's attempts).
    """
    viewer = require_user(session, viewer)
    target = require_can_view(session, viewer, trainee if trainee is not None else viewer)
    return _attempt_rows(session, [target.id])


def trainee_progress(session: Session, viewer: User | str, trainee: User | str | None = None) -> pd.DataFrame:
    """A trainee's progress over time: :func:`attempts_table` plus ``attempt_no`` and ``rolling_score``.

    ``rolling_score`` is the mean over the promotion window (calibration ``promotion_window``).
    """
    df = attempts_table(session, viewer, trainee)
    window = int(calibration.load("training")["promotion_window"])
    df.insert(1, "attempt_no", range(1, len(df) + 1))
    df["rolling_score"] = df["score"].astype("float64").rolling(window, min_periods=1).mean()
    return df


def current_level(session: Session, viewer: User | str, trainee: User | str | None = None) -> int:
    """The curriculum level a trainee should play next (:func:`sakera_toolkit.training.next_level`)."""
    viewer = require_user(session, viewer)
    target = require_can_view(session, viewer, trainee if trainee is not None else viewer)
    return _current_level(session, target.id)


def _current_level(session: Session, user_id: int) -> int:
    last = session.scalar(
        select(Attempt.level)
        .where(Attempt.user_id == user_id, Attempt.submitted_at.is_not(None))
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(1)
    )
    if last is None:
        return _training().LEVELS[0].number
    window = _training().PromotionRule().window
    return _next_level(_history(session, user_id, int(last), window), int(last))


def _next_level(history: list[dict], last_level: int) -> int:
    """The level after the newest attempt at ``last_level`` (history oldest first)."""
    return _training().next_level(history, last_level)


def _level_from_rows(rows: pd.DataFrame) -> int:
    """:func:`_current_level` from already loaded attempt rows of one trainee (no query)."""
    if rows.empty:
        return _training().LEVELS[0].number
    ordered = rows.sort_values(["submitted_at", "attempt_id"])
    last = int(ordered["level"].iloc[-1])
    window = _training().PromotionRule().window
    at_level = ordered[ordered["level"] == last].tail(window)
    return _next_level([{"level": int(r.level), "score": float(r.score)} for r in at_level.itertuples()], last)


# --- trainer and evaluator views -----------------------------------------------------------------


def _classes_for(session: Session, viewer: User, class_name: str | None) -> list[TrainingClass]:
    stmt = select(TrainingClass).order_by(TrainingClass.name)
    if viewer.role == Role.TRAINER:
        stmt = stmt.where(TrainingClass.trainer_id == viewer.id)
    elif viewer.role != Role.EVALUATOR:
        raise AccessDenied(f"{viewer.username} ({viewer.role}) may not see class views")
    if class_name is not None:
        stmt = stmt.where(TrainingClass.name == class_name)
    classes = list(session.scalars(stmt))
    if class_name is not None and not classes:
        raise AccessDenied(f"{viewer.username} has no class called {class_name!r}")
    return classes


def class_overview(session: Session, trainer: User | str, class_name: str | None = None) -> pd.DataFrame:
    """One row per trainee of the trainer's classes (or one class): how they are doing.

    Columns: ``class, username, display_name, villages, attempts, mean_score, last_score,
    recent_score`` (mean over the certification window), ``pass_rate, level`` (to play next),
    ``certified, certified_at, certification_progress`` (0-1), ``last_activity``.

    Raises
    ------
    AccessDenied
        If ``trainer`` is not a trainer, or ``class_name`` is not one of theirs.
    """
    trainer = require_user(session, trainer)
    if trainer.role != Role.TRAINER or not trainer.active:
        raise AccessDenied(f"{trainer.username} is not an active trainer")
    classes = _classes_for(session, trainer, class_name)
    columns = [
        "class", "username", "display_name", "villages", "attempts", "mean_score", "last_score", "recent_score",
        "pass_rate", "level", "certified", "certified_at", "certification_progress", "last_activity",
    ]  # fmt: skip
    members = session.execute(
        select(TrainingClass.name, User)
        .join(ClassMember, ClassMember.class_id == TrainingClass.id)
        .join(User, User.id == ClassMember.user_id)
        .where(TrainingClass.id.in_([c.id for c in classes]))
        .options(selectinload(User.villages))
        .order_by(TrainingClass.name, User.username)
    ).all()
    if not members:
        return pd.DataFrame(columns=columns)
    training = _training()
    rule = _rule()
    ids = sorted({u.id for _, u in members})
    att = _attempt_rows(session, ids)
    certs = {
        c.user_id: c.certified_at
        for c in session.scalars(
            select(Certification).where(Certification.user_id.in_(ids), Certification.revoked_at.is_(None))
        )
    }
    rows = []
    for cls_name, user in members:
        mine = att[att["username"] == user.username]
        scores = mine["score"].astype("float64")
        top = mine[mine["level"] == rule.level]
        status = training.certification_status(
            [{"level": r.level, "score": r.score} for r in top.tail(rule.window).itertuples()], rule
        )
        rows.append(
            {
                "class": cls_name,
                "username": user.username,
                "display_name": user.display_name,
                "villages": ";".join(user.village_codes),
                "attempts": len(mine),
                "mean_score": float(scores.mean()) if len(mine) else math.nan,
                "last_score": float(scores.iloc[-1]) if len(mine) else math.nan,
                "recent_score": float(scores.tail(rule.window).mean()) if len(mine) else math.nan,
                "pass_rate": float(mine["passed"].astype(bool).mean()) if len(mine) else math.nan,
                "level": _level_from_rows(mine),
                "certified": user.id in certs,
                "certified_at": certs.get(user.id),
                "certification_progress": 1.0 if user.id in certs else float(status.progress),
                "last_activity": mine["submitted_at"].max() if len(mine) else None,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def cohort_summary(session: Session, viewer: User | str) -> pd.DataFrame:
    """Aggregates per class (for evaluators: all classes; for trainers: their own).

    Columns: ``class, trainer, trainees, attempts, mean_score, pass_rate, certified``. No
    individual trainee appears.
    """
    viewer = require_user(session, viewer)
    classes = _classes_for(session, viewer, None)
    rows = []
    for cls in classes:
        member_ids = list(session.scalars(select(ClassMember.user_id).where(ClassMember.class_id == cls.id)))
        stats = session.execute(
            select(func.count(Grade.id), func.avg(Grade.score), func.avg(func.cast(Grade.passed, Integer)))
            .join(Attempt, Attempt.id == Grade.attempt_id)
            .where(Attempt.user_id.in_(member_ids or [-1]))
        ).one()
        certified = session.scalar(
            select(func.count(func.distinct(Certification.user_id))).where(
                Certification.user_id.in_(member_ids or [-1]), Certification.revoked_at.is_(None)
            )
        )
        trainer = session.get(User, cls.trainer_id)
        rows.append(
            {
                "class": cls.name,
                "trainer": trainer.username if trainer else None,
                "trainees": len(member_ids),
                "attempts": int(stats[0] or 0),
                "mean_score": float(stats[1]) if stats[1] is not None else math.nan,
                "pass_rate": float(stats[2]) if stats[2] is not None else math.nan,
                "certified": int(certified or 0),
            }
        )
    return pd.DataFrame(
        rows, columns=["class", "trainer", "trainees", "attempts", "mean_score", "pass_rate", "certified"]
    )


def _scope_user_ids(session: Session, viewer: User, class_name: str | None) -> list[int]:
    if viewer.role == Role.TRAINEE:
        if class_name is not None:
            raise AccessDenied(f"{viewer.username} may not see class views")
        return visible_trainee_ids(session, viewer)
    classes = _classes_for(session, viewer, class_name)
    if viewer.role == Role.EVALUATOR and class_name is None:
        return list(session.scalars(select(User.id).where(User.role == Role.TRAINEE)))
    return list(
        session.scalars(select(ClassMember.user_id).where(ClassMember.class_id.in_([c.id for c in classes])).distinct())
    )


def common_mistakes(session: Session, viewer: User | str, *, class_name: str | None = None) -> pd.DataFrame:
    """The most common mistakes by rule x service, for a heatmap (long format, most frequent first).

    Scope: a trainee sees their own mistakes; a trainer those of their classes (or one class);
    an evaluator everybody's (aggregates only: no usernames in the result).

    Columns: ``rule_id, service_id, criterion, legal_source, mistakes`` (count), ``trainees``
    (distinct trainees who made it), ``attempts`` (graded attempts of that service in scope) and
    ``rate`` (mistakes per attempt).
    """
    viewer = require_user(session, viewer)
    ids = _scope_user_ids(session, viewer, class_name)
    columns = ["rule_id", "service_id", "criterion", "legal_source", "mistakes", "trainees", "attempts", "rate"]
    if not ids:
        return pd.DataFrame(columns=columns)
    rows = session.execute(
        select(
            Mistake.rule_id,
            Mistake.service_id,
            Mistake.criterion,
            func.min(Mistake.legal_source),
            func.count(Mistake.id),
            func.count(func.distinct(Mistake.user_id)),
        )  # fmt: skip
        .where(Mistake.user_id.in_(ids))
        .group_by(Mistake.rule_id, Mistake.service_id, Mistake.criterion)
    ).all()
    per_service = dict(
        session.execute(
            select(CaseRecord.service_id, func.count(Grade.id))
            .join(Attempt, Attempt.case_id == CaseRecord.id)
            .join(Grade, Grade.attempt_id == Attempt.id)
            .where(Attempt.user_id.in_(ids))
            .group_by(CaseRecord.service_id)
        ).all()
    )
    df = pd.DataFrame(rows, columns=columns[:6])
    df["attempts"] = [int(per_service.get(s, 0)) for s in df["service_id"]]
    df["rate"] = df["mistakes"] / df["attempts"].where(df["attempts"] > 0)
    return df.sort_values(["mistakes", "rule_id", "service_id"], ascending=[False, True, True]).reset_index(drop=True)


def mistake_matrix(mistakes: pd.DataFrame, value: str = "mistakes") -> pd.DataFrame:
    """Pivot :func:`common_mistakes` into a rule (rows) x service (columns) table, zeros filled."""
    if mistakes.empty:
        return pd.DataFrame()
    return mistakes.pivot_table(index="rule_id", columns="service_id", values=value, aggfunc="sum", fill_value=0)


# --- exports -------------------------------------------------------------------------------------


def export_trainee_record(session: Session, trainee: User | str, *, viewer: User | str | None = None) -> pd.DataFrame:
    """A trainee's full record, one row per submitted attempt (for CSV/PDF export).

    Columns: :data:`ATTEMPT_COLUMNS` plus ``display_name``, ``score_<criterion>`` (0-100, empty
    when the criterion did not apply). With ``viewer`` the access rules apply.
    """
    if viewer is not None:
        target = require_can_view(session, viewer, trainee)
    else:
        target = require_user(session, trainee)
    df = _attempt_rows(session, [target.id])
    criteria = list(_training().CRITERIA)
    per: dict[int, dict] = {}
    if len(df):
        for attempt_id, pc in session.execute(
            select(Grade.attempt_id, Grade.per_criterion).where(Grade.attempt_id.in_(df["attempt_id"].tolist()))
        ):
            per[attempt_id] = pc or {}
    for crit in criteria:
        df[f"score_{crit}"] = [
            100.0 * per[a][crit]["score"] if crit in per.get(a, {}) and per[a][crit].get("applicable") else math.nan
            for a in df["attempt_id"]
        ]
    df.insert(2, "display_name", target.display_name)
    return df


def export_trainee_csv(
    session: Session, trainee: User | str, path: str | Path | None = None, *, viewer: User | str | None = None
) -> str:
    """:func:`export_trainee_record` as CSV text (UTF-8); also written to ``path`` if given."""
    df = export_trainee_record(session, trainee, viewer=viewer)
    out = df.copy()
    for col in ("started_at", "submitted_at"):
        out[col] = [v.isoformat(timespec="seconds") if v is not None and not pd.isna(v) else "" for v in out[col]]
    text = out.to_csv(index=False, lineterminator="\n")
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


_PDF_TEXT = {
    "id": {
        "title": "Rekam latihan operator",
        "trainee": "Peserta",
        "villages": "Desa/kelurahan",
        "attempts": "Jumlah kasus",
        "mean": "Nilai rata-rata",
        "status": "Status sertifikasi",
        "certified": "Tersertifikasi",
        "not_certified": "Belum tersertifikasi",
        "history": "Riwayat kasus",
        "mistakes": "Kesalahan terbanyak",
        "cols": ["No", "Tanggal (UTC)", "Layanan", "Level", "Nilai", "Lulus", "Waktu (detik)"],
        "mcols": ["Aturan", "Layanan", "Jumlah", "Dasar hukum"],
        "none": "Belum ada kasus.",
        "yes": "ya",
        "no": "tidak",
        "generated": "Dibuat",
        "synthetic": "Semua kasus berisi data sintetis (bukan penduduk nyata).",
    },
    "en": {
        "title": "Operator training record",
        "trainee": "Trainee",
        "villages": "Villages",
        "attempts": "Cases",
        "mean": "Mean score",
        "status": "Certification",
        "certified": "Certified",
        "not_certified": "Not certified",
        "history": "Case history",
        "mistakes": "Most common mistakes",
        "cols": ["No", "Date (UTC)", "Service", "Level", "Score", "Passed", "Time (s)"],
        "mcols": ["Rule", "Service", "Count", "Legal source"],
        "none": "No cases yet.",
        "yes": "yes",
        "no": "no",
        "generated": "Generated",
        "synthetic": "All cases hold synthetic data (no real residents).",
    },
}


def trainee_record_html(
    session: Session, trainee: User | str, *, viewer: User | str | None = None, lang: str = "id"
) -> str:
    """The trainee record as a self-contained HTML page (Bahasa Indonesia by default)."""
    if lang not in _PDF_TEXT:
        raise SakeraInputError(f"language {lang!r} is not available; choose 'id' or 'en'", location="lang")
    t = _PDF_TEXT[lang]
    df = export_trainee_record(session, trainee, viewer=viewer)
    target = require_user(session, trainee)
    certified = bool(_active_certifications(session, target.id))
    status = _training().certification_status(_history(session, target.id, _rule().level, _rule().window), _rule())
    esc = html.escape
    rows = []
    for i, r in enumerate(df.itertuples(), 1):
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{esc(str(v))}</td>"
                for v in (
                    i,
                    r.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted_at is not None else "",
                    r.service_id,
                    r.level,
                    f"{r.score:.0f}",
                    t["yes"] if r.passed else t["no"],
                    f"{r.time_taken_s:.0f}" if r.time_taken_s is not None else "",
                )
            )
            + "</tr>"
        )
    mistakes = session.execute(
        select(Mistake.rule_id, Mistake.service_id, func.count(Mistake.id), func.min(Mistake.legal_source))
        .where(Mistake.user_id == target.id)
        .group_by(Mistake.rule_id, Mistake.service_id)
        .order_by(func.count(Mistake.id).desc(), Mistake.rule_id)
        .limit(10)
    ).all()
    mrows = "".join(
        f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td>{c}</td><td>{esc(d or '')}</td></tr>" for a, b, c, d in mistakes
    )
    mean = f"{df['score'].mean():.1f}" if len(df) else "-"
    state = t["certified"] if certified else t["not_certified"]
    reason = status.message(lang)
    head = "".join(f"<th>{esc(c)}</th>" for c in t["cols"])
    mhead = "".join(f"<th>{esc(c)}</th>" for c in t["mcols"])
    history = f"<table><tr>{head}</tr>{''.join(rows)}</table>" if rows else f"<p>{esc(t['none'])}</p>"
    mistakes_html = f"<table><tr>{mhead}</tr>{mrows}</table>" if mrows else f"<p>{esc(t['none'])}</p>"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(t["title"])}: {esc(target.username)}</title>
<style>
@page {{ size: A4; margin: 18mm 15mm; }}
body {{ font-family: sans-serif; font-size: 10pt; color: #222; }}
h1 {{ font-size: 16pt; margin: 0 0 6pt; }} h2 {{ font-size: 12pt; margin: 14pt 0 4pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; }}
th {{ background: #eee; }} dl {{ display: grid; grid-template-columns: 40mm auto; gap: 2pt; }}
dt {{ font-weight: bold; }} .note {{ color: #666; font-size: 8pt; margin-top: 12pt; }}
</style></head><body>
<h1>{esc(t["title"])}</h1>
<dl>
<dt>{esc(t["trainee"])}</dt><dd>{esc(target.display_name)} ({esc(target.username)})</dd>
<dt>{esc(t["villages"])}</dt><dd>{esc(", ".join(target.village_codes) or "-")}</dd>
<dt>{esc(t["attempts"])}</dt><dd>{len(df)}</dd>
<dt>{esc(t["mean"])}</dt><dd>{mean}</dd>
<dt>{esc(t["status"])}</dt><dd>{esc(state)}: {esc(reason)}</dd>
</dl>
<h2>{esc(t["history"])}</h2>
{history}
<h2>{esc(t["mistakes"])}</h2>
{mistakes_html}
<p class="note">{esc(t["synthetic"])} {esc(t["generated"])}: {utcnow().strftime("%Y-%m-%d %H:%M")} UTC.</p>
</body></html>"""


def export_trainee_pdf(
    session: Session,
    trainee: User | str,
    path: str | Path | None = None,
    *,
    viewer: User | str | None = None,
    lang: str = "id",
) -> bytes:
    """The trainee record as PDF (HTML rendered by WeasyPrint); also written to ``path`` if given.

    Raises
    ------
    SakeraError
        If WeasyPrint is not installed (``pip install sakera-toolkit[pdf]``).
    """
    page = trainee_record_html(session, trainee, viewer=viewer, lang=lang)
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: missing pango libraries
        raise SakeraError(f"PDF export needs WeasyPrint (pip install 'sakera-toolkit[pdf]'): {exc}") from None
    buffer = io.BytesIO()
    HTML(string=page).write_pdf(buffer)
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


# --- village readiness ---------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "ya", "y", "t"}
_FALSE = {"0", "false", "no", "tidak", "n", "f"}


def read_facilities_csv(path: str | Path) -> dict[str, bool]:
    """Read a facilities CSV into ``{village_code: has_facilities}``.

    Columns: ``village_code`` plus either ``facilities`` or all of ``has_computer, has_printer,
    has_internet`` (yes/no, ya/tidak, 1/0, true/false).

    Raises
    ------
    SakeraInputError
        Naming the file, row and field of the first problem.
    """
    name = str(path)
    raw = read_csv_text(path)
    three = ["has_computer", "has_printer", "has_internet"]
    if "village_code" not in raw.columns:
        raise SakeraInputError("missing column 'village_code'", source=name)
    if "facilities" in raw.columns:
        flag_cols = ["facilities"]
    elif set(three) <= set(raw.columns):
        flag_cols = three
    else:
        raise SakeraInputError("needs a 'facilities' column or has_computer, has_printer, has_internet", source=name)
    out: dict[str, bool] = {}
    for i, rec in enumerate(raw.to_dict("records"), start=2):
        try:
            code = check_village_code(rec["village_code"])
        except SakeraInputError as exc:
            raise SakeraInputError(exc.problem, source=name, location=f"row {i}, village_code") from None
        if code in out:
            raise SakeraInputError(f"duplicate village_code {code!r}", source=name, location=f"row {i}")
        flags = []
        for col in flag_cols:
            text = str(rec[col]).strip().lower()
            if text not in _TRUE | _FALSE:
                raise SakeraInputError(f"{rec[col]!r} is not a yes/no value", source=name, location=f"row {i}, {col}")
            flags.append(text in _TRUE)
        out[code] = all(flags)
    return out


def readiness(
    db: Session | Engine | str | None = None,
    *,
    facilities_csv: str | Path | None = None,
    facilities_default: bool | None = None,
) -> pd.DataFrame:
    """Village readiness for the rollout planner: facilities + a certified operator -> ready.

    Parameters
    ----------
    db
        A store session, an engine, a database URL, or None (``$SAKERA_DATABASE_URL`` / default file).
    facilities_csv
        Optional CSV of facilities per village (see :func:`read_facilities_csv`); villages it does
        not list take ``facilities_default``.
    facilities_default
        Default facilities flag (calibration ``store.facilities_default``).

    Returns
    -------
    DataFrame
        One row per village (186): ``village_code, village_name, district_code, district_name,
        facilities, certified_operators`` (active users serving the village with an active
        certification) and ``ready`` (facilities and at least one certified operator).
    """
    from ..registry import villages

    if isinstance(db, Session):
        counts = _certified_counts(db)
    else:
        from .db import session_scope

        with session_scope(db) as session:
            counts = _certified_counts(session)
    if facilities_default is None:
        facilities_default = bool(calibration.load("store")["facilities_default"])
    facilities = read_facilities_csv(facilities_csv) if facilities_csv is not None else {}
    vil = villages().sort_values("village_code").reset_index(drop=True)
    df = vil[["village_code", "village_name", "district_code", "district_name"]].copy()
    df["facilities"] = [facilities.get(c, bool(facilities_default)) for c in df["village_code"]]
    df["certified_operators"] = [int(counts.get(c, 0)) for c in df["village_code"]]
    df["ready"] = df["facilities"] & (df["certified_operators"] > 0)
    return df


def _certified_counts(session: Session) -> dict[str, int]:
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

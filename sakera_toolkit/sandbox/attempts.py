"""Use cases of the training back-end: start or resume an attempt, submit it, certify.

Durability
----------
:func:`submit_detailed` grades the answer with :func:`sakera_toolkit.training.grade`, writes the
attempt, the answer, the grade, one row per mistake, the certification update and an audit row
in ONE transaction and commits it before it returns the report. The app shows feedback only
after it has returned, so feedback a trainee has seen is never lost (SQLite runs with
``synchronous=FULL``, PostgreSQL with ``fsync``).

Resuming
--------
An attempt is open from :func:`start_attempt` until it is submitted. Starting the same case
again (a reload of the page) returns the open attempt with its original start time, so the clock
keeps running instead of restarting; :func:`resume` finds a trainee's open attempt whatever the
case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import SakeraInputError
from ..store import audit
from ..store import repositories as repo
from ..store.models import Answer, Attempt, CaseRecord, Certification, Grade, Mistake, User, utcnow
from ..store.reports import level_of
from ..store.users import AccessDenied, require_user

__all__ = [
    "OpenAttempt",
    "Submission",
    "certification_rule",
    "resume",
    "revoke_certification",
    "start_attempt",
    "start_or_resume",
    "submit",
    "submit_detailed",
    "update_certification",
]


def _training() -> Any:
    from .. import training

    return training


def _to_case(case: Any) -> Any:
    return _training().Case.from_dict(case) if isinstance(case, Mapping) else case


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


@dataclass(frozen=True)
class OpenAttempt:
    """An attempt on screen: its id, the case shown, its level and the server-side start time (UTC)."""

    attempt_id: int
    case: Any
    level: int
    started_at: datetime
    resumed: bool


def start_attempt(
    session: Session,
    user: User | str,
    case: Any,
    *,
    level: int | None = None,
    started_at: datetime | None = None,
) -> Attempt:
    """Record that ``user`` was shown ``case`` (this starts the server-side clock) and commit.

    Always a new attempt; the app uses :func:`start_or_resume`. ``level`` is the curriculum
    level the case was served at (default: the case's difficulty).
    """
    user = _active_user(session, user)
    rec = repo.store_case(session, case)
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


def start_or_resume(session: Session, user: User | str, case: Any, *, level: int | None = None) -> OpenAttempt:
    """The open attempt of ``user`` at ``case`` (same start time), or a new one started now."""
    user = _active_user(session, user)
    case = _to_case(case)
    rec = repo.store_case(session, case)
    att = repo.open_attempt(session, user.id, rec.id)
    if att is not None:
        session.commit()
        return OpenAttempt(att.id, case, att.level, repo.as_utc(att.started_at), True)
    att = start_attempt(session, user, case, level=level)
    return OpenAttempt(att.id, case, att.level, repo.as_utc(att.started_at), False)


def resume(session: Session, user: User | str) -> OpenAttempt | None:
    """The newest attempt ``user`` has open (shown, not submitted), or None."""
    user = require_user(session, user)
    found = repo.newest_open_attempt(session, user.id)
    if found is None:
        return None
    att, rec = found
    return OpenAttempt(att.id, _training().Case.from_dict(rec.case_json), att.level, repo.as_utc(att.started_at), True)


@dataclass
class Submission:
    """What :func:`submit_detailed` returns.

    ``report`` (GradeReport), ``attempt_id``, ``certification`` (training Status, None when the
    level cannot change it), ``newly_certified``, ``duplicate`` (a second submit of the same
    attempt: the stored report, nothing changed), ``level_before`` (the level to play before this
    answer) and ``level_after`` (after it; higher than ``level_before`` on a level-up).
    """

    report: Any
    attempt_id: int
    certification: Any
    newly_certified: bool
    duplicate: bool = False
    level_before: int | None = None
    level_after: int | None = None

    @property
    def levelled_up(self) -> bool:
        """True when this submission moved the trainee up a level."""
        return self.level_before is not None and self.level_after is not None and self.level_after > self.level_before

    def __repr__(self) -> str:
        return (
            f"Submission(attempt_id={self.attempt_id}, score={self.report.score}, "
            f"newly_certified={self.newly_certified}, duplicate={self.duplicate}, "
            f"level={self.level_before}->{self.level_after})"
        )


def _stored_submission(session: Session, attempt: Attempt) -> Submission:
    grade_row = repo.grade_of(session, attempt.id)
    assert grade_row is not None  # a submitted attempt has its grade (same transaction)
    level = int(attempt.level)
    return Submission(_training().GradeReport.from_dict(grade_row.report_json), attempt.id, None, False,
                      duplicate=True, level_before=level, level_after=level)


def submit(
    session: Session,
    user: User | str,
    case: Any,
    answer: Any,
    *,
    attempt: Attempt | int | None = None,
    level: int | None = None,
    submitted_at: datetime | None = None,
) -> Any:
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
        Submitting an attempt that was already submitted (a double click) returns the stored
        report with ``duplicate=True`` and changes nothing.

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
    rec = repo.store_case(session, case_obj)

    if attempt is not None:
        att = attempt if isinstance(attempt, Attempt) else session.get(Attempt, int(attempt))
        if att is None or att.user_id != user.id:
            raise SakeraInputError(f"attempt {attempt!r} is not an attempt of {user.username}", location="attempt")
        if att.case_id != rec.id:
            raise SakeraInputError(f"attempt {att.id} is for another case", location="attempt")
        if att.submitted_at is not None:
            return _stored_submission(session, att)
    else:
        att = repo.open_attempt(session, user.id, rec.id)
    now = utcnow() if submitted_at is None else repo.as_utc(submitted_at)
    if att is None:
        att = Attempt(user_id=user.id, case_id=rec.id, level=_level_number(level, rec.difficulty), started_at=now)
        session.add(att)
    server_seconds = max(0.0, (now - repo.as_utc(att.started_at)).total_seconds())
    if answer.elapsed_seconds == 0 and server_seconds > 0:
        answer = training.Answer.from_dict({**answer.to_dict(), "elapsed_seconds": round(server_seconds, 3)})

    level_before = level_of(session, user.id)  # the level the trainee stood at before this answer
    report = training.grade(case_obj, answer)
    att.submitted_at = now
    session.flush()
    _persist(session, user, att, rec, answer, report, now)
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
    return Submission(report, att.id, status, newly, level_before=level_before, level_after=level_of(session, user.id))


def _persist(session: Session, user: User, att: Attempt, rec: CaseRecord, answer: Any, report: Any,
             now: datetime) -> None:
    """Add the answer, the grade, its mistakes and the audit row (not committed)."""
    session.add(Answer(attempt_id=att.id, answer_json=answer.to_dict(), created_at=now))
    grade_row = Grade(
        attempt_id=att.id,
        score=float(report.score),
        passed=bool(report.passed),
        time_taken_s=float(report.elapsed_seconds),
        per_criterion={
            c.criterion: {"score": c.score, "weight": c.weight, "applicable": c.applicable} for c in report.criteria
        },
        report_json=report.to_dict(),
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


# --- certification -------------------------------------------------------------------------------


def certification_rule() -> Any:
    """The certification rule in force (calibration ``training``)."""
    return _training().CertificationRule()


def _update_certification(session: Session, user: User, level: int | None, now: datetime | None = None
                          ) -> tuple[Any, bool]:
    """Certify ``user`` if the rule is now met (not committed). Returns (status, newly_certified)."""
    training = _training()
    rule = certification_rule()
    if level is not None and level != rule.level:
        return None, False
    status = training.certification_status(repo.history(session, user.id, rule.level, rule.window), rule)
    if not status.certified or repo.active_certifications(session, user.id):
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
    codes: list[str | None] = list(user.village_codes) or [None]
    for code in codes:
        session.add(Certification(user_id=user.id, village_code=code, certified_at=now, rule=details))
    audit.record(
        session, "certification.grant", actor="system", target=user.username,
        details={**details, "villages": [c for c in codes if c]},
    )  # fmt: skip
    return status, True


def update_certification(session: Session, user: User | str) -> Any:
    """Re-check ``user``'s certification; grants it (one row per village, audit row) when due; commits.

    Returns the training ``Status``.
    """
    user = require_user(session, user)
    status, _ = _update_certification(session, user, None)
    session.commit()
    return status


def revoke_certification(session: Session, user: User | str, *, actor: str, reason: str) -> int:
    """Revoke a user's active certifications (e.g. an operator who left); commits; returns how many."""
    user = require_user(session, user)
    rows = repo.active_certifications(session, user.id)
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    audit.record(session, "certification.revoke", actor=actor, target=user.username, details={"reason": reason})
    session.commit()
    return len(rows)

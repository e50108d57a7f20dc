"""Viewer-scoped reports of the training store: what a logged-in user may read, as DataFrames.

One scoping rule
----------------
Every function here takes the ``viewer`` (the logged-in user) and asks :func:`trainee_ids`
which trainees its answer may cover. That function is the only place the rule lives:

* **individual records** (attempts, progress, a trainee's record, one attempt): the trainees of
  :func:`sakera_toolkit.store.users.visible_trainee_ids` -- a trainee sees themself, a trainer
  the trainees of their classes, an evaluator (or an inactive user) nobody;
* **aggregates** (counts, means, the mistake heatmap): the same, except that an evaluator
  covers every trainee (no username appears in an aggregate);
* ``class_name`` narrows a trainer's or an evaluator's scope to one class; a trainer naming a
  class that is not theirs, or a trainee naming any class, is refused.

Callers never filter ids themselves (the app's pages call :mod:`sakera_toolkit.sandbox`, which
calls these functions).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session, selectinload

from .. import calibration
from . import repositories as repo
from .models import Attempt, CaseRecord, Certification, ClassMember, Grade, Mistake, Role, TrainingClass, User
from .users import AccessDenied, require_user, visible_trainee_ids

__all__ = [
    "attempt_case",
    "attempt_report",
    "attempts_by_week",
    "attempts_table",
    "certification_status",
    "certifications_table",
    "class_overview",
    "cohort_summary",
    "common_mistakes",
    "current_level",
    "get_attempt",
    "level_of",
    "mistake_matrix",
    "recent_attempts",
    "require_visible",
    "score_by_service",
    "trainee_ids",
    "trainee_progress",
]


def _training() -> Any:
    # the training package is imported lazily: the store must import without it
    from .. import training

    return training


# --- the scoping rule ----------------------------------------------------------------------------


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


def trainee_ids(
    session: Session, viewer: User | str, *, class_name: str | None = None, aggregate: bool = False
) -> list[int]:
    """Ids of the trainees a report for ``viewer`` may cover (the rule of the module docstring).

    Parameters
    ----------
    session
        A store session.
    viewer
        The logged-in user (object or username).
    class_name
        Only the members of this class (trainers: one of theirs; evaluators: any).
    aggregate
        True for counts and means (evaluators then cover every trainee), False for individual
        records.

    Raises
    ------
    AccessDenied
        A trainee asking for a class, a trainer naming a class that is not theirs.
    """
    viewer = require_user(session, viewer)
    if viewer.role == Role.TRAINEE and class_name is not None:
        raise AccessDenied(f"{viewer.username} may not see class views")
    if not viewer.active:
        return []
    if class_name is not None:
        classes = _classes_for(session, viewer, class_name)
        if viewer.role == Role.EVALUATOR and not aggregate:
            return []
        return sorted(
            set(session.scalars(select(ClassMember.user_id).where(ClassMember.class_id.in_([c.id for c in classes]))))
        )
    if viewer.role == Role.EVALUATOR and aggregate:
        return list(session.scalars(select(User.id).where(User.role == Role.TRAINEE).order_by(User.id)))
    return sorted(visible_trainee_ids(session, viewer))


def require_visible(session: Session, viewer: User | str, trainee: User | str | None = None) -> User:
    """The trainee (default: the viewer) if ``viewer`` may see their individual record.

    Raises
    ------
    AccessDenied
        Otherwise (also for an unknown trainee, so existence is not revealed).
    """
    viewer = require_user(session, viewer)
    target_name = viewer.username if trainee is None else (
        trainee.username if isinstance(trainee, User) else str(trainee))
    target = session.scalars(select(User).where(User.username == target_name)).one_or_none()
    if target is None or target.id not in trainee_ids(session, viewer):
        raise AccessDenied(f"{viewer.username} may not see the record of {target_name}")
    return target


# --- one trainee ---------------------------------------------------------------------------------


def get_attempt(session: Session, viewer: User | str, attempt_id: int) -> Attempt:
    """One attempt, if ``viewer`` may see its trainee's work.

    Raises
    ------
    AccessDenied
        For an attempt of somebody the viewer may not see, or one that does not exist.
    """
    viewer = require_user(session, viewer)
    att = session.get(Attempt, int(attempt_id))
    if att is None or att.user_id not in trainee_ids(session, viewer):
        raise AccessDenied(f"{viewer.username} may not see attempt {attempt_id}")
    return att


def attempt_report(session: Session, viewer: User | str, attempt_id: int) -> Any:
    """The stored GradeReport of an attempt (access checked); None if not submitted yet."""
    att = get_attempt(session, viewer, attempt_id)
    grade_row = repo.grade_of(session, att.id)
    return None if grade_row is None else _training().GradeReport.from_dict(grade_row.report_json)


def attempt_case(session: Session, viewer: User | str, attempt_id: int) -> Any:
    """The Case shown in an attempt (access checked)."""
    att = get_attempt(session, viewer, attempt_id)
    rec = session.get(CaseRecord, att.case_id)
    assert rec is not None  # foreign key
    return _training().Case.from_dict(rec.case_json)


def attempts_table(session: Session, viewer: User | str, trainee: User | str | None = None) -> pd.DataFrame:
    """Submitted attempts of one trainee (default: the viewer), oldest first, access checked.

    Columns: :data:`~sakera_toolkit.store.repositories.ATTEMPT_COLUMNS` (``mistakes`` is the
    ``;``-joined rule ids).

    Raises
    ------
    AccessDenied
        If ``viewer`` may not see ``trainee`` (a trainee asking for another trainee's attempts).
    """
    target = require_visible(session, viewer, trainee)
    return repo.attempt_rows(session, [target.id])


def trainee_progress(session: Session, viewer: User | str, trainee: User | str | None = None) -> pd.DataFrame:
    """A trainee's progress over time: :func:`attempts_table` plus ``attempt_no`` and ``rolling_score``.

    ``rolling_score`` is the mean over the promotion window (calibration ``promotion_window``).
    """
    df = attempts_table(session, viewer, trainee)
    window = int(calibration.load("training")["promotion_window"])
    df.insert(1, "attempt_no", range(1, len(df) + 1))
    df["rolling_score"] = df["score"].astype("float64").rolling(window, min_periods=1).mean()
    return df


def level_of(session: Session, user_id: int) -> int:
    """The curriculum level a user plays next (:func:`sakera_toolkit.training.next_level`); no access check."""
    training = _training()
    last = repo.last_submitted_level(session, user_id)
    if last is None:
        return int(training.LEVELS[0].number)
    window = training.PromotionRule().window
    return int(training.next_level(repo.history(session, user_id, int(last), window), int(last)))


def current_level(session: Session, viewer: User | str, trainee: User | str | None = None) -> int:
    """The curriculum level a trainee should play next (access checked)."""
    return level_of(session, require_visible(session, viewer, trainee).id)


def _level_from_rows(rows: pd.DataFrame) -> int:
    """:func:`level_of` from already loaded attempt rows of one trainee (no query)."""
    training = _training()
    if rows.empty:
        return int(training.LEVELS[0].number)
    ordered = rows.sort_values(["submitted_at", "attempt_id"])
    last = int(ordered["level"].iloc[-1])
    window = training.PromotionRule().window
    at_level = ordered[ordered["level"] == last].tail(window)
    history = [{"level": int(lv), "score": float(sc)}
               for lv, sc in zip(at_level["level"].tolist(), at_level["score"].tolist(), strict=True)]
    return int(training.next_level(history, last))


def certification_status(session: Session, viewer: User | str, trainee: User | str | None = None) -> Any:
    """The training ``Status`` of a trainee (default: the viewer), with access checks."""
    target = require_visible(session, viewer, trainee)
    training = _training()
    rule = training.CertificationRule()
    return training.certification_status(repo.history(session, target.id, rule.level, rule.window), rule)


# --- classes and the programme -------------------------------------------------------------------

CLASS_OVERVIEW_COLUMNS = [
    "class", "username", "display_name", "villages", "attempts", "mean_score", "last_score", "recent_score",
    "pass_rate", "level", "certified", "certified_at", "certification_progress", "last_activity",
]  # fmt: skip


def class_overview(session: Session, trainer: User | str, class_name: str | None = None) -> pd.DataFrame:
    """One row per trainee of the trainer's classes (or one class): how they are doing.

    Columns: ``class, username, display_name, villages, attempts, mean_score, last_score,
    recent_score`` (mean over the certification window), ``pass_rate, level`` (to play next),
    ``certified, certified_at, certification_progress`` (0-1), ``last_activity``.

    Raises
    ------
    AccessDenied
        If ``trainer`` is not an active trainer, or ``class_name`` is not one of theirs.
    """
    trainer = require_user(session, trainer)
    if trainer.role != Role.TRAINER or not trainer.active:
        raise AccessDenied(f"{trainer.username} is not an active trainer")
    classes = _classes_for(session, trainer, class_name)
    visible = set(trainee_ids(session, trainer, class_name=class_name))
    members = [
        (name, user)
        for name, user in session.execute(
            select(TrainingClass.name, User)
            .join(ClassMember, ClassMember.class_id == TrainingClass.id)
            .join(User, User.id == ClassMember.user_id)
            .where(TrainingClass.id.in_([c.id for c in classes]))
            .options(selectinload(User.villages))
            .order_by(TrainingClass.name, User.username)
        ).all()
        if user.id in visible
    ]
    if not members:
        return pd.DataFrame(columns=CLASS_OVERVIEW_COLUMNS)
    training = _training()
    rule = training.CertificationRule()
    ids = sorted({u.id for _, u in members})
    att = repo.attempt_rows(session, ids)
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
    return pd.DataFrame(rows, columns=CLASS_OVERVIEW_COLUMNS)


def recent_attempts(session: Session, viewer: User | str, limit: int = 15) -> pd.DataFrame:
    """The newest submitted attempts of the trainees ``viewer`` may see (newest first)."""
    ids = trainee_ids(session, viewer)
    df = repo.attempt_rows(session, ids)
    if df.empty:
        return df
    return df.sort_values(["submitted_at", "attempt_id"], ascending=False).head(int(limit)).reset_index(drop=True)


def cohort_summary(session: Session, viewer: User | str) -> pd.DataFrame:
    """Aggregates per class (for evaluators: all classes; for trainers: their own).

    Columns: ``class, trainer, trainees, attempts, mean_score, pass_rate, certified``. No
    individual trainee appears.
    """
    viewer = require_user(session, viewer)
    classes = _classes_for(session, viewer, None)
    rows = []
    for cls in classes:
        member_ids = trainee_ids(session, viewer, class_name=cls.name, aggregate=True)
        stats = session.execute(
            select(func.count(Grade.id), func.avg(Grade.score), func.avg(cast(Grade.passed, Integer)))
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
                "trainer_name": trainer.display_name if trainer else None,
                "trainees": len(member_ids),
                "attempts": int(stats[0] or 0),
                "mean_score": float(stats[1]) if stats[1] is not None else math.nan,
                "pass_rate": float(stats[2]) if stats[2] is not None else math.nan,
                "certified": int(certified or 0),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["class", "trainer", "trainer_name", "trainees", "attempts", "mean_score", "pass_rate", "certified"],
    )


def common_mistakes(session: Session, viewer: User | str, *, class_name: str | None = None) -> pd.DataFrame:
    """The most common mistakes by rule x service, for a heatmap (long format, most frequent first).

    Columns: ``rule_id, service_id, criterion, legal_source, mistakes`` (count), ``trainees``
    (distinct trainees who made it), ``attempts`` (graded attempts of that service in scope) and
    ``rate`` (mistakes per attempt). An aggregate: no usernames.
    """
    ids = trainee_ids(session, viewer, class_name=class_name, aggregate=True)
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


def score_by_service(session: Session, viewer: User | str) -> pd.DataFrame:
    """Graded attempts, mean score and pass rate per service (an aggregate)."""
    ids = trainee_ids(session, viewer, aggregate=True)
    columns = ["service_id", "attempts", "mean_score", "pass_rate"]
    if not ids:
        return pd.DataFrame(columns=columns)
    rows = session.execute(
        select(CaseRecord.service_id, func.count(Grade.id), func.avg(Grade.score), func.avg(cast(Grade.passed, Integer)))
        .join(Attempt, Attempt.case_id == CaseRecord.id)
        .join(Grade, Grade.attempt_id == Attempt.id)
        .where(Attempt.user_id.in_(ids))
        .group_by(CaseRecord.service_id)
        .order_by(CaseRecord.service_id)
    ).all()
    return pd.DataFrame(rows, columns=columns)


def attempts_by_week(session: Session, viewer: User | str, tz: str = "Asia/Jakarta") -> pd.DataFrame:
    """Submitted attempts per week (starting Monday, in time zone ``tz``): ``week, attempts``."""
    ids = trainee_ids(session, viewer, aggregate=True)
    empty = pd.DataFrame(columns=["week", "attempts"])
    if not ids:
        return empty
    times = session.scalars(
        select(Attempt.submitted_at).where(Attempt.user_id.in_(ids), Attempt.submitted_at.is_not(None))
    ).all()
    if not times:
        return empty
    stamps = pd.to_datetime(pd.Series(list(times), dtype="object"), utc=True).dt.tz_convert(tz)
    weeks = (stamps.dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time).dt.strftime("%Y-%m-%d")
    return weeks.value_counts().sort_index().rename_axis("week").reset_index(name="attempts")


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
        stmt = stmt.where(Certification.user_id.in_(trainee_ids(session, viewer, aggregate=True)))
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

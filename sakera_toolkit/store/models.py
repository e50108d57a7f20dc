"""SQLAlchemy 2.0 models of the training store.

Tables
------
``users``            trainers, trainees and evaluators (Argon2id password hash, never plaintext)
``classes``          a trainer's class (cohort); ``class_members`` links trainees to classes
``user_villages``    the desa/kelurahan a user serves (codes checked against the registry)
``cases``            practice cases as generated (case JSON, service, difficulty, seed)
``attempts``         one trainee working one case: started/submitted timestamps, curriculum level
``answers``          what the trainee answered (JSON), one per submitted attempt
``grades``           the grader's report: score, per-criterion JSON, whole report JSON
``mistakes``         one row per failed criterion (rule x service), for the trainer's heatmap
``certifications``   a certified operator (user, village, date, rule applied)
``login_sessions``   server-side login sessions (hash of the cookie's session id; revocable)
``audit_log``        append-only record of actions; UPDATE and DELETE are refused by the ORM
                     (event listeners below) and by database triggers (see the initial migration);
                     each row carries a hash chained to the previous row (migration 0002)

All timestamps are stored and returned as timezone-aware UTC (:class:`UtcDateTime`).
The schema itself is created by Alembic (``sakera db upgrade``); ``Base.metadata`` is the target
the migrations are checked against.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

from ..errors import SakeraError, SakeraInputError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON on SQLite, JSONB on PostgreSQL.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware (UTC), on SQLite too.

    Naive datetimes given to the database are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Convert to UTC (naive on SQLite, which has no time zones)."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Return a timezone-aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Role(enum.StrEnum):
    """What a user may do: trainers teach classes, trainees practise, evaluators read aggregates."""

    TRAINER = "trainer"
    TRAINEE = "trainee"
    EVALUATOR = "evaluator"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)


class AuditLogImmutableError(SakeraError):
    """Raised on any attempt to change or delete an audit-log row."""


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable names for Alembic)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A person who logs in: trainer, trainee or evaluator."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('trainer', 'trainee', 'evaluator')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    villages: Mapped[list[UserVillage]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserVillage.village_code"
    )
    classes_taught: Mapped[list[TrainingClass]] = relationship(back_populates="trainer")
    memberships: Mapped[list[ClassMember]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @validates("role")
    def _check_role(self, _key: str, value: str) -> str:
        value = str(value)
        if value not in ROLES:
            raise SakeraInputError(f"unknown role {value!r}; expected one of {', '.join(ROLES)}", location="role")
        return value

    @property
    def village_codes(self) -> list[str]:
        """Codes of the villages this user serves, sorted."""
        return [v.village_code for v in self.villages]

    def __repr__(self) -> str:
        return f"User(username={self.username!r}, role={self.role!r}, active={self.active})"


class TrainingClass(Base):
    """A trainer's class (cohort) of trainees."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    trainer: Mapped[User] = relationship(back_populates="classes_taught")
    members: Mapped[list[ClassMember]] = relationship(back_populates="training_class", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"TrainingClass(name={self.name!r})"


class ClassMember(Base):
    """A trainee in a class."""

    __tablename__ = "class_members"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    training_class: Mapped[TrainingClass] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class UserVillage(Base):
    """A village (Kemendagri code ``35.27.DD.VVVV``) a user serves."""

    __tablename__ = "user_villages"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    village_code: Mapped[str] = mapped_column(String(13), primary_key=True, index=True)

    user: Mapped[User] = relationship(back_populates="villages")

    @validates("village_code")
    def _check_code(self, _key: str, value: str) -> str:
        return check_village_code(value)


def check_village_code(code: str) -> str:
    """Return ``code`` (stripped) if it is one of the 186 Sampang village codes, else raise.

    Raises
    ------
    SakeraInputError
        For a code that is not in the village registry.
    """
    from ..registry import villages

    code = str(code).strip()
    if code not in _village_codes(villages):
        raise SakeraInputError(
            f"unknown village code {code!r} (expected a Sampang desa/kelurahan code like 35.27.03.2001; "
            "see `sakera villages`)",
            location="village_code",
        )
    return code


def _village_codes(villages_fn) -> frozenset[str]:
    global _VILLAGE_CODES
    if _VILLAGE_CODES is None:
        _VILLAGE_CODES = frozenset(villages_fn()["village_code"])
    return _VILLAGE_CODES


_VILLAGE_CODES: frozenset[str] | None = None


class CaseRecord(Base):
    """A practice case as it was generated and shown (so an attempt can always be re-graded)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_key: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[str] = mapped_column(String(32), index=True)
    difficulty: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str | None] = mapped_column(String(80))
    case_json: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Attempt(Base):
    """One trainee working one case, from the moment it is shown until it is submitted."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_user_id_submitted_at", "user_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()
    case: Mapped[CaseRecord] = relationship()
    answer: Mapped[Answer | None] = relationship(back_populates="attempt", uselist=False)
    grade: Mapped[Grade | None] = relationship(back_populates="attempt", uselist=False)


class Answer(Base):
    """What the trainee answered for an attempt."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), unique=True)
    answer_json: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="answer")


class Grade(Base):
    """The grader's report for an attempt."""

    __tablename__ = "grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), unique=True)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    time_taken_s: Mapped[float | None] = mapped_column(Float)
    per_criterion: Mapped[dict[str, Any]] = mapped_column(JsonType)
    report_json: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="grade")
    mistakes: Mapped[list[Mistake]] = relationship(back_populates="grade", cascade="all, delete-orphan")


class Mistake(Base):
    """One criterion a trainee got wrong in a graded attempt, with the rule that explains it."""

    __tablename__ = "mistakes"
    __table_args__ = (Index("ix_mistakes_service_id_rule_id", "service_id", "rule_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    service_id: Mapped[str] = mapped_column(String(32))
    criterion: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(120))
    rule_id: Mapped[str] = mapped_column(String(120))
    legal_source: Mapped[str | None] = mapped_column(Text)

    grade: Mapped[Grade] = relationship(back_populates="mistakes")


class Certification(Base):
    """A trainee certified as village operator (one row per village served when certified)."""

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    village_code: Mapped[str | None] = mapped_column(String(13), index=True)
    certified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    rule: Mapped[dict[str, Any]] = mapped_column(JsonType)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()


class AuditLog(Base):
    """Append-only log of actions (who did what to what, when)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    #: Hash chain (migration 0002): ``row_hash`` of the previous row, and this row's own hash
    #: (see :mod:`sakera_toolkit.store.audit`).
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)

    def __repr__(self) -> str:
        return f"AuditLog(actor={self.actor!r}, action={self.action!r}, target={self.target!r})"


class LoginSession(Base):
    """One login: the SHA-256 of the random session id carried in the signed login cookie.

    A cookie is honoured only while its row exists, is not revoked and has not expired, so
    logging out (or deactivating the user) ends it in every server process.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- append-only audit log at the ORM level ---------------------------------------------------


def _refuse_change(_mapper, _connection, target) -> None:
    raise AuditLogImmutableError(f"audit_log is append-only: cannot change or delete {target!r}")


event.listen(AuditLog, "before_update", _refuse_change)
event.listen(AuditLog, "before_delete", _refuse_change)


def _refuse_bulk(orm_execute_state) -> None:
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    mappers = list(getattr(orm_execute_state, "all_mappers", ()) or ())
    if orm_execute_state.bind_mapper is not None:
        mappers.append(orm_execute_state.bind_mapper)
    tables = {m.local_table for m in mappers}
    statement_table = getattr(orm_execute_state.statement, "table", None)
    if statement_table is not None:
        tables.add(statement_table)
    if AuditLog.__table__ in tables:
        raise AuditLogImmutableError("audit_log is append-only: bulk UPDATE/DELETE refused")


# every ORM session in the process refuses bulk update()/delete() of the audit log
event.listen(Session, "do_orm_execute", _refuse_bulk)

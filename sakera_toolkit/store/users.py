"""Users, classes, villages served, login and who may see whose work.

Every function that changes data commits its change together with an audit-log row before it
returns. Functions take a user either as a :class:`~sakera_toolkit.store.models.User` or as a
username.

Access rules (:func:`can_view_trainee`): a trainee sees only their own work; a trainer sees the
trainees of their own classes; an evaluator sees aggregates only, never one trainee's record.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from ..errors import SakeraError, SakeraInputError
from . import audit, security
from .models import ROLES, ClassMember, Role, TrainingClass, User, UserVillage, check_village_code

#: Usernames: 2-64 characters, lowercase letters, digits, ``.``, ``_`` and ``-``, starting with a
#: letter or digit.
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
#: Longest display name (characters); the column is ``String(200)`` on SQLite and PostgreSQL alike.
MAX_DISPLAY_NAME = 200
#: Longest class name (characters); the column is ``String(120)``.
MAX_CLASS_NAME = 120


def check_length(value: str, limit: int, field: str) -> str:
    """Return ``value`` if it has at most ``limit`` characters.

    Checked before the database, which enforces ``String(n)`` on PostgreSQL but not on SQLite.
    """
    if len(value) > limit:
        raise SakeraInputError(f"{field} has {len(value)} characters; at most {limit}", location=field)
    return value


class AccessDenied(SakeraError):
    """The logged-in user may not see or change this record."""


@dataclass(frozen=True)
class Identity:
    """What a login handler needs about a user, safe to pass between threads."""

    username: str
    display_name: str
    role: str
    villages: tuple[str, ...]


def _identity(user: User) -> Identity:
    return Identity(user.username, user.display_name, user.role, tuple(user.village_codes))


def check_username(username: str) -> str:
    """Return ``username`` if it follows :data:`USERNAME_PATTERN`, else raise SakeraInputError."""
    if not isinstance(username, str) or not USERNAME_PATTERN.match(username):
        raise SakeraInputError(
            f"invalid username {username!r}: use 2-64 lowercase letters, digits, '.', '_' or '-'",
            location="username",
        )
    return username


def check_role(role: str) -> str:
    """Return ``role`` as a plain string if it is a known role, else raise SakeraInputError."""
    role = str(role.value if isinstance(role, Role) else role)
    if role not in ROLES:
        raise SakeraInputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", location="role")
    return role


def get_user(session: Session, username: str) -> User | None:
    """The user called ``username``, or None."""
    return session.scalars(
        select(User).where(User.username == username).options(selectinload(User.villages))
    ).one_or_none()


def require_user(session: Session, user: User | str, role: str | None = None) -> User:
    """Resolve ``user`` (object or username) to a :class:`User`; check its role if given.

    Raises
    ------
    SakeraInputError
        Unknown username or wrong role.
    """
    found: User | None = user if isinstance(user, User) else get_user(session, user)
    if found is None:
        raise SakeraInputError(f"no user called {user!r}", location="username")
    if role is not None and found.role != role:
        raise SakeraInputError(f"user {found.username!r} is a {found.role}, not a {role}", location="role")
    return found


def add_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str | None = None,
    villages: Iterable[str] = (),
    actor: str = audit.SYSTEM_ACTOR,
    class_name: str | None = None,
) -> User:
    """Create a user with an Argon2id password hash and commit (with an audit row).

    With ``class_name`` the trainee joins that class in the same transaction: an unknown class or
    a user who is not a trainee leaves no user and no audit row behind.

    Raises
    ------
    SakeraInputError
        Invalid or duplicate username, unknown role, unknown village code, empty password, a
        display name longer than :data:`MAX_DISPLAY_NAME`, an unknown class or a non-trainee
        given a class.
    """
    check_username(username)
    role = check_role(role)
    codes = sorted({check_village_code(c) for c in villages})
    security.check_password_policy(password)
    display = check_length((display_name or "").strip() or username, MAX_DISPLAY_NAME, "display_name")
    cls = None
    if class_name is not None:
        if role != Role.TRAINEE.value:
            raise SakeraInputError(f"only trainees join a class; {username!r} would be a {role}", location="class")
        cls = get_class(session, class_name)
    if get_user(session, username) is not None:
        raise SakeraInputError(f"user {username!r} already exists", location="username")
    user = User(
        username=username,
        display_name=display,
        role=role,
        password_hash=security.hash_password(password),
        active=True,
    )
    user.villages = [UserVillage(village_code=c) for c in codes]
    session.add(user)
    audit.record(session, "user.add", actor=actor, target=username, details={"role": role, "villages": codes})
    if cls is not None:
        session.flush()
        session.add(ClassMember(class_id=cls.id, user_id=user.id))
        audit.record(session, "class.add_member", actor=actor, target=cls.name, details={"trainee": username})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise SakeraInputError(f"user {username!r} already exists", location="username") from None
    return user


def list_users(session: Session, role: str | None = None, *, include_inactive: bool = True) -> list[User]:
    """Users ordered by role then username, optionally one role only."""
    stmt = select(User).options(selectinload(User.villages)).order_by(User.role, User.username)
    if role is not None:
        stmt = stmt.where(User.role == check_role(role))
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return list(session.scalars(stmt))


def users_table(session: Session, role: str | None = None) -> pd.DataFrame:
    """Users as a DataFrame: ``username, display_name, role, active, villages, classes, created_at``.

    ``villages`` and ``classes`` are ``;``-separated. The password hash is never included.
    """
    users = list_users(session, role)
    class_names: dict[int, list[str]] = {}
    rows = session.execute(
        select(ClassMember.user_id, TrainingClass.name).join(TrainingClass, TrainingClass.id == ClassMember.class_id)
    ).all()
    for user_id, name in rows:
        class_names.setdefault(user_id, []).append(name)
    for cls in session.scalars(select(TrainingClass)):
        class_names.setdefault(cls.trainer_id, []).append(cls.name)
    return pd.DataFrame(
        [
            {
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role,
                "active": bool(u.active),
                "villages": ";".join(u.village_codes),
                "classes": ";".join(sorted(class_names.get(u.id, []))),
                "created_at": u.created_at.isoformat(timespec="seconds"),
            }
            for u in users
        ],
        columns=["username", "display_name", "role", "active", "villages", "classes", "created_at"],
    )


def authenticate(session: Session, username: str, password: str, *, audit_failure: bool = True) -> User | None:
    """The active user whose password matches, else None; logs ``login``/``login_failed``.

    The same Argon2 work is spent whether or not the user exists. A hash made with older
    parameters is upgraded on a successful login. With ``audit_failure=False`` a failure is not
    logged here (the web app sums failed logins into one row per username and window).
    """
    user = get_user(session, username) if isinstance(username, str) else None
    ok = security.verify_password(user.password_hash if user is not None else None, password)
    if user is None or not ok or not user.active:
        if not audit_failure:
            return None
        reason = "unknown user" if user is None else ("wrong password" if not ok else "inactive")
        audit.record(
            session, "login_failed", actor=str(username)[:64], target=str(username)[:200], details={"reason": reason}
        )
        session.commit()
        return None
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    audit.record(session, "login", actor=user.username, target=user.username)
    session.commit()
    return user


async def authenticate_async(session_factory: sessionmaker[Session], username: str, password: str) -> Identity | None:
    """:func:`authenticate` in a worker thread with its own session, for async login handlers.

    Returns an :class:`Identity` (plain data, safe to use on the event loop) or None.
    """

    def work() -> Identity | None:
        with session_factory() as session:
            user = authenticate(session, username, password)
            return _identity(user) if user is not None else None

    return await asyncio.get_running_loop().run_in_executor(None, work)


def identity(session: Session, username: str) -> Identity | None:
    """The :class:`Identity` of an active user, or None (e.g. to re-check a login cookie)."""
    user = get_user(session, username)
    if user is None or not user.active:
        return None
    return _identity(user)


def set_password(session: Session, user: User | str, password: str, *, actor: str = audit.SYSTEM_ACTOR) -> None:
    """Replace a user's password (new salt and hash) and commit."""
    user = require_user(session, user)
    user.password_hash = security.hash_password(password)
    audit.record(session, "user.set_password", actor=actor, target=user.username)
    session.commit()


def set_active(session: Session, user: User | str, active: bool, *, actor: str = audit.SYSTEM_ACTOR) -> None:
    """Enable or disable a user's login (users are never deleted: their records stay)."""
    user = require_user(session, user)
    user.active = bool(active)
    audit.record(session, "user.set_active", actor=actor, target=user.username, details={"active": bool(active)})
    session.commit()


def set_villages(
    session: Session, user: User | str, village_codes: Iterable[str], *, actor: str = audit.SYSTEM_ACTOR
) -> list[str]:
    """Replace the villages a user serves; returns the sorted codes.

    Raises
    ------
    SakeraInputError
        For an unknown village code (nothing is changed).
    """
    user = require_user(session, user)
    codes = sorted({check_village_code(c) for c in village_codes})
    current = {v.village_code: v for v in user.villages}
    user.villages = [current.get(c) or UserVillage(village_code=c) for c in codes]
    audit.record(session, "user.set_villages", actor=actor, target=user.username, details={"villages": codes})
    session.commit()
    return codes


# --- classes ----------------------------------------------------------------------------------


def get_class(session: Session, name: str) -> TrainingClass:
    """The class called ``name``.

    Raises
    ------
    SakeraInputError
        If there is no such class.
    """
    cls = session.scalars(select(TrainingClass).where(TrainingClass.name == name)).one_or_none()
    if cls is None:
        raise SakeraInputError(f"no class called {name!r}", location="class")
    return cls


def create_class(session: Session, name: str, trainer: User | str, *, actor: str = audit.SYSTEM_ACTOR) -> TrainingClass:
    """Create a class taught by ``trainer`` (a user with role trainer) and commit."""
    name = (name or "").strip()
    if not name:
        raise SakeraInputError("empty class name", location="class")
    check_length(name, MAX_CLASS_NAME, "class")
    trainer = require_user(session, trainer, Role.TRAINER)
    if session.scalars(select(TrainingClass).where(TrainingClass.name == name)).one_or_none() is not None:
        raise SakeraInputError(f"class {name!r} already exists", location="class")
    cls = TrainingClass(name=name, trainer=trainer)
    session.add(cls)
    audit.record(session, "class.create", actor=actor, target=name, details={"trainer": trainer.username})
    session.commit()
    return cls


def add_to_class(session: Session, class_name: str, trainee: User | str, *, actor: str = audit.SYSTEM_ACTOR) -> None:
    """Add a trainee to a class and commit (no-op if already a member)."""
    cls = get_class(session, class_name)
    trainee = require_user(session, trainee, Role.TRAINEE)
    exists = session.get(ClassMember, (cls.id, trainee.id))
    if exists is not None:
        return
    session.add(ClassMember(class_id=cls.id, user_id=trainee.id))
    audit.record(session, "class.add_member", actor=actor, target=cls.name, details={"trainee": trainee.username})
    session.commit()


def remove_from_class(
    session: Session, class_name: str, trainee: User | str, *, actor: str = audit.SYSTEM_ACTOR
) -> None:
    """Remove a trainee from a class and commit (their attempts stay)."""
    cls = get_class(session, class_name)
    trainee = require_user(session, trainee)
    member = session.get(ClassMember, (cls.id, trainee.id))
    if member is None:
        return
    session.delete(member)
    audit.record(session, "class.remove_member", actor=actor, target=cls.name, details={"trainee": trainee.username})
    session.commit()


def classes_of(session: Session, trainer: User | str) -> list[TrainingClass]:
    """Classes taught by ``trainer``, by name."""
    trainer = require_user(session, trainer)
    return list(
        session.scalars(
            select(TrainingClass).where(TrainingClass.trainer_id == trainer.id).order_by(TrainingClass.name)
        )
    )


def class_trainees(session: Session, class_name: str) -> list[User]:
    """Trainees of one class, by username."""
    cls = get_class(session, class_name)
    return list(
        session.scalars(
            select(User)
            .join(ClassMember, ClassMember.user_id == User.id)
            .where(ClassMember.class_id == cls.id)
            .order_by(User.username)
        )
    )


def trainees_of(session: Session, trainer: User | str) -> list[User]:
    """All trainees in any class taught by ``trainer``, by username (each once)."""
    trainer = require_user(session, trainer)
    return list(
        session.scalars(
            select(User)
            .join(ClassMember, ClassMember.user_id == User.id)
            .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
            .where(TrainingClass.trainer_id == trainer.id)
            .distinct()
            .order_by(User.username)
        )
    )


# --- who may see what -------------------------------------------------------------------------


def visible_trainee_ids(session: Session, viewer: User | str) -> list[int]:
    """Ids of the trainees whose individual records ``viewer`` may see.

    A trainee: only themself. A trainer: the trainees of their classes. An evaluator, or an
    inactive user: nobody.
    """
    viewer = require_user(session, viewer)
    if not viewer.active:
        return []
    if viewer.role == Role.TRAINEE:
        return [viewer.id]
    if viewer.role == Role.TRAINER:
        return [u.id for u in trainees_of(session, viewer)]
    return []


def can_view_trainee(session: Session, viewer: User | str, trainee: User | str) -> bool:
    """True if ``viewer`` may see ``trainee``'s individual record (see module docstring)."""
    viewer = require_user(session, viewer)
    try:
        trainee = require_user(session, trainee)
    except SakeraInputError:
        return False
    return trainee.id in visible_trainee_ids(session, viewer)


def require_can_view(session: Session, viewer: User | str, trainee: User | str) -> User:
    """Return the trainee if ``viewer`` may see their record.

    Raises
    ------
    AccessDenied
        Otherwise (also for an unknown trainee, so existence is not revealed).
    """
    viewer = require_user(session, viewer)
    target = trainee.username if isinstance(trainee, User) else str(trainee)
    if not can_view_trainee(session, viewer, trainee):
        raise AccessDenied(f"{viewer.username} may not see the record of {target}")
    return require_user(session, trainee)

"""Demo mode: sample users so a new user can log in on the first run.

``seed_demo(session)`` fills an empty database with these accounts (all synthetic; the passwords
are public, so a demo database must never hold real work):

============  ===========  =================  ==========================================
username      role         password           villages served
============  ===========  =================  ==========================================
pelatih       trainer      pelatih-demo       (none; teaches the class "Kelas Demo")
peserta1      trainee      peserta1-demo      35.27.03.2001 Pulau Mandangin (Kec. Sampang)
peserta2      trainee      peserta2-demo      35.27.01.2002 Labuhan (Kec. Sreseh)
evaluator     evaluator    evaluator-demo     (none)
============  ===========  =================  ==========================================

The seeding is recorded in the audit log (action ``demo.seed``); :func:`is_demo` tells the app to
show its "DEMO" banner.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, users
from .models import AuditLog, User

#: Name of the demo class taught by ``pelatih``.
DEMO_CLASS = "Kelas Demo"

#: Audit action that marks a database as a demo database.
DEMO_ACTION = "demo.seed"


@dataclass(frozen=True)
class DemoUser:
    """One demo account (public password: demo mode only)."""

    username: str
    role: str
    password: str
    display_name: str
    villages: tuple[str, ...] = ()


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("pelatih", "trainer", "pelatih-demo", "Pelatih Demo"),
    DemoUser("peserta1", "trainee", "peserta1-demo", "Peserta Demo 1", ("35.27.03.2001",)),
    DemoUser("peserta2", "trainee", "peserta2-demo", "Peserta Demo 2", ("35.27.01.2002",)),
    DemoUser("evaluator", "evaluator", "evaluator-demo", "Evaluator Demo"),
)


def seed_demo(session: Session) -> bool:
    """Create the demo users and class in an empty database and commit.

    Returns True if the demo data was created, False if the database already had users (nothing
    is changed then, so real accounts are never mixed with demo ones).
    """
    if session.scalar(select(func.count()).select_from(User)):
        return False
    for demo in DEMO_USERS:
        users.add_user(
            session,
            demo.username,
            demo.role,
            demo.password,
            display_name=demo.display_name,
            villages=demo.villages,
            actor="demo",
        )
    users.create_class(session, DEMO_CLASS, "pelatih", actor="demo")
    for demo in DEMO_USERS:
        if demo.role == "trainee":
            users.add_to_class(session, DEMO_CLASS, demo.username, actor="demo")
    audit.record(
        session, DEMO_ACTION, actor="demo", target="database", details={"users": [d.username for d in DEMO_USERS]}
    )
    session.commit()
    return True


def is_demo(session: Session) -> bool:
    """True if this database was filled by :func:`seed_demo` (the app then shows a DEMO banner)."""
    return bool(session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == DEMO_ACTION)))


def login_help(language: str = "id") -> str:
    """The demo logins as text to print at start-up, in Indonesian (``id``) or English (``en``)."""
    head = (
        "MODE DEMO: akun contoh (kata sandi publik, jangan dipakai untuk data nyata):"
        if language == "id"
        else "DEMO MODE: sample accounts (public passwords, never use for real work):"
    )
    lines = [head]
    for d in DEMO_USERS:
        lines.append(f"  {d.username:<10} / {d.password:<15} ({d.role})")
    return "\n".join(lines)

"""Persistence of the training sandbox: users, classes, cases, attempts, grades, certifications.

SQLAlchemy 2.0 models (:mod:`.models`), engine and sessions (:mod:`.db`: SQLite file by default,
PostgreSQL by URL or ``$SAKERA_DATABASE_URL``), Alembic migrations (:mod:`.migrations`), users and
access rules (:mod:`.users`), the queries of cases, attempts and grades (:mod:`.repositories`),
viewer-scoped reports with the one access-scoping rule (:mod:`.reports`), the append-only audit
log (:mod:`.audit`) and the demo data set (:mod:`.demo`). The use cases that run on top (start,
submit, certify, exports, readiness) are in :mod:`sakera_toolkit.sandbox`; :mod:`.attempts` keeps
their old import path.

Typical use::

    from sakera_toolkit import sandbox, store
    store.upgrade(url)                       # or: sakera db upgrade --db URL
    Session = store.make_session_factory(url)
    with Session() as session:
        user = store.users.authenticate(session, "peserta1", password)
        report = sandbox.attempts.submit(session, user, case, answer)   # committed on return
"""

from __future__ import annotations

from typing import Any

from . import audit, db, models, security, users
from .db import ENV_VAR, default_sqlite_path, make_engine, make_session_factory, resolve_url, session_scope
from .migrations import current, ensure_schema, head, upgrade
from .users import AccessDenied, Identity

__all__ = [
    "ENV_VAR",
    "AccessDenied",
    "Identity",
    "attempts",
    "audit",
    "current",
    "db",
    "default_sqlite_path",
    "demo",
    "ensure_schema",
    "head",
    "make_engine",
    "make_session_factory",
    "models",
    "readiness",
    "reports",
    "repositories",
    "resolve_url",
    "security",
    "session_scope",
    "upgrade",
    "users",
]


def __getattr__(name: str) -> Any:
    # attempts/demo import the training package: load them on first use only
    if name in ("attempts", "demo", "reports", "repositories"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "readiness":
        from ..sandbox.readiness import village_readiness

        return village_readiness
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

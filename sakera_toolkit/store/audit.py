"""The append-only audit log: who did what to what, and when.

Rows are only ever added (:func:`record`); the ORM refuses updates and deletes
(:class:`~sakera_toolkit.store.models.AuditLogImmutableError`) and so does the database (triggers
created by the initial migration).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditLog, utcnow

#: Actor recorded for actions taken by the ``sakera`` command or by the system itself.
SYSTEM_ACTOR = "system"


def record(
    session: Session,
    action: str,
    *,
    actor: str = SYSTEM_ACTOR,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add one audit row to ``session`` (it is written with the caller's next commit)."""
    row = AuditLog(ts=utcnow(), actor=actor, action=action, target=target, details=dict(details or {}))
    session.add(row)
    return row


def audit_table(session: Session, *, action: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """The audit log, newest first, as a DataFrame (``ts, actor, action, target, details``)."""
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if action is not None:
        stmt = stmt.where(AuditLog.action == action)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.scalars(stmt).all()
    return pd.DataFrame(
        [
            {"id": r.id, "ts": r.ts, "actor": r.actor, "action": r.action, "target": r.target, "details": r.details}
            for r in rows
        ],
        columns=["id", "ts", "actor", "action", "target", "details"],
    )

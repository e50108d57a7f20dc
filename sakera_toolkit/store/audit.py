r"""The append-only, tamper-evident audit log: who did what to what, and when.

Rows are only ever added (:func:`record`); the ORM refuses updates and deletes
(:class:`~sakera_toolkit.store.models.AuditLogImmutableError`) and so does the database (triggers
of the initial migration; on SQLite migration 0002 also refuses ``INSERT OR REPLACE`` onto an
existing id, which would otherwise rewrite a row without firing the DELETE trigger).

Tamper-evident
--------------
Triggers only resist tampering: anyone holding the SQLite file can drop them. So every row also
carries ``row_hash = sha256(prev_hash + "\n" + payload)``, where ``payload`` is the canonical JSON
of the row's ``ts, actor, action, target, details`` (:func:`payload_text`) and ``prev_hash`` is the
``row_hash`` of the row before it. The previous hash is read *inside* the INSERT statement (a
scalar subquery), so the row is chained to whatever row the database holds at the moment it
writes, and on PostgreSQL a transaction-scoped advisory lock makes concurrent writers take turns.
:func:`verify_chain` (``sakera db verify-audit``) recomputes the chain and names the first row
that no longer fits: an edited, deleted, inserted or re-ordered row breaks it. Cutting rows off
the *end* of the log cannot be seen from the log itself; keep the head hash printed by
``verify-audit`` (e.g. in the class register) to detect that too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, literal, select, text
from sqlalchemy.orm import Session

from .models import AuditLog, utcnow

#: Actor recorded for actions taken by the ``sakera`` command or by the system itself.
SYSTEM_ACTOR = "system"
#: Key of the PostgreSQL advisory lock that serialises audit writers (any fixed 64-bit number).
PG_AUDIT_LOCK_KEY = 0x5A4B_E7A0_A0D1
#: Name of the SQL function computing a SHA-256 hex digest on SQLite (registered per connection
#: by :func:`sakera_toolkit.store.db.make_engine`).
SQLITE_SHA256 = "sakera_sha256"


def payload_text(ts: datetime, actor: str, action: str, target: str | None, details: dict[str, Any] | None) -> str:
    """Canonical JSON of what a row says (the hashed part; independent of the database)."""
    stamp = (ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)).astimezone(UTC)
    return json.dumps(
        {"ts": stamp.isoformat(timespec="microseconds"), "actor": actor, "action": action, "target": target,
         "details": details or {}},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )


def chain_hash(prev_hash: str | None, payload: str) -> str:
    r"""``sha256((prev_hash or "") + "\n" + payload)`` as hex."""
    return hashlib.sha256(((prev_hash or "") + "\n" + payload).encode("utf-8")).hexdigest()


def _sql_sha256(dialect: str, expr: Any) -> Any:
    if dialect == "postgresql":
        return func.encode(func.sha256(func.convert_to(expr, "UTF8")), "hex")
    return getattr(func, SQLITE_SHA256)(expr)


def record(
    session: Session,
    action: str,
    *,
    actor: str = SYSTEM_ACTOR,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add one audit row to ``session`` (it is written, chained, with the caller's next commit)."""
    ts = utcnow()
    details = dict(details or {})
    payload = payload_text(ts, actor, action, target, details)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_AUDIT_LOCK_KEY})
    previous = select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1).scalar_subquery()
    row = AuditLog(ts=ts, actor=actor, action=action, target=target, details=details)
    # SQL expressions: evaluated inside the INSERT, against the row the database holds right then
    row.prev_hash = previous  # type: ignore[assignment]
    row.row_hash = _sql_sha256(dialect, func.coalesce(previous, "") + literal("\n") + literal(payload))  # type: ignore[assignment]
    session.add(row)
    return row


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`."""

    rows: int
    first_broken_id: int | None
    problem: str
    head_hash: str | None

    @property
    def ok(self) -> bool:
        """True when every row fits the chain."""
        return self.first_broken_id is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute the hash chain in id order; the first row that does not fit, and why."""
    prev: str | None = None
    count = 0
    last_id = None
    while True:
        stmt = select(AuditLog.id, AuditLog.ts, AuditLog.actor, AuditLog.action, AuditLog.target,
                      AuditLog.details, AuditLog.prev_hash, AuditLog.row_hash).order_by(AuditLog.id).limit(batch)
        if last_id is not None:
            stmt = stmt.where(AuditLog.id > last_id)
        rows = session.execute(stmt).all()
        if not rows:
            return ChainReport(count, None, "", prev)
        for row in rows:
            count += 1
            last_id = row.id
            if (row.prev_hash or None) != prev:
                return ChainReport(count, row.id, "prev_hash does not match the row before it "
                                   "(a row was deleted, inserted or re-ordered)", prev)
            expected = chain_hash(prev, payload_text(row.ts, row.actor, row.action, row.target, row.details))
            if row.row_hash != expected:
                return ChainReport(count, row.id, "row_hash does not match the row's content (the row was edited)",
                                   prev)
            prev = row.row_hash


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

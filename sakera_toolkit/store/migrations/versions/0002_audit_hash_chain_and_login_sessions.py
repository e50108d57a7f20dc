"""Audit log hash chain, REPLACE refused on SQLite, server-side login sessions.

* ``audit_log.prev_hash`` / ``audit_log.row_hash``: every row chained to the one before it
  (:mod:`sakera_toolkit.store.audit`); rows already present are chained here, in id order.
* SQLite: a BEFORE INSERT trigger refuses an insert onto an existing id, so ``INSERT OR REPLACE``
  can no longer rewrite an audit row silently (DELETE triggers do not fire on REPLACE).
* ``login_sessions``: one row per login (hash of the session id kept in the signed cookie);
  logging out or deactivating the user revokes it, in every server process at once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sakera_toolkit.store.audit import chain_hash, payload_text

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

SQLITE_NO_REPLACE = (
    "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
    "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: REPLACE of an existing row refused'); END"
)
SQLITE_NO_UPDATE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END"
)


def _backfill_chain(bind) -> None:
    """Chain the rows already in the log (the UPDATE trigger is lifted for this only)."""
    rows = bind.execute(sa.text("SELECT id, ts, actor, action, target, details FROM audit_log ORDER BY id")).all()
    if not rows:
        return
    from sakera_toolkit.store.models import JsonType, UtcDateTime

    ts_type, json_type = UtcDateTime(), JsonType
    dialect = bind.dialect
    ts_proc = ts_type.result_processor(dialect, None)
    json_proc = json_type.dialect_impl(dialect).result_processor(dialect, None)
    prev = None
    for row in rows:
        ts = ts_proc(row.ts) if ts_proc else row.ts
        details = json_proc(row.details) if json_proc and isinstance(row.details, str | bytes) else row.details
        assert ts is not None, f"audit row {row.id} has no timestamp"  # the column is NOT NULL
        digest = chain_hash(prev, payload_text(ts, row.actor, row.action, row.target, details))
        bind.execute(sa.text("UPDATE audit_log SET prev_hash = :p, row_hash = :h WHERE id = :i"),
                     {"p": prev, "h": digest, "i": row.id})
        prev = digest


def upgrade() -> None:
    """Add the chain columns and the login-session table; chain existing rows."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete")
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("row_hash", sa.String(64), nullable=True))
    _backfill_chain(bind)
    if dialect == "sqlite":
        op.execute(SQLITE_NO_UPDATE)
        op.execute(SQLITE_NO_REPLACE)
    elif dialect == "postgresql":
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete")

    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(op.f("ix_login_sessions_user_id"), "login_sessions", ["user_id"])


def downgrade() -> None:
    """Drop the login-session table and the chain columns (the chain is lost)."""
    op.drop_index(op.f("ix_login_sessions_user_id"), table_name="login_sessions")
    op.drop_table("login_sessions")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
    if dialect == "sqlite":  # the batch rebuild dropped the table's triggers: put 0001's back
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute(SQLITE_NO_UPDATE)
        op.execute("CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END")

"""``sakera db``: create or upgrade the training database schema, show its revision."""

from __future__ import annotations

import sys


def add_db_argument(parser) -> None:
    """Add ``--db URL`` (default: ``$SAKERA_DATABASE_URL``, else the per-user SQLite file)."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database URL, e.g. sqlite:///sakera.db or postgresql+psycopg://user@host/db "
        "(default: $SAKERA_DATABASE_URL, else a SQLite file in the per-user data directory)",
    )


def register(sub) -> None:
    """Add ``sakera db upgrade`` and ``sakera db current``."""
    p = sub.add_parser(
        "db",
        help="create/upgrade the training database schema (Alembic) or show its revision",
        description="Manage the schema of the training database (users, attempts, grades, audit log). "
        "The database is a SQLite file by default; PostgreSQL by URL.",
    )
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", parser_class=type(p))
    up = dbsub.add_parser(
        "upgrade",
        help="create the schema or upgrade it to the newest revision",
        description="Run the packaged Alembic migrations up to REVISION (default: head).",
    )
    add_db_argument(up)
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.set_defaults(func=run_upgrade)
    cur = dbsub.add_parser(
        "current",
        help="show the schema revision of the database",
        description="Print the database URL (password hidden), its revision and the newest revision shipped.",
    )
    add_db_argument(cur)
    cur.set_defaults(func=run_current)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def _safe_url(url: str | None) -> str:
    from sqlalchemy.engine import make_url

    from ..store.db import resolve_url

    return make_url(resolve_url(url)).render_as_string(hide_password=True)


def run_upgrade(args) -> int:
    """Run ``sakera db upgrade``."""
    from ..store.migrations import upgrade

    reached = upgrade(args.db, args.revision)
    print(f"{_safe_url(args.db)}: at revision {reached}")
    return 0


def run_current(args) -> int:
    """Run ``sakera db current``."""
    from ..store.migrations import current, head

    rev = current(args.db)
    newest = head()
    state = (
        "up to date"
        if rev == newest
        else ("empty: run `sakera db upgrade`" if rev is None else "run `sakera db upgrade`")
    )
    print(f"{_safe_url(args.db)}: revision {rev or '(none)'}, newest {newest} ({state})")
    return 0

"""``sakera db``: schema (upgrade, current), audit-log check (verify-audit), SQLite backup/restore."""

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
    ver = dbsub.add_parser(
        "verify-audit",
        help="recompute the audit log's hash chain; name the first broken row (exit 2)",
        description="Recompute the hash chain of the audit log. Prints the number of rows and the head "
        "hash (write it down: it also reveals rows cut off the end later); if a row was edited, deleted, "
        "inserted or re-ordered, names the first row that no longer fits and exits with status 2.",
    )
    add_db_argument(ver)
    ver.set_defaults(func=run_verify_audit)
    bak = dbsub.add_parser(
        "backup",
        help="copy the SQLite database to FILE while the server runs (online backup)",
        description="Copy a SQLite store to FILE with SQLite's online backup API (consistent even while "
        "`sakera serve` writes). For PostgreSQL use pg_dump (see docs/classroom.md).",
    )
    add_db_argument(bak)
    bak.add_argument("file", metavar="FILE", help="backup file to write (must not exist, unless --force)")
    bak.add_argument("--force", action="store_true", help="overwrite FILE")
    bak.set_defaults(func=run_backup)
    res = dbsub.add_parser(
        "restore",
        help="replace the SQLite database with a backup FILE (checks the backup's audit chain first)",
        description="Replace the SQLite store with the backup FILE, after checking that FILE is a Sakera "
        "store at the current schema revision whose audit chain verifies. Stop the server first. For "
        "PostgreSQL use pg_restore (see docs/classroom.md).",
    )
    add_db_argument(res)
    res.add_argument("file", metavar="FILE", help="backup file made by `sakera db backup`")
    res.set_defaults(func=run_restore)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def _safe_url(url: str | None) -> str:
    from ..store.db import safe_url

    return safe_url(url)


def run_upgrade(args) -> int:
    """Run ``sakera db upgrade``."""
    from alembic.script import ScriptDirectory

    from ..errors import SakeraInputError
    from ..store.db import resolve_url
    from ..store.migrations import alembic_config, upgrade

    resolve_url(args.db)  # a bad URL is refused before anything is created
    try:  # an unknown revision is refused before a new SQLite file is created
        ScriptDirectory.from_config(alembic_config()).get_revision(args.revision)
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown or ambiguous id
        raise SakeraInputError(
            f"unknown revision {args.revision!r} (use head, or a revision shipped: `sakera db current`)",
            location="--revision",
        ) from None
    reached = upgrade(args.db, args.revision)
    print(f"{_safe_url(args.db)}: at revision {reached}")
    return 0


def run_current(args) -> int:
    """Run ``sakera db current``."""
    from ..errors import SakeraInputError
    from ..store.db import require_existing
    from ..store.migrations import current, head

    try:
        require_existing(args.db)
    except SakeraInputError:  # a SQLite file that does not exist yet: say so, create nothing
        print(f"{_safe_url(args.db)}: revision (none), newest {head()} (no database file yet: run `sakera db upgrade`)")
        return 0
    rev = current(args.db)
    newest = head()
    state = (
        "up to date"
        if rev == newest
        else ("empty: run `sakera db upgrade`" if rev is None else "run `sakera db upgrade`")
    )
    print(f"{_safe_url(args.db)}: revision {rev or '(none)'}, newest {newest} ({state})")
    return 0


def run_verify_audit(args) -> int:
    """Run ``sakera db verify-audit``."""
    from ..store.audit import verify_chain
    from ..store.db import require_existing, session_scope

    require_existing(args.db)
    with session_scope(args.db) as session:
        report = verify_chain(session)
    if not report.ok:
        print(f"{_safe_url(args.db)}: audit log broken at row id {report.first_broken_id} "
              f"(row {report.rows} in order): {report.problem}", file=sys.stderr)
        return 2
    print(f"{_safe_url(args.db)}: audit log intact, {report.rows} rows, head hash {report.head_hash or '(empty)'}")
    return 0


def run_backup(args) -> int:
    """Run ``sakera db backup FILE``."""
    from ..store.backup import backup_sqlite

    rows = backup_sqlite(args.db, args.file, overwrite=args.force)
    print(f"{_safe_url(args.db)}: backed up to {args.file} ({rows} audit rows, chain verified)")
    return 0


def run_restore(args) -> int:
    """Run ``sakera db restore FILE``."""
    from ..store.backup import restore_sqlite

    rows = restore_sqlite(args.file, args.db)
    print(f"{_safe_url(args.db)}: restored from {args.file} ({rows} audit rows, chain verified)")
    return 0

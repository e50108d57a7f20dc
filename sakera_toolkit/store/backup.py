"""Backup and restore of a SQLite store with SQLite's online backup API.

:func:`backup_sqlite` copies a live database page by page into a temporary file next to the
target and renames it into place (atomic; consistent even while the server writes);
:func:`restore_sqlite` first checks that the backup is a store at the current revision whose
audit chain verifies, then copies it over the live database with the same API. PostgreSQL
stores are backed up with ``pg_dump -Fc`` and restored with ``pg_restore`` (docs/classroom.md);
both functions refuse a PostgreSQL URL with that advice.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from ..errors import SakeraInputError
from .db import _create_private_file, resolve_url

PG_ADVICE = ("PostgreSQL: back up with `pg_dump -Fc -f sakera.dump DBNAME` and restore with "
             "`pg_restore --clean --if-exists -d DBNAME sakera.dump`, then run `sakera db verify-audit`")


def _sqlite_path(url: str | None, flag: str = "--db") -> Path:
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() != "sqlite":
        raise SakeraInputError(PG_ADVICE, location=flag)
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        raise SakeraInputError("backup/restore needs a SQLite file database", location=flag)
    return Path(parsed.database).expanduser()


def _check_store(path: Path, what: str) -> int:
    """The number of audit rows of the store file at ``path``, after checking revision and chain."""
    from .audit import verify_chain
    from .db import session_scope
    from .migrations import current, head

    url = f"sqlite:///{path}"
    rev = current(url)
    if rev != head():
        raise SakeraInputError(f"{what} is at schema revision {rev or '(none)'}, expected {head()}", source=str(path))
    with session_scope(url) as session:
        report = verify_chain(session)
    if not report.ok:
        raise SakeraInputError(f"audit log broken at row id {report.first_broken_id}: {report.problem}",
                               source=str(path))
    return report.rows


def _copy(src: Path, dst: sqlite3.Connection) -> None:
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        source.backup(dst)
    finally:
        source.close()


def backup_sqlite(url: str | None, target: str | os.PathLike[str], *, overwrite: bool = False) -> int:
    """Copy the SQLite store at ``url`` to ``target``; returns its audit rows (chain verified)."""
    src = _sqlite_path(url)
    if not src.is_file():
        raise SakeraInputError("database file not found", source=str(src))
    dest = Path(target).expanduser()
    if dest.exists() and not overwrite:
        raise SakeraInputError("file exists (use --force to overwrite)", source=str(dest))
    if not dest.parent.is_dir():
        raise SakeraInputError("directory not found", source=str(dest.parent))
    fd, tmp_name = tempfile.mkstemp(prefix=".sakera-backup-", suffix=".db", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        conn = sqlite3.connect(tmp)
        try:
            _copy(src, conn)
            conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            conn.close()
        rows = _check_store(tmp, "the copy")
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
    except (sqlite3.OperationalError, OSError) as exc:  # a full disk, a read-only folder
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SakeraInputError(f"cannot write the backup ({reason}); nothing was written", source=str(dest)) from None
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def restore_sqlite(backup: str | os.PathLike[str], url: str | None) -> int:
    """Replace the SQLite store at ``url`` with ``backup`` (checked first); returns its audit rows."""
    src = Path(backup).expanduser()
    if not src.is_file():
        raise SakeraInputError("backup file not found", source=str(src))
    try:
        rows = _check_store(src, "the backup")
    except sqlite3.DatabaseError as exc:
        raise SakeraInputError(f"not a SQLite database ({exc})", source=str(src)) from None
    dest = _sqlite_path(url)
    _create_private_file(dest)
    conn = sqlite3.connect(dest, timeout=15)
    try:
        _copy(src, conn)
    finally:
        conn.close()
    return rows

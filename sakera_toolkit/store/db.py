r"""Engine and session factory for the training store.

Which database
--------------
The URL is chosen in this order:

1. an explicit ``url`` argument (the ``--db URL`` option of the ``sakera`` command);
2. the environment variable ``SAKERA_DATABASE_URL``;
3. an embedded SQLite file in the per-user data directory: ``$XDG_DATA_HOME/sakera/sakera.db``
   (``~/.local/share/sakera/sakera.db`` when ``XDG_DATA_HOME`` is unset) on Linux and other Unix
   systems, ``%LOCALAPPDATA%\sakera\sakera.db`` on Windows and
   ``~/Library/Application Support/sakera/sakera.db`` on macOS (see :func:`default_sqlite_path`).

PostgreSQL is used with a URL such as ``postgresql+psycopg://user@host:5432/dbname``.

Durability
----------
Every SQLite connection is opened with ``journal_mode=WAL``, ``foreign_keys=ON``,
``synchronous=FULL`` and a busy timeout, so a commit that has returned is on disk and survives a
killed process (and, with ``synchronous=FULL``, a power cut), and readers do not block the writer.
PostgreSQL is durable by default (``fsync`` and ``synchronous_commit`` on).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import SakeraInputError

#: Environment variable holding the database URL.
ENV_VAR = "SAKERA_DATABASE_URL"

#: Milliseconds a SQLite connection waits for a lock held by another writer before failing.
SQLITE_BUSY_TIMEOUT_MS = 15_000


def default_sqlite_path() -> Path:
    """Where the default SQLite database lives (per-user data directory, see the module docstring)."""
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "sakera" / "sakera.db"


def resolve_url(url: str | None = None) -> str:
    """Return the database URL to use: ``url``, else ``$SAKERA_DATABASE_URL``, else the default file.

    Raises
    ------
    SakeraInputError
        If the URL cannot be parsed or names an unsupported database.
    """
    source = "--db"
    if not url:
        url = os.environ.get(ENV_VAR) or None
        source = ENV_VAR
    if not url:
        return f"sqlite:///{default_sqlite_path()}"
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a non-numeric port raises here, not at connect time
    except (ArgumentError, ValueError):
        raise SakeraInputError(
            f"cannot parse database URL {_hide_password(url)!r} (expected e.g. sqlite:///path/sakera.db or "
            "postgresql+psycopg://user@host/db)",
            source=source,
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise SakeraInputError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql", source=source
        )
    return url


def _hide_password(url: str) -> str:
    """``url`` with any password replaced by ``***`` (also for URLs SQLAlchemy cannot parse)."""
    import re

    return re.sub(r"(://[^:/@\s]*:)[^@/\s]*@", r"\1***@", url)


def safe_url(url: str | None) -> str:
    """The resolved URL for messages, password hidden."""
    resolved = resolve_url(url)
    return make_url(resolved).render_as_string(hide_password=True)


def require_existing(url: str | None) -> str:
    """Resolve ``url``; for a SQLite file, refuse a file that does not exist (nothing is created).

    Commands that only read (``db current``, ``db verify-audit``) call this so that a typo in the
    path does not leave an empty database behind.
    """
    resolved = resolve_url(url)
    path = sqlite_file(resolved)
    if path is not None and not path.is_file():
        raise SakeraInputError(
            f"no database at {str(path)!r} (create it with `sakera db upgrade --db {safe_url(url)}`)",
            source="--db",
        )
    return resolved


def sqlite_file(url: str | None) -> Path | None:
    """The file of a SQLite URL (resolved with :func:`resolve_url`), or ``None`` (server, memory)."""
    parsed = make_url(resolve_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


@contextmanager
def removed_if_failed(url: str | None) -> Iterator[None]:
    """Remove the SQLite file of ``url`` (and its ``-wal``/``-shm``/``-journal``) if the block fails.

    Only a file that did not exist when the block started is removed, so a command that fails
    (a full disk, a refused migration, a wrong option found late) leaves no empty or half-made
    database behind; an existing database is never touched. The folder, if the block created it
    and it is empty, goes too.
    """
    try:
        path = sqlite_file(url)
    except SakeraInputError:
        path = None  # a bad URL: the command itself says so
    if path is None or path.exists():
        yield
        return
    missing = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
    try:
        yield
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        for folder in missing:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def describe_error(exc: BaseException) -> str:
    """One line for a database or migration error: no SQL statement, no parameters, no password."""
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError, OperationalError

    if isinstance(exc, NoSuchModuleError):
        return f"--db: the database driver is not installed ({exc})"
    if isinstance(exc, DBAPIError):
        orig = str(exc.orig).strip().splitlines()
        first = _hide_password(orig[0]) if orig else type(exc.orig).__name__
        if isinstance(exc, OperationalError):
            return f"--db: cannot connect to or use the database ({first})"
        return f"--db: the database refused the change ({first})"
    text = _hide_password(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if type(exc).__module__.startswith("alembic"):
        return f"--revision: {text}"
    return f"--db: {text}"


def is_sqlite(url: str) -> bool:
    """True if ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sha256_hex(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(str(value).encode("utf-8")).hexdigest()


@event.listens_for(Engine, "connect")
def _sqlite_functions(dbapi_connection, _record) -> None:
    """SHA-256 for the audit log's hash chain on every SQLite connection, whoever made the engine."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("sakera_sha256", 1, _sha256_hex, deterministic=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def _create_private_file(path: Path) -> None:
    """Create a missing SQLite file ``0600`` (and a missing directory ``0700``) before SQLite does.

    The store holds password hashes and trainees' records: other local users must not read it.
    SQLite gives its ``-wal``/``-shm`` files the permissions of the database file. Existing files
    and directories are left as they are.
    """
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` (resolved with :func:`resolve_url`).

    For a SQLite file a missing file is created ``0600`` in a missing directory created ``0700``,
    and every connection gets the durability pragmas of the module docstring.
    """
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _create_private_file(Path(database).expanduser())
        engine = create_engine(
            resolved,
            echo=echo,
            hide_parameters=True,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(resolved, echo=echo, pool_pre_ping=True, hide_parameters=True)
    except ImportError as exc:  # the DBAPI module (e.g. psycopg) is missing
        raise SakeraInputError(
            f"the driver for {safe_url(url)} is not installed ({exc.name or exc}); e.g. pip install 'psycopg[binary]'",
            source="--db",
        ) from None


def make_session_factory(engine: Engine | str | None = None) -> sessionmaker[Session]:
    """A ``sessionmaker`` bound to ``engine`` (or to a new engine for a URL / the default database).

    Sessions keep loaded attributes after ``commit()`` (``expire_on_commit=False``) so that objects
    returned by the store functions can still be read after the function has committed.
    """
    if not isinstance(engine, Engine):
        engine = make_engine(engine)
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(url: str | Engine | None = None) -> Iterator[Session]:
    """Open a session on ``url`` (or an engine), close it (and dispose a private engine) afterwards.

    The store functions commit their own units of work; anything left uncommitted when the block
    ends is rolled back.
    """
    own_engine = not isinstance(url, Engine)
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        if own_engine:
            engine.dispose()

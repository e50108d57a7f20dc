"""Alembic migrations of the training store, run programmatically from the installed package.

``upgrade(url)`` brings a database to the newest schema (``sakera db upgrade``); ``current(url)``
tells which revision a database is at (``sakera db current``). The scripts live next to this file
(``env.py``, ``versions/``); no ``alembic.ini`` is needed.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from ...errors import SakeraInputError
from ..db import make_engine, resolve_url

SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    """An Alembic ``Config`` pointing at the packaged scripts and at ``url`` (resolved)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("sqlalchemy.url", resolve_url(url).replace("%", "%%"))
    return cfg


def head() -> str:
    """The newest revision shipped with the package."""
    rev = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert rev is not None
    return rev


def _with_engine(url: str | Engine | None):
    if isinstance(url, Engine):
        return url, False
    return make_engine(url), True


def upgrade(url: str | Engine | None = None, revision: str = "head") -> str:
    """Upgrade the database at ``url`` (or engine) to ``revision`` and return the revision reached."""
    engine, own = _with_engine(url)
    try:
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        return current(engine) or ""
    finally:
        if own:
            engine.dispose()


def current(url: str | Engine | None = None) -> str | None:
    """The revision the database is at, or None for a database without the store schema."""
    engine, own = _with_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if own:
            engine.dispose()


def ensure_schema(url: str | Engine | None = None) -> str:
    """Make sure the database holds the newest schema.

    An empty database (no tables at all) is created from scratch, which is what a first run on the
    default SQLite file needs. A database at an older revision is not touched silently.

    Raises
    ------
    SakeraInputError
        If the database is at an older revision (run ``sakera db upgrade``) or holds unrelated
        tables without a store revision.
    """
    engine, own = _with_engine(url)
    try:
        rev = current(engine)
        newest = head()
        if rev == newest:
            return rev
        if rev is None:
            tables = inspect(engine).get_table_names()
            if tables:
                raise SakeraInputError(
                    f"database has tables ({', '.join(sorted(tables)[:5])}...) but no Sakera store revision; "
                    "use an empty database",
                    source=_safe(engine),
                )
            return upgrade(engine)
        raise SakeraInputError(
            f"database is at revision {rev}, this toolkit needs {newest}: run `sakera db upgrade`",
            source=_safe(engine),
        )
    finally:
        if own:
            engine.dispose()


def _safe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)

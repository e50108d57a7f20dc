"""Training store: migrations, users and login, access rules, audit log, durable submissions, CLI.

Every database test runs twice: on a SQLite file and on a real PostgreSQL server started by the
``postgres_url`` fixture in conftest.py (skipped without PostgreSQL unless SAKERA_REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import io
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sakera_toolkit.cli import main
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.store import audit, demo, users
from sakera_toolkit.store.db import make_engine, resolve_url
from sakera_toolkit.store.migrations import current, ensure_schema, head, upgrade
from sakera_toolkit.store.models import AuditLog, AuditLogImmutableError, Base, User

MANDANGIN = "35.27.03.2001"
LABUHAN = "35.27.01.2002"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """An empty database: a SQLite file, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_db_url")


@pytest.fixture
def engine(db_url):
    upgrade(db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


# --- migrations and connection settings ------------------------------------------------------


def test_upgrade_creates_the_whole_schema_matching_the_models(db_url):
    assert current(db_url) is None
    assert upgrade(db_url) == head()
    assert upgrade(db_url) == head()  # idempotent
    eng = make_engine(db_url)
    try:
        tables = set(sa.inspect(eng).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with eng.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
    finally:
        eng.dispose()


def test_ensure_schema_creates_empty_database_but_refuses_foreign_tables(db_url):
    eng = make_engine(db_url)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE unrelated (x INTEGER)")
        with pytest.raises(SakeraInputError, match="no Sakera store revision"):
            ensure_schema(eng)
    finally:
        eng.dispose()


def test_sqlite_connections_are_durable(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        eng.dispose()


def test_url_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("SAKERA_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert resolve_url(None) == f"sqlite:///{tmp_path}/sakera/sakera.db"
    monkeypatch.setenv("SAKERA_DATABASE_URL", "sqlite:///from-env.db")
    assert resolve_url(None) == "sqlite:///from-env.db"
    assert resolve_url("sqlite:///flag.db") == "sqlite:///flag.db"
    with pytest.raises(SakeraInputError, match="unsupported database"):
        resolve_url("mysql://u@h/db")
    with pytest.raises(SakeraInputError, match="cannot parse"):
        resolve_url("not a url")


# --- users and login ---------------------------------------------------------------------------


def test_add_and_authenticate(session, engine):
    users.add_user(session, "siti", "trainee", "benar sekali", display_name="Siti (sintetis)", villages=[MANDANGIN])
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users WHERE username = 'siti'")).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "benar sekali" not in stored

    assert users.authenticate(session, "siti", "salah") is None
    assert users.authenticate(session, "nobody", "benar sekali") is None
    user = users.authenticate(session, "siti", "benar sekali")
    assert user is not None and user.username == "siti" and user.village_codes == [MANDANGIN]

    users.set_password(session, "siti", "baru lagi")
    assert users.authenticate(session, "siti", "benar sekali") is None
    assert users.authenticate(session, "siti", "baru lagi") is not None
    users.set_active(session, "siti", False)
    assert users.authenticate(session, "siti", "baru lagi") is None

    actions = audit.audit_table(session)["action"].tolist()
    assert actions.count("login") == 2 and actions.count("login_failed") == 4
    assert "user.add" in actions and "user.set_password" in actions


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "Bad Name"}, "invalid username"),
        ({"role": "admin"}, "unknown role"),
        ({"villages": ["35.27.99.9999"]}, "unknown village code"),
        ({"password": "   "}, "empty password"),
        ({"password": "two\nlines"}, "control character"),
    ],
)
def test_add_user_rejects_bad_input(session, kwargs, message):
    args = {"username": "ok", "role": "trainee", "password": "pw-ok", **kwargs}
    with pytest.raises(SakeraInputError, match=message):
        users.add_user(session, args.pop("username"), args.pop("role"), args.pop("password"), **args)
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_user_is_refused(session):
    users.add_user(session, "dup", "trainee", "pw-1")
    with pytest.raises(SakeraInputError, match="already exists"):
        users.add_user(session, "dup", "trainer", "pw-2")


def test_access_rules_between_trainers_trainees_and_evaluators(session):
    assert demo.seed_demo(session) is True
    assert demo.seed_demo(session) is False  # never mixes demo accounts into a used database
    assert demo.is_demo(session)
    users.add_user(session, "pelatih2", "trainer", "pw-pelatih2")
    users.add_user(session, "peserta3", "trainee", "pw-peserta3", villages=[LABUHAN])
    users.create_class(session, "Kelas B", "pelatih2")
    users.add_to_class(session, "Kelas B", "peserta3")

    assert [u.username for u in users.trainees_of(session, "pelatih")] == ["peserta1", "peserta2"]
    assert users.can_view_trainee(session, "peserta1", "peserta1")
    assert not users.can_view_trainee(session, "peserta1", "peserta2")
    assert users.can_view_trainee(session, "pelatih", "peserta2")
    assert not users.can_view_trainee(session, "pelatih", "peserta3")
    assert not users.can_view_trainee(session, "evaluator", "peserta1")
    assert not users.can_view_trainee(session, "peserta1", "no-such-user")
    with pytest.raises(users.AccessDenied):
        users.require_can_view(session, "peserta2", "peserta1")
    with pytest.raises(SakeraInputError, match="is a trainee, not a trainer"):
        users.create_class(session, "Kelas C", "peserta1")
    table = users.users_table(session)
    assert "password_hash" not in table.columns
    assert table.set_index("username").loc["peserta1", "classes"] == demo.DEMO_CLASS


# --- audit log -------------------------------------------------------------------------------


def test_audit_log_refuses_update_and_delete(session, engine):
    audit.record(session, "test.event", actor="tester", target="x", details={"k": 1})
    session.commit()
    row = session.scalars(sa.select(AuditLog)).one()

    row.action = "tampered"
    with pytest.raises(AuditLogImmutableError):
        session.commit()
    session.rollback()
    session.delete(row)
    with pytest.raises(AuditLogImmutableError):
        session.commit()
    session.rollback()
    with pytest.raises(AuditLogImmutableError):
        session.execute(sa.update(AuditLog).values(action="tampered"))
    session.rollback()
    with pytest.raises(AuditLogImmutableError):
        session.execute(sa.delete(AuditLog))
    session.rollback()

    # below the ORM, the database triggers refuse it too
    for statement in ("UPDATE audit_log SET action = 'tampered'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.exec_driver_sql(statement)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT action FROM audit_log")).scalars().all() == ["test.event"]


# --- command line ----------------------------------------------------------------------------


def _cli(monkeypatch, capsys, argv, stdin_text=None):
    if stdin_text is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_users_add_and_list(db_url, monkeypatch, capsys):
    code, out, err = _cli(
        monkeypatch, capsys,
        ["users", "add", "ani", "--role", "trainee", "--village", MANDANGIN, "--password-stdin", "--db", db_url],
        "kata sandi ani\n",
    )
    assert code == 0, err
    assert "ani" in out
    code, out, _ = _cli(monkeypatch, capsys, ["users", "list", "--format", "csv", "--db", db_url])
    assert code == 0
    assert out.splitlines()[0].startswith("username,display_name,role")
    assert f"ani,ani,trainee,True,{MANDANGIN}" in out
    eng = make_engine(db_url)
    try:
        with Session(eng) as s:
            assert users.authenticate(s, "ani", "kata sandi ani") is not None
    finally:
        eng.dispose()


def test_cli_users_add_error_paths_exit_2(db_url, monkeypatch, capsys):
    base = ["users", "add", "budi", "--role", "trainee", "--db", db_url]
    assert _cli(monkeypatch, capsys, [*base, "--password-stdin"], "pw-budi\n")[0] == 0
    code, _, err = _cli(monkeypatch, capsys, [*base, "--password-stdin"], "pw-budi\n")
    assert code == 2 and "already exists" in err

    other = ["users", "add", "cici", "--role", "trainee", "--db", db_url]
    code, _, err = _cli(monkeypatch, capsys, [*other, "--village", "35.27.99.9999", "--password-stdin"], "pw\n")
    assert code == 2 and "unknown village code" in err
    code, _, err = _cli(monkeypatch, capsys, [*other, "--password-stdin"], "\n")
    assert code == 2 and "empty password" in err
    code, _, err = _cli(monkeypatch, capsys, other, "pw-cici\n")  # stdin is not a terminal
    assert code == 2 and "--password-stdin" in err
    for argv in ([*other, "--password", "rahasia-cici"], [*other, "--password=rahasia-cici"], [*other, "-prahasia-cici"]):
        code, out, err = _cli(monkeypatch, capsys, argv)
        assert code == 2 and "never accepted as a command-line argument" in err
        assert "rahasia-cici" not in err + out
    code, out, _ = _cli(monkeypatch, capsys, ["users", "list", "--format", "csv", "--db", db_url])
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["budi"]


def test_cli_db_upgrade_and_current(db_url, monkeypatch, capsys):
    code, out, _ = _cli(monkeypatch, capsys, ["db", "current", "--db", db_url])
    assert code == 0 and "(none)" in out
    code, out, _ = _cli(monkeypatch, capsys, ["db", "upgrade", "--db", db_url])
    assert code == 0 and f"at revision {head()}" in out
    code, out, _ = _cli(monkeypatch, capsys, ["db", "current", "--db", db_url])
    assert code == 0 and "up to date" in out

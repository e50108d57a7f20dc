"""Tamper-evident audit log, login sessions, SQLite file permissions, backup and restore.

The tamper tests attack the database the way someone holding the file would: raw SQL through
the ``sqlite3`` module (``INSERT OR REPLACE``, ``DROP TRIGGER`` then ``UPDATE``/``DELETE``), and
``sakera db verify-audit`` must name the first broken row and exit 2.
"""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import sys
import threading

import pytest
from sqlalchemy.orm import Session

from sakera_toolkit.cli import main
from sakera_toolkit.store import audit, security, sessions, users
from sakera_toolkit.store.db import make_engine
from sakera_toolkit.store.migrations import upgrade


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(security, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_db_url")


@pytest.fixture
def filled(db_url):
    """A store with a few audit rows (users, a class)."""
    upgrade(db_url)
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        users.add_user(session, "pelatih_a", "trainer", "pw-trainer-1")
        users.add_user(session, "peserta_a", "trainee", "pw-trainee-1")
        users.create_class(session, "Kelas A", "pelatih_a")
        users.add_to_class(session, "Kelas A", "peserta_a")
    yield db_url, engine
    engine.dispose()


def _cli(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_every_row_is_chained_and_verifies(filled, capsys):
    db_url, engine = filled
    with Session(engine) as session:
        report = audit.verify_chain(session)
        rows = session.scalars(audit.select(audit.AuditLog).order_by(audit.AuditLog.id)).all()
    assert report.ok and report.rows == len(rows) >= 4
    assert rows[0].prev_hash is None
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))
    code, out, _ = _cli(capsys, ["db", "verify-audit", "--db", db_url])
    assert code == 0 and "intact" in out and report.head_hash in out


def test_concurrent_writers_keep_one_chain(filled):
    db_url, engine = filled

    def write(k: int) -> None:
        eng = make_engine(db_url)
        try:
            for i in range(10):
                with Session(eng) as session:
                    audit.record(session, "test.concurrent", target=f"{k}-{i}")
                    session.commit()
        finally:
            eng.dispose()

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok, report


def _sqlite_file(db_url: str) -> str:
    return db_url.removeprefix("sqlite:///")


def test_sqlite_refuses_insert_or_replace_of_an_audit_row(filled):
    db_url, _ = filled
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    conn = sqlite3.connect(_sqlite_file(db_url))
    try:
        with pytest.raises(sqlite3.DatabaseError, match="REPLACE of an existing row refused"):
            conn.execute("INSERT OR REPLACE INTO audit_log (id, ts, actor, action, target, details) "
                         "VALUES (1, '2026-01-01 00:00:00', 'mallory', 'user.add', 'x', '{}')")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    finally:
        conn.close()


def test_dropping_the_triggers_then_editing_is_detected(filled, capsys):
    db_url, _ = filled
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    conn = sqlite3.connect(_sqlite_file(db_url))
    with conn:
        for trigger in ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
    conn.close()
    code, _, err = _cli(capsys, ["db", "verify-audit", "--db", db_url])
    assert code == 2 and "row id 3" in err and "edited" in err and "Traceback" not in err


def test_deleting_a_row_after_dropping_triggers_is_detected(filled, capsys):
    db_url, _ = filled
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    conn = sqlite3.connect(_sqlite_file(db_url))
    with conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.close()
    code, _, err = _cli(capsys, ["db", "verify-audit", "--db", db_url])
    assert code == 2 and "row id 3" in err and "deleted" in err


def test_replace_with_recomputed_row_hash_still_breaks_the_next_row(filled, capsys):
    """An attacker who recomputes the edited row's own hash breaks the link of the row after it."""
    db_url, engine = filled
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with Session(engine) as session:
        row = session.get(audit.AuditLog, 2)
        forged = audit.chain_hash(row.prev_hash, audit.payload_text(row.ts, "mallory", row.action, row.target,
                                                                    row.details))
    conn = sqlite3.connect(_sqlite_file(db_url))
    with conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET actor = 'mallory', row_hash = ? WHERE id = 2", (forged,))
    conn.close()
    code, _, err = _cli(capsys, ["db", "verify-audit", "--db", db_url])
    assert code == 2 and "row id 3" in err


def test_postgres_refuses_upsert_of_an_audit_row(filled):
    db_url, engine = filled
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    import sqlalchemy as sa

    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        conn.execute(sa.text("INSERT INTO audit_log (id, ts, actor, action, details) VALUES "
                             "(1, now(), 'mallory', 'x', '{}') ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"))


def test_login_sessions_are_revocable(filled):
    _, engine = filled
    with Session(engine, expire_on_commit=False) as session:
        user = users.get_user(session, "peserta_a")
        sid = sessions.open_session(session, user, address="127.0.0.2")
        assert sessions.session_user_id(session, sid) == user.id
        assert sessions.session_user_id(session, sid + "x") is None
        assert sessions.revoke(session, sid, actor="peserta_a") is True
        assert sessions.session_user_id(session, sid) is None
        assert sessions.revoke(session, sid, actor="peserta_a") is False
        stored = session.scalars(sessions.select(sessions.LoginSession)).all()
    assert all(sid not in (row.token_hash or "") for row in stored)  # only the hash is kept


def test_sqlite_file_is_private(tmp_path):
    target = tmp_path / "fresh" / "store.db"
    engine = make_engine(f"sqlite:///{target}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    for extra in target.parent.iterdir():
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra


def test_backup_and_restore_keep_the_chain(filled, tmp_path, capsys):
    db_url, engine = filled
    if not db_url.startswith("sqlite"):
        code, _, err = _cli(capsys, ["db", "backup", "--db", db_url, str(tmp_path / "b.db")])
        assert code == 2 and "pg_dump" in err
        return
    backup = tmp_path / "backup.db"
    code, out, err = _cli(capsys, ["db", "backup", "--db", db_url, str(backup)])
    assert code == 0, err
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    code, _, err = _cli(capsys, ["db", "backup", "--db", db_url, str(backup)])
    assert code == 2 and "exists" in err
    with Session(engine) as session:  # the live store moves on after the backup
        users.add_user(session, "peserta_b", "trainee", "pw-trainee-2")
    restored = f"sqlite:///{tmp_path / 'restored' / 'store.db'}"
    code, out, err = _cli(capsys, ["db", "restore", "--db", restored, str(backup)])
    assert code == 0, err
    code, out, _ = _cli(capsys, ["db", "verify-audit", "--db", restored])
    assert code == 0 and "intact" in out
    eng = make_engine(restored)
    try:
        with Session(eng) as session:
            assert users.get_user(session, "peserta_a") is not None
            assert users.get_user(session, "peserta_b") is None
    finally:
        eng.dispose()


def test_restore_refuses_a_tampered_backup(filled, tmp_path, capsys):
    db_url, _ = filled
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    backup = tmp_path / "backup.db"
    assert _cli(capsys, ["db", "backup", "--db", db_url, str(backup)])[0] == 0
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET target = 'someone-else' WHERE id = 1")
    conn.close()
    target = tmp_path / "live.db"
    code, _, err = _cli(capsys, ["db", "restore", "--db", f"sqlite:///{target}", str(backup)])
    assert code == 2 and "row id 1" in err
    assert not target.exists() or target.stat().st_size == 0


def test_users_add_on_a_demo_database_warns(tmp_path, monkeypatch, capsys):
    from sakera_toolkit.store import demo

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            demo.seed_demo(session)
    finally:
        engine.dispose()
    monkeypatch.setattr(sys, "stdin", io.StringIO("pw-real-1\n"))
    code, _, err = _cli(capsys, ["users", "add", "--db", url, "operator1", "--role", "trainee",
                                 "--password-stdin"])
    assert code == 0
    assert "demo" in err.lower()
    assert os.path.exists(tmp_path / "demo.db")

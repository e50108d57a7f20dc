"""Training store: migrations, users and login, access rules, audit log, durable submissions, CLI.

Every database test runs twice: on a SQLite file and on a real PostgreSQL server started by the
``postgres_url`` fixture in conftest.py (skipped without PostgreSQL unless SAKERA_REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sakera_toolkit import training
from sakera_toolkit.cli import main
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.store import attempts, audit, demo, security, users
from sakera_toolkit.store.db import make_engine, resolve_url
from sakera_toolkit.store.migrations import current, ensure_schema, head, upgrade
from sakera_toolkit.store.models import (
    Answer,
    Attempt,
    AuditLog,
    AuditLogImmutableError,
    Base,
    Certification,
    Grade,
    User,
)
from sakera_toolkit.training import rules

ROOT = Path(__file__).resolve().parents[1]
MANDANGIN = "35.27.03.2001"
LABUHAN = "35.27.01.2002"
TOP = training.TOP_LEVEL


@pytest.fixture(scope="module")
def top_case():
    """One case of the top (timed queue) level at Mandangin's desk."""
    return training.generate_for_level(TOP, 11, village_code=MANDANGIN)


@pytest.fixture(scope="module")
def other_case():
    return training.generate_for_level(1, 12, village_code=LABUHAN)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2id with tiny cost parameters: these tests check logic, not the KDF's cost.

    (``test_password_hashes_use_argon2id_with_strong_parameters`` checks the real parameters.)
    """
    from argon2 import PasswordHasher

    monkeypatch.setattr(security, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


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


def test_password_hashes_use_argon2id_with_strong_parameters(monkeypatch):
    monkeypatch.undo()  # the real hasher
    from argon2 import Type, extract_parameters

    stored = security.hash_password("kata sandi")
    params = extract_parameters(stored)
    # OWASP's recommended minimum for Argon2id (m = 19 MiB, t = 2, p = 1); see security's docstring
    assert params.type is Type.ID and params.memory_cost >= 19 * 1024 and params.time_cost >= 2
    assert params == security.PROFILE
    assert security.verify_password(stored, "kata sandi")
    assert not security.verify_password(stored, "kata sandi ")
    assert stored != security.hash_password("kata sandi")  # fresh salt every time
    assert not security.verify_password(None, "x") and not security.verify_password("not-a-hash", "x")


def test_hash_with_older_parameters_verifies_and_is_rehashed_on_login(monkeypatch, session, engine):
    """A hash made with the former default (RFC 9106 low-memory profile) still logs in, and the
    successful login stores a new hash with the current profile; a failed login changes nothing."""
    monkeypatch.undo()  # the real hasher: the point is the real parameters
    from argon2 import PasswordHasher, extract_parameters

    users.add_user(session, "lama", "trainee", "sandi lama sekali", villages=[MANDANGIN])
    old_hash = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4).hash("sandi lama sekali")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET password_hash = :h WHERE username = 'lama'"), {"h": old_hash})
    session.expire_all()

    def stored() -> str:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT password_hash FROM users WHERE username = 'lama'")).scalar_one()

    assert security.needs_rehash(old_hash) and security.verify_password(old_hash, "sandi lama sekali")
    assert users.authenticate(session, "lama", "salah") is None
    assert stored() == old_hash
    assert users.authenticate(session, "lama", "sandi lama sekali") is not None
    upgraded = stored()
    assert upgraded != old_hash and extract_parameters(upgraded) == security.PROFILE
    assert not security.needs_rehash(upgraded)
    assert users.authenticate(session, "lama", "sandi lama sekali") is not None
    assert stored() == upgraded  # no second rehash



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


BAD_USERS = [
    ({"username": "Bad Name"}, "invalid username"),
    ({"role": "admin"}, "unknown role"),
    ({"villages": ["35.27.99.9999"]}, "unknown village code"),
    ({"password": "   "}, "empty password"),
    ({"password": "two\nlines"}, "control character"),
]


def test_add_user_rejects_bad_input(session):
    for kwargs, message in BAD_USERS:
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
        monkeypatch,
        capsys,
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
    for argv in (
        [*other, "--password", "rahasia-cici"],
        [*other, "--password=rahasia-cici"],
        [*other, "-prahasia-cici"],
    ):
        code, out, err = _cli(monkeypatch, capsys, argv)
        assert code == 2 and "never accepted as a command-line argument" in err
        assert "rahasia-cici" not in err + out
    code, out, _ = _cli(monkeypatch, capsys, ["users", "list", "--format", "csv", "--db", db_url])
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["budi"]


def test_cli_users_class(db_url, monkeypatch, capsys):
    for name, role in (("guru", "trainer"), ("murid", "trainee")):
        assert (
            _cli(
                monkeypatch, capsys, ["users", "add", name, "--role", role, "--password-stdin", "--db", db_url], "pw\n"
            )[0]
            == 0
        )
    code, out, err = _cli(
        monkeypatch, capsys, ["users", "class", "Angkatan 1", "--trainer", "guru", "--trainee", "murid", "--db", db_url]
    )
    assert code == 0, err
    code, _, err = _cli(monkeypatch, capsys, ["users", "class", "Angkatan 2", "--trainer", "murid", "--db", db_url])
    assert code == 2 and "not a trainer" in err
    code, _, err = _cli(
        monkeypatch, capsys,
        ["users", "add", "murid2", "--role", "trainee", "--class", "Angkatan 1", "--password-stdin", "--db", db_url], "pw\n",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = _cli(monkeypatch, capsys, ["users", "list", "--format", "json", "--db", db_url])
    import json

    rows = {r["username"]: r for r in json.loads(out)}
    assert rows["murid"]["classes"] == rows["murid2"]["classes"] == rows["guru"]["classes"] == "Angkatan 1"


def test_cli_db_upgrade_and_current(db_url, monkeypatch, capsys):
    code, out, _ = _cli(monkeypatch, capsys, ["db", "current", "--db", db_url])
    assert code == 0 and "(none)" in out
    code, out, _ = _cli(monkeypatch, capsys, ["db", "upgrade", "--db", db_url])
    assert code == 0 and f"at revision {head()}" in out
    code, out, _ = _cli(monkeypatch, capsys, ["db", "current", "--db", db_url])
    assert code == 0 and "up to date" in out


def test_package_level_readiness_reads_the_default_database(tmp_path, monkeypatch):
    import sakera_toolkit.store as store

    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("SAKERA_DATABASE_URL", url)
    store.upgrade()
    table = store.readiness()
    assert len(table) == 186 and not table["ready"].any() and table["facilities"].all()


# --- submissions -----------------------------------------------------------------------------


def _counts(url: str, attempt_id: int) -> dict[str, int]:
    """Row counts for one attempt, read through a NEW engine (another connection, another pool)."""
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            q = {
                "attempts": "SELECT count(*) FROM attempts WHERE id = :a AND submitted_at IS NOT NULL",
                "answers": "SELECT count(*) FROM answers WHERE attempt_id = :a",
                "grades": "SELECT count(*) FROM grades WHERE attempt_id = :a",
                "audit": "SELECT count(*) FROM audit_log WHERE action = 'attempt.submit' AND target = :t",
            }
            return {
                k: conn.execute(sa.text(v), {"a": attempt_id, "t": f"attempt:{attempt_id}"}).scalar_one()
                for k, v in q.items()
            }
    finally:
        eng.dispose()


def test_submit_commits_before_returning(db_url, session, top_case):
    demo.seed_demo(session)
    att = attempts.start_attempt(session, "peserta1", top_case, level=TOP)
    wrong = training.Answer(service_id="kk_baru", decision="process", elapsed_seconds=1000)
    sub = attempts.submit_detailed(session, "peserta1", top_case, wrong, attempt=att)
    # right after submit returns, another connection sees every row of the submission
    assert _counts(db_url, sub.attempt_id) == {"attempts": 1, "answers": 1, "grades": 1, "audit": 1}
    assert sub.report.score < 50 and not sub.report.passed and sub.report.mistakes
    assert not session.new and not session.dirty

    eng = make_engine(db_url)
    try:
        with Session(eng) as other:
            grade_row = other.scalars(sa.select(Grade).where(Grade.attempt_id == sub.attempt_id)).one()
            assert training.GradeReport.from_dict(grade_row.report_json) == sub.report
            assert grade_row.score == sub.report.score
            stored = other.get(Attempt, sub.attempt_id)
            assert stored.submitted_at.tzinfo is not None and stored.submitted_at.utcoffset() == UTC.utcoffset(None)
            assert other.scalars(sa.select(Answer.answer_json)).one() == wrong.to_dict()
    finally:
        eng.dispose()

    # the heatmap data holds one row per (rule, service, criterion) with the rule's legal source
    mistakes = attempts.common_mistakes(session, "pelatih")
    assert mistakes["mistakes"].sum() == len(sub.report.mistakes)
    assert set(mistakes["rule_id"]) == {m.rule_id for m in sub.report.mistakes}
    assert (mistakes["service_id"] == top_case.service_id).all()
    assert attempts.mistake_matrix(mistakes).to_numpy().sum() == len(sub.report.mistakes)

    # a double click on submit returns the stored report and writes nothing
    again = attempts.submit_detailed(session, "peserta1", top_case, training.perfect_answer(top_case), attempt=att.id)
    assert again.duplicate and again.report == sub.report
    assert session.scalar(sa.select(sa.func.count()).select_from(Grade)) == 1


def test_submit_rejects_foreign_attempt_and_inactive_user(session, top_case, other_case):
    demo.seed_demo(session)
    att = attempts.start_attempt(session, "peserta1", top_case)
    with pytest.raises(SakeraInputError, match="not an attempt of peserta2"):
        attempts.submit(session, "peserta2", top_case, training.perfect_answer(top_case), attempt=att.id)
    with pytest.raises(SakeraInputError, match="another case"):
        attempts.submit(session, "peserta1", other_case, training.perfect_answer(other_case), attempt=att.id)
    users.set_active(session, "peserta2", False)
    with pytest.raises(users.AccessDenied):
        attempts.submit(session, "peserta2", other_case, training.perfect_answer(other_case))
    assert session.scalar(sa.select(sa.func.count()).select_from(Grade)) == 0


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from sakera_toolkit import training
    from sakera_toolkit.store import attempts, make_session_factory

    url, seed = sys.argv[1], int(sys.argv[2])
    case = training.generate_for_level(1, seed, village_code="35.27.03.2001")
    with make_session_factory(url)() as session:
        report = attempts.submit_detailed(session, "peserta1", case, training.perfect_answer(case, 60))
        print(report.attempt_id, report.report.score, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # killed the instant submit returned
    """
)


@pytest.mark.slow
def test_submission_survives_sigkill_right_after_submit(db_url, session):
    demo.seed_demo(session)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, db_url, "5"], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    attempt_id, score = proc.stdout.split()
    assert float(score) == 100.0
    assert _counts(db_url, int(attempt_id)) == {"attempts": 1, "answers": 1, "grades": 1, "audit": 1}
    table = attempts.attempts_table(session, "peserta1")
    assert table["attempt_id"].tolist() == [int(attempt_id)] and table["score"].tolist() == [100.0]


# --- access to attempts, progress, certification and readiness ----------------------------------


def test_trainee_queries_never_return_another_trainees_attempts(session, top_case, other_case):
    demo.seed_demo(session)
    a1 = attempts.submit_detailed(session, "peserta1", top_case, training.perfect_answer(top_case, 30)).attempt_id
    a2 = attempts.submit_detailed(session, "peserta2", other_case, training.perfect_answer(other_case, 30)).attempt_id

    assert attempts.attempts_table(session, "peserta1")["attempt_id"].tolist() == [a1]
    assert attempts.attempts_table(session, "peserta2")["username"].tolist() == ["peserta2"]
    for call in (
        lambda: attempts.attempts_table(session, "peserta1", "peserta2"),
        lambda: attempts.trainee_progress(session, "peserta1", "peserta2"),
        lambda: attempts.get_attempt(session, "peserta1", a2),
        lambda: attempts.attempt_report(session, "peserta1", a2),
        lambda: attempts.export_trainee_record(session, "peserta2", viewer="peserta1"),
        lambda: attempts.class_overview(session, "peserta1"),
        lambda: attempts.common_mistakes(session, "peserta1", class_name=demo.DEMO_CLASS),
        lambda: attempts.attempts_table(session, "evaluator", "peserta1"),  # evaluators: aggregates only
    ):
        with pytest.raises(users.AccessDenied):
            call()
    assert attempts.attempt_report(session, "peserta1", a1).score == 100.0
    assert attempts.attempt_report(session, "pelatih", a2).score == 100.0
    assert attempts.class_overview(session, "pelatih")["username"].tolist() == ["peserta1", "peserta2"]
    summary = attempts.cohort_summary(session, "evaluator")
    assert summary.to_dict("records")[0] | {"mean_score": 100.0} == {
        "class": demo.DEMO_CLASS, "trainer": "pelatih", "trainer_name": "Pelatih Demo", "trainees": 2,
        "attempts": 2,
        "mean_score": 100.0, "pass_rate": 1.0, "certified": 0,
    }  # fmt: skip
    assert "username" not in attempts.common_mistakes(session, "evaluator").columns


def test_certification_makes_the_village_ready(session, top_case, tmp_path):
    demo.seed_demo(session)
    rule = training.CertificationRule()
    assert attempts.readiness(session)["ready"].sum() == 0
    news = []
    for _ in range(rule.window):
        sub = attempts.submit_detailed(session, "peserta1", top_case, training.perfect_answer(top_case, 60), level=TOP)
        news.append(sub.newly_certified)
    assert news == [False] * (rule.window - 1) + [True]
    cert = session.scalars(sa.select(Certification)).one()
    assert cert.village_code == MANDANGIN and cert.rule["window"] == rule.window
    assert attempts.certification_status(session, "pelatih", "peserta1").certified

    ready = attempts.readiness(session).set_index("village_code")
    assert ready["ready"].sum() == 1 and ready.loc[MANDANGIN, "certified_operators"] == 1
    assert len(ready) == 186

    facilities = tmp_path / "fac.csv"
    facilities.write_text(f"village_code,facilities\n{MANDANGIN},tidak\n")
    assert attempts.readiness(session, facilities_csv=facilities)["ready"].sum() == 0
    facilities.write_text("village_code,facilities\n35.27.99.9999,ya\n")
    with pytest.raises(SakeraInputError, match=r"row 2, village_code"):
        attempts.readiness(session, facilities_csv=facilities)

    overview = attempts.class_overview(session, "pelatih").set_index("username")
    assert bool(overview.loc["peserta1", "certified"]) and overview.loc["peserta1", "attempts"] == rule.window
    users.set_active(session, "peserta1", False)  # an operator who left no longer makes the village ready
    assert attempts.readiness(session)["ready"].sum() == 0


def test_trainee_record_exports(session, top_case):
    demo.seed_demo(session)
    attempts.submit(
        session, "peserta1", top_case, training.Answer(service_id="kk_baru", decision="refer", elapsed_seconds=100)
    )
    attempts.submit(session, "peserta1", top_case, training.perfect_answer(top_case, 100))
    record = attempts.export_trainee_record(session, "peserta1", viewer="pelatih")
    assert record["score"].tolist()[1] == 100.0 and record["score_service"].tolist() == [0.0, 100.0]
    text = attempts.export_trainee_csv(session, "peserta1", viewer="pelatih")
    header, first = text.splitlines()[:2]
    # for people: Indonesian headers, names instead of ids, WIB (UTC+7)
    assert header.startswith("No. percobaan,Nama pengguna,Nama peserta,Desa/kelurahan,Layanan,Tingkat,Mulai (WIB)")
    assert "akta_kematian" not in text and "Akta kematian" in text and "P. Mandangin" in text
    assert "service_choice" not in text and rules.rule("service_choice").title("id") in text
    submitted = record["submitted_at"].iloc[0]
    wib = (submitted + dt.timedelta(hours=7)).strftime("%Y-%m-%d %H:%M:%S")
    assert wib in first
    assert attempts.export_trainee_csv(session, "peserta1", viewer="pelatih", lang="en").startswith(
        "Attempt no.,Username,Trainee,Village,Service,Level,Started (WIB)")
    page = attempts.trainee_record_html(session, "peserta1", lang="id")
    assert "Rekam latihan operator" in page and "Peserta Demo 1" in page
    assert rules.rule("service_choice").title("id") in page and "Tanggal (WIB)" in page
    assert "Operator training record" in attempts.trainee_record_html(session, "peserta1", lang="en")


@pytest.mark.slow
def test_trainee_record_pdf(tmp_path, top_case):
    pytest.importorskip("weasyprint")
    url = f"sqlite:///{tmp_path / 'pdf.db'}"  # the PDF does not depend on the database: SQLite only
    upgrade(url)
    eng = make_engine(url)
    try:
        with Session(eng) as session:
            demo.seed_demo(session)
            attempts.submit(session, "peserta1", top_case, training.perfect_answer(top_case, 100))
            out = tmp_path / "peserta1.pdf"
            data = attempts.export_trainee_pdf(session, "peserta1", out, viewer="pelatih")
            with pytest.raises(users.AccessDenied):
                attempts.export_trainee_pdf(session, "peserta1", viewer="peserta2")
    finally:
        eng.dispose()
    assert data.startswith(b"%PDF-") and out.read_bytes() == data
    assert len(data) > 5000


def test_interactive_password_prompt_asks_twice(monkeypatch):
    from sakera_toolkit.cli import users as cli_users

    class Tty(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["rahasia", "rahasia", "satu", "dua"])
    monkeypatch.setattr(cli_users.getpass, "getpass", lambda prompt="": next(answers))
    assert cli_users.read_password(False, Tty()) == "rahasia"
    with pytest.raises(SakeraInputError, match="differ"):
        cli_users.read_password(False, Tty())
    with pytest.raises(SakeraInputError, match="--password-stdin"):
        cli_users.read_password(False, io.StringIO("x\n"))
    assert cli_users.read_password(True, io.StringIO("dari stdin\r\nbaris kedua\n")) == "dari stdin"


def test_current_level_follows_the_curriculum(session):
    demo.seed_demo(session)
    guided = training.generate_for_level(0, 21, village_code=MANDANGIN)
    window = training.PromotionRule().window
    assert attempts.current_level(session, "peserta1") == 0
    for _ in range(window):
        attempts.submit(session, "peserta1", guided, training.perfect_answer(guided, 30), level=0)
    assert attempts.current_level(session, "peserta1") == 1
    assert attempts.current_level(session, "pelatih", "peserta1") == 1
    overview = attempts.class_overview(session, "pelatih").set_index("username")
    assert overview.loc["peserta1", "level"] == 1 and overview.loc["peserta2", "level"] == 0
    progress = attempts.trainee_progress(session, "peserta1")
    assert progress["attempt_no"].tolist() == list(range(1, window + 1))
    assert progress["rolling_score"].tolist() == [100.0] * window


# --- the sandbox service layer: one scoping rule, resume, level-ups, exports -------------------


def test_one_scoping_rule_for_records_and_aggregates(session, top_case, other_case):
    from sakera_toolkit.store import reports

    demo.seed_demo(session)
    users.add_user(session, "pelatih2", "trainer", "rahasia-2")
    users.create_class(session, "Kelas Lain", "pelatih2")
    users.add_user(session, "peserta9", "trainee", "rahasia-9")
    users.add_to_class(session, "Kelas Lain", "peserta9")
    ids = {u.username: u.id for u in users.list_users(session)}
    demo_class = sorted([ids["peserta1"], ids["peserta2"]])
    assert reports.trainee_ids(session, "peserta1") == [ids["peserta1"]]
    assert reports.trainee_ids(session, "peserta1", aggregate=True) == [ids["peserta1"]]
    assert reports.trainee_ids(session, "pelatih") == demo_class
    assert reports.trainee_ids(session, "pelatih2", aggregate=True) == [ids["peserta9"]]
    assert reports.trainee_ids(session, "evaluator") == []  # no individual records
    assert reports.trainee_ids(session, "evaluator", aggregate=True) == sorted(demo_class + [ids["peserta9"]])
    assert reports.trainee_ids(session, "evaluator", class_name="Kelas Lain", aggregate=True) == [ids["peserta9"]]
    with pytest.raises(users.AccessDenied):
        reports.trainee_ids(session, "pelatih", class_name="Kelas Lain")
    with pytest.raises(users.AccessDenied):
        reports.trainee_ids(session, "peserta1", class_name=demo.DEMO_CLASS)
    # the reports follow it: the second trainer sees nothing of the demo class
    attempts.submit(session, "peserta1", top_case, training.perfect_answer(top_case, 30))
    assert reports.recent_attempts(session, "pelatih2").empty
    assert reports.recent_attempts(session, "pelatih")["username"].tolist() == ["peserta1"]
    assert reports.score_by_service(session, "pelatih2").empty
    assert reports.score_by_service(session, "evaluator")["attempts"].sum() == 1
    users.set_active(session, "pelatih", False)
    assert reports.trainee_ids(session, "pelatih") == []


def test_reloading_resumes_the_open_attempt_with_its_clock(session, top_case):
    from sakera_toolkit.sandbox import attempts as use_cases

    demo.seed_demo(session)
    first = use_cases.start_or_resume(session, "peserta1", top_case, level=TOP)
    again = use_cases.start_or_resume(session, "peserta1", top_case, level=TOP)
    assert (again.attempt_id, again.started_at, again.resumed) == (first.attempt_id, first.started_at, True)
    found = use_cases.resume(session, "peserta1")
    assert found is not None and found.attempt_id == first.attempt_id and found.case.case_id == top_case.case_id
    assert use_cases.resume(session, "peserta2") is None
    use_cases.submit_detailed(session, "peserta1", top_case, training.perfect_answer(top_case, 30),
                              attempt=first.attempt_id)
    assert use_cases.resume(session, "peserta1") is None
    assert use_cases.start_or_resume(session, "peserta1", top_case, level=TOP).attempt_id != first.attempt_id


def test_submission_reports_the_level_up(session):
    from sakera_toolkit.sandbox import attempts as use_cases

    demo.seed_demo(session)
    guided = training.generate_for_level(0, 21, village_code=MANDANGIN)
    window = training.PromotionRule().window
    results = [use_cases.submit_detailed(session, "peserta1", guided, training.perfect_answer(guided, 30), level=0)
               for _ in range(window)]
    assert [r.levelled_up for r in results] == [False] * (window - 1) + [True]
    assert (results[-1].level_before, results[-1].level_after) == (0, 1)


@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_export_neutralises_formulas(session, top_case, evil):
    from sakera_toolkit.sandbox import exports

    demo.seed_demo(session)
    session.scalars(sa.select(User).where(User.username == "peserta1")).one().display_name = evil
    session.commit()
    attempts.submit(session, "peserta1", top_case, training.perfect_answer(top_case, 30))
    text = exports.export_trainee_csv(session, "peserta1", viewer="pelatih")
    import csv

    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][2] == "'" + evil
    assert all(not cell.startswith(exports.FORMULA_PREFIXES) for row in rows for cell in row)
    assert exports.csv_safe("Siti") == "Siti" and exports.csv_safe(5) == 5


def test_export_writes_atomically(session, top_case, tmp_path):
    from sakera_toolkit.sandbox import exports

    demo.seed_demo(session)
    attempts.submit(session, "peserta1", top_case, training.perfect_answer(top_case, 30))
    out = tmp_path / "rekaman.csv"
    text = exports.export_trainee_csv(session, "peserta1", out, viewer="peserta1")
    assert out.read_bytes().decode("utf-8") == text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

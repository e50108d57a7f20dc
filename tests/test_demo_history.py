"""Demo practice history: ``peserta2`` gets ~30 real, graded, backdated attempts; ``peserta1`` none.

Also checks the ``submitted_at`` keyword of the store's submit path that the history uses.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sakera_toolkit import training
from sakera_toolkit.cli import serve
from sakera_toolkit.store import attempts, audit, demo, security, users
from sakera_toolkit.store.migrations import upgrade
from sakera_toolkit.store.models import Answer, Attempt, AuditLog, Certification, Grade, Mistake

TODAY = dt.date(2025, 6, 2)  # a Monday
WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Argon2id with tiny cost parameters: these tests check the history, not the KDF."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(security, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _demo_session(url: str) -> Session:
    upgrade(url)
    session = Session(sa.create_engine(url), expire_on_commit=False)
    demo.seed_demo(session)
    return session


def _close(session: Session) -> None:
    bind = session.get_bind()
    session.close()
    bind.dispose()


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A demo database with the default history (seed 2025), its creation count and its attempts."""
    url = f"sqlite:///{tmp_path_factory.mktemp('history') / 'demo.db'}"
    from argon2 import PasswordHasher

    saved = security._HASHER
    security._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        session = _demo_session(url)
        created = demo.seed_demo_history(session, today=TODAY)
    finally:
        security._HASHER = saved
    table = attempts.attempts_table(session, "pelatih", demo.HISTORY_TRAINEE)
    yield session, created, table
    _close(session)


def _fingerprint(table):
    return list(zip(table["level"], table["score"], table["submitted_at"], strict=True))


def test_history_is_real_graded_attempts_of_peserta2_only(history):
    session, created, table = history
    assert created == demo.HISTORY_ATTEMPTS == len(table)
    assert set(table["username"]) == {demo.HISTORY_TRAINEE}
    assert attempts.attempts_table(session, "pelatih", "peserta1").empty  # the fresh trainee stays fresh
    assert attempts.current_level(session, "pelatih", "peserta1") == 0
    peserta2 = users.require_user(session, demo.HISTORY_TRAINEE)
    n_grades = session.scalar(
        sa.select(sa.func.count()).select_from(Grade).join(Attempt).where(Attempt.user_id == peserta2.id)
    )
    assert n_grades == created
    n_mistakes = session.scalar(sa.select(sa.func.count()).select_from(Mistake))
    assert n_mistakes > 0
    # graded by the real grader: re-grading each stored answer gives the stored score
    for attempt_id, score in zip(table["attempt_id"][:5], table["score"][:5], strict=True):
        case = attempts.attempt_case(session, "pelatih", int(attempt_id))
        answer = training.Answer.from_dict(
            session.scalars(sa.select(Answer.answer_json).where(Answer.attempt_id == int(attempt_id))).one()
        )
        assert training.grade(case, answer).score == pytest.approx(score)
    actions = audit.audit_table(session)["action"].tolist()
    assert actions.count("attempt.submit") == created and actions.count(demo.HISTORY_ACTION) == 1


def test_history_timestamps_are_past_office_hours_and_increasing(history):
    _, _, table = history
    started, submitted = table["started_at"], table["submitted_at"]
    assert (started < submitted).all()
    assert submitted.is_monotonic_increasing and started.is_monotonic_increasing
    assert (started.iloc[1:].to_numpy() >= submitted.iloc[:-1].to_numpy()).all()  # one case at a time
    first = dt.datetime.combine(TODAY - dt.timedelta(days=demo.HISTORY_DAYS), dt.time(0), WIB)
    assert submitted.min() >= first and submitted.max() < dt.datetime.combine(TODAY, dt.time(0), WIB)
    local = [ts.astimezone(WIB) for ts in started]
    assert all(ts.weekday() < 5 and 8 <= ts.hour < 16 for ts in local)
    assert len({ts.date() for ts in local}) >= 10  # spread over the weeks, not one afternoon


def test_history_levels_rise_and_scores_improve(history):
    _, _, table = history
    levels = table["level"].tolist()
    assert levels[0] == 0 and levels[-1] == demo.HISTORY_TOP_LEVEL
    assert levels == sorted(levels) and set(levels) == {0, 1, 2}
    # promotions follow the curriculum rule on the real scores
    rows = list(zip(levels, table["score"], strict=True))
    for i in range(1, len(rows)):
        if levels[i] > levels[i - 1]:
            before = [{"level": lv, "score": sc} for lv, sc in rows[:i]]
            assert training.next_level(before, levels[i - 1]) == levels[i]
    scores = table["score"].to_numpy()
    assert scores[-10:].mean() > scores[:10].mean()
    assert (scores < 100).sum() >= 8 and (scores == 100).sum() >= 3  # mistakes, and some clean cases


def test_trainer_and_evaluator_views_are_not_empty(history):
    session, created, _ = history
    overview = attempts.class_overview(session, "pelatih").set_index("username")
    assert overview.loc["peserta1", "attempts"] == 0
    assert overview.loc["peserta2", "attempts"] == created
    assert 0 < overview.loc["peserta2", "mean_score"] < 100
    mistakes = attempts.common_mistakes(session, "pelatih")
    assert not mistakes.empty and mistakes["mistakes"].sum() > 5
    assert mistakes["service_id"].nunique() >= 4 and mistakes["criterion"].nunique() >= 3
    assert attempts.cohort_summary(session, "evaluator").set_index("class").loc[demo.DEMO_CLASS, "attempts"] == created
    assert not attempts.common_mistakes(session, "evaluator").empty


def test_history_is_created_once(history):
    session, created, _ = history
    count = session.scalar(sa.select(sa.func.count()).select_from(Attempt))
    assert demo.seed_demo_history(session, today=TODAY) == 0
    assert demo.seed_demo_history(session, seed=7, today=TODAY) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == count
    rows = session.scalars(sa.select(AuditLog).where(AuditLog.action == demo.HISTORY_ACTION)).all()
    assert len(rows) == 1 and rows[0].details["attempts"] == created
    assert demo.history_attempts(session) == created


def test_same_seed_same_history_other_seed_other_history(history, tmp_path):
    _, _, table = history
    again = _demo_session(f"sqlite:///{tmp_path / 'again.db'}")
    other = _demo_session(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        demo.seed_demo_history(again, seed=2025, today=TODAY)
        demo.seed_demo_history(other, seed=7, today=TODAY)
        same = attempts.attempts_table(again, "pelatih", "peserta2")
        assert _fingerprint(same) == _fingerprint(table)
        assert same["service_id"].tolist() == table["service_id"].tolist()
        assert _fingerprint(attempts.attempts_table(other, "pelatih", "peserta2")) != _fingerprint(table)
    finally:
        _close(again)
        _close(other)


def test_history_is_never_mixed_into_real_practice(tmp_path):
    session = _demo_session(f"sqlite:///{tmp_path / 'used.db'}")
    try:
        case = training.generate_for_level(0, 3, village_code="35.27.01.2002")
        attempts.submit(session, "peserta2", case, training.perfect_answer(case, 60))
        assert demo.seed_demo_history(session, today=TODAY) == 0
        assert len(attempts.attempts_table(session, "pelatih", "peserta2")) == 1
        assert demo.history_attempts(session) == 0
        users.set_active(session, "peserta2", False)
    finally:
        _close(session)
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(empty)
    with Session(sa.create_engine(empty)) as bare:  # no demo users: nothing to do
        assert demo.seed_demo_history(bare, today=TODAY) == 0
        bare.get_bind().dispose()


def test_submitted_at_backdates_the_submission_and_certification(tmp_path):
    session = _demo_session(f"sqlite:///{tmp_path / 'back.db'}")
    try:
        case = training.generate_for_level(training.TOP_LEVEL, 11, village_code="35.27.03.2001")
        rule = training.CertificationRule()
        when = dt.datetime(2025, 3, 3, 2, 0)  # naive: taken as UTC
        for k in range(rule.window):
            sub = attempts.submit_detailed(
                session, "peserta1", case, training.perfect_answer(case, 60), level=training.TOP_LEVEL,
                submitted_at=when + dt.timedelta(minutes=10 * k),
            )  # fmt: skip
        assert sub.newly_certified
        table = attempts.attempts_table(session, "pelatih", "peserta1")
        assert table["submitted_at"].iloc[0] == when.replace(tzinfo=dt.UTC)
        assert table["submitted_at"].iloc[-1] == (when + dt.timedelta(minutes=10 * (rule.window - 1))).replace(
            tzinfo=dt.UTC
        )
        cert = session.scalars(sa.select(Certification)).one()
        assert cert.certified_at == table["submitted_at"].iloc[-1]
        # the audit row keeps the real time it was written
        newest = audit.audit_table(session, action="attempt.submit", limit=1)["ts"].iloc[0]
        assert newest > dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
        # default: submitted now
        before = dt.datetime.now(dt.UTC)
        attempts.submit(session, "peserta2", case, training.perfect_answer(case, 60), level=training.TOP_LEVEL)
        assert attempts.attempts_table(session, "pelatih", "peserta2")["submitted_at"].iloc[-1] >= before
    finally:
        _close(session)


def test_serve_prepares_the_demo_with_history_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert serve.prepare_database(url, seed=True) == (True, True, demo.HISTORY_ATTEMPTS)
    assert serve.prepare_database(url, seed=True) == (False, True, demo.HISTORY_ATTEMPTS)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        table = attempts.attempts_table(session, "pelatih", "peserta2")
        assert len(table) == demo.HISTORY_ATTEMPTS
        assert table["submitted_at"].max() < dt.datetime.now(dt.UTC)
        assert attempts.attempts_table(session, "pelatih", "peserta1").empty
    engine.dispose()
    # a database with real users never gets demo data
    real = f"sqlite:///{tmp_path / 'real.db'}"
    upgrade(real)
    engine = sa.create_engine(real)
    with Session(engine) as session:
        users.add_user(session, "budi", "trainee", "pw-budi-123")
        session.commit()
    engine.dispose()
    assert serve.prepare_database(real, seed=True) == (False, False, 0)

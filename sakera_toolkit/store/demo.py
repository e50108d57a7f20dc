"""Demo mode: sample users so a new user can log in on the first run.

``seed_demo(session)`` fills an empty database with these accounts (all synthetic; the passwords
are public, so a demo database must never hold real work):

============  ===========  =================  ==========================================
username      role         password           villages served
============  ===========  =================  ==========================================
pelatih       trainer      pelatih-demo       (none; teaches the class "Kelas Demo")
peserta1      trainee      peserta1-demo      35.27.03.2001 Pulau Mandangin (Kec. Sampang)
peserta2      trainee      peserta2-demo      35.27.01.2002 Labuhan (Kec. Sreseh)
evaluator     evaluator    evaluator-demo     (none)
============  ===========  =================  ==========================================

The seeding is recorded in the audit log (action ``demo.seed``); :func:`is_demo` tells the app to
show its "DEMO" banner.

:func:`seed_demo_history` then gives ``peserta2`` (only) a synthetic practice history of about 30
graded attempts over the previous three weeks, so the trainer dashboard and the evaluator summary
show real plots on the first run; ``peserta1`` stays a fresh trainee. The cases come from the real
generator, the answers are the model answer with deterministic, plausible mistakes that become
rarer as the trainee gains skill, and everything is graded and stored through
:func:`sakera_toolkit.sandbox.attempts.submit_detailed` (audit action ``demo.history``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit, users
from .models import Attempt, AuditLog, User, utcnow

#: Name of the demo class taught by ``pelatih``.
DEMO_CLASS = "Kelas Demo"

#: Audit action that marks a database as a demo database.
DEMO_ACTION = "demo.seed"

#: Audit action written once the sample practice history exists.
HISTORY_ACTION = "demo.history"

#: The trainee who gets the sample practice history (``peserta1`` stays fresh for first logins).
HISTORY_TRAINEE = "peserta2"

# Shape of the sample history. These are settings of the demo data only (no model assumption,
# nothing computed from them), so they live here rather than in a calibration file.
HISTORY_ATTEMPTS = 30  # graded attempts
HISTORY_DAYS = 21  # spread over the previous three weeks
HISTORY_TOP_LEVEL = 2  # levels rise 0 -> 2 (Menengah); the timed queue level is left to the user
_WIB = dt.timezone(dt.timedelta(hours=7), "WIB")  # practice sessions in Sampang office hours


@dataclass(frozen=True)
class DemoUser:
    """One demo account (public password: demo mode only)."""

    username: str
    role: str
    password: str
    display_name: str
    villages: tuple[str, ...] = ()


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("pelatih", "trainer", "pelatih-demo", "Pelatih Demo"),
    DemoUser("peserta1", "trainee", "peserta1-demo", "Peserta Demo 1", ("35.27.03.2001",)),
    DemoUser("peserta2", "trainee", "peserta2-demo", "Peserta Demo 2", ("35.27.01.2002",)),
    DemoUser("evaluator", "evaluator", "evaluator-demo", "Evaluator Demo"),
)


def seed_demo(session: Session) -> bool:
    """Create the demo users and class in an empty database and commit.

    Returns True if the demo data was created, False if the database already had users (nothing
    is changed then, so real accounts are never mixed with demo ones).
    """
    if session.scalar(select(func.count()).select_from(User)):
        return False
    for demo in DEMO_USERS:
        users.add_user(
            session,
            demo.username,
            demo.role,
            demo.password,
            display_name=demo.display_name,
            villages=demo.villages,
            actor="demo",
        )
    users.create_class(session, DEMO_CLASS, "pelatih", actor="demo")
    for demo in DEMO_USERS:
        if demo.role == "trainee":
            users.add_to_class(session, DEMO_CLASS, demo.username, actor="demo")
    audit.record(
        session, DEMO_ACTION, actor="demo", target="database", details={"users": [d.username for d in DEMO_USERS]}
    )
    session.commit()
    return True


def _history_days(rng: np.random.Generator, today: dt.date) -> list[dt.date]:
    """The practice day of each attempt, oldest first: weekdays of the last HISTORY_DAYS days."""
    weekdays = [today - dt.timedelta(days=back) for back in range(HISTORY_DAYS, 0, -1)]
    weekdays = [day for day in weekdays if day.weekday() < 5]
    if HISTORY_ATTEMPTS <= len(weekdays):
        return sorted(weekdays[int(k)] for k in rng.choice(len(weekdays), HISTORY_ATTEMPTS, replace=False))
    # one attempt each weekday, the rest spread at random (some days busier than others)
    per_day = 1 + rng.multinomial(HISTORY_ATTEMPTS - len(weekdays), np.full(len(weekdays), 1 / len(weekdays)))
    return [day for day, count in zip(weekdays, per_day, strict=True) for _ in range(int(count))]


def _sibling_service(service_id: str, service_ids: tuple[str, ...], rng: np.random.Generator) -> str:
    """A plausible wrong service: one of the same family (``kk_*``, ``ktp_*``, ``akta_*``...)."""
    family = service_id.split("_")[0]
    same = [s for s in service_ids if s != service_id and s.split("_")[0] == family]
    pool = same or [s for s in service_ids if s != service_id]
    return str(pool[int(rng.integers(len(pool)))])


def _mistyped(value: str, rng: np.random.Generator) -> str:
    """``value`` with one typing slip: two neighbouring digits swapped in a number, else a letter dropped."""
    if len(value) < 2:
        return value + "x"
    if value.isdigit():
        i = int(rng.integers(len(value) - 1))
        if value[i] != value[i + 1]:
            return value[:i] + value[i + 1] + value[i] + value[i + 2 :]
        return value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1 :]
    i = int(rng.integers(1, len(value)))
    return value[:i] + value[i + 1 :]


def _practice_answer(case, skill: float, new_at_level: bool, rng: np.random.Generator, service_ids):
    """The model answer to ``case`` with the slips a trainee of ``skill`` (0 = new, 1 = trained) makes.

    Every slip is one a real trainee makes: a sibling service, one requirement ticked wrongly,
    defects not noticed (then the file is often processed anyway), a false alarm, a wrong decision,
    a typing slip in the form, an incomplete list of what the citizen must still bring. The chance
    of each falls with ``skill`` and rises for the first cases at a new level.
    """
    from .. import training

    perfect = training.perfect_answer(case)
    unsure = 1.0 - skill + (0.25 if new_at_level else 0.0)
    service_id = perfect.service_id
    if rng.random() < 0.25 * (1.0 - skill) ** 2 and service_id is not None:
        service_id = _sibling_service(service_id, service_ids, rng)
    requirements = dict(perfect.requirements)
    if requirements and rng.random() < 0.5 * unsure + 0.05:
        rid = sorted(requirements)[int(rng.integers(len(requirements)))]
        requirements[rid] = not requirements[rid]
    flags = [f for f in perfect.defects if rng.random() >= 0.55 * unsure + 0.1 * case.difficulty / 2]
    missed = len(flags) < len(perfect.defects)
    if rng.random() < 0.2 * (1.0 - skill):
        present = {d.kind for d in case.defects}
        others = [k for k in training.DEFECT_KINDS if k not in present]
        flags.append(training.Flag(others[int(rng.integers(len(others)))], None))
    decision = perfect.decision
    if missed and decision != "process" and rng.random() < 0.7:
        decision = "process"  # did not see the problem, so the file goes through
    elif rng.random() < 0.35 * unsure**1.5:
        decision = str(rng.choice([d for d in training.DECISIONS if d != decision]))
    missing = list(perfect.missing)
    if decision == "return" and len(missing) > 0 and rng.random() < 0.3 * unsure:
        missing.pop(int(rng.integers(len(missing))))
    form = dict(perfect.form)
    if form and rng.random() < 0.45 * unsure + 0.05:
        key = sorted(form)[int(rng.integers(len(form)))]
        form[key] = _mistyped(form[key], rng)
    seconds = float(np.clip(rng.normal(780.0 - 480.0 * skill, 60.0), 150.0, 1200.0))
    return training.Answer(
        service_id=service_id,
        requirements=requirements,
        defects=tuple(flags),
        decision=decision,
        missing=tuple(missing) if decision == "return" else (),
        form=form if "process" in (decision, perfect.decision) else {},
        elapsed_seconds=round(seconds),
    )


def seed_demo_history(
    session: Session,
    seed: int | np.random.SeedSequence = 2025,
    today: dt.date | None = None,
) -> int:
    """Give ``peserta2`` a synthetic practice history and commit; returns the attempts created.

    About :data:`HISTORY_ATTEMPTS` attempts on weekdays of the previous :data:`HISTORY_DAYS`
    days (office hours, Western Indonesia Time), oldest first. Each case is drawn with
    :func:`sakera_toolkit.training.generate_for_level` at the level the promotion rule gives
    after the attempts before it (capped at :data:`HISTORY_TOP_LEVEL`), dated on its practice day;
    the answer is the model answer with slips that get rarer as the trainee improves; the attempt
    is opened with :func:`~sakera_toolkit.sandbox.attempts.start_attempt` and graded and stored with
    :func:`~sakera_toolkit.sandbox.attempts.submit_detailed`, backdated, so grades, mistakes,
    levels and audit rows are the real ones.

    Parameters
    ----------
    session
        A store session on a database filled by :func:`seed_demo`.
    seed
        Seed of the cases and of the slips: same seed and ``today`` give the same history.
    today
        Practice days are the weekdays before this day (default: today, UTC).

    Returns
    -------
    int
        Attempts created; 0 when nothing was done: the history exists already (audit action
        ``demo.history``), there is no active trainee ``peserta2``, or ``peserta2`` has practised
        already (a synthetic history is never mixed into real practice).
    """
    from .. import training
    from ..sandbox import attempts as store_attempts
    from ..services import load_catalogue

    if session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == HISTORY_ACTION)):
        return 0
    trainee = session.scalars(select(User).where(User.username == HISTORY_TRAINEE)).one_or_none()
    if trainee is None or not trainee.active or trainee.role != "trainee":
        return 0
    if session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == trainee.id)):
        return 0
    today = today or utcnow().date()
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    case_root, slip_root = root.spawn(2)
    case_seeds = case_root.spawn(HISTORY_ATTEMPTS)
    rng = np.random.default_rng(slip_root)
    service_ids = load_catalogue().training_ids()
    village = trainee.village_codes[0] if trainee.village_codes else None
    days = _history_days(rng, today)
    order = [service_ids[int(k)] for k in rng.permutation(len(service_ids))]

    history: list[dict] = []
    level = training.LEVELS[0].number
    clock: dt.datetime | None = None
    for i, (day, case_seed) in enumerate(zip(days, case_seeds, strict=True)):
        if history:
            level = min(training.next_level(history, level), HISTORY_TOP_LEVEL)
        service_id = order[i % len(order)]
        case = training.generate_for_level(level, case_seed, service_id=service_id, village_code=village, today=day)
        new_at_level = sum(1 for h in history if h["level"] == level) < 3
        answer = _practice_answer(case, i / (HISTORY_ATTEMPTS - 1), new_at_level, rng, service_ids)
        opening = dt.datetime.combine(day, dt.time(8, 30), _WIB) + dt.timedelta(minutes=int(rng.integers(0, 90)))
        if clock is None or clock.date() != day or clock < opening:
            clock = opening
        started = clock
        submitted = started + dt.timedelta(seconds=answer.elapsed_seconds)
        clock = submitted + dt.timedelta(minutes=int(rng.integers(3, 25)))
        attempt = store_attempts.start_attempt(
            session, trainee, case, level=level, started_at=started.astimezone(dt.UTC)
        )
        result = store_attempts.submit_detailed(
            session, trainee, case, answer, attempt=attempt, submitted_at=submitted.astimezone(dt.UTC)
        )
        history.append({"level": level, "score": result.report.score})
    audit.record(
        session, HISTORY_ACTION, actor="demo", target=HISTORY_TRAINEE,
        details={
            "attempts": len(history), "seed": root.entropy if isinstance(root.entropy, int) else list(root.entropy or ()), "first_day": days[0].isoformat(),
            "last_day": days[-1].isoformat(), "levels": sorted({h["level"] for h in history}),
        },
    )  # fmt: skip
    session.commit()
    return len(history)


def history_attempts(session: Session) -> int:
    """Number of attempts :func:`seed_demo_history` put into this database (0 if it never ran)."""
    row = session.scalars(
        select(AuditLog).where(AuditLog.action == HISTORY_ACTION).order_by(AuditLog.id).limit(1)
    ).one_or_none()
    return int((row.details or {}).get("attempts", 0)) if row is not None else 0


def is_demo(session: Session) -> bool:
    """True if this database was filled by :func:`seed_demo` (the app then shows a DEMO banner)."""
    return bool(session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == DEMO_ACTION)))


def login_help(language: str = "id") -> str:
    """The demo logins as text to print at start-up, in Indonesian (``id``) or English (``en``)."""
    head = (
        "MODE DEMO: akun contoh (kata sandi publik, jangan dipakai untuk data nyata):"
        if language == "id"
        else "DEMO MODE: sample accounts (public passwords, never use for real work):"
    )
    lines = [head]
    for d in DEMO_USERS:
        lines.append(f"  {d.username:<10} / {d.password:<15} ({d.role})")
    return "\n".join(lines)

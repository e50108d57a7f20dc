"""The training back-end as one object the app's pages call: :class:`TrainingService`.

Each method opens its own store session, does one use case or one viewer-scoped read and closes
it, so a page holds no session and may call it from a worker thread. The methods touch no
widget; they return plain values and DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from ..store import reports
from . import attempts, exports, selection
from .readiness import village_readiness

__all__ = ["Progress", "TrainingService"]


@dataclass(frozen=True)
class Progress:
    """A trainee's standing: level to play, cases done, scores (oldest first), certification."""

    level: int
    cases_done: int
    scores: tuple[float, ...]
    recent_average: float | None
    status: Any

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style access (``progress["level"]``) for templates and older callers."""
        return getattr(self, key, default)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


class TrainingService:
    """Use cases and reports of the training sandbox over one store.

    Parameters
    ----------
    session_factory
        A callable returning a new SQLAlchemy session (a ``sessionmaker``).
    """

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

    # ------------------------------------------------------------------ trainee
    def progress(self, username: str) -> Progress:
        """Level, cases done, scores and certification status of a trainee (their own view)."""
        from .. import training

        with self._sessions() as session:
            history = reports.trainee_progress(session, username, username)
            level = reports.current_level(session, username, username)
            status = reports.certification_status(session, username, username)
        scores = tuple(float(x) for x in history["score"])
        window = training.CertificationRule().window
        recent = scores[-window:]
        return Progress(level, len(scores), scores, sum(recent) / len(recent) if recent else None, status)

    def resume(self, username: str) -> attempts.OpenAttempt | None:
        """The attempt the trainee has open (shown, not submitted), to show again after a reload."""
        with self._sessions() as session:
            return attempts.resume(session, username)

    def start(self, username: str, case: Any, level: int) -> attempts.OpenAttempt:
        """Show ``case``: its open attempt (same clock) or a new one."""
        with self._sessions() as session:
            return attempts.start_or_resume(session, username, case, level=level)

    def submit(self, username: str, case: Any, answer: Any, attempt_id: int | None) -> attempts.Submission:
        """Grade, store and certify in one committed transaction (see :func:`.attempts.submit_detailed`)."""
        with self._sessions() as session:
            return attempts.submit_detailed(session, username, case, answer, attempt=attempt_id)

    @staticmethod
    def next_cases(level: int, user_id: int, village_code: str | None, serials: Sequence[int]) -> list[Any]:
        """The trainee's cases number ``serials`` (:func:`.selection.draw_cases`)."""
        return selection.draw_cases(level, user_id, village_code, serials)

    # ------------------------------------------------------------------ trainer
    def class_dashboard(self, viewer: str, recent: int = 15) -> dict[str, pd.DataFrame]:
        """``overview`` (one row per trainee), ``mistakes`` (rule x service) and ``recent`` attempts."""
        with self._sessions() as session:
            return {
                "overview": reports.class_overview(session, viewer),
                "mistakes": reports.common_mistakes(session, viewer),
                "recent": reports.recent_attempts(session, viewer, recent),
            }

    def trainee_history(self, viewer: str, trainee: str) -> pd.DataFrame:
        """One trainee's attempts with the rolling score (access checked)."""
        with self._sessions() as session:
            return reports.trainee_progress(session, viewer, trainee)

    def export_csv(self, viewer: str, trainee: str, lang: str = "id") -> str:
        """The trainee's record as CSV text (access checked)."""
        with self._sessions() as session:
            return exports.export_trainee_csv(session, trainee, viewer=viewer, lang=lang)

    def export_pdf(self, viewer: str, trainee: str, lang: str = "id") -> bytes:
        """The trainee's record as PDF (access checked)."""
        with self._sessions() as session:
            return exports.export_trainee_pdf(session, trainee, viewer=viewer, lang=lang)

    # ------------------------------------------------------------------ programme
    def programme_summary(self, viewer: str) -> dict[str, Any]:
        """Aggregates for Ringkasan: ``cohorts, mistakes, by_service, by_week, readiness, n_trainees``."""
        with self._sessions() as session:
            return {
                "n_trainees": len(reports.trainee_ids(session, viewer, aggregate=True)),
                "cohorts": reports.cohort_summary(session, viewer),
                "mistakes": reports.common_mistakes(session, viewer),
                "by_service": reports.score_by_service(session, viewer),
                "by_week": reports.attempts_by_week(session, viewer),
                "readiness": village_readiness(session),
            }

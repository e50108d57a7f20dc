"""Server-side login sessions: a login is honoured only while its row says so.

A successful login creates a random session id (:func:`open_session`); the app puts it into the
signed login cookie and the database keeps only its SHA-256 (a stolen database does not yield
usable cookies). Every request checks the id (:func:`session_user_id`); logging out revokes it
(:func:`revoke`), and so does deactivating the user (:func:`revoke_user`). Because the rows live
in the database, a revocation holds in every server process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from . import audit
from .models import LoginSession, User, utcnow

#: Days a login lasts at most (the cookie expires at the same time).
SESSION_DAYS = 1


def _rowcount(result: Any) -> int:
    """Rows an UPDATE touched (``Session.execute`` is typed as a plain Result; DML gives a cursor)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


def token_hash(session_id: str) -> str:
    """What the database keeps of a session id."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, *, address: str | None = None, days: float = SESSION_DAYS) -> str:
    """Create a login session for ``user`` and commit; returns the new random session id."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(LoginSession(token_hash=token_hash(session_id), user_id=user.id, created_at=now,
                             expires_at=now + timedelta(days=days), address=(address or "")[:64] or None))
    session.commit()
    return session_id


def session_user_id(session: Session, session_id: str | None) -> int | None:
    """The user id of a live (not revoked, not expired) session, else None."""
    if not session_id:
        return None
    row = session.scalars(select(LoginSession).where(LoginSession.token_hash == token_hash(session_id))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return int(row.user_id)


def revoke(session: Session, session_id: str | None, *, actor: str = audit.SYSTEM_ACTOR) -> bool:
    """Revoke one session (logout) and commit; True if a live session was revoked."""
    if not session_id:
        return False
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == token_hash(session_id), LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    revoked = _rowcount(result)
    if revoked:
        audit.record(session, "logout", actor=actor, target=actor)
    session.commit()
    return bool(revoked)


def revoke_user(session: Session, user: User) -> int:
    """Revoke every live session of ``user`` (the caller commits); how many were revoked."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return _rowcount(result)

"""Password hashing with Argon2id (argon2-cffi).

Hashes are PHC strings (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) with a random salt per
password; the parameters are argon2-cffi's defaults, the RFC 9106 "low memory" profile
(t=3, m=64 MiB, p=4). Verification is constant-time in the hash comparison, and
:func:`verify_password` also spends the same work when the user does not exist
(:func:`dummy_verify`), so response time does not reveal which usernames exist.

One check costs about 0.1 s of CPU. In an async server (Tornado/Panel) never call it on the event
loop: every open session would stall. Use :func:`verify_password_async` or
:func:`sakera_toolkit.store.users.authenticate_async`, which run it in a thread-pool executor.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import SakeraInputError

#: Longest password accepted (characters); bounds the work an attacker can ask for.
MAX_PASSWORD_LENGTH = 1024

_HASHER = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile


def check_password_policy(password: str) -> None:
    """Reject passwords the store never accepts (empty, whitespace only, too long, control chars).

    Raises
    ------
    SakeraInputError
        With a message that never contains the password itself.
    """
    if not isinstance(password, str) or password.strip() == "":
        raise SakeraInputError("empty password", location="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise SakeraInputError(f"password longer than {MAX_PASSWORD_LENGTH} characters", location="password")
    if any(ord(ch) < 32 for ch in password):
        raise SakeraInputError("password contains a control character (e.g. a newline)", location="password")


def hash_password(password: str) -> str:
    """Hash ``password`` with Argon2id and a fresh random salt (PHC string)."""
    check_password_policy(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; False otherwise (never raises for bad input).

    With ``password_hash=None`` (unknown user) the same Argon2 work is done against a fixed dummy
    hash and False is returned.
    """
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        dummy_verify()
        return False
    if not password_hash:
        dummy_verify()
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if ``password_hash`` was made with weaker parameters than the current ones."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("sakera-dummy-password-for-timing")


def dummy_verify() -> None:
    """Spend one verification's worth of work (used when a username does not exist)."""
    try:
        _HASHER.verify(_dummy_hash(_HASHER), "not-the-dummy-password")
    except VerifyMismatchError:
        pass


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """:func:`verify_password` in the default thread-pool executor (for async servers)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, verify_password, password_hash, password)

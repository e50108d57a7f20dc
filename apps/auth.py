"""Database-backed login and per-role access for the Panel app.

How it works
------------
* ``/login`` shows a login form (Bahasa Indonesia by default, English from the language cookie).
  The password is checked against the store's Argon2id hash in a thread-pool executor, so a login
  never stalls the other open sessions. Failed logins are throttled (:class:`LoginThrottle`:
  exponential backoff per username, a budget per address, both reserved *before* the password is
  checked, so concurrent guesses cannot slip through) and logged to the audit log in aggregate
  (:class:`FailedLoginLog`: one row per username and window, not one per guess).
* A successful login opens a server-side login session (:mod:`sakera_toolkit.store.sessions`) and
  sets Panel's two signed cookies, both ``HttpOnly`` and ``SameSite=Lax`` (``Secure`` too over
  HTTPS, also behind a trusted TLS proxy): ``user`` (read by Panel as ``pn.state.user``) and
  ``id_token``, base64url JSON ``{"user", "username", "role", "uid", "name", "sid"}`` (read as
  ``pn.state.user_info``). ``sid`` is the login session's id; ``/logout`` revokes it in the
  database, so a copied cookie stops working in every server process.
* :class:`SakeraAuthProvider.get_user` runs for every page request **and** every websocket
  connection. It validates both cookies (a forged or unsigned ``id_token`` is rejected, never a
  500), checks the user still exists, is active and has the role written in the token, and
  enforces the page role table :data:`PAGE_ROLES`: an HTTP request for a page the role may not
  open gets a 403 page; a websocket connection to such a page (``/pelatih/ws``) is refused. A
  websocket is also refused unless the Bokeh session token it presents was issued to the same
  user in a login session that is still live (a token copied from another trainee's page cannot
  drive their session). Each page checks the role once more when its session starts
  (:func:`session_user`) and then every few seconds (:func:`session_alive`): a deactivated user
  or a revoked login ends the open page with a visible message.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from panel.auth import BasicAuthProvider
from panel.config import config
from panel.io.state import state
from tornado.web import Finish, RequestHandler, decode_signed_value
from tornado.websocket import WebSocketHandler

from .i18n import DEFAULT_LANG, LANG_COOKIE, Translator, lang_from_cookies, normalize_lang

log = logging.getLogger(__name__)

#: Page slug -> roles allowed to open it (HTTP page and its websocket). Pages not listed here are
#: refused by :func:`apps.server.build_pages` at start-up, so a new page cannot be served open.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "latihan": frozenset({"trainee"}),
    "pelatih": frozenset({"trainer"}),
    "ringkasan": frozenset({"trainer", "evaluator"}),
    "skenario": frozenset({"trainer", "evaluator"}),
    "bukti": frozenset({"trainer", "evaluator"}),
}

#: Where each role lands after logging in.
ROLE_HOME: dict[str, str] = {"trainee": "/latihan", "trainer": "/pelatih", "evaluator": "/ringkasan"}

#: Wrong passwords per username answered without delay; after that each try waits 1, 2, 4, ... s.
THROTTLE_FREE_FAILURES = 3
#: Longest wait (seconds) the username backoff imposes: a guesser cannot lock a real user out longer.
THROTTLE_MAX_BACKOFF_S = 30.0
#: Seconds without a failure after which a username's failures are forgotten.
THROTTLE_FORGET_S = 900.0
#: Failed logins one address may cause (across all usernames) within :data:`THROTTLE_ADDRESS_WINDOW_S`.
THROTTLE_ADDRESS_BUDGET = 30
#: Window (seconds) of the per-address budget.
THROTTLE_ADDRESS_WINDOW_S = 300.0
#: Seconds over which failed logins of one username are summed into one audit row.
FAILED_LOGIN_WINDOW_S = 300.0
#: Seconds a role lookup is cached (a deactivated user is locked out at most this much later).
ROLE_CACHE_TTL_S = 5.0
#: Seconds a login-session check is cached (a logout in another process holds at most this late).
SESSION_CACHE_TTL_S = 3.0


@dataclass(frozen=True)
class AppUser:
    """The part of a store user the app needs (no password hash)."""

    id: int
    username: str
    role: str
    display_name: str
    active: bool = True
    village_codes: tuple[str, ...] = ()


def page_of(path: str, prefix: str = "") -> str | None:
    """Page slug of a request path: ``/pelatih``, ``/pelatih/``, ``/pelatih/ws`` -> ``"pelatih"``."""
    if prefix and path.startswith(prefix):
        path = path[len(prefix):]
    first = path.strip("/").split("/", 1)[0]
    return first or None


def is_allowed(role: str | None, path: str, prefix: str = "") -> bool:
    """Whether ``role`` may open ``path``.

    Pages of :data:`PAGE_ROLES` need a listed role; other paths only need a logged-in user (the
    login, logout, language and record endpoints check for themselves).
    """
    if role is None:
        return False
    page = page_of(path, prefix)
    if page in PAGE_ROLES:
        return role in PAGE_ROLES[page]
    return True


def authorize(user_info: dict[str, Any] | None, path: str) -> bool:
    """``pn.config.authorize_callback``: the role table once more, from Panel's own user info."""
    if not user_info:
        return False
    return is_allowed(user_info.get("role"), path)


def safe_next_url(url: str | None, default: str = "/") -> str:
    r"""Accept only local absolute paths as redirect targets, else ``default``.

    Refused: anything not starting with a single ``/``; scheme-relative forms (``//host``,
    ``/\host``); any control character, space or non-ASCII character (browsers drop tabs and
    newlines, so ``/<TAB>/host`` would become ``//host``); backslashes; anything that parses with
    a scheme or a host.
    """
    if not url or not isinstance(url, str) or not url.startswith("/") or len(url) > 2000:
        return default
    if any(ord(ch) <= 0x20 or ord(ch) >= 0x7F for ch in url) or "\\" in url:
        return default
    if url.startswith("//"):
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return default
    return url


def encode_id_token(user: AppUser, sid: str | None = None) -> str:
    """The ``id_token`` cookie value Panel decodes into ``pn.state.user_info`` (``sid``: login session)."""
    payload = {
        "user": user.username,
        "username": user.username,
        "role": user.role,
        "uid": user.id,
        "name": user.display_name,
        "sid": sid,
    }
    return base64.urlsafe_b64encode(json.dumps(payload).encode("utf-8")).decode("ascii").rstrip("=")


def decode_id_token(raw: bytes | str | None) -> dict[str, Any] | None:
    """Decode an ``id_token`` value; None for anything malformed."""
    if raw is None:
        return None
    try:
        text = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
        if "." in text:  # a JWT: take its payload segment
            text = text.split(".")[1]
        text += "=" * (-len(text) % 4)
        info = json.loads(base64.urlsafe_b64decode(text.encode("ascii")).decode("utf-8"))
    except (ValueError, UnicodeError, IndexError):
        return None
    return info if isinstance(info, dict) else None


class UserDirectory:
    """Looks users up in the store (with a short cache) and checks passwords.

    Parameters
    ----------
    session_factory
        A SQLAlchemy ``sessionmaker`` bound to the store's engine.
    ttl_s
        Seconds a role lookup is cached.
    """

    def __init__(self, session_factory: Callable[[], Any], ttl_s: float = ROLE_CACHE_TTL_S) -> None:
        self.session_factory = session_factory
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, AppUser | None]] = {}
        self._sessions: dict[str, tuple[float, int | None]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _to_app_user(row: Any) -> AppUser:
        return AppUser(
            id=int(row.id),
            username=row.username,
            role=str(row.role),
            display_name=row.display_name or row.username,
            active=bool(row.active),
            village_codes=tuple(row.village_codes),
        )

    def lookup(self, username: str) -> AppUser | None:
        """The active user called ``username`` (cached for ``ttl_s``), or None."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(username)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        from sakera_toolkit.store import users as store_users

        with self.session_factory() as session:
            row = store_users.get_user(session, username)
            user = self._to_app_user(row) if row is not None and row.active else None
        with self._lock:
            self._cache[username] = (now, user)
        return user

    def authenticate(self, username: str, password: str, address: str | None = None) -> tuple[AppUser, str] | None:
        """Check ``password`` (blocking, ~20 ms of Argon2id) and open a login session.

        Returns the user and the new session id, or None. A success is logged by the store; a
        failure is left to :class:`FailedLoginLog` (aggregated).
        """
        from sakera_toolkit.store import sessions as store_sessions
        from sakera_toolkit.store import users as store_users

        with self.session_factory() as session:
            row = store_users.authenticate(session, username, password, audit_failure=False)
            if row is None:
                return None
            user = self._to_app_user(row)
            sid = store_sessions.open_session(session, row, address=address)
        # the rows just read are what lookup/session_valid would read: cache them, so the page
        # request and the websocket that follow the login do not query the store again on the
        # event loop (in a login storm those queries stalled every open session)
        now = time.monotonic()
        with self._lock:
            self._cache[username] = (now, user if user.active else None)
            if len(self._sessions) > 10_000:
                self._sessions.clear()
            self._sessions[sid] = (now, user.id)
        return user, sid

    def session_valid(self, sid: str | None, user_id: int) -> bool:
        """Whether login session ``sid`` is live and belongs to ``user_id`` (cached briefly)."""
        if not sid:
            return False
        now = time.monotonic()
        with self._lock:
            hit = self._sessions.get(sid)
        if hit is not None and now - hit[0] < SESSION_CACHE_TTL_S:
            return hit[1] == user_id
        from sakera_toolkit.store import sessions as store_sessions

        with self.session_factory() as session:
            owner = store_sessions.session_user_id(session, sid)
        with self._lock:
            if len(self._sessions) > 10_000:
                self._sessions.clear()
            self._sessions[sid] = (now, owner)
        return owner == user_id

    def revoke(self, sid: str | None, actor: str) -> bool:
        """Revoke login session ``sid`` in the database (logout); True if it was live."""
        from sakera_toolkit.store import sessions as store_sessions

        with self._lock:
            self._sessions.pop(sid or "", None)
        with self.session_factory() as session:
            return store_sessions.revoke(session, sid, actor=actor)

    def forget(self, username: str) -> None:
        """Drop ``username`` from the cache (after a role change)."""
        with self._lock:
            self._cache.pop(username, None)


class LoginThrottle:
    """Failed-login throttling per username (exponential backoff) and per address (a budget).

    :meth:`reserve` is called *before* a password is checked and counts the attempt at once, so
    30 wrong passwords sent at the same moment get only a few evaluations, not 30. Call
    :meth:`release` with the outcome afterwards. The wait per username is capped
    (:data:`THROTTLE_MAX_BACKOFF_S`), so an attacker guessing at a real user's name slows them
    down by seconds, never locks them out; the per-address budget stops one machine from trying
    many names. Everything happens on the server's event loop (no await between check and count).

    The counts live in the server process: with ``P`` processes behind a proxy an attacker gets at
    most ``P`` times the budget.
    """

    def __init__(self, free_failures: int = THROTTLE_FREE_FAILURES, max_backoff_s: float = THROTTLE_MAX_BACKOFF_S,
                 forget_s: float = THROTTLE_FORGET_S, address_budget: int = THROTTLE_ADDRESS_BUDGET,
                 address_window_s: float = THROTTLE_ADDRESS_WINDOW_S) -> None:
        self.free_failures = free_failures
        self.max_backoff_s = max_backoff_s
        self.forget_s = forget_s
        self.address_budget = address_budget
        self.address_window_s = address_window_s
        #: username -> [failures, pending, next_allowed, last_failure]
        self._users: dict[str, list[float]] = {}
        #: address -> (failure times, pending)
        self._addresses: dict[str, tuple[list[float], list[int]]] = {}
        self._lock = threading.Lock()

    def backoff_s(self, attempts: int) -> float:
        """Seconds the next try must wait after ``attempts`` failed or pending ones."""
        if attempts <= self.free_failures:
            return 0.0
        return float(min(self.max_backoff_s, 2.0 ** (attempts - self.free_failures - 1)))

    def reserve(self, username: str, address: str, now: float | None = None) -> int:
        """Count a login attempt now; 0 = go ahead, else the seconds to wait (nothing counted)."""
        now = time.monotonic() if now is None else now
        key = username.lower()
        with self._lock:
            rec = self._users.setdefault(key, [0, 0, 0.0, 0.0])
            if rec[1] == 0 and rec[0] and now - rec[3] > self.forget_s:
                rec[:] = [0, 0, 0.0, 0.0]
            if now < rec[2]:
                return max(1, math.ceil(rec[2] - now))
            times, pending = self._addresses.setdefault(address, ([], [0]))
            times[:] = [t for t in times if now - t < self.address_window_s]
            if len(times) + pending[0] >= self.address_budget:
                return max(1, math.ceil(self.address_window_s - (now - times[0]))) if times else 1
            rec[1] += 1
            pending[0] += 1
            rec[2] = now + self.backoff_s(int(rec[0] + rec[1]))
            return 0

    def release(self, username: str, address: str, success: bool, now: float | None = None) -> None:
        """The outcome of a reserved attempt."""
        now = time.monotonic() if now is None else now
        key = username.lower()
        with self._lock:
            rec = self._users.setdefault(key, [0, 1, 0.0, 0.0])
            rec[1] = max(0, rec[1] - 1)
            times, pending = self._addresses.setdefault(address, ([], [1]))
            pending[0] = max(0, pending[0] - 1)
            if success:
                rec[0], rec[2] = 0, 0.0
            else:
                rec[0] += 1
                rec[3] = now
                times.append(now)
            if not rec[0] and not rec[1]:
                self._users.pop(key, None)
            if not times and not pending[0]:
                self._addresses.pop(address, None)


class FailedLoginLog:
    """Failed logins summed into the audit log: one ``login_failed`` row per username and window.

    The first failure of a username writes a row at once (``count`` 1), so an attack is visible
    immediately; later failures within :data:`FAILED_LOGIN_WINDOW_S` are counted and written as one
    row (``count``, ``addresses``, ``first``/``last`` time) when the window closes (:meth:`flush`,
    called periodically and at shutdown). Throttled tries are counted too (``throttled``).
    """

    def __init__(self, session_factory: Callable[[], Any], window_s: float = FAILED_LOGIN_WINDOW_S) -> None:
        self.session_factory = session_factory
        self.window_s = window_s
        self._open: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def failed(self, username: str, address: str, *, throttled: bool = False) -> None:
        """Note one failure (blocking: may write the first row of a window)."""
        key = username.lower()[:64]
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            found = self._open.get(key)
            first = found is None
            if found is None:
                entry = self._open[key] = {"opened": time.monotonic(), "count": 0, "throttled": 0,
                                           "addresses": {address}, "first": stamp, "last": stamp}
            else:
                entry = found
                entry["count" if not throttled else "throttled"] += 1
                entry["addresses"].add(address)
                entry["last"] = stamp
        if first:
            self._write(key, {"count": 0 if throttled else 1, "throttled": int(throttled), "addresses": [address],
                              "first": stamp, "last": stamp, "window_s": self.window_s})

    def flush(self, force: bool = False) -> int:
        """Write the summary rows of closed windows (all windows with ``force``); rows written."""
        now = time.monotonic()
        with self._lock:
            closed = [k for k, e in self._open.items() if force or now - e["opened"] >= self.window_s]
            entries = [(k, self._open.pop(k)) for k in closed]
        written = 0
        for key, entry in entries:
            if entry["count"] or entry["throttled"]:
                self._write(key, {"count": entry["count"], "throttled": entry["throttled"],
                                  "addresses": sorted(entry["addresses"]), "first": entry["first"],
                                  "last": entry["last"], "window_s": self.window_s})
                written += 1
        return written

    def _write(self, username: str, details: dict[str, Any]) -> None:
        from sakera_toolkit.store import audit

        with self.session_factory() as session:
            audit.record(session, "login_failed", actor=username, target=username, details=details)
            session.commit()


_PAGE_STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font-family: 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif; background: #eef3f1;
       color: #1d2b28; min-height: 100vh; display: flex; align-items: center; justify-content: center; }
.card { background: #fff; border-radius: 10px; box-shadow: 0 2px 12px rgba(0,0,0,.12); padding: 28px 30px;
        width: min(380px, 92vw); }
h1 { font-size: 1.25rem; margin: 0 0 4px 0; color: #0b5d4b; }
.sub { font-size: .85rem; color: #5b6b67; margin: 0 0 18px 0; }
label { display: block; font-size: .9rem; margin: 10px 0 4px 0; }
input[type=text], input[type=password] { width: 100%; padding: 10px; border: 1px solid #c7d3cf;
        border-radius: 6px; font-size: 1rem; }
button { margin-top: 18px; width: 100%; padding: 11px; background: #0b7a5e; color: #fff; border: 0;
         border-radius: 6px; font-size: 1rem; cursor: pointer; }
button:hover { background: #096b52; }
.error { background: #fdecea; color: #8a1c12; padding: 8px 10px; border-radius: 6px; font-size: .9rem; }
.info { background: #e8f4fd; color: #0b4a75; padding: 8px 10px; border-radius: 6px; font-size: .9rem; }
.demo { background: #fff4d6; color: #6b4d00; padding: 8px 10px; border-radius: 6px; font-size: .85rem;
        margin-bottom: 12px; }
.foot { margin-top: 16px; font-size: .85rem; text-align: right; }
a { color: #0b6b8a; }
"""


def _page(title: str, body: str, lang: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_PAGE_STYLE}</style></head>"
        f'<body><div class="card">{body}</div></body></html>'
    )


def render_login(lang: str, xsrf_html: str, error: str = "", info: str = "", demo_note: str = "") -> str:
    """The login page in ``lang``."""
    tr = Translator(normalize_lang(lang))
    other = "en" if tr.lang == "id" else "id"
    parts = [
        f"<h1>{html.escape(tr('login.heading'))}</h1>",
        f'<p class="sub">{html.escape(tr("login.subtitle"))}</p>',
    ]
    if demo_note:
        parts.append(f'<div class="demo">{demo_note}</div>')
    if error:
        parts.append(f'<p class="error" id="error-message">{html.escape(error)}</p>')
    if info:
        parts.append(f'<p class="info" id="info-message">{html.escape(info)}</p>')
    parts.append(
        '<form method="post" action="/login" autocomplete="on">'
        f"{xsrf_html}"
        f'<label for="username">{html.escape(tr("login.username"))}</label>'
        '<input type="text" id="username" name="username" autocomplete="username" required autofocus>'
        f'<label for="password">{html.escape(tr("login.password"))}</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" required>'
        f'<button type="submit" id="login-submit">{html.escape(tr("login.submit"))}</button>'
        "</form>"
        f'<p class="foot"><a href="/bahasa?lang={other}&amp;next=/login">{html.escape(tr("login.other_lang"))}</a></p>'
    )
    return _page(tr("login.title"), "".join(parts), tr.lang)


def render_forbidden(lang: str, role: str | None, home: str) -> str:
    """The 403 page for a logged-in user opening a page of another role."""
    tr = Translator(normalize_lang(lang))
    role_label = tr(f"role.{role}") if role in ROLE_HOME else "?"
    body = (
        f"<h1>{html.escape(tr('denied.title'))}</h1>"
        f'<p class="error">{html.escape(tr("denied.body", role=role_label))}</p>'
        f'<p class="foot"><a href="{html.escape(home)}">{html.escape(tr("denied.home"))}</a></p>'
    )
    return _page(tr("denied.title"), body, tr.lang)


class _Handler(RequestHandler):
    """Common helpers of the auth endpoints (the provider is injected per server)."""

    provider: SakeraAuthProvider

    def initialize(self, provider: SakeraAuthProvider) -> None:
        self.provider = provider

    @property
    def lang(self) -> str:
        return normalize_lang(self.get_cookie(LANG_COOKIE, DEFAULT_LANG))

    def cookie_options(self) -> dict[str, Any]:
        return {
            "httponly": True,
            "samesite": "Lax",
            "secure": self.request.protocol == "https",
            "path": config.cookie_path,
        }


class LoginHandler(_Handler):
    """``GET /login`` shows the form; ``POST /login`` checks the password and sets the cookies."""

    def get(self) -> None:
        tr = Translator(self.lang)
        error = ""
        code = self.get_argument("error", "")
        if code == "1":
            error = tr("login.error")
        elif code.startswith("wait"):
            error = tr("login.throttled", n=int(code[4:]) if code[4:].isdigit() else int(THROTTLE_MAX_BACKOFF_S))
        info = tr("logout.done") if self.get_argument("bye", "") == "1" else ""
        next_url = self.get_argument("next", "")
        if next_url:
            self.set_cookie("next_url", safe_next_url(next_url), **self.cookie_options())
        self.set_header("Cache-Control", "no-store")
        self.write(render_login(tr.lang, self.xsrf_form_html(), error, info, self.provider.demo_note(tr.lang)))

    async def post(self) -> None:
        self.check_xsrf_cookie()
        username = self.get_argument("username", "").strip()[:64]
        password = self.get_argument("password", "")
        address = self.request.remote_ip or "?"
        throttle, failures = self.provider.throttle, self.provider.failed_logins
        loop = asyncio.get_running_loop()
        wait = throttle.reserve(username, address)  # counted before any await: atomic
        if wait:
            await loop.run_in_executor(None, partial(failures.failed, username, address, throttled=True))
            self.redirect(f"/login?error=wait{wait}")
            return
        try:
            result = await loop.run_in_executor(None, self.provider.directory.authenticate, username, password,
                                                address)
        except BaseException:
            throttle.release(username, address, success=False)
            raise
        throttle.release(username, address, success=result is not None)
        if result is None:
            await loop.run_in_executor(None, failures.failed, username, address)
            self.redirect("/login?error=1")
            return
        user, sid = result
        self.set_login_cookies(user, sid)
        home = ROLE_HOME.get(user.role, "/")
        next_url = safe_next_url(self.get_cookie("next_url"), home)
        self.clear_cookie("next_url", path=config.cookie_path)
        if not is_allowed(user.role, next_url):
            next_url = home
        self.redirect(next_url)

    def set_login_cookies(self, user: AppUser, sid: str) -> None:
        options = self.cookie_options()
        self.clear_cookie("is_guest", path=config.cookie_path)
        self.set_signed_cookie("user", user.username, expires_days=config.oauth_expiry, **options)
        plain = encode_id_token(user, sid)
        token: bytes | str = plain
        if state.encryption:
            token = state.encryption.encrypt(plain.encode("utf-8"))
        self.set_signed_cookie("id_token", token, expires_days=config.oauth_expiry, **options)


class LogoutHandler(_Handler):
    """``GET /logout`` revokes the login session in the database, clears the cookies, shows the login."""

    async def get(self) -> None:
        login = self.provider.cookie_login(self.get_signed_cookie)
        if login is not None:
            user, sid = login
            await asyncio.get_running_loop().run_in_executor(None, self.provider.directory.revoke, sid,
                                                             user.username)
        for name in ("user", "id_token", "access_token", "refresh_token", "oauth_expiry", "next_url"):
            self.clear_cookie(name, path=config.cookie_path)
        self.redirect("/login?bye=1")


class LanguageHandler(_Handler):
    """``GET /bahasa?lang=en&next=/latihan`` remembers the language in a cookie and goes back."""

    def get(self) -> None:
        lang = normalize_lang(self.get_argument("lang", DEFAULT_LANG))
        self.set_cookie(LANG_COOKIE, lang, expires_days=365, samesite="Lax", path=config.cookie_path)
        self.redirect(safe_next_url(self.get_argument("next", "/")))


class RootHandler(RequestHandler):
    """``GET /`` sends a logged-in user to their role's home page, anyone else to the login."""

    def initialize(self, provider: SakeraAuthProvider) -> None:
        self.provider = provider

    def get(self) -> None:
        user = self.provider.current_app_user(self)
        self.redirect(ROLE_HOME.get(user.role, "/login") if user else "/login")


class SakeraAuthProvider(BasicAuthProvider):
    """Panel auth provider backed by the training store (see the module docstring).

    Parameters
    ----------
    directory
        The user directory (store lookups and password checks).
    demo_mode
        Show the demo banner with the sample logins on the login page.
    demo_logins
        ``(username, password, role)`` of the demo users, shown only in demo mode.
    """

    def __init__(
        self,
        directory: UserDirectory,
        demo_mode: bool = False,
        demo_logins: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        super().__init__(login_endpoint="/login", logout_endpoint="/logout")
        self.directory = directory
        self.throttle = LoginThrottle()
        self.failed_logins = FailedLoginLog(directory.session_factory)
        self.demo_mode = demo_mode
        self.demo_logins = demo_logins

    def demo_note(self, lang: str) -> str:
        """HTML of the demo banner (empty outside demo mode)."""
        if not self.demo_mode:
            return ""
        tr = Translator(lang)
        logins = "".join(
            f"<br><code>{html.escape(u)}</code> / <code>{html.escape(p)}</code> ({html.escape(tr(f'role.{r}'))})"
            for u, p, r in self.demo_logins
        )
        return html.escape(tr("app.demo_banner")) + logins

    # --- validation shared by get_user, the websocket token check and the root redirect ----------
    def cookie_login(self, get_signed: Callable[..., bytes | None]) -> tuple[AppUser, str] | None:
        """The user and login-session id of a pair of signed cookies, if both are valid and live.

        ``get_signed(name, max_age_days=...)`` returns a cookie's verified value (a handler's
        ``get_signed_cookie``, or :meth:`_token_cookie_getter` for the cookies inside a token).
        """
        raw_user = get_signed("user", max_age_days=config.oauth_expiry)
        if not raw_user:
            return None
        try:
            username = raw_user.decode("utf-8")
        except UnicodeDecodeError:
            return None
        raw_token = get_signed("id_token", max_age_days=config.oauth_expiry)
        if raw_token is not None and state.encryption:
            try:
                raw_token = state.encryption.decrypt(raw_token)
            except Exception:  # noqa: BLE001 - any undecryptable token is simply invalid
                return None
        info = decode_id_token(raw_token)
        if info is None or info.get("user") != username:
            return None
        user = self.directory.lookup(username)
        if user is None or user.role != info.get("role") or user.id != info.get("uid"):
            return None
        sid = info.get("sid")
        if not isinstance(sid, str) or not self.directory.session_valid(sid, user.id):
            return None
        return user, sid

    def current_app_user(self, handler: RequestHandler) -> AppUser | None:
        """The logged-in user of a request, with both cookies valid, the login live, the role current."""
        login = self.cookie_login(handler.get_signed_cookie)
        return login[0] if login else None

    @staticmethod
    def _token_cookie_getter(handler: RequestHandler) -> Callable[..., bytes | None] | None:
        """Signed-cookie reader over the cookies stored in the websocket's Bokeh session token."""
        header = handler.request.headers.get("Sec-WebSocket-Protocol", "")
        parts = [p.strip() for p in header.split(",")]
        if len(parts) != 2 or parts[0] != "bokeh":
            return None
        try:
            from bokeh.util.token import get_token_payload

            cookies = get_token_payload(parts[1]).get("cookies") or {}
        except Exception:  # noqa: BLE001 - a malformed token is refused, never a 500
            return None
        secret = handler.application.settings.get("cookie_secret")

        def get_signed(name: str, max_age_days: float = 31) -> bytes | None:
            value = cookies.get(name)
            if not value or not secret:
                return None
            return decode_signed_value(secret, name, value, max_age_days=max_age_days)

        return get_signed

    def token_matches(self, handler: RequestHandler, user: AppUser) -> bool:
        """Whether the websocket's session token was issued to ``user`` in a login still live."""
        getter = self._token_cookie_getter(handler)
        login = self.cookie_login(getter) if getter is not None else None
        return login is not None and login[0].id == user.id

    @property
    def get_user(self) -> Callable[[RequestHandler], str | None]:  # type: ignore[override]  # Panel types it as returning a User; its callers use the username
        def get_user(handler: RequestHandler) -> str | None:
            user = self.current_app_user(handler)
            if user is None:
                return None
            path = handler.request.path
            if not is_allowed(user.role, path):
                log.warning("refused %s (%s) on %s", user.username, user.role, path)
                if isinstance(handler, WebSocketHandler):
                    return None
                handler.set_status(403)
                handler.set_header("Content-Type", "text/html; charset=UTF-8")
                raise Finish(render_forbidden(lang_from_cookies(handler.request.cookies), user.role,
                                              ROLE_HOME.get(user.role, "/")))
            if isinstance(handler, WebSocketHandler):
                if not self.token_matches(handler, user):
                    log.warning("refused websocket of %s on %s: session token of another login", user.username,
                                path)
                    return None
                state._active_users[user.username] += 1  # mirrors Panel; decremented on session end
            return user.username

        return get_user

    @property
    def login_handler(self) -> type[RequestHandler]:
        return LoginHandler

    @property
    def logout_handler(self) -> type[RequestHandler]:
        return LogoutHandler

    @property
    def endpoints(self) -> list[tuple]:
        kwargs = {"provider": self}
        return [
            ("/login", LoginHandler, kwargs),
            ("/logout", LogoutHandler, kwargs),
            ("/bahasa", LanguageHandler, kwargs),
            ("/", RootHandler, kwargs),
        ]


def session_user(directory: UserDirectory | None = None) -> AppUser | None:
    """Inside a Panel session: the logged-in user re-read from the store, or None.

    Pages call this when their session starts and refuse to build if the role does not match.
    """
    info = state.user_info or {}
    username = info.get("user")
    if not username or username != state.user:
        return None
    if directory is None:
        return None
    user = directory.lookup(username)
    if user is None or user.role != info.get("role"):
        return None
    return user


def session_alive(directory: UserDirectory, user: AppUser, info: dict[str, Any] | None) -> bool:
    """Inside a page's periodic check: the user is still active, same role, and the login is live.

    Reads the store directly (no role cache), so a deactivation is seen at the next check.
    """
    from sakera_toolkit.store import sessions as store_sessions
    from sakera_toolkit.store import users as store_users

    sid = (info or {}).get("sid")
    with directory.session_factory() as session:
        row = store_users.get_user(session, user.username)
        if row is None or not row.active or str(row.role) != user.role or int(row.id) != user.id:
            return False
        return store_sessions.session_user_id(session, sid if isinstance(sid, str) else None) == user.id


def login_url_for(next_url: str) -> str:
    """``/login?next=...`` for a page."""
    return "/login?" + urlencode({"next": next_url}, quote_via=quote)

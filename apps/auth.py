"""Database-backed login and per-role access for the Panel app.

How it works
------------
* ``/login`` shows a login form (Bahasa Indonesia by default, English from the language cookie).
  The password is checked against the store's Argon2id hash in a thread-pool executor, so a login
  never stalls the other open sessions. Failed logins are throttled per username and address.
* A successful login sets Panel's two signed cookies, both ``HttpOnly`` and ``SameSite=Lax``
  (``Secure`` too when served over HTTPS): ``user`` (read by Panel as ``pn.state.user``) and
  ``id_token``, base64url JSON ``{"user", "username", "role", "uid", "name"}`` (read as
  ``pn.state.user_info``).
* :class:`SakeraAuthProvider.get_user` runs for every page request **and** every websocket
  connection. It validates both cookies (a forged or unsigned ``id_token`` is rejected, never a
  500), checks the user still exists, is active and has the role written in the token, and
  enforces the page role table :data:`PAGE_ROLES`: an HTTP request for a page the role may not
  open gets a 403 page; a websocket connection to such a page (``/pelatih/ws``) is refused. Each
  page checks the role once more when its session starts (:func:`session_user`).
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from panel.auth import BasicAuthProvider
from panel.config import config
from panel.io.state import state
from tornado.web import Finish, RequestHandler
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

#: Failed logins (per username + address) allowed within :data:`THROTTLE_WINDOW_S` before waiting.
THROTTLE_MAX_FAILURES = 5
#: Window (seconds) over which failed logins are counted, and the wait imposed after too many.
THROTTLE_WINDOW_S = 60.0
#: Seconds a role lookup is cached (a deactivated user is locked out at most this much later).
ROLE_CACHE_TTL_S = 20.0


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
    """Accept only local absolute paths as redirect targets (no ``//host``, no scheme)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url or "\n" in url or "\r" in url:
        return default
    return url


def encode_id_token(user: AppUser) -> str:
    """The ``id_token`` cookie value Panel decodes into ``pn.state.user_info``."""
    payload = {
        "user": user.username,
        "username": user.username,
        "role": user.role,
        "uid": user.id,
        "name": user.display_name,
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

    def authenticate(self, username: str, password: str) -> AppUser | None:
        """Check ``password`` (blocking, ~0.1 s of Argon2id): the user, or None. Logs the outcome."""
        from sakera_toolkit.store import users as store_users

        with self.session_factory() as session:
            row = store_users.authenticate(session, username, password)
            user = self._to_app_user(row) if row is not None else None
        with self._lock:
            self._cache.pop(username, None)
        return user

    def forget(self, username: str) -> None:
        """Drop ``username`` from the cache (after a role change)."""
        with self._lock:
            self._cache.pop(username, None)


class LoginThrottle:
    """Counts failed logins per key and refuses further tries for a while after too many."""

    def __init__(self, max_failures: int = THROTTLE_MAX_FAILURES, window_s: float = THROTTLE_WINDOW_S) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, list[float]] = {}

    def wait_s(self, key: str, now: float | None = None) -> int:
        """Seconds ``key`` must still wait before trying again (0 = may try)."""
        now = time.monotonic() if now is None else now
        recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        if len(recent) < self.max_failures:
            return 0
        return max(1, int(self.window_s - (now - recent[-self.max_failures])) + 1)

    def failed(self, key: str, now: float | None = None) -> None:
        self._failures.setdefault(key, []).append(time.monotonic() if now is None else now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


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
            error = tr("login.throttled", n=int(code[4:]) if code[4:].isdigit() else THROTTLE_WINDOW_S)
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
        key = f"{username.lower()}|{self.request.remote_ip}"
        wait = self.provider.throttle.wait_s(key)
        if wait:
            self.redirect(f"/login?error=wait{wait}")
            return
        loop = asyncio.get_running_loop()
        user = await loop.run_in_executor(None, self.provider.directory.authenticate, username, password)
        if user is None:
            self.provider.throttle.failed(key)
            self.redirect("/login?error=1")
            return
        self.provider.throttle.succeeded(key)
        self.set_login_cookies(user)
        home = ROLE_HOME.get(user.role, "/")
        next_url = safe_next_url(self.get_cookie("next_url"), home)
        self.clear_cookie("next_url", path=config.cookie_path)
        if not is_allowed(user.role, next_url):
            next_url = home
        self.redirect(next_url)

    def set_login_cookies(self, user: AppUser) -> None:
        options = self.cookie_options()
        self.clear_cookie("is_guest", path=config.cookie_path)
        self.set_signed_cookie("user", user.username, expires_days=config.oauth_expiry, **options)
        token: bytes | str = encode_id_token(user)
        if state.encryption:
            token = state.encryption.encrypt(token.encode("utf-8"))
        self.set_signed_cookie("id_token", token, expires_days=config.oauth_expiry, **options)


class LogoutHandler(_Handler):
    """``GET /logout`` clears the login cookies and returns to the login page."""

    def get(self) -> None:
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

    # --- validation shared by get_user and the root redirect -----------------------------------
    def current_app_user(self, handler: RequestHandler) -> AppUser | None:
        """The logged-in user of a request, with both cookies valid and the role current; else None."""
        raw_user = handler.get_signed_cookie("user", max_age_days=config.oauth_expiry)
        if not raw_user:
            return None
        try:
            username = raw_user.decode("utf-8")
        except UnicodeDecodeError:
            return None
        raw_token = handler.get_signed_cookie("id_token", max_age_days=config.oauth_expiry)
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
        return user

    @property
    def get_user(self) -> Callable[[RequestHandler], str | None]:
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


def login_url_for(next_url: str) -> str:
    """``/login?next=...`` for a page."""
    return "/login?" + urlencode({"next": next_url}, quote_via=quote)

"""Build and run the Panel server of the training sandbox.

Each page is served by a *function* that builds fresh objects for every browser session, so two
users never share state; the only objects shared between sessions are the store's session factory
and the user directory (:class:`~apps.shell.AppContext`). Everything a user did lives in the
database, so several server processes can serve the same store.

The server sets ``TCP_NODELAY`` on its listening sockets (Bokeh leaves Nagle's algorithm on, which
adds tens of milliseconds to every small websocket reply), discards sessions whose browser went
away (``check_unused_sessions``), signs session ids with a key derived from the cookie secret and
checks roles on page requests and websocket connections (:mod:`apps.auth`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import panel as pn
from sqlalchemy.engine import make_url
from tornado.web import RequestHandler

from .auth import (
    PAGE_ROLES,
    ROLE_HOME,
    SakeraAuthProvider,
    UserDirectory,
    authorize,
    is_allowed,
    login_url_for,
    render_forbidden,
    session_alive,
    session_user,
)
from .casegen import shutdown_pool, worker_pool
from .i18n import Translator, lang_from_cookies
from .shell import AppContext, Shell, denied_view

log = logging.getLogger(__name__)

#: Environment variable that may hold the cookie secret (else a file next to the database).
COOKIE_SECRET_ENV = "SAKERA_COOKIE_SECRET"
#: How often (ms) the server looks for sessions whose browser has gone.
CHECK_UNUSED_SESSIONS_MS = 10_000
#: A session with no connection for this long (ms) is discarded.
UNUSED_SESSION_LIFETIME_MS = 30_000
#: How often (ms) an open page checks that its user is still active and its login live.
SESSION_CHECK_MS = 5_000
#: How often (ms) the summed failed logins are written to the audit log.
FAILED_LOGIN_FLUSH_MS = 60_000


class RecordHandler(RequestHandler):
    """``GET /rekaman/<username>.csv|.pdf``: a trainee's record, under the store's access rules.

    A trainee may download only their own record, a trainer those of their classes, an evaluator
    none (403). Not logged in: redirect to the login page.
    """

    def initialize(self, provider: SakeraAuthProvider, context: AppContext) -> None:
        self.provider = provider
        self.context = context

    async def get(self, username: str, fmt: str) -> None:
        from sakera_toolkit.store import attempts
        from sakera_toolkit.store.users import AccessDenied

        viewer = self.provider.current_app_user(self)
        if viewer is None:
            self.redirect(login_url_for(self.request.uri))
            return
        lang = lang_from_cookies(self.request.cookies)

        def export() -> bytes:
            with self.context.session_factory() as session:
                if fmt == "pdf":
                    return attempts.export_trainee_pdf(session, username, viewer=viewer.username, lang=lang)
                return attempts.export_trainee_csv(session, username, viewer=viewer.username, lang=lang).encode("utf-8")

        try:
            data = await asyncio.get_running_loop().run_in_executor(None, export)
        except AccessDenied:
            log.warning("refused record of %s to %s (%s)", username, viewer.username, viewer.role)
            self.set_status(403)
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(render_forbidden(lang, viewer.role, ROLE_HOME.get(viewer.role, "/")))
            return
        media = "application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8"
        self.set_header("Content-Type", media)
        self.set_header("Content-Disposition", f'attachment; filename="rekaman-{username}.{fmt}"')
        self.set_header("Cache-Control", "no-store")
        self.finish(data)


def page_classes() -> dict[str, type]:
    """Slug -> page class (imported here so that importing :mod:`apps.server` stays light)."""
    from .pages.bukti import BuktiPage
    from .pages.latihan import LatihanPage
    from .pages.pelatih import PelatihPage
    from .pages.ringkasan import RingkasanPage
    from .pages.skenario import SkenarioPage

    return {"latihan": LatihanPage, "pelatih": PelatihPage, "ringkasan": RingkasanPage,
            "skenario": SkenarioPage, "bukti": BuktiPage}


def _guard_session(page: Any, context: AppContext, info: dict[str, Any] | None) -> None:
    """Every few seconds: is the user still active and the login live? If not, end the page.

    The check runs in the store thread; when it fails the page's content is replaced by a
    visible message (Bahasa Indonesia / English), its widgets are gone, and the check stops.
    """
    period_ms = int(context.options.get("session_check_ms", SESSION_CHECK_MS))
    if period_ms <= 0:
        return
    user = page.user
    ended = {"done": False}
    callback: Any = None

    async def check() -> None:
        if ended["done"]:
            return
        loop = asyncio.get_running_loop()
        try:
            alive = await loop.run_in_executor(context.db_executor, session_alive, context.directory, user, info)
        except Exception:  # noqa: BLE001 - a database hiccup is not a logout; try again next time
            log.warning("session check of %s failed", user.username, exc_info=True)
            return
        if alive:
            return
        ended["done"] = True
        context.directory.forget(user.username)  # this process's next request re-reads the user
        log.info("ending the open page of %s: login revoked or user deactivated", user.username)
        tr = Translator(page.lang)
        message = pn.pane.Alert(
            f"**{tr('session.ended')}**\n\n[{tr('session.login_again')}](/login)", alert_type="danger",
            sizing_mode="stretch_width", tags=["sakera-session-ended"])
        with pn.io.hold():
            page.sidebar.objects = []
            page.main.objects = [message]
        if callback is not None:
            callback.stop()

    callback = pn.state.add_periodic_callback(check, period=period_ms)  # type: ignore[arg-type]  # Panel awaits coroutine functions too


def _page_app(slug: str, page_cls: type, context: AppContext) -> Callable[[], Any]:
    def app() -> Any:
        lang = lang_from_cookies(pn.state.cookies)
        user = session_user(context.directory)
        if user is None or not is_allowed(user.role, f"/{slug}"):
            return denied_view(lang, user.role if user else None)
        page = page_cls(user=user, context=context, lang=lang)
        template = Shell(page).template
        _guard_session(page, context, pn.state.user_info)
        return template

    app.__name__ = f"sakera_{slug}"
    return app


def build_pages(context: AppContext, classes: dict[str, type] | None = None) -> dict[str, Callable[[], Any]]:
    """One serve function per page; refuses a page that is missing from the role table."""
    classes = page_classes() if classes is None else classes
    unknown = sorted(set(classes) - set(PAGE_ROLES))
    if unknown:
        raise ValueError(f"pages without an entry in apps.auth.PAGE_ROLES: {', '.join(unknown)}")
    return {slug: _page_app(slug, cls, context) for slug, cls in classes.items()}


def cookie_secret_for(db_url: str) -> str:
    """The cookie secret: ``$SAKERA_COOKIE_SECRET``, else a random one kept in a private file.

    The file sits next to a SQLite database (``<db>.cookie-secret``), else in the per-user data
    directory, so logins survive a server restart.
    """
    env = os.environ.get(COOKIE_SECRET_ENV)
    if env:
        return env
    from sakera_toolkit.store.db import default_sqlite_path

    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database).expanduser().with_suffix(".cookie-secret")
    else:
        path = default_sqlite_path().parent / "cookie-secret"
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= 32:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


def set_nodelay(server: Any) -> int:
    """Set ``TCP_NODELAY`` on the server's listening sockets (accepted sockets inherit it on Linux).

    Returns the number of sockets changed.
    """
    count = 0
    http_server = getattr(server, "_http", None)
    for sock in getattr(http_server, "_sockets", {}).values():
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            count += 1
    return count


def make_server(
    db_url: str,
    *,
    port: int = 5006,
    address: str = "127.0.0.1",
    show: bool = False,
    demo_mode: bool = False,
    demo_logins: tuple[tuple[str, str, str], ...] = (),
    cookie_secret: str | None = None,
    options: dict[str, Any] | None = None,
    classes: dict[str, type] | None = None,
    lan: bool = False,
    allow_origins: tuple[str, ...] = (),
    ssl_files: tuple[str, str] | None = None,
    trusted_proxies: tuple[str, ...] = (),
    num_procs: int = 1,
) -> Any:
    """Create (not start) the Panel/Bokeh server for the store at ``db_url``.

    Parameters
    ----------
    db_url
        SQLAlchemy URL of an upgraded training store.
    port, address
        Where to listen (``port=0`` picks a free port; read it back from ``server.port``).
    show
        Open a browser tab when started.
    demo_mode, demo_logins
        Show the demo banner and the demo logins on the login page.
    cookie_secret
        Secret signing the login cookies (default: :func:`cookie_secret_for`).
    options
        Extra settings handed to the pages through :class:`~apps.shell.AppContext`.
    classes
        Slug -> page class (default :func:`page_classes`); every slug must be in the role table.
    lan
        Allow websockets from this computer's own addresses (see :mod:`apps.lan`); the caller binds
        ``address="0.0.0.0"``.
    allow_origins
        Extra ``HOST[:PORT]`` entries of the websocket allow-list.
    ssl_files
        ``(certfile, keyfile)``: serve HTTPS (cookies then ``Secure``).
    trusted_proxies
        Addresses/networks of a reverse proxy whose ``X-Forwarded-Proto/For`` are believed.
    num_procs
        Tornado processes forked on the same port (all state is in the database).
    """
    from sakera_toolkit.store.db import make_session_factory

    from . import hardening
    from . import lan as lan_mod

    # everything from this server, pinned to the installed BokehJS/Panel: no CDN, works offline
    os.environ["BOKEH_RESOURCES"] = "server"
    # Bokeh validates every new session's document (its layout checks only log warnings); that was
    # ~7 % of the server's CPU while a class logs in. The pages are validated once in the tests
    # instead (test_every_page_document_passes_bokeh_validation); BOKEH_VALIDATE_DOC=true turns
    # the per-session check back on.
    os.environ.setdefault("BOKEH_VALIDATE_DOC", "false")
    session_factory = make_session_factory(db_url)
    directory = UserDirectory(session_factory)
    scheme = "https" if ssl_files or trusted_proxies else "http"
    settings = dict(options or {})
    if lan and port:
        settings.setdefault("trainee_urls", lan_mod.trainee_urls(port, scheme))
    context = AppContext(session_factory=session_factory, directory=directory, demo_mode=demo_mode,
                         options=settings)
    secret = cookie_secret or cookie_secret_for(db_url)
    provider = SakeraAuthProvider(directory, demo_mode=demo_mode, demo_logins=demo_logins)
    networks = hardening.parse_networks(trusted_proxies)

    from .fastpath import install as install_fast_paths

    install_fast_paths()
    pn.extension("tabulator", notifications=True, design="bootstrap")
    pn.config.authorize_callback = authorize
    pn.config.cookie_secret = secret  # type: ignore[misc]  # settable at run time; typed as read-only
    tr = Translator("id")
    pages = build_pages(context, classes)
    origins = lan_mod.allowed_origins(port, address=address, lan=lan, extra=allow_origins) if port else None
    extra: dict[str, Any] = {}
    if ssl_files:
        extra["ssl_certfile"], extra["ssl_keyfile"] = ssl_files
    if num_procs != 1:
        extra["num_procs"] = num_procs
    server = pn.serve(
        pages,
        port=port,
        address=address,
        show=show,
        start=False,
        title={slug: f"{tr(f'nav.{slug}')} · {tr('app.short')}" for slug in pages},
        auth_provider=provider,
        cookie_secret=secret,
        sign_sessions=True,
        secret_key=hashlib.sha256(("bokeh-session:" + secret).encode()).hexdigest(),
        websocket_origin=origins,
        check_unused_sessions_milliseconds=CHECK_UNUSED_SESSIONS_MS,
        unused_session_lifetime_milliseconds=UNUSED_SESSION_LIFETIME_MS,
        liveness=True,
        verbose=False,
        extra_patterns=[(r"/rekaman/([a-z0-9][a-z0-9._-]{1,63})\.(csv|pdf)", RecordHandler,
                         {"provider": provider, "context": context})],
        **extra,
    )
    tornado_app = server._tornado
    hardening.install_security_headers(tornado_app)
    hardening.harden_component_routes(tornado_app)
    if networks:
        hardening.trust_proxy(tornado_app, networks)
    set_nodelay(server)
    server.sakera_context = context
    server.sakera_origins = origins or []
    server.sakera_provider = provider
    return server


def start_background_work(server: Any) -> None:
    """In the serving process (after any fork): the case worker and the failed-login flush."""
    from tornado.ioloop import PeriodicCallback

    worker_pool()  # spawn the case worker now, not when the first trainee waits for a citizen
    failures = server.sakera_provider.failed_logins

    def flush() -> None:
        server.io_loop.run_in_executor(None, failures.flush)

    server.sakera_flush = PeriodicCallback(flush, FAILED_LOGIN_FLUSH_MS)
    server.sakera_flush.start()


def stop_background_work(server: Any) -> None:
    """Write the open failed-login windows and stop the case and evidence workers."""
    try:
        server.sakera_provider.failed_logins.flush(force=True)
    except Exception:  # noqa: BLE001 - shutting down: log, do not hide the original exit
        log.warning("could not write the failed-login summary", exc_info=True)
    shutdown_pool()
    from sakera_toolkit.evidence import jobs

    jobs.shutdown()  # the evidence worker too (it outlived the server before)


def run(db_url: str, **kwargs: Any) -> None:
    """Create the server with :func:`make_server` and run it until interrupted."""
    server = make_server(db_url, **kwargs)
    server.start()
    start_background_work(server)
    if kwargs.get("show"):
        server.io_loop.add_callback(server.show, "/")
    try:
        server.io_loop.start()
    finally:
        server.stop()
        stop_background_work(server)


if __name__ == "__main__" or pn.state.served:  # pragma: no cover - `python -m apps.server` for development
    raise SystemExit("start the app with `sakera serve` (it sets up the database and the login)")

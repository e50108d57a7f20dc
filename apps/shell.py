"""The frame around every page: header with navigation, user, language switch and logout.

A page is a :class:`Page`: it owns two columns (``sidebar`` and ``main``) that it fills in
:meth:`Page.rebuild`; the :class:`Shell` puts them into a Bootstrap template once and, when the
language switch changes, sets ``page.lang`` so the page rebuilds its widgets in the new language
(widgets are bound to the page's parameters, so what the user entered is kept). The choice is also
written to the language cookie, so the next page and the login page use it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import panel as pn
import param

from .auth import PAGE_ROLES, AppUser, UserDirectory
from .i18n import DEFAULT_LANG, LANG_COOKIE, LANGS, Translator

T = TypeVar("T")

#: Colours of the app (Sampang green, as on the regency's emblem).
BRAND = "#0b7a5e"
BRAND_DARK = "#095f49"

#: CSS of the template (document level).
APP_CSS = f"""
:root {{ --sakera-brand: {BRAND}; }}
#header {{ padding-top: 2px !important; padding-bottom: 2px !important; }}
.title {{ font-size: 1.25rem !important; }}
"""

#: CSS of the header panes (Panel panes live in shadow DOM: styles go with each pane).
HEADER_CSS = """
.sakera-header { display: flex; align-items: center; justify-content: space-between; gap: 12px; }
.sakera-nav a { color: #fff; margin-right: 16px; text-decoration: none; font-weight: 600; opacity: .8;
                font-size: 1rem; padding-bottom: 2px; }
.sakera-nav a.active { opacity: 1; border-bottom: 2px solid #fff; }
.sakera-nav a:hover { opacity: 1; }
.sakera-user { color: #fff; font-size: .85rem; white-space: nowrap; }
.sakera-user a { color: #fff; margin-left: 12px; font-weight: 600; }
"""


BANNER_CSS = """
.demo { background: #fff4d6; color: #6b4d00; border: 1px solid #f0dc9c; border-radius: 5px; padding: 3px 10px;
        font-size: 12.5px; font-weight: 600; }
"""

HEADING_STYLE = "font-size:15px;font-weight:700;color:#0b5d4b;margin:0;"


def heading(text: str, margin: tuple[int, ...] = (6, 5, 2, 5)) -> pn.pane.HTML:
    """A small section heading (Markdown headings are too large in the Bootstrap template)."""
    return pn.pane.HTML(f'<div style="{HEADING_STYLE}">{html.escape(text)}</div>', margin=margin,
                        sizing_mode="stretch_width")


def in_server_session() -> bool:
    """True inside a live server session (a browser connected through a websocket).

    False in a plain Python process such as the unit tests, where callbacks run synchronously.
    """
    doc = pn.state.curdoc
    return doc is not None and getattr(doc, "session_context", None) is not None


def run_to_completion(coro: Coroutine[Any, Any, T]) -> T:
    """Run a page's coroutine to completion outside a server session and return its result.

    ``asyncio.run`` refuses to start while another event loop runs in this thread (a Jupyter
    kernel, or Playwright's synchronous API in the same test process), so the coroutine then runs
    on its own loop in a short-lived worker thread. Inside a server session use
    ``pn.state.execute`` instead (the page must not block the session's loop).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class AppContext:
    """What every page of one server needs: the store and a few settings (no per-user state).

    Parameters
    ----------
    session_factory
        SQLAlchemy ``sessionmaker`` of the training store.
    directory
        User lookups shared with the auth provider.
    demo_mode
        True when serving the sample database created by ``sakera serve`` (shows a banner).
    options
        Extra settings for pages (e.g. queue length).
    db_executor
        The thread in which pages run their store work when served.
    """

    session_factory: Any
    directory: UserDirectory
    demo_mode: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    #: One thread for all store work of the pages: short transactions one after the other are
    #: faster than many threads contending for SQLite's write lock (and for the GIL).
    db_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="sakera-db"))


class Page(pn.viewable.Viewer):
    """Base class of a page: holds the user, the language and two columns to fill."""

    lang: str = param.Selector(default=DEFAULT_LANG, objects=list(LANGS), doc="Language of the texts.")  # type: ignore[assignment]

    slug: str = ""

    def __init__(self, user: AppUser, context: AppContext, **params: Any) -> None:
        super().__init__(**params)
        if user.role not in PAGE_ROLES.get(self.slug, frozenset()):
            raise PermissionError(f"role {user.role!r} may not open page {self.slug!r}")
        self.user = user
        self.context = context
        self.sidebar = pn.Column(sizing_mode="stretch_width", margin=0)
        self.main = pn.Column(sizing_mode="stretch_width", margin=0)

    @property
    def tr(self) -> Translator:
        """Translator bound to the current language."""
        return Translator(self.lang)

    def session(self):
        """A new store session (use as a context manager)."""
        return self.context.session_factory()

    @param.depends("lang", watch=True)
    def _lang_changed(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Fill :attr:`sidebar` and :attr:`main` (called at start and on a language change)."""
        raise NotImplementedError

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(self.sidebar, self.main, sizing_mode="stretch_width")


def nav_html(user: AppUser, active: str, lang: str) -> str:
    """Links to the pages this user's role may open."""
    tr = Translator(lang)
    links = []
    for slug, roles in PAGE_ROLES.items():
        if user.role in roles:
            cls = "active" if slug == active else ""
            links.append(f'<a class="{cls}" href="/{slug}">{html.escape(tr(f"nav.{slug}"))}</a>')
    return '<div class="sakera-nav">' + "".join(links) + "</div>"


def user_html(user: AppUser, lang: str) -> str:
    """Who is logged in and the logout link."""
    tr = Translator(lang)
    who = tr("shell.logged_in_as", name=user.display_name, role=tr(f"role.{user.role}"))
    return (
        f'<div class="sakera-user">{html.escape(who)}'
        f'<a href="/logout" id="logout-link">{html.escape(tr("shell.logout"))}</a></div>'
    )


class Shell(pn.viewable.Viewer):
    """Template with header (navigation, user, language switch, logout) around one :class:`Page`."""

    lang: str = param.Selector(default=DEFAULT_LANG, objects=list(LANGS))  # type: ignore[assignment]

    def __init__(self, page: Page, **params: Any) -> None:
        params.setdefault("lang", page.lang)
        super().__init__(**params)
        self.page = page
        # navigation and user in one pane (fewer Bokeh models to build per session, issue 13)
        self.nav = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 10), align="center",
                                stylesheets=[HEADER_CSS])
        self.switch = pn.widgets.RadioButtonGroup(
            options={"Bahasa Indonesia": "id", "English": "en"},
            value=self.lang,
            variant="outline",
            color="light",
            align="center",
            margin=(0, 10),
            stylesheets=[":host .bk-btn { padding: 2px 8px; font-size: .85rem; }"],
        )
        self.switch.jscallback(
            value=(
                "var langs = ['id', 'en'];"
                f"document.cookie = '{LANG_COOKIE}=' + langs[cb_obj.active] + '; path=/; max-age=31536000; samesite=lax';"
            )
        )
        self.switch.link(self, value="lang")
        # the demo banner exists only on the demo database (one model less on every other page)
        self.banner = (pn.pane.HTML(margin=(0, 5, 4, 5), sizing_mode="stretch_width", stylesheets=[BANNER_CSS],
                                    tags=["sakera-demo-banner"]) if context_demo(page) else None)
        self._refresh_header()
        page.rebuild()
        self.template = pn.template.BootstrapTemplate(
            title=page.tr("app.short"),
            header_background=BRAND,
            sidebar_width=300,
            collapsed_sidebar=False,
            raw_css=[APP_CSS],
            # Panel's busy spinner is global: every event of every session updates the spinner of
            # every open session (O(sessions) work per click). With a class logged in that was
            # the largest cost of the server, so the template has none.
            busy_indicator=None,
        )
        header, sidebar, main = self.template.header, self.template.sidebar, self.template.main
        assert header is not None and sidebar is not None and main is not None  # the template has all three
        header.extend([self.nav, self.switch])
        sidebar.append(page.sidebar)
        main.append(pn.Column(self.banner, page.main, sizing_mode="stretch_width")
                    if self.banner is not None else page.main)

    @param.depends("lang", watch=True)
    def _lang_changed(self) -> None:
        self._refresh_header()
        self.page.lang = self.lang

    def _refresh_header(self) -> None:
        self.nav.object = (f'<div class="sakera-header">{nav_html(self.page.user, self.page.slug, self.lang)}'
                           f'{user_html(self.page.user, self.lang)}</div>')
        if self.banner is not None:
            self.banner.object = f'<div class="demo">{html.escape(Translator(self.lang)("app.demo_banner"))}</div>'

    def __panel__(self) -> pn.template.BaseTemplate:  # type: ignore[override]  # a template, not a Viewable
        return self.template


def context_demo(page: Page) -> bool:
    """True when the page is served from the demo database."""
    return bool(page.context.demo_mode)


def denied_view(lang: str, role: str | None) -> pn.viewable.Viewable:
    """What a session shows when the role check inside the page fails."""
    tr = Translator(lang)
    role_label = tr(f"role.{role}") if role in ("trainee", "trainer", "evaluator") else "?"
    return pn.pane.Alert(
        f"**{tr('denied.title')}**. {tr('denied.body', role=role_label)} [{tr('denied.home')}](/)",
        alert_type="danger",
    )

"""Issue 13 at the HTTP and websocket level: sessions, throttling, redirects, headers, LAN, demo mode.

Every test talks to a real ``sakera serve`` over the loopback. Other PCs are stood in for by other
loopback addresses (127.0.0.2, 127.0.0.3, ...): the client binds to them as its source address, or
sends them as the page's ``Origin``. No test targets anything but 127.0.0.0/8.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from apps.shell import run_to_completion  # noqa: E402
from apps.wsclient import AccessRefused, http_get, login, open_session, page_token, post_login  # noqa: E402
from sakera_toolkit.store import users  # noqa: E402
from sakera_toolkit.store.db import make_engine  # noqa: E402
from sakera_toolkit.store.models import AuditLog  # noqa: E402

AsyncHTTPClient.configure(None, max_clients=100)


def run(coro):
    """Run a coroutine to completion, also when Playwright's sync API left a loop in this thread
    (a browser test ran earlier in the same worker: asyncio.run would refuse)."""
    return run_to_completion(coro)


def add_trainee(server, name: str | None = None, password: str = "kata-sandi-uji-1") -> tuple[str, str]:
    """A new trainee in the server's database (real Argon2 hash, so the server can check it)."""
    name = name or f"t{uuid.uuid4().hex[:10]}"
    engine = make_engine(server.db_url)
    try:
        with Session(engine) as session:
            users.add_user(session, name, "trainee", password, villages=("35.27.03.2001",))
    finally:
        engine.dispose()
    return name, password


def set_active(server, name: str, active: bool) -> None:
    engine = make_engine(server.db_url)
    try:
        with Session(engine) as session:
            users.set_active(session, name, active)
    finally:
        engine.dispose()


def audit_rows(server, action: str, target: str) -> list[AuditLog]:
    engine = make_engine(server.db_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(AuditLog).where(AuditLog.action == action,
                                                               AuditLog.target == target).order_by(AuditLog.id)))
    finally:
        engine.dispose()


# --- sessions that cannot be borrowed or forged -------------------------------------------------


def test_a_session_token_works_only_for_the_user_it_was_issued_to(sakera_server):
    base = sakera_server.base_url
    name_a, pw_a = add_trainee(sakera_server)
    name_b, pw_b = add_trainee(sakera_server)

    async def scenario():
        owner = await login(base, name_a, pw_a)
        other = await login(base, name_b, pw_b)
        token = await page_token(base, "/latihan", owner)
        with pytest.raises(AccessRefused, match="refused"):
            await open_session(base, "/latihan", other, token=token)
        session = await open_session(base, "/latihan", owner, token=token)  # the owner still can
        session.close()

    run(scenario())


def test_logout_revokes_the_login_on_the_server(sakera_server):
    base = sakera_server.base_url
    name, pw = add_trainee(sakera_server)

    async def scenario():
        cookies = await login(base, name, pw)
        copied = dict(cookies)
        assert (await http_get(base + "/latihan", copied)).code == 200
        token = await page_token(base, "/latihan", copied)
        bye = await http_get(base + "/logout", cookies)
        assert bye.code == 302 and "bye=1" in bye.headers["Location"]
        after = await http_get(base + "/latihan", copied)  # the copied cookie is dead now
        assert after.code == 302 and "/login" in after.headers["Location"]
        with pytest.raises(AccessRefused):
            await open_session(base, "/latihan", copied, token=token)

    run(scenario())
    assert audit_rows(sakera_server, "logout", name)


def test_a_deactivated_users_open_page_ends_with_a_message(sakera_server):
    base = sakera_server.base_url
    name, pw = add_trainee(sakera_server)

    async def scenario():
        cookies = await login(base, name, pw)
        session = await open_session(base, "/latihan", cookies)
        try:
            await session.wait_for(lambda s: s.text_of("sakera-request") != "", 60)
            set_active(sakera_server, name, False)

            def ended(s) -> bool:
                try:
                    s.find("sakera-session-ended")
                except KeyError:
                    return False
                return True

            await session.wait_for(ended, 30)
            alert = session.text_of("sakera-session-ended")
            assert "Sesi Anda sudah berakhir" in alert and "/login" in alert
        finally:
            session.close()
        assert (await http_get(base + "/latihan", cookies)).code == 302

    run(scenario())


# --- login throttling ------------------------------------------------------------------------------


def test_thirty_concurrent_wrong_passwords_get_only_a_few_evaluations(sakera_server):
    base = sakera_server.base_url
    name, pw = add_trainee(sakera_server)

    async def scenario():
        answers = await asyncio.gather(*(post_login(base, name, f"salah-{k}", source=f"127.0.{k // 200 + 4}.{k % 200 + 2}")
                                         for k in range(30)))
        locations = [loc for loc, _ in answers]
        evaluated = sum("error=1" in loc for loc in locations)
        throttled = sum("error=wait" in loc for loc in locations)
        assert evaluated + throttled == 30
        assert evaluated <= 5, locations  # reserved before the password is checked: not 14, not 30
        # ... and the real user is slowed down by seconds, not locked out
        deadline = time.monotonic() + 40
        while True:
            location, cookies = await post_login(base, name, pw, source="127.0.9.9")
            if "error=" not in location:
                break
            assert "error=wait" in location
            wait = int(re.search(r"wait(\d+)", location).group(1))
            assert wait <= 30
            assert time.monotonic() < deadline
            await asyncio.sleep(wait)
        assert "user" in cookies

    run(scenario())
    rows = audit_rows(sakera_server, "login_failed", name)
    assert len(rows) == 1  # summed per window, not one row per guess
    assert rows[0].row_hash  # chained like every audit row


def test_one_address_cannot_try_many_usernames(sakera_server):
    base = sakera_server.base_url

    async def scenario():
        outcomes = []
        for k in range(34):
            location, _ = await post_login(base, f"tebak{k:03d}", "salah", source="127.0.77.7")
            outcomes.append(location)
        assert all("error=1" in o for o in outcomes[:30]), outcomes[:30]
        assert all("error=wait" in o for o in outcomes[30:]), outcomes[30:]
        # another address is not affected
        location, _ = await post_login(base, "tebak999", "salah", source="127.0.78.8")
        assert "error=1" in location

    run(scenario())


# --- redirects, headers, odd paths -------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/%09/evil.example/", "//evil.example/", "/\\evil.example", "/%0d%0a/evil",
                                    "https://evil.example/", "/%E2%80%A8/evil.example"])
def test_next_refuses_off_site_and_control_characters(sakera_server, target):
    base = sakera_server.base_url

    async def scenario():
        page = await http_get(f"{base}/login?next={target}")
        assert page.code == 200  # was 500 for a control character
        lang = await http_get(f"{base}/bahasa?lang=id&next={target}")
        assert lang.code == 302 and lang.headers["Location"] == "/"

    run(scenario())


def test_security_headers_on_every_kind_of_response(sakera_server):
    base = sakera_server.base_url

    async def scenario():
        trainee = await login(base, "peserta1", "peserta1-demo")
        responses = [await http_get(base + "/login"), await http_get(base + "/latihan", trainee),
                     await http_get(base + "/latihan"), await http_get(base + "/no-such-page"),
                     await http_get(base + "/static/js/bokeh.min.js")]
        for response in responses:
            headers = response.headers
            csp = headers.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, response.effective_url
            assert headers.get("X-Frame-Options") == "DENY"
            assert headers.get("X-Content-Type-Options") == "nosniff"
            assert headers.get("Referrer-Policy") == "same-origin"

    run(scenario())


def test_odd_paths_answer_4xx_and_leave_no_traceback(sakera_server):
    base = sakera_server.base_url
    before = len(sakera_server.log_tail(10**9))

    async def scenario():
        assert (await http_get(base + "/components/..%2f")).code == 404
        assert (await http_get(base + "/components/..%2f..%2fetc/passwd/x/y")).code == 404
        autoload = await http_get(base + "/latihan/autoload.js?bokeh-autoload-element=x&bokeh-absolute-url="
                                  + base + "/latihan")
        assert autoload.code == 403

    run(scenario())
    time.sleep(0.5)
    assert "Traceback" not in sakera_server.log_tail(10**9)[before:]


# --- demo mode only when asked for -------------------------------------------------------------------


def test_prepared_database_never_gets_the_demo_passwords(tmp_path):
    from sakera_toolkit.cli.serve import prepare_database
    from sakera_toolkit.store.migrations import upgrade

    prepared = f"sqlite:///{tmp_path / 'prepared.db'}"
    upgrade(prepared)  # `sakera db upgrade`, then `sakera serve` on the default database
    seeded, demo, _ = prepare_database(prepared, seed=False, seed_if_new=True)
    assert (seeded, demo) == (False, False)
    brand_new = f"sqlite:///{tmp_path / 'new.db'}"
    seeded, demo, _ = prepare_database(brand_new, seed=False, seed_if_new=True)
    assert (seeded, demo) == (True, True)


# --- LAN ---------------------------------------------------------------------------------------------


def test_lan_allow_list_accepts_named_origins_and_refuses_others(tmp_path, server_process):
    """Origin differing from Host (as through a proxy or a second name): only the allow-list decides."""
    plain = server_process(tmp_path / "plain")
    plain.start()
    lan = server_process(tmp_path / "lan", extra_args=("--lan", "--allow-origin", "127.0.0.2"))
    lan.start()

    async def scenario():
        for server, allowed in ((plain, False), (lan, True)):
            cookies = await login(server.base_url, "peserta1", "peserta1-demo")
            origin = f"http://127.0.0.2:{server.port}"
            if allowed:
                session = await open_session(server.base_url, "/latihan", cookies, origin=origin)
                session.close()
            else:
                with pytest.raises(AccessRefused):
                    await open_session(server.base_url, "/latihan", cookies, origin=origin)
            with pytest.raises(AccessRefused):
                await open_session(server.base_url, "/latihan", cookies, origin="http://evil.example")
        # --lan listens on every interface: the page answers on 127.0.0.2 too
        page = await AsyncHTTPClient().fetch(HTTPRequest(f"http://127.0.0.2:{lan.port}/login"), raise_error=False)
        assert page.code == 200

    run(scenario())
    log = lan.log_tail(10**6)
    assert "PERINGATAN / WARNING: HTTP biasa" in log  # plain HTTP on a shared network is called out
    assert "Alamat untuk peserta" in log


def test_behind_proxy_believes_only_the_configured_proxy(tmp_path, server_process):
    server = server_process(tmp_path / "proxy", extra_args=("--behind-proxy", "127.0.0.5"))
    server.start()
    base = server.base_url

    async def form(source: str) -> HTTPRequest:
        return HTTPRequest(base + "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.8.7"},
                           network_interface=source)

    async def scenario():
        client = AsyncHTTPClient()
        via_proxy = await client.fetch(await form("127.0.0.5"), raise_error=False)
        direct = await client.fetch(await form("127.0.0.6"), raise_error=False)
        assert "Strict-Transport-Security" in via_proxy.headers  # taken as HTTPS
        assert "Strict-Transport-Security" not in direct.headers  # a client cannot claim HTTPS
        # login through the proxy: cookies are Secure
        page = via_proxy.body.decode()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
        cookie = "; ".join(c.split(";", 1)[0] for c in via_proxy.headers.get_list("Set-Cookie"))
        answer = await client.fetch(HTTPRequest(
            base + "/login", method="POST", body=f"username=peserta1&password=peserta1-demo&_xsrf={xsrf}",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.8.7", "Cookie": cookie,
                     "Content-Type": "application/x-www-form-urlencoded"},
            network_interface="127.0.0.5", follow_redirects=False), raise_error=False)
        user_cookies = [c for c in answer.headers.get_list("Set-Cookie") if c.startswith(("user=", "id_token="))]
        assert len(user_cookies) == 2 and all("Secure" in c and "HttpOnly" in c for c in user_cookies)

    run(scenario())
    rows = audit_rows(server, "login", "peserta1")
    assert rows  # the login went through


def test_serve_refuses_bad_network_flags(tmp_path):
    import subprocess

    for argv, flag in ((["--cert", "x.pem"], "--cert/--key"), (["--behind-proxy", "not-an-ip"], "--behind-proxy"),
                       (["--allow-origin", "http://x/y"], "--allow-origin"), (["--num-procs", "0"], "--num-procs")):
        done = subprocess.run([sys.executable, "-m", "sakera_toolkit", "serve", "--db",
                               f"sqlite:///{tmp_path / 'x.db'}", "--no-show", *argv],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (argv, done.stderr)
        assert flag in done.stderr and "Traceback" not in done.stderr

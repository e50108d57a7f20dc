"""End-to-end: ``sakera serve`` on a loopback port, driven by Debian's Chromium and a Bokeh client.

* a trainee logs in (Indonesian UI), completes a graded case and sees the feedback;
* the trainer sees that attempt on their dashboard;
* a trainee cannot open the trainer's or the evaluator's page, nor another trainee's record, in
  the browser, over plain HTTP and over the websocket (even with a valid session token);
* a forged ``id_token`` cookie is rejected, never a server error;
* killing the server (SIGKILL) right after the feedback was shown loses nothing.

Screenshots are saved in ``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from apps.wsclient import AccessRefused, http_get, login, open_session, page_token  # noqa: E402

pytestmark = pytest.mark.slow

TRAINEE, TRAINEE_PW = "peserta1", "peserta1-demo"
OTHER_TRAINEE = "peserta2"
TRAINER, TRAINER_PW = "pelatih", "pelatih-demo"
EVALUATOR, EVALUATOR_PW = "evaluator", "evaluator-demo"


def run(coro):
    """Run a coroutine in its own thread (Playwright's sync API keeps an event loop in this one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=120)


def browser_login(page, base_url: str, username: str, password: str, path: str) -> None:
    page.goto(base_url + path)
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(rf".*{path}$"))


# --- browser ---------------------------------------------------------------------------------


def test_trainee_completes_a_case_and_the_trainer_sees_it(sakera_server, browser, artifacts):
    from playwright.sync_api import expect

    base = sakera_server.base_url
    trainee = browser.new_context(viewport={"width": 1366, "height": 768})
    page = trainee.new_page()
    page.goto(base + "/latihan")
    page.wait_for_url(re.compile(r".*/login.*"))
    expect(page.locator("body")).to_contain_text("Nama pengguna")
    expect(page.locator("body")).to_contain_text("Kata sandi")
    expect(page.locator("body")).to_contain_text("MODE DEMO")
    page.screenshot(path=artifacts / "01-login.png")

    page.fill("#username", TRAINEE)
    page.fill("#password", "salah-sandi")
    page.click("#login-submit")
    expect(page.locator("#error-message")).to_contain_text("Nama pengguna atau kata sandi salah")

    page.fill("#username", TRAINEE)
    page.fill("#password", TRAINEE_PW)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/latihan$"))
    body = page.locator("body")
    expect(body).to_contain_text("Antrean warga", timeout=30_000)
    expect(body).to_contain_text("Berkas yang dibawa")
    expect(body).to_contain_text("Tingkat 0: Terpandu")
    page.screenshot(path=artifacts / "02-latihan-case.png")

    # level 0 is guided: the hint names the service; choose it, process, submit
    hint = page.get_by_text(re.compile(r"Layanan yang sesuai dengan keadaan ini: .+\."))
    expect(hint).to_be_visible()
    service_label = re.search(r"keadaan ini: (.+)\.", hint.inner_text()).group(1)
    page.locator("select").first.select_option(label=service_label)
    page.get_by_role("button", name="Proses", exact=True).click()
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(body).to_contain_text("Jawaban tersimpan (percobaan #1)", timeout=30_000)
    expect(body).to_contain_text("Nilai")
    expect(body).to_contain_text("Pilihan layanan")
    expect(page.get_by_role("button", name="Layani warga berikutnya")).to_be_visible()
    page.screenshot(path=artifacts / "03-latihan-feedback.png")

    # English switch in the same session
    page.get_by_role("button", name="English").click()
    expect(body).to_contain_text("Citizens waiting")
    expect(body).to_contain_text("Serve the next citizen")
    page.screenshot(path=artifacts / "04-latihan-english.png")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(body).to_contain_text("Antrean warga")

    # the trainer sees the attempt
    coach = browser.new_context(viewport={"width": 1366, "height": 768})
    tpage = coach.new_page()
    browser_login(tpage, base, TRAINER, TRAINER_PW, "/pelatih")
    tbody = tpage.locator("body")
    expect(tbody).to_contain_text("Kelas saya", timeout=30_000)
    expect(tbody).to_contain_text("Peserta Demo 1")
    expect(tbody).to_contain_text("Percobaan terbaru")
    expect(tpage.locator("body")).to_contain_text(service_label)
    tpage.screenshot(path=artifacts / "05-pelatih-class.png")
    tpage.get_by_text("Kesalahan paling sering (aturan × layanan)").first.click()
    tpage.wait_for_timeout(800)
    tpage.screenshot(path=artifacts / "06-pelatih-heatmap.png")
    tpage.goto(base + "/ringkasan")
    expect(tbody).to_contain_text("Ringkasan program pelatihan", timeout=30_000)
    tpage.screenshot(path=artifacts / "07-ringkasan.png")
    trainee.close()
    coach.close()


def test_trainee_is_refused_the_trainer_page_in_the_browser(sakera_server, browser, artifacts):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    browser_login(page, sakera_server.base_url, OTHER_TRAINEE, "peserta2-demo", "/latihan")
    response = page.goto(sakera_server.base_url + "/pelatih")
    assert response is not None and response.status == 403
    expect(page.locator("body")).to_contain_text("Akses ditolak")
    page.screenshot(path=artifacts / "08-trainee-refused.png")
    response = page.goto(sakera_server.base_url + f"/rekaman/{TRAINEE}.csv")
    assert response is not None and response.status == 403
    context.close()


# --- HTTP and websocket (no browser needed) --------------------------------------------------


def test_http_access_rules(sakera_server):
    base = sakera_server.base_url

    async def scenario():
        anonymous = await http_get(base + "/pelatih")
        assert anonymous.code == 302 and "login" in anonymous.headers["Location"]
        trainee = await login(base, TRAINEE, TRAINEE_PW)
        assert (await http_get(base + "/latihan", trainee)).code == 200
        assert (await http_get(base + "/pelatih", trainee)).code == 403
        assert (await http_get(base + "/ringkasan", trainee)).code == 403
        own = await http_get(base + f"/rekaman/{TRAINEE}.csv", trainee)
        assert own.code == 200 and own.body.decode().startswith("No. percobaan,")
        assert (await http_get(base + f"/rekaman/{OTHER_TRAINEE}.csv", trainee)).code == 403
        assert (await http_get(base + f"/rekaman/{OTHER_TRAINEE}.pdf", trainee)).code == 403
        assert (await http_get(base + "/rekaman/nosuchuser.csv", trainee)).code == 403
        root = await http_get(base + "/", trainee)
        assert root.code == 302 and root.headers["Location"] == "/latihan"

        evaluator = await login(base, EVALUATOR, EVALUATOR_PW)
        assert (await http_get(base + "/ringkasan", evaluator)).code == 200
        assert (await http_get(base + "/pelatih", evaluator)).code == 403
        assert (await http_get(base + f"/rekaman/{TRAINEE}.csv", evaluator)).code == 403

        trainer = await login(base, TRAINER, TRAINER_PW)
        assert (await http_get(base + "/pelatih", trainer)).code == 200
        record = await http_get(base + f"/rekaman/{TRAINEE}.csv", trainer)
        assert record.code == 200
        assert (await http_get(base + "/latihan", trainer)).code == 403

        with pytest.raises(AccessRefused):
            await login(base, TRAINEE, "wrong-password")

    run(scenario())


def test_forged_id_token_is_rejected_not_an_error(sakera_server):
    import base64
    import json

    base = sakera_server.base_url

    async def scenario():
        trainee = await login(base, TRAINEE, TRAINEE_PW)
        token = await page_token(base, "/latihan", trainee)
        claim = {"user": TRAINEE, "username": TRAINEE, "role": "trainer", "uid": 1}
        unsigned = base64.urlsafe_b64encode(json.dumps(claim).encode()).decode().rstrip("=")
        for forged_value in (unsigned, trainee["id_token"][:-4] + "AAAA", "garbage"):
            forged = {**trainee, "id_token": forged_value}
            for path in ("/pelatih", "/latihan", "/ringkasan"):
                response = await http_get(base + path, forged)
                assert response.code == 302, (forged_value, path, response.code)
                assert "login" in response.headers["Location"]
            with pytest.raises(AccessRefused):
                await open_session(base, "/latihan", forged, token=token)
        no_token = {k: v for k, v in trainee.items() if k != "id_token"}
        assert (await http_get(base + "/latihan", no_token)).code == 302

    run(scenario())


def test_websocket_refuses_a_trainee_on_the_trainer_page(sakera_server):
    base = sakera_server.base_url

    async def scenario():
        trainee = await login(base, TRAINEE, TRAINEE_PW)
        own = await open_session(base, "/latihan", trainee)
        assert own.find("sakera-submit")
        own.close()
        # a valid, signed session token from the trainee's own page: Bokeh tokens do not name the
        # page, so only the role check on the websocket stops this
        token = await page_token(base, "/latihan", trainee)
        for path in ("/pelatih", "/ringkasan"):
            with pytest.raises(AccessRefused):
                await open_session(base, path, trainee, token=token)
        trainer = await login(base, TRAINER, TRAINER_PW)
        dashboard = await open_session(base, "/pelatih", trainer)
        assert dashboard.find("sakera-class-table")
        dashboard.close()

    run(scenario())


# --- durability ------------------------------------------------------------------------------


def test_killing_the_server_right_after_the_feedback_loses_nothing(tmp_path, server_process):
    server = server_process(tmp_path)
    server.start()
    try:
        base = server.base_url

        async def submit_one() -> str:
            cookies = await login(base, TRAINEE, TRAINEE_PW)
            session = await open_session(base, "/latihan", cookies)
            await session.wait_for(lambda s: s.text_of("sakera-request") != "", 60)  # first citizen drawn
            service = session.find("sakera-service")
            values = [o[0] if isinstance(o, list) else o for o in session.attribute(service, "options")]
            await session.set_value(service, "value", values[1])  # values[0] is "" = "(pilih layanan)"
            await session.click(session.find("sakera-decision-refer"))
            await session.click(session.find("sakera-submit"))
            await session.wait_for(
                lambda s: (
                    'data-attempt="' in s.text_of("sakera-feedback")
                    and 'data-attempt=""' not in s.text_of("sakera-feedback")
                ),
                30,
            )
            feedback = session.text_of("sakera-feedback")
            return re.search(r'data-attempt="(\d+)"', feedback).group(1)

        attempt_id = run(submit_one())
        server.kill(signal.SIGKILL)  # the moment the trainee has seen the feedback

        from sakera_toolkit.store import attempts, make_session_factory

        factory = make_session_factory(server.db_url)
        with factory() as session:
            table = attempts.attempts_table(session, TRAINEE, TRAINEE)
        factory.kw["bind"].dispose()
        assert int(attempt_id) in table["attempt_id"].tolist()

        server.start()  # restart on the same database: the attempt is served again

        async def after_restart() -> str:
            cookies = await login(base, TRAINER, TRAINER_PW)
            return (await http_get(base + f"/rekaman/{TRAINEE}.csv", cookies)).body.decode()

        record = run(after_restart())
        assert any(line.startswith(f"{attempt_id},") for line in record.splitlines())
    finally:
        server.kill()

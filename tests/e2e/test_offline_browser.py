"""Issue 13 in a real browser: every page works with the internet cut off, and over a LAN address.

The browser context aborts every request that does not go to the app's own server (CDNs, fonts,
anything); the test fails if a page tried one, and checks what a user needs: login, the Latihan
desk with a citizen, the trainer's plots, the summary, the CSV exports. A second server started
with ``--lan`` is opened through ``127.0.0.2`` (standing in for the address a trainee PC types)
and must come alive the same way.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

TRAINEE, TRAINEE_PW = "peserta1", "peserta1-demo"
TRAINER, TRAINER_PW = "pelatih", "pelatih-demo"


def offline_context(browser, allowed_netloc: str):
    """A browser context in which only ``allowed_netloc`` (and data:/blob:) can be reached."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    blocked: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).netloc == allowed_netloc:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", route)
    return context, blocked


def login(page, base: str, username: str, password: str, path: str) -> None:
    page.goto(base + path)
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(rf".*{path}$"))


def test_every_page_works_with_the_internet_blocked(sakera_server, browser, artifacts):
    from playwright.sync_api import expect

    base = sakera_server.base_url
    context, blocked = offline_context(browser, urlsplit(base).netloc)
    page = context.new_page()
    login(page, base, TRAINEE, TRAINEE_PW, "/latihan")
    body = page.locator("body")
    expect(body).to_contain_text("Antrean warga", timeout=60_000)
    expect(body).to_contain_text("Berkas yang dibawa", timeout=60_000)
    expect(page.get_by_role("button", name="Kirim jawaban")).to_be_visible()
    page.screenshot(path=artifacts / "offline-01-latihan.png")
    with page.expect_download(timeout=60_000) as download:
        page.locator("#my-record").click()
    assert download.value.suggested_filename == f"rekaman-{TRAINEE}.csv"

    coach_context, coach_blocked = offline_context(browser, urlsplit(base).netloc)  # own cookies
    coach = coach_context.new_page()
    login(coach, base, TRAINER, TRAINER_PW, "/pelatih")
    cbody = coach.locator("body")
    expect(cbody).to_contain_text("Kelas saya", timeout=60_000)
    coach.get_by_text("Kemajuan peserta").first.click()
    expect(coach.locator("canvas:visible").first).to_be_visible(timeout=60_000)  # the Bokeh plot is drawn
    coach.get_by_text("Kesalahan paling sering (aturan × layanan)").first.click()
    expect(coach.locator("canvas:visible").first).to_be_visible(timeout=60_000)
    coach.screenshot(path=artifacts / "offline-02-pelatih.png")
    with coach.expect_download(timeout=60_000) as download:
        coach.get_by_text("Unduh CSV").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    coach.goto(base + "/ringkasan")
    expect(cbody).to_contain_text("Ringkasan program pelatihan", timeout=60_000)
    expect(coach.locator("canvas:visible").first).to_be_visible(timeout=60_000)
    coach.screenshot(path=artifacts / "offline-03-ringkasan.png")
    context.close()
    coach_context.close()
    assert blocked + coach_blocked == [], f"pages tried to reach other hosts: {sorted(set(blocked + coach_blocked))}"


@pytest.fixture
def lan_server(tmp_path, server_process):
    server = server_process(tmp_path / "lan", extra_args=("--lan", "--allow-origin", "127.0.0.2"))
    server.start()
    return server


def test_a_trainee_pc_on_the_lan_address_gets_a_live_page(lan_server, browser, artifacts):
    from playwright.sync_api import expect

    base = f"http://127.0.0.2:{lan_server.port}"
    context, blocked = offline_context(browser, urlsplit(base).netloc)
    page = context.new_page()
    login(page, base, TRAINEE, TRAINEE_PW, "/latihan")
    expect(page.locator("body")).to_contain_text("Berkas yang dibawa", timeout=60_000)  # the websocket is live
    page.screenshot(path=artifacts / "lan-01-latihan-127.0.0.2.png")
    coach_context, coach_blocked = offline_context(browser, urlsplit(base).netloc)
    coach = coach_context.new_page()
    login(coach, base, TRAINER, TRAINER_PW, "/pelatih")
    expect(coach.locator("body")).to_contain_text("Alamat untuk peserta", timeout=60_000)  # URL + QR for the class
    coach.screenshot(path=artifacts / "lan-02-pelatih-qr.png")
    context.close()
    coach_context.close()
    assert blocked + coach_blocked == []

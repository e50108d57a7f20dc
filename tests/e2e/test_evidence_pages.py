"""End-to-end: the Skenario and Bukti pages on a real ``sakera serve``.

* trainees are refused both pages over HTTP and over the websocket (even with a valid token);
* trainers and evaluators open them;
* in Chromium, an evaluator starts a run in Skenario while a trainee keeps submitting cases: the
  trainee's feedback keeps arriving during the run (the simulation runs in the worker process)
  and the KPI table appears; the Bukti page computes its cards and maps.

Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import re
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from apps.wsclient import AccessRefused, http_get, login, open_session, page_token  # noqa: E402

pytestmark = pytest.mark.slow

TRAINEE, TRAINEE_PW = "peserta1", "peserta1-demo"
TRAINER, TRAINER_PW = "pelatih", "pelatih-demo"
EVALUATOR, EVALUATOR_PW = "evaluator", "evaluator-demo"


def run(coro, timeout: float = 300):
    """Run a coroutine in its own thread (Playwright's sync API keeps an event loop in this one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=timeout)


def test_http_access_to_evidence_pages(sakera_server):
    base = sakera_server.base_url

    async def scenario():
        trainee = await login(base, TRAINEE, TRAINEE_PW)
        for path in ("/skenario", "/bukti"):
            assert (await http_get(base + path, trainee)).code == 403
        for user, pw in ((EVALUATOR, EVALUATOR_PW), (TRAINER, TRAINER_PW)):
            cookies = await login(base, user, pw)
            for path in ("/skenario", "/bukti"):
                assert (await http_get(base + path, cookies)).code == 200, (user, path)

    run(scenario())


def test_websocket_refuses_a_trainee_on_evidence_pages(sakera_server):
    base = sakera_server.base_url

    async def scenario():
        trainee = await login(base, TRAINEE, TRAINEE_PW)
        token = await page_token(base, "/latihan", trainee)
        for path in ("/skenario", "/bukti"):
            with pytest.raises(AccessRefused):
                await open_session(base, path, trainee, token=token)
        evaluator = await login(base, EVALUATOR, EVALUATOR_PW)
        for path, tag in (("/skenario", "sakera-skenario-run"), ("/bukti", "sakera-bukti-run")):
            session = await open_session(base, path, evaluator)
            assert session.find(tag)
            session.close()

    run(scenario())


async def trainee_submits(base: str, stop: asyncio.Event, latencies: list[float], max_cases: int = 400) -> None:
    """A trainee answering cases (random choices) until ``stop`` is set; feedback latency per submit."""
    rng = random.Random(7)
    cookies = await login(base, TRAINEE, TRAINEE_PW)
    session = await open_session(base, "/latihan", cookies)
    await session.wait_for(lambda s: s.text_of("sakera-request") != "", 60)
    try:
        for _ in range(max_cases):
            if stop.is_set():
                break
            service_id = session.find("sakera-service")
            options = session.attribute(service_id, "options") or []
            values = [o[0] if isinstance(o, list) else o for o in options][1:]
            await session.set_value(service_id, "value", rng.choice(values))
            await session.click(session.find(f"sakera-decision-{rng.choice(['process', 'return'])}"))
            before = session.text_of("sakera-feedback")
            await session.click(session.find("sakera-submit"))
            t0 = time.perf_counter()
            await session.wait_for(
                lambda s, before=before: (
                    'data-attempt="' in s.text_of("sakera-feedback") and s.text_of("sakera-feedback") != before
                ),
                30,
            )
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(0.5)
            case_before = session.text_of("sakera-request")
            await session.click(session.find("sakera-next"))
            await session.wait_for(lambda s, c=case_before: s.text_of("sakera-request") != c, 30)
    finally:
        session.close()


def browser_login(page, base_url: str, username: str, password: str, path: str) -> None:
    page.goto(base_url + path)
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(rf".*{path}$"))


def test_skenario_run_while_a_trainee_submits_then_bukti(sakera_server, browser, artifacts):
    from playwright.sync_api import expect

    base = sakera_server.base_url
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    browser_login(page, base, EVALUATOR, EVALUATOR_PW, "/skenario")
    body = page.locator("body")
    expect(body).to_contain_text("Skenario peluncuran", timeout=30_000)
    page.screenshot(path=artifacts / "20-skenario-form.png")

    latencies: list[float] = []
    stop_holder: dict[str, asyncio.Event] = {}
    loop_holder: dict[str, asyncio.AbstractEventLoop] = {}

    async def trainee_task():
        stop = asyncio.Event()
        stop_holder["stop"] = stop
        loop_holder["loop"] = asyncio.get_running_loop()
        await trainee_submits(base, stop, latencies)

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(asyncio.run, trainee_task())
        deadline = time.monotonic() + 60
        while not latencies and time.monotonic() < deadline:  # the trainee is working
            time.sleep(0.2)
        during_start = len(latencies)
        page.get_by_role("button", name="Jalankan").click()
        expect(body).to_contain_text("Menyimulasikan", timeout=30_000)
        t0 = time.monotonic()
        expect(page.locator("body")).to_contain_text("Selisih", timeout=300_000)
        run_seconds = time.monotonic() - t0
        during = latencies[during_start:]
        if not future.done():  # the trainee may have finished its cases before the run ended
            loop_holder["loop"].call_soon_threadsafe(stop_holder["stop"].set)
        future.result(timeout=120)  # re-raises whatever stopped the trainee
    page.screenshot(path=artifacts / "21-skenario-result.png", full_page=True)
    print(
        f"skenario run {run_seconds:.1f} s; trainee submits during the run: {len(during)}, "
        f"max feedback {max(during, default=float('nan')) * 1000:.0f} ms"
    )
    assert len(during) >= 2, "the trainee got no feedback while the scenario ran"
    assert max(during) < 5.0
    expect(body).to_contain_text("Selesai dalam standar pelayanan")

    page.goto(base + "/bukti")
    expect(body).to_contain_text("Bukti inovasi", timeout=30_000)
    page.get_by_role("button", name="Hitung bukti").click()
    expect(body).to_contain_text("rasio manfaat-biaya", timeout=300_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=artifacts / "22-bukti.png", full_page=True)
    page.locator("input[type=file]").set_input_files(str(ROOT / "sample_data" / "survey_skm.csv"))
    expect(body).to_contain_text("mutu", timeout=60_000)
    # the index of the sample survey as the library computes it, in Indonesian number format
    import pandas as pd

    from sakera_toolkit.evidence import ikm

    expected = f"IKM {ikm.compute(pd.read_csv(ROOT / 'sample_data' / 'survey_skm.csv'), resamples=0).ikm:.2f}".replace(".", ",")
    expect(body).to_contain_text(expected, timeout=60_000)
    page.get_by_text(expected).first.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=artifacts / "23-bukti-ikm.png", full_page=True)
    context.close()


def test_bukti_central_server_section_fits_a_laptop_screen(sakera_server, browser, artifacts):
    """overload-july-2022 in Bukti: the server cards, table and hourly charts appear and nothing is clipped."""
    from playwright.sync_api import expect

    base = sakera_server.base_url
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    browser_login(page, base, EVALUATOR, EVALUATOR_PW, "/bukti")
    body = page.locator("body")
    expect(body).to_contain_text("Bukti inovasi", timeout=30_000)
    page.locator("select").first.select_option("overload-july-2022")
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Hitung bukti").click()
    expect(body).to_contain_text("Server pusat (SIAK Terpusat)", timeout=300_000)
    server = page.locator("#sakera-bukti-server")
    expect(server).to_contain_text("Waktu respons server, persentil 95")
    expect(server).to_contain_text("Warga menyerah karena server")
    expect(server).to_contain_text("tidak disimulasikan")  # office-only has no server stage
    expect(page.locator("#sakera-bukti-server-cards .c")).to_have_count(5)
    expect(page.locator("#sakera-bukti-server-charts img")).to_have_count(2)
    page.wait_for_timeout(1000)
    server.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=artifacts / "24-bukti-server.png", full_page=True)
    cards = page.locator("#sakera-bukti-server-cards .c")
    tops = {round(cards.nth(i).bounding_box()["y"]) for i in range(5)}
    assert len(tops) <= 2, tops  # styled cards side by side, not five stacked lines of text
    width = page.evaluate("document.documentElement.clientWidth")
    boxes = server.evaluate(  # the panes live in shadow roots: walk from the section itself
        """el => [el, ...el.querySelectorAll('*')].map(x => {
               const r = x.getBoundingClientRect();
               return {tag: x.tagName, id: x.id, right: r.right, left: r.left, sw: x.scrollWidth, cw: x.clientWidth};
           })"""
    )
    assert len(boxes) > 20  # cards, table rows, charts
    clipped = [b for b in boxes if b["right"] > width + 1 or b["left"] < -1]
    assert not clipped, clipped[:3]
    for tag in ("sakera-bukti-server", "sakera-bukti-server-table"):
        box = next(b for b in boxes if b["id"] == tag)
        assert box["sw"] <= box["cw"] + 1, box  # no horizontal overflow inside
    context.close()

"""Acceptance in a real browser (issue 8): the law as it stands, done at the desk, read by a trainer.

A trainee completes, in Chromium, three cases the corrected law decides differently than before:

* a move within Kabupaten Sampang, processed without an SKPWNI;
* an akta kelahiran without proof of marriage, processed with SPTJM F-2.04;
* a late death report, processed (no decision of the Kepala Dinas needed);

each with a perfect score, the feedback listing the rules with their legal basis in Indonesian
("UU 24/2013 ...", "Perpres 96/2018 ..."), the answer kept next to the key. The case reaches the
trainee the way the app resumes an open attempt (it is opened for them in the database, as a
trainer preparing a drill would), so the test also shows that a reload resumes it. Then the
trainer's tables show names and WIB times, and the screens are photographed at 1366x768 and at
1024x768 (document cards readable, nothing clipped).
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sakera_toolkit import training  # noqa: E402
from sakera_toolkit.sandbox import labels  # noqa: E402


def _server_class():
    """:class:`ServerProcess` of this directory's conftest (not a package: load it by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_sakera_e2e_conftest", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ServerProcess


pytestmark = pytest.mark.slow

TRAINEE, TRAINEE_PW = "peserta2", "peserta2-demo"
TRAINER, TRAINER_PW = "pelatih", "pelatih-demo"
#: Regulations as a trainee cites them (never a URL or "research-notes").
CITATION = re.compile(r"(UU|Perpres|Permendagri|Perbup|PP) [^\s]+/\d{4}")


def _supports_variants() -> bool:
    return "variant" in inspect.signature(training.generate_case).parameters


def _scenario(name: str):
    """The case of one scenario (the corrected law of helper 'law', branch h-law)."""
    if name == "move_within_sampang":
        case = training.generate_case("pindah_datang", 0, seed=3, variant="dalam_kabupaten")
        assert "skpwni" not in {d.kind for d in case.documents}
    elif name == "akta_with_f204":
        case = training.generate_case("akta_kelahiran", 0, seed=2, variant="perkawinan_belum_tercatat")
        assert case.expected.decision == "process_sptjm"
    else:
        case = training.generate_case("akta_kematian", 2, seed=7, defect_kinds=["deadline_passed"])
        assert case.expected.decision == "process"
    return case


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = _server_class()(tmp_path_factory.mktemp("sakera-acceptance"))
    srv.start()
    try:
        yield srv
    finally:
        srv.kill()


def _assign(server, case) -> int:
    """Open an attempt of ``case`` for the trainee (what the page resumes)."""
    from sakera_toolkit.sandbox import attempts
    from sakera_toolkit.store import make_session_factory

    factory = make_session_factory(server.db_url)
    try:
        with factory() as session:
            return attempts.start_or_resume(session, TRAINEE, case, level=0).attempt_id
    finally:
        factory.kw["bind"].dispose()


def _login(page, base: str, username: str, password: str, path: str) -> None:
    page.set_default_timeout(120_000)  # a loaded 2-core machine: logins (Argon2) can take long
    page.goto(base + path)
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(rf".*{path}$"))


def _answer_in_the_browser(page, case) -> None:
    """Fill in the perfect answer the way a trainee does: select, tick, click, type."""
    perfect = training.perfect_answer(case)
    page.locator("select").first.select_option(label=labels.service_name(perfect.service_id, "id"))
    for req_id, met in perfect.requirements.items():
        if met:
            # the first box of that name is the checklist (the second is "what to bring", hidden)
            page.get_by_label(labels.requirement_name(perfect.service_id, req_id, "id"), exact=True).first.check()
    for kind in sorted(perfect.flagged_kinds):
        page.get_by_label(labels.defect_name(kind, "id"), exact=True).check()
    page.get_by_role("button", name=labels.decision_name(perfect.decision, "id"), exact=True).click()
    for req_id in perfect.missing:
        page.get_by_label(labels.requirement_name(perfect.service_id, req_id, "id"), exact=True).last.check()
    fields = {f.key: f.label("id") for f in training.rules.form_fields(perfect.service_id)}
    for key, value in perfect.form.items():
        box = page.get_by_label(fields[key], exact=True)
        box.fill(value)
        box.press("Tab")


@pytest.mark.parametrize("scenario", ["move_within_sampang", "akta_with_f204", "late_death_processed"])
def test_trainee_completes_the_case_the_corrected_law_decides(server, browser, artifacts, scenario):
    from playwright.sync_api import expect

    if not _supports_variants():
        pytest.skip("needs the corrected law of helper 'law' (h-law): case variants, process_sptjm")
    case = _scenario(scenario)
    attempt_id = _assign(server, case)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _login(page, server.base_url, TRAINEE, TRAINEE_PW, "/latihan")
    body = page.locator("body")
    expect(body).to_contain_text(case.citizen.name, timeout=60_000)
    expect(body).to_contain_text("dilayani sejak")
    page.reload()  # the open attempt is resumed, not replaced
    expect(body).to_contain_text(case.citizen.name, timeout=60_000)
    page.screenshot(path=artifacts / f"acc-{scenario}-case.png", full_page=True)

    _answer_in_the_browser(page, case)
    page.get_by_role("button", name="Kirim jawaban").click()
    feedback = page.locator("[data-attempt]")
    expect(feedback).to_have_attribute("data-attempt", str(attempt_id), timeout=60_000)
    expect(body).to_contain_text("Semua benar")
    expect(body).to_contain_text("Jawaban Anda dibanding kunci jawaban")
    expect(body).to_contain_text("Aturan yang berlaku pada kasus ini")
    rules_text = page.locator("[data-sakera='case-rules']").inner_text()
    assert CITATION.search(rules_text), rules_text
    assert "http" not in rules_text and "research-notes" not in rules_text
    page.screenshot(path=artifacts / f"acc-{scenario}-feedback.png", full_page=True)
    context.close()


def test_trainer_tables_show_names_and_wib_times(server, browser, artifacts):
    from playwright.sync_api import expect

    # at least one graded attempt of the class, whatever the law data
    from sakera_toolkit.sandbox import attempts
    from sakera_toolkit.store import make_session_factory

    case = training.generate_case("kk_baru", 1, seed=5, village_code="35.27.01.2002")
    factory = make_session_factory(server.db_url)
    with factory() as session:
        attempts.submit_detailed(session, TRAINEE, case, training.Answer(service_id="kk_baru", decision="refer"))
    factory.kw["bind"].dispose()

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _login(page, server.base_url, TRAINER, TRAINER_PW, "/pelatih")
    body = page.locator("body")
    expect(body).to_contain_text("Kelas saya", timeout=60_000)
    expect(body).to_contain_text("Peserta Demo 2")
    expect(body).to_contain_text("Labuhan")  # the village by name
    expect(body).to_contain_text("Kartu Keluarga baru")  # the service by name
    expect(body).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d WIB"))
    text = page.locator("body").inner_text()
    assert "35.27.01.2002" not in text and "kk_baru" not in text and "service_choice" not in text
    # headers are not cut off at 1366 px: every header title fits its cell
    clipped = page.evaluate(
        """() => {
            const out = [];
            const walk = (root) => {
                root.querySelectorAll('.tabulator-col-title').forEach(el => {
                    // a blank title (the &nbsp; of a column without a heading) holds no text to cut off
                    if (el.textContent.trim() && el.scrollWidth > el.clientWidth + 1) out.push(el.textContent);
                });
                root.querySelectorAll('.tabulator-cell').forEach(el => {
                    if (el.textContent.trim() && el.scrollWidth > el.clientWidth + 1) out.push('cell: ' + el.textContent);
                });
                root.querySelectorAll('.tabulator-tableholder').forEach(el => {
                    if (el.scrollWidth > el.clientWidth + 1) out.push('table wider than its box');
                });
                root.querySelectorAll('*').forEach(el => { if (el.shadowRoot) walk(el.shadowRoot); });
            };
            walk(document);
            return out;
        }"""
    )
    page.screenshot(path=artifacts / "acc-pelatih-1366.png", full_page=True)
    assert clipped == []
    context.close()


def test_document_cards_are_readable_at_1024x768(server, browser, artifacts):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    _login(page, server.base_url, "peserta1", "peserta1-demo", "/latihan")
    expect(page.locator(".card").first).to_be_visible(timeout=120_000)
    page.wait_for_timeout(500)
    clipped = page.evaluate(
        """() => {
            const out = [];
            const walk = (root) => {
                root.querySelectorAll('.card dd, .card dt, .card td, .card th').forEach(el => {
                    if (el.scrollWidth > el.clientWidth + 1) out.push(el.textContent);
                });
                root.querySelectorAll('.card').forEach(card => {
                    const r = card.getBoundingClientRect();
                    if (r.width < 200) out.push('narrow card ' + r.width);
                });
                root.querySelectorAll('*').forEach(el => { if (el.shadowRoot) walk(el.shadowRoot); });
            };
            walk(document);
            return out;
        }"""
    )
    page.screenshot(path=artifacts / "acc-latihan-1024.png", full_page=True)
    assert clipped == []
    context.close()


def test_one_scoping_rule_over_http(server):
    """A second trainer's exports and pages cover their own class only; CSV headers follow the language."""
    import asyncio
    import concurrent.futures

    from apps.wsclient import http_get, login, open_session
    from sakera_toolkit.store import make_session_factory, users

    factory = make_session_factory(server.db_url)
    with factory() as session:
        users.add_user(session, "pelatih9", "trainer", "kata-sandi-pelatih-9")
        users.create_class(session, "Kelas Sembilan", "pelatih9")
        users.add_user(session, "peserta9", "trainee", "kata-sandi-peserta-9", villages=("35.27.01.2002",),
                       display_name="Peserta Sembilan")
        users.add_to_class(session, "Kelas Sembilan", "peserta9")
    factory.kw["bind"].dispose()
    base = server.base_url

    async def scenario() -> None:
        other = await login(base, "pelatih9", "kata-sandi-pelatih-9", timeout=120)
        assert (await http_get(base + "/rekaman/peserta1.csv", other, timeout=120)).code == 403
        assert (await http_get(base + "/rekaman/peserta1.pdf", other, timeout=120)).code == 403
        own = await http_get(base + "/rekaman/peserta9.csv", other, timeout=120)
        assert own.code == 200 and own.body.decode().startswith("No. percobaan,Nama pengguna,Nama peserta")
        english = await http_get(base + "/rekaman/peserta9.csv", {**other, "sakera_lang": "en"}, timeout=120)
        assert english.body.decode().startswith("Attempt no.,Username,Trainee")
        session = await open_session(base, "/pelatih", other, timeout=120)
        try:
            await session.wait_for(lambda s: "Peserta Sembilan" in str(s.models), 90)
            everything = str(session.models)  # every table, select and pane of the page
            assert "Peserta Demo 1" not in everything and "Peserta Demo 2" not in everything
            assert "peserta1" not in everything and "peserta2" not in everything
        finally:
            session.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario()).result(timeout=300)

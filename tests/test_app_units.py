"""The Panel app's parts without a browser: strings, access rules, login cookies, pages as objects.

Pages are built as plain Parameterized objects on a temporary SQLite store: the tests set widget
values, bump ``clicks`` and read the panes, exactly what a browser session would do.
"""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

import pytest

pn = pytest.importorskip("panel")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `apps/` is not an installed package
    sys.path.insert(0, str(ROOT))

from apps import auth, i18n  # noqa: E402
from sakera_toolkit.training import rules  # noqa: E402

# --- i18n -------------------------------------------------------------------------------------


def test_every_string_has_both_languages_and_the_same_placeholders():
    formatter = string.Formatter()
    for key, (indonesian, english) in i18n.STRINGS.items():
        assert indonesian.strip() and english.strip(), key
        names_id = {f for _, f, _, _ in formatter.parse(indonesian) if f}
        names_en = {f for _, f, _, _ in formatter.parse(english) if f}
        assert names_id == names_en, key


def test_translation_defaults_to_indonesian_and_switches_to_english():
    assert i18n.t("login.submit") == "Masuk"
    assert i18n.t("login.submit", "en") == "Log in"
    assert i18n.t("login.submit", "fr") == "Masuk"
    assert i18n.t("latihan.saved", "id", n=3) == "Jawaban tersimpan (percobaan #3)."
    assert i18n.lang_from_cookies({i18n.LANG_COOKIE: "en"}) == "en"
    assert i18n.lang_from_cookies({i18n.LANG_COOKIE: "xx"}) == "id"
    assert i18n.lang_from_cookies(None) == "id"
    with pytest.raises(KeyError):
        i18n.t("no.such.key")


# --- access rules and cookies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        ("trainee", "/latihan", True),
        ("trainee", "/latihan/ws", True),
        ("trainee", "/pelatih", False),
        ("trainee", "/pelatih/ws", False),
        ("trainee", "/pelatih/", False),
        ("trainee", "/ringkasan/ws", False),
        ("trainer", "/pelatih/ws", True),
        ("trainer", "/ringkasan", True),
        ("trainer", "/latihan/ws", False),
        ("evaluator", "/ringkasan/ws", True),
        ("evaluator", "/pelatih", False),
        ("evaluator", "/latihan", False),
        ("evaluator", "/logout", True),
        (None, "/latihan", False),
    ],
)
def test_role_table(role, path, allowed):
    assert auth.is_allowed(role, path) is allowed


def test_every_role_home_is_allowed_for_that_role():
    for role, home in auth.ROLE_HOME.items():
        assert auth.is_allowed(role, home)


def test_id_token_round_trip_and_garbage_is_rejected():
    user = auth.AppUser(id=7, username="peserta1", role="trainee", display_name="Peserta Demo 1")
    info = auth.decode_id_token(auth.encode_id_token(user, "sid-1").encode())
    assert info == {"user": "peserta1", "username": "peserta1", "role": "trainee", "uid": 7,
                    "name": "Peserta Demo 1", "sid": "sid-1"}
    for garbage in (b"", b"not base64 !!", b"bnVsbA", "e30.x.y", None):  # "bnVsbA" = "null"
        result = auth.decode_id_token(garbage)
        assert result is None or result == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/latihan", "/latihan"), ("//evil.example", "/"), ("http://evil.example/", "/"), ("", "/"),
     ("/a\\b", "/"), (None, "/"), ("/\t/evil.example/", "/"), ("/\n/evil", "/"), ("/\x7f", "/"),
     ("/ok?x=1&y=2#z", "/ok?x=1&y=2#z"), ("/\u2028/evil", "/"), ("/ /evil", "/")],
)
def test_next_url_only_local_paths(url, expected):
    assert auth.safe_next_url(url) == expected


def test_login_throttle_backs_off_per_username_and_caps_the_wait():
    throttle = auth.LoginThrottle(free_failures=3, max_backoff_s=30, forget_s=900)
    for t in (0.0, 1.0, 2.0):
        assert throttle.reserve("peserta1", "10.0.0.1", now=t) == 0
        throttle.release("peserta1", "10.0.0.1", success=False, now=t)
    assert throttle.reserve("peserta1", "10.0.0.2", now=3.0) == 0  # 4th try goes ahead, sets a wait
    throttle.release("peserta1", "10.0.0.2", success=False, now=3.0)
    assert throttle.reserve("peserta1", "10.0.0.3", now=3.1) > 0  # from any address
    assert throttle.reserve("other", "10.0.0.3", now=3.1) == 0
    throttle.release("other", "10.0.0.3", success=True, now=3.1)
    waits = []
    t = 3.0
    for _ in range(12):  # keep guessing: the wait grows but never beyond the cap
        t += 31.0
        assert throttle.reserve("peserta1", "10.0.0.4", now=t) == 0
        throttle.release("peserta1", "10.0.0.4", success=False, now=t)
        waits.append(throttle.reserve("peserta1", "10.0.0.4", now=t))
    assert waits == sorted(waits) and max(waits) == 30
    assert throttle.reserve("peserta1", "10.0.0.5", now=t + 2000) == 0  # forgotten after a quiet while


def test_login_throttle_is_atomic_for_concurrent_tries():
    throttle = auth.LoginThrottle(free_failures=3)
    granted = [throttle.reserve("peserta1", f"10.0.1.{k}", now=0.0) == 0 for k in range(30)]
    assert sum(granted) == 4  # counted at reservation, before any password check finishes


def test_login_throttle_budget_per_address_across_usernames():
    throttle = auth.LoginThrottle(address_budget=5, address_window_s=300)
    for k in range(5):
        assert throttle.reserve(f"user{k}", "10.0.0.9", now=float(k)) == 0
        throttle.release(f"user{k}", "10.0.0.9", success=False, now=float(k))
    assert throttle.reserve("user99", "10.0.0.9", now=10.0) > 0
    assert throttle.reserve("user99", "10.0.0.8", now=10.0) == 0
    assert throttle.reserve("user98", "10.0.0.9", now=400.0) == 0


def test_failed_logins_are_summed_per_window(app_context):
    from sakera_toolkit.store.models import AuditLog

    factory = app_context.session_factory
    log = auth.FailedLoginLog(factory, window_s=300)
    for k in range(10):
        log.failed("penebak", f"10.0.0.{k % 3}")
    log.failed("penebak", "10.0.0.1", throttled=True)
    with factory() as session:
        rows = session.query(AuditLog).filter_by(action="login_failed", target="penebak").all()
    assert len(rows) == 1 and rows[0].details["count"] == 1
    assert log.flush(force=True) == 1
    with factory() as session:
        rows = session.query(AuditLog).filter_by(action="login_failed", target="penebak").order_by(AuditLog.id).all()
    assert len(rows) == 2
    assert rows[1].details["count"] == 9 and rows[1].details["throttled"] == 1
    assert rows[1].details["addresses"] == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]


def test_pages_hold_no_cdn_icon():
    """Icon names become Bokeh TablerIcons, whose font BokehJS loads from a CDN: use apps.icons (SVG)."""
    import ast

    for path in sorted((ROOT / "apps").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "icon" and isinstance(node.value, ast.Constant):
                value = node.value.value
                assert not isinstance(value, str) or value.lstrip().startswith("<svg"), (
                    f"{path.name}:{node.lineno}: icon={value!r} loads the tabler font from a CDN; use apps.icons")


def test_classroom_box_lists_urls_with_qr_codes_and_warns_on_http():
    from apps.pages.classroom import classroom_html

    html_text = classroom_html(["http://192.168.1.20:5006/"], "id")
    assert "http://192.168.1.20:5006/" in html_text and "<svg" in html_text and "HTTP biasa" in html_text
    assert "HTTP biasa" not in classroom_html(["https://192.168.1.20:5006/"], "id")
    assert classroom_html([], "id") == ""


def test_login_page_is_indonesian_by_default_and_escapes_text():
    page = auth.render_login("id", '<input type="hidden" name="_xsrf" value="x">', error="<b>x</b>")
    assert "Nama pengguna" in page and "Kata sandi" in page and 'lang="id"' in page
    assert "<b>x</b>" not in page and "&lt;b&gt;" in page
    assert "Username" in auth.render_login("en", "")


def test_forbidden_page_names_the_role_in_the_chosen_language():
    assert "peserta" in auth.render_forbidden("id", "trainee", "/latihan")
    assert "Access denied" in auth.render_forbidden("en", "trainee", "/latihan")


def test_build_pages_refuses_a_page_missing_from_the_role_table():
    from apps.server import build_pages

    with pytest.raises(ValueError, match="PAGE_ROLES"):
        build_pages(context=None, classes={"rahasia": object})


def test_nav_shows_only_the_pages_of_the_role():
    from apps.shell import nav_html

    trainee = auth.AppUser(1, "peserta1", "trainee", "P1")
    trainer = auth.AppUser(2, "pelatih", "trainer", "T")
    assert re.findall(r'href="/(\w+)"', nav_html(trainee, "latihan", "id")) == ["latihan"]
    # issue 11: trainers (and evaluators) also see the Skenario and Bukti pages
    assert re.findall(r'href="/(\w+)"', nav_html(trainer, "pelatih", "id")) == ["pelatih", "ringkasan", "skenario", "bukti"]


# --- pages on a real (temporary) store ---------------------------------------------------------


@pytest.fixture
def app_context(tmp_path):
    from apps.shell import AppContext
    from sakera_toolkit.store import demo, ensure_schema, make_session_factory

    url = f"sqlite:///{tmp_path / 'app.db'}"
    ensure_schema(url)
    factory = make_session_factory(url)
    with factory() as session:
        demo.seed_demo(session)
    context = AppContext(factory, auth.UserDirectory(factory))
    yield context
    context.db_executor.shutdown(wait=True)
    factory.kw["bind"].dispose()


def _answer_perfectly(page):
    from sakera_toolkit import training

    perfect = training.perfect_answer(page.case)
    page.service_select.value = perfect.service_id
    page.requirements_box.value = [k for k, met in perfect.requirements.items() if met]
    page.defects_box.value = sorted(perfect.flagged_kinds)
    page.decision_buttons[perfect.decision].clicks += 1
    if perfect.decision == "return":
        page.missing_box.value = list(perfect.missing)
    for widget in page.form_box.objects:
        if not widget.visible:  # a spare slot of the form-field pool
            continue
        key = widget.tags[0].removeprefix("sakera-form-")
        widget.value = perfect.form.get(key, "")
    return perfect


def test_latihan_page_grades_stores_and_moves_on(app_context):
    from apps.pages.latihan import LatihanPage
    from apps.shell import Shell
    from sakera_toolkit.store import attempts

    user = app_context.directory.lookup("peserta1")
    page = LatihanPage(user=user, context=app_context)
    Shell(page)
    case = page.case
    assert case.citizen.name in page.request_pane.object
    assert "Antrean warga" in page.queue_pane.object
    assert page.hints_pane.visible  # level 0 is guided

    page.submit_button.clicks += 1  # nothing chosen yet
    assert page.message.visible and "Pilih layanan" in page.message.object
    assert page.report is None

    _answer_perfectly(page)
    page.submit_button.clicks += 1
    assert page.report is not None and page.report.score == pytest.approx(100.0)
    assert page.review.visible and not page.answer_steps.visible
    assert f'data-attempt="{page.attempt_id}"' in page.feedback_pane.object
    assert "Jawaban tersimpan (percobaan #1)" in page.feedback_pane.object
    with app_context.session_factory() as session:
        stored = attempts.attempts_table(session, "peserta1", "peserta1")
    assert stored["attempt_id"].tolist() == [page.attempt_id]
    assert stored["score"].tolist() == [pytest.approx(100.0)]

    page.submit_button.clicks += 1  # a double click stores nothing new
    with app_context.session_factory() as session:
        assert len(attempts.attempts_table(session, "peserta1", "peserta1")) == 1

    page.next_button.clicks += 1
    assert page.case.case_id != case.case_id
    assert not page.submitted and page.answer_steps.visible and not page.review.visible
    assert page.service_select.value == "" and page.defects_box.value == [] and page.decision == ""
    assert "Kasus selesai" in page.progress_pane.object

    page.lang = "en"
    assert "Citizens waiting" in page.queue_pane.object
    assert page.submit_button.label == "Submit answer"
    assert page.case.citizen.name in page.request_pane.object


def test_wrong_answer_feedback_names_the_rule_and_its_source(app_context):
    from apps.pages.latihan import LatihanPage

    page = LatihanPage(user=app_context.directory.lookup("peserta2"), context=app_context)
    page.rebuild()
    wrong = next(s for s in page.catalogue.ids() if s != page.case.service_id)
    page.service_select.value = wrong
    page.decision_buttons["refer"].clicks += 1
    page.submit_button.clicks += 1
    report = page.report
    assert report.score < 100 and report.mistakes
    html_text = page.feedback_pane.object
    assert "Yang perlu diperbaiki" in html_text
    for mistake in report.mistakes:
        assert rules.rule(mistake.rule_id).title("id") in html_text
    assert "Aturan: Pilihan layanan" in html_text


def test_same_trainee_gets_the_same_citizens_after_a_reload(app_context):
    from apps.pages.latihan import LatihanPage

    user = app_context.directory.lookup("peserta1")
    first = LatihanPage(user=user, context=app_context)
    again = LatihanPage(user=user, context=app_context)
    other = LatihanPage(user=app_context.directory.lookup("peserta2"), context=app_context)
    assert first.case.case_id == again.case.case_id
    assert other.case.case_id != first.case.case_id
    # a reload resumes the open attempt: same attempt, same server-side start ("same clock")
    assert again.attempt_id == first.attempt_id and again.shown_since == first.shown_since


def test_reload_after_the_next_citizen_resumes_that_citizen(app_context):
    from apps.pages.latihan import LatihanPage

    user = app_context.directory.lookup("peserta1")
    page = LatihanPage(user=user, context=app_context)
    page.rebuild()
    _answer_perfectly(page)
    page.submit_button.clicks += 1
    page.next_button.clicks += 1
    second, attempt_id = page.case.case_id, page.attempt_id
    again = LatihanPage(user=user, context=app_context)
    again.rebuild()
    assert (again.case.case_id, again.attempt_id) == (second, attempt_id)
    assert "dilayani sejak" in again.request_pane.object and "WIB" in again.request_pane.object


def test_feedback_keeps_the_answer_next_to_the_key_and_announces_a_level_up(app_context):
    from apps.pages.latihan import LatihanPage
    from sakera_toolkit import training

    page = LatihanPage(user=app_context.directory.lookup("peserta1"), context=app_context)
    page.rebuild()
    window = training.PromotionRule().window
    for number in range(window):
        perfect = _answer_perfectly(page)
        page.submit_button.clicks += 1
        html_text = page.feedback_pane.object
        assert "data-sakera='my-answer'" in html_text and "Jawaban Anda" in html_text and "Seharusnya" in html_text
        from sakera_toolkit.sandbox import labels

        assert labels.service_name(perfect.service_id, "id") in html_text
        assert labels.decision_name(perfect.decision, "id") in html_text
        if number < window - 1:
            assert "data-sakera='level-up'" not in html_text
            page.next_button.clicks += 1
    assert "data-sakera='level-up'" in html_text and "Naik tingkat" in html_text
    assert page.level.number == 1


def test_service_rotation_covers_the_catalogue_each_round():
    from apps.casegen import case_seed, service_for
    from sakera_toolkit.services import load_catalogue

    ids = load_catalogue().ids()
    for user_id in (1, 2, 99):
        first_round = [service_for(user_id, k, ids) for k in range(len(ids))]
        assert sorted(first_round) == sorted(ids)
    assert case_seed(1, 0) == case_seed(1, 0) != case_seed(2, 0)


def test_every_page_document_passes_bokeh_validation(app_context):
    """The server turns Bokeh's per-session document validation off (a cost paid by every login);
    this runs the same checks once per page: no validation error or warning."""
    from bokeh.core.validation.check import check_integrity
    from bokeh.document import Document

    from apps.server import page_classes
    from apps.shell import Shell

    users_by_role = {"trainee": "peserta1", "trainer": "pelatih", "evaluator": "evaluator"}
    checked = []
    for slug, cls in page_classes().items():
        role = sorted(auth.PAGE_ROLES[slug])[0]
        user = app_context.directory.lookup(users_by_role[role])
        doc = Document()
        Shell(cls(user=user, context=app_context)).template.server_doc(doc)
        models = set().union(*(root.references() for root in doc.roots))
        issues = check_integrity(models)
        assert not issues.error and not issues.warning, (slug, issues)
        checked.append(slug)
    assert sorted(checked) == sorted(auth.PAGE_ROLES)


def test_pages_refuse_the_wrong_role(app_context):
    from apps.pages.latihan import LatihanPage
    from apps.pages.pelatih import PelatihPage
    from apps.pages.ringkasan import RingkasanPage

    trainee = app_context.directory.lookup("peserta1")
    evaluator = app_context.directory.lookup("evaluator")
    trainer = app_context.directory.lookup("pelatih")
    with pytest.raises(PermissionError):
        PelatihPage(user=trainee, context=app_context)
    with pytest.raises(PermissionError):
        RingkasanPage(user=trainee, context=app_context)
    with pytest.raises(PermissionError):
        PelatihPage(user=evaluator, context=app_context)
    with pytest.raises(PermissionError):
        LatihanPage(user=trainer, context=app_context)


def test_trainer_dashboard_shows_the_attempt_and_exports_the_record(app_context):
    from apps.pages.latihan import LatihanPage
    from apps.pages.pelatih import PelatihPage
    from apps.shell import Shell

    trainee_page = LatihanPage(user=app_context.directory.lookup("peserta1"), context=app_context)
    trainee_page.rebuild()
    _answer_perfectly(trainee_page)
    trainee_page.submit_button.clicks += 1
    attempt_id = trainee_page.attempt_id

    page = PelatihPage(user=app_context.directory.lookup("pelatih"), context=app_context)
    Shell(page)
    overview = page.overview_table.value
    assert set(overview["Nama pengguna"]) == {"peserta1", "peserta2"}
    assert overview.loc[overview["Nama pengguna"] == "peserta1", "Percobaan"].item() == 1
    # names, not ids: the village by name, the trainee by name, times in WIB
    assert "35.27." not in overview.to_csv() and "Mandangin" in overview.to_csv()
    recent = page.recent_table.value
    assert recent["Peserta"].tolist() == ["Peserta Demo 1"]
    assert recent["Waktu"].str.endswith(" WIB").all()
    assert "akta_" not in recent.to_csv() and "_" not in "".join(recent["Aturan"])
    assert page.trainee == "peserta1" and len(page.history) == 1
    assert page.progress_pane.object is not None and page.heatmap_pane.object is not None
    csv_text = page.csv_download.callback().getvalue()
    assert csv_text.splitlines()[1].startswith(f"{attempt_id},peserta1,")

    page.trainee_select.value = "peserta2"
    assert page.trainee == "peserta2" and page.history.empty
    assert page.csv_download.filename == "rekaman-peserta2.csv"
    page.refresh_button.clicks += 1
    page.lang = "en"
    assert "Trainee" in page.overview_table.value.columns


def test_evaluator_summary_holds_aggregates_only(app_context):
    from apps.pages.latihan import LatihanPage
    from apps.pages.ringkasan import RingkasanPage
    from apps.shell import Shell

    for name in ("peserta1", "peserta2"):
        trainee_page = LatihanPage(user=app_context.directory.lookup(name), context=app_context)
        trainee_page.rebuild()
        _answer_perfectly(trainee_page)
        trainee_page.submit_button.clicks += 1
    page = RingkasanPage(user=app_context.directory.lookup("evaluator"), context=app_context)
    Shell(page)
    assert page.n_trainees == 2
    assert int(page.by_service["attempts"].sum()) == 2
    rendered = repr(page.main.objects) + page.cohorts.to_csv() + page.by_service.to_csv() + page.mistakes.to_csv()
    assert "peserta1" not in rendered and "peserta2" not in rendered


# --- renderers ------------------------------------------------------------------------------


def test_document_cards_escape_values_and_mark_damage():
    from apps.pages.cards import document_card
    from sakera_toolkit.training.model import Document

    doc = Document(
        ref="ktp",
        kind="ktp_el",
        fields={"nama": "<script>x</script>"},
        condition="rusak",
        note_id="Sobek di tengah",
        note_en="Torn in the middle",
    )
    card = document_card(doc, "id")
    assert "<script>" not in card and "&lt;script&gt;" in card
    assert "RUSAK" in card and "Sobek di tengah" in card and "KTP Elektronik" in card
    assert "Torn in the middle" in document_card(doc, "en")


def test_sparkline_draws_one_dot_per_score():
    from apps.pages.latihan import sparkline_svg

    assert sparkline_svg([]) == ""
    svg = sparkline_svg([50, 95, 100])
    assert svg.count("<circle") == 3 and "polyline" in svg
    assert sparkline_svg([150.0]).count("<circle") == 1


def test_feedback_cites_the_requirements_own_regulation_and_cards_show_no_internal_ids():
    """A missed KIA requirement cites Permendagri 2/2016 (the requirement's basis), not the generic
    rule's Perpres 96/2018; card heads show the document title only (no ids such as 'kk')."""
    from apps.pages.cards import documents_html
    from apps.pages.latihan import feedback_html
    from sakera_toolkit import training
    from sakera_toolkit.training.grading import Answer, grade

    case = training.generate_case("kia", 0, seed=5)
    exp = case.expected
    answer = Answer(service_id="kia", requirements={}, defects=(), decision=exp.decision)
    html_id = feedback_html(grade(case, answer), "id", None, None)
    assert "Dasar hukum: Permendagri 2/2016" in html_id
    cards = documents_html(case.documents, "id")
    assert "<small>" not in cards and ">kk<" not in cards

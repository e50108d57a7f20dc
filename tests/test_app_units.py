"""The Panel app's parts without a browser: strings, access rules, login cookies, pages as objects.

Pages are built as plain Parameterized objects on a temporary SQLite store: the tests set widget
values, bump ``clicks`` and read the panes, exactly what a browser session would do.
"""

from __future__ import annotations

import re
import string

import pytest

pn = pytest.importorskip("panel")

from apps import auth, i18n  # noqa: E402

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
    info = auth.decode_id_token(auth.encode_id_token(user).encode())
    assert info == {"user": "peserta1", "username": "peserta1", "role": "trainee", "uid": 7,
                    "name": "Peserta Demo 1"}
    for garbage in (b"", b"not base64 !!", b"bnVsbA", "e30.x.y", None):  # "bnVsbA" = "null"
        result = auth.decode_id_token(garbage)
        assert result is None or result == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/latihan", "/latihan"), ("//evil.example", "/"), ("http://evil.example/", "/"), ("", "/"),
     ("/a\\b", "/"), (None, "/")],
)
def test_next_url_only_local_paths(url, expected):
    assert auth.safe_next_url(url) == expected


def test_login_throttle_blocks_after_repeated_failures_then_forgives():
    throttle = auth.LoginThrottle(max_failures=3, window_s=60)
    for t in (0.0, 1.0, 2.0):
        assert throttle.wait_s("peserta1|127.0.0.1", now=t) == 0
        throttle.failed("peserta1|127.0.0.1", now=t)
    assert throttle.wait_s("peserta1|127.0.0.1", now=3.0) > 0
    assert throttle.wait_s("other|127.0.0.1", now=3.0) == 0
    assert throttle.wait_s("peserta1|127.0.0.1", now=100.0) == 0


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
    assert re.findall(r'href="/(\w+)"', nav_html(trainer, "pelatih", "id")) == ["pelatih", "ringkasan"]

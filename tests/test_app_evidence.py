"""Skenario and Bukti pages without a browser: roles, runs (synchronous outside a server), cache, survey upload."""

from __future__ import annotations

import pytest

from apps import auth
from sakera_toolkit.scenarios.compare import compare


@pytest.mark.parametrize(
    ("role", "path", "allowed"),
    [
        ("trainee", "/skenario", False),
        ("trainee", "/skenario/ws", False),
        ("trainee", "/bukti", False),
        ("trainee", "/bukti/ws", False),
        ("trainer", "/skenario", True),
        ("trainer", "/bukti/ws", True),
        ("evaluator", "/skenario/ws", True),
        ("evaluator", "/bukti", True),
    ],
)
def test_role_table_for_evidence_pages(role, path, allowed):
    assert auth.is_allowed(role, path) is allowed


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


def test_trainee_cannot_build_the_pages(app_context):
    from apps.pages.bukti import BuktiPage
    from apps.pages.skenario import SkenarioPage

    trainee = app_context.directory.lookup("peserta1")
    for cls in (SkenarioPage, BuktiPage):
        with pytest.raises(PermissionError):
            cls(user=trainee, context=app_context)


def test_skenario_run_equals_compare_and_is_cached(app_context):
    from apps.pages.skenario import SkenarioPage

    page = SkenarioPage(user=app_context.directory.lookup("evaluator"), context=app_context)
    page.days.value, page.replications.value, page.seed.value = 30, 2, 3
    page.run_button.clicks += 1
    comp = page.comparison
    assert comp is not None and "sakera-kpi-table" in page.result.object
    expected = compare([page.baseline_scenario(), page.scenario()], replications=2, seed=3, align=True)
    assert comp.to_dict() == expected.to_dict()
    assert comp.period is not None and comp.period["aligned_to"] == page.baseline.value
    assert "periode skenario dasar" in page.result.object and comp.period["start_date"] in page.result.object
    page.run_button.clicks += 1
    assert "cache" in page.status.object
    page.lang = "en"
    assert "Difference" in page.result.object and "on the baseline scenario" in page.result.object


def test_skenario_outage_and_staff_edits_reach_the_scenario(app_context):
    from apps.pages.skenario import SkenarioPage

    page = SkenarioPage(user=app_context.directory.lookup("pelatih"), context=app_context)
    page.counters.value, page.outage.value, page.outage_day.value = 20, True, 10
    s = page.scenario()
    assert s.staff.office_counters == 20
    assert len(s.outages) == 1 and (s.outages[0].end - s.outages[0].start).days == 4


def test_bukti_cards_survey_and_report(app_context, tmp_path):
    from apps.pages.bukti import BuktiPage

    page = BuktiPage(user=app_context.directory.lookup("evaluator"), context=app_context)
    page.days.value, page.replications.value = 30, 2
    page.run_button.clicks += 1
    assert page.bundle is not None
    assert "sakera-bukti-cards" in page.cards.object and "data:image/svg+xml" in page.maps.object
    assert "sakera-bukti-costs" in page.costs.object
    bad = tmp_path / "bad.csv"
    bad.write_text("nama,u1,u2,u3,u4,u5,u6,u7,u8,u9\nX,1,2,3,4,1,2,3,4,9\n", encoding="utf-8")
    page.load_survey(bad)
    assert "row 2, u9" in page.survey_out.object
    good = tmp_path / "good.csv"
    good.write_text(
        "nama,u1,u2,u3,u4,u5,u6,u7,u8,u9,channel\nX,4,4,4,4,4,4,4,4,4,desa\nY,3,3,3,3,3,3,3,3,3,office\n",
        encoding="utf-8",
    )
    page.load_survey(good)
    assert "IKM 87,50" in page.survey_out.object and "nama" in page.survey_out.object
    assert "sakera-ikm-breakdown" in page.survey_out.object
    page.report_button.clicks += 1
    assert page.download.visible and page.download.file is not None
    html = page.download.file.getvalue().decode("utf-8")
    assert "Kebaruan" in html and "Berkelanjutan" in html

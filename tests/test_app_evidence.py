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


def test_bukti_shows_the_central_server_when_the_scenario_has_it(app_context):
    """overload-july-2022 has ``server:``: cards, table and hourly charts, numbers of ``evidence.server``."""
    from apps.pages.bukti import SERVER_CARDS, BuktiPage
    from sakera_toolkit.evidence import server
    from sakera_toolkit.evidence.report import fmt

    page = BuktiPage(user=app_context.directory.lookup("evaluator"), context=app_context)
    page.days.value, page.replications.value = 30, 2
    assert not page.server.visible  # nothing before a run
    page.run_button.clicks += 1  # oct-2021 vs office-only: no server: section
    assert page.bundle is not None and page.bundle["server"] is None
    assert not page.server.visible and not page.server_heading.visible and page.server.object == ""
    page.preset.value = "overload-july-2022"
    page.run_button.clicks += 1
    assert page.server.visible and page.server_heading.visible
    assert "Server pusat (SIAK Terpusat)" in page.server_heading.object
    shown = page.server.object
    ev = page.bundle["evidence"]
    table = server.server_table(ev, "id").set_index("kpi")  # the report's numbers, recomputed here
    for kpi in SERVER_CARDS:
        assert f"data-kpi='{kpi}'" in shown
        r = table.loc[kpi]
        value = fmt(r["overload-july-2022"] * r["scale"], int(r["digits"]), "id")
        low = fmt(r["overload-july-2022_low"] * r["scale"], int(r["digits"]), "id")
        assert value in shown and f"[{low};" in shown, kpi
    assert "sakera-bukti-server-table" in shown and "tidak disimulasikan" in shown  # office-only has no stage
    assert "Transaksi gagal (batas waktu habis)" in shown and "Warga menyerah karena server" in shown
    assert shown.count("data:image/svg+xml") == 2  # response/time-outs and utilisation by hour
    svg = page.bundle["svg"]["server_utilisation"]
    assert "Utilisasi server pusat menurut jam" in svg
    page.lang = "en"
    page.rebuild()
    assert "Central server (SIAK Terpusat)" in page.server_heading.object
    assert "Citizens who gave up because of the server" in page.server.object
    assert not page.coverage.visible  # no coverage: section in either scenario


def test_bukti_coverage_table_when_the_scenario_has_coverage(app_context):
    from apps.pages.bukti import BuktiPage
    from sakera_toolkit.evidence import kpis

    page = BuktiPage(user=app_context.directory.lookup("evaluator"), context=app_context)
    page.preset.value, page.days.value, page.replications.value = "life-events-2022", 30, 2
    page.run_button.clicks += 1
    assert page.coverage.visible and "Cakupan dokumen" in page.coverage_heading.object
    shown = page.coverage.object
    table = kpis.coverage_table(page.bundle["evidence"], "id")
    assert not table.empty and "coverage_kia_end" in set(table["kpi"])
    assert "Cakupan KIA, akhir periode (%)" in shown and "tidak disimulasikan" in shown
    end = table.set_index("kpi").loc["coverage_kia_end"]
    assert f"{end['life-events-2022'] * 100:.1f}".replace(".", ",") in shown


def test_evidence_worker_is_one_batch_process_at_a_mild_niceness():
    """The analyst's worker: SCHED_BATCH, nice +WORKER_NICENESS over the server, the same whether idle or not."""
    import os

    from sakera_toolkit.evidence import jobs

    jobs.shutdown()
    try:
        pool = jobs.pool()
        assert pool is jobs.pool() and pool._max_workers == 1
        assert pool.submit(os.nice, 0).result(timeout=120) == os.nice(0) + jobs.niceness()
        if hasattr(os, "SCHED_BATCH"):
            assert pool.submit(os.sched_getscheduler, 0).result(timeout=60) == os.SCHED_BATCH
    finally:
        jobs.shutdown()
    assert not jobs._POOL.running
    assert 0 < jobs.WORKER_NICENESS < 10  # +10 starved the analyst whenever anything else was busy

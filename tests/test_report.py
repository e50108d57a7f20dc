"""``sakera report``: HTML and PDF exist, follow the five KIPP criteria, equal ``sakera compare --json``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sakera_toolkit.evidence import report as rep

ROOT = Path(__file__).resolve().parents[1]
RUN = ["--replications", "2", "--seed", "5", "--days", "45"]
FAST_VALIDATION = ["--validation-seeds", "2", "--validation-customers", "5000"]


def sakera(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sakera_toolkit", *args], capture_output=True, text=True, env=env, cwd=ROOT
    )


@pytest.fixture(scope="module")
def html_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    outs = []
    for name in ("a.html", "b.html"):
        out = d / name
        proc = sakera(
            "report",
            "--scenario",
            "oct-2021",
            *RUN,
            *FAST_VALIDATION,
            "--survey",
            "sample_data/survey_skm.csv",
            "--out",
            str(out),
        )
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    return outs


def test_same_seed_gives_byte_identical_html(html_pair):
    a, b = html_pair
    assert a.read_bytes() == b.read_bytes()


def test_five_criteria_summary_validation_appendix(html_pair):
    text = html_pair[0].read_text(encoding="utf-8")
    for cid, title_id, _ in rep.CRITERIA:
        assert f"id='{cid}'" in text and title_id in text
    for anchor in ("ringkasan", "validasi", "lampiran"):
        assert f"id='{anchor}'" in text
    assert "Ringkasan untuk Bupati" in text and "P. Mandangin" in text
    assert "costs.yaml" in text and "ikm.yaml" in text and "assumption" in text
    # self-contained: no external resource
    assert not re.search(r"(src|href)=['\"]https?:", text)
    assert "<script src" not in text


def test_key_numbers_equal_compare_json(html_pair):
    text = html_pair[0].read_text(encoding="utf-8")
    embedded = json.loads(re.search(r"id='sakera-compare'>(.*?)</script>", text, re.S).group(1))
    proc = sakera("compare", "office-only", "oct-2021", *RUN, "--align", "--json")
    assert proc.returncode == 0, proc.stderr
    assert embedded == json.loads(proc.stdout)
    # the displayed figures are these numbers, formatted
    after = embedded["scenarios"]["oct-2021"]
    assert rep.fmt(after["outside_trips"]["mean"], 0) in text
    assert rep.fmt(after["share_within_sla"]["mean"] * 100, 1) in text
    saved = -after["travel_hours"]["diff_vs_reference"] if "travel_hours" in after else None
    if saved is not None:
        assert rep.fmt(saved, 0) in text


def test_pdf_and_english(tmp_path):
    from sakera_toolkit.sim.validate import validate

    val = validate(seeds=2, customers=5000, regency_seeds=2, regency_days=30)
    r = rep.build_report(
        "oct-2021",
        replications=2,
        seed=5,
        lang="en",
        overrides={"horizon.days": 45, "horizon.warmup_days": 11},
        validation=val,
    )
    assert "Summary for the Bupati" in r.html and "Easy to replicate" in r.html
    pdf = rep.write_report(r, tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    if shutil.which("pdftotext") is None:  # poppler-utils not installed: the size and magic checks above remain
        return
    proc = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
    if proc.returncode == 0:
        for _, _, title_en in rep.CRITERIA:
            assert title_en in proc.stdout


def test_bad_flags_exit_2(tmp_path):
    proc = sakera("report", "--out", str(tmp_path / "r.docx"))
    assert proc.returncode == 2 and "ending in .html or .pdf" in proc.stderr and "Traceback" not in proc.stderr
    bad = tmp_path / "s.csv"
    bad.write_text("u1,u2,u3,u4,u5,u6,u7,u8,u9\n1,2,3,4,5,1,2,3,4\n", encoding="utf-8")
    proc = sakera("report", "--survey", str(bad), "--out", str(tmp_path / "r.html"))
    assert proc.returncode == 2 and "row 2, u5" in proc.stderr


def test_server_kpis_in_report_when_the_stage_is_on():
    """overload-july-2022 has the central-server stage: the report shows its KPIs (equal to the run's
    per-replication KPIs, mean over replications) and the chart by hour; office-only says 'not simulated'."""
    import numpy as np
    import pandas as pd

    from sakera_toolkit.evidence import server
    from sakera_toolkit.evidence.run import run_evidence

    ev = run_evidence(
        "overload-july-2022", replications=2, seed=3, overrides={"horizon.days": 30, "horizon.warmup_days": 7}
    )
    table = server.server_table(ev, "id")
    kpis = ev.comparison.kpis
    on = kpis[kpis["scenario"] == "overload-july-2022"]
    p95 = table.set_index("kpi").loc["server_response_p95_s"]
    assert p95["overload-july-2022"] == pytest.approx(on["server_response_p95_s"].mean())
    assert np.isnan(p95["office-only"])  # the baseline has no server stage
    hourly = server.hourly_table([d.server_hourly for d in ev.digests["overload-july-2022"]])
    assert not hourly.empty and (hourly["hour"].diff().dropna() > 0).all()
    val = pd.DataFrame(
        [
            {
                "case": "M/M/1",
                "quantity": "Wq",
                "analytic": 1.0,
                "simulated": 1.0,
                "ci95_low": 0.9,
                "ci95_high": 1.1,
                "pass": True,
            }
        ]
    )
    r = rep.build_report(evidence=ev, validation=val)
    section = r.html.split("id='server'")[1].split("</section>")[0]
    for label in ("Waktu respons server, persentil 95", "Transaksi gagal", "Waktu loket hilang", "Warga menyerah"):
        assert label in section
    assert rep.fmt(p95["overload-july-2022"], 1) in section and "tidak disimulasikan" in section
    assert section.count("data:image/svg+xml") == 1  # the chart by hour of day
    gave_up = on["server_citizens_gave_up"].mean()
    assert rep.fmt(gave_up, 0) in section
    en = rep.build_report(evidence=ev, validation=val, lang="en").html
    assert "Central server (SIAK Terpusat)" in en and "Citizens who gave up because of the server" in en


def test_tipping_day_needs_a_working_week_of_load_and_skips_outages():
    import datetime as dt

    import pandas as pd

    from sakera_toolkit.evidence import server

    sat = [False, True, False, True, True, True, True, True, True]
    outage = [False, False, False, False, False, True, False, False, False]
    profile = pd.DataFrame(
        {
            "day": range(len(sat)),
            "date": [dt.date(2022, 5, 2) + dt.timedelta(days=i) for i in range(len(sat))],
            "villages_live": [66, 66, 66, 126, 126, 126, 126, 126, 126],
            "saturated": sat,
            "outage": outage,
        }
    )
    tip = server.tipping_day(profile, persist=5)
    # day 1 is a single peak; days 3..8 are saturated but day 5 is an outage: the week is 3,4,6,7,8
    assert tip is not None and int(tip["day"]) == 3 and not tip["from_start"]
    assert server.tipping_day(profile, persist=6) is None
    assert bool(server.tipping_day(profile, warmup_days=3, persist=5)["from_start"])


def test_saturation_text_reads_the_curves():
    import pandas as pd

    from sakera_toolkit.evidence import server

    def curve(p95, share, sat):
        return pd.DataFrame(
            {
                "villages": [26, 186],
                "capacity_tps": [3.0, 3.0],
                "server_response_p95_s": p95,
                "server_response_p95_s_low": [p - 1 for p in p95],
                "server_response_p95_s_high": [p + 1 for p in p95],
                "server_timeout_share": share,
                "saturated_share": sat,
            }
        )

    curves = {
        "sesuai rencana / as planned": curve([9.0, 61.0], [0.004, 0.05], [0.0, 1.0]),
        "kapasitas ×2 / capacity ×2": curve([3.0, 3.4], [0.0, 0.0], [0.0, 0.0]),
    }
    tip = pd.Series({"date": "2022-05-04", "villages_live": 126, "from_start": False})
    text = server.saturation_text(curves, 60.0, tips={"overload-july-2022": tip})
    assert "9 detik (IK 95 % 8–10)" in text and "61 detik" in text and "jenuh mulai sekitar 186 desa" in text
    assert "sejak 2022-05-04" in text and "kapasitas ×2" in text and "tidak jenuh" in text
    en = server.saturation_text(curves, 60.0, tips={"all-2022": None}, lang="en")
    assert "never tips over" in en and "capacity ×2" in en


def test_coverage_section_is_rendered_from_the_coverage_table():
    """The report's coverage section shows kpis.coverage_table (mean [95 % CI] per scenario), not a
    'not modelled' note, when a scenario has coverage:; without it the section says it is not simulated."""
    import pandas as pd

    from sakera_toolkit.evidence import kpis
    from sakera_toolkit.evidence.run import run_evidence

    val = pd.DataFrame([{"case": "M/M/1", "quantity": "Wq", "analytic": 1.0, "simulated": 1.0,
                         "ci95_low": 0.9, "ci95_high": 1.1, "pass": True}])  # fmt: skip
    ev = run_evidence("life-events-2022", replications=2, seed=4, overrides={"horizon.days": 30, "horizon.warmup_days": 5})
    table = kpis.coverage_table(ev, "id").set_index("kpi")
    assert "coverage_kia_end" in table.index
    for lang, label in (("id", "Cakupan KIA, akhir periode (%)"), ("en", "Coverage of child ID card, at the end (%)")):
        html = rep.build_report(evidence=ev, validation=val, lang=lang).html
        section = html.split("id='coverage'")[1].split("</section>")[0]
        assert "Belum dimodelkan" not in section and "Not modelled yet" not in section
        assert label in section and "id='coverage-table'" in section
        row = kpis.coverage_table(ev, lang).set_index("kpi").loc["coverage_kia_end"]
        for name in ev.comparison.scenarios:
            if row[name] == row[name]:  # a scenario with coverage: its mean and interval, as formatted
                cell = rep.format_ci(row[name], row[f"{name}_low"], row[f"{name}_high"], int(row["digits"]),
                                     lang, float(row["scale"]))  # fmt: skip
                assert rep.fmt(row[name] * 100, 1, lang) in cell and cell.split(" [")[0] in section
    off = run_evidence("oct-2021", replications=2, seed=4, overrides={"horizon.days": 30, "horizon.warmup_days": 5})
    section = rep.build_report(evidence=off, validation=val).html.split("id='coverage'")[1].split("</section>")[0]
    assert "tidak disimulasikan" in section and "id='coverage-table'" not in section

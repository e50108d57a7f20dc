"""``sakera cases generate|print``: batches of practice cases and the printable exercise pack."""

from __future__ import annotations

import json

import pytest

from sakera_toolkit import training
from sakera_toolkit.cli import main
from sakera_toolkit.sandbox import packs


def test_generate_json_is_one_object_with_a_cases_list_and_reproducible(capsys):
    assert main(["cases", "generate", "--n", "3", "--seed", "5", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["schema_version"] == 1 and first["seed"] == 5 and len(first["cases"]) == 3
    cases = [training.Case.from_dict(d) for d in first["cases"]]
    assert [c.to_dict() for c in cases] == first["cases"]  # the Case.to_dict field names, unchanged
    assert len({c.case_id for c in cases}) == 3
    assert main(["cases", "generate", "--n", "3", "--seed", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == first
    # any case regenerates alone from its stored seed
    again = training.generate_case(cases[1].service_id, cases[1].difficulty, cases[1].seed)
    assert again.to_dict() == cases[1].to_dict()


def test_generate_filters_service_difficulty_and_defects(capsys):
    args = ["cases", "generate", "--n", "4", "--seed", "2", "--json", "--service", "akta_kematian",
            "--difficulty", "2", "--defect", "fee_requested"]
    assert main(args) == 0
    cases = json.loads(capsys.readouterr().out)["cases"]
    assert {c["service_id"] for c in cases} == {"akta_kematian"}
    assert {c["difficulty"] for c in cases} == {2}
    assert all("fee_requested" in {d["kind"] for d in c["defects"]} for c in cases)
    assert main(["cases", "generate", "--n", "2", "--seed", "2", "--defect", "deadline_passed"]) == 0
    table = capsys.readouterr().out
    assert "deadline_passed" in table and "Akta" in table


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["--difficulty", "4"], "--difficulty"), (["--n", "0"], "--n"), (["--n", "many"], "--n"),
     (["--seed", "-3"], "--seed"), (["--service", "nope"], "--service"), (["--defect", "nope"], "--defect"),
     (["--village", "99.99"], "village")],
)
def test_bad_arguments_exit_2_with_one_line(capsys, args, flag):
    assert main(["cases", "generate", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sakera: error:") and flag in err


def test_print_refuses_a_bad_output_before_any_work(tmp_path, capsys):
    assert main(["cases", "print", "--out", str(tmp_path / "missing" / "pack.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["cases", "print", "--out", str(tmp_path / "pack.txt")]) == 2
    assert ".pdf" in capsys.readouterr().err


def test_pack_html_has_cases_answer_sheets_and_a_separate_key():
    cases = packs.generate_cases(3, 11, difficulty=2)
    page = packs.pack_html(cases, seed=11)
    assert page.count("Kasus 1 dari 3") == 1 and "Kasus 3 dari 3" in page
    assert page.count("Lembar jawaban · Kasus") == 3
    key = page.index("Kunci jawaban (untuk pelatih)")
    assert key > page.index("Lembar jawaban · Kasus 3")
    # the case pages give nothing away (no case id naming the service, no answer)
    pages = page[: page.index("<h1>Lembar jawaban")]
    assert all(c.case_id not in pages for c in cases)
    assert all(c.case_id in page[key:] for c in cases)
    assert page[key:].count("Dasar hukum:") >= 3 and "Layanan" in page[key:]
    for c in cases:
        assert c.citizen.name in pages


@pytest.mark.slow
def test_print_writes_the_same_pdf_for_the_same_seed(tmp_path, capsys):
    pytest.importorskip("weasyprint")
    outs = []
    for name in ("a.pdf", "b.pdf"):
        out = tmp_path / name
        assert main(["cases", "print", "--n", "2", "--seed", "9", "--out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0].startswith(b"%PDF-") and outs[0] == outs[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf"]  # no temporary file left
    assert "2 cases" in capsys.readouterr().err


def test_every_case_page_shows_its_documents(tmp_path):
    """The cards start on the case's own page (a flex layout once pushed them all to the next page,
    leaving pages with a heading only) and no page is a stray heading."""
    pytest.importorskip("weasyprint")
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = tmp_path / "pack.pdf"
    assert main(["cases", "print", "--n", "6", "--seed", "1", "--out", str(out)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    case_pages = [p for p in pages if "Kasus " in p and " dari 6" in p]
    assert len(case_pages) == 6
    for page in case_pages:
        body = page.split("Berkas yang dibawa", 1)
        assert len(body) == 2, page[:200]
        assert len([line for line in body[1].splitlines() if line.strip()]) >= 8, page[:300]
    for page in pages:  # no page carries only a heading and the footer
        lines = [line for line in page.splitlines() if line.strip() and "Halaman" not in line]
        assert not lines or len(lines) > 2, page

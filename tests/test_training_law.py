"""The law as the training teaches it (issue 8 §1, research-notes §9): one test per correction."""

import datetime as dt

import pytest

from sakera_toolkit import services, training
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.training import cases as casemod
from sakera_toolkit.training import rules
from sakera_toolkit.training.defects import DeskView, detect_defects, missing_requirements, spelling_variant
from sakera_toolkit.training.model import Document

CAT = services.load_catalogue()


def kinds_found(case):
    return {f.kind for f in detect_defects(case)}


def perfect_score(case):
    return training.grade(case, training.perfect_answer(case)).score


# ------------------------------------------------------------------------------ moves (§9.1)
def test_move_within_sampang_needs_no_skpwni_and_is_processed():
    case = training.generate_case("pindah_datang", 0, seed=3, variant="dalam_kabupaten")
    kinds = [d.kind for d in case.documents]
    assert "skpwni" not in kinds and "kk" in kinds
    assert case.document("kk").fields["kabupaten"] == "SAMPANG"
    assert "dalam_kabupaten" in case.request.conditions
    assert case.expected.decision == "process" and case.expected.missing == ()
    assert case.expected.requirements["skpwni"] is False and case.expected.requirements["kk"] is True
    assert kinds_found(case) == set() and perfect_score(case) == 100
    service = CAT.get("pindah_datang")
    assert service.needs_blanko and set(service.card_outputs) == {"KTP-el", "KIA"}  # new KK, KTP-el, KIA together
    assert service.requirement("kk").legal_basis == "Perpres 96/2018 Pasal 25 ayat (3)"


def test_move_from_another_regency_needs_skpwni_and_lodgers_the_owners_statement():
    case = training.generate_case("pindah_datang", 0, seed=1, variant="antar_kabupaten")
    assert case.document("skpwni").fields["kabupaten_asal"] != "SAMPANG"
    assert case.document("kk").fields["kabupaten"] != "SAMPANG"
    assert case.expected.decision == "process"
    # without the SKPWNI the file goes back
    gone = [d for d in case.documents if d.kind != "skpwni"]
    assert missing_requirements(gone, "pindah_datang", case.today, case.request.conditions) == ("skpwni",)
    # within Sampang, the SKPWNI is not needed but the KK is; lodging adds the owner's statement
    assert missing_requirements([], "pindah_datang", case.today, ("dalam_kabupaten", "menumpang")) == (
        "kk",
        "surat_pernyataan_pemilik_rumah",
    )


def test_pindah_keluar_requires_the_kk_not_the_movers_ktp():
    service = CAT.get("pindah_keluar")
    assert [r.id for r in service.required_documents()] == ["kk"]
    assert "SAMPANG" in service.name_id.upper()


# ------------------------------------------------------------------------------ late reports (§9.2)
def test_late_birth_is_taken_and_processed_for_the_kepala_dinas_decision():
    case = training.generate_case("akta_kelahiran", 2, seed=4, defect_kinds=["deadline_passed"])
    born = dt.datetime.strptime(case.document("surat_keterangan_lahir").fields["tanggal_lahir"], "%d-%m-%Y").date()
    assert (case.today - born).days > 60
    assert case.expected.decision == "process" and kinds_found(case) == {"deadline_passed"}
    rule = rules.rule("deadline_passed")
    assert "UU 24/2013 Pasal 32 ayat (1)" in rule.legal_basis and "Kepala Dinas" in rule.text_id
    assert "1 tahun" not in rule.text_id and "year" not in rule.text_en
    # the grader never teaches "refer" for a late report
    report = training.grade(case, training.Answer(service_id="akta_kelahiran", decision="refer"))
    decision = next(m for m in report.mistakes if m.criterion == "decision")
    assert decision.expected == "process" and decision.rule_id == "deadline_passed"
    assert "rujuk" not in rules.rule("deadline_passed").text_id.casefold()


def test_late_death_is_processed():
    case = training.generate_case("akta_kematian", 2, seed=7, defect_kinds=["deadline_passed"])
    assert case.expected.decision == "process"
    assert perfect_score(case) == 100
    assert CAT.get("akta_kematian").reporting_deadline_days == 30


# ------------------------------------------------------------------------------ lawful substitutes (§9.3)
def test_akta_without_marriage_proof_is_processed_with_f204():
    case = training.generate_case("akta_kelahiran", 0, seed=2, variant="perkawinan_belum_tercatat")
    assert "buku_nikah" not in {d.kind for d in case.documents}
    assert case.expected.decision == "process_sptjm" and case.expected.substitutes == ("sptjm_pasutri",)
    assert case.expected.missing == () and kinds_found(case) == set()  # no defect: the law allows it
    kk_rows = case.document("kk").rows
    assert {r["status_perkawinan"] for r in kk_rows if r["hubungan"] in ("KEPALA KELUARGA", "ISTRI")} == {
        "KAWIN BELUM TERCATAT"
    }
    # returning the file is one mistake (the decision), with F-2.04 named in the feedback
    report = training.grade(case, training.Answer(service_id="akta_kelahiran", requirements=dict(case.expected.requirements),
                                                  decision="return", missing=["bukti_perkawinan"]))
    assert [m.criterion for m in report.mistakes] == ["decision"]
    assert "F-2.04" in report.mistakes[0].text_id and "Proses dengan SPTJM" in report.mistakes[0].text_id
    assert training.grade(case, training.perfect_answer(case)).score == 100
    assert "process_sptjm" in training.DECISIONS and rules.decision_label("process_sptjm") == "Proses dengan SPTJM"


def test_filled_sptjm_and_home_birth_variants():
    brought = training.generate_case("akta_kelahiran", 0, seed=2, variant="sptjm_pasutri_dibawa")
    assert brought.expected.decision == "process" and brought.expected.requirements["sptjm_pasutri"]
    home = training.generate_case("akta_kelahiran", 0, seed=2, variant="tanpa_surat_lahir")
    assert home.expected.decision == "process_sptjm" and home.expected.substitutes == ("sptjm_kelahiran",)
    kk = training.generate_case("kk_baru", 0, seed=2, variant="perkawinan_belum_tercatat")
    assert kk.expected.decision == "process_sptjm" and kk.expected.substitutes == ("sptjm_perkawinan",)
    died = training.generate_case("akta_kematian", 0, seed=2, variant="meninggal_di_rumah")
    assert "surat_kematian_desa" in {d.kind for d in died.documents} and died.expected.decision == "process"
    with pytest.raises(SakeraInputError, match="variant"):
        training.generate_case("kia", 0, seed=2, variant="dalam_kabupaten")
    assert "dalam_kabupaten" in casemod.case_variants("pindah_datang")


def test_missing_document_with_a_desk_substitute_is_not_a_return():
    case = training.generate_case("akta_kelahiran", 1, seed=3, defect_kinds=["missing_document"])
    assert case.expected.missing == ("kk",)  # SKL and buku nikah have SPTJM substitutes: only the KK can be missing


# ------------------------------------------------------------------------------ requirements (§9.4)
def test_requirement_lists_follow_sampang_and_perpres():
    kematian = CAT.get("akta_kematian")
    assert {r.id for r in kematian.required_documents()} == {"surat_keterangan_kematian", "kk"}
    assert kematian.requirement("surat_keterangan_kematian").alternatives == ("surat_kematian_desa",)
    assert kematian.requirement("kk").alternatives == ("ktp_el_almarhum",)
    assert "akta_kelahiran_almarhum" not in {r.id for r in kematian.requirements}
    assert {r.id for r in CAT.get("ktp_perubahan").required_documents()} == {"ktp_lama", "bukti_perubahan"}
    kia = CAT.get("kia")
    assert "kedua orang tua" in kia.requirement("ktp_orang_tua").name_id
    assert "2x3" in kia.requirement("pas_foto").name_id and "3x4" in kia.requirement("pas_foto").name_id
    assert "16" in CAT.get("ktp_baru").eligibility_id and "17" in CAT.get("ktp_baru").eligibility_id
    case = training.generate_case("kia", 0, seed=4)
    assert sum(d.kind == "ktp_el" for d in case.documents) == 2
    one_parent = [d for d in case.documents if d.ref != "ktp_el_ibu"]
    assert "ktp_orang_tua" in missing_requirements(one_parent, "kia", case.today, case.request.conditions)


# ------------------------------------------------------------------------------ NIK facts (§9.5)
def test_nik_date_digits_differing_from_the_birth_date_is_not_a_defect():
    found = None
    for seed in range(80):
        case = training.generate_case(None, 0, seed=seed)
        for p in case.people.values():
            if p.nik and p.nik[6:12] != (
                f"{p.birth_date.day + (40 if p.sex == 'P' else 0):02d}{p.birth_date.month:02d}{p.birth_date.year % 100:02d}"
            ):
                found = case
        if found:
            break
    assert found is not None, "clean cases include NIKs kept after a birth-date correction"
    assert kinds_found(found) == set() and perfect_score(found) == 100


def test_birth_date_differing_between_documents_is_the_defect():
    case = training.generate_case("kk_baru", 2, seed=1, defect_kinds=["date_inconsistent"])
    assert kinds_found(case) == {"date_inconsistent"} and case.expected.decision == "refer"
    assert "PP 40/2019 Pasal 30 ayat (2)" in rules.rule("date_inconsistent").legal_basis


# ------------------------------------------------------------------------------ other rules
def test_name_spelling_variant_is_returned_and_a_real_change_of_name_referred():
    assert spelling_variant("MOH. ROFIQ", "MOHAMMAD ROFIQ") and spelling_variant("SITI AMINAH", "SITI AMNAH")
    assert not spelling_variant("SITI AMINAH", "ZAINAB")
    variant = training.generate_case("akta_kelahiran", 2, seed=5, defect_kinds=["name_mismatch"])
    changed = training.generate_case("akta_kelahiran", 2, seed=5, defect_kinds=["name_changed"])
    assert kinds_found(variant) == {"name_mismatch"} and variant.expected.decision == "return"
    assert kinds_found(changed) == {"name_changed"} and changed.expected.decision == "refer"
    assert "F-1.06" in rules.rule("name_mismatch").text_id and "beda nama" in rules.rule("name_mismatch").text_id
    assert "pengadilan" in rules.rule("name_changed").text_id


def test_ktp_el_of_2011_2013_with_a_printed_date_is_valid_for_life():
    card = Document("ktp_el", "ktp_el", {"nik": "3527010101800001", "berlaku_hingga": "01-01-2017",
                                         "tanggal_dikeluarkan": "02-03-2012"})  # fmt: skip
    assert card.valid_until() == dt.date(2017, 1, 1) and not card.expired(dt.date(2025, 7, 1))
    printed = []
    for seed in range(40):
        case = training.generate_case("kk_hilang_rusak", 0, seed=seed)
        ktp = case.document("ktp_el")
        issued = dt.datetime.strptime(ktp.fields["tanggal_dikeluarkan"], "%d-%m-%Y").date()
        if issued.year < 2014:
            printed.append(ktp.fields["berlaku_hingga"])
            assert case.expected.requirements["ktp_el"] and case.expected.decision == "process"
        else:
            assert ktp.fields["berlaku_hingga"] == "SEUMUR HIDUP"
    assert printed and all(p != "SEUMUR HIDUP" for p in printed)
    assert "UU 24/2013 Pasal 64 ayat (7) huruf a" in rules.rule("expired_or_damaged").legal_basis


def test_ktp_reprint_may_be_served_outside_the_domicile_other_services_are_referred():
    away = training.generate_case("ktp_hilang_rusak", 0, seed=3, variant="luar_domisili")
    assert away.document("kk").fields["desa"] != away.village_name.upper() or (
        away.document("kk").fields["kecamatan"] != away.district_name.upper()
    )
    assert away.expected.decision == "process" and kinds_found(away) == set()
    with pytest.raises(SakeraInputError, match="cannot occur"):
        training.generate_case("ktp_hilang_rusak", 1, seed=3, defect_kinds=["not_domiciled"])
    other = training.generate_case("kk_perubahan", 2, seed=3, defect_kinds=["not_domiciled"])
    assert other.expected.decision == "refer"
    assert "Kebijakan layanan Sakera Mesem (asumsi)" in rules.rule("not_domiciled").legal_basis
    assert "Perpres 96/2018 Pasal 22" in rules.rule("not_domiciled").legal_basis


@pytest.mark.parametrize(
    ("service_id", "kind", "decision"),
    [
        ("akta_kelahiran", "nik_nonaktif", "refer"),
        ("ktp_hilang_rusak", "belum_rekam", "refer"),
        ("kk_baru", "child_marriage", "refer"),
        ("akta_kematian", "reporter_not_entitled", "return"),
    ],
)
def test_new_defect_kinds(service_id, kind, decision):
    case = training.generate_case(service_id, 2, seed=2, defect_kinds=[kind])
    assert kinds_found(case) == {kind} and case.expected.decision == decision
    assert {f.kind for f in detect_defects(DeskView.of(case))} == {kind}
    assert perfect_score(case) == 100
    if kind == "reporter_not_entitled":
        assert case.expected.missing == ("surat_kuasa",)
    if kind == "child_marriage":
        assert "UU 16/2019" in rules.rule(kind).legal_basis


def test_married_minor_before_2019_was_lawful_and_clean_cases_carry_siak_status():
    case = training.generate_case("ktp_baru", 0, seed=1)
    siak = case.document("data_siak")
    assert [r["status_rekam"] for r in siak.rows] == ["BELUM REKAM"]  # normal before recording: no defect
    assert kinds_found(case) == set()

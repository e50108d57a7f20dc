"""Practice cases: determinism, JSON, documents per service, and defects detectable from documents."""

import datetime as dt
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sakera_toolkit import services, training
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.people import nik as nikmod
from sakera_toolkit.training import rules
from sakera_toolkit.training.defects import DeskView, missing_requirements, policy, requirement_status

SERVICE_IDS = services.load_catalogue().training_ids()  # the training sandbox services
TODAY = dt.date(2025, 7, 1)


def found_kinds(case):
    return {f.kind for f in training.detect_defects(case)}


# ------------------------------------------------------------------------------ generation
def test_same_seed_same_case_and_json_round_trip():
    a = training.generate_case("akta_kelahiran", 3, seed=123)
    b = training.generate_case("akta_kelahiran", 3, seed=123)
    assert a == b and a.to_json() == b.to_json()
    back = training.Case.from_json(a.to_json())
    assert back == a
    json.loads(a.to_json())  # plain JSON
    c = training.generate_case("akta_kelahiran", 3, seed=124)
    assert c.case_id != a.case_id


def test_seed_forms_agree():
    by_int = training.generate_case("kia", 1, seed=5)
    assert by_int.seed == 5
    regenerated = training.generate_case("kia", 1, seed=by_int.seed)
    assert regenerated == by_int
    from_seq = training.generate_case("kia", 1, seed=np.random.SeedSequence(99))
    assert training.generate_case("kia", 1, seed=from_seq.seed) == from_seq
    from_gen = training.generate_case("kia", 1, seed=np.random.default_rng(3))
    assert training.generate_case("kia", 1, seed=from_gen.seed) == from_gen


@pytest.mark.parametrize("service_id", SERVICE_IDS)
def test_clean_case_for_every_service(service_id):
    case = training.generate_case(service_id, 0, seed=11, today=TODAY)
    assert case.is_clean and found_kinds(case) == set()
    assert case.service_id == service_id == case.request.situation == case.request.requested_service_id
    assert case.today == TODAY and case.request.fee_idr == 0
    # every mandatory requirement is met by a usable document or a desk SPTJM, and the answer key agrees
    conditions = case.request.conditions
    assert missing_requirements(case.documents, service_id, TODAY, conditions) == ()
    service = services.load_catalogue().get(service_id)
    for req in service.required_documents(frozenset(conditions)):
        met = case.expected.requirements[req.id] or any(case.expected.requirements[a] for a in req.alternatives)
        assert met or set(req.alternatives) & set(case.expected.substitutes)
    if service.needs_biometric:
        assert case.expected.decision == "refer"
    else:
        assert case.expected.decision == ("process_sptjm" if case.expected.substitutes else "process")
    assert set(case.expected.form) == {f.key for f in rules.form_fields(service_id)}
    # cards render: every field has a label in both languages, refs are unique
    assert len({d.ref for d in case.documents}) == len(case.documents)
    for doc in case.documents:
        for lang in ("id", "en"):
            assert doc.title(lang)
            for key, label, value in doc.field_items(lang):
                assert label != key, f"{doc.kind}.{key} has no label"
                assert isinstance(value, str) and value
    # people on the documents are synthetic with valid NIKs; desk village matches the documents
    for p in case.people.values():
        assert p.nik is None or nikmod.is_valid(p.nik, reference=TODAY)
    assert case.request.text("id") != case.request.text("en")
    assert case.citizen.name in case.request.text("id")


def test_every_required_requirement_has_a_document_kind():
    for service in (s for s in services.load_catalogue() if s.training):
        kinds = rules.requirement_documents(service.id)
        for req in service.required_documents():
            assert req.id in kinds or any(a in kinds for a in req.alternatives), (service.id, req.id)
        assert set(kinds) <= {r.id for r in service.requirements}, service.id


def test_situation_texts_and_forms_cover_the_catalogue():
    tpl = rules.case_templates()
    assert set(tpl["situations"]) == set(SERVICE_IDS)
    assert set(tpl["confusions"]) == set(SERVICE_IDS)
    for sid, wrong in tpl["confusions"].items():
        assert wrong and sid not in wrong and set(wrong) <= set(SERVICE_IDS)
    for sid in SERVICE_IDS:
        assert sid in tpl["forms"]
        if not services.load_catalogue().get(sid).forms:
            assert rules.form_fields(sid) == ()


def test_every_rule_has_a_source_and_both_languages():
    for r in rules.rules().values():
        assert r.text_id and r.text_en and r.text_id != r.text_en
        assert r.source.strip() and r.source == r.legal_basis
    assert set(rules.defect_kinds()) == set(training.DEFECT_KINDS)
    assert "79A" in rules.rule("fee_requested").source and "95B" in rules.rule("fee_requested").source


_CITATION = re.compile(
    r"^(UU \d+/\d{4}( Pasal \d+[A-Z]?( ayat \(\d+\)( dan \(\d+\))?)?( huruf [a-z])?)?"
    r"|PP \d+/\d{4}( Pasal \d+( ayat \(\d+\))?)?"
    r"|Perpres \d+/\d{4}( Pasal \d+( ayat \(\d+\))?)?( \(.*\))?"
    r"|Permendagri \d+/\d{4}( Pasal \d+)?( \(.*\))?"
    r"|Perbup Sampang \d+/\d{4}"
    r"|Standar Pelayanan Dispendukcapil Kab\. Sampang .*"
    r"|varian lokal .*"
    r"|Kebijakan layanan Sakera Mesem \(asumsi\))$"
)


def _basis_parts(text):
    return [p.strip() for p in text.split(";")]


def test_dasar_hukum_cites_regulations_in_indonesian_never_urls():
    """Issue 8 §3: what a trainee sees as "Dasar hukum" is a regulation or the labelled assumption."""
    shown = [(f"rule {r.id}", r.legal_basis) for r in rules.rules().values()]
    for s in services.load_catalogue():
        shown += [(f"{s.id}.{q.id}", q.legal_basis) for q in s.requirements]
    for where, text in shown:
        assert not re.search(r"https?:|www\.|§|research-notes|\.go\.id|\.com", text), (where, text)
        for part in _basis_parts(text):
            assert _CITATION.match(part), (where, part)
    # rules with no legal text are labelled as Sakera Mesem policy on screen, in both languages
    dup = rules.rule("duplicate_request")
    assert dup.basis("id") == "Kebijakan layanan Sakera Mesem (asumsi)"
    assert dup.basis("en") == "Sakera Mesem service policy (assumption)"
    # web sources stay for maintainers, in a separate field
    assert "research-notes" in rules.rule("deadline_passed").references
    # the feedback a trainee reads cites the regulation, never a URL
    case = training.generate_case("akta_kelahiran", 2, seed=5, defect_kinds=["deadline_passed"])
    report = training.grade(case, training.Answer(service_id="akta_kelahiran", decision="refer"))
    for m in report.mistakes:
        for text in (m.text_id, m.text_en, m.source):
            assert not re.search(r"https?:|§|research-notes|\.go\.id|\.com", text), text
    assert any("UU 24/2013 Pasal 32 ayat (1)" in m.text_id and "Dasar hukum" in m.text_id for m in report.mistakes)


def test_bad_inputs_raise_input_errors():
    with pytest.raises(SakeraInputError, match="unknown service"):
        training.generate_case("akta_nikah", 1, seed=1)
    with pytest.raises(SakeraInputError, match="difficulty"):
        training.generate_case("kia", 4, seed=1)
    with pytest.raises(SakeraInputError, match="seed"):
        training.generate_case("kia", 1, seed=None)
    with pytest.raises(SakeraInputError, match="village"):
        training.generate_case("kia", 1, seed=1, village_code="35.27.99.9999")
    with pytest.raises(SakeraInputError, match="cannot occur"):
        training.generate_case("kia", 1, seed=1, defect_kinds=["deadline_passed"])
    with pytest.raises(SakeraInputError, match="unknown defect"):
        training.generate_case("kia", 1, seed=1, defect_kinds=["bribe"])
    with pytest.raises(SakeraInputError, match="cannot inject"):
        training.generate_case("ktp_baru", 1, seed=1, defect_kinds=["nik_mismatch"])


def test_difficulty_zero_is_always_clean_and_difficulty_three_has_several():
    for seed in range(6):
        assert training.generate_case(None, 0, seed=seed).is_clean
    counts = [len(training.generate_case(None, 3, seed=seed).defects) for seed in range(12)]
    assert max(counts) >= 2 and all(c == 0 or c >= 2 for c in counts)
    assert 0 in [len(training.generate_case(None, 1, seed=s).defects) for s in range(12)]  # clean cases too


def test_hints_are_bilingual_and_never_name_the_defects():
    case = training.generate_case("akta_kelahiran", 3, seed=8, defect_kinds=["deadline_passed", "fee_requested"])
    hints_id, hints_en = case.hints("id"), case.hints("en")
    assert len(hints_id) == len(hints_en) >= 5
    assert any("Akta kelahiran" in h for h in hints_id) and any("60" in h for h in hints_en)
    for kind in case.defect_kinds:
        assert rules.defect_info(kind).name("id") not in " ".join(hints_id)
    with pytest.raises(SakeraInputError):
        case.hints("fr")


def test_specific_defects_look_as_expected():
    late = training.generate_case("akta_kematian", 2, seed=3, defect_kinds=["deadline_passed"])
    letter = next(d for d in late.documents if d.kind in ("surat_keterangan_kematian", "surat_kematian_desa"))
    died = dt.datetime.strptime(letter.fields["tanggal_kematian"], "%d-%m-%Y").date()
    # a late death report is processed (UU 24/2013 Pasal 44(1), no decision needed)
    assert (late.today - died).days > 30 and late.expected.decision == "process"

    away = training.generate_case("kk_perubahan", 2, seed=3, defect_kinds=["not_domiciled"])
    assert away.document("kk").fields["desa"].casefold() != away.village_name.casefold() or (
        away.document("kk").fields["kecamatan"].casefold() != away.district_name.casefold()
    )

    fee = training.generate_case("kia", 1, seed=3, defect_kinds=["fee_requested"])
    assert fee.request.fee_idr > 0 and "Rp" in fee.request.text("id")
    assert fee.expected.decision == "process"  # refuse the money, serve the citizen

    wrong = training.generate_case("akta_kelahiran", 1, seed=3, defect_kinds=["wrong_service"])
    assert wrong.request.requested_service_id != "akta_kelahiran" and wrong.expected.service_id == "akta_kelahiran"

    missing = training.generate_case("akta_kelahiran", 1, seed=3, defect_kinds=["missing_document"])
    assert missing.expected.decision == "return" and len(missing.expected.missing) == 1
    assert missing.defects[0].field in missing.expected.missing

    damaged = training.generate_case("pindah_datang", 1, seed=4, defect_kinds=["expired_or_damaged"])
    bad = damaged.document(damaged.defects[0].documents[0])
    assert not bad.usable(damaged.today)
    assert damaged.expected.decision == "return" and damaged.defects[0].field in damaged.expected.missing


@pytest.mark.slow
@pytest.mark.parametrize("service_id", SERVICE_IDS)
def test_every_possible_defect_is_detected_alone(service_id):
    for kind in training.DEFECT_KINDS:
        if not policy(kind).possible(service_id):
            continue
        if service_id == "ktp_baru" and kind in ("nik_mismatch", "name_mismatch", "name_changed", "date_inconsistent"):
            continue  # a KK alone shows each person once: nothing to compare (tested above)
        case = None
        for seed in range(31, 41):  # some variants cannot show a kind (e.g. no address card in a move within Sampang)
            try:
                case = training.generate_case(service_id, 2, seed=seed, defect_kinds=[kind])
                break
            except SakeraInputError as exc:
                assert "cannot" in str(exc)
        assert case is not None, (service_id, kind)
        assert case.defect_kinds == {kind}
        assert found_kinds(case) == {kind}, (service_id, kind)
        for d in case.defects:
            assert set(d.documents) <= {doc.ref for doc in case.documents}


# ------------------------------------------------------------------------------ properties
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    service_id=st.sampled_from(SERVICE_IDS),
    difficulty=st.sampled_from(training.DIFFICULTIES),
    seed=st.integers(min_value=0, max_value=2**40),
)
def test_property_detector_finds_exactly_the_injected_defects(service_id, difficulty, seed):
    case = training.generate_case(service_id, difficulty, seed=seed)
    assert found_kinds(case) == set(case.defect_kinds)
    if case.is_clean:
        assert training.detect_defects(case) == []
    # the independent checker sees only the desk: dropping the answer key changes nothing
    assert {f.kind for f in training.detect_defects(DeskView.of(case))} == found_kinds(case)
    # the answer key is consistent with the documents
    assert dict(case.expected.requirements) == requirement_status(case.documents, service_id, case.today)
    assert training.Case.from_json(case.to_json()) == case


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    service_id=st.sampled_from([s for s in SERVICE_IDS if s != "ktp_baru"]),
    kinds=st.sets(st.sampled_from(training.DEFECT_KINDS), min_size=2, max_size=4),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_property_combined_defects_stay_detectable(service_id, kinds, seed):
    kinds = [k for k in kinds if policy(k).possible(service_id)]
    try:
        case = training.generate_case(service_id, 3, seed=seed, defect_kinds=kinds)
    except SakeraInputError as exc:
        # documents-level defects compete for the same evidence; the generator says so
        assert "cannot inject" in str(exc) or "cannot occur" in str(exc)
        return
    assert case.defect_kinds == set(kinds)
    assert found_kinds(case) == set(kinds)


def test_training_package_does_not_import_panel():
    code = "import sys, sakera_toolkit.training as t; t.generate_case('kia', 1, seed=1); print('panel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

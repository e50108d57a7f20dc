"""Issue 8 §2: clean cases tell one coherent life history, checked by an independent timeline checker."""

import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sakera_toolkit import services, training
from sakera_toolkit.training import timeline

SERVICE_IDS = services.load_catalogue().training_ids()  # the training sandbox services


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service_id=st.sampled_from(SERVICE_IDS), seed=st.integers(min_value=0, max_value=2**40))
def test_property_clean_cases_have_possible_timelines(service_id, seed):
    case = training.generate_case(service_id, 0, seed=seed)
    assert case.is_clean
    assert timeline.check(case) == [], [i.text_en for i in timeline.check(case)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    service_id=st.sampled_from(SERVICE_IDS),
    difficulty=st.sampled_from((1, 2, 3)),
    seed=st.integers(min_value=0, max_value=2**40),
)
def test_property_clean_cases_at_every_level_are_coherent(service_id, difficulty, seed):
    case = training.generate_case(service_id, difficulty, seed=seed)
    if case.is_clean:
        assert timeline.check(case) == []


def _with_field(case, ref, key, value):
    docs = tuple(replace(d, fields={**d.fields, key: value}) if d.ref == ref else d for d in case.documents)
    return replace(case, documents=docs)


def test_checker_finds_each_kind_of_impossible_date():
    case = training.generate_case("akta_kelahiran", 0, seed=9, variant="surat_lahir_dan_buku_nikah")
    assert timeline.check(case) == []
    nikah = case.document("buku_nikah")
    born_wife = next(r for r in case.document("kk").rows if r["hubungan"] == "ISTRI")["tanggal_lahir"]
    wife_born = dt.datetime.strptime(born_wife, "%d-%m-%Y").date()
    # a wife married at 11
    child_bride = _with_field(case, "buku_nikah", "tanggal_nikah", f"01-01-{wife_born.year + 11}")
    assert any("before the age" in i.text_en for i in timeline.check(child_bride))
    # a marriage after the baby's birth (and after today)
    late = _with_field(case, "buku_nikah", "tanggal_nikah", "01-01-2030")
    texts = [i.text_en for i in timeline.check(late)]
    assert any("after today" in t for t in texts) and any("before the parents' marriage" in t for t in texts)
    # a KK printed before its youngest member was born
    old_kk = _with_field(case, "kk", "tanggal_dikeluarkan", "01-01-1950")
    assert any("KK printed before" in i.text_en for i in timeline.check(old_kk))
    # a KTP-el printed at 10
    ktp = case.document("ktp_el")
    born = dt.datetime.strptime(ktp.fields["tanggal_lahir"], "%d-%m-%Y").date()
    kid_card = _with_field(case, "ktp_el", "tanggal_dikeluarkan", f"01-01-{born.year + 10}")
    assert any("turned 16" in i.text_en for i in timeline.check(kid_card))
    assert nikah.ref == "buku_nikah"


def test_married_minor_before_2019_is_lawful_after_is_not():
    case = training.generate_case("akta_kelahiran", 0, seed=9, variant="surat_lahir_dan_buku_nikah")
    wife = next(r for r in case.document("kk").rows if r["hubungan"] == "ISTRI")
    husband = next(r for r in case.document("kk").rows if r["hubungan"] == "KEPALA KELUARGA")
    wb = dt.datetime.strptime(wife["tanggal_lahir"], "%d-%m-%Y").date()
    hb = dt.datetime.strptime(husband["tanggal_lahir"], "%d-%m-%Y").date()

    def at(day):
        c = _with_field(case, "buku_nikah", "tanggal_nikah", day.strftime("%d-%m-%Y"))
        return [i.text_en for i in timeline.check(c) if "before the age" in i.text_en]

    sixteen = dt.date(wb.year + 16, 12, 31)
    if sixteen < dt.date(2019, 10, 14) and sixteen >= dt.date(hb.year + 19, 12, 31):
        assert at(sixteen) == []
    assert at(dt.date(2020, 1, 1)) != [] or dt.date(2020, 1, 1) >= dt.date(wb.year + 19, wb.month, 28)


def test_grandchild_too_close_in_age_to_the_head_is_flagged():
    """A KK row CUCU less than 28 years younger than the kepala keluarga (two generations of 14)."""
    case = training.generate_case("ktp_baru", 0, seed=4)
    kk = case.document("kk")
    head = next(r for r in kk.rows if r["hubungan"] == "KEPALA KELUARGA")
    hb = dt.datetime.strptime(head["tanggal_lahir"], "%d-%m-%Y").date()

    def with_cucu(years):
        row = {**kk.rows[-1], "hubungan": "CUCU", "tanggal_lahir": f"{hb.day:02d}-{hb.month:02d}-{hb.year + years}"}
        docs = tuple(replace(d, rows=(*d.rows, row)) if d.ref == "kk" else d for d in case.documents)
        return [i.text_en for i in timeline.check(replace(case, documents=docs)) if "grandchild" in i.text_en]

    assert with_cucu(20) != []
    assert with_cucu(30) == []

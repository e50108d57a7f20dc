"""NIK and KK numbers: round trips, uniqueness, and every invalid part named."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sakera_toolkit import registry
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.people import nik

REF = dt.date(2025, 12, 31)
DISTRICTS = registry.national_districts()["code"].tolist()
SAMPANG = registry.districts()["district_code"].tolist()

districts = st.sampled_from(DISTRICTS)
birth_dates = st.dates(min_value=dt.date(1926, 1, 1), max_value=REF)
sexes = st.sampled_from(["M", "F"])
sequences = st.integers(min_value=1, max_value=9999)


@settings(max_examples=300, deadline=None)
@given(districts, birth_dates, sexes, sequences)
def test_round_trip_any_region(district, born, sex, seq):
    number = nik.encode(district, born, sex, seq)
    assert len(number) == 16 and number.isdigit()
    info = nik.decode(number, reference=REF)
    assert (info.district_code, info.birth_date, info.sex, info.sequence) == (district, born, sex, seq)
    day = int(number[6:8])
    assert (41 <= day <= 71) if sex == "F" else (1 <= day <= 31)
    assert nik.is_valid(number, reference=REF)


def test_decode_names_the_regions():
    info = nik.decode("3527034105900001", reference=REF)
    assert info.province_name == "Jawa Timur"
    assert info.regency_name == "Kabupaten Sampang"
    assert info.district_name == "Sampang"
    assert info.birth_date == dt.date(1990, 5, 1) and info.sex == "F" and info.sequence == 1
    jakarta = nik.decode("3171010101800001", reference=REF)
    assert jakarta.district_name == "Gambir" and jakarta.province_code == "31"
    assert info.to_dict()["birth_date"] == "1990-05-01"


def test_known_jatim_examples_from_the_research_notes():
    # research-notes §4: 3515140508680001 / 3515144508680002 (Sidoarjo, born 5 Aug 1968, M then F).
    a = nik.decode("3515140508680001", reference=REF)
    b = nik.decode("3515144508680002", reference=REF)
    assert a.birth_date == b.birth_date == dt.date(1968, 8, 5)
    assert (a.sex, b.sex) == ("M", "F")
    assert a.regency_name == "Kabupaten Sidoarjo"


def test_two_digit_year_resolves_to_latest_date_not_after_reference():
    number = nik.encode("35.27.03", dt.date(1925, 3, 1), "M", 1)
    assert nik.decode(number, reference=dt.date(2025, 1, 1)).birth_date == dt.date(1925, 3, 1)
    assert nik.decode(number, reference=dt.date(2025, 6, 1)).birth_date == dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("number", "part"),
    [
        ("352703410590001", "length"),
        ("35270341059000011", "length"),
        ("", "length"),
        ("35270341059000a1", "digits"),
        ("3527-03-410590-01", "digits"),
        ("3527034105900001".replace("0", "O", 1), "digits"),
        ("9927034105900001", "province"),
        ("3599034105900001", "regency"),
        ("3527994105900001", "kecamatan"),
        ("3527033102900001", "date"),  # 31 Feb
        ("3527037102900001", "date"),  # 31 Feb for a woman (71 - 40)
        ("3527037205900001", "date"),  # day 72
        ("3527030005900001", "date"),  # day 00
        ("3527033505900001", "date"),  # day 35
        ("3527030113900001", "date"),  # month 13
        ("3527032902010001", "date"),  # 29 Feb 2001/1901
        ("3527034105900000", "sequence"),
    ],
)
def test_invalid_parts_are_named(number, part):
    with pytest.raises(nik.NikError) as info:
        nik.decode(number, reference=REF)
    assert info.value.part == part
    assert f": {part}: " in str(info.value)
    assert isinstance(info.value, SakeraInputError)
    assert not nik.is_valid(number, reference=REF)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=20))
def test_arbitrary_text_is_rejected_or_decoded_never_crashes(text):
    try:
        info = nik.decode(text, reference=REF)
    except nik.NikError as exc:
        assert exc.part in nik.PARTS
    else:
        assert info.nik == text.strip()


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_random_16_digit_numbers(value):
    text = f"{value:016d}"
    try:
        info = nik.decode(text, reference=REF)
    except nik.NikError as exc:
        assert exc.part in ("province", "regency", "kecamatan", "date", "sequence")
    else:
        assert nik.encode(info.district_code, info.birth_date, info.sex, info.sequence) == text


def test_encode_rejects_bad_input():
    with pytest.raises(nik.NikError, match="sequence"):
        nik.encode("35.27.03", "1990-01-01", "M", 0)
    with pytest.raises(nik.NikError, match="sequence"):
        nik.encode("35.27.03", "1990-01-01", "M", 10000)
    with pytest.raises(SakeraInputError, match="unknown kecamatan"):
        nik.encode("35.27.99", "1990-01-01", "M", 1)
    with pytest.raises(SakeraInputError, match="sex"):
        nik.encode("35.27.03", "1990-01-01", "X", 1)
    with pytest.raises(SakeraInputError, match="not a date"):
        nik.encode("35.27.03", "1990-02-30", "M", 1)
    assert nik.encode("352703", "1990-01-01", "P", 7) == nik.encode("35.27.03", dt.date(1990, 1, 1), "F", 7)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SAMPANG), st.dates(dt.date(2000, 1, 1), dt.date(2000, 1, 5)), sexes),
        min_size=1,
        max_size=60,
    )
)
def test_allocator_gives_unique_numbers(people):
    alloc = nik.SequenceAllocator()
    numbers = [alloc.next_nik(d, b, s) for d, b, s in people]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert nik.is_valid(number, reference=REF)
    # sequences within one prefix are 1..k in allocation order
    by_prefix: dict[str, list[int]] = {}
    for number in numbers:
        by_prefix.setdefault(number[:12], []).append(int(number[12:]))
    for seqs in by_prefix.values():
        assert seqs == list(range(1, len(seqs) + 1))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=0, max_size=50), min_size=1, max_size=5))
def test_allocate_many_continues_across_calls(batches):
    alloc = nik.SequenceAllocator()
    seen: set[tuple[int, int]] = set()
    counts: dict[int, int] = {}
    for batch in batches:
        prefixes = np.array(batch, dtype="int64") + 352703_010190
        seqs = alloc.allocate_many(prefixes)
        for p, s in zip(prefixes.tolist(), seqs.tolist(), strict=True):
            assert (p, s) not in seen
            seen.add((p, s))
            counts[p] = counts.get(p, 0) + 1
    for p, k in counts.items():
        assert alloc.used(p) == k
        assert sorted(s for q, s in seen if q == p) == list(range(1, k + 1))


def test_allocator_overflow_is_a_sequence_error():
    alloc = nik.SequenceAllocator()
    prefix = np.full(9999, 352703_010190, dtype="int64")
    alloc.allocate_many(prefix)
    with pytest.raises(nik.NikError) as info:
        alloc.allocate_many(prefix[:1])
    assert info.value.part == "sequence"
    assert alloc.used(352703_010190) == 9999  # the failed call changed nothing


def test_vectorised_helpers_match_encode():
    born = np.array(["1990-05-01", "2004-02-29", "1931-12-31"], dtype="datetime64[D]")
    female = np.array([True, False, True])
    prefixes = nik.nik_prefixes(np.array([352703, 352714, 317101]), born, female)
    numbers = nik.format_numbers(prefixes, np.array([1, 25, 9999]))
    assert numbers.tolist() == [
        nik.encode("35.27.03", "1990-05-01", "F", 1),
        nik.encode("35.27.14", "2004-02-29", "M", 25),
        nik.encode("31.71.01", "1931-12-31", "F", 9999),
    ]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SAMPANG), st.dates(dt.date(2000, 1, 1), REF), sequences)
def test_kk_round_trip(district, day, series):
    number = nik.kk_number(district, day, series)
    info = nik.decode_kk(number, reference=REF)
    assert (info.district_code, info.registration_date, info.series) == (district, day, series)
    assert nik.is_valid_kk(number, reference=REF)


def test_kk_invalid_parts():
    for number, part in [
        ("35270304031900", "length"),
        ("3527990403190001", "kecamatan"),
        ("3527034403190001", "date"),
        ("3527030403190000", "sequence"),
    ]:
        with pytest.raises(nik.NikError) as info:
            nik.decode_kk(number, reference=REF)
        assert info.value.part == part and "KK number" in str(info.value)
    alloc = nik.SequenceAllocator("KK number")
    a, b = alloc.next_kk("35.27.03", "2019-03-04"), alloc.next_kk("35.27.03", "2019-03-04")
    assert (a[-4:], b[-4:]) == ("0001", "0002") and a[:12] == b[:12] == "352703040319"

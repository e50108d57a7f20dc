"""Synthetic households and persons: determinism, plausibility, valid unique numbers, real addresses."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from faker.providers.person.id_ID import Provider as FakerNames

from sakera_toolkit import registry
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.people import names as madura
from sakera_toolkit.people import nik, synthetic

REF = dt.date(2025, 6, 30)
MALE_FIRST, FEMALE_FIRST = set(FakerNames.first_names_male), set(FakerNames.first_names_female)
MALE_LAST, FEMALE_LAST = set(FakerNames.last_names_male), set(FakerNames.last_names_female)


@pytest.fixture(scope="module")
def sample():
    """About 30,000 persons spread over all 186 villages."""
    return synthetic.generate_population(persons=30_000, seed=123)


def test_same_seed_same_output_other_seed_differs():
    codes = ["35.27.03.2001", "35.27.09.2003"]
    a = synthetic.generate_population(codes, persons=400, seed=5)
    b = synthetic.generate_population(codes, persons=400, seed=5)
    c = synthetic.generate_population(codes, persons=400, seed=6)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[1]["nik"].equals(c[1]["nik"])


def test_rng_and_seed_sequence_are_accepted():
    codes = ["35.27.01.2001"]
    x = synthetic.generate_population(codes, persons=50, rng=np.random.default_rng(9))
    y = synthetic.generate_population(codes, persons=50, rng=np.random.default_rng(9))
    pd.testing.assert_frame_equal(x[1], y[1])
    z = synthetic.generate_population(codes, persons=50, seed=np.random.SeedSequence(9))
    assert len(z[1]) == 50
    with pytest.raises(SakeraInputError, match="seed"):
        synthetic.generate_population(codes, persons=50)
    with pytest.raises(SakeraInputError, match="either seed or rng"):
        synthetic.generate_population(codes, persons=50, seed=1, rng=np.random.default_rng(1))


def test_person_counts_match_exactly(sample):
    households, persons = sample
    assert len(persons) == 30_000
    assert households["members"].sum() == len(persons)
    counts = persons.groupby("kk_number", observed=True).size()
    assert (counts.reindex(households["kk_number"]).to_numpy() == households["members"].to_numpy()).all()
    per_village = persons.groupby("village_code", observed=True).size()
    weights = registry.village_population(2025)
    expected = registry._largest_remainder(weights.to_numpy(), 30_000)
    assert (per_village.reindex(weights.index).fillna(0).to_numpy() == expected).all()


def test_niks_and_kk_numbers_valid_and_unique(sample):
    households, persons = sample
    assert persons["nik"].is_unique
    assert households["kk_number"].is_unique
    for row in persons.sample(3000, random_state=1).itertuples():
        info = nik.decode(row.nik, reference=REF)
        assert info.birth_date == row.birth_date.date()
        assert info.sex == row.sex
    for number in households["kk_number"].sample(500, random_state=1):
        nik.decode_kk(number, reference=REF)
    women_days = persons.loc[persons["sex"] == "F", "nik"].str[6:8].astype(int)
    men_days = persons.loc[persons["sex"] == "M", "nik"].str[6:8].astype(int)
    assert women_days.between(41, 71).all() and men_days.between(1, 31).all()


def test_nik_kecamatan_is_the_village_kecamatan_except_married_in_wives(sample):
    _, persons = sample
    own = persons["nik"].str[:6] == persons["district_code"].astype(str).str.replace(".", "", regex=False)
    assert own.mean() > 0.95
    assert set(persons.loc[~own, "relationship"].astype(str)) == {"istri"}


def test_kk_number_area_and_date(sample):
    households, persons = sample
    area = households["kk_number"].str[:6] == households["district_code"].astype(str).str.replace(".", "", regex=False)
    assert area.all()
    latest = persons.groupby("kk_number", observed=True)["birth_date"].max()
    assert (households["registration_date"].to_numpy() > latest.reindex(households["kk_number"]).to_numpy()).all()
    assert (households["registration_date"] <= pd.Timestamp(REF)).all()


def test_household_structure(sample):
    households, persons = sample
    heads = persons[persons["relationship"] == "kepala_keluarga"]
    assert len(heads) == len(households)
    assert (persons.groupby("kk_number", observed=True)["relationship"].first() == "kepala_keluarga").all()
    wives = persons[persons["relationship"] == "istri"].set_index("kk_number")
    head_by_kk = heads.set_index("kk_number")
    # Spouses: husband head, wife, 3 years younger to 15 years older, both adults and married.
    pair = head_by_kk.loc[wives.index]
    gap = (wives["birth_date"] - pair["birth_date"]).dt.days / 365.25
    assert (pair["sex"] == "M").all() and (wives["sex"] == "F").all()
    assert gap.between(-3.1, 15.1).all()
    assert (wives["age"] >= 17).all() and (pair["age"] >= 17).all()
    assert (wives["marital_status"].astype(str) == pair["marital_status"].astype(str)).all()
    assert wives["marital_status"].isin(["kawin_tercatat", "kawin_belum_tercatat"]).all()
    # Children are younger than both parents by at least 15 years and are unmarried.
    kids = persons[persons["relationship"] == "anak"]
    head_birth = head_by_kk["birth_date"].reindex(kids["kk_number"]).to_numpy()
    assert ((kids["birth_date"].to_numpy() - head_birth) / np.timedelta64(1, "D") / 365.25 >= 15).all()
    wife_birth = wives["birth_date"].reindex(kids["kk_number"]).dropna()
    kid_birth = kids.set_index("kk_number").loc[wife_birth.index, "birth_date"]
    assert (((kid_birth - wife_birth).dt.days / 365.25) >= 16.99).all()
    assert (kids["marital_status"] == "belum_kawin").all()
    # Elderly parents are older than the person they are the parent of.
    elders = persons[persons["relationship"].isin(["orang_tua", "mertua"])]
    assert (elders["age"].to_numpy() > head_by_kk["age"].reindex(elders["kk_number"]).to_numpy() - 16).all()
    assert (persons["age"].between(0, 95)).all()


def test_age_structure_near_sampang_anchors(sample):
    _, persons = sample
    under17 = (persons["age"] < 17).mean()
    wajib_ktp = ((persons["age"] >= 17) | (persons["marital_status"] != "belum_kawin")).mean()
    # research-notes §2.5: ~250 ribu under 17 (~25 %), wajib KTP 73.6 % of the registry (2018)
    assert 0.22 < under17 < 0.33
    assert 0.67 < wajib_ktp < 0.78
    assert 0.48 < (persons["sex"] == "F").mean() < 0.53
    assert 2.8 < len(persons) / persons["kk_number"].nunique() < 3.8


def _tokens(names):
    return {w for n in names for w in n.split()}


def test_names_are_madurese_and_gender_consistent(sample):
    """research-notes §9.6: no family names, Moh./Abd./Ach./Siti/Nur forms, no Batak or Western names."""
    _, persons = sample
    names = persons["name"].astype(str)
    male = (persons["sex"] == "M").to_numpy()
    male_tokens = _tokens(madura.MALE_NAMES + madura.ABD_NAMES + madura.MALE_PREFIXES + ("Abd.", "Abdul"))
    female_tokens = _tokens(madura.FEMALE_NAMES + madura.FEMALE_PREFIXES)
    assert all(set(n.split()) <= male_tokens for n in names[male].unique())
    assert all(set(n.split()) <= female_tokens for n in names[~male].unique())
    # Faker id_ID surnames (Batak and Javanese family names) and Western first names never appear
    faker_only = (MALE_LAST | FEMALE_LAST | MALE_FIRST | FEMALE_FIRST) - male_tokens - female_tokens
    assert not _tokens(names.unique()) & faker_only
    # the usual forms are frequent: Moh./Ach./Abd. for men, Siti/Nur for women; single names too
    first = names.str.split(" ").str[0]
    assert 0.3 < first[male].isin(madura.MALE_PREFIXES + ("Abd.", "Abdul")).mean() < 0.6
    assert 0.3 < first[~male].isin(madura.FEMALE_PREFIXES).mean() < 0.55
    assert (names.str.count(" ") == 0).mean() > 0.25
    assert persons["name"].nunique() > 3000


def test_religion_education_occupation(sample):
    households, persons = sample
    assert (persons["religion"] == "Islam").mean() > 0.99
    assert (persons.groupby("kk_number", observed=True)["religion"].nunique() == 1).all()
    small = persons[persons["age"] < 5]
    assert (small["education"] == "Tidak/Belum Sekolah").all()
    assert (small["occupation"] == "Belum/Tidak Bekerja").all()
    adult_women = persons[(persons["sex"] == "F") & (persons["age"].between(25, 64))]
    assert (adult_women["occupation"] == "Mengurus Rumah Tangga").mean() > 0.3
    assert not (
        persons.loc[persons["age"] < 16, "has_ktp_el"]
        & (persons.loc[persons["age"] < 16, "marital_status"] == "belum_kawin")
    ).any()
    assert not persons.loc[persons["age"] >= 17, "has_kia"].any()
    assert not (persons["has_kia"] & ~persons["has_akta_kelahiran"]).any()


def test_addresses_are_in_the_registry(sample):
    households, persons = sample
    geo = synthetic.village_geography()
    keys = set(zip(geo["village_code"], geo["dusun"], geo["rw"], geo["rt"], strict=True))
    rows = zip(
        households["village_code"].astype(str),
        households["dusun"].astype(str),
        households["rw"],
        households["rt"],
        strict=True,
    )
    assert all(k in keys for k in rows)
    vil = registry.villages().set_index("village_code")
    for row in households.sample(300, random_state=2).itertuples():
        v = vil.loc[row.village_code]
        assert row.village_name == v["village_name"] and row.district_name == v["district_name"]
        assert f"{v['village_name']}, Kec. {v['district_name']}, Kab. Sampang" in row.address
        assert f"RT {row.rt:03d}/RW {row.rw:03d}" in row.address and f"Dusun {row.dusun}," in row.address
    assert (
        persons["address"].astype(str)
        == households.set_index("kk_number")["address"].astype(str).reindex(persons["kk_number"]).to_numpy()
    ).all()


def test_village_geography_matches_sourced_totals():
    geo = synthetic.village_geography()
    assert len(geo) == 2281 and geo["village_code"].nunique() == 186
    assert geo.groupby("village_code")["dusun"].nunique().sum() == 949
    assert geo.groupby("village_code")["rw"].nunique().sum() == 1074
    assert (geo.groupby("village_code")["rt"].apply(lambda s: list(s) == list(range(1, len(s) + 1)))).all()


def test_mandangin_men_are_mostly_fishers():
    _, persons = synthetic.generate_population(["35.27.03.2001"], persons=2000, seed=3)
    men = persons[(persons["sex"] == "M") & persons["age"].between(19, 64)]
    assert (men["occupation"] == "Nelayan/Perikanan").mean() > 0.5


def test_generate_households_counts():
    households, persons = synthetic.generate_households(50, seed=4)
    assert len(households) == 50 and households["kk_number"].is_unique
    one_each, _ = synthetic.generate_households(village_codes=["35.27.01.2001", "35.27.02.2007"], seed=4)
    assert list(one_each["village_code"].astype(str)) == ["35.27.01.2001", "35.27.02.2007"]
    with pytest.raises(SakeraInputError, match="unknown village"):
        synthetic.generate_households(3, village_codes=["35.27.99.9999"], seed=1)
    with pytest.raises(SakeraInputError, match="households"):
        synthetic.generate_households(-1, seed=1)


def test_generate_household_objects():
    alloc_nik, alloc_kk = nik.SequenceAllocator(), nik.SequenceAllocator("KK number")
    homes = [
        synthetic.generate_household(
            "35.27.05.2001", seed=s, household_type="nuclear", nik_allocator=alloc_nik, kk_allocator=alloc_kk
        )
        for s in range(15)
    ]
    niks = [p.nik for h in homes for p in h.members]
    assert len(niks) == len(set(niks))
    assert len({h.kk_number for h in homes}) == 15
    h = homes[0]
    assert h.household_type == "nuclear" and h.head.relationship == "kepala_keluarga"
    assert h.spouse is not None and h.spouse.sex == "F"
    assert all(c.birth_date > h.spouse.birth_date for c in h.children)
    assert h.village_name == "Kebun Sareh" and h.district_name == "Omben"
    assert isinstance(h.head.birth_date, dt.date) and h.head.kk_number == h.kk_number
    again = synthetic.generate_household("35.27.05.2001", seed=0, household_type="nuclear")
    assert [p.name for p in again.members] == [p.name for p in h.members]
    single = synthetic.generate_household("35.27.05.2001", rng=np.random.default_rng(1), household_type="single")
    assert len(single.members) == 1 and single.spouse is None
    with pytest.raises(SakeraInputError, match="household_type"):
        synthetic.generate_household("35.27.05.2001", seed=1, household_type="commune")


@pytest.mark.slow
def test_whole_registered_population():
    households, persons = synthetic.generate_population(seed=42)
    assert len(persons) == 1_033_926
    per_village = persons.groupby("village_code", observed=True).size()
    expected = registry.village_population(2025)
    assert (per_village.reindex(expected.index).to_numpy() == expected.to_numpy()).all()
    assert persons["nik"].is_unique and households["kk_number"].is_unique
    for number in persons["nik"].sample(2000, random_state=3):
        nik.decode(number, reference=REF)

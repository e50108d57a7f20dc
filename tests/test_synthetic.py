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


def test_nik_kecamatan_is_the_village_kecamatan_except_married_in_spouses(sample):
    _, persons = sample
    own = persons["nik"].str[:6] == persons["district_code"].astype(str).str.replace(".", "", regex=False)
    assert own.mean() > 0.95
    # Only spouses who married into the family: wives, husbands of female heads, menantu.
    assert set(persons.loc[~own, "relationship"].astype(str)) == {"istri", "suami", "menantu"}


def test_kk_number_area_and_date(sample):
    households, persons = sample
    area = households["kk_number"].str[:6] == households["district_code"].astype(str).str.replace(".", "", regex=False)
    assert area.all()
    latest = persons.groupby("kk_number", observed=True)["birth_date"].max()
    assert (households["registration_date"].to_numpy() > latest.reindex(households["kk_number"]).to_numpy()).all()
    married = persons.groupby("kk_number", observed=True)["marriage_date"].max().dropna()
    reg = households.set_index("kk_number")["registration_date"]
    assert (reg.reindex(married.index) > married).all()
    assert (households["registration_date"] <= pd.Timestamp(REF)).all()


# ---------------------------------------------------------------------------------- coherence
AMENDMENT = dt.date(2019, 10, 14)  # UU 16/2019 in force (women 16 -> 19)
WED = ("kawin_tercatat", "kawin_belum_tercatat")


def _years(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _lawful(husband, wife) -> bool:
    """UU 1/1974 Pasal 7 (women 16, men 19), UU 16/2019 (both 19) on the marriage date; no dispensation."""
    day = wife.marriage_date
    need = 16 if day < AMENDMENT else 19
    return _years(wife.birth_date, day) >= need and _years(husband.birth_date, day) >= 19


def household_problems(members) -> list[str]:
    """Everything incoherent in one KK (members: objects with the fields of ``synthetic.Person``).

    Independent of the generator's slot layout: it reads only relationships, sexes, dates and
    marital statuses, as an operator reading the KK would.
    """
    out = []
    by = {}
    for p in members:
        by.setdefault(p.relationship, []).append(p)
    head = members[0]
    if head.relationship != "kepala_keluarga" or len(by.get("kepala_keluarga", [])) != 1:
        out.append("one kepala keluarga, listed first")
    unknown = set(by) - set(synthetic.RELATIONSHIPS)
    if unknown:
        out.append(f"unknown relationships {unknown}")
    spouses = by.get("istri", []) + by.get("suami", [])
    spouse = spouses[0] if spouses else None
    if len(spouses) > 1:
        out.append("more than one spouse")
    if any(p.sex != "F" for p in by.get("istri", [])) or any(p.sex != "M" for p in by.get("suami", [])):
        out.append("istri is a woman, suami a man")
    if spouse is not None and spouse.sex == head.sex:
        out.append("spouse of the same sex as the head")

    def couple_ok(a, b, what):
        if a.marital_status not in WED or b.marital_status != a.marital_status:
            out.append(f"{what}: both married, same status")
            return
        if a.marriage_date is None or a.marriage_date != b.marriage_date:
            out.append(f"{what}: one marriage date")
            return
        husband, wife = (a, b) if a.sex == "M" else (b, a)
        if husband.sex != "M" or wife.sex != "F":
            out.append(f"{what}: a man and a woman")
        elif not _lawful(husband, wife):
            out.append(f"{what}: married under the legal age of {wife.marriage_date}")

    if spouse is not None:
        couple_ok(head, spouse, "head and spouse")
    elif head.marital_status in WED:
        out.append("married head without spouse in the KK")
    children = by.get("anak", [])
    parents = [head] + ([spouse] if spouse else [])
    for child in children:
        for parent in parents:
            gap = _years(parent.birth_date, child.birth_date)
            if gap < (16 if parent.sex == "F" else 19):
                out.append(f"anak born when its {'mother' if parent.sex == 'F' else 'father'} was {gap}")
        if spouse is not None and head.marriage_date and (child.birth_date - head.marriage_date).days < 210:
            out.append("anak born less than 7 months after the parents' marriage")
    married_children = [c for c in children if c.marital_status in WED]
    in_laws = by.get("menantu", [])
    if len(married_children) > 1 or len(in_laws) > 1:
        out.append("more than one married child / menantu")
    if any(c.marital_status not in ("belum_kawin", *WED) for c in children):
        out.append("anak divorced or widowed in the parents' KK")
    if bool(married_children) != bool(in_laws):
        out.append("a married anak without menantu, or a menantu without a married anak")
    elif married_children:
        couple_ok(married_children[0], in_laws[0], "anak and menantu")
    grandchildren = by.get("cucu", [])
    if grandchildren and not (married_children and in_laws):
        out.append("cucu without an anak/menantu pair")
    elif grandchildren:
        young = (married_children[0], in_laws[0])
        for g in grandchildren:
            for parent in young:
                if _years(parent.birth_date, g.birth_date) < (16 if parent.sex == "F" else 19):
                    out.append("cucu born to a parent too young")
            if young[0].marriage_date is None or (g.birth_date - young[0].marriage_date).days < 210:
                out.append("cucu born less than 7 months after the parents' marriage")
            if _years(head.birth_date, g.birth_date) < 32:
                out.append("cucu less than 32 years younger than the head")
    for rel, child in (("orang_tua", head), ("mertua", spouse)):
        elders = by.get(rel, [])
        if elders and child is None:
            out.append(f"{rel} without the person they are the parent of")
            continue
        if len(elders) > 2 or (len(elders) == 2 and elders[0].sex == elders[1].sex):
            out.append(f"{rel}: at most a father and a mother")
        for e in elders:
            if _years(e.birth_date, child.birth_date) < (16 if e.sex == "F" else 19):
                out.append(f"{rel} too young to be the parent")
        wed = [e for e in elders if e.marital_status in WED]
        if len(wed) == 1:
            out.append(f"{rel} married without the spouse in the KK")
        elif len(wed) == 2:
            couple_ok(wed[0], wed[1], rel)
            if wed[0].marriage_date >= child.birth_date:
                out.append(f"{rel} married after their child's birth")
    for rel in ("cucu", "famili_lain", "pembantu", "lainnya"):
        if any(p.marital_status in WED for p in by.get(rel, [])):
            out.append(f"a married {rel} without spouse")
    for p in members:
        if (p.marriage_date is not None) != (p.marital_status in WED):
            out.append("marriage date iff currently married")
    return out


def _frame_households(persons: pd.DataFrame):
    """The persons DataFrame as lists of members per KK (records with Person field names)."""
    cols = ["kk_number", "nik", "sex", "birth_date", "relationship", "marital_status", "marriage_date", "age"]
    frame = persons[cols].copy()
    frame["birth_date"] = frame["birth_date"].dt.date
    frame["marriage_date"] = [None if pd.isna(d) else d.date() for d in frame["marriage_date"]]
    for c in ("sex", "relationship", "marital_status"):
        frame[c] = frame[c].astype(str)
    groups: dict[str, list] = {}
    for rec in frame.itertuples(index=False):
        groups.setdefault(rec.kk_number, []).append(rec)
    return groups


@pytest.fixture(scope="module")
def sample_households(sample):
    return _frame_households(sample[1])


def test_every_household_is_coherent(sample_households):
    problems = {kk: p for kk, members in sample_households.items() if (p := household_problems(members))}
    assert not problems, list(problems.items())[:5]


def test_every_household_type_is_coherent_in_the_object_api():
    for i, kind in enumerate(synthetic.HOUSEHOLD_TYPES):
        batch = synthetic.generate_household_batch("35.27.09.2003", 400, seed=100 + i, household_type=kind)
        assert {h.household_type for h in batch} == {kind}
        for h in batch:
            assert not household_problems(h.members), (kind, household_problems(h.members), h.members)


def test_the_checker_catches_incoherent_households():
    """Break coherent households in each way the checker knows; every break must be flagged."""
    from dataclasses import replace

    batch = synthetic.generate_household_batch("35.27.09.2003", 300, seed=7, household_type="three_generation")
    h = next(h for h in batch if h.spouse is not None and any(p.relationship == "cucu" for p in h.members))
    assert not household_problems(h.members)
    rows = list(h.members)
    idx = {p.relationship: i for i, p in reversed(list(enumerate(rows)))}

    def broken(i, **change):
        copy = list(rows)
        copy[i] = replace(copy[i], **change)
        return household_problems(copy)

    cucu, menantu, head = idx["cucu"], idx["menantu"], idx["kepala_keluarga"]
    married_child = next(i for i, p in enumerate(rows) if p.relationship == "anak" and p.marital_status in WED)
    # a grandchild older than its parent, a menantu married on another day, an unmarried menantu
    assert broken(cucu, birth_date=rows[married_child].birth_date - dt.timedelta(days=400))
    assert broken(menantu, marriage_date=rows[menantu].marriage_date - dt.timedelta(days=1))
    assert broken(menantu, marital_status="belum_kawin", marriage_date=None)
    # the married couple of the young generation married under age after UU 16/2019
    wife = married_child if rows[married_child].sex == "F" else menantu
    late = dt.date(2023, 1, 5)
    young = replace(rows[wife], birth_date=dt.date(2005, 6, 1))
    copy = list(rows)
    copy[wife] = replace(young, marriage_date=late)
    other = menantu if wife == married_child else married_child
    copy[other] = replace(copy[other], marriage_date=late)
    assert any("legal age" in x for x in household_problems(copy))
    # a menantu without a married anak; a cucu without parents
    assert household_problems([r for i, r in enumerate(rows) if i != married_child])
    assert household_problems([r for i, r in enumerate(rows) if i not in (married_child, menantu)])
    # the head younger than 32 years older than a grandchild; two heads
    assert broken(head, birth_date=rows[cucu].birth_date - dt.timedelta(days=365 * 25))
    assert broken(idx["istri"] if "istri" in idx else idx["suami"], relationship="kepala_keluarga")


def test_all_siak_relationships_occur(sample):
    _, persons = sample
    counts = persons["relationship"].astype(str).value_counts()
    assert set(counts.index) == set(synthetic.RELATIONSHIPS)
    assert len(synthetic.RELATIONSHIPS) == 11
    # three-generation KKs are common (research-notes §9.6): a few per cent of persons are cucu/menantu
    assert counts["cucu"] / len(persons) > 0.02 and counts["menantu"] / len(persons) > 0.02
    assert counts["pembantu"] < counts["famili_lain"]
    labels = [synthetic.relationship_label(r) for r in synthetic.RELATIONSHIPS]
    assert labels[:1] + labels[4:6] + labels[8:9] == ["Kepala Keluarga", "Menantu", "Cucu", "Famili Lain"]
    with pytest.raises(KeyError):
        synthetic.relationship_label("tetangga")


def test_married_minors_only_before_uu_16_2019():
    """Women married at 16-18 before UU 16/2019 exist; after it nobody married under 19 (no dispensation)."""
    early = dt.date(2019, 6, 30)
    _, p19 = synthetic.generate_population(persons=30_000, seed=11, reference_date=early)
    wed = p19["marital_status"].isin(WED)
    minors = p19[wed & (p19["sex"] == "F") & p19["age"].between(16, 18)]
    assert len(minors) > 30
    assert (minors["marriage_date"] < pd.Timestamp(AMENDMENT)).all()
    assert (p19.loc[wed, "age"] >= 16).all()
    # a married 16-year-old is due a KTP-el (UU 24/2013 Pasal 63: 17 or married): most hold one
    sixteen = p19[wed & (p19["age"] == 16)]
    assert len(sixteen) > 5 and sixteen["has_ktp_el"].mean() > 0.8
    assert not p19.loc[~wed & (p19["age"] < 17), "has_ktp_el"].any()

    _, p25 = synthetic.generate_population(persons=30_000, seed=11)
    wed = p25["marital_status"].isin(WED)
    women = p25[wed & (p25["sex"] == "F")]
    at_marriage = (women["marriage_date"] - women["birth_date"]).dt.days / 365.2425
    assert (women["age"] >= 19).all()  # nobody could marry under 19 after UU 16/2019
    early_brides = at_marriage < 19
    assert early_brides.mean() > 0.05
    assert (women.loc[early_brides, "marriage_date"] < pd.Timestamp(AMENDMENT)).all()
    assert (at_marriage >= 16).all()
    men = p25[wed & (p25["sex"] == "M")]
    assert (((men["marriage_date"] - men["birth_date"]).dt.days / 365.2425) >= 19).all()
    after = p25[wed & (p25["marriage_date"] >= pd.Timestamp(AMENDMENT))]
    assert len(after) > 100
    assert (((after["marriage_date"] - after["birth_date"]).dt.days / 365.2425) >= 19).all()


@pytest.fixture(scope="module")
def large():
    """200,000 persons: enough for the sex ratio to within about half a point (binomial sd)."""
    return synthetic.generate_population(persons=200_000, seed=2025)[1]


def test_sex_ratio_matches_the_registry(large):
    """Dukcapil 2025 (research-notes §2.1): 512.140 men, 521.786 women, 98,2 men per 100 women.

    Tolerance: +-2 points (the binomial sd at 200,000 persons is ~0.45 point; the rest allows the
    model's labelled assumptions). The model before three-generation KKs gave 95 and failed this.
    """
    registry_ratio = 100 * 512_140 / 521_786
    men = int((large["sex"] == "M").sum())
    women = int((large["sex"] == "F").sum())
    assert abs(100 * men / women - registry_ratio) < 2.0


def test_age_structure_broad_shares(large):
    """No sourced age pyramid for Sampang is packaged (sakera_toolkit/data has none), so only broad shares.

    Sourced anchors (research-notes §2.5): ~250 ribu of ~0.9 juta under 17 in 2020 (~25-28 %);
    wajib KTP 630.518 of 856.414 = 73,6 % (Dec 2018); 219.809 aged 0-18 of 856.414 = 25,7 %
    (Jun 2018; the two anchors do not quite agree, hence the wide band). The 0-4 / 65+ bands and
    the mean KK size are plausibility assumptions, not sourced figures.
    """
    age = large["age"]
    wajib = (age >= 17) | large["marital_status"].isin(WED)
    assert 0.24 < (age < 17).mean() < 0.30
    assert 0.24 < (age < 19).mean() < 0.33
    assert 0.70 < wajib.mean() < 0.77
    assert 0.05 < (age < 5).mean() < 0.10
    assert 0.03 < (age >= 65).mean() < 0.10
    assert age.between(0, 95).all()
    assert 3.0 < len(large) / large["kk_number"].nunique() < 3.8
    # a pyramid, not an urn: each broad band of younger people at least as large as the oldest ones
    bands = pd.cut(age, [0, 15, 30, 45, 60, 96], right=False).value_counts(sort=False).to_numpy()
    assert bands[0] > bands[3] > bands[4] and bands[1] > bands[4]


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

"""Practice cases: a synthetic citizen at a village desk with a request and a bundle of documents.

:func:`generate_case` draws, from one seed, a situation for a service of the catalogue, the people
involved (synthetic households from :mod:`sakera_toolkit.people.synthetic`), the documents they
bring (printed as :class:`~sakera_toolkit.training.model.Document` cards), and injects defects
according to the difficulty:

==========  ==================================================================================
difficulty  defects
==========  ==================================================================================
0           none (guided practice)
1           none, or one obvious defect (missing/damaged document, fee, wrong service, domicile,
            deadline)
2           none, or one to two defects of any kind (NIK/name/date mismatches, duplicates too)
3           none, or two to three defects, subtle kinds first
==========  ==================================================================================

The share of clean cases and the maximum number of defects per level are in
``calibration/training.yaml``. Same inputs -> identical case (and ``case_id``).

Examples
--------
>>> from sakera_toolkit.training import generate_case
>>> case = generate_case("akta_kelahiran", difficulty=0, seed=7)
>>> case.is_clean, case.expected.decision
(True, 'process')
>>> [d.kind for d in case.documents]  # doctest: +NORMALIZE_WHITESPACE
['surat_keterangan_lahir', 'buku_nikah', 'kk', 'ktp_el']
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from .. import calibration, registry, services
from ..errors import SakeraInputError
from ..people import nik as nikmod
from ..people import synthetic
from . import defects as _defects
from . import rules as _rules
from .model import Case, Document, Expected, Person, Request, format_date

__all__ = ["DIFFICULTIES", "generate_case", "case_hints", "SeedLike"]

#: Difficulty levels of a case.
DIFFICULTIES = (0, 1, 2, 3)

SeedLike = int | np.random.SeedSequence | np.random.Generator

_MARITAL_KK = {
    "belum_kawin": "BELUM KAWIN",
    "kawin_tercatat": "KAWIN TERCATAT",
    "kawin_belum_tercatat": "KAWIN BELUM TERCATAT",
    "cerai_hidup": "CERAI HIDUP",
    "cerai_mati": "CERAI MATI",
}
_MARITAL_KTP = {
    "belum_kawin": "BELUM KAWIN",
    "kawin_tercatat": "KAWIN",
    "kawin_belum_tercatat": "KAWIN",
    "cerai_hidup": "CERAI HIDUP",
    "cerai_mati": "CERAI MATI",
}
_SEX_ID = {"M": "L", "F": "P"}
_MAX_HOUSEHOLD_TRIES = 200


@lru_cache(maxsize=1)
def _villages():
    return registry.villages().set_index("village_code")


# ---------------------------------------------------------------------------------------- world
@dataclass
class _P:
    """A mutable person while a case is being built."""

    name: str
    nik: str | None
    sex: str  # "M" | "F"
    birth_date: dt.date
    birth_place: str
    relationship: str
    marital_status: str
    occupation: str

    def freeze(self) -> Person:
        return Person(
            name=self.name,
            nik=self.nik,
            sex=_SEX_ID[self.sex],
            birth_date=self.birth_date,
            birth_place=self.birth_place,
            relationship=self.relationship,
            marital_status=self.marital_status,
            occupation=self.occupation,
        )


@dataclass
class _Family:
    kk_number: str
    village_name: str
    district_name: str
    district_code: str
    dusun: str
    rt: int
    rw: int
    issued: dt.date
    members: list[str]


@dataclass
class _World:
    """Everything drawn for a case before it is printed (internal to the generator)."""

    service: services.Service
    today: dt.date
    cal: calibration.Calibration
    desk_code: str
    villages: Any
    home_code: str = ""
    origin_code: str | None = None
    destination_code: str | None = None
    late_event: bool = False
    requested_service_id: str = ""
    fee_idr: int = 0
    fee_mode: str = ""
    date_variant: str = ""
    date_changed_nik: tuple[str, str] | None = None
    involved_niks: set[str] = field(default_factory=set)
    people: dict[str, _P] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    families: dict[str, _Family] = field(default_factory=dict)
    applicant: str = "pemohon"
    event_date: dt.date | None = None
    event_place: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    names_used: set[str] = field(default_factory=set)

    @property
    def service_id(self) -> str:
        return self.service.id

    def _village(self, code: str):
        return self.villages.loc[code]

    @property
    def district_code(self) -> str:
        return str(self._village(self.desk_code)["district_code"])

    def village_label(self, code: str | None) -> str:
        row = self._village(code or self.desk_code)
        return f"Desa {row['village_name']}, Kec. {row['district_name']}"

    def other_village(self, rng: np.random.Generator, exclude: set) -> str:
        codes = [c for c in self.villages.index if c not in exclude]
        return str(codes[int(rng.integers(len(codes)))])

    def person(self, role: str) -> _P:
        return self.people[self.roles[role]]

    def all_niks(self) -> set[str]:
        return {p.nik for p in self.people.values() if p.nik}


def _seed_sequence(seed: SeedLike) -> tuple[np.random.SeedSequence, int]:
    if isinstance(seed, np.random.Generator):
        value = int(seed.integers(0, 2**63 - 1))
    elif isinstance(seed, np.random.SeedSequence):
        value = int(seed.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))
    elif seed is None or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise SakeraInputError(
            f"seed {seed!r} must be a non-negative integer, a SeedSequence or a Generator", location="seed"
        )
    else:
        value = int(seed)
    return np.random.SeedSequence(value), value


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _between(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    if hi <= lo:
        return lo
    return lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


class _HouseholdSource:
    """Draws synthetic households with shared NIK/KK allocators (unique numbers within a case)."""

    def __init__(self, ss: np.random.SeedSequence, today: dt.date):
        self.ss = ss
        self.today = today
        self.nik_alloc = nikmod.SequenceAllocator()
        self.kk_alloc = nikmod.SequenceAllocator(kind="KK number")
        self.names = synthetic.name_pools(ss.spawn(1)[0], size=64)

    def draw(self, village_code: str, types: tuple[str, ...], accept) -> synthetic.Household:
        rng = np.random.default_rng(self.ss.spawn(1)[0])
        for _ in range(_MAX_HOUSEHOLD_TRIES):
            hh = synthetic.generate_household(
                village_code,
                seed=self.ss.spawn(1)[0],
                household_type=str(rng.choice(types)),
                reference_date=self.today,
                nik_allocator=self.nik_alloc,
                kk_allocator=self.kk_alloc,
            )
            found = accept(hh)
            if found:
                return hh
        raise RuntimeError(
            f"no suitable household found in {village_code} after {_MAX_HOUSEHOLD_TRIES} draws"
        )  # pragma: no cover

    def new_name(self, sex: str, used: set[str], rng: np.random.Generator) -> str:
        pool = self.names[0] if sex == "M" else self.names[1]
        free = [n for n in pool if n.casefold() not in used]
        return str(free[int(rng.integers(len(free)))])

    def new_nik(self, district_code: str, born: dt.date, sex: str) -> str:
        return self.nik_alloc.next_nik(district_code, born, sex)


def _add_family(world: _World, key: str, hh: synthetic.Household) -> dict[str, str]:
    """Copy a synthetic household into the world; return relationship-index keys -> person keys."""
    keys = {}
    members = []
    for i, p in enumerate(hh.members):
        pkey = f"{key}.{i}"
        world.people[pkey] = _P(
            name=p.name,
            nik=p.nik,
            sex=p.sex,
            birth_date=p.birth_date,
            birth_place=p.birth_place.upper(),
            relationship=p.relationship,
            marital_status=p.marital_status,
            occupation=p.occupation,
        )
        members.append(pkey)
        keys[f"{p.relationship}.{i}"] = pkey
    world.families[key] = _Family(
        kk_number=hh.kk_number,
        village_name=hh.village_name,
        district_name=hh.district_name,
        district_code=hh.district_code,
        dusun=hh.dusun,
        rt=hh.rt,
        rw=hh.rw,
        issued=hh.registration_date,
        members=members,
    )
    return keys


def _member_key(world: _World, family: str, person: synthetic.Person, hh: synthetic.Household) -> str:
    return f"{family}.{hh.members.index(person)}"


def _event_days(world: _World, rng: np.random.Generator) -> int:
    fresh = int(world.cal["fresh_event_days_max"])
    if world.late_event:
        limit = int(world.service.reporting_deadline_days)
        return limit + int(rng.integers(5, int(world.cal["late_event_days_extra_max"]) + 1))
    return int(rng.integers(1, fresh + 1))


def _marriage_date(rng, husband: _P, wife: _P, before: dt.date) -> dt.date:
    lo = max(_add_years(husband.birth_date, 19), _add_years(wife.birth_date, 19))
    hi = before - dt.timedelta(days=30)
    return _between(rng, lo, min(hi, _add_years(lo, 8)))


# ------------------------------------------------------------------------------ people per service
def _young_couple(max_wife_age: int, today: dt.date):
    def ok(hh):
        head, spouse = hh.head, hh.spouse
        return (
            head.sex == "M"
            and spouse is not None
            and spouse.sex == "F"
            and head.marital_status == "kawin_tercatat"
            and _age(spouse.birth_date, today) <= max_wife_age
        )

    return ok


def _people_akta_kelahiran(world, src, rng):
    hh = src.draw(world.home_code, ("couple", "nuclear"), _young_couple(42, world.today))
    _add_family(world, "kk", hh)
    world.roles.update(ayah=_member_key(world, "kk", hh.head, hh), ibu=_member_key(world, "kk", hh.spouse, hh))
    world.roles["pemohon"] = world.roles["ayah"] if rng.random() < 0.5 else world.roles["ibu"]
    world.event_date = world.today - dt.timedelta(days=_event_days(world, rng))
    sex = "M" if rng.random() < 0.5 else "F"
    surname_from = world.person("ayah").name.split()[-1]
    first = src.new_name(sex, world.names_used, rng).split()[0]
    world.people["bayi"] = _P(
        name=f"{first} {surname_from}", nik=None, sex=sex, birth_date=world.event_date, birth_place="SAMPANG",
        relationship="anak", marital_status="belum_kawin", occupation="Belum/Tidak Bekerja",
    )  # fmt: skip
    world.roles["bayi"] = "bayi"
    district = world.families["kk"].district_name.upper()
    world.event_place = str(
        rng.choice([f"PUSKESMAS {district}", "RSUD SAMPANG", f"POLINDES {world.families['kk'].village_name.upper()}"])
    )
    world.extra["penolong"] = "BIDAN" if "RSUD" not in world.event_place else "DOKTER"
    children = [world.people[k] for k in world.families["kk"].members if world.people[k].relationship == "anak"]
    first_birth = min([c.birth_date for c in children] + [world.event_date])
    world.extra["tanggal_nikah"] = format_date(
        _marriage_date(rng, world.person("ayah"), world.person("ibu"), first_birth)
    )


def _people_akta_kematian(world, src, rng):
    def ok(hh):
        return (
            any(p.relationship in ("orang_tua", "mertua") for p in hh.members)
            and hh.head.relationship == "kepala_keluarga"
        )

    hh = src.draw(world.home_code, ("extended",), ok)
    _add_family(world, "kk", hh)
    elder = next(p for p in hh.members if p.relationship in ("orang_tua", "mertua"))
    world.roles.update(almarhum=_member_key(world, "kk", elder, hh), pemohon=_member_key(world, "kk", hh.head, hh))
    world.event_date = world.today - dt.timedelta(days=_event_days(world, rng))
    world.event_place = str(rng.choice(["RUMAH", f"PUSKESMAS {hh.district_name.upper()}", "RSUD SAMPANG"]))
    world.extra["sebab_kematian"] = str(rng.choice(["SAKIT", "USIA LANJUT"]))


def _parents_of_adults(today: dt.date):
    """Households whose mother (or single parent) is old enough to have a child aged 19 or more."""

    def ok(hh):
        mother = hh.spouse if hh.head.sex == "M" else hh.head
        return mother is not None and mother.sex == "F" and _age(mother.birth_date, today) >= 39

    return ok


def _adult_child(world: _World, src: _HouseholdSource, family: str, hh, sex: str, rng) -> str:
    """An unmarried child aged 19-35 of ``sex`` in ``family``; added to the KK when there is none."""
    for p in hh.children:
        if p.sex == sex and 19 <= _age(p.birth_date, world.today) <= 35 and p.marital_status == "belum_kawin":
            return _member_key(world, family, p, hh)
    mother = hh.spouse if hh.head.sex == "M" else hh.head
    oldest = min(35, _age(mother.birth_date, world.today) - 20)
    born = world.today - dt.timedelta(days=int(rng.integers(19 * 365 + 5, oldest * 365 + 6)))
    key = f"{family}.{len(world.families[family].members)}"
    district = world.families[family].district_code
    world.people[key] = _P(
        name=f"{src.new_name(sex, world.names_used, rng).split()[0]} {hh.head.name.split()[-1]}",
        nik=src.new_nik(district, born, sex), sex=sex, birth_date=born, birth_place="SAMPANG", relationship="anak",
        marital_status="belum_kawin", occupation=str(rng.choice(["Petani/Pekebun", "Wiraswasta", "Pedagang", "Buruh Harian Lepas"])),
    )  # fmt: skip
    world.families[family].members.append(key)
    return key


def _people_kk_baru(world, src, rng):
    parents = _parents_of_adults(world.today)
    types = ("couple", "nuclear", "single_parent", "extended")
    hh_m = src.draw(world.home_code, types, parents)
    hh_f = src.draw(world.home_code, types, parents)
    _add_family(world, "kk_suami", hh_m)
    _add_family(world, "kk_istri", hh_f)
    world.roles.update(
        suami=_adult_child(world, src, "kk_suami", hh_m, "M", rng),
        istri=_adult_child(world, src, "kk_istri", hh_f, "F", rng),
    )
    pemohon, pasangan = ("suami", "istri") if rng.random() < 0.5 else ("istri", "suami")
    world.roles.update(pemohon=world.roles[pemohon], pasangan=world.roles[pasangan])
    world.extra["keluarga_pemohon"] = f"kk_{pemohon}"
    world.extra["keluarga_pasangan"] = f"kk_{pasangan}"
    world.event_date = world.today - dt.timedelta(days=int(rng.integers(5, 91)))


def _people_kk_perubahan(world, src, rng):
    hh = src.draw(world.home_code, ("couple", "nuclear"), _young_couple(42, world.today))
    _add_family(world, "kk", hh)
    world.roles.update(
        pemohon=_member_key(world, "kk", hh.head, hh),
        ayah=_member_key(world, "kk", hh.head, hh),
        ibu=_member_key(world, "kk", hh.spouse, hh),
    )
    born = world.today - dt.timedelta(days=int(rng.integers(60, 700)))
    sex = "M" if rng.random() < 0.5 else "F"
    first = src.new_name(sex, world.names_used, rng).split()[0]
    district = world.families["kk"].district_code
    world.people["anak"] = _P(
        name=f"{first} {hh.head.name.split()[-1]}", nik=src.new_nik(district, born, sex), sex=sex, birth_date=born,
        birth_place="SAMPANG", relationship="anak", marital_status="belum_kawin", occupation="Belum/Tidak Bekerja",
    )  # fmt: skip
    world.roles["anak"] = "anak"
    world.extra["akta_terbit"] = format_date(
        min(world.today - dt.timedelta(days=1), born + dt.timedelta(days=int(rng.integers(7, 50))))
    )


def _people_kk_hilang_rusak(world, src, rng):
    hh = src.draw(world.home_code, synthetic.HOUSEHOLD_TYPES, lambda h: _age(h.head.birth_date, world.today) >= 17)
    _add_family(world, "kk", hh)
    world.roles["pemohon"] = _member_key(world, "kk", hh.head, hh)


def _people_ktp_baru(world, src, rng):
    def pick(hh):
        return next((p for p in hh.children if 14 <= _age(p.birth_date, world.today) <= 20), None)

    hh = src.draw(world.home_code, ("nuclear", "single_parent", "extended"), pick)
    _add_family(world, "kk", hh)
    key = _member_key(world, "kk", pick(hh), hh)
    teen = world.people[key]
    birthday = world.today - dt.timedelta(days=int(rng.integers(0, 121)))
    teen.birth_date = _add_years(birthday, -17)
    teen.nik = src.new_nik(teen.nik[:6], teen.birth_date, teen.sex)
    teen.marital_status = "belum_kawin"
    world.roles["pemohon"] = key


def _people_ktp_hilang_rusak(world, src, rng):
    hh = src.draw(world.home_code, synthetic.HOUSEHOLD_TYPES, lambda h: _age(h.head.birth_date, world.today) >= 17)
    _add_family(world, "kk", hh)
    adults = [p for p in hh.members if _age(p.birth_date, world.today) >= 17]
    world.roles["pemohon"] = _member_key(world, "kk", adults[int(rng.integers(len(adults)))], hh)


def _people_ktp_perubahan(world, src, rng):
    hh = src.draw(world.home_code, ("couple",), _young_couple(35, world.today))
    _add_family(world, "kk", hh)
    world.roles.update(suami=_member_key(world, "kk", hh.head, hh), istri=_member_key(world, "kk", hh.spouse, hh))
    world.roles["pemohon"] = world.roles["suami"] if rng.random() < 0.5 else world.roles["istri"]
    for role in ("suami", "istri"):
        world.person(role).marital_status = "kawin_tercatat"
    world.event_date = world.today - dt.timedelta(days=int(rng.integers(10, 91)))
    world.families["kk"].issued = world.event_date + dt.timedelta(days=int(rng.integers(1, 6)))


def _people_kia(world, src, rng):
    def pick(hh):
        return next((p for p in hh.children if _age(p.birth_date, world.today) <= 16), None)

    hh = src.draw(world.home_code, ("nuclear", "single_parent", "extended"), pick)
    _add_family(world, "kk", hh)
    child = pick(hh)
    world.roles.update(anak=_member_key(world, "kk", child, hh), pemohon=_member_key(world, "kk", hh.head, hh))
    mother = hh.spouse if hh.head.sex == "M" else hh.head
    father = hh.head if hh.head.sex == "M" else hh.spouse
    world.extra["nama_ibu"] = mother.name if mother is not None else src.new_name("F", world.names_used, rng)
    world.extra["nama_ayah"] = father.name if father is not None else src.new_name("M", world.names_used, rng)
    world.names_used.update({world.extra["nama_ibu"].casefold(), world.extra["nama_ayah"].casefold()})
    world.extra["akta_terbit"] = format_date(
        min(world.today - dt.timedelta(days=1), child.birth_date + dt.timedelta(days=int(rng.integers(7, 400))))
    )


_DESTINATION_REASONS = (("PEKERJAAN", "work"), ("KELUARGA", "family"), ("PENDIDIKAN", "education"))


def _people_pindah_keluar(world, src, rng):
    hh = src.draw(world.home_code, ("couple", "nuclear"), lambda h: _age(h.head.birth_date, world.today) >= 17)
    _add_family(world, "kk", hh)
    world.roles["pemohon"] = _member_key(world, "kk", hh.head, hh)
    regencies = registry.regencies()
    jatim = regencies[regencies["code"].str.startswith("35.") & (regencies["code"] != "35.27")]
    world.extra["tujuan_kabupaten"] = str(jatim["name"].iloc[int(rng.integers(len(jatim)))]).upper()
    reason = _DESTINATION_REASONS[int(rng.integers(len(_DESTINATION_REASONS)))]
    world.extra["alasan_pindah"], world.extra["alasan_pindah_en"] = reason


def _people_pindah_datang(world, src, rng):
    hh = src.draw(world.origin_code, ("couple", "nuclear"), lambda h: _age(h.head.birth_date, world.today) >= 17)
    _add_family(world, "kk", hh)
    world.roles["pemohon"] = _member_key(world, "kk", hh.head, hh)
    reason = _DESTINATION_REASONS[int(rng.integers(len(_DESTINATION_REASONS)))]
    world.extra["alasan_pindah"], world.extra["alasan_pindah_en"] = reason
    world.extra["skpwni_tanggal"] = format_date(world.today - dt.timedelta(days=int(rng.integers(3, 31))))
    world.extra["nomor_skpwni"] = f"SKPWNI/{hh.district_code.replace('.', '')}/{int(rng.integers(10000, 99999))}"


_PEOPLE = {
    "akta_kelahiran": _people_akta_kelahiran,
    "akta_kematian": _people_akta_kematian,
    "kk_baru": _people_kk_baru,
    "kk_perubahan": _people_kk_perubahan,
    "kk_hilang_rusak": _people_kk_hilang_rusak,
    "ktp_baru": _people_ktp_baru,
    "ktp_hilang_rusak": _people_ktp_hilang_rusak,
    "ktp_perubahan": _people_ktp_perubahan,
    "kia": _people_kia,
    "pindah_keluar": _people_pindah_keluar,
    "pindah_datang": _people_pindah_datang,
}


def _dedupe_names(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    """Make every name in the case unique (two households may share a name from the pools)."""
    seen: set[str] = set()
    for key in sorted(world.people):
        p = world.people[key]
        folded = p.name.casefold()
        if folded in seen:
            p.name = src.new_name(p.sex, seen | world.names_used, rng)
            folded = p.name.casefold()
        seen.add(folded)
    world.names_used |= seen


# ---------------------------------------------------------------------------------------- documents
def _ktp(
    world: _World, ref: str, p: _P, fam: _Family, rng, marital: str | None = None, before: dt.date | None = None
) -> Document:
    lo = max(_add_years(p.birth_date, 17), dt.date(2012, 1, 2))
    hi = (before or world.today) - dt.timedelta(days=30)
    return Document(
        ref=ref,
        kind="ktp_el",
        fields={
            "nik": p.nik,
            "nama": p.name.upper(),
            "tempat_lahir": p.birth_place,
            "tanggal_lahir": format_date(p.birth_date),
            "jenis_kelamin": _defects.SEX_LABELS[p.sex],
            "alamat": f"DUSUN {fam.dusun.upper()}",
            "rt_rw": f"{fam.rt:03d}/{fam.rw:03d}",
            "desa": fam.village_name.upper(),
            "kecamatan": fam.district_name.upper(),
            "status_perkawinan": marital or _MARITAL_KTP[p.marital_status],
            "pekerjaan": p.occupation.upper(),
            "kewarganegaraan": "WNI",
            "berlaku_hingga": "SEUMUR HIDUP",
            "tanggal_dikeluarkan": format_date(_between(rng, min(lo, hi), hi)),
        },
    )


def _kk(world: _World, ref: str, fam: _Family) -> Document:
    head = world.people[fam.members[0]]
    rows = [
        {
            "nik": p.nik,
            "nama": p.name.upper(),
            "jenis_kelamin": _defects.SEX_LABELS[p.sex],
            "tempat_lahir": p.birth_place,
            "tanggal_lahir": format_date(p.birth_date),
            "status_perkawinan": _MARITAL_KK[p.marital_status],
            "hubungan": p.relationship.replace("_", " ").upper(),
            "pekerjaan": p.occupation.upper(),
        }
        for p in (world.people[k] for k in fam.members)
    ]
    return Document(
        ref=ref,
        kind="kk",
        fields={
            "no_kk": fam.kk_number,
            "kepala_keluarga": head.name.upper(),
            "alamat": f"DUSUN {fam.dusun.upper()}",
            "rt_rw": f"{fam.rt:03d}/{fam.rw:03d}",
            "desa": fam.village_name.upper(),
            "kecamatan": fam.district_name.upper(),
            "kabupaten": "SAMPANG",
            "provinsi": "JAWA TIMUR",
            "tanggal_dikeluarkan": format_date(fam.issued),
        },
        rows=tuple(rows),
    )


def _buku_nikah(world: _World, husband: _P, wife: _P, married: dt.date, district: str, rng) -> Document:
    return Document(
        ref="buku_nikah",
        kind="buku_nikah",
        fields={
            "nomor": f"{int(rng.integers(100, 999))}/{married.month:02d}/{married.year}",
            "nama_suami": husband.name.upper(),
            "nik_suami": husband.nik,
            "nama_istri": wife.name.upper(),
            "nik_istri": wife.nik,
            "tanggal_nikah": format_date(married),
            "tempat_nikah": f"KUA KECAMATAN {district.upper()}",
        },
    )


def _letter_date(world: _World, event: dt.date, rng) -> dt.date:
    return min(world.today, event + dt.timedelta(days=int(rng.integers(0, 3))))


def _surat_kehilangan(world: _World, p: _P, fam: _Family, lost: str, rng) -> Document:
    issued = world.today - dt.timedelta(days=int(rng.integers(1, 31)))
    return Document(
        ref="surat_kehilangan",
        kind="surat_kehilangan",
        fields={
            "nomor": f"SKTLK/{int(rng.integers(100, 999))}/{issued.month:02d}/{issued.year}",
            "nik": p.nik,
            "nama": p.name.upper(),
            "dokumen_hilang": lost,
            "no_kk": fam.kk_number,
            "tanggal_surat": format_date(issued),
            "berlaku_hingga": format_date(issued + dt.timedelta(days=int(world.cal["document_validity_days"]))),
            "penerbit": f"POLSEK {fam.district_name.upper()}",
        },
    )


def _akta(ref: str, p: _P, father: str, mother: str, issued: str, rng) -> Document:
    return Document(
        ref=ref,
        kind="akta_kelahiran",
        fields={
            "nomor": f"3527-LT-{p.birth_date.strftime('%d%m%Y')}-{int(rng.integers(1000, 9999))}",
            "nik": p.nik,
            "nama": p.name.upper(),
            "jenis_kelamin": _defects.SEX_LABELS[p.sex],
            "tempat_lahir": p.birth_place,
            "tanggal_lahir": format_date(p.birth_date),
            "nama_ayah": father.upper(),
            "nama_ibu": mother.upper(),
            "tanggal_terbit": issued,
        },
    )


def _documents(world: _World, rng: np.random.Generator) -> list[Document]:
    s = world.service_id
    kk = world.families.get("kk")
    pem = world.person("pemohon")
    if s == "akta_kelahiran":
        bayi, ibu, ayah = world.person("bayi"), world.person("ibu"), world.person("ayah")
        letter = _letter_date(world, world.event_date, rng)
        married = dt.datetime.strptime(world.extra["tanggal_nikah"], "%d-%m-%Y").date()
        return [
            Document(
                ref="surat_keterangan_lahir",
                kind="surat_keterangan_lahir",
                fields={
                    "nomor": f"SKL/{int(rng.integers(100, 999))}/{letter.year}",
                    "nama_bayi": bayi.name.upper(),
                    "jenis_kelamin": _defects.SEX_LABELS[bayi.sex],
                    "tanggal_lahir": format_date(bayi.birth_date),
                    "tempat_lahir": world.event_place,
                    "nama_ibu": ibu.name.upper(),
                    "nik_ibu": ibu.nik,
                    "nama_ayah": ayah.name.upper(),
                    "penolong": world.extra["penolong"],
                    "tanggal_surat": format_date(letter),
                    "penerbit": world.event_place,
                },
            ),
            _buku_nikah(world, ayah, ibu, married, kk.district_name, rng),
            _kk(world, "kk", kk),
            _ktp(world, "ktp_el", pem, kk, rng),
        ]
    if s == "akta_kematian":
        alm = world.person("almarhum")
        letter = _letter_date(world, world.event_date, rng)
        return [
            Document(
                ref="surat_keterangan_kematian",
                kind="surat_keterangan_kematian",
                fields={
                    "nomor": f"SKK/{int(rng.integers(100, 999))}/{letter.year}",
                    "nik": alm.nik,
                    "nama": alm.name.upper(),
                    "jenis_kelamin": _defects.SEX_LABELS[alm.sex],
                    "tanggal_lahir": format_date(alm.birth_date),
                    "tanggal_kematian": format_date(world.event_date),
                    "tempat_kematian": world.event_place,
                    "sebab_kematian": world.extra["sebab_kematian"],
                    "tanggal_surat": format_date(letter),
                    "penerbit": f"PUSKESMAS {kk.district_name.upper()}",
                },
            ),
            _kk(world, "kk", kk),
            _ktp(world, "ktp_el_almarhum", alm, kk, rng),
        ]
    if s == "kk_baru":
        fam_p, fam_q = world.families[world.extra["keluarga_pemohon"]], world.families[world.extra["keluarga_pasangan"]]
        pas = world.person("pasangan")
        return [
            _buku_nikah(
                world, world.person("suami"), world.person("istri"), world.event_date, fam_p.district_name, rng
            ),
            _kk(world, "kk", fam_p),
            _kk(world, "kk_pasangan", fam_q),
            _ktp(world, "ktp_el", pem, fam_p, rng, before=world.event_date),
            _ktp(world, "ktp_el_pasangan", pas, fam_q, rng, before=world.event_date),
        ]
    if s == "kk_perubahan":
        anak = world.person("anak")
        return [
            _kk(world, "kk", kk),
            _akta(
                "akta_kelahiran",
                anak,
                world.person("ayah").name,
                world.person("ibu").name,
                world.extra["akta_terbit"],
                rng,
            ),
            _ktp(world, "ktp_el", pem, kk, rng),
        ]
    if s == "kk_hilang_rusak":
        return [_surat_kehilangan(world, pem, kk, "KARTU KELUARGA", rng), _ktp(world, "ktp_el", pem, kk, rng)]
    if s == "ktp_baru":
        return [_kk(world, "kk", kk)]
    if s == "ktp_hilang_rusak":
        return [_surat_kehilangan(world, pem, kk, "KTP-EL", rng), _kk(world, "kk", kk)]
    if s == "ktp_perubahan":
        return [
            _kk(world, "kk", kk),
            _ktp(world, "ktp_el", pem, kk, rng, marital="BELUM KAWIN", before=world.event_date),
            _buku_nikah(world, world.person("suami"), world.person("istri"), world.event_date, kk.district_name, rng),
        ]
    if s == "kia":
        anak = world.person("anak")
        docs = [
            _akta(
                "akta_kelahiran",
                anak,
                world.extra["nama_ayah"],
                world.extra["nama_ibu"],
                world.extra["akta_terbit"],
                rng,
            ),
            _kk(world, "kk", kk),
            _ktp(world, "ktp_el", pem, kk, rng),
        ]
        if _age(anak.birth_date, world.today) >= 5:
            docs.append(
                Document(
                    ref="pas_foto",
                    kind="pas_foto",
                    fields={
                        "nama": anak.name.upper(),
                        "ukuran": "3 x 4 cm",
                        "warna_latar": str(rng.choice(["MERAH", "BIRU"])),
                    },
                )
            )
        return docs
    if s == "pindah_keluar":
        return [_kk(world, "kk", kk), _ktp(world, "ktp_el", pem, kk, rng)]
    if s == "pindah_datang":
        dest = world.villages.loc[world.destination_code]
        issued = dt.datetime.strptime(world.extra["skpwni_tanggal"], "%d-%m-%Y").date()
        return [
            Document(
                ref="skpwni",
                kind="skpwni",
                fields={
                    "nomor": world.extra["nomor_skpwni"],
                    "nik": pem.nik,
                    "nama": pem.name.upper(),
                    "no_kk": kk.kk_number,
                    "desa_asal": kk.village_name.upper(),
                    "kecamatan_asal": kk.district_name.upper(),
                    "kabupaten_asal": "SAMPANG",
                    "desa_tujuan": str(dest["village_name"]).upper(),
                    "kecamatan_tujuan": str(dest["district_name"]).upper(),
                    "kabupaten_tujuan": "SAMPANG",
                    "alasan_pindah": world.extra["alasan_pindah"],
                    "tanggal_surat": format_date(issued),
                    "berlaku_hingga": format_date(issued + dt.timedelta(days=int(world.cal["document_validity_days"]))),
                },
            ),
            _kk(world, "kk", kk),
            _ktp(world, "ktp_el", pem, kk, rng),
        ]
    raise AssertionError(f"no document builder for {s}")  # pragma: no cover


# ---------------------------------------------------------------------------------------- facts & texts
def _facts(world: _World) -> dict[str, str]:
    """Flat values for the situation text, the form and the hints."""
    pem = world.person("pemohon")
    sal = _rules.case_templates()["salutation"][_SEX_ID[pem.sex]]
    f: dict[str, str] = {
        "pemohon_nama": pem.name,
        "pemohon_nik": pem.nik or "",
        "pemohon_sapaan": sal[0],
        "pemohon_salutation": sal[1],
        "pemohon_status_perkawinan": _MARITAL_KTP[pem.marital_status],
    }
    if "kk" in world.families:
        f["no_kk"] = world.families["kk"].kk_number
    for role in ("bayi", "ibu", "ayah", "almarhum", "suami", "istri", "anak", "pasangan"):
        if role in world.roles:
            p = world.person(role)
            f[f"{role}_nama"] = p.name
            f[f"{role}_nik"] = p.nik or ""
            f[f"{role}_jenis_kelamin"] = _defects.SEX_LABELS[p.sex]
            f[f"{role}_tanggal_lahir"] = format_date(p.birth_date)
            f[f"{role}_umur"] = str(_age(p.birth_date, world.today))
    if world.event_date is not None:
        f["tanggal_peristiwa"] = format_date(world.event_date)
        f["hari_peristiwa"] = str((world.today - world.event_date).days)
        f["tempat_peristiwa"] = world.event_place
    if world.service_id == "akta_kelahiran":
        f["bayi_tempat_lahir"] = world.event_place
    if world.service_id == "pindah_datang":
        kk = world.families["kk"]
        f["asal_desa"], f["asal_kecamatan"] = kk.village_name, kk.district_name
        f["nomor_skpwni"] = world.extra["nomor_skpwni"]
    for key in ("tujuan_kabupaten", "alasan_pindah"):
        if key in world.extra:
            f[key] = world.extra[key]
    return f


def _request(world: _World, facts: dict[str, str]) -> Request:
    tpl = _rules.case_templates()
    cat = services.load_catalogue()
    asked = cat.get(world.requested_service_id)
    situation = tpl["situations"][world.service_id]
    values = dict(facts)
    if "alasan_pindah_en" in world.extra:
        values_en = {**values, "alasan_pindah": world.extra["alasan_pindah_en"]}
    else:
        values_en = values
    text_id = situation["text_id"].format_map(values)
    text_en = situation["text_en"].format_map(values_en)
    text_id += " " + tpl["request"]["text_id"].format(layanan_id=asked.name_id)
    text_en += " " + tpl["request"]["text_en"].format(layanan_en=asked.name_en)
    if world.fee_idr:
        fee = f"{world.fee_idr:,}".replace(",", ".")
        text_id += " " + tpl["fee"][world.fee_mode]["text_id"].format(fee=fee)
        text_en += " " + tpl["fee"][world.fee_mode]["text_en"].format(fee=fee)
    return Request(
        situation=world.service_id,
        requested_service_id=world.requested_service_id,
        text_id=text_id,
        text_en=text_en,
        fee_idr=world.fee_idr,
    )


# ---------------------------------------------------------------------------------------- defects choice
def _choose_kinds(
    service_id: str, difficulty: int, cal: calibration.Calibration, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    """The defect kinds to inject, and fallbacks to try if a document-level one is impossible."""
    if difficulty == 0:
        return [], []
    if rng.random() < float(cal[f"clean_share_difficulty_{difficulty}"]):
        return [], []
    info = _rules.defect_kinds()
    possible = [p.kind for p in _defects.POLICIES if p.possible(service_id)]
    most = int(cal[f"max_defects_difficulty_{difficulty}"])
    if difficulty == 1:
        pool = [k for k in possible if not info[k].subtle]
        count = 1
    elif difficulty == 2:
        pool = list(possible)
        count = int(rng.integers(1, most + 1))
    else:
        pool = list(possible)
        count = int(rng.integers(min(2, most), most + 1))
    order = list(rng.permutation(len(pool)))
    pool = [pool[i] for i in order]
    if difficulty == 3:
        pool = [k for k in pool if info[k].subtle] + [k for k in pool if not info[k].subtle]
    return pool[:count], pool[count:]


def _forced_kinds(kinds: Sequence[str], service_id: str) -> list[str]:
    known = set(_defects.DEFECT_KINDS)
    out = []
    for kind in kinds:
        if kind not in known:
            raise SakeraInputError(
                f"unknown defect kind {kind!r}; choose from {', '.join(_defects.DEFECT_KINDS)}", location="defect_kinds"
            )
        if not _defects.policy(kind).possible(service_id):
            raise SakeraInputError(f"defect {kind!r} cannot occur in a {service_id} case", location="defect_kinds")
        if kind not in out:
            out.append(kind)
    return out


# ---------------------------------------------------------------------------------------- public API
def generate_case(
    service_id: str | None = None,
    difficulty: int = 1,
    seed: SeedLike | None = None,
    *,
    village_code: str | None = None,
    today: dt.date | str | None = None,
    time_limit_seconds: int | None = None,
    defect_kinds: Sequence[str] | None = None,
) -> Case:
    """Generate a practice case.

    Parameters
    ----------
    service_id
        A service of the catalogue (:func:`sakera_toolkit.services.load_catalogue`), or ``None`` to
        draw one uniformly.
    difficulty
        0 (clean, guided), 1, 2 or 3 (several subtle defects); see the module docstring.
    seed
        A non-negative int, a ``numpy.random.SeedSequence`` or a ``numpy.random.Generator``
        (required: same seed and arguments -> identical case).
    village_code
        The desk's village (Kemendagri code, e.g. ``"35.27.01.2001"``); drawn when ``None``.
    today
        Date at the desk (default: ``case_reference_date`` of ``calibration/training.yaml``).
    time_limit_seconds
        Target handling time (timed levels); ``None`` means the time is not graded.
    defect_kinds
        Inject exactly these defect kinds instead of drawing them from the difficulty (for a
        trainer who wants to drill one skill); ``SakeraInputError`` if one cannot occur in this
        case (e.g. ``deadline_passed`` for a service without a reporting deadline).

    Returns
    -------
    Case
        Documents, request and answer key; JSON round trip with ``to_json``/``from_json``.

    Raises
    ------
    SakeraInputError
        Unknown service or village, difficulty outside 0-3, or a missing/invalid seed.
    """
    cal = calibration.load("training")
    catalogue = services.load_catalogue()
    if isinstance(difficulty, bool) or difficulty not in DIFFICULTIES:
        raise SakeraInputError(f"difficulty {difficulty!r} must be 0, 1, 2 or 3", location="difficulty")
    ss, seed_value = _seed_sequence(seed)
    choice_ss, people_ss, defect_ss, print_ss = ss.spawn(4)
    choice_rng = np.random.default_rng(choice_ss)
    villages = _villages()
    # Always draw both picks so that a case is the same whether its service/village was drawn or given.
    service_pick = int(choice_rng.integers(len(catalogue)))
    village_pick = int(choice_rng.integers(len(villages)))
    if service_id is None:
        service_id = str(catalogue.ids()[service_pick])
    service = catalogue.get(service_id)
    if village_code is None:
        village_code = str(villages.index[village_pick])
    elif village_code not in villages.index:
        raise SakeraInputError(f"unknown village code {village_code!r}", location="village_code")
    if today is None:
        today = dt.date.fromisoformat(str(cal["case_reference_date"]))
    elif not isinstance(today, dt.date):
        try:
            today = dt.date.fromisoformat(str(today))
        except ValueError:
            raise SakeraInputError(f"today {today!r} is not an ISO date", location="today") from None
    if time_limit_seconds is not None and (
        not isinstance(time_limit_seconds, (int, np.integer)) or time_limit_seconds <= 0
    ):
        raise SakeraInputError(
            "time_limit_seconds must be a positive whole number of seconds", location="time_limit_seconds"
        )

    world = _World(service=service, today=today, cal=cal, desk_code=village_code, villages=villages)
    world.home_code = village_code
    world.requested_service_id = service_id
    if service_id == "pindah_datang":
        world.origin_code = world.other_village(choice_rng, exclude={village_code})
        world.destination_code = village_code

    defect_rng = np.random.default_rng(defect_ss)
    chosen, fallbacks = _choose_kinds(service_id, difficulty, cal, choice_rng)
    if defect_kinds is not None:
        chosen, fallbacks = _forced_kinds(defect_kinds, service_id), []
    by_kind = {p.kind: p for p in _defects.POLICIES}
    chosen_policies = [p for p in _defects.POLICIES if p.kind in chosen]

    for p in chosen_policies:
        p.plan(world, defect_rng)
    people_rng = np.random.default_rng(people_ss)
    src = _HouseholdSource(people_ss.spawn(1)[0], today)
    _PEOPLE[service_id](world, src, people_rng)
    _dedupe_names(world, src, people_rng)
    for p in chosen_policies:
        p.alter_people(world, defect_rng)

    print_rng = np.random.default_rng(print_ss)
    documents = _documents(world, print_rng)
    state = _defects.InjectionState(involved_niks=set(world.involved_niks))
    injected = []
    failed = 0
    for p in chosen_policies:
        record = p.inject(world, documents, defect_rng, state)
        if record is None:
            if defect_kinds is not None:
                raise SakeraInputError(
                    f"cannot inject {p.kind!r} into this {service_id} case (seed {seed_value}): no document can show it",
                    location="defect_kinds",
                )
            failed += 1
        else:
            injected.append(record)
    for kind in fallbacks:
        if failed == 0:
            break
        p = by_kind[kind]
        if not p.documents_only:
            continue
        record = p.inject(world, documents, defect_rng, state)
        if record is not None:
            injected.append(record)
            failed -= 1
    order = {k: i for i, k in enumerate(_defects.DEFECT_KINDS)}
    injected.sort(key=lambda r: order[r.kind])

    facts = _facts(world)
    request = _request(world, facts)
    kinds = [r.kind for r in injected]
    decision = _defects.decision_for(kinds, service)
    expected = Expected(
        service_id=service_id,
        requirements=_defects.requirement_status(documents, service_id, today),
        decision=decision,
        missing=_defects.missing_requirements(documents, service_id, today),
        form={f.key: facts[f.fact] for f in _rules.form_fields(service_id)},
    )
    village = villages.loc[village_code]
    forced = "" if defect_kinds is None else ",".join(chosen)
    digest = hashlib.sha1(
        f"{seed_value}|{service_id}|{difficulty}|{village_code}|{today}|{forced}".encode()
    ).hexdigest()[:10]
    return Case(
        case_id=f"{service_id}-d{difficulty}-{digest}",
        seed=seed_value,
        difficulty=int(difficulty),
        service_id=service_id,
        village_code=village_code,
        village_name=str(village["village_name"]),
        district_name=str(village["district_name"]),
        today=today,
        request=request,
        applicant="pemohon",
        people={role: world.people[key].freeze() for role, key in sorted(world.roles.items())},
        documents=tuple(documents),
        defects=tuple(injected),
        expected=expected,
        time_limit_seconds=None if time_limit_seconds is None else int(time_limit_seconds),
    )


def case_hints(case: Case, lang: str = "id") -> list[str]:
    """Guidance for guided levels (see :meth:`Case.hints`)."""
    _rules.check_lang(lang)
    tpl = _rules.case_templates()["hints"]
    cat = services.load_catalogue()
    service = cat.get(case.service_id)
    key = "text_id" if lang == "id" else "text_en"
    required = [r.name_id if lang == "id" else r.name_en for r in service.required_documents()]
    out = [
        tpl["service"][key].format(layanan_id=service.name_id, layanan_en=service.name_en),
        tpl["requirements"][key].format(persyaratan_id="; ".join(required), persyaratan_en="; ".join(required)),
        tpl["identity"][key],
        tpl["domicile_arrival" if service.id == "pindah_datang" else "domicile"][key].format(
            desa=case.village_name, kecamatan=case.district_name
        ),
    ]
    if service.reporting_deadline_days is not None:
        out.append(tpl["deadline"][key].format(hari=service.reporting_deadline_days, hari_ini=format_date(case.today)))
    out.append(tpl["documents"][key])
    if service.needs_biometric:
        out.append(tpl["biometric"][key])
    out.append(tpl["fee"][key])
    return out

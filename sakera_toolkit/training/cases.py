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
            late report)
2           none, or one to two defects of any kind (NIK/name/date mismatches, duplicates too)
3           none, or two to three defects, subtle kinds first
==========  ==================================================================================

The share of clean cases and the maximum number of defects per level are in
``calibration/training.yaml``. Same inputs -> identical case (and ``case_id``).

Every case is built from one coherent life history (issue 8 §2): couples marry lawfully for their
year (women from 16 before UU 16/2019, 19 since) before their first child; a KK number is formed
once (marriage or first registration) and only its print date follows later events; KTP-el cards
are printed from 17 (16 when married) and after the marriage they show; 2011-2013 cards print a
validity date yet stay valid for life. :mod:`.timeline` checks this independently. Clean cases also
hold what the law allows at the desk: a move within Sampang without SKPWNI, a missing birth notice
or marriage proof replaced by an SPTJM completed at the desk (``process_sptjm``), a home death
certified by the kepala desa, a NIK whose date digits predate a corrected birth date.

Examples
--------
>>> from sakera_toolkit.training import generate_case
>>> case = generate_case("akta_kelahiran", difficulty=0, seed=7)
>>> case.is_clean, case.expected.decision
(True, 'process')
>>> [d.kind for d in case.documents]  # doctest: +NORMALIZE_WHITESPACE
['surat_keterangan_lahir', 'sptjm_pasutri', 'kk', 'ktp_el', 'data_siak']
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
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

__all__ = ["DIFFICULTIES", "generate_case", "case_variants", "case_hints", "SeedLike"]

#: Difficulty levels of a case.
DIFFICULTIES = (0, 1, 2, 3)

SeedLike = int | np.random.SeedSequence | np.random.Generator
#: A test a drawn household must pass to play its part in the story (any truthy value accepts it).
_Accept = Callable[[synthetic.Household], object]

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
_MAX_HOUSEHOLD_TRIES = 240
#: Households drawn per vectorised batch while looking for one that fits the story.
_HOUSEHOLD_BATCH = 12


@lru_cache(maxsize=1)
def _villages():
    return registry.villages().set_index("village_code")


# ---------------------------------------------------------------------------------------- world
#: UU 16/2019 (in force 14 October 2019) raised the minimum marriage age of women from 16 to 19.
_UU_16_2019 = dt.date(2019, 10, 14)
#: First KTP-el cards (national roll-out from 2011; assumption for the earliest issue date).
_KTP_EL_START = dt.date(2011, 8, 1)
#: Cards printed before this date show a validity date (5 years) instead of SEUMUR HIDUP; they are
#: valid for life all the same (UU 24/2013 Pasal 64(7)a).
_KTP_LIFETIME_PRINTED = dt.date(2014, 1, 1)


def _min_marriage_age(sex: str, on: dt.date) -> int:
    """Legal minimum age at marriage on ``on`` (UU 1/1974: men 19, women 16; UU 16/2019: both 19)."""
    return 19 if sex == "M" or on >= _UU_16_2019 else 16


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
    married_on: dt.date | None = None

    @property
    def card_nik(self) -> str:
        """The NIK printed on this person's documents.

        Only the newborn of an akta kelahiran case has no NIK yet (``nik`` is ``None``), and no
        document of the bundle prints a NIK for it.
        """
        assert self.nik is not None, f"{self.name} has no NIK (a newborn): no document prints one"
        return self.nik

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
    formed: dt.date | None = None
    regency: str = "SAMPANG"
    province: str = "JAWA TIMUR"


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
    variant: str = ""
    conditions: list[str] = field(default_factory=list)
    late_event: bool = False
    requested_service_id: str = ""
    fee_idr: int = 0
    fee_mode: str = ""
    date_variant: str = ""
    involved_niks: set[str] = field(default_factory=set)
    people: dict[str, _P] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    families: dict[str, _Family] = field(default_factory=dict)
    applicant: str = "pemohon"
    event_date: dt.date | None = None
    event_place: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    names_used: set[str] = field(default_factory=set)
    names: Any = None
    ktp_issued: dict[str, dt.date] = field(default_factory=dict)
    forced: str = ""

    @property
    def service_id(self) -> str:
        return self.service.id

    @property
    def event_day(self) -> dt.date:
        """The date of the event (birth, death, marriage) of a service that has one.

        Set by the service's ``_people_*`` step (akta kelahiran, akta kematian, KK baru, KTP-el
        perubahan) before any document is printed.
        """
        assert self.event_date is not None, f"a {self.service_id} case has no event date"
        return self.event_date

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

    def new_name(self, sex: str, used: set[str], rng: np.random.Generator) -> str:
        """A name of ``sex`` not in ``used`` (casefolded) from this case's name pools."""
        pool = self.names[0] if sex == "M" else self.names[1]
        free = [n for n in pool if n.casefold() not in used and n.casefold() not in self.names_used]
        return str(free[int(rng.integers(len(free)))])


def _seed_sequence(seed: SeedLike | None) -> tuple[np.random.SeedSequence, int]:
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


_DAY = dt.timedelta(days=1)


class _HouseholdSource:
    """Draws synthetic households with shared NIK/KK allocators (unique numbers within a case)."""

    def __init__(self, ss: np.random.SeedSequence, today: dt.date):
        self.ss = ss
        self.today = today
        self.nik_alloc = nikmod.SequenceAllocator()
        self.kk_alloc = nikmod.SequenceAllocator(kind="KK number")
        self.names = synthetic.name_pools(ss.spawn(1)[0], size=64)

    def draw(self, village_code: str, types: tuple[str, ...], accept: _Accept) -> synthetic.Household:
        rng = np.random.default_rng(self.ss.spawn(1)[0])
        for _ in range(_MAX_HOUSEHOLD_TRIES // _HOUSEHOLD_BATCH):
            batch = synthetic.generate_household_batch(
                village_code,
                _HOUSEHOLD_BATCH,
                seed=self.ss.spawn(1)[0],
                household_type=str(rng.choice(types)),
                reference_date=self.today,
                nik_allocator=self.nik_alloc,
                kk_allocator=self.kk_alloc,
            )
            for hh in batch:
                if accept(hh) and _history_possible(hh, self.today):
                    return hh
        raise RuntimeError(
            f"no suitable household found in {village_code} after {_MAX_HOUSEHOLD_TRIES} draws"
        )  # pragma: no cover

    def new_nik(self, district_code: str, born: dt.date, sex: str) -> str:
        return self.nik_alloc.next_nik(district_code, born, sex)

    def new_kk(self, district_code: str, formed: dt.date) -> str:
        return self.kk_alloc.next_kk(district_code, formed)


# ------------------------------------------------------------------------------ life history
def _marriage_windows(h_birth: dt.date, w_birth: dt.date, latest: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Date ranges in which a marriage of this husband and wife was lawful and before ``latest``."""
    out = []
    lo_old = max(_add_years(h_birth, 19), _add_years(w_birth, 16))
    hi_old = min(latest, _UU_16_2019 - _DAY)
    if lo_old <= hi_old:
        out.append((lo_old, hi_old))
    lo_new = max(_add_years(h_birth, 19), _add_years(w_birth, 19), _UU_16_2019)
    if lo_new <= latest:
        out.append((lo_new, latest))
    return out


def _first_child_birth(members: Sequence[Any]) -> dt.date | None:
    births = [p.birth_date for p in members if p.relationship == "anak"]
    return min(births) if births else None


def _latest_marriage(first_child: dt.date | None, today: dt.date) -> dt.date:
    """A marriage must come at least ~7 months before the first child, and before the desk date."""
    return min(today - dt.timedelta(days=30), first_child - dt.timedelta(days=210)) if first_child else today - dt.timedelta(days=30)


def _history_possible(hh: synthetic.Household, today: dt.date) -> bool:
    """True when the household's couple (if any) can have married lawfully before their first child."""
    spouse = hh.spouse
    if spouse is None or hh.head.marital_status not in ("kawin_tercatat", "kawin_belum_tercatat"):
        return True
    husband, wife = (hh.head, spouse) if hh.head.sex == "M" else (spouse, hh.head)
    if husband.sex != "M" or wife.sex != "F":
        return False
    latest = _latest_marriage(_first_child_birth(hh.members), today)
    return bool(_marriage_windows(husband.birth_date, wife.birth_date, latest))


def _draw_marriage(rng: np.random.Generator, husband: _P, wife: _P, latest: dt.date) -> dt.date:
    """A lawful marriage date, mostly within 3 years before ``latest``."""
    windows = _marriage_windows(husband.birth_date, wife.birth_date, latest)
    if not windows:  # pragma: no cover - households are drawn with _history_possible
        raise RuntimeError("no lawful marriage date for this couple")
    lo, hi = windows[-1] if rng.random() < 0.8 or len(windows) == 1 else windows[0]
    return _between(rng, max(lo, hi - dt.timedelta(days=3 * 365)), hi)


def _settle_family(
    world: _World, key: str, rng: np.random.Generator, src: _HouseholdSource, before: dt.date | None = None
) -> None:
    """Give a family a coherent history: the couple's marriage, the KK's formation and print dates.

    The KK number is formed when the family is (the marriage, or the first registration) and does not
    change when members are added; only the print date ("Dikeluarkan tanggal") follows the latest
    event it shows.
    """
    fam = world.families[key]
    members = [world.people[k] for k in fam.members]
    head = members[0]
    spouse = next((p for p in members if p.relationship in ("istri", "suami")), None)
    formed_lo = dt.date.fromisoformat(str(world.cal["kk_first_formation_date"]))
    married = None
    if spouse is not None and head.marital_status in ("kawin_tercatat", "kawin_belum_tercatat"):
        husband, wife = (head, spouse) if head.sex == "M" else (spouse, head)
        latest = _latest_marriage(_first_child_birth(members), world.today)
        if husband.married_on is not None:
            married = husband.married_on
        elif _marriage_windows(husband.birth_date, wife.birth_date, latest):
            married = _draw_marriage(rng, husband, wife, latest)
        else:
            # No lawful date before their first child: a religious marriage not (yet) recorded.
            husband.marital_status = wife.marital_status = "kawin_belum_tercatat"
        husband.married_on = wife.married_on = married
    births = [p.birth_date for p in members]
    latest_event = max(births + ([married] if married else []))
    end = (before or world.today) - _DAY
    formed = min(max(formed_lo, married + dt.timedelta(days=int(rng.integers(1, 60)))) if married else formed_lo, end)
    issued_lo = max(formed, latest_event + _DAY)
    issued = _between(rng, issued_lo, min(end, issued_lo + dt.timedelta(days=int(rng.integers(7, 3 * 365)))))
    if not married:
        formed = _between(rng, min(formed_lo, issued), issued)
    fam.formed = formed
    fam.issued = issued
    fam.kk_number = src.new_kk(fam.district_code.replace(".", "")[:6], formed)


def _ktp_issue(world: _World, p: _P, rng: np.random.Generator, before: dt.date | None = None) -> dt.date:
    """When the person's current KTP-el was printed: at 17 (16 if married), after the marriage it shows."""
    adult = _add_years(p.birth_date, 17)
    if p.married_on is not None:
        adult = min(adult, max(p.married_on, _add_years(p.birth_date, 16)))
    lo = max(adult, _KTP_EL_START)
    if p.married_on is not None and before is None:
        lo = max(lo, p.married_on)
    hi = (before or world.today) - dt.timedelta(days=30)
    if hi < lo:
        hi = min(lo + dt.timedelta(days=20), (before or world.today) - _DAY)
    return _between(rng, lo, hi)


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


def _spouse(hh: synthetic.Household) -> synthetic.Person:
    """The head's spouse in a household whose ``accept`` test required a couple."""
    spouse = hh.spouse
    assert spouse is not None, "the household was drawn as a couple"
    return spouse


def _event_days(world: _World, rng: np.random.Generator) -> int:
    fresh = int(world.cal["fresh_event_days_max"])
    if world.late_event:
        deadline = world.service.reporting_deadline_days
        # Only the deadline_passed defect makes an event late, and only for a service with a deadline.
        assert deadline is not None, f"{world.service_id} has no reporting deadline"
        limit = int(deadline)
        return limit + int(rng.integers(5, int(world.cal["late_event_days_extra_max"]) + 1))
    return int(rng.integers(1, fresh + 1))


def _new_child(
    world: _World, src: _HouseholdSource, family: str, born: dt.date, rng: np.random.Generator, nik: bool = True
) -> _P:
    """A child of the family's couple born on ``born`` (Madurese naming: a name of its own, no family name)."""
    sex = "M" if rng.random() < float(world.cal["male_birth_share"]) else "F"
    district = world.families[family].district_code.replace(".", "")[:6]
    return _P(
        name=world.new_name(sex, set(), rng), nik=src.new_nik(district, born, sex) if nik else None, sex=sex,
        birth_date=born, birth_place="SAMPANG", relationship="anak", marital_status="belum_kawin",
        occupation="Belum/Tidak Bekerja",
    )  # fmt: skip


# ------------------------------------------------------------------------------ people per service
def _young_couple(max_wife_age: int, today: dt.date) -> Callable[[synthetic.Household], bool]:
    def ok(hh: synthetic.Household) -> bool:
        head, spouse = hh.head, hh.spouse
        return (
            head.sex == "M"
            and spouse is not None
            and spouse.sex == "F"
            and head.marital_status in ("kawin_tercatat", "kawin_belum_tercatat")
            and _age(spouse.birth_date, today) <= max_wife_age
        )

    return ok


def _people_akta_kelahiran(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    birth = world.today - dt.timedelta(days=_event_days(world, rng))
    world.event_date = birth

    want_unrecorded = {"perkawinan_belum_tercatat": True, "sptjm_pasutri_dibawa": True}.get(
        world.forced, False if world.forced else None
    )

    def ok(hh: synthetic.Household) -> bool:
        if not _young_couple(42, world.today)(hh):
            return False
        if want_unrecorded is not None and (hh.head.marital_status == "kawin_belum_tercatat") != want_unrecorded:
            return False
        first = min([p.birth_date for p in hh.children] + [birth])
        return bool(_marriage_windows(hh.head.birth_date, _spouse(hh).birth_date, _latest_marriage(first, world.today)))

    hh = src.draw(world.home_code, ("couple", "nuclear"), ok)
    _add_family(world, "kk", hh)
    world.roles.update(ayah=_member_key(world, "kk", hh.head, hh), ibu=_member_key(world, "kk", _spouse(hh), hh))
    world.roles["pemohon"] = world.roles["ayah"] if rng.random() < 0.5 else world.roles["ibu"]
    world.conditions.append("orang_tua_pasangan")
    ayah, ibu = world.person("ayah"), world.person("ibu")
    children = [world.people[k] for k in world.families["kk"].members if world.people[k].relationship == "anak"]
    first = min([c.birth_date for c in children] + [world.event_date])
    married = _draw_marriage(rng, ayah, ibu, _latest_marriage(first, world.today))
    ayah.married_on = ibu.married_on = married
    bayi = _new_child(world, src, "kk", world.event_date, rng, nik=False)
    world.people["bayi"] = bayi
    world.roles["bayi"] = "bayi"
    district = world.families["kk"].district_name.upper()
    home_birth = rng.random() < float(world.cal["home_birth_without_notice_share"])
    sptjm_brought = rng.random() < 0.5
    if world.late_event:
        home_birth = home_birth and sptjm_brought  # the late birth date must be written somewhere
    if world.forced:
        home_birth = world.forced in ("tanpa_surat_lahir", "sptjm_kelahiran_dibawa")
        sptjm_brought = world.forced in ("sptjm_kelahiran_dibawa", "sptjm_pasutri_dibawa")
    notes = []
    if home_birth:
        world.event_place = "RUMAH"
        world.variant = "tanpa_surat_lahir_sptjm" if sptjm_brought else "tanpa_surat_lahir"
        notes.append("lahir_di_rumah")
    else:
        world.event_place = str(
            rng.choice([f"PUSKESMAS {district}", "RSUD SAMPANG", f"POLINDES {world.families['kk'].village_name.upper()}"])
        )
    world.extra["penolong"] = "BIDAN" if "RSUD" not in world.event_place else "DOKTER"
    if ayah.marital_status == "kawin_belum_tercatat":
        world.extra["nikah"] = "sptjm_dibawa" if sptjm_brought else "belum_tercatat"
        notes.append("nikah_belum_tercatat")
    else:
        world.extra["nikah"] = "buku_nikah"
    world.extra["tanggal_nikah"] = format_date(married)
    world.extra["notes"] = " ".join(notes)


def _people_akta_kematian(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    def ok(hh: synthetic.Household) -> bool:
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
    if world.forced == "meninggal_di_rumah":
        world.event_place = "RUMAH"
    world.extra["sebab_kematian"] = str(rng.choice(["SAKIT", "USIA LANJUT"]))
    neighbour = rng.random() < float(world.cal["neighbour_reporter_share"])
    if world.forced:
        neighbour = world.forced == "dilaporkan_tetangga"
    if world.variant != "tetangga" and neighbour:
        world.variant, world.extra["kuasa"] = "tetangga", "ya"
    if world.variant == "tetangga":
        # A neighbour reports: not family, not the ketua RT (UU 24/2013 Pasal 44(1)).
        born = world.today - dt.timedelta(days=int(rng.integers(25 * 365, 60 * 365)))
        sex = "M" if rng.random() < 0.5 else "F"
        district = world.families["kk"].district_code.replace(".", "")[:6]
        world.people["tetangga"] = _P(
            name=world.new_name(sex, set(), rng), nik=src.new_nik(district, born, sex), sex=sex, birth_date=born,
            birth_place="SAMPANG", relationship="", marital_status="kawin_tercatat", occupation="Petani/Pekebun",
        )  # fmt: skip
        world.roles["pemohon"] = "tetangga"
        world.roles["keluarga"] = _member_key(world, "kk", hh.head, hh)
        world.conditions.append("dilaporkan_orang_lain")
    # KK or KTP-el of the deceased (Sampang standard): some families bring only one of them.
    world.extra["identitas"] = str(rng.choice(["keduanya", "keduanya", "kk", "ktp"]))


def _parents_of_adults(today: dt.date) -> Callable[[synthetic.Household], bool]:
    """Households whose mother (or single parent) is old enough to have a child aged 19 or more."""

    def ok(hh: synthetic.Household) -> bool:
        mother = hh.spouse if hh.head.sex == "M" else hh.head
        parents = [p for p in (hh.head, hh.spouse) if p is not None]
        return (
            mother is not None
            and mother.sex == "F"
            and all(_age(p.birth_date, today) >= 42 for p in parents)
        )

    return ok


def _adult_child(
    world: _World,
    src: _HouseholdSource,
    family: str,
    hh: synthetic.Household,
    sex: str,
    rng: np.random.Generator,
    minor: bool = False,
) -> str:
    """An unmarried child aged 19-35 (``minor``: 17-18) at the marriage; added to the KK when there is none."""
    married = world.event_date or world.today
    for p in hh.children:
        age = _age(p.birth_date, married)
        if p.sex == sex and (17 <= age <= 18 if minor else 19 <= age <= 35) and p.marital_status == "belum_kawin":
            return _member_key(world, family, p, hh)
    parents = [p for p in (hh.head, hh.spouse) if p is not None and p.relationship in ("kepala_keluarga", "istri", "suami")]
    oldest = min([35] + [_age(p.birth_date, world.today) - 22 for p in parents])
    if minor:
        born = married - dt.timedelta(days=int(rng.integers(17 * 365 + 5, 18 * 365 + 300)))
    else:
        born = married - dt.timedelta(days=int(rng.integers(19 * 365 + 5, oldest * 365 + 6)))
    key = f"{family}.{len(world.families[family].members)}"
    district = world.families[family].district_code.replace(".", "")[:6]
    world.people[key] = _P(
        name=world.new_name(sex, set(), rng),
        nik=src.new_nik(district, born, sex), sex=sex, birth_date=born, birth_place="SAMPANG", relationship="anak",
        marital_status="belum_kawin", occupation=str(rng.choice(["Petani/Pekebun", "Wiraswasta", "Pedagang", "Buruh Harian Lepas"])),
    )  # fmt: skip
    world.families[family].members.append(key)
    return key


def _people_kk_baru(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    parents = _parents_of_adults(world.today)
    types = ("couple", "nuclear", "single_parent", "extended")
    world.event_date = world.today - dt.timedelta(days=int(rng.integers(5, 91)))
    hh_m = src.draw(world.home_code, types, parents)
    hh_f = src.draw(world.home_code, types, parents)
    _add_family(world, "kk_suami", hh_m)
    _add_family(world, "kk_istri", hh_f)
    world.roles.update(
        suami=_adult_child(world, src, "kk_suami", hh_m, "M", rng),
        istri=_adult_child(world, src, "kk_istri", hh_f, "F", rng, minor=bool(world.extra.get("minor"))),
    )
    pemohon, pasangan = ("suami", "istri") if rng.random() < 0.5 else ("istri", "suami")
    world.roles.update(pemohon=world.roles[pemohon], pasangan=world.roles[pasangan])
    world.extra["keluarga_pemohon"] = f"kk_{pemohon}"
    world.extra["keluarga_pasangan"] = f"kk_{pasangan}"
    r = rng.random()
    share = float(world.cal["unrecorded_new_marriage_share"])
    world.extra["nikah"] = "buku_nikah" if r >= share else ("sptjm_dibawa" if r < share / 2 else "belum_tercatat")
    if world.forced:
        world.extra["nikah"] = {"perkawinan_belum_tercatat": "belum_tercatat", "sptjm_perkawinan_dibawa": "sptjm_dibawa"}.get(
            world.forced, "buku_nikah"
        )
    if world.extra.get("minor"):
        world.extra["nikah"] = "sptjm_dibawa"  # a religious marriage of a minor, declared on F-1.05
    if world.extra["nikah"] != "buku_nikah":
        world.extra["notes"] = "nikah_belum_tercatat"
        for role in ("suami", "istri"):
            world.person(role).marital_status = "kawin_belum_tercatat"


def _people_kk_perubahan(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    hh = src.draw(world.home_code, ("couple", "nuclear"), _young_couple(42, world.today))
    _add_family(world, "kk", hh)
    world.roles.update(
        pemohon=_member_key(world, "kk", hh.head, hh),
        ayah=_member_key(world, "kk", hh.head, hh),
        ibu=_member_key(world, "kk", _spouse(hh), hh),
    )
    born = world.today - dt.timedelta(days=int(rng.integers(60, 700)))
    world.people["anak"] = _new_child(world, src, "kk", born, rng)
    world.roles["anak"] = "anak"
    world.extra["akta_terbit"] = format_date(
        min(world.today - dt.timedelta(days=1), born + dt.timedelta(days=int(rng.integers(7, 50))))
    )


def _adult_head(today: dt.date) -> Callable[[synthetic.Household], bool]:
    return lambda h: _age(h.head.birth_date, today) >= 17


def _people_kk_hilang_rusak(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    hh = src.draw(world.home_code, synthetic.HOUSEHOLD_TYPES, _adult_head(world.today))
    _add_family(world, "kk", hh)
    world.roles["pemohon"] = _member_key(world, "kk", hh.head, hh)


def _people_ktp_baru(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    def pick(hh: synthetic.Household) -> synthetic.Person | None:
        return next((p for p in hh.children if 14 <= _age(p.birth_date, world.today) <= 20), None)

    hh = src.draw(world.home_code, ("nuclear", "single_parent", "extended"), pick)
    _add_family(world, "kk", hh)
    picked = pick(hh)
    assert picked is not None, "the household was drawn with a teenager (accept=pick)"
    key = _member_key(world, "kk", picked, hh)
    teen = world.people[key]
    birthday = world.today - dt.timedelta(days=int(rng.integers(0, 121)))
    teen.birth_date = _add_years(birthday, -17)
    teen.nik = src.new_nik(teen.card_nik[:6], teen.birth_date, teen.sex)
    teen.marital_status = "belum_kawin"
    world.roles["pemohon"] = key


def _people_ktp_hilang_rusak(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    young = bool(world.extra.get("young"))

    def ok(h: synthetic.Household) -> bool:
        return _adult_head(world.today)(h) and (not young or any(17 <= _age(p.birth_date, world.today) <= 21 for p in h.members))

    hh = src.draw(world.home_code, synthetic.HOUSEHOLD_TYPES, ok)
    _add_family(world, "kk", hh)
    adults = [p for p in hh.members if (17 <= _age(p.birth_date, world.today) <= 21 if young else _age(p.birth_date, world.today) >= 17)]
    world.roles["pemohon"] = _member_key(world, "kk", adults[int(rng.integers(len(adults)))], hh)


def _people_ktp_perubahan(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    def ok(hh: synthetic.Household) -> bool:
        return _young_couple(35, world.today)(hh) and _age(_spouse(hh).birth_date, world.today) >= 20

    hh = src.draw(world.home_code, ("couple",), ok)
    _add_family(world, "kk", hh)
    world.roles.update(suami=_member_key(world, "kk", hh.head, hh), istri=_member_key(world, "kk", _spouse(hh), hh))
    world.roles["pemohon"] = world.roles["suami"] if rng.random() < 0.5 else world.roles["istri"]
    world.event_date = world.today - dt.timedelta(days=int(rng.integers(10, 91)))
    for role in ("suami", "istri"):
        world.person(role).marital_status = "kawin_tercatat"
        world.person(role).married_on = world.event_date


def _people_kia(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    def pick(hh: synthetic.Household) -> synthetic.Person | None:
        return next((p for p in hh.children if _age(p.birth_date, world.today) <= 16), None)

    def ok(hh: synthetic.Household) -> bool:
        return pick(hh) is not None and hh.spouse is not None and hh.head.sex == "M"

    hh = src.draw(world.home_code, ("nuclear", "extended"), ok)
    _add_family(world, "kk", hh)
    child = pick(hh)
    assert child is not None, "the household was drawn with a child of 16 or under (ok requires pick)"
    world.roles.update(
        anak=_member_key(world, "kk", child, hh),
        pemohon=_member_key(world, "kk", hh.head, hh),
        ayah=_member_key(world, "kk", hh.head, hh),
        ibu=_member_key(world, "kk", _spouse(hh), hh),
    )
    world.extra["nama_ibu"] = _spouse(hh).name
    world.extra["nama_ayah"] = hh.head.name
    world.extra["akta_terbit"] = format_date(
        min(world.today - dt.timedelta(days=1), child.birth_date + dt.timedelta(days=int(rng.integers(7, 400))))
    )
    if _age(child.birth_date, world.today) >= 5:
        world.conditions.append("anak_5_tahun")


_DESTINATION_REASONS = (("PEKERJAAN", "work"), ("KELUARGA", "family"), ("PENDIDIKAN", "education"))


def _people_pindah_keluar(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    hh = src.draw(world.home_code, ("couple", "nuclear"), _adult_head(world.today))
    _add_family(world, "kk", hh)
    world.roles["pemohon"] = _member_key(world, "kk", hh.head, hh)
    regencies = registry.regencies()
    jatim = regencies[regencies["code"].str.startswith("35.") & (regencies["code"] != "35.27")]
    world.extra["tujuan_kabupaten"] = str(jatim["name"].iloc[int(rng.integers(len(jatim)))]).upper()
    reason = _DESTINATION_REASONS[int(rng.integers(len(_DESTINATION_REASONS)))]
    world.extra["alasan_pindah"], world.extra["alasan_pindah_en"] = reason
    world.conditions.append("antar_kabupaten")


def _move_origin_outside(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    """Relabel the drawn family as living in another kabupaten of Madura (NIKs and KK from there)."""
    fam = world.families["kk"]
    nat = registry.national_districts()
    neighbours = [str(x) for x in calibration.load("people")["neighbour_regencies"]]
    options = nat[nat["regency_code"].isin(neighbours)].reset_index(drop=True)
    row = options.iloc[int(rng.integers(len(options)))]
    regency = registry.regencies().set_index("code").loc[row["regency_code"], "name"]
    district6 = str(row["code"]).replace(".", "")
    fam.district_code = str(row["code"])
    fam.district_name = str(row["name"]).upper()
    fam.regency = str(regency).upper().replace("KABUPATEN ", "")
    fam.village_name = str(synthetic.village_geography()["dusun"].iloc[int(rng.integers(2000))]).upper()
    for key in fam.members:
        p = world.people[key]
        p.nik = src.new_nik(district6, p.birth_date, p.sex)
        p.birth_place = fam.regency


def _people_pindah_datang(world: _World, src: _HouseholdSource, rng: np.random.Generator) -> None:
    assert world.origin_code is not None, "generate_case draws the origin village of a pindah_datang case"
    hh = src.draw(world.origin_code, ("couple", "nuclear"), _adult_head(world.today))
    _add_family(world, "kk", hh)
    world.roles["pemohon"] = _member_key(world, "kk", hh.head, hh)
    reason = _DESTINATION_REASONS[int(rng.integers(len(_DESTINATION_REASONS)))]
    world.extra["alasan_pindah"], world.extra["alasan_pindah_en"] = reason
    if world.variant == "antar_kabupaten":
        _move_origin_outside(world, src, rng)
        world.extra["skpwni_tanggal"] = format_date(world.today - dt.timedelta(days=int(rng.integers(3, 31))))
        world.extra["nomor_skpwni"] = f"SKPWNI/{world.families['kk'].district_code.replace('.', '')}/{int(rng.integers(10000, 99999))}"
    world.conditions.append(world.variant)
    if rng.random() < float(world.cal["move_lodging_share"]):
        world.conditions.append("menumpang")
        world.extra["pemilik_dibawa"] = "ya"
        world.extra["notes"] = "menumpang"


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
            p.name = world.new_name(p.sex, seen, rng)
            folded = p.name.casefold()
        seen.add(folded)
    world.names_used |= seen


def _nik_date_corrections(world: _World, rng: np.random.Generator) -> None:
    """Some adults' birth dates were corrected after their NIK was issued: the NIK keeps the old date.

    Not a defect (PP 40/2019 Pasal 30(2)); the trainee must not flag it. Only the date recorded on
    every document changes.
    """
    share = float(world.cal["nik_date_corrected_share"])
    for key in sorted(world.people):
        p = world.people[key]
        if p.nik and _age(p.birth_date, world.today) >= 25 and rng.random() < share:
            shift = dt.timedelta(days=int(rng.integers(1, 200)) * (1 if rng.random() < 0.5 else -1))
            if p.married_on is not None and p.married_on < _add_years(
                p.birth_date + shift, _min_marriage_age(p.sex, p.married_on)
            ):
                continue
            p.birth_date = p.birth_date + shift


# ---------------------------------------------------------------------------------------- documents
def _ktp(
    world: _World, ref: str, p: _P, fam: _Family, rng, marital: str | None = None, before: dt.date | None = None
) -> Document:
    issued = _ktp_issue(world, p, rng, before=before)
    world.ktp_issued[ref] = issued
    if issued < _KTP_LIFETIME_PRINTED:
        # The 2011-2013 cards print a validity date (the holder's birthday five years on); they are
        # valid for life all the same (UU 24/2013 Pasal 64(7)a).
        until = format_date(_add_years(p.birth_date, issued.year + 5 - p.birth_date.year))
    else:
        until = "SEUMUR HIDUP"
    return Document(
        ref=ref,
        kind="ktp_el",
        fields={
            "nik": p.card_nik,
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
            "berlaku_hingga": until,
            "tanggal_dikeluarkan": format_date(issued),
        },
    )


def _kk(world: _World, ref: str, fam: _Family) -> Document:
    head = world.people[fam.members[0]]
    rows = [
        {
            "nik": p.card_nik,
            "nama": p.name.upper(),
            "jenis_kelamin": _defects.SEX_LABELS[p.sex],
            "tempat_lahir": p.birth_place,
            "tanggal_lahir": format_date(p.birth_date),
            "status_perkawinan": _MARITAL_KK[p.marital_status],
            "hubungan": synthetic.relationship_label(p.relationship).upper(),
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
            "kabupaten": fam.regency,
            "provinsi": fam.province,
            "tanggal_dikeluarkan": format_date(fam.issued),
        },
        rows=tuple(rows),
    )


def _buku_nikah(
    world: _World, husband: _P, wife: _P, married: dt.date, district: str, rng: np.random.Generator
) -> Document:
    return Document(
        ref="buku_nikah",
        kind="buku_nikah",
        fields={
            "nomor": f"{int(rng.integers(100, 999))}/{married.month:02d}/{married.year}",
            "nama_suami": husband.name.upper(),
            "nik_suami": husband.card_nik,
            "nama_istri": wife.name.upper(),
            "nik_istri": wife.card_nik,
            "tanggal_nikah": format_date(married),
            "tempat_nikah": f"KUA KECAMATAN {district.upper()}",
        },
    )


def _sptjm_pasutri(world: _World, kind: str, husband: _P, wife: _P, rng: np.random.Generator) -> Document:
    fields = {
        "nama_suami": husband.name.upper(),
        "nik_suami": husband.card_nik,
        "nama_istri": wife.name.upper(),
        "nik_istri": wife.card_nik,
    }
    if kind == "sptjm_pasutri":
        fields["saksi_1"] = world.new_name("M", set(), rng).upper()
        fields["saksi_2"] = world.new_name("F", set(), rng).upper()
    elif world.event_date is not None:
        fields["tanggal_perkawinan"] = format_date(world.event_date)
    fields["tanggal_surat"] = format_date(world.today - dt.timedelta(days=int(rng.integers(0, 4))))
    return Document(ref=kind, kind=kind, fields=fields)


def _letter_date(world: _World, event: dt.date, rng: np.random.Generator) -> dt.date:
    return min(world.today, event + dt.timedelta(days=int(rng.integers(0, 3))))


def _surat_kehilangan(world: _World, p: _P, fam: _Family, lost: str, rng: np.random.Generator) -> Document:
    issued = world.today - dt.timedelta(days=int(rng.integers(1, 31)))
    return Document(
        ref="surat_kehilangan",
        kind="surat_kehilangan",
        fields={
            "nomor": f"SKTLK/{int(rng.integers(100, 999))}/{issued.month:02d}/{issued.year}",
            "nik": p.card_nik,
            "nama": p.name.upper(),
            "dokumen_hilang": lost,
            "no_kk": fam.kk_number,
            "tanggal_surat": format_date(issued),
            "berlaku_hingga": format_date(issued + dt.timedelta(days=int(world.cal["document_validity_days"]))),
            "penerbit": f"POLSEK {fam.district_name.upper()}",
        },
    )


def _akta(ref: str, p: _P, father: str, mother: str, issued: str, rng: np.random.Generator) -> Document:
    return Document(
        ref=ref,
        kind="akta_kelahiran",
        fields={
            "nomor": f"3527-LT-{p.birth_date.strftime('%d%m%Y')}-{int(rng.integers(1000, 9999))}",
            "nik": p.card_nik,
            "nama": p.name.upper(),
            "jenis_kelamin": _defects.SEX_LABELS[p.sex],
            "tempat_lahir": p.birth_place,
            "tanggal_lahir": format_date(p.birth_date),
            "nama_ayah": father.upper(),
            "nama_ibu": mother.upper(),
            "tanggal_terbit": issued,
        },
    )


def _docs_akta_kelahiran(world: _World, rng: np.random.Generator) -> list[Document]:
    kk, pem = world.families["kk"], world.person("pemohon")
    bayi, ibu, ayah = world.person("bayi"), world.person("ibu"), world.person("ayah")
    letter = _letter_date(world, world.event_day, rng)
    docs = []
    if world.variant.startswith("tanpa_surat_lahir"):
        if world.variant.endswith("_sptjm"):
            docs.append(
                Document(
                    ref="sptjm_kelahiran",
                    kind="sptjm_kelahiran",
                    fields={
                        "nama_bayi": bayi.name.upper(),
                        "tanggal_lahir": format_date(bayi.birth_date),
                        "tempat_lahir": world.event_place,
                        "nama_ibu": ibu.name.upper(),
                        "nik_pembuat": pem.card_nik,
                        "nama_pembuat": pem.name.upper(),
                        "saksi_1": world.new_name("M", set(), rng).upper(),
                        "saksi_2": world.new_name("F", set(), rng).upper(),
                        "tanggal_surat": format_date(world.today - dt.timedelta(days=int(rng.integers(0, 4)))),
                    },
                )
            )
    else:
        docs.append(
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
                    "nik_ibu": ibu.card_nik,
                    "nama_ayah": ayah.name.upper(),
                    "penolong": world.extra["penolong"],
                    "tanggal_surat": format_date(letter),
                    "penerbit": world.event_place,
                },
            )
        )
    if world.extra["nikah"] == "buku_nikah":
        # _people_akta_kelahiran draws the parents' marriage and _settle_family keeps it.
        assert ayah.married_on is not None, "the parents of a newborn have a marriage date"
        docs.append(_buku_nikah(world, ayah, ibu, ayah.married_on, kk.district_name, rng))
    elif world.extra["nikah"] == "sptjm_dibawa":
        docs.append(_sptjm_pasutri(world, "sptjm_pasutri", ayah, ibu, rng))
    docs += [_kk(world, "kk", kk), _ktp(world, "ktp_el", pem, kk, rng)]
    return docs


def _docs_akta_kematian(world: _World, rng: np.random.Generator) -> list[Document]:
    kk, alm = world.families["kk"], world.person("almarhum")
    letter = _letter_date(world, world.event_day, rng)
    at_home = world.event_place == "RUMAH"
    kind = "surat_kematian_desa" if at_home else "surat_keterangan_kematian"
    fields = {
        "nomor": f"{'474.3' if at_home else 'SKK'}/{int(rng.integers(100, 999))}/{letter.year}",
        "nik": alm.card_nik,
        "nama": alm.name.upper(),
        "jenis_kelamin": _defects.SEX_LABELS[alm.sex],
        "tanggal_lahir": format_date(alm.birth_date),
        "tanggal_kematian": format_date(world.event_day),
        "tempat_kematian": world.event_place,
    }
    if not at_home:
        fields["sebab_kematian"] = world.extra["sebab_kematian"]
    fields["tanggal_surat"] = format_date(letter)
    fields["penerbit"] = f"KEPALA DESA {kk.village_name.upper()}" if at_home else world.event_place
    docs = [Document(ref=kind, kind=kind, fields=fields)]
    if world.extra.get("kuasa"):
        fam_head, pem = world.person("keluarga"), world.person("pemohon")
        docs.append(
            Document(
                ref="surat_kuasa",
                kind="surat_kuasa",
                fields={
                    "nik_pemberi": fam_head.card_nik,
                    "nama_pemberi": fam_head.name.upper(),
                    "nik_penerima": pem.card_nik,
                    "nama_penerima": pem.name.upper(),
                    "keperluan": f"PELAPORAN KEMATIAN {alm.name.upper()}",
                    "tanggal_surat": format_date(_between(rng, world.event_day, world.today)),
                },
            )
        )
    if world.extra["identitas"] in ("keduanya", "kk"):
        docs.append(_kk(world, "kk", kk))
    if world.extra["identitas"] in ("keduanya", "ktp"):
        docs.append(_ktp(world, "ktp_el_almarhum", alm, kk, rng))
    return docs


def _docs_kk_baru(world: _World, rng: np.random.Generator) -> list[Document]:
    fam_p, fam_q = world.families[world.extra["keluarga_pemohon"]], world.families[world.extra["keluarga_pasangan"]]
    pem, pas = world.person("pemohon"), world.person("pasangan")
    suami, istri = world.person("suami"), world.person("istri")
    docs = []
    if world.extra["nikah"] == "buku_nikah":
        docs.append(_buku_nikah(world, suami, istri, world.event_day, fam_p.district_name, rng))
    elif world.extra["nikah"] == "sptjm_dibawa":
        docs.append(_sptjm_pasutri(world, "sptjm_perkawinan", suami, istri, rng))
    return docs + [
        _kk(world, "kk", fam_p),
        _kk(world, "kk_pasangan", fam_q),
        _ktp(world, "ktp_el", pem, fam_p, rng, before=world.event_date),
        _ktp(world, "ktp_el_pasangan", pas, fam_q, rng, before=world.event_date),
    ]


def _docs_kia(world: _World, rng: np.random.Generator) -> list[Document]:
    kk, anak = world.families["kk"], world.person("anak")
    docs = [
        _akta("akta_kelahiran", anak, world.extra["nama_ayah"], world.extra["nama_ibu"], world.extra["akta_terbit"], rng),
        _kk(world, "kk", kk),
        _ktp(world, "ktp_el_ayah", world.person("ayah"), kk, rng),
        _ktp(world, "ktp_el_ibu", world.person("ibu"), kk, rng),
    ]
    if "anak_5_tahun" in world.conditions:
        size = "2 x 3 cm" if rng.random() < 0.5 else "3 x 4 cm"
        docs.append(
            Document(
                ref="pas_foto",
                kind="pas_foto",
                fields={"nama": anak.name.upper(), "ukuran": size, "warna_latar": str(rng.choice(["MERAH", "BIRU"]))},
            )
        )
    return docs


def _docs_pindah_datang(world: _World, rng: np.random.Generator) -> list[Document]:
    kk, pem = world.families["kk"], world.person("pemohon")
    dest = world.villages.loc[world.destination_code]
    docs = []
    if world.variant == "antar_kabupaten":
        issued = dt.datetime.strptime(world.extra["skpwni_tanggal"], "%d-%m-%Y").date()
        docs.append(
            Document(
                ref="skpwni",
                kind="skpwni",
                fields={
                    "nomor": world.extra["nomor_skpwni"],
                    "nik": pem.card_nik,
                    "nama": pem.name.upper(),
                    "no_kk": kk.kk_number,
                    "desa_asal": kk.village_name.upper(),
                    "kecamatan_asal": kk.district_name.upper(),
                    "kabupaten_asal": kk.regency,
                    "desa_tujuan": str(dest["village_name"]).upper(),
                    "kecamatan_tujuan": str(dest["district_name"]).upper(),
                    "kabupaten_tujuan": "SAMPANG",
                    "alasan_pindah": world.extra["alasan_pindah"],
                    "tanggal_surat": format_date(issued),
                    "berlaku_hingga": format_date(issued + dt.timedelta(days=int(world.cal["document_validity_days"]))),
                },
            )
        )
    docs += [_kk(world, "kk", kk), _ktp(world, "ktp_el", pem, kk, rng)]
    if world.extra.get("pemilik_dibawa"):
        owner_sex = "M" if rng.random() < 0.7 else "F"
        district6 = str(dest["district_code"]).replace(".", "")
        born = world.today - dt.timedelta(days=int(rng.integers(35 * 365, 70 * 365)))
        docs.append(
            Document(
                ref="surat_pernyataan_pemilik_rumah",
                kind="surat_pernyataan_pemilik_rumah",
                fields={
                    "nik_pemilik": world.extra.setdefault(
                        "nik_pemilik", nikmod.encode(district6, born, owner_sex, int(rng.integers(1, 500)))
                    ),
                    "nama_pemilik": world.new_name(owner_sex, set(), rng).upper(),
                    "alamat": "DUSUN " + str(rng.choice(synthetic.village_geography()["dusun"].to_numpy()[:50])).upper(),
                    "desa": str(dest["village_name"]).upper(),
                    "kecamatan": str(dest["district_name"]).upper(),
                    "nama_penumpang": pem.name.upper(),
                    "tanggal_surat": format_date(world.today - dt.timedelta(days=int(rng.integers(0, 10)))),
                },
            )
        )
    return docs


_SIAK_ROLES = ("pemohon", "ayah", "ibu", "suami", "istri", "pasangan")


def _siak(world: _World) -> Document:
    """The operator's SIAK lookup of the adults in the case (NIK status and KTP-el recording)."""
    rows, seen = [], set()
    for role in _SIAK_ROLES:
        if role not in world.roles:
            continue
        p = world.person(role)
        if not p.nik or p.nik in seen or (_age(p.birth_date, world.today) < 17 and p.married_on is None):
            continue
        seen.add(p.nik)
        recorded = not (world.service_id == "ktp_baru" and role == "pemohon")
        rows.append(
            {
                "nik": p.nik,
                "nama": p.name.upper(),
                "status_nik": "AKTIF",
                "status_rekam": _defects.RECORDED if recorded else _defects.NOT_RECORDED,
            }
        )
    return Document(ref="data_siak", kind="data_siak", fields={"tanggal_cek": format_date(world.today)}, rows=tuple(rows))


def _documents(world: _World, rng: np.random.Generator) -> list[Document]:
    docs = _bundle(world, rng)
    return docs + [_siak(world)]


def _bundle(world: _World, rng: np.random.Generator) -> list[Document]:
    s = world.service_id
    if s == "akta_kelahiran":
        return _docs_akta_kelahiran(world, rng)
    if s == "akta_kematian":
        return _docs_akta_kematian(world, rng)
    if s == "kk_baru":
        return _docs_kk_baru(world, rng)
    if s == "kia":
        return _docs_kia(world, rng)
    if s == "pindah_datang":
        return _docs_pindah_datang(world, rng)
    # Every other service is asked for by a member of one family, drawn as "kk".
    kk = world.families["kk"]
    pem = world.person("pemohon")
    if s == "kk_perubahan":
        anak = world.person("anak")
        return [
            _kk(world, "kk", kk),
            _akta("akta_kelahiran", anak, world.person("ayah").name, world.person("ibu").name, world.extra["akta_terbit"], rng),
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
            _buku_nikah(world, world.person("suami"), world.person("istri"), world.event_day, kk.district_name, rng),
        ]
    if s == "pindah_keluar":
        return [_kk(world, "kk", kk), _ktp(world, "ktp_el", pem, kk, rng)]
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
        f["asal_desa"], f["asal_kecamatan"] = kk.village_name.upper(), kk.district_name.upper()
        f["asal_kabupaten"] = kk.regency
    for key in ("tujuan_kabupaten", "alasan_pindah"):
        if key in world.extra:
            f[key] = world.extra[key]
    return f


def _request(world: _World, facts: dict[str, str]) -> Request:
    tpl = _rules.case_templates()
    cat = services.load_catalogue()
    asked = cat.get(world.requested_service_id)
    situation = tpl["situations"][world.service_id]
    situation = (situation.get("variants") or {}).get(world.variant, situation)
    values = dict(facts)
    if "alasan_pindah_en" in world.extra:
        values_en = {**values, "alasan_pindah": world.extra["alasan_pindah_en"]}
    else:
        values_en = values
    text_id = situation["text_id"].format_map(values)
    text_en = situation["text_en"].format_map(values_en)
    for note in world.extra.get("notes", "").split():
        text_id += " " + tpl["notes"][note]["text_id"].format_map(values)
        text_en += " " + tpl["notes"][note]["text_en"].format_map(values_en)
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
        conditions=tuple(sorted(set(world.conditions))),
    )


# ---------------------------------------------------------------------------------------- defects choice
def _choose_kinds(
    service_id: str, difficulty: int, cal: calibration.Calibration, rng: np.random.Generator, variant: str = ""
) -> tuple[list[str], list[str]]:
    """The defect kinds to inject, and fallbacks to try if a document-level one is impossible."""
    if difficulty == 0:
        return [], []
    if rng.random() < float(cal[f"clean_share_difficulty_{difficulty}"]):
        return [], []
    info = _rules.defect_kinds()
    possible = [p.kind for p in _defects.POLICIES if p.possible(service_id) and p.possible_in(service_id, variant)]
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


def _forced_kinds(kinds: Sequence[str], service_id: str, variant: str = "") -> list[str]:
    known = set(_defects.DEFECT_KINDS)
    out = []
    for kind in kinds:
        if kind not in known:
            raise SakeraInputError(
                f"unknown defect kind {kind!r}; choose from {', '.join(_defects.DEFECT_KINDS)}", location="defect_kinds"
            )
        if not _defects.policy(kind).possible(service_id):
            raise SakeraInputError(f"defect {kind!r} cannot occur in a {service_id} case", location="defect_kinds")
        if not _defects.policy(kind).possible_in(service_id, variant):
            raise SakeraInputError(
                f"defect {kind!r} cannot occur in this {service_id} case ({variant})", location="defect_kinds"
            )
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
    variant: str | None = None,
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
    variant
        Force a situation variant of the service (``training_cases.yaml`` ``variants``, see
        :func:`case_variants`), e.g. ``"dalam_kabupaten"`` for a move within Sampang or
        ``"perkawinan_belum_tercatat"`` for an akta kelahiran that needs F-2.04 at the desk.

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
    trainable = catalogue.training_ids()  # engine-only request types are never cases
    service_pick = int(choice_rng.integers(len(trainable)))
    village_pick = int(choice_rng.integers(len(villages)))
    if service_id is None:
        service_id = str(trainable[service_pick])
    service = catalogue.get(service_id)
    if not service.training:
        raise SakeraInputError(
            f"{service_id!r} is simulated but not a training case (catalogue 'training: false'); "
            f"choose one of {', '.join(trainable)}",
            location="service id",
        )
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
    tpl = _rules.case_templates()
    # Always draw these so that a case is the same whatever the service.
    variant_draw, away_draw = float(choice_rng.random()), float(choice_rng.random())
    served_anywhere = set(tpl["served_anywhere"])
    if variant is not None:
        allowed = case_variants(service_id)
        if variant not in allowed:
            raise SakeraInputError(
                f"variant {variant!r} is not a situation of {service_id}; choose one of {', '.join(allowed) or '(none)'}",
                location="variant",
            )
        world.forced = variant
    if service_id == "pindah_datang":
        world.variant = "dalam_kabupaten" if variant_draw < float(cal["move_within_sampang_share"]) else "antar_kabupaten"
        if variant is not None:
            world.variant = variant
        world.origin_code = world.other_village(choice_rng, exclude={village_code})
        world.destination_code = village_code
    away = away_draw < float(cal["served_anywhere_away_share"]) if variant is None else variant == "luar_domisili"
    if service_id in served_anywhere and away:
        world.home_code = world.other_village(choice_rng, exclude={village_code})

    defect_rng = np.random.default_rng(defect_ss)
    chosen, fallbacks = _choose_kinds(service_id, difficulty, cal, choice_rng, world.variant)
    if defect_kinds is not None:
        chosen, fallbacks = _forced_kinds(defect_kinds, service_id, world.variant), []
    by_kind = {p.kind: p for p in _defects.POLICIES}
    chosen_policies = [p for p in _defects.POLICIES if p.kind in chosen]

    for p in chosen_policies:
        p.plan(world, defect_rng)
    people_rng = np.random.default_rng(people_ss)
    src = _HouseholdSource(people_ss.spawn(1)[0], today)
    world.names = src.names
    _PEOPLE[service_id](world, src, people_rng)
    _dedupe_names(world, src, people_rng)
    for key in sorted(world.families):
        _settle_family(world, key, people_rng, src, before=world.event_date if service_id == "kk_baru" else None)
    _nik_date_corrections(world, people_rng)
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
    conditions = request.conditions
    substitutes = _defects.desk_substitutes(documents, service_id, today, conditions)
    decision = _defects.decision_for(kinds, service, substitutes)
    expected = Expected(
        service_id=service_id,
        requirements=_defects.requirement_status(documents, service_id, today),
        decision=decision,
        missing=_defects.missing_requirements(documents, service_id, today, conditions),
        form={f.key: facts[f.fact] for f in _rules.form_fields(service_id)},
        substitutes=substitutes if decision == "process_sptjm" else (),
    )
    village = villages.loc[village_code]
    forced = "" if defect_kinds is None else ",".join(chosen)
    if variant is not None:
        forced += f"|{variant}"
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


def case_variants(service_id: str) -> tuple[str, ...]:
    """The situation variants a case of ``service_id`` can be forced to (``generate_case(variant=...)``)."""
    return tuple((_rules.case_templates().get("variants") or {}).get(service_id, {}))


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

"""Synthetic households (KK) and persons living in the real villages of Kabupaten Sampang.

Everything here is synthetic: names are Madurese-style given names without family names
(:mod:`sakera_toolkit.people.names`), NIK and KK numbers are valid by
:mod:`sakera_toolkit.people.nik` but belong to nobody.

How a population is built (all parameters in ``calibration/people.yaml``)
-----------------------------------------------------------------------
1. Households are drawn by type: one person, couple, nuclear, single parent, extended (the head's
   parents, orang tua, or the spouse's, mertua: one widowed parent or a married couple) and
   three-generation (a married child, its spouse as menantu and their children as cucu, under the
   head's couple or a widowed head). Now and then a famili lain, pembantu or lainnya lives in. All
   11 SIAK relationships (ref_hubungan_keluarga, research-notes §9.6) occur; a few wives head the KK
   with their husband as suami.
   Every marriage is lawful on its date (UU 1/1974 Pasal 7 as amended by UU 16/2019: women 16
   before 14 October 2019, 19 since; men 19; no dispensation marriages): a share of women married
   at 16-18 before the amendment, so with an early ``reference_date`` married 16-18 year-olds
   exist (due a KTP-el). Children follow the marriage by 0.75-3 years, with spacing, before the
   mother's 45th birthday, and leave home between 17 and 30. Married persons carry a
   ``marriage_date`` (the same for both spouses).
2. A village receives households until its person count is reached (the last household is cut to
   fit, and whoever lost a spouse in the cut becomes widowed or unmarried), so per-village counts match :func:`sakera_toolkit.registry.village_population` exactly.
3. Each household lives in a real village and a synthetic RT of it. The village geography (dusun
   names in Madurese style, RW and RT numbering) is deterministic per village code and does not
   depend on the seed; dusun/RW/RT totals follow the sourced regency totals (949/1.074/2.281).
4. Names come from pools drawn once per seed (Madurese naming, no family names), then are indexed
   with numpy, so a million persons take seconds, not minutes.
5. NIKs use the kecamatan of the village (some spouses who married in, wives, husbands of female
   heads and menantu, were first registered elsewhere), the birth
   date (women day + 40) and a sequence unique per 12-digit prefix; KK numbers use the village's
   kecamatan, a registration date after the latest birth or marriage it shows and a unique series.

The bulk API returns DataFrames (:func:`generate_population`, :func:`generate_households`); the
small API returns :class:`Household` and :class:`Person` objects (:func:`generate_household`) for
the training-case generator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .. import calibration, registry
from ..errors import SakeraInputError
from . import nik as nikmod

__all__ = [
    "HOUSEHOLD_TYPES",
    "RELATIONSHIPS",
    "RELATIONSHIP_LABELS",
    "relationship_label",
    "MARITAL_STATUSES",
    "Person",
    "Household",
    "village_geography",
    "name_pools",
    "generate_population",
    "generate_households",
    "generate_household",
    "generate_household_batch",
]

#: Household types, in the order of ``household_type_shares``.
HOUSEHOLD_TYPES = ("single", "couple", "nuclear", "single_parent", "extended", "three_generation")

#: Relationship to the head of the family (Status Hubungan Dalam Keluarga), in the order of SIAK's
#: ``ref_hubungan_keluarga`` (research-notes §9.6): codes 1..11 are the positions + 1.
RELATIONSHIPS = (
    "kepala_keluarga", "suami", "istri", "anak", "menantu", "cucu",
    "orang_tua", "mertua", "famili_lain", "pembantu", "lainnya",
)  # fmt: skip

#: How a relationship is written for users (KK cards, tables). The one mapping: other modules call
#: :func:`relationship_label` instead of formatting the ids themselves.
RELATIONSHIP_LABELS = {
    "kepala_keluarga": "Kepala Keluarga",
    "suami": "Suami",
    "istri": "Istri",
    "anak": "Anak",
    "menantu": "Menantu",
    "cucu": "Cucu",
    "orang_tua": "Orang Tua",
    "mertua": "Mertua",
    "famili_lain": "Famili Lain",
    "pembantu": "Pembantu",
    "lainnya": "Lainnya",
}

#: Marital status (Status Perkawinan, Permendagri 109/2019 F-1.01 wording).
MARITAL_STATUSES = ("belum_kawin", "kawin_tercatat", "kawin_belum_tercatat", "cerai_hidup", "cerai_mati")

SeedLike = int | np.random.SeedSequence | np.random.Generator | None

# Household layout: one row per household, fixed member slots in KK order (head, spouse, children
# oldest first, the married child's spouse, grandchildren, the elderly parents, one other member).
_HEAD, _SPOUSE, _CHILD0, _MAX_CHILDREN = 0, 1, 2, 7
_MENANTU = _CHILD0 + _MAX_CHILDREN
_CUCU0, _MAX_CUCU = _MENANTU + 1, 3
_PARENT0 = _CUCU0 + _MAX_CUCU
_PARENT1 = _PARENT0 + 1
_OTHER = _PARENT1 + 1
_NSLOTS = _OTHER + 1
# Relationship codes (positions in RELATIONSHIPS).
(_R_HEAD, _R_SUAMI, _R_ISTRI, _R_ANAK, _R_MENANTU, _R_CUCU, _R_ORANG_TUA, _R_MERTUA, _R_FAMILI, _R_PEMBANTU,
 _R_LAINNYA) = range(len(RELATIONSHIPS))  # fmt: skip
# Marital status codes (positions in MARITAL_STATUSES).
_BELUM, _TERCATAT, _BELUM_TERCATAT, _CERAI_HIDUP, _CERAI_MATI = range(len(MARITAL_STATUSES))
# Margin (years, about a week) kept between a drawn date and a legal threshold, so that rounding
# ages to whole days never crosses a birthday or the date of UU 16/2019.
_EPS = 0.02
_DAYS_PER_YEAR = 365.2425


def relationship_label(code: str) -> str:
    """The Indonesian label of a relationship id (``"famili_lain"`` -> ``"Famili Lain"``).

    Raises ``KeyError`` for an id that is not one of :data:`RELATIONSHIPS`.
    """
    return RELATIONSHIP_LABELS[code]


# Madurese-flavoured roots and direction words for synthetic dusun names (laok = south,
# daja = north, temor = east, bara' = west, tengah = middle). Synthetic, not real dusun lists.
_DUSUN_ROOTS = (
    "Somber", "Lembung", "Nangger", "Bringin", "Tanjung", "Pakong", "Bates", "Kolla", "Bunut", "Lonjuk",
    "Tambak", "Pandan", "Klampis", "Gunung", "Bira", "Paseser", "Karang", "Jeruk", "Manggis", "Pakes",
    "Cendana", "Daleman", "Brakas", "Tobalang", "Sempal", "Nyamplong", "Pangpajung", "Morleke", "Barunggan",
    "Lebak", "Sumber", "Taman", "Tengginah", "Panggung", "Pettong", "Ronggeng", "Lesong", "Bulangan",
    "Nepa", "Kamal", "Asem", "Jamburan", "Pocogan", "Ombul", "Beringin", "Lao' Songai", "Sawah", "Tegal",
    "Poreh", "Pajagalan", "Kebun", "Longkas", "Batu Ampar", "Pao", "Sabajarin", "Gulbung", "Kodak", "Rabasan",
)  # fmt: skip
_DUSUN_SUFFIXES = ("", "", " Laok", " Daja", " Temor", " Bara'", " Tengah")


@dataclass(frozen=True)
class Person:
    """One synthetic member of a household (fields as in the persons DataFrame)."""

    nik: str
    kk_number: str
    name: str
    sex: str
    birth_date: dt.date
    birth_place: str
    age: int
    relationship: str
    religion: str
    marital_status: str
    education: str
    occupation: str
    village_code: str
    district_code: str
    dusun: str
    rt: int
    rw: int
    address: str
    has_akta_kelahiran: bool
    has_ktp_el: bool
    has_kia: bool
    marriage_date: dt.date | None = None

    @property
    def relationship_label(self) -> str:
        """The relationship as written on the KK (``"Kepala Keluarga"``, ``"Menantu"``...)."""
        return relationship_label(self.relationship)


@dataclass(frozen=True)
class Household:
    """A synthetic family (one KK) and its members, head first."""

    kk_number: str
    household_type: str
    village_code: str
    village_name: str
    district_code: str
    district_name: str
    dusun: str
    rt: int
    rw: int
    address: str
    registration_date: dt.date
    religion: str
    members: tuple[Person, ...]

    @property
    def head(self) -> Person:
        """The kepala keluarga."""
        return self.members[0]

    @property
    def spouse(self) -> Person | None:
        """The head's spouse, if present."""
        for p in self.members:
            if p.relationship in ("istri", "suami"):
                return p
        return None

    @property
    def children(self) -> tuple[Person, ...]:
        """Members with relationship ``anak``, oldest first."""
        return tuple(p for p in self.members if p.relationship == "anak")


# ------------------------------------------------------------------------------------ seeds
def _as_int(value: Any) -> int:
    """``int`` of a field read from ``DataFrame.itertuples`` (pandas-stubs types those as any scalar)."""
    return int(value)


def _seed_sequence(seed: SeedLike, rng: np.random.Generator | None = None) -> np.random.SeedSequence:
    if rng is not None and seed is not None:
        raise SakeraInputError("give either seed or rng, not both", location="seed")
    source = rng if rng is not None else seed
    if isinstance(source, np.random.Generator):
        return np.random.SeedSequence(source.integers(0, 2**63 - 1, size=4, dtype=np.int64).tolist())
    if isinstance(source, np.random.SeedSequence):
        return source
    if source is None:
        raise SakeraInputError(
            "a seed (int or SeedSequence) or an rng is required for reproducible output", location="seed"
        )
    if isinstance(source, bool) or not isinstance(source, (int, np.integer)) or int(source) < 0:
        raise SakeraInputError(f"seed {source!r} must be a non-negative integer", location="seed")
    return np.random.SeedSequence(int(source))


def _calib() -> calibration.Calibration:
    return calibration.load("people")


# ------------------------------------------------------------------------------------ geography
@lru_cache(maxsize=1)
def village_geography() -> pd.DataFrame:
    """One row per RT of every village: village, dusun, RW, RT and the address text.

    The numbers of dusun, RW and RT per village are the sourced regency totals (949 / 1.074 /
    2.281) split in proportion to the 2025 population (at least two dusun, one RW per dusun, one RT
    per RW). Dusun names are synthetic Madurese-style names drawn with a generator seeded by the
    village code, so they are the same for every seed. RT numbers run 1..n within a village; each
    RW holds consecutive RTs.
    """
    c = _calib()
    totals = c["dusun_rw_rt_totals"]
    vil = registry.villages()
    pop = registry.village_population(2025).reindex(vil["village_code"]).to_numpy()
    n_dusun = np.maximum(2, registry._largest_remainder(pop, int(totals["dusun"])))
    n_rw = np.maximum(n_dusun, registry._largest_remainder(pop, int(totals["rw"])))
    n_rt = np.maximum(n_rw, registry._largest_remainder(pop, int(totals["rt"])))
    rows = []
    for i, rec in enumerate(vil.itertuples(index=False)):
        local = np.random.default_rng(int(str(rec.village_code).replace(".", "")))
        names: list[str] = []
        while len(names) < n_dusun[i]:
            root = _DUSUN_ROOTS[local.integers(len(_DUSUN_ROOTS))]
            name = root + _DUSUN_SUFFIXES[local.integers(len(_DUSUN_SUFFIXES))]
            if name not in names:
                names.append(name)
        rw_of_rt = np.repeat(np.arange(n_rw[i]), np.diff(np.linspace(0, n_rt[i], n_rw[i] + 1).round().astype(int)))
        dusun_of_rw = np.repeat(
            np.arange(n_dusun[i]), np.diff(np.linspace(0, n_rw[i], n_dusun[i] + 1).round().astype(int))
        )
        kind = "Kelurahan" if rec.village_type == "kelurahan" else "Desa"
        for rt in range(n_rt[i]):
            rw = int(rw_of_rt[rt])
            dusun = names[int(dusun_of_rw[rw])]
            rows.append(
                (
                    rec.village_code,
                    dusun,
                    rw + 1,
                    rt + 1,
                    f"Dusun {dusun}, RT {rt + 1:03d}/RW {rw + 1:03d}, {kind} {rec.village_name}, "
                    f"Kec. {rec.district_name}, Kab. Sampang, Jawa Timur",
                )
            )
    out = pd.DataFrame(rows, columns=["village_code", "dusun", "rw", "rt", "address"])
    out["rw"] = out["rw"].astype("int16")
    out["rt"] = out["rt"].astype("int16")
    return out


# ------------------------------------------------------------------------------------ names
def name_pools(seed: SeedLike, size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pools of distinct male and female Madurese-style names (:mod:`sakera_toolkit.people.names`).

    No family names: ``Moh. Rofiq``, ``Abd. Rahman``, ``Siti Aminah``, single names... (research
    notes §9.6; Faker ``id_ID`` gives Batak surnames and Western first names, implausible in rural
    Sampang). Returns two sorted arrays of ``size`` draws each, seeded by ``seed``: a name appears as
    often as its pattern makes it likely (common names repeat), so picking uniformly from a pool
    follows the naming patterns.
    """
    from .names import draw_names

    ss = _seed_sequence(seed)
    n = int(size or _calib()["name_pool_size"])
    male_rng, female_rng = (np.random.default_rng(s) for s in ss.spawn(2))
    return np.array(sorted(draw_names(male_rng, n, "M"))), np.array(sorted(draw_names(female_rng, n, "F")))


# ------------------------------------------------------------------------------------ core
def _clipped_normal(rng: np.random.Generator, spec: Sequence[float], n: int) -> np.ndarray:
    mean, sd, lo, hi = (float(x) for x in spec)
    return np.clip(rng.normal(mean, sd, n), lo, hi)


def _uniform(rng: np.random.Generator, spec: Sequence[float], n: int) -> np.ndarray:
    lo, hi = (float(x) for x in spec)
    return rng.uniform(lo, hi, n)


class _Law:
    """The marriage-age law on a reference date, in years (UU 1/1974 Pasal 7 as amended by UU 16/2019).

    ``since`` is the number of years from the amendment to the reference date (negative when the
    reference date is earlier). A marriage that took place more than ``since`` years ago followed the
    old law (women 16, men 19); a later one needs both spouses aged 19 (or a court dispensation, which
    the synthetic population does not contain).
    """

    def __init__(self, c: calibration.Calibration, ref: np.datetime64):
        law = c["marriage_law"]
        change = np.datetime64(str(law["amendment_date"]), "D")
        self.since = float((ref - change).astype("int64")) / _DAYS_PER_YEAR
        self.women_before = float(law["min_age_women_before"]) + _EPS
        self.adult = float(law["min_age_since"]) + _EPS
        self.men = float(law["min_age_men"]) + _EPS
        self.minor_share = float(c["minor_marriage_share"])
        self.age_spec = c["wife_marriage_age"]
        # Years a pre-amendment marriage lies before the reference date, at least (and > 0).
        self.pre_years = max(self.since + _EPS, _EPS)
        #: Youngest age at which a woman can be married on the reference date.
        self.floor = min(self.adult + _EPS, self.women_before + self.pre_years + _EPS)

    def wife_age_at_marriage(self, rng: np.random.Generator, age_now: np.ndarray) -> np.ndarray:
        """The age at which a woman now aged ``age_now`` (>= ``floor``) married, lawfully.

        With probability ``minor_marriage_share`` she married at 16-18 when that was lawful for her
        (before UU 16/2019), otherwise at 19 or later; never after today.
        """
        n = age_now.size
        minor_hi = np.minimum(self.adult - 2 * _EPS, age_now - self.pre_years)
        can_minor = minor_hi > self.women_before
        a_minor = self.women_before + rng.random(n) * np.maximum(minor_hi - self.women_before, 0.0)
        mean, sd, lo, hi = (float(x) for x in self.age_spec)
        a_adult = np.minimum(np.clip(rng.normal(mean, sd, n), max(lo, self.adult), hi), age_now - _EPS)
        can_adult = age_now - _EPS >= self.adult
        use_minor = can_minor & ((rng.random(n) < self.minor_share) | ~can_adult)
        return np.where(use_minor, a_minor, a_adult)

    def wife_age_for_years(self, rng: np.random.Generator, years_married: np.ndarray) -> np.ndarray:
        """The age at which a woman married ``years_married`` ago, lawfully by the law of that date."""
        n = years_married.size
        pre = years_married > self.since + _EPS
        minor = pre & (rng.random(n) < self.minor_share)
        a_minor = self.women_before + rng.random(n) * (self.adult - 2 * _EPS - self.women_before)
        mean, sd, lo, hi = (float(x) for x in self.age_spec)
        a_adult = np.clip(rng.normal(mean, sd, n), max(lo, self.adult), hi)
        return np.where(minor, a_minor, a_adult)

    def husband_gap(self, rng: np.random.Generator, c: calibration.Calibration, wife_at_marriage: np.ndarray):
        """Years the husband is older than the wife: the calibrated gap, but he was 19 at the marriage."""
        return np.maximum(_clipped_normal(rng, c["spouse_age_gap"], wife_at_marriage.size), self.men - wife_at_marriage)


def _reflect(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Fold values below ``lo`` back above it (a truncated draw without a pile at the bound)."""
    return np.clip(np.where(x < lo, 2 * lo - x, x), lo, hi)


def _births(rng: np.random.Generator, c, n: int, slots: int, first: np.ndarray, mother: np.ndarray, count: np.ndarray):
    """Ages of up to ``slots`` children born from the mother's age ``first`` on, and who is still at home."""
    lo, hi = (float(x) for x in c["birth_spacing_years"])
    spacing = rng.uniform(lo, hi, size=(n, slots))
    spacing[:, 0] = 0.0
    at_birth = first[:, None] + np.cumsum(spacing, axis=1)
    age = mother[:, None] - at_birth
    lo, hi = (float(x) for x in c["child_leaves_home_age"])
    leaves = rng.uniform(lo, hi, size=(n, slots))
    born = (np.arange(slots)[None, :] < count[:, None]) & (age >= 0) & (at_birth <= float(c["last_birth_age"]))
    return age, born, born & (age < leaves)


def _draw_households(
    rng: np.random.Generator, n: int, c: calibration.Calibration, law: _Law, types: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Draw ``n`` households in the slot layout. Returns a dict of (n,) and (n, slots) arrays.

    Every couple married lawfully (:class:`_Law`) and before its first child; children are born
    after the marriage, before the mother's 45th birthday; a married child (``three_generation``)
    lives with its spouse (menantu) and their children (cucu); elderly parents are the parents of
    the head (orang tua) or of the spouse (mertua), married before that child was born.
    """
    shares = c["household_type_shares"]
    p = np.array([float(shares[t]) for t in HOUSEHOLD_TYPES])
    if types is None:
        types = rng.choice(len(HOUSEHOLD_TYPES), size=n, p=p / p.sum())
    single, couple, nuclear, single_parent, extended, three_gen = (types == k for k in range(len(HOUSEHOLD_TYPES)))
    ages = np.full((n, _NSLOTS), np.nan)
    female = np.zeros((n, _NSLOTS), dtype=bool)
    present = np.zeros((n, _NSLOTS), dtype=bool)
    rel = np.zeros((n, _NSLOTS), dtype="int8")
    marital = np.zeros((n, _NSLOTS), dtype="int8")
    married_ago = np.full((n, _NSLOTS), np.nan)
    max_age = float(c["max_age"])
    child_female = float(c["child_female_share"])
    lo, hi = (float(x) for x in c["first_birth_after_marriage_years"])
    d1 = rng.uniform(lo, hi, n)

    # --- the head's generation: the wife's (or lone mother's) age m and her age at marriage.
    ma = c["mother_age"]
    young = rng.random(n) < float(c["young_couple_share"])
    m = _clipped_normal(rng, ma["nuclear"], n)
    m = np.where(single_parent, _clipped_normal(rng, ma["single_parent"], n), m)
    m = np.where(extended, _clipped_normal(rng, ma["extended"], n), m)
    y_lo, y_hi = (float(x) for x in ma["couple_young"])
    y_lo = min(max(y_lo, law.floor), y_hi)
    m = np.where(couple & young, y_lo + rng.random(n) * (y_hi - y_lo), m)
    m = np.where(couple & ~young, _uniform(rng, ma["couple_old"], n), m)
    m = np.maximum(m, law.floor)
    a_w = law.wife_age_at_marriage(rng, m)

    # --- three generations: the married child's couple first, the head's couple from the child's age.
    g = c["three_generation"]
    m2 = _reflect(_clipped_normal(rng, g["young_wife_age"], n), law.floor, float(g["young_wife_age"][3]))
    a_w2 = law.wife_age_at_marriage(rng, m2)
    h2 = m2 + law.husband_gap(rng, c, a_w2)
    daughter = rng.random(n) < float(g["married_daughter_share"])
    c0 = np.where(daughter, m2, h2)
    years_old = c0 + d1
    a_old = np.minimum(law.wife_age_for_years(rng, years_old), max_age - years_old - 0.5)
    m = np.where(three_gen, a_old + years_old, m)
    a_w = np.where(three_gen, a_old, a_w)
    husband = np.minimum(m + law.husband_gap(rng, c, a_w), max_age)

    # --- head and spouse
    widowed3 = three_gen & (rng.random(n) < float(g["widowed_head_share"]))
    married = couple | nuclear | extended | (three_gen & ~widowed3)
    lone = single_parent | widowed3
    lone_female = lone & (rng.random(n) < float(c["single_parent_female_share"]))
    wife_head = married & (rng.random(n) < float(c["wife_head_share"]))
    head_female = lone_female | wife_head
    present[:, _HEAD] = True
    rel[:, _HEAD] = _R_HEAD
    ages[:, _HEAD] = np.where(head_female, m, husband)
    female[:, _HEAD] = head_female
    ages[:, _SPOUSE] = np.where(married, np.where(wife_head, husband, m), np.nan)
    female[:, _SPOUSE] = married & ~wife_head
    present[:, _SPOUSE] = married
    rel[:, _SPOUSE] = np.where(wife_head, _R_SUAMI, _R_ISTRI)
    married_ago[:, _HEAD] = married_ago[:, _SPOUSE] = np.where(married, m - a_w, np.nan)

    # One-person households.
    young_single = rng.random(n) < float(c["young_single_share"])
    s_age = np.where(young_single, _uniform(rng, c["single_young_age"], n), _uniform(rng, c["single_old_age"], n))
    sf = c["single_female_share"]
    s_female = rng.random(n) < np.where(young_single, float(sf["young"]), float(sf["old"]))
    ages[:, _HEAD] = np.where(single, s_age, ages[:, _HEAD])
    female[:, _HEAD] = np.where(single, s_female, female[:, _HEAD])
    married_ago[:, _HEAD] = np.where(single, np.nan, married_ago[:, _HEAD])

    # Marital status of the head and spouse.
    couple_status = np.where(rng.random(n) < float(c["unrecorded_marriage_share"]), _BELUM_TERCATAT, _TERCATAT)
    widowed = rng.random(n) < float(c["single_parent_widowed_share"])
    marital[:, _HEAD] = np.select(
        [married, widowed3, single_parent, single & young_single],
        [couple_status, _CERAI_MATI, np.where(widowed, _CERAI_MATI, _CERAI_HIDUP), _BELUM],
        default=_CERAI_MATI,
    )
    marital[:, _SPOUSE] = np.where(married, couple_status, _BELUM)

    # --- children of the head's couple, oldest first; in three generations the oldest is the married one.
    kmax = min(int(c["max_children"]), _MAX_CHILDREN)
    with_children = nuclear | single_parent | extended | three_gen
    k = np.minimum(1 + rng.poisson(float(c["children_extra_poisson"]), n), kmax)
    child_age, _, home = _births(rng, c, n, kmax, a_w + d1, m, k)
    home &= with_children[:, None]
    home[:, 0] |= three_gen
    cs = slice(_CHILD0, _CHILD0 + kmax)
    ages[:, cs] = np.where(home, child_age, np.nan)
    present[:, cs] = home
    rel[:, cs] = _R_ANAK
    female[:, cs] = rng.random((n, kmax)) < child_female
    female[:, _CHILD0] = np.where(three_gen, daughter, female[:, _CHILD0])

    # --- the married child's spouse (menantu) and their children (cucu).
    young_status = np.where(rng.random(n) < float(c["unrecorded_marriage_share"]), _BELUM_TERCATAT, _TERCATAT)
    ages[:, _MENANTU] = np.where(three_gen, np.where(daughter, h2, m2), np.nan)
    female[:, _MENANTU] = three_gen & ~daughter
    present[:, _MENANTU] = three_gen
    rel[:, _MENANTU] = _R_MENANTU
    for s in (_CHILD0, _MENANTU):
        marital[:, s] = np.where(three_gen, young_status, marital[:, s])
        married_ago[:, s] = np.where(three_gen, m2 - a_w2, np.nan)
    k2 = np.minimum(1 + rng.poisson(float(g["grandchildren_extra_poisson"]), n), _MAX_CUCU)
    cucu_age, _, cucu_home = _births(rng, c, n, _MAX_CUCU, a_w2 + rng.uniform(lo, hi, n), m2, k2)
    cucu_home &= three_gen[:, None]
    gs = slice(_CUCU0, _CUCU0 + _MAX_CUCU)
    ages[:, gs] = np.where(cucu_home, cucu_age, np.nan)
    present[:, gs] = cucu_home
    rel[:, gs] = _R_CUCU
    female[:, gs] = rng.random((n, _MAX_CUCU)) < child_female

    # --- elderly parents of the head (orang tua) or of the spouse (mertua), in extended households.
    of_spouse = rng.random(n) < 0.5
    base = np.where(of_spouse, ages[:, _SPOUSE], ages[:, _HEAD])
    base = np.where(extended, base, 30.0)  # any value outside extended households (not used)
    lo_p, hi_p = (float(x) for x in c["extended_parent_married_before_birth_years"])
    years_p = base + np.minimum(rng.uniform(lo_p, hi_p, n), max_age - law.men - base - _EPS)
    a_p = np.minimum(law.wife_age_for_years(rng, years_p), max_age - years_p - _EPS)
    elder_mother = a_p + years_p
    elder_father = np.minimum(elder_mother + law.husband_gap(rng, c, a_p), max_age)
    both = extended & (rng.random(n) < float(c["extended_both_parents_share"]))
    first_female = both | (rng.random(n) < float(c["extended_parent_female_share"]))
    ages[:, _PARENT0] = np.where(extended, np.where(first_female, elder_mother, elder_father), np.nan)
    female[:, _PARENT0] = extended & first_female
    present[:, _PARENT0] = extended
    ages[:, _PARENT1] = np.where(both, elder_father, np.nan)
    present[:, _PARENT1] = both
    elder_status = np.where(rng.random(n) < float(c["unrecorded_marriage_share"]), _BELUM_TERCATAT, _TERCATAT)
    for s in (_PARENT0, _PARENT1):
        rel[:, s] = np.where(of_spouse, _R_MERTUA, _R_ORANG_TUA)
        marital[:, s] = np.where(both, elder_status, _CERAI_MATI)
        married_ago[:, s] = np.where(both, years_p, np.nan)

    # --- now and then a relative, a domestic worker or another person (never in one-person households).
    x = c["other_member"]
    kinds = ("famili_lain", "pembantu", "lainnya")
    cum = np.cumsum([float(x[k]["share"]) for k in kinds])
    u = rng.random(n)
    kind = np.searchsorted(cum, u, side="right")  # 0..2, or 3 for none
    has_other = (kind < len(kinds)) & ~single
    kind = np.minimum(kind, len(kinds) - 1)
    o_age = np.zeros(n)
    o_female = np.zeros(n, dtype=bool)
    fu = rng.random(n)
    for i, name in enumerate(kinds):
        here = kind == i
        o_age = np.where(here, _uniform(rng, x[name]["age"], n), o_age)
        o_female = np.where(here, fu < float(x[name]["female_share"]), o_female)
    ms = c["other_member_adult_marital"]
    m_labels = list(ms)
    m_p = np.array([float(ms[k]) for k in m_labels])
    o_marital = np.array([MARITAL_STATUSES.index(k) for k in m_labels], dtype="int8")[
        rng.choice(len(m_labels), size=n, p=m_p / m_p.sum())
    ]
    ages[:, _OTHER] = np.where(has_other, o_age, np.nan)
    female[:, _OTHER] = has_other & o_female
    present[:, _OTHER] = has_other
    rel[:, _OTHER] = np.array([_R_FAMILI, _R_PEMBANTU, _R_LAINNYA], dtype="int8")[kind]
    marital[:, _OTHER] = np.where(o_age >= law.adult, o_marital, _BELUM)

    return {
        "type": types.astype("int8"),
        "ages": ages,
        "female": female,
        "present": present,
        "rel": rel,
        "marital": marital,
        "married_ago": married_ago,
    }


def _retype(out: dict, cut: np.ndarray) -> None:
    """Keep households cut to fit a village total coherent: nobody is married to an absent spouse.

    A head, married child or elderly parent whose spouse was cut becomes widowed / unmarried, and
    the household type follows what is left.
    """
    pr, mar, ago, typ = out["present"], out["marital"], out["married_ago"], out["type"]
    wed = (mar == _TERCATAT) | (mar == _BELUM_TERCATAT)
    for person, spouse, status in (
        (_HEAD, _SPOUSE, _CERAI_MATI),
        (_CHILD0, _MENANTU, _BELUM),
        (_PARENT0, _PARENT1, _CERAI_MATI),
    ):
        alone = cut & pr[:, person] & ~pr[:, spouse] & wed[:, person]
        mar[alone, person] = status
        ago[alone, person] = np.nan
    size = pr.sum(axis=1)
    kids = pr[:, _CHILD0 : _CHILD0 + _MAX_CHILDREN].any(axis=1)
    t = HOUSEHOLD_TYPES.index
    # Slots are cut from the end, so a menantu or an elderly parent left means everything before is there.
    new = np.select(
        [size == 1, pr[:, _MENANTU], pr[:, _PARENT0], ~pr[:, _SPOUSE], kids],
        [t("single"), t("three_generation"), t("extended"), t("single_parent"), t("nuclear")],
        default=t("couple"),
    )
    typ[cut] = new[cut].astype(typ.dtype)


def _trim(hh: dict, keep: np.ndarray, size: np.ndarray) -> dict:
    """Keep households ``keep`` and cut each to at most ``size`` members (slot order), coherently."""
    out = {k: v[keep].copy() for k, v in hh.items()}
    before = out["present"]
    rank = np.cumsum(before, axis=1) - 1
    out["present"] = before & (rank < size[keep][:, None])
    cut = out["present"].sum(axis=1) < before.sum(axis=1)
    if cut.any():
        _retype(out, cut)
    return out


def _households_for_persons(rng, village_idx: np.ndarray, targets: np.ndarray, c, law: _Law) -> tuple[dict, np.ndarray]:
    """Draw households per village until each village's person target is met exactly."""
    parts = []
    need = targets.astype("int64").copy()
    active = np.flatnonzero(need > 0)
    while active.size:
        # Mean household size is ~3.5; ask for a little more than needed.
        counts = np.ceil(need[active] / 3.0).astype("int64") + 2
        vidx = np.repeat(active, counts)
        hh = _draw_households(rng, vidx.size, c, law)
        size = hh["present"].sum(axis=1)
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        cum = np.cumsum(size)
        before = cum - size - np.repeat(cum[starts] - size[starts], counts)
        remaining = np.repeat(need[active], counts) - before
        keep = remaining > 0
        cut = np.minimum(size, remaining)
        parts.append((_trim(hh, keep, cut), vidx[keep]))
        used = np.bincount(vidx[keep], weights=cut[keep], minlength=need.size).astype("int64")
        need = need - used
        active = np.flatnonzero(need > 0)
    if not parts:
        return _draw_households(rng, 0, c, law), np.empty(0, dtype="int64")
    hh = {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}
    vidx = np.concatenate([p[1] for p in parts])
    order = np.argsort(vidx, kind="stable")
    return {k: v[order] for k, v in hh.items()}, vidx[order]


def _cat(values: np.ndarray, categories: Sequence[str]) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(np.asarray(values, dtype="int64"), categories=pd.Index(list(categories)))


def _draw_groups(
    rng, n, ages: np.ndarray, female: np.ndarray, groups: list, extra=None
) -> tuple[np.ndarray, list[str]]:
    """Draw a label per person from age (and sex) bands: returns codes and the label list."""
    labels: list[str] = []
    for g in groups:
        for lab in g["weights"]:
            if lab not in labels:
                labels.append(lab)
    codes = np.full(n, -1, dtype="int64")
    u = rng.random(n)
    for g in groups:
        lo, hi = g["ages"]
        mask = (ages >= lo) & (ages <= hi)
        sex = g.get("sex", "any")
        if sex == "M":
            mask &= ~female
        elif sex == "F":
            mask &= female
        if not mask.any():
            continue
        w = np.array([float(g["weights"].get(lab, 0.0)) for lab in labels])
        cdf = np.cumsum(w / w.sum())
        codes[mask] = np.minimum(np.searchsorted(cdf, u[mask], side="right"), len(labels) - 1)
    if (codes < 0).any():
        raise SakeraInputError("calibration groups do not cover every age", source="calibration/people.yaml")
    return codes, labels


def _age_years(birth: np.ndarray, ref: np.datetime64) -> np.ndarray:
    """Completed years at ``ref`` for ``datetime64[D]`` birth dates."""
    ref_date = ref.astype(object)
    by = birth.astype("datetime64[Y]").astype("int64") + 1970
    bm = birth.astype("datetime64[M]").astype("int64") % 12 + 1
    bd = (birth - birth.astype("datetime64[M]")).astype("int64") + 1
    before = (bm > ref_date.month) | ((bm == ref_date.month) & (bd > ref_date.day))
    return (ref_date.year - by - before).astype("int16")


def _build(
    ss: np.random.SeedSequence,
    village_codes: Sequence[str],
    targets: np.ndarray | None = None,
    n_households: np.ndarray | None = None,
    reference_date: dt.date | None = None,
    nik_allocator: nikmod.SequenceAllocator | None = None,
    kk_allocator: nikmod.SequenceAllocator | None = None,
    names: tuple[np.ndarray, np.ndarray] | None = None,
    household_type: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    c = _calib()
    s_struct, s_geo, s_names, s_attr, s_nik = ss.spawn(5)
    rng = np.random.default_rng(s_struct)
    ref = np.datetime64(reference_date or dt.date.fromisoformat(str(c["reference_date"])), "D")
    vil = registry.villages().set_index("village_code").loc[list(village_codes)]
    law = _Law(c, ref)

    if targets is not None:
        hh, vidx = _households_for_persons(rng, np.arange(len(village_codes)), targets, c, law)
    else:
        counts = np.asarray(n_households, dtype="int64")
        vidx = np.repeat(np.arange(len(village_codes)), counts)
        types = None
        if household_type is not None:
            types = np.full(vidx.size, HOUSEHOLD_TYPES.index(household_type))
        hh = _draw_households(rng, vidx.size, c, law, types)
    n_hh = vidx.size

    # --- address: a random RT of the village
    geo = village_geography()
    geo_codes = geo["village_code"].to_numpy()
    first_row = pd.Series(np.arange(len(geo)), index=geo_codes).groupby(level=0).min()
    n_rt = geo.groupby("village_code").size()
    v_first = first_row.reindex(vil.index).to_numpy()
    v_nrt = n_rt.reindex(vil.index).to_numpy()
    g_rng = np.random.default_rng(s_geo)
    geo_row = v_first[vidx] + (g_rng.random(n_hh) * v_nrt[vidx]).astype("int64")
    religion_shares = c["religion_shares"]
    rel_labels = list(religion_shares)
    rel_p = np.array([float(religion_shares[k]) for k in rel_labels])
    religion = g_rng.choice(len(rel_labels), size=n_hh, p=rel_p / rel_p.sum())

    # --- flatten the present slots into persons (household order, head first)
    present = hh["present"]
    hh_of, slot = np.nonzero(present)
    n = hh_of.size
    age_years = hh["ages"][hh_of, slot]
    female = hh["female"][hh_of, slot]
    a_rng = np.random.default_rng(s_attr)
    # Everyone was born at least one day before the reference date (the KK is registered after).
    age_days = np.floor(age_years * _DAYS_PER_YEAR).astype("int64") + 1
    birth = ref - age_days.astype("timedelta64[D]")
    age = _age_years(birth, ref)
    relationship = hh["rel"][hh_of, slot]
    marital = hh["marital"][hh_of, slot]
    # Both spouses share the same float "years married", hence the same date.
    ago = hh["married_ago"][hh_of, slot]
    wed = ~np.isnan(ago)
    marriage = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    marriage[wed] = ref - np.floor(ago[wed] * _DAYS_PER_YEAR).astype("int64").astype("timedelta64[D]")

    # --- NIK: kecamatan of first registration, birth date, sex, unique sequence
    district6 = np.array([int(code.replace(".", "")) for code in vil["district_code"]], dtype="int64")[vidx][hh_of]
    n_rng = np.random.default_rng(s_nik)
    # Spouses who married into the family (wife, husband of a female head, menantu) may hold a NIK
    # first registered in another kecamatan.
    married_in = (relationship == _R_ISTRI) | (relationship == _R_SUAMI) | (relationship == _R_MENANTU)
    moved_in = married_in & (n_rng.random(n) < float(c["spouse_from_elsewhere_share"]))
    if moved_in.any():
        nat = registry.national_districts()
        sampang = np.array([int(x.replace(".", "")) for x in registry.districts()["district_code"]], dtype="int64")
        neighbours = np.array(
            [
                int(x.replace(".", ""))
                for x, r in zip(nat["code"], nat["regency_code"], strict=True)
                if r in set(c["neighbour_regencies"])
            ],
            dtype="int64",
        )
        outside = n_rng.random(n) < float(c["spouse_from_outside_sampang_share"])
        other_sampang = sampang[n_rng.integers(0, sampang.size, n)]
        same = other_sampang == district6
        other_sampang = np.where(
            same, sampang[(np.searchsorted(sampang, other_sampang) + 1) % sampang.size], other_sampang
        )
        other = np.where(outside, neighbours[n_rng.integers(0, neighbours.size, n)], other_sampang)
        district6 = np.where(moved_in, other, district6)
    prefixes = nikmod.nik_prefixes(district6, birth, female)
    nik_alloc = nik_allocator if nik_allocator is not None else nikmod.SequenceAllocator("NIK")
    niks = nikmod.format_numbers(prefixes, nik_alloc.allocate_many(prefixes))

    # --- KK number: kecamatan of the village, registered after the latest birth or marriage it shows
    head_rows = np.flatnonzero(slot == _HEAD)
    if n_hh:
        event = np.where(wed, np.maximum(marriage, birth), birth)
        latest_birth = np.maximum.reduceat(event.astype("int64"), head_rows).astype("datetime64[D]")
    else:
        latest_birth = np.empty(0, dtype="datetime64[D]")
    earliest = np.maximum(
        latest_birth + np.timedelta64(1, "D"), np.datetime64(str(c["kk_first_registration_date"]), "D")
    )
    earliest = np.minimum(earliest, ref)
    span = (ref - earliest).astype("int64")
    reg_date = earliest + (n_rng.random(n_hh) * (span + 1)).astype("int64").astype("timedelta64[D]")
    hh_district6 = np.array([int(code.replace(".", "")) for code in vil["district_code"]], dtype="int64")[vidx]
    kk_prefix = nikmod.nik_prefixes(hh_district6, reg_date, np.zeros(n_hh, dtype=bool))
    kk_alloc = kk_allocator if kk_allocator is not None else nikmod.SequenceAllocator("KK number")
    kk_numbers = nikmod.format_numbers(kk_prefix, kk_alloc.allocate_many(kk_prefix))

    # --- names from seeded Faker pools
    male_pool, female_pool = names if names is not None else name_pools(s_names)
    names_all = np.unique(np.concatenate([male_pool, female_pool]))
    male_codes = np.searchsorted(names_all, male_pool)
    female_codes = np.searchsorted(names_all, female_pool)
    nm_rng = np.random.default_rng(s_names.spawn(1)[0])
    pick = nm_rng.random(n)
    name_code = np.where(
        female,
        female_codes[(pick * female_codes.size).astype("int64")],
        male_codes[(pick * male_codes.size).astype("int64")],
    )

    # --- education, occupation, documents
    edu_codes, edu_labels = _draw_groups(a_rng, n, age, female, c["education_groups"])
    # Married teenagers work or keep house like adults.
    occ_age = np.where(marital != 0, np.maximum(age, 19), age)
    occ_codes, occ_labels = _draw_groups(a_rng, n, occ_age, female, c["occupation_groups"])
    island = str(calibration.load("registry")["mandangin_code"])
    on_island = (vil.index.to_numpy()[vidx][hh_of] == island) & ~female & (age >= 19) & (age <= 64)
    if on_island.any():
        if "Nelayan/Perikanan" not in occ_labels:
            occ_labels.append("Nelayan/Perikanan")
        fisher = on_island & (a_rng.random(n) < float(c["island_fisher_share"]))
        occ_codes = np.where(fisher, occ_labels.index("Nelayan/Perikanan"), occ_codes)
    akta = c["akta_kelahiran_coverage"]
    has_akta = a_rng.random(n) < np.where(age < 19, float(akta["under_19"]), float(akta["adult"]))
    wajib_ktp = (age >= 17) | (marital != 0)
    has_ktp = wajib_ktp & (a_rng.random(n) < float(c["ktp_el_coverage"]))
    kia_p = min(1.0, float(c["kia_coverage"]) / float(akta["under_19"]))
    has_kia = (age < 17) & has_akta & (a_rng.random(n) < kia_p)

    # --- birth place: the regency of the NIK's kecamatan
    reg_names = {
        code.replace(".", ""): name
        for code, name in zip(registry.regencies()["code"], registry.regencies()["name"], strict=True)
    }
    regency4 = district6 // 100
    uniq_reg, reg_inv = np.unique(regency4, return_inverse=True)
    place_labels = [reg_names[str(r)].replace("Kabupaten ", "").replace("Kota ", "") for r in uniq_reg]
    place_labels_unique = sorted(set(place_labels))
    place_codes = np.array([place_labels_unique.index(p) for p in place_labels], dtype="int64")[reg_inv]

    # --- assemble
    geo_hh = geo.iloc[geo_row]
    village_cat = pd.Categorical(vil.index.to_numpy()[vidx], categories=list(vil.index.unique()))
    address_cat = pd.Categorical(geo_hh["address"].to_numpy())
    dusun_cat = pd.Categorical(geo_hh["dusun"].to_numpy())
    district_code_hh = vil["district_code"].to_numpy()[vidx]
    households = pd.DataFrame(
        {
            "kk_number": pd.array(kk_numbers, dtype="str"),
            "household_type": _cat(hh["type"], HOUSEHOLD_TYPES),
            "village_code": village_cat,
            "village_name": pd.Categorical(vil["village_name"].to_numpy()[vidx]),
            "district_code": pd.Categorical(district_code_hh),
            "district_name": pd.Categorical(vil["district_name"].to_numpy()[vidx]),
            "dusun": dusun_cat,
            "rt": geo_hh["rt"].to_numpy(),
            "rw": geo_hh["rw"].to_numpy(),
            "address": address_cat,
            "registration_date": reg_date.astype("datetime64[s]"),
            "religion": _cat(religion, rel_labels),
            "members": present.sum(axis=1).astype("int16"),
        }
    )
    persons = pd.DataFrame(
        {
            "nik": pd.array(niks, dtype="str"),
            "kk_number": pd.array(kk_numbers[hh_of], dtype="str"),
            "name": pd.Categorical.from_codes(name_code, categories=pd.Index(names_all)),
            "sex": pd.Categorical(np.where(female, "F", "M"), categories=["M", "F"]),
            "birth_date": birth.astype("datetime64[s]"),
            "birth_place": pd.Categorical.from_codes(place_codes, categories=pd.Index(place_labels_unique)),
            "age": age,
            "relationship": _cat(relationship, RELATIONSHIPS),
            "religion": _cat(religion[hh_of], rel_labels),
            "marital_status": _cat(marital, MARITAL_STATUSES),
            "marriage_date": marriage.astype("datetime64[s]"),
            "education": _cat(edu_codes, edu_labels),
            "occupation": _cat(occ_codes, occ_labels),
            "village_code": village_cat[hh_of],
            "district_code": pd.Categorical(district_code_hh[hh_of]),
            "dusun": dusun_cat[hh_of],
            "rt": geo_hh["rt"].to_numpy()[hh_of],
            "rw": geo_hh["rw"].to_numpy()[hh_of],
            "address": address_cat[hh_of],
            "has_akta_kelahiran": has_akta,
            "has_ktp_el": has_ktp,
            "has_kia": has_kia,
        }
    )
    households.insert(1, "head_nik", persons["nik"].to_numpy()[head_rows])
    households.insert(2, "head_name", persons["name"].to_numpy()[head_rows])
    return households, persons


# ------------------------------------------------------------------------------------ public API
def _resolve_villages(village_codes: Sequence[str] | None) -> list[str]:
    known = registry.villages()["village_code"].tolist()
    if village_codes is None:
        return known
    if isinstance(village_codes, str):
        village_codes = [village_codes]
    codes = [str(c).strip() for c in village_codes]
    unknown = [c for c in codes if c not in set(known)]
    if unknown:
        raise SakeraInputError(f"unknown village code(s) {unknown[:3]}", location="village_codes")
    if len(set(codes)) != len(codes):
        raise SakeraInputError("duplicate village codes", location="village_codes")
    if not codes:
        raise SakeraInputError("no village codes given", location="village_codes")
    return codes


def _split(total: int, codes: list[str], year: int) -> np.ndarray:
    weights = registry.village_population(year).reindex(codes).to_numpy().astype("float64")
    if weights.sum() <= 0:
        weights = np.ones(len(codes))
    return registry._largest_remainder(weights, int(total))


def generate_population(
    village_codes: Sequence[str] | None = None,
    persons: int | Mapping[str, int] | pd.Series | None = None,
    seed: SeedLike = None,
    *,
    rng: np.random.Generator | None = None,
    year: int = 2025,
    reference_date: dt.date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate households and persons for villages, matching person counts exactly.

    Parameters
    ----------
    village_codes
        Kemendagri village codes (default: all 186).
    persons
        ``None``: the registry population of each village for ``year``
        (:func:`sakera_toolkit.registry.village_population`); an int: that many persons split over
        the villages in proportion to their population; a mapping/Series ``village_code -> count``.
    seed, rng
        An int or ``SeedSequence``, or a numpy ``Generator`` (exactly one).
    year
        Population year when ``persons`` is not a mapping.
    reference_date
        Date at which ages and documents hold (default ``reference_date`` of the calibration).

    Returns
    -------
    households, persons : DataFrame
        One row per KK and one row per person (see the module docstring; persons are ordered by
        household, head first). Low-cardinality columns are categoricals.
    """
    ss = _seed_sequence(seed, rng)
    if isinstance(persons, (Mapping, pd.Series)):
        codes = _resolve_villages(list(persons.keys()) if village_codes is None else village_codes)
        mapping = dict(persons.items())
        missing = [c for c in codes if c not in mapping]
        if missing:
            raise SakeraInputError(f"no person count for village(s) {missing[:3]}", location="persons")
        targets = np.array([mapping[c] for c in codes])
    else:
        codes = _resolve_villages(village_codes)
        if persons is None:
            targets = registry.village_population(year).reindex(codes).to_numpy()
        else:
            targets = _split(int(persons), codes, year)
    if (np.asarray(targets) < 0).any():
        raise SakeraInputError("person counts must be >= 0", location="persons")
    return _build(ss, codes, targets=np.asarray(targets, dtype="int64"), reference_date=reference_date)


def generate_households(
    n: int | None = None,
    village_codes: Sequence[str] | None = None,
    seed: SeedLike = None,
    *,
    rng: np.random.Generator | None = None,
    year: int = 2025,
    reference_date: dt.date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate ``n`` households spread over villages in proportion to population.

    With ``n=None`` one household per village is generated. Returns ``(households, persons)``
    like :func:`generate_population`.
    """
    ss = _seed_sequence(seed, rng)
    codes = _resolve_villages(village_codes)
    if n is None:
        counts = np.ones(len(codes), dtype="int64")
    else:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise SakeraInputError(f"number of households {n!r} must be a whole number >= 0", location="n")
        counts = _split(int(n), codes, year)
    return _build(ss, codes, n_households=counts, reference_date=reference_date)


def _to_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def _optional_date(value: Any) -> dt.date | None:
    """A date, or ``None`` for a missing one (``NaT``)."""
    return None if value is None or value is pd.NaT else _to_date(value)


def generate_household(
    village_code: str,
    seed: SeedLike = None,
    *,
    rng: np.random.Generator | None = None,
    household_type: str | None = None,
    reference_date: dt.date | None = None,
    nik_allocator: nikmod.SequenceAllocator | None = None,
    kk_allocator: nikmod.SequenceAllocator | None = None,
) -> Household:
    """One synthetic household in ``village_code`` as objects (for training cases).

    Parameters
    ----------
    village_code
        A Kemendagri village code of Sampang.
    seed, rng
        An int or ``SeedSequence``, or a numpy ``Generator`` (exactly one).
    household_type
        Force one of :data:`HOUSEHOLD_TYPES` (default: drawn with the calibrated shares).
    reference_date
        Date at which ages hold (default: the calibration's reference date).
    nik_allocator, kk_allocator
        Share allocators between calls to keep NIK and KK numbers unique across households
        (default: fresh allocators, unique within this household only).
    """
    return generate_household_batch(
        village_code,
        1,
        seed,
        rng=rng,
        household_type=household_type,
        reference_date=reference_date,
        nik_allocator=nik_allocator,
        kk_allocator=kk_allocator,
    )[0]


def generate_household_batch(
    village_code: str,
    n: int,
    seed: SeedLike = None,
    *,
    rng: np.random.Generator | None = None,
    household_type: str | None = None,
    reference_date: dt.date | None = None,
    nik_allocator: nikmod.SequenceAllocator | None = None,
    kk_allocator: nikmod.SequenceAllocator | None = None,
) -> list[Household]:
    """``n`` synthetic households in ``village_code`` as objects, drawn in one vectorised pass.

    Same parameters as :func:`generate_household` (which is ``generate_household_batch(..., 1)[0]``);
    the training-case generator draws a batch and keeps the first household that fits its story.
    """
    ss = _seed_sequence(seed, rng)
    codes = _resolve_villages([village_code])
    if household_type is not None and household_type not in HOUSEHOLD_TYPES:
        raise SakeraInputError(
            f"household_type {household_type!r} is not one of {HOUSEHOLD_TYPES}", location="household_type"
        )
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SakeraInputError(f"number of households {n!r} must be a whole number >= 1", location="n")
    names = name_pools(ss.spawn(1)[0], size=32 * int(n))
    hh, persons = _build(
        ss,
        codes,
        n_households=np.array([int(n)]),
        reference_date=reference_date,
        nik_allocator=nik_allocator,
        kk_allocator=kk_allocator,
        names=names,
        household_type=household_type,
    )
    members: dict[str, list[Person]] = {}
    for p in persons.itertuples(index=False):
        members.setdefault(str(p.kk_number), []).append(
            Person(
                nik=str(p.nik),
                kk_number=str(p.kk_number),
                name=str(p.name),
                sex=str(p.sex),
                birth_date=_to_date(p.birth_date),
                birth_place=str(p.birth_place),
                age=_as_int(p.age),
                relationship=str(p.relationship),
                religion=str(p.religion),
                marital_status=str(p.marital_status),
                education=str(p.education),
                occupation=str(p.occupation),
                village_code=str(p.village_code),
                district_code=str(p.district_code),
                dusun=str(p.dusun),
                rt=_as_int(p.rt),
                rw=_as_int(p.rw),
                address=str(p.address),
                has_akta_kelahiran=bool(p.has_akta_kelahiran),
                has_ktp_el=bool(p.has_ktp_el),
                has_kia=bool(p.has_kia),
                marriage_date=_optional_date(p.marriage_date),
            )
        )
    return [
        Household(
            kk_number=str(row.kk_number),
            household_type=str(row.household_type),
            village_code=str(row.village_code),
            village_name=str(row.village_name),
            district_code=str(row.district_code),
            district_name=str(row.district_name),
            dusun=str(row.dusun),
            rt=_as_int(row.rt),
            rw=_as_int(row.rw),
            address=str(row.address),
            registration_date=_to_date(row.registration_date),
            religion=str(row.religion),
            members=tuple(members[str(row.kk_number)]),
        )
        for row in hh.itertuples(index=False)
    ]

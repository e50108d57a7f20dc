"""NIK and KK numbers: encode, decode, validate, and allocate unique sequence numbers.

NIK (Nomor Induk Kependudukan), 16 digits ``PP RR DD ddmmyy NNNN`` (research-notes §4):

- ``PPRRDD``: province, kabupaten/kota and kecamatan where the NIK was first registered
  (Sampang is ``3527DD``, kecamatan ``01``-``14``);
- ``ddmmyy``: date of birth; for women the day is increased by 40 (41-71);
- ``NNNN``: sequence number from ``0001``, incremented among people whose first 12 digits are
  identical (same kecamatan, birth date and sex).

The region of any NIK in Indonesia is decoded from the packaged national lists (Kepmendagri
300.2.2-2138/2025, see ``data/ATTRIBUTION.md``).

Nomor KK, 16 digits: the 6-digit code of the issuing kecamatan, then — an **unverified
assumption** (research-notes §4 and "Not found" 12) — the 6-digit registration date ``ddmmyy`` and
a 4-digit family series number from ``0001``.

The two-digit year is resolved to the latest date not after ``reference`` (today by default): a
NIK cannot tell a person born in 1925 from one born in 2025.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..errors import SakeraInputError

__all__ = [
    "NikError",
    "NikInfo",
    "KkInfo",
    "SequenceAllocator",
    "encode",
    "decode",
    "is_valid",
    "kk_number",
    "decode_kk",
    "is_valid_kk",
    "normalise_district_code",
    "region_names",
    "nik_prefixes",
    "format_numbers",
]

#: The parts of a NIK (or KK number) a validation error can name.
PARTS = ("length", "digits", "province", "regency", "kecamatan", "date", "sex", "sequence")

_FEMALE = frozenset({"F", "P", "FEMALE", "PEREMPUAN", "WANITA"})
_MALE = frozenset({"M", "L", "MALE", "LAKI-LAKI", "LAKI", "PRIA"})


class NikError(SakeraInputError):
    """An invalid NIK or KK number; ``part`` names what failed (see :data:`PARTS`).

    Parameters
    ----------
    part
        ``length``, ``digits``, ``province``, ``regency``, ``kecamatan``, ``date``, ``sex`` or
        ``sequence``.
    message
        What is wrong with that part.
    number
        The number that failed, if any (shown in the message).
    kind
        ``"NIK"`` or ``"KK number"``.
    """

    def __init__(
        self, part: str, message: str, *, number: str | None = None, kind: str = "NIK", source: str | None = None
    ):
        self.part = part
        self.number = number
        self.kind = kind
        shown = f" {number!r}" if number is not None else ""
        super().__init__(f"invalid {kind}{shown}: {part}: {message}", source=source)


@dataclass(frozen=True)
class NikInfo:
    """What a valid NIK says."""

    nik: str
    province_code: str
    province_name: str
    regency_code: str
    regency_name: str
    district_code: str
    district_name: str
    birth_date: dt.date
    sex: str
    sequence: int
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """A JSON-ready dictionary (dates as ISO text; ``warnings`` only when there are some)."""
        d = asdict(self)
        d["birth_date"] = self.birth_date.isoformat()
        if self.warnings:
            d["warnings"] = list(self.warnings)
        else:
            d.pop("warnings")
        return d


@dataclass(frozen=True)
class KkInfo:
    """What a valid KK number says (the date/series split is an unverified assumption)."""

    kk_number: str
    province_code: str
    province_name: str
    regency_code: str
    regency_name: str
    district_code: str
    district_name: str
    registration_date: dt.date
    series: int

    def to_dict(self) -> dict:
        """A JSON-ready dictionary (dates as ISO text)."""
        d = asdict(self)
        d["registration_date"] = self.registration_date.isoformat()
        return d


# ----------------------------------------------------------------------------------- regions
@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    from .. import registry

    prov = registry.provinces()
    reg = registry.regencies()
    dis = registry.national_districts()
    return (
        dict(zip(prov["code"], prov["name"], strict=True)),
        {c.replace(".", ""): n for c, n in zip(reg["code"], reg["name"], strict=True)},
        {c.replace(".", ""): n for c, n in zip(dis["code"], dis["name"], strict=True)},
    )


def region_names(code6: str, *, number: str | None = None, kind: str = "NIK") -> tuple[str, str, str]:
    """Province, regency and kecamatan names of a 6-digit area code (``NikError`` if unknown)."""
    prov, reg, dis = _regions()
    if code6[:2] not in prov:
        raise NikError("province", f"unknown province code {code6[:2]!r}", number=number, kind=kind)
    if code6[:4] not in reg:
        raise NikError(
            "regency",
            f"unknown kabupaten/kota code {code6[:2]}.{code6[2:4]} in {prov[code6[:2]]}",
            number=number,
            kind=kind,
        )
    if code6 not in dis:
        raise NikError(
            "kecamatan",
            f"unknown kecamatan code {code6[:2]}.{code6[2:4]}.{code6[4:6]} in {reg[code6[:4]]}",
            number=number,
            kind=kind,
        )
    return prov[code6[:2]], reg[code6[:4]], dis[code6]


def normalise_district_code(code: str) -> str:
    """``"35.27.03"`` or ``"352703"`` -> ``"352703"`` (a known kecamatan anywhere in Indonesia)."""
    text = str(code).strip().replace(".", "")
    if len(text) != 6 or not text.isdigit():
        raise SakeraInputError(f"kecamatan code {code!r} must look like '35.27.03'", location="district code")
    _prov, _reg, dis = _regions()
    if text not in dis:
        raise SakeraInputError(f"unknown kecamatan code {code!r}", location="district code")
    return text


def _sex_code(sex: str) -> str:
    s = str(sex).strip().upper()
    if s in _FEMALE:
        return "F"
    if s in _MALE:
        return "M"
    raise SakeraInputError(f"sex {sex!r} must be 'M' (laki-laki) or 'F' (perempuan)", location="sex")


def _as_date(value: dt.date | str, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise SakeraInputError(f"{what} {value!r} is not a date (YYYY-MM-DD)", location=what) from None


# ----------------------------------------------------------------------------------- NIK
def encode(district_code6: str, birth_date: dt.date | str, sex: str, sequence: int) -> str:
    """Build a NIK.

    Parameters
    ----------
    district_code6
        Kecamatan of first registration, ``"35.27.03"`` or ``"352703"``.
    birth_date
        Date of birth (``date`` or ISO text).
    sex
        ``"M"``/``"L"`` (male) or ``"F"``/``"P"`` (female); women get day + 40.
    sequence
        1-9999, unique among NIKs with the same first 12 digits (see :class:`SequenceAllocator`).
    """
    code = normalise_district_code(district_code6)
    born = _as_date(birth_date, "birth date")
    day = born.day + (40 if _sex_code(sex) == "F" else 0)
    if isinstance(sequence, bool) or not isinstance(sequence, (int, np.integer)) or not 1 <= int(sequence) <= 9999:
        raise NikError("sequence", f"sequence {sequence!r} must be a whole number 1-9999")
    return f"{code}{day:02d}{born.month:02d}{born.year % 100:02d}{int(sequence):04d}"


def _resolve_year(yy: int, month: int, day: int, reference: dt.date) -> dt.date | None:
    """The latest valid date with this day, month and two-digit year not after ``reference``."""
    for century in (2000, 1900):
        year = century + yy
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate <= reference:
            return candidate
    return None


def _check_digits(number: str, kind: str) -> str:
    text = str(number).strip()
    bad = [i for i, ch in enumerate(text) if not ("0" <= ch <= "9")]
    if bad:
        raise NikError(
            "digits", f"must contain only digits 0-9; position {bad[0] + 1} is {text[bad[0]]!r}", number=text, kind=kind
        )
    if len(text) != 16:
        raise NikError("length", f"must have 16 digits, has {len(text)}", number=text, kind=kind)
    return text


#: Shown instead of a region name whose code is not in the current national lists.
UNKNOWN_REGION = "(kode wilayah tidak dikenal)"


def _region_fields(text: str, kind: str, warnings: list[str] | None = None) -> dict[str, str]:
    """Province, regency and kecamatan codes and names of a NIK or KK number's first 6 digits.

    With a ``warnings`` list, an unknown code is not an error: its name is :data:`UNKNOWN_REGION`
    and the reason is appended (NIKs keep the code of first registration even after a region was
    renumbered or split, research-notes §9.5).
    """
    try:
        province, regency, district = region_names(text[:6], number=text, kind=kind)
    except NikError as exc:
        if warnings is None:
            raise
        prov, reg, dis = _regions()
        province = prov.get(text[:2], UNKNOWN_REGION)
        regency = reg.get(text[:4], UNKNOWN_REGION)
        district = dis.get(text[:6], UNKNOWN_REGION)
        warnings.append(
            f"{exc.part}: {str(exc).split(': ', 2)[-1]} — kode lama atau hasil pemekaran wilayah mungkin; "
            "bukan bukti NIK palsu / an old or renumbered region code is possible, not proof of forgery"
        )
    return {
        "province_code": text[:2],
        "province_name": province,
        "regency_code": f"{text[:2]}.{text[2:4]}",
        "regency_name": regency,
        "district_code": f"{text[:2]}.{text[2:4]}.{text[4:6]}",
        "district_name": district,
    }


def decode(nik: str, reference: dt.date | None = None, *, unknown_region: str = "error") -> NikInfo:
    """Decode and validate a NIK.

    Parameters
    ----------
    nik
        16-digit text (surrounding spaces are ignored).
    reference
        Date used to resolve the two-digit birth year (default: today). The birth date is the latest
        valid date not after it.
    unknown_region
        ``"error"`` (default): an unknown province/regency/kecamatan code raises. ``"warn"``: it is
        reported in :attr:`NikInfo.warnings` instead (a NIK keeps the code of its first
        registration, which may since have been retired or renumbered).

    Raises
    ------
    NikError
        Naming the failed part: ``digits``, ``length``, ``province``, ``regency``, ``kecamatan``,
        ``date`` or ``sequence``.
    """
    if unknown_region not in ("error", "warn"):
        raise SakeraInputError("unknown_region must be 'error' or 'warn'", location="unknown_region")
    text = _check_digits(nik, "NIK")
    warnings: list[str] | None = [] if unknown_region == "warn" else None
    region = _region_fields(text, "NIK", warnings)
    dd, mm, yy, seq = int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:16])
    if 1 <= dd <= 31:
        sex, day = "M", dd
    elif 41 <= dd <= 71:
        sex, day = "F", dd - 40
    else:
        raise NikError("date", f"day {dd:02d} is impossible (01-31 for men, 41-71 for women)", number=text)
    if not 1 <= mm <= 12:
        raise NikError("date", f"month {mm:02d} is impossible", number=text)
    ref = reference or dt.date.today()
    born = _resolve_year(yy, mm, day, ref)
    if born is None:
        raise NikError("date", f"{day:02d}-{mm:02d}-{yy:02d} is not a calendar date", number=text)
    if seq == 0:
        raise NikError("sequence", "sequence 0000 is impossible (numbering starts at 0001)", number=text)
    return NikInfo(
        nik=text,
        **region,
        birth_date=born,
        sex=sex,
        sequence=seq,
        warnings=tuple(warnings or ()),
    )


def is_valid(nik: str, reference: dt.date | None = None) -> bool:
    """True if :func:`decode` accepts ``nik``."""
    try:
        decode(nik, reference)
    except NikError:
        return False
    return True


# ----------------------------------------------------------------------------------- KK
def kk_number(district_code6: str, registration_date: dt.date | str, series: int) -> str:
    """Build a KK number: area code + registration date ``ddmmyy`` + 4-digit series (assumed layout)."""
    code = normalise_district_code(district_code6)
    day = _as_date(registration_date, "registration date")
    if isinstance(series, bool) or not isinstance(series, (int, np.integer)) or not 1 <= int(series) <= 9999:
        raise NikError("sequence", f"series {series!r} must be a whole number 1-9999", kind="KK number")
    return f"{code}{day.day:02d}{day.month:02d}{day.year % 100:02d}{int(series):04d}"


def decode_kk(number: str, reference: dt.date | None = None) -> KkInfo:
    """Decode and validate a KK number (layout after the area code is an unverified assumption)."""
    kind = "KK number"
    text = _check_digits(number, kind)
    region = _region_fields(text, kind)
    dd, mm, yy, seq = int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:16])
    ref = reference or dt.date.today()
    registered = _resolve_year(yy, mm, dd, ref) if 1 <= mm <= 12 and 1 <= dd <= 31 else None
    if registered is None:
        raise NikError("date", f"registration date {dd:02d}-{mm:02d}-{yy:02d} is impossible", number=text, kind=kind)
    if seq == 0:
        raise NikError("sequence", "series 0000 is impossible (numbering starts at 0001)", number=text, kind=kind)
    return KkInfo(
        kk_number=text,
        **region,
        registration_date=registered,
        series=seq,
    )


def is_valid_kk(number: str, reference: dt.date | None = None) -> bool:
    """True if :func:`decode_kk` accepts ``number``."""
    try:
        decode_kk(number, reference)
    except NikError:
        return False
    return True


# ----------------------------------------------------------------------------------- bulk helpers
def nik_prefixes(district6: np.ndarray, birth_dates: np.ndarray, female: np.ndarray) -> np.ndarray:
    """The 12-digit NIK prefixes (as int64) for arrays of kecamatan codes, birth dates and sexes.

    Parameters
    ----------
    district6
        int64 array of 6-digit kecamatan codes (``352703``).
    birth_dates
        ``datetime64[D]`` array.
    female
        bool array; women's day is increased by 40.
    """
    d = np.asarray(birth_dates, dtype="datetime64[D]")
    years = d.astype("datetime64[Y]").astype("int64") + 1970
    months = d.astype("datetime64[M]").astype("int64") % 12 + 1
    days = (d - d.astype("datetime64[M]")).astype("int64") + 1
    days = days + np.where(np.asarray(female, dtype=bool), 40, 0)
    ddmmyy = days * 10_000 + months * 100 + years % 100
    return np.asarray(district6, dtype="int64") * 1_000_000 + ddmmyy


def format_numbers(prefixes: np.ndarray, sequences: np.ndarray) -> np.ndarray:
    """16-digit text numbers from 12-digit int64 prefixes and 1-9999 sequences (vectorised)."""
    values = np.asarray(prefixes, dtype="int64") * 10_000 + np.asarray(sequences, dtype="int64")
    # Province codes start at 11, so every number has exactly 16 digits without padding.
    return values.astype("U16")


class SequenceAllocator:
    """Hands out sequence numbers that are unique per 12-digit prefix.

    The same allocator used for every NIK (or every KK number) of a population guarantees that no
    two numbers are equal: within a prefix the sequences are 1, 2, 3 ... in allocation order, and
    9999 is the limit (exceeding it raises :class:`NikError` with part ``sequence``).

    Parameters
    ----------
    kind
        ``"NIK"`` or ``"KK number"`` (used in error messages).

    Examples
    --------
    >>> alloc = SequenceAllocator()
    >>> alloc.next_nik("35.27.03", "1990-05-01", "F")
    '3527034105900001'
    >>> alloc.next_nik("35.27.03", "1990-05-01", "F")
    '3527034105900002'
    """

    def __init__(self, kind: str = "NIK"):
        self.kind = kind
        self._keys = np.empty(0, dtype="int64")
        self._counts = np.empty(0, dtype="int64")

    def __len__(self) -> int:
        """Number of distinct prefixes seen."""
        return int(self._keys.size)

    def used(self, prefix: int) -> int:
        """How many sequences were already handed out for ``prefix`` (12-digit int)."""
        i = int(np.searchsorted(self._keys, prefix))
        return int(self._counts[i]) if i < self._keys.size and self._keys[i] == prefix else 0

    def allocate_many(self, prefixes: np.ndarray) -> np.ndarray:
        """Sequences (int64, from 1) for an array of 12-digit prefixes, in array order."""
        prefixes = np.asarray(prefixes, dtype="int64")
        n = prefixes.size
        if n == 0:
            return np.empty(0, dtype="int64")
        order = np.argsort(prefixes, kind="stable")
        sorted_p = prefixes[order]
        starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
        uniq = sorted_p[starts]
        sizes = np.diff(np.r_[starts, n])
        rank_sorted = np.arange(n) - np.repeat(starts, sizes)
        # Offsets from earlier allocations.
        pos = np.searchsorted(self._keys, uniq)
        if self._keys.size:
            hit = self._keys[np.minimum(pos, self._keys.size - 1)] == uniq
        else:
            hit = np.zeros(uniq.size, dtype=bool)
        offset = np.zeros(uniq.size, dtype="int64")
        offset[hit] = self._counts[pos[hit]]
        seq_sorted = rank_sorted + 1 + np.repeat(offset, sizes)
        top = offset + sizes
        if top.max() > 9999:
            bad = int(uniq[int(np.argmax(top))])
            raise NikError("sequence", f"more than 9999 numbers for prefix {bad:012d}", kind=self.kind)
        out = np.empty(n, dtype="int64")
        out[order] = seq_sorted
        # Merge the new counts into the state.
        if self._keys.size:
            self._counts[pos[hit]] = top[hit]
            keys = np.concatenate([self._keys, uniq[~hit]])
            counts = np.concatenate([self._counts, top[~hit]])
            o = np.argsort(keys, kind="stable")
            self._keys, self._counts = keys[o], counts[o]
        else:
            self._keys, self._counts = uniq, top
        return out

    def next_nik(self, district_code6: str, birth_date: dt.date | str, sex: str) -> str:
        """A new NIK, unique among those this allocator handed out."""
        code = normalise_district_code(district_code6)
        born = _as_date(birth_date, "birth date")
        prefix = nik_prefixes(
            np.array([int(code)]), np.array([born], dtype="datetime64[D]"), np.array([_sex_code(sex) == "F"])
        )
        seq = int(self.allocate_many(prefix)[0])
        return encode(code, born, sex, seq)

    def next_kk(self, district_code6: str, registration_date: dt.date | str) -> str:
        """A new KK number, unique among those this allocator handed out."""
        code = normalise_district_code(district_code6)
        day = _as_date(registration_date, "registration date")
        prefix = int(code) * 1_000_000 + day.day * 10_000 + day.month * 100 + day.year % 100
        seq = int(self.allocate_many(np.array([prefix]))[0])
        return kk_number(code, day, seq)

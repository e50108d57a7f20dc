"""An independent timeline checker: whether the dates printed on a case's documents are possible.

It reads only what the operator sees (the document cards and the date at the desk) and shares no
code with the case generator (:mod:`.cases`) or the defect detectors (:mod:`.defects`): it has its
own date parser and its own legal thresholds, so that a bug in the generator cannot hide itself.
The property test in ``tests/test_timeline.py`` runs it over thousands of clean cases (it must find
nothing), and the grader uses it so that a trainee who flags a genuinely impossible date is never
marked down.

Checks
------
- no date on any document after the desk date (validity dates excepted);
- marriage ages legal for their year: the man 19, the woman 16 before 14 October 2019 and 19 since
  (UU 1/1974 Pasal 7 as amended by UU 16/2019), unless a court dispensation is in the bundle;
- a KK is printed after the births of everyone it lists and after the marriage of a couple it
  lists as married when that marriage is shown;
- children born after their parents' marriage when the marriage proof is shown;
- a mother at least 14 and an elderly parent at least 14 years older than their child on a KK;
  a grandchild (CUCU) at least 28 years (two generations of 14) younger than the kepala keluarga;
- KTP-el printed after the holder's 16th birthday;
- letters dated on or after the event they certify; a death after the birth; an akta issued after
  the birth.

Examples
--------
>>> from sakera_toolkit.training import generate_case, timeline
>>> timeline.check(generate_case("akta_kelahiran", 0, seed=3))
[]
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TimelineIssue", "check"]

_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")
_AMENDMENT = _dt.date(2019, 10, 14)  # UU 16/2019 in force
_NOT_EVENTS = {"berlaku_hingga"}


@dataclass(frozen=True)
class TimelineIssue:
    """One impossible date: the documents that show it and what is wrong (Indonesian, English)."""

    documents: tuple[str, ...]
    text_id: str
    text_en: str


def _day(value: Any) -> _dt.date | None:
    m = _DATE.match(str(value or "").strip())
    if not m:
        return None
    try:
        return _dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _years_after(born: _dt.date, years: int) -> _dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


def _min_age(female: bool, on: _dt.date) -> int:
    return 19 if (not female or on >= _AMENDMENT) else 16


def _cards(case: Any) -> tuple[list[Any], _dt.date]:
    return list(case.documents), case.today


def _fields(doc: Any) -> Mapping[str, str]:
    return doc.fields


def check(case: Any) -> list[TimelineIssue]:
    """Every impossible date on the documents of ``case`` (a Case or a DeskView); empty when coherent."""
    docs, today = _cards(case)
    out: list[TimelineIssue] = []

    def issue(refs: Iterable[str], text_id: str, text_en: str) -> None:
        out.append(TimelineIssue(tuple(dict.fromkeys(refs)), text_id, text_en))

    births: dict[str, _dt.date] = {}
    female: dict[str, bool] = {}
    for doc in docs:
        f = _fields(doc)
        for key, value in f.items():
            when = _day(value)
            if when is not None and key not in _NOT_EVENTS and when > today:
                issue([doc.ref], f"{key} {value} sesudah hari ini.", f"{key} {value} is after today.")
        for i, row in enumerate(doc.rows):
            when = _day(row.get("tanggal_lahir"))
            if when is not None and when > today:
                issue([doc.ref], f"Tanggal lahir baris {i + 1} sesudah hari ini.", f"Row {i + 1} born after today.")
            if when is not None and row.get("nik"):
                births.setdefault(row["nik"], when)
                female[row["nik"]] = str(row.get("jenis_kelamin", "")).upper() == "PEREMPUAN"
        if f.get("nik") and _day(f.get("tanggal_lahir")):
            births.setdefault(f["nik"], _day(f["tanggal_lahir"]))  # type: ignore[arg-type]
            female.setdefault(f["nik"], str(f.get("jenis_kelamin", "")).upper() == "PEREMPUAN")

    dispensation = any(d.kind == "dispensasi_kawin" for d in docs)
    marriages: list[tuple[str, str, _dt.date, str]] = []
    for doc in docs:
        if doc.kind != "buku_nikah":
            continue
        f = _fields(doc)
        married = _day(f.get("tanggal_nikah"))
        if married is None:
            continue
        husband, wife = f.get("nik_suami", ""), f.get("nik_istri", "")
        marriages.append((husband, wife, married, doc.ref))
        for nik, is_female in ((husband, False), (wife, True)):
            born = births.get(nik)
            if born is None or dispensation:
                continue
            need = _min_age(is_female, married)
            if married < _years_after(born, need):
                issue(
                    [doc.ref],
                    f"Menikah {f.get('tanggal_nikah')} sebelum berusia {need} tahun (lahir {born:%d-%m-%Y}).",
                    f"Married on {f.get('tanggal_nikah')} before the age of {need} (born {born:%d-%m-%Y}).",
                )
            if born > married:
                issue([doc.ref], "Menikah sebelum lahir.", "Married before being born.")

    for doc in docs:
        f = _fields(doc)
        if doc.kind == "kk":
            printed = _day(f.get("tanggal_dikeluarkan"))
            rows = list(doc.rows)
            niks = {r.get("nik") for r in rows}
            for r in rows:
                born = _day(r.get("tanggal_lahir"))
                if printed and born and printed < born:
                    issue([doc.ref], f"KK dicetak sebelum {r.get('nama')} lahir.", f"KK printed before {r.get('nama')} was born.")
            head = next((r for r in rows if str(r.get("hubungan", "")).upper() == "KEPALA KELUARGA"), None)
            spouse = next((r for r in rows if str(r.get("hubungan", "")).upper() in ("ISTRI", "SUAMI")), None)
            for husband, wife, married, ref in marriages:
                if husband in niks and wife in niks:
                    shows_married = all(
                        str(r.get("status_perkawinan", "")).upper().startswith("KAWIN")
                        for r in rows
                        if r.get("nik") in (husband, wife)
                    )
                    if printed and shows_married and printed < married:
                        issue([doc.ref, ref], "KK mencantumkan perkawinan yang terjadi sesudah KK dicetak.",
                              "The KK shows a marriage that took place after it was printed.")  # fmt: skip
                    for r in rows:
                        born = _day(r.get("tanggal_lahir"))
                        if str(r.get("hubungan", "")).upper() == "ANAK" and born and born < married:
                            issue([doc.ref, ref], f"{r.get('nama')} lahir sebelum perkawinan orang tuanya.",
                                  f"{r.get('nama')} was born before the parents' marriage.")  # fmt: skip
            parents = [p for p in (head, spouse) if p is not None]
            for r in rows:
                rel = str(r.get("hubungan", "")).upper()
                born = _day(r.get("tanggal_lahir"))
                if born is None:
                    continue
                if rel == "ANAK":
                    for p in parents:
                        pb = _day(p.get("tanggal_lahir"))
                        if pb and born < _years_after(pb, 14):
                            issue([doc.ref], f"{p.get('nama')} belum 14 tahun saat {r.get('nama')} lahir.",
                                  f"{p.get('nama')} was under 14 when {r.get('nama')} was born.")  # fmt: skip
                if rel == "CUCU" and head is not None:
                    hb = _day(head.get("tanggal_lahir"))
                    if hb and born < _years_after(hb, 28):
                        issue([doc.ref], f"{r.get('nama')} (cucu) kurang dari 28 tahun lebih muda dari kepala keluarga.",
                              f"{r.get('nama')} (grandchild) is less than 28 years younger than the head.")  # fmt: skip
                if rel in ("ORANG TUA", "MERTUA"):
                    child = head if rel == "ORANG TUA" else spouse
                    cb = _day(child.get("tanggal_lahir")) if child else None
                    if cb and cb < _years_after(born, 14):
                        issue([doc.ref], f"{r.get('nama')} kurang dari 14 tahun lebih tua dari anaknya.",
                              f"{r.get('nama')} is less than 14 years older than the child.")  # fmt: skip
        elif doc.kind == "ktp_el":
            printed, born = _day(f.get("tanggal_dikeluarkan")), _day(f.get("tanggal_lahir"))
            if printed and born and printed < _years_after(born, 16):
                issue([doc.ref], "KTP-el dicetak sebelum pemiliknya berusia 16 tahun.",
                      "KTP-el printed before its holder turned 16.")  # fmt: skip
            for husband, wife, married, ref in marriages:
                if f.get("nik") in (husband, wife) and printed and printed < married and str(
                    f.get("status_perkawinan", "")
                ).upper().startswith("KAWIN"):
                    issue([doc.ref, ref], "KTP-el berstatus KAWIN dicetak sebelum perkawinannya.",
                          "A KTP-el saying KAWIN was printed before the marriage.")  # fmt: skip
        elif doc.kind in ("surat_keterangan_lahir", "surat_keterangan_kematian", "surat_kematian_desa"):
            event = _day(f.get("tanggal_lahir" if doc.kind == "surat_keterangan_lahir" else "tanggal_kematian"))
            letter = _day(f.get("tanggal_surat"))
            if event and letter and letter < event:
                issue([doc.ref], "Surat bertanggal sebelum peristiwanya.", "The letter is dated before its event.")
            born = _day(f.get("tanggal_lahir"))
            if doc.kind != "surat_keterangan_lahir" and born and event and event < born:
                issue([doc.ref], "Meninggal sebelum lahir.", "Died before being born.")
            if doc.kind == "surat_keterangan_lahir" and event:
                for _husband, wife, married, ref in marriages:
                    if f.get("nik_ibu") == wife and event < married:
                        issue([doc.ref, ref], "Anak lahir sebelum perkawinan orang tuanya.",
                              "The child was born before the parents' marriage.")  # fmt: skip
        elif doc.kind == "akta_kelahiran":
            issued, born = _day(f.get("tanggal_terbit")), _day(f.get("tanggal_lahir"))
            if issued and born and issued < born:
                issue([doc.ref], "Akta terbit sebelum kelahiran.", "Akta issued before the birth.")
    return out

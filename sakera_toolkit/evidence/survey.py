"""Survey files: the questionnaire of PermenPAN-RB 14/2017 and the import of answered surveys.

A survey CSV has one row per respondent and one column per unsur, ``u1`` ... ``u9``, with answers
1-4 (see :mod:`sakera_toolkit.evidence.ikm`). Optional columns describe the respondent and the
service (:data:`OPTIONAL_COLUMNS`). Columns that identify a person (name, NIK, address, phone ...)
are **dropped on import and reported**: the index needs none of them. Any other column is an
error naming it, and an answer outside 1-4 is an error naming the row (line of the file) and the
column.

The questionnaire follows the sample questionnaire of the regulation's appendix (research notes
§5: pdfcoffee "permen-14-2017"; the answer labels of Q1 and Q4 are quoted there, the others follow
the same four-step pattern of that sample form).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._io import read_csv_text
from ..errors import SakeraInputError
from .ikm import UNSUR, UNSUR_COLUMNS

__all__ = [
    "QUESTIONS",
    "PROFILE_FIELDS",
    "OPTIONAL_COLUMNS",
    "PERSONAL_COLUMNS",
    "Question",
    "ProfileField",
    "Survey",
    "read_survey",
    "validate_survey",
    "age_band",
    "questionnaire_table",
    "questionnaire_html",
]


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire: its unsur column, wording and the labels of answers 1-4."""

    column: str
    text_id: str
    text_en: str
    answers_id: tuple[str, str, str, str]
    answers_en: tuple[str, str, str, str]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "u1",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        "How well do the service requirements fit the kind of service?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not appropriate", "Somewhat appropriate", "Appropriate", "Very appropriate"),
    ),
    Question(
        "u2",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy is the service procedure at this unit?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Somewhat easy", "Easy", "Very easy"),
    ),
    Question(
        "u3",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service delivered?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Somewhat fast", "Fast", "Very fast"),
    ),
    Question(
        "u4",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair is the cost/fee of the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Fairly expensive", "Cheap", "Free"),
    ),
    Question(
        "u5",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
        "pelayanan dengan hasil yang diberikan?",
        "How well does the product delivered match the one in the service standard?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not matching", "Somewhat matching", "Matching", "Fully matching"),
    ),
    Question(
        "u6",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent were the staff?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Somewhat competent", "Competent", "Very competent"),
    ),
    Question(
        "u7",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        "How polite and friendly were the staff?",
        ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"),
        ("Not polite or friendly", "Somewhat polite and friendly", "Polite and friendly", "Very polite and friendly"),
    ),
    Question(
        "u8",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good are the facilities and infrastructure?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
    Question(
        "u9",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How are complaints of service users handled?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
        ("None", "Exists but does not work", "Works, not fully", "Well managed"),
    ),
)

assert tuple(q.column for q in QUESTIONS) == UNSUR_COLUMNS


@dataclass(frozen=True)
class ProfileField:
    """A respondent-profile or service column: its label and the accepted values (empty = free)."""

    column: str
    label_id: str
    label_en: str
    choices: tuple[str, ...] = ()


#: Age bands used for breakdowns by ``usia`` (an age in years is put into one of them).
AGE_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 24, "<25"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 200, "55+"),
)


def _service_ids() -> tuple[str, ...]:
    from ..services import SERVICE_IDS

    return tuple(SERVICE_IDS)


def _channels() -> tuple[str, ...]:
    from ..sim.channel import CHANNELS

    return tuple(CHANNELS)


PROFILE_FIELDS: tuple[ProfileField, ...] = (
    ProfileField("jenis_kelamin", "Jenis kelamin", "Sex", ("L", "P")),
    ProfileField("usia", "Usia (tahun)", "Age (years)"),
    ProfileField(
        "pendidikan", "Pendidikan terakhir", "Education", ("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2-S3", "Lainnya")
    ),
    ProfileField(
        "pekerjaan",
        "Pekerjaan utama",
        "Occupation",
        ("PNS", "TNI/Polri", "Swasta", "Wirausaha", "Petani/Nelayan", "Pelajar/Mahasiswa", "Lainnya"),
    ),
)

#: Every accepted optional column (service, channel, place, date and profile).
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "tanggal",
    "service",
    "channel",
    "kecamatan",
    "village_code",
) + tuple(f.column for f in PROFILE_FIELDS)

#: Columns that identify a person; dropped on import (names compared case- and space-insensitively).
PERSONAL_COLUMNS: frozenset[str] = frozenset(
    {
        "nama",
        "name",
        "nama_lengkap",
        "nik",
        "no_kk",
        "nomor_kk",
        "kk",
        "alamat",
        "address",
        "telepon",
        "telp",
        "no_telp",
        "no_hp",
        "hp",
        "phone",
        "email",
        "e_mail",
        "tanda_tangan",
        "signature",
        "tanggal_lahir",
        "birth_date",
    }
)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@dataclass
class Survey:
    """A validated survey: one row per respondent (``u1``..``u9`` as integers, optional columns).

    Attributes
    ----------
    frame
        The answers and the optional columns (kecamatan normalised to its Kemendagri code,
        ``usia_band`` added when ``usia`` is given).
    dropped_columns
        Personal columns found in the file and removed.
    source
        Where it came from (file path or a description).
    """

    frame: pd.DataFrame
    dropped_columns: list[str] = field(default_factory=list)
    source: str = ""

    def __len__(self) -> int:
        return len(self.frame)


def age_band(age: int) -> str:
    """The band of :data:`AGE_BANDS` an age (years) falls in."""
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    raise SakeraInputError(f"age {age} out of range")


def _kecamatan_lookup() -> dict[str, str]:
    from ..registry import districts

    d = districts()
    out = {str(c): str(c) for c in d["district_code"]}
    out.update({_norm(str(n)): str(c) for c, n in zip(d["district_code"], d["district_name"], strict=True)})
    return out


def validate_survey(raw: pd.DataFrame, source: str = "survey") -> Survey:
    """Validate a survey table of text cells (as read by the CSV reader).

    Raises
    ------
    SakeraInputError
        Naming the file, the row (line number of the file, header = line 1) and the column.
    """
    columns = {c: _norm(str(c)) for c in raw.columns}
    dropped = [c for c, n in columns.items() if n in PERSONAL_COLUMNS]
    keep = {c: n for c, n in columns.items() if n not in PERSONAL_COLUMNS}
    dupes = sorted({n for n in keep.values() if list(keep.values()).count(n) > 1})
    if dupes:
        raise SakeraInputError(f"duplicate column(s) {dupes}", source=source)
    unknown = [c for c, n in keep.items() if n not in UNSUR_COLUMNS and n not in OPTIONAL_COLUMNS]
    if unknown:
        raise SakeraInputError(
            f"unknown column(s) {unknown}; accepted: {', '.join(UNSUR_COLUMNS + OPTIONAL_COLUMNS)} "
            f"(personal columns such as nama, nik, alamat are dropped)",
            source=source,
        )
    missing = [u for u in UNSUR_COLUMNS if u not in keep.values()]
    if missing:
        raise SakeraInputError(f"missing answer column(s) {missing} (one column per unsur, u1..u9)", source=source)
    df = raw[list(keep)].rename(columns=keep)
    df.columns = [str(c) for c in df.columns]
    if not len(df):
        raise SakeraInputError("no respondents (the file has a header only)", source=source)
    out: dict[str, list] = {c: [] for c in df.columns}
    services, channels = set(_service_ids()), set(_channels())
    kec = _kecamatan_lookup() if "kecamatan" in df.columns else {}
    villages: set[str] = set()
    if "village_code" in df.columns:
        from ..registry import villages as _villages

        villages = set(_villages()["village_code"])
    choices = {f.column: {c.lower(): c for c in f.choices} for f in PROFILE_FIELDS if f.choices}
    choices["jenis_kelamin"].update({"laki-laki": "L", "perempuan": "P", "l": "L", "p": "P"})
    for i, rec in enumerate(df.to_dict("records"), start=2):
        for key, cell in rec.items():
            col = str(key)
            text = str(cell).strip()
            where = f"row {i}, {col}"
            if col in UNSUR_COLUMNS:
                if text not in ("1", "2", "3", "4"):
                    shown = repr(text) if text else "empty"
                    raise SakeraInputError(f"answer {shown} is outside 1-4", source=source, location=where)
                out[col].append(int(text))
            elif text == "":
                out[col].append(pd.NA)
            elif col == "service":
                if text not in services:
                    raise SakeraInputError(
                        f"unknown service {text!r}; use one of {', '.join(sorted(services))}",
                        source=source,
                        location=where,
                    )
                out[col].append(text)
            elif col == "channel":
                if text not in channels:
                    raise SakeraInputError(
                        f"unknown channel {text!r}; use one of {', '.join(_channels())}", source=source, location=where
                    )
                out[col].append(text)
            elif col == "kecamatan":
                code = kec.get(text) or kec.get(_norm(text))
                if code is None:
                    raise SakeraInputError(f"unknown kecamatan {text!r}", source=source, location=where)
                out[col].append(code)
            elif col == "village_code":
                if text not in villages:
                    raise SakeraInputError(f"unknown village_code {text!r}", source=source, location=where)
                out[col].append(text)
            elif col == "usia":
                if not (text.isascii() and text.isdigit()) or not 10 <= int(text) <= 120:
                    raise SakeraInputError(
                        f"age {text!r} must be a whole number of years (10-120)", source=source, location=where
                    )
                out[col].append(int(text))
            elif col == "tanggal":
                try:
                    out[col].append(pd.Timestamp(text).date().isoformat())
                except ValueError:
                    raise SakeraInputError(
                        f"{text!r} is not a date (YYYY-MM-DD)", source=source, location=where
                    ) from None
            elif col in choices:
                value = choices[col].get(text.lower())
                if value is None:
                    raise SakeraInputError(
                        f"{text!r} is not one of {', '.join(sorted(set(choices[col].values())))}",
                        source=source,
                        location=where,
                    )
                out[col].append(value)
            else:
                out[col].append(text)
    frame = pd.DataFrame(out)
    for u in UNSUR_COLUMNS:
        frame[u] = frame[u].astype("int64")
    if "usia" in frame.columns:
        frame["usia"] = frame["usia"].astype("Int64")
        frame["usia_band"] = [age_band(int(a)) if a is not pd.NA else pd.NA for a in frame["usia"]]
    return Survey(frame=frame, dropped_columns=dropped, source=source)


def read_survey(path: str | Path) -> Survey:
    """Read and validate a survey CSV (see the module docstring for its columns)."""
    return validate_survey(read_csv_text(path), source=str(path))


# -- the questionnaire ---------------------------------------------------------------------------


def questionnaire_table(lang: str = "id") -> pd.DataFrame:
    """The questionnaire as a table (one row per profile field and per question).

    Columns: ``kolom`` (the column of a survey CSV), ``bagian`` (profil | unsur), ``unsur``,
    ``pertanyaan`` and ``jawaban_1`` ... ``jawaban_4`` (answer labels; for profile fields the
    accepted values, joined).
    """
    en = lang == "en"
    rows = []
    service_field = ("service", "Jenis layanan", "Service", _service_ids())
    for col, lid, len_, ch in [service_field] + [(f.column, f.label_id, f.label_en, f.choices) for f in PROFILE_FIELDS]:
        rows.append(
            {
                "kolom": col,
                "bagian": "profile" if en else "profil",
                "unsur": "",
                "pertanyaan": len_ if en else lid,
                "jawaban_1": " | ".join(ch),
                "jawaban_2": "",
                "jawaban_3": "",
                "jawaban_4": "",
            }
        )
    for q, u in zip(QUESTIONS, UNSUR, strict=True):
        answers = q.answers_en if en else q.answers_id
        rows.append(
            {
                "kolom": q.column,
                "bagian": "unsur",
                "unsur": u.name_en if en else u.name_id,
                "pertanyaan": q.text_en if en else q.text_id,
                **{f"jawaban_{k}": f"{k}. {a}" for k, a in enumerate(answers, start=1)},
            }
        )
    return pd.DataFrame(rows)


_FORM_CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 14pt; margin: 0 0 2mm 0; }
p.sub { margin: 0 0 4mm 0; color: #333; }
table.profile td { padding: 1.5mm 2mm; vertical-align: top; }
.box { display: inline-block; width: 3.2mm; height: 3.2mm; border: 0.3mm solid #111; margin: 0 1mm 0 3mm;
       vertical-align: -0.5mm; }
ol.q { padding-left: 6mm; }
ol.q li { margin: 0 0 3.5mm 0; page-break-inside: avoid; }
.opt { white-space: nowrap; }
.unsur { font-size: 8.5pt; color: #555; }
.line { display: inline-block; border-bottom: 0.3mm solid #111; width: 45mm; }
.note { font-size: 8.5pt; color: #444; margin-top: 4mm; }
"""


def questionnaire_html(lang: str = "id") -> str:
    """A printable, self-contained HTML questionnaire (A4; no external resources)."""
    en = lang == "en"
    e = html.escape
    title = "Public satisfaction survey" if en else "Survei Kepuasan Masyarakat (SKM)"
    sub = (
        "Population administration services (adminduk), Sampang Regency — PermenPAN-RB 14/2017. "
        "Tick one box per question."
        if en
        else "Pelayanan administrasi kependudukan (adminduk) Kabupaten Sampang — PermenPAN-RB 14/2017. "
        "Beri tanda centang pada satu kotak untuk setiap pertanyaan."
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"en" if en else "id"}"><head><meta charset="utf-8"><title>{e(title)}</title>',
        f"<style>{_FORM_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1><p class='sub'>{e(sub)}</p>",
        "<h2 style='font-size:11pt'>" + ("Respondent profile" if en else "Profil responden") + "</h2>",
        "<table class='profile'>",
    ]
    service_label = "Service used" if en else "Jenis layanan yang diterima"
    parts.append(f"<tr><td>{e(service_label)}</td><td><span class='line'></span></td></tr>")
    for f in PROFILE_FIELDS:
        label = f.label_en if en else f.label_id
        if f.choices:
            cell = " ".join(f"<span class='opt'><span class='box'></span>{e(c)}</span>" for c in f.choices)
        else:
            cell = "<span class='line'></span>"
        parts.append(f"<tr><td>{e(label)}</td><td>{cell}</td></tr>")
    parts.append("</table>")
    parts.append("<h2 style='font-size:11pt'>" + ("Questions" if en else "Pertanyaan") + "</h2><ol class='q'>")
    for q, u in zip(QUESTIONS, UNSUR, strict=True):
        answers = q.answers_en if en else q.answers_id
        boxes = " ".join(
            f"<span class='opt'><span class='box'></span>{k}. {e(a)}</span>" for k, a in enumerate(answers, start=1)
        )
        unsur = u.name_en if en else u.name_id
        parts.append(
            f"<li><span class='unsur'>U{q.column[1:]} · {e(unsur)}</span><br>{e(q.text_en if en else q.text_id)}"
            f"<br>{boxes}</li>"
        )
    parts.append("</ol>")
    note = (
        "Do not write your name or NIK: the survey is anonymous."
        if en
        else "Tidak perlu menulis nama atau NIK: survei ini anonim."
    )
    parts.append(f"<p class='note'>{e(note)}</p></body></html>")
    return "\n".join(parts) + "\n"

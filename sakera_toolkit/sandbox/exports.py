"""Exports of a trainee's record: a DataFrame, a CSV for spreadsheets and a PDF (WeasyPrint).

The CSV and the PDF are for people: column headers in Bahasa Indonesia (English with
``lang="en"``), services, villages and rules by name, times in WIB. CSV cells that a
spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage return) are
prefixed with an apostrophe (OWASP "CSV injection"). Files are written atomically.
"""

from __future__ import annotations

import html
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .._io import write_atomic
from ..errors import SakeraError, SakeraInputError
from ..store import repositories as repo
from ..store.models import Grade, Mistake, User, utcnow
from ..store.reports import require_visible
from ..store.users import require_user
from . import labels

__all__ = [
    "FORMULA_PREFIXES",
    "csv_safe",
    "export_trainee_csv",
    "export_trainee_pdf",
    "export_trainee_record",
    "trainee_record_html",
    "write_atomic",
]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _training() -> Any:
    from .. import training

    return training


def _check_lang(lang: str) -> str:
    if lang not in ("id", "en"):
        raise SakeraInputError(f"language {lang!r} is not available; choose 'id' or 'en'", location="lang")
    return lang


def csv_safe(value: Any) -> Any:
    """``value`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _target(session: Session, trainee: User | str, viewer: User | str | None) -> User:
    return require_visible(session, viewer, trainee) if viewer is not None else require_user(session, trainee)


def export_trainee_record(session: Session, trainee: User | str, *, viewer: User | str | None = None) -> pd.DataFrame:
    """A trainee's full record, one row per submitted attempt (ids, for programs).

    Columns: :data:`~sakera_toolkit.store.repositories.ATTEMPT_COLUMNS` plus ``display_name``,
    ``score_<criterion>`` (0-100, NaN when the criterion did not apply). With ``viewer`` the access
    rules apply.
    """
    target = _target(session, trainee, viewer)
    df = repo.attempt_rows(session, [target.id])
    criteria = list(_training().CRITERIA)
    per: dict[int, dict] = {}
    if len(df):
        for attempt_id, pc in session.execute(
            select(Grade.attempt_id, Grade.per_criterion).where(Grade.attempt_id.in_(df["attempt_id"].tolist()))
        ):
            per[attempt_id] = pc or {}
    for crit in criteria:
        df[f"score_{crit}"] = [
            100.0 * per[a][crit]["score"] if crit in per.get(a, {}) and per[a][crit].get("applicable") else math.nan
            for a in df["attempt_id"]
        ]
    df.insert(2, "display_name", target.display_name)
    return df


_HEADERS = {
    # key: (Bahasa Indonesia, English)
    "attempt_id": ("No. percobaan", "Attempt no."),
    "username": ("Nama pengguna", "Username"),
    "display_name": ("Nama peserta", "Trainee"),
    "villages": ("Desa/kelurahan", "Village"),
    "service": ("Layanan", "Service"),
    "level": ("Tingkat", "Level"),
    "started_at": ("Mulai (WIB)", "Started (WIB)"),
    "submitted_at": ("Dikirim (WIB)", "Submitted (WIB)"),
    "time_taken_s": ("Waktu (detik)", "Time (s)"),
    "score": ("Nilai", "Score"),
    "passed": ("Lulus", "Passed"),
    "mistakes": ("Kesalahan (aturan)", "Mistakes (rules)"),
}


def _yes_no(value: Any, lang: str) -> str:
    yes, no = ("ya", "tidak") if lang == "id" else ("yes", "no")
    return yes if bool(value) else no


def trainee_record_table(session: Session, trainee: User | str, *, viewer: User | str | None = None,
                         lang: str = "id") -> pd.DataFrame:
    """:func:`export_trainee_record` for people: headers in ``lang``, names instead of ids, WIB."""
    lang = _check_lang(lang)
    target = _target(session, trainee, viewer)
    df = export_trainee_record(session, target)
    i = 0 if lang == "id" else 1
    villages = labels.village_names(target.village_codes)
    out = pd.DataFrame({
        _HEADERS["attempt_id"][i]: df["attempt_id"],
        _HEADERS["username"][i]: df["username"],
        _HEADERS["display_name"][i]: df["display_name"],
        _HEADERS["villages"][i]: [villages] * len(df),
        _HEADERS["service"][i]: [labels.service_name(s, lang) for s in df["service_id"]],
        _HEADERS["level"][i]: df["level"],
        _HEADERS["started_at"][i]: [labels.format_time(v, seconds=True, zone=False) for v in df["started_at"]],
        _HEADERS["submitted_at"][i]: [labels.format_time(v, seconds=True, zone=False) for v in df["submitted_at"]],
        _HEADERS["time_taken_s"][i]: df["time_taken_s"].round(0),
        _HEADERS["score"][i]: df["score"].round(1),
        _HEADERS["passed"][i]: [_yes_no(v, lang) for v in df["passed"]],
        _HEADERS["mistakes"][i]: [labels.rule_titles(m, lang) for m in df["mistakes"]],
    })
    from ..training import rules

    prefix = "Nilai" if lang == "id" else "Score"
    for crit in _training().CRITERIA:
        out[f"{prefix}: {rules.criterion_label(crit, lang)}"] = df[f"score_{crit}"].round(0)
    return out


def export_trainee_csv(
    session: Session,
    trainee: User | str,
    path: str | Path | None = None,
    *,
    viewer: User | str | None = None,
    lang: str = "id",
) -> str:
    """The trainee's record as CSV text (UTF-8, CRLF, :func:`trainee_record_table`); also written to ``path``."""
    table = trainee_record_table(session, trainee, viewer=viewer, lang=lang)
    safe = table.rename(columns=csv_safe).map(csv_safe)
    # RFC 4180 line ends: a cell holding a CR or LF is then quoted
    text = safe.to_csv(index=False, lineterminator="\r\n")
    if path is not None:
        write_atomic(path, text.encode("utf-8"))
    return text


_PDF_TEXT: dict[str, dict[str, Any]] = {
    "id": {
        "title": "Rekam latihan operator",
        "trainee": "Peserta",
        "villages": "Desa/kelurahan",
        "attempts": "Jumlah kasus",
        "mean": "Nilai rata-rata",
        "status": "Status sertifikasi",
        "certified": "Tersertifikasi",
        "not_certified": "Belum tersertifikasi",
        "history": "Riwayat kasus",
        "mistakes": "Kesalahan terbanyak",
        "cols": ["No", "Tanggal (WIB)", "Layanan", "Tingkat", "Nilai", "Lulus", "Waktu (detik)"],
        "mcols": ["Aturan", "Layanan", "Jumlah", "Dasar hukum"],
        "none": "Belum ada kasus.",
        "generated": "Dibuat",
        "synthetic": "Semua kasus berisi data sintetis (bukan penduduk nyata).",
    },
    "en": {
        "title": "Operator training record",
        "trainee": "Trainee",
        "villages": "Villages",
        "attempts": "Cases",
        "mean": "Mean score",
        "status": "Certification",
        "certified": "Certified",
        "not_certified": "Not certified",
        "history": "Case history",
        "mistakes": "Most common mistakes",
        "cols": ["No", "Date (WIB)", "Service", "Level", "Score", "Passed", "Time (s)"],
        "mcols": ["Rule", "Service", "Count", "Legal basis"],
        "none": "No cases yet.",
        "generated": "Generated",
        "synthetic": "All cases hold synthetic data (no real residents).",
    },
}


def trainee_record_html(
    session: Session, trainee: User | str, *, viewer: User | str | None = None, lang: str = "id"
) -> str:
    """The trainee record as a self-contained HTML page (Bahasa Indonesia by default)."""
    lang = _check_lang(lang)
    t = _PDF_TEXT[lang]
    target = _target(session, trainee, viewer)
    df = export_trainee_record(session, target)
    training = _training()
    rule = training.CertificationRule()
    certified = bool(repo.active_certifications(session, target.id))
    status = training.certification_status(repo.history(session, target.id, rule.level, rule.window), rule)
    esc = html.escape
    rows = []
    for i, r in enumerate(df.itertuples(), 1):
        cells = (
            i,
            labels.format_time(r.submitted_at, zone=False),
            labels.service_name(str(r.service_id), lang),
            r.level,
            f"{r.score:.0f}",
            _yes_no(r.passed, lang),
            f"{float(r.time_taken_s):.0f}" if r.time_taken_s is not None else "",  # type: ignore[arg-type]
        )
        rows.append("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in cells) + "</tr>")
    mistakes = session.execute(
        select(Mistake.rule_id, Mistake.service_id, func.count(Mistake.id), func.min(Mistake.legal_source))
        .where(Mistake.user_id == target.id)
        .group_by(Mistake.rule_id, Mistake.service_id)
        .order_by(func.count(Mistake.id).desc(), Mistake.rule_id)
        .limit(10)
    ).all()
    mrows = "".join(
        f"<tr><td>{esc(labels.rule_title(a, lang))}</td><td>{esc(labels.service_name(b, lang))}</td><td>{c}</td>"
        f"<td>{esc(labels.rule_basis(a, d or ''))}</td></tr>"
        for a, b, c, d in mistakes
    )
    mean = f"{df['score'].mean():.1f}" if len(df) else "-"
    state = t["certified"] if certified else t["not_certified"]
    head = "".join(f"<th>{esc(c)}</th>" for c in t["cols"])
    mhead = "".join(f"<th>{esc(c)}</th>" for c in t["mcols"])
    history = f"<table><tr>{head}</tr>{''.join(rows)}</table>" if rows else f"<p>{esc(t['none'])}</p>"
    mistakes_html = f"<table><tr>{mhead}</tr>{mrows}</table>" if mrows else f"<p>{esc(t['none'])}</p>"
    villages = "; ".join(labels.village_name(c, with_district=True) for c in target.village_codes) or "-"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(t["title"])}: {esc(target.username)}</title>
<style>
@page {{ size: A4; margin: 18mm 15mm; }}
body {{ font-family: sans-serif; font-size: 10pt; color: #222; }}
h1 {{ font-size: 16pt; margin: 0 0 6pt; }} h2 {{ font-size: 12pt; margin: 14pt 0 4pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }}
th {{ background: #eee; }} dl {{ display: grid; grid-template-columns: 40mm auto; gap: 2pt; }}
dt {{ font-weight: bold; }} .note {{ color: #666; font-size: 8pt; margin-top: 12pt; }}
</style></head><body>
<h1>{esc(t["title"])}</h1>
<dl>
<dt>{esc(t["trainee"])}</dt><dd>{esc(target.display_name)} ({esc(target.username)})</dd>
<dt>{esc(t["villages"])}</dt><dd>{esc(villages)}</dd>
<dt>{esc(t["attempts"])}</dt><dd>{len(df)}</dd>
<dt>{esc(t["mean"])}</dt><dd>{mean}</dd>
<dt>{esc(t["status"])}</dt><dd>{esc(state)}: {esc(status.message(lang))}</dd>
</dl>
<h2>{esc(t["history"])}</h2>
{history}
<h2>{esc(t["mistakes"])}</h2>
{mistakes_html}
<p class="note">{esc(t["synthetic"])} {esc(t["generated"])}: {esc(labels.format_time(utcnow()))}.</p>
</body></html>"""


def html_to_pdf(page: str) -> bytes:
    """Render an HTML page to PDF bytes with WeasyPrint.

    Raises
    ------
    SakeraError
        If WeasyPrint is not installed (``pip install sakera-toolkit[pdf]``).
    """
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # OSError: missing pango libraries
        raise SakeraError(f"PDF export needs WeasyPrint (pip install 'sakera-toolkit[pdf]'): {exc}") from None
    buffer = io.BytesIO()
    HTML(string=page).write_pdf(buffer)
    return buffer.getvalue()


def export_trainee_pdf(
    session: Session,
    trainee: User | str,
    path: str | Path | None = None,
    *,
    viewer: User | str | None = None,
    lang: str = "id",
) -> bytes:
    """The trainee record as PDF (:func:`trainee_record_html` rendered by WeasyPrint); also written to ``path``."""
    data = html_to_pdf(trainee_record_html(session, trainee, viewer=viewer, lang=lang))
    if path is not None:
        write_atomic(path, data)
    return data

"""The data of a practice case: document cards, the citizen's request, the answer key.

All classes are frozen dataclasses with a JSON round trip (``to_dict``/``from_dict``), so a case
can be saved by the store and rendered by the app without this package's generator.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from . import rules as _rules

__all__ = [
    "DATE_FORMAT",
    "format_date",
    "parse_date",
    "Person",
    "Document",
    "Request",
    "InjectedDefect",
    "Expected",
    "Case",
]

#: How dates are written on document cards (as on Indonesian documents).
DATE_FORMAT = "%d-%m-%Y"


def format_date(day: dt.date) -> str:
    """``date(2025, 7, 1)`` -> ``"01-07-2025"``."""
    return day.strftime(DATE_FORMAT)


def parse_date(text: str | None) -> dt.date | None:
    """Parse a card date (``DD-MM-YYYY``) or ISO date; ``None`` for anything else (e.g. ``SEUMUR HIDUP``)."""
    if text is None:
        return None
    s = str(text).strip()
    for fmt in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Person:
    """A synthetic person in a case (ground truth; documents show copies of these values).

    ``nik`` is ``None`` for a newborn without a NIK yet. ``sex`` is ``"L"`` (laki-laki) or ``"P"``
    (perempuan).
    """

    name: str
    nik: str | None
    sex: str
    birth_date: dt.date
    birth_place: str
    relationship: str = ""
    marital_status: str = ""
    occupation: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (date as ISO text)."""
        return {
            "name": self.name,
            "nik": self.nik,
            "sex": self.sex,
            "birth_date": self.birth_date.isoformat(),
            "birth_place": self.birth_place,
            "relationship": self.relationship,
            "marital_status": self.marital_status,
            "occupation": self.occupation,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Person:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "birth_date": dt.date.fromisoformat(d["birth_date"])})


@dataclass(frozen=True)
class Document:
    """A document card in the citizen's bundle.

    Parameters
    ----------
    ref
        Identifier unique within the case (``"kk"``, ``"ktp_el_ibu"``...), used to flag a defect on
        a particular document.
    kind
        Document kind (``kk``, ``ktp_el``, ``surat_keterangan_lahir``, ``buku_nikah``, ``skpwni``,
        ``surat_kehilangan``, ``akta_kelahiran``, ``surat_keterangan_kematian``, ``pas_foto``,
        ``tanda_terima``); labels in ``data/training_documents.yaml``.
    fields
        Field key -> value as printed on the card (dates ``DD-MM-YYYY``), in display order.
    rows
        Table rows (the members listed on a KK), each ``column key -> value``.
    condition
        ``"baik"`` (good) or ``"rusak"`` (damaged).
    note_id, note_en
        What the operator sees about the physical document (e.g. how it is damaged).
    """

    ref: str
    kind: str
    fields: Mapping[str, str]
    rows: tuple[Mapping[str, str], ...] = ()
    condition: str = "baik"
    note_id: str = ""
    note_en: str = ""

    def __post_init__(self):
        object.__setattr__(self, "fields", _frozen(self.fields))
        object.__setattr__(self, "rows", tuple(_frozen(r) for r in self.rows))

    # ------------------------------------------------------------------ rendering helpers
    def title(self, lang: str = "id") -> str:
        """The card title in ``lang``."""
        return _rules.document_kind(self.kind).title(lang)

    def field_items(self, lang: str = "id") -> list[tuple[str, str, str]]:
        """``(key, label, value)`` for every field, in display order."""
        labels = _rules.document_kind(self.kind).fields
        return [(k, labels[k].get(lang) if k in labels else k, v) for k, v in self.fields.items()]

    def columns(self, lang: str = "id") -> list[tuple[str, str]]:
        """``(key, label)`` of the table columns (KK members), empty for other documents."""
        return [(k, t.get(lang)) for k, t in _rules.document_kind(self.kind).columns.items()]

    def condition_label(self, lang: str = "id") -> str:
        """``Baik``/``Rusak`` (``Good``/``Damaged``)."""
        return _rules.condition_label(self.condition, lang)

    def note(self, lang: str = "id") -> str:
        """The note about the physical document in ``lang`` (may be empty)."""
        return self.note_id if _rules.check_lang(lang) == "id" else self.note_en

    # ------------------------------------------------------------------ checks
    @property
    def damaged(self) -> bool:
        """True when the document is damaged (cannot be used to meet a requirement)."""
        return self.condition != "baik"

    def valid_until(self) -> dt.date | None:
        """The printed validity date, if the document has one (``None`` for ``SEUMUR HIDUP``)."""
        return parse_date(self.fields.get("berlaku_hingga"))

    def expired(self, today: dt.date) -> bool:
        """True when the printed validity date is before ``today``.

        Never for a kind valid for life whatever it prints (KTP-el, UU 24/2013 Pasal 64(7)a: the
        2011-2013 cards still show a date).
        """
        if _rules.document_kind(self.kind).valid_for_life:
            return False
        until = self.valid_until()
        return until is not None and until < today

    def usable(self, today: dt.date) -> bool:
        """True when the document is readable and valid on ``today``."""
        return not self.damaged and not self.expired(today)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "ref": self.ref,
            "kind": self.kind,
            "fields": dict(self.fields),
            "rows": [dict(r) for r in self.rows],
            "condition": self.condition,
            "note_id": self.note_id,
            "note_en": self.note_en,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Document:
        """Inverse of :meth:`to_dict`."""
        return cls(
            ref=d["ref"],
            kind=d["kind"],
            fields=dict(d["fields"]),
            rows=tuple(dict(r) for r in d.get("rows", ())),
            condition=d.get("condition", "baik"),
            note_id=d.get("note_id", ""),
            note_en=d.get("note_en", ""),
        )


@dataclass(frozen=True)
class Request:
    """What the citizen says at the desk.

    ``situation`` is the id of the situation template, which is also the id of the service that
    fits it; ``requested_service_id`` is what the citizen asks for (they may be wrong).
    ``fee_idr`` is money the citizen offers or was asked for (0 when none; any amount is illegal).
    ``conditions`` are the facts the citizen tells that make some requirements mandatory (ids of
    :attr:`sakera_toolkit.services.Catalogue.conditions`, e.g. ``dalam_kabupaten``, ``menumpang``).
    """

    situation: str
    requested_service_id: str
    text_id: str
    text_en: str
    fee_idr: int = 0
    conditions: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "conditions", tuple(self.conditions))

    def text(self, lang: str = "id") -> str:
        """The request as told by the citizen, in ``lang``."""
        return self.text_id if _rules.check_lang(lang) == "id" else self.text_en

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "situation": self.situation,
            "requested_service_id": self.requested_service_id,
            "text_id": self.text_id,
            "text_en": self.text_en,
            "fee_idr": int(self.fee_idr),
            "conditions": list(self.conditions),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Request:
        """Inverse of :meth:`to_dict` (schema 1 cases have no ``conditions``)."""
        return cls(**{**dict(d), "conditions": tuple(d.get("conditions", ()))})


@dataclass(frozen=True)
class InjectedDefect:
    """One defect put into a case (the answer key), with the documents that evidence it."""

    kind: str
    documents: tuple[str, ...]
    field: str | None
    detail_id: str
    detail_en: str

    def detail(self, lang: str = "id") -> str:
        """What exactly is wrong, in ``lang``."""
        return self.detail_id if _rules.check_lang(lang) == "id" else self.detail_en

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "kind": self.kind,
            "documents": list(self.documents),
            "field": self.field,
            "detail_id": self.detail_id,
            "detail_en": self.detail_en,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> InjectedDefect:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "documents": tuple(d["documents"])})


@dataclass(frozen=True)
class Expected:
    """The correct answer to a case.

    ``requirements`` maps every requirement id of the service to True when a usable document meets
    it; ``missing`` lists the mandatory requirements not met (graded when the decision is
    ``return``); ``form`` holds the expected form values (graded when the file proceeds);
    ``substitutes`` lists the sworn statements (SPTJM requirement ids) to complete at the desk when
    the decision is ``process_sptjm``.
    """

    service_id: str
    requirements: Mapping[str, bool]
    decision: str
    missing: tuple[str, ...]
    form: Mapping[str, str]
    substitutes: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "requirements", _frozen(self.requirements))
        object.__setattr__(self, "form", _frozen(self.form))
        object.__setattr__(self, "missing", tuple(self.missing))
        object.__setattr__(self, "substitutes", tuple(self.substitutes))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "service_id": self.service_id,
            "requirements": dict(self.requirements),
            "decision": self.decision,
            "missing": list(self.missing),
            "form": dict(self.form),
            "substitutes": list(self.substitutes),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Expected:
        """Inverse of :meth:`to_dict`."""
        return cls(
            service_id=d["service_id"],
            requirements=dict(d["requirements"]),
            decision=d["decision"],
            missing=tuple(d["missing"]),
            form=dict(d["form"]),
            substitutes=tuple(d.get("substitutes", ())),
        )


@dataclass(frozen=True)
class Case:
    """A citizen at a village desk with a request and a bundle of documents.

    The trainee sees :attr:`request`, :attr:`documents`, the desk (:attr:`village_name`,
    :attr:`district_name`, :attr:`today`) and, in guided levels, :meth:`hints`. :attr:`defects`
    and :attr:`expected` are the answer key used by :func:`sakera_toolkit.training.grade`.

    Attributes
    ----------
    case_id
        Stable id derived from the generator inputs (same inputs -> same id).
    seed
        The integer seed the case was generated from (``None`` when generated from a spawned
        ``SeedSequence`` without one).
    difficulty
        0 (clean, guided) to 3 (several subtle defects).
    service_id
        The service that fits the situation (the correct choice).
    village_code, village_name, district_name
        The desk where the citizen arrives.
    today
        The date at the desk.
    applicant
        Role of the citizen at the desk in :attr:`people` (``"pemohon"``).
    people
        Role -> :class:`Person` (ground truth).
    time_limit_seconds
        Target handling time in timed levels, else ``None`` (time not graded).
    """

    case_id: str
    seed: int | None
    difficulty: int
    service_id: str
    village_code: str
    village_name: str
    district_name: str
    today: dt.date
    request: Request
    applicant: str
    people: Mapping[str, Person]
    documents: tuple[Document, ...]
    defects: tuple[InjectedDefect, ...]
    expected: Expected
    time_limit_seconds: int | None = None
    schema_version: int = field(default=2)

    def __post_init__(self):
        object.__setattr__(self, "people", _frozen(self.people))
        object.__setattr__(self, "documents", tuple(self.documents))
        object.__setattr__(self, "defects", tuple(self.defects))

    # ------------------------------------------------------------------ convenience
    @property
    def is_clean(self) -> bool:
        """True when no defect was injected."""
        return not self.defects

    @property
    def defect_kinds(self) -> frozenset[str]:
        """The kinds of the injected defects."""
        return frozenset(d.kind for d in self.defects)

    @property
    def citizen(self) -> Person:
        """The citizen standing at the desk."""
        return self.people[self.applicant]

    def document(self, ref: str) -> Document:
        """The document with reference ``ref`` (``KeyError`` if absent)."""
        for doc in self.documents:
            if doc.ref == ref:
                return doc
        raise KeyError(ref)

    def situation(self, lang: str = "id") -> str:
        """What the citizen says, in ``lang``."""
        return self.request.text(lang)

    def hints(self, lang: str = "id") -> list[str]:
        """Guidance shown in guided levels.

        The right service, its mandatory requirements and what to check (identity data, domicile,
        deadline, document condition, no fees). Never names the defects of this case.
        """
        from .cases import case_hints

        return case_hints(self, lang)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (see :meth:`from_dict`)."""
        return {
            "schema_version": self.schema_version,
            "case_id": self.case_id,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "service_id": self.service_id,
            "village_code": self.village_code,
            "village_name": self.village_name,
            "district_name": self.district_name,
            "today": self.today.isoformat(),
            "request": self.request.to_dict(),
            "applicant": self.applicant,
            "people": {role: p.to_dict() for role, p in self.people.items()},
            "documents": [d.to_dict() for d in self.documents],
            "defects": [d.to_dict() for d in self.defects],
            "expected": self.expected.to_dict(),
            "time_limit_seconds": self.time_limit_seconds,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Case:
        """Rebuild a case saved with :meth:`to_dict`."""
        return cls(
            case_id=d["case_id"],
            seed=d["seed"],
            difficulty=int(d["difficulty"]),
            service_id=d["service_id"],
            village_code=d["village_code"],
            village_name=d["village_name"],
            district_name=d["district_name"],
            today=dt.date.fromisoformat(d["today"]),
            request=Request.from_dict(d["request"]),
            applicant=d["applicant"],
            people={role: Person.from_dict(p) for role, p in d["people"].items()},
            documents=tuple(Document.from_dict(x) for x in d["documents"]),
            defects=tuple(InjectedDefect.from_dict(x) for x in d["defects"]),
            expected=Expected.from_dict(d["expected"]),
            time_limit_seconds=d.get("time_limit_seconds"),
            schema_version=int(d.get("schema_version", 1)),
        )

    def to_json(self) -> str:
        """The case as a JSON string."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Case:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

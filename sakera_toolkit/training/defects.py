"""Defect kinds as small policy objects: how each is injected into a case, and how it is detected.

Each :class:`DefectPolicy` has two halves that never share information:

- **injection** (used by :func:`sakera_toolkit.training.generate_case`): ``plan`` (before the people
  are drawn: where they live, when the event happened, what they ask for), ``alter_people`` (after
  the people are drawn, before the documents are printed) and ``inject`` (on the printed
  documents). It returns an :class:`~sakera_toolkit.training.model.InjectedDefect` naming the
  documents that evidence it;
- **detection** (``detect``): looks only at what the operator sees at the desk — the documents, the
  request, the desk's village and the date — and returns :class:`Finding` objects.

:func:`detect_defects` runs every detector. The tests prove, over many seeds, services and
difficulties, that it finds exactly the injected kinds and nothing in clean cases.

Kinds (labels and rules in ``data/training_rules.yaml``): ``missing_document``, ``nik_mismatch``,
``name_mismatch`` (spelling variant: F-1.06), ``name_changed`` (court order), ``date_inconsistent``
(a birth date differing between documents; NIK date digits never count), ``wrong_service``,
``not_domiciled``, ``deadline_passed`` (late, still processed), ``duplicate_request``,
``nik_nonaktif``, ``belum_rekam``, ``child_marriage``, ``reporter_not_entitled``,
``expired_or_damaged``, ``fee_requested``.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .. import services
from . import rules as _rules
from .model import Document, InjectedDefect, Request, format_date, parse_date

if TYPE_CHECKING:  # pragma: no cover
    from .cases import _World
    from .model import Case

__all__ = [
    "DEFECT_KINDS",
    "Finding",
    "PersonRecord",
    "DeskView",
    "DefectPolicy",
    "POLICIES",
    "policy",
    "person_records",
    "requirement_status",
    "missing_requirements",
    "detect_defects",
    "decision_for",
]

SEX_LABELS = {"M": "LAKI-LAKI", "F": "PEREMPUAN"}
_SEX_FROM_LABEL = {"LAKI-LAKI": "M", "PEREMPUAN": "F"}
IN_PROCESS = "DALAM PROSES"
#: SIAK statuses on the operator's lookup card (``data_siak``).
ACTIVE, INACTIVE = "AKTIF", "NONAKTIF"
RECORDED, NOT_RECORDED = "SUDAH REKAM", "BELUM REKAM"
#: UU 16/2019 (in force 14 October 2019): both spouses at least 19; before, women 16 and men 19.
MARRIAGE_AGE_CHANGE = dt.date(2019, 10, 14)


def normalise(text: Any) -> str:
    """Case- and space-insensitive form of a value written on a card or typed by a trainee."""
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold()


@dataclass(frozen=True)
class Finding:
    """A defect found by a detector: its kind, the documents that show it, and what was seen."""

    kind: str
    documents: tuple[str, ...]
    detail_id: str
    detail_en: str

    def detail(self, lang: str = "id") -> str:
        """What was seen, in ``lang``."""
        return self.detail_id if _rules.check_lang(lang) == "id" else self.detail_en


@dataclass(frozen=True)
class PersonRecord:
    """One person as written on one document (a KTP-el, a KK row, the mother on a birth notice...)."""

    document: str
    where: str
    nik: str
    name: str
    birth_date: str | None
    sex: str | None


@dataclass(frozen=True)
class DeskView:
    """What the operator sees: documents, request, the desk's village and the date. Nothing else."""

    documents: tuple[Document, ...]
    request: Request
    village_name: str
    district_name: str
    today: dt.date

    @classmethod
    def of(cls, case: Case) -> DeskView:
        """The desk view of a case (drops the answer key)."""
        return cls(case.documents, case.request, case.village_name, case.district_name, case.today)

    @property
    def service(self) -> services.Service:
        """The service that fits the citizen's situation."""
        return services.load_catalogue().get(self.request.situation)


# ------------------------------------------------------------------------------ reading documents
# Person records per document kind: (nik field, name field, birth date field, sex field).
_RECORD_FIELDS: dict[str, tuple[tuple[str, str, str | None, str | None], ...]] = {
    "ktp_el": (("nik", "nama", "tanggal_lahir", "jenis_kelamin"),),
    "akta_kelahiran": (("nik", "nama", "tanggal_lahir", "jenis_kelamin"),),
    "surat_keterangan_kematian": (("nik", "nama", "tanggal_lahir", "jenis_kelamin"),),
    "buku_nikah": (("nik_suami", "nama_suami", None, None), ("nik_istri", "nama_istri", None, None)),
    "surat_keterangan_lahir": (("nik_ibu", "nama_ibu", None, None),),
    "skpwni": (("nik", "nama", None, None),),
    "surat_kehilangan": (("nik", "nama", None, None),),
    "tanda_terima": (("nik", "nama", None, None),),
}


def person_records(documents: Iterable[Document]) -> list[PersonRecord]:
    """Every (NIK, name[, birth date, sex]) written on the documents, KK members included."""
    out: list[PersonRecord] = []
    for doc in documents:
        if doc.kind == "kk":
            for i, row in enumerate(doc.rows):
                out.append(
                    PersonRecord(
                        doc.ref,
                        f"rows[{i}]",
                        row.get("nik", ""),
                        row.get("nama", ""),
                        row.get("tanggal_lahir"),
                        row.get("jenis_kelamin"),
                    )
                )
            continue
        for nik_f, name_f, date_f, sex_f in _RECORD_FIELDS.get(doc.kind, ()):
            if doc.fields.get(nik_f):
                out.append(
                    PersonRecord(
                        doc.ref,
                        nik_f,
                        doc.fields[nik_f],
                        doc.fields.get(name_f, ""),
                        doc.fields.get(date_f) if date_f else None,
                        doc.fields.get(sex_f) if sex_f else None,
                    )
                )
    return out


def requirement_status(documents: Sequence[Document], service_id: str, today: dt.date) -> dict[str, bool]:
    """Requirement id -> True when enough readable, unexpired documents of the matching kind are present."""
    service = services.load_catalogue().get(service_id)
    kinds = _rules.requirement_documents(service_id)
    usable: dict[str, int] = defaultdict(int)
    for d in documents:
        if d.usable(today):
            usable[d.kind] += 1
    return {
        r.id: r.id in kinds and usable[kinds[r.id]] >= _rules.requirement_count(service_id, r.id)
        for r in service.requirements
    }


def _unmet(
    documents: Sequence[Document], service_id: str, today: dt.date, conditions: Iterable[str]
) -> list[services.Requirement]:
    status = requirement_status(documents, service_id, today)
    service = services.load_catalogue().get(service_id)
    return [
        r
        for r in service.required_documents(frozenset(conditions))
        if not status[r.id] and not any(status.get(a, False) for a in r.alternatives)
    ]


def missing_requirements(
    documents: Sequence[Document], service_id: str, today: dt.date, conditions: Iterable[str] = ()
) -> tuple[str, ...]:
    """Mandatory requirements not met by a usable document, an alternative, nor a desk SPTJM.

    ``conditions`` are the case's conditions (:attr:`Request.conditions`) that make some
    requirements mandatory. A requirement whose alternative is a sworn statement the citizen can
    complete at the desk (``desk_substitute``) is never missing: see :func:`desk_substitutes`.
    """
    service = services.load_catalogue().get(service_id)
    subs = {r.id for r in service.requirements if r.desk_substitute}
    return tuple(r.id for r in _unmet(documents, service_id, today, conditions) if not set(r.alternatives) & subs)


def desk_substitutes(
    documents: Sequence[Document], service_id: str, today: dt.date, conditions: Iterable[str] = ()
) -> tuple[str, ...]:
    """The sworn statements (SPTJM requirement ids) to complete at the desk for unmet requirements."""
    service = services.load_catalogue().get(service_id)
    subs = [r.id for r in service.requirements if r.desk_substitute]
    out: list[str] = []
    for r in _unmet(documents, service_id, today, conditions):
        out.extend(a for a in r.alternatives if a in subs)
    return tuple(dict.fromkeys(out))


def _present_kinds(documents: Iterable[Document]) -> set[str]:
    return {d.kind for d in documents}


def decision_for(kinds: Iterable[str], service: services.Service, substitutes: Sequence[str] = ()) -> str:
    """The correct decision given the defect kinds of a case.

    ``refer`` if any defect forces a referral; else ``return`` if any forces a return; else
    ``refer`` when the service needs biometric recording away from the desk; else
    ``process_sptjm`` when sworn statements are to be completed at the desk (``substitutes``);
    else ``process``.
    """
    effects = {_rules.defect_info(k).decision for k in kinds}
    if "refer" in effects:
        return "refer"
    if "return" in effects:
        return "return"
    if service.needs_biometric:
        return "refer"
    return "process_sptjm" if substitutes else "process"


# ------------------------------------------------------------------------------ injection state
@dataclass
class InjectionState:
    """Book-keeping shared by the injectors of one case."""

    protected: set[str] = field(default_factory=set)
    involved_niks: set[str] = field(default_factory=set)

    def protect(self, refs: Iterable[str]) -> None:
        """Documents that evidence a defect: later defects must not remove or damage them."""
        self.protected.update(refs)


def _docs_with_nik(documents: Sequence[Document], nik: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.document for r in person_records(documents) if r.nik == nik))


def _replace_field(documents: list[Document], ref: str, where: str, key: str, value: str) -> None:
    """Set ``key`` of the record at ``where`` (a field of the document or ``rows[i]``) to ``value``."""
    for i, doc in enumerate(documents):
        if doc.ref != ref:
            continue
        if where.startswith("rows["):
            idx = int(where[5:-1])
            rows = [dict(r) for r in doc.rows]
            rows[idx][key] = value
            documents[i] = replace(doc, rows=tuple(rows))
        else:
            fields = dict(doc.fields)
            fields[key] = value
            documents[i] = replace(doc, fields=fields)
        return
    raise KeyError(ref)


def _record_keys(rec: PersonRecord) -> tuple[str, str, str | None]:
    """Field keys (nik, name, birth date) of a record."""
    if rec.where.startswith("rows["):
        return "nik", "nama", "tanggal_lahir"
    for doc_kind_fields in _RECORD_FIELDS.values():
        for nik_f, name_f, date_f, _sex_f in doc_kind_fields:
            if nik_f == rec.where:
                return nik_f, name_f, date_f
    raise KeyError(rec.where)  # pragma: no cover


# ------------------------------------------------------------------------------ policies
class DefectPolicy(abc.ABC):
    """A defect kind: its injection hooks and its detector (override what applies)."""

    kind: ClassVar[str] = ""
    #: True when all the injection work happens on printed documents (usable as a fallback).
    documents_only: ClassVar[bool] = False

    def possible(self, service_id: str) -> bool:
        """Whether this defect can occur for the situation of ``service_id``."""
        return True

    def possible_in(self, service_id: str, variant: str) -> bool:
        """Whether this defect can occur in the ``variant`` of the situation (e.g. a move within Sampang)."""
        return True

    def plan(self, world: _World, rng: np.random.Generator) -> None:  # noqa: B027 - optional hook
        """Change the case plan before the people are drawn (village, dates, request)."""

    def alter_people(self, world: _World, rng: np.random.Generator) -> None:  # noqa: B027 - optional hook
        """Change the people after they are drawn, before documents are printed."""

    @abc.abstractmethod
    def inject(
        self, world: _World, documents: list[Document], rng: np.random.Generator, state: InjectionState
    ) -> InjectedDefect | None:
        """Tamper with the printed documents; return the injection record, or ``None`` if impossible."""

    @abc.abstractmethod
    def detect(self, desk: DeskView) -> list[Finding]:
        """Findings of this kind, from the documents and request only."""

    def _record(self, documents: Sequence[str], fld: str | None, detail_id: str, detail_en: str) -> InjectedDefect:
        return InjectedDefect(self.kind, tuple(documents), fld, detail_id, detail_en)

    def _finding(self, documents: Sequence[str], detail_id: str, detail_en: str) -> Finding:
        return Finding(self.kind, tuple(documents), detail_id, detail_en)


class FeeRequested(DefectPolicy):
    """Money offered or asked for a service that is free by law (UU 24/2013 Pasal 79A, 95B)."""

    kind = "fee_requested"

    def plan(self, world, rng):
        lo, hi = int(world.cal["fee_min_idr"]), int(world.cal["fee_max_idr"])
        world.fee_idr = int(rng.integers(lo // 5000, hi // 5000 + 1)) * 5000
        world.fee_mode = str(rng.choice(["offered", "asked"]))

    def inject(self, world, documents, rng, state):
        fee = f"{world.fee_idr:,}".replace(",", ".")
        return self._record(
            (), None, f"Warga menawarkan atau dimintai Rp{fee}.", f"The citizen offers or was asked for Rp{fee}."
        )

    def detect(self, desk):
        if desk.request.fee_idr > 0:
            fee = f"{desk.request.fee_idr:,}".replace(",", ".")
            return [self._finding((), f"Ada uang Rp{fee} dalam permohonan.", f"Rp{fee} is mentioned with the request.")]
        return []


class WrongService(DefectPolicy):
    """The citizen asks for a service that does not fit the situation."""

    kind = "wrong_service"

    def plan(self, world, rng):
        options = _rules.case_templates()["confusions"][world.service_id]
        world.requested_service_id = str(rng.choice(options))

    def inject(self, world, documents, rng, state):
        cat = services.load_catalogue()
        asked, right = cat.get(world.requested_service_id), world.service
        return self._record(
            (),
            None,
            f"Warga meminta {asked.name_id}, padahal keadaannya memerlukan {right.name_id}.",
            f"The citizen asks for {asked.name_en}, but the situation needs {right.name_en}.",
        )

    def detect(self, desk):
        if desk.request.requested_service_id != desk.request.situation:
            cat = services.load_catalogue()
            asked = cat.get(desk.request.requested_service_id)
            return [self._finding((), f"Diminta: {asked.name_id}.", f"Requested: {asked.name_en}.")]
        return []


class NotDomiciled(DefectPolicy):
    """The citizen lives in another village (or, moving in, is bound for another village)."""

    kind = "not_domiciled"

    def possible(self, service_id):
        return service_id not in _rules.case_templates()["served_anywhere"]

    def possible_in(self, service_id, variant):
        # A move within Sampang shows the new address on no card (it is written on F-1.03).
        return variant != "dalam_kabupaten"

    def plan(self, world, rng):
        other = world.other_village(rng, exclude={world.desk_code, world.origin_code})
        if world.service_id == "pindah_datang":
            world.destination_code = other
        else:
            world.home_code = other

    def _evidence(self, documents: Sequence[Document], arrival: bool) -> tuple[str, ...]:
        kinds = ("skpwni",) if arrival else ("kk", "ktp_el")
        return tuple(d.ref for d in documents if d.kind in kinds)

    def inject(self, world, documents, rng, state):
        refs = self._evidence(documents, world.service_id == "pindah_datang")
        if not refs:
            return None
        state.protect(refs)
        place = world.village_label(world.destination_code if world.service_id == "pindah_datang" else world.home_code)
        return self._record(
            refs,
            "desa",
            f"Alamat pada dokumen: {place}, bukan desa ini.",
            f"Address on the documents: {place}, not this village.",
        )

    def detect(self, desk):
        if desk.request.situation in _rules.case_templates()["served_anywhere"]:
            return []
        arrival = desk.request.situation == "pindah_datang" and any(d.kind == "skpwni" for d in desk.documents)
        if desk.request.situation == "pindah_datang" and not arrival:
            return []
        here = (normalise(desk.village_name), normalise(desk.district_name))
        found = []
        for doc in desk.documents:
            if arrival and doc.kind == "skpwni":
                there = (normalise(doc.fields.get("desa_tujuan")), normalise(doc.fields.get("kecamatan_tujuan")))
            elif not arrival and doc.kind in ("kk", "ktp_el"):
                there = (normalise(doc.fields.get("desa")), normalise(doc.fields.get("kecamatan")))
            else:
                continue
            if there != here:
                found.append(doc.ref)
        if found:
            return [self._finding(found, "Alamat bukan desa ini.", "The address is not this village.")]
        return []


class DeadlinePassed(DefectPolicy):
    """A birth reported after 60 days or a death after 30 days (reporting deadline of the service)."""

    kind = "deadline_passed"

    def possible(self, service_id):
        evidence = _rules.case_templates()["deadline_evidence"]
        return service_id in evidence and services.load_catalogue().get(service_id).reporting_deadline_days is not None

    def plan(self, world, rng):
        world.late_event = True

    def inject(self, world, documents, rng, state):
        kinds, fld = _rules.case_templates()["deadline_evidence"][world.service_id]
        refs = tuple(d.ref for d in documents if d.kind in kinds)
        if not refs:
            return None
        state.protect(refs)
        days = (world.today - world.event_date).days
        limit = world.service.reporting_deadline_days
        return self._record(
            refs,
            fld,
            f"Peristiwa terjadi {days} hari lalu; batasnya {limit} hari.",
            f"The event was {days} days ago; the limit is {limit} days.",
        )

    def detect(self, desk):
        service = desk.service
        evidence = _rules.case_templates()["deadline_evidence"].get(service.id)
        if evidence is None or service.reporting_deadline_days is None:
            return []
        kinds, fld = evidence
        out = []
        for doc in desk.documents:
            if doc.kind not in kinds:
                continue
            when = parse_date(doc.fields.get(fld))
            if when is not None and (desk.today - when).days > service.reporting_deadline_days:
                days = (desk.today - when).days
                out.append(
                    self._finding(
                        (doc.ref,),
                        f"{days} hari sejak peristiwa (batas {service.reporting_deadline_days} hari).",
                        f"{days} days since the event (limit {service.reporting_deadline_days} days).",
                    )
                )
        return out


_EVIDENCE_DATES = {
    "surat_keterangan_lahir": "tanggal_lahir",
    "surat_keterangan_kematian": "tanggal_kematian",
    "surat_kematian_desa": "tanggal_kematian",
}


class DateInconsistent(DefectPolicy):
    """An impossible or inconsistent date.

    The same person's date of birth differs between documents (KK, KTP-el, akta...), or a letter
    is dated before the event it certifies. A NIK whose date digits differ from the recorded birth
    date is **not** a defect (the NIK is kept when a birth date is corrected, PP 40/2019 Pasal
    30(2)); clean cases contain such NIKs on purpose.
    """

    kind = "date_inconsistent"

    def possible(self, service_id):
        return service_id not in _rules.case_templates()["one_birth_record"]

    def plan(self, world, rng):
        variants = ["record_date"]
        if world.service_id in _rules.case_templates()["deadline_evidence"]:
            variants.append("event_letter")
        world.date_variant = str(rng.choice(variants))

    def _event_letter(self, world, documents, rng, state):
        for doc in documents:
            fld = _EVIDENCE_DATES.get(doc.kind)
            if fld is None or doc.ref in state.protected:
                continue
            event = parse_date(doc.fields[fld])
            letter = event - dt.timedelta(days=int(rng.integers(1, 11)))
            _replace_field(documents, doc.ref, "tanggal_surat", "tanggal_surat", format_date(letter))
            state.protect([doc.ref])
            return self._record(
                (doc.ref,),
                "tanggal_surat",
                f"Surat bertanggal {format_date(letter)}, sebelum peristiwanya ({doc.fields[fld]}).",
                f"The letter is dated {format_date(letter)}, before the event it certifies ({doc.fields[fld]}).",
            )
        return None

    def inject(self, world, documents, rng, state):
        if world.date_variant == "event_letter":
            found = self._event_letter(world, documents, rng, state)
            if found is not None:
                return found
        # record_date: change the birth date on one record of a person whose date is on two documents
        by_nik: dict[str, list[PersonRecord]] = defaultdict(list)
        for r in person_records(documents):
            if r.birth_date:
                by_nik[r.nik].append(r)
        candidates = [
            (r, recs)
            for nik_value, recs in by_nik.items()
            if len({x.document for x in recs}) >= 2 and nik_value not in state.involved_niks
            for r in recs
            if r.document not in state.protected
        ]
        if not candidates:
            return None
        rec, recs = candidates[int(rng.integers(len(candidates)))]
        born = parse_date(rec.birth_date)
        shift = int(rng.integers(1, 28)) * (1 if rng.random() < 0.5 else -1)
        if born + dt.timedelta(days=shift) >= world.today:
            shift = -abs(shift)
        new = format_date(born + dt.timedelta(days=shift))
        _replace_field(documents, rec.document, rec.where, _record_keys(rec)[2], new)
        refs = tuple(dict.fromkeys([rec.document] + [r.document for r in recs]))
        state.protect(refs)
        state.involved_niks.add(rec.nik)
        return self._record(
            refs,
            "tanggal_lahir",
            f"Tanggal lahir {rec.name} tertulis {new} di satu dokumen dan {rec.birth_date} di dokumen lain.",
            f"{rec.name}'s date of birth reads {new} on one document and {rec.birth_date} on another.",
        )

    def detect(self, desk):
        out = []
        by_nik: dict[str, list[PersonRecord]] = defaultdict(list)
        for rec in person_records(desk.documents):
            if rec.birth_date:
                by_nik[rec.nik].append(rec)
        for nik_value, recs in by_nik.items():
            dates = {parse_date(r.birth_date) for r in recs}
            if len(dates) > 1:
                shown = " / ".join(sorted({str(r.birth_date) for r in recs}))
                out.append(
                    self._finding(
                        tuple(dict.fromkeys(r.document for r in recs)),
                        f"NIK {nik_value}: tanggal lahir {shown}.",
                        f"NIK {nik_value}: date of birth {shown}.",
                    )
                )
        for doc in desk.documents:
            fld = _EVIDENCE_DATES.get(doc.kind)
            if fld is None:
                continue
            event = parse_date(doc.fields.get(fld))
            letter = parse_date(doc.fields.get("tanggal_surat"))
            born = parse_date(doc.fields.get("tanggal_lahir")) if fld == "tanggal_kematian" else None
            if event is None:
                continue
            if event > desk.today or (letter is not None and letter < event) or (born is not None and event < born):
                out.append(
                    self._finding(
                        (doc.ref,),
                        "Urutan tanggal pada surat tidak mungkin.",
                        "The dates on the letter are in an impossible order.",
                    )
                )
        return out


def _other_nik(value: str, taken: set[str], rng: np.random.Generator) -> str:
    """A NIK with the same region, birth date and sex but another sequence number, not in ``taken``."""
    while True:
        seq = int(rng.integers(1, 10000))
        candidate = f"{value[:12]}{seq:04d}"
        if candidate != value and candidate not in taken:
            return candidate


def _identity_candidates(
    documents: Sequence[Document], state: InjectionState
) -> list[tuple[PersonRecord, list[PersonRecord]]]:
    """Records of people written on at least two documents, whose record can be tampered with."""
    by_nik: dict[str, list[PersonRecord]] = defaultdict(list)
    for rec in person_records(documents):
        by_nik[rec.nik].append(rec)
    out = []
    for nik_value, recs in by_nik.items():
        if nik_value in state.involved_niks or len({r.document for r in recs}) < 2:
            continue
        for rec in recs:
            if rec.document not in state.protected:
                out.append((rec, recs))
    return out


class NikMismatch(DefectPolicy):
    """The same person carries different NIKs on two documents."""

    kind = "nik_mismatch"
    documents_only = True

    def inject(self, world, documents, rng, state):
        candidates = _identity_candidates(documents, state)
        if not candidates:
            return None
        rec, recs = candidates[int(rng.integers(len(candidates)))]
        taken = {r.nik for r in person_records(documents)} | world.all_niks()
        new = _other_nik(rec.nik, taken, rng)
        _replace_field(documents, rec.document, rec.where, _record_keys(rec)[0], new)
        refs = tuple(dict.fromkeys([rec.document] + [r.document for r in recs]))
        state.protect(refs)
        state.involved_niks.update({rec.nik, new})
        return self._record(
            refs,
            "nik",
            f"NIK {rec.name} tertulis {new} di satu dokumen dan {rec.nik} di dokumen lain.",
            f"{rec.name}'s NIK reads {new} on one document and {rec.nik} on another.",
        )

    def detect(self, desk):
        groups: dict[str, list[PersonRecord]] = defaultdict(list)
        for rec in person_records(desk.documents):
            groups[normalise(rec.name)].append(rec)
        out = []
        for recs in groups.values():
            for i, a in enumerate(recs):
                for b in recs[i + 1 :]:
                    dates_agree = a.birth_date is None or b.birth_date is None or a.birth_date == b.birth_date
                    if a.nik != b.nik and dates_agree:
                        out.append(
                            self._finding(
                                tuple(dict.fromkeys((a.document, b.document))),
                                f"{a.name}: NIK {a.nik} dan {b.nik}.",
                                f"{a.name}: NIK {a.nik} and {b.nik}.",
                            )
                        )
        return out


#: Madurese/Indonesian abbreviations of first names written either way on documents.
_ABBREVIATIONS = {
    "moh": "mohammad", "moch": "mohammad", "muh": "mohammad", "muhammad": "mohammad", "mochammad": "mohammad",
    "abd": "abdul", "ach": "achmad", "ahmad": "achmad", "m": "mohammad",
}  # fmt: skip


def _name_tokens(name: str) -> list[str]:
    words = re.sub(r"[.'`]", " ", normalise(name)).split()
    return [_ABBREVIATIONS.get(w, w) for w in words]


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def spelling_variant(a: str, b: str) -> bool:
    """True when two written names are spelling variants of one name (not a change of name).

    Abbreviations (MOH./MOHAMMAD, ABD./ABDUL, ACH./ACHMAD), a dropped or doubled letter, a final H,
    or one name being the other without a word.
    """
    ta, tb = _name_tokens(a), _name_tokens(b)
    if ta == tb:
        return True
    if ta and tb and (set(ta) <= set(tb) or set(tb) <= set(ta)):
        return True
    return _edit_distance(" ".join(ta), " ".join(tb)) <= 2


def _misspell(name: str, rng: np.random.Generator) -> str:
    """A plausible clerical variant of ``name`` (abbreviation, dropped word, doubled or dropped letter)."""
    words = name.split()
    options = []
    first = words[0].upper().rstrip(".")
    for long, short in (("MOHAMMAD", "MOH."), ("ABDUL", "ABD."), ("ACHMAD", "ACH.")):
        if first == long and len(words) > 1:
            options.append(" ".join([short] + words[1:]))
        if first == short.rstrip(".") and len(words) > 1:
            options.append(" ".join([long] + words[1:]))
    if len(words) >= 2:
        options.append(" ".join(words[:-1]))
    last = words[-1]
    if len(last) > 3:
        i = int(rng.integers(1, len(last) - 1))
        options.append(" ".join(words[:-1] + [last[:i] + last[i + 1 :]]))
        options.append(" ".join(words[:-1] + [last[: i + 1] + last[i] + last[i + 1 :]]))
    options.append(name + "H" if not name.endswith("H") else name[:-1])
    return str(options[int(rng.integers(len(options)))])


def _name_groups(documents: Sequence[Document]) -> dict[str, list[PersonRecord]]:
    groups: dict[str, list[PersonRecord]] = defaultdict(list)
    for rec in person_records(documents):
        groups[rec.nik].append(rec)
    return groups


class NameMismatch(DefectPolicy):
    """The holder of one NIK is written with two spellings of one name (F-1.06 + surat keterangan beda nama)."""

    kind = "name_mismatch"
    documents_only = True

    def inject(self, world, documents, rng, state):
        candidates = _identity_candidates(documents, state)
        if not candidates:
            return None
        rec, recs = candidates[int(rng.integers(len(candidates)))]
        names = {normalise(r.name) for r in person_records(documents)} | {
            normalise(p.name) for p in world.people.values()
        }
        new = rec.name
        for _ in range(20):
            new = _misspell(rec.name, rng)
            if normalise(new) not in names and spelling_variant(new, rec.name):
                break
        else:  # pragma: no cover - _misspell always has a fresh option for real names
            return None
        _replace_field(documents, rec.document, rec.where, _record_keys(rec)[1], new)
        refs = tuple(dict.fromkeys([rec.document] + [r.document for r in recs]))
        state.protect(refs)
        state.involved_niks.add(rec.nik)
        return self._record(
            refs,
            "nama",
            f"NIK {rec.nik} tertulis atas nama {new} di satu dokumen dan {rec.name} di dokumen lain (ejaan berbeda).",
            f"NIK {rec.nik} is spelt {new} on one document and {rec.name} on another.",
        )

    def detect(self, desk):
        out = []
        for nik_value, recs in _name_groups(desk.documents).items():
            names = sorted({r.name for r in recs}, key=normalise)
            if len({normalise(n) for n in names}) > 1 and all(spelling_variant(a, b) for a in names for b in names):
                refs = tuple(dict.fromkeys(r.document for r in recs))
                shown = " / ".join(names)
                out.append(self._finding(refs, f"NIK {nik_value}: {shown}.", f"NIK {nik_value}: {shown}."))
        return out


class NameChanged(DefectPolicy):
    """The holder of one NIK carries a completely different name on one document (a change of name: court order)."""

    kind = "name_changed"
    documents_only = True

    def inject(self, world, documents, rng, state):
        candidates = _identity_candidates(documents, state)
        if not candidates:
            return None
        rec, recs = candidates[int(rng.integers(len(candidates)))]
        taken = {normalise(r.name) for r in person_records(documents)} | {normalise(p.name) for p in world.people.values()}
        sex = _SEX_FROM_LABEL.get(str(rec.sex or "").upper()) or next(
            (p.sex for p in world.people.values() if p.nik == rec.nik), "M"
        )
        new = ""
        for _ in range(50):
            new = world.new_name(sex, taken, rng).upper()
            if not spelling_variant(new, rec.name):
                break
        else:  # pragma: no cover
            return None
        _replace_field(documents, rec.document, rec.where, _record_keys(rec)[1], new)
        refs = tuple(dict.fromkeys([rec.document] + [r.document for r in recs]))
        state.protect(refs)
        state.involved_niks.add(rec.nik)
        return self._record(
            refs,
            "nama",
            f"NIK {rec.nik} tertulis atas nama {new} di satu dokumen dan {rec.name} di dokumen lain.",
            f"NIK {rec.nik} belongs to {new} on one document and to {rec.name} on another.",
        )

    def detect(self, desk):
        out = []
        for nik_value, recs in _name_groups(desk.documents).items():
            names = sorted({r.name for r in recs}, key=normalise)
            if any(not spelling_variant(a, b) for a in names for b in names):
                refs = tuple(dict.fromkeys(r.document for r in recs))
                shown = " / ".join(names)
                out.append(self._finding(refs, f"NIK {nik_value}: {shown}.", f"NIK {nik_value}: {shown}."))
        return out


class DuplicateRequest(DefectPolicy):
    """A receipt shows the same request for the same person is still in process."""

    kind = "duplicate_request"
    documents_only = True

    def inject(self, world, documents, rng, state):
        applicant = world.person(world.applicant)
        submitted = world.today - dt.timedelta(days=int(rng.integers(2, 21)))
        doc = Document(
            ref="tanda_terima",
            kind="tanda_terima",
            fields={
                "nomor": f"TT/{world.district_code.replace('.', '')}/{int(rng.integers(1000, 9999))}",
                "layanan": world.service.name_id,
                "nik": applicant.nik,
                "nama": applicant.name.upper(),
                "tanggal_pengajuan": format_date(submitted),
                "status": IN_PROCESS,
            },
        )
        documents.append(doc)
        state.protect([doc.ref])
        return self._record(
            (doc.ref,),
            "status",
            f"Tanda terima {format_date(submitted)}: {world.service.name_id} masih dalam proses.",
            f"Receipt of {format_date(submitted)}: {world.service.name_en} is still in process.",
        )

    def detect(self, desk):
        service = desk.service
        out = []
        for doc in desk.documents:
            if (
                doc.kind == "tanda_terima"
                and normalise(doc.fields.get("layanan")) == normalise(service.name_id)
                and normalise(doc.fields.get("status")) == normalise(IN_PROCESS)
            ):
                out.append(
                    self._finding(
                        (doc.ref,), "Permohonan yang sama masih dalam proses.", "The same request is still in process."
                    )
                )
        return out


def _requirement_docs(world: _World, documents: Sequence[Document], state: InjectionState) -> dict[str, list[Document]]:
    """Mandatory requirement id -> its unprotected documents (only requirements without a present alternative)."""
    kinds = _rules.requirement_documents(world.service_id)
    present = _present_kinds(documents)
    subs = {r.id for r in world.service.requirements if r.desk_substitute}
    out: dict[str, list[Document]] = {}
    for req in world.service.required_documents(frozenset(world.conditions)):
        kind = kinds.get(req.id)
        docs = [d for d in documents if d.kind == kind]
        if not docs or any(d.ref in state.protected for d in docs):
            continue
        if any(kinds.get(a) in present for a in req.alternatives) or set(req.alternatives) & subs:
            continue
        out[req.id] = docs
    return out


def _pick_requirement(
    world, documents, state, rng, exclude: frozenset[str] = frozenset()
) -> tuple[str, list[Document]] | None:
    """One mandatory requirement (uniformly, by id, not in ``exclude``) whose documents may be tampered with, or None."""
    options = {k: v for k, v in _requirement_docs(world, documents, state).items() if k not in exclude}
    if not options:
        return None
    req_id = sorted(options)[int(rng.integers(len(options)))]
    return req_id, options[req_id]


def _has_plain_requirement(service_id: str) -> bool:
    """True when a mandatory requirement has no desk SPTJM alternative (so a bad document sends the file back)."""
    service = services.load_catalogue().get(service_id)
    subs = {r.id for r in service.requirements if r.desk_substitute}
    conditions = frozenset(c for r in service.requirements for c in r.required_when)
    return any(
        not set(r.alternatives) & subs and r.id in _rules.requirement_documents(service_id)
        for r in service.required_documents(conditions)
    )


class ExpiredOrDamaged(DefectPolicy):
    """A required document is damaged, or past the validity date printed on it."""

    kind = "expired_or_damaged"
    documents_only = True

    def possible(self, service_id):
        return _has_plain_requirement(service_id)

    def inject(self, world, documents, rng, state):
        picked = _pick_requirement(world, documents, state, rng)
        if picked is None:
            return None
        req_id, docs = picked
        doc = docs[0]
        idx = next(i for i, d in enumerate(documents) if d.ref == doc.ref)
        validity = int(world.cal["document_validity_days"])
        lifetime = _rules.document_kind(doc.kind).valid_for_life
        if not lifetime and "berlaku_hingga" in doc.fields and doc.valid_until() is not None and rng.random() < 0.5:
            issued = world.today - dt.timedelta(days=validity + int(rng.integers(5, 61)))
            fields = dict(doc.fields)
            fields["tanggal_surat"] = format_date(issued)
            fields["berlaku_hingga"] = format_date(issued + dt.timedelta(days=validity))
            documents[idx] = replace(doc, fields=fields)
            detail = (
                f"{doc.title('id')} berlaku hingga {fields['berlaku_hingga']}, sudah lewat.",
                f"{doc.title('en')} was valid until {fields['berlaku_hingga']}, which has passed.",
            )
        else:
            notes = _rules.damage_notes()
            note = notes[int(rng.integers(len(notes)))]
            documents[idx] = replace(doc, condition="rusak", note_id=note.id, note_en=note.en)
            detail = (f"{doc.title('id')} rusak: {note.id}", f"{doc.title('en')} is damaged: {note.en}")
        state.protect([doc.ref])
        return self._record((doc.ref,), req_id, *detail)

    def detect(self, desk):
        out = []
        for doc in desk.documents:
            if doc.damaged:
                out.append(self._finding((doc.ref,), f"{doc.title('id')} rusak.", f"{doc.title('en')} is damaged."))
            elif doc.expired(desk.today):
                out.append(
                    self._finding(
                        (doc.ref,), f"{doc.title('id')} sudah tidak berlaku.", f"{doc.title('en')} is no longer valid."
                    )
                )
        return out


def _siak_rows(documents: Sequence[Document]) -> list[tuple[Document, int, Mapping[str, str]]]:
    return [(d, i, r) for d in documents if d.kind == "data_siak" for i, r in enumerate(d.rows)]


def _set_siak(documents: list[Document], ref: str, index: int, **values: str) -> None:
    for i, doc in enumerate(documents):
        if doc.ref == ref:
            rows = [dict(r) for r in doc.rows]
            rows[index].update(values)
            documents[i] = replace(doc, rows=tuple(rows))
            return


class NikNonaktif(DefectPolicy):
    """SIAK shows a NIK deactivated (never recorded for a KTP-el by 22, Permendagri 95/2019 Pasal 96)."""

    kind = "nik_nonaktif"
    documents_only = True

    def possible(self, service_id):
        return service_id in ("akta_kelahiran", "kk_perubahan", "ktp_perubahan")

    def inject(self, world, documents, rng, state):
        on_cards = {d.fields.get("nik") for d in documents if d.kind == "ktp_el"}
        ages = {p.nik: p.birth_date for p in world.people.values() if p.nik}
        options = [
            (d, i, r)
            for d, i, r in _siak_rows(documents)
            if r["nik"] not in on_cards and r["nik"] in ages and (world.today - ages[r["nik"]]).days >= 22 * 365 + 6
            and r["nik"] not in state.involved_niks
        ]
        if not options:
            return None
        doc, i, row = options[int(rng.integers(len(options)))]
        _set_siak(documents, doc.ref, i, status_nik=INACTIVE, status_rekam=NOT_RECORDED)
        state.protect([doc.ref])
        state.involved_niks.add(row["nik"])
        return self._record(
            (doc.ref,),
            "status_nik",
            f"NIK {row['nik']} ({row['nama']}) berstatus NONAKTIF di SIAK: perlu aktivasi NIK.",
            f"NIK {row['nik']} ({row['nama']}) is deactivated in SIAK: it needs reactivation.",
        )

    def detect(self, desk):
        return [
            self._finding((d.ref,), f"NIK {r['nik']} nonaktif.", f"NIK {r['nik']} is deactivated.")
            for d, _i, r in _siak_rows(desk.documents)
            if normalise(r.get("status_nik")) == normalise(INACTIVE)
        ]


class BelumRekam(DefectPolicy):
    """A KTP-el reprint for someone whose biometrics were never recorded."""

    kind = "belum_rekam"
    documents_only = True

    def possible(self, service_id):
        return service_id in _rules.case_templates()["needs_recorded_biometrics"]

    def plan(self, world, rng):
        world.extra["young"] = "1"

    def inject(self, world, documents, rng, state):
        applicant = world.person(world.applicant)
        for doc, i, row in _siak_rows(documents):
            if row["nik"] == applicant.nik and (world.today - applicant.birth_date).days < 22 * 365:
                _set_siak(documents, doc.ref, i, status_rekam=NOT_RECORDED)
                state.protect([doc.ref])
                return self._record(
                    (doc.ref,),
                    "status_rekam",
                    f"SIAK: {row['nama']} belum pernah merekam KTP-el; kartu tidak dapat dicetak ulang.",
                    f"SIAK: {row['nama']} never recorded for a KTP-el; no card can be reprinted.",
                )
        return None

    def detect(self, desk):
        if desk.request.situation not in _rules.case_templates()["needs_recorded_biometrics"]:
            return []
        return [
            self._finding((d.ref,), f"{r['nama']}: belum rekam KTP-el.", f"{r['nama']}: KTP-el never recorded.")
            for d, _i, r in _siak_rows(desk.documents)
            if normalise(r.get("status_rekam")) == normalise(NOT_RECORDED)
            and normalise(r.get("status_nik")) == normalise(ACTIVE)
        ]


def _years_after(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return born.replace(year=born.year + years, day=28)


class ChildMarriage(DefectPolicy):
    """A marriage below the legal age of its year without a court dispensation (UU 16/2019)."""

    kind = "child_marriage"
    documents_only = False

    def possible(self, service_id):
        return service_id == "kk_baru"

    def plan(self, world, rng):
        world.extra["minor"] = "1"

    def inject(self, world, documents, rng, state):
        refs = tuple(d.ref for d in documents if d.kind in ("sptjm_perkawinan", "buku_nikah"))
        found = self.detect_in(documents, world.today)
        if not refs or not found:
            return None
        state.protect(refs + tuple(d.ref for d in documents if d.kind == "ktp_el"))
        wife = world.person("istri")
        age = (world.event_date - wife.birth_date).days // 365
        return self._record(
            refs,
            "tanggal_perkawinan",
            f"{wife.name} menikah pada usia {age} tahun sesudah UU 16/2019, tanpa penetapan dispensasi kawin.",
            f"{wife.name} married at {age}, after UU 16/2019, without a marriage dispensation order.",
        )

    @staticmethod
    def detect_in(documents: Sequence[Document], today: dt.date) -> list[tuple[str, str]]:
        if any(d.kind == "dispensasi_kawin" for d in documents):
            return []
        births = {r.nik: parse_date(r.birth_date) for r in person_records(documents) if r.birth_date}
        out = []
        for doc in documents:
            if doc.kind not in ("sptjm_perkawinan", "buku_nikah"):
                continue
            married = parse_date(doc.fields.get("tanggal_perkawinan") or doc.fields.get("tanggal_nikah"))
            if married is None:
                continue
            for nik_f, female in (("nik_suami", False), ("nik_istri", True)):
                born = births.get(doc.fields.get(nik_f, ""))
                need = 19 if (not female or married >= MARRIAGE_AGE_CHANGE) else 16
                if born is not None and married < _years_after(born, need):
                    out.append((doc.ref, doc.fields.get(nik_f, "")))
        return out

    def detect(self, desk):
        return [
            self._finding((ref,), f"NIK {nik}: menikah di bawah umur tanpa dispensasi.",
                          f"NIK {nik}: married under age without a dispensation.")  # fmt: skip
            for ref, nik in self.detect_in(desk.documents, desk.today)
        ]


class ReporterNotEntitled(DefectPolicy):
    """Someone who is neither family nor ketua RT reports a death without a power of attorney."""

    kind = "reporter_not_entitled"

    def possible(self, service_id):
        return service_id in _rules.case_templates()["entitlement_requirements"]

    def plan(self, world, rng):
        world.variant = "tetangga"

    def inject(self, world, documents, rng, state):
        req = _rules.case_templates()["entitlement_requirements"][world.service_id]
        if any(d.kind == _rules.requirement_documents(world.service_id).get(req) for d in documents):
            return None
        pem = world.person(world.applicant)
        return self._record(
            (),
            req,
            f"{pem.name} bukan keluarga almarhum dan tidak membawa surat kuasa.",
            f"{pem.name} is not family of the deceased and brings no power of attorney.",
        )

    def detect(self, desk):
        table = _rules.case_templates()["entitlement_requirements"]
        sid = desk.request.situation
        if sid not in table:
            return []
        service = desk.service
        req = service.requirement(table[sid])
        kind = _rules.requirement_documents(sid).get(req.id)
        if req.mandatory(frozenset(desk.request.conditions)) and not any(d.kind == kind for d in desk.documents):
            return [self._finding((), "Pelapor tanpa surat kuasa.", "The reporter has no power of attorney.")]
        return []


class MissingDocument(DefectPolicy):
    """A mandatory requirement has no document (and no lawful substitute) in the bundle."""

    kind = "missing_document"
    documents_only = True

    def possible(self, service_id):
        return _has_plain_requirement(service_id)

    def inject(self, world, documents, rng, state):
        # A missing power of attorney is the reporter_not_entitled defect (one rule each), so the
        # entitlement requirement is never the one removed here; detect() skips it the same way.
        entitlement = _rules.case_templates()["entitlement_requirements"].get(world.service_id)
        picked = _pick_requirement(world, documents, state, rng, frozenset({entitlement} if entitlement else ()))
        if picked is None:
            return None
        req_id, docs = picked
        gone = {d.ref for d in docs}
        documents[:] = [d for d in documents if d.ref not in gone]
        req = world.service.requirement(req_id)
        return self._record((), req_id, f"Tidak ada: {req.name_id}.", f"Missing: {req.name_en}.")

    def detect(self, desk):
        service = desk.service
        kinds = _rules.requirement_documents(service.id)
        present = _present_kinds(desk.documents)
        subs = {r.id for r in service.requirements if r.desk_substitute}
        entitlement = _rules.case_templates()["entitlement_requirements"].get(service.id)
        out = []
        for req in service.required_documents(frozenset(desk.request.conditions)):
            if kinds.get(req.id) in present or any(kinds.get(a) in present for a in req.alternatives):
                continue
            if req.id == entitlement:
                continue  # who may report: the reporter_not_entitled defect
            if set(req.alternatives) & subs:
                continue  # completed at the desk: not a defect
            out.append(self._finding((), f"Tidak ada: {req.name_id}.", f"Missing: {req.name_en}."))
        return out


#: Every defect policy, in injection order (document-level tampering after the plan-level ones;
#: missing documents last, so that no evidence of another defect is removed).
POLICIES: tuple[DefectPolicy, ...] = (
    FeeRequested(),
    WrongService(),
    NotDomiciled(),
    ReporterNotEntitled(),
    ChildMarriage(),
    DeadlinePassed(),
    DateInconsistent(),
    NikMismatch(),
    NameMismatch(),
    NameChanged(),
    DuplicateRequest(),
    NikNonaktif(),
    BelumRekam(),
    ExpiredOrDamaged(),
    MissingDocument(),
)

#: Defect kind ids in injection order.
DEFECT_KINDS: tuple[str, ...] = tuple(p.kind for p in POLICIES)


def policy(kind: str) -> DefectPolicy:
    """The policy object of a defect kind (``SakeraInputError`` if unknown)."""
    for p in POLICIES:
        if p.kind == kind:
            return p
    _rules.defect_info(kind)  # raises with the list of kinds
    raise AssertionError("unreachable")  # pragma: no cover


def detect_defects(case: Case | DeskView) -> list[Finding]:
    """Find every defect visible at the desk, independently of how the case was generated.

    Looks only at the documents, the request, the desk's village and the date (a
    :class:`DeskView`); never at ``case.defects`` or ``case.expected``.
    """
    desk = case if isinstance(case, DeskView) else DeskView.of(case)
    return [f for p in POLICIES for f in p.detect(desk)]

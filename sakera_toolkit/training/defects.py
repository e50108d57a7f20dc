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
``name_mismatch``, ``date_inconsistent``, ``wrong_service``, ``not_domiciled``,
``deadline_passed``, ``duplicate_request``, ``expired_or_damaged``, ``fee_requested``.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .. import services
from ..people import nik as nikmod
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
    """Requirement id -> True when a readable, unexpired document of the matching kind is present."""
    service = services.load_catalogue().get(service_id)
    kinds = _rules.requirement_documents(service_id)
    usable = {d.kind for d in documents if d.usable(today)}
    return {r.id: kinds.get(r.id) in usable for r in service.requirements}


def missing_requirements(documents: Sequence[Document], service_id: str, today: dt.date) -> tuple[str, ...]:
    """Mandatory requirements of ``service_id`` not met by a usable document (nor by an alternative)."""
    status = requirement_status(documents, service_id, today)
    service = services.load_catalogue().get(service_id)
    return tuple(
        r.id
        for r in service.required_documents()
        if not status[r.id] and not any(status.get(a, False) for a in r.alternatives)
    )


def _present_kinds(documents: Iterable[Document]) -> set[str]:
    return {d.kind for d in documents}


def decision_for(kinds: Iterable[str], service: services.Service) -> str:
    """The correct decision given the defect kinds of a case.

    ``refer`` if any defect forces a referral; else ``return`` if any forces a return; else
    ``refer`` when the service needs biometric recording away from the desk; else ``process``.
    """
    effects = {_rules.defect_info(k).decision for k in kinds}
    if "refer" in effects:
        return "refer"
    if "return" in effects:
        return "return"
    return "refer" if service.needs_biometric else "process"


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
        arrival = desk.request.situation == "pindah_datang"
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
        kind, fld = _rules.case_templates()["deadline_evidence"][world.service_id]
        refs = tuple(d.ref for d in documents if d.kind == kind)
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
        kind, fld = evidence
        out = []
        for doc in desk.documents:
            if doc.kind != kind:
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


def _shift_nik_sex(value: str) -> str:
    """The same NIK with the day+40 rule applied the wrong way round."""
    day = int(value[6:8])
    day = day - 40 if day > 40 else day + 40
    return f"{value[:6]}{day:02d}{value[8:]}"


class DateInconsistent(DefectPolicy):
    """An impossible or inconsistent date.

    A birth date that disagrees with the NIK, a NIK that breaks the day+40 rule, or a letter dated
    before the event it certifies.
    """

    kind = "date_inconsistent"

    def plan(self, world, rng):
        variants = ["record_date", "nik_sex"]
        if world.service_id in _rules.case_templates()["deadline_evidence"]:
            variants.append("event_letter")
        world.date_variant = str(rng.choice(variants))

    def alter_people(self, world, rng):
        if world.date_variant != "nik_sex":
            return
        person = world.person(world.applicant)
        changed = _shift_nik_sex(person.nik)
        if changed in world.all_niks():
            world.date_variant = "record_date"
            return
        world.involved_niks.add(changed)
        world.date_changed_nik = (person.nik, changed)
        person.nik = changed

    def inject(self, world, documents, rng, state):
        variant = world.date_variant
        if variant == "nik_sex":
            old, new = world.date_changed_nik
            refs = tuple(
                dict.fromkeys(r.document for r in person_records(documents) if r.nik == new and r.birth_date and r.sex)
            )
            if not refs:
                return None
            state.protect(_docs_with_nik(documents, new))
            state.involved_niks.add(new)
            return self._record(
                refs,
                "nik",
                f"NIK {new}: tanggal {new[6:8]} tidak sesuai jenis kelamin pada dokumen (aturan tanggal + 40 untuk perempuan).",
                f"NIK {new}: day {new[6:8]} does not match the sex on the documents (women: day + 40).",
            )
        if variant == "event_letter":
            kind, fld = _rules.case_templates()["deadline_evidence"][world.service_id]
            for doc in documents:
                if doc.kind == kind and doc.ref not in state.protected:
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
        # record_date: change the birth date on one record so it disagrees with the NIK
        candidates = [
            r
            for r in person_records(documents)
            if r.birth_date and r.sex and r.document not in state.protected and r.nik not in state.involved_niks
        ]
        if not candidates:
            return None
        rec = candidates[int(rng.integers(len(candidates)))]
        born = parse_date(rec.birth_date)
        shift = int(rng.integers(1, 28)) * (1 if rng.random() < 0.5 else -1)
        if born + dt.timedelta(days=shift) > world.today:
            shift = -abs(shift)
        new = format_date(born + dt.timedelta(days=shift))
        _replace_field(documents, rec.document, rec.where, _record_keys(rec)[2], new)
        state.protect([rec.document])
        state.involved_niks.add(rec.nik)
        return self._record(
            (rec.document,),
            "tanggal_lahir",
            f"Tanggal lahir {new} tidak cocok dengan NIK {rec.nik}.",
            f"Date of birth {new} does not match NIK {rec.nik}.",
        )

    def detect(self, desk):
        out = []
        for rec in person_records(desk.documents):
            if not (rec.birth_date and rec.sex):
                continue
            born = parse_date(rec.birth_date)
            try:
                info = nikmod.decode(rec.nik, reference=desk.today)
            except nikmod.NikError:
                out.append(self._finding((rec.document,), f"NIK {rec.nik} tidak sah.", f"NIK {rec.nik} is invalid."))
                continue
            sex = _SEX_FROM_LABEL.get(str(rec.sex).upper())
            same_date = born is not None and (
                info.birth_date.day,
                info.birth_date.month,
                info.birth_date.year % 100,
            ) == (
                born.day,
                born.month,
                born.year % 100,
            )
            if not same_date or sex != info.sex:
                out.append(
                    self._finding(
                        (rec.document,),
                        f"NIK {rec.nik} tidak cocok dengan tanggal lahir {rec.birth_date} / {rec.sex}.",
                        f"NIK {rec.nik} does not match the date of birth {rec.birth_date} / {rec.sex}.",
                    )
                )
        for doc in desk.documents:
            evidence = {"surat_keterangan_lahir": "tanggal_lahir", "surat_keterangan_kematian": "tanggal_kematian"}
            if doc.kind not in evidence:
                continue
            event = parse_date(doc.fields.get(evidence[doc.kind]))
            letter = parse_date(doc.fields.get("tanggal_surat"))
            born = parse_date(doc.fields.get("tanggal_lahir")) if doc.kind == "surat_keterangan_kematian" else None
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


def _misspell(name: str, rng: np.random.Generator) -> str:
    """A plausible clerical variant of ``name`` (dropped last word, doubled or dropped letter)."""
    words = name.split()
    options = []
    if len(words) >= 2:
        options.append(" ".join(words[:-1]))
    last = words[-1]
    if len(last) > 3:
        i = int(rng.integers(1, len(last) - 1))
        options.append(" ".join(words[:-1] + [last[:i] + last[i + 1 :]]))
        options.append(" ".join(words[:-1] + [last[: i + 1] + last[i] + last[i + 1 :]]))
    options.append(name + "H" if not name.endswith("H") else name[:-1])
    return str(options[int(rng.integers(len(options)))])


class NameMismatch(DefectPolicy):
    """The holder of one NIK is written with different names on two documents."""

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
            if normalise(new) not in names:
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
            f"NIK {rec.nik} tertulis atas nama {new} di satu dokumen dan {rec.name} di dokumen lain.",
            f"NIK {rec.nik} belongs to {new} on one document and to {rec.name} on another.",
        )

    def detect(self, desk):
        groups: dict[str, list[PersonRecord]] = defaultdict(list)
        for rec in person_records(desk.documents):
            groups[rec.nik].append(rec)
        out = []
        for nik_value, recs in groups.items():
            names = {normalise(r.name) for r in recs}
            if len(names) > 1:
                refs = tuple(dict.fromkeys(r.document for r in recs))
                shown = " / ".join(sorted({r.name for r in recs}))
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
    out: dict[str, list[Document]] = {}
    for req in world.service.required_documents():
        kind = kinds.get(req.id)
        docs = [d for d in documents if d.kind == kind]
        if not docs or any(d.ref in state.protected for d in docs):
            continue
        if any(kinds.get(a) in present for a in req.alternatives):
            continue
        out[req.id] = docs
    return out


def _pick_requirement(world, documents, state, rng) -> tuple[str, list[Document]] | None:
    """One mandatory requirement (uniformly, by id) whose documents may be tampered with, or None."""
    options = _requirement_docs(world, documents, state)
    if not options:
        return None
    req_id = sorted(options)[int(rng.integers(len(options)))]
    return req_id, options[req_id]


class ExpiredOrDamaged(DefectPolicy):
    """A required document is damaged, or past the validity date printed on it."""

    kind = "expired_or_damaged"
    documents_only = True

    def inject(self, world, documents, rng, state):
        picked = _pick_requirement(world, documents, state, rng)
        if picked is None:
            return None
        req_id, docs = picked
        doc = docs[0]
        idx = next(i for i, d in enumerate(documents) if d.ref == doc.ref)
        validity = int(world.cal["document_validity_days"])
        if "berlaku_hingga" in doc.fields and doc.valid_until() is not None and rng.random() < 0.5:
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


class MissingDocument(DefectPolicy):
    """A mandatory requirement has no document (and no lawful substitute) in the bundle."""

    kind = "missing_document"
    documents_only = True

    def inject(self, world, documents, rng, state):
        picked = _pick_requirement(world, documents, state, rng)
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
        out = []
        for req in service.required_documents():
            if kinds.get(req.id) in present or any(kinds.get(a) in present for a in req.alternatives):
                continue
            out.append(self._finding((), f"Tidak ada: {req.name_id}.", f"Missing: {req.name_en}."))
        return out


#: Every defect policy, in injection order (document-level tampering after the plan-level ones;
#: missing documents last, so that no evidence of another defect is removed).
POLICIES: tuple[DefectPolicy, ...] = (
    FeeRequested(),
    WrongService(),
    NotDomiciled(),
    DeadlinePassed(),
    DateInconsistent(),
    NikMismatch(),
    NameMismatch(),
    DuplicateRequest(),
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

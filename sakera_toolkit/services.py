"""The adminduk service catalogue: requirements, forms, output document and who can finish it.

The catalogue is data (``sakera_toolkit/data/services.yaml``), validated when it is loaded: a
missing or malformed field raises :class:`~sakera_toolkit.errors.SakeraInputError` naming the file,
the service id and the field. Every rule carries its source (a citation from the project's research
notes, or text starting with "assumption").

Service ids are stable and used everywhere in the toolkit::

    kk_baru, kk_perubahan, kk_hilang_rusak, ktp_baru, ktp_hilang_rusak, ktp_perubahan,
    akta_kelahiran, akta_kematian, kia, pindah_keluar, pindah_datang, aktivasi_ikd, aktivasi_nik

The last two are SIAK activations with no document (``medium: digital``, ``training: false``):
the simulator serves them, the training sandbox never draws them (:meth:`Catalogue.training_ids`).

Examples
--------
>>> from sakera_toolkit.services import load_catalogue
>>> cat = load_catalogue()
>>> cat.get("akta_kelahiran").reporting_deadline_days
60
>>> cat.get("ktp_baru").needs_biometric
True
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, overload

import yaml

from ._io import read_yaml
from .errors import SakeraInputError

__all__ = [
    "SERVICE_IDS",
    "ACTIVATION_IDS",
    "DOCUMENT_IDS",
    "MEDIA",
    "CATEGORIES",
    "ASSUMPTION_BASIS",
    "Requirement",
    "Condition",
    "Form",
    "Step",
    "Service",
    "Catalogue",
    "load_catalogue",
]

#: The stable service ids of the packaged catalogue (docs/architecture.md).
SERVICE_IDS = (
    "kk_baru",
    "kk_perubahan",
    "kk_hilang_rusak",
    "ktp_baru",
    "ktp_hilang_rusak",
    "ktp_perubahan",
    "akta_kelahiran",
    "akta_kematian",
    "kia",
    "pindah_keluar",
    "pindah_datang",
    # SIAK activations (no document; engine-only, not in the training sandbox). Appended last so
    # that the index of every document service above is unchanged.
    "aktivasi_ikd",
    "aktivasi_nik",
)

#: The SIAK activations of :data:`SERVICE_IDS` (``medium: digital``, no back office, not in the
#: training sandbox). Their demand is drawn from its own random stream (:mod:`sakera_toolkit.demand`).
ACTIVATION_IDS = ("aktivasi_ikd", "aktivasi_nik")
#: The document services: every other id, in order (they come first in :data:`SERVICE_IDS`).
DOCUMENT_IDS = tuple(s for s in SERVICE_IDS if s not in ACTIVATION_IDS)

#: Output media: plain HVS paper with an electronic signature (TTE) and QR code, card stock, or
#: ``digital`` (nothing printed: a status in SIAK or the IKD on the citizen's phone).
MEDIA = ("hvs", "card", "digital")

#: Steps a ``digital`` service cannot have: it is finished at the point of service when its SIAK
#: transaction goes through (no back office, no signature, no print).
OUTPUT_STEPS = ("verification", "tte_signing", "print_hvs", "card_printing")

#: Service categories of Perpres 96/2018.
CATEGORIES = ("pendaftaran_penduduk", "pencatatan_sipil")

#: The step that needs the applicant in person at the kecamatan or the office.
BIOMETRIC_STEP = "biometric_recording"

#: What a trainee sees as "Dasar hukum" when no legal text backs a rule (``legal_basis: asumsi``).
ASSUMPTION_BASIS = "Kebijakan layanan Sakera Mesem (asumsi)"
#: English version of :data:`ASSUMPTION_BASIS`.
ASSUMPTION_BASIS_EN = "Sakera Mesem service policy (assumption)"

#: A trainee-facing legal basis starts with one of these (a regulation cited in Indonesian).
CITABLE_PREFIXES = (
    "UU ", "PP ", "Perpres ", "Permendagri ", "Perbup ", "Perda ", "SE Dirjen", "Instruksi Dirjen",
    "Standar Pelayanan", ASSUMPTION_BASIS,
)  # fmt: skip
_NOT_CITABLE = re.compile(r"https?:|www\.|§|research-notes|\.com|\.go\.id|\.co\.id|blogspot", re.IGNORECASE)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def citable_basis(text: str) -> str | None:
    """``None`` if ``text`` is a citable "Dasar hukum" for trainees, else what is wrong with it.

    Citable: every ``;``-separated part starts with a regulation (:data:`CITABLE_PREFIXES`) or
    is the assumption label, and nothing looks like a web address or a research-notes section.
    """
    if _NOT_CITABLE.search(text):
        return f"{text!r} looks like a web source or a research-notes reference, not a regulation"
    for part in (p.strip() for p in text.split(";")):
        if not part.startswith(CITABLE_PREFIXES) and not part.startswith("varian lokal"):
            return f"{part!r} does not cite a regulation (UU, PP, Perpres, Permendagri, Perbup...) nor say '{ASSUMPTION_BASIS}'"
    return None
_PACKAGED = "data/services.yaml"


@dataclass(frozen=True)
class Requirement:
    """One document (or condition) an applicant must bring.

    Attributes
    ----------
    id
        Identifier unique within the service (``kk``, ``surat_kehilangan`` ...).
    name_id, name_en
        Name in Bahasa Indonesia and English.
    required
        Whether the document is needed in every case. A non-required document is either
        conditional (see ``condition_id``) or an alternative to a required one.
    alternatives
        Ids of other requirements of the same service that may replace this one (for example the
        SPTJM F-2.03 replaces a missing birth notice).
    source
        Where the rule was found, for maintainers (may cite web pages and research-notes sections).
    condition_id, condition_en
        When the document is needed, if only in some cases.
    legal_basis
        What a trainee sees as "Dasar hukum": a regulation in Indonesian, or
        :data:`ASSUMPTION_BASIS`.
    required_when
        Case conditions (see :attr:`Catalogue.conditions`) under which the requirement is mandatory.
    desk_substitute
        True for a sworn statement (SPTJM) the citizen completes at the desk: its absence never
        makes a file incomplete.
    """

    id: str
    name_id: str
    name_en: str
    required: bool
    alternatives: tuple[str, ...]
    source: str
    condition_id: str | None = None
    condition_en: str | None = None
    legal_basis: str = ASSUMPTION_BASIS
    required_when: tuple[str, ...] = ()
    desk_substitute: bool = False

    def mandatory(self, conditions: frozenset[str] | set[str] | tuple[str, ...] = ()) -> bool:
        """True when the requirement is needed in a case with ``conditions``."""
        return self.required or bool(set(self.required_when) & set(conditions))


@dataclass(frozen=True)
class Condition:
    """A case condition that makes some requirements mandatory (``dalam_kabupaten`` ...)."""

    id: str
    name_id: str
    name_en: str


@dataclass(frozen=True)
class Form:
    """A form of Permendagri 109/2019 (``F-1.02`` ...)."""

    code: str
    name_id: str
    name_en: str
    source: str


@dataclass(frozen=True)
class Step:
    """A processing step (``intake_check``, ``biometric_recording`` ...)."""

    id: str
    name_id: str
    name_en: str
    source: str
    order: int


@dataclass(frozen=True)
class Service:
    """One adminduk service with its rules.

    Attributes
    ----------
    id, name_id, name_en, category
        Stable id, names in Indonesian and English, Perpres 96/2018 category.
    requirements
        Documents to bring (:class:`Requirement`).
    forms
        Form codes (``F-1.02`` ...), see :attr:`Catalogue.forms`.
    output_document, output_document_en
        The document the citizen receives.
    medium
        ``"hvs"`` (plain paper, TTE + QR, printable at a village desk) or ``"card"`` (card stock).
    needs_blanko
        Whether each output consumes a blank card (true exactly for ``medium == "card"``).
    desk_steps, office_steps
        Step ids done at the Sakera Mesem village desk and at the office (Dispendukcapil,
        kecamatan or MPP).
    flow
        All steps in process order as ``(step_id, "desk" | "office")``.
    needs_biometric
        Whether the applicant must be recorded in person (KTP-el); this step is never at a desk.
    reporting_deadline_days
        Legal deadline for reporting the event (births 60, deaths 30), or ``None``.
    fee_idr
        Fee in rupiah (0: UU 24/2013 Pasal 79A).
    legal_basis
        Laws and regulations that govern the service.
    sources
        Source of each rule, keyed by rule (``forms``, ``output``, ``medium``, ``steps``, ``fee``,
        ``reporting_deadline``, ``eligibility``).
    eligibility_id, eligibility_en
        Who may apply, if restricted (KTP-el from 17 or married; KIA under 17).
    training
        False for an engine-only request type (``training: false`` in the YAML): the training
        sandbox never draws it as a case (:meth:`Catalogue.training_ids`).
    """

    id: str
    name_id: str
    name_en: str
    category: str
    requirements: tuple[Requirement, ...]
    forms: tuple[str, ...]
    output_document: str
    output_document_en: str
    medium: str
    needs_blanko: bool
    desk_steps: tuple[str, ...]
    office_steps: tuple[str, ...]
    flow: tuple[tuple[str, str], ...]
    needs_biometric: bool
    reporting_deadline_days: int | None
    fee_idr: int
    legal_basis: tuple[str, ...]
    sources: Mapping[str, str] = field(hash=False, compare=True)
    eligibility_id: str | None = None
    eligibility_en: str | None = None
    card_outputs: tuple[str, ...] = ()
    training: bool = True

    @property
    def back_office(self) -> bool:
        """True when the file goes to back-office verification (then TTE and output).

        False for a ``digital`` service: it is finished where it is served, when its SIAK
        transaction goes through.
        """
        return "verification" in self.office_steps

    @property
    def desk_can_finish(self) -> bool:
        """True when the village desk can hand over the document without the applicant travelling.

        That is the case when no step needs the applicant at the office (no biometric recording).
        """
        return not self.needs_biometric

    def requirement(self, requirement_id: str) -> Requirement:
        """The requirement with id ``requirement_id`` (``SakeraInputError`` if unknown)."""
        for req in self.requirements:
            if req.id == requirement_id:
                return req
        raise SakeraInputError(
            f"service {self.id!r} has no requirement {requirement_id!r}; have {[r.id for r in self.requirements]}",
            location="requirement",
        )

    def required_documents(self, conditions: frozenset[str] | set[str] | tuple[str, ...] = ()) -> tuple[Requirement, ...]:
        """The requirements needed in a case with ``conditions`` (alternatives may replace some).

        Without conditions: the requirements needed in every case.
        """
        return tuple(r for r in self.requirements if r.mandatory(conditions))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of every field."""
        return {
            "id": self.id,
            "name_id": self.name_id,
            "name_en": self.name_en,
            "category": self.category,
            "eligibility_id": self.eligibility_id,
            "eligibility_en": self.eligibility_en,
            "requirements": [
                {
                    "id": r.id,
                    "name_id": r.name_id,
                    "name_en": r.name_en,
                    "required": r.required,
                    "alternatives": list(r.alternatives),
                    "condition_id": r.condition_id,
                    "condition_en": r.condition_en,
                    "source": r.source,
                    "legal_basis": r.legal_basis,
                    "required_when": list(r.required_when),
                    "desk_substitute": r.desk_substitute,
                }
                for r in self.requirements
            ],
            "forms": list(self.forms),
            "output_document": self.output_document,
            "output_document_en": self.output_document_en,
            "medium": self.medium,
            "needs_blanko": self.needs_blanko,
            "card_outputs": list(self.card_outputs),
            "desk_steps": list(self.desk_steps),
            "office_steps": list(self.office_steps),
            "flow": [list(s) for s in self.flow],
            "needs_biometric": self.needs_biometric,
            "reporting_deadline_days": self.reporting_deadline_days,
            "fee_idr": self.fee_idr,
            "legal_basis": list(self.legal_basis),
            "sources": dict(self.sources),
            "training": self.training,
        }


class Catalogue:
    """A validated set of services with the form and step vocabularies they use.

    Iterating yields :class:`Service` objects in file order.
    """

    def __init__(
        self,
        services: tuple[Service, ...],
        forms: Mapping[str, Form],
        steps: Mapping[str, Step],
        origin: str = _PACKAGED,
        conditions: Mapping[str, Condition] | None = None,
    ):
        self._services = {s.id: s for s in services}
        self.forms: dict[str, Form] = dict(forms)
        self.steps: dict[str, Step] = dict(steps)
        self.conditions: dict[str, Condition] = dict(conditions or {})
        self.origin = origin

    def get(self, service_id: str) -> Service:
        """The service with id ``service_id``; unknown ids raise ``SakeraInputError`` listing valid ids."""
        try:
            return self._services[service_id]
        except KeyError:
            raise SakeraInputError(
                f"unknown service {service_id!r}; choose one of {', '.join(self._services)}",
                location="service id",
            ) from None

    def ids(self) -> tuple[str, ...]:
        """Service ids in catalogue order."""
        return tuple(self._services)

    def training_ids(self) -> tuple[str, ...]:
        """Ids of the services the training sandbox draws cases for, in catalogue order.

        The one rule for engine-only request types: a service with ``training: false`` (SIAK
        activations with no document to check) is simulated but never a training case.
        """
        return tuple(s.id for s in self if s.training)

    def __iter__(self) -> Iterator[Service]:
        return iter(self._services.values())

    def __len__(self) -> int:
        return len(self._services)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._services

    def table(self):
        """One row per service: the scalar rules as a DataFrame (lists joined with ``;``)."""
        import pandas as pd

        rows = []
        for s in self:
            rows.append(
                {
                    "service_id": s.id,
                    "name_id": s.name_id,
                    "name_en": s.name_en,
                    "category": s.category,
                    "required_documents": "; ".join(r.id for r in s.required_documents()),
                    "forms": "; ".join(s.forms),
                    "output_document": s.output_document,
                    "medium": s.medium,
                    "needs_blanko": s.needs_blanko,
                    "needs_biometric": s.needs_biometric,
                    "desk_steps": "; ".join(s.desk_steps),
                    "office_steps": "; ".join(s.office_steps),
                    "reporting_deadline_days": s.reporting_deadline_days,
                    "fee_idr": s.fee_idr,
                }
            )
        df = pd.DataFrame(rows)
        df["reporting_deadline_days"] = df["reporting_deadline_days"].astype("Int64")
        return df


# ---------------------------------------------------------------------------------------- parsing
class _Reader:
    """Field access with errors that name the file, the service id and the field."""

    def __init__(self, origin: str):
        self.origin = origin

    def fail(self, where: str, message: str) -> SakeraInputError:
        return SakeraInputError(message, source=self.origin, location=where)

    @overload
    def text(self, raw: Mapping, key: str, where: str, optional: Literal[False] = False) -> str: ...

    @overload
    def text(self, raw: Mapping, key: str, where: str, optional: bool) -> str | None: ...

    def text(self, raw: Mapping, key: str, where: str, optional: bool = False) -> str | None:
        """The stripped non-empty text at ``key`` (None only when ``optional`` and absent)."""
        if key not in raw or raw[key] is None:
            if optional:
                return None
            raise self.fail(f"{where}, field '{key}'", "missing")
        value = raw[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}, field '{key}'", f"must be a non-empty text, got {value!r}")
        return value.strip()

    def flag(self, raw: Mapping, key: str, where: str) -> bool:
        if key not in raw:
            raise self.fail(f"{where}, field '{key}'", "missing")
        value = raw[key]
        if not isinstance(value, bool):
            raise self.fail(f"{where}, field '{key}'", f"must be true or false, got {value!r}")
        return value

    def texts(self, raw: Mapping, key: str, where: str, optional: bool = False) -> tuple[str, ...]:
        if key not in raw or raw[key] is None:
            if optional:
                return ()
            raise self.fail(f"{where}, field '{key}'", "missing")
        value = raw[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{where}, field '{key}'", f"must be a list of texts, got {value!r}")
        if len(set(value)) != len(value):
            raise self.fail(f"{where}, field '{key}'", f"duplicate entries in {value!r}")
        return tuple(v.strip() for v in value)

    def mapping(self, raw: Any, where: str) -> Mapping:
        if not isinstance(raw, Mapping):
            raise self.fail(where, f"must be a mapping, got {type(raw).__name__}")
        return raw


def _parse_forms(raw: Any, r: _Reader) -> dict[str, Form]:
    raw = r.mapping(raw, "forms")
    out = {}
    for code, entry in raw.items():
        where = f"form '{code}'"
        if not isinstance(code, str) or not re.fullmatch(r"F-\d\.\d{2}", code):
            raise r.fail(where, "form codes look like 'F-1.02'")
        entry = r.mapping(entry, where)
        out[code] = Form(
            code, r.text(entry, "name_id", where), r.text(entry, "name_en", where), r.text(entry, "source", where)
        )
    return out


def _parse_steps(raw: Any, r: _Reader) -> dict[str, Step]:
    if not isinstance(raw, list) or not raw:
        raise r.fail("steps", "must be a non-empty list of steps in process order")
    out: dict[str, Step] = {}
    for order, entry in enumerate(raw):
        entry = r.mapping(entry, f"steps[{order}]")
        step_id = r.text(entry, "id", f"steps[{order}]")
        where = f"step '{step_id}'"
        if not _ID.match(step_id):
            raise r.fail(where, "step ids are lower_snake_case")
        if step_id in out:
            raise r.fail(where, "duplicate step id")
        out[step_id] = Step(
            step_id,
            r.text(entry, "name_id", where),
            r.text(entry, "name_en", where),
            r.text(entry, "source", where),
            order,
        )
    if BIOMETRIC_STEP not in out:
        raise r.fail("steps", f"the vocabulary must define {BIOMETRIC_STEP!r}")
    return out


_REQUIRED_SOURCES = ("forms", "output", "medium", "steps", "fee")


def _parse_conditions(raw: Any, r: _Reader) -> dict[str, Condition]:
    raw = r.mapping(raw, "conditions")
    out = {}
    for cid, entry in raw.items():
        where = f"condition '{cid}'"
        if not isinstance(cid, str) or not _ID.match(cid):
            raise r.fail(where, "condition ids are lower_snake_case")
        entry = r.mapping(entry, where)
        out[cid] = Condition(cid, str(r.text(entry, "name_id", where)), str(r.text(entry, "name_en", where)))
    return out


def _legal_basis(entry: Mapping, r: _Reader, where: str) -> str:
    text = str(r.text(entry, "legal_basis", where))
    if text in ("asumsi", "assumption"):
        return ASSUMPTION_BASIS
    problem = citable_basis(text)
    if problem:
        raise r.fail(f"{where}, field 'legal_basis'", problem)
    return text


def _parse_requirements(
    raw: Any, r: _Reader, where: str, conditions: Mapping[str, Condition] | None = None
) -> tuple[Requirement, ...]:
    if not isinstance(raw, list) or not raw:
        raise r.fail(f"{where}, field 'requirements'", "must be a non-empty list")
    reqs = []
    for j, entry in enumerate(raw):
        rwhere = f"{where}, requirements[{j}]"
        entry = r.mapping(entry, rwhere)
        rid = r.text(entry, "id", rwhere)
        if not _ID.match(rid):
            raise r.fail(f"{rwhere}, field 'id'", f"{rid!r} is not lower_snake_case")
        rwhere = f"{where}, requirement '{rid}'"
        reqs.append(
            Requirement(
                id=rid,
                name_id=r.text(entry, "name_id", rwhere),
                name_en=r.text(entry, "name_en", rwhere),
                required=r.flag(entry, "required", rwhere),
                alternatives=r.texts(entry, "alternatives", rwhere, optional=True),
                source=r.text(entry, "source", rwhere),
                condition_id=r.text(entry, "condition_id", rwhere, optional=True),
                condition_en=r.text(entry, "condition_en", rwhere, optional=True),
                legal_basis=_legal_basis(entry, r, rwhere),
                required_when=r.texts(entry, "required_when", rwhere, optional=True),
                desk_substitute=bool(entry.get("desk_substitute", False)),
            )
        )
        for cond in reqs[-1].required_when:
            if conditions is not None and cond not in conditions:
                raise r.fail(f"{rwhere}, field 'required_when'", f"unknown condition {cond!r}; known: {sorted(conditions)}")
        if not isinstance(entry.get("desk_substitute", False), bool):
            raise r.fail(f"{rwhere}, field 'desk_substitute'", "must be true or false")
    ids = [q.id for q in reqs]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise r.fail(f"{where}, field 'requirements'", f"duplicate requirement id(s) {dup}")
    for q in reqs:
        for alt in q.alternatives:
            if alt not in ids or alt == q.id:
                raise r.fail(
                    f"{where}, requirement '{q.id}', field 'alternatives'",
                    f"{alt!r} is not another requirement of this service",
                )
    return tuple(reqs)


def _parse_service(
    raw: Any,
    index: int,
    forms: Mapping[str, Form],
    steps: Mapping[str, Step],
    r: _Reader,
    conditions: Mapping[str, Condition] | None = None,
) -> Service:
    raw = r.mapping(raw, f"services[{index}]")
    sid = r.text(raw, "id", f"services[{index}]")
    if not _ID.match(sid):
        raise r.fail(f"services[{index}], field 'id'", f"{sid!r} is not lower_snake_case")
    where = f"service '{sid}'"
    known = {
        "id", "name_id", "name_en", "category", "requirements", "forms", "output_document", "output_document_en",
        "medium", "needs_blanko", "desk_steps", "office_steps", "needs_biometric", "reporting_deadline_days",
        "fee_idr", "legal_basis", "sources", "eligibility_id", "eligibility_en", "card_outputs", "training",
    }  # fmt: skip
    unknown = sorted(set(map(str, raw)) - known)
    if unknown:
        raise r.fail(f"{where}, field '{unknown[0]}'", f"unknown field; known fields are {sorted(known)}")

    category = r.text(raw, "category", where)
    if category not in CATEGORIES:
        raise r.fail(f"{where}, field 'category'", f"{category!r} is not one of {CATEGORIES}")

    form_codes = r.texts(raw, "forms", where)
    for code in form_codes:
        if code not in forms:
            raise r.fail(f"{where}, field 'forms'", f"unknown form {code!r}; known: {sorted(forms)}")

    medium = r.text(raw, "medium", where)
    if medium not in MEDIA:
        raise r.fail(f"{where}, field 'medium'", f"{medium!r} is not one of {MEDIA}")
    needs_blanko = r.flag(raw, "needs_blanko", where)
    card_outputs = r.texts(raw, "card_outputs", where, optional=True)
    if medium == "card" and card_outputs:
        raise r.fail(f"{where}, field 'card_outputs'", "only for HVS services that also issue cards")
    if needs_blanko != (medium == "card" or bool(card_outputs)):
        raise r.fail(
            f"{where}, field 'needs_blanko'",
            f"must be {medium == 'card' or bool(card_outputs)} for medium {medium!r}"
            f"{' with card_outputs' if card_outputs else ''} (cards use blanko, HVS documents do not)",
        )

    training = r.flag(raw, "training", where) if "training" in raw else True
    desk = r.texts(raw, "desk_steps", where)
    office = r.texts(raw, "office_steps", where)
    for key, ids in (("desk_steps", desk), ("office_steps", office)):
        for step in ids:
            if step not in steps:
                raise r.fail(f"{where}, field '{key}'", f"unknown step {step!r}; known: {list(steps)}")
    both = sorted(set(desk) & set(office))
    if both:
        raise r.fail(f"{where}, field 'desk_steps'", f"step(s) {both} are listed at both the desk and the office")
    if not desk and not office:
        raise r.fail(f"{where}, field 'desk_steps'", "a service needs at least one step")
    needs_biometric = r.flag(raw, "needs_biometric", where)
    printed = sorted(set(desk + office) & set(OUTPUT_STEPS))
    if medium == "digital" and printed:
        raise r.fail(
            f"{where}, field 'office_steps'",
            f"a digital service is finished at the point of service: it cannot have step(s) {printed}",
        )
    if medium != "digital" and "verification" not in office:
        raise r.fail(f"{where}, field 'office_steps'", f"a {medium!r} document needs the 'verification' step")
    if BIOMETRIC_STEP in desk:
        raise r.fail(
            f"{where}, field 'desk_steps'",
            "KTP-el biometric recording needs the kecamatan or the office, not a village desk",
        )
    if needs_biometric != (BIOMETRIC_STEP in office):
        raise r.fail(
            f"{where}, field 'needs_biometric'",
            f"must be {BIOMETRIC_STEP in office} because office_steps "
            f"{'include' if BIOMETRIC_STEP in office else 'do not include'} {BIOMETRIC_STEP!r}",
        )
    # Order the two lists by the vocabulary so that 'flow' is the process order.
    desk = tuple(sorted(desk, key=lambda s: steps[s].order))
    office = tuple(sorted(office, key=lambda s: steps[s].order))
    flow = tuple(sorted([(s, "desk") for s in desk] + [(s, "office") for s in office], key=lambda p: steps[p[0]].order))

    deadline = raw.get("reporting_deadline_days", "missing")
    if deadline == "missing":
        raise r.fail(f"{where}, field 'reporting_deadline_days'", "missing (use null when there is none)")
    if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, int) or deadline <= 0):
        raise r.fail(
            f"{where}, field 'reporting_deadline_days'",
            f"must be a positive whole number of days or null, got {deadline!r}",
        )

    fee = raw.get("fee_idr", "missing")
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise r.fail(f"{where}, field 'fee_idr'", f"must be a whole number of rupiah >= 0, got {fee!r}")

    eligibility_id = r.text(raw, "eligibility_id", where, optional=True)
    eligibility_en = r.text(raw, "eligibility_en", where, optional=True)
    if (eligibility_id is None) != (eligibility_en is None):
        raise r.fail(
            f"{where}, field 'eligibility_en'", "give eligibility in both Indonesian and English or not at all"
        )

    sources = r.mapping(raw.get("sources"), f"{where}, field 'sources'")
    needed = list(_REQUIRED_SOURCES)
    if deadline is not None:
        needed.append("reporting_deadline")
    if eligibility_id is not None:
        needed.append("eligibility")
    for key in needed:
        r.text(sources, key, f"{where}, sources")
    for key, value in sources.items():
        if not isinstance(value, str) or not value.strip():
            raise r.fail(f"{where}, sources, field '{key}'", f"must be a non-empty text, got {value!r}")

    return Service(
        id=sid,
        name_id=r.text(raw, "name_id", where),
        name_en=r.text(raw, "name_en", where),
        category=category,
        requirements=_parse_requirements(raw.get("requirements"), r, where, conditions),
        forms=form_codes,
        output_document=r.text(raw, "output_document", where),
        output_document_en=r.text(raw, "output_document_en", where),
        medium=medium,
        needs_blanko=needs_blanko,
        desk_steps=desk,
        office_steps=office,
        flow=flow,
        needs_biometric=needs_biometric,
        reporting_deadline_days=deadline,
        fee_idr=fee,
        legal_basis=r.texts(raw, "legal_basis", where),
        sources={str(k): str(v).strip() for k, v in sources.items()},
        eligibility_id=eligibility_id,
        eligibility_en=eligibility_en,
        card_outputs=card_outputs,
        training=training,
    )


def _parse(raw: Any, origin: str, fallback: Catalogue | None = None) -> Catalogue:
    r = _Reader(origin)
    raw = r.mapping(raw, "top level")
    if "forms" in raw:
        forms = _parse_forms(raw["forms"], r)
    elif fallback is not None:
        forms = fallback.forms
    else:
        raise r.fail("forms", "missing")
    if "steps" in raw:
        steps = _parse_steps(raw["steps"], r)
    elif fallback is not None:
        steps = fallback.steps
    else:
        raise r.fail("steps", "missing")
    if "conditions" in raw:
        conditions = _parse_conditions(raw["conditions"], r)
    elif fallback is not None:
        conditions = fallback.conditions
    else:
        conditions = {}
    items = raw.get("services")
    if not isinstance(items, list) or not items:
        raise r.fail("services", "must be a non-empty list of services")
    services = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        service = _parse_service(item, i, forms, steps, r, conditions)
        if service.id in seen:
            raise r.fail(f"services[{i}], field 'id'", f"duplicate service id {service.id!r}")
        seen.add(service.id)
        services.append(service)
    return Catalogue(tuple(services), forms, steps, origin, conditions)


@lru_cache(maxsize=1)
def _packaged() -> Catalogue:
    text = (resources.files("sakera_toolkit") / "data" / "services.yaml").read_text(encoding="utf-8")
    cat = _parse(yaml.safe_load(text), _PACKAGED)
    missing = [s for s in SERVICE_IDS if s not in cat]
    if missing:
        raise SakeraInputError(f"packaged catalogue lacks service(s) {missing}", source=_PACKAGED)
    digital = tuple(s.id for s in cat if not s.back_office)
    if digital != ACTIVATION_IDS or SERVICE_IDS[len(DOCUMENT_IDS) :] != ACTIVATION_IDS:
        raise SakeraInputError(
            f"the services without back office {digital} must be ACTIVATION_IDS {ACTIVATION_IDS}, last in SERVICE_IDS",
            source=_PACKAGED,
        )
    return cat


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the service catalogue.

    Parameters
    ----------
    path
        Optional user YAML with the same structure as the packaged ``data/services.yaml``. It
        replaces the packaged services; if it has no ``forms`` or ``steps`` vocabulary, the
        packaged one is used.

    Returns
    -------
    Catalogue
        The validated catalogue (the packaged one is cached).

    Raises
    ------
    SakeraInputError
        If the file is missing, not YAML, or a service has a missing or invalid field (the message
        names the file, the service id and the field).
    """
    if path is None:
        return _packaged()
    p = Path(path)
    raw = read_yaml(p)
    return _parse(raw, str(p), fallback=_packaged())

"""Bilingual rules, labels and templates of the training sandbox, loaded from packaged YAML.

Three data files live in ``sakera_toolkit/data``:

- ``training_rules.yaml``: the rules that explain each grading mistake (``text_id``, ``text_en``,
  legal ``source``), the defect kinds, the decisions and the grading criteria;
- ``training_documents.yaml``: document kinds (card title, field labels) and, per service, which
  document kind meets which requirement of ``data/services.yaml``;
- ``training_cases.yaml``: situation texts, likely confusions between services, form fields and
  hint templates.

Everything a trainee reads is available in Bahasa Indonesia (``"id"``, the default) and English
(``"en"``). The files are validated when first loaded; a broken file raises
:class:`~sakera_toolkit.errors.SakeraInputError` naming the file and the entry.

Examples
--------
>>> from sakera_toolkit.training import rules
>>> rules.rule("fee_requested").legal_basis
'UU 24/2013 Pasal 79A; UU 24/2013 Pasal 95B'
>>> rules.rule("duplicate_request").basis("id")
'Kebijakan layanan Sakera Mesem (asumsi)'
>>> rules.defect_info("nik_mismatch").name("en")
'NIK differs between documents'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ..errors import SakeraInputError

__all__ = [
    "LANGS",
    "DECISIONS",
    "PROCEEDING_DECISIONS",
    "CRITERIA",
    "Text",
    "Rule",
    "DefectInfo",
    "DocumentKind",
    "FormField",
    "check_lang",
    "rule",
    "rules",
    "defect_info",
    "defect_kinds",
    "decision_label",
    "criterion_label",
    "document_kind",
    "document_kinds",
    "requirement_documents",
    "damage_notes",
    "decision_rule",
    "condition_label",
    "case_templates",
    "form_fields",
]

#: Interface languages: Bahasa Indonesia first, English available.
LANGS = ("id", "en")
#: What the trainee may decide for a case, in the order the desk shows them.
DECISIONS = ("process", "process_sptjm", "return", "refer")
#: Decisions with which the file goes on (the form is filled in and graded).
PROCEEDING_DECISIONS = ("process", "process_sptjm")
#: Grading criteria, in report order.
CRITERIA = ("service", "requirements", "defects", "decision", "form", "time")


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"id"`` or ``"en"``, else raise ``SakeraInputError``."""
    if lang not in LANGS:
        raise SakeraInputError(f"language {lang!r} is not available; choose 'id' or 'en'", location="lang")
    return lang


@dataclass(frozen=True)
class Text:
    """A text in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str

    def get(self, lang: str = "id") -> str:
        """The text in ``lang`` (``"id"`` or ``"en"``)."""
        return self.id if check_lang(lang) == "id" else self.en


@dataclass(frozen=True)
class Rule:
    """A rule that explains a mistake.

    ``legal_basis`` is what a trainee sees as "Dasar hukum": regulations cited in Indonesian, or
    :data:`sakera_toolkit.services.ASSUMPTION_BASIS` when no legal text backs the rule.
    ``references`` says where the facts were found (web pages, research-notes sections): for
    maintainers, never shown to trainees.
    """

    id: str
    title_id: str
    title_en: str
    text_id: str
    text_en: str
    legal_basis: str
    references: str = ""

    @property
    def source(self) -> str:
        """The trainee-facing legal basis (same as :attr:`legal_basis`; kept for older callers)."""
        return self.legal_basis

    def basis(self, lang: str = "id") -> str:
        """The legal basis in ``lang`` (regulation citations stay Indonesian; the assumption label is translated)."""
        return basis_label(self.legal_basis, lang)

    def title(self, lang: str = "id") -> str:
        """A short name of the rule in ``lang`` (for headings, tables and heatmap axes)."""
        return self.title_id if check_lang(lang) == "id" else self.title_en

    def text(self, lang: str = "id") -> str:
        """The rule text in ``lang``."""
        return self.text_id if check_lang(lang) == "id" else self.text_en

    def to_dict(self) -> dict[str, str]:
        """JSON-ready fields."""
        return {
            "id": self.id,
            "title_id": self.title_id,
            "title_en": self.title_en,
            "text_id": self.text_id,
            "text_en": self.text_en,
            "legal_basis": self.legal_basis,
            "references": self.references,
        }


@dataclass(frozen=True)
class DefectInfo:
    """What the trainee sees about a defect kind, and what it implies for the decision."""

    kind: str
    name_id: str
    name_en: str
    rule: str
    decision: str | None
    subtle: bool

    def name(self, lang: str = "id") -> str:
        """The short name of the defect kind in ``lang``."""
        return self.name_id if check_lang(lang) == "id" else self.name_en


@dataclass(frozen=True)
class DocumentKind:
    """A document kind: card title and ordered field labels (``key -> Text``)."""

    kind: str
    title_id: str
    title_en: str
    fields: Mapping[str, Text]
    columns: Mapping[str, Text]
    valid_for_life: bool = False

    def title(self, lang: str = "id") -> str:
        """The card title in ``lang``."""
        return self.title_id if check_lang(lang) == "id" else self.title_en


@dataclass(frozen=True)
class FormField:
    """A form field the trainee fills in (F-1.02, F-1.03 or F-2.01)."""

    key: str
    label_id: str
    label_en: str
    fact: str

    def label(self, lang: str = "id") -> str:
        """The field label in ``lang``."""
        return self.label_id if check_lang(lang) == "id" else self.label_en


def basis_label(legal_basis: str, lang: str = "id") -> str:
    """A "Dasar hukum" text in ``lang``: the assumption label is translated, citations stay Indonesian."""
    from ..services import ASSUMPTION_BASIS, ASSUMPTION_BASIS_EN

    return legal_basis.replace(ASSUMPTION_BASIS, ASSUMPTION_BASIS_EN) if check_lang(lang) == "en" else legal_basis


def _legal_basis(raw: Any, origin: str, where: str) -> str:
    from ..services import ASSUMPTION_BASIS, citable_basis

    text = str(raw).strip()
    if text in ("asumsi", "assumption"):
        return ASSUMPTION_BASIS
    problem = citable_basis(text)
    if problem:
        raise SakeraInputError(problem, source=origin, location=f"{where}.legal_basis")
    return text


def _read(name: str) -> Any:
    ref = resources.files("sakera_toolkit") / "data" / name
    try:
        return yaml.safe_load(ref.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:  # pragma: no cover - packaged files are tested
        raise SakeraInputError(f"invalid YAML ({exc})", source=f"data/{name}") from None


def _need(raw: Mapping, key: str, origin: str, where: str) -> Any:
    if not isinstance(raw, Mapping) or key not in raw or raw[key] in (None, ""):
        raise SakeraInputError(f"missing '{key}'", source=origin, location=where)
    return raw[key]


@lru_cache(maxsize=1)
def _rules_file() -> tuple[dict[str, Rule], dict[str, DefectInfo], dict[str, tuple[Text, str, bool]], dict[str, Text]]:
    origin = "data/training_rules.yaml"
    raw = _read("training_rules.yaml")
    rules_: dict[str, Rule] = {}
    for rid, entry in _need(raw, "rules", origin, "rules").items():
        where = f"rules.{rid}"
        rules_[rid] = Rule(
            id=rid,
            title_id=str(_need(entry, "title_id", origin, where)),
            title_en=str(_need(entry, "title_en", origin, where)),
            text_id=str(_need(entry, "text_id", origin, where)),
            text_en=str(_need(entry, "text_en", origin, where)),
            legal_basis=_legal_basis(_need(entry, "legal_basis", origin, where), origin, where),
            references=str(entry.get("references") or "").strip(),
        )
    defects: dict[str, DefectInfo] = {}
    for kind, entry in _need(raw, "defects", origin, "defects").items():
        where = f"defects.{kind}"
        rid = str(_need(entry, "rule", origin, where))
        if rid not in rules_:
            raise SakeraInputError(f"unknown rule {rid!r}", source=origin, location=f"{where}.rule")
        decision = entry.get("decision")
        if decision is not None and decision not in DECISIONS:
            raise SakeraInputError(
                f"decision must be one of {DECISIONS} or null", source=origin, location=f"{where}.decision"
            )
        defects[kind] = DefectInfo(
            kind=kind,
            name_id=str(_need(entry, "name_id", origin, where)),
            name_en=str(_need(entry, "name_en", origin, where)),
            rule=rid,
            decision=decision,
            subtle=bool(entry.get("subtle", False)),
        )
    decisions: dict[str, tuple[Text, str, bool]] = {}
    for key in DECISIONS:
        entry = _need(_need(raw, "decisions", origin, "decisions"), key, origin, "decisions")
        rid = str(_need(entry, "rule", origin, f"decisions.{key}"))
        if rid not in rules_:
            raise SakeraInputError(f"unknown rule {rid!r}", source=origin, location=f"decisions.{key}.rule")
        decisions[key] = (Text(str(entry["name_id"]), str(entry["name_en"])), rid, bool(entry.get("proceeds", False)))
    if tuple(k for k, v in decisions.items() if v[2]) != PROCEEDING_DECISIONS:
        raise SakeraInputError(f"decisions that proceed must be {PROCEEDING_DECISIONS}", source=origin, location="decisions")
    criteria: dict[str, Text] = {}
    for key in CRITERIA:
        entry = _need(_need(raw, "criteria", origin, "criteria"), key, origin, "criteria")
        criteria[key] = Text(
            str(_need(entry, "name_id", origin, f"criteria.{key}")),
            str(_need(entry, "name_en", origin, f"criteria.{key}")),
        )
    return rules_, defects, decisions, criteria


def rules() -> dict[str, Rule]:
    """All rules by id."""
    return dict(_rules_file()[0])


def rule(rule_id: str) -> Rule:
    """The rule ``rule_id`` (``SakeraInputError`` if unknown)."""
    table = _rules_file()[0]
    if rule_id not in table:
        raise SakeraInputError(f"unknown training rule {rule_id!r}", location="rule id")
    return table[rule_id]


def defect_kinds() -> dict[str, DefectInfo]:
    """All defect kinds, in file order."""
    return dict(_rules_file()[1])


def defect_info(kind: str) -> DefectInfo:
    """Label, rule and decision effect of a defect kind (``SakeraInputError`` if unknown)."""
    table = _rules_file()[1]
    if kind not in table:
        raise SakeraInputError(
            f"unknown defect kind {kind!r}; choose one of {', '.join(table)}", location="defect kind"
        )
    return table[kind]


def decision_label(decision: str, lang: str = "id") -> str:
    """The on-screen name of a decision (``process``, ``return``, ``refer``)."""
    table = _rules_file()[2]
    if decision not in table:
        raise SakeraInputError(
            f"unknown decision {decision!r}; choose one of {', '.join(DECISIONS)}", location="decision"
        )
    return table[decision][0].get(lang)


def decision_rule(decision: str) -> str:
    """The id of the rule that explains ``decision``."""
    return _rules_file()[2][decision][1]


def criterion_label(criterion: str, lang: str = "id") -> str:
    """The on-screen name of a grading criterion."""
    return _rules_file()[3][criterion].get(lang)


@lru_cache(maxsize=1)
def _documents_file() -> tuple[dict[str, DocumentKind], dict[str, Text], dict[str, dict[str, str]], tuple[Text, ...]]:
    origin = "data/training_documents.yaml"
    raw = _read("training_documents.yaml")
    kinds: dict[str, DocumentKind] = {}
    for kind, entry in _need(raw, "kinds", origin, "kinds").items():
        where = f"kinds.{kind}"

        def labels(block: Any, path: str) -> dict[str, Text]:
            out = {}
            for key, pair in (block or {}).items():
                if not isinstance(pair, list) or len(pair) != 2:
                    raise SakeraInputError("a label is [label_id, label_en]", source=origin, location=f"{path}.{key}")
                out[str(key)] = Text(str(pair[0]), str(pair[1]))
            return out

        kinds[kind] = DocumentKind(
            kind=kind,
            title_id=str(_need(entry, "title_id", origin, where)),
            title_en=str(_need(entry, "title_en", origin, where)),
            fields=labels(_need(entry, "fields", origin, where), f"{where}.fields"),
            columns=labels(entry.get("columns"), f"{where}.columns"),
            valid_for_life=bool(entry.get("valid_for_life", False)),
        )
    conditions = {str(k): Text(str(v[0]), str(v[1])) for k, v in _need(raw, "conditions", origin, "conditions").items()}
    req_docs: dict[str, dict[str, str]] = {}
    for service_id, mapping in _need(raw, "requirement_documents", origin, "requirement_documents").items():
        mapping = dict(mapping)
        for req_id, kind in list(mapping.items()):
            if isinstance(kind, Mapping):
                count = kind.get("count", 1)
                if not isinstance(count, int) or count < 1:
                    raise SakeraInputError(
                        "count must be a whole number >= 1",
                        source=origin,
                        location=f"requirement_documents.{service_id}.{req_id}.count",
                    )
                _COUNTS[(str(service_id), str(req_id))] = count
                kind = mapping[req_id] = kind.get("kind")
            if kind not in kinds:
                raise SakeraInputError(
                    f"unknown document kind {kind!r}",
                    source=origin,
                    location=f"requirement_documents.{service_id}.{req_id}",
                )
        req_docs[str(service_id)] = {str(k): str(v) for k, v in mapping.items()}
    notes = tuple(Text(str(a), str(b)) for a, b in _need(raw, "damage_notes", origin, "damage_notes"))
    return kinds, conditions, req_docs, notes


def document_kinds() -> dict[str, DocumentKind]:
    """All document kinds by id."""
    return dict(_documents_file()[0])


def document_kind(kind: str) -> DocumentKind:
    """One document kind (``SakeraInputError`` if unknown)."""
    table = _documents_file()[0]
    if kind not in table:
        raise SakeraInputError(f"unknown document kind {kind!r}", location="document kind")
    return table[kind]


def condition_label(condition: str, lang: str = "id") -> str:
    """The on-screen name of a document condition (``baik``, ``rusak``)."""
    return _documents_file()[1][condition].get(lang)


_COUNTS: dict[tuple[str, str], int] = {}


def requirement_count(service_id: str, requirement_id: str) -> int:
    """How many usable documents of the kind a requirement needs (2 for both parents' KTP-el)."""
    _documents_file()
    return _COUNTS.get((service_id, requirement_id), 1)


def requirement_documents(service_id: str) -> dict[str, str]:
    """Requirement id -> document kind that meets it, for ``service_id``.

    Requirements without a document kind in the sandbox never appear in a bundle.
    """
    return dict(_documents_file()[2].get(service_id, {}))


def damage_notes() -> tuple[Text, ...]:
    """Descriptions of damaged documents (what the operator sees)."""
    return _documents_file()[3]


@lru_cache(maxsize=1)
def case_templates() -> dict[str, Any]:
    """The raw, validated content of ``training_cases.yaml`` (situations, confusions, forms, hints)."""
    origin = "data/training_cases.yaml"
    raw = _read("training_cases.yaml")
    for key in (
        "situations", "request", "fee", "salutation", "confusions", "deadline_evidence", "forms", "hints", "notes",
        "served_anywhere", "needs_recorded_biometrics", "entitlement_requirements",
        "one_birth_record",
    ):  # fmt: skip
        _need(raw, key, origin, key)
    for service_id, entry in raw["situations"].items():
        _need(entry, "text_id", origin, f"situations.{service_id}")
        _need(entry, "text_en", origin, f"situations.{service_id}")
    return raw


def form_fields(service_id: str) -> tuple[FormField, ...]:
    """The form fields of ``service_id`` in display order (empty when the service has no form)."""
    block = case_templates()["forms"].get(service_id) or {}
    return tuple(FormField(str(k), str(v[0]), str(v[1]), str(v[2])) for k, v in block.items())

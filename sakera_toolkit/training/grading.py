"""Grading a trainee's answer: a structured report that lists what differs and why.

Like ``pyam.compare``, :func:`grade` does not return a bool: it returns a :class:`GradeReport` with
a score per criterion, the overall score (0-100) and one :class:`Mistake` per difference (expected
vs given) carrying the rule that explains it and the rule's legal source, in Bahasa Indonesia and
English (:meth:`GradeReport.feedback`).

Criteria and default weights (``calibration/training.yaml``):

============  ======  =====================================================================
criterion     weight  score
============  ======  =====================================================================
service       15      1 if the chosen service fits the situation, else 0
requirements  20      share of the service's requirements ticked correctly (present = a
                      readable, valid document meets it; unticked = absent); only when the
                      trainee chose the right service (they never saw the right checklist)
defects       25      F1 of the flagged defect kinds (a kind flagged on a document that does
                      not show it counts half); 1 when none exist and none are flagged
decision      25      1 if right (for ``return``: half when the list of missing items differs)
form          10      share of form fields right; only when the file should go on (``process``
                      or ``process_sptjm``), the trainee let it go on and the service has a form
time          5       1 up to the time limit, falling to 0 at twice the limit; timed levels only
============  ======  =====================================================================

The overall score is the weighted mean over the applicable criteria, times 100.

One wrong decision is one mistake: form fields are not graded when the file should not go on (or
the trainee stopped it), requirements and missing items are not graded against a service the
trainee never saw, and a trainee who flags an impossible date that the independent timeline
checker (:mod:`.timeline`) also finds is never marked down.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import calibration, services
from ..errors import SakeraInputError
from . import rules as _rules
from . import timeline as _timeline
from .defects import normalise
from .model import Case, parse_date

__all__ = ["Flag", "Answer", "CriterionScore", "Mistake", "GradeReport", "grade", "perfect_answer"]


@dataclass(frozen=True)
class Flag:
    """A defect flagged by the trainee, optionally on one document (its ``ref``)."""

    kind: str
    document: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"kind": self.kind, "document": self.document}


def _as_flag(item: Any) -> Flag:
    if isinstance(item, Flag):
        flag = item
    elif isinstance(item, str):
        flag = Flag(item)
    elif isinstance(item, Mapping):
        flag = Flag(str(item["kind"]), item.get("document"))
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        flag = Flag(str(item[0]), item[1])
    else:
        raise SakeraInputError(f"cannot read defect flag {item!r}", location="answer.defects")
    if flag.kind not in _rules.defect_kinds():
        raise SakeraInputError(
            f"unknown defect kind {flag.kind!r}; choose one of {', '.join(_rules.defect_kinds())}",
            location="answer.defects",
        )
    return flag


@dataclass(frozen=True)
class Answer:
    """What the trainee submitted for a case.

    Parameters
    ----------
    service_id
        The service the trainee chose (``None`` if none).
    requirements
        Requirement id -> True when ticked as met (present, readable and valid). Unticked
        requirements count as absent.
    defects
        Flagged defects: kinds (``"nik_mismatch"``), ``Flag(kind, document_ref)`` objects,
        ``(kind, ref)`` pairs or ``{"kind", "document"}`` mappings.
    decision
        One of :data:`~sakera_toolkit.training.rules.DECISIONS` (``"process"``,
        ``"process_sptjm"``, ``"return"``, ``"refer"``), ``None`` if none.
    missing
        When returning the file: the requirement ids the citizen must still bring.
    form
        Form field key -> value typed (see :func:`sakera_toolkit.training.rules.form_fields`).
    elapsed_seconds
        Time from opening the case to submitting.
    """

    service_id: str | None = None
    requirements: Mapping[str, bool] = field(default_factory=dict)
    defects: tuple[Flag, ...] = ()
    decision: str | None = None
    missing: tuple[str, ...] = ()
    form: Mapping[str, str] = field(default_factory=dict)
    elapsed_seconds: float = 0.0

    def __post_init__(self):
        flags = tuple(_as_flag(x) for x in (self.defects or ()))
        object.__setattr__(self, "defects", tuple(dict.fromkeys(flags)))
        object.__setattr__(self, "requirements", {str(k): bool(v) for k, v in dict(self.requirements or {}).items()})
        object.__setattr__(self, "missing", tuple(dict.fromkeys(str(m) for m in (self.missing or ()))))
        object.__setattr__(
            self, "form", {str(k): "" if v is None else str(v) for k, v in dict(self.form or {}).items()}
        )
        if self.decision is not None and self.decision not in _rules.DECISIONS:
            raise SakeraInputError(
                f"decision {self.decision!r} must be one of {', '.join(_rules.DECISIONS)}", location="answer.decision"
            )
        try:
            seconds = float(self.elapsed_seconds)
        except (TypeError, ValueError):
            raise SakeraInputError("elapsed_seconds must be a number", location="answer.elapsed_seconds") from None
        if seconds < 0:
            raise SakeraInputError("elapsed_seconds must not be negative", location="answer.elapsed_seconds")
        object.__setattr__(self, "elapsed_seconds", seconds)

    @property
    def flagged_kinds(self) -> frozenset[str]:
        """The defect kinds flagged."""
        return frozenset(f.kind for f in self.defects)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "service_id": self.service_id,
            "requirements": dict(self.requirements),
            "defects": [f.to_dict() for f in self.defects],
            "decision": self.decision,
            "missing": list(self.missing),
            "form": dict(self.form),
            "elapsed_seconds": self.elapsed_seconds,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Answer:
        """Inverse of :meth:`to_dict` (unknown keys raise ``SakeraInputError``)."""
        unknown = set(d) - {"service_id", "requirements", "defects", "decision", "missing", "form", "elapsed_seconds"}
        if unknown:
            raise SakeraInputError(f"unknown answer field(s) {sorted(unknown)}", location="answer")
        return cls(**dict(d))

    def to_json(self) -> str:
        """The answer as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Answer:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class CriterionScore:
    """The score (0-1) of one criterion, its weight and whether it applied to this case."""

    criterion: str
    score: float
    weight: float
    applicable: bool
    details: Mapping[str, Any] = field(default_factory=dict)

    def label(self, lang: str = "id") -> str:
        """The criterion's on-screen name."""
        return _rules.criterion_label(self.criterion, lang)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "criterion": self.criterion,
            "score": self.score,
            "weight": self.weight,
            "applicable": self.applicable,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CriterionScore:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "details": dict(d.get("details", {}))})


@dataclass(frozen=True)
class Mistake:
    """One difference between the expected and the given answer, with the rule that explains it.

    ``expected`` and ``given`` are JSON values (ids, booleans, lists, text); ``text_id`` and
    ``text_en`` are the full explanation shown to the trainee; ``rule_id`` and ``source`` identify
    the rule (for the trainer's "most common mistakes" view).
    """

    criterion: str
    item: str
    expected: Any
    given: Any
    rule_id: str
    source: str
    text_id: str
    text_en: str

    def explain(self, lang: str = "id") -> str:
        """The explanation in ``lang``."""
        return self.text_id if _rules.check_lang(lang) == "id" else self.text_en

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "criterion": self.criterion,
            "item": self.item,
            "expected": self.expected,
            "given": self.given,
            "rule_id": self.rule_id,
            "source": self.source,
            "text_id": self.text_id,
            "text_en": self.text_en,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Mistake:
        """Inverse of :meth:`to_dict`."""
        return cls(**dict(d))


@dataclass(frozen=True)
class GradeReport:
    """The graded result of one attempt.

    Attributes
    ----------
    score
        Overall score 0-100 (weighted mean of the applicable criteria).
    passed
        ``score >= pass_score`` (calibration, default 70).
    criteria
        One :class:`CriterionScore` per criterion, in :data:`~sakera_toolkit.training.rules.CRITERIA` order.
    mistakes
        Every difference, with its rule; empty for a perfect answer.
    """

    case_id: str
    service_id: str
    difficulty: int
    score: float
    passed: bool
    criteria: tuple[CriterionScore, ...]
    mistakes: tuple[Mistake, ...]
    elapsed_seconds: float
    time_limit_seconds: int | None

    def criterion(self, name: str) -> CriterionScore:
        """The score of criterion ``name``."""
        for c in self.criteria:
            if c.criterion == name:
                return c
        raise KeyError(name)

    @property
    def perfect(self) -> bool:
        """True when nothing differs."""
        return not self.mistakes

    def feedback(self, lang: str = "id") -> str:
        """A readable report: overall score, each criterion, and every mistake with its rule."""
        _rules.check_lang(lang)
        if lang == "id":
            head = f"Nilai: {self.score:.0f}/100 ({'lulus' if self.passed else 'belum lulus'}). Waktu: {self.elapsed_seconds:.0f} detik."
        else:
            head = f"Score: {self.score:.0f}/100 ({'passed' if self.passed else 'not passed'}). Time: {self.elapsed_seconds:.0f} seconds."
        lines = [head]
        for c in self.criteria:
            if c.applicable:
                lines.append(f"- {c.label(lang)}: {100 * c.score:.0f}%")
        if not self.mistakes:
            lines.append("Semua benar. Bagus!" if lang == "id" else "Everything is right. Well done!")
        else:
            lines.append("Yang perlu diperbaiki:" if lang == "id" else "What to improve:")
            lines.extend(f"{i}. {m.explain(lang)}" for i, m in enumerate(self.mistakes, 1))
        return "\n".join(lines)

    def table(self):
        """The mistakes as a DataFrame (criterion, item, expected, given, rule_id, source)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "case_id": self.case_id,
                    "service_id": self.service_id,
                    "criterion": m.criterion,
                    "item": m.item,
                    "expected": json.dumps(m.expected, ensure_ascii=False),
                    "given": json.dumps(m.given, ensure_ascii=False),
                    "rule_id": m.rule_id,
                    "source": m.source,
                }
                for m in self.mistakes
            ],
            columns=["case_id", "service_id", "criterion", "item", "expected", "given", "rule_id", "source"],
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "case_id": self.case_id,
            "service_id": self.service_id,
            "difficulty": self.difficulty,
            "score": self.score,
            "passed": self.passed,
            "criteria": [c.to_dict() for c in self.criteria],
            "mistakes": [m.to_dict() for m in self.mistakes],
            "elapsed_seconds": self.elapsed_seconds,
            "time_limit_seconds": self.time_limit_seconds,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GradeReport:
        """Inverse of :meth:`to_dict`."""
        return cls(
            case_id=d["case_id"],
            service_id=d["service_id"],
            difficulty=int(d["difficulty"]),
            score=float(d["score"]),
            passed=bool(d["passed"]),
            criteria=tuple(CriterionScore.from_dict(c) for c in d["criteria"]),
            mistakes=tuple(Mistake.from_dict(m) for m in d["mistakes"]),
            elapsed_seconds=float(d["elapsed_seconds"]),
            time_limit_seconds=d.get("time_limit_seconds"),
        )

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GradeReport:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


# ---------------------------------------------------------------------------------------- helpers
_SEX_SYNONYMS = {
    "l": "laki-laki",
    "m": "laki-laki",
    "laki-laki": "laki-laki",
    "p": "perempuan",
    "f": "perempuan",
    "perempuan": "perempuan",
}


def _same_value(expected: str, given: str) -> bool:
    a, b = normalise(expected), normalise(given)
    if a == b:
        return True
    da, db = parse_date(expected), parse_date(given)
    if da is not None and db is not None:
        return da == db
    return a in _SEX_SYNONYMS and _SEX_SYNONYMS[a] == _SEX_SYNONYMS.get(b)


class _Labels:
    """Turns ids into on-screen words for the explanations."""

    def __init__(self, service: services.Service):
        self.catalogue = services.load_catalogue()
        self.service = service

    def service_name(self, sid: str | None, lang: str) -> str:
        if sid is None:
            return "(tidak dipilih)" if lang == "id" else "(none chosen)"
        if sid not in self.catalogue:
            return sid
        s = self.catalogue.get(sid)
        return s.name_id if lang == "id" else s.name_en

    def requirement(self, rid: str, lang: str) -> str:
        try:
            r = self.service.requirement(rid)
        except SakeraInputError:
            return rid
        return r.name_id if lang == "id" else r.name_en

    def substitutes(self, ids: Iterable[str], lang: str) -> str:
        return "; ".join(self.requirement(r, lang) for r in ids)

    def requirements(self, ids: Iterable[str], lang: str) -> str:
        items = [self.requirement(r, lang) for r in ids]
        return "; ".join(items) if items else ("(tidak ada)" if lang == "id" else "(none)")

    @staticmethod
    def present(value: bool, lang: str) -> str:
        if lang == "id":
            return "ada" if value else "tidak ada"
        return "present" if value else "absent"

    @staticmethod
    def decision(value: str | None, lang: str) -> str:
        if value is None:
            return "(tidak dipilih)" if lang == "id" else "(none chosen)"
        return _rules.decision_label(value, lang)

    @staticmethod
    def flagged(value: bool, lang: str) -> str:
        if lang == "id":
            return "ditandai" if value else "tidak ditandai"
        return "flagged" if value else "not flagged"

    @staticmethod
    def text(value: str, lang: str) -> str:
        return f"“{value}”" if value else ("(kosong)" if lang == "id" else "(empty)")


def _mistake(
    criterion: str,
    item: str,
    item_label: tuple[str, str],
    expected: Any,
    given: Any,
    shown: tuple[tuple[str, str], tuple[str, str]],
    rule_id: str,
    source: str | None = None,
    note: tuple[str, str] | None = None,
) -> Mistake:
    rule = _rules.rule(rule_id)
    src = source or rule.legal_basis
    texts = []
    for k, lang in enumerate(("id", "en")):
        crit = _rules.criterion_label(criterion, lang)
        exp_shown, giv_shown = shown[0][k], shown[1][k]
        if lang == "id":
            text = f"{crit} — {item_label[0]}: seharusnya {exp_shown}, jawaban Anda {giv_shown}. {rule.text_id} (Dasar hukum: {src})"
            if note:
                text += f" Bukti: {note[0]}"
        else:
            basis = _rules.basis_label(src, "en")
            text = (
                f"{crit} — {item_label[1]}: expected {exp_shown}, you gave {giv_shown}. {rule.text_en} (Legal basis: {basis})"
            )
            if note:
                text += f" Evidence: {note[1]}"
        texts.append(text)
    return Mistake(criterion, item, expected, given, rule_id, src, texts[0], texts[1])


def _both(fn, *args) -> tuple[str, str]:
    return fn(*args, "id"), fn(*args, "en")


# ---------------------------------------------------------------------------------------- grading
def _decision_rule(case: Case, service: services.Service) -> str:
    """The rule that explains why the expected decision is right."""
    want = case.expected.decision
    for d in case.defects:
        if _rules.defect_info(d.kind).decision == want:
            return _rules.defect_info(d.kind).rule
    if want == "refer" and service.needs_biometric:
        return "decision_refer_biometric"
    if want == "process" and any(d.kind == "deadline_passed" for d in case.defects):
        return "deadline_passed"
    return _rules.decision_rule(want)


def grade(case: Case, answer: Answer) -> GradeReport:
    """Grade ``answer`` against the answer key of ``case``.

    Returns
    -------
    GradeReport
        Scores per criterion, overall score 0-100, and every mistake with its rule (id/en).
    """
    if not isinstance(answer, Answer):
        raise SakeraInputError("answer must be a training.Answer", location="answer")
    cal = calibration.load("training")
    service = services.load_catalogue().get(case.service_id)
    labels = _Labels(service)
    exp = case.expected
    mistakes: list[Mistake] = []
    scores: list[CriterionScore] = []

    # service -------------------------------------------------------------------------------
    ok = answer.service_id == exp.service_id
    if not ok:
        mistakes.append(
            _mistake(
                "service",
                "service_id",
                ("layanan", "service"),
                exp.service_id,
                answer.service_id,
                (_both(labels.service_name, exp.service_id), _both(labels.service_name, answer.service_id)),
                "service_choice",
            )  # fmt: skip
        )
    scores.append(CriterionScore("service", 1.0 if ok else 0.0, float(cal["weight_service"]), True))

    # requirements (only when the trainee saw the right checklist) ---------------------------
    right = 0
    req_applies = ok
    for rid, present in (exp.requirements.items() if req_applies else ()):
        given = bool(answer.requirements.get(rid, False))
        if given == present:
            right += 1
            continue
        req = service.requirement(rid)
        mistakes.append(
            _mistake(
                "requirements",
                rid,
                (req.name_id, req.name_en),
                present,
                given,
                (_both(labels.present, present), _both(labels.present, given)),
                "requirements_check",
                source=req.legal_basis,
            )  # fmt: skip
        )
    n_req = len(exp.requirements) if req_applies else 0
    scores.append(
        CriterionScore(
            "requirements",
            right / n_req if n_req else (1.0 if req_applies else 0.0),
            float(cal["weight_requirements"]),
            req_applies,
            {"right": right, "total": n_req},
        )
    )

    # defects -------------------------------------------------------------------------------
    evidence = {d.kind: d for d in case.defects}
    titles = {d.ref: (d.title("id"), d.title("en")) for d in case.documents}
    flags: dict[str, Flag] = {}
    for flag in answer.defects:
        flags.setdefault(flag.kind, flag)
    credit = 0.0
    half = float(cal["wrong_document_ref_credit"])
    for kind, record in evidence.items():
        info = _rules.defect_info(kind)
        if kind not in flags:
            mistakes.append(
                _mistake(
                    "defects",
                    kind,
                    (info.name_id, info.name_en),
                    True,
                    False,
                    (_both(labels.flagged, True), _both(labels.flagged, False)),
                    info.rule,
                    note=(record.detail_id, record.detail_en),
                )  # fmt: skip
            )
            continue
        doc = flags[kind].document
        if doc is not None and record.documents and doc not in record.documents:
            credit += half
            mistakes.append(
                _mistake(
                    "defects",
                    kind,
                    (info.name_id, info.name_en),
                    list(record.documents),
                    doc,
                    (
                        (
                            ", ".join(titles.get(r, (r, r))[0] for r in record.documents),
                            ", ".join(titles.get(r, (r, r))[1] for r in record.documents),
                        ),
                        titles.get(doc, (doc, doc)),
                    ),
                    info.rule,
                    note=(record.detail_id, record.detail_en),
                )  # fmt: skip
            )
        else:
            credit += 1.0
    false_flags = [k for k in flags if k not in evidence]
    if "date_inconsistent" in false_flags and _timeline.check(case):
        # The trainee saw a genuinely impossible date (the independent checker agrees): no penalty.
        false_flags.remove("date_inconsistent")
        del flags["date_inconsistent"]
    for kind in false_flags:
        info = _rules.defect_info(kind)
        mistakes.append(
            _mistake(
                "defects",
                kind,
                (info.name_id, info.name_en),
                False,
                True,
                (_both(labels.flagged, False), _both(labels.flagged, True)),
                info.rule,
            )  # fmt: skip
        )
    n_exp, n_flag = len(evidence), len(flags)
    precision = credit / n_flag if n_flag else 1.0
    recall = credit / n_exp if n_exp else 1.0
    defect_score = 1.0 if n_exp == 0 and n_flag == 0 else 2 * credit / (n_exp + n_flag)
    scores.append(
        CriterionScore(
            "defects",
            defect_score,
            float(cal["weight_defects"]),
            True,
            {"precision": precision, "recall": recall, "expected": sorted(evidence), "flagged": sorted(flags)},
        )  # fmt: skip
    )

    # decision ------------------------------------------------------------------------------
    decision_score = 0.0
    if answer.decision != exp.decision:
        mistakes.append(
            _mistake(
                "decision",
                "decision",
                ("keputusan", "decision"),
                exp.decision,
                answer.decision,
                (_both(labels.decision, exp.decision), _both(labels.decision, answer.decision)),
                _decision_rule(case, service),
                note=(
                    ("SPTJM yang diisi di meja: " + labels.substitutes(exp.substitutes, "id"),
                     "Sworn statements to complete at the desk: " + labels.substitutes(exp.substitutes, "en"))
                    if exp.substitutes else None
                ),
            )  # fmt: skip
        )
    elif exp.decision == "return" and ok and set(answer.missing) != set(exp.missing):
        decision_score = float(cal["wrong_missing_items_credit"])
        mistakes.append(
            _mistake(
                "decision",
                "missing",
                ("yang harus dilengkapi", "items to complete"),
                list(exp.missing),
                list(answer.missing),
                (_both(labels.requirements, exp.missing), _both(labels.requirements, answer.missing)),
                "missing_items",
            )  # fmt: skip
        )
    else:
        decision_score = 1.0
    scores.append(CriterionScore("decision", decision_score, float(cal["weight_decision"]), True))

    # form (only when the file goes on and the trainee let it go on) --------------------------
    fields = _rules.form_fields(case.service_id)
    proceeding = _rules.PROCEEDING_DECISIONS
    form_applies = exp.decision in proceeding and answer.decision in proceeding and ok and bool(fields)
    form_right = 0
    if form_applies:
        for form_field in fields:
            want = exp.form[form_field.key]
            typed = answer.form.get(form_field.key, "")
            if _same_value(want, typed):
                form_right += 1
                continue
            mistakes.append(
                _mistake(
                    "form",
                    form_field.key,
                    (form_field.label_id, form_field.label_en),
                    want,
                    typed,
                    (
                        (labels.text(want, "id"), labels.text(want, "en")),
                        (labels.text(typed, "id"), labels.text(typed, "en")),
                    ),
                    "form_fields",
                )  # fmt: skip
            )
    scores.append(
        CriterionScore(
            "form",
            form_right / len(fields) if form_applies else 0.0,
            float(cal["weight_form"]),
            form_applies,
            {"right": form_right, "total": len(fields) if form_applies else 0},
        )  # fmt: skip
    )

    # time ----------------------------------------------------------------------------------
    limit = case.time_limit_seconds
    time_applies = limit is not None
    time_score = 0.0
    if limit is not None:
        factor = float(cal["time_zero_factor"])
        over = answer.elapsed_seconds - limit
        time_score = 1.0 if over <= 0 else max(0.0, 1.0 - over / ((factor - 1.0) * limit))
        if over > 0:
            mistakes.append(
                _mistake(
                    "time",
                    "elapsed_seconds",
                    ("waktu", "time"),
                    limit,
                    answer.elapsed_seconds,
                    (
                        (f"≤ {limit} detik", f"≤ {limit} s"),
                        (f"{answer.elapsed_seconds:.0f} detik", f"{answer.elapsed_seconds:.0f} s"),
                    ),
                    "time_target",
                )  # fmt: skip
            )
    scores.append(
        CriterionScore(
            "time",
            time_score,
            float(cal["weight_time"]),
            time_applies,
            {"limit_seconds": limit, "elapsed_seconds": answer.elapsed_seconds},
        )
    )

    total_weight = sum(c.weight for c in scores if c.applicable)
    overall = 100.0 * sum(c.weight * c.score for c in scores if c.applicable) / total_weight
    overall = round(overall, 2)
    return GradeReport(
        case_id=case.case_id,
        service_id=case.service_id,
        difficulty=case.difficulty,
        score=overall,
        passed=overall >= float(cal["pass_score"]),
        criteria=tuple(scores),
        mistakes=tuple(mistakes),
        elapsed_seconds=answer.elapsed_seconds,
        time_limit_seconds=limit,
    )


def perfect_answer(case: Case, elapsed_seconds: float = 0.0) -> Answer:
    """The answer that scores 100 (the model solution shown after an attempt, and used in tests)."""
    exp = case.expected
    flags = tuple(Flag(d.kind, d.documents[0] if d.documents else None) for d in case.defects)
    return Answer(
        service_id=exp.service_id,
        requirements=dict(exp.requirements),
        defects=flags,
        decision=exp.decision,
        missing=exp.missing if exp.decision == "return" else (),
        form=dict(exp.form) if exp.decision in _rules.PROCEEDING_DECISIONS else {},
        elapsed_seconds=elapsed_seconds,
    )

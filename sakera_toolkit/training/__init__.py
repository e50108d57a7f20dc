"""Operator training sandbox: practice cases, defects, grading and curriculum (no Panel import).

Typical use (what the app and the store do)::

    from sakera_toolkit import training

    queue = training.generate_queue(level=3, n=5, seed=42, village_code="35.27.01.2001")
    case = queue[0]
    case.request.text("id"); [d.title("id") for d in case.documents]; case.hints("id")
    answer = training.Answer(service_id="akta_kelahiran", requirements={"kk": True, ...},
                             defects=["nik_mismatch"], decision="refer", elapsed_seconds=312)
    report = training.grade(case, answer)
    report.score, report.feedback("id"), report.to_json()
    training.certification_status([training.Attempt(level=3, score=95.0), ...])

Modules: :mod:`.model` (Case, Document, Request...), :mod:`.cases` (generation),
:mod:`.defects` (defect policies and the independent checker), :mod:`.timeline` (independent
check that every printed date is possible), :mod:`.grading` (Answer, GradeReport),
:mod:`.curriculum` (levels, promotion, certification, queues), :mod:`.rules` (bilingual rules, each
with the regulation a trainee can cite).
"""

from . import rules, timeline
from .cases import DIFFICULTIES, case_variants, generate_case
from .curriculum import (
    LEVELS,
    TOP_LEVEL,
    Attempt,
    CertificationRule,
    Level,
    PromotionRule,
    Status,
    certification_status,
    generate_for_level,
    generate_queue,
    level,
    next_level,
)
from .defects import DEFECT_KINDS, Finding, detect_defects
from .grading import Answer, CriterionScore, Flag, GradeReport, Mistake, grade, perfect_answer
from .model import Case, Document, Expected, InjectedDefect, Person, Request
from .rules import CRITERIA, DECISIONS, PROCEEDING_DECISIONS, Rule, rule

__all__ = [
    "Answer",
    "Attempt",
    "CRITERIA",
    "Case",
    "CertificationRule",
    "CriterionScore",
    "DECISIONS",
    "PROCEEDING_DECISIONS",
    "DEFECT_KINDS",
    "DIFFICULTIES",
    "Document",
    "Expected",
    "Finding",
    "Flag",
    "GradeReport",
    "InjectedDefect",
    "LEVELS",
    "Level",
    "Mistake",
    "Person",
    "PromotionRule",
    "Request",
    "Rule",
    "Status",
    "TOP_LEVEL",
    "case_variants",
    "certification_status",
    "detect_defects",
    "generate_case",
    "generate_for_level",
    "generate_queue",
    "grade",
    "level",
    "next_level",
    "perfect_answer",
    "rule",
    "rules",
    "timeline",
]

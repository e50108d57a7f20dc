"""Old import path of the training back-end (kept so existing callers keep working).

The code now lives in layers: use cases in :mod:`sakera_toolkit.sandbox.attempts` (start, submit,
certify), viewer-scoped reads in :mod:`sakera_toolkit.store.reports`, queries in
:mod:`sakera_toolkit.store.repositories`, exports in :mod:`sakera_toolkit.sandbox.exports` and
village readiness in :mod:`sakera_toolkit.sandbox.readiness`. New code imports from there; this
module only re-exports the same objects under their old names.
"""

from __future__ import annotations

from ..sandbox.attempts import (
    Submission,
    revoke_certification,
    start_attempt,
    submit,
    submit_detailed,
    update_certification,
)
from ..sandbox.exports import export_trainee_csv, export_trainee_pdf, export_trainee_record, trainee_record_html
from ..sandbox.readiness import read_facilities_csv
from ..sandbox.readiness import village_readiness as readiness
from .reports import (
    attempt_case,
    attempt_report,
    attempts_table,
    certification_status,
    certifications_table,
    class_overview,
    cohort_summary,
    common_mistakes,
    current_level,
    get_attempt,
    mistake_matrix,
    trainee_progress,
)
from .repositories import ATTEMPT_COLUMNS, store_case

__all__ = [
    "ATTEMPT_COLUMNS",
    "Submission",
    "attempt_case",
    "attempt_report",
    "attempts_table",
    "certification_status",
    "certifications_table",
    "class_overview",
    "cohort_summary",
    "common_mistakes",
    "current_level",
    "export_trainee_csv",
    "export_trainee_pdf",
    "export_trainee_record",
    "get_attempt",
    "mistake_matrix",
    "read_facilities_csv",
    "readiness",
    "revoke_certification",
    "start_attempt",
    "store_case",
    "submit",
    "submit_detailed",
    "trainee_progress",
    "trainee_record_html",
    "update_certification",
]

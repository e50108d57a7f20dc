"""The training back-end: the use cases the app's pages call, over the store.

Layers, imports flowing one way (pages -> sandbox -> store -> models):

* :mod:`.service` -- :class:`TrainingService`, the one object the pages use;
* :mod:`.attempts` -- start or resume an attempt, submit (grade + persist + certify in one
  committed transaction), certification;
* :mod:`.selection` -- which case a trainee gets next (stable seeds, service rotation);
* :mod:`.exports` -- a trainee's record as CSV and PDF (names, Indonesian headers, WIB);
* :mod:`.readiness` -- the village readiness rule, also used by the rollout planner;
* :mod:`.labels` -- names instead of ids, times in WIB;
* :mod:`.packs` -- printable exercise packs (``sakera cases print``).

The store underneath: :mod:`sakera_toolkit.store.models`, :mod:`~sakera_toolkit.store.repositories`
and the viewer-scoped :mod:`~sakera_toolkit.store.reports` (the one access-scoping rule).
"""

from __future__ import annotations

from .attempts import OpenAttempt, Submission, start_or_resume, submit_detailed
from .service import Progress, TrainingService

__all__ = ["OpenAttempt", "Progress", "Submission", "TrainingService", "start_or_resume", "submit_detailed"]

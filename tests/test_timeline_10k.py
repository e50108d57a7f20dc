"""Issue 8 acceptance: the independent timeline checker over 10,000 clean cases (target: 0 flagged).

Slow (about 20 minutes of CPU), so opt-in: ``SAKERA_TIMELINE_10K=1 pytest tests/test_timeline_10k.py``
(skipped otherwise, so the suite stays short), or as a script,
``python tests/test_timeline_10k.py [N]``, which prints the measured figures
(quoted in ``docs/training-law.md``).
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import pytest

from sakera_toolkit import services, training
from sakera_toolkit.training import timeline

SERVICE_IDS = services.load_catalogue().ids()


def run(n_clean: int = 10_000) -> tuple[int, int, Counter[str]]:
    """Generate ``n_clean`` clean cases over every service and difficulty; return (generated, flagged, issues).

    Case ``i`` uses service ``i mod len(services)``, seed ``i`` and difficulty 0 for even ``i``,
    1, 2, 3 in turn for odd ``i``; cases at levels 1-3 that received a defect are skipped (only
    clean cases count). Progress goes to stderr every 1,000 clean cases.
    """
    flagged = 0
    generated = 0
    issues: Counter[str] = Counter()
    clean = 0
    i = 0
    while clean < n_clean:
        difficulty = 0 if i % 2 == 0 else 1 + (i // 2) % 3
        case = training.generate_case(SERVICE_IDS[i % len(SERVICE_IDS)], difficulty, seed=i)
        generated += 1
        i += 1
        if not case.is_clean:
            continue
        clean += 1
        if clean % 1000 == 0:
            print(f"{clean} clean / {generated} generated, {flagged} flagged", file=sys.stderr, flush=True)
        found = timeline.check(case)
        if found:
            flagged += 1
            issues.update(f"{case.service_id}: {x.text_en.split(':')[0]}" for x in found)
    return generated, flagged, issues


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("SAKERA_TIMELINE_10K") != "1", reason="opt-in: set SAKERA_TIMELINE_10K=1 (~20 min)")
def test_ten_thousand_clean_cases_none_flagged() -> None:
    generated, flagged, issues = run(10_000)
    assert generated >= 10_000
    assert flagged == 0, issues.most_common(5)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    generated, flagged, issues = run(n)
    print(f"clean cases checked: {n} (of {generated} generated); flagged by timeline.check: {flagged}")
    for text, count in issues.most_common(10):
        print(f"  {count:5d}  {text}")

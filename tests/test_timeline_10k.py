"""Issue 8 acceptance: the independent timeline checker over 10,000 clean cases (target: 0 flagged).

Slow (about 20 minutes of CPU), so opt-in: ``SAKERA_TIMELINE_10K=1 pytest tests/test_timeline_10k.py``
(skipped otherwise, so the suite stays short), or as a script,
``python tests/test_timeline_10k.py [N] [--workers W]``, which prints the measured figures
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


def _case_at(i: int) -> training.Case:
    """Case ``i``: service ``i mod len(services)``, seed ``i``, difficulty 0 for even ``i``, else 1, 2, 3 in turn."""
    difficulty = 0 if i % 2 == 0 else 1 + (i // 2) % 3
    return training.generate_case(SERVICE_IDS[i % len(SERVICE_IDS)], difficulty, seed=i)


def check_range(start: int, stop: int) -> tuple[int, int, Counter[str]]:
    """Cases ``start..stop-1``: (clean cases checked, flagged, issues). Cases with a defect are skipped."""
    clean = flagged = 0
    issues: Counter[str] = Counter()
    for i in range(start, stop):
        case = _case_at(i)
        if not case.is_clean:
            continue
        clean += 1
        found = timeline.check(case)
        if found:
            flagged += 1
            issues.update(f"{case.service_id}: {x.text_en.split(':')[0]}" for x in found)
    return clean, flagged, issues


def run(n_clean: int = 10_000, workers: int = 1, chunk: int = 500) -> tuple[int, int, int, Counter[str]]:
    """Check clean cases until at least ``n_clean`` were checked; (generated, clean, flagged, issues).

    Cases are taken in index order in chunks of ``chunk``; with ``workers > 1`` the chunks of a
    round run in a Dask process pool (same cases, same result, whatever the number of workers).
    Progress goes to stderr after every round.
    """
    generated = clean = flagged = 0
    issues: Counter[str] = Counter()
    client = None
    if workers > 1:
        from dask.distributed import Client, LocalCluster

        client = Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None))
    try:
        while clean < n_clean:
            starts = [generated + k * chunk for k in range(max(1, workers))]
            if client is None:
                results = [check_range(a, a + chunk) for a in starts]
            else:
                results = client.gather([client.submit(check_range, a, a + chunk, pure=False) for a in starts])
            for c, f, found in results:
                clean, flagged = clean + c, flagged + f
                issues.update(found)
            generated += chunk * len(starts)
            print(f"{clean} clean / {generated} generated, {flagged} flagged", file=sys.stderr, flush=True)
    finally:
        if client is not None:
            client.close()
    return generated, clean, flagged, issues


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("SAKERA_TIMELINE_10K") != "1", reason="opt-in: set SAKERA_TIMELINE_10K=1 (~20 min)")
def test_ten_thousand_clean_cases_none_flagged() -> None:
    generated, clean, flagged, issues = run(10_000, workers=os.cpu_count() or 1)
    assert clean >= 10_000 and generated >= clean
    assert flagged == 0, issues.most_common(5)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="independent timeline check over generated clean cases")
    parser.add_argument("n", type=int, nargs="?", default=10_000, help="clean cases to check (default 10000)")
    parser.add_argument("--workers", type=int, default=1, help="Dask worker processes (default 1)")
    args = parser.parse_args()
    generated, clean, flagged, issues = run(args.n, workers=args.workers)
    print(f"clean cases checked: {clean} (of {generated} generated); flagged by timeline.check: {flagged}")
    for text, count in issues.most_common(10):
        print(f"  {count:5d}  {text}")

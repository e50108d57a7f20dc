"""Run the bad-input corpus in subprocesses and count the cases handled well (docs/bad-input.md).

    PYTHONPATH=<tree> python tests/data/bad/run_corpus.py [--jobs 2] [--timeout 60]

Run from the repository root. Each case runs ``python -m sakera_toolkit ARGV`` with a 2 GB address
space limit and a timeout; a case is handled when it exits 2 with exactly one line on stderr that
matches the case's expected pattern, no traceback, and nothing new in its temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

MEMORY_LIMIT = 2 * 1024**3


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def snapshot(folder: Path) -> set[str]:
    """Every path under ``folder`` except the generated inputs."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not str(p.relative_to(folder)).startswith("gen")}


def judge(code: int, stderr: str, expected: str, new_files: set[str]) -> str:
    """``""`` if the case was handled well, else why not."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if "Traceback" in stderr:
        return "traceback"
    if code != 2:
        return f"exit {code}: {lines[-1][:150] if lines else ''}"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr"
    if not re.search(expected, lines[0], re.IGNORECASE):
        return f"message does not match {expected!r}: {lines[0][:150]}"
    if new_files:
        return f"left files behind: {sorted(new_files)[:3]}"
    return ""


def run_case(case: tuple[str, list[str], str], gen: Path, timeout: float) -> tuple[str, str]:
    case_id, argv, expected = case
    with tempfile.TemporaryDirectory(prefix="sakera-bad-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "gen").symlink_to(gen)
        before = snapshot(tmp)
        args = [a.replace("{d}", str(corpus.HERE)).replace("{t}", str(tmp)) for a in argv]
        env = {**os.environ, "SAKERA_DATABASE_URL": f"sqlite:///{tmp}/default.db", "XDG_DATA_HOME": str(tmp)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "sakera_toolkit", *args],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=env, preexec_fn=_limit, start_new_session=True,
        )  # fmt: skip
        try:
            _, err = proc.communicate("pw-Sakera-2025\n" if case_id in corpus.STDIN else "", timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return case_id, f"timeout after {timeout:.0f} s"
        return case_id, judge(proc.returncode, err, expected, snapshot(tmp) - before)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--only", help="regular expression of case ids")
    opts = ap.parse_args()
    cases = [c for c in corpus.CASES if not opts.only or re.search(opts.only, c[0])]
    gen = Path(tempfile.mkdtemp(prefix="sakera-bad-gen-"))
    try:
        corpus.generate_into(gen)
        with ThreadPoolExecutor(opts.jobs) as pool:
            results = list(pool.map(lambda c: run_case(c, gen, opts.timeout), cases))
    finally:
        shutil.rmtree(gen, ignore_errors=True)
    failed = [(cid, why) for cid, why in results if why]
    for cid, why in failed:
        print(f"FAIL {cid}: {why}")
    print(f"{len(cases)} inputs tried, {len(cases) - len(failed)} handled, {len(failed)} mishandled")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

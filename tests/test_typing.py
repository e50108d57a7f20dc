"""mypy (default strictness) over the engine, scenario, demand and calibration modules and their CLI commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Modules kept at zero mypy errors (third-party packages without type hints -- scipy, tqdm -- are
#: imported with targeted ``# type: ignore[import-untyped]`` comments that say so).
TYPED = [
    "sakera_toolkit/sim",
    "sakera_toolkit/scenarios/__init__.py",
    "sakera_toolkit/scenarios/spec.py",
    "sakera_toolkit/scenarios/resolve.py",
    "sakera_toolkit/scenarios/compare.py",
    "sakera_toolkit/scenarios/sweep.py",
    "sakera_toolkit/scenarios/plan.py",
    "sakera_toolkit/demand.py",
    "sakera_toolkit/calibration.py",
    "sakera_toolkit/_sort.py",
    "sakera_toolkit/cli/simulate.py",
    "sakera_toolkit/cli/compare.py",
    "sakera_toolkit/cli/sweep.py",
    "sakera_toolkit/cli/plan.py",
    "sakera_toolkit/cli/validate.py",
]


@pytest.mark.slow
def test_mypy_is_clean_on_the_pipeline():
    pytest.importorskip("mypy")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", *TYPED], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

"""mypy (default strictness) over the whole package and the Panel app: zero errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Kept at zero mypy errors (third-party packages without type hints -- scipy, tqdm -- are
#: imported with targeted ``# type: ignore[import-untyped]`` comments that say so).
TYPED = ["sakera_toolkit", "apps"]


@pytest.mark.slow
def test_mypy_is_clean_on_the_package():
    pytest.importorskip("mypy")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", *TYPED], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

import json

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit.cli import main
from sakera_toolkit.sim import validate as V


def test_erlang_c_known_values():
    assert V.erlang_c(1, 0.8) == pytest.approx(0.8)
    assert V.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert V.erlang_c(3, 3.5) == 1.0


def test_check_rejects_a_biased_estimate():
    rng = np.random.default_rng(0)
    good = rng.normal(4.0, 0.1, 8)
    assert V.check("x", "y", 4.0, good)["pass"]
    assert not V.check("x", "y", 4.0, good + 0.5)["pass"]


@pytest.mark.slow
def test_sakera_validate_passes_on_several_seeds(capsys):
    code = main(["validate", "--json", "--seeds", "4", "--customers", "60000", "--regency-seeds", "2"])
    out = json.loads(capsys.readouterr().out)
    table = pd.DataFrame(out["checks"])
    assert code == 0 and out["passed"], table[~table["pass"]]
    cases = " ".join(table["case"])
    for needle in ("M/M/1", "M/M/3", "M/D/1", "priority", "calendar", "Little", "Conservation"):
        assert needle in cases
    assert (table["seeds"] >= 2).all()
    little = table[table["case"].str.startswith("Little")].iloc[0]
    assert abs(little["simulated"] - 1.0) < 0.02


def test_validate_exit_status_reflects_failures(monkeypatch, capsys):
    failing = pd.DataFrame([V.check("M/M/1", "Wq", 4.0, [5.0, 5.1, 4.9])])
    monkeypatch.setattr(V, "validate", lambda **kw: failing)
    assert main(["validate"]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["validate", "--seeds", "1"]) == 2

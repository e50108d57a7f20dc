"""IKM (PermenPAN-RB 14/2017): worked example, interval table, Krejcie-Morgan, survey import, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit.cli import main
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.evidence import ikm
from sakera_toolkit.evidence.survey import read_survey, validate_survey

#: Column sums of the worked example (29 respondents; NRR 3.6207, 3.4828, 3.4483, 4.0000, 3.5172,
#: 3.6207, 3.6552, 3.6207, 3.9655 -- research notes §5).
EXAMPLE_SUMS = (105, 101, 100, 116, 102, 105, 106, 105, 115)
EXAMPLE_NRR = (3.6207, 3.4828, 3.4483, 4.0000, 3.5172, 3.6207, 3.6552, 3.6207, 3.9655)


def worked_example() -> pd.DataFrame:
    """29 respondents whose answers sum to the worked example's column totals (answers 3 or 4)."""
    n = 29
    cols = {}
    for j, total in enumerate(EXAMPLE_SUMS, start=1):
        fours = total - 3 * n  # answers are 3 except ``fours`` respondents answering 4
        col = np.full(n, 3)
        col[(np.arange(n) * 7 + j) % n < fours] = 4
        cols[f"u{j}"] = col
    return pd.DataFrame(cols)


def test_worked_example_exact_and_rounded_weights():
    df = worked_example()
    assert list(df.sum()) == list(EXAMPLE_SUMS)
    assert np.allclose(ikm.nrr(df).to_numpy(), EXAMPLE_NRR, atol=5e-5)
    exact = ikm.compute(df, resamples=0)
    rounded = ikm.compute(df, weights="rounded", resamples=0)
    assert round(exact.ikm, 2) == 91.48
    assert round(rounded.ikm, 2) == 90.56
    assert exact.mutu == rounded.mutu == "A"
    assert exact.kinerja() == "Sangat baik"
    assert ikm.index_from_nrr(EXAMPLE_NRR, "rounded") == pytest.approx(90.56, abs=0.005)


@pytest.mark.parametrize(
    ("value", "mutu"),
    [
        (100.0, "A"),
        (88.31, "A"),
        (88.305, "A"),  # rounds to 88.31 (published precision)
        (88.30, "B"),
        (76.61, "B"),
        (76.60, "C"),
        (76.604, "C"),
        (65.00, "C"),
        (64.99, "D"),
        (64.994, "D"),
        (25.0, "D"),
        (24.75, "D"),  # all answers 1 with the rounded weight
    ],
)
def test_interval_boundaries(value, mutu):
    assert ikm.classify(value).mutu == mutu


def test_interval_table_matches_nrr_column():
    # the NRR column of the table is the index column / 25 (research notes §5)
    assert [g.nrr_low for g in ikm.INTERVALS] == pytest.approx([1.0, 2.6, 3.0644, 3.5324])
    assert [g.kinerja_id for g in ikm.INTERVALS] == ["Tidak baik", "Kurang baik", "Baik", "Sangat baik"]


KM_TABLE = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 35: 32, 40: 36, 45: 40, 50: 44, 55: 48, 60: 52,
    220: 140, 230: 144, 240: 148, 250: 152, 260: 155, 270: 159, 280: 162, 290: 165, 300: 169,
    320: 175, 340: 181, 1200: 291, 1300: 297, 1400: 302, 1500: 306, 1600: 310, 1700: 313,
    1800: 317, 1900: 320, 2000: 322, 2200: 327, 1_000_001: 384,
}  # fmt: skip


@pytest.mark.parametrize(("population", "sample"), sorted(KM_TABLE.items()))
def test_krejcie_morgan_table(population, sample):
    assert ikm.krejcie_morgan(population) == sample


def test_krejcie_morgan_rejects_nonsense():
    with pytest.raises(SakeraInputError):
        ikm.krejcie_morgan(0)
    assert ikm.krejcie_morgan(1) == 1
    t = ikm.sample_sizes({"kk_baru": 2000, "kia": 50})
    assert t["min_sample"].tolist() == [322, 44]


def test_bootstrap_is_seeded_and_covers_the_index():
    df = worked_example()
    a = ikm.compute(df, seed=3)
    b = ikm.compute(df, seed=3)
    c = ikm.compute(df, seed=4)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert a.ci_low < a.ikm < a.ci_high <= 100
    assert (a.nrr_ci["low"] <= a.nrr + 1e-12).all() and (a.nrr_ci["high"] >= a.nrr - 1e-12).all()


def test_breakdown_independent_of_row_order():
    df = worked_example()
    df["service"] = ["kk_baru" if i % 3 else "kia" for i in range(len(df))]
    t1 = ikm.breakdown(df, "service", seed=1)
    t2 = ikm.breakdown(df.iloc[::-1].reset_index(drop=True), "service", seed=1)
    pd.testing.assert_frame_equal(t1, t2)
    assert t1["respondents"].sum() == 29
    with pytest.raises(SakeraInputError, match="no column"):
        ikm.breakdown(df, "channel")


def _write(tmp_path, text: str):
    p = tmp_path / "s.csv"
    p.write_text(text, encoding="utf-8")
    return p


HEADER = "u1,u2,u3,u4,u5,u6,u7,u8,u9"


def test_import_drops_personal_columns_and_normalises(tmp_path):
    p = _write(
        tmp_path,
        f"Nama,NIK,{HEADER},kecamatan,jenis_kelamin,usia,service,channel\n"
        f"Siti,3527010101900001,4,3,3,4,3,3,4,3,4,Sreseh,perempuan,34,kk_baru,desa\n"
        f"Moh,3527010101900002,3,3,2,4,3,3,3,3,3,35.27.03,L,61,kia,office\n",
    )
    s = read_survey(p)
    assert s.dropped_columns == ["Nama", "NIK"]
    assert "nik" not in s.frame.columns and "Nama" not in s.frame.columns
    assert s.frame["kecamatan"].tolist() == ["35.27.01", "35.27.03"]
    assert s.frame["jenis_kelamin"].tolist() == ["P", "L"]
    assert s.frame["usia_band"].tolist() == ["25-34", "55+"]
    assert s.frame["u3"].tolist() == [3, 2]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"{HEADER}\n4,3,3,4,3,3,4,3,4\n3,3,5,4,3,3,3,3,3\n", "row 3, u3: answer '5' is outside 1-4"),
        (f"{HEADER}\n4,3,3,4,3,3,4,3,\n", "row 2, u9: answer empty is outside 1-4"),
        (f"{HEADER}\n4,3,3,4,3,3,4,3,2.5\n", "row 2, u9: answer '2.5' is outside 1-4"),
        ("u1,u2,u3,u4,u5,u6,u7,u8\n1,2,3,4,1,2,3,4\n", "missing answer column(s) ['u9']"),
        (f"{HEADER},warna\n1,2,3,4,1,2,3,4,1,merah\n", "unknown column(s) ['warna']"),
        (f"{HEADER},service\n1,2,3,4,1,2,3,4,1,paspor\n", "row 2, service: unknown service 'paspor'"),
        (f"{HEADER},kecamatan\n1,2,3,4,1,2,3,4,1,Atlantis\n", "row 2, kecamatan: unknown kecamatan"),
        (f"{HEADER}\n", "no respondents"),
    ],
)
def test_import_errors_name_row_and_column(tmp_path, body, message):
    with pytest.raises(SakeraInputError) as err:
        read_survey(_write(tmp_path, body))
    assert message in str(err.value)
    assert str(err.value).startswith(str(tmp_path / "s.csv"))


def test_cli_ikm_exit_2_on_bad_answer(tmp_path, capsys):
    p = _write(tmp_path, f"{HEADER}\n4,3,3,4,3,3,4,3,4\n3,0,3,4,3,3,3,3,3\n")
    assert main(["ikm", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 3, u2" in err and "Traceback" not in err


def test_cli_ikm_json_worked_example(tmp_path, capsys):
    p = tmp_path / "ex.csv"
    worked_example().to_csv(p, index=False)
    assert main(["ikm", str(p), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ikm"] == 91.48 and out["mutu"] == "A" and out["kinerja"] == "Sangat baik"
    assert main(["ikm", str(p), "--json", "--weights", "rounded"]) == 0
    assert json.loads(capsys.readouterr().out)["ikm"] == 90.56


def test_cli_sample_size(capsys):
    assert main(["survey", "sample-size", "2000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["min_sample"] == 322
    assert main(["survey", "sample-size", "0"]) == 2


@pytest.mark.parametrize("fmt", ["csv", "html", "pdf"])
def test_cli_template(tmp_path, fmt):
    out = tmp_path / f"k.{fmt}"
    assert main(["survey", "template", "--format", fmt, "--out", str(out)]) == 0
    data = out.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF")
        return
    text = data.decode("utf-8")
    for word in (
        "Tidak sesuai",
        "Sangat mahal",
        "Gratis",
        "Dikelola dengan baik",
        "pendidikan" if fmt == "csv" else "Pendidikan",
    ):
        assert word in text
    if fmt == "html":
        assert "http" not in text.lower().replace("http-equiv", "")
        assert text.count("<li>") == 9
    else:
        t = pd.read_csv(out)
        assert (t["bagian"] == "unsur").sum() == 9
    assert not list(tmp_path.glob(".*.tmp"))


def test_validate_survey_from_frame():
    raw = pd.DataFrame({f"u{j}": ["4"] for j in range(1, 10)})
    s = validate_survey(raw)
    assert ikm.compute(s.frame, resamples=0).ikm == 100.0

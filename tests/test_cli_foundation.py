"""The ``sakera`` command of the foundation issue, run as users run it (subprocess)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sakera_toolkit.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def sakera(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sakera_toolkit", *args], capture_output=True, text=True, cwd=cwd or ROOT, timeout=300
    )


def assert_clean_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]


def test_villages_csv_has_186_rows():
    proc = sakera("villages", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 186
    for col in ("village_code", "village_name", "village_type", "district_code", "district_name", "lat", "lon",
                "population", "distance_km", "travel_minutes", "travel_cost_idr"):  # fmt: skip
        assert col in rows[0]
    assert sum(int(r["population"]) for r in rows) == 1_033_926


def test_nik_generate_then_decode_round_trips():
    gen = sakera(
        "nik", "generate", "--district", "35.27.03", "--birth-date", "1990-05-01", "--sex", "F", "--sequence", "12"
    )
    assert gen.returncode == 0, gen.stderr
    number = gen.stdout.strip()
    assert number == "3527034105900012"
    dec = sakera("nik", "decode", number, "--json")
    assert dec.returncode == 0, dec.stderr
    info = json.loads(dec.stdout)
    assert info["birth_date"] == "1990-05-01" and info["sex"] == "F" and info["sequence"] == 12
    assert (info["province_name"], info["regency_name"], info["district_name"]) == (
        "Jawa Timur",
        "Kabupaten Sampang",
        "Sampang",
    )
    text = sakera("nik", "decode", number)
    assert "Kabupaten Sampang" in text.stdout and "1990-05-01" in text.stdout


def test_nik_decode_sample_persons():
    with open(SAMPLE / "persons.csv", encoding="utf-8") as fh:
        people = list(csv.DictReader(fh))[:1]
    for person in people:
        proc = sakera("nik", "decode", person["nik"], "--json", "--reference-date", "2025-06-30")
        assert proc.returncode == 0, proc.stderr
        info = json.loads(proc.stdout)
        assert info["birth_date"] == person["birth_date"] and info["sex"] == person["sex"]
    kk = sakera("nik", "decode", people[0]["kk_number"], "--kk", "--json", "--reference-date", "2025-06-30")
    assert kk.returncode == 0 and json.loads(kk.stdout)["district_code"] == people[0]["district_code"]


@pytest.mark.parametrize(
    ("number", "part"),
    [
        ("35270341059", "length"),
        ("35270341059000x1", "digits"),
        ("3527033102900001", "date"),
        ("3527037205900001", "date"),
        ("3527034105900000", "sequence"),
    ],
)
def test_bad_nik_exits_2_with_one_line(number, part):
    assert_clean_error(sakera("nik", "decode", number), f": {part}: ", number)


@pytest.mark.parametrize(
    ("number", "part"),
    [("9927034105900001", "province"), ("3599034105900001", "regency"), ("3527994105900001", "kecamatan")],
)
def test_unknown_region_of_a_nik_is_a_warning_not_an_error(number, part):
    """research-notes §9.5: NIKs keep retired or renumbered region codes; an unknown prefix is no forgery."""
    proc = sakera("nik", "decode", number)
    assert proc.returncode == 0, proc.stderr
    assert f"warning: {part}: " in proc.stderr and "Traceback" not in proc.stderr
    assert number in proc.stdout and "(kode wilayah tidak dikenal)" in proc.stdout
    js = sakera("nik", "decode", number, "--json")
    assert js.returncode == 0 and json.loads(js.stdout)["warnings"][0].startswith(part)


def test_nik_generate_bad_district_exits_2():
    assert_clean_error(
        sakera("nik", "generate", "--district", "35.27.99", "--birth-date", "1990-05-01", "--sex", "M"), "35.27.99"
    )


def test_services_list_and_show():
    proc = sakera("services", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["service_id"] for r in rows][:3] == ["kk_baru", "kk_perubahan", "kk_hilang_rusak"]
    assert len(rows) == 13 and set(rows[0]) == {"service_id", "name_id", "name_en"}
    show = sakera("services", "show", "akta_kelahiran", "--json")
    assert show.returncode == 0
    assert json.loads(show.stdout)["reporting_deadline_days"] == 60
    text = sakera("services", "show", "ktp_baru")
    assert text.returncode == 0 and "biometrik" in text.stdout and "kantor / office" in text.stdout


def test_services_show_unknown_exits_2():
    assert_clean_error(sakera("services", "show", "ktp_kilat"), "ktp_kilat", "kk_baru")


def test_sample_data_twice_is_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        proc = sakera("sample-data", "--seed", "42", "--out", str(out))
        assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in a.iterdir())
    assert names == ["households.csv", "persons.csv", "requests.csv", "services.csv", "survey_skm.csv", "villages.csv"]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    other = tmp_path / "c"
    assert sakera("sample-data", "--seed", "7", "--out", str(other)).returncode == 0
    assert (other / "persons.csv").read_bytes() != (a / "persons.csv").read_bytes()
    assert (other / "villages.csv").read_bytes() != (a / "villages.csv").read_bytes()  # in_sample differs
    with open(a / "persons.csv", encoding="utf-8") as fh:
        persons = list(csv.DictReader(fh))
    assert 200 <= len(persons) <= 500
    assert len({p["district_code"] for p in persons}) >= 5


def test_committed_sample_data_equals_a_fresh_default_run(tmp_path):
    proc = sakera("sample-data", "--seed", "42", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    fresh = sorted(p.name for p in tmp_path.glob("*.csv"))
    committed = sorted(p.name for p in SAMPLE.glob("*.csv"))
    # later issues may add files; every committed CSV must be produced, and every produced one committed
    assert fresh == committed
    for name in fresh:
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"sample_data/{name} is stale: regenerate it"
        )
    assert (SAMPLE / "README.md").exists()


def test_sample_data_bad_out_exits_2(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    assert_clean_error(sakera("sample-data", "--out", str(target)), "not a directory")


def _walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*prefix, name))


def test_every_subcommand_has_help(capsys):
    commands = list(_walk(build_parser()))
    names = {c for c, _ in commands}
    for expected in [
        ("villages",),
        ("services",),
        ("services", "show"),
        ("nik",),
        ("nik", "decode"),
        ("nik", "generate"),
        ("sample-data",),
    ]:
        assert expected in names
    for path, parser in commands:
        if path:
            assert parser.description, f"sakera {' '.join(path)} has no description"
        with pytest.raises(SystemExit) as info:
            build_parser().parse_args([*path, "--help"])
        assert info.value.code == 0, path
    out = capsys.readouterr().out
    assert "usage: sakera" in out


@pytest.mark.parametrize("args", [("--help",), ("nik", "decode", "--help")])
def test_help_in_a_subprocess(args):
    proc = sakera(*args)
    assert proc.returncode == 0 and "usage:" in proc.stdout


def test_json_output_is_standard_json_without_nan_or_infinity():
    """NaN and infinities (a CI of one replication, an unreachable capacity) are written as null:
    jq and JavaScript reject the bare NaN / Infinity that Python's json module writes by default."""
    import numpy as np

    from sakera_toolkit.cli._output import emit_json

    buf = io.StringIO()
    emit_json({"a": float("nan"), "b": [1.5, float("inf"), {"c": np.float64("-inf")}], "d": (np.float64(2.0),)}, buf)

    def refuse(token: str) -> float:
        raise AssertionError(f"non-standard JSON constant {token}")

    assert json.loads(buf.getvalue(), parse_constant=refuse) == {"a": None, "b": [1.5, None, {"c": None}], "d": [2.0]}

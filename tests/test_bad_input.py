"""Every ``sakera`` entry point refuses malformed input with exit 2 and one line (docs/bad-input.md).

The corpus is ``tests/data/bad/corpus.py``; ``tests/data/bad/run_corpus.py`` runs the same cases in
subprocesses with a memory limit and counts them (the before/after figures of docs/bad-input.md).
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import string
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sakera_toolkit import _io
from sakera_toolkit.cli import COMMANDS, build_parser, main
from sakera_toolkit.errors import SakeraInputError

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bad_corpus", ROOT / "tests" / "data" / "bad" / "corpus.py")
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-gen") / "gen"
    corpus.generate_into(folder)
    return folder


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not str(p.relative_to(folder)).startswith("gen")}


def _case_params():
    for case_id, argv, expected in corpus.CASES:
        marks = []
        if case_id in corpus.KNOWN_GAPS:
            marks.append(pytest.mark.xfail(run=False, reason=corpus.KNOWN_GAPS[case_id]))
        yield pytest.param(argv, expected, case_id, id=case_id, marks=marks)


@pytest.mark.parametrize(("argv", "expected", "case_id"), list(_case_params()))
def test_bad_input_is_one_line_exit_2(argv, expected, case_id, tmp_path, generated, monkeypatch, capsys):
    (tmp_path / "gen").symlink_to(generated)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SAKERA_DATABASE_URL", f"sqlite:///{tmp_path}/default.db")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("SAKERA_DEBUG", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-Sakera-2025\n" if case_id in corpus.STDIN else ""))
    before = _files(tmp_path)
    args = [a.replace("{d}", str(corpus.HERE)).replace("{t}", str(tmp_path)) for a in argv]
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert code == 2, err
    assert len(lines) == 1, err
    assert re.search(expected, lines[0], re.IGNORECASE), lines[0]
    assert _files(tmp_path) == before, "a failing command left files behind"


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory):
    """A folder on a 64 KiB tmpfs filled to the last block (a real ENOSPC, no monkeypatching)."""
    folder = tmp_path_factory.mktemp("full-disk")
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        with open(folder / "filler", "wb", buffering=0) as fh:
            try:
                while fh.write(b"\0" * 1024):
                    pass
            except OSError:
                pass  # ENOSPC: the disk is full now
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.parametrize(("case_id", "argv", "expected"), corpus.FULL_DISK_CASES, ids=[c[0] for c in corpus.FULL_DISK_CASES])
def test_full_disk_is_one_line_exit_2(argv, expected, case_id, tmp_path, full_disk, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SAKERA_DATABASE_URL", f"sqlite:///{tmp_path}/default.db")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("SAKERA_DEBUG", raising=False)
    assert main(["db", "upgrade", "--db", f"sqlite:///{tmp_path}/src.db"]) == 0
    capsys.readouterr()
    before, before_full = _files(tmp_path), sorted(p.name for p in full_disk.iterdir())
    args = [a.replace("{full}", str(full_disk)).replace("{t}", str(tmp_path)) for a in argv]
    code = main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 2, err
    assert len(lines) == 1, err
    assert re.search(expected.replace("{full}", re.escape(str(full_disk))), lines[0], re.IGNORECASE), lines[0]
    # reading the source database in WAL mode read-only leaves SQLite's own -wal/-shm beside it
    sidecars = {f"{name}{suffix}" for name in before for suffix in ("-wal", "-shm")}
    assert _files(tmp_path) - sidecars == before, "a failing command left files behind"
    assert sorted(p.name for p in full_disk.iterdir()) == before_full, "a half-written file was left on the full disk"


def _make_db(args):
    from sakera_toolkit.store.db import make_engine

    make_engine(args.db).dispose()
    with make_engine(args.db).begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    raise KeyboardInterrupt


def test_a_failed_command_removes_the_database_it_created_but_serve_keeps_its_own(tmp_path):
    import argparse

    from sakera_toolkit.cli import _call

    url = f"sqlite:///{tmp_path}/new/a.db"
    with pytest.raises(KeyboardInterrupt):
        _call(_make_db, argparse.Namespace(db=url))
    assert not (tmp_path / "new").exists()  # file, -wal/-shm and the folder it made are gone
    with pytest.raises(KeyboardInterrupt):
        _call(_make_db, argparse.Namespace(db=url, keeps_new_database=True))
    assert (tmp_path / "new" / "a.db").is_file()  # a server's database is kept whatever happens
    assert build_parser().parse_args(["serve"]).keeps_new_database


def test_corpus_is_large_and_covers_every_command():
    assert len(corpus.CASES) >= 100
    assert len({c[0] for c in corpus.CASES}) == len(corpus.CASES)
    named = {c[1][0] for c in corpus.CASES}
    assert set(COMMANDS) <= named, set(COMMANDS) - named
    assert set(corpus.KNOWN_GAPS) <= {c[0] for c in corpus.CASES}


def test_commands_table_matches_the_modules():
    """The lazy table names every command with the help its module registers."""
    import argparse

    full = build_parser()
    sub = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    assert {c.dest: c.help for c in sub._choices_actions} == {n: h for n, (_m, h) in COMMANDS.items()}


def test_help_imports_no_heavy_module():
    import subprocess
    import sys

    code = (
        "import sys\nfrom sakera_toolkit.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'sqlalchemy', 'yaml', 'scipy') if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"


# --------------------------------------------------------------------------------------------
# the readers themselves
# --------------------------------------------------------------------------------------------
def test_alias_bomb_is_refused_fast():
    text = (corpus.HERE / "scenario_alias_bomb.yaml").read_text()
    start = time.perf_counter()
    with pytest.raises(SakeraInputError, match="alias"):
        _io.parse_yaml(text, "bomb.yaml")
    assert time.perf_counter() - start < 2.0


def test_duplicate_key_names_both_lines():
    with pytest.raises(SakeraInputError, match=r"x.yaml: line 3: duplicate key 'a' \(first on line 1\)"):
        _io.parse_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")


def test_merge_keys_and_small_aliases_still_work():
    data, _node = _io.parse_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n", "ok.yaml")
    assert data["other"] == {"x": 1, "y": 3}
    assert data["list"] == [{"x": 1, "y": 2}] * 2


def test_depth_limit():
    ok = "x: " + "[" * (_io.MAX_YAML_DEPTH - 2) + "]" * (_io.MAX_YAML_DEPTH - 2)
    _io.parse_yaml(ok, "ok")
    with pytest.raises(SakeraInputError, match="nested deeper"):
        _io.parse_yaml("x: " + "[" * 10_000 + "]" * 10_000, "deep")


def test_impossible_date_names_the_line():
    with pytest.raises(SakeraInputError, match=r"d.yaml: line 2.*2022-02-30"):
        _io.parse_yaml("a: 1\nday: 2022-02-30\n", "d.yaml")


def test_csv_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(_io, "MAX_CSV_ROWS", 3)
    f = tmp_path / "rows.csv"
    f.write_text("a\n1\n2\n3\n")
    assert len(_io.read_csv_text(f)) == 3
    f.write_text("a\n1\n2\n3\n4\n")
    with pytest.raises(SakeraInputError, match="too many rows"):
        _io.read_csv_text(f)


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("١٠٠", {}, "not a number"),
        ("1e30", {"maximum": 1e7}, "<= 1e\\+07"),
        ("-1", {}, ">= 0"),
        ("1.5", {"whole": True}, "whole number"),
        ("inf", {}, "finite"),
    ],
)
def test_parse_number_refuses(text, kwargs, message):
    with pytest.raises(SakeraInputError, match=message):
        _io.parse_number(text, "f.csv", "row 2, population", **kwargs)


def test_one_atomic_writer():
    from sakera_toolkit.sandbox import exports
    from sakera_toolkit.sim import _write

    assert _write.atomic_write is _io.atomic_write
    assert exports.write_atomic is _io.write_atomic


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def boom(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        _io.atomic_write(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


_yaml_chars = st.sampled_from(list(string.printable) + ["&a", "*a", "<<", "- ", ": ", "[", "{", "\u00e9", "\t"])


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_yaml_chars, max_size=200).map("".join))
def test_fuzz_yaml_reader_returns_or_refuses(text):
    try:
        _io.parse_yaml(text, "fuzz.yaml")
    except SakeraInputError as exc:
        assert str(exc).startswith("fuzz.yaml")
        assert "\n" not in str(exc)


@settings(
    max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_fuzz_csv_reader_returns_or_refuses(tmp_path, data):
    f = tmp_path / "fuzz.csv"
    f.write_bytes(data)
    try:
        _io.read_csv_text(f)
    except SakeraInputError as exc:
        assert str(exc).startswith(str(f))


def test_users_add_with_bad_class_leaves_no_user_and_no_audit_row(tmp_path, monkeypatch, capsys):
    from sqlalchemy import func, select

    from sakera_toolkit.store.db import session_scope
    from sakera_toolkit.store.models import AuditLog, User

    url = f"sqlite:///{tmp_path}/store.db"
    assert main(["db", "upgrade", "--db", url]) == 0

    def add(*extra: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO("pw-Sakera-2025\n"))
        return main(["users", "add", *extra, "--password-stdin", "--db", url])

    assert add("pelatih1", "--role", "trainer") == 0
    with session_scope(url) as s:
        users_before = s.scalar(select(func.count()).select_from(User))
        audit_before = s.scalar(select(func.count()).select_from(AuditLog))
    capsys.readouterr()
    assert add("peserta1", "--role", "trainee", "--class", "no-such-class") == 2
    assert "no-such-class" in capsys.readouterr().err
    with session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(User)) == users_before
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audit_before
    # the same class that exists: the trainee is added and joins it in one transaction
    assert main(["users", "class", "Angkatan-1", "--trainer", "pelatih1", "--db", url]) == 0
    assert add("peserta1", "--role", "trainee", "--class", "Angkatan-1") == 0


def test_db_current_on_a_missing_file_creates_nothing(tmp_path, capsys):
    assert main(["db", "current", "--db", f"sqlite:///{tmp_path}/none.db"]) == 0
    assert "(none)" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_scenarios_list_wraps_descriptions_in_english(capsys):
    assert main(["scenarios", "list", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "office-only" in out and "The pre-Sakera situation" in out
    assert max(len(line) for line in out.splitlines()) <= 120
    assert "Dispendukcapil" in out  # wrapped, not cut at 90 characters


def test_serve_on_a_taken_port_creates_no_database_and_no_secret(tmp_path, capsys):
    """A ``serve`` that cannot listen says so on one line (exit 2) and leaves no file behind."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        db = tmp_path / "kelas.db"
        code = main(["serve", "--db", f"sqlite:///{db}", "--port", str(port), "--address", "127.0.0.1", "--no-show"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and f"127.0.0.1:{port}" in err[0] and "Traceback" not in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == []

"""Shared pytest fixtures.

Sections (append new fixtures under a heading of their own):

- PostgreSQL: a throwaway server for the whole session (``postgres_url``) and a fresh database
  per test (``postgres_db_url``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

# --- PostgreSQL ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SAKERA_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"SAKERA_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


def _as_postgres(command: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``command`` as the ``postgres`` user when we are root (initdb refuses root)."""
    argv = ["su", "postgres", "-c", command] if os.geteuid() == 0 else ["sh", "-c", command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a throwaway PostgreSQL server (``postgres`` superuser, trust auth, loopback only).

    Skips when the PostgreSQL binaries are missing, unless ``SAKERA_REQUIRE_POSTGRES=1`` (CI),
    in which case the test fails.
    """
    bindir = _postgres_bindir()
    if bindir is None:
        _skip_or_fail("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _skip_or_fail("psycopg is not installed")
    if os.geteuid() == 0 and shutil.which("su") is None:
        _skip_or_fail("running as root without `su` to start PostgreSQL as user postgres")

    base = Path(tempfile.mkdtemp(prefix="sakera-pg-"))
    if os.geteuid() == 0:
        subprocess.run(["chown", "postgres", str(base)], check=True)
    data, log = base / "data", base / "server.log"
    init = _as_postgres(f"{bindir}/initdb -D {data} -A trust -U postgres -E UTF8 --no-sync")
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        _skip_or_fail(f"initdb failed: {init.stderr.strip()[-300:]}")
    port = None
    for _ in range(3):  # a free port can be taken between the check and the start
        port = _free_port()
        start = _as_postgres(
            f"{bindir}/pg_ctl -D {data} -l {log} -w -t 30 "
            f"-o '-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=on' start"
        )
        if start.returncode == 0:
            break
    else:
        detail = log.read_text(errors="replace")[-500:] if log.exists() else start.stderr
        shutil.rmtree(base, ignore_errors=True)
        _skip_or_fail(f"pg_ctl start failed: {detail.strip()}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres(f"{bindir}/pg_ctl -D {data} -m fast -w -t 30 stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_db_url(postgres_url):
    """URL of a fresh, empty database on the session's PostgreSQL server (dropped afterwards)."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()

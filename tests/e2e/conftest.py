"""Fixtures of the browser tests: Debian's Chromium for Playwright and a real ``sakera serve``.

The tests that drive a browser skip when ``/usr/bin/chromium`` is missing, unless
``SAKERA_REQUIRE_BROWSER=1`` (CI), in which case they fail; the HTTP and websocket access tests
need no browser and always run. Screenshots go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
#: Seconds allowed for ``sakera serve`` to answer after it was started.
STARTUP_TIMEOUT_S = 90.0


def _browser_missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _browser_missing_reason()
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent != here:
            continue
        uses_browser = bool({"page", "browser", "context", "new_context"} & set(getattr(item, "fixturenames", ())))
        if not uses_browser:
            continue
        item.add_marker(pytest.mark.browser)
        if reason is not None and os.environ.get("SAKERA_REQUIRE_BROWSER") != "1":
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _require_browser(request):
    reason = _browser_missing_reason()
    uses_browser = bool({"page", "browser", "context"} & set(request.fixturenames))
    if uses_browser and reason is not None and os.environ.get("SAKERA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SAKERA_REQUIRE_BROWSER=1 but {reason}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # a small laptop screen
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}, "locale": "id-ID"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``sakera serve`` on a loopback port with its own SQLite database, started and killed by PID."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.db_path = workdir / "sakera-e2e.db"
        self.db_url = f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / "server.log"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "SAKERA_DATABASE_URL"}
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed when the process is reaped
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sakera_toolkit",
                "serve",
                "--db",
                self.db_url,
                "--demo",
                "--port",
                str(self.port),
                "--address",
                "127.0.0.1",
                "--no-show",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sakera serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/liveness", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.kill()
        raise RuntimeError(f"sakera serve did not answer within {STARTUP_TIMEOUT_S} s:\n{self.log_tail()}")

    def kill(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
        self.proc = None

    def log_tail(self, n: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-n:] if self.log_path.exists() else ""


@pytest.fixture(scope="session")
def sakera_server(tmp_path_factory):
    """A running ``sakera serve`` with the demo users on a temporary SQLite database."""
    server = ServerProcess(tmp_path_factory.mktemp("sakera-serve"))
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def server_process():
    """Factory of extra servers (each on its own database in the given directory)."""
    started: list[ServerProcess] = []

    def make(workdir: Path) -> ServerProcess:
        server = ServerProcess(workdir)
        started.append(server)
        return server

    yield make
    for server in started:
        server.kill()

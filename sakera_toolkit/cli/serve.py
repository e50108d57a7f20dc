"""``sakera serve``: start the operator training sandbox (Panel app).

Panel is imported only inside :func:`run`, so the core package and the rest of the command line
stay importable without it.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from ..errors import SakeraInputError

DEFAULT_PORT = 5006
DEFAULT_ADDRESS = "127.0.0.1"


def register(sub) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser(
        "serve",
        help="start the training sandbox web app (trainee practice, trainer dashboard, summary)",
        description="Start the Panel web app of the operator training sandbox. Without --db (and without "
        "SAKERA_DATABASE_URL) it uses the default SQLite file; on the first run it creates that database "
        "with sample users in DEMO MODE and prints how to log in. With --db URL an empty database gets the "
        "schema; a database at an older schema must first be upgraded with `sakera db upgrade`.",
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 = any free port)"
    )
    p.add_argument(
        "--address",
        default=DEFAULT_ADDRESS,
        help=f"address to listen on (default {DEFAULT_ADDRESS}: this computer only)",
    )
    p.add_argument("--db", metavar="URL", help="database URL (default: $SAKERA_DATABASE_URL, else the SQLite file)")
    p.add_argument(
        "--demo",
        action="store_true",
        help="also with --db: put the demo users into the database if it has no users yet",
    )
    p.add_argument("--no-show", action="store_true", help="do not open a browser tab")
    p.set_defaults(func=run)


def _import_apps():
    """Import :mod:`apps.server`, from the source tree next to the package if it is not installed."""
    try:
        return importlib.import_module("apps.server")
    except ModuleNotFoundError as exc:
        if exc.name not in ("apps", "apps.server"):
            raise
    root = Path(__file__).resolve().parents[2]
    if not (root / "apps" / "server.py").is_file():
        raise SakeraInputError(
            "the web app (apps/) is not available: run `sakera serve` from a clone of the repository "
            'installed with `pip install -e ".[app]"`'
        )
    sys.path.insert(0, str(root))
    return importlib.import_module("apps.server")


def prepare_database(db_url: str, seed: bool) -> tuple[bool, bool, int]:
    """Make sure the store schema is current; with ``seed`` put the demo users into an empty store.

    In demo mode (with ``seed``) ``peserta2`` also gets its sample practice history once
    (:func:`sakera_toolkit.store.demo.seed_demo_history`), so the trainer dashboard is not empty.

    Returns ``(seeded_now, demo_mode, history_attempts)``: demo mode is on for a database filled by
    the demo seeding; ``history_attempts`` is the number of sample attempts in it (0 if none).
    """
    from ..store import demo as store_demo
    from ..store.db import make_engine, make_session_factory
    from ..store.migrations import ensure_schema

    engine = make_engine(db_url)
    try:
        ensure_schema(engine)
        with make_session_factory(engine)() as session:
            seeded = store_demo.seed_demo(session) if seed else False
            demo = store_demo.is_demo(session)
            if seed and demo:
                store_demo.seed_demo_history(session)
            return bool(seeded), demo, store_demo.history_attempts(session)
    finally:
        engine.dispose()


def run(args) -> int:
    """Prepare the database, start the server and serve until interrupted."""
    from ..store.db import ENV_VAR, resolve_url

    if not 0 <= args.port <= 65535:
        raise SakeraInputError(f"port {args.port} out of range 0-65535", location="--port")
    explicit = bool(args.db or os.environ.get(ENV_VAR))
    db_url = resolve_url(args.db)
    seeded, demo, history = prepare_database(db_url, seed=args.demo or not explicit)
    from ..store import demo as store_demo

    logins = tuple((d.username, d.password, d.role) for d in store_demo.DEMO_USERS) if demo else ()
    server_mod = _import_apps()
    try:
        server = server_mod.make_server(
            db_url,
            port=args.port,
            address=args.address,
            show=False,
            demo_mode=demo,
            demo_logins=logins,
        )
    except OSError as exc:
        raise SakeraInputError(
            f"cannot listen on {args.address}:{args.port} ({exc.strerror or exc})", location="--port/--address"
        ) from None
    server.start()
    host = "127.0.0.1" if args.address in ("0.0.0.0", "") else args.address
    url = f"http://{host}:{server.port}/"
    if demo:
        print("=" * 72)
        print(store_demo.login_help("id"))
        if history:
            print(
                f"  riwayat latihan contoh untuk {store_demo.HISTORY_TRAINEE} ({history} percobaan) / "
                f"sample practice history for {store_demo.HISTORY_TRAINEE} ({history} attempts)"
            )
        print(f"database: {db_url}" + (" (dibuat sekarang / created now)" if seeded else ""))
        print("=" * 72)
    print(f"Sakera training sandbox running at {url}  (Ctrl+C to stop)", flush=True)
    if not args.no_show:
        server.io_loop.add_callback(server.show, "/")
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        importlib.import_module("apps.casegen").shutdown_pool()
    return 0

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
from . import _args

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
    p.add_argument("--port", type=_args.whole(0, 65535), default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument("--address", default=DEFAULT_ADDRESS,
                   help=f"address to listen on (default {DEFAULT_ADDRESS}: this computer only)")
    p.add_argument("--db", metavar="URL", help="database URL (default: $SAKERA_DATABASE_URL, else the SQLite file)")
    p.add_argument("--demo", action="store_true",
                   help="also with --db: put the demo users into the database if it has no users yet")
    p.add_argument("--no-show", action="store_true", help="do not open a browser tab")
    net = p.add_argument_group("classroom network (see docs/classroom.md)")
    net.add_argument("--lan", action="store_true",
                     help="listen on every network interface and accept this computer's own addresses, so "
                     "trainee PCs on the office network can open the app; prints the addresses and a QR code")
    net.add_argument("--allow-origin", action="append", default=[], metavar="HOST[:PORT]",
                     help="also accept pages opened as http(s)://HOST[:PORT] (a host name, a proxy); repeatable")
    net.add_argument("--cert", metavar="FILE", help="TLS certificate (PEM): serve HTTPS (with --key)")
    net.add_argument("--key", metavar="FILE", help="TLS private key (PEM) of --cert")
    net.add_argument("--behind-proxy", action="append", default=[], metavar="ADDRESS",
                     help="a reverse proxy (address or network) doing TLS in front of this server: its "
                     "X-Forwarded-Proto/For are believed, nobody else's; cookies are then Secure; repeatable")
    net.add_argument("--num-procs", type=_args.positive_int(64), default=1, metavar="N",
                     help="fork N server processes on the same port (PostgreSQL recommended; default 1)")
    # a server's new database holds the class's work from the first login on: never removed by
    # cli.main's clean-up of failed commands (a Ctrl-C or a crash after hours must keep it)
    p.set_defaults(func=run, keeps_new_database=True)


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
            "installed with `pip install -e \".[app]\"`"
        )
    sys.path.insert(0, str(root))
    return importlib.import_module("apps.server")


def prepare_database(db_url: str, seed: bool, *, seed_if_new: bool = False) -> tuple[bool, bool, int]:
    """Make sure the store schema is current; with ``seed`` put the demo users into an empty store.

    ``seed_if_new``: seed only if the database has no schema yet (a brand-new default file); a
    database an admin prepared with ``sakera db upgrade`` never gets the public demo passwords.
    In demo mode ``peserta2`` also gets its sample practice history once
    (:func:`sakera_toolkit.store.demo.seed_demo_history`), so the trainer dashboard is not empty.

    Returns ``(seeded_now, demo_mode, history_attempts)``: demo mode is on for a database filled by
    the demo seeding; ``history_attempts`` is the number of sample attempts in it (0 if none).
    """
    from ..store import demo as store_demo
    from ..store.db import make_engine, make_session_factory
    from ..store.migrations import current, ensure_schema

    engine = make_engine(db_url)
    try:
        if seed_if_new and not seed:
            seed = current(engine) is None
        ensure_schema(engine)
        with make_session_factory(engine)() as session:
            seeded = store_demo.seed_demo(session) if seed else False
            demo = store_demo.is_demo(session)
            if seed and demo:
                store_demo.seed_demo_history(session)
            return bool(seeded), demo, store_demo.history_attempts(session)
    finally:
        engine.dispose()


def _user_count(db_url: str) -> int:
    from sqlalchemy import func, select

    from ..store.db import session_scope
    from ..store.models import User

    with session_scope(db_url) as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def _check_options(args) -> tuple[str, tuple[str, str] | None]:
    if not 0 <= args.port <= 65535:
        raise SakeraInputError(f"port {args.port} out of range 0-65535", location="--port")
    if bool(args.cert) != bool(args.key):
        raise SakeraInputError("--cert and --key go together", location="--cert/--key")
    ssl_files = None
    if args.cert:
        for flag, path in (("--cert", args.cert), ("--key", args.key)):
            if not Path(path).is_file():
                raise SakeraInputError(f"file not found: {path}", location=flag)
        ssl_files = (str(args.cert), str(args.key))
    if not 1 <= args.num_procs <= 64:
        raise SakeraInputError(f"{args.num_procs} out of range 1-64", location="--num-procs")
    if args.num_procs > 1 and args.port == 0:
        raise SakeraInputError("--num-procs needs a fixed --port", location="--num-procs")
    if args.behind_proxy:
        from ipaddress import ip_network

        for value in args.behind_proxy:
            try:
                ip_network(value, strict=False)
            except ValueError:
                raise SakeraInputError(f"not an IP address or network: {value!r}", location="--behind-proxy") from None
    for origin in args.allow_origin:
        host = origin.rsplit(":", 1)[0] if origin.count(":") == 1 else origin
        if not host or "/" in origin or any(ch.isspace() for ch in origin):
            raise SakeraInputError(f"expected HOST or HOST:PORT, got {origin!r}", location="--allow-origin")
    address = "0.0.0.0" if args.lan and args.address == DEFAULT_ADDRESS else args.address
    return address, ssl_files


def _print_classroom(args, port: int, ssl_files: tuple[str, str] | None, server_mod) -> None:
    lan = importlib.import_module("apps.lan")
    scheme = "https" if ssl_files or args.behind_proxy else "http"
    urls = lan.trainee_urls(port, scheme)
    print("Alamat untuk peserta / address for trainees:")
    for url in urls:
        print(f"  {url}")
    print(lan.qr_terminal(urls[0]), end="")
    if scheme == "http":
        print("PERINGATAN / WARNING: HTTP biasa - kata sandi peserta lewat jaringan tanpa enkripsi; siapa pun di "
              "Wi-Fi yang sama dapat membacanya. Pakai --cert FILE --key FILE (HTTPS) atau proxy TLS "
              "(--behind-proxy). / plain HTTP: passwords cross the shared network unencrypted; use --cert/--key "
              "or a TLS proxy.", file=sys.stderr)


def _check_can_listen(address: str, port: int) -> None:
    """Refuse at once (exit 2) a port that is taken or an address this machine does not have.

    Binds and closes a socket the way the server will (``SO_REUSEADDR``, the first address the
    name resolves to), so that a failing ``serve`` creates no database and no cookie-secret file.
    """
    import socket

    if not port:
        return
    try:
        infos = socket.getaddrinfo(address or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _name, sockaddr = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(sockaddr)
            probe.listen(1)
    except OSError as exc:
        raise SakeraInputError(f"cannot listen on {address}:{port} ({exc.strerror or exc})",
                               location="--port/--address") from None


def run(args) -> int:
    """Prepare the database, start the server and serve until interrupted."""
    from ..store.db import ENV_VAR, resolve_url

    address, ssl_files = _check_options(args)
    _check_can_listen(address, args.port)  # before the database or the cookie-secret file exist
    explicit = bool(args.db or os.environ.get(ENV_VAR))
    db_url = resolve_url(args.db)
    seeded, demo, history = prepare_database(db_url, seed=args.demo, seed_if_new=not explicit)
    from ..store import demo as store_demo

    logins = tuple((d.username, d.password, d.role) for d in store_demo.DEMO_USERS) if demo else ()
    server_mod = _import_apps()
    try:
        server = server_mod.make_server(
            db_url,
            port=args.port,
            address=address,
            show=False,
            demo_mode=demo,
            demo_logins=logins,
            lan=args.lan,
            allow_origins=tuple(args.allow_origin),
            ssl_files=ssl_files,
            trusted_proxies=tuple(args.behind_proxy),
            num_procs=args.num_procs,
        )
    except OSError as exc:
        raise SakeraInputError(f"cannot listen on {address}:{args.port} ({exc.strerror or exc})",
                               location="--port/--address") from None
    except ValueError as exc:  # e.g. an unreadable certificate
        raise SakeraInputError(str(exc), location="--cert/--key") from None
    server.start()
    server_mod.start_background_work(server)
    first_process = _is_first_process()
    scheme = "https" if ssl_files else "http"
    host = "127.0.0.1" if address in ("0.0.0.0", "") else address
    url = f"{scheme}://{host}:{server.port}/"
    if first_process:
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
        elif _user_count(db_url) == 0:
            print("Belum ada pengguna: buat dengan `sakera users add` (atau jalankan dengan --demo). / "
                  "No users yet: create them with `sakera users add` (or start with --demo).", file=sys.stderr)
        print(f"Sakera training sandbox running at {url}  (Ctrl+C to stop)", flush=True)
        if args.lan:
            _print_classroom(args, server.port, ssl_files, server_mod)
        sys.stdout.flush()
    if not args.no_show and first_process:
        server.io_loop.add_callback(server.show, "/")
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        server_mod.stop_background_work(server)
    return 0


def _is_first_process() -> bool:
    """True in the only process, or in task 0 of ``--num-procs`` (prints once, not N times)."""
    from tornado.process import task_id

    tid = task_id()
    return tid is None or tid == 0

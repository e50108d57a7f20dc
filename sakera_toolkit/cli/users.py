"""``sakera users``: add training-sandbox users and list them.

Passwords are never taken as an argument (they would end up in the shell history and in ``ps``):
``users add`` prompts twice on a terminal, or reads one line from standard input with
``--password-stdin``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ..errors import SakeraInputError
from ._output import add_format_argument, emit_frame
from .db import add_db_argument

ROLES = ("trainer", "trainee", "evaluator")


class _RefusePasswordArgument(argparse.Action):
    """``--password``/``-p`` exist only to refuse a password on the command line (without echoing it)."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(
            f"{option_string}: passwords are never accepted as a command-line argument: answer the "
            "prompt, or pipe the password in with --password-stdin"
        )


def register(sub) -> None:
    """Add ``sakera users add``, ``sakera users class`` and ``sakera users list``."""
    p = sub.add_parser(
        "users",
        help="add or list users of the training sandbox (trainers, trainees, evaluators)",
        description="Manage the users of the training sandbox. Passwords are hashed with Argon2id and "
        "never accepted on the command line.",
    )
    usub = p.add_subparsers(dest="users_command", metavar="ACTION", parser_class=type(p))

    add = usub.add_parser(
        "add",
        help="add a user (password prompted, or read from stdin with --password-stdin)",
        description="Add a user. On a terminal the password is asked twice; otherwise pass "
        "--password-stdin and write the password as one line on standard input.",
        allow_abbrev=False,
    )
    add.add_argument("name", metavar="NAME", help="username: 2-64 lowercase letters, digits, '.', '_' or '-'")
    add.add_argument("--role", required=True, choices=ROLES, help="trainer, trainee or evaluator")
    add.add_argument(
        "--village",
        metavar="CODE",
        action="append",
        default=[],
        help="Kemendagri code of a village the user serves, e.g. 35.27.03.2001 (repeatable)",
    )
    add.add_argument("--display-name", metavar="TEXT", help="name shown in the app (default: NAME)")
    add.add_argument("--password-stdin", action="store_true", help="read the password as one line from standard input")
    add.add_argument("--password", "-p", nargs="?", action=_RefusePasswordArgument, help=argparse.SUPPRESS)
    add.add_argument("--class", dest="class_name", metavar="CLASS", help="add the trainee to this existing class")
    add_db_argument(add)
    add.set_defaults(func=run_add)

    cls = usub.add_parser(
        "class",
        help="create a class (cohort) taught by a trainer",
        description="Create a class taught by TRAINER; add trainees with `sakera users add ... --class NAME` "
        "or --trainee here.",
    )
    cls.add_argument("name", metavar="NAME", help="class name, e.g. 'Angkatan 2025-1'")
    cls.add_argument("--trainer", required=True, metavar="USER", help="username of the trainer")
    cls.add_argument("--trainee", metavar="USER", action="append", default=[], help="add this trainee (repeatable)")
    add_db_argument(cls)
    cls.set_defaults(func=run_class)

    lst = usub.add_parser(
        "list",
        help="list users (never their password hashes)",
        description="List users with role, active flag, villages served and classes.",
    )
    lst.add_argument("--role", choices=ROLES, help="only users with this role")
    add_format_argument(lst)
    add_db_argument(lst)
    lst.set_defaults(func=run_list)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def read_password(password_stdin: bool, stdin=None) -> str:
    """Read a new password: one line of ``stdin`` with ``password_stdin``, else prompt twice.

    Raises
    ------
    SakeraInputError
        Non-interactive without ``--password-stdin``, mismatching prompts or an empty password.
    """
    stdin = stdin if stdin is not None else sys.stdin
    if password_stdin:
        line = stdin.readline()
        password = line.rstrip("\r\n")
    else:
        if not (stdin is not None and stdin.isatty()):
            raise SakeraInputError(
                "no terminal to ask for the password: pipe it in with --password-stdin", location="--password-stdin"
            )
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Password (again): ")
        if password != again:
            raise SakeraInputError("the two passwords differ", location="password")
    if password.strip() == "":
        raise SakeraInputError("empty password", location="password")
    return password


def run_add(args) -> int:
    """Run ``sakera users add``."""
    from ..store import users
    from ..store.db import session_scope
    from ..store.migrations import ensure_schema
    from ..store.models import check_village_code

    users.check_username(args.name)
    if args.display_name is not None:
        users.check_length(args.display_name.strip(), users.MAX_DISPLAY_NAME, "--display-name")
    if args.class_name is not None and args.role != "trainee":
        raise SakeraInputError(f"only trainees join a class, not a {args.role}", location="--class")
    for code in args.village:
        check_village_code(code)
    password = read_password(args.password_stdin)
    ensure_schema(args.db)
    with session_scope(args.db) as session:
        user = users.add_user(
            session,
            args.name,
            args.role,
            password,
            display_name=args.display_name,
            villages=args.village,
            actor="cli",
            class_name=args.class_name,
        )
        villages = ", ".join(user.village_codes) or "no village"
        from ..store import demo

        on_demo = demo.is_demo(session)
    print(f"added {args.role} {args.name!r} ({villages})")
    if on_demo:
        print("PERINGATAN / WARNING: basis data ini basis data DEMO dengan kata sandi publik (pelatih-demo, ...); "
              "untuk kelas sungguhan buat basis data baru dengan `sakera db upgrade --db URL`. / this is a DEMO "
              "database whose sample accounts have public passwords; for a real class start a new database.",
              file=sys.stderr)
    return 0


def run_class(args) -> int:
    """Run ``sakera users class``."""
    from ..store import users
    from ..store.db import session_scope
    from ..store.migrations import ensure_schema

    users.check_length(args.name.strip(), users.MAX_CLASS_NAME, "NAME")
    ensure_schema(args.db)
    with session_scope(args.db) as session:
        if users.get_user(session, args.trainer) is None:
            raise SakeraInputError(f"no user called {args.trainer!r}", location="--trainer")
        for name in args.trainee:
            users.require_user(session, name, "trainee")
        users.create_class(session, args.name, args.trainer, actor="cli")
        for name in args.trainee:
            users.add_to_class(session, args.name, name, actor="cli")
    print(f"created class {args.name!r} (trainer {args.trainer}, {len(args.trainee)} trainee(s))")
    return 0


def run_list(args) -> int:
    """Run ``sakera users list``."""
    from ..store import users
    from ..store.db import session_scope
    from ..store.migrations import ensure_schema

    ensure_schema(args.db)
    with session_scope(args.db) as session:
        df = users.users_table(session, role=args.role)
    emit_frame(df, args.format)
    return 0

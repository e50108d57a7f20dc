"""The ``sakera`` command.

Subcommands live in modules of this package; each module defines ``register(subparsers)``, which
adds its parser and sets ``func=callable(args) -> int | None``. :data:`COMMANDS` names them with
their one-line help, so ``sakera --help`` and ``sakera COMMAND ...`` import only what they use
(``sakera --help`` imports no pandas, numpy or SQLAlchemy).

Errors a user can cause (:class:`~sakera_toolkit.errors.SakeraError`, usage errors) become one line
on stderr and exit status 2, never a traceback. Unexpected errors print one line too (set
``SAKERA_DEBUG=1`` for the traceback) and exit 1.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import SakeraError

#: command -> (module of this package, one-line help shown by ``sakera --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "calibrate": ("calibrate", "compare a scenario's simulation with a request log (monthly volumes, turnaround KS)"),
    "capacity": ("capacity", "central-server capacity: villages live before it saturates, or capacity needed"),
    "cases": ("cases", "generate practice cases or print an exercise pack"),
    "compare": ("compare", "compare scenarios: KPIs with 95%% CIs and paired differences vs the first"),
    "db": ("db", "create/upgrade the training database schema (Alembic) or show its revision"),
    "demand": ("demand", "fit demand rates from a request log (sakera demand fit LOG.csv --out demand.yaml)"),
    "ikm": ("ikm", "Indeks Kepuasan Masyarakat of a survey CSV (u1..u9, answers 1-4), with mutu, kinerja and CIs"),
    "nik": ("nik", "decode, validate or generate NIK and KK numbers"),
    "plan": ("plan", "optimise the rollout: which villages join in which phase (MILP), vs simple rules"),
    "regency": ("regency", "build (init) or inspect (show) a regency pack for any kabupaten/kota"),
    "report": ("report", "write the evidence report (HTML or PDF) by the five KIPP criteria, in Indonesian by default"),
    "sample-data": (
        "sample_data",
        "write small deterministic sample CSVs (villages, services, synthetic households, persons, requests)",
    ),
    "scenarios": ("scenarios", "list, show or check rollout scenarios (presets or YAML files)"),
    "serve": ("serve", "start the training sandbox web app (trainee practice, trainer dashboard, summary)"),
    "services": ("services", "list the adminduk services (KK, KTP-el, akta, KIA, pindah) or show one in full"),
    "simulate": ("simulate", "simulate a scenario (default: all 186 villages live) and print KPIs"),
    "survey": ("survey", "survey tools: minimum sample size (Krejcie-Morgan) and the questionnaire template"),
    "sweep": ("sweep", "run a parameter grid over a scenario on Dask (resumable), write tidy parquet"),
    "users": ("users", "add or list users of the training sandbox (trainers, trainees, evaluators)"),
    "validate": ("validate", "check the simulation engine against queueing theory (M/M/1, M/M/c, M/D/1, Little's law)"),
    "villages": (
        "villages",
        "list the villages (default: Sampang's 186) with population and travel to a service point",
    ),
}


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors exit with status 2 and print one line."""

    def error(self, message: str) -> None:  # type: ignore[override]  # pragma: no cover - via main()
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the ``sakera`` parser.

    Parameters
    ----------
    only
        Register only this command in full (the others get a help-only entry, so that their
        modules are not imported);
        ``None``: every command in full.
    """
    parser = _Parser(
        prog="sakera",
        description="Sakera toolkit: Sampang adminduk registry, simulation, training and evidence.",
    )
    parser.add_argument("--version", action="version", version=f"sakera {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        if only is None or name == only:
            module = importlib.import_module(f"{__name__}.{module_name}")
            module.register(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _command_of(argv: Sequence[str]) -> str:
    """The command named in ``argv`` ("" if none): the first argument that is not an option."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sakera`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(argv)
    parser = build_parser(only=command if command in COMMANDS else "")
    try:
        args = parser.parse_args(argv)
    except SakeraError as exc:  # raised by an argument type (cli/_args.py)
        print(f"sakera: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except SystemExit as exc:  # usage errors (2), --help and --version (0): a status, not an exception
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        code = _call(func, args)
    except _Failed as exc:
        return exc.code
    except SakeraError as exc:
        print(f"sakera: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sakera: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.errno not in _ENVIRONMENT_ERRNOS or os.environ.get("SAKERA_DEBUG"):
            return _internal_error(exc)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"sakera: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback for users
        if type(exc).__module__.split(".")[0] in ("sqlalchemy", "alembic") and not os.environ.get("SAKERA_DEBUG"):
            from ..store.db import describe_error

            print(f"sakera: error: {describe_error(exc)}", file=sys.stderr)
            return 2
        return _internal_error(exc)
    return int(code or 0)


#: Errors of the machine the user runs on, not of the toolkit: a full disk or quota, a read-only
#: file system, a path that cannot be written. One line and exit 2 (a command that knows which
#: file it was writing says so itself; this is the net under every other write).
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def _internal_error(exc: BaseException) -> int:
    if os.environ.get("SAKERA_DEBUG"):
        raise exc
    print(f"sakera: internal error: {type(exc).__name__}: {exc} (set SAKERA_DEBUG=1 for details)", file=sys.stderr)
    return 1


def _call(func, args: argparse.Namespace) -> int:
    """Run a command; a SQLite file that the failed command created is removed (nothing half-made)."""
    if not hasattr(args, "db") or getattr(args, "keeps_new_database", False):
        return func(args)
    from ..store.db import removed_if_failed

    with removed_if_failed(args.db):
        code = func(args)
        if code:  # a refusal reported by the command itself: same rule as an exception
            raise _Failed(code)
    return code


class _Failed(Exception):
    """A non-zero status returned by a command, carried through :func:`removed_if_failed`."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

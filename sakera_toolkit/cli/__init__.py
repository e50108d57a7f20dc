"""The ``sakera`` command.

Subcommands live in modules of this package; every module that defines ``register(subparsers)``
is discovered and registered in name order. A module's ``register`` adds its parser(s) and sets
``func=callable(args) -> int | None``.

Errors a user can cause (:class:`~sakera_toolkit.errors.SakeraError`) become one line on stderr and
exit status 2, never a traceback. Unexpected errors print one line too (set ``SAKERA_DEBUG=1`` for
the traceback) and exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import SakeraError


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors also exit with status 2 and one clear line."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised through main()
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the full ``sakera`` parser with every discovered subcommand."""
    parser = _Parser(
        prog="sakera",
        description="Sakera toolkit: Sampang adminduk registry, simulation, training and evidence.",
    )
    parser.add_argument("--version", action="version", version=f"sakera {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sakera`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        code = func(args)
    except SakeraError as exc:
        print(f"sakera: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sakera: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last line of defence: no traceback for users
        if os.environ.get("SAKERA_DEBUG"):
            raise
        print(f"sakera: internal error: {type(exc).__name__}: {exc} (set SAKERA_DEBUG=1 for details)", file=sys.stderr)
        return 1
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

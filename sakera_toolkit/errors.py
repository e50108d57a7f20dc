"""Exceptions shared by the toolkit.

Every error a user can cause by bad input is a :class:`SakeraInputError` whose message names the
file, the row or field and the problem. The ``sakera`` command turns it into one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations


class SakeraError(Exception):
    """Base class for errors the toolkit reports to users."""

    exit_code = 2


class SakeraInputError(SakeraError, ValueError):
    """Bad input: a file, a row, a field or an argument that cannot be used.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    source
        The file (or argument) the problem was found in, if any.
    location
        Row number, field path or column name, if any.
    """

    def __init__(self, message: str, *, source: str | None = None, location: str | None = None):
        self.problem = message
        self.source = source
        self.location = location
        where = ""
        if source and location:
            where = f"{source}: {location}: "
        elif source:
            where = f"{source}: "
        elif location:
            where = f"{location}: "
        super().__init__(f"{where}{message}")

"""Hardened readers and the one atomic writer for user files.

Every reader turns bad input into one :class:`SakeraInputError` naming the file, the line or
row/column and the problem, in bounded time and memory (limits below; see docs/bad-input.md):

* YAML (:func:`read_yaml`, :func:`parse_yaml`): at most :data:`MAX_YAML_BYTES`, nesting at most
  :data:`MAX_YAML_DEPTH` levels, at most :data:`MAX_YAML_ALIASES` aliases and
  :data:`MAX_YAML_NODES` nodes once aliases and merge keys are expanded (a "billion laughs" file is
  refused before anything is built), duplicate keys refused, impossible dates refused.
* CSV (:func:`read_csv_text`): at most :data:`MAX_CSV_BYTES` and :data:`MAX_CSV_ROWS` data rows,
  UTF-8 only; :func:`parse_number` checks a cell and names its row and column.

:func:`atomic_write` and :func:`write_atomic` are the toolkit's only way to write an output file.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SakeraInputError

if TYPE_CHECKING:  # pandas and yaml are imported when used: `sakera --help` stays fast
    import pandas as pd

__all__ = [
    "made_folders",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_ALIASES",
    "MAX_YAML_NODES",
    "MAX_CSV_BYTES",
    "MAX_CSV_ROWS",
    "read_yaml",
    "parse_yaml",
    "read_text_file",
    "read_csv_text",
    "parse_number",
    "atomic_write",
    "write_atomic",
]

#: Largest YAML document read (bytes). Scenario, calibration and pack files are a few kB.
MAX_YAML_BYTES = 2_000_000
#: Deepest nesting of lists/mappings in a YAML document.
MAX_YAML_DEPTH = 64
#: Most alias references (``*name``) in a YAML document.
MAX_YAML_ALIASES = 1_000
#: Most nodes of a YAML document once aliases and merge keys are expanded.
MAX_YAML_NODES = 200_000
#: Largest CSV file read (bytes).
MAX_CSV_BYTES = 200_000_000
#: Most data rows in a CSV file.
MAX_CSV_ROWS = 2_000_000


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------
def _check_input_file(p: Path, limit: int, what: str) -> None:
    try:
        st = p.stat()
    except FileNotFoundError:
        raise SakeraInputError("file not found", source=str(p)) from None
    except OSError as exc:
        raise SakeraInputError(f"cannot read the file ({exc.strerror})", source=str(p)) from None
    if p.is_dir():
        raise SakeraInputError(f"is a directory, not a {what} file", source=str(p))
    if st.st_size > limit:
        raise SakeraInputError(f"file too large ({st.st_size:,} bytes; at most {limit:,} bytes)", source=str(p))


def read_text_file(path: str | Path, *, limit: int = MAX_YAML_BYTES, what: str = "text") -> str:
    """The UTF-8 text of ``path`` (at most ``limit`` bytes), or one clear :class:`SakeraInputError`."""
    p = Path(path)
    _check_input_file(p, limit, what)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SakeraInputError(f"cannot read the file ({exc.strerror})", source=str(p)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SakeraInputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            source=str(p),
            location=f"line {line}",
        ) from None


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------
def _loader_class() -> Any:
    import datetime as dt

    import yaml

    class _BoundedLoader(yaml.SafeLoader):
        """SafeLoader that counts depth and aliases while composing (before anything is expanded)."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0
            self._aliases = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_YAML_ALIASES:
                    mark = self.peek_event().start_mark
                    raise yaml.composer.ComposerError(None, None, f"more than {MAX_YAML_ALIASES} aliases (*name)", mark)
            self._depth += 1
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", mark)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_yaml_timestamp(self, node: Any) -> Any:
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError as exc:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{node.value!r} is not a real date ({exc})", node.start_mark
                ) from None

    _BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp)
    del dt
    return _BoundedLoader


_LOADER: Any = None


def _check_graph(root: Any, source: str | None) -> None:
    """Refuse duplicate keys and documents whose alias/merge expansion exceeds :data:`MAX_YAML_NODES`."""
    import yaml

    sizes: dict[int, int] = {}
    # iterative post-order walk over the node graph; each node object is visited once
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children: list[Any] = []
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                children.extend((k, v))
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if not done:
            sizes[key] = -1  # being visited
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(max(sizes.get(id(c), 1), 1) for c in children)
        sizes[key] = total
        if total > MAX_YAML_NODES:
            raise SakeraInputError(
                f"aliases/merge keys expand to more than {MAX_YAML_NODES:,} values (refused)",
                source=source,
                location=f"line {node.start_mark.line + 1}",
            )
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, _v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    name = k.value
                    if name in seen:
                        raise SakeraInputError(
                            f"duplicate key {name!r} (first on line {seen[name]})",
                            source=source,
                            location=f"line {k.start_mark.line + 1}",
                        )
                    seen[name] = k.start_mark.line + 1


def parse_yaml(text: str, source: str | None = "<string>") -> tuple[Any, Any]:
    """Parse YAML ``text`` within the module's limits; returns ``(data, root node)``.

    The root node (``None`` for an empty document) carries the line of every key for messages.

    Raises
    ------
    SakeraInputError
        Invalid YAML, too large, too deep, too many aliases, duplicate keys or an impossible date;
        the message names ``source`` and the line.
    """
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    if len(text) > MAX_YAML_BYTES:
        raise SakeraInputError(
            f"document too large ({len(text):,} characters; at most {MAX_YAML_BYTES:,})", source=source
        )
    loader = None
    try:
        loader = _LOADER(text)  # the reader checks the characters here already
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_graph(node, source)
        return loader.construct_document(node), node
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise SakeraInputError(
            f"invalid YAML (character #x{exc.character:04x} is not allowed)", source=source, location=f"line {line}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        loc = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SakeraInputError(f"invalid YAML ({problem})", source=source, location=loc) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise SakeraInputError(f"nested deeper than {MAX_YAML_DEPTH} levels", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file safely within the module's limits.

    Raises
    ------
    SakeraInputError
        If the file is missing, too large, not UTF-8 or not acceptable YAML (see :func:`parse_yaml`);
        the message names the file and the line.
    """
    p = Path(path)
    return parse_yaml(read_text_file(p, what="YAML"), source=str(p))[0]


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
def read_csv_text(path: str | Path) -> pd.DataFrame:
    """Read a CSV with every cell as text (no NaN guessing), within the size and row limits.

    Raises
    ------
    SakeraInputError
        If the file is missing, a directory, too large, not UTF-8, empty or not a readable CSV; the
        message names the file (and the line where known).
    """
    import pandas as pd

    p = Path(path)
    name = str(p)
    _check_input_file(p, MAX_CSV_BYTES, "CSV")
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, nrows=MAX_CSV_ROWS + 1, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SakeraInputError(
            f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); save the file as UTF-8", source=name
        ) from None
    except pd.errors.EmptyDataError:
        raise SakeraInputError("the file is empty (no header row)", source=name) from None
    except pd.errors.ParserError as exc:
        raise SakeraInputError(f"not a readable CSV ({str(exc).strip().splitlines()[-1]})", source=name) from None
    except (OSError, ValueError) as exc:
        raise SakeraInputError(f"not a readable CSV ({exc})", source=name) from None
    if len(frame) > MAX_CSV_ROWS:
        raise SakeraInputError(f"too many rows (more than {MAX_CSV_ROWS:,})", source=name)
    if any("\x00" in str(c) for c in frame.columns):
        raise SakeraInputError("binary data, not a CSV text file", source=name)
    return frame


def parse_number(
    text: Any,
    source: str,
    where: str,
    *,
    whole: bool = False,
    minimum: float | None = 0.0,
    maximum: float | None = None,
) -> float:
    """A finite number from a CSV cell within ``[minimum, maximum]``; ``where`` is ``row N, column``.

    Only ASCII digits are accepted (``'١٠٠'`` and ``'²'`` are refused, not silently converted).
    """
    t = str(text).strip()
    column = where.rsplit(", ", 1)[-1]
    if t in ("", "nan", "None"):
        raise SakeraInputError(f"{column} is missing", source=source, location=where)
    try:
        if not t.isascii():
            raise ValueError(t)
        value = float(t)
    except ValueError:
        raise SakeraInputError(f"{t!r} is not a number", source=source, location=where) from None
    kind = "whole number" if whole else "number"
    bad = not math.isfinite(value) or (whole and value != int(value))
    if bad or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        lo = "" if minimum is None else f">= {minimum:g}"
        hi = "" if maximum is None else f"<= {maximum:g}"
        rng = " and ".join(x for x in (lo, hi) if x)
        raise SakeraInputError(
            f"{t!r} must be a finite {kind}{' ' + rng if rng else ''}", source=source, location=where
        )
    return value


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def atomic_write(path: str | Path, writer: Callable[[Path], Any]) -> Path:
    """Call ``writer(tmp)`` to write a temporary file next to ``path``, then rename it to ``path``.

    A reader never sees a half-written file; a failure (or an interrupt) leaves ``path`` as it was
    and removes the temporary file. The file gets the usual permissions (``0666`` minus the umask).

    Raises
    ------
    SakeraInputError
        If the folder does not exist or cannot be written, or the disk is full; names the path.
    """
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise SakeraInputError("is a directory, not a file name", source=str(p))
    if not folder.is_dir():
        raise SakeraInputError("folder does not exist", source=str(folder))
    try:
        fd, name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SakeraInputError(f"cannot write here ({exc.strerror})", source=str(folder)) from None
    os.close(fd)
    tmp = Path(name)
    try:
        writer(tmp)
        with open(tmp, "rb+") as fh:  # on disk before the rename: a power cut leaves old or new
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(tmp, p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SakeraInputError(f"cannot write the file ({exc.strerror})", source=str(p)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` with :func:`atomic_write`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return atomic_write(path, lambda tmp: tmp.write_bytes(payload))


@contextmanager
def made_folders(folder: str | Path) -> Iterator[Path]:
    """Create ``folder`` and its missing parents; if the block fails, remove the ones it created.

    For writers that are all or nothing: a failed write (a full disk, an interrupt) leaves no empty
    folders behind (innermost first; a folder something else wrote into stays).
    """
    folder = Path(folder)
    missing = [d for d in (folder, *folder.parents) if not d.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield folder
    except BaseException:
        for made in missing:
            try:
                made.rmdir()
            except OSError:
                break
        raise

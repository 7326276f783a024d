"""Read YAML as untrusted input.

Built from PyYAML's event stream rather than its constructor, so that:
- every value keeps its line and column for error messages;
- anchors, aliases and tags are refused (no alias bombs, no object construction);
- nesting depth is bounded without recursion;
- duplicate keys are errors instead of silent overwrites;
- plain scalars that YAML 1.1 would turn into dates, booleans or numbers are kept
  as ``Plain`` values, so a schema can say "quote this" instead of guessing;
- a ``\\ud800`` escape (a lone UTF-16 surrogate, which no encoder can write) is refused
  with its place, whether libyaml or PyYAML's pure-Python parser reads the file.
"""

from __future__ import annotations

import os
import re
import stat
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from sinorus.errors import DataError
from sinorus.i18n import _
from sinorus.matching.text import find_surrogate

MAX_DEPTH = 32
# Hostile files are stopped by structure (no aliases, depth, surrogates, controls), not by size: the
# cap is only a guard against a runaway file, far above legitimate data (100,000 events of YAML, as
# `export --format yaml` writes them, are about 70 MB).
DEFAULT_MAX_BYTES = 1 << 30
_SIZE_RE = re.compile(r"\s*(\d+)\s*(?:([kmgt])(?:i?b)?|b)?\s*", re.IGNORECASE)


def max_bytes() -> int:
    """The per-file cap: SINORUS_MAX_FILE_BYTES as bytes or with a binary unit (64M, 1G, 512KiB)."""
    raw = os.environ.get("SINORUS_MAX_FILE_BYTES")
    if raw is None or not raw.strip():
        return DEFAULT_MAX_BYTES
    m = _SIZE_RE.fullmatch(raw)
    if m is None:
        from sinorus.errors import UsageError

        raise UsageError(f"SINORUS_MAX_FILE_BYTES={raw!r} is not a size", "write bytes or a size such as 64M or 1G, or unset it")
    return int(m.group(1)) << (10 * " kmgt".index((m.group(2) or " ").lower()))


@dataclass(frozen=True, slots=True)
class Plain:
    """An unquoted scalar that YAML 1.1 reads as something other than text."""

    kind: str  # "date", "boolean", "number", "null"
    text: str
    value: Any


class YMap(dict):
    """A mapping that remembers where it and each of its values were written."""

    __slots__ = ("mark", "marks")


class YList(list):
    __slots__ = ("mark", "marks")


_KINDS = {
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:null": "null",
}


def _yaml():
    import yaml

    return yaml


PARSERS = ("libyaml", "pure")


def parser_name() -> str:
    """The parser that reads data files: libyaml when PyYAML was built with it, else pure Python.

    ``SINORUS_YAML_PARSER=pure`` (or ``libyaml``) chooses, so the tests can hold both to the same
    answers: a machine without libyaml must refuse exactly what one with it refuses.
    """
    wanted = os.environ.get("SINORUS_YAML_PARSER", "").strip().lower()
    if wanted == "pure" or not getattr(_yaml(), "__with_libyaml__", False):
        return "pure"
    return "libyaml"


def _loader(yaml):
    return yaml.CSafeLoader if parser_name() == "libyaml" else yaml.SafeLoader


# A \uXXXX or \UXXXXXXXX escape of a UTF-16 surrogate (D800-DFFF) in a double-quoted scalar.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)([dD][89a-fA-F][0-9a-fA-F]{2})")


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of a parser mark (0-based line and column; both parsers count characters)."""
    pos = 0
    for _line in range(line):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return len(text)
    return pos + column


def _surrogate_error(text: str, name: str, record: str, start: int, end: int) -> DataError | None:
    """The one-line error for the first surrogate escape starting in text[start:end], placed at the escape."""
    found = [m for m in _SURROGATE_ESCAPE.finditer(text, start) if m.start() < end][:1] if start < end else []
    if not found:
        return None
    m = found[0]
    code = int(m.group(1), 16)
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    low = _SURROGATE_ESCAPE.match(text, m.end())
    if code < 0xDC00 and low and int(low.group(1), 16) >= 0xDC00:  # a UTF-16 pair, as JSON would write it
        joined = 0x10000 + ((code - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00)
        hint = f"YAML escapes are code points, not UTF-16: write \\U{joined:08X} or the character itself"
    else:
        hint = "remove it, or write the character it was meant to be"
    return DataError(f"{name}:{line}:{column}{record}: lone surrogate U+{code:04X} is not allowed", hint)


def _scalar(yaml, resolver, event) -> Any:
    if event.tag not in (None, "!", "tag:yaml.org,2002:str"):
        raise ValueError(f"tag {event.tag} is not allowed")
    if event.tag is not None or not event.implicit[0]:
        return event.value  # quoted or explicitly a string
    tag = resolver.resolve(yaml.ScalarNode, event.value, (True, False))
    kind = _KINDS.get(tag)
    if kind is None:
        return event.value
    if kind == "null":
        return None
    try:
        value = _constructor(yaml).construct_object(yaml.ScalarNode(tag, event.value))
    except (ValueError, OverflowError, yaml.YAMLError):
        # 2022-02-30, hour 25, a 5000-digit number: not what YAML 1.1 says it is, so it
        # stays text and the schema reports it against its record ("not a real calendar date").
        return event.value
    return Plain(kind, event.value, value)


_CONSTRUCTOR = None


def _constructor(yaml):
    global _CONSTRUCTOR
    if _CONSTRUCTOR is None:
        _CONSTRUCTOR = yaml.constructor.SafeConstructor()
    return _CONSTRUCTOR


def _events(loader):
    """The parser's events, one at a time (what yaml.parse does, keeping the loader for its position)."""
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def parse_text(text: str, name: str) -> Any:
    """Parse one YAML document into YMap/YList/str/Plain values; raise DataError."""
    yaml = _yaml()
    loader_cls = _loader(yaml)
    resolver = yaml.resolver.Resolver()
    stack: list[Any] = []  # containers being filled
    keys: list[Any] = []  # pending key for each mapping on the stack (None = expecting a key)
    root: Any = None
    documents = 0

    def record() -> str:
        """': ID' of the record being read (or ': events[2]' before its id), as the validator names it."""
        if len(stack) < 3 or not isinstance(stack[0], YMap) or not isinstance(stack[1], YList) or not isinstance(stack[2], YMap):
            return ""
        rid = stack[2].get("id")
        return f": {rid}" if isinstance(rid, str) else f": {keys[0]}[{len(stack[1])}]"

    def where(mark) -> str:
        return f"{name}:{mark.line + 1}:{mark.column + 1}{record()}"

    def add(value: Any, pos: tuple[int, int]) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        parent = stack[-1]
        if isinstance(parent, YList):
            parent.append(value)
            parent.marks.append(pos)
            return
        key = keys[-1]
        if key is None:
            if not isinstance(value, str):
                raise DataError(f"{name}:{pos[0]}:{pos[1]}{record()}: mapping keys must be plain text")
            if value in parent:
                raise DataError(f"{name}:{pos[0]}:{pos[1]}{record()}: duplicate key '{value}'", "each key may appear once in a mapping")
            keys[-1] = value
            parent.marks[value] = pos
        else:
            parent[key] = value
            parent.marks[key] = pos
            keys[-1] = None

    loader = None
    try:
        loader = loader_cls(text)  # the pure parser's reader checks every character here
        for event in _events(loader):
            kind = type(event).__name__
            mark = event.start_mark
            if getattr(event, "anchor", None):
                raise DataError(f"{where(mark)}: anchors (&{event.anchor}) are not allowed", "write the value out in full")
            if kind == "AliasEvent":
                raise DataError(f"{where(mark)}: aliases (*{event.anchor}) are not allowed", "write the value out in full")
            if kind == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    raise DataError(f"{where(mark)}: only one YAML document per file is allowed")
            elif kind in ("MappingStartEvent", "SequenceStartEvent"):
                if getattr(event, "tag", None) not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                    raise DataError(f"{where(mark)}: tag {event.tag} is not allowed")
                if len(stack) >= MAX_DEPTH:
                    raise DataError(f"{where(mark)}: nesting deeper than {MAX_DEPTH} levels")
                container = YMap() if kind == "MappingStartEvent" else YList()
                container.mark = (mark.line + 1, mark.column + 1)
                container.marks = {} if isinstance(container, YMap) else []
                if stack and isinstance(stack[-1], YMap) and keys[-1] is None:
                    raise DataError(f"{where(mark)}: mapping keys must be plain text")
                stack.append(container)
                keys.append(None)
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                container = stack.pop()
                keys.pop()
                add(container, container.mark)
            elif kind == "ScalarEvent":
                lone = find_surrogate(event.value)
                if lone:  # only PyYAML's pure parser lets "\ud800" through
                    start, end = _offset(text, mark.line, mark.column), _offset(text, event.end_mark.line, event.end_mark.column)
                    raise _surrogate_error(text, name, record(), start, end) or DataError(
                        f"{where(mark)}: lone surrogate U+{ord(lone):04X} is not allowed")
                try:
                    value = _scalar(yaml, resolver, event)
                except ValueError as exc:
                    raise DataError(f"{where(mark)}: {exc}") from None
                add(value, (mark.line + 1, mark.column + 1))
    except yaml.reader.ReaderError as exc:  # a character YAML forbids anywhere (ESC, C1 controls)
        # exc.position counts bytes with libyaml and characters without it: find the character instead.
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        at = text.find(chr(code))
        at = at if at >= 0 else 0
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise DataError(f"{name}:{line}:{column}: character U+{code:04X} is not allowed in a data file", "remove it; control characters could rewrite the terminal") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        loc = where(mark) if mark is not None else name
        if "unicode character escape" in problem.lower() and mark is not None:
            # libyaml refuses "\ud800" itself, as an invalid escape, pointing inside it: say what the
            # pure parser's path says, at the escape that starts nearest before that point
            line_start = _offset(text, mark.line, 0)
            found = None
            for m in _SURROGATE_ESCAPE.finditer(text, line_start, _offset(text, mark.line + 1, 0)):
                if m.start() <= _offset(text, mark.line, mark.column):
                    found = _surrogate_error(text, name, record(), m.start(), m.start() + 1)
            if found is not None:
                raise found from None
        if "nesting depth" in problem:
            # libyaml (PyYAML >= 6.0.4) scans a deep flow collection ahead and stops at its own limit
            # (1000) before our depth check sees the events: it is the same refusal, so say it our way.
            raise DataError(f"{loc}: nesting deeper than {MAX_DEPTH} levels") from None
        raise DataError(f"{loc}: invalid YAML: {problem}", "check indentation and quoting near that line") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{name}: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise DataError(f"{name}: nesting too deep") from None
    except ValueError:  # the pure parser's chr() of an escape past U+10FFFF (libyaml: a ScannerError, above)
        raise DataError(f"{where(loader.get_mark()) if loader is not None else name}: invalid YAML: found invalid Unicode character escape code",
                        "check indentation and quoting near that line") from None
    return root


# One dict per open crcs_read() block: what note_parsed() records goes to the innermost.
_crc_logs: list[dict[str, int]] = []


@contextmanager
def crcs_read() -> Iterator[dict[str, int]]:
    """The CRC-32 of exactly the bytes each data file was parsed from in the block, by str(path).

    The cache stamps a recently modified file with this CRC, never with one of a second read: a
    rewrite between the two (same size, same one-second mtime) would otherwise be stamped as what
    the index holds, and served stale. A reader of another format records through note_parsed().
    """
    log: dict[str, int] = {}
    _crc_logs.append(log)
    try:
        yield log
    finally:
        _crc_logs.remove(log)


def note_parsed(name: str, crc: int) -> None:
    """Record the CRC-32 of the bytes a data file was parsed from, for the open crcs_read() block."""
    if _crc_logs:
        _crc_logs[-1][name] = crc


def read_bytes(path: Path) -> bytes:
    """The bytes of one data file, read once, as opened (a regular file, within the size cap).

    Inside crcs_read(), their CRC-32 is recorded: they are the bytes the caller parses.
    """
    name = str(path)
    with _opened(path) as (fh, limit, size):
        try:
            # read(n) allocates n bytes first: the size as opened, then more only if the file grew
            raw = fh.read(size + 1)
            if len(raw) > size:
                raw += fh.read(limit + 1 - len(raw))
        except OSError as exc:
            raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:  # it grew while we read
        raise DataError(f"{name}: file is over the {limit:,}-byte limit", "raise SINORUS_MAX_FILE_BYTES")
    if _crc_logs:
        note_parsed(name, zlib.crc32(raw))
    return raw


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of one data file as read_bytes reads it (same checks, same CRC recorded), one at a
    time: a 600 MB JSON Lines file is never held whole."""
    name = str(path)
    crc = size = 0
    with _opened(path) as (fh, limit, _size):
        try:
            for line in fh:
                size += len(line)
                if size > limit:  # it grew while we read
                    raise DataError(f"{name}: file is over the {limit:,}-byte limit", "raise SINORUS_MAX_FILE_BYTES")
                crc = zlib.crc32(line, crc)
                yield line
        except OSError as exc:
            raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if _crc_logs:
        note_parsed(name, crc)


@contextmanager
def _opened(path: Path) -> Iterator[tuple[Any, int, int]]:
    """(binary file, size cap, size) of a data file opened without blocking and checked as opened: a FIFO
    swapped in after the folder was listed must not hang the run, and the size checked is the size of what is read."""
    name = str(path)
    limit = max_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        fh = open(fd, "rb")
    except OSError as exc:
        raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None
    with fh:
        try:
            st = os.fstat(fd)
        except OSError as exc:
            raise DataError(f"{name}: cannot read: {exc.strerror or exc}") from None
        if not stat.S_ISREG(st.st_mode):
            raise DataError(_("{name}: not a regular file").format(name=name), _("every *.yaml, *.yml and *.jsonl in a data directory is read: remove it or rename it"))
        if st.st_size > limit:
            raise DataError(
                f"{name}: file is {st.st_size:,} bytes, over the {limit:,}-byte limit",
                "split it into several files in one directory, or raise SINORUS_MAX_FILE_BYTES",
            )
        yield fh, limit, st.st_size


def decode(raw: bytes, name: str) -> str:
    """A data file's bytes as text: strict UTF-8 (a BOM dropped), or a file:line:column error (YAML and JSON Lines)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(f"{name}:{line}:{column}: invalid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8") from None


def read_file(path: Path) -> Any:
    """Read and parse one data file, enforcing the size cap and strict UTF-8 (read_bytes, then parse)."""
    name = str(path)
    text = decode(read_bytes(path), name)
    if not text.strip():
        raise DataError(f"{name}: file is empty", "a data file is a mapping of sections such as 'events:'")
    return parse_text(text, name)

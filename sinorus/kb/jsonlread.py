"""Read JSON Lines data files as untrusted input, into the shapes the YAML reader makes.

One record per line: a JSON object with the fields of its section (what `export --format jsonl`
writes for events), plus an optional ``type`` ("event", "quote", "person", "topic", "source",
"fact"). A record without ``type`` belongs to the section the file's name starts with (``people.jsonl``,
``quotes-002.jsonl``, ``fact_2024.jsonl``), and in any other file it is an event. Blank lines are skipped.

Each record becomes what a YAML record parses to (YMap / YList / Plain values), so ``store``
validates both formats with the same code and the same messages. Every value of a
record is placed at its line (and the column where the record starts): a record is one line.
What the reader itself refuses names file:line:column and stops, as YAML syntax errors do:
invalid JSON, a line that is not an object, duplicate keys, NaN/Infinity, nesting deeper than the
YAML reader allows, an unknown ``type``, a lone surrogate escape (no encoder can write it), a raw
character the YAML reader refuses too (DEL, C1 controls, U+FFFE/U+FFFF), and a key holding a control
or bidi character (keys are echoed in messages). Controls in values are the validator's to report,
against their field, as for YAML.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from sinorus.errors import DataError
from sinorus.kb.model import SECTIONS, SINGULAR
from sinorus.matching.text import find_unsafe
from sinorus.kb.yamlread import MAX_DEPTH, Plain, YList, YMap, decode, read_bytes, read_lines

_SECTION_OF_TYPE = {singular: plural for plural, singular in SINGULAR.items()}
# What YAML's reader refuses anywhere in a file and JSON lets through raw inside strings
# (JSON itself refuses raw C0 controls in strings): DEL, C1 controls but NEL, the non-characters.
_RAW_FORBIDDEN = re.compile(r"[\x7f-\x84\x86-\x9f\ufffe\uffff]")
# A string escape, read left to right so that an escaped backslash is never taken for the start of one.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)")


class _Marks:
    """Where every value of a one-line record was written: its line, at the record's column."""

    __slots__ = ("at",)

    def __init__(self, at: tuple[int, int]) -> None:
        self.at = at

    def __getitem__(self, key: Any) -> tuple[int, int]:
        return self.at

    def __contains__(self, key: Any) -> bool:
        return True


def default_section(path: Path) -> str:
    """The section of records without a ``type``: the one the file's name starts with (people.jsonl,
    quotes-002.jsonl, fact_2024.jsonl), else events, which is what `export --format jsonl` writes."""
    head = re.match(r"[a-z]*", path.name.lower()).group()
    if head in SECTIONS:
        return head
    return _SECTION_OF_TYPE.get(head, "events")


def records(path: Path) -> Iterator[tuple[str, YMap]]:
    """(section, record) of each line of one .jsonl file, read as yamlread reads a file (size cap, no
    blocking on a FIFO, the CRC of the bytes parsed for the cache); a one-line DataError at the first wrong line.

    A generator reading and decoding line by line, so the validator takes each record as it comes: 100,000
    events in one file are 60 MB of UTF-8, several times that as one str, and more as a tree of every record.
    """
    name = str(path)
    default = default_section(path)
    parse = json.JSONDecoder(object_pairs_hook=_mapping, parse_constant=_no_constant,
                             parse_int=_number(int), parse_float=_number(float)).decode
    for number, chunk in enumerate(read_lines(path), 1):
        try:
            line = chunk.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            decode(read_bytes(path), name)  # the file's first bad byte is on this line: yamlread's file:line:column error
            raise
        if line.strip():
            yield _record(parse, line, name, number, default)


def _record(parse, line: str, name: str, number: int, default: str) -> tuple[str, YMap]:
    """One non-blank line as (section, record), checked as the module docstring says."""
    where = f"{name}:{number}"
    bad = _RAW_FORBIDDEN.search(line)
    if bad is not None:
        raise DataError(f"{where}:{bad.start() + 1}: character U+{ord(bad.group()):04X} is not allowed in a data file",
                        "remove it; control characters could rewrite the terminal")
    if line.startswith("\ufeff"):  # the one a file may start with is gone already (utf-8-sig)
        raise DataError(f"{where}:1: a byte-order mark (U+FEFF) inside the file", "only the very start of a file may hold one: remove it")
    try:
        value = parse(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}:{exc.colno}: invalid JSON: {exc.msg}", "each line holds one JSON object; check quoting near that column") from None
    except _Refused as exc:
        column = line.find(exc.token) + 1 if exc.token else 1
        raise DataError(f"{where}:{max(column, 1)}: {exc.message}", exc.hint) from None
    except RecursionError:
        raise DataError(f"{where}:1: nesting deeper than {MAX_DEPTH} levels") from None
    column = len(line) - len(line.lstrip()) + 1
    if not isinstance(value, YMap):
        raise DataError(f"{where}:{column}: expected a JSON object (one record per line), got {_kind(value)}",
                        "write each record as {\"id\": ..., ...} on its own line")
    if "\\u" in line:
        _check_surrogates(line, where)
    marks = _Marks((number, column))
    _shape(value, marks, 1, where)
    section = default
    if "type" in value:
        kind = value.pop("type")
        section = _SECTION_OF_TYPE.get(kind) if isinstance(kind, str) else None
        if section is None:
            shown = repr(kind) if isinstance(kind, str) else _kind(kind)
            raise DataError(f"{where}:{column}: type: {shown} is not one of {', '.join(_SECTION_OF_TYPE)}",
                            "or leave it out: the section the file's name starts with, else events")
    value.mark = (number, column)
    return section, value


class _Refused(ValueError):
    """Raised from inside the JSON decoder, with the token to place the error at."""

    def __init__(self, message: str, token: str = "", hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.token, self.hint = message, token, hint


def _mapping(pairs: list[tuple[str, Any]]) -> YMap:
    """A JSON object as a YMap; a key written twice is an error, not a silent overwrite."""
    out = YMap(pairs)
    if find_unsafe("".join(out), True) is not None:  # a key is echoed in "unknown field" messages
        key = next(k for k in out if find_unsafe(k, True) is not None)
        raise _Refused(f"a key holds character U+{ord(find_unsafe(key, True)):04X}", json.dumps(key), "keys are field names; remove it")
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _Refused(f"duplicate key '{key}'", json.dumps(key, ensure_ascii=False), "each key may appear once in a record")
            seen.add(key)
    return out


def _no_constant(token: str) -> Any:
    raise _Refused(f"{token} is not a JSON number", token, "write the value in decimal, or quote it")


def _number(convert):
    """Numbers stay Plain, as unquoted YAML numbers do: the schema decides whether one may stand
    (1e400 reads as inf and is refused there; so is an integer too long for int(), read as a float)."""

    def read(text: str) -> Plain:
        try:
            return Plain("number", text, convert(text))
        except ValueError:
            return Plain("number", text, float(text))

    return read


_NESTED = frozenset((YMap, list, bool))  # what _shape changes; text, numbers and null stay as parsed


def _shape(value: Any, marks: _Marks, depth: int, where: str) -> Any:
    """Lists become YLists and booleans Plain values, placed at the record's line; depth is bounded."""
    if depth > MAX_DEPTH:
        raise DataError(f"{where}:{marks.at[1]}: nesting deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if kind is YMap:
        value.mark, value.marks = marks.at, marks
        for key, item in value.items():
            if type(item) in _NESTED:
                value[key] = _shape(item, marks, depth + 1, where)
        return value
    if kind is list:
        out = YList(value)
        for i, item in enumerate(out):
            if type(item) in _NESTED:
                out[i] = _shape(item, marks, depth + 1, where)
        out.mark, out.marks = marks.at, [marks.at] * len(out)
        return out
    if kind is bool:
        return Plain("boolean", "true" if value else "false", value)
    return value


def _check_surrogates(line: str, where: str) -> None:
    """Refuse a \\uD800-\\uDFFF escape that is not half of a UTF-16 pair, at its column."""
    pending = None  # (column, code) of a high surrogate waiting for its low half
    for m in _ESCAPE.finditer(line):
        code = int(m.group(1), 16) if m.group(1) else None
        if pending is not None:
            if code is not None and 0xDC00 <= code <= 0xDFFF and m.start() == pending[2]:
                pending = None
                continue
            break
        if code is not None and 0xD800 <= code <= 0xDBFF:
            pending = (m.start() + 1, code, m.end())
        elif code is not None and 0xDC00 <= code <= 0xDFFF:
            pending = (m.start() + 1, code, -1)
            break
    if pending is not None:
        raise DataError(f"{where}:{pending[0]}: lone surrogate U+{pending[1]:04X} is not allowed",
                        "remove it, or write the character it was meant to be")


def _kind(value: Any) -> str:
    if isinstance(value, Plain):
        return f"a {value.kind}"
    return {list: "a list", YList: "a list", YMap: "an object", str: "text"}.get(type(value), "null" if value is None else f"a {type(value).__name__}")

"""JSON written straight from the index's stored bodies, as it is read.

The index keeps each record as ``json.dumps(indent=2)`` writes it, so a JSON
answer is those bodies joined (re-indented where they nest), byte for byte what
serialising the records would give, without reviving a record or importing the
model; a listing of a million records streams in constant memory. When stdout
cannot take Unicode the text is escaped as ``ensure_ascii=True`` would.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Callable, Iterable

_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _escape(m: "re.Match[str]") -> str:
    n = ord(m.group())
    if n < 0x10000:
        return f"\\u{n:04x}"
    n -= 0x10000
    return f"\\u{0xd800 | (n >> 10):04x}\\u{0xdc00 | (n & 0x3ff):04x}"


def unicode_ok(stream: Any = None) -> bool:
    encoding = (getattr(stream or sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    return encoding in ("utf8", "utf8sig", "utf16", "utf32")


class Writer:
    """Writes JSON text in pieces to stdout (or a given stream), escaped when it cannot take Unicode."""

    def __init__(self, stream: Any = None) -> None:
        stream = stream or sys.stdout
        self._ascii = not unicode_ok(stream)
        self._write: Callable[[str], Any] = stream.write

    def __call__(self, text: str) -> None:
        try:
            self._write(_NON_ASCII.sub(_escape, text) if self._ascii else text)
        except BrokenPipeError:  # the reader left (`| head`): stop quietly, as every write does
            from sinorus.errors import OutputClosed

            raise OutputClosed() from None

    def array(self, bodies: Iterable[str], depth: int = 0) -> None:
        """A JSON array of pretty bodies nested `depth` levels deep, as json.dumps(indent=2) writes it."""
        inner = "\n" + "  " * (depth + 1)
        first = True
        for body in bodies:
            self(("[" if first else ",") + inner + body.replace("\n", inner))
            first = False
        self("[]" if first else "\n" + "  " * depth + "]")

    def lines(self, values: Iterable[Any]) -> None:
        """JSON Lines: one compact value a line."""
        import json

        for value in values:
            self(json.dumps(value, ensure_ascii=False) + "\n")


def string(text: str) -> str:
    """A JSON string as json.dumps(ensure_ascii=False) writes it."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    import json

    return json.dumps(text, ensure_ascii=False)


def nested(value: Any) -> str:
    """A value as json.dumps(indent=2) writes it one level deep inside an object."""
    import json

    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")


def listing(rows: Iterable[Any], stream: Any = None) -> None:
    """`[...]` of the rows' bodies."""
    out = Writer(stream)
    out.array(row.body for row in rows)
    out("\n")


def listing_lines(rows: Iterable[Any], stream: Any = None) -> None:
    Writer(stream).lines(row.data for row in rows)


def hit_body(hit: Any) -> str:
    """One search hit: its type, id, score, field, why it matched, and the record."""
    return (
        '{\n  "type": ' + string(hit.type) + ',\n  "id": ' + string(hit.id) + ',\n  "score": ' + float.__repr__(float(hit.score))
        + ',\n  "field": ' + string(hit.field) + ',\n  "match": ' + nested(hit.match)
        + ',\n  "record": ' + hit.record.body.replace("\n", "\n  ") + "\n}"
    )


def hit_data(hit: Any) -> dict[str, Any]:
    return {"type": hit.type, "id": hit.id, "score": hit.score, "field": hit.field, "match": hit.match, "record": hit.record.data}


def hits(found: Iterable[Any], lines: bool, stream: Any = None) -> None:
    out = Writer(stream)
    if lines:
        out.lines(hit_data(h) for h in found)
        return
    out.array(hit_body(h) for h in found)
    out("\n")


def record(row: Any, lines: bool, stream: Any = None) -> None:
    """`show ID`: the record with its type first."""
    out = Writer(stream)
    if lines:
        out.lines([{"type": row.kind, **row.data}])
        return
    out('{\n  "type": ' + string(row.kind) + ",\n" + row.body[2:] + "\n")


def profile(p: Any, lines: bool, stream: Any = None) -> None:
    """`who NAME`: the person, the roles held during --on (when asked), events, quotes."""
    out = Writer(stream)
    if lines:
        data = dict(p.person.data)
        if p.roles_on is not None:
            data["roles_on"] = p.roles_on_data()
        data["events"] = [r.data for r in p.events]
        data["quotes"] = [r.data for r in p.quotes]
        out.lines([data])
        return
    body = p.person.body
    out(body[:-2] + ",\n")
    if p.roles_on is not None:
        out('  "roles_on": ' + nested(p.roles_on_data()) + ",\n")
    out('  "events": ')
    out.array((r.body for r in p.events), 1)
    out(',\n  "quotes": ')
    out.array((r.body for r in p.quotes), 1)
    out("\n}\n")

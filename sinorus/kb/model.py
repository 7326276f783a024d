"""Typed records of the knowledge base.

Field names are the YAML names and the JSON names: one vocabulary everywhere.
``SCHEMA`` describes each section's fields once; the loader validates against it
and ``to_dict`` emits the same names in the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sinorus.matching.dates import PartialDate, event_interval, Interval
from sinorus.matching.text import find_unsafe, is_blank


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record was read: reported in every error about it."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_ORIGIN = Origin("<memory>", 0, 0)


@dataclass(frozen=True, slots=True)
class Citation:
    source: str
    excerpt: str | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Role:
    title: str
    organisation: str
    start: PartialDate | None = None
    end: PartialDate | None = None
    note: str | None = None
    title_vi: str | None = None
    organisation_vi: str | None = None

    def held_during(self, span: Interval) -> bool:
        """True when the role overlaps the days asked about."""
        begins = self.start.start if self.start else None
        ends = self.end.end if self.end else None
        return (begins is None or begins <= span.end) and (ends is None or ends >= span.start)


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    language: str
    published: PartialDate | None = None
    file: str | None = None
    url: str | None = None
    author: str | None = None
    note: str | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    name_vi: str | None = None
    aliases: tuple[str, ...] = ()
    country: str | None = None
    roles: tuple[Role, ...] = ()
    note: str | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling a user may type for this person."""
        from sinorus.matching.names import spellings

        return spellings("person", self)


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: str
    label_vi: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        from sinorus.matching.names import spellings

        return spellings("topic", self)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    date: PartialDate
    title: str
    summary: str
    sources: tuple[Citation, ...]
    end: PartialDate | None = None
    title_vi: str | None = None
    summary_vi: str | None = None
    people: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    place: str | None = None
    note: str | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False, repr=False)

    @property
    def interval(self) -> Interval:
        return event_interval(self.date, self.end)

    @property
    def sort_key(self) -> tuple:
        return (*self.date.sort_key, self.id)


@dataclass(frozen=True, slots=True)
class Quote:
    id: str
    speaker: str
    date: PartialDate
    text: str
    source: str
    translation: str | None = None
    topics: tuple[str, ...] = ()
    event: str | None = None
    kind: str | None = None
    note: str | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False, repr=False)

    @property
    def interval(self) -> Interval:
        return event_interval(self.date, None)

    @property
    def sort_key(self) -> tuple:
        return (*self.date.sort_key, self.id)


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    metric: str
    value: Any
    source: str
    excerpt: str
    unit: str | None = None
    period: PartialDate | None = None
    topics: tuple[str, ...] = ()
    event: str | None = None
    note: str | None = None
    origin: Origin = field(default=NO_ORIGIN, compare=False, repr=False)


# Field kinds: str, date, strs (list of str), value (number or str),
# citations, roles, enum:<a>|<b>. Order here is the order of YAML and JSON output.
SCHEMA: dict[str, dict[str, tuple[str, bool]]] = {
    "sources": {
        "id": ("str", True), "title": ("str", True), "publisher": ("str", True),
        "published": ("date", False), "language": ("str", True), "file": ("str", False),
        "url": ("str", False), "author": ("str", False), "note": ("str", False),
    },
    "people": {
        "id": ("str", True), "name": ("str", True), "name_vi": ("str", False),
        "aliases": ("strs", False), "country": ("str", False), "roles": ("roles", False),
        "note": ("str", False),
    },
    "topics": {
        "id": ("str", True), "label": ("str", True), "label_vi": ("str", False),
        "aliases": ("strs", False), "note": ("str", False),
    },
    "events": {
        "id": ("str", True), "date": ("date", True), "end": ("date", False),
        "title": ("str", True), "title_vi": ("str", False), "summary": ("str", True),
        "summary_vi": ("str", False), "people": ("strs", False), "topics": ("strs", False),
        "place": ("str", False), "sources": ("citations", True), "note": ("str", False),
    },
    "quotes": {
        "id": ("str", True), "speaker": ("str", True), "date": ("date", True),
        "text": ("str", True), "translation": ("str", False), "topics": ("strs", False),
        "source": ("str", True), "event": ("str", False), "kind": ("enum:direct|reported", False),
        "note": ("str", False),
    },
    "facts": {
        "id": ("str", True), "metric": ("str", True), "value": ("value", True),
        "unit": ("str", False), "period": ("date", False), "topics": ("strs", False),
        "source": ("str", True), "excerpt": ("str", True), "event": ("str", False),
        "note": ("str", False),
    },
}
ROLE_SCHEMA = {
    "title": ("str", True), "title_vi": ("str", False), "organisation": ("str", True),
    "organisation_vi": ("str", False), "start": ("date", False), "end": ("date", False),
    "note": ("str", False),
}
CITATION_SCHEMA = {"source": ("str", True), "excerpt": ("str", False)}

# Every text field is one or the other (tests/test_escaping.py holds the schema to that).
# Prose may run over several lines; everything else is a name, an id, a date, a label, a path or
# a URL and must be one line: a tab or newline there forges lines in plain output, ends a
# Markdown code span, or splits a shell completion.
MULTI_LINE = frozenset({"summary", "summary_vi", "text", "translation", "excerpt", "note"})
SINGLE_LINE = frozenset({
    "id", "title", "title_vi", "name", "name_vi", "aliases", "label", "label_vi", "publisher",
    "published", "language", "file", "url", "author", "country", "organisation", "organisation_vi",
    "start", "end", "date", "period", "place", "people", "topics", "speaker", "source", "event",
    "kind", "metric", "value", "unit",
})


def text_problem(field: str, value: str) -> str | None:
    """What makes a text value unfit for a field ('aliases[2]', 'roles[0].title'), or None.

    Terminal controls and bidi overrides anywhere; tabs and line breaks in one-line fields;
    and a value that shows nothing (spaces, U+200B, U+3164, a lone combining mark) is empty.
    """
    bad = find_unsafe(value, _one_line(field))
    if bad is not None:
        if bad in "\t\n\u2028\u2029":
            what = "a tab" if bad == "\t" else "a line break"
            return f"contains {what} (U+{ord(bad):04X}); this field must be one line"
        return f"contains control character U+{ord(bad):04X}; remove it"
    if is_blank(value):
        shown = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in value if not c.isspace()))
        return "is empty" + (f" (only invisible characters: {shown})" if shown else "")
    return None


@lru_cache(maxsize=None)
def _one_line(field: str) -> bool:
    """Whether a field label ('title', 'aliases[2]', 'sources[0].excerpt') names a one-line field.

    Cached: the loader asks once per value, millions of times on a large data set."""
    return re.sub(r"\[\d+\]", "", field).rsplit(".", 1)[-1] not in MULTI_LINE


RECORD_TYPES = {"sources": Source, "people": Person, "topics": Topic, "events": Event, "quotes": Quote, "facts": Fact}
# Singular names used by `search --type`, `show` and JSON "type" fields.
SINGULAR = {"sources": "source", "people": "person", "topics": "topic", "events": "event", "quotes": "quote", "facts": "fact"}
SECTIONS = tuple(SCHEMA)


def _plain(value: Any, drop_empty: bool = False) -> Any:
    if isinstance(value, PartialDate):
        return value.text
    if isinstance(value, (Citation, Role)):
        return to_dict(value, drop_empty=drop_empty)
    if isinstance(value, tuple):
        return [_plain(v, drop_empty) for v in value]
    return value


def to_dict(record: Any, *, drop_empty: bool = False) -> dict[str, Any]:
    """The record as plain data with its YAML field names, in schema order."""
    if isinstance(record, Citation):
        spec: dict = CITATION_SCHEMA
    elif isinstance(record, Role):
        spec = ROLE_SCHEMA
    else:
        spec = SCHEMA[section_of(record)]
    out = {}
    for name in spec:
        value = _plain(getattr(record, name), drop_empty)
        if drop_empty and value in (None, [], ""):
            continue
        out[name] = value
    return out


_SECTION_OF = {cls: name for name, cls in RECORD_TYPES.items()}


def section_of(record: Any) -> str:
    return _SECTION_OF[type(record)]


@dataclass
class KnowledgeBase:
    """All records, by section and id, in file order."""

    sources: dict[str, Source] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def section(self, name: str) -> dict[str, Any]:
        return getattr(self, name)

    def find(self, record_id: str) -> list[tuple[str, Any]]:
        """Every record with this id, as (section, record)."""
        return [(name, self.section(name)[record_id]) for name in SECTIONS if record_id in self.section(name)]

    def counts(self) -> dict[str, int]:
        return {name: len(self.section(name)) for name in SECTIONS}

"""Find, validate and load the knowledge base.

The data files (YAML, and JSON Lines through ``jsonlread``) are the source of truth: both are
read into the same shapes and validated by the same ``_Builder``. ``collect`` reads them and returns the
knowledge base with every problem found (``sinorus check`` prints them all);
``load`` is what commands use: the first problem becomes a one-line DataError,
and a validated knowledge base is served from the cache when the files are unchanged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from sinorus.dates import PartialDate
from sinorus.errors import DataError
from sinorus.i18n import _, ngettext
from sinorus.model import (
    CITATION_SCHEMA, ROLE_SCHEMA, SCHEMA, SECTIONS, SINGULAR, Citation, KnowledgeBase,
    Origin, Role, RECORD_TYPES, text_problem,
)
from sinorus.paths import JSONL_SUFFIX, NotARegularFile, bundled_root, data_location, yaml_files  # noqa: F401  (data_location, bundled_root: part of store's API)
from sinorus.yamlread import Plain, YList, YMap, read_file

# Ids compared for "did you mean" hints in one load: about 0.4 s with rapidfuzz (see _Builder.suggest).
SUGGEST_BUDGET = 2_000_000
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# An unquoted number is taken as written only in plain decimal: YAML 1.1 reads 010 as 8,
# 1:30 as 90, 0x1F as 31 and .nan as NaN (which is not even valid JSON output).
DECIMAL_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the data, located as precisely as we can."""

    origin: Origin
    record: str | None
    message: str

    def __str__(self) -> str:
        where = str(self.origin)
        return f"{where}: {self.record}: {self.message}" if self.record else f"{where}: {self.message}"


def data_files(location: Path) -> list[Path]:
    """The data files (*.yaml, *.yml, *.jsonl) at a location, or a one-line error saying why there are none (or which one is not a file)."""
    try:
        files = yaml_files(location)
    except NotARegularFile as exc:
        raise DataError(f"{exc.filename}: {exc.strerror}", _("every *.yaml, *.yml and *.jsonl in a data directory is read: remove it or rename it")) from None
    if files:
        return files
    if files is not None:
        raise DataError(_("{path}: no data files (.yaml, .yml, .jsonl) in this directory").format(path=location), _("point {option} at a data file (YAML or JSON Lines) or a directory of them").format(option="--data"))
    if location.exists():  # /dev/null, a pipe from <(...), a socket: there, but not a file to read twice
        raise DataError(_("{path}: not a regular file").format(path=location), _("save the data to a .yaml file and point --data at it"))
    raise DataError(_("{path}: no such file or directory").format(path=location), _("point {option} at a data file (YAML or JSON Lines) or a directory of them").format(option=_("--data (or SINORUS_DATA)")))


def seed_dirs(location: Path) -> list[Path]:
    """Where a source's ``file`` may live: beside the data, one level up, or the bundled seeds."""
    base = location if location.is_dir() else location.parent
    dirs = [base, base.parent, bundled_root()]
    return list(dict.fromkeys(d.resolve() for d in dirs))


# --- validation ---------------------------------------------------------------


class _Builder:
    """Turns parsed YAML into records, noting problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.kb = KnowledgeBase()
        self.seen_ids: dict[str, tuple[str, Origin]] = {}
        self.suggest_budget = SUGGEST_BUDGET

    def problem(self, origin: Origin, record: str | None, message: str) -> None:
        self.problems.append(Problem(origin, record, message))

    # scalar kinds
    def _text(self, value: Any, origin: Origin, rid: str | None, field: str) -> str | None:
        if isinstance(value, Plain):
            self.problem(origin, rid, f"{field}: expected text, got an unquoted {value.kind} {value.text!r}; quote it: \"{value.text}\"")
            return None
        if not isinstance(value, str):
            self.problem(origin, rid, f"{field}: expected text, got a {_kind(value)}")
            return None
        wrong = text_problem(field, value)
        if wrong is not None:
            self.problem(origin, rid, f"{field}: {wrong}")
            return None
        return value

    def _value(self, value: Any, origin: Origin, rid: str | None, field: str, kind: str) -> Any:
        if kind == "str":
            return self._text(value, origin, rid, field)
        if kind.startswith("enum:"):
            text = self._text(value, origin, rid, field)
            allowed = kind[5:].split("|")
            if text is not None and text not in allowed:
                self.problem(origin, rid, f"{field}: {text!r} is not one of {', '.join(allowed)}")
                return None
            return text
        if kind == "date":
            text = self._text(value, origin, rid, field)
            if text is None:
                return None
            try:
                return PartialDate.parse(text)
            except ValueError as exc:
                self.problem(origin, rid, f"{field}: {exc}")
                return None
        if kind == "value":
            if isinstance(value, Plain) and value.kind == "number":
                if DECIMAL_RE.fullmatch(value.text) and value.value == value.value and abs(value.value) != float("inf"):
                    return value.value
                self.problem(origin, rid, f"{field}: the unquoted number {value.text!r} would read as {value.value!r}; write it in decimal, or quote it: \"{value.text}\"")
                return None
            return self._text(value, origin, rid, field)
        if kind == "strs":
            if not isinstance(value, YList):
                self.problem(origin, rid, f"{field}: expected a list, got a {_kind(value)}")
                return ()
            items = [self._text(v, _at(origin.file, value.marks[i]), rid, f"{field}[{i}]") for i, v in enumerate(value)]
            return tuple(v for v in items if v is not None)
        if kind == "citations":
            return tuple(self._nested(value, origin, rid, field, CITATION_SCHEMA, Citation, True))
        if kind == "roles":
            return tuple(self._nested(value, origin, rid, field, ROLE_SCHEMA, Role, False))
        raise AssertionError(kind)

    def _nested(self, value, origin, rid, field, schema, cls, keep_origin) -> Iterable[Any]:
        if not isinstance(value, YList):
            self.problem(origin, rid, f"{field}: expected a list, got a {_kind(value)}")
            return
        for i, item in enumerate(value):
            where = _at(origin.file, value.marks[i])
            fields = self._fields(item, where, rid, schema, f"{field}[{i}]")
            if fields is not None:
                if keep_origin:
                    fields["origin"] = where
                yield cls(**fields)

    def _fields(self, item: Any, origin: Origin, rid: str | None, schema: dict, label: str) -> dict | None:
        if not isinstance(item, YMap):
            self.problem(origin, rid, f"{label or 'record'}: expected a mapping, got a {_kind(item)}")
            return None
        ok = True
        prefix = f"{label}: " if label else ""
        for key in item:
            if key not in schema:
                close = _closest(key, schema)
                self.problem(_at(origin.file, item.marks[key]), rid, f"{prefix}unknown field '{key}'" + (f" (did you mean '{close}'?)" if close else ""))
                ok = False
        out: dict[str, Any] = {}
        for name, (kind, required) in schema.items():
            raw = item.get(name)
            if raw is None:
                if required:
                    self.problem(origin, rid, f"{prefix}missing required field '{name}'")
                    ok = False
                continue
            before = len(self.problems)
            value = self._value(raw, _at(origin.file, item.marks[name]), rid, f"{label}.{name}" if label else name, kind)
            if len(self.problems) > before:
                ok = False
            if value is not None:
                out[name] = value
        return out if ok else None

    def add_path(self, path: Path) -> None:
        """Read one data file by its extension; records of both formats go through the same checks.

        JSON Lines records come one at a time (jsonlread), each a YMap as a YAML record is."""
        if path.suffix.lower() != JSONL_SUFFIX:
            self.add_file(path, read_file(path))
            return
        from sinorus import jsonlread

        name = str(path)
        for section, record in jsonlread.records(path):
            self._add_record(section, record, _at(name, record.mark))

    def add_file(self, path: Path, root: Any) -> None:
        name = str(path)
        if not isinstance(root, YMap):
            self.problem(Origin(name, 1, 1), None, f"expected a mapping of sections ({', '.join(SECTIONS)}), got a {_kind(root)}")
            return
        for key in root:
            if key not in SCHEMA:
                close = _closest(key, SCHEMA)
                self.problem(_at(name, root.marks[key]), None, f"unknown section '{key}'" + (f" (did you mean '{close}'?)" if close else f"; sections are {', '.join(SECTIONS)}"))
        for section in SECTIONS:
            records = root.get(section)
            if records is None:
                continue
            if not isinstance(records, YList):
                self.problem(_at(name, root.marks[section]), None, f"{section}: expected a list of records, got a {_kind(records)}")
                continue
            for i, item in enumerate(records):
                self._add_record(section, item, _at(name, records.marks[i]))

    def _add_record(self, section: str, item: Any, origin: Origin) -> None:
        rid = item.get("id") if isinstance(item, YMap) else None
        rid = rid if isinstance(rid, str) else None
        if isinstance(item, YMap) and "id" in item.marks:
            origin = _at(origin.file, item.marks["id"])
        fields = self._fields(item, origin, rid, SCHEMA[section], "")
        if fields is None:
            return
        if not ID_RE.fullmatch(rid):
            self.problem(origin, rid, "id: use letters, digits, '-', '_' or '.', starting with a letter or digit")
            return
        if rid in self.seen_ids:
            other_section, other = self.seen_ids[rid]
            self.problem(origin, rid, f"duplicate id (already used by a {SINGULAR[other_section]} at {other})")
            return
        self.seen_ids[rid] = (section, origin)
        self.kb.section(section)[rid] = RECORD_TYPES[section](origin=origin, **fields)

    def suggest(self, word: str, choices: list[str]) -> str | None:
        """A "did you mean" for an unknown id, while suggestions stay cheap.

        Each costs a pass over every id of its section: 100 dangling references among 100,000
        events cost difflib 80 s of CPU. So they are scored by rapidfuzz and stop once SUGGEST_BUDGET
        ids have been compared; later problems are still reported, only without the hint.
        """
        if len(choices) > self.suggest_budget:
            return None
        self.suggest_budget -= len(choices)
        return _closest(word, choices)

    def check_references(self) -> None:
        kb = self.kb
        known: dict[str, list[str]] = {}

        def need(ids: Iterable[str], section: str, record: Any, field: str) -> None:
            for ref in ids:
                if ref not in kb.section(section):
                    if section not in known:
                        known[section] = list(kb.section(section))
                    close = self.suggest(ref, known[section])
                    hint = f" (did you mean '{close}'?)" if close else ""
                    self.problem(record.origin, record.id, f"{field}: unknown {SINGULAR[section]} '{ref}'{hint}")

        def ordered(start, end, record, what) -> None:
            if start is not None and end is not None and end.end < start.start:
                self.problem(record.origin, record.id, f"{what}: end {end} is before start {start}")

        for source in kb.sources.values():
            if source.file and not _safe_relative(source.file):
                self.problem(source.origin, source.id, f"file: {source.file!r} must be a relative path inside the data tree")
        for person in kb.people.values():
            for role in person.roles:
                ordered(role.start, role.end, person, f"role '{role.title}'")
        for event in kb.events.values():
            need(event.people, "people", event, "people")
            need(event.topics, "topics", event, "topics")
            ordered(event.date, event.end, event, "date")
            for cite in event.sources:
                need([cite.source], "sources", event, "sources")
                src = kb.sources.get(cite.source)
                if src is not None and src.file and not cite.excerpt:
                    self.problem(cite.origin, event.id, f"sources: citation of article '{cite.source}' needs an excerpt")
            if not any(c.excerpt for c in event.sources):
                self.problem(event.origin, event.id, "sources: at least one citation must quote an article excerpt")
        for quote in kb.quotes.values():
            need([quote.speaker], "people", quote, "speaker")
            need([quote.source], "sources", quote, "source")
            need(quote.topics, "topics", quote, "topics")
            if quote.event:
                need([quote.event], "events", quote, "event")
        for fact in kb.facts.values():
            need([fact.source], "sources", fact, "source")
            need(fact.topics, "topics", fact, "topics")
            if fact.event:
                need([fact.event], "events", fact, "event")


def _safe_relative(path: str) -> bool:
    p = Path(path)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in path


def _at(file: str, mark: tuple[int, int]) -> Origin:
    return Origin(file, mark[0], mark[1])


def _kind(value: Any) -> str:
    if isinstance(value, Plain):
        return value.kind
    return {YMap: "mapping", YList: "list", str: "text"}.get(type(value), "null" if value is None else type(value).__name__)


def _closest(word: str, choices: Iterable[str]) -> str | None:
    """The most similar choice (Indel similarity at least 75%, as difflib's 0.75 cutoff), if any."""
    from rapidfuzz import fuzz, process

    found = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=75)
    return found[0] if found else None


def collect(location: Path, progress=None) -> tuple[KnowledgeBase, list[Problem]]:
    """Read every file at a location; return what loaded and every problem found.

    ``progress(done, total)``, if given, is called after each file (in bytes read).
    """
    builder = _Builder()
    files = data_files(location)
    sizes = [p.stat().st_size for p in files] if progress is not None else []
    for i, path in enumerate(files):
        builder.add_path(path)
        if progress is not None:
            progress(sum(sizes[: i + 1]), sum(sizes))
    builder.check_references()
    builder.kb.files = tuple(str(p) for p in files)
    return builder.kb, builder.problems


def load_uncached(location: Path, progress=None) -> KnowledgeBase:
    kb, problems = collect(location, progress)
    if problems:
        more = " " + ngettext("(and {n} more; run 'sinorus check' to list it)", "(and {n} more; run 'sinorus check' to list them)", len(problems) - 1).format(n=len(problems) - 1) if len(problems) > 1 else ""
        raise DataError(f"{problems[0]}{more}", _("fix the data file, or run 'sinorus check' for the full list"))
    return kb


def load(path: str | os.PathLike | None = None, *, use_cache: bool = True) -> KnowledgeBase:
    """The validated knowledge base at --data / $SINORUS_DATA / the bundled data."""
    location = data_location(path)
    if not use_cache:
        return load_uncached(location)
    from sinorus import cache

    return cache.load_cached(location, load_uncached)

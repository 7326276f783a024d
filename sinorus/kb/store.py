"""Find, validate and load the knowledge base.

The data files (YAML, and JSON Lines through ``jsonlread``) are the source of truth: both are
read into the same shapes and validated by the same ``_Builder``. ``collect`` reads them and returns the
knowledge base with every problem found (``sinorus check`` prints them all);
``load`` is what commands use: the first problem becomes a one-line DataError,
and a validated knowledge base is served from the cache when the files are unchanged.
``Stream`` validates the same way for a first run's index (``index.build``): each record
is stored as soon as it is read and nothing of it is kept, and the checks that need every
record run against the index, with the same first problem and count as ``load_uncached``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sinorus.matching.dates import PartialDate
from sinorus.errors import DataError
from sinorus.i18n import _, ngettext
from sinorus.kb.model import (
    CITATION_SCHEMA, ROLE_SCHEMA, SCHEMA, SECTIONS, SINGULAR, Citation, KnowledgeBase,
    Origin, Role, RECORD_TYPES, text_problem,
)
from sinorus.kb.paths import JSONL_SUFFIX, NotARegularFile, bundled_root, yaml_files  # noqa: F401  (bundled_root: part of store's API)
from sinorus.kb.yamlread import Plain, YList, YMap, read_file

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

    def problem(self, origin: Origin | tuple, record: str | None, message: str) -> None:
        """Note a problem; origin may be a place (file, line, column), made an Origin only now."""
        if type(origin) is tuple:
            origin = Origin(*origin)
        self.problems.append(Problem(origin, record, message))

    # scalar kinds
    def _text(self, value: Any, origin: tuple, rid: str | None, field: str) -> str | None:
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

    def _value(self, value: Any, origin: tuple, rid: str | None, field: str, kind: str) -> Any:
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
            file = origin[0]
            items = [self._text(v, (file, *value.marks[i]), rid, f"{field}[{i}]") for i, v in enumerate(value)]
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
        file = origin[0]
        for i, item in enumerate(value):
            where = (file, *value.marks[i])
            fields = self._fields(item, where, rid, schema, f"{field}[{i}]")
            if fields is not None:
                if keep_origin:
                    fields["origin"] = Origin(*where)
                yield cls(**fields)

    def _fields(self, item: Any, origin: Origin | tuple, rid: str | None, schema: dict, label: str) -> dict | None:
        """The fields of one mapping, valid, or None. Values are placed as (file, line, column) tuples:
        an Origin is made only for a problem (or a citation), not for each of millions of values."""
        if not isinstance(item, YMap):
            self.problem(origin, rid, f"{label or 'record'}: expected a mapping, got a {_kind(item)}")
            return None
        ok = True
        prefix = f"{label}: " if label else ""
        file = origin[0] if type(origin) is tuple else origin.file
        for key in item:
            if key not in schema:
                close = _closest(key, schema)
                self.problem((file, *item.marks[key]), rid, f"{prefix}unknown field '{key}'" + (f" (did you mean '{close}'?)" if close else ""))
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
            value = self._value(raw, (file, *item.marks[name]), rid, f"{label}.{name}" if label else name, kind)
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
        from sinorus.kb import jsonlread

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
        self._accept(section, rid, origin, fields)

    def _accept(self, section: str, rid: str, origin: Origin, fields: dict) -> None:
        """Keep a valid record unless its id is taken (the first one wins, wherever it is)."""
        if rid in self.seen_ids:
            other_section, other = self.seen_ids[rid]
            self.problem(origin, rid, _duplicate(other_section, other))
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
        """The checks that need every record: each reference resolves, ranges are ordered (see _checks)."""
        kb = self.kb
        known: dict[str, list[str]] = {}
        for section in SECTIONS:
            for record in kb.section(section).values():
                for item in _checks(section, record):
                    problem = _judge(item, record, kb.section, kb.sources.get)
                    if problem is None:
                        continue
                    if item[0] == "need":
                        target = item[1]
                        if target not in known:
                            known[target] = list(kb.section(target))
                        close = self.suggest(item[2], known[target])
                        problem = Problem(problem.origin, problem.record, problem.message + (f" (did you mean '{close}'?)" if close else ""))
                    self.problems.append(problem)


def _checks(section: str, record: Any) -> Iterator[tuple]:
    """What check_references verifies of one record, in the order it reports problems:
    ("need", section, id, field): the id must be a record of that section;
    ("cite", source, origin): a citation without an excerpt, wrong if its source is an article;
    ("local", origin, message): a problem the record shows on its own.
    """
    if section == "sources":
        if record.file and not _safe_relative(record.file):
            yield ("local", record.origin, f"file: {record.file!r} must be a relative path inside the data tree")
    elif section == "people":
        for role in record.roles:
            yield from _ordered(role.start, role.end, record, f"role '{role.title}'")
    elif section == "events":
        for ref in record.people:
            yield ("need", "people", ref, "people")
        for ref in record.topics:
            yield ("need", "topics", ref, "topics")
        yield from _ordered(record.date, record.end, record, "date")
        for cite in record.sources:
            yield ("need", "sources", cite.source, "sources")
            if not cite.excerpt:
                yield ("cite", cite.source, cite.origin)
        if not any(c.excerpt for c in record.sources):
            yield ("local", record.origin, "sources: at least one citation must quote an article excerpt")
    elif section == "quotes":
        yield ("need", "people", record.speaker, "speaker")
        yield ("need", "sources", record.source, "source")
        for ref in record.topics:
            yield ("need", "topics", ref, "topics")
        if record.event:
            yield ("need", "events", record.event, "event")
    elif section == "facts":
        yield ("need", "sources", record.source, "source")
        for ref in record.topics:
            yield ("need", "topics", ref, "topics")
        if record.event:
            yield ("need", "events", record.event, "event")


def _ordered(start: Any, end: Any, record: Any, what: str) -> Iterator[tuple]:
    if start is not None and end is not None and end.end < start.start:
        yield ("local", record.origin, f"{what}: end {end} is before start {start}")


def _judge(item: tuple, record: Any, section: Callable[[str], Any], source: Callable[[str], Any]) -> Problem | None:
    """The problem one _checks item shows, given the records kept (a "need" without its hint)."""
    if item[0] == "local":
        return Problem(item[1], record.id, item[2])
    if item[0] == "cite":
        src = source(item[1])
        if src is not None and src.file:
            return Problem(item[2], record.id, f"sources: citation of article '{item[1]}' needs an excerpt")
        return None
    _need, target, ref, field = item
    if ref in section(target):
        return None
    return Problem(record.origin, record.id, f"{field}: unknown {SINGULAR[target]} '{ref}'")


def _duplicate(other_section: str, other: Origin) -> str:
    return f"duplicate id (already used by a {SINGULAR[other_section]} at {other})"


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
        raise _failure(problems[0], len(problems))
    return kb


def _failure(first: Problem, count: int) -> DataError:
    """The one-line error for data with count problems, the first of them first."""
    more = " " + ngettext("(and {n} more; run 'sinorus check' to list it)", "(and {n} more; run 'sinorus check' to list them)", count - 1).format(n=count - 1) if count > 1 else ""
    return DataError(f"{first}{more}", _("fix the data file, or run 'sinorus check' for the full list"))


# --- streaming ------------------------------------------------------------------

SMALL = ("sources", "people", "topics")  # sections kept in memory while streaming: hundreds of records, not millions


class Stream(_Builder):
    """The data at a location validated record by record, for ``index.build`` to store each record as it comes.

    What outlives a record's file is only what later checks need: the small sections (sources,
    people, topics) and the ids referenced before they were seen. Once every file is read,
    ``verdict`` runs check_references' checks (_checks) against what the index holds, and raises
    the very DataError load_uncached would: the same first problem, the same count. It looks
    at stored records again only when some check may fail, so valid data is read once.
    """

    def __init__(self, location: Path, progress=None) -> None:
        super().__init__()
        self.paths = data_files(location)
        self.files = self.kb.files = tuple(str(p) for p in self.paths)
        self.sources, self.people, self.topics = self.kb.sources, self.kb.people, self.kb.topics
        self.progress = progress
        self.rowid = 0  # the index's rowid of the last record kept
        self.keys: list[tuple[int, int]] = []  # where each problem falls among the records kept
        self.unknown: dict[str, set[str]] = {s: set() for s in SECTIONS}  # ids referenced while not (yet) seen
        self.bare: set[str] = set()  # sources cited without an excerpt
        self.suspect = False  # some record fails a check of its own (_checks' "local")
        self._sink: Callable[[str, Any], int] | None = None
        self.reading = self.paths  # the files run reads (index.update: only those that changed)
        self.file_start: Callable[[str], int] | None = None  # the rowid before a file's first record, from the index

    def problem(self, origin: Origin, record: str | None, message: str) -> None:
        super().problem(origin, record, message)
        self.keys.append((self.rowid, 1))

    def run(self, sink: Callable[[str, Any], int]) -> None:
        """Read every file, handing each valid record to sink(section, record), which returns its rowid."""
        self._sink = sink
        sizes = [p.stat().st_size for p in self.reading] if self.progress is not None else []
        for i, path in enumerate(self.reading):
            if self.file_start is not None:  # a problem before the file's first record falls after every earlier file's records
                self.rowid = self.file_start(str(path))
            self.add_path(path)
            if self.progress is not None:
                self.progress(sum(sizes[: i + 1]), sum(sizes))

    def _accept(self, section: str, rid: str, origin: Origin, fields: dict) -> None:
        """Store the record at once; duplicate ids are found in the index once all is read (verdict)."""
        record = RECORD_TYPES[section](origin=origin, **fields)
        self.rowid = self._sink(section, record)
        if section in SMALL:
            self.kb.section(section).setdefault(rid, record)
        for item in _checks(section, record):
            if item[0] == "need":
                if item[1] not in SMALL or item[2] not in self.kb.section(item[1]):
                    self.unknown[item[1]].add(item[2])
            elif item[0] == "cite":
                self.bare.add(item[1])
            else:
                self.suspect = True

    def verdict(self, stored: Any) -> None:
        """Raise load_uncached's DataError if the data has any problem; stored: the index being built
        (index._Stored: duplicates, drop, has, ids, records)."""
        problems = list(zip(self.keys, self.problems))
        duplicated = stored.duplicates()
        for rid, rows in duplicated:
            _rowid, first_no, first_origin = rows[0]
            for rowid, no, where in rows[1:]:
                problems.append(((rowid, 0), Problem(where, rid, _duplicate(SECTIONS[first_no], first_origin))))
                if SECTIONS[no] in SMALL and no != first_no:
                    self.kb.section(SECTIONS[no]).pop(rid, None)
            stored.drop([row[0] for row in rows[1:]])
        problems.sort(key=lambda kp: kp[0])
        if not (problems or self.suspect or self._missing(stored)):
            return
        first, count = self._recheck(stored, hint=not problems)
        if problems:
            first = problems[0][1]
        if first is not None:
            raise _failure(first, len(problems) + count)

    def _missing(self, stored: Any) -> bool:
        """Whether a reference may not resolve, or an article is cited without an excerpt."""
        if any(self.unknown[s] - self.kb.section(s).keys() for s in SMALL):
            return True
        if any(not stored.has("events", ref) for ref in self.unknown["events"]):
            return True
        return any((src := self.sources.get(s)) is not None and src.file for s in self.bare)

    def _recheck(self, stored: Any, hint: bool) -> tuple[Problem | None, int]:
        """The first problem of check_references (with its hint, if asked) and how many there are, in its order."""
        events = _Known(lambda rid: stored.has("events", rid))

        def section(name: str) -> Any:
            return events if name == "events" else self.kb.section(name)

        first, count = None, 0
        for name in SECTIONS:
            records = self.kb.section(name).values() if name in SMALL else stored.records(name)
            for record in records:
                for item in _checks(name, record):
                    problem = _judge(item, record, section, self.sources.get)
                    if problem is None:
                        continue
                    count += 1
                    if first is None:
                        first = problem
                        if item[0] == "need" and hint:
                            choices = list(self.kb.section(item[1])) if item[1] in SMALL else stored.ids(item[1])
                            close = self.suggest(item[2], choices)
                            if close:
                                first = Problem(problem.origin, problem.record, f"{problem.message} (did you mean '{close}'?)")
        return first, count


class _Known:
    """`id in known` answered by a function (the index, for events while streaming)."""

    def __init__(self, has: Callable[[str], bool]) -> None:
        self._has = has

    def __contains__(self, rid: object) -> bool:
        return isinstance(rid, str) and self._has(rid)

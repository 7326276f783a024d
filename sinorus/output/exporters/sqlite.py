"""The knowledge base as one normalised SQLite database, for Datasette, sqlite-utils, pandas or DuckDB.

One table per record type (sources, people, topics, events, quotes, facts) with
the YAML field names as columns, link tables for the lists that name other
records (event_people, event_topics, quote_topics, fact_topics), roles, and
citations: every citation of every record with its excerpt. Primary and foreign
keys are declared, so the file checks itself (``PRAGMA foreign_key_check``).

The columns come from ``sinorus.kb.model.SCHEMA``, so a field added to the data
model appears here without a second list to keep in step. A date field ``d``
becomes ``d`` (as the data writes it: ``2022-02~``) plus ``d_first_day`` and
``d_last_day``, the ISO days it can mean, which sort and compare as text.

Full-text search: ``<table>_fts`` (FTS5, ``unicode61 remove_diacritics 2``)
per record table and for citations, keyed by the table's ``seq`` (``id`` for
citations), a stable integer since VACUUM may renumber an implicit rowid. The
tokenizer drops the accents of Latin letters (``Nguyễn`` ~ ``nguyen``) but keeps
Vietnamese ``đ``, Cyrillic ``й`` and others; each FTS row therefore also
indexes, in its ``folded`` column, the words that sinorus's own folding
(``sinorus.matching.text.fold``) spells otherwise: ``Đặng`` is found by ``dang`` too.

A filtered selection exports what the yaml exporter exports: the chosen events
and the records they reach (``kbyaml.closed_subset``); unfiltered, everything.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sinorus.output.export import Selection, exporter
from sinorus.kb.model import ROLE_SCHEMA, SCHEMA, SINGULAR, KnowledgeBase
from sinorus.matching.text import fold

# A field whose value is the id of another record, and the section it names.
REFERENCES = {"speaker": "people", "source": "sources", "event": "events"}
# List fields naming other records: each becomes a link table (events.people -> event_people).
LINKED = {"people": "people", "topics": "topics"}
# Text fields that are codes or locations, not words anyone searches for.
NOT_PROSE = {"id", "file", "url", "language", "country"}
TOKENIZER = "unicode61 remove_diacritics 2"
RECORD_TABLES = ("sources", "people", "topics", "events", "quotes", "facts")


@dataclass(frozen=True)
class Table:
    """A table's DDL pieces, and what its FTS table indexes (empty: not searchable)."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL declaration)
    constraints: tuple[str, ...] = ()
    fts: tuple[str, ...] = ()
    fts_key: str = "seq"
    indexes: tuple[str, ...] = ()
    without_rowid: bool = False  # rows stored in primary-key order: no second copy of the key

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def ddl(self) -> str:
        body = ",\n  ".join([f"{_q(c)} {decl}" for c, decl in self.columns] + list(self.constraints))
        return f"CREATE TABLE {_q(self.name)} (\n  {body}\n)" + (" WITHOUT ROWID" if self.without_rowid else "")

    def index_ddl(self) -> list[str]:
        """An index per listed column; one that may be NULL skips its NULLs (partial index)."""
        decl = dict(self.columns)
        return [
            f"CREATE INDEX {_q(f'{self.name}_{c}')} ON {_q(self.name)} ({_q(c)})"
            + ("" if "NOT NULL" in decl[c] else f" WHERE {_q(c)} IS NOT NULL")
            for c in self.indexes
        ]


def _q(name: str) -> str:
    """A quoted SQL identifier ("end" is a keyword)."""
    return '"' + name.replace('"', '""') + '"'


# --- the schema, from the data model ----------------------------------------------------


def _field_columns(spec: dict[str, tuple[str, bool]]) -> list[tuple[str, str]]:
    """Columns for the scalar fields of a schema; lists, citations and roles go to their own tables."""
    out: list[tuple[str, str]] = []
    for name, (kind, required) in spec.items():
        null = " NOT NULL" if required else ""
        if kind == "date":
            out += [(name, "TEXT" + null), (f"{name}_first_day", "TEXT" + null), (f"{name}_last_day", "TEXT" + null)]
        elif kind == "value":
            out.append((name, "NOT NULL"))  # no declared type: a number stays a number, text stays text
        elif kind == "strs":
            if name not in LINKED:
                out.append((name, "TEXT NOT NULL DEFAULT '[]'"))  # a JSON array (Datasette facets on it)
        elif kind in ("citations", "roles"):
            continue
        elif name == "id":
            out.append((name, "TEXT NOT NULL PRIMARY KEY"))
        elif name in REFERENCES:
            out.append((name, f"TEXT{null} REFERENCES {REFERENCES[name]}(id)"))
        elif kind.startswith("enum:"):
            choices = ", ".join(f"'{c}'" for c in kind[5:].split("|"))
            out.append((name, f"TEXT{null} CHECK ({_q(name)} IN ({choices}))"))
        else:
            out.append((name, "TEXT" + null))
    return out


def _prose_fields(section: str) -> tuple[str, ...]:
    """The fields worth full-text search: every text in every language, names and aliases."""
    return tuple(
        name for name, (kind, _) in SCHEMA[section].items()
        if name not in NOT_PROSE and name not in REFERENCES and (kind == "str" or (kind == "strs" and name not in LINKED))
    )


def record_table(section: str) -> Table:
    refs = [name for name in SCHEMA[section] if name in REFERENCES]
    extra = ("excerpts",) if section == "events" else ()
    return Table(
        section,
        (*_field_columns(SCHEMA[section]), ("seq", "INTEGER NOT NULL UNIQUE")),
        fts=_prose_fields(section) + extra,
        indexes=tuple(refs),
    )


def link_table(section: str, field: str) -> Table:
    """events.people -> event_people(event_id, position, person_id)."""
    own, other = f"{SINGULAR[section]}_id", f"{SINGULAR[LINKED[field]]}_id"
    return Table(
        f"{SINGULAR[section]}_{field}",
        ((own, f"TEXT NOT NULL REFERENCES {section}(id)"), ("position", "INTEGER NOT NULL"),
         (other, f"TEXT NOT NULL REFERENCES {LINKED[field]}(id)")),
        (f"PRIMARY KEY ({own}, position)",),
        indexes=(other,),
        without_rowid=True,
    )


def roles_table() -> Table:
    return Table(
        "roles",
        (("person_id", "TEXT NOT NULL REFERENCES people(id)"), ("position", "INTEGER NOT NULL"), *_field_columns(ROLE_SCHEMA)),
        ("PRIMARY KEY (person_id, position)",),
        without_rowid=True,
    )


def citations_table() -> Table:
    """Every citation of every record: an event's sources, a quote's source (its text is the
    excerpt), a fact's source and excerpt. record_type/record_id name the record; exactly one of
    event_id, quote_id, fact_id repeats record_id, so the reference is a checked foreign key."""
    typed = ("event", "quote", "fact")
    return Table(
        "citations",
        (("id", "INTEGER PRIMARY KEY"),
         ("record_type", f"TEXT NOT NULL CHECK (record_type IN ({', '.join(repr(t) for t in typed)}))"),
         ("record_id", "TEXT NOT NULL"),
         ("position", "INTEGER NOT NULL"),
         ("source_id", "TEXT NOT NULL REFERENCES sources(id)"),
         ("excerpt", "TEXT"),
         *((f"{t}_id", f"TEXT REFERENCES {t}s(id)") for t in typed)),
        ("UNIQUE (record_type, record_id, position)",
         "CHECK (record_id = CASE record_type "
         + " ".join(f"WHEN '{t}' THEN {t}_id" for t in typed)
         + " END AND " + " + ".join(f"({t}_id IS NOT NULL)" for t in typed) + " = 1)"),
        fts=("excerpt",),
        fts_key="id",
        indexes=("source_id", *(f"{t}_id" for t in typed)),
    )


def tables() -> list[Table]:
    """Every table, parents before children."""
    out = [record_table(s) for s in RECORD_TABLES]
    out.insert(2, roles_table())
    for section in RECORD_TABLES:
        for field, (kind, _) in SCHEMA[section].items():
            if kind == "strs" and field in LINKED:
                out.append(link_table(section, field))
    out.append(citations_table())
    return out


def _json_list(select: str) -> str:
    """A correlated subquery giving the rows of `select` as a JSON array, in its order."""
    return f"(SELECT json_group_array(v) FROM ({select}))"


def views() -> dict[str, str]:
    """The common questions, as views: name -> SELECT."""
    event_text = [n for n, (k, _) in SCHEMA["events"].items() if k == "str" and n not in ("id", "place", "note")]
    timeline = f"""
SELECT e.id, substr(e.date, 1, 4) AS year, e.date, e."end",
  e.date_first_day AS first_day, coalesce(e.end_last_day, e.date_last_day) AS last_day,
  {", ".join(f"e.{_q(n)}" for n in event_text)},
  {_json_list("SELECT p.name AS v FROM event_people x JOIN people p ON p.id = x.person_id WHERE x.event_id = e.id ORDER BY x.position")} AS people,
  {_json_list("SELECT t.label AS v FROM event_topics x JOIN topics t ON t.id = x.topic_id WHERE x.event_id = e.id ORDER BY x.position")} AS topics,
  e.place,
  {_json_list("SELECT c.source_id AS v FROM citations c WHERE c.event_id = e.id GROUP BY c.source_id ORDER BY min(c.position)")} AS sources,
  e.note, e.seq
FROM events e ORDER BY e.seq"""
    quotes = f"""
SELECT q.id, q.date, q.speaker, p.name AS speaker_name, p.name_vi AS speaker_name_vi,
  q.text, q.translation, q.kind, q.event, e.title AS event_title,
  {_json_list("SELECT t.label AS v FROM quote_topics x JOIN topics t ON t.id = x.topic_id WHERE x.quote_id = q.id ORDER BY x.position")} AS topics,
  q.source, s.title AS source_title, q.seq
FROM quotes q JOIN people p ON p.id = q.speaker JOIN sources s ON s.id = q.source
  LEFT JOIN events e ON e.id = q.event
ORDER BY q.seq"""
    citations = """
SELECT c.id, c.record_type, c.record_id,
  CASE c.record_type WHEN 'event' THEN e.title WHEN 'fact' THEN f.metric
    ELSE p.name || ', ' || q.date END AS record_title,
  c.excerpt, c.source_id, s.title AS source_title, s.publisher, s.published, s.url, s.file
FROM citations c JOIN sources s ON s.id = c.source_id
  LEFT JOIN events e ON e.id = c.event_id LEFT JOIN facts f ON f.id = c.fact_id
  LEFT JOIN quotes q ON q.id = c.quote_id LEFT JOIN people p ON p.id = q.speaker
ORDER BY c.id"""
    person_events = """
SELECT p.id AS person_id, p.name, p.name_vi, e.id AS event_id, e.date, e.title
FROM event_people x JOIN people p ON p.id = x.person_id JOIN events e ON e.id = x.event_id
ORDER BY p.seq, e.seq"""
    return {"timeline": timeline, "quotes_with_speakers": quotes, "citations_with_sources": citations, "person_events": person_events}


# --- rows -----------------------------------------------------------------------------


_WORD_RE = re.compile(r"\w+")


@lru_cache(maxsize=None)
def _tokenized_char(char: str) -> str:
    """What the FTS5 tokenizer makes of one character, asked of SQLite itself: lower case,
    accents of Latin letters dropped; đ, й, ß and many more kept as they are."""
    con = _probe()
    con.execute("DELETE FROM probe")
    con.execute("INSERT INTO probe (x) VALUES (?)", (char,))
    return "".join(term for (term,) in con.execute("SELECT term FROM probe_terms ORDER BY offset"))


@lru_cache(maxsize=1)
def _probe() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", check_same_thread=False)
    con.execute(f"CREATE VIRTUAL TABLE probe USING fts5(x, tokenize = '{TOKENIZER}')")
    con.execute("CREATE VIRTUAL TABLE probe_terms USING fts5vocab(probe, 'instance')")
    return con


@lru_cache(maxsize=1 << 16)
def _extra_spelling(word: str) -> str | None:
    """The word as sinorus folds it, when the tokenizer spells it otherwise: Đặng -> dang,
    Шойгу -> шоигу, Straße -> strasse; else None (nguyễn: the tokenizer says nguyen too)."""
    folded = fold(word)
    return folded if folded != "".join(_tokenized_char(c) for c in word) else None


def folded_extra(texts: Iterable[str | None]) -> str:
    """The words that sinorus folds further than the tokenizer does (Đặng -> Dang), once each.

    ``remove_diacritics`` drops the accents of Latin letters only, and not the stroke of
    đ; ``sinorus.matching.text.fold`` also maps đ, ø, ł, Cyrillic й and ё, ß. Indexing these
    spellings lets a query typed as sinorus's own search accepts it find them.
    """
    words: dict[str, None] = {}
    for text in texts:
        if not text or text.isascii():
            continue
        for word in _WORD_RE.findall(text):
            if not word.isascii():
                extra = _extra_spelling(word)
                if extra is not None:
                    words.setdefault(extra)
    return " ".join(words)


def _cell(value: Any, kind: str) -> list[Any]:
    """One field's column values (a date gives three)."""
    if kind == "date":
        return [None, None, None] if value is None else [value.text, value.start.isoformat(), value.end.isoformat()]
    if kind == "strs":
        return [json.dumps(list(value), ensure_ascii=False)]
    return [value]


def _scalar_kinds(spec: dict[str, tuple[str, bool]]) -> list[tuple[str, str]]:
    """The (field, kind) pairs that _field_columns turns into columns, in the same order."""
    return [
        (name, kind) for name, (kind, _) in spec.items()
        if kind not in ("citations", "roles") and not (kind == "strs" and name in LINKED)
    ]


def record_rows(records: Iterable[Any], section: str) -> Iterator[list[Any]]:
    fields = _scalar_kinds(SCHEMA[section])
    for seq, r in enumerate(records, 1):
        row: list[Any] = []
        for name, kind in fields:
            row += _cell(getattr(r, name), kind)
        row.append(seq)
        yield row


def role_rows(people: Iterable[Any]) -> Iterator[list[Any]]:
    fields = _scalar_kinds(ROLE_SCHEMA)
    for p in people:
        for position, role in enumerate(p.roles, 1):
            row: list[Any] = [p.id, position]
            for name, kind in fields:
                row += _cell(getattr(role, name), kind)
            yield row


def link_rows(records: Iterable[Any], field: str) -> Iterator[tuple[str, int, str]]:
    for r in records:
        for position, other in enumerate(getattr(r, field), 1):
            yield (r.id, position, other)


def citation_rows(kb: KnowledgeBase, events: list[Any]) -> Iterator[tuple]:
    """Events' citations, then quotes' (the text is the excerpt), then facts', numbered from 1."""
    n = 0
    for e in events:
        for position, c in enumerate(e.sources, 1):
            n += 1
            yield (n, "event", e.id, position, c.source, c.excerpt, e.id, None, None)
    for q in kb.quotes.values():
        n += 1
        yield (n, "quote", q.id, 1, q.source, q.text, None, q.id, None)
    for f in kb.facts.values():
        n += 1
        yield (n, "fact", f.id, 1, f.source, f.excerpt, None, None, f.id)


def fts_rows(table: Table, records: Iterable[Any]) -> Iterator[list[Any]]:
    """(key, prose columns..., folded) for each record, the key being its seq."""
    for seq, r in enumerate(records, 1):
        texts: list[str | None] = []
        for name in table.fts:
            if name == "excerpts":
                texts.append(" … ".join(c.excerpt for c in r.sources if c.excerpt) or None)
                continue
            value = getattr(r, name)
            texts.append("; ".join(value) if isinstance(value, tuple) else value)
        yield [seq, *texts, folded_extra(texts)]


# --- building --------------------------------------------------------------------------


_last_choice: list[tuple[Selection, KnowledgeBase]] = []  # the database and its metadata ask alike


def chosen_records(sel: Selection) -> KnowledgeBase:
    """What to export: everything, or for a filtered selection the closed subset yaml exports;
    events in the selection's (date) order, quotes in date order, the rest in file order.

    The selection's events are used as they are: asking the knowledge base for them again
    would revive each one from the cache a second time.
    """
    if _last_choice and _last_choice[0][0] is sel:
        return _last_choice[0][1]
    from sinorus.output.exporters.kbyaml import closed_subset

    kb = sel.kb
    chosen = KnowledgeBase(sources=kb.sources, people=kb.people, topics=kb.topics,
                           events={e.id: e for e in sel.events}, quotes=kb.quotes, facts=kb.facts, files=kb.files)
    if sel.filtered:
        chosen = closed_subset(chosen, set(chosen.events))
    records = KnowledgeBase(
        sources=dict(chosen.sources), people=dict(chosen.people), topics=dict(chosen.topics), events=chosen.events,
        quotes=dict(sorted(chosen.quotes.items(), key=lambda kv: kv[1].sort_key)), facts=dict(chosen.facts), files=kb.files,
    )
    _last_choice[:] = [(sel, records)]
    return records


def _insert(con: sqlite3.Connection, table: str, ncols: int, rows: Iterable[Any], columns: Iterable[str] | None = None) -> None:
    cols = f" ({', '.join(_q(c) for c in columns)})" if columns is not None else ""
    con.executemany(f"INSERT INTO {_q(table)}{cols} VALUES ({', '.join('?' * ncols)})", rows)


def build(sel: Selection, path: str | Path) -> dict[str, int]:
    """Write the database to path (a new or empty file) in one transaction; return rows per table."""
    kb = chosen_records(sel)
    schema = tables()
    by_name = {t.name: t for t in schema}
    con = sqlite3.connect(str(path), isolation_level=None)
    try:
        # A private file nobody reads until it is whole: no journal, no fsync per step.
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("BEGIN")
        for t in schema:
            con.execute(t.ddl())
        for section in RECORD_TABLES:
            records = list(kb.section(section).values())
            _insert(con, section, len(by_name[section].columns), record_rows(records, section))
            if section == "people":
                _insert(con, "roles", len(by_name["roles"].columns), role_rows(records))
            for field, (kind, _) in SCHEMA[section].items():
                if kind == "strs" and field in LINKED:
                    _insert(con, f"{SINGULAR[section]}_{field}", 3, link_rows(records, field))
        _insert(con, "citations", len(by_name["citations"].columns), citation_rows(kb, list(kb.events.values())))
        for t in schema:
            for ddl in t.index_ddl():
                con.execute(ddl)
        _build_fts(con, kb, schema)
        _create_views(con)
        con.execute("COMMIT")
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        if problems:  # closed_subset guarantees none; a bug if it happens
            raise RuntimeError(f"sqlite export: dangling references {problems[:3]}")
        con.execute("ANALYZE")
        return {t.name: con.execute(f"SELECT count(*) FROM {_q(t.name)}").fetchone()[0] for t in schema}
    finally:
        con.close()


def _build_fts(con: sqlite3.Connection, kb: KnowledgeBase, schema: list[Table]) -> None:
    """One FTS5 table per searchable table, filled and then merged into a single b-tree."""
    for t in schema:
        if not t.fts:
            continue
        fts = f"{t.name}_fts"
        cols = ", ".join(_q(c) for c in (*t.fts, "folded"))
        con.execute(f"CREATE VIRTUAL TABLE {_q(fts)} USING fts5({cols}, tokenize = '{TOKENIZER}')")
        if t.name == "citations":
            rows: Iterable[Any] = ([c[0], c[5], folded_extra([c[5]])] for c in citation_rows(kb, list(kb.events.values())))
        else:
            rows = fts_rows(t, kb.section(t.name).values())
        _insert(con, fts, len(t.fts) + 2, rows, ("rowid", *t.fts, "folded"))
        con.execute(f"INSERT INTO {_q(fts)}({_q(fts)}) VALUES ('optimize')")


def _create_views(con: sqlite3.Connection) -> None:
    for name, select in views().items():
        con.execute(f"CREATE VIEW {_q(name)} AS {select.strip()}")


def columns() -> dict[str, list[str]]:
    """Every table's and view's column names, from an empty database with the same schema."""
    con = sqlite3.connect(":memory:")
    try:
        for t in tables():
            con.execute(t.ddl())
        _create_views(con)
        names = [t.name for t in tables()] + list(views())
        return {n: [row[1] for row in con.execute(f"PRAGMA table_info({_q(n)})")] for n in names}
    finally:
        con.close()


def metadata_path(output: str | Path) -> Path:
    """Where the Datasette metadata goes beside a database: sinorus.db -> sinorus.metadata.json."""
    out = Path(output)
    return out.with_name(f"{out.stem}.metadata.json")


def metadata_file(sel: Selection, output: str) -> tuple[str, str] | None:
    """The Datasette metadata to write beside -o FILE: (path, JSON text); none for a device or pipe.

    Datasette names a database after its file's stem, so the metadata is keyed by it.
    """
    import os

    from sinorus.atomic import descriptor_named
    from sinorus.output.exporters.datasette import metadata_json

    if descriptor_named(output) is not None or (os.path.exists(output) and not os.path.isfile(output)):
        return None
    kb = chosen_records(sel)
    counts = {section: len(kb.section(section)) for section in RECORD_TABLES}
    return str(metadata_path(output)), metadata_json(sel, Path(output).stem, columns(), counts)


@exporter(
    "sqlite", extension=".db", aliases=("sqlite3",), binary=True, companion=metadata_file,
    help="a normalised SQLite database with full-text search, and Datasette metadata beside it",
)
def to_sqlite(sel: Selection) -> Callable[[Path], None]:
    """A writer rather than bytes: sqlite3 needs a real file, so the database is built straight
    into the file that -o's atomic replace (or the copy to a pipe) then publishes."""
    return lambda path: build(sel, path) and None

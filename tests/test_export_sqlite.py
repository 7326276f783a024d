"""`sinorus export --format sqlite`: a normalised database with keys, full-text search, views
and Datasette metadata.

Every expected number and every search answer is derived from the knowledge base
(the ``kb`` fixture, read from the YAML) or from sinorus's own folding, never
written down, so the tests follow the data as it grows.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from sinorus.kb import model
from sinorus.output.exporters.kbyaml import closed_subset
from sinorus.matching.text import fold

RECORDS = ("sources", "people", "topics", "events", "quotes", "facts")
LINKS = {"event_people": ("events", "people"), "event_topics": ("events", "topics"),
         "quote_topics": ("quotes", "topics"), "fact_topics": ("facts", "topics")}
VIEWS = ("timeline", "quotes_with_speakers", "citations_with_sources", "person_events")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The whole knowledge base exported once through the real CLI: (database path, metadata)."""
    from conftest import invoke

    folder = tmp_path_factory.mktemp("sqlite")
    db = folder / "sinorus.db"
    private = {"SINORUS_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "cache"), "SINORUS_DATA": None, "SINORUS_NO_CACHE": None}
    r = invoke("export", "-o", db, env=private)
    assert r.code == 0, r.stderr
    assert r.stdout == ""
    assert f"to {db}" in r.stderr and "sinorus.metadata.json" in r.stderr
    return db, json.loads((folder / "sinorus.metadata.json").read_text(encoding="utf-8"))


@pytest.fixture
def con(exported):
    c = sqlite3.connect(f"file:{exported[0]}?mode=ro", uri=True)
    yield c
    c.close()


def count(con, table: str, where: str = "", *args) -> int:
    return con.execute(f'SELECT count(*) FROM "{table}" {where}', args).fetchone()[0]


def columns(con, table: str) -> list[str]:
    return [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]


def foreign_keys(con, table: str) -> set[tuple[str, str, str]]:
    """(column, parent table, parent column) for each foreign key of table."""
    return {(row[3], row[2], row[4]) for row in con.execute(f'PRAGMA foreign_key_list("{table}")')}


def fts_ids(con, table: str, query: str, key: str = "id") -> set[str]:
    """Ids of the rows of table whose FTS5 index matches every word of query."""
    fts_key = "id" if table == "citations" else "seq"
    match = " ".join('"' + w.replace('"', '""') + '"' for w in query.split())
    rows = con.execute(
        f'SELECT "{key}" FROM "{table}" WHERE {fts_key} IN (SELECT rowid FROM "{table}_fts" WHERE "{table}_fts" MATCH ?)',
        (match,),
    )
    return {row[0] for row in rows}


def event_text(e) -> str:
    """Everything events_fts indexes for an event, as the data has it."""
    parts = [e.title, e.title_vi, e.summary, e.place, e.note, *(c.excerpt for c in e.sources)]
    parts += [getattr(e, name) for name, (kind, _) in model.SCHEMA["events"].items() if name.startswith("summary_")]
    return " ".join(p for p in parts if p)


def has_words(text: str, query: str) -> bool:
    """Whether every word of query is a whole word of text, both folded as sinorus folds."""
    words = set(fold(text).split())
    return all(w in words for w in fold(query).split())


# --- schema -----------------------------------------------------------------------


def test_every_table_and_view_is_there(con):
    names = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(RECORDS) | {"roles", "citations"} | set(LINKS) <= names
    assert {f"{t}_fts" for t in (*RECORDS, "citations")} <= names
    views = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert set(VIEWS) <= views


@pytest.mark.parametrize("section", RECORDS)
def test_record_tables_have_a_column_per_field(con, section):
    cols = columns(con, section)
    for name, (kind, _) in model.SCHEMA[section].items():
        if kind == "date":
            assert {name, f"{name}_first_day", f"{name}_last_day"} <= set(cols)
        elif kind in ("str", "value") or kind.startswith("enum:"):
            assert name in cols
    pk = [row[1] for row in con.execute(f'PRAGMA table_info("{section}")') if row[5]]
    assert pk == ["id"]


def test_foreign_keys_are_declared(con):
    assert foreign_keys(con, "quotes") == {("speaker", "people", "id"), ("source", "sources", "id"), ("event", "events", "id")}
    assert foreign_keys(con, "facts") == {("source", "sources", "id"), ("event", "events", "id")}
    assert foreign_keys(con, "roles") == {("person_id", "people", "id")}
    for link, (own, other) in LINKS.items():
        assert foreign_keys(con, link) == {
            (f"{model.SINGULAR[own]}_id", own, "id"), (f"{model.SINGULAR[other]}_id", other, "id"),
        }
    assert foreign_keys(con, "citations") == {
        ("source_id", "sources", "id"), ("event_id", "events", "id"), ("quote_id", "quotes", "id"), ("fact_id", "facts", "id"),
    }


def test_keys_hold(con):
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    # the citation's typed column repeats its record id, so record_id is checked too
    assert count(con, "citations", "WHERE record_id IS NOT coalesce(event_id, quote_id, fact_id)") == 0


def test_a_dangling_reference_is_refused_by_the_database(exported, tmp_path):
    """The declared keys are real: with foreign keys on, a citation of an unknown source fails."""
    copy = tmp_path / "copy.db"
    copy.write_bytes(exported[0].read_bytes())
    c = sqlite3.connect(copy)
    c.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):
        c.execute("INSERT INTO citations (record_type, record_id, position, source_id, event_id) "
                  "SELECT 'event', id, 99, 'no-such-source', id FROM events LIMIT 1")
    c.close()


# --- rows -------------------------------------------------------------------------


def test_row_counts_match_the_knowledge_base(con, kb):
    for section in RECORDS:
        assert count(con, section) == len(kb.section(section)), section
    assert count(con, "roles") == sum(len(p.roles) for p in kb.people.values())
    for link, (own, field_section) in LINKS.items():
        field = "people" if field_section == "people" else "topics"
        assert count(con, link) == sum(len(getattr(r, field)) for r in kb.section(own).values()), link
    assert count(con, "citations", "WHERE record_type = 'event'") == sum(len(e.sources) for e in kb.events.values())
    assert count(con, "citations", "WHERE record_type = 'quote'") == len(kb.quotes)
    assert count(con, "citations", "WHERE record_type = 'fact'") == len(kb.facts)


def test_rows_carry_the_data(con, kb):
    for e in kb.events.values():
        row = con.execute('SELECT date, "end", date_first_day, title, title_vi, summary, place FROM events WHERE id = ?', (e.id,)).fetchone()
        assert row == (e.date.text, e.end.text if e.end else None, e.date.start.isoformat(), e.title, e.title_vi, e.summary, e.place)
        people = [p for (p,) in con.execute("SELECT person_id FROM event_people WHERE event_id = ? ORDER BY position", (e.id,))]
        assert people == list(e.people)
        cited = con.execute("SELECT source_id, excerpt FROM citations WHERE event_id = ? ORDER BY position", (e.id,)).fetchall()
        assert cited == [(c.source, c.excerpt) for c in e.sources]
    for f in kb.facts.values():
        (value,) = con.execute("SELECT value FROM facts WHERE id = ?", (f.id,)).fetchone()
        assert value == f.value and type(value) is type(f.value)  # a figure stays a number
    for p in kb.people.values():
        (aliases,) = con.execute("SELECT aliases FROM people WHERE id = ?", (p.id,)).fetchone()
        assert json.loads(aliases) == list(p.aliases)


def test_events_are_numbered_in_timeline_order(con, cli):
    ids = [e["id"] for e in cli("timeline", "--json").json()]
    assert [i for (i,) in con.execute("SELECT id FROM events ORDER BY seq")] == ids
    assert [i for (i,) in con.execute("SELECT id FROM timeline")] == ids


# --- views ------------------------------------------------------------------------


def test_timeline_view_names_people_and_topics(con, kb):
    rows = con.execute("SELECT id, people, topics, sources FROM timeline").fetchall()
    assert len(rows) == len(kb.events)
    for event_id, people, topics, sources in rows:
        e = kb.events[event_id]
        assert json.loads(people) == [kb.people[p].name for p in e.people]
        assert json.loads(topics) == [kb.topics[t].label for t in e.topics]
        assert json.loads(sources) == list(dict.fromkeys(c.source for c in e.sources))


def test_quotes_view_names_speakers(con, kb):
    rows = con.execute("SELECT id, speaker_name, text, event_title FROM quotes_with_speakers").fetchall()
    assert len(rows) == len(kb.quotes)
    for quote_id, name, text, event_title in rows:
        q = kb.quotes[quote_id]
        assert (name, text) == (kb.people[q.speaker].name, q.text)
        assert event_title == (kb.events[q.event].title if q.event else None)


def test_other_views_return_rows(con, kb):
    assert count(con, "citations_with_sources") == count(con, "citations")
    assert count(con, "citations_with_sources", "WHERE source_title IS NULL OR record_title IS NULL") == 0
    assert count(con, "person_events") == sum(len(e.people) for e in kb.events.values())


# --- full-text search --------------------------------------------------------------


def vietnamese_words(kb, letters: str = "") -> list[str]:
    """Distinct accented words of the Vietnamese titles (containing one of `letters`, if given)."""
    words = {w for e in kb.events.values() if e.title_vi for w in re.findall(r"\w+", e.title_vi) if not w.isascii()}
    return sorted(w for w in words if not letters or any(c in w for c in letters))


def test_vietnamese_search_with_and_without_accents(con, kb):
    """For every accented word of every Vietnamese title: typed without accents it finds exactly
    the events whose text has the word as sinorus folds it (dan: dân, đạn, dán); typed with its
    tone marks it finds the same, except that đ then stays apart from d (đạn: not dân)."""
    words = vietnamese_words(kb)
    assert len(words) > 20
    for word in words:
        expected = {e.id for e in kb.events.values() if has_words(event_text(e), word)}
        assert expected  # the title's own event at least
        assert fts_ids(con, "events", fold(word)) == expected, fold(word)
        found = fts_ids(con, "events", word)
        if "đ" in word.lower():
            exact = {e.id for e in kb.events.values() if word.lower() in fold(event_text(e), keep_accents=True).split()}
            assert exact <= found <= expected, word
        else:
            assert found == expected, word


def test_d_with_stroke_is_found_without_its_stroke(con, kb):
    """unicode61 leaves đ/Đ as they are; the folded column makes "dang" find "Đặng" and "đang"."""
    words = vietnamese_words(kb, "đĐ")
    assert words, "the data has Vietnamese words with đ"
    for word in words:
        bare = fold(word)
        assert "đ" not in bare
        assert set() != fts_ids(con, "events", word) <= fts_ids(con, "events", bare), word
        assert set() != fts_ids(con, "events", word.upper()) <= fts_ids(con, "events", bare.upper()), word


def test_quotes_search_text_and_translation(con, kb):
    q = next(q for q in kb.quotes.values() if q.translation and not q.text.isascii())
    phrase = " ".join(q.text.split()[:4])
    found = fts_ids(con, "quotes", fold(phrase))
    assert q.id in found
    assert found == {x.id for x in kb.quotes.values() if has_words(f"{x.text} {x.translation or ''} {x.note or ''}", phrase)}
    english = max(re.findall(r"[A-Za-z]{6,}", q.translation), key=len)
    assert q.id in fts_ids(con, "quotes", english)


def test_english_search_and_excerpts(con, kb):
    e = next(e for e in kb.events.values() if len(e.title.split()) > 3)
    assert e.id in fts_ids(con, "events", e.title)
    excerpt = next(c.excerpt for e in kb.events.values() for c in e.sources if c.excerpt and not c.excerpt.isascii())
    words = " ".join(excerpt.split()[:5])
    found = fts_ids(con, "citations", fold(words), key="excerpt")
    assert excerpt in found and found == fts_ids(con, "citations", words, key="excerpt")


def test_people_are_found_by_any_spelling(con, kb):
    for p in kb.people.values():
        for name in (p.name, p.name_vi, *p.aliases):
            if name and re.search(r"\w", name):
                assert p.id in fts_ids(con, "people", fold(name)), name


# --- metadata.json ----------------------------------------------------------------


def test_metadata_describes_every_table_view_and_column(con, exported):
    _, meta = exported
    for key in ("title", "description", "license", "source"):
        assert isinstance(meta[key], str) and meta[key]
    tables = meta["databases"]["sinorus"]["tables"]  # keyed by the file's stem, as Datasette names it
    shown = {name for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'")}
    assert set(tables) == shown
    for name, entry in tables.items():
        assert entry["description"], name
        assert list(entry["columns"]) == columns(con, name)
        assert all(entry["columns"].values()), name
        if "fts_table" in entry:
            assert entry["fts_pk"] in columns(con, name)
            assert count(con, entry["fts_table"]) > 0
    assert {"events", "quotes", "citations", "timeline"} <= {n for n, e in tables.items() if "fts_table" in e}


def test_title_and_file_name_shape_the_metadata(cli, tmp_path):
    r = cli("export", "-o", tmp_path / "team.data.sqlite3", "--title", "Our timeline")
    assert r.code == 0, r.stderr
    meta = json.loads((tmp_path / "team.data.metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == "Our timeline" and list(meta["databases"]) == ["team.data"]


# --- selection, destinations --------------------------------------------------------


def test_filters_export_the_closed_subset_yaml_exports(cli, kb, tmp_path):
    topic = max(kb.topics, key=lambda t: (0 < sum(t in e.topics for e in kb.events.values()) < len(kb.events), sum(t in e.topics for e in kb.events.values())))
    r = cli("export", "-f", "sqlite", "--topic", topic, "-o", tmp_path / "t.db")
    assert r.code == 0, r.stderr
    chosen = [e["id"] for e in cli("timeline", "--topic", topic, "--json").json()]
    assert f"exported {len(chosen)} event" in r.stderr
    subset = closed_subset(kb, set(chosen))
    c = sqlite3.connect(tmp_path / "t.db")
    assert [i for (i,) in c.execute("SELECT id FROM events ORDER BY seq")] == chosen
    for section in RECORDS:
        assert {i for (i,) in c.execute(f"SELECT id FROM {section}")} == set(subset.section(section)), section
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    meta = json.loads((tmp_path / "t.metadata.json").read_text(encoding="utf-8"))
    assert "filtered" in meta["description"]
    c.close()


@pytest.mark.parametrize("name", ["out.db", "out.sqlite", "OUT.SQLITE3"])
def test_the_extension_implies_the_format(cli, tmp_path, name):
    r = cli("export", "-o", tmp_path / name)
    assert r.code == 0, r.stderr
    assert (tmp_path / name).read_bytes().startswith(b"SQLite format 3\0")


def test_exporting_over_an_old_database_replaces_it(cli, exported, tmp_path):
    target = tmp_path / "again.db"
    target.write_bytes(exported[0].read_bytes())
    os.link(target, tmp_path / "hardlink.db")  # written in place, not renamed: still a whole new database
    for _ in range(2):
        r = cli("export", "--on", "2024", "-o", target)
        assert r.code == 0, r.stderr
    c = sqlite3.connect(tmp_path / "hardlink.db")
    years = {d[:4] for (d,) in c.execute("SELECT first_day FROM timeline")}
    assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",) and years <= {"2023", "2024", "2025"}
    c.close()


def test_piped_stdout_gets_the_database_and_no_metadata(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sinorus", "export", "-f", "sqlite"], capture_output=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"SQLite format 3\0") and proc.stderr == b""
    (tmp_path / "piped.db").write_bytes(proc.stdout)
    c = sqlite3.connect(tmp_path / "piped.db")
    assert c.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    c.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["piped.db"]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("args", [(), ("-o", "-"), ("-o", "/dev/stdout")])
def test_a_terminal_never_gets_the_binary(tmp_path, args):
    main, child = os.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "sinorus", "export", "-f", "sqlite", *args],
                              stdout=child, stderr=subprocess.PIPE, cwd=tmp_path, timeout=120)
        os.close(child)
        child = -1
        os.set_blocking(main, False)
        try:
            shown = os.read(main, 1 << 16)
        except (BlockingIOError, OSError):
            shown = b""
    finally:
        os.close(main)
        if child >= 0:
            os.close(child)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.startswith("Error:") and "terminal" in err and "-o" in err and len(err.splitlines()) == 1
    assert b"SQLite" not in shown and list(tmp_path.iterdir()) == []


# --- Datasette, when installed ------------------------------------------------------


def test_datasette_serves_it_searchable(exported, con, kb):
    pytest.importorskip("datasette")
    import asyncio

    from datasette.app import Datasette

    db, meta = exported
    word = vietnamese_words(kb, "đĐ")[0]

    async def ask(path: str):
        ds = Datasette([str(db)], metadata=meta)
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    for query in (word, fold(word)):
        rows = asyncio.run(ask(f"/sinorus/events.json?_search={query}&_shape=array&_col=title&_size=max"))
        assert {r["id"] for r in rows} == fts_ids(con, "events", word) != set()
        rows = asyncio.run(ask(f"/sinorus/timeline.json?_search={query}&_shape=array&_col=id&_size=max"))
        assert {r["id"] for r in rows} == fts_ids(con, "events", word)
    table = asyncio.run(ask("/sinorus/timeline.json?_facet_array=topics&_size=0"))
    labels = {f["value"] for f in table["facet_results"]["topics"]["results"]}
    assert labels <= {t.label for t in kb.topics.values()} and labels

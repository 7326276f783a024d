"""Updating the index (index.update): after an edit to some data files, only those are read again.

Every answer after an edit must be byte for byte what reading the YAML gives
(SINORUS_NO_CACHE=1): listings, search, who, stats, revived records with their
origins, and for bad data the very error line and exit code, with nothing
written. Each test also checks which way the index was made: updated (the
debug note, and the rows of files not read again keeping their rowids) or,
where an update cannot be exact (people, topics or sources edited; an id twice
in one section), built whole.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import invoke, make_big

from sinorus.index import cache
from sinorus.index import db as index

NO_CACHE = {"SINORUS_NO_CACHE": "1"}
DEBUG = {"SINORUS_DEBUG": "1"}
UPDATED = re.compile(r"sinorus: note: updating the index: reading (\d+) of (\d+) files again")
WHOLE = "sinorus: note: index built whole: "


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """300 generated events in six files of 50 (and quotes, facts, people, topics, sources, articles)."""
    module = make_big()
    module.PER_FILE = 50
    out = tmp_path_factory.mktemp("incremental") / "data"
    module.Gen(300, 11).write(out)
    return out


@pytest.fixture
def data(generated, tmp_path, monkeypatch) -> Path:
    """A private copy of the generated set, indexed once in a cache of its own."""
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "data"
    shutil.copytree(generated, copy, symlinks=True)
    assert invoke("--data", copy, "stats", "--json").code == 0
    return copy


def _db(data: Path) -> Path:
    return cache.cache_file(data)


def _rows(data: Path) -> dict[str, tuple[int, int]]:
    """id -> (section, rowid) of every record in the index."""
    con = sqlite3.connect(_db(data))
    try:
        return {rid: (section, rowid) for rid, section, rowid in con.execute("SELECT id, section, rowid FROM records")}
    finally:
        con.close()


def _built(data: Path) -> str:
    con = sqlite3.connect(_db(data))
    try:
        return dict(con.execute("SELECT key, value FROM meta"))["built"]
    finally:
        con.close()


def _ids(path: Path) -> list[str]:
    return re.findall(r"^- id: (\S+)$", path.read_text(encoding="utf-8"), flags=re.M)


def _block(path: Path, rid: str) -> str:
    """The YAML text of one record (from its '- id:' line to the next)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- id: {rid}\n")
    end = text.find("\n- id: ", start + 1)
    return text[start:] if end < 0 else text[start:end + 1]


def _cited_events(data: Path) -> set[str]:
    found: set[str] = set()
    for path in list(data.glob("quotes-*.yaml")) + list(data.glob("facts-*.yaml")):
        found.update(re.findall(r"^  event: (\S+)$", path.read_text(encoding="utf-8"), flags=re.M))
    return found


def _commands(data: Path) -> list[list[str]]:
    person = re.search(r"^  name: (.+)$", (data / "people.yaml").read_text(encoding="utf-8"), flags=re.M).group(1).strip('"')
    return [
        ["timeline", "--json"],
        ["timeline", "--from", "2010", "--to", "2020"],  # plain lines: records revived from the index
        ["search", "zebra crossing", "--json"],
        ["search", "gas pipeline", "--json"],
        ["who", person.split()[-1], "--json"],
        ["people", "--json"],
        ["facts", "--json"],
        ["stats", "--json"],
    ]


def _same_as_yaml(data: Path, args: list[str], env: dict | None = None) -> tuple:
    got = invoke("--data", data, *args, env=env)
    expected = invoke("--data", data, *args, env=NO_CACHE)
    assert got.stdout == expected.stdout, args
    assert got.code == expected.code, args
    return got, expected


def _first_run_updates(data: Path) -> tuple[int, int]:
    """Run once after an edit (with the debug note): same answer as the YAML; (files read, files) from the note."""
    got, expected = _same_as_yaml(data, ["timeline", "--json"], env=DEBUG)
    assert got.code == 0
    found = UPDATED.search(got.stderr)
    assert found, got.stderr
    assert WHOLE not in got.stderr
    return int(found.group(1)), int(found.group(2))


def _all_same(data: Path) -> None:
    for args in _commands(data):
        got, expected = _same_as_yaml(data, args)
        assert got.stderr == expected.stderr, args


def _origins_same(data: Path) -> None:
    """The knowledge base revived from the index is the YAML's, origins (file, line, column) included."""
    from_yaml = cache.load(data, use_cache=False)
    from_index = cache.load(data)
    assert isinstance(from_index.events, index.LazySection)
    assert from_index == from_yaml and from_index.files == from_yaml.files
    for name in index.SECTIONS:
        assert list(from_index.section(name)) == list(from_yaml.section(name))  # file order
        for rid, r in from_yaml.section(name).items():
            mine = from_index.section(name)[rid]
            assert mine.origin == r.origin
            assert [c.origin for c in getattr(mine, "sources", ())] == [c.origin for c in getattr(r, "sources", ())]


def _kept_rowids(before: dict, after: dict, files_ids: list[str]) -> None:
    for rid in files_ids:
        assert after[rid] == before[rid], rid


# --- edits the update makes -------------------------------------------------------------


def test_retitle_reads_one_file_again(data):
    before = _rows(data)
    path = data / "events-003.yaml"
    first = _ids(path)[0]
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^  title: (.+)$", text[text.index(f"- id: {first}\n"):], flags=re.M).group(1)
    path.write_text(text.replace(f"  title: {title}\n", '  title: "A zebra crossing in Harbin"\n', 1), encoding="utf-8")
    assert _first_run_updates(data) == (1, len(list(data.glob("*.yaml"))))
    hits = invoke("--data", data, "search", "zebra crossing", "--json").json()
    assert [h["id"] for h in hits] == [first]
    _all_same(data)
    after = _rows(data)
    _kept_rowids(before, after, _ids(data / "events-002.yaml") + _ids(data / "events-004.yaml") + _ids(data / "quotes-001.yaml"))
    assert after[first] != before[first]  # read again: a new row
    _origins_same(data)


def test_added_and_deleted_events(data):
    cited = _cited_events(data)
    middle = data / "events-002.yaml"
    victim = next(rid for rid in _ids(data / "events-004.yaml") if rid not in cited)
    model = _block(middle, _ids(middle)[0])
    middle.write_text(middle.read_text(encoding="utf-8") + model.replace(_ids(middle)[0], "ev-added-0001", 1), encoding="utf-8")
    four = data / "events-004.yaml"
    four.write_text(four.read_text(encoding="utf-8").replace(_block(four, victim), "", 1), encoding="utf-8")
    assert _first_run_updates(data)[0] == 2
    listed = [e["id"] for e in invoke("--data", data, "timeline", "--json").json()]
    assert "ev-added-0001" in listed and victim not in listed
    _all_same(data)
    _origins_same(data)


def test_a_file_added_in_the_middle_then_removed(data):
    before = _rows(data)
    two = data / "events-002.yaml"
    extra = data / "events-002a.yaml"  # sorts between two kept files: every later file's number shifts
    extra.write_text("events:\n" + _block(two, _ids(two)[1]).replace(_ids(two)[1], "ev-extra-0001", 1), encoding="utf-8")
    assert _first_run_updates(data)[0] == 1
    _all_same(data)
    _origins_same(data)
    _kept_rowids(before, _rows(data), _ids(data / "events-005.yaml") + _ids(data / "facts-001.yaml"))
    extra.unlink()
    assert _first_run_updates(data)[0] == 0
    assert "ev-extra-0001" not in _rows(data)
    _all_same(data)
    _origins_same(data)
    assert _rows(data) == before


def test_edits_in_a_row_keep_file_order(data):
    """Each file read again many times (rowids placed between its neighbours') still lists in file order."""
    for round_ in range(3):
        for name in ("events-003.yaml", "events-001.yaml", "events-006.yaml", "quotes-001.yaml"):
            path = data / name
            path.write_text(path.read_text(encoding="utf-8") + f"# edit {round_}\n", encoding="utf-8")
        _first_run_updates(data)
    _all_same(data)
    _origins_same(data)


# --- bad data: the error a build gives, nothing written ---------------------------------


def _same_error(data: Path) -> str:
    built = _built(data)
    expected = invoke("--data", data, "timeline", "--json", env=NO_CACHE)
    assert expected.code == 1 and expected.stderr.startswith("Error: ") and expected.stdout == ""
    for args in (["timeline", "--json"], ["search", "gas pipeline", "--json"], ["stats", "--json"]):
        got = invoke("--data", data, *args)
        assert (got.code, got.stdout, got.stderr) == (1, "", expected.stderr), args
    assert _built(data) == built  # the old index stays, not updated
    assert not list(_db(data).parent.glob(".kb-*"))
    return expected.stderr


def _updating(data: Path) -> str:
    got = invoke("--data", data, "timeline", "--json", env=DEBUG)
    assert got.code == 1
    return got.stderr


def test_deleting_an_event_a_quote_cites(data):
    cited = _cited_events(data)
    four = data / "events-004.yaml"
    victim = next(rid for rid in _ids(four) if rid in cited)
    four.write_text(four.read_text(encoding="utf-8").replace(_block(four, victim), "", 1), encoding="utf-8")
    assert UPDATED.search(_updating(data)) and WHOLE not in _updating(data)
    assert f"event: unknown event '{victim}'" in _same_error(data)


def test_a_dangling_reference(data):
    five = data / "events-005.yaml"
    text = five.read_text(encoding="utf-8")
    five.write_text(re.sub(r"^  - source: gen-article-\d+$", "  - source: gen-article-9999", text, count=2, flags=re.M), encoding="utf-8")
    assert UPDATED.search(_updating(data))
    assert "unknown source 'gen-article-9999'" in _same_error(data)


@pytest.mark.parametrize("where", ["earlier", "later"])
def test_an_id_taken_in_another_section(data, where):
    """A re-read event takes a kept quote's id (the quote, later, is the duplicate), or a re-read
    quote takes a kept event's id."""
    quote = _ids(data / "quotes-001.yaml")[3]
    event = _ids(data / "events-006.yaml")[2]
    if where == "earlier":
        path, old, new = data / "events-002.yaml", _ids(data / "events-002.yaml")[4], quote
    else:
        path, old, new = data / "quotes-001.yaml", quote, event
    path.write_text(path.read_text(encoding="utf-8").replace(f"- id: {old}\n", f"- id: {new}\n", 1), encoding="utf-8")
    assert UPDATED.search(_updating(data))
    assert "duplicate id" in _same_error(data)


def test_an_id_twice_in_one_section_is_built_whole(data):
    taken = _ids(data / "events-002.yaml")[0]
    five = data / "events-005.yaml"
    five.write_text(five.read_text(encoding="utf-8").replace(f"- id: {_ids(five)[0]}\n", f"- id: {taken}\n", 1), encoding="utf-8")
    assert WHOLE in _updating(data)
    assert "duplicate id" in _same_error(data)


def test_a_file_that_does_not_parse(data):
    (data / "events-003.yaml").write_text("events:\n- id: x\n  title: 'unclosed\n", encoding="utf-8")
    assert "invalid YAML" in _same_error(data)


# --- what is built whole ---------------------------------------------------------------------


def test_people_edited_is_built_whole(data):
    """A person's names are in quotes' search fields (and validation needs them): a whole build."""
    people = data / "people.yaml"
    text = people.read_text(encoding="utf-8")
    name = re.search(r"^  name: (.+)$", text, flags=re.M).group(1).strip('"')
    people.write_text(text.replace(f"  name: {name}\n", "  name: Zebediah Crossingham\n", 1).replace(f'  name: "{name}"\n', "  name: Zebediah Crossingham\n", 1), encoding="utf-8")
    got, _expected = _same_as_yaml(data, ["who", "Crossingham", "--json"], env=DEBUG)
    assert got.code == 0 and WHOLE in got.stderr and not UPDATED.search(got.stderr)
    _same_as_yaml(data, ["search", "Crossingham", "--json"])
    _all_same(data)


def test_an_index_without_spans_is_built_whole(data):
    """An index whose meta does not say where each file's rows are is never updated."""
    db = _db(data)
    con = sqlite3.connect(db)
    built = con.execute("SELECT value FROM meta WHERE key = 'mtime'").fetchone()[0]
    con.execute("UPDATE meta SET value = '1 2 3' WHERE key = 'spans'")
    con.commit()
    con.close()
    import os

    os.utime(db, ns=(int(built), int(built)))  # as if sinorus had written it so
    path = data / "events-003.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# edit\n", encoding="utf-8")
    got, _expected = _same_as_yaml(data, ["timeline", "--json"], env=DEBUG)
    assert WHOLE in got.stderr and not UPDATED.search(got.stderr)
    _all_same(data)


def test_a_json_lines_file_added_then_edited(data):
    """A JSON Lines file among the YAML ones is read again alone, as a YAML file is."""
    import json

    import yaml

    three = data / "events-003.yaml"
    record = yaml.safe_load(_block(three, _ids(three)[0]))[0]
    lines = data / "events-003b.jsonl"
    lines.write_text(json.dumps({"type": "event", **record, "id": "ev-jsonl-0001"}) + "\n", encoding="utf-8")
    assert _first_run_updates(data)[0] == 1
    lines.write_text(lines.read_text(encoding="utf-8") + json.dumps({"type": "event", **record, "id": "ev-jsonl-0002", "title": "A zebra crossing"}) + "\n", encoding="utf-8")
    assert _first_run_updates(data)[0] == 1
    assert {"ev-jsonl-0001", "ev-jsonl-0002"} <= _rows(data).keys()
    _all_same(data)
    _origins_same(data)


def test_the_same_data_named_another_way(data, monkeypatch):
    """Built through a relative --data, updated through the absolute one: the files are the same
    (the stamp knows them by name), and origins then name them as this run does."""
    monkeypatch.chdir(data.parent)
    _db(data).unlink()
    assert invoke("--data", data.name, "stats", "--json").code == 0
    con = sqlite3.connect(_db(data))
    assert dict(con.execute("SELECT key, value FROM meta"))["files"].startswith(f"{data.name}/")
    con.close()
    path = data / "events-004.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# edit\n", encoding="utf-8")
    assert _first_run_updates(data.resolve()) == (1, len(list(data.glob("*.yaml"))))
    _all_same(data.resolve())
    _origins_same(data.resolve())

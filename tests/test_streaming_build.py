"""A first run indexes the data record by record (store.Stream): each record is validated and
written to the index at once, and what needs every record (references, duplicate ids, citations
of articles) is checked against the index once every file is in.

So these hold the streaming build to the whole-knowledge-base loader (SINORUS_NO_CACHE, and
store.collect's list of problems): the same answers when references point forwards or backwards across files,
the same first problem and the same count when the data is wrong, and no record kept alive.
"""

from __future__ import annotations

import json
import re
import shutil
import tracemalloc
from pathlib import Path

import pytest

from conftest import invoke, make_big

ROOT = Path(__file__).resolve().parent.parent
NO_CACHE = {"SINORUS_NO_CACHE": "1"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """300 events, with quotes, facts, people, topics and article sources, in make_big's files."""
    out = tmp_path_factory.mktemp("stream") / "data"
    make_big().Gen(300, 5).write(out)
    return out


@pytest.fixture
def data(generated, tmp_path) -> Path:
    """A copy of the generated set for one test to edit."""
    return Path(shutil.copytree(generated, tmp_path / "data"))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(d))
    return d


def indexes(cache: Path) -> list[Path]:
    return sorted(cache.glob("kb-*.sqlite")) if cache.is_dir() else []


def ids_in(path: Path, key: str) -> list[str]:
    """The values of a record's `key:` lines (its first, or one level in) of a generated YAML file, in order."""
    return re.findall(rf"(?m)^(?:- |  ){key}: (\S+)$", path.read_text(encoding="utf-8"))


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first occurrence of old (which must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- references across files ------------------------------------------------------------


COMMANDS = (["timeline", "--json"], ["quote", "--json"], ["who", "Shoigu", "--json"], ["search", "no limits", "--json"])


def test_references_to_later_and_earlier_files_index_as_the_loader_reads_them(data, cache):
    files = sorted(p.name for p in data.glob("*.yaml"))
    # the premise: events name people defined in a later file; quotes, people and events of earlier files
    assert files.index("events-001.yaml") < files.index("people.yaml") < files.index("quotes-001.yaml")
    people = set(ids_in(data / "people.yaml", "id"))
    assert set(re.findall(r"(?m)^  - (\S+)$", (data / "events-001.yaml").read_text(encoding="utf-8"))) & people
    assert ids_in(data / "quotes-001.yaml", "event") and set(ids_in(data / "quotes-001.yaml", "speaker")) <= people
    for args in COMMANDS:
        expected = invoke("--data", data, *args, env=NO_CACHE)
        got = invoke("--data", data, *args)
        assert expected.code == 0 and (got.code, got.stdout, got.stderr) == (0, expected.stdout, ""), args
    assert len(indexes(cache)) == 1


def test_a_quote_read_before_its_speaker_is_found_by_the_speakers_name(data, cache):
    """A quote's search fields hold its speaker's names: written once the later file has been read."""
    (data / "quotes-001.yaml").rename(data / "a-quotes.yaml")  # now before people.yaml
    speaker = ids_in(data / "a-quotes.yaml", "speaker")[0]
    name = re.search(rf"(?m)^- id: {re.escape(speaker)}\n  name: \"?([^\"\n]+)", (data / "people.yaml").read_text(encoding="utf-8")).group(1)
    expected = invoke("--data", data, "search", name, "--type", "quote", "--json", env=NO_CACHE)
    got = invoke("--data", data, "search", name, "--type", "quote", "--json")
    assert got.code == 0 and got.stdout == expected.stdout
    assert any(hit["match"]["field"] == "speaker" for hit in got.json()), name
    assert len(indexes(cache)) == 1


def test_json_lines_with_references_forwards_and_backwards(tmp_path, cache):
    """One mixed file: an event names a person on a later line, a quote an event on an earlier one."""
    src = tmp_path / "mixed.jsonl"
    rows = [
        {"type": "source", "id": "wire", "title": "Wire", "publisher": "Wire", "language": "en"},
        {"type": "event", "id": "ev-1", "date": "2024-05-16", "title": "Talks in Beijing", "summary": "Ann met her hosts.", "people": ["ann"], "topics": ["trade"],
         "sources": [{"source": "wire", "excerpt": "They met."}]},
        {"type": "person", "id": "ann", "name": "Ann Example"},
        {"type": "quote", "id": "q-1", "speaker": "ann", "date": "2024-05-16", "text": "We met.", "source": "wire", "event": "ev-1", "kind": "direct"},
        {"type": "topic", "id": "trade", "label": "Trade"},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for args in (["timeline", "--json"], ["quote", "--json"], ["who", "Ann", "--json"]):
        expected = invoke("--data", src, *args, env=NO_CACHE)
        got = invoke("--data", src, *args)
        assert expected.code == 0 and (got.code, got.stdout) == (0, expected.stdout), args
    assert len(indexes(cache)) == 1


# --- wrong data: the loader's first problem and count ---------------------------------------


def _first_event_person(data: Path) -> str:
    return re.search(r"(?m)^  people:\n  - (\S+)$", (data / "events-001.yaml").read_text(encoding="utf-8")).group(1)


def dangling_person(data: Path) -> None:
    person = _first_event_person(data)
    edit(data / "events-001.yaml", f"  - {person}\n", f"  - {person}x\n")


def dangling_event_in_a_quote(data: Path) -> None:
    event = ids_in(data / "quotes-001.yaml", "event")[0]
    edit(data / "quotes-001.yaml", f"  event: {event}\n", f"  event: {event}x\n")


def dangling_source_in_a_fact(data: Path) -> None:
    source = ids_in(data / "facts-001.yaml", "source")[0]
    edit(data / "facts-001.yaml", f"  source: {source}\n", f"  source: {source}-gone\n")


def duplicate_across_sections(data: Path) -> None:
    """A fact takes a quote's id: the quote (read first) keeps it."""
    edit(data / "facts-001.yaml", "- id: f-0000000\n", "- id: q-0000000\n")


def duplicate_across_files(data: Path) -> None:
    """A second events file repeats the first event whole."""
    text = (data / "events-001.yaml").read_text(encoding="utf-8")
    first = re.search(r"(?ms)^- id: .*?(?=^- id: )", text).group(0)
    (data / "events-002.yaml").write_text("events:\n" + first, encoding="utf-8")


def duplicate_person_as_topic(data: Path) -> None:
    """A topic takes a person's id: it is not kept, so every event naming that topic is wrong too."""
    topic = ids_in(data / "topics.yaml", "id")[0]
    person = ids_in(data / "people.yaml", "id")[0]
    edit(data / "topics.yaml", f"- id: {topic}\n", f"- id: {person}\n")


def role_ends_before_it_starts_and_dangling_event(data: Path) -> None:
    """people.yaml comes after events-001.yaml, yet its problem comes first (check_references' order)."""
    edit(data / "people.yaml", '    start: "', '    end: "1901"\n    start: "')
    dangling_person(data)


def unknown_field_in_a_later_file_and_dangling_person(data: Path) -> None:
    edit(data / "topics.yaml", "  label: ", "  lable: ")
    dangling_person(data)


def article_cited_without_excerpt(data: Path) -> None:
    text = (data / "events-001.yaml").read_text(encoding="utf-8")
    excerpt = re.search(r"(?m)^    excerpt: .*\n", text).group(0)
    (data / "events-001.yaml").write_text(text.replace(excerpt, "", 1), encoding="utf-8")


def date_after_end(data: Path) -> None:
    edit(data / "events-001.yaml", '  date: "', '  end: "1901"\n  date: "')


MUTATIONS = [dangling_person, dangling_event_in_a_quote, dangling_source_in_a_fact, duplicate_across_sections,
             duplicate_across_files, duplicate_person_as_topic, role_ends_before_it_starts_and_dangling_event,
             unknown_field_in_a_later_file_and_dangling_person, article_cited_without_excerpt, date_after_end]


@pytest.mark.parametrize("mutate", MUTATIONS, ids=[m.__name__ for m in MUTATIONS])
def test_wrong_data_fails_with_the_loaders_first_problem_and_count(data, cache, mutate):
    from sinorus.kb.store import collect

    mutate(data)
    problems = [str(p) for p in collect(data)[1]]  # what the whole-knowledge-base loader finds, in its order
    assert problems
    expected = invoke("--data", data, "timeline", "--json", env=NO_CACHE)
    got = invoke("--data", data, "timeline", "--json")
    assert (got.code, got.stdout, got.stderr) == (1, "", expected.stderr)
    message = got.stderr.removeprefix("Error: ")
    assert message.startswith(problems[0] + (" (and " if len(problems) > 1 else " (fix"))
    if len(problems) > 1:
        assert f"(and {len(problems) - 1} more;" in message
    assert indexes(cache) == [] and not list(cache.glob(".kb-*"))
    assert invoke("--data", data, "quote", "--json").stderr == expected.stderr  # and again: nothing was cached


def test_a_dangling_reference_gets_its_hint(data, cache):
    person = _first_event_person(data)
    dangling_person(data)
    got = invoke("--data", data, "timeline", "--json")
    assert got.code == 1 and f"people: unknown person '{person}x' (did you mean '{person}'?)" in got.stderr


# --- memory -----------------------------------------------------------------------------------

# Measured (tracemalloc, Python 3.11) on make_big's 20,000 events with 2,000 quotes and 1,000 facts
# (23,134 records), written 500 records a file: the knowledge base load_uncached returns holds
# 1,654 bytes a record (38 MB); the first run that streams them into the index peaks at 14 MB
# (one file's YAML tree, a batch of rows, the folding memo, the small sections). The bound, 60% of
# what the records alone would hold, fails whenever the build keeps them all alive again.
PER_RECORD_BYTES = 1_654
RECORDS = 23_134
BUILD_PEAK_BOUND = RECORDS * PER_RECORD_BYTES * 6 // 10


@pytest.fixture(scope="module")
def twenty_thousand(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stream20k") / "data"
    generator = make_big()
    generator.PER_FILE = 500  # one file's tree is the streaming build's largest transient: keep it small beside the bound
    counts = generator.Gen(20_000, 3).write(out)
    assert sum(counts.values()) == RECORDS  # the figures above are of this very set
    return out


def test_the_build_does_not_keep_records_alive(twenty_thousand, generated, cache):
    warm = invoke("--data", generated, "timeline", "--json")  # imports and first-use tables, not the build's
    assert warm.code == 0
    tracemalloc.start()
    try:
        got = invoke("--data", twenty_thousand, "timeline", "--from", "2024", "--to", "2024-01", "--json")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got.code == 0 and got.json(), got.stderr
    assert len(indexes(cache)) == 2
    assert peak < BUILD_PEAK_BOUND, f"peak {peak:,} bytes"

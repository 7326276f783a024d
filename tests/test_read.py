"""`sinorus read`: from a citation to its article, through the real CLI.

Expectations are derived from the data and the article files themselves (every
passage a record cites, every non-blank line of an article), not from reader.py.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from conftest import ROOT, run_subprocess, write_kb
from sinorus.kb.check import normalise

MARK = re.compile(r"⟦(.*?)⟧\[([^\]]*)\]")


def _article_text(kb, sid: str) -> str:
    return unicodedata.normalize("NFC", (ROOT / kb.sources[sid].file).read_text(encoding="utf-8-sig"))


def _passages(kb, sid: str) -> dict[str, set[str]]:
    """record id -> the normalised passages it cites from a source, read straight from the records."""
    out: dict[str, set[str]] = {}
    for e in kb.events.values():
        for c in e.sources:
            if c.source == sid and c.excerpt:
                out.setdefault(e.id, set()).add(normalise(c.excerpt))
    for q in kb.quotes.values():
        if q.source == sid:
            out.setdefault(q.id, set()).add(normalise(q.text))
    for f in kb.facts.values():
        if f.source == sid:
            out.setdefault(f.id, set()).add(normalise(f.excerpt))
    return out


def _types(kb) -> dict[str, str]:
    return {**{i: "event" for i in kb.events}, **{i: "quote" for i in kb.quotes}, **{i: "fact" for i in kb.facts}}


def _unmark(line: str) -> str:
    return MARK.sub(lambda m: m.group(1), line)


def _bundled(kb) -> list[str]:
    return [s.id for s in kb.sources.values() if s.file]


# --- the whole article ----------------------------------------------------------------


def test_every_bundled_article_is_printed_whole_with_every_cited_passage_marked(cli, kb):
    for sid in _bundled(kb):
        r = cli("read", sid)
        assert r.code == 0 and r.stderr == ""
        lines = r.stdout.splitlines()
        # piped: one paragraph a line, and without the marks exactly the article's non-blank lines
        assert [_unmark(line) for line in lines] == [p.strip() for p in _article_text(kb, sid).splitlines() if p.strip()]
        regions = [(normalise(m.group(1)), m.group(2).split()) for line in lines for m in MARK.finditer(line)]
        for record, passages in _passages(kb, sid).items():
            for passage in passages:
                assert any(record in ids and passage in text for text, ids in regions), f"{sid}: {record} not marked on {passage[:50]!r}"
        tagged = {i for _, ids in regions for i in ids}
        assert tagged == set(_passages(kb, sid)), f"{sid}: tags name records that cite nothing there"


def test_json_spans_point_at_exactly_the_cited_text(cli, kb):
    types = _types(kb)
    for sid in _bundled(kb):
        doc = cli("read", sid, "--json").json()
        text = _article_text(kb, sid)
        assert doc["source"]["id"] == sid and doc["bundled"] is True and doc["missing"] == []
        paras = doc["paragraphs"]
        assert [p["index"] for p in paras] == list(range(1, len(paras) + 1))
        assert [p["text"] for p in paras] == [line.strip() for line in text.splitlines() if line.strip()]
        for p in paras:  # offsets are str indices (code points) into the article text
            assert text[p["start"]:p["end"]] == p["text"]
        cited = _passages(kb, sid)
        for s in doc["spans"]:
            exact = text[s["start"]:s["end"]]
            assert exact == s["text"] and normalise(exact) in cited[s["record"]]
            assert s["type"] == types[s["record"]]
            assert not exact[:1].isspace() and not exact[-1:].isspace()
        for record, passages in cited.items():
            found = {normalise(s["text"]) for s in doc["spans"] if s["record"] == record}
            assert passages <= found, f"{sid}: {record} has a passage without a span"
        assert doc["spans"] == sorted(doc["spans"], key=lambda s: (s["start"], -s["end"], s["record"]))


# --- one record in context ----------------------------------------------------------------


def _lines_with(kb, sid: str, passage: str) -> list[int]:
    lines = [p.strip() for p in _article_text(kb, sid).splitlines() if p.strip()]
    return [i for i, line in enumerate(lines) if passage in normalise(line)]


@pytest.mark.parametrize("kind", ["quotes", "facts", "events"])
def test_record_shows_its_paragraph_and_context(cli, kb, kind):
    # the first record of each kind whose passage sits inside one paragraph, away from the article's edges
    for record in kb.section(kind).values():
        sid, passage = (record.sources[0].source, record.sources[0].excerpt) if kind == "events" else (record.source, getattr(record, "excerpt", None) or record.text)
        if not passage or sid not in kb.sources or not kb.sources[sid].file:
            continue
        hits = _lines_with(kb, sid, normalise(passage))
        lines = [p.strip() for p in _article_text(kb, sid).splitlines() if p.strip()]
        if len(hits) == 1 and 0 < hits[0] < len(lines) - 1 and len(_passages(kb, sid)[record.id]) == 1:
            break
    else:
        pytest.fail(f"no {kind} record to test with")
    i = hits[0]
    r = cli("read", sid, "--record", record.id)
    assert r.code == 0 and [_unmark(line) for line in r.stdout.splitlines()] == [lines[i]]
    marked = MARK.findall(r.stdout)
    assert marked and all(ids == record.id for _, ids in marked)  # only this record is marked
    assert any(passage_norm in normalise(t) for t, _ in marked for passage_norm in [normalise(passage)])
    r = cli("read", sid, "--record", record.id, "-C", "1")
    assert r.code == 0 and [_unmark(line) for line in r.stdout.splitlines()] == lines[i - 1:i + 2]
    doc = cli("read", sid, "--record", record.id, "-C", "1", "--json").json()
    assert doc["record"] == record.id and [p["text"] for p in doc["paragraphs"]] == lines[i - 1:i + 2]
    assert doc["spans"] and {s["record"] for s in doc["spans"]} == {record.id}


def test_context_stops_at_the_article_edges(cli, kb):
    sid = _bundled(kb)[0]
    lines = [p.strip() for p in _article_text(kb, sid).splitlines() if p.strip()]
    record, passages = next(iter(_passages(kb, sid).items()))
    first = min(i for p in passages for i in _lines_with(kb, sid, p))
    r = cli("read", sid, "--record", record, "-C", str(len(lines) + 5))
    assert r.code == 0 and [_unmark(line) for line in r.stdout.splitlines()] == lines
    assert first >= 0


def test_the_command_show_prints_opens_each_cited_article(cli, kb):
    """`show ID` ends with one `read` command per bundled article cited; each works and marks the record."""
    checked = 0
    for section in ("events", "quotes", "facts"):
        for record in list(kb.section(section).values())[:6]:
            cited = [c.source for c in record.sources] if section == "events" else [record.source]
            articles = list(dict.fromkeys(s for s in cited if kb.sources[s].file))
            out = cli("show", record.id).stdout.splitlines()
            reads = [line.split("\t", 1)[1] for line in out if line.startswith("read\t")]
            assert reads == [f"sinorus read {s} --record {record.id}" for s in articles]
            assert out[len(out) - len(reads):] == [f"read\t{c}" for c in reads]  # the last lines
            for command in reads:
                r = cli(*command.split()[1:])
                assert r.code == 0 and any(record.id in ids.split() for _, ids in MARK.findall(r.stdout))
                checked += 1
    assert checked >= 10


def test_show_table_ends_with_the_read_command_and_never_prints_a_seed_path(cli, kb):
    quote = next(iter(kb.quotes.values()))
    command = f"sinorus read {quote.source} --record {quote.id}"
    r = cli("show", quote.id, "--format", "table", env={"COLUMNS": "200"})
    assert r.stdout.rstrip().splitlines()[-1].split() == ["read", *command.split()]
    narrow = cli("show", quote.id, "--format", "table", env={"COLUMNS": "40"}).stdout.rstrip()
    last = narrow.split("\n\n")[-1]  # folded to fit, still the last rows
    assert "".join(last.split()) == "read" + "".join(command.split()) and all(len(line) <= 40 for line in narrow.splitlines())
    for sid in _bundled(kb):
        for fmt in ("table", "plain"):
            out = cli("show", sid, "--format", fmt).stdout
            assert kb.sources[sid].file not in out and f"sinorus read {sid}" in out
        assert cli("show", sid, "--json").json()["file"] == kb.sources[sid].file  # JSON keeps its field


# --- outside sources, errors ------------------------------------------------------------------


def test_outside_source_prints_where_to_read_it(cli, kb):
    outside = [s for s in kb.sources.values() if not s.file and s.url]
    assert outside
    s = outside[0]
    r = cli("read", s.id)
    assert r.code == 0
    fields = dict(line.split("\t", 1) for line in r.stdout.splitlines())
    assert fields["publisher"] == s.publisher and fields["url"] == s.url and fields["title"] == s.title
    assert fields["published"] == s.published.text
    doc = cli("read", s.id, "--json").json()
    assert doc["bundled"] is False and doc["paragraphs"] == [] and doc["spans"] == [] and doc["source"]["url"] == s.url
    table = cli("read", s.id, "--format", "table", env={"COLUMNS": "200"}).stdout
    assert s.url in table and "not bundled" in table


def test_unknown_source_is_one_line_with_suggestions(cli, kb):
    r = cli("read", "seed-0009")
    assert r.code == 1 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("Error: ")
    suggested = re.findall(r"'([^']+)'", r.stderr)
    assert suggested and all(s in kb.sources for s in suggested)


def test_record_errors_say_where_to_look(cli, kb):
    fact = next(iter(kb.facts.values()))
    other = next(s for s in _bundled(kb) if s != fact.source)
    r = cli("read", other, "--record", fact.id)
    assert r.code == 1 and f"sinorus read {fact.source} --record {fact.id}" in r.stderr and len(r.stderr.splitlines()) == 1
    person = next(iter(kb.people))
    assert cli("read", fact.source, "--record", person).code == 1
    r = cli("read", fact.source, "--record", fact.id + "x")
    assert r.code == 1 and "did you mean" in r.stderr
    for args in (["--uncited", "--record", fact.id], ["-C", "1"], ["--format", "csv"], ["--jsonl"], ["-C", "-1", "--record", fact.id]):
        r = cli("read", fact.source, *args)
        assert r.code == 2 and r.stderr.startswith("Error:") and len(r.stderr.splitlines()) == 1, args


# --- coverage ------------------------------------------------------------------------------


def test_uncited_lists_exactly_the_sentences_no_record_touches(cli, kb):
    listed = 0
    for sid in _bundled(kb):
        doc = cli("read", sid, "--uncited", "--json").json()
        spans = cli("read", sid, "--json").json()["spans"]
        text = _article_text(kb, sid)
        assert len(doc["uncited"]) < doc["sentences"]
        listed += len(doc["uncited"])
        passages = {p for ps in _passages(kb, sid).values() for p in ps}
        for s in doc["uncited"]:
            assert text[s["start"]:s["end"]] == s["text"]
            assert not any(sp["start"] < s["end"] and s["start"] < sp["end"] for sp in spans)
            assert not any(normalise(s["text"]) in p or p in normalise(s["text"]) for p in passages)
        plain = cli("read", sid, "--uncited").stdout.splitlines()
        assert plain == [" ".join(s["text"].split()) for s in doc["uncited"]]
    assert listed > 0


def test_uncited_table_is_numbered(cli, kb):
    sid = _bundled(kb)[0]
    doc = cli("read", sid, "--uncited", "--json").json()
    out = cli("read", sid, "--uncited", "--format", "table", env={"COLUMNS": "200"}).stdout.splitlines()
    numbered = [line.split() for line in out if re.match(r"\s*\d+\s+\d+\s", line)]
    assert [(int(n), int(p)) for n, p, *_ in numbered] == [(i, s["paragraph"]) for i, s in enumerate(doc["uncited"], 1)]
    assert out[-1] == f"{len(doc['uncited'])} of {doc['sentences']} sentences in {sid} cited by no record"


# --- a small data set for the awkward cases -----------------------------------------------------

ARTICLE = (
    "Tiêu đề bài báo\n\n"
    "Ông A nói: “Hai bên là bạn.” Cả hai  đồng ý.\n\n"
    "Đoạn giữa không ai trích dẫn. Câu thứ hai cũng vậy.\n\n"
    "Ông A nói: “Hai bên là bạn.” Lần nữa, với\x1b[31m mã thoát.\n"
)


@pytest.fixture
def small(tmp_path):
    data = write_kb(tmp_path, [
        # straight quotes and a line break where the article has curly quotes and a space; one space for two
        {"id": "e1", "date": "2022", "sources": [{"source": "art", "excerpt": 'Ông A nói: "Hai bên\n là bạn."'}]},
        {"id": "e2", "date": "2022", "sources": [{"source": "art", "excerpt": "bạn.” Cả hai đồng ý."}]},
    ])
    (tmp_path / "seeds" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    return data


def test_passages_are_found_as_check_finds_them_and_every_occurrence_is_marked(cli, small):
    assert cli("--data", str(small), "check").code == 0
    doc = cli("--data", str(small), "read", "art", "--json").json()
    e1 = [s for s in doc["spans"] if s["record"] == "e1"]
    assert [s["text"] for s in e1] == ["Ông A nói: “Hai bên là bạn.”"] * 2  # the article's own characters, twice
    assert [s["text"] for s in doc["spans"] if s["record"] == "e2"] == ["bạn.” Cả hai  đồng ý."]
    lines = cli("--data", str(small), "read", "art").stdout.splitlines()
    # overlapping passages are one region tagged with both ids
    assert lines[1] == "⟦Ông A nói: “Hai bên là bạn.” Cả hai  đồng ý.⟧[e1 e2]"
    assert "\x1b" not in "".join(lines) and lines[3].startswith("⟦Ông A nói: “Hai bên là bạn.”⟧[e1] Lần nữa")


def test_record_in_paragraphs_apart_is_shown_in_groups(cli, small):
    out = cli("--data", str(small), "read", "art", "--record", "e1").stdout.splitlines()
    assert [_unmark(line) for line in out] == [ARTICLE.splitlines()[2], "--", "Ông A nói: “Hai bên là bạn.” Lần nữa, với[31m mã thoát."]


def test_uncited_sentences_of_a_small_article(cli, small):
    out = cli("--data", str(small), "read", "art", "--uncited").stdout.splitlines()
    assert out == ["Tiêu đề bài báo", "Đoạn giữa không ai trích dẫn.", "Câu thứ hai cũng vậy.", "Lần nữa, với[31m mã thoát."]


def test_a_missing_article_file_is_one_line_exit_1(cli, small, tmp_path):
    (tmp_path / "seeds" / "a.txt").unlink()
    r = cli("--data", str(small), "read", "art")
    assert r.code == 1 and len(r.stderr.splitlines()) == 1 and "seeds/a.txt" in r.stderr


# --- on a terminal -------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [40, 80, 200])
def test_terminal_view_fits_the_width(cli, kb, width):
    from rich.cells import cell_len

    for sid in _bundled(kb):
        r = cli("read", sid, "--format", "table", env={"COLUMNS": str(width)})
        assert r.code == 0
        lines = r.stdout.splitlines()
        for line in lines:  # a word wider than the screen (URL, long id) stays whole on a line of its own
            assert cell_len(line) <= width or " " not in line, line
            assert line == line.rstrip()
        # no colour here, so passages are bracketed as in plain output; wrapping only ever breaks at spaces
        body = " ".join(lines[lines.index(""):])
        assert [(" ".join(t.split()), ids) for t, ids in MARK.findall(body)] == MARK.findall(cli("read", sid).stdout)


def test_terminal_colour_highlights_instead_of_brackets(cli, kb):
    sid = _bundled(kb)[0]
    r = cli("read", sid, "--format", "table", env={"COLUMNS": "120", "FORCE_COLOR": "1"})
    assert "\x1b[" in r.stdout and "⟦" not in r.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout)
    for record in _passages(kb, sid):
        assert record in plain


def test_completion_offers_source_ids_and_the_records_citing_one(kb):
    env = {"_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": "sinorus read seed-", "COMP_CWORD": "2"}
    assert set(run_subprocess(env=env).stdout.split()) == {s for s in kb.sources if s.startswith("seed-")}
    sid = _bundled(kb)[0]
    env = {"_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": f"sinorus read {sid} --record ", "COMP_CWORD": "4"}
    assert set(run_subprocess(env=env).stdout.split()) == set(_passages(kb, sid))


def test_help_documents_the_marks(cli):
    r = cli("read", "--help")
    assert r.code == 0 and "⟦passage⟧[record-id" in r.stdout and "--uncited" in r.stdout


def test_read_is_listed_in_the_lazily_built_help(cli):
    r = cli("--help")
    assert r.code == 0 and re.search(r"^\s+read\s+\S", r.stdout, re.M)


def test_read_works_from_any_folder(kb, tmp_path):
    """The article is found where the data says (bundled seeds), not relative to the user's folder."""
    import os
    import subprocess
    import sys

    sid = _bundled(kb)[0]
    env = {**os.environ, "SINORUS_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SINORUS_DATA", None)
    proc = subprocess.run([sys.executable, "-m", "sinorus", "read", sid], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [_unmark(line) for line in proc.stdout.decode().splitlines()] == [p.strip() for p in _article_text(kb, sid).splitlines() if p.strip()]

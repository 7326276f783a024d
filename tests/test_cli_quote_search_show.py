"""`quote`, `search`, `show` and the listings."""

import pytest


def test_quote_topic_sco_same_under_any_alias(cli):
    a = cli("quote", "--topic", "SCO", "--json").json()
    b = cli("quote", "--topic", "Tổ chức Hợp tác Thượng Hải", "--json").json()
    c = cli("quote", "--topic", "上海合作组织", "--json").json()
    assert a and a == b == c
    for q in a:
        assert q["text"] and q["source"].startswith("seed-")


def test_quote_speaker_and_dates(cli, kb):
    qs = cli("quote", "--speaker", "Lavrov", "--from", "2024", "--json").json()
    expected = {q.id for q in kb.quotes.values() if q.speaker == "sergei-lavrov" and q.date.start.year >= 2024}
    assert {q["id"] for q in qs} == expected and expected


def test_quote_text_search_in_vietnamese_without_accents(cli):
    qs = cli("quote", "chong khung bo", "--json").json()
    assert qs and any("khủng bố" in q["text"] for q in qs)


def test_quote_texts_are_verbatim(cli):
    from sinorus.kb.check import normalise
    from conftest import ROOT

    articles = {p.name[:3]: normalise(p.read_text(encoding="utf-8")) for p in (ROOT / "seeds").iterdir()}
    for q in cli("quote", "--json").json():
        assert normalise(q["text"]) in articles[q["source"][-3:]]


def test_search_no_limits_finds_the_statement(cli):
    hits = cli("search", "no limits", "--json").json()
    assert hits[0]["type"] == "event"
    assert hits[0]["record"]["date"] == "2022-02-04"
    assert "no limits" in hits[0]["record"]["title"].lower()
    assert hits == sorted(hits, key=lambda h: -h["score"])


def test_search_vietnamese_phrase_and_figure(cli):
    hits = cli("search", "khong gioi han", "--json").json()
    assert any(h["record"].get("date") == "2022-02-04" for h in hits[:3])
    facts = cli("search", "240.1", "--type", "fact", "--json").json()
    assert facts and facts[0]["record"]["value"] == 240.1 and all(h["type"] == "fact" for h in facts)


def test_search_type_filter_and_unknown_type(cli):
    hits = cli("search", "Lavrov", "--type", "person", "--json").json()
    assert [h["id"] for h in hits] == ["sergei-lavrov"]
    r = cli("search", "Lavrov", "--type", "banana")
    assert r.code == 2 and "--type" in r.stderr


def test_search_misspelt(cli):
    hits = cli("search", "Crocus Sity Hall", "--json").json()
    assert any("crocus" in h["id"] for h in hits[:3])


def test_show_any_record_type(cli, kb):
    for rid, kind in (("no-limits-joint-statement-2022-02-04", "event"), ("sergei-shoigu", "person"), ("sco", "topic"), ("seed-002", "source")):
        r = cli("show", rid, "--json")
        assert r.code == 0
        assert r.json()["type"] == kind and r.json()["id"] == rid
    q = next(iter(kb.quotes))
    assert cli("show", q, "--json").json()["text"] == kb.quotes[q].text


def test_show_event_table_has_excerpts(cli, kb):
    r = cli("show", "no-limits-joint-statement-2022-02-04", "--format", "table", env={"COLUMNS": "120"})
    assert r.code == 0
    assert "Sources" in r.stdout and "không giới hạn" in r.stdout


def test_show_unknown_id_suggests(cli):
    r = cli("show", "sergei-shoigo")
    assert r.code == 1 and "sergei-shoigu" in r.stderr


@pytest.mark.parametrize("command, section", [("people", "people"), ("topics", "topics"), ("sources", "sources"), ("facts", "facts")])
def test_listings(cli, kb, command, section):
    rows = cli(command, "--json").json()
    assert [r["id"] for r in rows] == list(kb.section(section))
    table = cli(command, "--format", "table")
    assert table.code == 0 and table.stdout.strip()

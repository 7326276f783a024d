"""Search words are words: a query word is a whole word or a word's start, never a piece of one.

The oracle is independent of sinorus' scorer: a regex over the record's own strings
(accents stripped, case folded) at Unicode word boundaries.
"""

import json
import re
import unicodedata

import pytest

# Real queries: names, places, organisations, phrases in English, Vietnamese and Russian, figures, and
# short words that sit inside other words in the data (sco in Moscow, asia in Eurasia, ran in Iran, us in Russia).
QUERIES = ["SCO", "NATO", "terror", "Moscow", "Ukraine", "trade", "no limits", "khong gioi han", "an ninh", "Шойгу", "240.1",
           "China Customs", "asia", "ran", "us", "art", "lim", "Beijing", "Bắc Kinh", "Olympic", "Taiwan", "đối tác", "oil", "Lavrov"]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _word_start(word: str, text: str) -> bool:
    """word starts a word of text (whole words only for words under 3 letters)."""
    tail = r"(?!\w)" if len(word) < 3 else ""
    return re.search(r"(?<!\w)" + re.escape(word) + tail, text) is not None


def _words(query: str) -> list[str]:
    return re.findall(r"\w+", _plain(query))


@pytest.fixture(scope="module")
def people_names(kb):
    return {p.id: " ".join(p.names) for p in kb.people.values()}


@pytest.mark.parametrize("query", QUERIES)
def test_every_hit_has_the_query_words_as_word_starts(cli, query, people_names):
    r = cli("search", query, "--limit", "1000", "--json")
    assert r.code == 0, r.stderr
    hits = r.json()
    for hit in hits:
        assert hit["score"] > 80, hit  # a real hit: the typo-level fallback runs only when there is none
        texts = [_plain(t) for t in _strings(hit["record"])]
        texts += [_plain(t.replace("-", " ")) for t in (hit["id"],)]
        if hit["type"] == "quote":
            texts.append(_plain(people_names.get(hit["record"]["speaker"], "")))
        assert all(any(_word_start(w, t) for t in texts) for w in _words(query)), (query, hit["id"])
        snippet = _plain(hit["match"]["snippet"])
        assert hit["match"]["field"] == hit["field"]
        assert any(_word_start(w, snippet) for w in _words(query)), (query, hit["match"])


def test_a_word_inside_another_word_is_not_a_hit(cli, kb):
    """'sco' is in 'Moscow': quote SCO returns only quotes that name the SCO."""
    r = cli("quote", "SCO", "--json")
    assert r.code == 0
    found = {q["id"] for q in r.json()}
    names = {p.id: " ".join(p.names) for p in kb.people.values()}
    want = {q.id for q in kb.quotes.values()
            if any(_word_start("sco", _plain(t)) for t in (q.text, q.translation or "", names.get(q.speaker, ""), q.id.replace("-", " ")))}
    assert found == want
    assert not any("moscow" in _plain(kb.quotes[i].text) and not _word_start("sco", _plain(kb.quotes[i].text + " " + (kb.quotes[i].translation or ""))) for i in found)


def test_no_unrelated_topic_outranks_or_joins_a_real_word_hit(cli):
    hits = cli("search", "NATO", "--json").json()
    assert hits and all(h["score"] > 80 for h in hits)
    assert "energy" not in {h["id"] for h in hits}


@pytest.mark.parametrize("typo, word", [("terorism", "terrorism"), ("Moskow", "moscow"), ("Lavrow", "lavrov"), ("partnershp", "partnership")])
def test_a_typo_finds_the_word_only_as_a_fallback_ranked_below_real_hits(cli, typo, word):
    hits = cli("search", typo, "--json").json()
    assert hits, typo
    assert all(h["score"] <= 80 for h in hits)
    assert any(word in _plain(h["match"]["snippet"]) for h in hits), [h["match"] for h in hits]


def test_the_table_footer_says_how_many_were_cut(cli):
    total = len(cli("search", "Putin", "--limit", "1000", "--json").json())
    assert total > 20  # the default limit cuts this listing
    r = cli("search", "Putin", "--format", "table", env={"COLUMNS": "120"})
    assert f"20 of {total} results" in r.stdout.splitlines()  # the footer (a legend of markers may follow)
    events = len(cli("timeline", "--json").json())
    r = cli("timeline", "--limit", "3", "--format", "table", env={"COLUMNS": "120"})
    assert f"3 of {events} events" in r.stdout.splitlines()
    r = cli("quote", "--limit", "2", "--format", "table", env={"COLUMNS": "120"})
    assert any(line.startswith("2 of ") and line.endswith(" quotes") for line in r.stdout.splitlines())


def test_the_table_marks_the_matched_words(cli):
    r = cli("search", "khong gioi han", "--format", "table", env={"COLUMNS": "120", "FORCE_COLOR": "1", "TERM": "xterm"})
    assert r.code == 0
    assert re.search(r"\x1b\[[0-9;]*7m(kh[oô]ng)", r.stdout), r.stdout[:2000]  # reverse video on the word


def test_fast_and_full_paths_explain_alike(cli):
    """search --json is answered from the index; --jsonl by the query layer: the same hits and reasons."""
    a = cli("search", "no limits", "--json").json()
    b = [json.loads(line) for line in cli("search", "no limits", "--jsonl").stdout.splitlines()]
    assert a == b


# --- a quote's topics are its own ---------------------------------------------------------------

@pytest.mark.parametrize("topic", ["sco", "security-consultations", "terrorism", "ukraine", "trade"])
def test_quote_topic_matches_the_quotes_own_topics(cli, kb, topic):
    if topic not in kb.topics:
        pytest.skip(f"no topic {topic} in the data")
    r = cli("quote", "--topic", topic, "--json")
    assert r.code == 0
    assert {q["id"] for q in r.json()} == {q.id for q in kb.quotes.values() if topic in q.topics}


def test_an_events_topics_do_not_leak_into_its_quotes(cli, kb):
    leaks = [(q.id, t) for q in kb.quotes.values() if q.event in kb.events for t in kb.events[q.event].topics if t not in q.topics]
    assert leaks, "the data has no quote whose event carries another topic: this test would prove nothing"
    qid, topic = leaks[0]
    ids = {q["id"] for q in cli("quote", "--topic", topic, "--json").json()}
    assert qid not in ids

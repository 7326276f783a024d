"""The bundled knowledge base: complete enough, consistent, and proven against the articles."""

from conftest import ROOT

SHARED_SEEDS = ROOT.parent / "shared" / "seeds"


def test_seeds_are_the_shared_articles_byte_for_byte():
    ours = sorted(p.name for p in (ROOT / "seeds").iterdir())
    assert len(ours) == 5
    if SHARED_SEEDS.is_dir():
        assert ours == sorted(p.name for p in SHARED_SEEDS.iterdir())
        for name in ours:
            assert (ROOT / "seeds" / name).read_bytes() == (SHARED_SEEDS / name).read_bytes()


def test_check_passes_on_bundled_data(cli):
    r = cli("check")
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("ok: ")
    assert "5 of 5 articles" in r.stdout


def test_check_json_counts_meet_the_curation_targets(cli):
    r = cli("check", "--json")
    report = r.json()
    assert report["ok"] is True and report["problems"] == []
    counts = report["counts"]
    assert counts["events"] >= 40
    assert counts["quotes"] >= 25
    assert counts["people"] >= 17
    assert counts["facts"] >= 6
    assert counts["sources"] >= 5 + 20  # the articles and the curator's outside reports


def test_every_article_is_cited(kb):
    cited = {c.source for e in kb.events.values() for c in e.sources} | {q.source for q in kb.quotes.values()}
    articles = {s.id for s in kb.sources.values() if s.file}
    assert len(articles) == 5 and articles <= cited


def test_named_events_are_present_with_honest_dates(kb):
    by_date = {}
    for e in kb.events.values():
        by_date.setdefault(e.date.text, []).append(e)
    expected = {
        "2019-06-05": "putin",  # Xi–Putin in Moscow
        "2021-05-25": "patrushev",  # 16th round
        "2022-02-04": "no limits",
        "2022-02-02": "ushakov",
        "2022-02-03": "xinhua",
        "2022-12-30": "video call",
        "2022-05-26": "north korea",
        "2022-10-12": "national security strategy",
        "2022-10-27": "nuclear posture review",
        "2023-02-24": "12-point",
        "2024-03-22": "crocus",
        "2025-12-02": "20th round",
        "1996-04-25": "strategic partnership",
        "2001-07-16": "treaty",
    }
    for day, words in expected.items():
        texts = [f"{e.title} {e.summary} {' '.join(e.people)}".lower() for e in by_date.get(day, [])]
        assert any(words in t for t in texts), f"no event on {day} about {words!r}"


def test_relative_dates_keep_their_precision(kb):
    # Rudenko's interview: the article gives no date, so a day may only come from an outside report it cites.
    rudenko = [e for e in kb.events.values() if "Rudenko" in e.title and "interview" in e.title.lower()]
    for e in rudenko:
        outside = {kb.sources[c.source].published.text for c in e.sources if not kb.sources[c.source].file and kb.sources[c.source].published}
        assert e.date.precision != "day" or e.date.text in outside, e.id
    assert rudenko
    anniversaries = [e for e in kb.events.values() if "anniversary" in e.title.lower() and e.date.text.startswith("2026")]
    assert len(anniversaries) == 2 and all(e.date.precision == "year" for e in anniversaries)


def test_disagreements_with_outside_reports_are_kept_with_a_note(kb):
    twentieth = next(e for e in kb.events.values() if e.date.text == "2025-12-02")
    assert "Beijing" in (twentieth.note or "") and "Moscow" in f"{twentieth.note} {twentieth.place}"
    crocus = [f for f in kb.facts.values() if "crocus" in f.id]
    values = {str(f.value) for f in crocus}
    assert any("150" in v for v in values) and any("144" in v for v in values)


def test_trade_figures(kb):
    values = {f.value for f in kb.facts.values()}
    for figure in (240.1, 26.3, 46.9, 13):
        assert figure in values


def test_people_have_aliases_in_several_scripts(kb):
    wang = kb.people["wang-yi"]
    assert "Vương Nghị" in wang.names and "王毅" in wang.names
    shoigu = kb.people["sergei-shoigu"]
    assert any("Шойгу" in n for n in shoigu.names) and "Shoygu" in shoigu.names
    titles = [r.title for r in shoigu.roles]
    assert any("Defence" in t for t in titles) and any("Security Council" in t for t in titles)


def test_topic_aliases_cover_languages(kb):
    sco = kb.topics["sco"]
    for alias in ("SCO", "Tổ chức Hợp tác Thượng Hải", "ШОС", "上海合作组织"):
        assert alias in sco.names


def test_data_dates_are_quoted_strings_in_yaml():
    import re

    for path in (ROOT / "data").glob("*.yaml"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = re.match(r"\s*-?\s*(date|end|start|published|period):\s*(.*)$", line)
            if m:
                assert m.group(2).startswith('"'), f"{path.name}:{n}: unquoted date {line.strip()}"

"""The bundled knowledge base: complete enough, consistent, and proven against the articles."""

import pytest

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


# --- the Vietnamese fields (issue 13): every record a Vietnamese reader sees has them -------------

import re
import unicodedata

# The letters of the Vietnamese alphabet that English never writes: ă â đ ê ô ơ ư and every vowel
# with a tone mark (grave, acute, hook above, tilde, dot below), in both cases.
_TONES = "\u0300\u0301\u0309\u0303\u0323"
VIETNAMESE_LETTERS = frozenset(
    {unicodedata.normalize("NFC", base + tone) for base in "aăâeêioôơuưy" for tone in ("", *_TONES)}
    - set("aeiouy")
    | {"đ"}
)


def is_vietnamese_letter(ch: str) -> bool:
    return ch.lower() in VIETNAMESE_LETTERS


def has_vietnamese_letter(text: str) -> bool:
    return any(is_vietnamese_letter(c) for c in unicodedata.normalize("NFC", text))


def vietnamese_word_share(text: str) -> float:
    """The share of words carrying a Vietnamese letter: most do in Vietnamese prose, none in English."""
    words = re.findall(r"\w+", unicodedata.normalize("NFC", text))
    return sum(has_vietnamese_letter(w) for w in words) / len(words) if words else 0.0


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


def numbers(text: str) -> set[int]:
    """Every run of digits, and every English month name, as a number: "9/4/2024", "2024-04-09" and
    "9 April 2024" give the same set."""
    words = re.findall(r"[a-z]+", (text or "").lower())
    return {int(n) for n in re.findall(r"\d+", text or "")} | {MONTHS.index(w) + 1 for w in words if w in MONTHS}


@pytest.fixture(scope="module")
def articles(kb) -> list[str]:
    return [unicodedata.normalize("NFC", (ROOT / s.file).read_text(encoding="utf-8")) for s in kb.sources.values() if s.file]


def test_vietnamese_letters_tell_vietnamese_from_english():
    assert has_vietnamese_letter("Tập Cận Bình") and has_vietnamese_letter("Đài Loan") and has_vietnamese_letter("Nhà báo")
    assert not has_vietnamese_letter("Minister of Foreign Affairs of China") and not has_vietnamese_letter("Sergei Shoigu")
    assert not has_vietnamese_letter("Zürich")


def test_every_event_has_a_vietnamese_summary_no_longer_than_the_english(kb, articles):
    # Vietnamese prose: at least half the share of Vietnamese-lettered words the plainest article has.
    floor = min(vietnamese_word_share(a) for a in articles) / 2
    for e in kb.events.values():
        assert e.summary_vi and e.summary_vi.strip(), f"{e.id}: no summary_vi"
        assert vietnamese_word_share(e.summary_vi) >= floor, f"{e.id}: summary_vi does not read as Vietnamese"
        assert len(e.summary_vi) <= len(e.summary), f"{e.id}: summary_vi is longer than the English summary"


def test_vietnamese_summaries_add_no_figure_or_date(kb):
    # Every number in summary_vi is in the English summary, the dates, the title, the note or an excerpt.
    for e in kb.events.values():
        known = numbers(" ".join(filter(None, (e.summary, e.title, e.title_vi, e.note, e.date.text, e.end.text if e.end else ""))))
        known |= {n for c in e.sources for n in numbers(c.excerpt)}
        assert numbers(e.summary_vi) <= known, f"{e.id}: {sorted(numbers(e.summary_vi) - known)} in summary_vi only"


def test_every_role_has_a_vietnamese_title_and_organisation_used_consistently(kb):
    titles: dict[str, set[str]] = {}
    organisations: dict[str, set[str]] = {}
    roles = [(p.id, r) for p in kb.people.values() for r in p.roles]
    assert roles
    for pid, r in roles:
        for english, vietnamese in ((r.title, r.title_vi), (r.organisation, r.organisation_vi)):
            assert vietnamese and has_vietnamese_letter(vietnamese), f"{pid}: {english!r} has no Vietnamese twin ({vietnamese!r})"
        titles.setdefault(r.title, set()).add(r.title_vi)
        organisations.setdefault(r.organisation, set()).add(r.organisation_vi)
    for english, forms in (*titles.items(), *organisations.items()):
        assert len(forms) == 1, f"{english!r} is translated in several ways: {sorted(forms)}"


def test_every_person_has_a_vietnamese_name_as_the_articles_write_it(kb, articles):
    text = "\n".join(articles)

    def in_articles(name: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(unicodedata.normalize('NFC', name))}(?!\w)", text) is not None

    for p in kb.people.values():
        assert p.name_vi, f"{p.id}: no name_vi"
        if any(in_articles(n) for n in (p.name, *p.aliases)):
            # named in an article: name_vi is one of the spellings the articles use
            assert in_articles(p.name_vi), f"{p.id}: name_vi {p.name_vi!r} is not written so in any article"
        else:
            # named only by outside reports: a Vietnamese form, or the Latin name the press keeps
            assert has_vietnamese_letter(p.name_vi) or p.name_vi == p.name, p.id


def test_every_topic_has_a_vietnamese_label(kb):
    for t in kb.topics.values():
        assert t.label_vi and has_vietnamese_letter(t.label_vi), f"{t.id}: label_vi {t.label_vi!r}"
        assert t.label_vi != t.label


def test_json_puts_each_vietnamese_field_after_its_english_twin(cli, kb):
    events = cli("timeline", "--json").json()
    assert len(events) == len(kb.events)
    for row in events:
        keys = list(row)
        assert keys.index("summary_vi") == keys.index("summary") + 1
        assert row["summary_vi"] == kb.events[row["id"]].summary_vi
    people = cli("people", "--json").json()
    roles = [(person["id"], i, role) for person in people for i, role in enumerate(person["roles"])]
    assert len(roles) == sum(len(p.roles) for p in kb.people.values())
    for pid, i, role in roles:
        keys = list(role)
        assert keys[keys.index("title") + 1] == "title_vi" and keys[keys.index("organisation") + 1] == "organisation_vi"
        assert (role["title_vi"], role["organisation_vi"]) == (kb.people[pid].roles[i].title_vi, kb.people[pid].roles[i].organisation_vi)

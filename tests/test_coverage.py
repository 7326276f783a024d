"""`sinorus check`'s per-article sentence coverage, and the one sentence splitter behind it.

The expected figures are derived from the data and the article files: sentences
come from the splitter (itself tested below on realistic Vietnamese news text),
cited passages straight from the records, and a sentence counts as cited when a
passage lies in it or overlaps it. No count is typed in.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from conftest import ARTICLE, ROOT, write_kb
from sinorus.kb.check import normalise
from sinorus.matching.sentences import ABBREVIATIONS, split_sentences

COVERAGE = re.compile(r"^(\S+): (\d+) of (\d+) sentences cited \((\d+)%\)$")
ABBREVIATED_END = re.compile(r"(?:^|\W)(?:" + "|".join(map(re.escape, sorted(ABBREVIATIONS))) + r"|[A-Z])\.$")


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def _article(kb, sid: str) -> str:
    return unicodedata.normalize("NFC", (ROOT / kb.sources[sid].file).read_text(encoding="utf-8-sig"))


def _bundled(kb) -> list[str]:
    return sorted(s.id for s in kb.sources.values() if s.file)


def _passages(kb, sid: str) -> list[str]:
    """Every excerpt and quote text the records cite from one source."""
    found = [c.excerpt for e in kb.events.values() for c in e.sources if c.source == sid and c.excerpt]
    found += [q.text for q in kb.quotes.values() if q.source == sid]
    found += [f.excerpt for f in kb.facts.values() if f.source == sid]
    return found


def _expected(text: str, passages: list[str]) -> tuple[int, int]:
    """(cited, sentences): the article flattened sentence by sentence, each passage located in it."""
    sentences = [normalise(s) for s in _sentences(text)]
    flat = " ".join(sentences)
    assert flat == normalise(text), "the splitter must cut only where whitespace is"
    bounds, at = [], 0
    for s in sentences:
        bounds.append((at, at + len(s)))
        at += len(s) + 1
    hits = []
    for passage in map(normalise, passages):
        i = flat.find(passage)
        while passage and i >= 0:
            hits.append((i, i + len(passage)))
            i = flat.find(passage, i + len(passage))
    cited = sum(1 for a, b in bounds if any(i < b and a < j for i, j in hits))
    return cited, len(sentences)


def _coverage(stdout: str) -> dict[str, tuple[int, int, int]]:
    """source id -> (cited, sentences, percent) from the coverage lines `check` prints."""
    out = {}
    for line in stdout.splitlines():
        m = COVERAGE.match(line)
        if m:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return out


# --- the CLI ----------------------------------------------------------------------


def test_check_keeps_its_summary_and_adds_one_coverage_line_per_bundled_article(cli, kb):
    r = cli("check")
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("ok: ") and lines[1].startswith("every quote and excerpt found verbatim in ")
    assert all(COVERAGE.match(line) for line in lines[2:]), lines[2:]
    coverage = _coverage(r.stdout)
    assert sorted(coverage) == _bundled(kb) and len(lines) == 2 + len(coverage)


def test_coverage_counts_the_sentences_a_cited_passage_lies_in_or_overlaps(cli, kb):
    coverage = _coverage(cli("check").stdout)
    for sid in _bundled(kb):
        cited, total = _expected(_article(kb, sid), _passages(kb, sid))
        assert coverage[sid][:2] == (cited, total), sid
        assert coverage[sid][2] == cited * 100 // total  # rounded down: never "100%" with a sentence left out
        assert 0 < cited <= total


def test_check_json_gives_the_same_coverage(cli):
    text = _coverage(cli("check").stdout)
    report = cli("check", "--json").json()
    assert {sid: (c["cited"], c["sentences"]) for sid, c in report["coverage"].items()} == {sid: v[:2] for sid, v in text.items()}
    assert set(report["coverage"]) == set(report["articles"])


def test_coverage_follows_the_data(cli, tmp_path):
    """Citing one more sentence, across a sentence boundary, raises the count by exactly what it touches."""
    sentences = _sentences(ARTICLE)
    assert len(sentences) >= 3
    base = [{"id": "e1", "date": "2022", "sources": [{"source": "art", "excerpt": sentences[1]}]}]
    # the end of one sentence and the start of the next, with the article's whitespace between them
    straddle = sentences[1][-6:] + " " + sentences[2][:8]
    runs = {
        "one": base,
        "inside": base + [{"id": "e2", "date": "2022", "sources": [{"source": "art", "excerpt": sentences[1][2:9]}]}],
        "straddle": base + [{"id": "e2", "date": "2022", "sources": [{"source": "art", "excerpt": straddle}]}],
    }
    got = {}
    for name, events in runs.items():
        data = write_kb(tmp_path / name, events)
        r = cli("--data", str(data), "check")
        assert r.code == 0, r.stderr
        got[name] = _coverage(r.stdout)["art"]
        passages = [c["excerpt"] for e in events for c in e["sources"]]
        assert got[name][:2] == _expected(ARTICLE, passages)
    assert got["one"][:2] == (1, len(sentences))
    assert got["inside"] == got["one"]
    assert got["straddle"][0] == got["one"][0] + 1


def test_a_failing_check_prints_no_coverage_and_exits_1(cli, tmp_path):
    data = write_kb(tmp_path, [{"id": "e1", "date": "2022", "sources": [{"source": "art", "excerpt": "Không có trong bài."}]}])
    r = cli("--data", str(data), "check")
    assert r.code == 1 and "not found verbatim" in r.stderr
    assert not _coverage(r.stdout) and "sentences cited" not in r.stderr


def test_readme_states_the_coverage_check_prints(cli):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in cli("check").stdout.splitlines() if COVERAGE.match(line)]
    assert lines and [line for line in lines if line not in readme] == []


# --- the splitter -----------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    (  # decimals with a point or a comma, percentages and day/month dates do not end a sentence
        "Theo dữ liệu Hải quan Trung Quốc, thương mại hai chiều năm 2023 đạt 240.1 tỷ USD, tăng 26,3% so với năm trước. "
        "Xuất khẩu của Trung Quốc sang Nga tăng 46.9% trong khi nhập khẩu tăng 13%.",
        ["Theo dữ liệu Hải quan Trung Quốc, thương mại hai chiều năm 2023 đạt 240.1 tỷ USD, tăng 26,3% so với năm trước.",
         "Xuất khẩu của Trung Quốc sang Nga tăng 46.9% trong khi nhập khẩu tăng 13%."],
    ),
    (
        "Hội nghị diễn ra tại TP. Hồ Chí Minh ngày 5/6. Đoàn Nga do Ngoại trưởng Sergei Lavrov dẫn đầu.",
        ["Hội nghị diễn ra tại TP. Hồ Chí Minh ngày 5/6.", "Đoàn Nga do Ngoại trưởng Sergei Lavrov dẫn đầu."],
    ),
    (
        "PGS.TS. Trần Văn Bình, Đại học Quốc gia Hà Nội, nhận định hai nước sẽ không lập liên minh. Ông nói thêm rằng đây là quan hệ kiểu mới.",
        ["PGS.TS. Trần Văn Bình, Đại học Quốc gia Hà Nội, nhận định hai nước sẽ không lập liên minh.",
         "Ông nói thêm rằng đây là quan hệ kiểu mới."],
    ),
    (  # an initial
        "Ngoại trưởng X. La-vrốp hội đàm với người đồng cấp Vương Nghị. Hai bên nhất trí khởi động đối thoại.",
        ["Ngoại trưởng X. La-vrốp hội đàm với người đồng cấp Vương Nghị.", "Hai bên nhất trí khởi động đối thoại."],
    ),
    (  # closing quotation marks stay with their sentence; an ellipsis and a question mark end one
        "“Chúng tôi phản đối các nỗ lực chính trị hóa thể thao.” Ông Putin nhấn mạnh điều đó… Phương Tây sẽ đáp lại ra sao?",
        ["“Chúng tôi phản đối các nỗ lực chính trị hóa thể thao.”", "Ông Putin nhấn mạnh điều đó…", "Phương Tây sẽ đáp lại ra sao?"],
    ),
    (  # a question inside a quotation followed by a comma goes on; a sentence inside a quotation ends
        "“Liệu kế hoạch có được tiến hành?”, phóng viên hỏi. “Đó là động thái hợp lý (G7). Đó hoàn toàn hợp lý”, ông Zhang nhận định.",
        ["“Liệu kế hoạch có được tiến hành?”, phóng viên hỏi.", "“Đó là động thái hợp lý (G7).", "Đó hoàn toàn hợp lý”, ông Zhang nhận định."],
    ),
    (  # a lower-case word after a full stop goes on with the sentence
        "Hai nước ký thỏa thuận về thương mại, năng lượng v.v. và nhiều lĩnh vực khác. Lễ ký diễn ra tại Bắc Kinh.",
        ["Hai nước ký thỏa thuận về thương mại, năng lượng v.v. và nhiều lĩnh vực khác.", "Lễ ký diễn ra tại Bắc Kinh."],
    ),
    (  # a line break always ends one: headings, captions, photo credits, site furniture
        "Kiến tạo an ninh khu vực Á-Âu\nNgoại trưởng Nga Sergei Lavrov gặp Chủ tịch Trung Quốc Tập Cận Bình ngày 9/4. (Nguồn: Reuters)\n\n5 giờ ago\n",
        ["Kiến tạo an ninh khu vực Á-Âu", "Ngoại trưởng Nga Sergei Lavrov gặp Chủ tịch Trung Quốc Tập Cận Bình ngày 9/4.",
         "(Nguồn: Reuters)", "5 giờ ago"],
    ),
])
def test_splitter_on_vietnamese_news_sentences(text, expected):
    assert _sentences(text) == expected


@pytest.mark.parametrize("abbreviation", sorted(ABBREVIATIONS))
def test_no_known_abbreviation_ends_a_sentence(abbreviation):
    text = f"Phát biểu tại hội thảo, {abbreviation}. Nguyễn Văn An cho biết hai nước sẽ tăng cường hợp tác. Sự kiện diễn ra tại Hà Nội."
    got = _sentences(text)
    assert len(got) == 2 and f"{abbreviation}. Nguyễn" in got[0]


def test_splitter_partitions_every_bundled_article_at_whitespace(kb):
    for sid in _bundled(kb):
        text = _article(kb, sid)
        spans = split_sentences(text)
        assert spans, sid
        edges = [0] + [x for span in spans for x in span] + [len(text)]
        gaps = [text[edges[i]:edges[i + 1]] for i in range(0, len(edges), 2)]
        assert all(not g.strip() for g in gaps), sid  # nothing but whitespace between sentences
        assert all(text[a:b] == text[a:b].strip() and b > a for a, b in spans), sid
        for (a, b), (c, _) in zip(spans, spans[1:]):  # within a line, no cut after "TP." or "J."
            if "\n" not in text[b:c]:
                assert not ABBREVIATED_END.search(text[a:b]), text[a:b]

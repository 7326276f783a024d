"""`sinorus export`: every format parses back, carries what the data says, and is safe.

Expected numbers come from the knowledge base (the ``kb`` fixture), never from
memory, so the tests follow the data as it grows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from sinorus.output import export

HOSTILE = '<script>alert(1)</script> & "quoted" </script><!--'
FORMATS = ("json", "jsonl", "csv", "yaml", "md", "timelinejs", "html")


def events_in_order(kb, pred=lambda e: True):
    return [e for e in sorted(kb.events.values(), key=lambda e: e.sort_key) if pred(e)]


def busiest_topic(kb) -> str:
    """A topic that selects some but not all events, so a filter visibly narrows."""
    counts = {t: sum(t in e.topics for e in kb.events.values()) for t in kb.topics}
    return max((t for t, n in counts.items() if 0 < n < len(kb.events)), key=lambda t: (counts[t], t))


# --- the registry -----------------------------------------------------------------


def test_registry_has_every_format_with_an_extension():
    assert set(FORMATS) <= set(export.names())
    for e in export.exporters():
        assert e.extension.startswith(".") and e.help
    assert export.get("markdown").name == "md" and export.get("YML").name == "yaml"
    assert export.for_path("out.timeline.json").name == "timelinejs"
    assert export.for_path("out.json").name == "json"
    assert export.for_path("page.htm").name == "html"


def test_help_lists_every_registered_format(cli):
    text = " ".join(cli("export", "--help").stdout.split())
    for name in export.names():
        assert name in text


def test_unknown_format_is_a_usage_error_listing_the_choices(cli):
    r = cli("export", "--format", "docx")
    assert r.code == 2 and "docx" in r.stderr and "timelinejs" in r.stderr and r.stdout == ""


def test_format_is_required_without_a_file_name(cli):
    r = cli("export")
    assert r.code == 2 and "--format" in r.stderr


def test_unknown_extension_asks_for_format(cli, tmp_path):
    r = cli("export", "-o", tmp_path / "out.txt")
    assert r.code == 2 and "--format" in r.stderr
    assert not (tmp_path / "out.txt").exists()


# --- json, jsonl, csv -----------------------------------------------------------------


def test_json_has_the_fields_of_timeline_json(cli):
    exported = cli("export", "--format", "json").json()
    assert exported == cli("timeline", "--json").json()
    assert exported and list(exported[0]) == list(cli("timeline", "--json").json()[0])


def test_jsonl_is_one_event_per_line(cli, kb):
    lines = cli("export", "-f", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [e.id for e in events_in_order(kb)]


def test_csv_parses_back_with_every_event(sub, kb):
    r = sub("export", "--format", "csv")
    assert r.code == 0
    assert not r.stdout.startswith("\ufeff"), "no BOM unless --bom"
    assert r.stdout.count("\r\n") >= len(kb.events) + 1, "RFC 4180 line ends"
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert list(rows[0]) == ["id", "date", "end", "precision", "title", "people", "topics", "place", "sources"]
    expected = events_in_order(kb)
    assert [row["id"] for row in rows] == [e.id for e in expected]
    for row, e in zip(rows, expected):
        assert row["title"] == e.title  # commas, quotes and accents survive quoting
        assert row["date"] == e.date.text and row["precision"] == e.date.precision
        assert row["end"] == (e.end.text if e.end else "")
        assert row["people"] == "; ".join(e.people) and row["topics"] == "; ".join(e.topics)
        assert set(row["sources"].split("; ")) == {c.source for c in e.sources}


def test_csv_bom_is_opt_in_and_only_for_csv(sub, cli):
    r = sub("export", "--format", "csv", "--bom")
    assert r.code == 0 and r.stdout.startswith("\ufeffid,date,")
    bad = cli("export", "--format", "json", "--bom")
    assert bad.code == 2 and "--bom" in bad.stderr


# --- yaml -------------------------------------------------------------------------------


def test_yaml_round_trips_byte_for_byte_and_passes_check(cli, kb, tmp_path):
    first = tmp_path / "kb.yaml"
    assert cli("export", "--format", "yaml", "-o", first).code == 0
    checked = cli("--data", first, "check", "--json")
    assert checked.code == 0, checked.stdout + checked.stderr
    assert checked.json()["counts"] == kb.counts()
    again = cli("--data", first, "export", "--format", "yaml")
    assert again.code == 0
    assert again.stdout.encode("utf-8") == first.read_bytes()


def test_filtered_yaml_is_a_closed_loadable_subset(cli, kb, tmp_path):
    topic = busiest_topic(kb)
    path = tmp_path / "subset.yaml"
    assert cli("export", "-f", "yaml", "--topic", topic, "-o", path).code == 0
    checked = cli("--data", path, "check", "--json")
    assert checked.code == 0, checked.stdout + checked.stderr
    wanted = {e.id for e in kb.events.values() if topic in e.topics}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {e["id"] for e in loaded["events"]} == wanted
    assert {q["id"] for q in loaded.get("quotes", [])} == {q.id for q in kb.quotes.values() if q.event in wanted}
    assert checked.json()["counts"]["events"] == len(wanted) < len(kb.events)


# --- markdown ------------------------------------------------------------------------


def test_markdown_footnotes_all_resolve(cli, kb):
    text = cli("export", "--format", "md").stdout
    defined = re.findall(r"^\[\^([^\]]+)\]:", text, flags=re.M)
    used = set(re.findall(r"\[\^([^\]]+)\](?!:)", text))
    assert len(defined) == len(set(defined)), "one footnote per source"
    assert used == set(defined)
    cited = {c.source for e in kb.events.values() for c in e.sources} | {q.source for q in kb.quotes.values() if q.event in kb.events}
    assert set(defined) == cited
    for sid in defined:
        src = kb.sources[sid]
        line = next(l for l in text.splitlines() if l.startswith(f"[^{sid}]:"))
        if src.url:
            assert src.url in line
        if src.file:
            assert src.file in line


def test_markdown_is_grouped_by_year_with_quotes(cli, kb):
    text = cli("export", "--format", "md").stdout
    years = [int(y) for y in re.findall(r"^## (\d{4})$", text, flags=re.M)]
    assert years == sorted({e.date.start.year for e in kb.events.values()})
    assert len(re.findall(r"^### ", text, flags=re.M)) == len(kb.events)
    quoted = [q for q in kb.quotes.values() if q.event in kb.events]
    assert len(re.findall(r"^> — ", text, flags=re.M)) == len(quoted)


# --- timelinejs --------------------------------------------------------------------------


def test_timelinejs_structure_and_date_precision(cli, kb):
    doc = cli("export", "--format", "timelinejs").json()
    assert doc["title"]["text"]["headline"]
    slides = {s["unique_id"]: s for s in doc["events"]}
    assert len(doc["events"]) == len(kb.events) == len(slides)
    precisions = set()
    for e in kb.events.values():
        s = slides[e.id]
        start = s["start_date"]
        precisions.add(e.date.precision)
        assert start["year"] == e.date.start.year
        assert ("month" in start) == (e.date.precision in ("month", "day"))
        assert ("day" in start) == (e.date.precision == "day")
        assert ("end_date" in s) == (e.end is not None)
        vague = e.date.approximate or e.date.uncertain or (e.end is not None and (e.end.approximate or e.end.uncertain))
        assert ("display_date" in s) == vague
        if e.date.approximate:
            assert s["display_date"].startswith("c. ")
        if e.date.uncertain:
            assert "?" in s["display_date"]
        if e.topics:
            assert s["group"] == kb.topics[e.topics[0]].label
        assert s["text"]["headline"] and "<p>" in s["text"]["text"]
    assert {"month", "day"} <= precisions, "the data should exercise month-only dates"


# --- html -------------------------------------------------------------------------------


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    p.close()
    return p


def test_html_loads_nothing_from_the_network(cli):
    html = cli("export", "--format", "html").stdout
    tags = parse(html)
    for tag, attrs in tags.tags:
        for name in ("src", "href", "srcset", "action", "poster", "data", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not re.match(r"(https?:)?//", value), f"<{tag} {name}={value!r}>"
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html, flags=re.I)
    assert not any(tag == "link" for tag, _ in tags.tags), "styles are inline"
    assert all("src" not in attrs for tag, attrs in tags.tags if tag in ("script", "img", "iframe"))
    assert '<meta charset="utf-8">' in html
    assert "prefers-color-scheme: dark" in html and "system-ui" in html
    csp = next(a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp


def test_html_has_every_event_quote_and_citation(cli, kb):
    tags = parse(cli("export", "--format", "html").stdout)
    events = [a["data-event"] for t, a in tags.tags if t == "li" and "data-event" in a]
    assert events == [e.id for e in events_in_order(kb)]
    quotes = [a["data-quote"] for t, a in tags.tags if "data-quote" in a]
    assert sorted(quotes) == sorted(q.id for q in kb.quotes.values() if q.event in kb.events)
    years = [int(a["data-year"]) for t, a in tags.tags if t == "section" and "data-year" in a]
    assert years == sorted({e.date.start.year for e in kb.events.values()})
    assert len([t for t, a in tags.tags if t == "select"]) == 2
    assert any(t == "input" and a.get("type") == "search" for t, a in tags.tags)


def test_html_data_block_is_json_that_cannot_break_out(cli, kb):
    html = cli("export", "--format", "html").stdout
    tags = parse(html)
    (data_attrs, data_text), = [s for s in tags.scripts if s[0].get("type") == "application/json"]
    assert "<" not in data_text and ">" not in data_text
    data = json.loads(data_text)
    assert [e["id"] for e in data["events"]] == [e.id for e in events_in_order(kb)]
    assert html.count("<script") == 2 and html.count("</script>") == 2


# --- hostile data -----------------------------------------------------------------------


@pytest.fixture
def hostile_data(cli, tmp_path, kb) -> tuple[Path, str]:
    """A copy of the knowledge base, via export --format yaml, whose first event has a hostile title."""
    from sinorus.kb.yamlwrite import dump_sections

    src = tmp_path / "kb.yaml"
    assert cli("export", "-f", "yaml", "-o", src).code == 0
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    victim = data["events"][0]
    victim["title"] = HOSTILE
    victim["summary"] = "Summary with *stars*, [a](javascript:alert(1)) link and <img src=x onerror=alert(2)>."
    path = tmp_path / "hostile.yaml"
    path.write_text(dump_sections(data), encoding="utf-8")
    assert cli("--data", path, "check").code == 0
    return path, victim["id"]


def test_html_escapes_a_hostile_title(cli, hostile_data):
    path, victim = hostile_data
    html = cli("--data", path, "export", "-f", "html").stdout
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script") == 2 and html.count("</script>") == 2
    tags = parse(html)
    assert [t for t, _ in tags.tags].count("img") == 0
    data = json.loads(next(text for attrs, text in tags.scripts if attrs.get("type") == "application/json"))
    assert next(e for e in data["events"] if e["id"] == victim)["title"] == HOSTILE


def test_markdown_and_timelinejs_escape_a_hostile_title(cli, hostile_data):
    from markdown_it import MarkdownIt

    path, victim = hostile_data
    md = cli("--data", path, "export", "-f", "md").stdout
    rendered = MarkdownIt("commonmark").render(md)
    assert "<script" not in rendered and "<img" not in rendered and 'href="javascript' not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    doc = cli("--data", path, "export", "-f", "timelinejs").json()
    slide = next(s for s in doc["events"] if s["unique_id"] == victim)
    assert "<script" not in slide["text"]["headline"] and "<img" not in slide["text"]["text"]
    assert "&lt;script&gt;" in slide["text"]["headline"]


# --- files, stdout and filters -------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_gets_the_stdout_bytes_and_stdout_stays_empty(cli, tmp_path, fmt):
    target = tmp_path / "sub" / f"out.{fmt}"
    target.parent.mkdir()  # sinorus never creates folders (tests/test_export_paths.py)
    r = cli("export", "--format", fmt, "-o", target)
    assert r.code == 0 and r.stdout == ""
    assert str(target) in r.stderr
    assert target.read_bytes() == cli("export", "--format", fmt).stdout.encode("utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name], "no temporary file left behind"
    if os.name == "posix":
        assert target.stat().st_mode & 0o044, "an export is a normal file, not a private temp file"


def test_format_comes_from_the_file_extension(cli, tmp_path):
    cli("export", "-o", tmp_path / "page.html")
    cli("export", "-o", tmp_path / "view.timeline.json")
    cli("export", "-o", tmp_path / "notes.md")
    assert (tmp_path / "page.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "events" in json.loads((tmp_path / "view.timeline.json").read_text(encoding="utf-8"))
    assert (tmp_path / "notes.md").read_text(encoding="utf-8").startswith("# ")


def test_filters_reduce_what_every_format_exports(cli, kb):
    topic = busiest_topic(kb)
    wanted = [e.id for e in events_in_order(kb, lambda e: topic in e.topics)]
    assert 0 < len(wanted) < len(kb.events)
    args = ("--topic", topic)
    assert [e["id"] for e in cli("export", "-f", "json", *args).json()] == wanted
    assert len(cli("export", "-f", "jsonl", *args).stdout.splitlines()) == len(wanted)
    assert [r["id"] for r in csv.DictReader(io.StringIO(cli("export", "-f", "csv", *args).stdout))] == wanted
    assert [s["unique_id"] for s in cli("export", "-f", "timelinejs", *args).json()["events"]] == wanted
    assert len(re.findall(r"^### ", cli("export", "-f", "md", *args).stdout, flags=re.M)) == len(wanted)
    tags = parse(cli("export", "-f", "html", *args).stdout)
    assert [a["data-event"] for t, a in tags.tags if "data-event" in a] == wanted


def test_date_and_person_filters_match_timeline(cli):
    for args in (("--from", "2022", "--to", "2023"), ("--on", "2024", "--strict"), ("--who", "Lavrov")):
        expected = [e["id"] for e in cli("timeline", *args, "--json").json()]
        assert expected
        assert [e["id"] for e in cli("export", "-f", "json", *args).json()] == expected


def test_bad_filter_is_a_usage_error(cli):
    r = cli("export", "-f", "json", "--from", "not a date")
    assert r.code == 2 and r.stdout == ""


def test_nothing_selected_is_still_valid_output(cli):
    assert cli("export", "-f", "json", "--from", "2090").json() == []
    doc = cli("export", "-f", "timelinejs", "--from", "2090").json()
    assert doc["events"] == []
    assert "No event" in cli("export", "-f", "html", "--from", "2090").stdout


# --- the page in a real browser -----------------------------------------------------------


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


def run_chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    exe = chromium()
    if exe is None:
        pytest.skip("Chromium is not installed")
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
           "--virtual-time-budget=2000", *args]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Chromium could not run: {exc}")


def dump_dom(tmp_path: Path, page: Path, fragment: str = "") -> Tags:
    proc = run_chromium(tmp_path / "profile", "--dump-dom", page.resolve().as_uri() + fragment)
    dom = proc.stdout.decode("utf-8", "replace")
    if "<html" not in dom:
        pytest.skip(f"Chromium produced no DOM (exit {proc.returncode})")
    return parse(dom)


def visible_events(tags: Tags) -> list[str]:
    return [a["data-event"] for t, a in tags.tags if t == "li" and "data-event" in a and "hidden" not in a]


def body(tags: Tags) -> dict:
    return next(a for t, a in tags.tags if t == "body")


def test_browser_runs_the_page_script(cli, kb, tmp_path):
    page = tmp_path / "page.html"
    cli("export", "-o", page)
    tags = dump_dom(tmp_path, page)
    assert body(tags).get("data-ready") == "1", "the inline script ran (CSP hash matches)"
    assert body(tags).get("data-shown") == str(len(kb.events))
    assert len(visible_events(tags)) == len(kb.events)
    topics = [a.get("value") for t, a in tags.tags if t == "option"]
    used = {t for e in kb.events.values() for t in e.topics} | {p for e in kb.events.values() for p in e.people}
    assert set(topics) - {""} == used, "the select boxes list every topic and person in the events"


def test_browser_filters_by_topic_person_and_words(cli, kb, tmp_path):
    page = tmp_path / "page.html"
    cli("export", "-o", page)
    topic = busiest_topic(kb)
    tags = dump_dom(tmp_path, page, f"#topic={topic}")
    assert visible_events(tags) == [e.id for e in events_in_order(kb, lambda e: topic in e.topics)]
    assert body(tags).get("data-shown") == str(len(visible_events(tags)))
    person = max(kb.people, key=lambda p: (sum(p in e.people for e in kb.events.values()), p))
    tags = dump_dom(tmp_path, page, f"#topic={topic}&person={person}")
    assert visible_events(tags) == [e.id for e in events_in_order(kb, lambda e: topic in e.topics and person in e.people)]
    # words match without accents, in any order: the first event's Vietnamese title, folded
    from sinorus.matching.text import fold

    e = next(e for e in events_in_order(kb) if e.title_vi)
    words = fold(e.title_vi).split()[:3]
    tags = dump_dom(tmp_path, page, "#q=" + "%20".join(reversed(words)))
    assert e.id in visible_events(tags) and len(visible_events(tags)) < len(kb.events)


def test_browser_shows_a_hostile_title_as_text(cli, hostile_data, tmp_path):
    path, victim = hostile_data
    page = tmp_path / "hostile.html"
    cli("--data", path, "export", "-o", page)
    proc = run_chromium(tmp_path / "profile", "--dump-dom", page.resolve().as_uri())
    dom = proc.stdout.decode("utf-8", "replace")
    if "<html" not in dom:
        pytest.skip("Chromium produced no DOM")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    tags = parse(dom)
    assert body(tags).get("data-ready") == "1"
    assert [t for t, _ in tags.tags].count("script") == 2 and [t for t, _ in tags.tags].count("img") == 0


def test_browser_screenshot(cli, kb, tmp_path):
    page = tmp_path / "page.html"
    shot = tmp_path / "page.png"
    cli("export", "-o", page)
    run_chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,2000", page.resolve().as_uri())
    if not shot.exists():
        pytest.skip("Chromium wrote no screenshot")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 2000)
    assert len(data) > 50_000, "a blank page compresses to almost nothing"

"""Every output format escapes every field (issue 12, section 4), and what the loader refuses for it.

Data sets are the bundled knowledge base with hostile values written into it, so every
record stays realistic and only the field under attack changes. Each test names the bad input
it tries; the README's Reliability table lists them.
"""

from __future__ import annotations

import copy
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import ROOT
from sinorus.kb.model import CITATION_SCHEMA, MULTI_LINE, ROLE_SCHEMA, SCHEMA, SECTIONS, SINGLE_LINE, to_dict
from test_export import parse, run_chromium

IMG = "<img src=x onerror=alert(1)>"
TEXT_KINDS = ("str", "strs", "date", "value") + tuple(k for spec in SCHEMA.values() for k, _ in spec.values() if k.startswith("enum:"))


@pytest.fixture(scope="module")
def sections(kb) -> dict[str, list[dict]]:
    """The bundled knowledge base as plain data, to be copied and damaged by each test."""
    return {name: [to_dict(r, drop_empty=True) for r in kb.section(name).values()] for name in SECTIONS}


def write(tmp_path: Path, data: dict[str, list[dict]], name: str = "kb.yaml") -> Path:
    from sinorus.kb.yamlwrite import dump_sections

    path = tmp_path / name
    path.write_text(dump_sections(data), encoding="utf-8")
    return path


def one_error_line(r) -> str:
    assert r.code == 1 and r.stdout == "", (r.code, r.stdout[:200], r.stderr)
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    return r.stderr


def rename(data: dict[str, list[dict]], section: str, old: str, new: str) -> None:
    """Give a person or topic a new id, and follow every reference to it."""
    for rec in data[section]:
        if rec["id"] == old:
            rec["id"] = new
    ref_lists = {"people": [("events", "people")], "topics": [("events", "topics"), ("quotes", "topics"), ("facts", "topics")]}[section]
    for sec, key in ref_lists:
        for rec in data[sec]:
            if key in rec:
                rec[key] = [new if x == old else x for x in rec[key]]
    if section == "people":
        for q in data["quotes"]:
            if q["speaker"] == old:
                q["speaker"] = new


# --- one-line fields: the loader refuses tabs and line breaks in them -----------------------------


def text_fields() -> list[tuple[str, str | None, str]]:
    """(section, nested list or None, field) for every text field of the schema."""
    out = [(s, None, f) for s, spec in SCHEMA.items() for f, (kind, _) in spec.items() if kind in TEXT_KINDS]
    out += [("people", "roles", f) for f in ROLE_SCHEMA] + [("events", "sources", f) for f in CITATION_SCHEMA]
    return out


def test_every_text_field_is_either_one_line_or_prose():
    names = {f for _, _, f in text_fields()}
    assert names == SINGLE_LINE | MULTI_LINE, "classify new fields in sinorus/model.py"
    assert not SINGLE_LINE & MULTI_LINE


def _first_with(data, section, nested, field):
    """The first record (or nested role/citation) of the bundled data that has this field."""
    for rec in data[section]:
        items = rec.get(nested, []) if nested else [rec]
        for item in items:
            if field in item:
                return rec, item
    return None, None


ONE_LINE_CASES = [(s, n, f) for s, n, f in text_fields() if f in SINGLE_LINE]


@pytest.mark.parametrize("section,nested,field", ONE_LINE_CASES, ids=[f"{s}.{n + '.' if n else ''}{f}" for s, n, f in ONE_LINE_CASES])
def test_a_line_break_in_a_one_line_field_is_refused(cli, sections, tmp_path, section, nested, field):
    """`file: "a\\n\\n<img ...>"` became a raw HTML block in Markdown; every one-line field is held to it."""
    data = copy.deepcopy(sections)
    rec, item = _first_with(data, section, nested, field)
    if rec is None:  # an optional field no record uses yet: borrow a valid value from another section
        donor = next(r[field] for recs in data.values() for r in recs if field in r)
        rec = item = data[section][0]
        item[field] = copy.deepcopy(donor)
    value = item[field]
    if isinstance(value, list):
        value[0] = f"{value[0]}\n\n{IMG}"
        label = f"{field}[0]"
    else:
        item[field] = f"{value}\n\n{IMG}"
        label = field
    if nested:
        label = f"{nested}[{rec[nested].index(item)}].{label}"
    path = write(tmp_path, data)
    err = one_error_line(cli("--data", path, "timeline"))
    assert f": {label}: contains a line break (U+000A); this field must be one line" in err, err


@pytest.mark.parametrize("brk,what", [("\t", "a tab (U+0009)"), ("\u2028", "a line break (U+2028)"), ("\u2029", "a line break (U+2029)")])
def test_tabs_and_unicode_line_separators_count_too(cli, sections, tmp_path, brk, what):
    data = copy.deepcopy(sections)
    data["people"][0]["name"] += brk + "forged\tfield"
    err = one_error_line(cli("--data", write(tmp_path, data), "people"))
    assert f"{data['people'][0]['id']}: name: contains {what}" in err


def test_prose_fields_may_still_hold_line_breaks(cli, sections, tmp_path):
    """Summaries, notes, quotes, translations and excerpts keep their paragraphs (and still pass check)."""
    data = copy.deepcopy(sections)
    changed = 0
    for recs in data.values():
        for rec in recs:
            for item in [rec, *rec.get("sources", [])]:
                for f in MULTI_LINE & set(item):
                    if isinstance(item[f], str) and " " in item[f]:
                        item[f] = item[f].replace(" ", "\n", 1)
                        changed += 1
    assert changed > len(data["events"])
    r = cli("--data", write(tmp_path, data), "check")
    assert r.code == 0, r.stderr


# --- Markdown ------------------------------------------------------------------------------------

PAYLOAD = (f"{IMG} <b>bold</b> [click](javascript:alert(1)) ![i](https://evil.example/i.png) `tick` "
           "https://evil.example/x HTTP://EVIL.EXAMPLE/y www.evil.example <https://evil.example/z> "
           "&lt;img src=x&gt; &amp; *em* _u_ ~~s~~ | a | b | $x$ <!-- c --> \\")


def hostile_markdown_data(sections) -> tuple[dict, set[str]]:
    """Every text a Markdown export prints, replaced by PAYLOAD; returns the data and the URLs
    that may be links (the sources' own http(s) URLs)."""
    data = copy.deepcopy(sections)
    for e in data["events"]:
        for f in ("title", "title_vi", "summary", "place", "note"):
            e[f] = f"{f} {PAYLOAD}"
        for c in e["sources"]:
            if c.get("excerpt"):
                c["excerpt"] = f"excerpt {PAYLOAD}"
    for group, fields in (("people", ("name",)), ("topics", ("label",)), ("quotes", ("text", "translation")),
                          ("sources", ("title", "publisher", "author"))):
        for rec in data[group]:
            for f in fields:
                rec[f] = f"{f} {PAYLOAD}"
    srcs = data["sources"]
    srcs[0]["file"] = "seeds/a`b``c <img src=x onerror=alert(1)>[x](y) &amp;.txt"
    srcs[1]["file"] = "`edge`"
    srcs[2]["url"] = "javascript:alert(1)"
    srcs[3]["url"] = "https://example.org/a_b*c*[d](e)"
    links = {s["url"] for s in srcs if re.fullmatch(r"https?://[^\s<>`\\]+", s.get("url") or "")}
    return data, links


def rendered_markdowns(md: str) -> list[tuple[str, str]]:
    """The Markdown as HTML by CommonMark (markdown-it) and, when installed, by GitHub's cmark-gfm."""
    from markdown_it import MarkdownIt

    out = [("commonmark", MarkdownIt("commonmark").enable("table").enable("strikethrough").render(md))]
    try:
        import cmarkgfm
        from cmarkgfm.cmark import Options
    except ImportError:
        return out
    # UNSAFE: show raw HTML as cmark-gfm would pass it through, so that none may be found
    out.append(("gfm", cmarkgfm.github_flavored_markdown_to_html(md, options=Options.CMARK_OPT_UNSAFE)))
    return out


ALLOWED_TAGS = {"h1", "h2", "h3", "p", "em", "strong", "ul", "li", "blockquote", "code", "a"}


def test_markdown_turns_no_data_into_html_or_links(cli, sections, tmp_path):
    data, links = hostile_markdown_data(sections)
    md = cli("--data", write(tmp_path, data), "export", "-f", "md").stdout
    assert md.startswith("# ")
    for engine, page in rendered_markdowns(md):
        tags = parse(page)
        assert {t for t, _ in tags.tags} <= ALLOWED_TAGS, (engine, {t for t, _ in tags.tags} - ALLOWED_TAGS)
        hrefs = {unquote(a["href"]) for t, a in tags.tags if t == "a"}
        # GFM links a bare e-mail address to itself (mailto:); there is none here, so no link at all
        assert hrefs <= links, (engine, hrefs - links)
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        for piece in (IMG, "[click](javascript:alert(1))", "https://evil.example/x", "www.evil.example", "&lt;img src=x&gt;", "`tick`", "~~s~~", "$x$"):
            assert piece in text, (engine, piece)
        code = [t for t in re.findall(r"<code>(.*?)</code>", page, flags=re.S)]
        assert html.unescape(code[0]) == data["sources"][0]["file"] or data["sources"][0]["file"] in map(html.unescape, code)


@pytest.mark.parametrize("file", ["a\n\n<img src=x onerror=alert(1)>", "a`b", "``", "`x", "x`", " lead", "a\r\nb"])
def test_markdown_code_span_holds_any_text(file):
    """Defence in depth behind the loader: a file name reaching the renderer cannot end its code span."""
    from markdown_it import MarkdownIt

    from sinorus.output.exporters.markdown import md_code

    page = MarkdownIt("commonmark").render("Article file: " + md_code(file) + ".")
    assert page.count("<code>") == 1 and "<img" not in page and page.count("<p>") == 1
    shown = html.unescape(re.search(r"<code>(.*)</code>", page, flags=re.S).group(1))
    assert shown == " ".join(file.split())


# --- TimelineJS -------------------------------------------------------------------------------


@pytest.mark.parametrize("label", [IMG, "&lt;img src=x onerror=alert(1)&gt;", "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
                                   "Trade & energy <\"quoted\"> it's", "&#60;script&#62;alert(1)&#60;/script&#62;"])
def test_timelinejs_group_label_is_inert_in_both_viewers(cli, sections, tmp_path, label):
    """TimelineJS 2 sets the group as HTML; TimelineJS3 decodes entities first, then sets it as HTML."""
    data = copy.deepcopy(sections)
    used = next(e["topics"][0] for e in data["events"] if e.get("topics"))
    next(t for t in data["topics"] if t["id"] == used)["label"] = label
    doc = cli("--data", write(tmp_path, data), "export", "-f", "timelinejs").json()
    groups = {s["group"] for s in doc["events"] if "group" in s}
    first_topic = {e["id"]: e["topics"][0] for e in data["events"] if e.get("topics")}
    hostile = [s["group"] for s in doc["events"] if first_topic.get(s["unique_id"]) == used]
    assert hostile, groups
    for group in groups:
        assert not set(group) & set("<>&\"'"), group
        for viewer, as_html in (("TimelineJS 2", group), ("TimelineJS3", html.unescape(group))):
            assert parse(as_html).tags == [], (viewer, as_html)
            assert html.unescape(as_html) == as_html, (viewer, "an entity survives", as_html)
    # the label still reads as itself: only the five HTML characters have look-alikes
    shown = hostile[0]
    assert len(shown) == len(label) and all(a == b for a, b in zip(shown, label) if a not in "‹›＆”’")


# --- stats: plain output cannot be forged -----------------------------------------------------------


def test_stats_plain_lines_cannot_be_forged_by_a_name():
    """The loader refuses a tab or newline in a name; the renderer collapses them anyway, as every plain output."""
    from sinorus.output.render import Output, show_stats

    stats = {
        "counts": {"events": 2},
        "events_per_year": [{"year": 2022, "events": 2}],
        "people": [{"id": "p", "name": "Ann\nforged  █ 99\tx", "events": 2}],
        "topics": [{"id": "t", "label": "Topic\n\nTopics with the most events (top 9)", "events": 1}],
    }
    buf = io.StringIO()
    show_stats(stats, Output(format="plain", stream=buf))
    lines = buf.getvalue().splitlines()
    assert lines[0] == "Records: 2 events"
    assert [l for l in lines if "forged" in l] == [l for l in lines if l.startswith("Ann forged")], lines
    assert sum(l.startswith("Topics with the most events") for l in lines) == 1, lines
    assert "\t" not in buf.getvalue()
    bars = [l for l in lines if re.search(r"[█▉▊▋▌▍▎▏]+ \d+$", l)]
    assert len(bars) == 3, lines  # one per year, person and topic: nothing forged


def test_stats_from_data_with_a_newline_in_a_name(cli, sections, tmp_path):
    data = copy.deepcopy(sections)
    data["people"][0]["name"] = "Forged\n1999  ████ 99"
    err = one_error_line(cli("--data", write(tmp_path, data), "stats"))
    assert "name: contains a line break (U+000A)" in err


# --- the HTML page: ids are keys, not properties ----------------------------------------------------

# Ids are unique across sections: topics and people get different members of Object.prototype.
PROTO_TOPICS = ["constructor", "toString", "hasOwnProperty", "valueOf"]
PROTO_PEOPLE = ["isPrototypeOf", "propertyIsEnumerable", "toLocaleString"]


@pytest.fixture
def proto_page(cli, sections, tmp_path) -> tuple[Path, dict]:
    """An HTML export whose busiest topics and people are named like Object.prototype's members."""
    data = copy.deepcopy(sections)
    count = lambda key, i: sum(i in e.get(key, []) for e in data["events"])  # noqa: E731
    topics = sorted((t["id"] for t in data["topics"] if count("topics", t["id"])), key=lambda i: -count("topics", i))
    people = sorted((p["id"] for p in data["people"] if count("people", p["id"])), key=lambda i: -count("people", i))
    for old, new in zip(topics, PROTO_TOPICS):
        rename(data, "topics", old, new)
    for old, new in zip(people, PROTO_PEOPLE):
        rename(data, "people", old, new)
    path = write(tmp_path, data)
    page = tmp_path / "page.html"
    r = cli("--data", path, "export", "-o", page)
    assert r.code == 0, r.stderr
    return page, data


def test_page_data_and_script_treat_ids_as_keys(proto_page):
    page, data = proto_page
    doc = page.read_text(encoding="utf-8")
    tags = parse(doc)
    embedded = json.loads(next(text for attrs, text in tags.scripts if attrs.get("id") == "sinorus-data"))
    assert set(PROTO_TOPICS) <= set(embedded["topics"]) and set(PROTO_PEOPLE) <= set(embedded["people"])
    script = next(text for attrs, text in tags.scripts if not attrs)
    assert "new Map" in script
    assert not re.search(r"=\s*\{\s*\}", script), "no id-keyed table may be a plain object"


def test_browser_lists_prototype_named_ids_as_ordinary_options(proto_page, tmp_path):
    page, data = proto_page
    proc = run_chromium(tmp_path / "profile", "--no-first-run", "--disable-background-networking", "--dump-dom", page.resolve().as_uri())
    dom = proc.stdout.decode("utf-8", "replace")
    if "<html" not in dom:
        pytest.skip(f"Chromium produced no DOM (exit {proc.returncode})")
    assert 'data-ready="1"' in dom, "the script ran to the end"
    assert "native code" not in dom
    options = dict(re.findall(r'<option value="([^"]+)">([^<]*)</option>', dom))
    for section, key, field in (("topics", "topics", "label"), ("people", "people", "name")):
        for rec in data[section]:
            n = sum(rec["id"] in e.get(key, []) for e in data["events"])
            if n:
                assert options.get(rec["id"]) == html.escape(f"{rec[field]} ({n})", quote=False), (rec["id"], options.get(rec["id"]))
    # and filtering by one of them shows exactly its events
    target = PROTO_TOPICS[0]
    proc = run_chromium(tmp_path / "profile", "--no-first-run", "--disable-background-networking", "--dump-dom", page.resolve().as_uri() + f"#topic={target}")
    shown = re.findall(r'<li class="event[^"]*" id="ev-[^"]+" data-event="([^"]+)"(?! hidden)>', proc.stdout.decode("utf-8", "replace"))
    assert sorted(shown) == sorted(e["id"] for e in data["events"] if target in e.get("topics", []))


# --- blank: text that shows nothing is empty ----------------------------------------------------------

INVISIBLE = {
    "zero width space": "\u200b", "Hangul filler": "\u3164", "Hangul choseong filler": "\u115f\u1160",
    "halfwidth Hangul filler": "\uffa0", "Braille blank": "\u2800\u2800", "soft hyphen": "\u00ad",
    "lone combining mark": "\u0301", "tag characters": "\U000e0001\U000e0041\U000e007f", "unassigned tag U+E0000": "\U000e0000",
    "BOM": "\ufeff", "word joiner": "\u2060", "variation selectors": "\ufe0f\U000e0100", "no-break and ideographic spaces": "\u00a0\u3000",
    "mixed": " \u200b\u200c\u200d\u2061\u180e\u034f ",
}


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_invisible_titles_labels_and_names_are_empty(cli, sections, tmp_path, name):
    value = INVISIBLE[name]
    for section, field in (("events", "title"), ("topics", "label"), ("people", "name")):
        data = copy.deepcopy(sections)
        data[section][0][field] = value
        err = one_error_line(cli("--data", write(tmp_path, data, f"{section}.yaml"), "timeline"))
        assert f"{data[section][0]['id']}: {field}: is empty" in err, err
        visible = [f"U+{ord(c):04X}" for c in value if not c.isspace()]
        assert all(code in err for code in visible), err


def test_is_blank_follows_unicode_categories():
    """Every format character, space and lone mark is invisible; letters, digits, symbols and marks on a base are not."""
    from sinorus.matching.text import is_blank

    invisible = visible = 0
    for cp in range(0x110000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Zs", "Mn", "Me"):
            assert is_blank(ch), f"U+{cp:04X}"
            invisible += 1
        elif cat[0] in "LNPS" and cp not in (0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800):
            assert not is_blank(ch), f"U+{cp:04X}"
            assert not is_blank("\u200b" + ch + "\u0301"), f"U+{cp:04X} with invisible neighbours"
            visible += 1
    assert invisible > 2000 and visible > 100_000
    assert is_blank("") and is_blank(" \t\n")


# --- shell completion: data words never run ----------------------------------------------------------

PAYLOADS = {
    "command substitution": "$(touch${IFS}MARKER)",
    "backticks": "`touch${IFS}MARKER`",
    "quote and semicolon": "x';touch${IFS}MARKER;'",
    "glob": "*",
    "tilde and history": "~!!",
}


@pytest.fixture
def bash_completion(tmp_path, sections):
    """A data set whose first person has every payload as an alias, a sinorus on PATH, and bash's script."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    marker = tmp_path / "marker"
    data = copy.deepcopy(sections)
    person = data["people"][0]
    person["aliases"] = [p.replace("MARKER", str(marker)) for p in PAYLOADS.values()]
    path = write(tmp_path, data)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "sinorus"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sinorus "$@"\n')
    exe.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT),
           "SINORUS_DATA": str(path), "SINORUS_NO_CACHE": "1"}
    script = subprocess.run([str(exe)], env={**env, "_SINORUS_COMPLETE": "source_bash"}, capture_output=True, text=True, timeout=60).stdout
    assert "complete " in script, script
    return bash, env, script, marker, person


def complete_in_bash(bash, env, script, cwd, words: list[str]) -> list[str]:
    """Run bash's completion function as bash would on TAB, then run every reply as the line it makes."""
    program = "\n".join([
        script,
        'COMP_WORDS=("$@")',
        f"COMP_CWORD={len(words) - 1}",
        "_sinorus_completion sinorus",
        'for reply in "${COMPREPLY[@]}"; do',
        '  printf "%s\\0" "$reply"',
        '  eval "printf \'%s\\n\' $reply" >/dev/null 2>&1',  # the command line the user would run
        "done",
    ])
    proc = subprocess.run([bash, "--norc", "--noprofile", "-c", program, "bash", *words], env=env, cwd=cwd, capture_output=True, timeout=60)
    return [r for r in proc.stdout.decode("utf-8", "replace").split("\0") if r]


@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_bash_completion_of_a_crafted_alias_runs_nothing(bash_completion, tmp_path, payload):
    bash, env, script, marker, person = bash_completion
    alias = next(a for a in person["aliases"] if a.startswith(PAYLOADS[payload][:2]))
    work = tmp_path / "cwd"
    work.mkdir(exist_ok=True)
    (work / "some-file").write_text("")
    replies = complete_in_bash(bash, env, script, work, ["sinorus", "who", alias[:2]])
    assert not marker.exists(), "completing a name ran a command"
    assert replies, "the alias is still offered"
    # each reply, evaluated by bash as part of a command line, is the alias itself
    out = subprocess.run([bash, "--norc", "-c", 'for r in "$@"; do eval "printf \'%s\\n\' $r"; done', "_", *replies],
                         cwd=work, capture_output=True, text=True, env=env, timeout=30)
    assert alias in out.stdout.splitlines(), (replies, out.stdout)
    assert not marker.exists()


def test_completion_words_per_shell():
    """What each shell's script receives: quoted for bash; dropped where the shell cannot carry it."""
    from sinorus.matching.text import completion_word

    assert completion_word("Шойгу", "bash") == "Шойгу" and completion_word("sergei-shoigu", "bash") == "sergei-shoigu"
    assert completion_word("$(x)", "bash") == "\\$\\(x\\)"
    assert completion_word("a b", "bash") == "a\\ b"
    for shell in ("bash", "zsh", "fish", "powershell"):
        assert completion_word("two\nlines", shell) is None and completion_word("tab\there", shell) is None
        assert completion_word("esc\x1b[31m", shell) is None
    assert completion_word("a\\b", "zsh") is None and completion_word("$(x)", "zsh") == "$(x)"  # typer escapes $ for zsh
    assert completion_word("$(x)", "powershell") is None and completion_word("Xơ-gây", "powershell") == "Xơ-gây"


def test_completion_never_offers_a_name_with_a_line_break(sub, sections, tmp_path):
    data = copy.deepcopy(sections)
    data["people"][0]["aliases"] = ["Zzfirst\nZzsecond"]
    env = {"SINORUS_DATA": str(write(tmp_path, data)), "_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": "sinorus who Zz", "COMP_CWORD": "2"}
    r = sub(env=env)
    assert "Zzsecond" not in r.stdout and "Zzfirst" not in r.stdout

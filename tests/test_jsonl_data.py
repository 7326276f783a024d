"""JSON Lines data files: the same records as YAML, the same answers, the same validation.

The JSONL inputs are derived from the bundled YAML (through the YAML reader, or through
`sinorus export -f jsonl`), never written by hand, so the class of data is the real one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sinorus.kb.model import SECTIONS, SINGULAR
from sinorus.kb.yamlread import Plain, YList, YMap, parse_text

from conftest import ROOT, invoke
from test_bad_data import CHECK, RULES

DATA = ROOT / "data"
QUERIES = [
    ("timeline", "--json"),
    ("timeline", "--from", "2022-02", "--json"),
    ("who", "Shoigu", "--json"),
    ("search", "no limits", "--json"),
    ("quote", "--topic", "SCO", "--json"),
    ("stats", "--json"),
    ("timeline", "--format", "plain"),
    ("people", "--json"),
    ("facts", "--json"),
]

def plain(value):
    """A parsed YAML value as JSON data: what a converter of the YAML would write."""
    if isinstance(value, YMap):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, YList):
        return [plain(v) for v in value]
    if isinstance(value, Plain):
        return value.value
    return value

def yaml_records(path: Path):
    """(section, record dict) of one YAML data file, in file order."""
    root = parse_text(path.read_text(encoding="utf-8"), str(path))
    for section in SECTIONS:
        for record in root.get(section) or ():
            yield section, plain(record)

def jsonl(records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)

def one_file(sources: list[Path], out: Path) -> Path:
    """Every record of the YAML files as one JSONL file, each with its 'type'."""
    out.write_text(jsonl({"type": SINGULAR[s], **r} for p in sources for s, r in yaml_records(p)), encoding="utf-8")
    return out

def per_section(sources: list[Path], out: Path, named: str = "{}.jsonl") -> Path:
    """One file per section named after it (people.jsonl, or quotes-001.jsonl ...), records without 'type'."""
    out.mkdir(parents=True, exist_ok=True)
    by: dict[str, list] = {}
    for p in sources:
        for s, r in yaml_records(p):
            by.setdefault(s, []).append(r)
    for s, records in by.items():
        (out / named.format(s)).write_text(jsonl(records), encoding="utf-8")
    return out

def bundled_yaml() -> list[Path]:
    return sorted(DATA.glob("*.yaml"))

@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """The bundled data as JSONL three ways, plus a directory mixing YAML with an export's JSONL."""
    base = tmp_path_factory.mktemp("jsonl")
    mixed = base / "mixed"
    mixed.mkdir()
    for p in bundled_yaml():
        if p.name != "events.yaml":
            shutil.copy(p, mixed / p.name)

    exported = invoke("export", "-f", "jsonl", "-o", str(mixed / "sinorus-export.jsonl"))
    assert exported.code == 0, exported.stderr
    crlf = base / "crlf-bom.jsonl"
    text = one_file(bundled_yaml(), base / "tmp.jsonl").read_text(encoding="utf-8")
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n\r\n").encode("utf-8"))  # blank lines between records
    return {
        "one file with type": one_file(bundled_yaml(), base / "all.jsonl"),
        "file per section": per_section(bundled_yaml(), base / "sections"),
        "numbered file per section": per_section(bundled_yaml(), base / "numbered", "{}-001.jsonl"),
        "yaml + exported jsonl": mixed,
        "BOM, CRLF, blank lines": crlf,
    }

LAYOUTS = ["one file with type", "file per section", "numbered file per section", "yaml + exported jsonl", "BOM, CRLF, blank lines"]

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: " ".join(q))
def test_jsonl_answers_as_yaml_does(cli, layouts, layout, query):
    yaml_answer = cli(*query)
    answer = cli("--data", str(layouts[layout]), *query)
    assert yaml_answer.code == 0 and yaml_answer.stdout.strip()
    assert (answer.code, answer.stderr) == (0, "")
    assert answer.stdout == yaml_answer.stdout

@pytest.mark.parametrize("layout", LAYOUTS)
def test_check_passes_on_jsonl(cli, layouts, layout):
    ok = cli("check", "--json").json()
    r = cli("--data", str(layouts[layout]), "check", "--json")
    assert r.code == 0, r.stdout + r.stderr
    body = r.json()
    assert body["ok"] is True and body["problems"] == []
    assert body["coverage"] == ok["coverage"] and body.get("counts", ok.get("counts")) == ok.get("counts")

def test_export_jsonl_round_trips_the_whole_knowledge_base(cli, tmp_path):
    """export -f jsonl writes the events; beside the other sections it is the same knowledge base."""
    for p in bundled_yaml():
        if p.name != "events.yaml":
            shutil.copy(p, tmp_path / p.name)
    assert cli("export", "-f", "jsonl", "-o", str(tmp_path / "events.jsonl")).code == 0
    again = tmp_path / "again.jsonl"
    assert cli("--data", str(tmp_path), "export", "-f", "jsonl", "-o", str(again)).code == 0
    assert again.read_bytes() == (tmp_path / "events.jsonl").read_bytes()
    assert cli("--data", str(tmp_path), "export", "-f", "kbyaml").stdout == cli("export", "-f", "kbyaml").stdout

# --- validation: the same rules, the same messages --------------------------------------

def _message(problem: str, record: str) -> str:
    """A check problem without its place (file:line:column, also inside 'already used ... at ...')."""
    return re.sub(r"\S+:\d+:\d+|\(/\S+/seeds/", "PLACE", problem.split(f": {record}: ", 1)[1])

@pytest.mark.parametrize("name,where,record,what", RULES, ids=[r[0] for r in RULES])
def test_check_rules_fire_on_jsonl_at_the_records_line(cli, tmp_path, name, where, record, what):
    """Each YAML check fixture, as JSONL: the same one problem, placed at the line of its record."""
    path = one_file([CHECK / name], tmp_path / (Path(name).stem + ".jsonl"))
    shutil.copytree(CHECK / "seeds", tmp_path / "seeds")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    line = 1 + max(i for i, rec in enumerate(records) if rec.get("id") == record)  # a duplicate: the second
    r = cli("--data", str(path), "check")
    assert r.code == 1 and r.stdout == "" and "Traceback" not in r.stderr
    problem, summary = r.stderr.splitlines()
    assert problem.startswith(f"{path}:{line}:1: {record}: ") and what in problem, problem
    assert summary.startswith("Error: 1 problem found")
    yaml_problem = cli("--data", str(CHECK / name), "check").stderr.splitlines()[0]
    assert _message(problem, record) == _message(yaml_problem, record)


# --- hostile lines: one line of error, naming file:line, exit 1 ---------------------------


def _event(kb_events_line: str, **change) -> str:
    record = json.loads(kb_events_line)
    record.update(change)
    return json.dumps(record, ensure_ascii=False)


def _fact(facts_line: str, value_text: str) -> str:
    """A real fact, renamed, its value written as the given JSON number text."""
    record = {"type": "fact", **json.loads(facts_line), "id": "hostile-fact", "value": 0}
    return json.dumps(record, ensure_ascii=False).replace('"value": 0', f'"value": {value_text}')


HOSTILE = [
    # (name, line maker (first event line, first fact line) -> str, what the error says, column or None)
    ("invalid JSON", lambda e, f: e[:-1], "invalid JSON: Expecting ',' delimiter", None),
    ("duplicate key", lambda e, f: '{"title": "x", ' + e[1:], "duplicate key 'title'", 2),
    ("ESC escaped in a title", lambda e, f: _event(e, title="\x1b[2J" + json.loads(e)["title"]), "title: contains control character U+001B", 1),
    ("raw C1 CSI in a title", lambda e, f: _event(e, title="\x9b2J" + json.loads(e)["title"]), "character U+009B is not allowed in a data file", None),
    ("bidi override in a title", lambda e, f: _event(e, title="\u202e" + json.loads(e)["title"]), "title: contains control character U+202E", 1),
    ("ESC in a key", lambda e, f: '{"\\u001b[2J": 1, ' + e[1:], "a key holds character U+001B", 2),
    ("lone surrogate escape", lambda e, f: e.replace('"title": "', '"title": "\\ud800', 1), "lone surrogate U+D800", None),
    ("lone low surrogate after a pair", lambda e, f: e.replace('"title": "', '"title": "\\ud83d\\ude00\\udc00', 1), "lone surrogate U+DC00", None),
    ("nesting 100k deep", lambda e, f: "[" * 100_000, "nesting deeper than 32 levels", None),
    ("objects nested in a record", lambda e, f: _event(e, note=json.loads('{"a":' * 40 + "1" + "}" * 40)), "nesting deeper than 32 levels", None),
    ("1e400", lambda e, f: _fact(f, "1e400"), "value: the unquoted number '1e400' would read as inf", 1),
    ("a 5000-digit integer", lambda e, f: _fact(f, "9" * 5000), "hostile-fact: value: the unquoted number '999", 1),
    ("NaN", lambda e, f: _fact(f, "NaN"), "NaN is not a JSON number", None),
    ("-Infinity", lambda e, f: _fact(f, "-Infinity"), "-Infinity is not a JSON number", None),
    ("a list", lambda e, f: "[1, 2]", "expected a JSON object (one record per line), got a list", 1),
    ("text", lambda e, f: '"just text"', "expected a JSON object (one record per line), got text", 1),
    ("null", lambda e, f: "null", "expected a JSON object (one record per line), got null", 1),
    ("BOM inside the file", lambda e, f: "\ufeff" + e, "a byte-order mark (U+FEFF) inside the file", 1),
    ("unknown type", lambda e, f: _event(e, type="evnt", id="x"), "type: 'evnt' is not one of source, person, topic, event, quote, fact", 1),
    ("date as a number", lambda e, f: _event(e, date=2022), "date: expected text, got an unquoted number '2022'", 1),
    ("title as a boolean", lambda e, f: _event(e, title=True), "title: expected text, got an unquoted boolean 'true'", 1),
    ("misspelt field", lambda e, f: _event(e, titel=json.loads(e)["title"]), "unknown field 'titel' (did you mean 'title'?)", 1),
]


@pytest.fixture(scope="module")
def sections(tmp_path_factory):
    return per_section(bundled_yaml(), tmp_path_factory.mktemp("sections") / "data")


@pytest.mark.parametrize("name,make,what,column", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_line_is_one_error_naming_file_and_line(cli, tmp_path, sections, name, make, what, column):
    data = tmp_path / "data"
    shutil.copytree(sections, data)
    events = data / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines()
    first_fact = (data / "facts.jsonl").read_text(encoding="utf-8").splitlines()[0]
    events.write_text("\n".join(lines[:2] + [make(lines[0], first_fact)] + lines[2:]) + "\n", encoding="utf-8")
    for args in (("timeline", "--json"), ("check",)):
        r = cli("--data", str(data), *args)
        assert r.code == 1 and r.stdout == "" and "Traceback" not in r.stderr, (args, r.stderr)
        first = r.stderr.splitlines()[0]
        assert first.removeprefix("Error: ").startswith(f"{events}:3:"), first
        assert what in first, first
        if column is not None:
            assert first.removeprefix("Error: ").startswith(f"{events}:3:{column}:"), first
        assert len(r.stderr.splitlines()) == (1 if args[0] == "timeline" or first.startswith("Error: ") else 2), r.stderr


def test_invalid_utf8_names_line_and_column(cli, tmp_path, sections):
    data = tmp_path / "data"
    shutil.copytree(sections, data)
    events = data / "events.jsonl"
    raw = events.read_bytes().split(b"\n")
    raw[1] = raw[1].replace(b'"title": "', b'"title": "\xff', 1)
    events.write_bytes(b"\n".join(raw))
    r = cli("--data", str(data), "timeline", "--json")
    column = raw[1].index(b"\xff") + 1
    assert (r.code, r.stdout) == (1, "")
    assert r.stderr.startswith(f"Error: {events}:2:{column}: invalid UTF-8 (byte 0xff)") and len(r.stderr.splitlines()) == 1


def test_an_empty_jsonl_file_is_no_records(cli, tmp_path):
    """An export of nothing writes an empty file: it adds no records, as an empty listing would."""
    data = per_section(bundled_yaml(), tmp_path / "data")
    (data / "more.jsonl").write_text("\n\n", encoding="utf-8")
    assert cli("--data", str(data), "timeline", "--json").stdout == cli("timeline", "--json").stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("where", ["in the data directory", "as --data"])
def test_a_fifo_named_jsonl_is_refused_without_hanging(tmp_path, where):
    data = per_section(bundled_yaml(), tmp_path / "data")
    fifo = data / "x.jsonl" if where == "in the data directory" else tmp_path / "x.jsonl"
    os.mkfifo(fifo)
    target = data if where == "in the data directory" else fifo
    p = subprocess.run([sys.executable, "-m", "sinorus", "--data", str(target), "timeline", "--json"],
                       capture_output=True, text=True, timeout=30, env={**os.environ, "SINORUS_LANG": "en"})
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.startswith(f"Error: {fifo}: ") and "not a regular file" in p.stderr and len(p.stderr.splitlines()) == 1


def test_readme_jsonl_examples_are_current(cli, tmp_path):
    """The README's JSON Lines line is a bundled record as a converter writes it; its export line is today's."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### JSON Lines data files", 1)[1].split("\n### ", 1)[0]
    shown = json.loads(re.search(r"```json\n(.*?)\n```", section, re.S).group(1))
    records = {r["id"]: {"type": SINGULAR[s], **r} for p in bundled_yaml() for s, r in yaml_records(p)}
    assert shown == {k: v for k, v in records[shown["id"]].items() if v is not None}
    r = cli("export", "-f", "jsonl", "-o", str(tmp_path / "events.jsonl"))
    assert r.stderr.startswith("exported ") and r.stderr.strip().replace(str(tmp_path), "kb") in section
    assert cli("check").stdout.splitlines()[0] in section


def test_type_wins_over_the_files_name(cli, tmp_path):
    """Topics written into people.jsonl with their 'type' are topics: the same answers as the YAML."""
    data = per_section(bundled_yaml(), tmp_path / "data")
    topics = data / "topics.jsonl"
    typed = "".join(json.dumps({"type": "topic", **json.loads(line)}, ensure_ascii=False) + "\n" for line in topics.read_text(encoding="utf-8").splitlines())
    with (data / "people.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(typed)
    topics.unlink()
    for query in (("quote", "--topic", "SCO", "--json"), ("topics", "--json"), ("people", "--json")):
        assert cli("--data", str(data), *query).stdout == cli(*query).stdout

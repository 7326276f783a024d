"""Pipe-friendly output: JSON shapes, JSONL, CSV, --fields, no escapes, real processes."""

import csv
import io
import json
import subprocess
import sys

import pytest


def test_json_is_utf8_unescaped(cli):
    r = cli("who", "Vuong Nghi", "--json")
    assert "Vương Nghị" in r.stdout and "\\u" not in r.stdout


def test_jsonl_one_object_per_line(cli):
    lines = cli("timeline", "--jsonl").stdout.splitlines()
    full = cli("timeline", "--json").json()
    assert [json.loads(line) for line in lines] == full


def test_csv_parses_back(cli, kb):
    text = cli("timeline", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(kb.events)
    assert {"id", "date", "title", "people", "sources"} <= set(rows[0])
    first = sorted(kb.events.values(), key=lambda e: e.sort_key)[0]
    assert rows[0]["id"] == first.id and rows[0]["date"] == first.date.text


def test_fields_choose_columns(cli):
    rows = cli("timeline", "--fields", "id,date", "--json").json()
    assert rows and all(list(r) == ["id", "date"] for r in rows)
    plain = cli("timeline", "--fields", "date,id").stdout.splitlines()
    assert plain[0].count("\t") == 1


def test_unknown_field_lists_valid_ones(cli):
    r = cli("timeline", "--fields", "id,colour", "--json")
    assert r.code == 2 and "colour" in r.stderr and "title" in r.stderr


def test_two_formats_is_a_usage_error(cli):
    r = cli("timeline", "--json", "--csv")
    assert r.code == 2


def test_empty_result_is_an_empty_array(cli):
    r = cli("timeline", "--from", "2030", "--json")
    assert r.code == 0 and r.json() == []


def test_no_escape_codes_even_with_table_format_when_piped(cli):
    r = cli("timeline", "--format", "table", env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout


def test_json_round_trip_through_a_real_process(sub):
    r = sub("search", "no limits", "--json")
    assert r.code == 0 and r.stderr == ""
    hits = json.loads(r.stdout)
    assert hits[0]["record"]["date"] == "2022-02-04"


def test_pipe_to_head_exits_quietly(tmp_path):
    cmd = f'"{sys.executable}" -m sinorus timeline | head -n 3'
    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)
    assert len(proc.stdout.splitlines()) == 3
    assert proc.stderr == ""


@pytest.mark.parametrize("env", [{"LC_ALL": "C", "LANG": "C"}, {"PYTHONIOENCODING": "ascii"}])
def test_survives_poor_encodings(sub, env):
    r = sub("who", "Vuong Nghi", env=env)
    assert r.code == 0 and "Traceback" not in r.stderr
    j = sub("who", "Vuong Nghi", "--json", env=env)
    assert json.loads(j.stdout)["name_vi"] == "Vương Nghị"


def test_markup_in_query_is_shown_literally(cli):
    r = cli("who", "[bold]nobody[/bold]")
    assert r.code == 1 and "[bold]nobody[/bold]" in r.stderr


def test_help_has_examples_for_every_command(cli):
    for command in ("timeline", "who", "quote", "search", "show", "people", "topics", "sources", "facts", "check"):
        r = cli(command, "--help")
        assert r.code == 0 and "Examples:" in r.stdout and f"sinorus {command}" in r.stdout


def test_usage_error_exit_code_and_one_line(cli):
    r = cli("timeline", "--limit", "0")
    assert r.code == 2 and len(r.stderr.strip().splitlines()) == 1
    r = cli("nosuchcommand")
    assert r.code == 2 and "Traceback" not in r.stderr


def test_keyboard_interrupt_exits_130(cli, monkeypatch):
    from sinorus.index.engine import Engine

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "events", boom)
    r = cli("timeline")
    assert r.code == 130 and "Traceback" not in r.stderr


def test_unexpected_error_is_one_line_with_hint(cli, monkeypatch):
    from sinorus.index.engine import Engine

    def boom(*a, **k):
        raise ZeroDivisionError("x")

    monkeypatch.setattr(Engine, "events", boom)
    r = cli("timeline")
    assert r.code == 1 and "bug in sinorus" in r.stderr and len(r.stderr.strip().splitlines()) == 1

"""Output that fits the screen, and first contact: the version line, ids in every listing,
tables at 40, 80 and 200 columns, --format honoured or refused, --data anywhere, completion."""

from __future__ import annotations

import datetime

import pytest

from conftest import write_kb


# --- the version line ----------------------------------------------------------------------


def _expected_version(kb, label: str = "data") -> str:
    """The version line built from the knowledge base itself, independently of the CLI's code."""
    from sinorus import __version__

    today = datetime.date.today()
    over = [e for e in kb.events.values() if e.interval.end <= today] or list(kb.events.values())
    newest = max(over, key=lambda e: (e.sort_key, e.id))
    singular = {"events": "event", "quotes": "quote", "people": "person", "topics": "topic", "facts": "fact", "sources": "source"}
    parts = []
    for name in ("events", "quotes", "people", "topics", "facts", "sources"):
        n = len(kb.section(name))
        parts.append(f"{n} {name if n != 1 else singular[name]}")
    return f"sinorus {__version__} ({label}: {', '.join(parts)}; newest event {newest.date.text})\n"


def test_version_names_the_data(cli, kb):
    long, short = cli("--version"), cli("-V")
    assert long.code == short.code == 0
    assert long.stdout == short.stdout == _expected_version(kb)
    assert long.stderr == ""


def test_version_without_a_cache_reads_the_model(cli, kb):
    assert cli("-V", env={"SINORUS_NO_CACHE": "1"}).stdout == _expected_version(kb)


def test_version_of_other_data_wherever_data_stands(cli, tmp_path):
    from sinorus.index import cache

    data = write_kb(tmp_path, [{"id": "a", "date": "2020-05-01"}, {"id": "b", "date": "2021"}, {"id": "future", "date": "2999-01-01"}])
    expected = _expected_version(cache.load(data, use_cache=False), f"data at {data}")
    assert "newest event 2021;" not in expected and "newest event 2021)" in expected  # the 2999 event is not over
    assert cli("--data", data, "-V").stdout == expected
    assert cli("-V", "--data", data).stdout == expected


def test_version_with_unreadable_data_still_answers(cli, tmp_path):
    r = cli("--data", tmp_path / "missing.yaml", "--version")
    assert r.code == 0
    assert r.stdout.startswith("sinorus ") and "(" not in r.stdout
    assert "missing.yaml" in r.stderr and len(r.stderr.splitlines()) == 1


# --- every listing shows each record's id ----------------------------------------------------

LISTINGS = [("timeline",), ("quote",), ("search", "Putin"), ("people",), ("topics",), ("sources",), ("facts",)]


@pytest.mark.parametrize("args", LISTINGS, ids=lambda a: a[0])
def test_plain_listings_start_with_the_id(cli, args):
    """Piped, the first field of every line is the record's id, in the order --json gives."""
    ids = [r["id"] for r in cli(*args, "--json").json()]
    plain = cli(*args).stdout.splitlines()
    assert ids and [line.split("\t")[0] for line in plain] == ids


def test_plain_column_order_is_the_documented_one(cli, kb):
    """The README documents each listing's plain columns; the first line of each matches its JSON record."""
    first = cli("timeline", "--json").json()[0]
    fields = cli("timeline").stdout.splitlines()[0].split("\t")
    people = ", ".join(kb.people[p].name for p in first["people"])
    assert fields == [first["id"], first["date"] if not first["end"] else f"{first['date']} – {first['end']}", first["title"], people, first["place"] or "",
                      ", ".join(dict.fromkeys(c["source"] for c in first["sources"]))]
    hit = cli("search", "no limits", "--json").json()[0]
    fields = cli("search", "no limits").stdout.splitlines()[0].split("\t")
    assert fields[:3] == [hit["id"], hit["type"], f"{hit['score']:.0f}"]


def test_who_plain_lines_give_the_id_after_the_kind(cli):
    data = cli("who", "Lavrov", "--json").json()
    lines = [line.split("\t") for line in cli("who", "Lavrov").stdout.splitlines()]
    assert [f[1] for f in lines if f[0] == "event"] == [e["id"] for e in data["events"]]
    assert [f[1] for f in lines if f[0] == "quote"] == [q["id"] for q in data["quotes"]]


# --- tables at 40, 80 and 200 columns ----------------------------------------------------------

WIDTHS = (40, 80, 200)


def _table(cli, *args, width=80, **env):
    r = cli(*args, "--format", "table", env={"COLUMNS": str(width), **env})
    assert r.code == 0, r.stderr
    return r.stdout


def _cut_inside_a_word(token: str, ids: list[str]) -> bool:
    """A line's word that begins some id without being it must end at a hyphen, and one that ends
    some id must begin after a hyphen: otherwise the id was cut inside a word."""
    token = token.rstrip(",")
    if "-" not in token:  # a plain word of a title ("security") may begin an id too
        return False
    for rid in ids:
        if rid != token and rid.startswith(token) and not token.endswith("-"):
            return True
        if rid != token and rid.endswith(token) and rid[len(rid) - len(token) - 1] != "-":
            return True
    return False


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", LISTINGS, ids=lambda a: a[0])
def test_tables_fit_and_show_every_id_whole_or_broken_after_hyphens(cli, args, width):
    from rich.cells import cell_len

    ids = [r["id"] for r in cli(*args, "--json").json()]
    out = _table(cli, *args, width=width)
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    assert all(line == line.rstrip() for line in lines), "no trailing spaces"
    tokens = {t for line in lines for t in line.split()}
    shown = [rid for rid in ids if rid in tokens]
    assert len(shown) == len(ids) or width < 200, "at 200 columns every id fits on one line"
    cuts = [token for token in tokens if _cut_inside_a_word(token, ids)]
    assert not cuts, f"ids cut inside a word at {width} columns: {cuts}"


@pytest.mark.parametrize("width", (40, 80))
def test_an_id_folded_at_hyphens_joins_back_whole(cli, width):
    """With the title alone, each id is the lines under its title: joined they give the id, and
    every line but the last ends at a hyphen."""
    events = cli("timeline", "--json").json()
    lines = _table(cli, "timeline", "--fields", "title", width=width).splitlines()
    text = "\n".join(lines)
    for e in events:
        pieces = e["id"].split("-")
        first = pieces[0] + "-"
        at = next(i for i, line in enumerate(lines) if line.startswith(first) and e["id"].startswith(line))
        joined = ""
        for line in lines[at:]:
            joined += line
            if joined == e["id"]:
                break
            assert line.endswith("-") and e["id"].startswith(joined), (joined, e["id"])
        assert joined == e["id"]
    assert "…" not in text  # titles and ids fit when they may break at spaces and hyphens


def test_urls_are_cut_with_an_ellipsis_in_tables_and_whole_elsewhere(cli, kb):
    urls = {s.id: s.url for s in kb.sources.values() if s.url}
    out = _table(cli, "sources", "--fields", "id,url", width=60)
    cut = [line.split()[1] for line in out.splitlines()[2:] if len(line.split()) == 2 and line.split()[1].startswith("http")]
    assert cut and all(c.endswith("…") and any(u.startswith(c[:-1]) for u in urls.values()) for c in cut)
    plain = dict(line.split("\t") for line in cli("sources", "--fields", "id,url").stdout.splitlines())
    assert {k: v for k, v in plain.items() if v} == urls
    sid, url = next(iter(urls.items()))
    assert any(line.split() == ["url", url] for line in _table(cli, "show", sid, width=40).splitlines())  # whole, on a line of its own


def _header_spans(header: str) -> dict[str, tuple[int, int]]:
    """Column name -> (start, width) from a table's heading line (columns are 3 spaces apart)."""
    import re

    heads = list(re.finditer(r"\S+(?: \S+)*", header))
    out = {}
    for n, m in enumerate(heads):
        end = heads[n + 1].start() - 3 if n + 1 < len(heads) else None
        out[m.group()] = (m.start(), (end - m.start()) if end is not None else None)
    return out


def test_columns_are_sized_to_their_content(cli, kb):
    """A speaker column is as wide as the longest speaker's name shown, at any screen width."""
    quotes = cli("quote", "--json").json()
    longest = max(len(kb.people[q["speaker"]].name) for q in quotes)
    for width in (120, 200):
        spans = _header_spans(_table(cli, "quote", width=width).splitlines()[0])
        assert spans["Speaker"][1] == longest, spans
    people = cli("people", "--json").json()
    spans = _header_spans(_table(cli, "people", width=200).splitlines()[0])
    assert spans["Id"][1] == max(len(p["id"]) for p in people)
    assert spans["Name"][1] == max(len(p["name"]) for p in people)


@pytest.mark.parametrize("width", WIDTHS)
def test_dropped_columns_are_named(cli, width):
    out = _table(cli, "timeline", width=width)
    header = out.splitlines()[0].split()
    missing = [c for c in ("people", "place", "sources") if c.capitalize() not in header]
    lines = out.splitlines()
    at = [n for n, line in enumerate(lines) if line.startswith("not shown at this width:")]
    if missing:  # the last line, wrapped to the screen like any text
        assert len(at) == 1 and " ".join(lines[at[0]:]) == f"not shown at this width: {', '.join(missing)} — widen the terminal or use --fields"
    else:
        assert at == []
    assert ("Date" in header and "Title" in header)
    assert bool(missing) == (width < 80)


def test_the_legend_explains_the_markers_shown(cli):
    events = cli("timeline", "--json").json()
    out = _table(cli, "timeline", width=200)
    legend = out.splitlines()[-1]
    assert ("~ approximate date" in legend) == any(e["date"].endswith("~") or (e["end"] or "").endswith("~") for e in events)
    assert ("? uncertain date" in legend) == any(e["date"].endswith("?") or (e["end"] or "").endswith("?") for e in events)
    assert "+N: N outside reports also cited" in legend
    plain_dates = [e for e in events if not any(m in e["date"] + (e["end"] or "") for m in "~?")]
    day = next(e["date"] for e in plain_dates if len(e["date"]) == 10)
    out = _table(cli, "timeline", "--on", day, "--fields", "date,title", width=200)
    assert "approximate" not in out and "uncertain" not in out and "+N" not in out


@pytest.mark.parametrize("env", [{}, {"FORCE_COLOR": "1", "TERM": "xterm-256color"}, {"NO_COLOR": "1"}], ids=["plain", "colour", "no-colour"])
def test_no_trailing_spaces_in_a_piped_table(cli, env):
    import re

    for args in (("timeline",), ("who", "Shoigu"), ("show", "no-limits-joint-statement-2022-02-04"), ("stats",), ("read", "seed-002", "--uncited")):
        out = _table(cli, *args, width=80, **env)
        bare = re.sub(r"\x1b\[[0-9;]*m", "", out)
        assert all(line == line.rstrip() for line in bare.splitlines()), args
        if env.get("NO_COLOR"):
            assert "\x1b" not in out
        if env.get("FORCE_COLOR") and args[0] == "timeline":
            assert "\x1b[2m" in out  # ids dimmed


# --- who NAME --on D -----------------------------------------------------------------------------


@pytest.mark.parametrize("pid,on", [("sergei-lavrov", "2024"), ("vladimir-putin", "2022-02"), ("wang-yi", "2024-04-09")])
def test_who_on_limits_roles_events_and_quotes(cli, kb, pid, on):
    from sinorus.matching.dates import parse_user_date

    span = parse_user_date(on)
    p = kb.people[pid]
    data = cli("who", p.id, "--on", on, "--json").json()
    overlaps = lambda r: r.interval.end >= span.start and r.interval.start <= span.end  # noqa: E731
    assert [e["id"] for e in data["events"]] == [e.id for e in sorted(kb.events.values(), key=lambda e: e.sort_key) if p.id in e.people and overlaps(e)]
    assert [q["id"] for q in data["quotes"]] == [q.id for q in sorted(kb.quotes.values(), key=lambda q: q.sort_key) if q.speaker == p.id and overlaps(q)]
    assert data["events"] or data["quotes"]
    assert len(data["roles"]) == len(p.roles) and [r["title"] for r in data["roles_on"]] == [r.title for r in p.roles if r.held_during(span)]
    everything = cli("who", p.id, "--json").json()
    assert len(everything["events"]) > len(data["events"]) or len(everything["quotes"]) > len(data["quotes"])
    plain = cli("who", p.id, "--on", on).stdout.splitlines()
    assert [line.split("\t")[1] for line in plain if line.startswith("event\t")] == [e["id"] for e in data["events"]]
    table = _table(cli, "who", p.id, "--on", on, width=200)
    assert f"Events {'on' if span.start == span.end else 'during'} " in table and f"({len(data['events'])})" in table


# --- --format honoured or refused, --type, --fields ----------------------------------------------

SINGLE = {"who": ("who", "Lavrov"), "show": ("show", "trade-2023-total"), "stats": ("stats",), "read": ("read", "seed-002")}


@pytest.mark.parametrize("command", SINGLE)
def test_jsonl_is_the_json_object_on_one_line(cli, command):
    args = SINGLE[command]
    pretty = cli(*args, "--json")
    line = cli(*args, "--format", "jsonl")
    assert pretty.code == line.code == 0
    assert line.stdout.count("\n") == 1 and pretty.stdout.count("\n") > 1
    import json

    assert json.loads(line.stdout) == pretty.json()


@pytest.mark.parametrize("command", ["who", "stats", "read"])
def test_csv_is_refused_where_it_means_nothing(cli, command):
    from sinorus.output.options import COMMAND_FORMATS

    r = cli(*SINGLE[command], "--format", "csv")
    assert r.code == 2 and r.stdout == ""
    assert f"{command} cannot be written as csv" in r.stderr and ", ".join(COMMAND_FORMATS[command]) in r.stderr


def test_an_unknown_format_lists_what_the_command_writes(cli):
    r = cli("read", "seed-002", "--format", "xml")
    assert r.code == 2 and "choose from table, plain, json, jsonl" in r.stderr and "csv" not in r.stderr
    r = cli("timeline", "--format", "xml")
    assert r.code == 2 and "choose from table, plain, json, jsonl, csv" in r.stderr


def test_show_csv_is_the_record_as_one_row(cli):
    import csv
    import io

    record = cli("show", "trade-2023-total", "--json").json()
    rows = list(csv.reader(io.StringIO(cli("show", "trade-2023-total", "--format", "csv").stdout)))
    assert len(rows) == 2 and rows[0] == list(record)
    assert dict(zip(rows[0], rows[1]))["value"] == str(record["value"]) and rows[1][0] == "fact"


@pytest.mark.parametrize("plural,kind", [("people", "person"), ("facts", "fact"), ("events", "event"), ("quotes", "quote"), ("topics", "topic"), ("sources", "source")])
def test_search_type_takes_the_command_names(cli, plural, kind):
    query = {"person": "Lavrov", "fact": "trade", "event": "Putin", "quote": "Lavrov", "topic": "security", "source": "Xinhua"}[kind]
    singular = cli("search", query, "--type", kind, "--json")
    by_plural = cli("search", query, "--type", plural, "--json")
    assert singular.code == by_plural.code == 0
    assert by_plural.json() == singular.json() and singular.json()
    assert {h["type"] for h in by_plural.json()} == {kind}


@pytest.mark.parametrize("fields", ["", " ", ",", "id,,"])
def test_fields_naming_nothing_is_a_usage_error(cli, fields):
    for args in (("timeline", "--json"), ("timeline",), ("search", "Putin", "--json"), ("people", "--csv")):
        r = cli(*args, "--fields", fields)
        if fields == "id,,":
            assert r.code == 0  # stray commas are forgiven when a field is named
            continue
        assert r.code == 2 and r.stdout == "" and "--fields" in r.stderr, (args, r)


def test_a_field_named_twice_is_a_usage_error(cli):
    for args in (("timeline", "--json"), ("quote",), ("search", "Putin", "--json"), ("facts", "--csv")):
        r = cli(*args, "--fields", "id,date,id" if args[0] != "facts" else "id,value,id")
        assert r.code == 2 and r.stdout == "" and "'id' is named twice" in r.stderr


# --- --data after the command name, and hints naming the data in use -----------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return write_kb(tmp_path_factory.mktemp("small"), [{"id": "only-event", "date": "2021-05-05"}])


@pytest.mark.parametrize("args", [("timeline", "--json"), ("timeline",), ("people", "--json"), ("who", "Ann", "--json"), ("search", "Event", "--json"), ("check",)])
def test_data_after_the_command_name(cli, small, args):
    before = cli("--data", small, *args)
    after = cli(*args, "--data", small)
    assert before.code == after.code == 0
    assert after.stdout == before.stdout
    assert after.stdout != cli(*args).stdout  # not the bundled data


def test_data_after_the_command_wins_over_the_environment(cli, small, tmp_path):
    r = cli("timeline", "--json", "--data", small, env={"SINORUS_DATA": str(tmp_path / "missing")})
    assert r.code == 0 and [e["id"] for e in r.json()] == ["only-event"]


def test_hints_name_the_data_in_use(cli, small, tmp_path):
    r = cli("show", "nope", "--data", small)
    assert r.code == 1 and f"'sinorus --data {small} search'" in r.stderr
    r = cli("--data", small, "who", "Nobody Atall")
    assert r.code == 1 and f"sinorus --data {small} people" in r.stderr
    missing = tmp_path / "missing dir"
    r = cli("--data", missing, "timeline")
    assert r.code == 1 and "point --data at" in r.stderr and "SINORUS_DATA" not in r.stderr
    r = cli("timeline", env={"SINORUS_DATA": str(missing)})
    assert r.code == 1 and "point SINORUS_DATA at" in r.stderr and "--data" not in r.stderr
    r = cli("show", "nope")
    assert r.code == 1 and "'sinorus search'" in r.stderr  # bundled data: nothing to add


# --- completion ----------------------------------------------------------------------------------


def _bash_replies(sub, line: str, **env) -> list[str]:
    """What bash's completion function gets for the last word of `line` (each as bash would read it)."""
    words = line.split(" ")
    r = sub(env={"_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1), **env})
    assert r.code == 0, r.stderr
    return [reply.replace("\\", "") for reply in r.stdout.splitlines() if reply]


def test_who_completes_full_names_from_any_word_without_accents(sub, kb):
    from sinorus.matching.text import fold

    replies = _bash_replies(sub, "sinorus who tap")
    names = {n for p in kb.people.values() for n in p.names}
    expected = {n for n in names if any(w.startswith("tap") for w in fold(n).split())}
    assert expected and "Tập Cận Bình" in expected
    assert set(replies) == expected  # whole names, never a word of one ("Cận")
    replies = _bash_replies(sub, "sinorus who sho")
    assert "Sergei Shoigu" in replies and "Shoigu" in replies and all(r in names for r in replies)
    assert _bash_replies(sub, "sinorus who ") == [p.name for p in kb.people.values()]


def test_bash_gets_names_with_spaces_as_one_word(sub):
    r = sub(env={"_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": "sinorus who chu", "COMP_CWORD": "2"})
    assert r.stdout.splitlines() == ["Chủ\\ tịch\\ Tập\\ Cận\\ Bình"]


def test_topic_completes_ids_and_aliases(sub, kb):
    from sinorus.matching.text import fold

    assert "sco" in _bash_replies(sub, "sinorus timeline --topic sc")
    replies = _bash_replies(sub, "sinorus quote --topic thuong")
    names = {n for t in kb.topics.values() for n in t.names}
    assert set(replies) == {n for n in names if any(w.startswith("thuong") for w in fold(n).split())}
    assert "Tổ chức Hợp tác Thượng Hải" in replies
    assert _bash_replies(sub, "sinorus timeline --topic ") == list(kb.topics)


@pytest.mark.parametrize("line,expected", [
    ("sinorus timeline --format ", ["table", "plain", "json", "jsonl", "csv"]),
    ("sinorus people -f j", ["json", "jsonl"]),
    ("sinorus who Lavrov --format ", ["table", "plain", "json", "jsonl"]),
    ("sinorus stats -f c", []),
    ("sinorus show x -f c", ["csv"]),
    ("sinorus timeline --group ", ["year"]),
    ("sinorus search x --type ", ["event", "quote", "person", "fact", "topic", "source"]),
    ("sinorus search x --type peo", ["people"]),
])
def test_option_values_complete(sub, line, expected):
    assert _bash_replies(sub, line) == expected


def test_export_format_completes_the_exporters(sub):
    from sinorus.output import export

    assert sorted(_bash_replies(sub, "sinorus export -f ")) == sorted(export.names())


ZSH = __import__("shutil").which("zsh")


@pytest.mark.skipif(ZSH is None, reason="zsh is not installed")
def test_zsh_adds_names_matched_by_a_later_word_as_they_are(sub, tmp_path):
    """zsh keeps only candidates starting with the typed word, so these come with compadd -U;
    run through zsh's eval, each one arrives whole, quotes and all."""
    data = write_kb(tmp_path, [{"id": "e", "date": "2020"}], people=[{"id": "ann", "name": "Ann O'Neil", "aliases": ["Ảnh Ô-nin"]}, {"id": "bob", "name": "Bob Sample"}])
    script = sub("--show-completion", "zsh").stdout
    assert "compdef _sinorus_completion sinorus" in script
    program = "\n".join([
        "compdef() { :; }", "typeset -A compstate", "compadd() { shift 2; print -rl -- \"$@\"; }",  # drop -U --
        f"sinorus() {{ {__import__('sys').executable} -m sinorus \"$@\"; }}",
        script.replace("#compdef sinorus", ""), "words=(sinorus who $1); CURRENT=3", "_sinorus_completion", "print -r -- menu=$compstate[insert]",
    ])
    for typed, names in (("neil", ["Ann O'Neil"]), ("anh", ["Ảnh Ô-nin"]), ("o", ["Ann O'Neil", "Ảnh Ô-nin"])):
        env = {**__import__("os").environ, "SINORUS_DATA": str(data), "PYTHONPATH": str(__import__("conftest").ROOT)}
        out = __import__("subprocess").run([ZSH, "-f", "-c", program, "zsh", typed], capture_output=True, text=True, env=env, timeout=60)
        lines = out.stdout.splitlines()
        assert sorted(lines[:-1]) == sorted(names), out
        assert lines[-1] == ("menu=menu" if len(names) > 1 else "menu=")


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o default -F _sinorus_completion sinorus"), ("zsh", "#compdef sinorus"), ("fish", "complete --command sinorus")])
def test_show_completion_prints_the_named_shells_script(cli, shell, marker):
    r = cli("--show-completion", shell)
    assert r.code == 0 and marker in r.stdout and "_SINORUS_COMPLETE" in r.stdout


def test_show_completion_refuses_an_unknown_shell(cli):
    r = cli("--show-completion", "tcsh")
    assert r.code == 2 and "tcsh" in r.stderr and "bash, zsh, fish" in r.stderr and r.stdout == ""


@pytest.mark.parametrize("shell,rc", [("bash", ".bashrc"), ("zsh", ".zshrc"), ("fish", None)])
def test_installing_twice_changes_nothing_more(cli, tmp_path, shell, rc):
    home = tmp_path / "home"
    home.mkdir()
    if rc:
        (home / rc).write_text("# mine\nexport X=1", encoding="utf-8")  # no final newline
    first = cli("--install-completion", shell, env={"HOME": str(home)})
    assert first.code == 0 and f"{shell} completion installed in" in first.stdout
    files = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    assert len(files) >= 1 + bool(rc)
    second = cli("--install-completion", shell, env={"HOME": str(home)})
    assert second.code == 0 and second.stdout == first.stdout
    assert {p: p.read_bytes() for p in home.rglob("*") if p.is_file()} == files
    if rc:
        text = (home / rc).read_text(encoding="utf-8")
        assert "# mine\nexport X=1\n" in text  # the reader's lines kept
        assert text.count("sinorus") <= 1 or shell == "zsh"


def test_readme_shows_todays_version_line(cli):
    from conftest import ROOT

    line = cli("-V").stdout.strip()
    assert line in (ROOT / "README.md").read_text(encoding="utf-8"), f"README shows an old `sinorus -V`; now: {line}"

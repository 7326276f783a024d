"""The compiled index (sinorus.index.cache / sinorus.index.db / sinorus.fast): same answers as the YAML, always.

Every answer served from the index, by the fast paths or by the knowledge base
revived from it, must be byte-for-byte what reading the YAML gives; an index that
is stale, corrupt, truncated, unwritable or being written by ten runs at once is
never trusted. No timings here: benchmarks/ measures speed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import invoke, make_big

from sinorus.index import cache

from sinorus.index import db as index

from sinorus.kb import store

NO_CACHE = {"SINORUS_NO_CACHE": "1"}


def generate(path: Path, n: int = 300, seed: int = 7) -> Path:
    make_big().Gen(n, seed).write(path)
    return path


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> Path:
    """A generated data set of 300 events (several files, articles, quotes, facts)."""
    return generate(tmp_path_factory.mktemp("gen") / "data")


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(d))
    return d


@pytest.fixture
def shared_cache(tmp_path_factory, monkeypatch) -> Path:
    """One cache directory for this module's many equivalence checks (the first of them builds)."""
    d = tmp_path_factory.getbasetemp() / "test-cache-shared"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(d))
    return d


def cache_files(d: Path) -> list[Path]:
    return sorted(d.glob("kb-*.sqlite")) if d.is_dir() else []


def leftovers(d: Path) -> list[Path]:
    return sorted(d.glob(".kb-*")) if d.is_dir() else []


# Commands whose output must not depend on the cache: the fast paths, their declines and errors.
BUNDLED_COMMANDS = [
    ["timeline", "--json"],
    ["timeline", "--from", "2019", "--json"],
    ["timeline", "--from", "2022-02", "--to", "2023", "--topic", "SCO", "--json"],
    ["timeline", "--on", "2022", "--strict", "--json"],
    ["timeline", "--on", "2022-02-04", "--json"],
    ["timeline", "--from", "2021/5", "--to", "2024.12.31", "--json", "--reverse", "--limit", "7"],
    ["timeline", "--who", "Lavrov", "--json"],
    ["timeline", "--who", "Шойгу", "--from", "2020", "--json"],
    ["timeline", "--source", "seed-004", "--json"],
    ["timeline", "--from", "Feb 2022", "--json"],  # dateparser: the ordinary path
    ["timeline", "--from", "2023", "--to", "2019", "--json"],  # error
    ["timeline", "--from", "2022-13", "--json"],  # error
    ["timeline", "--topic", "no-such-topic", "--json"],  # error
    ["timeline", "--topic", "shanghai coop", "--json"],  # fuzzy topic
    ["timeline", "--from", "2019", "--format", "json", "--fields", "id,date"],
    ["timeline", "--from", "2019", "--jsonl"],
    ["timeline", "--from", "2019"],  # plain
    ["timeline", "--json", "--csv"],  # error
    ["timeline", "--from", "2019", "--to", "2022-06", "--strict", "--topic", "SCO", "--csv"],
    ["timeline", "--who", "Lavrov", "--jsonl"],
    ["timeline", "--source", "seed-004", "--format", "plain"],
    ["timeline", "--from", "2022", "--group", "year", "--json"],
    ["who", "Shoigu", "--json"],
    ["who", "Шойгу", "--json"],
    ["who", "Vuong Nghi", "--json"],
    ["who", "xi", "--json"],
    ["who", "Xi", "--format", "jsonl"],
    ["who", "sergei-shoigu", "--json"],
    ["who", "Shoigu", "--on", "2023", "--json"],
    ["who", "Sergey Lavrof", "--json"],  # fuzzy
    ["who", "Nobody At All", "--json"],  # error
    ["who", "Shoigu"],
    ["who", "Lavrov", "--format", "plain"],
    ["search", "no limits", "--json"],
    ["search", "putin", "--json"],
    ["search", "khong gioi han", "--json"],
    ["search", "tập", "--json"],
    ["search", "240.1", "--json"],
    ["search", "xi", "--json", "-n", "50"],
    ["search", "no limits", "--type", "quote", "--type", "event", "--json"],
    ["search", "no limits", "--type", "nonsense", "--json"],  # error
    ["search", "!!!", "--json"],  # error
    ["search", "limts", "--json"],  # fuzzy only
    ["search", "no limits"],
    ["quote", "--json"],
    ["quote", "an ninh", "--json"],
    ["quote", "--speaker", "Lavrov", "--from", "2024", "--json"],
    ["show", "sergei-shoigu", "--json"],
    ["facts", "--json"],
    ["people", "--json"],
]

GENERATED_COMMANDS = [
    ["timeline", "--json"],
    ["timeline", "--from", "2024", "--json"],
    ["timeline", "--from", "1999", "--to", "2001-06", "--strict", "--json", "--reverse"],
    ["timeline", "--topic", "SCO", "--from", "2010", "--json", "--limit", "5"],
    ["timeline", "--who", "Shoigu", "--json"],
    ["who", "Shoigu", "--json"],
    ["who", "Lavrov", "--json"],
    ["who", "Vương Nghị", "--json"],
    ["search", "no limits", "--json"],
    ["search", "no limits", "--json", "-n", "3"],
    ["search", "moscow", "--json", "-n", "40"],
    ["search", "gas pipeline", "--type", "event", "--json"],
    ["search", "hợp tác", "--json"],
    ["search", "vladivostock", "--json"],
    ["quote", "--json"],
    ["quote", "forbidden areas", "--json", "--limit", "10"],
    ["show", "ev-2009-0000000", "--json"],
    ["timeline", "--from", "2024"],
    ["timeline", "--topic", "sco", "--from", "2020", "--to", "2025-03", "--csv"],
    ["timeline", "--who", "Lavrov", "--source", "gen-article-0003", "--jsonl"],
    ["who", "Shoigu"],
    ["stats", "--json"],
]


def _same_as_yaml(args: list[str], data: str | None = None) -> int:
    prefix = ["--data", data] if data else []
    expected = invoke(*prefix, *args, env=NO_CACHE)
    for attempt in ("first", "again"):  # the run that builds the index, then one that reads it
        got = invoke(*prefix, *args)
        assert (got.code, got.stdout, got.stderr) == (expected.code, expected.stdout, expected.stderr), (attempt, args)
    return expected.code


@pytest.mark.parametrize("args", BUNDLED_COMMANDS, ids=" ".join)
def test_bundled_answers_equal_yaml_answers(shared_cache, args):
    _same_as_yaml(args)


@pytest.mark.parametrize("args", GENERATED_COMMANDS, ids=" ".join)
def test_generated_answers_equal_yaml_answers(shared_cache, small_set, args):
    _same_as_yaml(args, str(small_set))


@pytest.mark.parametrize("args", [["timeline", "--from", "2019", "--json"], ["who", "Shoigu", "--json"], ["search", "no limits", "--json"], ["quote", "--json"]], ids=" ".join)
@pytest.mark.parametrize("which", ["bundled", "generated"])
def test_first_run_builds_and_answers_the_same(fresh_cache, small_set, which, args):
    data = None if which == "bundled" else str(small_set)
    assert cache_files(fresh_cache) == []
    assert _same_as_yaml(args, data) == 0
    assert len(cache_files(fresh_cache)) == 1 and leftovers(fresh_cache) == []


def test_ascii_terminal_gets_the_same_escapes(fresh_cache, small_set):
    """With an ASCII stdout the fast paths escape exactly as json.dumps(ensure_ascii=True)."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "SINORUS_CACHE_DIR": str(fresh_cache)}
    for args in (["who", "Шойгу", "--json"], ["search", "tập", "--json"], ["timeline", "--from", "2022", "--json"]):
        outs = []
        for extra in ({"SINORUS_NO_CACHE": "1"}, {}, {}):
            p = subprocess.run([sys.executable, "-m", "sinorus", *args], capture_output=True, env={**env, **extra})
            assert p.returncode == 0, p.stderr
            outs.append(p.stdout)
        assert outs[0] == outs[1] == outs[2]
        assert outs[0].isascii() and b"\\u" in outs[0]


def _origins(kb):
    out = []
    for name in index.SECTIONS:
        for rid, r in kb.section(name).items():
            out.append((name, rid, r.origin))
            out += [(name, rid, c.origin) for c in getattr(r, "sources", ()) if hasattr(c, "origin")]
    return out


@pytest.mark.parametrize("which", ["bundled", "generated"])
def test_revived_knowledge_base_is_the_yaml_one(fresh_cache, small_set, which):
    data = None if which == "bundled" else small_set
    from_yaml = cache.load(data, use_cache=False)
    cache.load(data)  # builds the index
    from_index = cache.load(data)
    assert isinstance(from_index.events, index.LazySection)
    assert from_index == from_yaml
    assert from_index.files == from_yaml.files
    assert _origins(from_index) == _origins(from_yaml)  # origins do not take part in ==
    for name in ("events", "quotes", "facts"):
        assert list(from_index.section(name)) == list(from_yaml.section(name))  # file order


def test_lazy_section_behaves_as_a_dict(fresh_cache, small_set):
    cache.load(small_set)
    kb = cache.load(small_set)
    events = kb.events
    assert len(events) == 300
    first = next(iter(cache.load(small_set, use_cache=False).events))
    assert first in events and "no-such-id" not in events and 42 not in events
    assert events[first].id == first and events.get(first).id == first
    assert events.get("no-such-id") is None
    with pytest.raises(KeyError):
        events["no-such-id"]
    assert [e.id for e in events.values()] == list(events.keys()) == [k for k, _ in events.items()]
    assert len(events) == 300 and first in events


# --- invalidation -------------------------------------------------------------------


def _meta(db: Path) -> dict:
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("SELECT key, value FROM meta"))
    finally:
        con.close()


def test_edit_rebuilds_and_changes_the_answer(fresh_cache, tmp_path):
    data = generate(tmp_path / "data", 60)
    first = invoke("--data", data, "search", "zebra crossing", "--json")
    assert first.code == 0 and first.json() == []
    [db] = cache_files(fresh_cache)
    built = _meta(db)["built"]
    events = data / "events-001.yaml"
    text = events.read_text(encoding="utf-8")
    title = text.split("title: ", 1)[1].split("\n", 1)[0]
    events.write_text(text.replace(title, '"A zebra crossing in Harbin"', 1), encoding="utf-8")
    second = invoke("--data", data, "search", "zebra crossing", "--json")
    assert second.code == 0 and [h["field"] for h in second.json()] == ["title"]
    [db] = cache_files(fresh_cache)
    assert _meta(db)["built"] != built
    assert second.stdout == invoke("--data", data, "search", "zebra crossing", "--json", env=NO_CACHE).stdout


def test_touch_rebuilds(fresh_cache, tmp_path):
    data = generate(tmp_path / "data", 40)
    before = invoke("--data", data, "timeline", "--json")
    [db] = cache_files(fresh_cache)
    built = _meta(db)["built"]
    later = time.time() + 5
    os.utime(data / "people.yaml", (later, later))
    after = invoke("--data", data, "timeline", "--json")
    assert after.stdout == before.stdout
    [db] = cache_files(fresh_cache)
    assert _meta(db)["built"] != built


def test_new_and_removed_files_rebuild(fresh_cache, tmp_path):
    data = generate(tmp_path / "data", 40)
    invoke("--data", data, "timeline", "--json")
    (data / "zz-more.yaml").write_text(
        'events:\n- id: extra-event\n  date: "2031-01-01"\n  title: An extra event\n  summary: Added later.\n'
        "  sources:\n  - source: gen-article-0000\n    excerpt: x\n",
        encoding="utf-8",
    )
    assert invoke("--data", data, "timeline", "--from", "2031", "--json").json()[0]["id"] == "extra-event"
    (data / "zz-more.yaml").unlink()
    assert invoke("--data", data, "timeline", "--from", "2031", "--json").json() == []


def test_same_size_same_mtime_rewrite_is_caught_by_crc(tmp_path):
    """A file rewritten within one mtime tick keeps size and mtime: files that recent carry a CRC."""
    f = tmp_path / "events.yaml"
    f.write_text("events: []\n# aaaa\n", encoding="utf-8")
    files = [f]
    sigs = index.signatures(files)
    stamp = index.stamp_text(tmp_path, files, sigs, index.racy_files(files, sigs, time.time_ns()))
    assert "\tcrc " in stamp
    assert index.stamp_checker(tmp_path, files, sigs)(stamp)
    f.write_text("events: []\n# bbbb\n", encoding="utf-8")
    assert not index.stamp_checker(tmp_path, files, sigs)(stamp)  # same signature given, other content
    old = tmp_path / "old.yaml"
    old.write_text("events: []\n", encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    sigs = index.signatures([old])
    assert "\tcrc " not in index.stamp_text(tmp_path, [old], sigs, index.racy_files([old], sigs, time.time_ns()))


def test_code_change_rebuilds(fresh_cache, monkeypatch):
    invoke("timeline", "--json")
    [db] = cache_files(fresh_cache)
    built = _meta(db)["built"]
    monkeypatch.setattr(index, "_code_stamp", lambda: "edited")
    assert invoke("timeline", "--json").code == 0
    [db] = cache_files(fresh_cache)
    assert _meta(db)["built"] != built


# --- corruption ---------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "zeroed-tail", "other-stamp", "no-meta"])
def test_damaged_cache_is_never_trusted(fresh_cache, small_set, damage):
    args = ["--data", str(small_set), "timeline", "--from", "2020", "--json"]
    expected = invoke(*args, env=NO_CACHE)
    invoke(*args)
    [db] = cache_files(fresh_cache)
    raw = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(b"this is not a database\n" * 1000)
    elif damage == "truncated":
        db.write_bytes(raw[: len(raw) // 2])
    elif damage == "empty":
        db.write_bytes(b"")
    elif damage == "zeroed-tail":
        db.write_bytes(raw[:4096] + b"\0" * (len(raw) - 4096))
    else:
        con = sqlite3.connect(db)
        if damage == "other-stamp":
            con.execute("UPDATE meta SET value = 'something else' WHERE key = 'stamp'")
        else:
            con.execute("DROP TABLE meta")
        con.commit()
        con.close()
    got = invoke(*args)
    assert (got.code, got.stdout) == (0, expected.stdout)
    assert got.stderr == ""
    [db] = cache_files(fresh_cache)
    assert index.current(small_set, fresh_cache) is not None  # rewritten, valid again
    assert invoke(*args).stdout == expected.stdout


def test_garbage_cache_with_the_revived_path_too(fresh_cache):
    expected = invoke("show", "sergei-shoigu", env=NO_CACHE)
    invoke("show", "sergei-shoigu")
    [db] = cache_files(fresh_cache)
    db.write_bytes(os.urandom(len(db.read_bytes())))
    assert invoke("show", "sergei-shoigu").stdout == expected.stdout


# --- concurrency --------------------------------------------------------------------


def test_ten_concurrent_first_runs(tmp_path, small_set):
    cache_dir = tmp_path / "cache"
    env = {**os.environ, "SINORUS_CACHE_DIR": str(cache_dir)}
    env.pop("SINORUS_NO_CACHE", None)
    commands = [["timeline", "--from", "2020", "--json"], ["who", "Shoigu", "--json"], ["search", "no limits", "--json"],
                ["quote", "--json"], ["timeline", "--format", "plain"]]
    expected = {}
    for args in commands:
        p = subprocess.run([sys.executable, "-m", "sinorus", "--data", str(small_set), *args], capture_output=True,
                           env={**env, "SINORUS_NO_CACHE": "1"})
        assert p.returncode == 0, p.stderr
        expected[tuple(args)] = p.stdout
    procs = []
    for i in range(10):
        args = commands[i % len(commands)]
        procs.append((args, subprocess.Popen([sys.executable, "-m", "sinorus", "--data", str(small_set), *args],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)))
    for args, p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert err == b""
        assert out == expected[tuple(args)], args
    assert len(cache_files(cache_dir)) == 1 and leftovers(cache_dir) == []
    assert index.current(small_set, cache_dir) is not None


# --- no cache -------------------------------------------------------------------------


def test_unwritable_cache_dir_runs_from_yaml(tmp_path, monkeypatch, small_set):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(blocker / "cache"))
    for args in (["timeline", "--from", "2024", "--json"], ["who", "Shoigu", "--json"], ["search", "no limits", "--json"], ["quote"]):
        expected = invoke("--data", small_set, *args, env=NO_CACHE)
        got = invoke("--data", small_set, *args)
        assert (got.code, got.stdout, got.stderr) == (0, expected.stdout, ""), args
    assert cache._handover == {}
    assert invoke("cache", "info").code == 0


def test_no_home_no_cache_dir_runs(tmp_path, small_set):
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "SINORUS_CACHE_DIR", "SINORUS_NO_CACHE", "XDG_CACHE_HOME")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")  # where platformdirs would look with no HOME: never the real one
    expected = subprocess.run([sys.executable, "-m", "sinorus", "--data", str(small_set), "who", "Shoigu", "--json"],
                              capture_output=True, env={**env, "SINORUS_NO_CACHE": "1"})
    for _ in range(2):
        p = subprocess.run([sys.executable, "-m", "sinorus", "--data", str(small_set), "who", "Shoigu", "--json"],
                           capture_output=True, env=env)
        assert (p.returncode, p.stdout, p.stderr) == (0, expected.stdout, b"")
    assert len(cache_files(tmp_path / "xdg" / "sinorus")) == 1


def test_unusable_home_disables_the_cache(monkeypatch, small_set):
    import platformdirs

    monkeypatch.delenv("SINORUS_CACHE_DIR")
    monkeypatch.setattr(cache, "_xdg_cache_dir", lambda: None)
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: "~/.cache/sinorus")  # old platformdirs, no HOME
    assert cache.cache_dir() is None
    expected = invoke("--data", small_set, "who", "Shoigu", "--json", env=NO_CACHE)
    assert invoke("--data", small_set, "who", "Shoigu", "--json").stdout == expected.stdout


def test_xdg_rule_matches_platformdirs(monkeypatch, tmp_path):
    from platformdirs import user_cache_dir

    monkeypatch.delenv("SINORUS_CACHE_DIR")
    for xdg in (None, str(tmp_path / "xdg"), "relative/dir"):
        if xdg is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        assert cache.cache_dir() == Path(user_cache_dir("sinorus", appauthor=False))


def test_no_cache_env_disables(monkeypatch, fresh_cache):
    monkeypatch.setenv("SINORUS_NO_CACHE", "1")
    assert invoke("timeline", "--json").code == 0
    assert not fresh_cache.exists()


def test_invalid_data_is_reported_and_not_cached(fresh_cache, tmp_path):
    data = generate(tmp_path / "data", 20)
    (data / "zz-bad.yaml").write_text("events:\n- id: broken\n  date: someday\n", encoding="utf-8")
    expected = invoke("--data", data, "timeline", "--json", env=NO_CACHE)
    assert expected.code == 1 and expected.stderr.startswith("Error: ")
    for args in (["timeline", "--json"], ["who", "Shoigu", "--json"], ["search", "moscow", "--json"]):
        got = invoke("--data", data, *args)
        assert (got.code, got.stderr) == (1, expected.stderr)
    assert cache_files(fresh_cache) == []


# --- cache info / clear -----------------------------------------------------------------


def test_cache_info_and_clear(fresh_cache, small_set):
    invoke("timeline", "--json")
    invoke("--data", small_set, "timeline", "--json")
    (fresh_cache / ".kb-left-over.sqlite.x.tmp").write_bytes(b"")
    info = invoke("cache", "info", "--json").json()
    assert info["directory"] == str(fresh_cache) and len(info["files"]) == 2
    assert all(f["path"].endswith(".sqlite") and f["bytes"] > 0 for f in info["files"])
    assert info["bytes"] == sum(f["bytes"] for f in info["files"])
    plain = invoke("cache", "info")
    assert "files: 2" in plain.stdout
    cleared = invoke("cache", "clear")
    assert cleared.code == 0 and cleared.stderr == "removed 3 cache files\n"
    assert list(fresh_cache.iterdir()) == []
    assert invoke("timeline", "--json").code == 0 and len(cache_files(fresh_cache)) == 1


# --- pieces -----------------------------------------------------------------------------


def test_pretty_json_is_json_dumps():
    samples = [
        {}, [], "", None, True, 0, -1.5, 1e100, 12345678901234567890, "é\u00a0\n\t\"\\/\u2028😀",
        {"a": [1, {"b": []}, [], {}], "c": None, "d": [["x"]], "e": 0.1 + 0.2},
    ]
    kb = cache.load(None, use_cache=False)
    from sinorus.kb.model import to_dict

    samples += [to_dict(r) for name in index.SECTIONS for r in kb.section(name).values()]
    for value in samples:
        assert index.pretty_json(value) == json.dumps(value, ensure_ascii=False, indent=2)
    assert index.pretty_json({"x": float("nan")}) == json.dumps({"x": float("nan")}, ensure_ascii=False, indent=2)


def test_pretty_json_property():
    pytest.importorskip("hypothesis")
    from hypothesis import given, strategies as st

    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    def containers(inner):
        return st.lists(inner) | st.dictionaries(st.text(), inner)

    values = st.recursive(leaves, containers, max_leaves=20)

    @given(values)
    def check(value):
        assert index.pretty_json(value) == json.dumps(value, ensure_ascii=False, indent=2)

    check()


def test_fold_is_the_plain_definition():
    """text.fold's shortcuts (ASCII, accents dropped by str.translate) fold as the plain steps
    do: NFC, accents off (NFKD, marks dropped), casefold, accents off again, punctuation runs to one space."""
    pytest.importorskip("hypothesis")
    import re
    import unicodedata

    from hypothesis import given, strategies as st

    from sinorus.matching import text

    def plain(value, keep):
        t = unicodedata.normalize("NFC", value)
        strip = lambda s: unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFKD", s.translate(text._EXTRA)) if not unicodedata.combining(c)))
        if not keep:
            t = strip(t)
        t = t.casefold()
        if not keep:
            t = strip(t)
        return re.sub(r"[\s\-‐‑‒–—_.,;:!?'\"“”‘’«»()\[\]/\\|]+", " ", t).strip()

    def same(value):
        for keep in (False, True):
            assert text.fold(value, keep_accents=keep) == plain(value, keep), (value, keep)
        assert index._Folder().both(value) == (plain(value, False), plain(value, True))

    @given(st.text())
    def check(value):
        same(value)

    check()
    for value in ["Xơ-gây Soi-gu", "ﬁnal … ½", "Đà Nẵng", "Straße", "İstanbul", "ǰ", "习近平 — “no limits”", "A  B\tC--d", "\x1c x \x1f"]:
        same(value)


def test_index_data_files_mirror_store(tmp_path, small_set):
    (tmp_path / "b.YML").write_text("events: []\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("events: []\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    from sinorus.kb.paths import data_location

    for location in (tmp_path, small_set, data_location(None), small_set / "people.yaml"):
        assert index.data_files(location) == store.data_files(location)
    assert index.data_files(tmp_path / "missing") is None
    (tmp_path / "dir.yaml").mkdir()  # a data file sinorus cannot read: an error for both, never skipped
    assert index.data_files(tmp_path) is None
    with pytest.raises(store.DataError, match="dir.yaml: a directory"):
        store.data_files(tmp_path)


def test_generated_set_checks(small_set):
    r = invoke("--data", small_set, "check")
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("ok: ")

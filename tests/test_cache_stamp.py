"""The cache's stamp and its temporary files.

- A data file rewritten during a build, within one tick of a file system that keeps
  whole-second timestamps (same size, same mtime, same ctime), is never served stale:
  the stamp's CRC is that of the bytes parsed, and an index whose files no longer hold
  those bytes is not written.
- Temporary index files left by a killed build are counted by `cache info`, removed by
  the next build and by `cache clear`; a live build's temporary file is never touched.
"""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

import pytest

from conftest import invoke
from test_cache import NO_CACHE, cache_files, fresh_cache, generate  # noqa: F401  (fresh_cache: a fixture)

from sinorus.index import cache

from sinorus.index import db as index

from sinorus.kb import yamlread


def _one_second_fs(monkeypatch) -> None:
    """Signatures as a file system with one-second timestamps gives them: a rewrite within the
    second keeps mtime and ctime (the test sets the mtime back; ctime follows it)."""
    real = index.signatures

    def coarse(files):
        out = []
        for name, size, mtime, _ctime, ino in real(files):
            whole = mtime - mtime % 1_000_000_000
            out.append((name, size, whole, whole, ino))
        return out

    monkeypatch.setattr(index, "signatures", coarse)


def _same_size_edit(text: str) -> str:
    """text with its first event title replaced by one of the same length that `search zebra` finds."""
    title = text.split('title: "', 1)[1].split('"', 1)[0]
    new = ("Zebra crossing in Harbin " * 8)[: len(title)]
    assert len(new) == len(title) and new != title
    return text.replace(f'title: "{title}"', f'title: "{new}"', 1)


def test_rewrite_after_parse_in_the_same_second_is_not_served_stale(fresh_cache, tmp_path, monkeypatch):
    data = generate(tmp_path / "data", 40)
    events = data / "events-001.yaml"
    before = events.read_bytes()
    after = _same_size_edit(before.decode("utf-8")).encode("utf-8")
    assert len(after) == len(before)
    second = int(time.time()) + 1  # a whole second, recent: the file is "racy" for this build
    os.utime(events, (second, second))
    _one_second_fs(monkeypatch)
    real_read = yamlread.read_bytes

    def read_then_rewrite(path: Path) -> bytes:
        """The bytes are parsed as read; meanwhile an editor saves the file, within the same second."""
        raw = real_read(path)
        if Path(path) == events and events.read_bytes() == before:
            with open(events, "r+b") as fh:  # in place: same inode, same size
                fh.write(after)
            os.utime(events, (second, second))
        return raw

    monkeypatch.setattr(yamlread, "read_bytes", read_then_rewrite)
    first = invoke("--data", data, "search", "zebra crossing", "--json")
    assert first.code == 0 and first.json() == []  # the answer of the bytes parsed
    assert events.read_bytes() == after and index.signatures([events])[0][2] == second * 1_000_000_000
    assert cache_files(fresh_cache) == []  # those bytes are no longer the file's: no index written
    monkeypatch.setattr(yamlread, "read_bytes", real_read)
    again = invoke("--data", data, "search", "zebra crossing", "--json")
    assert again.code == 0 and [h["field"] for h in again.json()] == ["title"]
    assert again.stdout == invoke("--data", data, "search", "zebra crossing", "--json", env=NO_CACHE).stdout
    assert len(cache_files(fresh_cache)) == 1
    assert invoke("--data", data, "search", "zebra crossing", "--json").stdout == again.stdout  # from the index


def test_stamp_holds_the_crc_of_the_bytes_parsed(tmp_path):
    """A rewrite after the stamp was taken is caught next time, whatever it does to size and mtime."""
    f = tmp_path / "events.yaml"
    f.write_text("events: []\n# aaaa\n", encoding="utf-8")
    with yamlread.crcs_read() as parsed:
        yamlread.read_file(f)
    assert parsed == {str(f): zlib.crc32(f.read_bytes())}
    files, sigs = [f], index.signatures([f])
    racy = index.racy_files(files, sigs, time.time_ns(), parsed)
    assert racy == {"events.yaml": parsed[str(f)]}
    stamp = index.stamp_text(tmp_path, files, sigs, racy)
    assert index.stamp_checker(tmp_path, files, sigs)(stamp)
    f.write_text("events: []\n# bbbb\n", encoding="utf-8")
    assert index.racy_files(files, sigs, time.time_ns(), parsed) is None  # not the bytes parsed: no index
    assert not index.stamp_checker(tmp_path, files, sigs)(stamp)  # same signature given, other content


def test_crcs_are_recorded_only_inside_the_block(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("events: []\n", encoding="utf-8")
    yamlread.read_file(f)
    assert yamlread._crc_logs == []
    with yamlread.crcs_read() as outer:
        with yamlread.crcs_read() as inner:
            yamlread.read_file(f)
        assert inner == {str(f): zlib.crc32(b"events: []\n")} and outer == {}
    assert yamlread._crc_logs == []


# --- temporary files left by killed builds ------------------------------------------------


def _temporary(folder: Path, name: str, size: int, age_s: float) -> Path:
    """A temporary index as atomic.replacing names it, last written age_s seconds ago."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    p = folder / f".kb-{name}.sqlite.{name[:8]}.tmp"
    p.write_bytes(b"\0" * size)
    when = time.time() - age_s
    os.utime(p, (when, when))
    return p


def test_stale_temporaries_are_counted_then_removed_by_the_next_build(fresh_cache, tmp_path):
    old = cache.STALE_TEMPORARY_S
    stale = [_temporary(fresh_cache, "killed1", 3000, old + 60), _temporary(fresh_cache, "killed2", 4000, 3 * old)]
    fresh = _temporary(fresh_cache, "running", 500, 5)  # a build that started seconds ago: kept
    info = invoke("cache", "info", "--json").json()
    assert info["stale"] == {"files": 2, "bytes": 7000} and info["files"] == []
    plain = invoke("cache", "info").stdout
    assert "2 stale temporary files (7,000 bytes), left by builds that were killed; removed on the next build" in plain
    data = generate(tmp_path / "data", 20)
    assert invoke("--data", data, "timeline", "--json").code == 0  # a build
    assert not any(p.exists() for p in stale) and fresh.exists()
    assert len(cache_files(fresh_cache)) == 1
    assert invoke("cache", "info", "--json").json()["stale"] == {"files": 0, "bytes": 0}
    assert "stale temporary" not in invoke("cache", "info").stdout


def test_a_locked_temporary_is_a_live_build_whatever_its_age(fresh_cache):
    """Ten runs building at once: an old temporary file some run still holds is never removed."""
    pytest.importorskip("fcntl")
    live = _temporary(fresh_cache, "longbuild", 100, 10 * cache.STALE_TEMPORARY_S)
    dead = _temporary(fresh_cache, "killedxx", 100, 10 * cache.STALE_TEMPORARY_S)
    with cache.TemporaryLock() as lock:
        lock.take(live)
        assert cache.in_use(live) and not cache.in_use(dead)
        assert [p for p, _size in cache.stale_temporaries(fresh_cache)] == [dead]
        cache.remove_stale_temporaries(fresh_cache)
        assert live.exists() and not dead.exists()
        assert invoke("cache", "clear").stderr == "removed 0 cache files\n" and live.exists()
    assert cache.stale_temporaries(fresh_cache) == [(live, 100)]  # its build is gone
    assert invoke("cache", "clear").stderr == "removed 1 cache file\n" and not live.exists()


def test_a_build_holds_its_temporary_locked_until_renamed(fresh_cache, tmp_path, monkeypatch):
    pytest.importorskip("fcntl")
    data = generate(tmp_path / "data", 20)
    seen = []
    real_fill = index._fill

    def fill(con, kb, progress):
        [tmp] = fresh_cache.glob(".kb-*.tmp")
        seen.append(cache.in_use(tmp))
        return real_fill(con, kb, progress)

    monkeypatch.setattr(index, "_fill", fill)
    assert invoke("--data", data, "timeline", "--json").code == 0
    assert seen == [True] and len(cache_files(fresh_cache)) == 1 and not list(fresh_cache.glob(".kb-*"))


def test_kill_9_during_a_build_leaves_a_temporary_the_next_build_removes(fresh_cache, tmp_path):
    """What SIGKILL leaves (no clean-up runs) is counted, then removed once it is old enough."""
    import signal
    import subprocess
    import sys

    data = generate(tmp_path / "data", 300)
    code = ("import os, signal, sinorus.index.db as i\n"
            "real = i._fill\n"
            "def fill(con, kb, progress):\n"
            "    real(con, kb, progress); con.commit(); os.kill(os.getpid(), signal.SIGKILL)\n"
            "i._fill = fill\n"
            "from sinorus.cli.app import run\n"
            f"run(['--data', {str(data)!r}, 'timeline', '--json'])\n")
    env = dict(os.environ, SINORUS_CACHE_DIR=str(fresh_cache))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    [left] = fresh_cache.glob(".kb-*.tmp")
    assert cache_files(fresh_cache) == [] and left.stat().st_size > 0
    assert invoke("cache", "info", "--json").json()["stale"]["files"] == 0  # too recent to tell from a live build
    when = time.time() - cache.STALE_TEMPORARY_S - 1
    os.utime(left, (when, when))
    assert invoke("cache", "info", "--json").json()["stale"] == {"files": 1, "bytes": left.stat().st_size}
    assert invoke("--data", data, "timeline", "--json").code == 0
    assert not left.exists() and len(cache_files(fresh_cache)) == 1

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

from sinorus import index, yamlread


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

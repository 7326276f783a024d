"""The cache is data from disk, not trusted code (issue 12, section 3).

What another user, a damaged disk or a crafted file can put where sinorus reads
its index or its data, and what sinorus must do: refuse a cache folder or file
that is not the user's own, never serve text the YAML loader would refuse,
bound every SQLite query (a recursive view must not run for minutes), and name
every *.yaml it cannot read instead of answering on less data.

Everything runs through the real CLI, mostly as subprocesses (real stderr,
real signals, timeouts that catch a hang). The whole file also runs as an
unprivileged user; when the suite runs as root and `setpriv` exists, the last
tests re-run the cross-user scenarios as uid 65534 (nobody) against a cache
planted by root. See README, Reliability.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, run_subprocess

OK_DATA = FIXTURES / "ok" / "data"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def assert_one_error_line(r, *expected: str) -> None:
    assert r.code == 1, (r.code, r.stderr)
    assert r.stdout == ""
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, repr(r.stderr)
    for text in expected:
        assert text in r.stderr, (text, r.stderr)


@pytest.fixture
def data(tmp_path) -> Path:
    """A private copy of the small valid data set, with its article beside it."""
    shutil.copytree(OK_DATA.parent, tmp_path / "ok")
    return tmp_path / "ok" / "data"


# --- 4. a *.yaml in a data folder that is no file to read ---------------------------------------


def make_odd_entry(kind: str, path: Path) -> str:
    """Put a `kind` of non-file at path; return what the error must call it."""
    if kind == "dangling-symlink":
        path.symlink_to(path.parent / "deleted.yaml")
        return "a symbolic link to a missing file"
    if kind == "fifo":
        os.mkfifo(path)
        return "a named pipe (FIFO), not a regular file"
    if kind == "device":
        path.symlink_to(os.devnull)  # a character device (making one needs CAP_MKNOD; a link to one is the same to stat)
        return "a device, not a regular file"
    if kind == "directory":
        path.mkdir()
        (path / "events.yaml").write_text("events: []\n", encoding="utf-8")
        return "a directory, not a regular file"
    if kind == "socket":
        here = os.getcwd()
        os.chdir(path.parent)  # socket paths are limited to about 100 bytes: bind a relative one
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.bind(path.name)
        finally:
            os.chdir(here)
        return "a socket, not a regular file"
    raise AssertionError(kind)


ODD = ["dangling-symlink", "fifo", "device", "directory", "socket"]


@pytest.mark.parametrize("kind", ODD)
def test_a_yaml_entry_that_is_not_a_file_is_an_error_naming_it(data, kind):
    """Skipping it would answer (and `check` would say ok) on a smaller data set than the user has."""
    entry = data / "zz-more.yaml"
    what = make_odd_entry(kind, entry)
    for args in (["timeline", "--json"], ["timeline"], ["who", "Putin"], ["check"], ["check", "--json"]):
        r = run_subprocess("--data", data, *args, timeout=30)  # a FIFO opened for reading would block: the timeout says so
        assert_one_error_line(r, f"{entry}: {what}")


@pytest.mark.parametrize("kind", ["fifo", "dangling-symlink"])
def test_an_odd_entry_added_after_the_index_was_built_is_not_hidden_by_it(data, kind):
    assert run_subprocess("--data", data, "timeline", "--json").code == 0  # builds the index
    entry = data / "later.yaml"
    what = make_odd_entry(kind, entry)
    r = run_subprocess("--data", data, "timeline", "--json", timeout=30)
    assert_one_error_line(r, f"{entry}: {what}")
    entry.unlink()
    assert run_subprocess("--data", data, "timeline", "--json").code == 0


def test_other_files_and_odd_entries_without_the_suffix_are_ignored(data):
    """Only *.yaml and *.yml are data; a FIFO called notes.txt is none of sinorus' business."""
    os.mkfifo(data / "notes.txt")
    (data / "old.yaml.bak").mkdir()
    r = run_subprocess("--data", data, "check", timeout=30)
    assert r.code == 0 and r.stdout.startswith("ok: "), r.stderr

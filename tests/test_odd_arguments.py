"""Arguments no user means harm with, that once ended in "this is a bug": now an answer or one line."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT


def run_bytes(*args: bytes, env: dict | None = None) -> subprocess.CompletedProcess:
    """A real process given raw argv bytes, as a shell passes $'\\xff'."""
    return subprocess.run([sys.executable.encode(), b"-m", b"sinorus", *args], capture_output=True, timeout=60,
                          cwd=ROOT, env={**os.environ, **(env or {})})


def assert_answer_or_one_line(p: subprocess.CompletedProcess) -> None:
    err = p.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "this is a bug" not in err, err
    assert p.returncode in (0, 1, 2), (p.returncode, err)
    if p.returncode:
        assert err.startswith("Error: ") and err.count("\n") == 1, err


UNDECODABLE = [b"\xff", b"Sho\xffigu", b"\xc3\x28", b"\xed\xa0\x80", b"caf\xe9"]  # stray byte, bad sequence, CESU surrogate, Latin-1


@pytest.mark.parametrize("raw", UNDECODABLE)
@pytest.mark.parametrize("command", [[b"show"], [b"who"], [b"search"], [b"quote"], [b"timeline", b"--who"], [b"timeline", b"--from"],
                                     [b"quote", b"--topic"], [b"read"], [b"export", b"-f", b"md", b"--title"]])
def test_undecodable_bytes_in_an_argument(command, raw):
    p = run_bytes(*command, raw)
    assert_answer_or_one_line(p)
    assert b"\xff" not in p.stderr and b"\\udc" not in p.stderr  # the byte is shown as U+FFFD, not echoed raw


def test_an_undecodable_title_is_exported_readably():
    p = run_bytes(b"export", b"-f", b"md", b"--title", b"Ti\xfftle")
    assert p.returncode == 0
    assert p.stdout.decode("utf-8").startswith("# Ti\ufffdtle")


@pytest.mark.parametrize("command", [["search"], ["quote"], ["search", "--json"], ["search", "--type", "quote", "--json"]])
def test_a_thousand_distinct_words(cli, command):
    words = " ".join(f"w{i}x" for i in range(1000))
    r = cli(*command[:1], words, *command[1:])
    assert r.code == 0 and "bug" not in r.stderr, r.stderr
    if "--json" in command:
        assert r.json() == []


@pytest.mark.parametrize("command", [["timeline"], ["timeline", "--json"], ["quote", "--json"], ["search", "Putin", "--json"],
                                     ["timeline", "--format", "csv"]])
def test_a_limit_beyond_any_integer_is_no_limit(cli, command):
    huge = str(2**63)
    r = cli(*command, "--limit", huge)
    whole = cli(*command, "--limit", "1000000")  # more than there is
    assert r.code == 0 and r.stdout == whole.stdout and r.stderr == "", r.stderr


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "1", ""])
def test_any_columns_value_still_prints_a_table(sub, columns):
    r = sub("timeline", "--format", "table", "--limit", "2", env={"COLUMNS": columns})
    assert r.code == 0 and "Traceback" not in r.stderr
    assert "1949" in r.stdout and "2 of " in r.stdout

"""The pager: only on a terminal, only for output taller than the screen, never in a pipe.

Paging needs a terminal, so these run the real CLI in a pseudo-terminal (python's pty module)
of a set size, with a fake pager: a script that records the environment it got and its stdin.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from conftest import ROOT

FAKE_PAGER = '''
import os, sys
out, mode = sys.argv[1], sys.argv[2]
with open(out, "wb") as f:
    f.write(("LESS=%s LV=%s\\n" % (os.environ.get("LESS"), os.environ.get("LV"))).encode())
    f.write(sys.stdin.buffer.readline() if mode == "quit" else sys.stdin.buffer.read())
'''


@pytest.fixture
def pager(tmp_path):
    """(command, file): a pager command that records LESS, LV and its input in file."""
    script = tmp_path / "pager.py"
    script.write_text(FAKE_PAGER, encoding="utf-8")
    record = tmp_path / "paged.txt"

    def make(mode: str = "all") -> str:
        return f"{sys.executable} {script} {record} {mode}"

    make.record = record
    return make


def in_terminal(*args: str, rows: int = 24, cols: int = 80, env: dict | None = None, timeout: float = 60) -> tuple[int, str, str]:
    """Run `python -m sinorus ARGS` with stdin and stdout on a rows x cols pseudo-terminal.

    Returns (exit code, what the terminal showed, stderr).
    """
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    full = {k: v for k, v in os.environ.items() if k not in ("PAGER", "SINORUS_PAGER", "LESS", "LV", "COLUMNS", "LINES", "NO_COLOR")}
    full.update({"TERM": "xterm-256color", **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "sinorus", *args], stdin=side, stdout=side, stderr=subprocess.PIPE, env=full, cwd=ROOT)
    os.close(side)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], timeout)
        if not ready:
            proc.kill()
            pytest.fail(f"no output for {timeout} s")
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        shown += chunk
    code = proc.wait(timeout)
    os.close(main)
    return code, shown.decode("utf-8", "replace").replace("\r\n", "\n"), proc.stderr.read().decode("utf-8", "replace")


def paged(record: Path) -> tuple[str, str]:
    """(the environment line, the text) the fake pager recorded."""
    head, _, text = record.read_text(encoding="utf-8").partition("\n")
    return head, text


def test_output_taller_than_the_screen_goes_through_the_pager(pager):
    code, shown, err = in_terminal("timeline", env={"SINORUS_PAGER": pager()})
    assert code == 0 and err == ""
    assert shown == ""  # all of it went to the pager
    head, text = paged(pager.record)
    assert head == "LESS=FRX LV=-c"
    assert "\x1b[" in text  # colours kept: the pager is on a terminal
    code, direct, _ = in_terminal("timeline", "--no-pager")
    assert text == direct  # the pager gets exactly what the terminal would have shown
    assert len(direct.splitlines()) > 24


def test_output_that_fits_is_written_directly(pager):
    code, shown, err = in_terminal("timeline", "--from", "2025", "--fields", "date,title", rows=60, env={"SINORUS_PAGER": pager()})
    assert code == 0 and err == ""
    assert not pager.record.exists()
    assert "20th round" in shown and len(shown.splitlines()) < 60
    # the same output on a shorter screen is paged
    in_terminal("timeline", "--from", "2025", "--fields", "date,title", rows=len(shown.splitlines()), env={"SINORUS_PAGER": pager()})
    assert pager.record.exists()


def test_lines_wider_than_the_screen_count_as_the_rows_they_take(pager):
    """A line the terminal wraps takes several rows: JSON of a long quote is paged sooner on a narrow screen."""
    args = ("show", "lavrov-2024-04-09-counter-terrorism-multilateral", "--json")
    code, shown, _ = in_terminal(*args, rows=60, cols=200, env={"SINORUS_PAGER": pager()})
    lines = shown.splitlines()
    assert not pager.record.exists() and max(map(len, lines)) > 40
    rows_at_40 = sum(-(-len(line) // 40) or 1 for line in lines)
    assert rows_at_40 > len(lines) + 2
    in_terminal(*args, rows=len(lines) + 2, cols=200, env={"SINORUS_PAGER": pager()})
    assert not pager.record.exists()  # one row a line: it fits
    in_terminal(*args, rows=len(lines) + 2, cols=40, env={"SINORUS_PAGER": pager()})
    assert pager.record.exists()  # the same lines wrapped at 40 columns do not


@pytest.mark.parametrize("how", ["--no-pager first", "--no-pager after the command", "SINORUS_PAGER=cat", "SINORUS_PAGER=", "PAGER="])
def test_paging_can_be_turned_off(pager, how):
    env = {"PAGER": pager()}
    args = ["timeline"]
    if how == "--no-pager first":
        args = ["--no-pager", "timeline"]
    elif how == "--no-pager after the command":
        args = ["timeline", "--no-pager"]
    else:
        name, _, value = how.partition("=")
        env[name] = value
    code, shown, err = in_terminal(*args, env=env)
    assert code == 0 and err == ""
    assert not pager.record.exists()
    assert shown.count("\n") > 24 and "events" in shown


def test_pager_then_sinorus_pager_then_less(pager):
    in_terminal("timeline", env={"PAGER": pager()})
    assert pager.record.exists()
    pager.record.unlink()
    in_terminal("timeline", env={"PAGER": "false", "SINORUS_PAGER": pager()})
    assert pager.record.exists()


def test_without_a_pager_set_less_runs_with_frx(tmp_path):
    """The default is `less -FRX`: quit if the text fits, keep colours, leave it on the screen."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "less.txt"
    less = bin_dir / "less"
    less.write_text(f'#!/bin/sh\necho "$@" > {record}\ncat >> {record}\n', encoding="utf-8")
    less.chmod(0o755)
    code, shown, err = in_terminal("timeline", env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert code == 0 and err == "" and shown == ""
    args, _, text = record.read_text(encoding="utf-8").partition("\n")
    assert args == "-FRX" and "events" in text


def test_the_readers_less_settings_are_kept(pager):
    in_terminal("timeline", env={"SINORUS_PAGER": pager(), "LESS": "-i", "LV": "-z"})
    assert paged(pager.record)[0] == "LESS=-i LV=-z"


def test_json_on_a_terminal_is_paged_too(pager):
    """As git pages everything: a person reads JSON on a terminal; in a pipe it is never paged."""
    code, shown, _ = in_terminal("timeline", "--json", env={"SINORUS_PAGER": pager()})
    assert code == 0 and shown == ""
    import json

    assert len(json.loads(paged(pager.record)[1])) > 20


def test_never_in_a_pipe(pager, tmp_path):
    env = {**os.environ, "SINORUS_PAGER": pager(), "PAGER": pager()}
    proc = subprocess.run([sys.executable, "-m", "sinorus", "timeline", "--format", "table"], capture_output=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and proc.stdout.count(b"\n") > 24
    assert not pager.record.exists()


@pytest.mark.parametrize("args", [("timeline",), ("timeline", "--json"), ("--help",)])
def test_a_pager_quit_early_ends_the_run_quietly(pager, args):
    """The reader presses q after the first screen: no broken pipe, no traceback, exit 0.
    (timeline --json is larger than a pipe's buffer, so sinorus is still writing when it happens.)"""
    code, shown, err = in_terminal(*args, rows=10, env={"SINORUS_PAGER": pager("quit")})
    assert code == 0
    assert err == ""
    assert pager.record.exists()


@pytest.mark.parametrize("chosen", ["/nonexistent/pager", "sinorus-no-such-pager -R"])
def test_a_pager_that_cannot_start_means_direct_output(chosen):
    code, shown, err = in_terminal("timeline", env={"SINORUS_PAGER": chosen})
    assert code == 0 and err == ""
    assert shown.count("\n") > 24 and "events" in shown.splitlines()[-2] + shown.splitlines()[-1]


def test_an_error_comes_after_the_output_it_follows(pager):
    """A failing command writes nothing to stdout: the error line is on stderr, and no pager starts."""
    code, shown, err = in_terminal("who", "nobody-at-all-xyz", env={"SINORUS_PAGER": pager()})
    assert code == 1 and shown == "" and err.startswith("Error: ")
    assert not pager.record.exists()


def test_a_pipe_does_not_import_the_pager():
    """Start-up in a pipe is unchanged: the check is one isatty(). (subprocess comes with typer anyway.)"""
    probe = ("import sys; from sinorus.cli.app import run; code = run(['timeline', '--from', '2025', '--json']);"
             "print('\\n', code, 'sinorus.output.pager' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.split()[-2:] == ["0", "False"]

"""Output taller than the screen goes through a pager, as git and gh do it.

On a terminal (never in a pipe), sys.stdout is replaced by a stream that holds what a run
writes until it is known to be taller than the screen; only then is the pager started and fed,
so a short answer is printed straight away and costs no process (and no import of subprocess).
The pager is $SINORUS_PAGER, else $PAGER, else ``less -FRX``; set empty or to ``cat`` it is
off, as is ``--no-pager``. It gets LESS=FRX (quit if one screen, keep colours, leave the text on
the screen) and LV=-c unless those are set. A pager that cannot be started means the output is
written directly; one that the reader quits early (q) ends the run quietly, exit 0.
"""

from __future__ import annotations

import os
import sys
from typing import Any

DEFAULT = "less -FRX"
# A command holding any of these runs through /bin/sh, as git does; a plain one runs directly,
# so that a pager that is not installed is noticed and the output written straight instead.
_SHELL_CHARS = set("|&;<>()$`\\\"'*?[]{}~#=%")

_held: "_Held | None" = None


def command() -> str | None:
    """The pager command this run would use, or None when paging is off."""
    for name in ("SINORUS_PAGER", "PAGER"):
        if name in os.environ:
            value = os.environ[name].strip()
            return None if value in ("", "cat") else value
    return DEFAULT


def begin() -> None:
    """Hold this run's output for the pager, if stdout is a terminal and paging is on."""
    global _held
    if _held is not None:
        return
    from sinorus.streams import stdout_is_terminal

    if not stdout_is_terminal():
        return
    chosen = command()
    if chosen is None:
        return
    _held = _Held(sys.stdout, chosen)
    sys.stdout = _held


def finish() -> None:
    """Write what is held (or close the pager's input) and wait for the reader to quit the pager.

    Called when the run ends, before an error line (which then follows the output), and by
    --no-pager. Ctrl-C is the pager's own while it runs (less uses it to stop a search).
    """
    global _held
    held, _held = _held, None
    if held is None:
        return
    sys.stdout = held.real
    held.close()


class _Held:
    """A text stream that counts the screen rows written and starts the pager past a screenful."""

    def __init__(self, real: Any, chosen: str) -> None:
        import shutil

        self.real = real
        self.chosen = chosen
        size = shutil.get_terminal_size()
        self.columns, self.lines = max(size.columns, 1), max(size.lines, 2)
        self.parts: list[str] = []
        self.rows = 0  # screen rows of the lines written so far
        self.width = 0  # cells of the line being written
        self.pipe: Any = None
        self.process: Any = None
        self.direct = False  # the pager could not be started: write straight through

    # what renderers ask of stdout: they are writing to a terminal
    def isatty(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:  # encoding, errors, fileno...
        return getattr(self.real, name)

    @property
    def buffer(self) -> "_Bytes":
        """Bytes written to sys.stdout.buffer are held too, in order (decoded as the terminal's text)."""
        return _Bytes(self)

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as a text stream: click probes for binary streams this way
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.pipe is not None:
            return self.pipe.write(text)
        if self.direct:
            return self.real.write(text)
        self.parts.append(text)
        self._count(text)
        if self.rows >= self.lines:  # the first line would scroll away (the last row is the prompt's)
            self._start()
        return len(text)

    def flush(self) -> None:
        if self.pipe is not None:
            self.pipe.flush()
        elif self.direct:
            self.real.flush()

    def _count(self, text: str) -> None:
        lines = text.split("\n")
        self.width += display_width(lines[0])
        for line in lines[1:]:
            self.rows += max(1, -(-self.width // self.columns))
            self.width = display_width(line)

    def _start(self) -> None:
        import io
        import shlex
        import subprocess

        env = dict(os.environ)
        env.setdefault("LESS", "FRX")
        env.setdefault("LV", "-c")
        argv = ["/bin/sh", "-c", self.chosen] if _SHELL_CHARS & set(self.chosen) else shlex.split(self.chosen)
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
        except (OSError, ValueError):  # not installed, not executable: the output is still the answer
            self.direct = True
            self.real.write("".join(self.parts))
            self.parts = []
            return
        encoding = getattr(self.real, "encoding", None) or "utf-8"
        self.pipe = io.TextIOWrapper(self.process.stdin, encoding=encoding, errors=getattr(self.real, "errors", None) or "backslashreplace")
        text, self.parts = "".join(self.parts), []
        self.pipe.write(text)

    def close(self) -> None:
        if self.process is None:
            if self.parts:
                try:
                    self.real.write("".join(self.parts))
                    self.real.flush()
                except BrokenPipeError:
                    pass
            return
        try:
            self.pipe.close()
        except (BrokenPipeError, OSError, ValueError):  # the reader quit before the end: nothing is lost
            pass
        import signal

        try:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread
            previous = None
        try:
            self.process.wait()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)


class _Bytes:
    """The binary side of _Held."""

    def __init__(self, held: _Held) -> None:
        self._held = held

    def write(self, data: bytes) -> int:
        real = self._held.real
        self._held.write(bytes(data).decode(getattr(real, "encoding", None) or "utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        self._held.flush()


def display_width(line: str) -> int:
    """Cells a line takes on the terminal: colour codes take none, wide (CJK) characters two."""
    if "\x1b" in line:
        import re

        line = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)", "", line)
    if line.isascii():
        return len(line)
    import unicodedata

    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)

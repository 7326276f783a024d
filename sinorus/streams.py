"""The process's standard streams: one-line errors, odd encodings, closed pipes.

Decided here once, so the CLI and the renderers never meet a closed or
ASCII-only stream unprepared.
"""

import os
import sys
from typing import Optional

from sinorus.i18n import _


def one_line(message: str) -> str:
    from sinorus.matching.text import strip_controls

    line = " ".join(strip_controls(message).split())
    if len(line) > 1000:  # a 100 kB argument echoed by a usage error: keep how the line starts and ends
        line = f"{line[:600]} … {line[-200:]}"
    return line


def fail(message: str, hint: Optional[str], code: int) -> int:
    if "sinorus.output.pager" in sys.modules:  # the output so far first (a pager quits), then the error under it
        sys.modules["sinorus.output.pager"].finish()
    line = _("Error: {message}").format(message=one_line(message))
    if hint:
        line += f" ({one_line(hint)})"
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except Exception:
        pass
    return code


def readable_args(argv: list) -> list:
    """Arguments as text: bytes that are not UTF-8 (`sinorus show $'\\xff'`) reach Python as lone
    surrogates, which no output can encode; they become U+FFFD, as any other unreadable byte."""
    return [a.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if isinstance(a, str) and not a.isascii() else a for a in argv]


def note(message: str) -> None:
    """One line on stderr that qualifies an answer (never on stdout, which is the answer)."""
    try:
        sys.stderr.write(one_line(message) + "\n")
        sys.stderr.flush()
    except Exception:
        pass


class _ClosedOutput:
    """Stands in for a closed stdout: any write fails as OSError(EBADF), reported in one line."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def prepare() -> None:
    """Never crash on an encoding that cannot show Vietnamese (LC_ALL=C, PYTHONIOENCODING=ascii).

    A stream the shell closed (`>&-`) is None in Python: stderr then discards, and
    writing to stdout becomes the one-line error "standard output is closed".
    """
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def silence_stdout() -> None:
    """After the reader of a pipe has gone, keep Python's exit flush from complaining."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

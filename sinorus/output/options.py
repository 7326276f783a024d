"""How to write an answer, decided once at the command boundary: the format, fields, stream.

Kept apart from the renderer so that a JSON answer, written from stored bodies,
imports neither the renderer nor the json module.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from sinorus.errors import OutputClosed, UsageError
from sinorus.i18n import _
from sinorus.streams import stdout_is_terminal

# Every listing can be written in each of these (output.render's FORMATS draws them).
LISTING_FORMATS = ("table", "plain", "json", "jsonl", "csv")
# What each command that is not a listing can write. jsonl is the one JSON object on one
# line; show's csv is a header row and the record's row.
COMMAND_FORMATS = {
    "who": ("table", "plain", "json", "jsonl"),
    "show": ("table", "plain", "json", "jsonl", "csv"),
    "stats": ("table", "plain", "json", "jsonl"),
    "read": ("table", "plain", "json", "jsonl"),
}


class Output:
    """Where and how to write. ``started`` turns true with the first character written: an
    answer cannot then be taken back and started again."""

    __slots__ = ("format", "fields", "stream", "is_tty", "csv_raw", "started")

    def __init__(self, format: str = "table", fields: list[str] | None = None, stream: TextIO | None = None,
                 is_tty: bool = False, csv_raw: bool = False) -> None:
        self.format, self.fields, self.stream, self.is_tty, self.csv_raw = format, fields, stream, is_tty, csv_raw
        self.started = False

    @property
    def out(self) -> TextIO:
        return _PipeGuard(self.stream or sys.stdout, self)

    def __repr__(self) -> str:
        return f"Output(format={self.format!r}, fields={self.fields!r}, is_tty={self.is_tty!r}, csv_raw={self.csv_raw!r})"


class _PipeGuard:
    """A stream whose reader may leave (`| head`): turns EPIPE into OutputClosed."""

    def __init__(self, stream: TextIO, owner: Output | None = None):
        self._stream = stream
        self._owner = owner

    def write(self, text: str) -> int:
        if self._owner is not None and text:
            self._owner.started = True
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise OutputClosed() from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise OutputClosed() from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def choose_format(json_: bool = False, jsonl: bool = False, csv_: bool = False, fmt: str | None = None, command: str | None = None) -> str:
    """The one format asked for (table on a terminal, plain in a pipe by default); one that `command`
    cannot write is a usage error naming those it can."""
    chosen = [name for flag, name in ((json_, "json"), (jsonl, "jsonl"), (csv_, "csv")) if flag]
    if fmt:
        chosen.append(fmt)
    if len(set(chosen)) > 1:
        both = f" {_('and')} ".join(sorted(set(chosen)))
        raise UsageError(_("choose one output format, not {formats}").format(formats=both), _("use one of --json, --jsonl, --csv or --format"))
    if chosen:
        allowed = COMMAND_FORMATS.get(command or "", LISTING_FORMATS)
        if chosen[0] in LISTING_FORMATS and chosen[0] not in allowed:
            raise UsageError(_("Invalid value for '--format': {command} cannot be written as {format}").format(command=command, format=chosen[0]),
                             _("choose from {choices}").format(choices=", ".join(allowed)))
        if chosen[0] not in allowed:
            raise UsageError(_("Invalid value for '--format': {value}").format(value=repr(chosen[0])), _("choose from {choices}").format(choices=", ".join(allowed)))
        return chosen[0]
    return "table" if stdout_is_terminal() else "plain"

"""Errors a user may meet; each carries its exit code and a hint, never a traceback."""

from __future__ import annotations


class SinorusError(Exception):
    """Base of every error the CLI reports as one line on stderr."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class DataError(SinorusError):
    """A data file is unreadable or invalid (exit 1)."""


class NotFound(SinorusError):
    """A lookup found nothing (exit 1)."""


class UsageError(SinorusError):
    """The command line asks for something impossible (exit 2)."""

    exit_code = 2


class OutputClosed(Exception):
    """The reader of our stdout went away (`| head`): stop quietly, exit 0."""

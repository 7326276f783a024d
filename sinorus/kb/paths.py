"""Where the data lives: the bundled copy, --data or $SINORUS_DATA, and its data files (YAML, JSON Lines).

Imports nothing of sinorus, so the index can find the data without loading the
validator; ``store`` adds the user-facing errors.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # sinorus/, two levels above kb/paths.py
YAML_SUFFIXES = (".yaml", ".yml")
JSONL_SUFFIX = ".jsonl"  # JSON Lines: sinorus.kb.jsonlread
DATA_SUFFIXES = YAML_SUFFIXES + (JSONL_SUFFIX,)


class NotARegularFile(OSError):
    """A *.yaml (*.yml, *.jsonl) entry of a data directory that is no file to read: a FIFO, device, socket,
    directory or dangling symbolic link. Skipping it would answer, and `check`, on less data."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(errno.EINVAL, what, str(path))


def bundled_root() -> Path:
    """The directory holding data/ and seeds/: inside the wheel, or the source checkout."""
    inside = PACKAGE_DIR / "_bundled"
    return inside if (inside / "data").is_dir() else PACKAGE_DIR.parent


def data_location(path: str | os.PathLike | None = None) -> Path:
    """--data, else $SINORUS_DATA, else the bundled data directory."""
    chosen = path if path not in (None, "") else os.environ.get("SINORUS_DATA") or None
    return Path(chosen) if chosen is not None else bundled_root() / "data"


def yaml_files(location: Path) -> list[Path] | None:
    """The file itself, or a directory's data files (*.yaml, *.yml, *.jsonl) in name order; None when it is neither.

    Raises NotARegularFile for a directory entry named like a data file that is not a regular
    file. Entries are only stat()ed, never opened, so a FIFO cannot block the run.
    """
    if location.is_dir():
        found = []
        for path in sorted(p for p in location.iterdir() if p.suffix.lower() in DATA_SUFFIXES):
            what = not_regular(path)
            if what is not None:
                raise NotARegularFile(path, what)
            found.append(path)
        return found
    if location.is_file():
        return [location]
    return None


def not_regular(path: Path) -> str | None:
    """Why path is not a regular file to read (following symbolic links), or None when it is one."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if os.path.islink(path):
            return f"a symbolic link to a missing file ({os.readlink(path)})" if exc.errno == errno.ENOENT else f"a symbolic link that cannot be followed ({exc.strerror})"
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(mode):
        return None
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return f"{what}, not a regular file"
    return "not a regular file"

"""Where the data lives: the bundled copy, --data or $SINORUS_DATA, and its YAML files.

Imports nothing of sinorus, so the index can find the data without loading the
validator; ``store`` adds the user-facing errors.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
YAML_SUFFIXES = (".yaml", ".yml")


def bundled_root() -> Path:
    """The directory holding data/ and seeds/: inside the wheel, or the source checkout."""
    inside = PACKAGE_DIR / "_bundled"
    return inside if (inside / "data").is_dir() else PACKAGE_DIR.parent


def data_location(path: str | os.PathLike | None = None) -> Path:
    """--data, else $SINORUS_DATA, else the bundled data directory."""
    chosen = path if path not in (None, "") else os.environ.get("SINORUS_DATA") or None
    return Path(chosen) if chosen is not None else bundled_root() / "data"


def yaml_files(location: Path) -> list[Path] | None:
    """The file itself, or a directory's *.yaml/*.yml in name order; None when it is neither."""
    if location.is_dir():
        return sorted(p for p in location.iterdir() if p.suffix.lower() in YAML_SUFFIXES and p.is_file())
    if location.is_file():
        return [location]
    return None

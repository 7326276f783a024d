"""A compiled copy of the validated knowledge base, so a run need not parse YAML.

One JSON file per data location under the user's cache directory, stamped with
the files' paths, sizes and modification times and the sinorus version. A cache
that is missing, stale, corrupt or unreadable is never trusted: the YAML is read
again and the cache rewritten atomically (temp file + rename). When the cache
directory cannot be written, sinorus simply runs without one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

from sinorus import __version__
from sinorus.dates import PartialDate
from sinorus.model import SECTIONS, Citation, KnowledgeBase, Origin, RECORD_TYPES, Role, SCHEMA, to_dict

FORMAT = 1


def cache_dir() -> Path | None:
    """$SINORUS_CACHE_DIR, else the platform's user cache directory; None when disabled."""
    if os.environ.get("SINORUS_NO_CACHE"):
        return None
    explicit = os.environ.get("SINORUS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("sinorus", appauthor=False))
    except Exception:  # no usable home directory
        return None


def _stamp(files: list[Path]) -> str:
    parts = [f"sinorus {__version__} format {FORMAT}"]
    for path in files:
        st = path.stat()
        parts.append(f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def cache_file(location: Path) -> Path | None:
    base = cache_dir()
    if base is None:
        return None
    name = hashlib.sha256(str(location.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return base / f"kb-{name}.json"


def _dump(kb: KnowledgeBase, stamp: str) -> str:
    sections = {}
    for section in SECTIONS:
        rows = []
        for record in kb.section(section).values():
            row = to_dict(record, drop_empty=True)
            row["@"] = [record.origin.file, record.origin.line, record.origin.column]
            if section == "events":
                row["@c"] = [[c.origin.file, c.origin.line, c.origin.column] for c in record.sources]
            rows.append(row)
        sections[section] = rows
    return json.dumps({"stamp": stamp, "files": list(kb.files), "sections": sections}, ensure_ascii=False, separators=(",", ":"))


def _date(text: str | None) -> PartialDate | None:
    return PartialDate.parse(text) if text is not None else None


def _revive(section: str, row: dict) -> object:
    origin = Origin(*row.pop("@"))
    cite_origins = row.pop("@c", None)
    fields = {}
    for name, value in row.items():
        kind = SCHEMA[section][name][0]
        if kind == "date":
            value = _date(value)
        elif kind == "strs":
            value = tuple(value)
        elif kind == "citations":
            value = tuple(Citation(c["source"], c.get("excerpt"), Origin(*o)) for c, o in zip(value, cite_origins))
        elif kind == "roles":
            value = tuple(Role(r["title"], r["organisation"], _date(r.get("start")), _date(r.get("end")), r.get("note")) for r in value)
        fields[name] = value
    return RECORD_TYPES[section](origin=origin, **fields)


def _read(path: Path, stamp: str) -> KnowledgeBase | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("stamp") != stamp:
            return None
        kb = KnowledgeBase(files=tuple(data["files"]))
        for section in SECTIONS:
            target = kb.section(section)
            for row in data["sections"][section]:
                record = _revive(section, row)
                target[record.id] = record
        return kb
    except FileNotFoundError:
        return None
    except Exception:  # corrupt, truncated or foreign: never trusted
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write text so readers see the old file or the new one, never half of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_cached(location: Path, build: Callable[[Path], KnowledgeBase]) -> KnowledgeBase:
    """The knowledge base from the cache when it matches the files, else built and cached."""
    from sinorus.store import data_files

    files = data_files(location)
    target = cache_file(location)
    if target is None:
        return build(location)
    stamp = _stamp(files)
    kb = _read(target, stamp)
    if kb is not None:
        return kb
    kb = build(location)
    try:
        if _stamp(files) == stamp:  # files unchanged while we read them
            write_atomic(target, _dump(kb, stamp))
    except OSError as exc:
        if os.environ.get("SINORUS_DEBUG"):
            print(f"sinorus: note: cache not written ({exc.strerror or exc})", file=sys.stderr)
    return kb


def info() -> dict:
    """What the cache directory holds, for `sinorus cache info`."""
    base = cache_dir()
    files = sorted(base.glob("kb-*.json")) if base is not None and base.is_dir() else []
    return {
        "directory": str(base) if base is not None else None,
        "enabled": base is not None,
        "files": [{"path": str(p), "bytes": p.stat().st_size} for p in files],
        "bytes": sum(p.stat().st_size for p in files),
    }


def clear() -> int:
    """Remove every cache file; return how many were removed."""
    base = cache_dir()
    removed = 0
    if base is not None and base.is_dir():
        for p in list(base.glob("kb-*.json")) + list(base.glob(".kb-*.tmp")):
            try:
                p.unlink()
                removed += 1
            except OSError:
                pass
    return removed

"""The cache: a compiled index of each data set, so a run need not parse YAML.

One SQLite file per data location (``sinorus.index.db`` describes what it holds)
under $SINORUS_CACHE_DIR, else the user's cache directory (platformdirs; on
Linux the XDG rule is applied directly, which saves importing platformdirs on
every run). SINORUS_NO_CACHE=1 disables it.

An index that is missing, stale, truncated, corrupt or unreadable is never
trusted: the YAML is read again and the index rebuilt into a temporary file
that is renamed into place, so concurrent runs each see a whole index and the
last rename wins. When the cache directory cannot be written, sinorus runs
from the YAML every time (with a note on stderr when that costs more than a
second, or always with SINORUS_DEBUG=1). Building an index that takes more
than a second shows a progress bar on stderr when stderr is a terminal.

The cache is the user's own: folders sinorus creates are 0700 (XDG), and a cache
folder or file that another user owns, or that group or others may write (a
shared SINORUS_CACHE_DIR of mode 1777), is not used: one note on stderr says
why, and the YAML is read instead.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path
from typing import Any, Callable

from sinorus.i18n import _

PROGRESS_AFTER = 1.0  # seconds of building before a progress bar appears
_TEMPORARY = ".kb-*.tmp*"  # a build's index before its rename (atomic.replacing), with any SQLite side file
_PATTERNS = ("kb-*.sqlite", "kb-*.json", _TEMPORARY)  # *.json: the format-1 cache of sinorus 0.1
# A temporary index this old that no live build holds locked was left by a killed one (SIGKILL,
# power cut). The age spares a file between its creation and its lock, and builds on systems
# without flock: a build writes its file all along, and holds it locked until it is renamed.
STALE_TEMPORARY_S = 600


def cache_dir() -> Path | None:
    """The cache directory to use: configured_dir(), unless it is not the user's own (with a note); None when disabled."""
    base = configured_dir()
    if base is None:
        return None
    try:
        st = os.stat(base)
    except OSError:  # missing (created 0700 when first written) or unusable (the build fails quietly)
        return base
    if not stat.S_ISDIR(st.st_mode):  # a file, a device: no index can be written there (quietly, as before)
        return base
    why = untrusted(st)
    if why is not None:
        note_once(_("not using the cache in {base}: {why}; reading the YAML instead (use a folder only you can write)").format(base=base, why=why))
        return None
    return base


def configured_dir() -> Path | None:
    """$SINORUS_CACHE_DIR, else the platform's user cache directory; None when disabled."""
    if os.environ.get("SINORUS_NO_CACHE"):
        return None
    explicit = os.environ.get("SINORUS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    found = _xdg_cache_dir()
    if found is None:
        try:
            from platformdirs import user_cache_dir

            found = Path(user_cache_dir("sinorus", appauthor=False))
        except Exception:  # no usable home directory
            return None
    # Older platformdirs (the range allows 3.x) answer "~/.cache/sinorus" when HOME is unset and the
    # user has no passwd entry: that would create a "~" directory in the working directory.
    return found if found.is_absolute() else None


def _xdg_cache_dir() -> Path | None:
    """What platformdirs answers on Linux in the usual case, without importing it (about 2 ms)."""
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel"):
        return None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "sinorus"
    home = os.environ.get("HOME", "")
    if os.path.isabs(home):
        return Path(home) / ".cache" / "sinorus"
    return None  # HOME unset or relative: platformdirs consults the password database


def untrusted(st: os.stat_result) -> str | None:
    """Why a cache folder or file with this stat must not be trusted, or None.

    Anyone who may write it could plant an index (records, escape sequences, a
    query that never ends): it must be the user's own and not writable by group
    or others. (Sticky /tmp is 1777: refused as a cache folder itself; a 0700
    folder sinorus creates inside it is fine.)
    """
    if not hasattr(os, "geteuid"):  # Windows: no POSIX owners or modes to check
        return None
    if st.st_uid != os.geteuid():
        return _("owned by another user (uid {uid})").format(uid=st.st_uid)
    if st.st_mode & 0o002:
        return _("writable by others")
    if st.st_mode & 0o020:
        return _("writable by its group")
    return None


_noted: set[str] = set()


def note_once(message: str) -> None:
    """One line on stderr, once per run however often the cache is consulted."""
    if message in _noted:
        return
    _noted.add(message)
    from sinorus.matching.text import strip_controls

    from sinorus.streams import note

    note(_("sinorus: note: {message}").format(message=strip_controls(message)))


def make_private_dir(base: Path) -> str | None:
    """Create base and any missing parents with mode 0700 (the XDG rule), then check it as
    cache_dir() does; why it is not usable, or None. Existing folders keep their mode."""
    missing = []
    here = base
    while not os.path.lexists(here) and here.parent != here:
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
            os.chmod(folder, 0o700)  # whatever the umask
        except FileExistsError:  # another run (or user) got there first: checked below
            pass
        except OSError:
            return None  # cannot be created: the build fails and the YAML is read, quietly, as before
    try:
        why = untrusted(os.stat(base))
    except OSError:
        return None
    if why is not None:
        note_once(_("not using the cache in {base}: {why}; reading the YAML instead (use a folder only you can write)").format(base=base, why=why))
    return why


def cache_file(location: Path) -> Path | None:
    """Where the index of the data at location lives (None when caching is off)."""
    base = cache_dir()
    if base is None:
        return None
    from sinorus.index import db as index

    return index.cache_path(location, base)


# A knowledge base built by ensure_index() whose index could not be written, for the
# ordinary path of the same run to take instead of trying (and reading the data) again.
_handover: dict[Path, Any] = {}


def load_cached(location: Path, build: Callable[..., Any]):
    """The knowledge base from the index when it matches the files, else indexed first (or built from YAML when it cannot be)."""
    kb = _handover.pop(location, None)
    if kb is not None:
        return kb
    return _load(location, build)[0]


def ensure_index(location: Path) -> bool:
    """Build the index of the data at location unless it is current; True when it now is.

    The engine calls this on a first run: the data is validated and indexed record by
    record (store.Stream), so no whole knowledge base is ever held, and the answer comes
    from the index. When the index cannot be written, the knowledge base read from the
    data is kept for load_cached.
    """
    from sinorus.kb.store import load_uncached

    kb, written = _load(location, load_uncached, want=False)
    if not written:
        _handover[location] = kb
    return written


def _load(location: Path, build: Callable[..., Any], want: bool = True) -> tuple[Any, bool]:
    """(knowledge base, whether the index is current); the knowledge base only when wanted, or when
    the index is not used (build: the reader of the data without an index)."""
    from sinorus.kb.store import data_files

    files = data_files(location)
    base = cache_dir()
    if base is None:
        return build(location), False
    from sinorus.index import db as index

    target = index.cache_path(location, base)
    try:
        sigs = index.signatures(files)
    except OSError:
        return build(location), False
    checker = index.stamp_checker(location, files, sigs)
    found = index.open_index(target, checker, location)
    if found is not None:
        try:
            return (found.knowledge_base() if want else None), True
        except index.Tampered as exc:
            note_once(_("the cache index {path} holds {what}, which sinorus never writes; rebuilding it from the YAML").format(path=target, what=exc.what))
            found.con.close()
    if make_private_dir(base) is not None:
        return build(location), False
    remove_stale_temporaries(base)
    written = _write_index(location, files, sigs, target)
    if written is True and not want:
        return None, True
    if written:  # the cache's index, or this run's own of the bytes read (they changed meanwhile)
        found = index.open_index(target, checker, location) if written is True else _private_index(written, location)
        if found is not None:
            try:
                return found.knowledge_base(), written is True
            except index.Tampered:
                found.con.close()
    return build(location), False


def _private_index(path: Path, location: Path) -> Any:
    """The index at path (in a folder of its own), open for this run and removed when it ends."""
    import atexit
    import shutil

    from sinorus.index import db as index

    found = index.open_index(path, lambda stored: True, location)

    def remove() -> None:
        if found is not None:
            found.con.close()
        shutil.rmtree(path.parent, ignore_errors=True)

    atexit.register(remove)
    return found


def _write_index(location: Path, files: list[Path], sigs: list[tuple], target: Path) -> bool | Path:
    """Validate the data and index it record by record (store.Stream); True when the index was written.

    When the cache holds an index of this data from before some files changed, only those files
    are read again (index.update); what it cannot update is built whole.

    A problem in the data raises its DataError (nothing written); a cache that cannot be written
    answers False (with a note when that cost more than a second); files changed while read, the
    path of a private index of the bytes read (index.Changed), for this run only.
    """
    import sqlite3

    from sinorus.index import db as index
    from sinorus.kb.store import Stream
    from sinorus.kb.yamlread import crcs_read  # the build path only: a warm run never reads YAML

    started_ns = time.time_ns()
    progress = _Progress()
    try:
        with index.gc_paused(), crcs_read() as parsed:

            def stamp() -> str | None:
                """The stamp once every file is read: None when one changed meanwhile, or recent ones no longer hold the bytes parsed."""
                racy = index.racy_files(files, sigs, started_ns, parsed) if index.signatures(files) == sigs else None
                if racy is None:
                    index.debug_note("data changed while it was read; index not written")
                    return None
                return index.stamp_text(location, files, sigs, racy)

            stream = Stream(location, progress.files)
            base = index.reusable(target, location)
            if base is not None:  # an index of the same data before some files changed: only those are read again
                try:
                    return index.update(stream, base, location, files, sigs, target, stamp, progress.records)
                except index.Rebuild as why:
                    index.debug_note(f"index built whole: {why}")
            return index.build(Stream(location, progress.files), location, target, stamp, progress.records)
    except index.Changed as exc:
        return exc.path
    except (OSError, sqlite3.Error, index.Runaway, index.Tampered) as exc:
        slow = progress.elapsed() > PROGRESS_AFTER
        if slow or os.environ.get("SINORUS_DEBUG"):
            why = getattr(exc, "strerror", None) or str(exc)
            note_once(_("cache not written to {folder} ({why}); the YAML will be read again next time").format(folder=target.parent, why=why))
        return False
    finally:
        progress.close()


class _Progress:
    """A rich progress bar on stderr, shown only on a terminal and only once building takes a while."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self._bar = None
        self._task = None
        self._off = not _stderr_is_terminal()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def files(self, done: int, total: int) -> None:
        self._show("reading YAML", done, total)

    def records(self, done: int, total: int) -> None:
        self._show("building index", done, total)

    def _show(self, what: str, done: int, total: int) -> None:
        if self._off or self.elapsed() < PROGRESS_AFTER:
            return
        try:
            if self._bar is None:
                from rich.console import Console
                from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

                self._bar = Progress(
                    TextColumn("sinorus: {task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                    console=Console(file=sys.stderr), transient=True,
                )
                self._bar.start()
            if self._task is None or self._bar.tasks[self._task].description != what:
                self._task = self._bar.add_task(what, total=total)
            self._bar.update(self._task, completed=done, total=total)
        except Exception:  # a progress bar must never break a run
            self._off = True

    def close(self) -> None:
        if self._bar is not None:
            try:
                self._bar.stop()
            except Exception:
                pass
            self._bar = None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _cache_files(base: Path | None) -> list[Path]:
    if base is None or not base.is_dir():
        return []
    found: list[Path] = []
    for pattern in _PATTERNS:
        found += base.glob(pattern)
    return sorted(set(found))


def info() -> dict:
    """What the cache directory holds, for `sinorus cache info` (enabled: False when it is not the user's own).

    stale: the temporary files killed builds left (removed by the next build or `cache clear`).
    """
    enabled = cache_dir() is not None
    base = configured_dir()
    files = []
    for p in _cache_files(base):
        if p.name.startswith("."):
            continue
        try:
            files.append({"path": str(p), "bytes": p.stat().st_size})
        except OSError:
            pass
    stale = stale_temporaries(base)
    return {
        "directory": str(base) if base is not None else None,
        "enabled": enabled,
        "files": files,
        "bytes": sum(f["bytes"] for f in files),
        "stale": {"files": len(stale), "bytes": sum(size for _path, size in stale)},
    }


def clear() -> int:
    """Remove every cache file of the user's (and any left-over temporary file); return how many were removed.

    Also in a folder the cache does not trust (a shared one): the user's own files only. The
    temporary file of a build running now is left to it (its rename would fail).
    """
    removed = 0
    for p in _cache_files(configured_dir()):
        try:
            if not _own(os.lstat(p)) or (p.match(_TEMPORARY) and in_use(p)):
                continue
            p.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def _own(st: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def stale_temporaries(base: Path | None) -> list[tuple[Path, int]]:
    """(path, bytes) of each temporary index of the user's left by a build that died: older than
    STALE_TEMPORARY_S and locked by no live build (ten runs building at once keep theirs)."""
    if base is None or not base.is_dir():
        return []
    old = time.time() - STALE_TEMPORARY_S
    found = []
    for p in sorted(base.glob(_TEMPORARY)):
        try:
            st = os.lstat(p)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and _own(st) and st.st_mtime < old and not in_use(p):
            found.append((p, st.st_size))
    return found


def remove_stale_temporaries(base: Path) -> None:
    """Remove what killed builds left before building (a SIGKILL runs no clean-up of its own)."""
    from sinorus.index.db import debug_note

    for p, size in stale_temporaries(base):
        try:
            p.unlink()
            debug_note(f"removed {p}, a temporary index of {size:,} bytes left by a build that was killed")
        except OSError:
            pass


def in_use(path: Path) -> bool:
    """Whether a live build holds path locked (TemporaryLock); a killed build's lock died with it."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the age alone decides
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    except OSError:  # a file system without flock: the age alone decides
        return False
    finally:
        os.close(fd)


class TemporaryLock:
    """An flock on a build's temporary index, held from just after it is created until after its
    rename (``with TemporaryLock() as lock, replacing(target) as tmp: lock.take(tmp)``), so no other
    run's sweep takes it for a killed build's, however long the build."""

    def __init__(self) -> None:
        self.fd: int | None = None

    def __enter__(self) -> "TemporaryLock":
        return self

    def take(self, path: Path) -> None:
        try:
            import fcntl

            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except (ImportError, OSError):
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return
        self.fd = fd

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def load(path: "str | os.PathLike | None" = None, *, use_cache: bool = True):
    """The validated knowledge base at --data / $SINORUS_DATA / the bundled data, from its index when current."""
    from sinorus.kb.paths import data_location
    from sinorus.kb.store import load_uncached

    location = data_location(path)
    if not use_cache:
        return load_uncached(location)
    return load_cached(location, load_uncached)

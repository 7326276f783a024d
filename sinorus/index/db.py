"""The compiled index of a data set: one SQLite file per data location.

The YAML (or JSON Lines) files stay the source of truth. The first run on a data
set validates it record by record (``store.Stream``) and writes each record into
an SQLite database in the cache directory as it is read; later runs open that
database instead of parsing the files, and every command is answered from it
(``sinorus.index.engine``).

What the database holds, per record (table ``records``, in file order):
- ``body``: the record's JSON exactly as ``--json`` prints it (``to_dict``,
  indent 2, Unicode as is), so a listing of 20,000 events is a string join
  rather than 20,000 objects revived and re-encoded;
- its origin (file, line, column) and its citations' origins, so the records
  revived from it are the very records the YAML gives (``revive``);
- sort and filter keys: date start (ordinal), precision, end of its interval,
  the quote's speaker; ``links`` holds an event's people, topics and sources.
And for search: every searchable field of every record (``searchable``), folded
by ``text.fold`` with and without accents, packed per record in ``fields``
(which SQLite scans with ``instr`` to find the few records that can match before
the engine scores them; its typo-level pass, run only when nothing matches,
reads them all).

Validity: the database is written to a temporary file and renamed into place,
so readers see a whole old one or a whole new one. Its ``stamp`` names the
sinorus version, the index format, the code that shaped it (sizes and mtimes of
the modules below) and every data file's name, size, mtime, ctime and inode;
files changed within two seconds of the build also carry the CRC of the bytes
that were parsed (a second write within one mtime tick keeps size and mtime; a
file whose bytes differ from those parsed by the time the stamp is taken is not
indexed at all). A database whose
stamp differs, whose size does not match its page count (truncated), or that
SQLite cannot read (garbage) is never used.

Updating: when the stamp differs only in some data files' lines, ``update`` copies the index,
deletes the rows of the files that changed or went (meta ``spans``: each file's range of record
and link rowids), validates and stores the changed and new files only, and runs the cross-record
checks over the whole copy. Rowids keep file order (file number << FILE_SHIFT in a whole build,
between the neighbours' for a file read again), so ``ORDER BY rowid`` lists in file order either way.

Trust: the index is data from disk, not code. It is opened only when it is a
regular file of the user's, that group and others cannot write (``cache``
checks its folder the same way); its tables and indexes must be exactly those
``build`` creates (no view, no trigger, no other column); its modification
time must be the one it was given when built (any later write changes it, and
only its owner can set it back); every query is bounded (``_Connection``);
and text revived from it passes ``text.find_unsafe`` as text read from YAML
does. A failed check means a rebuild from the YAML, never a wrong answer.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import sys
import time
import weakref
import zlib
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sinorus import __version__
from sinorus.errors import DataError
from sinorus.i18n import _
from sinorus.streams import stdout_is_terminal
from sinorus.kb.paths import PACKAGE_DIR, yaml_files

FORMAT = 8
SECTIONS = ("sources", "people", "topics", "events", "quotes", "facts")  # as model.SECTIONS
SECTION_NO = {name: i for i, name in enumerate(SECTIONS)}
SINGULAR = ("source", "person", "topic", "event", "quote", "fact")
LINK_PERSON, LINK_TOPIC, LINK_SOURCE = 0, 1, 2
# Modules whose code decides what the index holds: an edit to any of them rebuilds it.
CODE = ("__init__.py", "index/db.py", "index/cache.py", "index/searchable.py", "kb/model.py", "kb/store.py", "kb/yamlread.py", "kb/jsonlread.py",
        "matching/dates.py", "matching/text.py", "matching/names.py")
RACY_NS = 2_000_000_000  # files modified this close to a build also get a content CRC
FIELD_SEP, RECORD_SEP = "\x1f", "\x1e"  # never in folded text: fold turns controls and spaces into " "
NAME_CODE = 0xE000  # a packed search field starts with chr(NAME_CODE + number of its name in meta field_names)
# A whole build gives file number k's records the rowids after k << FILE_SHIFT, in the order read: rowid
# order is file order (listings say ORDER BY rowid), with room between two files for a file re-read by update.
FILE_SHIFT = 32


# --- where the data is -------------------------------------------------------------


def data_files(location: Path) -> list[Path] | None:
    """The YAML files at a location, or None when store.data_files would complain."""
    try:
        return yaml_files(location) or None
    except OSError:
        return None


# --- stamps -------------------------------------------------------------------------


def _code_stamp() -> str:
    parts = []
    for name in CODE:
        try:
            st = os.stat(PACKAGE_DIR / name)
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:-")
    return ",".join(parts)


def signatures(files: list[Path]) -> list[tuple]:
    """(name, size, mtime, ctime, inode) of each data file; raises OSError."""
    out = []
    for path in files:
        st = os.stat(path)
        out.append((path.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    return out


def _crc(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO swapped in must not block us
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path}: not a regular file")
    with open(fd, "rb") as fh:
        crc = 0
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return crc
            crc = zlib.crc32(chunk, crc)


def stamp_text(location: Path, files: list[Path], sigs: list[tuple], racy: dict[str, int]) -> str:
    """What the index of these files must say about itself to be trusted."""
    head = f"sinorus {__version__} index {FORMAT} code {_code_stamp()} max {os.environ.get('SINORUS_MAX_FILE_BYTES', '')}"
    lines = [head, str(location.resolve())]
    for sig in sigs:
        crc = racy.get(sig[0])
        lines.append("\t".join(map(str, sig)) + (f"\tcrc {crc}" if crc is not None else ""))
    return "\n".join(lines)


def racy_files(files: list[Path], sigs: list[tuple], since_ns: int, parsed: dict[str, int] | None = None) -> dict[str, int] | None:
    """CRCs of the files modified within RACY_NS of since_ns (their mtime may not tell a rewrite).

    With parsed (yamlread.crcs_read(): the CRC of the bytes each file was parsed from), the CRC is
    that of what the index holds, and None says a file no longer has those bytes: rewritten after
    it was read within one mtime tick, so no index may be written. A file parsed without a record
    (or no parsed at all) gets the CRC of its bytes now.
    """
    out = {}
    for path, sig in zip(files, sigs):
        if sig[2] < since_ns - RACY_NS:
            continue
        now = _crc(path)
        was = parsed.get(str(path), now) if parsed is not None else now
        if was != now:
            return None
        out[sig[0]] = was
    return out


def cache_path(location: Path, base: Path) -> Path:
    key = str(location.resolve()).encode("utf-8", "surrogatepass")
    return base / f"kb-{zlib.crc32(key):08x}{zlib.adler32(key):08x}.sqlite"


# --- bounded queries ---------------------------------------------------------------------
#
# SQLite calls the progress handler of a _Connection every CHECK_EVERY steps of its virtual
# machine; it stops the statement once it has taken more steps than its budget (a runaway: a
# recursive view, a table planted to be scanned forever) or once SIGINT or SIGTERM arrived.
# The budget is counted in steps, not seconds, so a loaded machine or a slow reader of our
# output (`| less`) never cuts a good query short; it grows with the size of the index, since
# the heaviest queries sinorus makes (full scans) take 20-45 steps per page (measured).

CHECK_EVERY = 1_000  # VM steps between two calls of the progress handler
QUERY_STEPS = 20_000_000  # a statement may take this many steps (under a second of a runaway on a small index)...
QUERY_STEPS_PER_PAGE = 1_000  # ...plus this many per page of the index: over 20 times a full scan
BUILD_STEPS = 50_000_000  # a build may take this many steps in all...
BUILD_STEPS_PER_RECORD = 20_000  # ...plus this many per record: over 100 times a build (about 175 a record)


class Runaway(DataError):
    """A query over the index took more steps than its budget: it is not an index sinorus wrote."""


class Tampered(DataError):
    """The index holds something sinorus never writes (a control character, a record it cannot revive).

    Found before anything was written, the question is asked again of the YAML; an
    answer already being written (rows are streamed in every format) stops with this
    one-line error (the index is removed, the next run rebuilds).
    """

    def __init__(self, what: str, path: Path | None = None) -> None:
        self.what = what
        where = "the cache index" if path is None else f"the cache index {path}"
        super().__init__(_("{where} holds {what}, which sinorus never writes").format(where=where, what=what),
                         _("it has been removed; run the command again to rebuild it from the YAML"))


_pending_signal: int | None = None  # SIGINT/SIGTERM caught inside the progress handler, for failure() to deliver
_previous_handlers: dict[int, Any] = {}
_connections: "weakref.WeakSet[_Connection]" = weakref.WeakSet()
_END = object()


class _Connection(sqlite3.Connection):
    """A connection whose statements are bounded (see above) and whose failures say why they stopped.

    With ``check_bodies``, every ``body`` column a statement returns passes body_control
    before anyone sees it: set when stdout is a terminal, where JSON answers print
    stored bodies as they are (scripts and pipes do not pay for the scan; see open_index).
    """

    path: Path | None = None
    check_bodies = False
    _ticks = _left = QUERY_STEPS // CHECK_EVERY

    def arm(self, steps: int, path: Path | None = None) -> None:
        """Bound each statement to `steps` steps and let SIGINT/SIGTERM interrupt it."""
        self.path = path
        self.set_budget(steps)
        self.set_progress_handler(self._tick, CHECK_EVERY)
        _connections.add(self)
        _route_signals()

    def set_budget(self, steps: int) -> None:
        self._ticks = self._left = max(1, steps // CHECK_EVERY)

    def _tick(self) -> bool:
        # Kept to two lines: a signal handler that finds itself running in this frame knows that
        # an exception raised here would be swallowed by sqlite3 (see _on_signal).
        self._left -= 1
        return self._left < 0 or _pending_signal is not None

    def execute(self, sql: str, parameters: Any = ()) -> "sqlite3.Cursor":  # type: ignore[override]
        self._left = self._ticks
        try:
            return self.cursor(_Cursor).execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise self.failure(exc) from None

    def failure(self, exc: BaseException) -> BaseException:
        """Why a statement stopped: delivers a pending signal, else a Runaway, else exc itself."""
        deliver_pending_signal()
        if self._left < 0:
            if self.path is not None:
                _discard(self.path)
            return Runaway(
                f"the cache index {self.path} is not one sinorus wrote: a query ran over {self._ticks * CHECK_EVERY:,} steps",
                "it has been removed; run the command again to rebuild it from the YAML",
            )
        return exc


class _Cursor(sqlite3.Cursor):
    """Rows as sqlite3 gives them; an interrupted statement raises what _Connection.failure says."""

    def __iter__(self) -> Iterator[Any]:
        return self._rows()

    def _rows(self) -> Iterator[Any]:
        try:
            rows = iter(partial(sqlite3.Cursor.__next__, self), _END)
            body = self._body_column()
            if body is None:
                yield from rows
                return
            for row in rows:
                self._check(row[body])
                yield row
        except sqlite3.OperationalError as exc:
            raise self.connection.failure(exc) from None

    def fetchone(self) -> Any:
        try:
            row = super().fetchone()
        except sqlite3.OperationalError as exc:
            raise self.connection.failure(exc) from None
        body = self._body_column() if row is not None else None
        if body is not None:
            self._check(row[body])
        return row

    def fetchall(self) -> list:
        return list(self._rows())

    def _body_column(self) -> int | None:
        if not self.connection.check_bodies or not self.description:
            return None
        names = [d[0] for d in self.description]
        return names.index("body") if "body" in names else None

    def _check(self, body: Any) -> None:
        from sinorus.matching.text import find_unsafe

        try:
            bad = body_control(body, find_unsafe)
            what = None if bad is None else f"control character U+{ord(bad):04X} in a stored record"
        except (ValueError, TypeError):
            what = "a stored record that is not JSON"
        if what is not None:
            path = self.connection.path
            if path is not None:
                _discard(path)
            raise Tampered(what, path)


_TICK_CODE = _Connection._tick.__code__


def _route_signals() -> None:
    """Send SIGINT and SIGTERM through _on_signal (once; only the main thread may set handlers)."""
    import signal

    for signum in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if signum is None:
            continue
        try:
            current = signal.getsignal(signum)
            if current is _on_signal or current in (signal.SIG_IGN, None):
                continue
            _previous_handlers[signum] = current
            signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not the main thread
            return


def _on_signal(signum: int, frame: Any) -> None:
    """Ctrl-C or SIGTERM: interrupt every query; then act as the handler we replaced.

    Python runs signal handlers between bytecodes, so during a long statement this runs
    inside the progress handler, where sqlite3 would swallow KeyboardInterrupt or
    SystemExit: there, the signal is kept and the handler stops the statement;
    _Connection.failure delivers it once the statement has returned.
    """
    global _pending_signal
    for con in list(_connections):
        try:
            con.interrupt()
        except sqlite3.Error:  # closed
            pass
    if frame is not None and frame.f_code is _TICK_CODE:
        _pending_signal = signum
        return
    _deliver(signum, frame)


def deliver_pending_signal() -> None:
    """Act on a signal that arrived while SQLite was running (KeyboardInterrupt, exit 143, ...)."""
    global _pending_signal
    if _pending_signal is not None:
        signum, _pending_signal = _pending_signal, None
        _deliver(signum, None)


def _deliver(signum: int, frame: Any) -> None:
    import signal

    previous = _previous_handlers.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)  # default_int_handler raises KeyboardInterrupt; cli's SIGTERM handler exits 143
    elif previous == signal.SIG_DFL:
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)


def _discard(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# --- reading --------------------------------------------------------------------------


class Index:
    """An open, validated index. Queries return JSON bodies or revived records."""

    def __init__(self, con: sqlite3.Connection, path: Path, meta: dict[str, str], location: Path | None = None) -> None:
        self.con = con
        self.path = path
        self.meta = meta
        self.location = location
        self.files = tuple(meta["files"].split("\n")) if meta.get("files") else ()
        self._small = None
        self._revive: Callable[..., Any] | None = None
        self._lazy: list[LazySection] = []
        self._yaml = None

    def fallback(self, exc: Tampered):
        """The knowledge base read from the YAML, for a run that found the index tampered with midway.

        The index is removed (the next run rebuilds it) and every lazy section of this
        run answers from the YAML from now on.
        """
        if self._yaml is None:
            from sinorus.index.cache import note_once

            _discard(self.path)
            if self.location is None:
                raise Tampered(exc.what, self.path) from None
            note_once(_("the cache index {path} holds {what}, which sinorus never writes; it is removed and the YAML read instead").format(path=self.path, what=exc.what))
            from sinorus.kb.store import load_uncached

            self._yaml = load_uncached(self.location)
            for lazy in self._lazy:
                lazy._all = self._yaml.section(lazy._section)
        return self._yaml

    def has(self, section: str, rid: str) -> bool:
        return self.con.execute("SELECT 1 FROM records WHERE id = ? AND section = ?", (rid, SECTION_NO[section])).fetchone() is not None

    # revived records, for everything else ----------------------------------------------
    def knowledge_base(self):
        """The whole knowledge base: small sections revived now, big ones on demand."""
        from sinorus.kb.model import KnowledgeBase

        small = self.small_sections()  # raises Tampered: the caller rebuilds
        self._lazy = [LazySection(self, name) for name in ("events", "quotes", "facts")]
        events, quotes, facts = self._lazy
        return KnowledgeBase(
            sources=small["sources"], people=small["people"], topics=small["topics"],
            events=events, quotes=quotes, facts=facts, files=self.files,
        )

    def small_sections(self) -> dict[str, dict]:
        if self._small is None:
            self._small = {name: dict(self.revive_rows(self._rows("WHERE section = ? ORDER BY rowid", (SECTION_NO[name],)))) for name in ("sources", "people", "topics")}
        return self._small

    def _rows(self, where: str, args: tuple) -> Iterator[tuple]:
        return self.con.execute(f"SELECT section, id, file, line, col, cites, body FROM records {where}", args)

    def revive_row(self, row: tuple) -> Any:
        """The record of a row (section, id, file, line, col, cites, body); Tampered for one sinorus would not have stored."""
        if self._revive is None:
            self._revive = _reviver(self.files)
        section, rid, file, line, col, cites, body = row
        record = self._revive(SECTIONS[section], file, line, col, cites, body)
        if record.id != rid:
            raise Tampered(f"record {record.id!r} stored as {rid!r}")
        return record

    def revive_rows(self, rows: Iterable[tuple]) -> Iterator[tuple[str, Any]]:
        for row in rows:
            yield row[1], self.revive_row(row)


def filter_sql(
    section_no: int,
    start: int | None = None,
    end: int | None = None,
    *,
    strict: bool = False,
    topics: Iterable[str] | None = None,
    person: str | None = None,
    source: str | None = None,
    speaker_column: bool = False,
) -> tuple[list[str], list[Any]]:
    """WHERE clauses selecting records of a section that pass timeline's filters.

    Dates are day ordinals; overlap by default, wholly inside with ``strict``
    (dates.DateRange.admits). Quotes match ``person`` as their speaker and
    ``topics`` as their own topics; they have no source links here.
    """
    where, args = ["section = ?"], [section_no]
    for clause, value in ((("start >= ?", start), ("stop <= ?", end)) if strict else (("stop >= ?", start), ("start <= ?", end))):
        if value is not None:
            where.append(clause)
            args.append(value)
    if speaker_column and person is not None:
        where.append("speaker = ?")
        args.append(person)
        person = None
    if topics is not None:
        topics = sorted(topics)
        where.append(f"rowid IN (SELECT rec FROM links WHERE kind = {LINK_TOPIC} AND target IN ({','.join('?' * len(topics))}))")
        args += topics
    for kind, value in ((LINK_PERSON, person), (LINK_SOURCE, source)):
        if value is not None:
            where.append(f"rowid IN (SELECT rec FROM links WHERE kind = {kind} AND target = ?)")
            args.append(value)
    return where, args


class LazySection:
    """A read-only mapping id -> record over one big section, revived on first use.

    Behaves as the dict a KnowledgeBase holds (file order, get, in, len, values,
    items, ==); a full iteration revives every record once and keeps them.
    """

    def __init__(self, index: Index, section: str) -> None:
        self._index = index
        self._section = section
        self._no = SECTION_NO[section]
        self._all: dict[str, Any] | None = None
        self._some: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        if self._all is None:
            try:
                with gc_paused():
                    self._all = dict(self._index.revive_rows(self._index._rows("WHERE section = ? ORDER BY rowid", (self._no,))))
            except Tampered as exc:
                self._index.fallback(exc)  # sets self._all
        return self._all

    def __getitem__(self, rid: str) -> Any:
        if self._all is not None:
            return self._all[rid]
        if rid not in self._some:
            if not isinstance(rid, str):
                raise KeyError(rid)
            try:
                found = list(self._index.revive_rows(self._index._rows("WHERE id = ? AND section = ?", (rid, self._no))))
            except Tampered as exc:
                self._index.fallback(exc)
                return self._all[rid]
            if not found:
                raise KeyError(rid)
            self._some[rid] = found[0][1]
        return self._some[rid]

    def get(self, rid: str, default: Any = None) -> Any:
        try:
            return self[rid]
        except KeyError:
            return default

    def __contains__(self, rid: object) -> bool:
        if self._all is not None:
            return rid in self._all
        return isinstance(rid, str) and (rid in self._some or self._index.has(self._section, rid))

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        if self._all is not None:
            return len(self._all)
        return self._index.con.execute("SELECT count(*) FROM records WHERE section = ?", (self._no,)).fetchone()[0]

    def keys(self):
        return self._load().keys()

    def values(self):
        return self._load().values()

    def items(self):
        return self._load().items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazySection):
            other = other._load()
        return self._load() == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{self._section}: {len(self)} records from {self._index.path.name}>"


def _reviver(files: tuple[str, ...]) -> Callable[..., Any]:
    """A function turning a stored row back into its record; raises Tampered for anything
    sinorus would not have stored (body_control: the loader's check, on the text as revived)."""
    import json

    from sinorus.matching.dates import PartialDate
    from sinorus.kb.model import RECORD_TYPES, SCHEMA, Citation, Origin, Role

    parse_date = PartialDate.parse
    kinds = {name: {f: k for f, (k, _) in spec.items()} for name, spec in SCHEMA.items()}
    loads = json.loads

    def date(text):
        return parse_date(text) if text is not None else None

    def revive(section: str, file: int, line: int, col: int, cites: str | None, body: str) -> Any:
        try:
            return _revive(section, file, line, col, cites, stored_data(body))
        except Tampered:
            raise
        except Exception as exc:  # a body or origin sinorus would not have written
            raise Tampered(f"a record that cannot be revived ({type(exc).__name__})") from None

    def _revive(section: str, file: int, line: int, col: int, cites: str | None, row: dict) -> Any:
        kind_of = kinds[section]
        fields = {}
        for name, value in row.items():
            if value is None:
                continue
            kind = kind_of[name]
            if kind == "date":
                value = parse_date(value)
            elif kind == "strs":
                value = tuple(value)
            elif kind == "citations":
                where = loads(cites) if cites else [[file, line, col]] * len(value)
                value = tuple(Citation(c["source"], c.get("excerpt"), Origin(files[o[0]], o[1], o[2])) for c, o in zip(value, where))
            elif kind == "roles":
                value = tuple(Role(**{**r, "start": date(r.get("start")), "end": date(r.get("end"))}) for r in value)
            fields[name] = value
        return RECORD_TYPES[section](origin=Origin(files[file], line, col), **fields)

    return revive


def stored_data(body: str) -> dict[str, Any]:
    """A stored JSON body as plain data; Tampered for what sinorus never stores (a control
    character, raw or escaped: body_control, the loader's own check; text that is not a JSON object)."""
    import json

    from sinorus.matching.text import find_unsafe

    bad = body_control(body, find_unsafe)
    if bad is not None:
        raise Tampered(f"control character U+{ord(bad):04X} in a stored record")
    try:
        data = json.loads(body)
    except ValueError:
        raise Tampered("a stored record that is not JSON") from None
    if not isinstance(data, dict):
        raise Tampered("a stored record that is not a JSON object")
    return data


def body_control(body: str, find_unsafe: Callable[[str, bool], str | None]) -> str | None:
    """The first control character of a stored JSON body, raw or once its escapes are decoded
    (``text.find_unsafe`` for prose: what the loader refuses in any text, in one regex pass).

    Raw C0 controls cannot hide in a JSON string (json.loads refuses them); DEL, C1 and
    bidi controls can, and the escapes \\u001b, \\r, \\b and \\f decode to controls. Bodies
    sinorus writes hold none of these escapes (only a literal backslash before u, r, b
    or f looks like one), so decoding is rare.
    """
    bad = find_unsafe(body, False)
    if bad is None and "\\" in body and _ESCAPE_RE.search(body):
        import json

        bad = _decoded_control(json.loads(body), find_unsafe)
    return bad


_ESCAPE_RE = re.compile(r"\\[ubfr]")  # JSON escapes that can decode to a control character


def _decoded_control(value: Any, find_unsafe: Callable[[str, bool], str | None]) -> str | None:
    """The first control character in any text of a decoded JSON value, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            bad = find_unsafe(item, False)
            if bad is not None:
                return bad
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def open_index(path: Path, stamp: Callable[[str], bool], location: Path | None = None) -> Index | None:
    """The index at path if it is ours, whole, as built, of the expected schema and current; else None.

    A file of another user or writable by others is refused with a note on stderr; a
    view or trigger (which sinorus never creates) too; anything else wrong (missing,
    stale, truncated, garbage, touched since it was built) is silently rebuilt.
    """
    from sinorus.index.cache import note_once, untrusted

    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):  # a symlink, directory or FIFO: never opened; the build replaces it
        return None
    why = untrusted(st)
    if why is not None:
        note_once(_("not using the cache file {path}: {why}; rebuilding it from the YAML").format(path=path, why=why))
        return None
    con = None
    try:
        uri = "file:" + _uri_path(path) + "?mode=ro&immutable=1"
        con = sqlite3.connect(uri, uri=True, factory=_Connection)
        con.arm(QUERY_STEPS, path)
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        if pages * page_size != st.st_size:  # truncated, or grown by something else
            raise sqlite3.DatabaseError("size does not match page count")
        con.set_budget(QUERY_STEPS + QUERY_STEPS_PER_PAGE * pages)
        odd = _schema_problem(con)
        if odd is not None:
            if odd:
                note_once(_("the cache index {path} holds {what}, which sinorus never writes; rebuilding it from the YAML").format(path=path, what=odd))
            raise sqlite3.DatabaseError("unexpected schema")
        meta = dict(con.execute("SELECT key, value FROM meta"))
        if meta.get("complete") != "yes" or not stamp(meta.get("stamp", "")):
            con.close()
            return None
        if meta.get("mtime") != str(st.st_mtime_ns):
            debug_note(f"{path} was modified after it was built; rebuilding it")
            con.close()
            return None
        con.check_bodies = stdout_is_terminal()
        return Index(con, path, meta, location)
    except (sqlite3.Error, ValueError, KeyError, IndexError, TypeError, Runaway):
        if con is not None:
            con.close()
        return None


def _schema_problem(con: sqlite3.Connection) -> str | None:
    """None when sqlite_master lists exactly what build creates; else "" or, for a view or
    trigger, what it is ("a view named 'meta'")."""
    found = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    if len(found) == len(_EXPECTED_SCHEMA) and set(found) == _EXPECTED_SCHEMA:
        return None
    for kind, name, *_rest in found:
        if kind in ("view", "trigger"):
            return f"a {kind} named {name!r}"
    return ""


def _uri_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(path.absolute()), safe="/")


def stamp_checker(location: Path, files: list[Path], sigs: list[tuple]) -> Callable[[str], bool]:
    """A test for a stored stamp against the files as they are now (CRCs only where the stamp has them)."""

    def check(stored: str) -> bool:
        racy = {}
        for line in stored.split("\n")[2:]:
            parts = line.split("\t")
            if len(parts) == 6 and parts[5].startswith("crc "):
                racy[parts[0]] = None
        if racy:
            try:
                racy = {name: _crc(path) for path in files if (name := path.name) in racy}
            except OSError:
                return False
        return stored == stamp_text(location, files, sigs, racy)

    return check


def current(location: Path, base: Path | None) -> Index | None:
    """The valid index of the data at location, or None (no cache, stale, corrupt, unreadable)."""
    if base is None:
        return None
    files = data_files(location)
    if files is None:
        return None
    try:
        sigs = signatures(files)
    except OSError:
        return None
    return open_index(cache_path(location, base), stamp_checker(location, files, sigs), location)


# --- writing ---------------------------------------------------------------------------

SCHEMA_SQL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    rowid INTEGER PRIMARY KEY, section INTEGER NOT NULL, id TEXT NOT NULL,
    file INTEGER NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL, cites TEXT,
    start INTEGER, prec INTEGER, stop INTEGER, speaker TEXT, body TEXT NOT NULL
);
CREATE TABLE links (rec INTEGER NOT NULL, kind INTEGER NOT NULL, target TEXT NOT NULL);
CREATE TABLE fields (rec INTEGER PRIMARY KEY, kind INTEGER NOT NULL, data TEXT NOT NULL);
"""
INDEX_SQL = """
CREATE UNIQUE INDEX records_id ON records (id, section);
CREATE INDEX records_order ON records (section, start, prec, id);
CREATE INDEX records_stop ON records (section, stop);
CREATE INDEX records_speaker ON records (speaker, section) WHERE speaker IS NOT NULL;
CREATE INDEX links_target ON links (kind, target, rec);
"""


def _expected_schema() -> frozenset:
    """sqlite_master of an index as build writes it: (type, name, table, sql) of each object.

    SQLite keeps each CREATE statement as written, so the text is compared too: a
    table with another column, or a view standing in for a table, does not match.
    """
    rows = {("index", "sqlite_autoindex_meta_1", "meta", None)}  # its primary key
    for statement in (SCHEMA_SQL + INDEX_SQL).split(";"):
        sql = statement.strip()
        if sql:  # CREATE [UNIQUE] TABLE name (...) / CREATE [UNIQUE] INDEX name ON table (...)
            words = sql.replace("(", " (").split()
            if words[1] == "UNIQUE":
                del words[1]
            kind, name = words[1].lower(), words[2]
            rows.add((kind, name, words[4] if kind == "index" else name, sql))
    return frozenset(rows)


_EXPECTED_SCHEMA = _expected_schema()


def build(kb: Any, location: Path, target: Path, stamp: str | Callable[[], str | None],
          progress: Callable[[int, int], None] | None = None) -> bool:
    """Compile a validated knowledge base into an index at target, atomically; True when written.

    kb may also be a ``store.Stream``: each record is then validated and stored as it is read
    (nothing of it kept), its cross-record checks run against the index once every file is in,
    and a problem raises load_uncached's DataError (nothing written). stamp may be a function
    called once the data is read: None from it means the files changed meanwhile, and Changed is
    raised: the index of the bytes read is not the cache's, only this run's (Changed.path).
    """
    _build(kb, location, target, stamp, progress)
    return True


def _build(kb: Any, location: Path, target: Path, stamp: str | Callable[[], str | None], progress: Callable[[int, int], None] | None) -> None:
    streaming = hasattr(kb, "run")
    records = 0 if streaming else sum(len(kb.section(s)) for s in SECTIONS)

    def fill(con: sqlite3.Connection) -> tuple[tuple[str, ...], dict[str, str]]:
        con.executescript(SCHEMA_SQL)
        writer = _fill(con, kb, progress)
        _index(con, kb if streaming else None, writer.count)
        meta = {"field_names": ",".join(writer.field_names)}
        if streaming:  # what update needs: where each file's rows are (a whole knowledge base mixes files' links)
            meta["spans"] = _spans_text([writer.spans.get(i) for i in range(len(kb.files))])
        return tuple(kb.files), meta

    _write(location, target, stamp, BUILD_STEPS + BUILD_STEPS_PER_RECORD * records, fill)


def _write(location: Path, target: Path, stamp: str | Callable[[], str | None], steps: int,
           fill: Callable[[sqlite3.Connection], tuple[tuple[str, ...], dict[str, str]]], source: int | None = None) -> None:
    """Write an index at target atomically: fill(con) writes the rows (into a copy of the index open
    as fd source, for update) and returns the files and meta; the stamp, marks and mtime are set here."""
    from sinorus.atomic import replacing
    from sinorus.index.cache import TemporaryLock

    built = time.time_ns()
    mtime = built - built % 2_000_000_000  # whole even seconds: kept exactly by every file system (FAT counts in 2 s)
    with TemporaryLock() as lock, replacing(target) as tmp:
        lock.take(tmp)  # until after the rename: another run's sweep of killed builds' files leaves it
        if source is not None:
            _copy(source, tmp)
        con = sqlite3.connect(tmp, factory=_Connection)
        try:
            con.arm(steps)
            con.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 8192; PRAGMA cache_size = -4000;")
            files, meta = fill(con)
            stamp = stamp() if callable(stamp) else stamp
            meta.update({
                "format": str(FORMAT), "version": __version__, "location": str(location.resolve()),
                "files": "\n".join(files), "stamp": stamp or "changed while read", "built": str(built), "mtime": str(mtime), "complete": "yes",
            })
            con.execute("DELETE FROM meta")
            con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            con.commit()
        except sqlite3.OperationalError as exc:  # interrupted: by a signal (delivered here) or the budget
            raise con.failure(exc) from None
        finally:
            con.close()
        os.utime(tmp, ns=(mtime, mtime))  # open_index insists on it: a later write shows
        if stamp is None:  # moved out of the cache before replacing() would rename it there
            import tempfile

            private = Path(tempfile.mkdtemp(prefix="sinorus-")) / "kb.sqlite"
            os.rename(tmp, private)
            raise Changed(private)


def _copy(source: int, tmp: Path) -> None:
    """Copy the index open as fd source into tmp (the file replacing() made and the lock holds)."""
    size = os.fstat(source).st_size
    with open(tmp, "r+b") as out:
        done = 0
        try:
            while done < size:
                n = os.copy_file_range(source, out.fileno(), size - done, offset_src=done)
                if n <= 0:
                    break
                done += n
        except (AttributeError, OSError):  # no copy_file_range here: read and write
            done = 0
        if done != size:
            import shutil

            out.seek(0)
            out.truncate()
            with open(os.dup(source), "rb") as src:
                src.seek(0)
                shutil.copyfileobj(src, out, 1 << 20)
        if out.tell() not in (0, size) or os.fstat(out.fileno()).st_size != size:
            raise OSError("the index changed while it was copied")


def _fill(con: sqlite3.Connection, kb: Any, progress: Callable[[int, int], None] | None) -> "_Writer":
    """Write every record (of a knowledge base, or of a store.Stream as it reads them) with its links and search fields."""
    if hasattr(kb, "run"):
        writer = _Writer(con, kb, None, streaming=True)
        kb.progress = kb.progress or progress
        kb.file_start = writer.start_of
        kb.run(writer.add)
    else:
        writer = _Writer(con, kb, progress, streaming=False)
        for section in SECTIONS:
            for r in kb.section(section).values():
                writer.add(section, r)
    writer.close()
    if progress is not None and writer.total:
        progress(writer.total, writer.total)
    return writer


# --- updating: only the files that changed ----------------------------------------------
#
# An index whose stamp differs from the files only in some files' lines (same sinorus, code,
# format, size cap and data location) is copied, the rows of the files that changed or went
# are deleted, the changed and new files are validated and stored (store.Stream, as a build
# does), and the cross-record checks run over the whole copy (Stream.verdict: references into
# files not re-read, duplicate ids across old and new rows), with load_uncached's very error.
# Rowids keep file order: a re-read file's records go between its neighbours' (FILE_SHIFT).
# Whatever update cannot do exactly (a file of sources, people or topics changed: their names
# are in other records' search fields; an id twice in one section; every file changed) is a
# whole build instead (Rebuild).

EMPTY_SPAN = (0, -1, 0, -1)


class Rebuild(Exception):
    """The index cannot be updated, only built whole (the message says why, for SINORUS_DEBUG)."""


class Base:
    """A stale index of the same data location, sinorus, code and settings, open as fd: what update copies."""

    def __init__(self, fd: int, meta: dict[str, str]) -> None:
        self.fd, self.meta = fd, meta

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def reusable(path: Path, location: Path) -> Base | None:
    """The index at path if it passes open_index's checks but for its data files' lines; else None."""
    head = stamp_text(location, [], [], {}) + "\n"
    try:
        before = os.lstat(path)
    except OSError:
        return None
    found = open_index(path, lambda stored: stored.startswith(head), location)
    if found is None:
        return None
    meta = found.meta
    found.con.close()
    if "spans" not in meta or not meta.get("files"):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    st = os.fstat(fd)
    if (st.st_ino, st.st_size, st.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):  # replaced meanwhile
        os.close(fd)
        return None
    return Base(fd, meta)


def changed_files(stored: str, files: list[Path], sigs: list[tuple]) -> set[str]:
    """Names of the files whose line in a stored stamp is not what it would be now (new files too)."""
    lines = {line.split("\t", 1)[0]: line for line in stored.split("\n")[2:]}
    out = set()
    for path, sig in zip(files, sigs):
        was = lines.get(path.name)
        now = "\t".join(map(str, sig))
        if was is not None and was.count("\t") == 5 and was.rsplit("\t", 1)[1].startswith("crc "):
            try:
                now += f"\tcrc {_crc(path)}"
            except OSError:
                now = ""
        if was != now:
            out.add(path.name)
    return out


def update(stream: Any, base: Base, location: Path, files: list[Path], sigs: list[tuple], target: Path,
           stamp: str | Callable[[], str | None], progress: Callable[[int, int], None] | None = None) -> bool:
    """Write the index of the data at location from base, re-reading only the files that changed
    (a store.Stream, as build's); True when written. Raises Rebuild when only a whole build will do,
    a DataError for bad data (nothing written), Changed as build does."""
    try:
        return _update(stream, base, location, files, sigs, target, stamp, progress)
    finally:
        base.close()


def _update(stream: Any, base: Base, location: Path, files: list[Path], sigs: list[tuple], target: Path,
            stamp: str | Callable[[], str | None], progress: Callable[[int, int], None] | None) -> bool:
    meta = base.meta
    old_files = meta["files"].split("\n")
    old_spans = _parse_spans(meta["spans"], len(old_files))
    new_files = tuple(stream.files)
    reread = changed_files(meta["stamp"], files, sigs)
    # Files are known by name (the stamp's): the same data named another way (--data ./x, /abs/x) is the same.
    old_no = {Path(f).name: i for i, f in enumerate(old_files)}
    kept = {Path(f).name for f in new_files} & old_no.keys() - reread
    if not kept:
        raise Rebuild("every file changed")
    dropped = [old_spans[i] for i, f in enumerate(old_files) if Path(f).name not in kept]
    count = sum(max(0, span[1] - span[0] + 1) for span in old_spans)

    def fill(con: sqlite3.Connection) -> tuple[tuple[str, ...], dict[str, str]]:
        gone = _drop_spans(con, dropped)
        names = [Path(f).name for f in new_files]
        spans: list[Any] = [old_spans[old_no[name]] if name in kept else None for name in names]
        for new, name in enumerate(names):  # files added or removed before a kept one shift its number
            if name in kept and old_no[name] != new and spans[new][0] <= spans[new][1]:
                a, b = spans[new][:2]
                con.execute("UPDATE records SET file = ?, cites = replace(cites, ?, ?) WHERE rowid BETWEEN ? AND ?",
                            (new, f"[{old_no[name]},", f"[{new},", a, b))
        stored = _Stored(con, new_files)
        for name in ("sources", "people", "topics"):  # what validation and quotes' search fields need
            section = stream.kb.section(name)
            for r in stored.records(name):
                section.setdefault(r.id, r)
        bounds = _bounds(spans)
        link_rowid = con.execute("SELECT coalesce(max(rowid), 0) FROM links").fetchone()[0]
        known = meta.get("field_names", "")
        writer = _Writer(con, stream, None, streaming=True, bounds=bounds, counted=count,
                         field_names=known.split(",") if known else [], link_rowid=link_rowid)
        stream.progress = stream.progress or progress
        stream.file_start = writer.start_of
        stream.reading = [p for p in stream.paths if p.name not in kept]
        debug_note(f"updating the index: reading {len(stream.reading)} of {len(new_files)} files again")
        try:
            stream.run(writer.add)
            writer.close()
        except sqlite3.IntegrityError:  # an id twice in one section (the unique index is there): its error comes from a build
            raise Rebuild("an id is stored twice in one section") from None
        fresh = [(span[0], span[1]) for span in writer.spans.values()]
        still = [rid for rid in gone if not stored.has("events", rid)]
        stream.unknown["events"].update(_referenced(con, still))  # events other files' quotes or facts may cite
        con.set_budget(BUILD_STEPS + BUILD_STEPS_PER_RECORD * writer.count)
        stream.verdict(_Stored(con, new_files, fresh))
        for new, span in writer.spans.items():
            spans[new] = span
        removed = sum(max(0, s[1] - s[0] + 1) for s in dropped)
        debug_note(f"index updated: {writer.count - count:,} records stored, {removed:,} removed")
        return new_files, {"field_names": ",".join(writer.field_names), "spans": _spans_text(spans)}

    _write(location, target, stamp, BUILD_STEPS + BUILD_STEPS_PER_RECORD * count, fill, base.fd)
    return True


def _drop_spans(con: sqlite3.Connection, spans: list[tuple]) -> list[str]:
    """Delete the rows of these files; return the ids of the events they held. A file of sources,
    people or topics raises Rebuild: their names are in other files' records' search fields."""
    gone = []
    for a, b, c, d in spans:
        if a > b:
            continue
        if con.execute("SELECT 1 FROM records WHERE rowid BETWEEN ? AND ? AND section < ? LIMIT 1", (a, b, SECTION_NO["events"])).fetchone():
            raise Rebuild("a file of sources, people or topics changed")
        gone += [rid for (rid,) in con.execute("SELECT id FROM records WHERE rowid BETWEEN ? AND ? AND +section = ?", (a, b, SECTION_NO["events"]))]
        con.execute("DELETE FROM records WHERE rowid BETWEEN ? AND ?", (a, b))
        con.execute("DELETE FROM fields WHERE rec BETWEEN ? AND ?", (a, b))
        if c <= d:
            con.execute("DELETE FROM links WHERE rowid BETWEEN ? AND ?", (c, d))
    return gone


def _referenced(con: sqlite3.Connection, events: list[str]) -> set[str]:
    """Which of these event ids a stored quote or fact cites (its ``event``)."""
    found: set[str] = set()
    try:
        for i in range(0, len(events), 500):
            chunk = events[i:i + 500]
            found.update(rid for (rid,) in con.execute(
                f"SELECT DISTINCT json_extract(body, '$.event') FROM records WHERE section IN (?, ?) AND json_extract(body, '$.event') IN ({','.join('?' * len(chunk))})",
                (SECTION_NO["quotes"], SECTION_NO["facts"], *chunk)))
    except sqlite3.OperationalError:  # an SQLite built without JSON functions
        raise Rebuild("no json_extract in this SQLite") from None
    return found


def _bounds(spans: list[Any]) -> dict[int, tuple[int, int]]:
    """For each file to re-read (None in spans): the rowids its records must fall strictly between
    (the last of the kept files before it, the first of those after it)."""
    out = {}
    for i, span in enumerate(spans):
        if span is not None:
            continue
        after = max((s[1] for s in spans[:i] if s is not None and s[0] <= s[1]), default=0)
        before = min((s[0] for s in spans[i + 1:] if s is not None and s[0] <= s[1]), default=1 << 62)
        out[i] = (after, before)
    return out


def _spans_text(spans: list[Any]) -> str:
    """meta spans: for each file, in files order, its first and last record rowid and link rowid."""
    return "\n".join(" ".join(map(str, span or EMPTY_SPAN)) for span in spans)


def _parse_spans(text: str, n: int) -> list[tuple[int, int, int, int]]:
    try:
        spans = [tuple(int(x) for x in line.split()) for line in text.split("\n")]
    except ValueError:
        spans = []
    if len(spans) != n or any(len(s) != 4 for s in spans):
        raise Rebuild("the index does not say where each file's rows are")
    return spans  # type: ignore[return-value]


class Changed(Exception):
    """The data changed while build read it: its index is not the cache's. path: that index, in a
    private folder of its own, for this run to answer from what it read (and remove)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


class _Writer:
    """Rows of the index, one record at a time, written in batches: what _fill stores of each record.

    kb needs only ``files`` and ``people`` (a quote's search fields hold its speaker's names):
    a store.Stream offers both. A quote read before its speaker (a later file) gets its
    search fields once every file is read.
    """

    BATCH = 2000

    def __init__(self, con: sqlite3.Connection, kb: Any, progress: Callable[[int, int], None] | None, streaming: bool,
                 bounds: dict[int, tuple[int, int]] | None = None, counted: int = 0, field_names: list[str] | None = None,
                 link_rowid: int = 0) -> None:
        from sinorus.index.searchable import search_fields
        from sinorus.kb.model import to_dict
        from sinorus.matching.scoring import SEARCH_TYPES
        from sinorus.matching.text import find_unsafe

        self.con, self.kb, self.progress, self.streaming = con, kb, progress, streaming
        self.files = {name: i for i, name in enumerate(kb.files)}
        self.total = 0 if streaming else sum(len(kb.section(s)) for s in SECTIONS)
        self.both = _Folder().both
        self.search_types = {t: i for i, t in enumerate(SEARCH_TYPES)}
        self.search_fields = search_fields
        self.to_dict, self.find_unsafe = to_dict, find_unsafe
        self.records: list[tuple] = []
        self.links: list[tuple] = []
        self.fields: list[tuple] = []
        self.later: list[tuple[int, int, Any]] = []  # (rowid, kind_no, quote) whose speaker is not read yet
        self.field_names: dict[str, int] = {name: i for i, name in enumerate(field_names or ())}  # search field name -> its number in meta field_names
        self.rowid = 0
        # update: file number -> the rowids a re-read file's records must fall strictly between; None: a whole build
        self.bounds = bounds
        self.last: dict[int, int] = {}  # file number -> the rowid of its last record stored
        self.spans: dict[int, list[int]] = {}  # file number -> [first, last record rowid, first, last link rowid]
        self.count = counted  # records in the index (for the budget)
        self.link_rowid = link_rowid

    def start_of(self, file: str) -> int:
        """The rowid before the next record of this file (store.Stream places a file's problems by it)."""
        no = self.files.get(file, 0)
        last = self.last.get(no)
        if last is not None:
            return last
        return no << FILE_SHIFT if self.bounds is None else self.bounds[no][0]

    def _next_rowid(self, section_no: int, file_no: int) -> int:
        last = self.last.get(file_no)
        if last is None:
            last = file_no << FILE_SHIFT if self.bounds is None else self.bounds[file_no][0]
        rowid = last + 1
        if self.bounds is not None:
            if section_no < SECTION_NO["events"]:
                raise Rebuild("a file read again defines sources, people or topics")
            if rowid >= self.bounds[file_no][1]:
                raise Rebuild("no room for a file's records between its neighbours'")
        self.last[file_no] = rowid
        return rowid

    def add(self, section: str, r: Any) -> int:
        """Queue one record's rows; return its rowid."""
        no = SECTION_NO[section]
        o = r.origin
        file_no = self.files.get(o.file, 0)
        self.rowid = rowid = self._next_rowid(no, file_no)
        self.count += 1
        span = self.spans.get(file_no)
        if span is None:
            span = self.spans[file_no] = [rowid, rowid, 0, -1]
        span[1] = rowid
        kind_no = self.search_types.get(SINGULAR[no], -1)
        cites = start = prec = stop = speaker = None
        targets: list[tuple[int, str]] = []
        if section == "events":
            files = self.files
            cites = "[" + ",".join(f"[{files.get(c.origin.file, 0)},{c.origin.line},{c.origin.column}]" for c in r.sources) + "]"
            start, prec = r.date.sort_key
            stop = r.interval.end.toordinal()
            targets.extend((LINK_PERSON, p) for p in r.people)
            targets.extend((LINK_TOPIC, t) for t in r.topics)
            targets.extend((LINK_SOURCE, c.source) for c in r.sources)
        elif section == "quotes":
            start, prec = r.date.sort_key
            stop = r.interval.end.toordinal()
            speaker = r.speaker
            targets.extend((LINK_TOPIC, t) for t in r.topics)  # a quote's own topics (quote --topic)
        if targets:  # link rowids in the order written: a file's links are one range (update deletes it)
            first = self.link_rowid + 1
            self.link_rowid += len(targets)
            self.links.extend((first + i, rowid, kind, target) for i, (kind, target) in enumerate(targets))
            if span[2] == 0:
                span[2] = first
            span[3] = self.link_rowid
        body = pretty_json(self.to_dict(r))
        if self.find_unsafe(body, False) is not None:  # never from validated data; revive refuses it, so do not store it
            raise Tampered(f"control character in record {r.id!r}")
        self.records.append((rowid, no, r.id, self.files.get(o.file, 0), o.line, o.column, cites, start, prec, stop, speaker, body))
        if self.streaming and section == "quotes" and r.speaker not in self.kb.people:
            self.later.append((rowid, kind_no, r))
        else:
            self.fields.append((rowid, kind_no, self._packed(SINGULAR[no], r)))
        if len(self.records) >= self.BATCH:
            self.flush()
        return rowid

    def _packed(self, kind: str, r: Any) -> str:
        """A record's search fields, folded with and without accents, in one string (see engine.search)."""
        packed = []
        both, field_names = self.both, self.field_names
        for name, value in self.search_fields(self.kb, kind, r):
            if not value:
                continue
            f0, f1 = both(value)
            code = chr(NAME_CODE + field_names.setdefault(name, len(field_names)))
            packed.append(f"{code}{f0}" if f1 == f0 else f"{code}{f0}{FIELD_SEP}{f1}")
        return RECORD_SEP.join(packed)

    def flush(self) -> None:
        con = self.con
        if self.streaming:  # the budget grows with the records read (build cannot know their number up front)
            con.set_budget(max(con._left * CHECK_EVERY, BUILD_STEPS + BUILD_STEPS_PER_RECORD * self.count))
        con.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self.records)
        con.executemany("INSERT INTO links (rowid, rec, kind, target) VALUES (?,?,?,?)", self.links)
        con.executemany("INSERT INTO fields VALUES (?,?,?)", self.fields)
        self.records.clear(), self.links.clear(), self.fields.clear()
        if self.progress is not None:
            self.progress(self.count, self.total)

    def close(self) -> None:
        """Write what is queued, and the quotes that waited for their speaker."""
        for rowid, kind_no, r in self.later:
            self.fields.append((rowid, kind_no, self._packed("quote", r)))
        self.later.clear()
        self.flush()
        if self.streaming:
            self.total = self.count


def _index(con: sqlite3.Connection, stream: Any, count: int) -> None:
    """Create the indexes; for a store.Stream, then judge the data (its verdict raises load_uncached's error)."""
    try:
        con.executescript(INDEX_SQL)
    except sqlite3.IntegrityError:  # an id twice in one section: a problem the verdict reports (nothing is written)
        if stream is None:
            raise
        con.execute("CREATE INDEX records_id ON records (id, section)")
    if stream is not None:
        con.set_budget(max(con._left * CHECK_EVERY, BUILD_STEPS + BUILD_STEPS_PER_RECORD * count))
        stream.verdict(_Stored(con, stream.files))


class _Stored:
    """What store.Stream.verdict asks of the index being built."""

    def __init__(self, con: sqlite3.Connection, files: tuple[str, ...], fresh: list[tuple[int, int]] | None = None) -> None:
        self.con, self.files = con, files
        self.fresh = fresh  # update: the rowid ranges of the records just stored (only they can be new duplicates)

    def duplicates(self) -> list[tuple[str, list[tuple]]]:
        """(id, [(rowid, section number, origin), ...] in rowid order) of each id stored more than once."""
        from sinorus.kb.model import Origin

        if self.fresh is None:
            twice = [rid for (rid,) in self.con.execute("SELECT id FROM records GROUP BY id HAVING count(*) > 1").fetchall()]
        else:
            found_ids: set[str] = set()
            for a, b in self.fresh:
                found_ids.update(rid for (rid,) in self.con.execute(
                    "SELECT id FROM records AS r WHERE rowid BETWEEN ? AND ? AND (SELECT count(*) FROM records WHERE id = r.id) > 1", (a, b)))
            twice = sorted(found_ids)
        found = []
        for rid in twice:
            rows = self.con.execute("SELECT rowid, section, file, line, col FROM records WHERE id = ? ORDER BY rowid", (rid,)).fetchall()
            found.append((rid, [(rowid, no, Origin(self.files[f], line, col)) for rowid, no, f, line, col in rows]))
        return found

    def drop(self, rowids: list[int]) -> None:
        """Forget records (a duplicate id's later ones), as if never kept."""
        self.con.executemany("DELETE FROM records WHERE rowid = ?", [(r,) for r in rowids])

    def has(self, section: str, rid: str) -> bool:
        return self.con.execute("SELECT 1 FROM records WHERE id = ? AND section = ?", (rid, SECTION_NO[section])).fetchone() is not None

    def ids(self, section: str) -> list[str]:
        return [rid for (rid,) in self.con.execute("SELECT id FROM records WHERE section = ? ORDER BY rowid", (SECTION_NO[section],))]

    def records(self, section: str) -> Iterator[Any]:
        """The records of a section as stored, in the order they were read."""
        revive = _reviver(self.files)
        rows = self.con.execute("SELECT file, line, col, cites, body FROM records WHERE section = ? ORDER BY rowid", (SECTION_NO[section],))
        for file, line, col, cites, body in rows:
            yield revive(section, file, line, col, cites, body)


class _Folder:
    """text.fold with and without accents of the values an index stores, memoised (titles,
    names and places repeat across records)."""

    def __init__(self) -> None:
        from sinorus.matching.text import fold

        self._fold = fold
        self._memo: dict[str, tuple[str, str]] = {}

    def both(self, value: str) -> tuple[str, str]:
        found = self._memo.get(value)
        if found is None:
            found = (self._fold(value), self._fold(value, keep_accents=True))
            if len(self._memo) > 20_000:
                self._memo.clear()
            self._memo[value] = found
        return found


# --- JSON as render prints it -----------------------------------------------------------------


def pretty_json(value: Any) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2), faster for plain data; identical output."""
    try:
        return _pretty(value, "\n")
    except TypeError:
        import json

        return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _make_pretty() -> Callable[[Any, str], str]:
    from json.encoder import encode_basestring as enc  # what json.dumps(ensure_ascii=False) uses

    inf, ninf = float("inf"), float("-inf")

    def pretty(value: Any, ind: str) -> str:
        if isinstance(value, str):
            return enc(value)
        if isinstance(value, dict):
            if not value:
                return "{}"
            inner = ind + "  "
            parts = []
            for k, v in value.items():
                if not isinstance(k, str):
                    raise TypeError("non-string key")
                parts.append(enc(k) + ": " + pretty(v, inner))
            return "{" + inner + ("," + inner).join(parts) + ind + "}"
        if isinstance(value, (list, tuple)):
            if not value:
                return "[]"
            inner = ind + "  "
            return "[" + inner + ("," + inner).join([pretty(v, inner) for v in value]) + ind + "]"
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if type(value) is int:
            return int.__repr__(value)
        if type(value) is float and value == value and value != inf and value != ninf:
            return float.__repr__(value)
        raise TypeError(f"not plain JSON: {type(value).__name__}")

    return pretty


def _pretty(value: Any, ind: str) -> str:
    global _pretty
    _pretty = _make_pretty()
    return _pretty(value, ind)


class gc_paused:
    """Suspend the cyclic garbage collector while building many acyclic objects.

    Loading 100,000 records triggers dozens of full collections that each walk
    every object made so far and free nothing (records hold no cycles): about
    a fifth of the time of a cold run.
    """

    def __enter__(self) -> None:
        import gc

        self._was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: Any) -> None:
        if self._was:
            import gc

            gc.enable()


def debug_note(message: str) -> None:
    if os.environ.get("SINORUS_DEBUG"):
        sys.stderr.write(f"sinorus: note: {message}\n")

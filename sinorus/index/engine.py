"""The one query engine: every command's question answered by SQL over the compiled index.

The CLI turns its options into one ``Query`` and hands it here; the answers are
``Row``s straight from the index (the stored JSON body of each record, revived
into a model record only when a renderer needs one), so a JSON answer never
imports the model and a long listing is read as it is written. Names are
resolved by ``sinorus.matching.names``, dates were read by ``sinorus.matching.dates``, search
ranks with ``sinorus.matching.scoring``: the engine only asks the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from sinorus.index import db as ix
from sinorus.matching.dates import DateRange
from sinorus.errors import NotFound, UsageError
from sinorus.i18n import _
from sinorus.matching.scoring import PRIMARY_FIELDS, SEARCH_TYPES, SECONDARY_PENALTY, TIE_ORDER
from sinorus.matching.text import shorten_for_message


_EVENTS, _QUOTES = ix.SECTION_NO["events"], ix.SECTION_NO["quotes"]
_COLUMNS = "SELECT section, id, file, line, col, cites, body FROM records"
_ORDER = " ORDER BY start, prec, id"  # = the records' sort_key: coarser dates first at the same start
_REVERSED = " ORDER BY start DESC, prec DESC, id DESC"


@dataclass(frozen=True)
class Query:
    """What a command asks, as the CLI read it: the one value handed to the engine."""

    dates: DateRange = field(default_factory=DateRange)
    topic: str | None = None  # as typed: resolved here, so a bad name is reported after a bad file
    person: str | None = None
    source: str | None = None
    text: str | None = None  # quote's words
    limit: int | None = None
    reverse: bool = False


class Row:
    """One record as the index stores it: its JSON body, its data and its model record on demand."""

    __slots__ = ("kind", "id", "_raw", "_engine", "_data", "_record")

    def __init__(self, raw: tuple, engine: "Engine") -> None:
        self.kind = ix.SINGULAR[raw[0]]
        self.id = raw[1]
        self._raw = raw
        self._engine = engine
        self._data = self._record = None

    @property
    def body(self) -> str:
        """The record as `json.dumps(indent=2)` writes it (index.pretty_json)."""
        return self._raw[6]

    @property
    def data(self) -> dict[str, Any]:
        """The stored record as plain data; text sinorus would never have stored is Tampered."""
        if self._data is None:
            data = ix.stored_data(self.body)
            if data.get("id") != self.id:
                raise ix.Tampered(f"record {data.get('id')!r} stored as {self.id!r}")
            self._data = data
        return self._data

    @property
    def record(self) -> Any:
        if self._record is None:
            self._record = self._engine.index.revive_row(self._raw)
        return self._record


class Rows:
    """A listing read from the index as it is written, and how many matched before --limit cut
    it (``total``: read it after the rows; counted by SQL only when a limit was given)."""

    def __init__(self, kind: str, rows: Iterable[Row], count: Callable[[], int] | None = None) -> None:
        self.kind = kind
        self._rows = rows
        self._count = count
        self._seen = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self._rows:
            self._seen += 1
            yield row

    @property
    def total(self) -> int:
        return self._count() if self._count is not None else self._seen

    def records(self) -> "Revived":
        return Revived(self)


class Revived:
    """The model records of a listing, one by one, for the renderers that need them; keeps ``total``."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        for row in self._rows:
            yield row.record

    @property
    def total(self) -> int | None:
        return getattr(self._rows, "total", None)


class Hit:
    """A search result: its record (a Row, or its model record once revived for a table), score,
    the field it matched in, and why ({"field", "snippet"} and the matched words' places)."""

    __slots__ = ("type", "id", "score", "field", "record", "match", "spans")

    def __init__(self, type: str, id: str, score: float, field: str, record: Any, match: dict | None = None, spans: tuple = ()) -> None:
        self.type, self.id, self.score, self.field, self.record, self.match, self.spans = type, id, score, field, record, match, spans

    def revived(self) -> "Hit":
        return Hit(self.type, self.id, self.score, self.field, self.record.record, self.match, self.spans)


class Profile:
    """`who`: a person with their events and quotes (and, with --on, the roles held then)."""

    __slots__ = ("person", "events", "quotes", "roles_on", "on")

    def __init__(self, person: Any, events: Any, quotes: Any, roles_on: list | None = None, on: Any = None) -> None:
        self.person, self.events, self.quotes, self.roles_on, self.on = person, events, quotes, roles_on, on

    def roles_on_data(self) -> list[dict[str, Any]]:
        from sinorus.kb.model import to_dict

        return [to_dict(r) for r in self.roles_on or ()]

    def revived(self) -> "Profile":
        """The same answer in model records, revived as they are written, for the table and plain views."""
        return Profile(self.person.record, Revived(self.events), Revived(self.quotes), self.roles_on, self.on)


class Engine:
    """Questions asked of one open index (sinorus.index.db.Index)."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.con = index.con
        self._small: dict[str, dict[str, Row]] = {}

    def dropped(self, exc: "ix.Tampered") -> Exception:
        """The error to stop a streamed answer with: the index is removed, and the message names it."""
        ix._discard(self.index.path)
        return ix.Tampered(exc.what, self.index.path)

    def recovered(self, exc: "ix.Tampered") -> "Engine":
        """An engine over the YAML read again, for a run that found the index tampered with.

        The index is removed (the next run rebuilds it); this run answers from a
        temporary index of the files as they are.
        """
        from sinorus.index.cache import note_once
        from sinorus.kb.store import load_uncached

        location, path = self.index.location, self.index.path
        self.index.con.close()
        ix._discard(path)
        if location is None:
            raise ix.Tampered(exc.what, path) from None
        note_once(_("the cache index {path} holds {what}, which sinorus never writes; it is removed and the YAML read instead").format(path=path, what=exc.what))
        return Engine(_temporary_index(load_uncached(location), location))

    # --- rows -----------------------------------------------------------------------------
    def _rows(self, sql: str, args: Iterable[Any] = ()) -> Iterator[Row]:
        for raw in self.con.execute(sql, tuple(args)):
            yield Row(raw, self)

    def section(self, name: str) -> dict[str, Row]:
        """Every row of a small section (sources, people, topics) by id, in file order."""
        if name not in self._small:
            self._small[name] = {r.id: r for r in self._rows(_COLUMNS + " WHERE section = ? ORDER BY rowid", (ix.SECTION_NO[name],))}
        return self._small[name]

    def listing(self, name: str) -> Rows:
        """A whole section in file order (people, topics, sources, facts)."""
        no = ix.SECTION_NO[name]
        return Rows(ix.SINGULAR[no], self._rows(_COLUMNS + " WHERE section = ? ORDER BY rowid", (no,)))

    def knowledge_base(self):
        """The model view, for renderers that name people and sources in cells."""
        return self.index.knowledge_base()

    # --- resolving what the user named ---------------------------------------------------
    def _named(self, section: str) -> list[tuple[str, tuple[str, ...]]]:
        from sinorus.matching.names import spellings

        return [(rid, spellings(row.kind, row.data)) for rid, row in self.section(section).items()]

    def topic_ids(self, query: str, option: str = "--topic") -> set[str]:
        """Topic ids named by an id, label or alias in any language."""
        from sinorus.matching.names import resolve_topic, suggestions

        named = self._named("topics")
        found = resolve_topic(query, named)
        if not found:
            hint = _did_you_mean(suggestions(query, named)) or _("run 'sinorus topics' to list them")
            raise UsageError(_("Invalid value for '{option}': no topic matches {query}").format(option=option, query=shorten_for_message(query)), hint)
        return {m.key for m in found}

    def person(self, query: str, option: str = "NAME") -> Row:
        """The one person a name means, for `who NAME`, `--who` and `--speaker` alike.

        A miss or a tie is NotFound (exit 1) with candidates; a typo-level match is
        taken and said on stderr, so a script's stdout stays the answer alone.
        """
        from sinorus.matching.names import is_ambiguous, rank, suggestions
        from sinorus.matching.scoring import AMBIGUITY_MARGIN
        from sinorus.matching.text import fold, strip_controls

        people = self.section("people")
        if query in people:
            return people[query]
        if not fold(strip_controls(query)):  # `--who "$UNSET"`: a mistake in the command, not a name looked for
            raise UsageError(_("Invalid value for '{option}': the name has no letters or digits").format(option=option), _("try a name such as Shoigu or 'Vuong Nghi'"))
        named = [(rid, (*names, rid)) for rid, names in self._named("people")]
        matches = rank(query, named)
        if not matches:
            hint = _did_you_mean(suggestions(query, named), lambda m: people[m.key].data["name"]) or _("run 'sinorus people' to list everyone")
            raise NotFound(_("No person matches {query}").format(query=shorten_for_message(query)), hint)
        top = [m for m in matches if matches[0].score - m.score < AMBIGUITY_MARGIN]
        if is_ambiguous(matches) or (len(top) > 1 and top[0].score == top[1].score):
            listed = ", ".join(f"{m.key} ({people[m.key].data['name']})" for m in top[:6])
            raise NotFound(_("{query} matches several people: {people}").format(query=shorten_for_message(query), people=listed), _("be more specific, e.g. a full name or an id from that list"))
        chosen = people[matches[0].key]
        if matches[0].fuzzy:
            from sinorus.i18n import local
            from sinorus.streams import note

            note(_("matched {query} to {name}").format(query=shorten_for_message(query), name=local(chosen.data, "name")))
        return chosen

    def source_id(self, query: str, option: str | None = "--source") -> str:
        """The one source an id, title or publisher names; a usage error for an option, else not found."""
        from sinorus.matching.names import is_ambiguous, rank, suggestions

        if query in self.section("sources"):
            return query
        named = self._named("sources")
        matches = rank(query, named)
        if matches and not is_ambiguous(matches):
            return matches[0].key
        hint = _did_you_mean(suggestions(query, named)) or _("run 'sinorus sources' to list them")
        if option:
            raise UsageError(_("Invalid value for '{option}': no single source matches {query}").format(option=option, query=shorten_for_message(query)), hint)
        raise NotFound(_("No single source matches {query}").format(query=shorten_for_message(query)), hint)

    # --- timeline and quote ----------------------------------------------------------------
    def _filtered(self, section: int, q: Query, counted: bool = False, **filters: Any) -> Rows:
        """Records of a section passing the filters, in date order (reversed with q.reverse), at most q.limit.

        Read in index order, so the first rows come at once whatever the data size: an
        open-ended --from is asked as the few records that began before it and still run
        (index on stop), then those that begin on or after it (index on start).
        """
        start, end = _days(q.dates)
        strict = q.dates.strict
        where, args = ix.filter_sql(section, start, end, strict=strict, **filters)
        parts = [(where, args)]
        if start is not None and not strict:
            before, b_args = ix.filter_sql(section, start, None, **filters)
            after, a_args = ix.filter_sql(section, None, end, strict=strict, **filters)
            # "+start": not by the start index, which would walk every earlier record; by stop
            parts = [(before + ["+start < ?"], b_args + [start]), (after + ["start >= ?"], a_args + [start])]
        if q.reverse:
            parts.reverse()
        order = _REVERSED if q.reverse else _ORDER
        sql = " UNION ALL ".join(f"SELECT * FROM ({_COLUMNS} WHERE {' AND '.join(w)}{order})" for w, _ in parts)
        sql_args = [a for _, part in parts for a in part]
        if q.limit:
            sql += f" LIMIT {min(int(q.limit), 2**63 - 1)}"  # SQLite's integers stop there; a larger limit is no limit
        where_sql = " WHERE " + " AND ".join(where)
        count = (lambda: self.con.execute("SELECT count(*) FROM records" + where_sql, args).fetchone()[0]) if q.limit or counted else None
        return Rows(ix.SINGULAR[section], self._rows(sql, sql_args), count)

    def events(self, q: Query) -> Rows:
        """Events in date order, filtered by dates (overlap, or inside with strict), topic, person, source."""
        topics = frozenset(self.topic_ids(q.topic)) if q.topic is not None else None  # an empty --topic is an error, not no filter
        person = self.person(q.person, "--who").id if q.person is not None else None
        source = self.source_id(q.source) if q.source is not None else None
        return self._filtered(_EVENTS, q, topics=topics, person=person, source=source)

    def quotes(self, q: Query) -> Rows:
        """Quotes by their own topics, speaker and date; with words, best match first."""
        topics = frozenset(self.topic_ids(q.topic)) if q.topic is not None else None
        speaker = self.person(q.person, "--speaker").id if q.person is not None else None
        if not q.text:
            return self._filtered(_QUOTES, q, topics=topics, person=speaker, speaker_column=True)
        where, args = ix.filter_sql(_QUOTES, *_days(q.dates), strict=q.dates.strict, topics=topics, person=speaker, speaker_column=True)
        scores = {h.id: h.score for h in self.search(q.text, ("quote",), None)}
        chosen = [r for r in self._rows(_COLUMNS + " WHERE " + " AND ".join(where) + _ORDER, args) if r.id in scores]
        chosen.sort(key=lambda r: -scores[r.id])  # stable: date order among equal scores
        return Rows("quote", chosen[:q.limit] if q.limit else chosen, lambda: len(chosen))

    # --- who ---------------------------------------------------------------------------
    def who(self, name: str, on: Any = None) -> Profile:
        """A person with their events and quotes; with `on` (an Interval), only those overlapping it."""
        person = self.person(name)
        q = Query(dates=DateRange(on.start, on.end) if on is not None else DateRange())
        events = self._filtered(_EVENTS, q, counted=True, person=person.id)  # counted: a heading gives the number first
        quotes = self._filtered(_QUOTES, q, counted=True, person=person.id, speaker_column=True)
        roles_on = [r for r in person.record.roles if r.held_during(on)] if on is not None else None
        return Profile(person, events, quotes, roles_on, on)

    # --- show --------------------------------------------------------------------------
    def show(self, record_id: str) -> Row:
        for row in self._rows(_COLUMNS + " WHERE id = ? ORDER BY section LIMIT 1", (record_id,)):
            return row
        from sinorus.matching.names import suggestions

        ids = [(rid, (rid,)) for (rid,) in self.con.execute(*self._suggestable_ids(record_id))]
        raise NotFound(
            _("No record with id {id}").format(id=shorten_for_message(record_id)),
            _did_you_mean(suggestions(record_id, ids)) or _("try 'sinorus search' to find records by text"),
        )

    SUGGEST_FROM = 50_000  # ids a "did you mean" compares at most (all of them below this many records)

    def _suggestable_ids(self, typed: str) -> tuple[str, tuple]:
        """The ids worth suggesting for a mistyped one: all of them in a data set of ordinary size;
        in a very large one, those sharing the longest start of it (half of it, down to three
        characters) that some id has: a range of the id index."""
        (n,) = self.con.execute("SELECT count(*) FROM records").fetchone()
        if n > self.SUGGEST_FROM:
            for size in range(max(3, len(typed) // 2), 2, -1):
                head = (typed[:size], typed[:size] + "\U0010ffff")
                if self.con.execute("SELECT 1 FROM records WHERE id >= ? AND id < ? LIMIT 1", head).fetchone():
                    return f"SELECT id FROM records WHERE id >= ? AND id < ? LIMIT {self.SUGGEST_FROM}", head
        return f"SELECT id FROM records ORDER BY section, rowid LIMIT {self.SUGGEST_FROM}", ()

    # --- stats ---------------------------------------------------------------------------
    def stats(self, top: int) -> dict[str, Any]:
        """Everything `stats` shows (see sinorus.index.stats for the rules); counted by SQL."""
        from sinorus.index.stats import compute

        return compute(self, top)

    # --- search --------------------------------------------------------------------------
    def search(self, text: str, types: Iterable[str] = SEARCH_TYPES, limit: int | None = 20) -> "Listing":
        """Rank records against a query's words (whole words or word starts, see scoring.phrase_score).

        Only records holding every query word can score, so SQLite finds those first
        (instr over the folded fields the index keeps); only when none matches does the
        typo-level pass run over every field, its scores below every real hit.
        """
        from sinorus.matching.scoring import FUZZY_CAP, phrase_score, typo_words
        from sinorus.matching.text import fold, has_accents

        accented = has_accents(text)
        q = fold(text, keep_accents=accented)
        if not q:
            raise UsageError(_("Invalid value for 'QUERY': the query has no letters or digits"), _('try a name, a place or a phrase, e.g. "no limits"'))
        words = q.split()
        kinds = ",".join(str(SEARCH_TYPES.index(t)) for t in dict.fromkeys(types))
        names = self.index.meta.get("field_names", "").split(",")
        needles = sorted(set(words), key=len, reverse=True)[:8]  # a prefilter: the longest few words narrow enough
        sql = f"SELECT rec, data FROM fields WHERE kind IN ({kinds})"
        best: dict[int, tuple[float, str]] = {}
        for rec, packed in self.con.execute(sql + "".join(" AND instr(data, ?) > 0" for _ in needles), needles):
            for name, f in _fields(packed, accented, names):
                score = phrase_score(q, words, f)
                if score is None:
                    continue
                if name not in PRIMARY_FIELDS:
                    score -= SECONDARY_PENALTY
                if rec not in best or score > best[rec][0]:
                    best[rec] = (score, name)
        fuzzy = not best
        if fuzzy:
            for rec, packed in self.con.execute(sql):
                for name, f in _fields(packed, accented, names):
                    edits = typo_words(words, f.split())
                    if edits is not None and (rec not in best or FUZZY_CAP - edits > best[rec][0]):
                        best[rec] = (FUZZY_CAP - edits, name)
        rows = self._rows_by_rowid(list(best))
        order = {t: i for i, t in enumerate(TIE_ORDER)}
        ranked = sorted(best, key=lambda rec: (-best[rec][0], order[rows[rec][0].kind], rows[rec][1], rows[rec][0].id))
        shown = ranked[:limit] if limit else ranked
        return Listing([self._explained(rows[rec][0], *best[rec], text, accented) for rec in shown], len(ranked))

    def _rows_by_rowid(self, recs: list[int]) -> dict[int, tuple[Row, tuple]]:
        out = {}
        for i in range(0, len(recs), 500):
            chunk = recs[i:i + 500]
            for rec, start, prec, *raw in self.con.execute(
                f"SELECT rowid, start, prec, section, id, file, line, col, cites, body FROM records WHERE rowid IN ({','.join('?' * len(chunk))})", chunk
            ):
                out[rec] = (Row(tuple(raw), self), (start, prec) if start is not None else (0, 0))
        return out

    def _explained(self, row: Row, score: float, name: str, text: str, accented: bool) -> Hit:
        from sinorus.matching.scoring import FUZZY_CAP
        from sinorus.matching.snippet import explain

        speaker = self.section("people").get(row.data.get("speaker") or "") if name == "speaker" else None
        match, spans = explain(text, accented, name, row.data, fuzzy=score <= FUZZY_CAP, speaker=speaker.data if speaker is not None else None)
        return Hit(row.kind, row.id, score, name, row, match, tuple(spans))


class Listing(list):
    """Records shown, and how many there were before --limit cut them ("20 of 55 results")."""

    def __init__(self, shown: Iterable[Hit], total: int) -> None:
        super().__init__(shown)
        self.total = total


def _days(dates: DateRange) -> tuple[int | None, int | None]:
    return (dates.start.toordinal() if dates.start else None, dates.end.toordinal() if dates.end else None)


def _fields(packed: str, accented: bool, names: list[str]) -> Iterator[tuple[str, str]]:
    """(field name, folded value) of one record's packed search fields (see index._fill)."""
    for item in packed.split(ix.RECORD_SEP) if packed else ():
        f0, sep, f1 = item[1:].partition(ix.FIELD_SEP)
        yield names[ord(item[0]) - ix.NAME_CODE], f1 if accented and sep else f0


def _did_you_mean(found: list, label=lambda m: m.matched) -> str | None:
    return _("did you mean {names}?").format(names=", ".join(repr(label(m)) for m in found)) if found else None


# --- opening ------------------------------------------------------------------------------


def open_engine(data: str | None) -> Engine:
    """The engine over the current index of the data (--data, $SINORUS_DATA or the bundled data).

    A first run, or one after the data changed, validates the files and builds the
    index first (its errors are the data's: file, line, what is wrong). Without a
    usable cache folder the index is built in a private temporary folder for this run.
    """
    from sinorus.index import cache

    from sinorus.kb.paths import data_location

    location = data_location(data)
    base = cache.cache_dir()
    if base is not None:
        found = _current(location, base)
        if found is None and cache.ensure_index(location):
            found = _current(location, base)
        if found is not None:
            return Engine(found)
    from sinorus.kb.store import load_uncached

    kb = cache.load_cached(location, load_uncached) if base is not None else load_uncached(location)
    return Engine(_temporary_index(kb, location))


def _current(location: Any, base: Any) -> Any:
    try:
        return ix.current(location, base)
    except Exception:  # anything odd about the cached file: rebuild it
        return None


def _temporary_index(kb: Any, location: Any) -> Any:
    """An index of kb in a private folder removed when the run ends."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="sinorus-"))
    target = folder / "kb.sqlite"
    try:
        with ix.gc_paused():
            ix.build(kb, location, target, "temporary")
        found = ix.open_index(target, lambda stored: True, None)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if found is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise ix.Tampered("an index that cannot be opened", target)

    def remove() -> None:
        found.con.close()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return found

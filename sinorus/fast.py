"""Answers straight from the index, for the commands scripts run most.

``timeline``, ``who`` and ``search`` with JSON output are answered here from
the compiled index (``sinorus.index``) without importing the model, the query
layer, the renderer, YAML, rich or dateparser: the stored JSON bodies are
joined into exactly the text ``render`` would print. Each function returns
False whenever it cannot answer with certainty (no valid index, a date that
needs dateparser, a name that needs fuzzy matching, an ambiguous name, an
output format other than JSON, an error to report); the command then runs
its ordinary path, which gives the answer or the error message. So this module
only ever decides what the ordinary path would decide, and tests compare the
two on every change (tests/test_cache.py).
"""

from __future__ import annotations

import re
import sys
from typing import Iterable, Sequence

from sinorus import index as ix
from sinorus.scoring import AMBIGUITY_MARGIN, NAME_STARTS, name_score, phrase_score



def _index(data: str | None):
    """The current index of the data, built first if missing or stale; None when there is none to use."""
    from sinorus import cache

    base = cache.cache_dir()
    if base is None:
        return None
    location = ix.data_location(data)
    try:
        found = ix.current(location, base)
    except Exception:  # anything odd: the ordinary path decides
        return None
    if found is not None:
        return found
    # First run, or the data changed: validate the YAML and index it (errors are the ordinary
    # path's own: store.load_uncached raises them), then answer from the index.
    if not cache.ensure_index(location):
        return None
    try:
        return ix.current(location, base)
    except Exception:
        return None


def _json_format(json_: bool = False, jsonl: bool = False, csv_: bool = False, fmt: str | None = None) -> str | None:
    """The format render.choose_format would pick, when it is json or jsonl; else None."""
    chosen = [name for flag, name in ((json_, "json"), (jsonl, "jsonl"), (csv_, "csv")) if flag]
    if fmt:
        chosen.append(fmt)
    if len(set(chosen)) != 1 or chosen[0] not in ("json", "jsonl"):
        return None
    return chosen[0]


# --- dates: read by sinorus.dates itself (cheap to import; dateparser only for phrases without a year) ---


def _range(date_from, date_to, on) -> tuple[int | None, int | None] | None:
    """(first day, last day) as ordinals, either open; None when the dates are wrong (the ordinary path says why)."""
    from sinorus.dates import build_range
    from sinorus.errors import SinorusError

    try:
        span = build_range(date_from, date_to, on)
    except SinorusError:
        return None
    return (span.start.toordinal() if span.start else None, span.end.toordinal() if span.end else None)


# --- names: the exact part of names.rank, and what query.person decides from it ----------------


def _fold(query: str) -> tuple[str, bool]:
    from sinorus.text import fold, has_accents

    accented = has_accents(query)
    return fold(query, keep_accents=accented), accented


def _exact_scores(q: str, accented: bool, named: list[tuple[str, list[tuple[str, str]]]]) -> dict[str, float]:
    best: dict[str, float] = {}
    for key, forms in named:
        for f0, f1 in forms:
            f = f1 if accented else f0
            if not f:
                continue
            score = name_score(q, f)
            if score is None:
                continue
            if key not in best or score > best[key]:
                best[key] = score
    return best


def _person(idx, query: str) -> str | None:
    """The person id query.person would return, when the exact passes decide it; else None.

    The typo pass runs only when no name matched exactly, as words or as word
    starts (scoring.NAME_STARTS and up), so such a match decides it here too.
    """
    if idx.has("people", query):
        return query
    q, accented = _fold(query)
    if not q:
        return None
    ranked = sorted(_exact_scores(q, accented, idx.names("people")).items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    if not ranked or ranked[0][1] < NAME_STARTS:
        return None
    top = [kv for kv in ranked if ranked[0][1] - kv[1] < AMBIGUITY_MARGIN]
    ambiguous = len(ranked) > 1 and ranked[0][1] - ranked[1][1] < AMBIGUITY_MARGIN and ranked[0][1] < 100.0
    if ambiguous or (len(top) > 1 and top[0][1] == top[1][1]):
        return None
    return ranked[0][0]


def _topics(idx, query: str) -> list[str] | None:
    """The topic ids names.resolve_topic gives when some name matches exactly; else None."""
    q, accented = _fold(query)
    if not q:
        return None
    exact = sorted(key for key, score in _exact_scores(q, accented, idx.names("topics")).items() if score == 100.0)[:10]
    return exact or None


# --- output ---------------------------------------------------------------------------------


class _Out:
    """Writes JSON as render does (escaped to ASCII when stdout cannot take Unicode), in pieces:
    a listing of 20,000 records is streamed from the index, never held whole."""

    def __init__(self) -> None:
        encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
        self._ascii = encoding not in ("utf8", "utf8sig", "utf16", "utf32")
        self._write = sys.stdout.write

    def __call__(self, text: str) -> None:
        try:
            self._write(_NON_ASCII.sub(_escape, text) if self._ascii else text)
        except BrokenPipeError:  # the reader left (`| head`): stop quietly, as render's writes do
            from sinorus.errors import OutputClosed

            raise OutputClosed() from None

    def array(self, bodies: Iterable[str], depth: int) -> None:
        """A JSON array of pretty bodies nested `depth` levels deep, as json.dumps(indent=2) writes it."""
        inner = "\n" + "  " * (depth + 1)
        first = True
        for body in bodies:
            self(("[" if first else ",") + inner + body.replace("\n", inner))
            first = False
        self("[]" if first else "\n" + "  " * depth + "]")


_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _escape(m: "re.Match[str]") -> str:
    n = ord(m.group())
    if n < 0x10000:
        return f"\\u{n:04x}"
    n -= 0x10000
    return f"\\u{0xd800 | (n >> 10):04x}\\u{0xdc00 | (n & 0x3ff):04x}"


def _jstr(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    import json

    return json.dumps(text, ensure_ascii=False)


# --- commands -------------------------------------------------------------------------------

_EVENTS, _QUOTES = ix.SECTION_NO["events"], ix.SECTION_NO["quotes"]
_ORDER = " ORDER BY start, prec, id"
_REVERSED = " ORDER BY start DESC, prec DESC, id DESC"


def timeline(data, date_from, date_to, on, strict, topic, who, source, limit, reverse, json_, jsonl, csv_, fmt, fields) -> bool:
    """`sinorus timeline ... --json`, or False to take the ordinary path."""
    if fields or _json_format(json_, jsonl, csv_, fmt) != "json":
        return False
    idx = _index(data)
    if idx is None:
        return False
    topics = pid = None
    if topic is not None:  # as the ordinary path: an empty --topic is an error there, not "no filter"
        topics = _topics(idx, topic)
        if topics is None:
            return False
    if who is not None:
        pid = _person(idx, who)
        if pid is None:
            return False
    if source is not None and not idx.has("sources", source):
        return False
    bounds = _range(date_from, date_to, on)  # last: a note it may print (day-first) is printed once
    if bounds is None:
        return False
    start, end = bounds
    where, args = ix.filter_sql(_EVENTS, start, end, strict=strict, topics=topics, person=pid, source=source)
    sql = "SELECT body FROM records WHERE " + " AND ".join(where) + (_REVERSED if reverse else _ORDER)
    if limit:
        sql += f" LIMIT {min(int(limit), 2**63 - 1)}"  # SQLite's integers stop there; a larger limit is no limit
    out = _Out()
    out.array((row[0] for row in idx.con.execute(sql, args)), 0)
    out("\n")
    return True


def who(data, name, on, json_, fmt) -> bool:
    """`sinorus who NAME --json`, or False to take the ordinary path."""
    if on is not None or _json_format(json_, fmt=fmt) is None:
        return False
    idx = _index(data)
    if idx is None:
        return False
    pid = _person(idx, name)
    if pid is None:
        return False
    person = idx.body_of("people", pid)
    if person is None or not person.endswith("\n}"):
        return False
    events = (row[0] for row in idx.con.execute(f"SELECT body FROM records WHERE section = {_EVENTS} AND rowid IN (SELECT rec FROM links WHERE kind = {ix.LINK_PERSON} AND target = ?)" + _ORDER, (pid,)))
    quotes = (row[0] for row in idx.con.execute(f"SELECT body FROM records WHERE section = {_QUOTES} AND speaker = ?" + _ORDER, (pid,)))
    out = _Out()
    out(person[:-2] + ',\n  "events": ')
    out.array(events, 1)
    out(',\n  "quotes": ')
    out.array(quotes, 1)
    out("\n}\n")
    return True


def search(data, text, types: Sequence[str] | None, limit, json_, jsonl, csv_, fmt, fields) -> bool:
    """`sinorus search QUERY --json`, or False to take the ordinary path.

    Scores as query.search does (its constants are stored in the index): 100 for
    the query as whole words of a field, 96 as word starts, 90 for all its words
    as word starts anywhere, less a penalty outside the primary fields. Only
    records containing every query word can score, so SQLite finds those with
    instr(). When none scores, query.search's typo-level pass decides: False.
    """
    if fields or _json_format(json_, jsonl, csv_, fmt) != "json" or not limit:
        return False
    idx = _index(data)
    if idx is None:
        return False
    meta = idx.meta
    all_types = tuple(meta.get("search_types", "").split(","))
    chosen = tuple(types or all_types)
    if not chosen or any(t not in all_types for t in chosen) or len(set(chosen)) != len(chosen):
        return False
    try:
        penalty = float(meta["search_penalty"])
        primary = frozenset(meta["search_primary"].split(","))
        tie = {t: i for i, t in enumerate(meta["search_tie_order"].split(","))}
    except (KeyError, ValueError):
        return False
    if any(t not in tie for t in chosen):
        return False
    q, accented = _fold(text)
    if not q:
        return False
    words = q.split()
    kind_no = {t: i for i, t in enumerate(all_types)}
    wanted = ",".join(str(kind_no[t]) for t in chosen)
    needles = sorted(set(words), key=len, reverse=True)[:8]  # a prefilter: the longest few words narrow enough
    names = meta.get("field_names", "").split(",")
    sql = f"SELECT rec, data FROM fields WHERE kind IN ({wanted}) AND " + " AND ".join("instr(data, ?) > 0" for _ in needles)
    hits: dict[int, tuple[float, str]] = {}
    for rec, data_ in idx.con.execute(sql, needles):
        best = (0.0, "")
        for name, f in _fields(data_, accented, names):
            score = phrase_score(q, words, f)
            if score is None:
                continue
            if name not in primary:
                score -= penalty
            if score > best[0]:
                best = (score, name)
        if best[0]:
            hits[rec] = best
    if not hits:
        return False
    rows = {}
    recs = list(hits)
    for i in range(0, len(recs), 500):
        chunk = recs[i:i + 500]
        for rec, section, rid, start, prec in idx.con.execute(
            f"SELECT rowid, section, id, start, prec FROM records WHERE rowid IN ({','.join('?' * len(chunk))})", chunk
        ):
            rows[rec] = (ix.SINGULAR[section], rid, (start, prec) if start is not None else (0, 0))
    ranked = sorted(hits, key=lambda rec: (-hits[rec][0], tie[rows[rec][0]], rows[rec][2], rows[rec][1]))[:limit]
    bodies = dict(idx.con.execute(f"SELECT rowid, body FROM records WHERE rowid IN ({','.join('?' * len(ranked))})", ranked))
    import json

    from sinorus.snippet import explain

    items = []
    for rec in ranked:
        score, name = hits[rec]
        kind, rid, _ = rows[rec]
        row = json.loads(bodies[rec])
        speaker = idx.body_of("people", row.get("speaker") or "") if name == "speaker" else None
        match, _ = explain(text, accented, name, row, speaker=json.loads(speaker) if speaker else None)
        items.append(
            '{\n  "type": ' + _jstr(kind) + ',\n  "id": ' + _jstr(rid) + ',\n  "score": ' + float.__repr__(score)
            + ',\n  "field": ' + _jstr(name) + ',\n  "match": ' + json.dumps(match, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            + ',\n  "record": ' + bodies[rec].replace("\n", "\n  ") + "\n}"
        )
    out = _Out()
    out.array(items, 0)
    out("\n")
    return True


def _fields(packed: str, accented: bool, names: list[str]):
    """(field name, folded value) of one record's packed search fields (see index._fill)."""
    for item in packed.split(ix.RECORD_SEP) if packed else ():
        f0, sep, f1 = item[1:].partition(ix.FIELD_SEP)
        yield names[ord(item[0]) - ix.NAME_CODE], f1 if accented and sep else f0

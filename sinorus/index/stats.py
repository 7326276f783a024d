"""Counts behind `sinorus stats`: records by type, events per year, the busiest people and topics.

Counted by SQL over the index (sinorus.index.engine), so a million events cost a scan
of two small columns, not the records; drawing the bars is the renderer's job.
An event counts in the year it starts, and once per person or topic it names.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sinorus.index import db as ix

TOP = 10
_EVENTS = ix.SECTION_NO["events"]


def counts(engine: Any) -> dict[str, int]:
    found = dict(engine.con.execute("SELECT section, count(*) FROM records GROUP BY section"))
    return {name: found.get(no, 0) for name, no in ix.SECTION_NO.items()}


def events_per_year(engine: Any) -> list[dict[str, int]]:
    """Years that have events, oldest first (empty years are left out, not drawn as zero)."""
    years: Counter = Counter()
    for start, n in engine.con.execute("SELECT start, count(*) FROM records WHERE section = ? GROUP BY start", (_EVENTS,)):
        years[date.fromordinal(start).year] += n
    return [{"year": y, "events": n} for y, n in sorted(years.items())]


def _busiest(engine: Any, kind: int, section: str, label: str, top: int) -> list[dict[str, Any]]:
    # most events first; ties by id so the order never depends on file order
    ranked = engine.con.execute(
        "SELECT target, count(DISTINCT rec) AS n FROM links WHERE kind = ? AND rec IN (SELECT rowid FROM records WHERE section = ?)"
        " GROUP BY target ORDER BY n DESC, target LIMIT ?", (kind, _EVENTS, top))
    known = engine.section(section)
    return [{"id": i, label: known[i].data[label] if i in known else i, "events": n} for i, n in ranked]


def compute(engine: Any, top: int = TOP) -> dict[str, Any]:
    """Everything `stats` shows; the field names are part of the JSON interface."""
    return {
        "counts": counts(engine),
        "events_per_year": events_per_year(engine),
        "people": _busiest(engine, ix.LINK_PERSON, "people", "name", top),
        "topics": _busiest(engine, ix.LINK_TOPIC, "topics", "label", top),
    }

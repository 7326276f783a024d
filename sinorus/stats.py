"""Counts behind `sinorus stats`: records by type, events per year, the busiest people and topics.

Pure data in, plain data out (the JSON of ``stats --json``); drawing the bars is
the renderer's job. An event counts in the year it starts, and once per person
or topic it names.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sinorus.model import KnowledgeBase

TOP = 10


def events_per_year(kb: KnowledgeBase) -> list[dict[str, int]]:
    """Years that have events, oldest first (empty years are left out, not drawn as zero)."""
    years = Counter(e.date.start.year for e in kb.events.values())
    return [{"year": y, "events": n} for y, n in sorted(years.items())]


def _ranked(counts: Counter, top: int) -> list[tuple[str, int]]:
    # most events first; ties by id so the order never depends on file order
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def busiest_people(kb: KnowledgeBase, top: int = TOP) -> list[dict[str, Any]]:
    counts = Counter(p for e in kb.events.values() for p in dict.fromkeys(e.people))
    return [{"id": i, "name": kb.people[i].name if i in kb.people else i, "events": n} for i, n in _ranked(counts, top)]


def busiest_topics(kb: KnowledgeBase, top: int = TOP) -> list[dict[str, Any]]:
    counts = Counter(t for e in kb.events.values() for t in dict.fromkeys(e.topics))
    return [{"id": i, "label": kb.topics[i].label if i in kb.topics else i, "events": n} for i, n in _ranked(counts, top)]


def compute(kb: KnowledgeBase, top: int = TOP) -> dict[str, Any]:
    """Everything `stats` shows; the field names are part of the JSON interface."""
    return {
        "counts": kb.counts(),
        "events_per_year": events_per_year(kb),
        "people": busiest_people(kb, top),
        "topics": busiest_topics(kb, top),
    }

"""What several exporters need: honest date labels, an event's quotes, the sources cited.

Kept here so Markdown, TimelineJS and HTML say the same thing the same way.
"""

from __future__ import annotations

from typing import Iterable

from sinorus.matching.dates import PartialDate
from sinorus.kb.model import Event, KnowledgeBase, Quote, Source


def date_display(d: PartialDate) -> str:
    """A data date for readers: ``c. 2022-02`` when approximate, ``2023-01?`` when uncertain."""
    bare = d.text.rstrip("~?%")
    return ("c. " if d.approximate else "") + bare + ("?" if d.uncertain else "")


def event_when(event: Event) -> str:
    """The event's date, or its range as 'start – end'."""
    start = date_display(event.date)
    return f"{start} – {date_display(event.end)}" if event.end is not None else start


def is_vague(d: PartialDate) -> bool:
    return d.approximate or d.uncertain


def quotes_by_event(kb: KnowledgeBase, events: Iterable[Event]) -> dict[str, list[Quote]]:
    """Each event's quotes in date order (quotes say which event they belong to)."""
    wanted = {e.id: [] for e in events}
    for q in sorted(kb.quotes.values(), key=lambda q: q.sort_key):
        if q.event in wanted:
            wanted[q.event].append(q)
    return wanted


def person_name(kb: KnowledgeBase, person_id: str) -> str:
    p = kb.people.get(person_id)
    return p.name if p is not None else person_id


def topic_label(kb: KnowledgeBase, topic_id: str) -> str:
    t = kb.topics.get(topic_id)
    return t.label if t is not None else topic_id


def cited_sources(kb: KnowledgeBase, events: Iterable[Event], quotes: Iterable[Quote] = ()) -> list[Source]:
    """Sources in order of first citation: events' citations, then the quotes'."""
    ids: dict[str, None] = {}
    for e in events:
        for c in e.sources:
            ids.setdefault(c.source)
    for q in quotes:
        ids.setdefault(q.source)
    return [kb.sources[i] for i in ids if i in kb.sources]


def source_line(source: Source) -> str:
    """Title, publisher, date, then the URL or the article file: how to find it again."""
    parts = [source.title, source.publisher]
    if source.author:
        parts.insert(1, source.author)
    if source.published is not None:
        parts.append(date_display(source.published))
    where = source.url or (f"file {source.file}" if source.file else None)
    if where:
        parts.append(where)
    return ". ".join(p.rstrip(".") for p in parts) + "."

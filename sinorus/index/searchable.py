"""What search looks in: the fields of each kind of record, as the index stores them folded.

The index build (sinorus.index.db) packs these per record; the engine's search
(sinorus.index.engine) scores the packed text. Ranking rules live in sinorus.matching.scoring.
"""

from __future__ import annotations

from typing import Any, Iterable


def search_fields(kb: Any, kind: str, r: Any) -> Iterable[tuple[str, str]]:
    """(field, text) in the order that breaks ties between equally good fields: what a record is, then its id."""
    yield from _own_fields(kb, kind, r)
    yield "id", r.id.replace("-", " ")


def _own_fields(kb: Any, kind: str, r: Any) -> Iterable[tuple[str, str]]:
    if kind == "event":
        yield from (("title", r.title), ("title_vi", r.title_vi), ("summary", r.summary), ("summary_vi", r.summary_vi), ("place", r.place),
                    ("note", r.note), ("date", r.date.text))
        for c in r.sources:
            yield "excerpt", c.excerpt
    elif kind == "quote":
        yield from (("text", r.text), ("translation", r.translation))
        speaker = kb.people.get(r.speaker)
        if speaker is not None:
            for n in speaker.names:
                yield "speaker", n
    elif kind == "person":
        for n in r.names:
            yield "name", n
        for role in r.roles:
            yield "roles", f"{role.title} {role.organisation}"
            if role.title_vi or role.organisation_vi:
                yield "roles", f"{role.title_vi or ''} {role.organisation_vi or ''}"
    elif kind == "fact":
        yield from (("metric", r.metric), ("value", str(r.value)), ("unit", r.unit), ("excerpt", r.excerpt), ("note", r.note))
        yield "period", r.period.text if r.period else None
    elif kind == "topic":
        for n in r.names:
            yield "label", n
    elif kind == "source":
        yield from (("title", r.title), ("publisher", r.publisher), ("note", r.note), ("url", r.url))

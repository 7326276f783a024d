"""The knowledge base as YAML that ``--data`` reads back.

Unfiltered, this is every record of every section, in file order, so that
export → ``--data`` → export gives the same bytes. Filtered, it is a closed
subset: the chosen events plus everything they need to load and pass
``sinorus check`` — their people and topics, their quotes and facts, the
speakers, topics and sources those cite. Nothing is left dangling; records that
no chosen event reaches (a fact without an event, say) are left out.
"""

from __future__ import annotations

from sinorus.output.export import Selection, exporter
from sinorus.kb.model import KnowledgeBase
from sinorus.kb.yamlwrite import dump_kb


def closed_subset(kb: KnowledgeBase, event_ids: set[str]) -> KnowledgeBase:
    """The records the given events reach, each section kept in the original order."""
    events = {i: e for i, e in kb.events.items() if i in event_ids}
    quotes = {i: q for i, q in kb.quotes.items() if q.event in events}
    facts = {i: f for i, f in kb.facts.items() if f.event in events}
    people = {p for e in events.values() for p in e.people} | {q.speaker for q in quotes.values()}
    topics = (
        {t for e in events.values() for t in e.topics}
        | {t for q in quotes.values() for t in q.topics}
        | {t for f in facts.values() for t in f.topics}
    )
    sources = (
        {c.source for e in events.values() for c in e.sources}
        | {q.source for q in quotes.values()}
        | {f.source for f in facts.values()}
    )
    return KnowledgeBase(
        sources={i: s for i, s in kb.sources.items() if i in sources},
        people={i: p for i, p in kb.people.items() if i in people},
        topics={i: t for i, t in kb.topics.items() if i in topics},
        events=events,
        quotes=quotes,
        facts=facts,
        files=kb.files,
    )


@exporter("yaml", extension=".yaml", aliases=("yml",), help="the knowledge base in the layout --data reads (filters: a closed subset)")
def to_yaml(sel: Selection) -> str:
    kb = closed_subset(sel.kb, {e.id for e in sel.events}) if sel.filtered else sel.kb
    return dump_kb(kb)

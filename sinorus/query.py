"""Questions asked of the knowledge base; plain records in, plain records out.

Nothing here prints or knows about the command line: the CLI resolves options
into these calls and hands the results to a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from sinorus.dates import DateRange, Interval
from sinorus.errors import NotFound, UsageError
from sinorus.i18n import _, local
from sinorus.model import SINGULAR, Event, KnowledgeBase, Person, Quote
from sinorus.names import Match, is_ambiguous, rank, resolve_topic, suggestions
from sinorus.scoring import AMBIGUITY_MARGIN, FUZZY_CAP, phrase_score, typo_words
from sinorus.text import fold, has_accents, shorten_for_message, strip_controls


def _did_you_mean(found: list[Match], label=lambda m: m.matched) -> str | None:
    return _("did you mean {names}?").format(names=", ".join(repr(label(m)) for m in found)) if found else None


# --- resolving what the user named -------------------------------------------


def topic_ids(kb: KnowledgeBase, query: str, option: str = "--topic") -> set[str]:
    """Topic ids named by an id, label or alias in any language."""
    found = resolve_topic(query, [(t.id, t.names) for t in kb.topics.values()])
    if not found:
        hint = _did_you_mean(suggestions(query, [(t.id, t.names) for t in kb.topics.values()])) or _("run 'sinorus topics' to list them")
        raise UsageError(_("Invalid value for '{option}': no topic matches {query}").format(option=option, query=shorten_for_message(query)), hint)
    return {m.key for m in found}


def _people_named(kb: KnowledgeBase) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.id, (*p.names, p.id)) for p in kb.people.values()]


def person(kb: KnowledgeBase, query: str, option: str = "NAME") -> Person:
    """The one person a name means, for `who NAME`, `--who` and `--speaker` alike.

    A miss or a tie is NotFound (exit 1) with candidates; a typo-level match is
    taken and said on stderr, so a script's stdout stays the answer alone.
    """
    if query in kb.people:
        return kb.people[query]
    if not fold(strip_controls(query)):  # `--who "$UNSET"`: a mistake in the command, not a name looked for
        raise UsageError(_("Invalid value for '{option}': the name has no letters or digits").format(option=option), _("try a name such as Shoigu or 'Vuong Nghi'"))
    named = _people_named(kb)
    matches = rank(query, named)
    if not matches:
        hint = _did_you_mean(suggestions(query, named), lambda m: kb.people[m.key].name) or _("run 'sinorus people' to list everyone")
        raise NotFound(_("No person matches {query}").format(query=shorten_for_message(query)), hint)
    top = [m for m in matches if matches[0].score - m.score < AMBIGUITY_MARGIN]
    if is_ambiguous(matches) or (len(top) > 1 and top[0].score == top[1].score):
        listed = ", ".join(f"{m.key} ({kb.people[m.key].name})" for m in top[:6])
        raise NotFound(_("{query} matches several people: {people}").format(query=shorten_for_message(query), people=listed), _("be more specific, e.g. a full name or an id from that list"))
    chosen = kb.people[matches[0].key]
    if matches[0].fuzzy:
        from sinorus.streams import note

        note(_("matched {query} to {name}").format(query=shorten_for_message(query), name=local(chosen, "name")))
    return chosen


def source_id(kb: KnowledgeBase, query: str, option: str | None = "--source") -> str:
    """The one source an id, title or publisher names; a usage error for an option, else not found."""
    if query in kb.sources:
        return query
    named = [(s.id, (s.id, s.title, s.publisher)) for s in kb.sources.values()]
    matches = rank(query, named)
    if matches and not is_ambiguous(matches):
        return matches[0].key
    hint = _did_you_mean(suggestions(query, named)) or _("run 'sinorus sources' to list them")
    if option:
        raise UsageError(_("Invalid value for '{option}': no single source matches {query}").format(option=option, query=shorten_for_message(query)), hint)
    raise NotFound(_("No single source matches {query}").format(query=shorten_for_message(query)), hint)


# --- timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """What `timeline` and `export` select; built once by the CLI."""

    dates: DateRange = field(default_factory=DateRange)
    topics: frozenset[str] | None = None
    person: str | None = None
    source: str | None = None


def events(kb: KnowledgeBase, flt: EventFilter = EventFilter(), limit: int | None = None, reverse: bool = False) -> "Listing":
    """Events in date order (coarser dates first at the same start), filtered."""
    chosen = [
        e for e in _candidates(kb.events, flt)
        if (flt.dates.is_open or flt.dates.admits(e.interval))
        and (flt.topics is None or flt.topics.intersection(e.topics))
        and (flt.person is None or flt.person in e.people)
        and (flt.source is None or any(c.source == flt.source for c in e.sources))
    ]
    chosen.sort(key=lambda e: e.sort_key, reverse=reverse)
    return cut_to(chosen, limit)


def _candidates(records: Any, flt: Any) -> Iterable[Any]:
    """All records, or, from the cache's index (sinorus.index.LazySection), only those that may
    pass `flt`: a superset, in file order, that the filter above still checks one by one."""
    select = getattr(records, "select", None)
    return records.values() if select is None else select(flt)


# --- who --------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    person: Person
    events: list[Event]
    quotes: list[Quote]
    roles_on: list | None = None  # roles held during --on, when asked
    on: Interval | None = None


def who(kb: KnowledgeBase, query: str, on: Interval | None = None) -> Profile:
    """A person with their events and quotes; with `on`, only those overlapping it (as timeline --on)."""
    p = person(kb, query)
    dates = DateRange(on.start, on.end) if on is not None else DateRange()
    flt = EventFilter(dates=dates, person=p.id)
    evs = sorted((e for e in _candidates(kb.events, flt) if p.id in e.people and (dates.is_open or dates.admits(e.interval))), key=lambda e: e.sort_key)
    qs = sorted((q for q in _candidates(kb.quotes, flt) if q.speaker == p.id and (dates.is_open or dates.admits(q.interval))), key=lambda q: q.sort_key)
    roles_on = [r for r in p.roles if r.held_during(on)] if on is not None else None
    return Profile(p, evs, qs, roles_on, on)


# --- quotes -----------------------------------------------------------------------


def quotes(
    kb: KnowledgeBase,
    text: str | None = None,
    topics: frozenset[str] | None = None,
    speaker: str | None = None,
    dates: DateRange = DateRange(),
    limit: int | None = None,
) -> "Listing":
    chosen = [
        q for q in kb.quotes.values()
        if (topics is None or topics.intersection(q.topics))  # a quote's own topics, not its event's
        and (speaker is None or q.speaker == speaker)
        and (dates.is_open or dates.admits(q.interval))
    ]
    if text:
        scores = {h.id: h.score for h in search(kb, text, types=("quote",), limit=None)}
        chosen = [q for q in chosen if q.id in scores]
        chosen.sort(key=lambda q: (-scores[q.id], q.sort_key))
    else:
        chosen.sort(key=lambda q: q.sort_key)
    return cut_to(chosen, limit)


# --- search -----------------------------------------------------------------------

SEARCH_TYPES = ("event", "quote", "person", "fact", "topic", "source")
TIE_ORDER = ("person", "event", "topic", "fact", "quote", "source")  # at equal scores, who before what
# A match in what a record *is* (its title, name, value) outranks one in its supporting text.
PRIMARY_FIELDS = frozenset({"id", "title", "title_vi", "name", "label", "text", "metric", "value"})
SECONDARY_PENALTY = 3.0


@dataclass(frozen=True)
class Hit:
    type: str
    id: str
    score: float
    field: str
    record: Any
    match: dict | None = None  # why it matched: {"field", "snippet"} (see sinorus.snippet)
    spans: tuple = ()  # the matched words' places in the snippet, for highlighting


class Listing(list):
    """The records shown, and how many there were before --limit cut them ("20 of 55 results")."""

    def __init__(self, shown: Iterable[Any], total: int | None = None) -> None:
        super().__init__(shown)
        self.total = len(self) if total is None else total


def cut_to(records: list[Any], limit: int | None) -> Listing:
    return Listing(records[:limit] if limit else records, len(records))


def _search_fields(kb: KnowledgeBase, kind: str, r: Any) -> Iterable[tuple[str, str]]:
    """(field, text) in the order that breaks ties between equally good fields: what a record is, then its id."""
    yield from _own_fields(kb, kind, r)
    yield "id", r.id.replace("-", " ")


def _own_fields(kb: KnowledgeBase, kind: str, r: Any) -> Iterable[tuple[str, str]]:
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


def search(kb: KnowledgeBase, query: str, types: Iterable[str] = SEARCH_TYPES, limit: int | None = 20) -> Listing:
    """Rank every record against a query's words (whole words or word starts, see scoring.phrase_score).

    Only when no record matches so does a typo-level pass run (each query word within
    its edit budget of a word of one field), and its scores stay below every real hit.
    """
    accented = has_accents(query)
    q = fold(query, keep_accents=accented)
    if not q:
        raise UsageError(_("Invalid value for 'QUERY': the query has no letters or digits"), _('try a name, a place or a phrase, e.g. "no limits"'))
    words = q.split()
    sections = {SINGULAR[s]: s for s in SINGULAR}
    fields = [
        (kind, r, name, fold(value, keep_accents=accented))
        for kind in types for r in kb.section(sections[kind]).values()
        for name, value in _search_fields(kb, kind, r) if value
    ]
    best: dict[str, Hit] = {}
    for kind, r, name, f in fields:
        score = phrase_score(q, words, f)
        if score is None:
            continue
        if name not in PRIMARY_FIELDS:
            score -= SECONDARY_PENALTY
        if r.id not in best or score > best[r.id].score:
            best[r.id] = Hit(kind, r.id, score, name, r)
    if not best:
        for kind, r, name, f in fields:
            edits = typo_words(words, f.split())
            if edits is None:
                continue
            score = FUZZY_CAP - edits
            if r.id not in best or score > best[r.id].score:
                best[r.id] = Hit(kind, r.id, score, name, r)
    order = {t: i for i, t in enumerate(TIE_ORDER)}
    hits = sorted(best.values(), key=lambda h: (-h.score, order[h.type], getattr(getattr(h.record, "date", None), "sort_key", (0, 0)), h.id))
    shown = cut_to(hits, limit)
    return Listing([explained(kb, h, query, accented) for h in shown], shown.total)


def explained(kb: KnowledgeBase, hit: Hit, query: str, accented: bool) -> Hit:
    from dataclasses import replace

    from sinorus.model import to_dict
    from sinorus.snippet import explain

    speaker = kb.people.get(hit.record.speaker) if hit.field == "speaker" else None
    match, spans = explain(query, accented, hit.field, to_dict(hit.record), fuzzy=hit.score <= FUZZY_CAP,
                           speaker=to_dict(speaker) if speaker is not None else None)
    return replace(hit, match=match, spans=tuple(spans))


# --- show -------------------------------------------------------------------------


def show(kb: KnowledgeBase, record_id: str) -> tuple[str, Any]:
    found = kb.find(record_id)
    if found:
        section, record = found[0]
        return SINGULAR[section], record
    all_ids = [(rid, (rid,)) for name in SINGULAR for rid in kb.section(name)]
    raise NotFound(
        _("No record with id {id}").format(id=shorten_for_message(record_id)),
        _did_you_mean(suggestions(record_id, all_ids)) or _("try 'sinorus search' to find records by text"),
    )

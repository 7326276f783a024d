"""`sinorus check`: prove every record against the schema and the articles.

Beyond what the loader checks (types, ids, references, date order), every quote
``text`` and every ``excerpt`` must be found verbatim in its article, modulo
whitespace, Unicode NFC and curly vs straight quotes only. It then says, for each
bundled article, how many of its sentences the data cites, so that what was left
out is a count anyone can see, not a guess.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sinorus.kb.model import KnowledgeBase
from sinorus.kb.paths import data_location
from sinorus.kb.store import Problem, collect, seed_dirs

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


def normalise(text: str) -> str:
    """The only liberties allowed when matching an excerpt: whitespace, NFC, quote marks."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_QUOTES).split())


@dataclass(frozen=True)
class Coverage:
    """How many sentences of one article some excerpt or quote text lies in or overlaps."""

    source: str
    cited: int
    sentences: int

    @property
    def percent(self) -> int:
        """Rounded down, so an article with one sentence left out never reads 100%."""
        return self.cited * 100 // self.sentences if self.sentences else 100

    def __str__(self) -> str:
        return f"{self.source}: {self.cited} of {self.sentences} sentences cited ({self.percent}%)"


@dataclass
class Report:
    kb: KnowledgeBase
    problems: list[Problem]
    articles: dict[str, str] = field(default_factory=dict)  # source id -> resolved file
    cited: set[str] = field(default_factory=set)
    coverage: list[Coverage] = field(default_factory=list)  # one per readable article, by source id

    @property
    def ok(self) -> bool:
        return not self.problems

    def coverage_dict(self) -> dict[str, dict[str, int]]:
        """The coverage for ``check --json``: source id -> sentences and cited."""
        return {c.source: {"sentences": c.sentences, "cited": c.cited} for c in self.coverage}


def _read_articles(kb: KnowledgeBase, location: Path, problems: list[Problem]) -> dict[str, tuple[str, str]]:
    """Each bundled article's path and normalised text; a missing or unreadable file is a problem."""
    from sinorus.kb.reader import article_path

    found: dict[str, tuple[str, str]] = {}
    for source in kb.sources.values():
        if not source.file:
            continue
        path = article_path(source, location)
        if path is None:
            dirs = ", ".join(map(str, seed_dirs(location)))
            problems.append(Problem(source.origin, source.id, f"file: {source.file} not found (looked in {dirs})"))
            continue
        try:
            found[source.id] = (str(path), normalise(path.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(source.origin, source.id, f"file: cannot read {path}: {exc}"))
    return found


def run(path: str | None = None) -> Report:
    location = data_location(path)
    kb, problems = collect(location)
    articles = _read_articles(kb, location, problems)
    cited: set[str] = set()

    def verbatim(source_id: str, snippet: str | None, origin, record_id: str, what: str) -> None:
        if snippet is None or source_id not in articles:
            return
        cited.add(source_id)
        if normalise(snippet) not in articles[source_id][1]:
            problems.append(Problem(origin, record_id, f"{what} not found verbatim in {source_id} ({articles[source_id][0]}): {_clip(snippet)}"))

    for event in kb.events.values():
        for cite in event.sources:
            verbatim(cite.source, cite.excerpt, cite.origin, event.id, "excerpt")
    for quote in kb.quotes.values():
        if quote.source in kb.sources and not kb.sources[quote.source].file:
            problems.append(Problem(quote.origin, quote.id, f"source: '{quote.source}' has no article file to check the quote against"))
        verbatim(quote.source, quote.text, quote.origin, quote.id, "text")
    for fact in kb.facts.values():
        verbatim(fact.source, fact.excerpt, fact.origin, fact.id, "excerpt")
    problems.sort(key=lambda p: (p.origin.file, p.origin.line, p.origin.column))
    return Report(kb, problems, {k: v[0] for k, v in articles.items()}, cited, _coverage(kb, location, sorted(articles)))


def _coverage(kb: KnowledgeBase, location: Path, source_ids: list[str]) -> list[Coverage]:
    """Sentence coverage of each article, counted as `sinorus read --uncited` lists it (one splitter, one finder)."""
    from sinorus.kb import reader

    out = []
    for sid in source_ids:
        uncited, total = reader.uncited(reader.load(kb, kb.sources[sid], location))
        out.append(Coverage(sid, total - len(uncited), total))
    return out


def _clip(text: str, limit: int = 70) -> str:
    t = " ".join(text.split())
    return repr(t if len(t) <= limit else t[: limit - 1] + "…")

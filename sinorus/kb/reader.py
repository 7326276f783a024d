"""`sinorus read`: an article as the data sees it, every passage a record cites located in it.

A citation is only as good as the way back to its article. This module loads a
bundled article, finds each cited excerpt (an event or fact ``excerpt``, a
quote ``text``) in it with the same liberties ``sinorus check`` allows
(whitespace, Unicode NFC, curly vs straight quotation marks), and answers in
character offsets into the article text, so every renderer and the JSON share
one truth.

The article text is the file as Python reads it: UTF-8, a BOM dropped, line
ends as ``\\n``, in NFC. Offsets are Python ``str`` indices (code points), end
exclusive: ``text[span.start:span.end]`` is the cited passage. A paragraph is a
non-blank line of the file, without its surrounding whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from sinorus.kb.check import normalise
from sinorus.errors import DataError, NotFound
from sinorus.i18n import _, kind_name
from sinorus.kb.model import KnowledgeBase, Source, to_dict


@dataclass(frozen=True, slots=True)
class Paragraph:
    index: int  # 1-based, as shown to readers
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    record: str
    type: str  # event, quote or fact


@dataclass(frozen=True, slots=True)
class Sentence:
    paragraph: int
    start: int
    end: int
    text: str


@dataclass
class Article:
    """A source and, when its text is bundled, that text with every cited span located."""

    source: Source
    text: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (record, type) whose excerpt is not in the text

    @property
    def bundled(self) -> bool:
        return self.text is not None


# --- finding the source and its text ---------------------------------------------


def article_path(source: Source, location: Path) -> Path | None:
    """Where a source's ``file`` lives: beside the data, one level up, or the bundled seeds."""
    from sinorus.kb.store import seed_dirs

    if not source.file:
        return None
    for base in seed_dirs(location):
        path = base / source.file
        if path.is_file():
            return path
    return None


def read_text(source: Source, location: Path) -> str | None:
    """The article text (see the module docstring), or None for an outside source."""
    if not source.file:
        return None
    path = article_path(source, location)
    if path is None:
        raise DataError(_("{source}: article file {file} not found").format(source=source.id, file=source.file), _("run 'sinorus check' to see where it was looked for"))
    try:
        return unicodedata.normalize("NFC", path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(_("{source}: cannot read {path}: {error}").format(source=source.id, path=path, error=exc), _("run 'sinorus check'")) from None


def load(kb: KnowledgeBase, source: Source, location: Path) -> Article:
    """The article with its paragraphs and every span the data cites in it."""
    text = read_text(source, location)
    if text is None:
        return Article(source)
    article = Article(source, text, paragraphs(text))
    finder = _Finder(text)
    for record, kind, snippet in cited_passages(kb, source.id):
        found = finder.find(snippet)
        article.spans.extend(Span(s, e, record, kind) for s, e in found)
        if not found:
            article.missing.append((record, kind))
    article.spans.sort(key=lambda s: (s.start, -s.end, s.record))
    return article


# --- what the data cites ----------------------------------------------------------


def cited_passages(kb: KnowledgeBase, source_id: str) -> Iterator[tuple[str, str, str]]:
    """(record id, type, passage) for each excerpt or quote text the data cites from a source."""
    for event in kb.events.values():
        for cite in event.sources:
            if cite.source == source_id and cite.excerpt:
                yield event.id, "event", cite.excerpt
    for quote in kb.quotes.values():
        if quote.source == source_id:
            yield quote.id, "quote", quote.text
    for fact in kb.facts.values():
        if fact.source == source_id:
            yield fact.id, "fact", fact.excerpt


def cited_sources(kind: str, record) -> list[str]:
    """The sources a record cites, in order, once each (events may cite one several times)."""
    if kind == "event":
        return list(dict.fromkeys(c.source for c in record.sources))
    if kind in ("quote", "fact"):
        return [record.source]
    return []


class _Finder:
    """Finds passages in a text as ``check`` does, answering in offsets of the original text.

    The text is normalised once (quotation marks straightened, each run of
    whitespace one space); ``origin[i]`` is where normalised character i came from.
    """

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        self.origin: list[int] = []
        for i, ch in enumerate(text):
            if ch.isspace():
                if not chars or chars[-1] == " ":
                    continue
                ch = " "
            same = normalise(ch)  # a curly quote straightened; any other character stays itself
            chars.append(same if len(same) == 1 else ch)
            self.origin.append(i)
        self.flat = "".join(chars)

    def find(self, snippet: str) -> list[tuple[int, int]]:
        """Every non-overlapping occurrence, as (start, end) offsets into the original text."""
        needle = normalise(snippet)
        found: list[tuple[int, int]] = []
        at = self.flat.find(needle) if needle else -1
        while at >= 0:
            end = at + len(needle)
            found.append((self.origin[at], self.origin[end - 1] + 1))
            at = self.flat.find(needle, end)
        return found


# --- paragraphs, marks, context ------------------------------------------------------

_LINE = re.compile(r"[^\n]+")


def paragraphs(text: str) -> list[Paragraph]:
    """Each non-blank line, stripped, with its offsets (the articles keep one paragraph a line)."""
    out: list[Paragraph] = []
    for m in _LINE.finditer(text):
        line = m.group()
        stripped = line.strip()
        if stripped:
            start = m.start() + (len(line) - len(line.lstrip()))
            out.append(Paragraph(len(out) + 1, start, start + len(stripped), stripped))
    return out


def marks(paragraph: Paragraph, spans: list[Span]) -> list[tuple[int, int, list[str]]]:
    """Highlighted regions of a paragraph: overlapping spans merged, with the ids citing them.

    Offsets are relative to the paragraph's text. Spans overlap often (a quote
    inside an event's excerpt), so each region lists every record that cites
    part of it, in order of where their span starts.
    """
    regions: list[tuple[int, int, list[str]]] = []
    for s in spans:
        start, end = max(s.start, paragraph.start), min(s.end, paragraph.end)
        if start >= end:
            continue
        start, end = start - paragraph.start, end - paragraph.start
        if regions and start < regions[-1][1]:
            last = regions[-1]
            regions[-1] = (last[0], max(last[1], end), last[2] + [s.record] if s.record not in last[2] else last[2])
        else:
            regions.append((start, end, [s.record]))
    return regions


def spans_of(article: Article, record_id: str) -> list[Span]:
    """The spans one record cites in this article, in order."""
    return [s for s in article.spans if s.record == record_id]


def context(article: Article, record_id: str, around: int = 0) -> list[list[Paragraph]]:
    """The paragraphs holding a record's spans and ``around`` on each side, in runs (like grep -C)."""
    hit: set[int] = set()
    for s in spans_of(article, record_id):
        for p in article.paragraphs:
            if p.start < s.end and s.start < p.end:
                hit.add(p.index)
    wanted = sorted({i for h in hit for i in range(h - around, h + around + 1) if 1 <= i <= len(article.paragraphs)})
    groups: list[list[Paragraph]] = []
    for i in wanted:
        p = article.paragraphs[i - 1]
        if groups and groups[-1][-1].index == i - 1:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def check_record(kb: KnowledgeBase, article: Article, record_id: str, kind: str, record: Any) -> tuple[str, object]:
    """The record ``--record`` names (found by the engine), which must cite this source; errors say where to look instead."""
    sid = article.source.id
    cites = cited_sources(kind, record)
    if not cites:
        raise NotFound(_("{id} is a {kind}; only events, quotes and facts cite articles").format(id=record_id, kind=kind_name(kind)), _("try 'sinorus show {id}'").format(id=record_id))
    if sid not in cites:
        hint = "; ".join(f"sinorus read {s} --record {record_id}" for s in cites if s in kb.sources)
        raise NotFound(_("{id} does not cite {source}").format(id=record_id, source=sid), _("it cites {sources}: {commands}").format(sources=", ".join(cites), commands=hint) if hint else None)
    if article.bundled and not spans_of(article, record_id):
        if any(r == record_id for r, _ in article.missing):
            raise DataError(_("the passage {id} cites is not in {source}").format(id=record_id, source=sid), _("run 'sinorus check' to see what differs"))
        raise NotFound(_("{id} cites {source} without an excerpt").format(id=record_id, source=sid), _("see 'sinorus show {id}'").format(id=record_id))
    return kind, record


# --- coverage ----------------------------------------------------------------------


def uncited(article: Article) -> tuple[list[Sentence], int]:
    """The sentences no span touches, and how many sentences there are in all."""
    from sinorus.matching.sentences import split_sentences

    if article.text is None:  # an outside report: no text, no sentences
        return [], 0
    spans = sorted((s.start, s.end) for s in article.spans)
    out: list[Sentence] = []
    total = 0
    for p in article.paragraphs:
        for start, end in split_sentences(p.text):
            total += 1
            a, b = p.start + start, p.start + end
            if not any(s < b and a < e for s, e in spans):
                out.append(Sentence(p.index, a, b, article.text[a:b]))
    return out, total


# --- JSON -----------------------------------------------------------------------------


def article_dict(article: Article, record_id: str | None = None, around: int = 0) -> dict:
    """The documented JSON of `read`: the source, its paragraphs and the cited spans.

    With a record, only the paragraphs of its context and its own spans.
    """
    if record_id is None:
        paras, spans = article.paragraphs, article.spans
    else:
        paras = [p for group in context(article, record_id, around) for p in group]
        spans = spans_of(article, record_id)
    out: dict = {"source": to_dict(article.source), "bundled": article.bundled}
    if record_id is not None:
        out["record"] = record_id
    out["paragraphs"] = [{"index": p.index, "text": p.text, "start": p.start, "end": p.end} for p in paras]
    out["spans"] = [{"start": s.start, "end": s.end, "record": s.record, "type": s.type, "text": article.text[s.start:s.end]} for s in spans] if article.text else []
    if record_id is None:
        out["missing"] = [{"record": r, "type": k} for r, k in article.missing]
    return out


def uncited_dict(article: Article) -> dict:
    if not article.bundled:
        return {"source": to_dict(article.source), "bundled": False, "sentences": 0, "uncited": []}
    found, total = uncited(article)
    return {
        "source": to_dict(article.source), "bundled": True, "sentences": total,
        "uncited": [{"paragraph": s.paragraph, "start": s.start, "end": s.end, "text": s.text} for s in found],
    }

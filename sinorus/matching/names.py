"""Find people and topics by any name, in any script, with or without accents.

Matching works on folded strings (see ``text.fold``), smart-accent style: an
unaccented query matches accented names, an accented query must match its accents.
A name matches when it is the query, or every query word is a word of it or the
start of one (``scoring.name_score``); only when nothing matches so does a
typo-level pass run: each query word within a word-length edit budget of a
different word of one name (``Shoygu``, ``Lavrow``). Sharing a given or family
name is never enough, so "Vladimir Lenin" is nobody, not Vladimir Putin. The
rule was chosen on a labelled list of real queries, see tests/test_names.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sinorus.matching.scoring import AMBIGUITY_MARGIN, NAME_FUZZY_CAP, NAME_STARTS, name_score, typo_edits, typo_words
from sinorus.matching.text import fold, has_accents

SUGGESTION_CUTOFF = 65.0  # "did you mean" may be loose: it is a question, not an answer


@dataclass(frozen=True, slots=True)
class Match:
    key: str  # record id
    score: float
    matched: str  # the name that matched, as written in the data

    @property
    def fuzzy(self) -> bool:
        """Matched only as a typo: worth telling the user which name was taken."""
        return self.score < NAME_STARTS


# The fields a user may type to name a record of each kind, in matching order: the one list, for
# the model's `names` and for the engine reading stored records.
SPELLED_BY = {
    "person": ("name", "name_vi", "aliases"),
    "topic": ("id", "label", "label_vi", "aliases"),
    "source": ("id", "title", "publisher"),
}


def spellings(kind: str, record: Any) -> tuple[str, ...]:
    """Every spelling a user may type for a record (a model record or its stored data)."""
    get = record.get if isinstance(record, dict) else (lambda name: getattr(record, name, None))
    out: list[str] = []
    for name in SPELLED_BY[kind]:
        value = get(name)
        if isinstance(value, (list, tuple)):
            out.extend(value)
        elif value:
            out.append(value)
    return tuple(out)


def rank(query: str, named: Iterable[tuple[str, Sequence[str]]], limit: int = 10) -> list[Match]:
    """Rank records (id, names) against a query; best first, one entry per record."""
    accented = has_accents(query)
    q = fold(query, keep_accents=accented)
    if not q:
        return []
    best: dict[str, Match] = {}
    folded: list[tuple[str, str, str]] = []
    for key, names in named:
        for name in names:
            f = fold(name, keep_accents=accented)
            if not f:
                continue
            folded.append((key, name, f))
            score = name_score(q, f)
            if score is not None and (key not in best or score > best[key].score):
                best[key] = Match(key, score, name)
    if not best:
        for key, name, f in folded:
            score = _typo_score(q, f)
            if score is not None and (key not in best or score > best[key].score):
                best[key] = Match(key, score, name)
    return sorted(best.values(), key=lambda m: (-m.score, m.key))[:limit]


def _typo_score(q: str, f: str) -> float | None:
    """91 less the edits, when q is f with typos only: word by word, or whole when spaced differently ("Xijinpin")."""
    words, targets = q.split(), f.split()
    if len(words) != len(targets):
        whole = typo_edits(q.replace(" ", ""), f.replace(" ", ""))
        if whole is not None:
            return NAME_FUZZY_CAP - whole
    total = typo_words(words, targets)
    return None if total is None else NAME_FUZZY_CAP - total


def suggestions(query: str, named: Iterable[tuple[str, Sequence[str]]], limit: int = 3) -> list[Match]:
    """Loose matches for a "did you mean" line: shown to the user, never taken as the answer."""
    accented = has_accents(query)
    q = fold(query, keep_accents=accented)
    if not q:
        return []
    from rapidfuzz import fuzz, process  # lazy: only a miss pays for it

    pool = [(key, name, fold(name, keep_accents=accented)) for key, names in named for name in names]
    pool = [p for p in pool if p[2]]
    best: dict[str, Match] = {}
    for _, score, i in process.extract(q, [p[2] for p in pool], scorer=fuzz.WRatio, score_cutoff=SUGGESTION_CUTOFF, limit=None):
        key, name, _ = pool[i]
        if key not in best or score > best[key].score:
            best[key] = Match(key, float(score), name)
    return sorted(best.values(), key=lambda m: (-m.score, m.key))[:limit]


def is_ambiguous(matches: list[Match]) -> bool:
    """Several records match about equally well: list them rather than guess."""
    return len(matches) > 1 and matches[0].score - matches[1].score < AMBIGUITY_MARGIN and matches[0].score < 100.0


def resolve_topic(query: str, named: Iterable[tuple[str, Sequence[str]]]) -> list[Match]:
    """Topics a query names: every exact hit (an alias may be shared), else the one best word or typo match."""
    matches = rank(query, named)
    exact = [m for m in matches if m.score == 100.0]
    if exact:
        return exact
    return matches[:1] if matches and not is_ambiguous(matches) else []

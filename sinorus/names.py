"""Find people and topics by any name, in any script, with or without accents.

Matching works on folded strings (see ``text.fold``), smart-accent style: an
unaccented query matches accented names, an accented query must match its accents.
Exact and word-prefix hits come first; rapidfuzz scores the rest. The scorer
(WRatio on whole names) and the cutoff were chosen on real queries, see
tests/test_names.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from sinorus.scoring import AMBIGUITY_MARGIN, NAME_FUZZY_CAP, SHORT_QUERY, name_score
from sinorus.text import fold, has_accents

FUZZY_CUTOFF = 80.0


@dataclass(frozen=True, slots=True)
class Match:
    key: str  # record id
    score: float
    matched: str  # the name that matched, as written in the data


def _forms(name: str, accented: bool) -> str:
    return fold(name, keep_accents=accented)


def rank(query: str, named: Iterable[tuple[str, Sequence[str]]], cutoff: float = FUZZY_CUTOFF, limit: int = 10) -> list[Match]:
    """Rank records (id, names) against a query; best first, one entry per record."""
    accented = has_accents(query)
    q = _forms(query, accented)
    if not q:
        return []
    best: dict[str, Match] = {}

    def offer(key: str, score: float, name: str) -> None:
        if key not in best or score > best[key].score:
            best[key] = Match(key, score, name)

    fuzzy_pool: list[tuple[str, str, str]] = []
    for key, names in named:
        for name in names:
            f = _forms(name, accented)
            if not f:
                continue
            score = name_score(q, f)
            if score is not None:
                offer(key, score, name)
            else:
                fuzzy_pool.append((key, name, f))
    if len(q) >= SHORT_QUERY and fuzzy_pool:
        from rapidfuzz import fuzz, process  # lazy: only fuzzy queries pay for it

        choices = [f for _, _, f in fuzzy_pool]
        for _, score, index in process.extract(q, choices, scorer=fuzz.WRatio, score_cutoff=cutoff, limit=None):
            key, name, _ = fuzzy_pool[index]
            offer(key, min(float(score), NAME_FUZZY_CAP), name)
    return sorted(best.values(), key=lambda m: (-m.score, m.key))[:limit]


def suggestions(query: str, named: Iterable[tuple[str, Sequence[str]]], limit: int = 3) -> list[Match]:
    """Loose matches for a "did you mean" line when nothing passed the cutoff."""
    return rank(query, named, cutoff=65.0, limit=limit)


def is_ambiguous(matches: list[Match]) -> bool:
    """Several records match about equally well: list them rather than guess."""
    return len(matches) > 1 and matches[0].score - matches[1].score < AMBIGUITY_MARGIN and matches[0].score < 100.0


def resolve_topic(query: str, topics: dict) -> list[Match]:
    """Topic ids whose id, label or any alias matches; exact hits only, else the best fuzzy one."""
    named = [(t.id, t.names) for t in topics.values()]
    matches = rank(query, named)
    exact = [m for m in matches if m.score == 100.0]
    return exact or matches[:1]

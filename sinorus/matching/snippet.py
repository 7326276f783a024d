"""Why a search hit matched: the field, and a short snippet with the matched words marked.

Works on a record as its JSON dict (``render.record_dict``, or a body stored in
the index), so every path that answers a search explains it the same way.
Matching here repeats, word by word on the original text, the rule that
scored the hit (``scoring``): a query word is a whole word or a word's start;
for a typo-level hit, a word within its typo budget.
"""

from __future__ import annotations

import re
from typing import Any

from sinorus.matching.scoring import SHORT_QUERY, typo_edits
from sinorus.matching.text import fold

_WORD_RE = re.compile(r"\w+")
WIDTH = 80  # characters of context a snippet keeps

# Where a field named by the scorer keeps its text in the record's dict.
_PLACES = {
    "name": ("name", "name_vi", "aliases"),
    "label": ("label", "label_vi", "aliases"),
    "excerpt": ("excerpt", "sources"),
    "summary_vi": ("summary_vi",),
    "roles": ("roles",),
}


def _texts(value: Any):
    """Every string inside a value (lists and dicts included), in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)


def _word_matches(typed: list[str], word: str, fuzzy: bool) -> bool:
    return any(
        word == w or (len(w) >= SHORT_QUERY and word.startswith(w)) or (fuzzy and typo_edits(w, word) is not None)
        for w in typed
    )


def marked(query_words: list[str], accented: bool, text: str, fuzzy: bool = False) -> list[tuple[int, int]]:
    """Character spans of the words of text that the query's words match."""
    spans = []
    for m in _WORD_RE.finditer(text):
        folded = fold(m.group(), keep_accents=accented)
        if folded and any(_word_matches(query_words, part, fuzzy) for part in folded.split()):
            spans.append(m.span())
    return spans


def cut(text: str, spans: list[tuple[int, int]], width: int = WIDTH) -> tuple[str, list[tuple[int, int]]]:
    """A window of about `width` characters around the first span, cut at spaces, with … where cut."""
    if len(text) <= width or not spans:
        if len(text) <= width:
            return text, spans
        end = text.rfind(" ", 0, width)
        return text[: end if end > 0 else width] + "…", []
    first = spans[0][0]
    start = max(0, first - width // 3)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", max(spans[0][1], start + 1), end)
        end = space if space > 0 else end
    head = "…" if start else ""
    tail = "…" if end < len(text) else ""
    shift = len(head) - start
    kept = [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]
    return head + text[start:end] + tail, kept


def explain(query: str, accented: bool, field: str, row: dict[str, Any], fuzzy: bool = False,
            speaker: dict[str, Any] | None = None) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """({"field", "snippet"}, spans of the matched words in the snippet) for a hit.

    A quote found by its speaker's name is explained by that name: pass the speaker's record.
    """
    words = fold(query, keep_accents=accented).split()
    if field == "speaker" and speaker is not None:
        row, field_keys = speaker, _PLACES["name"]
    else:
        field_keys = _PLACES.get(field, (field,))
    candidates = [t for key in field_keys for t in _texts(row.get(key))] or list(_texts(row))
    best: tuple[int, str, list[tuple[int, int]]] = (0, "", [])
    for text in candidates:  # the text where the most query words are found; the first of equals
        flat = " ".join(text.split())  # a newline in the data must not forge a line
        spans = marked(words, accented, flat, fuzzy)
        found = len({fold(flat[a:b], keep_accents=accented) for a, b in spans})
        if found > best[0]:
            best = (found, flat, spans)
    if best[0]:
        snippet, kept = cut(best[1], best[2])
        return {"field": field, "snippet": snippet}, kept
    flat = " ".join(candidates[0].split()) if candidates else ""
    snippet, _ = cut(flat, [])
    return {"field": field, "snippet": snippet}, []

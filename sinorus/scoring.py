"""How a folded query scores against a folded string: the exact passes, in one place.

Shared by the matcher (``names``), full-text search (``query``) and the
index-backed JSON answers (``fast``), which must rank exactly alike. No imports,
so the fast path can use it without paying for anything.
"""

SHORT_QUERY = 3  # shorter queries match whole words only, never word starts or fuzzily
FUZZY_CAP = 89.0  # a fuzzy search score never reaches an exact one
NAME_FUZZY_CAP = 91.0  # a fuzzy name score stays below a word-start match (92)
AMBIGUITY_MARGIN = 4.0  # people scoring this close to the best are "about equally" good


def name_score(q: str, f: str) -> float | None:
    """A name matched exactly (100), as whole words (97) or at the start of a word (92)."""
    if f == q:
        return 100.0
    if f" {q} " in f" {f} ":  # whole words: "shoigu" in "sergei shoigu"
        return 97.0
    if len(q) >= SHORT_QUERY and f" {f}".find(f" {q}") >= 0:  # start of a word: "shoi"
        return 92.0
    return None


def phrase_score(q: str, words: list[str], f: str) -> float | None:
    """A search phrase as whole words (100), inside a word (96), or every word present (90)."""
    if f" {q} " in f" {f} ":
        return 100.0
    if q in f:
        return 96.0
    if len(words) > 1 and all(f" {w}" in f" {f}" for w in words):
        return 90.0
    return None

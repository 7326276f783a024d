"""How a folded query scores against a folded string: the exact passes, in one place.

Shared by the matcher (``names``), the engine's search and snippets, which
must rank exactly alike. No imports at module level, so any path can use it
without paying for anything.

Names and search both match *words*: a query word is a whole word of the text
or the start of one ("terror" in "terrorism", "Shoig" in "Shoigu"), never a
piece from the middle of a word ("sco" in "Moscow").
"""

SHORT_QUERY = 3  # shorter query words match whole words only, never word starts
FUZZY_CAP = 80.0  # a typo-level search score stays below every real hit (the lowest: 90 less the 3-point penalty)
NAME_FUZZY_CAP = 91.0  # a typo-level name match stays below a word-start match (92)
AMBIGUITY_MARGIN = 4.0  # people scoring this close to the best are "about equally" good

NAME_EXACT = 100.0  # the whole name
NAME_UNSPACED = 98.0  # the whole name, spaced differently: "Soigu" for "Soi-gu"
NAME_WORDS = 97.0  # every query word is a whole word of the name, in any order: "Putin", "Putin Vladimir"
NAME_STARTS = 92.0  # every query word is a word or the start of one: "Shoig", "Lavr", "Vuong Ngh"


def _claim(words: list[str], targets: list[str], prefix: bool) -> bool:
    """Each query word takes a different target word, wholly or (with prefix) as its start."""
    free = list(targets)
    for w in sorted(words, key=len, reverse=True):  # longest first: "xi" must not take "xinping" from "xinping"
        for i, t in enumerate(free):
            if t == w or (prefix and len(w) >= SHORT_QUERY and t.startswith(w)):
                del free[i]
                break
        else:
            return False
    return True


def name_score(q: str, f: str) -> float | None:
    """A name matched whole (100), unspaced (98), as whole words (97) or word starts (92); else None.

    A shared given or family name alone is never enough for a longer query: in
    "Vladimir Lenin" against "Vladimir Putin" the word "lenin" takes nothing.
    """
    if f == q:
        return NAME_EXACT
    if " " in q + f and q.replace(" ", "") == f.replace(" ", ""):
        return NAME_UNSPACED
    words, targets = q.split(), f.split()
    if len(words) > len(targets):
        return None
    if _claim(words, targets, prefix=False):
        return NAME_WORDS
    if _claim(words, targets, prefix=True):
        return NAME_STARTS
    return None


def phrase_score(q: str, words: list[str], f: str) -> float | None:
    """A search phrase as whole words (100), as word starts in order (96), or every word as a word start anywhere (90)."""
    padded = f" {f} "
    if f" {q} " in padded:
        return 100.0
    if f" {q}" in padded and len(words[-1]) >= SHORT_QUERY:  # the last word may be the start of one: "no limit"
        return 96.0
    if len(words) > 1 and all((f" {w} " in padded) or (len(w) >= SHORT_QUERY and f" {w}" in padded) for w in words):
        return 90.0
    return None


def typo_budget(word: str) -> int:
    """Edits a word of this length may carry and still be a typo of another: none for short words."""
    n = len(word)
    return 0 if n < 4 else 1 if n < 8 else 2


def typo_edits(typed: str, word: str) -> int | None:
    """Edits (Damerau-Levenshtein) from a typed word to a word, when within the word's typo budget."""
    from rapidfuzz.distance import DamerauLevenshtein  # lazy: only a miss of every exact pass pays for it

    budget = typo_budget(word)
    d = DamerauLevenshtein.distance(typed, word, score_cutoff=budget)
    return d if d <= budget else None


def typo_words(words: list[str], targets: list[str]) -> int | None:
    """Total edits when each typed word is a typo of (or equal to) a different target word; else None."""
    if len(words) > len(targets):
        return None
    free = list(targets)
    total = 0
    for w in sorted(words, key=len, reverse=True):
        found = [(d, i) for i, t in enumerate(free) if (d := typo_edits(w, t)) is not None]
        if not found:
            return None
        d, i = min(found)
        total += d
        del free[i]
    return total


# --- search ranking ----------------------------------------------------------------------------

SEARCH_TYPES = ("event", "quote", "person", "fact", "topic", "source")
TIE_ORDER = ("person", "event", "topic", "fact", "quote", "source")  # at equal scores, who before what
# A match in what a record *is* (its title, name, value) outranks one in its supporting text.
PRIMARY_FIELDS = frozenset({"id", "title", "title_vi", "name", "label", "text", "metric", "value"})
SECONDARY_PENALTY = 3.0

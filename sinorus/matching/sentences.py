"""Split article text into sentences, as character spans.

One splitter for every coverage view (`read --uncited`, `check`'s per-article
coverage), so "a sentence" means the same thing everywhere. The articles are
news prose in Vietnamese and English: a sentence ends at ``.``, ``!``, ``?`` or
``…`` (closing quotation marks and brackets stay with it) when whitespace and
then a capital letter, a digit or an opening quotation mark or bracket follow,
and always at a line break. A single capital before the full stop (an initial,
"J. Biden") does not end a sentence, nor does a known abbreviation ("TP. Hồ Chí
Minh", "PGS.TS. Nguyễn", "St. Petersburg"); a full stop between digits ("240.1")
is never followed by whitespace, so it never ends one either.
"""

from __future__ import annotations

import re

# The end of a sentence: terminal punctuation, closers, then the whitespace before the next one.
_END = re.compile(r"""[.!?…]+["”’'»)\]]*(?=\s+["“‘'«(\[\d\w])""")
_INITIAL = re.compile(r"(?:^|\s)\w$")
_LAST_WORD = re.compile(r"(\w+)$")
# Short forms written with a full stop inside Vietnamese and English news sentences: titles
# (giáo sư, phó giáo sư, tiến sĩ, thạc sĩ, bác sĩ, kỹ sư; Mr, Dr, Gen...), place words
# (thành phố, thị xã, Saint) and the like. Compared case-sensitively, as printed.
ABBREVIATIONS = frozenset({
    "TP", "Tp", "TX", "GS", "PGS", "TS", "ThS", "BS", "KS", "NXB",
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Sr", "Jr", "Gen", "Col", "Lt", "Sen", "Rep", "Gov", "No", "vs",
})


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, end exclusive, without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _END.finditer(line.group()):
            cut = line.start() + m.end()
            nxt = text[cut:].lstrip()[:1]
            before = text[line.start():line.start() + m.start()]
            if nxt.isalpha() and not nxt.isupper():
                continue  # "... vs. the", "p. 12": a lower-case word goes on with the sentence
            if m.group()[0] == "." and _INITIAL.search(before) and before[-1:].isupper():
                continue  # an initial: "J. Biden"
            if m.group() == "." and _is_abbreviation(before):
                continue  # "TP. Hồ Chí Minh", "PGS.TS. Nguyễn Văn A"
            _add(text, start, cut, spans)
            start = cut
        _add(text, start, line.end(), spans)
    return spans


def _is_abbreviation(before: str) -> bool:
    """True when the word just before a full stop is a known short form (the last part of "PGS.TS")."""
    word = _LAST_WORD.search(before)
    return word is not None and word.group(1) in ABBREVIATIONS


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Keep a piece without its surrounding whitespace, if anything is left."""
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    if end - trail > start + lead:
        spans.append((start + lead, end - trail))

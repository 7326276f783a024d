"""Text safety and folding shared by the loader, matcher and renderers."""

from __future__ import annotations

import re
import unicodedata

# C0 (but tab and newline), DEL and C1 controls: terminal escapes live here.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Explicit bidi overrides and isolates can reorder what a terminal shows (Trojan Source).
_BIDI_RE = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def find_control(text: str) -> str | None:
    """The first terminal control or bidi-override character in text, if any."""
    m = _CONTROL_RE.search(text) or _BIDI_RE.search(text)
    return m.group() if m else None


def strip_controls(text: str) -> str:
    """Make user input safe to echo back on a terminal."""
    return _BIDI_RE.sub("", _CONTROL_RE.sub("", text))


def shorten_for_message(text: str, limit: int = 60) -> str:
    """Quote user input for an error line: controls removed, long input elided."""
    clean = strip_controls(" ".join(text.split()))
    if len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return '"' + clean + '"'


# Letters that NFKD does not split into base + mark.
_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "æ": "ae", "œ": "oe"})
_PUNCT_RE = re.compile(r"[\s\-‐‑‒–—_.,;:!?'\"“”‘’«»()\[\]/\\|]+")


def has_accents(text: str) -> bool:
    """True when text carries marks that folding would remove (smart-accent switch)."""
    return strip_accents(text) != text


class _Marks(dict):
    """For str.translate: a combining mark's code point -> None (dropped), any other -> itself;
    filled as translate asks, so the first strip costs no table of all of Unicode."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_MARKS = _Marks()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return unicodedata.normalize("NFC", decomposed.translate(_MARKS))


# The ASCII characters the punctuation rule turns into spaces (whitespace splits anyway).
_ASCII_PUNCT = {i: " " for i in range(128) if _PUNCT_RE.fullmatch(chr(i))}


def fold(text: str, keep_accents: bool = False) -> str:
    """Casefold, optionally drop accents, and turn punctuation into single spaces.

    ``fold("Xơ-gây Soi-gu") == "xo gay soi gu"``; idempotent. ASCII text (most of
    what an index folds) needs only lower() and the punctuation rule.
    """
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_PUNCT).split())
    t = unicodedata.normalize("NFC", text)
    if not keep_accents:
        t = strip_accents(t)
    t = t.casefold()
    if not keep_accents:
        t = strip_accents(t)  # casefold can expose new decomposables (e.g. "ǰ")
    return _PUNCT_RE.sub(" ", t).strip()


# --- what a value may hold -------------------------------------------------------

# Letters and symbols that draw nothing, though Unicode files them with visible ones:
# the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and the blank Braille pattern (U+2800).
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Line and paragraph separators that Python, editors and terminals all treat as a new line.
_LINE_BREAK_RE = re.compile(r"[\t\n\u2028\u2029]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def is_invisible(ch: str) -> bool:
    """True for a character that shows nothing on its own: spaces, format characters (ZWSP,
    soft hyphen, BOM, word joiner, tag characters), combining marks and variation selectors
    (nothing without a base), and the fillers that are letters in name only."""
    return (
        ch.isspace()
        or unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp", "Mn", "Me")
        or ch in _INVISIBLE
        or 0xE0000 <= ord(ch) <= 0xE007F  # the tag block, U+E0000 included though unassigned
    )


_VISIBLE_ASCII_RE = re.compile(r"[!-~]")


def is_blank(text: str) -> bool:
    """True when text would show nothing: a title of U+200B or U+3164 is as empty as ''."""
    if _VISIBLE_ASCII_RE.search(text):  # the common case, decided without a look at categories
        return False
    return all(is_invisible(ch) for ch in text)


def find_line_break(text: str) -> str | None:
    """The first tab or line break in text (one-line fields must not forge lines or fields)."""
    m = _LINE_BREAK_RE.search(text)
    return m.group() if m else None


# What the loader refuses, in one search per value: controls and bidi overrides anywhere
# (as find_control), plus tabs and line breaks in one-line fields (as find_line_break).
_UNSAFE_PROSE_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def find_unsafe(text: str, one_line: bool) -> str | None:
    """The first character a data value may not hold: a control or bidi override, or (one_line)
    a tab or line break. One regex search, since the loader asks for every value it reads."""
    m = (_UNSAFE_LINE_RE if one_line else _UNSAFE_PROSE_RE).search(text)
    return m.group() if m else None


def find_surrogate(text: str) -> str | None:
    """The first lone UTF-16 surrogate in text: no encoder will write it, so it must never load."""
    m = _SURROGATE_RE.search(text)
    return m.group() if m else None


# --- shell completion ----------------------------------------------------------------

# Besides letters and digits of any script, characters no shell treats specially inside a word.
_SHELL_SAFE = frozenset("-_.,+@%/")


def completion_word(word: str, shell: str) -> str | None:
    """A completion candidate in the form the shell's completion script needs, or None to drop it.

    The scripts put candidates on the command line unevaluated but unquoted, so a crafted name
    such as ``$(touch x)`` would run when the line does. bash gets every special character
    backslash-escaped (as ``printf %q`` does; escaped glob characters also survive the unquoted
    ``COMPREPLY=( $(...) )``); zsh and fish quote candidates themselves, except that a backslash
    defeats typer's zsh quoting, so such words are dropped there; PowerShell inserts candidates as
    they are, so only plain words are offered to it. Control characters and line breaks cannot
    travel in the one-candidate-a-line protocol of any shell: such words are dropped everywhere.
    """
    if find_control(word) or find_line_break(word) or find_surrogate(word):
        return None
    if shell == "bash":
        return "".join(ch if ch.isalnum() or ch in _SHELL_SAFE else "\\" + ch for ch in word)
    if shell == "zsh":
        return None if "\\" in word else word
    if shell == "fish":
        return word
    return word if all(ch.isalnum() or ch in "-_." for ch in word) else None

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


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def fold(text: str, keep_accents: bool = False) -> str:
    """Casefold, optionally drop accents, and turn punctuation into single spaces.

    ``fold("Xơ-gây Soi-gu") == "xo gay soi gu"``; idempotent.
    """
    t = unicodedata.normalize("NFC", text)
    if not keep_accents:
        t = strip_accents(t)
    t = t.casefold()
    if not keep_accents:
        t = strip_accents(t)  # casefold can expose new decomposables (e.g. "ǰ")
    return _PUNCT_RE.sub(" ", t).strip()

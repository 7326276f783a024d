"""The interface's language, English or Vietnamese, chosen once at the start of each run.

Messages are written in English in the source and marked: ``_("...")`` where they are
used, ``N_("...")`` on a constant translated later, ``ngettext``/``N_plural`` for counts.
Vietnamese comes from the catalogue shipped in the package (``locale/vi/LC_MESSAGES/
sinorus.po``, compiled to ``sinorus.mo`` by ``python -m sinorus.catalog``), read by the
standard library's gettext. English needs no catalogue: ``_`` hands back its argument and
gettext is not even imported, so an English run pays nothing for the other language.

The language: ``--lang vi|en``, else ``SINORUS_LANG``, else the locale (the first of
``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set; one starting with ``vi`` means
Vietnamese), else English. Only what a person reads changes (tables, plain lines,
show, who, stats, read, check, messages, errors, help); JSON, JSONL and CSV never do.
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "vi")
DOMAIN = "sinorus"
_state = {"lang": "en", "catalogue": None}  # catalogue: a GNUTranslations while Vietnamese is on


def N_(message: str) -> str:
    """Mark a constant for the catalogue without translating it (it is translated where used)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural pair for the catalogue; ``ngettext(*pair, n)`` translates it."""
    return singular, plural


def _(message: str) -> str:
    catalogue = _state["catalogue"]
    return message if catalogue is None else catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for n things. Vietnamese has one form, but the catalogue decides, not the code."""
    catalogue = _state["catalogue"]
    if catalogue is None:
        return singular if n == 1 else plural
    return catalogue.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose translation depends on where it is used ("Title" of a role, of an article)."""
    catalogue = _state["catalogue"]
    return message if catalogue is None else catalogue.pgettext(context, message)


def current() -> str:
    return _state["lang"]


def normalise(value: str | None) -> str | None:
    """'vi', 'vi_VN.UTF-8', 'VI' -> 'vi'; 'en', 'en_GB' -> 'en'; anything else None."""
    if not value:
        return None
    low = value.strip().lower()
    for lang in LANGUAGES:
        if low == lang or low[:3] in (f"{lang}_", f"{lang}-", f"{lang}.", f"{lang}@"):
            return lang
    return None


def requested(args: list) -> str | None:
    """The last valid --lang on the command line (before a lone '--'), as click will take it.

    Read before click builds anything, so that help texts and click's own words are in
    that language; an invalid value is left to the option's callback to refuse.
    """
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = normalise(args[i + 1]) or found
        elif isinstance(arg, str) and arg.startswith("--lang="):
            found = normalise(arg[7:]) or found
    return found


def from_environment(environ=os.environ) -> str:
    """SINORUS_LANG when it names a language, else the locale's language (vi or en)."""
    chosen = normalise(environ.get("SINORUS_LANG"))
    if chosen:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):  # POSIX: the first one set decides
        value = environ.get(name)
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def choose(args: list, environ=os.environ) -> str:
    return requested(args) or from_environment(environ)


def use(lang: str) -> None:
    """Speak `lang` from now on (loading the Vietnamese catalogue the first time it is needed)."""
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _state["lang"] = lang
    _state["catalogue"] = _catalogue(lang) if lang != "en" else None


_LOADED: dict = {}


def _catalogue(lang: str):
    if lang not in _LOADED:
        import gettext

        _LOADED[lang] = gettext.translation(DOMAIN, localedir=locale_dir(), languages=[lang])
    return _LOADED[lang]


def locale_dir() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")


# --- counts and dates, the way the language writes them ---------------------------------

# "5 events", "20 of 55 results": one pair per kind of record (person/people, hit/results).
COUNTS = {
    "event": N_plural("{n} event", "{n} events"),
    "quote": N_plural("{n} quote", "{n} quotes"),
    "person": N_plural("{n} person", "{n} people"),
    "topic": N_plural("{n} topic", "{n} topics"),
    "fact": N_plural("{n} fact", "{n} facts"),
    "source": N_plural("{n} source", "{n} sources"),
    "hit": N_plural("{n} result", "{n} results"),
}
COUNTS_OF = {
    "event": N_plural("{shown} of {n} event", "{shown} of {n} events"),
    "quote": N_plural("{shown} of {n} quote", "{shown} of {n} quotes"),
    "person": N_plural("{shown} of {n} person", "{shown} of {n} people"),
    "topic": N_plural("{shown} of {n} topic", "{shown} of {n} topics"),
    "fact": N_plural("{shown} of {n} fact", "{shown} of {n} facts"),
    "source": N_plural("{shown} of {n} source", "{shown} of {n} sources"),
    "hit": N_plural("{shown} of {n} result", "{shown} of {n} results"),
}


# A section's total, as check and stats list them: English names the section ("1 events"), as
# the data file does; the catalogue gives each language its own count words.
SECTION_COUNTS = {
    "sources": N_("{n} sources"), "people": N_("{n} people"), "topics": N_("{n} topics"),
    "events": N_("{n} events"), "quotes": N_("{n} quotes"), "facts": N_("{n} facts"),
}


def section_count(section: str, n: int) -> str:
    return _(SECTION_COUNTS[section]).format(n=n) if section in SECTION_COUNTS else f"{n} {section}"


def counted(kind: str, n: int, shown: int | None = None) -> str:
    """'5 events' / '5 sự kiện'; with `shown` below n, '20 of 55 results' / '20 trên 55 kết quả'."""
    if shown is not None and shown < n:
        return ngettext(*COUNTS_OF[kind], n).format(shown=shown, n=n)
    return ngettext(*COUNTS[kind], n).format(n=n)


# A date as each precision is written (English: ISO, as the data; Vietnamese: 05/06/2019,
# tháng 2/2022, năm 2022), and without its year, for the start of a range within one year.
_DAY, _MONTH, _YEAR = N_("{year}-{month:02}-{day:02}"), N_("{year}-{month:02}"), N_("{year}")
_DAY_NO_YEAR, _MONTH_NO_YEAR = N_("{month:02}-{day:02}"), N_("{month:02}")
# A range within one year: English drops the end's year (2021-03-22–03-23), Vietnamese the
# start's (22/03–23/03/2021); both names are given, each language uses two.
_SAME_YEAR = N_("{start}–{end_no_year}")
# These patterns are given more than they use: a translation may take any of the arguments
# (sinorus.catalog checks it against these, and marks them no-python-brace-format for msgfmt).
PATTERN_ARGUMENTS = {p: {"year", "month", "day"} for p in (_DAY, _MONTH, _YEAR, _DAY_NO_YEAR, _MONTH_NO_YEAR)}
PATTERN_ARGUMENTS[_SAME_YEAR] = {"start", "end", "start_no_year", "end_no_year"}


def partial_date(d) -> str:
    """A data date (sinorus.matching.dates.PartialDate) with its ~ or ? marker kept."""
    if _state["catalogue"] is None:
        return d.text
    return _date_text(d, False)


def _date_text(d, no_year: bool) -> str:
    marker = d.text[len(d.text.rstrip("~?%")):]
    s = d.start
    if d.precision == "day":
        pattern = _DAY_NO_YEAR if no_year else _DAY
    elif d.precision == "month":
        pattern = _MONTH_NO_YEAR if no_year else _MONTH
    else:
        pattern = _YEAR
    return _(pattern).format(year=s.year, month=s.month, day=s.day) + marker


def date_range(start, end, compact: bool = False) -> str:
    """'start – end'; compact (tables): one year written once when both fall in it."""
    if end is None:
        return partial_date(start)
    if compact and start.start.year == end.start.year and end.precision != "year":
        return _(_SAME_YEAR).format(start=_date_text(start, False), end_no_year=_date_text(end, True),
                                    start_no_year=_date_text(start, True), end=_date_text(end, False))
    return f"{partial_date(start)} – {partial_date(end)}" if not compact else f"{partial_date(start)}–{partial_date(end)}"


def day(d) -> str:
    """A datetime.date: ISO in English, 05/06/2019 in Vietnamese."""
    return _(_DAY).format(year=d.year, month=d.month, day=d.day)


def period(span) -> str:
    """A period a user asked for (sinorus.matching.dates.Interval): a year, a month, a day, or first – last day."""
    if _state["catalogue"] is not None and span.precision in ("year", "month", "day"):
        pattern = {"year": _YEAR, "month": _MONTH, "day": _DAY}[span.precision]
        return _(pattern).format(year=span.start.year, month=span.start.month, day=span.start.day)
    return day(span.start) if span.start == span.end else f"{day(span.start)} – {day(span.end)}"


def local(record, name: str):
    """A record's field in the interface's language: in Vietnamese its twin (title_vi, summary_vi,
    label_vi, name_vi, organisation_vi) when the record has one, else the English field."""
    get = record.get if isinstance(record, dict) else (lambda field: getattr(record, field, None))  # a record or its stored data
    if _state["lang"] == "vi":
        twin = get(f"{name}_vi")
        if twin:
            return twin
    return get(name) if isinstance(record, dict) else getattr(record, name)


# Each kind of record by name, as `show` and `search` tables name them.
KINDS = {"event": N_("event"), "quote": N_("quote"), "person": N_("person"), "topic": N_("topic"), "fact": N_("fact"), "source": N_("source")}


def kind_name(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind

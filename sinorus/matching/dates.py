"""Dates with honest precision: "2021" is the whole year, "2021-05" the whole month.

A data date (``PartialDate``) and a user's bound (``parse_user_date``) both become
an inclusive interval of days; filters compare intervals, never invented days.
ISO-like input is read here directly; only other phrases reach dateparser,
which is imported on first need because it costs a tenth of a second.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sinorus.errors import UsageError
from sinorus.i18n import N_, _

PRECISIONS = ("year", "month", "day")
class _Lazy:
    """A regex compiled on first use: most runs read one ISO date, or none, and start-up counts."""

    __slots__ = ("_pattern", "_compiled")

    def __init__(self, pattern: str) -> None:
        self._pattern, self._compiled = pattern, None

    def __getattr__(self, name: str):
        if self._compiled is None:
            self._compiled = re.compile(self._pattern)
        return getattr(self._compiled, name)


_DATA_RE = _Lazy(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%])?")
DATE_HINT = N_('try 2019, 2019-06, 2019-06-05, "Feb 2022", "Q1 2022", "H2 2023", "tháng 2 năm 2022", "2022年2月" or "last year"')


@dataclass(frozen=True, slots=True)
class Interval:
    """An inclusive range of days with the precision it was given in."""

    start: date
    end: date
    precision: str


def interval_of(year: int, month: int | None = None, day: int | None = None) -> Interval:
    """The days covered by a year, a month or a single day."""
    if month is None:
        return Interval(date(year, 1, 1), date(year, 12, 31), "year")
    if day is None:
        last = calendar.monthrange(year, month)[1]
        return Interval(date(year, month, 1), date(year, month, last), "month")
    d = date(year, month, day)
    return Interval(d, d, "day")


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date as a source gives it: ``2021``, ``2021-05`` or ``2021-05-25``.

    An EDTF-style suffix marks it approximate (``~``), uncertain (``?``) or both (``%``).
    """

    text: str
    start: date
    end: date
    precision: str
    approximate: bool = False
    uncertain: bool = False

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        """Read a data date; raises ValueError with a readable reason."""
        m = _DATA_RE.fullmatch(text) if isinstance(text, str) else None
        if not m:
            raise ValueError(f"{text!r} is not a date like 2021, 2021-05 or 2021-05-25 (optionally ending in ~ or ?)")
        year, month, day, mark = m.groups()
        try:
            span = interval_of(int(year), int(month) if month else None, int(day) if day else None)
        except ValueError:
            raise ValueError(f"{text!r} is not a real calendar date") from None
        return cls(text, span.start, span.end, span.precision, mark in ("~", "%"), mark in ("?", "%"))

    @property
    def sort_key(self) -> tuple[int, int]:
        """Start day first; at the same start the coarser date comes first (2021-05 before 2021-05-01)."""
        return (self.start.toordinal(), PRECISIONS.index(self.precision))

    def __str__(self) -> str:
        return self.text


def event_interval(start: PartialDate, end: PartialDate | None) -> Interval:
    """All days an event may cover: from its start's first day to its end's last day."""
    last = end.end if end is not None else start.end
    return Interval(start.start, last, start.precision)


# --- what a user types -------------------------------------------------------

_ISO_RE = _Lazy(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
# Vietnamese and day-first numeric forms: "ngày 5/6/2019", "5/6/2019", "6/2019"
_DMY_RE = _Lazy(r"(?:ngày\s+)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_MY_RE = _Lazy(r"(?:tháng\s+)?(\d{1,2})[/.-](\d{4})")
_VI_RE = _Lazy(r"(?:ngày\s+(\d{1,2})\s+)?(?:tháng\s+(\d{1,2})\s+)?(?:năm\s+)(\d{4})")
_ZH_RE = _Lazy(r"(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?)?")


def _numeric(text: str) -> Interval | None:
    """Numeric, Vietnamese and Chinese forms read without dateparser; None when not one of them."""
    t = " ".join(text.lower().split())
    for regex, order in ((_ISO_RE, "ymd"), (_DMY_RE, "dmy"), (_MY_RE, "my"), (_VI_RE, "dmy"), (_ZH_RE, "ymd")):
        m = regex.fullmatch(t)
        if not m:
            continue
        parts = dict(zip(order, m.groups()))
        year = int(parts["y"])
        month = int(parts["m"]) if parts.get("m") else None
        day = int(parts["d"]) if parts.get("d") else None
        if day is not None and month is None:
            return None
        try:
            return interval_of(year, month, day)
        except ValueError:
            return None
    return None


def looks_iso(text: str) -> bool:
    """True for the forms read without dateparser (ISO and numeric)."""
    return _numeric(text) is not None


# Month names and abbreviations in the languages of the data: English, Russian (nominative and
# genitive), and Vietnamese month words ("tháng Hai"); "tháng 2" is numeric and read above.
_MONTHS = {
    **{name: i for i, names in enumerate((
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
        ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
        ("december", "dec"),
    ), 1) for name in names},
    **{name: i for i, names in enumerate((
        ("январь", "января", "янв"), ("февраль", "февраля", "фев", "февр"), ("март", "марта", "мар"),
        ("апрель", "апреля", "апр"), ("май", "мая"), ("июнь", "июня", "июн"), ("июль", "июля", "июл"),
        ("август", "августа", "авг"), ("сентябрь", "сентября", "сен", "сент"), ("октябрь", "октября", "окт"),
        ("ноябрь", "ноября", "ноя", "нояб"), ("декабрь", "декабря", "дек"),
    ), 1) for name in names},
    **{f"tháng {name}": i for i, name in enumerate((
        "giêng", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một", "chạp"), 1)},
}
_MONTH = "(" + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True)) + r")\.?"
_YEAR = r"(\d{4})(?:\s*(?:г\.|г|года|год))?"  # Russian writes "2022 г." or "2022 года"
_DAY = r"(\d{1,2})(?:st|nd|rd|th|-?е|-?го)?"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "i": 1, "ii": 2, "iii": 3, "iv": 4, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4,
             "一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2, "đầu": 1, "cuối": 2,
             "первый": 1, "второй": 2, "третий": 3, "четвёртый": 4, "четвертый": 4, "первое": 1, "второе": 2}  # noqa: E501
_N = r"([1-4]|i{1,3}|iv|first|second|third|fourth|1st|2nd|3rd|4th|một|hai|ba|bốn|tư|一|二|三|四|первый|второй|третий|четв[её]ртый)"
# (pattern, what its groups are): "m y", "d m y", "y m", "q y", "y q", "h y", "y h"; each compiled on
# first use (about 8 ms for all), so that ISO dates and runs without a date never pay for them.
_WORDED = [(_Lazy(p), kind) for p, kind in (
    (rf"{_MONTH},?\s*{_YEAR}", "m y"),
    (rf"{_YEAR}\s+{_MONTH}", "y m"),
    (rf"(?:ngày\s+)?{_DAY}\s+{_MONTH},?\s+(?:năm\s+)?{_YEAR}", "d m y"),
    (rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}", "m d y"),
    (rf"{_MONTH}\s+năm\s+{_YEAR}", "m y"),
    (rf"(?:q|quý\s*|quarter\s*){_N}[\s/,-]*(?:of\s+|năm\s+)?{_YEAR}", "q y"),
    (rf"{_N}(?:-?(?:й|st|nd|rd|th))?\s+(?:quarter|квартал)(?:\s+of)?\s+{_YEAR}", "q y"),
    (rf"{_YEAR}[\s-]*q([1-4])", "y q"),
    (r"(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度", "y q"),
    (rf"h([12])[\s/,-]*{_YEAR}", "h y"),
    (rf"{_YEAR}[\s-]*h([12])", "y h"),
    (rf"(first|second|1st|2nd)\s+half(?:\s+of)?\s+{_YEAR}", "h y"),
    (rf"(?:nửa|6 tháng)\s+(đầu|cuối)\s+(?:năm\s+)?{_YEAR}", "h y"),
    (r"(\d{4})\s*年\s*(上|下)\s*半年", "y h"),
    (rf"(первое|второе|1-е|2-е)\s+полугодие\s+{_YEAR}", "h y"),
)]


def _span(year: int, first_month: int, months: int, precision: str) -> Interval:
    last_month = first_month + months - 1
    return Interval(date(year, first_month, 1), interval_of(year, last_month).end, precision)


def _worded(text: str) -> Interval | None:
    """Month names, quarters and halves in English, Vietnamese, Russian and Chinese; None when not one."""
    t = " ".join(text.lower().replace(",", ", ").split()).rstrip(".")
    for regex, kind in _WORDED:
        m = regex.fullmatch(t)
        if not m:
            continue
        parts = dict(zip(kind.split(), m.groups()))
        year = int(parts["y"])
        n = (parts.get("q") or parts.get("h") or "").removesuffix("-е")
        n = int(n) if n.isdigit() else _ORDINALS.get(n)
        try:
            if "q" in parts:
                return _span(year, 3 * n - 2, 3, "quarter") if n else None
            if "h" in parts:
                return _span(year, 6 * n - 5, 6, "half") if n in (1, 2) else None
            month = _MONTHS[parts["m"]]
            return interval_of(year, month, int(parts["d"]) if "d" in parts else None)
        except (ValueError, KeyError):
            return None
    return None


# --- relative phrases: the common ones read here, the same way dateparser reads them -------------

_UNITS = {"day": "day", "days": "day", "ngày": "day", "week": "week", "weeks": "week", "tuần": "week",
          "month": "month", "months": "month", "tháng": "month", "year": "year", "years": "year", "năm": "year"}
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5}
# (unit, steps from now) of each fixed phrase, English and Vietnamese
_FIXED = {
    "today": ("day", 0), "yesterday": ("day", -1), "tomorrow": ("day", 1),
    "hôm nay": ("day", 0), "hôm qua": ("day", -1), "ngày mai": ("day", 1),
    "năm ngoái": ("year", -1), "năm trước": ("year", -1), "năm nay": ("year", 0), "năm sau": ("year", 1), "năm tới": ("year", 1),
    "tháng trước": ("month", -1), "tháng này": ("month", 0), "tháng sau": ("month", 1), "tháng tới": ("month", 1),
    "tuần trước": ("week", -1), "tuần này": ("week", 0), "tuần sau": ("week", 1), "tuần tới": ("week", 1),
}
_STEP_WORDS = {"last": -1, "this": 0, "next": 1}
_AGO = _Lazy(r"(\w+) (day|days|week|weeks|month|months|year|years) ago|in (\w+) (day|days|week|weeks|month|months|year|years)"
             r"|(\w+) (ngày|tuần|tháng|năm) (trước|sau|tới)")


def _relative(text: str, today: date) -> Interval | None:
    """"last year", "3 months ago", "tháng trước", "2 năm trước": the period that many units from
    today, as dateparser reads them, without importing it (~0.1 s); None for anything else."""
    t = text.lower()
    if t in _FIXED:
        return _shifted(today, *_FIXED[t])
    head, _, unit = t.partition(" ")
    if head in _STEP_WORDS and unit in ("year", "month", "week"):
        return _shifted(today, unit, _STEP_WORDS[head])
    m = _AGO.fullmatch(t)
    if m is None:
        return None
    if m.group(1):
        count, unit, sign = m.group(1), m.group(2), -1
    elif m.group(3):
        count, unit, sign = m.group(3), m.group(4), 1
    else:
        count, unit, sign = m.group(5), m.group(6), -1 if m.group(7) == "trước" else 1
    n = int(count) if count.isdigit() else _COUNTS.get(count)
    if n is None or n > 10_000:
        return None
    return _shifted(today, _UNITS[unit], sign * n)


def _shifted(today: date, unit: str, steps: int) -> Interval | None:
    from datetime import timedelta

    try:
        if unit == "day":
            d = today + timedelta(days=steps)
            return interval_of(d.year, d.month, d.day)
        if unit == "week":  # seven days from today's weekday that many weeks away, as dateparser counts
            first = today + timedelta(weeks=steps)
            return Interval(first, first + timedelta(days=6), "day")
        if unit == "month":
            months = today.year * 12 + today.month - 1 + steps
            return interval_of(months // 12, months % 12 + 1)
        return interval_of(today.year + steps)
    except (ValueError, OverflowError):  # beyond year 1..9999
        return None


_PARSER = None


def _dateparser_read(text: str, today: date) -> Interval | None:
    global _PARSER
    from datetime import datetime

    from dateparser.date import DateDataParser  # lazy: ~0.1 s to import

    settings = {
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_MONTH_OF_YEAR": "first",
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "RETURN_TIME_AS_PERIOD": True,
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
    }
    if _PARSER is None or _PARSER[0] != today:
        _PARSER = (today, DateDataParser(languages=["en", "vi"], settings=settings))
    try:
        data = _PARSER[1].get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if data is None or data.date_obj is None:
        return None
    d = data.date_obj.date()
    period = data.period or "day"
    if period == "year":
        return interval_of(d.year)
    if period == "month":
        return interval_of(d.year, d.month)
    if period == "week":
        from datetime import timedelta

        return Interval(d, d + timedelta(days=6), "day")
    return interval_of(d.year, d.month, d.day)


MAX_DATE_INPUT = 100


def parse_user_date(text: str, option: str = "date", today: date | None = None) -> Interval:
    """Read what a user typed as a date into the whole period it names.

    Periods are never narrowed to a day: "Q1 2022" is January to March. A phrase
    naming a year that no rule here reads is an error with examples, not a guess;
    the common relative phrases ("last year", "3 months ago", "tháng trước") are
    read here from today, and only rarer phrases without a year reach dateparser.
    Raises UsageError naming the option.
    """
    # NFC: "tháng"/"năm" typed or pasted decomposed (macOS) must still match the Vietnamese forms
    cleaned = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not cleaned:
        raise UsageError(_("Invalid value for '{option}': an empty date").format(option=option), _(DATE_HINT))
    span = _numeric(cleaned)
    if span is not None:
        _note_if_ambiguous(cleaned, span)
    elif len(cleaned) <= MAX_DATE_INPUT and any(c.isalpha() for c in cleaned):
        span = _worded(cleaned)
        if span is None and not _HAS_YEAR_RE.search(cleaned):
            span = _relative(cleaned, today or date.today())
            if span is None:
                span = _dateparser_read(cleaned, today or date.today())
    if span is None:
        from sinorus.matching.text import shorten_for_message

        raise UsageError(
            _("Invalid value for '{option}': cannot read {text} as a date or a period").format(option=option, text=shorten_for_message(cleaned)),
            _(DATE_HINT),
        )
    return span


_HAS_YEAR_RE = _Lazy(r"(?<!\d)\d{4}(?!\d)")


def _note_if_ambiguous(text: str, span: Interval) -> None:
    """2/4/2022 is read day-first (documented); say so when month-first is a real date too."""
    m = _DMY_RE.fullmatch(" ".join(text.lower().split()))
    if not m or m.group(1) == m.group(2) or int(m.group(1)) > 12 or int(m.group(2)) > 12:
        return
    from sinorus.streams import note

    other = date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    note(_("read {text} day-first as {date}, not {other} (write YYYY-MM-DD to be sure)").format(text=text, date=span.start.isoformat(), other=other.isoformat()))


@dataclass(frozen=True, slots=True)
class DateRange:
    """The days a filter asks for; either side may be open."""

    start: date | None = None
    end: date | None = None
    strict: bool = False

    def admits(self, span: Interval) -> bool:
        """Overlap by default; with ``strict`` the span must lie wholly inside."""
        if self.strict:
            return (self.start is None or span.start >= self.start) and (self.end is None or span.end <= self.end)
        return (self.start is None or span.end >= self.start) and (self.end is None or span.start <= self.end)

    @property
    def is_open(self) -> bool:
        return self.start is None and self.end is None


def build_range(
    date_from: str | None = None,
    date_to: str | None = None,
    on: str | None = None,
    strict: bool = False,
    today: date | None = None,
) -> DateRange:
    """Turn --from/--to/--on into a DateRange; --from after --to is a usage error."""
    if on is not None and (date_from is not None or date_to is not None):
        raise UsageError(_("--on cannot be combined with --from or --to"), _("use either --on D or --from D --to D"))
    if on is not None:
        span = parse_user_date(on, "--on", today)
        return DateRange(span.start, span.end, strict)
    start = parse_user_date(date_from, "--from", today).start if date_from is not None else None
    end = parse_user_date(date_to, "--to", today).end if date_to is not None else None
    if start is not None and end is not None and start > end:
        raise UsageError(
            _("--from ({start}) is later than --to ({end})").format(start=date_from, end=date_to),
            _("swap them, or drop one to leave that side open"),
        )
    return DateRange(start, end, strict)

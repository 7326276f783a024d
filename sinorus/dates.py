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

PRECISIONS = ("year", "month", "day")
_DATA_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%])?")
DATE_HINT = 'try 2019, 2019-06, 2019-06-05, "Feb 2022" or "tháng 2 năm 2022"'


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

_ISO_RE = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
# Vietnamese and day-first numeric forms: "ngày 5/6/2019", "5/6/2019", "6/2019"
_DMY_RE = re.compile(r"(?:ngày\s+)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_MY_RE = re.compile(r"(?:tháng\s+)?(\d{1,2})[/.-](\d{4})")
_VI_RE = re.compile(r"(?:ngày\s+(\d{1,2})\s+)?(?:tháng\s+(\d{1,2})\s+)?(?:năm\s+)(\d{4})")


def _numeric(text: str) -> Interval | None:
    """Numeric and Vietnamese forms read without dateparser; None when not one of them."""
    t = " ".join(text.lower().split())
    for regex, order in ((_ISO_RE, "ymd"), (_DMY_RE, "dmy"), (_MY_RE, "my"), (_VI_RE, "dmy")):
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
    """Read what a user typed as a date into the interval it names.

    Raises UsageError naming the option, as typer would for a bad value.
    """
    # NFC: "tháng"/"năm" typed or pasted decomposed (macOS) must still match the Vietnamese forms
    cleaned = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not cleaned:
        raise UsageError(f"Invalid value for '{option}': an empty date", DATE_HINT)
    span = _numeric(cleaned)
    if span is None and len(cleaned) <= MAX_DATE_INPUT and any(c.isalpha() for c in cleaned):
        span = _dateparser_read(cleaned, today or date.today())
    if span is None:
        from sinorus.text import shorten_for_message

        raise UsageError(
            f"Invalid value for '{option}': cannot read {shorten_for_message(cleaned)} as a date",
            DATE_HINT,
        )
    return span


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
        raise UsageError("--on cannot be combined with --from or --to", "use either --on D or --from D --to D")
    if on is not None:
        span = parse_user_date(on, "--on", today)
        return DateRange(span.start, span.end, strict)
    start = parse_user_date(date_from, "--from", today).start if date_from is not None else None
    end = parse_user_date(date_to, "--to", today).end if date_to is not None else None
    if start is not None and end is not None and start > end:
        raise UsageError(
            f"--from ({date_from}) is later than --to ({date_to})",
            "swap them, or drop one to leave that side open",
        )
    return DateRange(start, end, strict)

"""Date reading and range semantics, through the library and the CLI."""

from datetime import date

import pytest

from conftest import write_kb
from sinorus.matching.dates import PartialDate, build_range, parse_user_date
from sinorus.errors import UsageError

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    "text, start, end, precision",
    [
        ("2019", date(2019, 1, 1), date(2019, 12, 31), "year"),
        ("2019-06", date(2019, 6, 1), date(2019, 6, 30), "month"),
        ("2019-06-05", date(2019, 6, 5), date(2019, 6, 5), "day"),
        ("Feb 2022", date(2022, 2, 1), date(2022, 2, 28), "month"),
        ("5 June 2019", date(2019, 6, 5), date(2019, 6, 5), "day"),
        ("tháng 2 năm 2022", date(2022, 2, 1), date(2022, 2, 28), "month"),
        ("ngày 5/6/2019", date(2019, 6, 5), date(2019, 6, 5), "day"),
        ("5/6/2019", date(2019, 6, 5), date(2019, 6, 5), "day"),
        ("năm 2022", date(2022, 1, 1), date(2022, 12, 31), "year"),
        ("last year", date(2025, 1, 1), date(2025, 12, 31), "year"),
        ("February 2024", date(2024, 2, 1), date(2024, 2, 29), "month"),
    ],
)
def test_user_dates_have_the_precision_given(text, start, end, precision):
    span = parse_user_date(text, "--from", TODAY)
    assert (span.start, span.end, span.precision) == (start, end, precision)


@pytest.mark.parametrize("text", ["banana", "2019-13", "2019-02-30", "", "   ", "Feb 30 2022"])
def test_unreadable_dates_are_usage_errors(text):
    with pytest.raises(UsageError) as info:
        parse_user_date(text, "--from", TODAY)
    assert "--from" in info.value.message


def test_iso_input_never_reaches_dateparser(monkeypatch):
    import sinorus.matching.dates as dates

    monkeypatch.setattr(dates, "_dateparser_read", lambda *a: pytest.fail("dateparser used for ISO input"))
    for text in ("2019", "2019-06", "2019-06-05", "2019/6/5", "5/6/2019", "tháng 2 năm 2022"):
        dates.parse_user_date(text, "--from", TODAY)


def test_data_dates():
    d = PartialDate.parse("2021-05~")
    assert d.precision == "month" and d.approximate and not d.uncertain
    assert PartialDate.parse("2023-01?").uncertain
    assert PartialDate.parse("2021-05").sort_key < PartialDate.parse("2021-05-01").sort_key
    for bad in ("2021-5", "21", "2021-02-30", "2021-05-25T10:00"):
        with pytest.raises(ValueError):
            PartialDate.parse(bad)


def test_range_bounds_take_the_whole_period():
    r = build_range("2019", "Feb 2022", today=TODAY)
    assert r.start == date(2019, 1, 1) and r.end == date(2022, 2, 28)


def test_from_after_to_is_a_usage_error(cli):
    r = cli("timeline", "--from", "2023", "--to", "2022")
    assert r.code == 2
    assert "later than --to" in r.stderr and r.stdout == ""


def test_on_with_from_is_a_usage_error(cli):
    r = cli("timeline", "--on", "2022", "--from", "2021")
    assert r.code == 2 and "--on" in r.stderr


def test_banana_message(cli):
    r = cli("timeline", "--from", "banana")
    assert r.code == 2
    assert r.stderr.strip().startswith("Error: Invalid value for '--from': cannot read \"banana\" as a date or a period (try 2019")
    assert len(r.stderr.strip().splitlines()) == 1


EDGE_EVENTS = [
    {"id": "dec31", "date": "2021-12-31"},
    {"id": "jan1", "date": "2022-01-01"},
    {"id": "dec-month", "date": "2021-12"},
    {"id": "jan-month", "date": "2022-01"},
    {"id": "year2022", "date": "2022"},
    {"id": "year2021", "date": "2021"},
    {"id": "straddle", "date": "2021-12-30", "end": "2022-01-02"},
    {"id": "feb28", "date": "2022-02-28"},
    {"id": "mar1", "date": "2022-03-01"},
]


@pytest.fixture
def edges(tmp_path):
    return write_kb(tmp_path, EDGE_EVENTS)


def ids(cli, data, *args):
    r = cli("--data", data, "timeline", *args, "--json")
    assert r.code == 0, r.stderr
    return [e["id"] for e in r.json()]


def test_from_year_keeps_events_of_that_year_and_overlapping(cli, edges):
    got = ids(cli, edges, "--from", "2022")
    assert set(got) == {"jan1", "jan-month", "year2022", "straddle", "feb28", "mar1"}


def test_from_year_strict_drops_straddling_event(cli, edges):
    got = ids(cli, edges, "--from", "2022", "--strict")
    assert "straddle" not in got and "jan1" in got and "year2022" in got


def test_to_year_runs_through_december_31(cli, edges):
    got = ids(cli, edges, "--to", "2021")
    assert set(got) == {"dec31", "dec-month", "year2021", "straddle"}


def test_to_month_runs_through_its_last_day(cli, edges):
    got = ids(cli, edges, "--from", "2022-02", "--to", "Feb 2022")
    assert "feb28" in got and "mar1" not in got
    assert "year2022" in got  # a year-precision event overlaps February
    assert "year2022" not in ids(cli, edges, "--from", "2022-02", "--to", "Feb 2022", "--strict")


def test_boundary_day(cli, edges):
    assert set(ids(cli, edges, "--on", "2022-01-01")) == {"jan1", "jan-month", "year2022", "straddle"}
    assert ids(cli, edges, "--on", "2022-01-01", "--strict") == ["jan1"]


def test_month_precision_sorts_before_days_of_that_month(cli, edges):
    got = ids(cli, edges, "--from", "2021-12", "--to", "2022-01")
    assert got.index("year2021") < got.index("dec-month") < got.index("straddle") < got.index("dec31")
    assert got.index("year2022") < got.index("jan-month") < got.index("jan1")


def test_vietnamese_date_filter(cli, edges):
    assert ids(cli, edges, "--from", "tháng 2 năm 2022", "--to", "ngày 28/2/2022", "--strict") == ["feb28"]


# --- a period is a period: never narrowed to a day -------------------------------------------

PERIODS = [
    # (what a user types, first day, last day)
    ("Q1 2022", "2022-01-01", "2022-03-31"), ("q2 2022", "2022-04-01", "2022-06-30"), ("2022 Q3", "2022-07-01", "2022-09-30"),
    ("2022-Q4", "2022-10-01", "2022-12-31"), ("first quarter of 2022", "2022-01-01", "2022-03-31"),
    ("quý 1 năm 2022", "2022-01-01", "2022-03-31"), ("quý I/2022", "2022-01-01", "2022-03-31"), ("quý IV năm 2023", "2023-10-01", "2023-12-31"),
    ("2 квартал 2022", "2022-04-01", "2022-06-30"), ("II квартал 2022 г.", "2022-04-01", "2022-06-30"),
    ("2022年第一季度", "2022-01-01", "2022-03-31"),
    ("H1 2022", "2022-01-01", "2022-06-30"), ("H2 2023", "2023-07-01", "2023-12-31"), ("2022-H2", "2022-07-01", "2022-12-31"),
    ("second half of 2023", "2023-07-01", "2023-12-31"), ("6 tháng đầu năm 2022", "2022-01-01", "2022-06-30"),
    ("nửa cuối năm 2022", "2022-07-01", "2022-12-31"), ("2022年上半年", "2022-01-01", "2022-06-30"),
    ("первое полугодие 2022", "2022-01-01", "2022-06-30"),
    ("Feb 2022", "2022-02-01", "2022-02-28"), ("February 2024", "2024-02-01", "2024-02-29"), ("sept 2021", "2021-09-01", "2021-09-30"),
    ("2022 Feb", "2022-02-01", "2022-02-28"), ("tháng 2 năm 2022", "2022-02-01", "2022-02-28"), ("tháng Hai năm 2022", "2022-02-01", "2022-02-28"),
    ("tháng 2/2022", "2022-02-01", "2022-02-28"), ("2022年2月", "2022-02-01", "2022-02-28"), ("февраль 2022", "2022-02-01", "2022-02-28"),
    ("фев 2022", "2022-02-01", "2022-02-28"), ("февраля 2022 года", "2022-02-01", "2022-02-28"), ("2022年", "2022-01-01", "2022-12-31"),
    ("năm 2022", "2022-01-01", "2022-12-31"), ("2022", "2022-01-01", "2022-12-31"),
    ("5 March 2024", "2024-03-05", "2024-03-05"), ("March 5, 2024", "2024-03-05", "2024-03-05"), ("5 марта 2024", "2024-03-05", "2024-03-05"),
    ("2022年2月4日", "2022-02-04", "2022-02-04"), ("ngày 4 tháng 2 năm 2022", "2022-02-04", "2022-02-04"),
]


@pytest.mark.parametrize("typed, first, last", PERIODS)
def test_a_typed_period_is_the_whole_period(typed, first, last):
    span = parse_user_date(typed)
    assert (span.start.isoformat(), span.end.isoformat()) == (first, last)


@pytest.mark.parametrize("typed, first, last", [p for p in PERIODS if p[1] != p[2]][:12])
def test_a_period_filter_keeps_every_event_inside_it(cli, kb, typed, first, last):
    """--on PERIOD answers exactly the events overlapping all of it (an oracle over the model)."""
    r = cli("timeline", "--on", typed, "--json")
    assert r.code == 0, r.stderr
    want = {e.id for e in kb.events.values() if e.interval.end.isoformat() >= first and e.interval.start.isoformat() <= last}
    assert {e["id"] for e in r.json()} == want


@pytest.mark.parametrize("typed", ["spring 2022", "early 2022", "mid-2022", "late 2023", "Q5 2022", "H3 2022", "February 30 2022",
                                   "winter 2021", "end of 2022", "2022ish", "the 2020s"])
def test_a_period_that_cannot_be_read_is_an_error_with_examples(cli, typed):
    r = cli("timeline", "--from", typed)
    assert r.code == 2 and r.stdout == ""
    assert "cannot read" in r.stderr and "Q1 2022" in r.stderr and r.stderr.count("\n") == 1


def test_ambiguous_numeric_date_is_read_day_first_and_said(cli):
    r = cli("timeline", "--on", "2/4/2022", "--json")
    assert r.code == 0
    assert "day-first as 2022-04-02" in r.stderr and r.stderr.count("\n") == 1
    assert cli("timeline", "--on", "13/4/2022", "--json").stderr == ""  # only one reading is a date
    assert cli("timeline", "--on", "4/4/2022", "--json").stderr == ""  # both readings are the same day


@pytest.mark.parametrize("typed", ["last year", "năm ngoái", "this year", "last month"])
def test_relative_phrases_are_whole_periods_from_today(typed):
    from datetime import date

    span = parse_user_date(typed, today=date(2026, 11, 30))
    assert span.start < span.end and span.start.day == 1


# --- relative phrases: read without dateparser, exactly as dateparser reads them ------------------

RELATIVE = [
    "last year", "this year", "next year", "last month", "this month", "next month", "last week", "this week",
    "next week", "yesterday", "today", "tomorrow", "Last Year", "2 years ago", "two years ago", "a year ago",
    "3 months ago", "twelve months ago", "10 days ago", "1 week ago", "2 weeks ago", "in 2 years", "in 3 months",
    "năm ngoái", "năm nay", "năm sau", "tháng trước", "tháng này", "tháng sau", "tuần trước", "tuần này",
    "hôm qua", "hôm nay", "ngày mai", "2 năm trước", "3 tháng trước", "10 ngày trước", "5 tuần trước",
]
# month ends, a leap day, year ends, a Monday and a Sunday
TODAYS = [date(2026, 11, 30), date(2024, 2, 29), date(2023, 1, 1), date(2025, 12, 31), date(2022, 3, 31), date(2021, 5, 16)]


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_relative_phrases_read_as_dateparser_reads_them(today):
    """The oracle is dateparser itself, on every phrase the fast reader takes."""
    from sinorus.matching.dates import _dateparser_read, _relative

    for typed in RELATIVE:
        mine = _relative(" ".join(typed.split()), today)
        assert mine is not None, typed
        assert mine == _dateparser_read(typed, today), (typed, today)


def test_other_phrases_still_reach_dateparser():
    from sinorus.matching.dates import _relative

    for typed in ("the day before yesterday", "1 decade ago", "3 hours ago", "last monday", "a while ago"):
        assert _relative(typed, TODAY) is None, typed
    span = parse_user_date("the day before yesterday", today=date(2026, 11, 30))
    assert (span.start, span.end) == (date(2026, 11, 28), date(2026, 11, 28))

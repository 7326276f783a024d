"""Listings are written as they come (issue 11): any iterable of records, read once, the first
screen at once, memory flat however long the listing.

A generator-fed listing writes the bytes a list-fed one writes; the first byte reaches the
stream after one record (a table: after the rows its widths are measured on); a table longer
than that sample keeps its widths, and its footer and legend count every row; memory does not
grow with the listing. Generated records are the bundled events under new ids and dates, so
they carry real titles, people, places and citations.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import itertools
import json
import re
import tracemalloc

import pytest

from conftest import ROOT, write_kb
from sinorus import i18n
from sinorus.output import render
from sinorus.matching.dates import PartialDate
from sinorus.errors import UsageError
from sinorus.output.render import Output, emit, emit_grouped

SECTIONS = {"event": "events", "quote": "quotes", "person": "people", "topic": "topics", "source": "sources", "fact": "facts"}


@pytest.fixture
def lang():
    """Switch the interface's language for a test; English again afterwards."""
    yield i18n.use
    i18n.use("en")


def generated(kb, n: int, per_year: int = 50):
    """`n` fresh events in date order, made one at a time from the bundled ones."""
    events = sorted(kb.events.values(), key=lambda e: e.sort_key)
    for i, e in enumerate(itertools.islice(itertools.cycle(events), n)):
        date = PartialDate.parse(f"{1900 + i // per_year}-{1 + i % 12:02d}")
        yield dataclasses.replace(e, id=f"gen-{i:06d}-{e.id}", date=date, end=None)


class Lazy:
    """A one-pass listing that learns its total only at its end, as a lazy query would."""

    def __init__(self, records, total: int | None):
        self._it = iter(records)
        self._total = total
        self.pulled = 0

    def __iter__(self):
        return self

    def __next__(self):
        try:
            record = next(self._it)
        except StopIteration:
            self.total = self._total
            raise
        self.pulled += 1
        return record


def written(kind, records, fmt, kb, fields=None, group=None) -> str:
    stream = io.StringIO()
    output = Output(fmt, fields=fields, stream=stream)
    if group:
        emit_grouped(kind, records, output, kb, by=group)
    else:
        emit(kind, records, output, kb)
    return stream.getvalue()


# --- the same bytes from a list and from a generator ------------------------------------------

try:
    from hypothesis import given, strategies as st
except ImportError:  # a test extra
    given = None


def _fields_of(kb, kind):
    sample = render.record_dict(next(iter(kb.section(SECTIONS[kind]).values())))
    return render.available_fields(kind, sample)


def outcome(kind, records, fmt, kb, fields=None, group=None) -> tuple:
    """What a run gives: its text, or its usage error (an unknown field, say, in an empty listing)."""
    try:
        return ("written", written(kind, records, fmt, kb, fields, group))
    except UsageError as e:
        return ("refused", str(e), e.hint)


@functools.cache
def bundled():
    """The bundled knowledge base (not a fixture: hypothesis would print all of it with a failure)."""
    from sinorus.index import cache

    return cache.load(ROOT / "data", use_cache=False)


if given is not None:
    @given(data=st.data())
    def test_a_generator_writes_what_a_list_writes(monkeypatch, lang, data):
        kb = bundled()
        kind = data.draw(st.sampled_from(sorted(SECTIONS)), label="kind")
        fmt = data.draw(st.sampled_from(render.LISTING_FORMATS), label="format")
        fields = data.draw(st.none() | st.lists(st.sampled_from(_fields_of(kb, kind)), min_size=1, max_size=4, unique=True), label="fields")
        width = data.draw(st.sampled_from(["40", "80", "200"]), label="width")
        lang(data.draw(st.sampled_from(["en", "vi"]), label="lang"))
        monkeypatch.setenv("COLUMNS", width)
        records = list(kb.section(SECTIONS[kind]).values())
        if kind == "event":
            records.sort(key=lambda e: e.sort_key)
        shown = records[:data.draw(st.integers(0, len(records)), label="shown")]
        assert outcome(kind, (r for r in shown), fmt, kb, fields) == outcome(kind, shown, fmt, kb, fields)
        assert outcome(kind, Lazy(shown, len(records)), fmt, kb, fields) == outcome(kind, _Listing(shown, len(records)), fmt, kb, fields)
        if kind == "event":
            assert outcome(kind, iter(shown), fmt, kb, fields, "year") == outcome(kind, shown, fmt, kb, fields, "year")
else:
    def test_a_generator_writes_what_a_list_writes():
        pytest.skip("hypothesis is not installed (pip install -e '.[test]')")


class _Listing(list):
    """A list that knows its count before --limit, as query's listings do."""

    def __init__(self, shown, total):
        super().__init__(shown)
        self.total = total


def test_json_is_the_array_json_dumps_writes(kb, monkeypatch):
    """Item by item, yet byte for byte the one indented array (and [] when empty), with or without
    non-ASCII text escaped (as when stdout cannot encode it)."""
    events = sorted(kb.events.values(), key=lambda e: e.sort_key)
    rows = [render.record_dict(e) for e in events]
    assert any(not json.dumps(r, ensure_ascii=False).isascii() for r in rows)  # the escaping is exercised
    assert written("event", iter(events), "json", kb) == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    assert written("event", iter([]), "json", kb) == "[]\n"
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert written("event", iter(events), "json", kb) == json.dumps(rows, ensure_ascii=True, indent=2) + "\n"


def test_the_footer_counts_a_lazy_listing_at_its_end(kb, monkeypatch):
    """'20 of 55': the total a listing knows once read; without one, the records shown."""
    monkeypatch.setenv("COLUMNS", "100")
    lazy = written("event", Lazy(generated(kb, 20), 55), "table", kb).splitlines()
    assert i18n.counted("event", 55, 20) == "20 of 55 events" and "20 of 55 events" in lazy
    plain = written("event", generated(kb, 20), "table", kb).splitlines()
    assert i18n.counted("event", 20) == "20 events" and "20 events" in plain
    assert lazy[:lazy.index("20 of 55 events")] == plain[:plain.index("20 events")]  # the rows above


@pytest.mark.parametrize("count", [0, 3])
def test_an_unknown_field_is_refused_before_anything_is_written(kb, count):
    """The error a list gets (an empty listing names the kind's columns as the valid fields), and
    nothing of the listing written."""
    stream = io.StringIO()
    with pytest.raises(UsageError) as streamed:
        emit("event", generated(kb, count), Output("json", fields=["title", "nope"], stream=stream), kb)
    assert stream.getvalue() == ""
    with pytest.raises(UsageError) as listed:
        emit("event", list(generated(kb, count)), Output("json", fields=["title", "nope"], stream=io.StringIO()), kb)
    assert (str(streamed.value), streamed.value.hint) == (str(listed.value), listed.value.hint)
    assert "'nope'" in str(streamed.value)
    if not count:
        assert streamed.value.hint.endswith(", ".join(render.COLUMNS["event"]))


# --- the first byte comes at once ---------------------------------------------------------------


class _Enough(Exception):
    pass


class FirstWrite(io.StringIO):
    """A stream that notes how many records had been pulled when the first byte came, and stops the run."""

    def __init__(self, listing: Lazy):
        super().__init__()
        self.listing = listing
        self.pulled_at_first_byte = None

    def write(self, text: str) -> int:
        if text:
            self.pulled_at_first_byte = self.listing.pulled
            raise _Enough
        return 0


@pytest.mark.parametrize("fmt", render.LISTING_FORMATS)
@pytest.mark.parametrize("group", [None, "year"])
def test_the_first_byte_comes_after_one_record(kb, monkeypatch, fmt, group):
    """5,000 records: the pipe formats write after the first; a table after the sample its widths
    are measured on (grouped: and the year it reached, whose heading gives its count)."""
    monkeypatch.setenv("COLUMNS", "100")
    per_year = 50
    listing = Lazy(generated(kb, 5000, per_year), None)
    stream = FirstWrite(listing)
    with pytest.raises(_Enough):
        written_to(stream, "event", listing, fmt, kb, group)
    if fmt != "table":
        assert stream.pulled_at_first_byte == 1
    else:
        assert stream.pulled_at_first_byte <= render.SAMPLE_ROWS + 1 + (per_year + 1 if group else 0)  # one more: is there more?


def written_to(stream, kind, records, fmt, kb, group=None) -> None:
    output = Output(fmt, stream=stream)
    if group:
        emit_grouped(kind, records, output, kb, by=group)
    else:
        emit(kind, records, output, kb)


def test_a_long_listing_starts_the_pager_at_once(kb, monkeypatch):
    """Through the pager's holding stream: the pager starts after the first block of the table,
    not after the last of 5,000 records."""
    from sinorus.output import pager

    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "40")
    listing = Lazy(generated(kb, 5000), None)
    held = pager._Held(io.StringIO(), "never started")
    started = []

    def start():
        started.append(listing.pulled)
        raise _Enough

    monkeypatch.setattr(held, "_start", start)
    with pytest.raises(_Enough):
        emit("event", listing, Output("table", stream=held), kb)
    assert started and started[0] <= render.SAMPLE_ROWS + 1
    assert held.rows >= held.lines  # it started because a screenful was there


# --- a table longer than its sample --------------------------------------------------------------

LONG = 3 * render.SAMPLE_ROWS + 17


@pytest.fixture(scope="module")
def long_data(tmp_path_factory):
    """LONG events over years of 1 to 9 events, whose titles grow after the sample (a table that
    measured them would widen), and whose only approximate and uncertain dates come late."""
    events, i, year = [], 0, 1950
    while i < LONG:
        for n in range(1 + year % 9):
            words = " extra" * (i // render.SAMPLE_ROWS * 3)
            mark = "~" if i == LONG - 5 else "?" if i == LONG - 3 else ""
            events.append({"id": f"ev-{i:05d}", "date": f"{year}-{1 + n % 12:02d}{mark}", "title": f"Event {i}{words} ends", "people": ["ann"]})
            i += 1
        year += 1
    return write_kb(tmp_path_factory.mktemp("long"), events[:LONG])


def _table(cli, data, *args, width=100):
    r = cli("--data", data, "timeline", "--format", "table", *args, env={"COLUMNS": str(width)})
    assert r.code == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("width", [60, 100, 160])
def test_a_long_table_keeps_its_widths_and_counts_every_row(cli, long_data, width):
    """Past the sample, rows keep the columns the header shows (wider titles wrap in theirs), and
    the footer and legend count rows the sample never saw."""
    lines = _table(cli, long_data, width=width).splitlines()
    header, rule = lines[0], lines[1]
    assert set(rule) == {"─"} and len(rule) <= width and lines.count(rule) == 1  # one header, at the top
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    assert header.split() == [render.heading(c) for c in render.TABLE_COLUMNS["event"]] and len(starts) == 5
    body = lines[2:lines.index(i18n.counted("event", LONG))]
    assert len(body) >= 2 * LONG  # the id under each title
    for line in body:
        assert len(line) <= len(rule), line  # nothing wider than the columns measured at the top
        assert all(line[s - render.TABLE_GAP:s].strip() == "" for s in starts[1:]), line  # the gaps stay gaps
    dates = [line.split()[0] for line in body if not line.startswith(" ")]
    assert len(dates) == LONG and dates[-5].endswith("~") and dates[-3].endswith("?")  # whole, marker and all
    assert {line.index("Event ") for line in body if re.search(r"\bEvent \d+", line)} == {starts[1]}
    assert lines[-2:] == [i18n.counted("event", LONG), "~ approximate date; ? uncertain date"]


def test_block_boundaries_do_not_show(cli, long_data, monkeypatch):
    """Printed a row per block or all at once after the sample, the table is the same text,
    year lines and their spacing included."""
    for args in ((), ("--group", "year")):
        whole = _table(cli, long_data, *args)
        monkeypatch.setattr(render, "BLOCK_ROWS", 1)
        assert _table(cli, long_data, *args) == whole
        monkeypatch.setattr(render, "BLOCK_ROWS", 7)
        assert _table(cli, long_data, *args) == whole
        monkeypatch.setattr(render, "BLOCK_ROWS", 10 ** 6)


def test_a_long_grouped_table(cli, long_data):
    """A heading per year, each after a blank line but the first, and the footer's counts."""
    plain = cli("--data", long_data, "timeline", "--group", "year").stdout.splitlines()
    years = [line for line in plain if line.startswith("── ")]
    lines = _table(cli, long_data, "--group", "year").splitlines()
    headings = [n for n, line in enumerate(lines) if line.startswith("── ")]
    assert [lines[n].split("  ")[0] for n in headings] == years
    assert all(lines[n - 1] == "" for n in headings[1:])
    assert lines[headings[0] - 1].startswith("─")
    assert lines[-2] == f"{i18n.counted('event', LONG)} in {len(years)} years"
    counts = [int(re.search(r"(\d+) events?$", lines[n]).group(1)) for n in headings]
    assert sum(counts) == LONG and len(counts) == len(years)


# --- memory stays flat ---------------------------------------------------------------------------


class _Null(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_memory_of_a_pipe_format_is_flat(kb, monkeypatch, fmt):
    """20,000 generated records written as they come peak far below holding them (records and
    rows, the least the whole-list renderer held)."""
    n = 20_000
    holding = _peak(lambda: [(r, render.record_dict(r)) for r in generated(kb, n)])
    streaming = _peak(lambda: emit("event", generated(kb, n), Output(fmt, stream=_Null()), kb))
    assert streaming < holding / 20, (streaming, holding)


def test_memory_of_a_table_does_not_grow_with_its_rows(kb, monkeypatch):
    """A table holds its sample and one block: ten times the rows past the sample, about the same peak
    (a table is measured on fewer rows than the pipe formats: drawing is slow under tracemalloc)."""
    monkeypatch.setenv("COLUMNS", "100")
    short, long = render.SAMPLE_ROWS + render.BLOCK_ROWS, render.SAMPLE_ROWS + render.BLOCK_ROWS * 10
    emit("event", generated(kb, 10), Output("table", stream=_Null()), kb)  # imports and caches outside the measure
    few = _peak(lambda: emit("event", generated(kb, short), Output("table", stream=_Null()), kb))
    many = _peak(lambda: emit("event", generated(kb, long), Output("table", stream=_Null()), kb))
    assert many < few * 1.5, (few, many)

"""The query engine against an independent oracle: the same questions answered in plain Python.

Every command is answered by SQL over the compiled index (sinorus.index.engine); here the
answers are recomputed straight from the YAML (``yaml.safe_load``), with a small date
reader of their own, and compared with the CLI's ``--json``. Nothing of sinorus'
query code is imported (not engine, index, dates nor query), so a slip in the SQL
(an ordering without the precision tiebreak, strict read as overlap, a filter
dropped) shows up as a difference from this file's few lines of Python.
"""

from __future__ import annotations

import calendar
import json
import random
import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, write_kb

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

BUNDLED = ROOT / "data"
SECTIONS = ("sources", "people", "topics", "events", "quotes", "facts")
SINGULAR = dict(zip(SECTIONS, ("source", "person", "topic", "event", "quote", "fact")))
FUZZY_CAP = 80  # README: a typo-level hit scores 80 or less, every real hit 87 and up


# --- the knowledge base, read as plain YAML ----------------------------------------------


class World:
    """A data directory and its records by section, in the order the files give them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sections: dict[str, list[dict]] = {s: [] for s in SECTIONS}
        # data files are read in name order (paths.yaml_files: sorted *.yaml, *.yml)
        for path in sorted(p for p in directory.iterdir() if p.suffix.lower() in (".yaml", ".yml")):
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for section, records in loaded.items():
                self.sections[section].extend(records or [])
        self.by_id = {r["id"]: (SINGULAR[s], r) for s in SECTIONS for r in self.sections[s]}
        self.events = self.sections["events"]
        self.quotes = self.sections["quotes"]

    def args(self, *args: str) -> tuple[str, ...]:
        """The command line for this data: the bundled data needs no --data."""
        return args if self.directory == BUNDLED else ("--data", str(self.directory), *args)

    def years(self) -> list[int]:
        """Every year some event or quote starts or ends in."""
        found = set()
        for r in self.events + self.quotes:
            for key in ("date", "end"):
                if r.get(key):
                    found.add(day_span(r[key])[0].year)
        return sorted(found)


# --- dates: the oracle's own reading of the rules in README "Dates" -----------------------

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?[~?%]?")


def day_span(text: str) -> tuple[date, date, int]:
    """First day, last day and precision (0 year, 1 month, 2 day) of "YYYY", "YYYY-MM" or "YYYY-MM-DD"."""
    y, m, d = _DATE.fullmatch(text).groups()
    y = int(y)
    if m is None:
        return date(y, 1, 1), date(y, 12, 31), 0
    m = int(m)
    if d is None:
        return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), 1
    day = date(y, m, int(d))
    return day, day, 2


def record_span(r: dict) -> tuple[date, date]:
    """The days an event or quote may cover: its date's first day to its end's (or date's) last day."""
    first, last, _ = day_span(r["date"])
    if r.get("end"):
        last = day_span(r["end"])[1]
    return first, last


def sort_key(r: dict) -> tuple:
    """Start day, then the coarser precision first at the same start, then id."""
    first, _, precision = day_span(r["date"])
    return first.toordinal(), precision, r["id"]


def admits(r: dict, lo: date | None, hi: date | None, strict: bool) -> bool:
    """Overlap by default; strict: wholly inside."""
    first, last = record_span(r)
    if strict:
        return (lo is None or first >= lo) and (hi is None or last <= hi)
    return (lo is None or last >= lo) and (hi is None or first <= hi)


def in_order(records, reverse: bool = False, limit: int | None = None) -> list[str]:
    ids = [r["id"] for r in sorted(records, key=sort_key, reverse=reverse)]
    return ids[:limit] if limit else ids


# --- records: JSON equals YAML with absent optional fields null (lists []) ------------------


def same_record(y, j) -> bool:
    """j is y with the fields y leaves out present as null or []."""
    if isinstance(y, dict):
        return (isinstance(j, dict) and all(k in j and same_record(v, j[k]) for k, v in y.items())
                and all(j[k] in (None, []) for k in j.keys() - y.keys()))
    if isinstance(y, list):
        return isinstance(j, list) and len(y) == len(j) and all(same_record(a, b) for a, b in zip(y, j))
    return type(y) is type(j) and y == j


def assert_records(expected: list[dict], got: list[dict]) -> None:
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    for y, j in zip(expected, got):
        assert same_record(y, j), (y, j)
    assert len({tuple(j) for j in got}) <= 1, "every record of a kind has the same keys in the same order"


# --- strategies ------------------------------------------------------------------------------


def iso_dates(world: World):
    """ISO dates of every precision around the data: years that have records, and any year nearby."""
    years = world.years()
    near = sorted({y + d for y in years for d in (-1, 0, 1)})
    year = st.one_of(st.sampled_from(near), st.integers(years[0] - 3, years[-1] + 3))

    @st.composite
    def build(draw):
        y = draw(year)
        precision = draw(st.sampled_from(("year", "month", "day")))
        if precision == "year":
            return f"{y:04d}"
        m = draw(st.integers(1, 12))
        if precision == "month":
            return f"{y:04d}-{m:02d}"
        return f"{y:04d}-{m:02d}-{draw(st.integers(1, calendar.monthrange(y, m)[1])):02d}"

    return build()


def date_options(draw, world: World, on: bool = True) -> tuple[list[str], date | None, date | None]:
    """--from/--to (either, both, neither) or --on, and the days they name."""
    dates = iso_dates(world)
    mode = draw(st.sampled_from(("none", "from", "to", "both", "on") if on else ("none", "from", "to", "both")))
    args, lo, hi = [], None, None
    if mode in ("from", "both"):
        text = draw(dates)
        args += ["--from", text]
        lo = day_span(text)[0]
    if mode in ("to", "both"):
        text = draw(dates)
        args += ["--to", text]
        hi = day_span(text)[1]
    if mode == "on":
        text = draw(dates)
        args += ["--on", text]
        lo, hi = day_span(text)[:2]
    return args, lo, hi


def maybe(draw, values):
    return draw(st.one_of(st.none(), st.sampled_from(sorted(values))))


# --- timeline ----------------------------------------------------------------------------------


def check_timeline(cli, world: World, draw) -> None:
    """One drawn timeline query: ids in order equal the oracle's; --jsonl the same records."""
    args, lo, hi = date_options(draw, world)
    strict = draw(st.booleans())
    topic = maybe(draw, {t["id"] for t in world.sections["topics"]})
    person = maybe(draw, {p["id"] for p in world.sections["people"]})
    source = maybe(draw, {s["id"] for s in world.sections["sources"]})
    reverse = draw(st.booleans())
    limit = draw(st.one_of(st.none(), st.integers(1, 12)))
    for flag, value in (("--topic", topic), ("--who", person), ("--source", source), ("--limit", limit)):
        if value is not None:
            args += [flag, str(value)]
    args += ["--strict"] * strict + ["--reverse"] * reverse
    result = cli(*world.args("timeline", *args, "--json"))
    if lo is not None and hi is not None and lo > hi:  # --from after --to
        assert result.code == 2 and "later than" in result.stderr, result
        return
    assert result.code == 0, result.stderr
    chosen = [
        e for e in world.events
        if admits(e, lo, hi, strict)
        and (topic is None or topic in e.get("topics", []))
        and (person is None or person in e.get("people", []))
        and (source is None or source in [c["source"] for c in e["sources"]])
    ]
    assert [e["id"] for e in result.json()] == in_order(chosen, reverse, limit), args
    lines = cli(*world.args("timeline", *args, "--jsonl")).stdout.splitlines()
    assert [json.loads(line) for line in lines] == result.json()


@given(st.data())
def test_timeline_matches_oracle_on_bundled_data(cli, bundled, data):
    check_timeline(cli, bundled, data.draw)


@given(st.data())
def test_timeline_matches_oracle_on_generated_data(cli, generated, data):
    check_timeline(cli, generated, data.draw)


@pytest.mark.parametrize("world_name", ["bundled", "generated"])
def test_full_timeline_is_every_event_in_order_as_in_yaml(cli, request, world_name):
    world = request.getfixturevalue(world_name)
    got = cli(*world.args("timeline", "--json")).json()
    by_id = {e["id"]: e for e in world.events}
    assert_records([by_id[i] for i in in_order(world.events)], got)
    assert [e["id"] for e in cli(*world.args("timeline", "--reverse", "--json")).json()] == in_order(world.events, reverse=True)


def test_generated_strict_and_overlap_for_every_year_and_month(cli, generated):
    """A sweep, not a sample: every year of the generated data and every month of its busiest year,
    with and without --strict (the data has events spanning years and months, so the two differ)."""
    counts = Counter(day_span(e["date"])[0].year for e in generated.events)
    busiest = counts.most_common(1)[0][0]
    periods = [str(y) for y in generated.years()] + [f"{busiest}-{m:02d}" for m in range(1, 13)]
    differed = 0
    for period in periods:
        lo, hi, _ = day_span(period)
        answers = {}
        for strict in (False, True):
            got = cli(*generated.args("timeline", "--on", period, *["--strict"] * strict, "--json")).json()
            answers[strict] = [e["id"] for e in got]
            assert answers[strict] == in_order([e for e in generated.events if admits(e, lo, hi, strict)]), (period, strict)
        differed += answers[False] != answers[True]
    assert differed >= len(periods) // 2


def test_generated_data_holds_the_hard_cases(generated):
    """The generated set is meant to catch a lost tiebreak: same start day at several precisions,
    several ids at one start and precision in an order unlike the file's, events with an end."""
    by_start = {}
    for e in generated.events:
        first, _, precision = day_span(e["date"])
        by_start.setdefault(first, set()).add(precision)
    assert sum(len(p) == 3 for p in by_start.values()) >= 5
    keys = [sort_key(e)[:2] for e in generated.events]
    assert len(set(keys)) < len(keys)
    assert sorted(generated.events, key=sort_key) != generated.events
    assert sum("end" in e for e in generated.events) >= 30


# --- quote -----------------------------------------------------------------------------------


@given(st.data())
def test_quote_matches_oracle(cli, bundled, data):
    draw = data.draw
    args, lo, hi = date_options(draw, bundled, on=False)
    speaker = maybe(draw, {q["speaker"] for q in bundled.quotes} | {p["id"] for p in bundled.sections["people"]})
    topic = maybe(draw, {t["id"] for t in bundled.sections["topics"]})
    limit = draw(st.one_of(st.none(), st.integers(1, 12)))
    for flag, value in (("--speaker", speaker), ("--topic", topic), ("--limit", limit)):
        if value is not None:
            args += [flag, str(value)]
    result = cli("quote", *args, "--json")
    if lo is not None and hi is not None and lo > hi:
        assert result.code == 2, result
        return
    assert result.code == 0, result.stderr
    chosen = [
        q for q in bundled.quotes
        if admits(q, lo, hi, False)
        and (speaker is None or q["speaker"] == speaker)
        and (topic is None or topic in q.get("topics", []))  # the quote's own topics, not its event's
    ]
    assert [q["id"] for q in result.json()] == in_order(chosen, limit=limit), args


def test_quote_topic_is_the_quotes_own(cli, bundled):
    """Every topic, deterministically: a quote is listed under exactly the topics it names."""
    for topic in bundled.sections["topics"]:
        got = [q["id"] for q in cli("quote", "--topic", topic["id"], "--json").json()]
        assert got == in_order([q for q in bundled.quotes if topic["id"] in q.get("topics", [])]), topic["id"]


def test_every_quote_in_order_as_in_yaml(cli, bundled):
    got = cli("quote", "--json").json()
    by_id = {q["id"]: q for q in bundled.quotes}
    assert_records([by_id[i] for i in in_order(bundled.quotes)], got)


# --- who ------------------------------------------------------------------------------------


def of_person(world: World, pid: str, lo: date | None = None, hi: date | None = None) -> tuple[list[str], list[str]]:
    """The ids of the events naming a person and of the quotes they spoke, overlapping lo..hi, in order."""
    events = [e for e in world.events if pid in e.get("people", []) and admits(e, lo, hi, False)]
    quotes = [q for q in world.quotes if q["speaker"] == pid and admits(q, lo, hi, False)]
    return in_order(events), in_order(quotes)


def ids_of(got: dict) -> tuple[list[str], list[str]]:
    return [e["id"] for e in got["events"]], [q["id"] for q in got["quotes"]]


def test_who_lists_every_event_and_quote_of_each_person(cli, bundled):
    for person in bundled.sections["people"]:
        got = cli("who", person["id"], "--json").json()
        assert same_record(person, {k: v for k, v in got.items() if k not in ("events", "quotes")})
        assert ids_of(got) == of_person(bundled, person["id"]), person["id"]


@given(st.data())
def test_who_on_a_date_keeps_what_overlaps_it(cli, bundled, data):
    named = {q["speaker"] for q in bundled.quotes} | {p for e in bundled.events for p in e.get("people", [])}
    pid = data.draw(st.sampled_from(sorted(named)))
    on = data.draw(iso_dates(bundled))
    lo, hi, _ = day_span(on)
    got = cli("who", pid, "--on", on, "--json").json()
    assert ids_of(got) == of_person(bundled, pid, lo, hi), (pid, on)


# --- listings, show, stats ---------------------------------------------------------------------


@pytest.mark.parametrize("section", ["people", "topics", "sources", "facts"])
def test_listing_is_every_record_in_file_order(cli, bundled, section):
    got = cli(section, "--json").json()
    assert_records(bundled.sections[section], got)
    assert [json.loads(line) for line in cli(section, "--jsonl").stdout.splitlines()] == got


def test_show_every_id(cli, bundled):
    assert len(bundled.by_id) == sum(map(len, bundled.sections.values())), "ids are unique across sections"
    for rid, (kind, record) in bundled.by_id.items():
        got = cli("show", rid, "--json").json()
        assert next(iter(got)) == "type" and got["type"] == kind, rid
        assert same_record(record, {k: v for k, v in got.items() if k != "type"}), rid


def busiest(world: World, field: str, section: str, label: str, top: int) -> list[dict]:
    """Most events first, ties by id; an event counts once per person or topic it names."""
    n = Counter(i for e in world.events for i in set(e.get(field, [])))
    names = {r["id"]: r[label] for r in world.sections[section]}
    return [{"id": i, label: names[i], "events": c} for i, c in sorted(n.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


@pytest.mark.parametrize("top", [None, 1, 3, 50])
def test_stats_counts_years_and_busiest(cli, bundled, top):
    got = cli("stats", *(["--top", str(top)] if top else []), "--json").json()
    assert got["counts"] == {s: len(bundled.sections[s]) for s in SECTIONS}
    years = Counter(day_span(e["date"])[0].year for e in bundled.events)
    assert got["events_per_year"] == [{"year": y, "events": n} for y, n in sorted(years.items())]
    assert got["people"] == busiest(bundled, "people", "people", "name", top or 10)
    assert got["topics"] == busiest(bundled, "topics", "topics", "label", top or 10)


# --- search: properties only -----------------------------------------------------------------

_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ı": "i", "æ": "ae", "œ": "oe"})


def fold(text: str) -> str:
    """Lowercase, accents stripped (NFKD), anything but letters and digits a space."""
    t = unicodedata.normalize("NFKD", str(text).translate(_EXTRA).casefold())
    t = "".join(c for c in t if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", t).split())


def has_words(words: list[str], text: str) -> bool:
    """Each word a whole word of the text, or (three letters and more) the start of one."""
    padded = f" {fold(text)} "
    return all(f" {w} " in padded or (len(w) >= 3 and f" {w}" in padded) for w in words)


def leaves(value):
    """Every scalar of a record, nested lists and mappings included."""
    if isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v)
    elif value is not None:
        yield str(value)


def searchable(world: World, kind: str, record: dict) -> list[str]:
    """The texts a hit may have matched in: its values, a role's title with its organisation, a quote's speaker's names."""
    texts = list(leaves(record))
    for role in record.get("roles", []) if kind == "person" else ():
        texts += [f"{role.get('title') or ''} {role.get('organisation') or ''}", f"{role.get('title_vi') or ''} {role.get('organisation_vi') or ''}"]
    if kind == "quote" and record["speaker"] in world.by_id:
        texts += list(leaves({k: v for k, v in world.by_id[record["speaker"]][1].items() if k in ("id", "name", "name_vi", "aliases")}))
    return texts


_WORD_FIELDS = ("title", "summary", "text", "translation", "name", "label", "metric", "publisher")
_EDGE = "\"'.,;:!?()“”‘’«»"


def word_sources(world: World) -> list[tuple[str, str, list[str]]]:
    """(kind, id, words) of each searched text field: whole words of 3+ letters only, as the text spaces them."""
    out = []
    for kind, record in world.by_id.values():
        for name in _WORD_FIELDS:
            if isinstance(record.get(name), str):
                words = [w.strip(_EDGE) for w in record[name].split()]
                words = [w for w in words if len(w) >= 3 and w.isalpha()]
                if words:
                    out.append((kind, record["id"], words))
    return out


def search(cli, *args) -> list[dict]:
    result = cli("search", *args, "--json")
    assert result.code == 0, result.stderr
    return result.json()


@given(st.data())
def test_search_hits_hold_every_word_and_are_ranked(cli, bundled, data):
    kind, rid, words = data.draw(st.sampled_from(word_sources(bundled)))
    picked = data.draw(st.lists(st.sampled_from(words), min_size=1, max_size=3, unique=True))
    query = " ".join(picked if data.draw(st.booleans()) else map(fold, picked))
    hits = search(cli, query, "-n", "10000")
    folded = fold(query).split()
    assert any(h["id"] == rid and h["score"] > FUZZY_CAP for h in hits), (query, rid)
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    for h in hits:
        assert h["score"] > FUZZY_CAP  # a real hit exists, so no typo-level pass
        assert bundled.by_id[h["id"]][0] == h["type"]
        texts = searchable(bundled, h["type"], h["record"])
        assert any(has_words(folded, t) for t in texts), (query, h["id"], h["field"])

    n = data.draw(st.integers(1, 8))
    assert [h["id"] for h in search(cli, query, "-n", str(n))] == [h["id"] for h in hits[:n]]

    types = data.draw(st.lists(st.sampled_from(tuple(SINGULAR.values())), min_size=1, max_size=3, unique=True))
    typed = search(cli, query, "-n", "10000", *[a for t in types for a in ("--type", t)])
    expected = [h["id"] for h in hits if h["type"] in types]
    assert all(h["type"] in types for h in typed)
    if expected:
        assert [h["id"] for h in typed] == expected, (query, types)
    else:  # nothing real of those kinds: only typo-level hits may be shown
        assert all(h["score"] <= FUZZY_CAP for h in typed)


# --- the two worlds ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    return World(BUNDLED)


GENERATED_EVENTS = 300


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A few hundred events on few years: dates of every precision, many sharing a start day,
    ranges across months and years, random people, topics and extra sources, ids not in file order."""
    rng = random.Random(11)
    people = [{"id": p, "name": p.title()} for p in ("ann", "bob", "cho", "dan")]
    topics, sources = ["t1", "t2", "t3", "t4"], ["ext-a", "ext-b"]
    ids = rng.sample(range(10_000), GENERATED_EVENTS)
    events = []
    for i in ids:
        year = rng.randint(2000, 2004)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        if rng.random() < 0.3:  # pile on the first day of a month or year, at every precision
            day, month = 1, month if rng.random() < 0.5 else 1
        first = (f"{year}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}")[rng.randint(0, 2)]
        event = {"id": f"g-{i:04d}", "date": first + rng.choice(("", "", "", "", "~", "?"))}
        if rng.random() < 0.2:
            stop_year = year + rng.choice((0, 0, 1, 2))
            stop_month = rng.randint(month if stop_year == year else 1, 12)
            event["end"] = (f"{stop_year}", f"{stop_year}-{stop_month:02d}", f"{stop_year}-{stop_month:02d}-28")[rng.randint(0, 2)]
        event["people"] = rng.sample([p["id"] for p in people], rng.randint(0, 2))
        event["topics"] = rng.sample(topics, rng.randint(0, 2))
        citations = [{"source": "art", "excerpt": "Hai bên đã gặp nhau."}]
        event["sources"] = citations + [{"source": s} for s in rng.sample(sources, rng.randint(0, 2))]
        events.append(event)
    directory = write_kb(tmp_path_factory.mktemp("oracle"), events, people=people)
    extra = {
        "topics": [{"id": t, "label": f"Topic {t}"} for t in topics[2:]],
        "sources": [{"id": s, "title": f"Report {s}", "publisher": "Wire", "language": "en", "url": f"https://example.org/{s}"} for s in sources],
    }
    (directory / "zz-extra.yaml").write_text(yaml.safe_dump(extra, allow_unicode=True, sort_keys=False), encoding="utf-8")
    world = World(directory)
    assert len(world.events) == GENERATED_EVENTS
    return world

"""`sinorus stats` and `timeline --group year`: pictures in the terminal, numbers from the data."""

from __future__ import annotations

import re
from collections import Counter

BAR = re.compile(r"^(?P<label>.+?)  (?P<bar>[█▉▊▋▌▍▎▏]+) (?P<n>\d+)$")


def per_year(kb) -> Counter:
    return Counter(e.date.start.year for e in kb.events.values())


def test_json_has_stable_fields_computed_from_the_data(cli, kb):
    stats = cli("stats", "--json").json()
    assert list(stats) == ["counts", "events_per_year", "people", "topics"]
    assert stats["counts"] == kb.counts()
    assert stats["events_per_year"] == [{"year": y, "events": n} for y, n in sorted(per_year(kb).items())]
    people = Counter(p for e in kb.events.values() for p in set(e.people))
    assert len(stats["people"]) == min(10, len(people))
    for row in stats["people"]:
        assert set(row) == {"id", "name", "events"}
        assert row["events"] == people[row["id"]] and row["name"] == kb.people[row["id"]].name
    counts = [r["events"] for r in stats["people"]]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == max(people.values())
    topics = Counter(t for e in kb.events.values() for t in set(e.topics))
    assert [(r["id"], r["events"]) for r in stats["topics"]] == sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert all(set(r) == {"id", "label", "events"} for r in stats["topics"])


def test_top_limits_people_and_topics(cli):
    stats = cli("stats", "--top", "3", "--json").json()
    assert len(stats["people"]) == 3 and len(stats["topics"]) == 3
    assert cli("stats", "--top", "0").code == 2


def test_plain_bars_when_piped(cli, kb):
    r = cli("stats")
    assert r.code == 0 and "\x1b[" not in r.stdout
    lines = r.stdout.splitlines()
    start = lines.index("Events per year") + 1
    bars = []
    for line in lines[start:]:
        if not line:
            break
        m = BAR.match(line)
        assert m, line
        bars.append((int(m["label"]), m["bar"], int(m["n"])))
    assert [(y, n) for y, _, n in bars] == sorted(per_year(kb).items())
    # longer bar for more events; the busiest year gets the full 40 cells
    widths = {n: len(bar.rstrip("▉▊▋▌▍▎▏")) for _, bar, n in bars}
    ordered = [widths[n] for n in sorted(widths)]
    assert ordered == sorted(ordered) and max(ordered) == 40
    people = Counter(p for e in kb.events.values() for p in set(e.people))
    most = max(people.values())
    assert any(BAR.match(line) and line.endswith(f" {most}") and any(line.startswith(kb.people[p].name) for p, n in people.items() if n == most)
               for line in lines), "the busiest person has a bar"


def test_table_format_draws_the_same_counts(cli, kb):
    r = cli("stats", "--format", "table", env={"COLUMNS": "100"})
    assert r.code == 0
    for year, n in per_year(kb).items():
        assert re.search(rf"^{year}\s+[█▉▊▋▌▍▎▏]+ {n}\s*$", r.stdout, flags=re.M), year
    assert all(len(line) <= 100 for line in r.stdout.splitlines())


def test_stats_has_no_csv(cli):
    r = cli("stats", "--format", "csv")
    assert r.code == 2 and r.stdout == ""


def test_bar_scale():
    from sinorus.output.render import bar

    assert bar(0, 10, 40) == "" and bar(10, 10, 40) == "█" * 40
    assert bar(1, 1000, 40) == "▏", "a non-zero value is never invisible"
    assert bar(5, 10, 40) == "█" * 20
    assert len(bar(3, 7, 20)) <= 21


# --- timeline --group year ---------------------------------------------------------------


def test_group_year_plain_puts_a_ruler_before_each_year(cli, kb):
    r = cli("timeline", "--group", "year")
    assert r.code == 0
    lines = r.stdout.splitlines()
    headings = [int(m.group(1)) for line in lines if (m := re.fullmatch(r"── (\d{4}) ──", line))]
    assert headings == sorted(per_year(kb))
    assert len(lines) == len(kb.events) + len(headings)
    year = None
    for line in lines:
        m = re.fullmatch(r"── (\d{4}) ──", line)
        if m:
            year = int(m.group(1))
        else:
            assert line.split("\t")[1].startswith(str(year)), "every event sits under its own year"  # id, date, ...
    plain = cli("timeline").stdout.splitlines()
    assert [l for l in lines if not l.startswith("──")] == plain


def test_group_year_follows_filters_and_reverse(cli, kb):
    lines = cli("timeline", "--group", "year", "--from", "2022", "--reverse").stdout.splitlines()
    headings = [int(l[3:7]) for l in lines if l.startswith("── ")]
    assert headings == sorted((y for y in per_year(kb) if y >= 2022), reverse=True)


def test_group_year_table_has_year_rows(cli, kb):
    r = cli("timeline", "--group", "year", "--format", "table", env={"COLUMNS": "120"})
    assert r.code == 0
    found = [int(y) for y in re.findall(r"^── (\d{4}) ──", r.stdout, flags=re.M)]
    assert found == sorted(per_year(kb))
    assert f"{len(kb.events)} events in {len(found)} years" in r.stdout


def test_group_year_leaves_json_and_csv_alone(cli):
    assert cli("timeline", "--group", "year", "--json").json() == cli("timeline", "--json").json()
    assert cli("timeline", "--group", "year", "--csv").stdout == cli("timeline", "--csv").stdout


def test_unknown_grouping_is_a_usage_error(cli):
    r = cli("timeline", "--group", "decade")
    assert r.code == 2 and "year" in r.stderr

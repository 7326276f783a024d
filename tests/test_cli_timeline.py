"""`sinorus timeline` on the bundled data."""


def test_timeline_from_2019_is_in_date_order(cli, kb):
    r = cli("timeline", "--from", "2019", "--json")
    assert r.code == 0
    events = r.json()
    expected = sorted((e for e in kb.events.values() if e.interval.end.year >= 2019), key=lambda e: e.sort_key)
    assert [e["id"] for e in events] == [e.id for e in expected]
    assert all(e["date"] >= "2019" for e in events)
    assert "1996-04-25" not in {e["date"] for e in events}


def test_reverse_and_limit(cli):
    forward = [e["id"] for e in cli("timeline", "--json").json()]
    backward = [e["id"] for e in cli("timeline", "--reverse", "--limit", "3", "--json").json()]
    assert backward == list(reversed(forward))[:3]


def test_topic_filter_by_alias_in_any_language(cli, kb):
    results = [cli("timeline", "--topic", t, "--json").json() for t in ("sco", "SCO", "Shanghai Cooperation Organisation", "Tổ chức Hợp tác Thượng Hải", "ШОС")]
    first = [e["id"] for e in results[0]]
    assert first and all([e["id"] for e in r] == first for r in results)
    assert all("sco" in e["topics"] for e in results[0])


def test_who_filter_across_scripts(cli):
    a = cli("timeline", "--who", "Vuong Nghi", "--json").json()
    b = cli("timeline", "--who", "王毅", "--json").json()
    assert a == b and a and all("wang-yi" in e["people"] for e in a)


def test_source_filter(cli):
    events = cli("timeline", "--source", "seed-003", "--json").json()
    assert events and all(any(c["source"] == "seed-003" for c in e["sources"]) for e in events)


def test_unknown_topic_is_a_usage_error_with_suggestion(cli):
    r = cli("timeline", "--topic", "Shanghai Coperation")
    assert r.code in (0, 2)
    r = cli("timeline", "--topic", "banana")
    assert r.code == 2 and "--topic" in r.stderr and r.stdout == ""


def test_plain_output_when_piped_is_one_line_per_event(cli, kb):
    r = cli("timeline", "--from", "2025")
    lines = r.stdout.splitlines()
    assert len(lines) == sum(1 for e in kb.events.values() if e.interval.end.year >= 2025)
    assert all("\t" in line for line in lines)
    assert "\x1b" not in r.stdout


def test_table_format_renders_title_and_count(cli):
    r = cli("timeline", "--from", "2025", "--format", "table", env={"COLUMNS": "80"})
    assert r.code == 0
    assert "20th round" in r.stdout and "5 events" in r.stdout.splitlines()  # the footer; a legend may follow
    assert max(len(line) for line in r.stdout.splitlines()) <= 80

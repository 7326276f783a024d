"""Output that fits the screen, and first contact: the version line, ids in every listing,
tables at 40, 80 and 200 columns, --format honoured or refused, --data anywhere, completion."""

from __future__ import annotations

import datetime

import pytest

from conftest import write_kb


# --- the version line ----------------------------------------------------------------------


def _expected_version(kb, label: str = "data") -> str:
    """The version line built from the knowledge base itself, independently of the CLI's code."""
    from sinorus import __version__

    today = datetime.date.today()
    over = [e for e in kb.events.values() if e.interval.end <= today] or list(kb.events.values())
    newest = max(over, key=lambda e: (e.sort_key, e.id))
    singular = {"events": "event", "quotes": "quote", "people": "person", "topics": "topic", "facts": "fact", "sources": "source"}
    parts = []
    for name in ("events", "quotes", "people", "topics", "facts", "sources"):
        n = len(kb.section(name))
        parts.append(f"{n} {name if n != 1 else singular[name]}")
    return f"sinorus {__version__} ({label}: {', '.join(parts)}; newest event {newest.date.text})\n"


def test_version_names_the_data(cli, kb):
    long, short = cli("--version"), cli("-V")
    assert long.code == short.code == 0
    assert long.stdout == short.stdout == _expected_version(kb)
    assert long.stderr == ""


def test_version_without_a_cache_reads_the_model(cli, kb):
    assert cli("-V", env={"SINORUS_NO_CACHE": "1"}).stdout == _expected_version(kb)


def test_version_of_other_data_wherever_data_stands(cli, tmp_path):
    from sinorus import store

    data = write_kb(tmp_path, [{"id": "a", "date": "2020-05-01"}, {"id": "b", "date": "2021"}, {"id": "future", "date": "2999-01-01"}])
    expected = _expected_version(store.load(data, use_cache=False), f"data at {data}")
    assert "newest event 2021;" not in expected and "newest event 2021)" in expected  # the 2999 event is not over
    assert cli("--data", data, "-V").stdout == expected
    assert cli("-V", "--data", data).stdout == expected


def test_version_with_unreadable_data_still_answers(cli, tmp_path):
    r = cli("--data", tmp_path / "missing.yaml", "--version")
    assert r.code == 0
    assert r.stdout.startswith("sinorus ") and "(" not in r.stdout
    assert "missing.yaml" in r.stderr and len(r.stderr.splitlines()) == 1

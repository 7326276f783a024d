"""A run imports only what it needs (see benchmarks/bench.py for the timings this buys).

Each check runs the real CLI in a fresh process with `python -X importtime -m
sinorus ...` and reads the modules it imported, once the cache is warm (the first
run, which builds the index, is allowed YAML).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import FIXTURES

HEAVY = ("dateparser", "rich", "yaml", "rapidfuzz")


def imported(*args: str, env: dict | None = None) -> set[str]:
    full = {**os.environ, **(env or {})}
    full.pop("SINORUS_NO_CACHE", None)
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "sinorus", *args], capture_output=True, env=full, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    names = set()
    for line in p.stderr.decode(errors="replace").splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name)
    return names


def top_level(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache directory holding the index of the bundled data."""
    env = {"SINORUS_CACHE_DIR": str(tmp_path_factory.mktemp("speed-cache"))}
    first = top_level(imported("timeline", "--json", env=env))
    assert "yaml" in first  # building the index reads the YAML
    assert not {"rich", "dateparser"} & first
    return env


def test_timeline_json_imports_no_dateparser_no_rich(warm):
    mods = top_level(imported("timeline", "--from", "2019", "--json", env=warm))
    assert not set(HEAVY) & mods, set(HEAVY) & mods
    assert "sinorus" in mods


def test_who_json_imports_no_rich_no_dateparser(warm):
    mods = top_level(imported("who", "Shoigu", "--json", env=warm))
    assert not set(HEAVY) & mods, set(HEAVY) & mods


def test_search_with_real_hits_needs_no_rapidfuzz_and_a_typo_does(warm):
    """The typo-level pass (rapidfuzz) runs only when no word matches: a real hit never pays for it."""
    mods = top_level(imported("search", "no limits", "--json", env=warm))
    assert not set(HEAVY) & mods, set(HEAVY) & mods
    assert "rapidfuzz" in top_level(imported("search", "terorism", "--json", env=warm))


def test_a_name_found_exactly_needs_no_rapidfuzz(warm):
    for args in (("who", "Shoig", "--json"), ("timeline", "--who", "Vuong Nghi", "--json"), ("quote", "--topic", "SCO", "--json")):
        assert "rapidfuzz" not in top_level(imported(*args, env=warm)), args


def test_search_with_enough_exact_hits_skips_rapidfuzz(warm):
    mods = top_level(imported("search", "putin", "--json", env=warm))
    assert not set(HEAVY) & mods, set(HEAVY) & mods


def test_search_without_cache_skips_rapidfuzz_when_exact_hits_fill_the_limit():
    mods = top_level(imported("search", "putin", "--json", env={"SINORUS_NO_CACHE": "1"}))
    assert "rapidfuzz" not in mods and "rich" not in mods


def test_version_imports_no_library(warm):
    mods = imported("--version", env=warm)
    assert not set(HEAVY) & top_level(mods)
    assert not {"sinorus.kb.model", "sinorus.index.searchable", "sinorus.output.render", "sinorus.kb.store"} & mods  # the counts come from the index


@pytest.mark.parametrize("args", [
    ("timeline", "--from", "2019", "--json"), ("timeline", "--who", "Lavrov", "--jsonl"), ("quote", "--topic", "SCO", "--json"),
    ("who", "Shoigu", "--json"), ("search", "no limits", "--json"), ("show", "sergei-shoigu", "--json"),
    ("people", "--json"), ("facts", "--jsonl"), ("stats", "--json"),
])
def test_json_answers_never_revive_records(warm, args):
    """Every command's JSON is the index's stored text: no model, no YAML, no loader, no cache-folder lookup."""
    mods = imported(*args, env=warm)
    # sinorus.matching.dates is the one reader of dates, for every path (it imports dateparser only for phrases without a year)
    assert not {"sinorus.kb.model", "sinorus.index.searchable", "sinorus.kb.store", "sinorus.kb.yamlread", "platformdirs"} & mods, args
    assert not set(HEAVY) & top_level(mods), args


def test_dateparser_only_for_relative_phrases(warm):
    """Dates in words are read without dateparser, the common relative phrases too; only rarer
    phrases without a year ("the day before yesterday") need it."""
    for typed in ("Feb 2022", "5 March 2024", "tháng 2 năm 2022", "2022年2月", "Q1 2022", "февраль 2022", "last year", "năm ngoái", "3 months ago"):
        assert "dateparser" not in top_level(imported("timeline", "--from", typed, "--json", env=warm)), typed
    assert "dateparser" in top_level(imported("timeline", "--from", "the day before yesterday", "--json", env=warm))
    assert "rich" in top_level(imported("timeline", "--format", "table", env=warm))


def test_other_data_sets_too(tmp_path):
    env = {"SINORUS_CACHE_DIR": str(tmp_path / "cache")}
    data = FIXTURES / "ok" / "data"
    imported("--data", str(data), "timeline", "--json", env=env)
    mods = top_level(imported("--data", str(data), "timeline", "--from", "2019", "--json", env=env))
    assert not set(HEAVY) & mods


# --- the lazily built command group is the group typer builds ----------------------------------


def _run_click(command, args):
    from typer.testing import CliRunner

    runner = CliRunner()
    with runner.isolation() as streams:
        try:
            command.main(args=list(args), prog_name="sinorus", standalone_mode=False)
            outcome = "ok"
        except Exception as exc:  # usage errors, Exit from --help
            outcome = f"{type(exc).__name__}: {getattr(exc, 'format_message', lambda: str(exc))()}"
        sys.stdout.flush()
        return outcome, streams[0].getvalue()


@pytest.mark.parametrize("args", [["--help"], ["timeline", "--help"], ["search", "--help"], ["cache", "--help"], ["cache", "info", "--help"],
                                  ["timelin"], ["cache", "nope"], ["who"], ["--nope"]], ids=" ".join)
def test_lazy_group_answers_as_the_eager_one(args):
    import typer.main

    from sinorus.cli.app import app
    from sinorus.cli.lazy import LazyCommands, command_for

    lazy = command_for(app)
    assert isinstance(lazy.commands, LazyCommands)
    assert _run_click(lazy, args) == _run_click(typer.main.get_command(app), args)


def test_lazy_group_lists_every_command_in_order():
    import typer.main

    from sinorus.cli.app import app
    from sinorus.cli.lazy import command_for

    eager = typer.main.get_command(app)
    lazy = command_for(app)
    assert list(lazy.commands) == list(eager.commands)
    assert lazy.list_commands(None) == eager.list_commands(None)
    assert [p.name for p in lazy.params] == [p.name for p in eager.params]


@pytest.mark.parametrize("words", ["sinorus ti", "sinorus ", "sinorus cache ", "sinorus timeline --to", "sinorus show no-lim"])
def test_shell_completion_is_unchanged(words):
    env = {**os.environ, "_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    eager = subprocess.run([sys.executable, "-c", "from sinorus.cli.app import _safe_completion, app; _safe_completion(); app(prog_name='sinorus')"], capture_output=True, env=env)
    lazy = subprocess.run([sys.executable, "-m", "sinorus"], capture_output=True, env=env)
    assert (lazy.returncode, lazy.stdout) == (eager.returncode, eager.stdout)
    assert lazy.stdout.strip()

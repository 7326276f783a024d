"""Shared fixtures: run the real CLI in-process (typer's CliRunner isolation) or as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sinorus.cli.app import run

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

try:  # property tests: a small fixed budget by default, more with --hypothesis-profile=ci
    from hypothesis import HealthCheck, settings as _hsettings

    _quiet = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
    _hsettings.register_profile("fast", max_examples=40, deadline=None, suppress_health_check=_quiet, print_blob=True)
    _hsettings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=_quiet, print_blob=True)
    _hsettings.load_profile("fast")
except ImportError:  # hypothesis is a test extra; tests needing it skip themselves
    pass


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Each test session writes its cache to a temporary directory, never to ~/.cache."""
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("SINORUS_DATA", raising=False)
    monkeypatch.delenv("SINORUS_NO_CACHE", raising=False)
    # English unless a test asks otherwise: a developer's Vietnamese locale must not change expected text
    monkeypatch.setenv("SINORUS_LANG", "en")


def invoke(*args: str, env: dict | None = None) -> Result:
    """Run `sinorus ARGS` in-process through the same entry point as the console script."""
    runner = CliRunner()
    with runner.isolation(env=env) as streams:
        code = run([str(a) for a in args])
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Result(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


@pytest.fixture
def cli():
    return invoke


def run_subprocess(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 60) -> Result:
    """Run `python -m sinorus ARGS` as a real process."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "sinorus", *map(str, args)],
        capture_output=True, env=full_env, input=input.encode() if input is not None else None, timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


@pytest.fixture
def sub():
    return run_subprocess


@pytest.fixture(scope="session")
def kb():
    from sinorus.index import cache

    return cache.load(ROOT / "data", use_cache=False)


ARTICLE = "Bài báo thử nghiệm. Hai bên đã gặp nhau. “Chúng tôi là bạn”, ông A nói.\n"


def write_kb(directory: Path, events: list[dict], *, people: list[dict] | None = None, extra: str = "") -> Path:
    """A small valid data set: one article, two people, two topics and the given events.

    Each event dict needs id and date; title, summary and a citation are filled in.
    Returns the data directory to pass to --data.
    """
    import yaml

    data = directory / "data"
    (directory / "seeds").mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    (directory / "seeds" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    body = {
        "sources": [{"id": "art", "title": "Test article", "publisher": "Test", "published": "2022", "language": "vi", "file": "seeds/a.txt"}],
        "people": people or [
            {"id": "ann", "name": "Ann Example", "aliases": ["Anh Ê"]},
            {"id": "bob", "name": "Bob Sample"},
        ],
        "topics": [{"id": "t1", "label": "Topic one", "aliases": ["Chủ đề một"]}, {"id": "t2", "label": "Topic two"}],
        "events": [
            {"title": f"Event {e['id']}", "summary": "Something happened.", "sources": [{"source": "art", "excerpt": "Hai bên đã gặp nhau."}], **e}
            for e in events
        ],
    }
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    # dates must be quoted strings in sinorus data
    import re

    text = re.sub(r"^(\s*-?\s*(?:date|end|published): )'?([0-9][^'\n]*)'?$", r'\1"\2"', text, flags=re.M)
    (data / "events.yaml").write_text(text + extra, encoding="utf-8")
    return data


def make_big():
    """benchmarks/make_big.py as a module: the generator of large valid data sets."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_big", ROOT / "benchmarks" / "make_big.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

"""Files sinorus writes: the cache is a convenience that can never break a run or lose data.

Everything goes through the CLI (the cache's internals are being reworked): a broken, missing,
unwritable or contested cache must give the same answer as no cache at all, on stdout only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

OK_DATA = FIXTURES / "ok" / "data"


@pytest.fixture
def expected(cli, monkeypatch):
    """The answer without any cache."""
    monkeypatch.setenv("SINORUS_NO_CACHE", "1")
    r = cli("--data", str(OK_DATA), "timeline", "--json")
    monkeypatch.delenv("SINORUS_NO_CACHE")
    assert r.code == 0 and len(r.json()) == 4
    return r.stdout


def files_in(directory: Path) -> dict[str, bytes]:
    if not directory.exists():
        return {}
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file() or p.is_symlink()}


def assert_same_answer(r, expected: str):
    assert r.code == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout == expected


def test_cache_is_used_and_gives_the_same_answer(cli, monkeypatch, tmp_path, expected):
    """Baseline for the tests below: a cache is written and a second run answers from it identically."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(cache))
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    written = files_in(cache)
    assert written, "the first run should write a cache"
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    assert files_in(cache) == written  # read, not rewritten


@pytest.mark.parametrize("where", ["under-a-file", "is-a-file", "dev-null"])
def test_unwritable_cache_dir_runs_without_a_cache(cli, monkeypatch, tmp_path, expected, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    target = {"under-a-file": blocker / "cache", "is-a-file": blocker, "dev-null": Path(os.devnull) / "cache"}[where]
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(target))
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    assert blocker.read_text() == "not a directory\n"
    assert cli("cache", "info").code == 0
    assert cli("cache", "clear").code == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write to a read-only directory")
def test_read_only_cache_dir_runs_without_a_cache(cli, monkeypatch, tmp_path, expected):
    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        monkeypatch.setenv("SINORUS_CACHE_DIR", str(cache))
        assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
        assert list(cache.iterdir()) == []
    finally:
        cache.chmod(0o700)


def test_no_home_and_no_passwd_entry_runs_without_a_cache(cli, monkeypatch, tmp_path, expected):
    """No HOME, no XDG_CACHE_HOME and a uid the passwd database does not know (as in some containers)."""
    import pwd

    def unknown(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    for name in ("HOME", "XDG_CACHE_HOME", "SINORUS_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", unknown)
    monkeypatch.chdir(tmp_path)
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    assert list(tmp_path.iterdir()) == []  # in particular no "~" directory in the working directory


def test_home_unknown_to_an_older_platformdirs_creates_no_tilde_directory(cli, monkeypatch, tmp_path, expected):
    """platformdirs 3.x (allowed by the dependency range) answers '~/.cache/sinorus' when it finds no home."""
    import platformdirs

    for name in ("HOME", "XDG_CACHE_HOME", "SINORUS_CACHE_DIR"):  # so that platformdirs is asked
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: "~/.cache/sinorus")
    monkeypatch.chdir(tmp_path)
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    assert not (tmp_path / "~").exists()


def test_unset_home_in_a_real_process(tmp_path):
    """A real interpreter without HOME: the answer is right and nothing lands in the working directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "SINORUS_CACHE_DIR")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")  # where the cache may go; never the real home
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([sys.executable, "-m", "sinorus", "--data", str(OK_DATA), "timeline", "--json"],
                       capture_output=True, text=True, env=env, cwd=work, timeout=60)
    assert r.returncode == 0 and r.stderr == ""
    assert len(__import__("json").loads(r.stdout)) == 4
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "binary", "wrong-json", "directory"])
def test_damaged_cache_is_never_trusted(cli, monkeypatch, tmp_path, expected, damage):
    cache = tmp_path / "cache"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(cache))
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    for path in [p for p in cache.iterdir() if p.is_file()]:
        raw = path.read_bytes()
        if damage == "directory":
            path.unlink()
            path.mkdir()
            continue
        path.write_bytes({
            "empty": b"",
            "truncated": raw[: len(raw) // 2],
            "garbage": b"{not json at all",
            "binary": bytes(range(256)) * 4,
            "wrong-json": b'{"stamp": null, "sections": {"events": [{"id": 1}]}}',
        }[damage])
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)


def test_cache_files_replaced_by_symlinks_do_not_write_through(cli, monkeypatch, tmp_path, expected):
    """A cache entry swapped for a symlink to someone else's file: that file is neither trusted nor overwritten."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(cache))
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for path in [p for p in cache.iterdir() if p.is_file()]:
        path.unlink()
        path.symlink_to(victim)
    assert_same_answer(cli("--data", str(OK_DATA), "timeline", "--json"), expected)
    assert victim.read_text() == "precious\n"


def test_edited_data_is_never_answered_from_a_stale_cache(cli, monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(cache))
    data = tmp_path / "data"
    shutil.copytree(OK_DATA, data)
    before = cli("--data", str(data), "show", "xi-moscow-visit-2023-03", "--json").json()
    assert before["title"] == "Xi visits Moscow"
    events = data / "events.yaml"
    events.write_text(events.read_text(encoding="utf-8").replace("title: Xi visits Moscow", "title: Xi visits Moscow again"), encoding="utf-8")
    after = cli("--data", str(data), "show", "xi-moscow-visit-2023-03", "--json").json()
    assert after["title"] == "Xi visits Moscow again"
    (data / "zz-more.yaml").write_text("topics:\n- id: energy\n  label: Energy\n", encoding="utf-8")
    assert "energy" in [t["id"] for t in cli("--data", str(data), "topics", "--json").json()]
    (data / "zz-more.yaml").unlink()
    assert "energy" not in [t["id"] for t in cli("--data", str(data), "topics", "--json").json()]


def test_cache_never_holds_a_half_written_file_and_no_temp_files_remain(tmp_path):
    """Ten processes race to build the same cache from a fresh start: all succeed with identical output.

    (tests/test_cache.py covers concurrency for speed; this is the safety side: no run fails,
    no reader sees a partial file, and no temporary file is left behind.)
    """
    data = tmp_path / "data.yaml"
    lines = ["sources:\n- id: web\n  title: Web\n  publisher: Web\n  language: en\nevents:\n"]
    for i in range(3000):  # big enough that the writes overlap
        lines.append(f'- id: e{i}\n  date: "{1950 + i % 70}"\n  title: Event {i}\n  summary: S.\n'
                     "  sources:\n  - source: web\n    excerpt: S.\n")
    data.write_text("".join(lines), encoding="utf-8")
    cache = tmp_path / "cache"
    env = {**os.environ, "SINORUS_CACHE_DIR": str(cache)}
    env.pop("SINORUS_NO_CACHE", None)
    command = [sys.executable, "-m", "sinorus", "--data", str(data), "timeline", "--jsonl"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(10)]
    outs = [p.communicate(timeout=120) for p in procs]  # never wait() first: a full pipe would block them
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outs)]
    assert [code for code, _, _ in results] == [0] * 10, [err[-300:] for _, _, err in results]
    assert all(err == b"" for _, _, err in results)
    outputs = {out for _, out, _ in results}
    assert len(outputs) == 1 and outputs.pop().count(b"\n") == 3000
    names_after_race = sorted(p.name for p in cache.iterdir())
    # the cache they left gives the same answer, and a fresh single run leaves the same files
    again = subprocess.run(command, capture_output=True, env=env, timeout=120)
    assert again.returncode == 0 and again.stdout == results[0][1]
    solo = tmp_path / "solo"
    subprocess.run(command, capture_output=True, env={**env, "SINORUS_CACHE_DIR": str(solo)}, timeout=120, check=True)
    assert names_after_race == sorted(p.name for p in solo.iterdir())


def test_cache_clear_and_info_survive_odd_directories(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(tmp_path / "does" / "not" / "exist"))
    r = cli("cache", "clear")
    assert r.code == 0 and r.stderr == "removed 0 cache files\n"
    r = cli("cache", "info", "--json")
    assert r.code == 0 and r.json()["files"] == []
    monkeypatch.setenv("SINORUS_NO_CACHE", "1")
    r = cli("cache", "info", "--json")
    assert r.code == 0 and r.json()["enabled"] is False

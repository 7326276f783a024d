"""The cache is data from disk, not trusted code (issue 12, section 3).

What another user, a damaged disk or a crafted file can put where sinorus reads
its index or its data, and what sinorus must do: refuse a cache folder or file
that is not the user's own, never serve text the YAML loader would refuse,
bound every SQLite query (a recursive view must not run for minutes), and name
every *.yaml it cannot read instead of answering on less data.

Everything runs through the real CLI, mostly as subprocesses (real stderr,
real signals, timeouts that catch a hang). The whole file also runs as an
unprivileged user; when the suite runs as root and `setpriv` exists, the last
tests re-run the cross-user scenarios as uid 65534 (nobody) against a cache
planted by root. See README, Reliability.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import FIXTURES, run_subprocess

OK_DATA = FIXTURES / "ok" / "data"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def assert_one_error_line(r, *expected: str) -> None:
    assert r.code == 1, (r.code, r.stderr)
    assert r.stdout == ""
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, repr(r.stderr)
    for text in expected:
        assert text in r.stderr, (text, r.stderr)


@pytest.fixture
def data(tmp_path) -> Path:
    """A private copy of the small valid data set, with its article beside it."""
    shutil.copytree(OK_DATA.parent, tmp_path / "ok")
    return tmp_path / "ok" / "data"


# --- 4. a *.yaml in a data folder that is no file to read ---------------------------------------


def make_odd_entry(kind: str, path: Path) -> str:
    """Put a `kind` of non-file at path; return what the error must call it."""
    if kind == "dangling-symlink":
        path.symlink_to(path.parent / "deleted.yaml")
        return "a symbolic link to a missing file"
    if kind == "fifo":
        os.mkfifo(path)
        return "a named pipe (FIFO), not a regular file"
    if kind == "device":
        path.symlink_to(os.devnull)  # a character device (making one needs CAP_MKNOD; a link to one is the same to stat)
        return "a device, not a regular file"
    if kind == "directory":
        path.mkdir()
        (path / "events.yaml").write_text("events: []\n", encoding="utf-8")
        return "a directory, not a regular file"
    if kind == "socket":
        here = os.getcwd()
        os.chdir(path.parent)  # socket paths are limited to about 100 bytes: bind a relative one
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.bind(path.name)
        finally:
            os.chdir(here)
        return "a socket, not a regular file"
    raise AssertionError(kind)


ODD = ["dangling-symlink", "fifo", "device", "directory", "socket"]


@pytest.mark.parametrize("kind", ODD)
def test_a_yaml_entry_that_is_not_a_file_is_an_error_naming_it(data, kind):
    """Skipping it would answer (and `check` would say ok) on a smaller data set than the user has."""
    entry = data / "zz-more.yaml"
    what = make_odd_entry(kind, entry)
    for args in (["timeline", "--json"], ["timeline"], ["who", "Putin"], ["check"], ["check", "--json"]):
        r = run_subprocess("--data", data, *args, timeout=30)  # a FIFO opened for reading would block: the timeout says so
        assert_one_error_line(r, f"{entry}: {what}")


@pytest.mark.parametrize("kind", ["fifo", "dangling-symlink"])
def test_an_odd_entry_added_after_the_index_was_built_is_not_hidden_by_it(data, kind):
    assert run_subprocess("--data", data, "timeline", "--json").code == 0  # builds the index
    entry = data / "later.yaml"
    what = make_odd_entry(kind, entry)
    r = run_subprocess("--data", data, "timeline", "--json", timeout=30)
    assert_one_error_line(r, f"{entry}: {what}")
    entry.unlink()
    assert run_subprocess("--data", data, "timeline", "--json").code == 0


def test_other_files_and_odd_entries_without_the_suffix_are_ignored(data):
    """Only *.yaml and *.yml are data; a FIFO called notes.txt is none of sinorus' business."""
    os.mkfifo(data / "notes.txt")
    (data / "old.yaml.bak").mkdir()
    r = run_subprocess("--data", data, "check", timeout=30)
    assert r.code == 0 and r.stdout.startswith("ok: "), r.stderr


# --- helpers: real processes, the index of a data set, tampering as another program would ---------

NOBODY = 65534


def sub(*args, env: dict | None = None, unset: tuple = (), timeout: float = 60, umask: int | None = None, prefix: list[str] = ()):
    """`python -m sinorus ARGS` in a real process (optionally with a umask, or as another user: prefix)."""
    full = {**os.environ, **{k: str(v) for k, v in (env or {}).items()}}
    for key in unset:
        full.pop(key, None)
    command = [*prefix, sys.executable, "-m", "sinorus", *map(str, args)]
    proc = subprocess.run(
        command, capture_output=True, env=full, timeout=timeout, cwd="/",
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )
    return type("Result", (), {"code": proc.returncode, "stdout": proc.stdout.decode("utf-8", "replace"), "stderr": proc.stderr.decode("utf-8", "replace")})()


def expected_answer(*args) -> str:
    """What the YAML alone answers: the reference every cached answer must equal."""
    r = sub(*args, env={"SINORUS_NO_CACHE": "1"})
    assert r.code == 0 and r.stderr == "", r.stderr
    return r.stdout


def index_file(cache: Path) -> Path:
    (found,) = list(cache.glob("kb-*.sqlite"))
    return found


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def tamper(path: Path, sql: str, keep_mtime: bool = True) -> None:
    """Edit an index with SQLite as anyone who may write it could; optionally put its mtime back
    (which only its owner, or root, may do)."""
    st = os.stat(path)
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


CONTROLS = "\x1b\x07\x08\r\x7f\x85\x9b\u202e"


def assert_no_controls(text: str) -> None:
    assert not set(text) & set(CONTROLS), repr([c for c in text if c in CONTROLS][:5])


# --- 1. the cache folder and file are the user's own ---------------------------------------------

NOTE_FOLDER = "sinorus: note: not using the cache in {}: {}; reading the YAML instead (use a folder only you can write)\n"
NOTE_FILE = "sinorus: note: not using the cache file {}: {}; rebuilding it from the YAML\n"


def test_folders_sinorus_creates_are_private_whatever_the_umask(tmp_path):
    expected = expected_answer("--data", OK_DATA, "timeline", "--json")
    cache = tmp_path / "a" / "b" / "cache"
    r = sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": cache}, umask=0)
    assert r.code == 0 and r.stdout == expected and r.stderr == ""
    for folder in (tmp_path / "a", tmp_path / "a" / "b", cache):
        assert mode(folder) == 0o700, (folder, oct(mode(folder)))
    assert mode(index_file(cache)) == 0o600
    xdg = tmp_path / "xdg"  # the XDG rule: $XDG_CACHE_HOME created 0700 when missing
    r = sub("--data", OK_DATA, "timeline", "--json", env={"XDG_CACHE_HOME": xdg}, unset=("SINORUS_CACHE_DIR",), umask=0o022)
    assert r.code == 0 and r.stdout == expected and r.stderr == ""
    assert mode(xdg) == mode(xdg / "sinorus") == 0o700 and index_file(xdg / "sinorus")


@pytest.mark.parametrize("bits, why", [
    pytest.param(0o1777, "writable by others", id="1777"), pytest.param(0o777, "writable by others", id="0777"),
    pytest.param(0o770, "writable by its group", id="0770"), pytest.param(0o733, "writable by others", id="0733"),
])
def test_a_cache_folder_others_can_write_is_not_used(tmp_path, bits, why):
    """A shared SINORUS_CACHE_DIR (/tmp-like, 1777): anyone could plant an index there."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(bits)
    for args in (["timeline", "--json"], ["timeline", "--format", "plain"], ["who", "Putin", "--json"]):
        r = sub("--data", OK_DATA, *args, env={"SINORUS_CACHE_DIR": shared})
        assert r.code == 0 and r.stdout == expected_answer("--data", OK_DATA, *args)
        assert r.stderr == NOTE_FOLDER.format(shared, why)  # one line, once per run
    assert list(shared.iterdir()) == []  # nothing written there either
    r = sub("cache", "info", "--json", env={"SINORUS_CACHE_DIR": shared})
    assert r.code == 0 and '"enabled": false' in r.stdout and r.stderr == NOTE_FOLDER.format(shared, why)


def test_an_index_planted_in_a_shared_folder_is_never_read(tmp_path):
    """Someone builds an index for our data, fills it with escape sequences and leaves it in /tmp-like folder."""
    shared = tmp_path / "shared"
    shared.mkdir()
    assert sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": shared}).code == 0
    tamper(index_file(shared), "UPDATE records SET body = replace(body, 'Moscow', 'Moscow' || char(27) || ']8;;http://evil.example' || char(7));")
    shared.chmod(0o1777)
    for args in (["timeline", "--json"], ["timeline", "--format", "table"], ["show", "xi-moscow-visit-2023-03"]):
        r = sub("--data", OK_DATA, *args, env={"SINORUS_CACHE_DIR": shared})
        assert r.code == 0 and r.stdout == expected_answer("--data", OK_DATA, *args)
        assert r.stderr == NOTE_FOLDER.format(shared, "writable by others")
        assert_no_controls(r.stdout + r.stderr)


def test_cache_clear_removes_the_users_own_files_even_from_a_shared_folder(tmp_path):
    """Indexes an older sinorus left in a shared folder can still be cleared; nothing else is touched."""
    shared = tmp_path / "shared"
    shared.mkdir()
    assert sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": shared}).code == 0
    (shared / "notes.txt").write_text("someone's\n", encoding="utf-8")
    shared.chmod(0o1777)
    r = sub("cache", "clear", env={"SINORUS_CACHE_DIR": shared})
    assert r.code == 0 and r.stderr == "removed 1 cache file\n"
    assert [p.name for p in shared.iterdir()] == ["notes.txt"]


def test_a_private_folder_inside_sticky_tmp_is_fine(tmp_path):
    """/tmp itself is refused as a cache folder; the 0700 folder sinorus creates in it is the user's own."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)
    mine = tmp / "sinorus-cache"
    for _ in range(2):
        r = sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": mine})
        assert r.code == 0 and r.stdout == expected_answer("--data", OK_DATA, "timeline", "--json") and r.stderr == ""
    assert mode(mine) == 0o700 and index_file(mine)


@pytest.mark.parametrize("bits, why", [pytest.param(0o666, "writable by others", id="0666"), pytest.param(0o620, "writable by its group", id="0620")])
def test_a_cache_file_others_can_write_is_not_used_and_is_replaced(tmp_path, bits, why):
    cache = tmp_path / "cache"
    expected = expected_answer("--data", OK_DATA, "timeline", "--json")
    assert sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": cache}).stdout == expected
    path = index_file(cache)
    path.chmod(bits)
    r = sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": cache})
    assert r.code == 0 and r.stdout == expected and r.stderr == NOTE_FILE.format(path, why)
    assert mode(index_file(cache)) == 0o600  # rebuilt, private again
    r = sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": cache})
    assert r.code == 0 and r.stdout == expected and r.stderr == ""


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root (the setpriv tests below cover the unprivileged side)")
def test_a_cache_folder_or_file_of_another_user_is_not_used(tmp_path):
    cache = tmp_path / "cache"
    expected = expected_answer("--data", OK_DATA, "timeline", "--json")
    assert sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": cache}).stdout == expected
    path = index_file(cache)
    os.chown(path, NOBODY, NOBODY)
    r = sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": cache})
    assert r.code == 0 and r.stdout == expected and r.stderr == NOTE_FILE.format(path, f"owned by another user (uid {NOBODY})")
    assert os.stat(index_file(cache)).st_uid == 0  # replaced by our own
    os.chown(cache, NOBODY, NOBODY)
    r = sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": cache})
    assert r.code == 0 and r.stdout == expected and r.stderr == NOTE_FOLDER.format(cache, f"owned by another user (uid {NOBODY})")


# --- 2. text from the index passes the checks text from YAML passes -------------------------------

# Where tampered text lands, and commands that revive it (tables, plain lines, show) rather than
# print stored JSON: sources/people/topics are revived on every such run, events on demand.
PAYLOADS = {
    "raw-esc": "char(27) || '[31m'",
    "json-escape": "'\\u001b[31m'",  # valid JSON: the escape decodes to ESC
    "raw-c1": "char(155) || '31m'",
    "bidi": "char(8238)",
    "bell-osc": "char(27) || ']8;;http://evil.example' || char(7)",
}
REVIVING = [["timeline", "--format", "plain"], ["timeline", "--format", "table"], ["show", "xi-moscow-visit-2023-03"], ["people"], ["who", "Putin"]]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("SINORUS_CACHE_DIR", str(d))
    return d


def test_an_index_edited_after_it_was_built_is_rebuilt(cache):
    """Any write changes the file's mtime, which the index must keep from its build: quietly rebuilt."""
    expected = {tuple(a): expected_answer("--data", OK_DATA, *a) for a in [["timeline", "--json"], *REVIVING]}
    assert sub("--data", OK_DATA, "timeline", "--json").code == 0
    path = index_file(cache)
    tamper(path, "UPDATE records SET body = replace(body, 'Moscow', 'Moscow' || char(27) || '[2J');", keep_mtime=False)
    for args, answer in expected.items():
        r = sub("--data", OK_DATA, *args)
        assert (r.code, r.stdout, r.stderr) == (0, answer, "")


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("section", ["people", "events"])
def test_control_characters_in_an_index_are_never_revived(cache, payload, section):
    """Even an index edited by its owner with its mtime put back: revived text is checked as YAML text is."""
    field = {"people": "Vladimir Putin", "events": "Moscow"}[section]
    for args in REVIVING:
        assert sub("--data", OK_DATA, "timeline", "--json").code == 0  # a valid index...
        tamper(index_file(cache), f"UPDATE records SET body = replace(body, '{field}', '{field}' || {PAYLOADS[payload]});")  # ...made bad
        r = sub("--data", OK_DATA, *args)
        assert_no_controls(r.stdout + r.stderr)
        if section == "events" and args in (["timeline", "--format", "plain"], ["who", "Putin"]):
            # plain lines (also who's, after the person) are written as the records are revived: the bad
            # one stops the answer part way, as a streamed JSON answer does (the index is removed, the
            # next run rebuilds it)
            assert r.code == 1 and r.stderr.startswith(f"Error: the cache index {cache}") and "which sinorus never writes" in r.stderr, r.stderr
            assert r.stdout and expected_answer("--data", OK_DATA, *args).startswith(r.stdout)
            assert not list(cache.glob("kb-*.sqlite"))
            again = sub("--data", OK_DATA, *args)
            assert (again.code, again.stdout, again.stderr) == (0, expected_answer("--data", OK_DATA, *args), "")
            continue
        assert r.code == 0 and r.stdout == expected_answer("--data", OK_DATA, *args), (args, r.stderr)
        if section == "events" and args == ["people"]:  # never revives an event: nothing bad was read
            assert r.stderr == ""
            continue
        assert r.stderr.startswith(f"sinorus: note: the cache index {cache}") and r.stderr.count("\n") == 1, r.stderr
        assert "which sinorus never writes" in r.stderr and "U+" in r.stderr
        again = sub("--data", OK_DATA, *args)  # and it does not come back
        assert (again.code, again.stdout, again.stderr) == (0, r.stdout, "")


def run_on_a_terminal(*args: str, pager: str = "", timeout: float = 30) -> tuple[int, bytes]:
    """Run sinorus with a pseudo-terminal as stdout and stderr: what a user sees (no pager by default)."""
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.chdir("/")
        os.environ["SINORUS_PAGER"] = pager
        os.execvp(sys.executable, [sys.executable, "-m", "sinorus", *args])
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as on Linux")
def test_on_a_terminal_stored_json_is_checked_too(cache):
    """The JSON fast path prints stored bodies as they are; on a terminal each passes find_control first."""
    assert sub("--data", OK_DATA, "timeline", "--json").code == 0
    path = index_file(cache)
    tamper(path, "UPDATE records SET body = replace(body, 'Moscow', 'Moscow' || char(27) || '[2J' || char(27) || ']0;pwned' || char(7));")
    code, out = run_on_a_terminal("--data", str(OK_DATA), "timeline", "--json")
    assert code == 1 and b"\x1b" not in out and b"\x07" not in out, out[-500:]
    # the records before it may have been printed (the answer is streamed); the bad one never is
    text = out.decode()
    assert f"Error: the cache index {path} holds control character U+001B" in text and text.endswith("from the YAML)\r\n"), out[-500:]
    assert not path.exists()  # removed: the next run rebuilds
    code, out = run_on_a_terminal("--data", str(OK_DATA), "timeline", "--json")
    assert code == 0 and out.decode().replace("\r\n", "\n") == expected_answer("--data", OK_DATA, "timeline", "--json")
    # the same through a pager (less -R would pass escapes on): nothing tampered reaches it either
    tamper(index_file(cache), "UPDATE records SET body = replace(body, 'Moscow', 'Moscow' || char(27) || '[2J');")
    paged = cache.parent / "paged.txt"
    code, out = run_on_a_terminal("--data", str(OK_DATA), "timeline", "--json", pager=f"cat > {paged}")
    assert code == 1 and b"\x1b[2J" not in out + paged.read_bytes()
    assert b"holds control character U+001B" in out


def test_check_reads_the_yaml_whatever_the_index_says(cache, data):
    """An index forged to match a data set (stamp and mtime put back) cannot make `check` say ok."""
    from sinorus.index import db as index
    from sinorus.kb import paths

    assert sub("--data", data, "timeline", "--json").code == 0
    tamper(index_file(cache), "UPDATE records SET body = replace(body, 'Moscow', 'Moscow' || char(27) || '[31m');")
    r = sub("--data", data, "check")
    assert (r.code, r.stdout, r.stderr) == (0, expected_answer("--data", data, "check"), "")
    events = data / "events.yaml"
    events.write_text(events.read_text(encoding="utf-8").replace("  - deng-xiaoping\n", "  - nobody-at-all\n", 1), encoding="utf-8")
    files = paths.yaml_files(data)
    forged = index.stamp_text(data, files, index.signatures(files), {})
    tamper(index_file(cache), f"UPDATE meta SET value = '{forged}' WHERE key = 'stamp';")
    assert sub("--data", data, "timeline", "--json").code == 0  # the forged index passes for current...
    r = sub("--data", data, "check")
    assert r.code == 1 and "unknown person 'nobody-at-all'" in r.stderr  # ...but check reads the YAML
    assert_no_controls(r.stdout + r.stderr)


# --- 3. a schema sinorus did not write; queries that never end -----------------------------------

RECURSIVE = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT 'k' || x, 'v' FROM c"
SCHEMAS = {
    # replace, note: what the note names (None: rebuilt without a note)
    "meta-recursive-view": (f"ALTER TABLE meta RENAME TO meta_old; CREATE VIEW meta(key, value) AS {RECURSIVE};", "a view named 'meta'"),
    "records-recursive-view": (
        "ALTER TABLE records RENAME TO records_old; CREATE VIEW records(rowid, section, id, file, line, col, cites, start, prec, stop, speaker, body) AS "
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, 3, 'e' || x, 0, 1, 1, NULL, 0, 0, 0, NULL, '{}' FROM c;",
        "a view named 'records'",
    ),
    "trigger": ("CREATE TABLE t (x); CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;", "a trigger named 'tr'"),
    "extra-column": ("ALTER TABLE records ADD COLUMN extra TEXT;", None),
    "extra-table": ("CREATE TABLE extra (x);", None),
    "missing-index": ("DROP INDEX links_target;", None),
}


@pytest.mark.parametrize("change", SCHEMAS)
def test_an_index_of_another_schema_is_rebuilt_at_once(cache, change):
    """The issue's attack: `meta` replaced by a recursive view ran for 10 minutes and 12.9 GB."""
    import time

    sql, named = SCHEMAS[change]
    for args in (["timeline", "--json"], ["timeline", "--format", "plain"], ["who", "Putin", "--json"]):
        assert sub("--data", OK_DATA, "timeline", "--json").code == 0
        tamper(index_file(cache), sql)
        started = time.monotonic()
        r = sub("--data", OK_DATA, *args, timeout=30)  # a hang fails here
        assert time.monotonic() - started < 10
        assert r.code == 0 and r.stdout == expected_answer("--data", OK_DATA, *args)
        if named is None:
            assert r.stderr == ""
        else:
            assert r.stderr == f"sinorus: note: the cache index {index_file(cache)} holds {named}, which sinorus never writes; rebuilding it from the YAML\n"
        con = sqlite3.connect(index_file(cache))
        assert not con.execute("SELECT name FROM sqlite_master WHERE type IN ('view', 'trigger')").fetchall()  # rebuilt
        con.close()


def test_the_schema_sinorus_expects_is_the_one_it_writes(cache):
    from sinorus.index import db as index

    assert sub("--data", OK_DATA, "timeline", "--json").code == 0
    con = sqlite3.connect(index_file(cache))
    assert set(con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")) == index._EXPECTED_SCHEMA
    con.close()


def test_every_query_has_a_step_budget():
    """A runaway statement that gets past validation still ends, in about a second on a small index."""
    import time

    from sinorus.index import db as index

    con = sqlite3.connect(":memory:", factory=index._Connection)
    con.arm(index.QUERY_STEPS)
    started = time.monotonic()
    with pytest.raises(index.Runaway):
        con.execute(RECURSIVE).fetchall()
    with pytest.raises(index.Runaway):
        for _ in con.execute(RECURSIVE):
            pass
    assert time.monotonic() - started < 20
    assert con.execute("SELECT 1").fetchone() == (1,)  # each statement gets its own budget


# Let a planted recursive view through validation and lift the step budget, as a bug could: then only
# the signal can stop the query, and it must, with the exit code and no traceback.
UNBOUNDED = """
import sys
from sinorus.index import db as index
index._schema_problem = lambda con: None
index.QUERY_STEPS = 10 ** 15
sys.stderr.write("ready\\n"); sys.stderr.flush()
import runpy
sys.argv = ["sinorus", *sys.argv[1:]]
runpy.run_module("sinorus", run_name="__main__", alter_sys=True)  # as `python -m sinorus`
"""


@pytest.mark.parametrize("signame, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_ctrl_c_and_sigterm_stop_a_query_that_would_never_end(cache, signame, code):
    import signal
    import time

    assert sub("--data", OK_DATA, "timeline", "--json").code == 0
    tamper(index_file(cache), f"ALTER TABLE meta RENAME TO meta_old; CREATE VIEW meta(key, value) AS {RECURSIVE};")
    proc = subprocess.Popen([sys.executable, "-c", UNBOUNDED, "--data", str(OK_DATA), "timeline", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/")
    try:
        assert proc.stderr.readline() == b"ready\n"
        time.sleep(1.0)  # well into the query
        assert proc.poll() is None, "the query should still be running"
        proc.send_signal(getattr(signal, signame))
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert b"Traceback" not in err and out == b""


# --- 5. another user: a cache planted by root, used by nobody (and the other way round) ----------


def nobody_prefix() -> tuple[list[str] | None, str]:
    """The command prefix that runs a program as uid 65534 here, or None and why not.

    Plain setpriv when uid 65534 can run this interpreter; when it cannot reach it (a
    pyenv under /root, mode 0700, as on the CI machine) the run keeps one capability,
    CAP_DAC_READ_SEARCH: it may read and traverse, never write or own, so ownership
    and write permission, which these tests are about, are those of an ordinary user.
    """
    if not IS_ROOT:
        return None, "switching users needs root; run the suite as root, or this file as any unprivileged user"
    if shutil.which("setpriv") is None:
        return None, "setpriv (util-linux) is not installed"
    base = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    for extra in ([], ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]):
        probe = subprocess.run([*base, *extra, "--", sys.executable, "-c", "import sinorus.cli.app"], capture_output=True, cwd="/", timeout=60)
        if probe.returncode == 0:
            return [*base, *extra, "--"], ""
    return None, f"uid {NOBODY} cannot run {sys.executable}: {probe.stderr.decode(errors='replace').strip()[-200:]}"


@pytest.fixture(scope="module")
def as_nobody() -> list[str]:
    prefix, why = nobody_prefix()
    if prefix is None:
        pytest.skip(f"not re-run as uid {NOBODY}: {why}")
    return prefix


@pytest.fixture
def shared_tmp():
    """A folder in /tmp (which uid 65534 can reach, unlike pytest's 0700 folders of root's), removed after."""
    made: list[Path] = []

    def make(owner: int, bits: int) -> Path:
        d = Path(tempfile.mkdtemp(prefix="sinorus-trust-"))
        os.chown(d, owner, owner)
        d.chmod(bits)
        made.append(d)
        return d

    yield make
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


def test_as_another_user_a_fresh_cache_is_private(as_nobody, shared_tmp):
    home = shared_tmp(NOBODY, 0o700)
    env = {"HOME": home}
    expected = expected_answer("--data", OK_DATA, "timeline", "--json")
    for _ in range(2):  # builds, then reads
        r = sub("--data", OK_DATA, "timeline", "--json", env=env, unset=("SINORUS_CACHE_DIR", "XDG_CACHE_HOME"), prefix=as_nobody)
        assert (r.code, r.stdout, r.stderr) == (0, expected, "")
    folder = home / ".cache" / "sinorus"
    for path, bits in ((home / ".cache", 0o700), (folder, 0o700), (index_file(folder), 0o600)):
        assert (os.lstat(path).st_uid, mode(path)) == (NOBODY, bits), path


def test_as_another_user_a_cache_planted_by_root_is_not_used(as_nobody, shared_tmp):
    """root builds an index of the data, fills it with escape sequences and leaves it where nobody looks."""
    planted = shared_tmp(0, 0o755)
    assert sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": planted}).code == 0
    bad = index_file(planted)
    tamper(bad, "UPDATE records SET body = replace(body, 'Moscow', 'Moscow' || char(27) || '[2J');")
    bad.chmod(0o644)
    shared = shared_tmp(0, 0o1777)  # /tmp-like: root's planted index in a folder anyone may write
    shutil.copy2(bad, shared / bad.name)
    mine = shared_tmp(NOBODY, 0o700)  # nobody's own folder, into which root slipped a file
    shutil.copy2(bad, mine / bad.name)
    cases = [
        (planted, NOTE_FOLDER.format(planted, "owned by another user (uid 0)")),
        (shared, NOTE_FOLDER.format(shared, "owned by another user (uid 0)")),  # ownership is checked first
        (mine, NOTE_FILE.format(mine / bad.name, "owned by another user (uid 0)")),
    ]
    for folder, note in cases:
        for args in (["timeline", "--json"], ["timeline", "--format", "plain"], ["show", "xi-moscow-visit-2023-03"]):
            r = sub("--data", OK_DATA, *args, env={"SINORUS_CACHE_DIR": folder}, prefix=as_nobody)
            assert r.code == 0 and r.stdout == expected_answer("--data", OK_DATA, *args), r.stderr
            assert_no_controls(r.stdout + r.stderr)
            assert r.stderr in (note, "")  # the note once; "" once nobody's own folder holds nobody's own index
    assert os.stat(mine / bad.name).st_uid == NOBODY  # replaced by nobody's own
    assert os.stat(planted / bad.name).st_uid == os.stat(shared / bad.name).st_uid == 0  # others' left alone
    r = sub("--data", OK_DATA, "timeline", "--json", env={"SINORUS_CACHE_DIR": mine})  # and root does not trust nobody's
    assert r.code == 0 and r.stderr == NOTE_FOLDER.format(mine, f"owned by another user (uid {NOBODY})")

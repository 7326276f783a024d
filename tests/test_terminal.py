"""Terminal safety: data and user input never become markup, links or escapes; pipes, signals and odd terminals are fine."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

OK_DATA = FIXTURES / "ok" / "data"
PYTHON_SINORUS = f"{sys.executable} -m sinorus"
# Everything a terminal may act on, bar newline (and tab, harmless in tab-separated output).
C0_C1 = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MARKUP = "[red]x[/red] [link=http://evil.example]click[/link] :smile: [bold]B[/] \\[escaped]"


def write_many_events(path: Path, count: int) -> Path:
    """A valid data file with `count` events: big enough to fill a pipe or take seconds to parse."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("sources:\n- id: web\n  title: Web\n  publisher: Web\n  language: en\nevents:\n")
        for i in range(count):
            f.write(f'- id: event-{i:06d}\n  date: "{1900 + i % 200}-{1 + i % 12:02d}"\n'
                    f"  title: Generated event number {i}\n  summary: Something happened.\n"
                    "  sources:\n  - source: web\n    excerpt: Something happened.\n")
    return path


@pytest.fixture(scope="module")
def many_events(tmp_path_factory):
    return write_many_events(tmp_path_factory.mktemp("many") / "events.yaml", 20_000)


@pytest.fixture(scope="module")
def markup_data(tmp_path_factory):
    """The ok fixture plus records whose every text field holds rich markup."""
    data = tmp_path_factory.mktemp("markup") / "data"
    shutil.copytree(OK_DATA, data)
    m = MARKUP.replace("\\", "\\\\").replace('"', '\\"')
    (data / "zz-markup.yaml").write_text(f'''people:
- id: markup-person
  name: "Mark {m}"
  aliases:
  - "alias {m}"
  roles:
  - title: "role {m}"
    organisation: "org {m}"
    start: "2020"
topics:
- id: markup-topic
  label: "label {m}"
events:
- id: markup-event
  date: "2021-01-01"
  title: "title {m}"
  summary: "summary {m}"
  people:
  - markup-person
  topics:
  - markup-topic
  place: "place {m}"
  sources:
  - source: tiny
    excerpt: "excerpt {m}"
quotes:
- id: markup-quote
  speaker: markup-person
  date: "2021-01"
  text: "quote {m}"
  translation: "translation {m}"
  source: tiny
  event: markup-event
facts:
- id: markup-fact
  metric: "metric {m}"
  value: "value {m}"
  source: tiny
  excerpt: "fact excerpt {m}"
''', encoding="utf-8")
    return data


# --- markup in data stays text -----------------------------------------------------


@pytest.mark.parametrize("args", [
    ("timeline",), ("timeline", "--fields", "date,title,summary,place"), ("who", "markup-person"), ("show", "markup-event"),
    ("show", "markup-person"), ("show", "markup-quote"), ("show", "markup-fact"), ("search", "markup"),
    ("quote",), ("people",), ("topics",), ("facts",),
])
@pytest.mark.parametrize("fmt", ["table", "plain"])
def test_markup_in_data_is_shown_literally(cli, markup_data, args, fmt):
    # FORCE_COLOR makes rich style its output as on a real terminal: parsed markup would show as escapes
    r = cli("--data", str(markup_data), *args, "--format", fmt, env={"FORCE_COLOR": "1", "COLUMNS": "400"})
    assert r.code == 0, r.stderr
    assert "[red]x[/red]" in r.stdout and "[link=http://evil.example]click[/link]" in r.stdout
    assert ":smile:" in r.stdout and "😄" not in r.stdout
    assert "\x1b]8;" not in r.stdout  # OSC 8: a hyperlink
    assert "\x1b[31m" not in r.stdout and "\x1b[91m" not in r.stdout  # red


def test_forced_colour_really_styles_the_table(cli, markup_data):
    """Guard for the test above: with FORCE_COLOR rich does emit escapes, so their absence means something."""
    r = cli("--data", str(markup_data), "timeline", "--format", "table", env={"FORCE_COLOR": "1"})
    assert "\x1b[" in r.stdout


def test_markup_survives_json_and_csv(cli, markup_data):
    r = cli("--data", str(markup_data), "show", "markup-event", "--json")
    assert r.json()["title"] == f"title {MARKUP}"
    r = cli("--data", str(markup_data), "timeline", "--csv", "--fields", "id,title")
    assert f"markup-event,title {MARKUP}" in r.stdout


FORGERY = "\\nevent\\t2000\\tforged-id\\tForged"  # YAML escapes: a newline and tabs inside one value


@pytest.fixture(scope="module")
def forging_data(tmp_path_factory):
    """Prose values holding newlines and tabs laid out like extra lines of plain output (one-line fields refuse them:
    tests/test_escaping.py)."""
    path = tmp_path_factory.mktemp("forge") / "forge.yaml"
    path.write_text(f'''sources:
- id: web
  title: "Web"
  publisher: "Pub"
  language: en
  note: "Note{FORGERY}"
people:
- id: ann
  name: "Ann"
  aliases: ["A"]
  note: "Note{FORGERY}"
  roles:
  - title: "Boss"
    organisation: "Org"
    note: "Note{FORGERY}"
topics:
- id: t1
  label: "Topic"
  note: "Note{FORGERY}"
events:
- id: e1
  date: "2020"
  title: "Real"
  summary: "Summary{FORGERY}"
  place: "Place"
  note: "Note{FORGERY}"
  people: [ann]
  topics: [t1]
  sources:
  - source: web
    excerpt: "Excerpt{FORGERY}"
quotes:
- id: q1
  speaker: ann
  date: "2020"
  text: "Quote{FORGERY}"
  translation: "Translation{FORGERY}"
  source: web
facts:
- id: f1
  metric: "Metric"
  value: "Value"
  note: "Note{FORGERY}"
  source: web
  excerpt: "Fact{FORGERY}"
''', encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [("who", "ann"), ("show", "e1"), ("show", "ann"), ("show", "q1"), ("show", "f1"), ("show", "web"),
                                  ("timeline",), ("search", "forged"), ("quote",), ("people",), ("topics",), ("facts",), ("sources",)])
def test_newlines_in_data_cannot_forge_plain_lines(cli, forging_data, args):
    """Plain output is one record per line, tab-separated: a value never adds a line or a field."""
    r = cli("--data", str(forging_data), *args, "--format", "plain")
    assert r.code == 0, r.stderr
    if args[0] in ("who", "show", "search", "quote"):  # listings show one-line fields only
        assert "forged-id" in r.stdout  # the text is there...
    for line in r.stdout.splitlines():  # ...but only ever inside a field, never as one
        assert not line.startswith("event\t2000"), line
        assert "forged-id" not in line.split("\t"), line


# --- control characters: refused in data, stripped from echoes ----------------------------


@pytest.mark.parametrize("char", C0_C1 + BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_loader_refuses_control_characters(cli, tmp_path, char):
    path = tmp_path / "ctl.yaml"
    path.write_text(f'topics:\n- id: sco\n  label: "SCO \\u{ord(char):04X} x"\n', encoding="utf-8")
    r = cli("--data", str(path), "topics", "--json")
    assert r.code == 1 and r.stdout == ""
    assert f"{path}:3:10: sco: label: contains control character U+{ord(char):04X}" in r.stderr
    assert r.stderr.count("\n") == 1 and not UNSAFE.search(r.stderr)


@pytest.mark.parametrize("char", C0_C1 + BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_echoed_user_input_is_stripped(cli, char):
    for args in (("who", f"{char}[31mX"), ("show", f"id{char}]8;;x"), ("timeline", "--from", f"20{char}22x"),
                 ("quote", "--topic", f"S{char}CO nothing"), ("timeline", f"--fro{char}m", "2022"), (f"time{char}line",)):
        r = cli("--data", str(OK_DATA), *args)
        assert r.code in (1, 2), (args, r.stderr)
        assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
        assert not UNSAFE.search(r.stderr), (args, r.stderr)
        assert r.stdout == ""


def test_who_escape_in_a_real_process(sub):
    r = sub("--data", OK_DATA, "who", "\x1b[31mX")
    assert r.code == 1
    assert r.stderr.startswith('Error: No person matches "[31mX"') and r.stderr.count("\n") == 1
    assert "\x1b" not in r.stderr


# --- pipes and closed streams -----------------------------------------------------------


def shell(command: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a bash pipeline; the status of its first command is echoed to stderr as 'status=N'."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(["bash", "-c", command + '; echo "status=${PIPESTATUS[0]}" >&2'], capture_output=True,
                          env=full, timeout=timeout, cwd=ROOT, text=True, encoding="utf-8", errors="replace")


def test_timeline_into_head_on_bundled_data():
    p = shell(f"{PYTHON_SINORUS} timeline | head -1")
    assert p.stdout.count("\n") == 1 and p.stdout.split("\t")[1][:4].isdigit()  # id, date, ...
    assert "Traceback" not in p.stderr and "Error" not in p.stderr
    assert p.stderr.strip() == "status=0"


@pytest.mark.parametrize("args", ["timeline", "timeline --json", "timeline --jsonl", "timeline --csv",
                                  "search event --limit 5000", "show event-000001"])
def test_big_output_into_head(many_events, args):
    """A megabyte of output into `head -1`: the reader leaves early, sinorus stops quietly with status 0."""
    p = shell(f"{PYTHON_SINORUS} --data {many_events} {args} | head -1")
    assert p.stdout.count("\n") == 1
    assert "Traceback" not in p.stderr and "Exception" not in p.stderr and "Error" not in p.stderr, p.stderr
    assert p.stderr.strip() == "status=0"


def test_closed_stdout_is_one_line():
    p = shell(f"{PYTHON_SINORUS} --data {OK_DATA} timeline >&-")
    assert p.stderr == "Error: standard output is closed\nstatus=1\n"


def test_closed_stderr_still_exits_with_the_right_code():
    p = shell(f"{PYTHON_SINORUS} --data {OK_DATA} who nobody-at-all 2>&-; echo \"code=$?\"")
    assert "code=1" in p.stdout and "Traceback" not in p.stdout


def test_full_disk_on_stdout():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    p = shell(f"{PYTHON_SINORUS} --data {OK_DATA} timeline > /dev/full")
    assert p.stderr == "Error: No space left on device\nstatus=1\n"


# --- signals -------------------------------------------------------------------------------------


def test_keyboard_interrupt_in_run_exits_130(cli, monkeypatch):
    from sinorus.index.engine import Engine

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "events", interrupted)
    r = cli("--data", str(OK_DATA), "timeline")
    assert r.code == 130 and "Traceback" not in r.stderr and r.stdout == ""


@pytest.fixture(scope="module")
def slow_data(tmp_path_factory):
    """Some seconds of parsing (80,000 events, 15 MB), to be interrupted half way."""
    return write_many_events(tmp_path_factory.mktemp("slow") / "events.yaml", 80_000)


def _read_bytes(pid: int) -> int:
    """Bytes the process has read so far (its own /proc counter)."""
    with open(f"/proc/{pid}/io") as fh:
        return int(fh.readline().split()[1])


def interrupt(data: Path, sig: int, cache: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Start `timeline` on slow data, send a signal mid-parse; the process and its stderr.

    Mid-parse is observed, not guessed: the signal goes once the process has read more
    bytes than the data file holds (start-up reads about 4 MB; the file is 15 MB and parsing
    it takes seconds), so a loaded machine cannot turn this into a start-up test.
    """
    if not os.path.exists(f"/proc/{os.getpid()}/io"):
        pytest.skip("no /proc/PID/io to see when the data has been read")
    env = {**os.environ, "SINORUS_NO_CACHE": "1"} if cache is None else {**os.environ, "SINORUS_CACHE_DIR": str(cache)}
    proc = subprocess.Popen([sys.executable, "-m", "sinorus", "--data", str(data), "timeline"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    size = data.stat().st_size
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if _read_bytes(proc.pid) > size:
                break
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the machine parsed the data before the signal could be sent")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc, err.decode("utf-8", "replace")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("after", ["sinorus.launch", "typer._click.core", "sinorus.cli.app", "rich.table"])
def test_a_signal_during_start_up_is_quiet(sig, after):
    """Ctrl-C while Python is still importing (told by -X importtime's line for a module) exits
    quietly with 130 (143 for SIGTERM), never with a KeyboardInterrupt traceback.

    The earliest point is sinorus.launch, the first module of ours: before it, Python is
    still in its own start (site and whatever .pth files the environment holds, which
    import certifi on some machines), where a signal ends Python before any program runs."""
    env = {**os.environ, "SINORUS_NO_CACHE": "1", "COLUMNS": "80", "FORCE_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "sinorus", "--data", str(OK_DATA), "timeline", "--format", "table"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen = []
    for raw in proc.stderr:
        line = raw.decode("utf-8", "replace")
        seen.append(line)
        if line.rpartition("|")[2].strip() == after:
            proc.send_signal(sig)
            break
    else:
        proc.wait(timeout=60)
        pytest.fail(f"never saw {after} imported: {''.join(seen)[-500:]}")
    rest = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=60)
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    # 0: the run had already finished when the signal came.
    assert proc.returncode in (128 + sig, 0), (proc.returncode, rest)


def test_sigint_exits_130_without_a_traceback(slow_data):
    proc, err = interrupt(slow_data, signal.SIGINT)
    assert proc.returncode == 130
    assert err == ""


def test_sigterm_ends_quietly(slow_data):
    proc, err = interrupt(slow_data, signal.SIGTERM)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err == ""


def test_sigterm_while_writing_the_cache_leaves_no_temp_file(many_events, tmp_path):
    """Killed (politely) the moment the first cache file appears: nothing half-written stays behind."""
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {**os.environ, "SINORUS_CACHE_DIR": str(cache)}
    env.pop("SINORUS_NO_CACHE", None)
    command = [sys.executable, "-m", "sinorus", "--data", str(many_events), "timeline", "--limit", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while not any(cache.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the cache was written before it could be interrupted")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err.decode()
    if proc.returncode == 0:
        pytest.skip("the cache was written before the signal arrived")
    assert proc.returncode == 128 + signal.SIGTERM
    left = sorted(p.name for p in cache.iterdir())
    solo = tmp_path / "solo"
    subprocess.run(command, capture_output=True, env={**env, "SINORUS_CACHE_DIR": str(solo)}, timeout=120, check=True)
    assert set(left) <= {p.name for p in solo.iterdir()}, left  # at most a complete cache, never a temp file


def test_table_into_head():
    p = shell(f"{PYTHON_SINORUS} timeline --format table | head -3")
    assert p.stdout.count("\n") == 3 and "Date" in p.stdout
    assert p.stderr.strip() == "status=0"


# --- odd locales and terminals --------------------------------------------------------------------

TERMINALS = {
    "LC_ALL=C": {"LC_ALL": "C", "LANG": "C"},
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "PYTHONIOENCODING=latin-1": {"PYTHONIOENCODING": "latin-1"},
    "TERM=dumb": {"TERM": "dumb"},
    "COLUMNS=20": {"COLUMNS": "20"},
    "COLUMNS=40": {"COLUMNS": "40"},
}


@pytest.mark.parametrize("name", TERMINALS)
@pytest.mark.parametrize("args", [("timeline",), ("who", "Dang Tieu Binh"), ("show", "no-limits-2022-02-04"), ("search", "Xi")],
                         ids=lambda a: a[0])
def test_odd_terminals_get_sensible_tables(sub, name, args):
    from rich.cells import cell_len

    env = TERMINALS[name]
    r = sub("--data", OK_DATA, *args, "--format", "table", env=env)
    assert r.code == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) >= 3
    if "COLUMNS" in env:
        width = int(env["COLUMNS"])
        assert max(cell_len(line) for line in lines) <= width, r.stdout
    if env.get("PYTHONIOENCODING") == "ascii":
        assert r.stdout.isascii()  # nothing the terminal cannot show
    if name == "TERM=dumb":
        assert "\x1b" not in r.stdout
    flat = "".join(r.stdout.split())
    if args[0] == "timeline":
        for date in ("1989", "2022-02-04", "2022-09", "2023-03-20"):
            assert date in flat
    elif args[0] == "who":
        assert "DengXiaoping" in flat or "Deng" in flat
    elif args[0] == "show":
        assert "no-limits-2022-02-04" in flat or "Xiand" in flat


def test_ascii_terminal_still_shows_vietnamese_readably(sub):
    r = sub("--data", OK_DATA, "who", "Dang Tieu Binh", env={"PYTHONIOENCODING": "ascii"})
    assert r.code == 0 and r.stdout.isascii()
    assert "\\u0110\\u1eb7ng" in r.stdout  # Đặng, escaped rather than lost or crashing


def test_c_locale_keeps_unicode(sub):
    r = sub("--data", OK_DATA, "who", "Đặng Tiểu Bình", "--json", env={"LC_ALL": "C", "LANG": "C"})
    assert r.code == 0 and r.json()["name_vi"] == "Đặng Tiểu Bình"

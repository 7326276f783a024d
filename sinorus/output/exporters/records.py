"""Event records as data: JSON, JSON Lines and CSV.

JSON and JSONL carry exactly the fields of ``timeline --json`` (the YAML names,
absent values as null), so a script written against one reads the other. Output
is always UTF-8 with characters as they are (no \\u escapes): these are files.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable, Sequence

from sinorus.output.export import Selection, exporter
from sinorus.kb.model import to_dict

CSV_COLUMNS = ("id", "date", "end", "precision", "title", "people", "topics", "place", "sources")
# Excel only reads a CSV as UTF-8 when it starts with a byte-order mark; everything
# else (Python, pandas, R, csvkit, LibreOffice) does better without one. So: off by default, --bom.
BOM = "\ufeff"

# A cell a spreadsheet runs as a formula (OWASP "CSV injection"): one starting with = + - @
# (or the full-width forms some Excel locales accept), TAB or CR, also after leading spaces,
# which LibreOffice's "trim spaces" import option removes.
_FORMULA_START = re.compile(r"\s*[=+\-@\uff1d\uff0b\uff0d\uff20\t\r]")
# Text that is only a number is data a spreadsheet reads as that number, never as a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(cell: Any) -> Any:
    """The cell, or "'" + the cell when a spreadsheet would run it: shown as text, not evaluated.

    Numbers (a fact's value -1.5) and text that is just a number stay as they are.
    """
    if not isinstance(cell, str) or not _FORMULA_START.match(cell) or _PLAIN_NUMBER.fullmatch(cell.strip()):
        return cell
    return "'" + cell


def csv_text(rows: Iterable[Sequence[Any]], raw: bool = False) -> str:
    """Rows as RFC 4180 CSV with CRLF line ends: the one CSV writer of listings and export.

    Written for people by default (formula cells neutralised); ``raw`` keeps every cell byte for byte.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(row if raw else [spreadsheet_safe(cell) for cell in row])
    return buf.getvalue()


@exporter("json", extension=".json", help="a JSON array of events, the fields of 'timeline --json'")
def to_json(sel: Selection) -> str:
    return json.dumps([to_dict(e) for e in sel.events], ensure_ascii=False, indent=2) + "\n"


@exporter("jsonl", extension=".jsonl", aliases=("ndjson",), help="one JSON event per line")
def to_jsonl(sel: Selection) -> str:
    return "".join(json.dumps(to_dict(e), ensure_ascii=False) + "\n" for e in sel.events)


@exporter("csv", extension=".csv", help="one row per event, RFC 4180, UTF-8 (--bom for Excel; --csv-raw for programs)")
def to_csv(sel: Selection) -> str:
    """Lists (people, topics, sources) are ids joined by '; '; a source cited twice is listed once."""
    rows = [CSV_COLUMNS] + [
        [
            e.id,
            e.date.text,
            e.end.text if e.end is not None else "",
            e.date.precision,
            e.title,
            "; ".join(e.people),
            "; ".join(e.topics),
            e.place or "",
            "; ".join(dict.fromkeys(c.source for c in e.sources)),
        ]
        for e in sel.events
    ]
    return (BOM if sel.bom else "") + csv_text(rows, sel.csv_raw)

"""Event records as data: JSON, JSON Lines and CSV.

JSON and JSONL carry exactly the fields of ``timeline --json`` (the YAML names,
absent values as null), so a script written against one reads the other. Output
is always UTF-8 with characters as they are (no \\u escapes): these are files.
"""

from __future__ import annotations

import csv
import io
import json

from sinorus.export import Selection, exporter
from sinorus.model import to_dict

CSV_COLUMNS = ("id", "date", "end", "precision", "title", "people", "topics", "place", "sources")
# Excel only reads a CSV as UTF-8 when it starts with a byte-order mark; everything
# else (Python, pandas, R, csvkit, LibreOffice) does better without one. So: off by default, --bom.
BOM = "\ufeff"


@exporter("json", extension=".json", help="a JSON array of events, the fields of 'timeline --json'")
def to_json(sel: Selection) -> str:
    return json.dumps([to_dict(e) for e in sel.events], ensure_ascii=False, indent=2) + "\n"


@exporter("jsonl", extension=".jsonl", aliases=("ndjson",), help="one JSON event per line")
def to_jsonl(sel: Selection) -> str:
    return "".join(json.dumps(to_dict(e), ensure_ascii=False) + "\n" for e in sel.events)


@exporter("csv", extension=".csv", help="one row per event, RFC 4180, UTF-8 (--bom for Excel)")
def to_csv(sel: Selection) -> str:
    """Lists (people, topics, sources) are ids joined by '; '; a source cited twice is listed once."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for e in sel.events:
        writer.writerow([
            e.id,
            e.date.text,
            e.end.text if e.end is not None else "",
            e.date.precision,
            e.title,
            "; ".join(e.people),
            "; ".join(e.topics),
            e.place or "",
            "; ".join(dict.fromkeys(c.source for c in e.sources)),
        ])
    return (BOM if sel.bom else "") + buf.getvalue()

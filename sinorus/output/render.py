"""Turn records into output: tables for people, JSON/JSONL/CSV/plain lines for pipes.

Every listing goes through ``emit``; formats are a registry so commands and
``export`` share them. Record fields keep their YAML names. Rich is imported
only to draw a table on a terminal, and data text is always handed to it as
``Text`` so that "[red]" in a title stays literal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, TextIO

from sinorus import i18n
from sinorus.errors import UsageError
from sinorus.i18n import N_, _, ngettext, pgettext
from sinorus.output.options import LISTING_FORMATS, Output

if TYPE_CHECKING:
    from sinorus.kb.model import KnowledgeBase


def to_dict(record: Any, **options: Any) -> dict[str, Any]:
    """model.to_dict, imported on first use: JSON answered from stored bodies never needs the model."""
    from sinorus.kb.model import to_dict as plain

    return plain(record, **options)


# --- plain values ---------------------------------------------------------------


def date_label(record: Any) -> str:
    """A date as its source gives it; a range as 'start – end'."""
    d = getattr(record, "date", None)
    end = getattr(record, "end", None)
    if d is None:
        return ""
    return f"{d.text} – {end.text}" if end is not None else d.text


def record_dict(record: Any) -> dict[str, Any]:
    return to_dict(record)


def _json_text(value: Any, indent: int | None = 2) -> str:
    from sinorus.output.bodies import unicode_ok

    ascii_only = not unicode_ok()
    return json.dumps(value, ensure_ascii=ascii_only, indent=indent, default=str)


def _flat(value: Any) -> str:
    """One cell of CSV or plain output."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_flat(v.get("source") if isinstance(v, dict) and "source" in v else v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- listings ---------------------------------------------------------------------

# Default columns per record kind for CSV.
COLUMNS: dict[str, list[str]] = {
    "event": ["id", "date", "end", "precision", "title", "people", "topics", "place", "sources"],
    "quote": ["id", "date", "speaker", "text", "translation", "source"],
    "person": ["id", "name", "name_vi", "country", "roles"],
    "topic": ["id", "label", "label_vi", "aliases"],
    "source": ["id", "published", "publisher", "title", "file", "url"],
    "fact": ["id", "metric", "value", "unit", "period", "source"],
    "hit": ["score", "type", "id", "date", "title", "match"],
}
# Plain output, one record a line: the id first (the next step is `sinorus show ID`), then what a table shows.
# This order is stable (README, "Plain output"): scripts cut fields by number.
PLAIN_COLUMNS: dict[str, list[str]] = {
    "event": ["id", "date", "title", "people", "place", "sources"],
    "quote": ["id", "date", "speaker", "text", "source"],
    "person": ["id", "name", "name_vi", "roles"],
    "topic": ["id", "label", "aliases"],
    "source": ["id", "published", "publisher", "title"],
    "fact": ["id", "metric", "value", "unit", "period", "source"],
    "hit": ["id", "type", "score", "date", "title", "match"],
}
TABLE_COLUMNS: dict[str, list[str]] = {
    "event": ["date", "title", "people", "place", "sources"],
    "quote": ["date", "speaker", "text", "source"],
    "person": ["id", "name", "name_vi", "roles"],
    "topic": ["id", "label", "aliases"],
    "source": ["id", "published", "publisher", "title"],
    "fact": ["metric", "value", "unit", "period", "source"],
    "hit": ["score", "type", "date", "title"],
}
# A table without an id column shows each record's id dimmed under this cell.
ID_UNDER = {"event": "title", "quote": "text", "fact": "metric", "hit": "title", "person": "name", "topic": "label", "source": "title"}
# When a table is too wide for the screen, columns go from the end of this list (and are named in a note).
TABLE_PRIORITY: dict[str, list[str]] = {
    "event": ["title", "date", "sources", "people", "place"],
    "quote": ["text", "date", "speaker", "source"],
    "person": ["name", "id", "roles", "name_vi"],
    "topic": ["label", "id", "aliases"],
    "source": ["title", "id", "published", "publisher"],
    "fact": ["metric", "value", "unit", "period", "source"],
    "hit": ["title", "type", "date", "score"],
}


def hit_dict(hit: Any) -> dict[str, Any]:
    return {"type": hit.type, "id": hit.id, "score": hit.score, "field": hit.field, "match": hit.match, "record": to_dict(hit.record)}


def _hit_title(hit: Any) -> str:
    r = hit.record
    for name in ("title", "text", "name", "label", "metric"):
        if getattr(r, name, None):
            return getattr(r, name)
    return r.id


def available_fields(kind: str, sample: dict[str, Any] | None) -> list[str]:
    if sample is None:
        return COLUMNS[kind]
    names = list(sample)
    return names + [c for c in COLUMNS[kind] if c not in names]


def check_fields(kind: str, fields: list[str] | None, sample: dict[str, Any] | None) -> None:
    if not fields:
        return
    valid = available_fields(kind, sample)
    unknown = [f for f in fields if f not in valid]
    if unknown:
        raise UsageError(_("Invalid value for '--fields': unknown field {fields}").format(fields=", ".join(map(repr, unknown))), _("choose from {choices}").format(choices=", ".join(valid)))


def field_value(column: str, row: dict[str, Any], record: Any) -> Any:
    """A record field, or a computed one: ``precision`` of a dated record."""
    if column in row:
        return row[column]
    if column == "precision":
        d = getattr(record, "date", None) or getattr(getattr(record, "record", None), "date", None)
        return d.precision if d is not None else None
    return None


def _display(kind: str, column: str, row: dict[str, Any], kb: KnowledgeBase | None, record: Any) -> str:
    """A human cell: names rather than ids where that reads better."""
    value = field_value(column, row, record)
    if kind == "event" and column == "date":
        return date_label(record)
    if kind == "hit":
        if column == "date":
            if hasattr(record.record, "date"):
                return date_label(record.record)
            period = getattr(record.record, "period", None)
            return period.text if period is not None else ""
        if column == "title":
            return _hit_title(record)
        if column == "score":
            return f"{record.score:.0f}"
        if column == "match":
            return f"{value['field']}: {value['snippet']}" if value else ""
    if kb is not None and column == "people" and isinstance(value, list):
        return ", ".join(kb.people[p].name if p in kb.people else p for p in value)
    if kb is not None and column == "speaker" and value in kb.people:
        return kb.people[value].name
    if column == "roles" and isinstance(value, list):
        return "; ".join(r["title"] + (f" ({r.get('start') or '…'}–{r.get('end') or ''})" if r.get("start") else "") for r in value)
    if column == "sources" and isinstance(value, list):
        return ", ".join(dict.fromkeys(c["source"] for c in value))
    return _flat(value)


def _cell(kind: str, column: str, row: dict[str, Any], kb: KnowledgeBase | None, record: Any, shown: Iterable[str] = (), table: bool = False) -> str:
    """A cell a person reads (table, plain line, show): _display's, in the interface's language.

    In Vietnamese a field shows its Vietnamese twin (title_vi, summary_vi, label_vi, name_vi) unless
    the twin has a column of its own, people their Vietnamese names, dates the Vietnamese way;
    CSV and JSON never come here.
    """
    if i18n.current() != "en":
        text = _localised(kind, column, row, kb, record, shown, table)
        if text is not None:
            return text
    return _display(kind, column, row, kb, record)


def _localised(kind: str, column: str, row: dict[str, Any], kb: KnowledgeBase | None, record: Any, shown: Iterable[str], table: bool) -> str | None:
    from sinorus.matching.dates import PartialDate

    target = record.record if kind == "hit" else record
    if kind == "hit" and column == "title":
        return next((i18n.local(target, name) for name in ("title", "text", "name", "label", "metric") if getattr(target, name, None)), target.id)
    if kind == "hit" and column == "type":
        return i18n.kind_name(record.type) if table else None
    if column == "date" and kind in ("event", "hit") and isinstance(getattr(target, "date", None), PartialDate):
        return i18n.date_range(target.date, getattr(target, "end", None), compact=table)
    if kind == "hit" and column == "date":
        return i18n.partial_date(target.period) if getattr(target, "period", None) is not None else ""
    twin = f"{column}_vi"
    if twin not in shown and row.get(twin):
        return str(row[twin])
    if isinstance(getattr(target, column, None), PartialDate):
        return i18n.partial_date(getattr(target, column))
    value = row.get(column)
    if kb is not None and column == "people" and isinstance(value, list):
        return ", ".join(i18n.local(kb.people[p], "name") if p in kb.people else p for p in value)
    if kb is not None and column == "speaker" and value in kb.people:
        return i18n.local(kb.people[value], "name")
    if column == "roles" and getattr(target, "roles", None):
        return "; ".join(i18n.local(r, "title") + (f" ({i18n.partial_date(r.start)}–{i18n.partial_date(r.end) if r.end else ''})" if r.start else "") for r in target.roles)
    return None


def emit(kind: str, records: Iterable[Any], output: Output, kb: KnowledgeBase | None = None) -> None:
    """Write a listing of one kind of record in the chosen format, record by record.

    `records` is any iterable (a list, a query Listing, a one-pass generator) and is read once:
    a listing of 100,000 events starts printing at once and is never held whole (issue 11).
    """
    to_row: Callable[[Any], dict[str, Any]] = hit_dict if kind == "hit" else record_dict
    FORMATS[output.format](kind, _Rows(kind, records, output.fields, to_row), output.fields, output, kb)


_END = object()


class _Rows:
    """A listing read once as (record, row dict) pairs.

    --fields is checked against the first row (the sample check_fields reads) before anything is
    written; `shown` counts the pairs handed out, and `total()`, asked once they have run out,
    is the listing's own count before --limit ("20 of 55 results"), which a lazy listing may
    know only at its end, else the number shown.
    """

    def __init__(self, kind: str, records: Iterable[Any], fields: list[str] | None, to_row: Callable[[Any], dict[str, Any]]) -> None:
        self._records = records
        self._to_row = to_row
        self._rest = iter(records)
        first = next(self._rest, _END)
        self._first = None if first is _END else (first, to_row(first))
        self.empty = self._first is None
        self.shown = 0
        check_fields(kind, fields, self._first[1] if self._first else None)

    def __iter__(self):
        first, self._first = self._first, None
        if first is None:
            return
        self.shown += 1
        yield first
        for record in self._rest:
            self.shown += 1
            yield record, self._to_row(record)

    def total(self) -> int:
        total = getattr(self._records, "total", None)
        return self.shown if total is None else total


def _pick(row: dict[str, Any], fields: list[str] | None, record: Any = None) -> dict[str, Any]:
    return {f: field_value(f, row, record) for f in fields} if fields else row


def _emit_json(kind, rows, fields, output, kb) -> None:
    """The array an item at a time, byte for byte what json.dumps(the list, indent=2) writes:
    each item indented one level more ("[]" when empty)."""
    out = output.out
    lead = "[\n  "
    for record, row in rows:
        out.write(lead + _json_text(_pick(row, fields, record)).replace("\n", "\n  "))
        lead = ",\n  "
    out.write("\n]\n" if rows.shown else "[]\n")


def _emit_jsonl(kind, rows, fields, output, kb) -> None:
    out = output.out
    for record, row in rows:
        out.write(_json_text(_pick(row, fields, record), indent=None) + "\n")


def _emit_csv(kind, rows, fields, output, kb) -> None:
    from sinorus.output.exporters.records import csv_text  # the CSV writer and formula rule of export -f csv

    out = output.out
    columns = fields or COLUMNS[kind]
    out.write(csv_text([columns], output.csv_raw))
    for record, row in rows:
        out.write(csv_text([[_csv_cell(kind, c, row, record) for c in columns]], output.csv_raw))


def _csv_cell(kind: str, column: str, row: dict, record: Any) -> Any:
    """A CSV cell: text, or a number left a number (a fact's value -1.5 is data, not a formula)."""
    if kind == "hit" and column in ("date", "title"):
        return _display(kind, column, row, None, record)
    value = field_value(column, row, record)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else _flat(value)


def _emit_plain(kind, rows, fields, output, kb) -> None:
    """Tab-separated lines, no header, no decoration: for grep, cut and head."""
    out = output.out
    columns = fields or PLAIN_COLUMNS[kind]
    for record, row in rows:
        out.write(_plain_line(kind, columns, row, kb, record))


def _plain_line(kind: str, columns: list[str], row: dict[str, Any], kb: KnowledgeBase | None, record: Any) -> str:
    """One record's plain line: its cells on one line each, tab-separated."""
    return "\t".join(" ".join(_cell(kind, c, row, kb, record, columns).split()) for c in columns) + "\n"


# --- tables that fit the screen ------------------------------------------------------------
#
# Widths are decided here, not by rich: each column gets what its content needs (measured on a
# sample of rows), a cramped one at least its floor, and the spare width goes by ratio. Cells are
# wrapped here too, so that an id or a URL is never cut inside a word: a word wider than its column
# breaks after a hyphen, and a piece still too wide is cut with an ellipsis (plain and JSON keep them
# whole). Columns that do not fit at their floors are dropped, last in TABLE_PRIORITY first, and named.

# Share of the spare width per column (default 1).
_RATIOS = {"title": 4, "text": 6, "translation": 4, "summary": 4, "people": 2, "aliases": 3, "roles": 3, "label": 3,
           "name": 2, "name_vi": 2, "metric": 4, "value": 2, "publisher": 2, "speaker": 2, "match": 3, "organisation": 3}
# The narrowest a column is squeezed to when its content is wider (default 8).
_FLOORS = {"title": 20, "text": 24, "metric": 16, "label": 14, "name": 12, "name_vi": 12, "aliases": 12, "roles": 14,
           "people": 10, "speaker": 10, "id": 12, "translation": 16, "summary": 16, "match": 16, "organisation": 12,
           "sources": 11}  # sources: "seed-004 +1" on one line
# Short values that read wrong wrapped (a date split after its year): never wrapped, never squeezed.
_NO_WRAP = {"date", "end", "score", "published", "period", "type", "precision", "country", "language", "from", "to"}
# Columns whose values carry the date markers ~ and ?, and the one carrying +N.
_DATED = {"date", "end", "period", "published", "from", "to"}
SAMPLE_ROWS = 200
MAX_PIECE = 16
TABLE_GAP = 3  # rich's SIMPLE_HEAD box: a separator and a space either side


# Column headings, the English being the field's name capitalised; a field without one here
# (a --fields name new to the schema) is shown as its name.
HEADINGS = {
    "id": N_("Id"), "date": N_("Date"), "end": N_("End"), "precision": N_("Precision"), "title": N_("Title"), "title_vi": N_("Title vi"),
    "summary": N_("Summary"), "summary_vi": N_("Summary vi"), "people": N_("People"), "topics": N_("Topics"), "place": N_("Place"),
    "sources": N_("Sources"), "note": N_("Note"), "speaker": N_("Speaker"), "text": N_("Text"), "translation": N_("Translation"),
    "source": N_("Source"), "event": N_("Event"), "kind": N_("Kind"), "name": N_("Name"), "name_vi": N_("Name vi"), "aliases": N_("Aliases"),
    "country": N_("Country"), "roles": N_("Roles"), "label": N_("Label"), "label_vi": N_("Label vi"), "publisher": N_("Publisher"),
    "language": N_("Language"), "published": N_("Published"), "file": N_("File"), "url": N_("Url"), "author": N_("Author"),
    "metric": N_("Metric"), "value": N_("Value"), "unit": N_("Unit"), "period": N_("Period"), "excerpt": N_("Excerpt"), "score": N_("Score"),
    "type": N_("Type"), "match": N_("Match"), "field": N_("Field"), "record": N_("Record"), "organisation": N_("Organisation"),
    "from": N_("From"), "to": N_("To"), "sentence": N_("Sentence"),
}


def heading(key: str) -> str:
    """A column's heading in the interface's language."""
    return _(HEADINGS[key]) if key in HEADINGS else key.replace("_", " ").capitalize()


def column_name(key: str) -> str:
    """A field named in running text or as a key of `show`: the heading, lower-cased at its start
    (English: the field's name, 'name vi'; Vietnamese: 'tên tiếng Việt')."""
    text = heading(key)
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]  # an acronym (URL) stays as it is


@dataclass
class Column:
    """A table column: its field (for widths and dropping), heading and how it may be squeezed."""

    key: str
    header: str = ""
    no_wrap: bool = False
    floor: int = 8
    ratio: int = 1
    justify: str = "left"
    style: str | None = None

    @classmethod
    def of(cls, key: str, header: str | None = None, **kw: Any) -> "Column":
        defaults = {"no_wrap": key in _NO_WRAP, "floor": _FLOORS.get(key, 8), "ratio": _RATIOS.get(key, 1), "style": "dim" if key == "id" else None}
        return cls(key, heading(key) if header is None else header, **{**defaults, **kw})


def _sample(rows: list) -> list:
    """At most SAMPLE_ROWS rows spread evenly over the listing: widths follow the content without
    measuring every row of a long one."""
    if len(rows) <= SAMPLE_ROWS:
        return rows
    step = len(rows) / SAMPLE_ROWS
    return [rows[int(i * step)] for i in range(SAMPLE_ROWS)]


def _longest_line(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.split("\n")), default=0)


_DASHES = r"[^–]*–+|[^–]+"  # a range (2021-03-22–03-23) breaks after its en dash first
_HYPHENS = r"[^-]*-+|[^-]+"  # then an id or a date after a hyphen


def _longest_piece(text: str, breaks: str = _HYPHENS) -> int:
    """The widest piece of text a column should hold unbroken: a word, or the part of a word
    between the `breaks` (hyphens; en dashes for dates) after which it may break; URLs, which are
    cut anyway, and anything over MAX_PIECE (a wrapped line would not read better than a cut one)
    do not count."""
    import re

    from rich.cells import cell_len

    pieces = [cell_len(p) for word in text.split() if "://" not in word for p in re.findall(breaks, word)]
    return max([p for p in pieces if p <= MAX_PIECE], default=0)


def fit_widths(columns: list[Column], rows: list[list[Any]], width: int, priority: list[str] | None = None, gap: int = TABLE_GAP,
               keep: int = 2, at_least: list[int] | None = None) -> tuple[list[int], list[str]]:
    """Each column's width for a table `width` cells wide, and the keys of the columns dropped.

    A column's natural width is its widest line in the sampled rows (and its heading); when all
    natural widths fit they are the widths, so a 13-character name gets 13 columns. Otherwise each
    column starts from min(natural, max(floor, its widest word)) (no-wrap columns keep their natural
    width), columns are
    dropped from the end of `priority` while even those do not fit (the first `keep` of it are
    squeezed instead: a timeline keeps its dates and titles on the narrowest screen), and the spare
    width goes to the columns still short of their natural width, by ratio. `at_least`: natural
    widths rows not measured may need (see _unmeasured).
    """
    sample = _sample(rows)
    texts = [[r[i].plain if hasattr(r[i], "plain") else str(r[i]) for r in sample] for i in range(len(columns))]
    natural = [max([_longest_line(c.header), (at_least or [0] * len(columns))[i]] + [_longest_line(t) for t in texts[i]]) for i, c in enumerate(columns)]
    words = [max([_longest_piece(c.header)] + [_longest_piece(t, _DASHES if c.no_wrap else _HYPHENS) for t in texts[i]]) for i, c in enumerate(columns)]
    least = [n if c.no_wrap else min(n, max(c.floor, w)) for c, n, w in zip(columns, natural, words)]
    alive = list(range(len(columns)))
    order = [columns[i].key for i in alive]
    ranking = [k for k in (priority or order) if k in order] + [k for k in order if k not in (priority or order)]
    dropped: list[str] = []

    def room(ids: list[int]) -> int:
        return width - gap * (len(ids) - 1)

    while len(alive) > keep and sum(least[i] for i in alive) > room(alive):
        victim = next(k for k in reversed(ranking) if k not in dropped and any(columns[i].key == k for i in alive))
        dropped.append(victim)
        alive = [i for i in alive if columns[i].key != victim]
    widths = [0] * len(columns)
    if sum(natural[i] for i in alive) <= room(alive):
        for i in alive:
            widths[i] = natural[i]
        return widths, dropped
    for i in alive:
        widths[i] = least[i]
    # A sliver of a screen: squeeze the widest column still above its limit (6 for text; for a date,
    # its longest part up to an en dash, where a range then breaks), then any.
    limit = [max(words[i], 4) if c.no_wrap else 6 for i, c in enumerate(columns)]
    while sum(widths[i] for i in alive) > max(room(alive), len(alive)):
        widest = max(alive, key=lambda i: (widths[i] > limit[i], widths[i], -i))
        widths[widest] -= 1
    spare = room(alive) - sum(widths[i] for i in alive)
    while spare > 0:  # one cell at a time to the column furthest below its share: proportional, and cheap
        short = [i for i in alive if widths[i] < natural[i]]
        if not short:
            break
        i = min(short, key=lambda i: ((widths[i] - least[i] + 1) / columns[i].ratio, i))
        widths[i] += 1
        spare -= 1
    return widths, dropped


def _tokens(text: str, start: int, end: int, width: int) -> list[tuple[int, int, bool, bool]]:
    """(start, stop, spaced, cut) pieces of text[start:end] that each fit `width` cells.

    A word is one piece when it fits. A wider word breaks after its en dashes (a date range), then
    after its hyphens (an id); a URL, or a piece still too wide, is cut to fit with an ellipsis, and
    text in a script written without spaces (CJK) folds between characters. `spaced`: a space
    comes before the piece.
    """
    import re

    from rich.cells import cell_len

    out: list[tuple[int, int, bool, bool]] = []
    for word in re.finditer(r"\S+", text[start:end]):
        a, b = start + word.start(), start + word.end()
        if cell_len(text[a:b]) <= width:
            out.append((a, b, True, False))
            continue
        parts = [(a, b)] if "://" in text[a:b] else _break(text, a, b, width)
        for n, (pa, pb) in enumerate(parts):
            if cell_len(text[pa:pb]) <= width:
                out.append((pa, pb, n == 0, False))
            elif any(cell_len(ch) == 2 for ch in text[pa:pb]):
                at, used = pa, 0
                for k in range(pa, pb):
                    if used + cell_len(text[k]) > width:
                        out.append((at, k, n == 0 and at == pa, False))
                        at, used = k, 0
                    used += cell_len(text[k])
                out.append((at, pb, n == 0 and at == pa, False))
            else:
                cut = pa
                while cut < pb and cell_len(text[pa:cut + 1]) <= width - 1:
                    cut += 1
                out.append((pa, cut, n == 0, True))
    return out


def _break(text: str, a: int, b: int, width: int) -> list[tuple[int, int]]:
    """text[a:b] split after its en dashes, and each part still wider than `width` after its hyphens."""
    import re

    from rich.cells import cell_len

    parts = []
    for m in re.finditer(_DASHES, text[a:b]):
        pa, pb = a + m.start(), a + m.end()
        if cell_len(text[pa:pb]) <= width:
            parts.append((pa, pb))
        else:
            parts.extend((pa + h.start(), pa + h.end()) for h in re.finditer(_HYPHENS, text[pa:pb]))
    return parts


def wrap_cell(text: Any, width: int) -> Any:
    """A rich Text folded to `width` cells a line, styles kept (see _tokens for long words)."""
    from rich.cells import cell_len
    from rich.text import Text

    plain = text.plain
    lines: list[Any] = []
    at = 0
    for paragraph in plain.split("\n"):
        p0, p1 = at, at + len(paragraph)
        at = p1 + 1
        if cell_len(paragraph) <= width:
            lines.append(text[p0:p1])
            continue
        line: list[tuple[int, int, bool, bool]] = []
        for piece in _tokens(plain, p0, p1, width):
            if line and (line[-1][3] or cell_len(plain[line[0][0]:piece[1]]) > width):
                lines.append(_line_of(text, line))
                line = []
            line.append(piece)
        if line:
            lines.append(_line_of(text, line))
    return Text("\n").join(lines)


def _line_of(text: Any, pieces: list[tuple[int, int, bool, bool]]) -> Any:
    from rich.text import Text

    line = text[pieces[0][0]:pieces[-1][1]]
    return line + Text("…") if pieces[-1][3] else line


def draw_table(console, columns: list[Column], rows: list[list[Any]], priority: list[str] | None = None, *,
               header: bool = True, ends: frozenset[int] = frozenset()) -> list[str]:
    """Print rows of Text cells as a table that fits the console; returns the keys of dropped columns.

    A table without a header (key and value rows) keeps both columns and squeezes them instead.
    `ends`: indexes of rows closing a section (a line is drawn under them).
    """
    gap = TABLE_GAP if header else 2
    widths, dropped = fit_widths(columns, rows, console.width, priority, gap, keep=2 if header else len(columns))
    keep = [i for i, c in enumerate(columns) if c.key not in dropped]
    _print_block(console, columns, widths, keep, rows, ends, boxed=header, heading=header)
    return [c.key for c in columns if c.key in dropped]  # in the table's order


def _print_block(console, columns: list[Column], widths: list[int], keep: list[int], rows: list[list[Any]], ends: Iterable[int] = (), *,
                 boxed: bool = True, heading: bool = True) -> None:
    """Rows as one rich Table with the given widths: a listing's (boxed, its header row when
    `heading`; a later block of a long listing goes without), or key and value rows (not boxed)."""
    from rich import box
    from rich.table import Table

    if boxed:
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False, show_header=heading)
    else:
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    for i in keep:
        c = columns[i]
        table.add_column(c.header, width=widths[i], no_wrap=True, overflow="crop", justify=c.justify, style=c.style)
    ends = frozenset(ends)
    for n, row in enumerate(rows):
        table.add_row(*[wrap_cell(row[i], widths[i]) for i in keep], end_section=n in ends)
    console.print(table)


# A long listing streams (issue 11): its column widths come from its first SAMPLE_ROWS rows, the
# first of which are printed at once as one table with its header; the rest follows in blocks of
# BLOCK_ROWS rows, each a table of the same widths without a header. 200 rows are several screens
# (what a reader looks at before deciding, and what the widths should fit) and cost milliseconds;
# a block of 100 keeps what is held small and the pager fed steadily.
BLOCK_ROWS = 100


def stream_table(console, columns: list[Column], rows: Iterable[tuple[list[Any], bool]], priority: list[str] | None = None) -> tuple[list[str], "_Legend"]:
    """Print (cells, opens_section) rows as one table fitting the console, reading `rows` once.

    A listing of at most SAMPLE_ROWS rows prints exactly as draw_table prints it (a section opening
    row has a line drawn above it); a longer one keeps the widths of its first rows throughout.
    Returns the keys of the dropped columns and the legend of the markers printed.
    """
    from itertools import islice

    rows = iter(rows)
    block = list(islice(rows, SAMPLE_ROWS + 1))  # one more: whether rows that are not measured follow
    at_least = _unmeasured(columns) if len(block) > SAMPLE_ROWS else None
    widths, dropped = fit_widths(columns, [cells for cells, opens in block[:SAMPLE_ROWS]], console.width, priority, at_least=at_least)
    keep = [i for i, c in enumerate(columns) if c.key not in dropped]
    legend = _Legend([c.key for c in columns], dropped)
    heading = True
    while block:
        if block[0][1] and not heading:  # a section opens a block: the line rich draws between rows
            console.print()  # SIMPLE_HEAD's row line, blank once trimmed
        cells = [cells for cells, opens in block]
        ends = [n - 1 for n, (c, opens) in enumerate(block) if opens and n]
        _print_block(console, columns, widths, keep, cells, ends, heading=heading)
        legend.see(cells)
        heading = False
        block = list(islice(rows, BLOCK_ROWS))
    return [c.key for c in columns if c.key in dropped], legend


def _unmeasured(columns: list[Column]) -> list[int]:
    """What a no-wrap column of a long listing may need beyond its first rows: the widest single
    date of the interface's language (a day with its marker, when the first rows are years) and the
    widest kind of record, so that a later row keeps its date and type on one line."""
    from rich.cells import cell_len

    from sinorus.matching.dates import PartialDate

    date = max(cell_len(i18n.partial_date(PartialDate.parse(text))) for text in ("2000-12-28%", "2000-12%", "2000%"))
    kind = max(cell_len(i18n.kind_name(k)) for k in i18n.KINDS)
    return [date if c.no_wrap and c.key in _DATED else kind if c.key == "type" else 0 for c in columns]


class _Legend:
    """The date and source markers that a table's rows show (in the columns not dropped),
    gathered block by block as a long listing is printed."""

    def __init__(self, columns: list[str], dropped: Iterable[str] = ()) -> None:
        self._dated = [i for i, c in enumerate(columns) if c in _DATED and c not in dropped]
        self._sources = columns.index("sources") if "sources" in columns and "sources" not in dropped else None
        self._seen: set[str] = set()

    def see(self, rows: Iterable[list[Any]]) -> "_Legend":
        for row in rows:
            for i in self._dated:
                text = row[i].plain
                self._seen.update(mark for mark in "~?" if mark in text)
            if self._sources is not None and " +" in row[self._sources].plain:
                self._seen.add("+")
        return self

    def lines(self) -> list[str]:
        legend = []
        if "~" in self._seen:
            legend.append(_("~ approximate date"))
        if "?" in self._seen:
            legend.append(_("? uncertain date"))
        if "+" in self._seen:
            legend.append(_("+N: N outside reports also cited"))
        return legend


def _markers(columns: list[str], rows: list[list[Any]], dropped: list[str] = ()) -> list[str]:
    """The legend of the date and source markers that these rows show (in the columns not dropped)."""
    return _Legend(columns, dropped).see(rows).lines()


def table_notes(console, lines: list[str], legend: list[str], dropped: list[str]) -> None:
    """What follows a table, dimmed: its footer, the legend of its markers, the columns left out."""
    from rich.text import Text

    for line in lines:
        console.print(Text(line, style="dim"))
    if legend:
        console.print(Text("; ".join(legend), style="dim"))
    if dropped:
        names = ", ".join(column_name(key) for key in dropped)
        console.print(Text(_("not shown at this width: {columns} — widen the terminal or use --fields").format(columns=names), style="dim"))


def _listing_columns(kind: str, columns: list[str]) -> list[Column]:
    return [Column.of(c) for c in columns]


def _table_row(kind: str, columns: list[str], row: dict[str, Any], kb: KnowledgeBase | None, record: Any) -> list[Any]:
    """One row of Text cells; a quote's translation and each record's id (dimmed) go under the
    main cell when there is no column for them."""
    from rich.text import Text

    cells = [Text(_table_cell(kind, c, row, kb, record, columns).replace("\t", " ")) for c in columns]
    if kind == "quote" and "text" in columns and "translation" not in columns and row.get("translation") and not _in_own_language(record, kb):
        cells[columns.index("text")].append("\n" + row["translation"].replace("\t", " "), style="dim italic")
    under = ID_UNDER.get(kind)
    if "id" not in columns and under in columns:
        cells[columns.index(under)].append("\n" + record.id, style="dim")
    if kind == "hit" and "title" in columns and "match" not in columns and record.match:
        title = cells[columns.index("title")]
        snippet = record.match["snippet"]
        lead = 1 if snippet.startswith("…") else 0
        at = title.plain.find(snippet[lead:].rstrip("…"))
        if at >= 0:  # the title shows the match already: mark the words in it
            for a, b in record.spans:
                title.stylize("bold reverse", at + a - lead, at + b - lead)
        else:
            title.append("\n")
            title.append_text(_match_line(record))
    return cells


def _in_own_language(quote: Any, kb: KnowledgeBase | None) -> bool:
    """A quote from an article in the interface's language (Vietnamese): its English translation
    is not needed under it in a table (show and JSON still give it)."""
    source = kb.sources.get(quote.source) if kb is not None else None
    return i18n.current() != "en" and source is not None and source.language == i18n.current()


def _match_line(hit: Any):
    """The hit's snippet with the matched words highlighted, after the field it comes from."""
    from rich.text import Text

    field = hit.match["field"]
    label = f"{field if i18n.current() == 'en' else column_name(field)}: "
    line = Text(label, style="dim")
    line.append(hit.match["snippet"], style="italic")
    for a, b in hit.spans:
        line.stylize("bold reverse", len(label) + a, len(label) + b)
    return line


def _emit_table(kind, rows, fields, output, kb) -> None:
    from rich.text import Text

    console = make_console(output)
    if rows.empty:
        console.print(Text(_("(nothing matched)"), style="dim"))
        return
    columns = fields or TABLE_COLUMNS[kind]
    cells = ((_table_row(kind, columns, row, kb, record), False) for record, row in rows)
    dropped, legend = stream_table(console, _listing_columns(kind, columns), cells, fields or TABLE_PRIORITY[kind])
    table_notes(console, [footer(kind, rows.shown, rows.total())], legend.lines(), dropped)


def footer(kind: str, shown: int, total: int) -> str:
    """'5 events', or '20 of 55 results' when --limit (or search's default) cut the listing."""
    return i18n.counted(kind, total, shown)


def _table_cell(kind: str, column: str, row: dict[str, Any], kb: KnowledgeBase | None, record: Any, shown: Iterable[str] = ()) -> str:
    """Like a plain cell, but shorter where a table is cramped: article ids plus a count of outside reports."""
    if column == "sources" and isinstance(row.get("sources"), list) and kb is not None:
        ids = list(dict.fromkeys(c["source"] for c in row["sources"]))
        articles = [i for i in ids if i in kb.sources and kb.sources[i].file]
        rest = len(ids) - len(articles)
        return ", ".join(articles) + (f" +{rest}" if rest else "")
    if column == "date" and getattr(record, "end", None) is not None:
        return i18n.date_range(record.date, record.end, compact=True)
    return _cell(kind, column, row, kb, record, shown, table=True)


def make_console(output: Output):
    from rich.console import Console

    return Console(file=_TrimmedLines(output.out), markup=False, emoji=False, highlight=False, soft_wrap=False, width=_width_from_env())


class _TrimmedLines:
    """A stream that drops the spaces ending each line (rich pads every table cell to its column's
    width), keeping any colour codes among them so that styles still close. A line is written
    when its newline comes; flush() writes the last one.
    """

    def __init__(self, stream: Any):
        self._stream = stream
        self._held = ""

    def write(self, text: str) -> int:
        done = text.rfind("\n")
        if done < 0:
            self._held += text
            return len(text)
        lines = (self._held + text[:done]).split("\n")
        self._held = text[done + 1:]
        self._stream.write("\n".join(map(trim_line, lines)) + "\n")
        return len(text)

    def flush(self) -> None:
        if self._held:
            self._stream.write(trim_line(self._held))
            self._held = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def trim_line(line: str) -> str:
    """The line without its trailing spaces; colour codes among them (SGR: ESC [ ... m) are kept."""
    codes = ""
    while True:
        line = line.rstrip(" ")
        at = line.rfind("\x1b[") if line.endswith("m") else -1
        if at < 0 or not line[at + 2:-1].replace(";", "").isdigit() and line[at + 2:-1] != "":
            return line + codes
        codes = line[at:] + codes
        line = line[:at]


MIN_WIDTH = 20


def _width_from_env() -> int | None:
    """COLUMNS as rich would read it, but 0 or junk means "unknown" (the terminal's size, else 80,
    rather than a zero-width table that prints nothing), and a sliver is widened to MIN_WIDTH."""
    import os
    import shutil

    columns = os.environ.get("COLUMNS")
    if columns is None:
        return None  # rich asks the terminal itself
    if not columns.strip().isdigit() or int(columns) == 0:
        return max(shutil.get_terminal_size((80, 24)).columns, MIN_WIDTH)
    return max(int(columns), MIN_WIDTH)


FORMATS: dict[str, Callable[..., None]] = dict(zip(LISTING_FORMATS, (_emit_table, _emit_plain, _emit_json, _emit_jsonl, _emit_csv)))


def emit_object(obj: dict[str, Any], output: Output) -> None:
    """A single JSON object (show, who, stats, read): indented, or on one line for jsonl."""
    output.out.write(_json_text(obj, indent=None if output.format == "jsonl" else 2) + "\n")


# --- detail views -------------------------------------------------------------------


def _kv_table(console, pairs: Iterable[tuple[str, str]], url: str | None = None) -> None:
    """Key and value rows, the value wrapped to the screen (ids break after a hyphen, never inside a
    word); then the url, if any, whole on its own line under the values, never folded or cut, so
    that it can be opened and copied (the terminal wraps it and still sees one link)."""
    from rich.cells import cell_len
    from rich.text import Text

    rows = [(key, value) for key, value in pairs if value]
    columns = [Column("key", style="bold", no_wrap=True), Column("value", floor=12)]
    draw_table(console, columns, [[Text(key), Text(value.replace("\t", " "))] for key, value in rows], header=False)
    if url:
        label = column_name("url")
        pad = max([cell_len(key) for key, value in rows] + [cell_len(label)]) + 2
        console.print(Text.assemble((label + " " * (pad - cell_len(label)), "bold"), url), no_wrap=True, overflow="ignore", crop=False)


def _heading(text: str):
    from rich.text import Text

    return Text(text, style="bold underline")


def show_record(kind: str, record: Any, kb: KnowledgeBase, output: Output) -> None:
    """One record in full, with its citations resolved to their sources."""
    row = to_dict(record)
    if output.format in ("json", "jsonl"):
        emit_object({"type": kind, **_pick(row, output.fields, record)}, output)
        return
    if output.format == "csv":  # the listing's CSV, with every field of the record and its type
        from sinorus.output.exporters.records import csv_text

        columns = ["type", *row]
        output.out.write(csv_text([columns, [kind] + [_csv_cell(kind, c, row, record) for c in row]], output.csv_raw))
        return
    lines: list[tuple[str, str]] = [("type", kind)]
    for key, value in row.items():
        if key in ("sources", "roles") or (kind == "source" and key == "file"):  # a path inside the package: `read` opens it
            continue
        lines.append((key, _cell(kind, key, row, kb, record, row) if key not in ("date", "end") else _date_value(record, key, value)))
    reads = read_commands(kind, record, kb)
    if output.format == "plain":
        for key, value in lines:
            if value:
                output.out.write(f"{key}\t{' '.join(value.split())}\n")
        for label, text in _citations(kind, record, kb):
            output.out.write(f"source\t{label}\t{' '.join(text.split())}\n")
        for command in reads:
            output.out.write(f"read\t{command}\n")
        return
    console = make_console(output)
    lines[0] = ("type", i18n.kind_name(kind))
    _kv_table(console, _labelled(lines, row), next((value for key, value in lines if key == "url"), None))
    if getattr(record, "roles", None):
        console.print()
        console.print(_heading(_("Roles")))
        emit_roles(record.roles, console)
    cites = _citations(kind, record, kb)
    if cites:
        console.print()
        console.print(_heading(_("Sources")))
        _kv_table(console, cites)
    if kind == "event":
        said = [q for q in kb.quotes.values() if q.event == record.id]
        if said:
            console.print()
            console.print(_heading(_("Quotes")))
            emit("quote", said, Output("table", stream=output.out), kb)
    if reads:  # last, as the next step: the article at the cited passage
        console.print()
        _kv_table(console, [(_("read"), command) for command in reads])


def _labelled(lines: list[tuple[str, str]], row: dict[str, Any]) -> list[tuple[str, str]]:
    """show's rows as a reader sees them: each field by its name in the interface's language; in Vietnamese
    a field with a Vietnamese twin shows the twin first, then the English, so the reader's own
    language leads ("tiêu đề", then "tiêu đề (tiếng Anh)")."""
    if i18n.current() == "en":
        return [(key, value) for key, value in lines if key != "url"]
    out = []
    for key, value in lines:
        if key == "url" or (key.endswith("_vi") and key[:-3] in row):
            continue
        twin = row.get(f"{key}_vi")
        if twin:
            out += [(column_name(key), str(twin)), (_("{field} (English)").format(field=column_name(key)), value)]
        else:
            out.append((column_name(key), value))
    return out


def _date_value(record: Any, key: str, value: Any) -> str:
    """A record's date or end as the language writes it (its text, with its marker, in English)."""
    d = getattr(record, key, None)
    return i18n.partial_date(d) if d is not None and hasattr(d, "precision") else _flat(value)


def read_commands(kind: str, record: Any, kb: KnowledgeBase) -> list[str]:
    """`sinorus read` commands that open the bundled articles a record cites (or a source itself)."""
    if kind == "source":
        return [f"sinorus read {record.id}"] if record.file else []
    from sinorus.kb.reader import cited_sources

    return [f"sinorus read {sid} --record {record.id}" for sid in cited_sources(kind, record) if sid in kb.sources and kb.sources[sid].file]


ROLE_COLUMNS = ["title", "organisation", "from", "to"]


def emit_roles(roles, console) -> None:
    """A person's roles as a table fitting the screen, with the legend of its date markers."""
    from rich.text import Text

    rows = [[Text(i18n.local(r, "title")), Text(i18n.local(r, "organisation")), Text(i18n.partial_date(r.start) if r.start else "?"),
             Text(i18n.partial_date(r.end) if r.end else "—")] for r in roles]
    columns = [Column.of(c, pgettext("role", "Title") if c == "title" else None, floor=14) for c in ROLE_COLUMNS]
    dropped = draw_table(console, columns, rows, ["title", "from", "to", "organisation"])
    table_notes(console, [], _markers(ROLE_COLUMNS, rows, dropped), dropped)


def _citations(kind: str, record: Any, kb: KnowledgeBase) -> list[tuple[str, str]]:
    if kind == "event":
        cites = [(c.source, c.excerpt) for c in record.sources]
    elif kind in ("quote", "fact"):
        cites = [(record.source, getattr(record, "excerpt", None) or record.text)]
    else:
        return []
    out = []
    for sid, excerpt in cites:
        src = kb.sources.get(sid)
        about = ", ".join(x for x in (src.publisher, i18n.partial_date(src.published) if src.published else None) if x) if src else ""
        text = f"“{excerpt}”" if excerpt else (src.url or src.title if src else "")
        out.append((sid, f"{text} — {about}" if about else text))
    return out


def _how_many(records: Any) -> int:
    """A listing's size before it is written: its count from the engine, else its length."""
    total = getattr(records, "total", None)
    return total if total is not None else len(records)


def show_profile(profile: Any, kb: KnowledgeBase, output: Output) -> None:
    """`who` as a table or plain lines (its JSON is the stored records': output.bodies)."""
    p = profile.person
    names = ", ".join(dict.fromkeys(p.names))
    if output.format == "plain":
        def one(text: str) -> str:  # a newline or tab in the data must not forge a line or a field
            return " ".join(text.split())

        output.out.write(f"person\t{p.id}\t{one(i18n.local(p, 'name'))}\n")
        output.out.write(f"names\t{one(names)}\n")
        for r in (profile.roles_on if profile.roles_on is not None else p.roles):
            output.out.write(f"role\t{one(i18n.local(r, 'title'))}\t{one(i18n.local(r, 'organisation'))}\t{i18n.partial_date(r.start) if r.start else ''}\t{i18n.partial_date(r.end) if r.end else ''}\n")
        for e in profile.events:  # the kind, then the id first, as in every listing
            output.out.write(f"event\t{e.id}\t{i18n.date_range(e.date, e.end)}\t{one(i18n.local(e, 'title'))}\n")
        for q in profile.quotes:
            output.out.write(f"quote\t{q.id}\t{i18n.partial_date(q.date)}\t{one(q.text)}\n")
        return
    from rich.text import Text

    console = make_console(output)
    title = Text(i18n.local(p, "name"), style="bold")
    if p.country:
        title.append(f"  ({p.country})", style="dim")
    console.print(title)
    _print_wrapped(console, Text(names, style="dim"))
    if p.note:
        _print_wrapped(console, Text(p.note))
    console.print()
    on = profile.on  # --on: roles, events and quotes of that period only
    period = i18n.period(on) if on is not None else ""
    one_day = on is not None and on.start == on.end
    if profile.roles_on is not None:
        console.print(_heading((_("Roles held on {period}") if one_day else _("Roles held during {period}")).format(period=period)))
        if profile.roles_on:
            emit_roles(profile.roles_on, console)
        else:
            console.print(Text(_("(no recorded role in that period)"), style="dim"))
    elif p.roles:
        console.print(_heading(_("Roles")))
        emit_roles(p.roles, console)
    console.print()
    if on is None:
        events, quotes = _("Events ({n})"), _("Quotes ({n})")
    elif one_day:
        events, quotes = _("Events on {period} ({n})"), _("Quotes on {period} ({n})")
    else:
        events, quotes = _("Events during {period} ({n})"), _("Quotes during {period} ({n})")
    console.print(_heading(events.format(period=period, n=_how_many(profile.events))))
    emit("event", profile.events, Output("table", stream=output.out), kb)
    console.print()
    console.print(_heading(quotes.format(period=period, n=_how_many(profile.quotes))))
    emit("quote", profile.quotes, Output("table", stream=output.out), kb)


# --- grouped timelines and stats charts ------------------------------------------------

GROUPINGS = ("year",)


def emit_grouped(kind: str, records: Iterable[Any], output: Output, kb: KnowledgeBase | None = None, by: str | None = None) -> None:
    """A listing with a heading before each year, so a long timeline scans by eye.

    Only table and plain output change; JSON, JSONL and CSV stay exactly as ``emit`` writes them.
    Records come in date order, so a year is the run of records with that year: streamed as
    ``emit`` streams, a table holding one year at a time (its heading gives the year's count).
    """
    if by is not None and by not in GROUPINGS:
        raise UsageError(_("Invalid value for '--group': {value}").format(value=repr(by)), _("choose from {choices}").format(choices=", ".join(GROUPINGS)))
    if by is None or output.format not in ("table", "plain"):
        emit(kind, records, output, kb)
        return
    rows = _Rows(kind, records, output.fields, record_dict)
    if output.format == "plain":
        out = output.out
        columns = output.fields or PLAIN_COLUMNS[kind]
        year = None
        for record, row in rows:
            if record.date.start.year != year:
                year = record.date.start.year
                out.write(f"── {year} ──\n")
            out.write(_plain_line(kind, columns, row, kb, record))
        return
    _grouped_table(kind, rows, output, kb)


def _grouped_table(kind: str, rows: _Rows, output: Output, kb: KnowledgeBase | None) -> None:
    """One table (so columns line up across years) with a year row opening each section."""
    from rich.text import Text

    console = make_console(output)
    if rows.empty:
        console.print(Text(_("(nothing matched)"), style="dim"))
        return
    columns = output.fields or TABLE_COLUMNS[kind]
    years: list[int] = []  # how many years went by: the footer's count, read once the rows have run out
    dropped, legend = stream_table(console, _listing_columns(kind, columns), _year_sections(kind, columns, rows, kb, years),
                                   output.fields or TABLE_PRIORITY[kind])
    summary = _("{records} in {years}").format(records=i18n.counted(kind, rows.shown), years=ngettext("{n} year", "{n} years", len(years)).format(n=len(years)))
    table_notes(console, [summary], legend.lines(), dropped)


def _year_sections(kind: str, columns: list[str], rows: _Rows, kb: KnowledgeBase | None, years: list[int]) -> Iterable[tuple[list[Any], bool]]:
    """The grouped table's (cells, opens_section) rows: each year's heading row, with its count of
    records, then its records. One year is held at a time, the heading needing its count."""
    from itertools import groupby

    from rich.text import Text

    for year, items in groupby(rows, key=lambda pair: pair[0].date.start.year):
        items = list(items)
        heading = Text(f"── {year} ──", style="bold red")
        yield [heading, *[Text(i18n.counted(kind, len(items)), style="dim") if j == 0 else Text("") for j in range(len(columns) - 1)]], bool(years)
        years.append(year)
        for record, row in items:
            yield _table_row(kind, columns, row, kb, record), False


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, maximum: float, width: int) -> str:
    """A horizontal bar in block characters, to an eighth of a cell; any non-zero value shows."""
    if value <= 0 or maximum <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _stats_charts(stats: dict[str, Any], kb: KnowledgeBase | None = None) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """(heading, style, [(label, count)]) for each bar chart of `stats`; with `kb`, names and labels
    in the interface's language.

    Labels are one line, as in every plain output: a tab or newline in a name cannot forge a row.
    """
    def named(row: dict, section: str, field: str) -> str:
        record = kb.section(section).get(row["id"]) if kb is not None else None
        return _one_line(i18n.local(record, field) if record is not None else row[field])

    return [
        (_("Events per year"), "red", [(str(r["year"]), r["events"]) for r in stats["events_per_year"]]),
        (_("People in the most events (top {n})").format(n=len(stats["people"])), "cyan", [(named(r, "people", "name"), r["events"]) for r in stats["people"]]),
        (_("Topics with the most events (top {n})").format(n=len(stats["topics"])), "green", [(named(r, "topics", "label"), r["events"]) for r in stats["topics"]]),
    ]


def show_stats(stats: dict[str, Any], output: Output, kb: KnowledgeBase | None = None) -> None:
    """Bar charts on a terminal, the same bars as plain lines in a pipe, or the JSON object."""
    if output.format in ("json", "jsonl"):
        emit_object(stats, output)
        return
    if output.format == "plain":
        _stats_plain(stats, output.out, kb)
    else:
        _stats_table(stats, output, kb)


_PLAIN_BAR = 40
_LABEL_MAX = 36


def _fit(label: str, width: int) -> str:
    from rich.cells import cell_len, set_cell_size

    return set_cell_size(label, width - 1) + "…" if cell_len(label) > width else label + " " * (width - cell_len(label))


def _stats_plain(stats: dict[str, Any], out: TextIO, kb: KnowledgeBase | None = None) -> None:
    counts = stats["counts"]
    out.write(_("Records: {counts}").format(counts=", ".join(i18n.section_count(k, n) for k, n in counts.items())) + "\n")
    for title, style, rows in _stats_charts(stats, kb):
        out.write(f"\n{title}\n")
        if not rows:
            out.write(_("(none)") + "\n")
            continue
        from rich.cells import cell_len

        width = min(_LABEL_MAX, max(cell_len(label) for label, n in rows))
        top = max(n for label, n in rows)
        for label, n in rows:
            out.write(f"{_fit(label, width)}  {bar(n, top, _PLAIN_BAR)} {n}\n")


def _stats_table(stats: dict[str, Any], output: Output, kb: KnowledgeBase | None = None) -> None:
    from rich.cells import cell_len
    from rich.text import Text

    console = make_console(output)
    console.print(_heading(_("Records")))
    for line in _flowed([_bold_number(i18n.section_count(k, n), n) for k, n in stats["counts"].items()], console.width):
        console.print(line, no_wrap=True, overflow="ignore", crop=False)
    for title, style, rows in _stats_charts(stats, kb):
        console.print()
        console.print(_heading(title))
        if not rows:
            console.print(Text(_("(none)"), style="dim"))
            continue
        label_w = min(_LABEL_MAX, max(cell_len(label) for label, n in rows), max(8, console.width * 2 // 5))
        top = max(n for label, n in rows)
        room = max(4, min(60, console.width - label_w - len(str(top)) - 4))
        for label, n in rows:
            line = Text(_fit(label, label_w) + "  ")
            line.append(bar(n, top, room), style=style)
            line.append(f" {n}", style="bold")
            console.print(line, no_wrap=True, overflow="ellipsis")


def _flowed(units: list, width: int, gap: str = "  ") -> list:
    """Lines of whole units ("48 events", "17 nhân vật") as wide as `width` allows: a narrow screen
    moves a unit to the next line instead of cutting or folding it."""
    from rich.text import Text

    lines: list = []
    for unit in units:
        if lines and lines[-1].cell_len + len(gap) + unit.cell_len <= width:
            lines[-1].append(gap)
            lines[-1].append_text(unit)
        else:
            lines.append(Text().append_text(unit))
    return lines


def _bold_number(text: str, n: int):
    """'48 events' with its number in bold, wherever the language puts it."""
    from rich.text import Text

    line = Text(text)
    at = text.find(str(n))
    if at >= 0:
        line.stylize("bold", at, at + len(str(n)))
    return line


# --- read: an article with the passages the data cites -----------------------------------

# Piped, a cited passage reads ⟦passage⟧[record-id other-id]: brackets that news text does not
# use, so `grep -o '⟦[^⟧]*⟧\[[^]]*\]'` finds every one and a line is still one paragraph.
CITE_OPEN, CITE_CLOSE = "⟦", "⟧"
CITED_STYLE = "bold cyan"
def _cited_pieces(text: str, regions: list) -> Iterable[tuple[str, list[str] | None]]:
    """The paragraph in order as (piece, ids citing it or None), safe to print."""
    from sinorus.matching.text import strip_controls

    at = 0
    for start, end, ids in regions:
        if start > at:
            yield strip_controls(text[at:start]), None
        yield strip_controls(text[start:end]), ids
        at = end
    if at < len(text):
        yield strip_controls(text[at:]), None


def marked_paragraph(text: str, regions: list) -> str:
    """One line of plain output: each cited region as ⟦passage⟧[ids]."""
    return "".join(p if ids is None else f"{CITE_OPEN}{p}{CITE_CLOSE}[{' '.join(ids)}]" for p, ids in _cited_pieces(text, regions))


def _styled_paragraph(text: str, regions: list, marks: bool):
    """A paragraph for the terminal: cited text in colour and its ids dimmed after it;
    without colour (NO_COLOR, TERM=dumb) the brackets of plain output instead."""
    from rich.text import Text

    line = Text()
    tag = ""  # ids wait for the closing quotation marks or brackets that end the passage
    for piece, ids in _cited_pieces(text, regions):
        if ids is None:
            closers = len(piece) - len(piece.lstrip(_CLOSERS)) if tag else 0
            line.append(piece[:closers])
            line.append(tag, style="dim")
            line.append(piece[closers:])
            tag = ""
        elif marks:
            line.append(f"{CITE_OPEN}{piece}{CITE_CLOSE}[{' '.join(ids)}]")
        else:
            line.append(tag, style="dim")
            line.append(piece, style=CITED_STYLE)
            tag = f" [{' '.join(ids)}]"
    line.append(tag, style="dim")
    return line


_CLOSERS = "\"'”’»)]."


def show_article(article: Any, output: Output, record_id: str | None = None, around: int = 0) -> None:
    """`sinorus read`: the article with every cited passage marked, or one record's passage in context."""
    from sinorus.kb import reader

    if output.format in ("json", "jsonl"):
        emit_object(reader.article_dict(article, record_id, around), output)
        return
    if not article.bundled:
        _outside_source(article.source, output)
        return
    spans = article.spans if record_id is None else reader.spans_of(article, record_id)
    groups = [article.paragraphs] if record_id is None else reader.context(article, record_id, around)
    if output.format == "plain":
        out = output.out
        for i, group in enumerate(groups):
            if i:
                out.write("--\n")
            for p in group:
                out.write(marked_paragraph(p.text, reader.marks(p, spans)) + "\n")
        return
    from rich.text import Text

    console = make_console(output)
    marks = console.no_color or console.color_system is None
    _article_heading(article, console, record_id, groups)
    for i, group in enumerate(groups):
        if i:
            console.print(Text("--", style="dim"))
        for p in group:
            _print_wrapped(console, _styled_paragraph(p.text, reader.marks(p, spans), marks))
            if record_id is None or p is not group[-1] or i < len(groups) - 1:
                console.print()


def _print_wrapped(console, text) -> None:
    """Wrap prose at spaces to the console's width, without trailing spaces at the breaks.

    A word wider than the screen (a URL, a long record id) keeps a line of its own, whole, for
    the terminal to wrap: folding it would put line breaks into what a reader copies.
    """
    import re

    from rich.cells import cell_len

    breaks, used = [], 0
    for word in re.finditer(r"\S+\s*", text.plain):
        need = cell_len(word.group().rstrip())
        if used and used + need > console.width:
            breaks.append(word.start())
            used = 0
        used += cell_len(word.group())
    for line in text.divide(breaks):
        line.rstrip()
        console.print(line, no_wrap=True, overflow="ignore", crop=False)


def _article_heading(article: Any, console, record_id: str | None, groups: list) -> None:
    from rich.text import Text

    s = article.source
    about = " · ".join(x for x in (s.id, s.publisher, i18n.partial_date(s.published) if s.published else None, s.author) if x)
    if record_id is not None:
        from sinorus.kb.reader import spans_of

        mine = spans_of(article, record_id)
        where = ", ".join(f"¶ {p.index}" for g in groups for p in g if any(sp.start < p.end and p.start < sp.end for sp in mine))
        _print_wrapped(console, Text(_("{id} in {source} ({where}): {title}").format(id=record_id, source=s.id, where=where, title=s.title), style="dim"))
        console.print()
        return
    _print_wrapped(console, Text(s.title, style="bold"))
    _print_wrapped(console, Text(about, style="dim"))
    if s.url:  # whole, never folded: the terminal wraps it and still sees one link
        console.print(Text(s.url, style="dim"), no_wrap=True, overflow="ignore", crop=False)
    records = len({sp.record for sp in article.spans})
    how = _("in ⟦brackets⟧") if console.no_color or console.color_system is None else _("highlighted")
    passages = ngettext("{n} passage", "{n} passages", len(article.spans)).format(n=len(article.spans))
    citing = ngettext("{n} record", "{n} records", records).format(n=records)
    _print_wrapped(console, Text(_("{passages} cited by {records}: {how}, [ids] after each").format(passages=passages, records=citing, how=how), style="dim"))
    console.print()


def _outside_source(source: Any, output: Output) -> None:
    """A source sinorus has no text of: what it is and where to read it."""
    pairs = [("id", source.id), ("title", source.title), ("publisher", source.publisher),
             ("published", i18n.partial_date(source.published) if source.published else ""), ("author", source.author or ""),
             ("url", source.url or ""), ("note", source.note or "")]
    if output.format == "plain":
        for key, value in pairs:
            if value:
                output.out.write(f"{key}\t{' '.join(value.split())}\n")
        return
    from rich.text import Text

    console = make_console(output)
    _kv_table(console, [(column_name(k), v) for k, v in pairs if k != "url"], source.url)
    console.print()
    outside = _("{id} is an outside report; its text is not bundled with sinorus: read it at the url above.") if source.url else _("{id} is an outside report; its text is not bundled with sinorus.")
    _print_wrapped(console, Text(outside.format(id=source.id), style="dim"))


def show_uncited(article: Any, output: Output) -> None:
    """`sinorus read --uncited`: the sentences no record cites, for curators."""
    from sinorus.kb import reader

    if output.format in ("json", "jsonl"):
        emit_object(reader.uncited_dict(article), output)
        return
    if not article.bundled:
        _outside_source(article.source, output)
        return
    found, total = reader.uncited(article)
    if output.format == "plain":
        for s in found:
            output.out.write(_one_line(s.text) + "\n")
        return
    from rich.text import Text

    console = make_console(output)
    columns = [Column("#", "#", no_wrap=True, justify="right", style="dim"), Column("¶", "¶", no_wrap=True, justify="right", style="dim"), Column("sentence", heading("sentence"), floor=20)]
    if found:
        draw_table(console, columns, [[Text(str(n)), Text(str(s.paragraph)), Text(_one_line(s.text))] for n, s in enumerate(found, 1)], ["sentence", "#", "¶"])
    uncited = ngettext("{shown} of {n} sentence in {source} cited by no record", "{shown} of {n} sentences in {source} cited by no record", total)
    _print_wrapped(console, Text(uncited.format(shown=len(found), n=total, source=article.source.id), style="dim"))


def _one_line(text: str) -> str:
    from sinorus.matching.text import strip_controls

    return " ".join(strip_controls(text).split())

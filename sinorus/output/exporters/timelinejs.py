"""TimelineJS3 JSON (https://timeline.knightlab.com/docs/json-format.html).

Dates are only as precise as the event: a month-only event gets no ``day``, a
year-only event neither month nor day; approximate or uncertain dates carry a
``display_date`` ("c. 2022-02", "2023-01?") so the viewer does not show them as exact.
TimelineJS renders ``text`` as HTML, so every data string is HTML-escaped, and the
``group`` label, which TimelineJS3 decodes before using as HTML, holds no HTML character at all.
"""

from __future__ import annotations

import json
from html import escape

from sinorus.matching.dates import PartialDate
from sinorus.output.export import Selection, exporter
from sinorus.output.exporters.common import date_display, event_when, is_vague, person_name, quotes_by_event, topic_label


def tl_date(d: PartialDate) -> dict[str, int]:
    out = {"year": d.start.year}
    if d.precision in ("month", "day"):
        out["month"] = d.start.month
    if d.precision == "day":
        out["day"] = d.start.day
    return out


# The characters HTML gives meaning to, as typographic look-alikes that have none.
_INERT = str.maketrans({"<": "‹", ">": "›", "&": "＆", '"': "”", "'": "’"})


def group_label(text: str) -> str:
    """A group label that is the same text however a viewer handles it.

    TimelineJS 2 sets the group as HTML; TimelineJS3 first decodes entities in it and then sets it
    as HTML, so an escaped '&lt;img&gt;' becomes a live <img>, and escaping twice shows
    '&amp;lt;' in TimelineJS 2. With no '<', '>', '&' or quote left there is nothing to decode and
    nothing to parse: both show the label, and a look-alike replaces each of those characters.
    """
    return text.translate(_INERT)


def _citations_html(sel: Selection, event) -> str:
    items = []
    for c in event.sources:
        src = sel.kb.sources.get(c.source)
        label = escape(src.title if src else c.source)
        where = f" ({escape(src.publisher)}{', ' + escape(date_display(src.published)) if src.published else ''})" if src else ""
        excerpt = f": “{escape(c.excerpt)}”" if c.excerpt else ""
        items.append(f"<li><cite>{label}</cite>{where}{excerpt}</li>")
    return "<ul class=\"sinorus-sources\">" + "".join(items) + "</ul>"


def _quotes_html(sel: Selection, quotes) -> str:
    out = []
    for q in quotes:
        tr = f"<br><em>{escape(q.translation)}</em>" if q.translation else ""
        out.append(f"<blockquote>“{escape(q.text)}”{tr}<br>— {escape(person_name(sel.kb, q.speaker))}, {escape(date_display(q.date))}</blockquote>")
    return "".join(out)


def _slide(sel: Selection, event, quotes) -> dict:
    slide: dict = {"start_date": tl_date(event.date)}
    if event.end is not None:
        slide["end_date"] = tl_date(event.end)
    body = f"<p>{escape(event.summary)}</p>" + _quotes_html(sel, quotes) + _citations_html(sel, event)
    slide["text"] = {"headline": escape(event.title), "text": body}
    if event.topics:
        slide["group"] = group_label(topic_label(sel.kb, event.topics[0]))
    if is_vague(event.date) or (event.end is not None and is_vague(event.end)):
        slide["display_date"] = event_when(event)
    slide["unique_id"] = event.id
    return slide


@exporter("timelinejs", extension=".timeline.json", aliases=("tljs", "timeline"), help="TimelineJS3 JSON: load it in a TimelineJS page")
def to_timelinejs(sel: Selection) -> str:
    said = quotes_by_event(sel.kb, sel.events)
    n = len(sel.events)
    doc = {
        "title": {"text": {"headline": escape(sel.title), "text": f"<p>{n} cited event{'s' if n != 1 else ''}, exported by sinorus.</p>"}},
        "events": [_slide(sel, e, said[e.id]) for e in sel.events],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"

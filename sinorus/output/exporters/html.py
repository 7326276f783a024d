"""One self-contained, offline HTML page: a vertical timeline grouped by year.

The timeline is written as HTML here, so the page reads, prints and searches
(Ctrl+F) with scripts off; a small inline script (page.js) adds the topic,
person and text filters from the data embedded as JSON. Nothing is loaded from
the network: styles and script are inline, fonts are the system's, source URLs
are shown as text, and a Content-Security-Policy forbids every fetch and allows
only this exact script (by hash). Every data string goes through ``escape``;
the JSON block escapes '<', '>' and '&' so "</script>" in the data cannot end it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from importlib import resources
from itertools import groupby

from sinorus import __version__
from sinorus.output.export import Selection, exporter
from sinorus.output.exporters.common import (
    cited_sources, date_display, event_when, is_vague, person_name, quotes_by_event, source_line, topic_label,
)
from sinorus.kb.model import to_dict


def _asset(name: str) -> str:
    return resources.files("sinorus.output.exporters").joinpath(name).read_text(encoding="utf-8")


def script_json(value) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' survive literally."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, code in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, code)
    return text


def page_data(sel: Selection, said: dict) -> dict:
    """What the script filters on: the events (fields of the json export, plus quotes) and names to search."""
    kb = sel.kb
    people = {p for e in sel.events for p in e.people} | {q.speaker for qs in said.values() for q in qs}
    topics = {t for e in sel.events for t in e.topics}
    return {
        "title": sel.title,
        "events": [{**to_dict(e), "quotes": [to_dict(q) for q in said[e.id]]} for e in sel.events],
        "people": {i: {"label": p.name, "names": list(dict.fromkeys((*p.names, i)))} for i, p in kb.people.items() if i in people},
        "topics": {i: {"label": t.label, "names": list(dict.fromkeys(t.names))} for i, t in kb.topics.items() if i in topics},
        "sources": {s.id: {"title": s.title, "publisher": s.publisher} for s in cited_sources(kb, sel.events)},
    }


def _lang(sel: Selection, source_id: str) -> str:
    src = sel.kb.sources.get(source_id)
    return f' lang="{escape(src.language)}"' if src is not None and src.language else ""


def _event(sel: Selection, e, quotes) -> str:
    kb = sel.kb
    h = escape
    out = [
        f'<li class="event{" vague" if is_vague(e.date) else ""}" id="ev-{h(e.id)}" data-event="{h(e.id)}">',
        f'<div class="when"><time datetime="{h(e.date.text.rstrip("~?%"))}">{h(event_when(e))}</time></div>',
        f"<h3>{h(e.title)}</h3>",
    ]
    if e.title_vi:
        out.append(f'<p class="vi" lang="vi">{h(e.title_vi)}</p>')
    out.append(f'<p class="summary">{h(e.summary)}</p>')
    meta = []
    if e.place:
        meta.append(f"<span>{h(e.place)}</span>")
    if e.people:
        meta.append("<span>" + ", ".join(h(person_name(kb, p)) for p in e.people) + "</span>")
    if meta:
        out.append('<p class="meta">' + " · ".join(meta) + "</p>")
    if e.topics:
        out.append('<p class="meta">' + "".join(f'<span class="chip">{h(topic_label(kb, t))}</span>' for t in e.topics) + "</p>")
    for q in quotes:
        tr = f'<p class="tr">{h(q.translation)}</p>' if q.translation else ""
        out.append(
            f'<blockquote class="quote" data-quote="{h(q.id)}"><p class="said"{_lang(sel, q.source)}>“{h(q.text)}”</p>{tr}'
            f'<footer>— {h(person_name(kb, q.speaker))}, {h(date_display(q.date))} · <a href="#src-{h(q.source)}">{h(q.source)}</a></footer></blockquote>'
        )
    cites = []
    for c in e.sources:
        src = kb.sources.get(c.source)
        label = f'<a href="#src-{h(c.source)}"><cite>{h(src.title if src else c.source)}</cite></a>'
        where = f" ({h(src.publisher)}{', ' + h(date_display(src.published)) if src and src.published else ''})" if src else ""
        excerpt = f': <q{_lang(sel, c.source)}>{h(c.excerpt)}</q>' if c.excerpt else ""
        cites.append(f"<li>{label}{where}{excerpt}</li>")
    out.append('<ul class="cites">' + "".join(cites) + "</ul>")
    if e.note:
        out.append(f'<p class="note">Note: {h(e.note)}</p>')
    out.append("</li>")
    return "\n".join(out)


@exporter("html", extension=".html", aliases=("htm",), help="one offline HTML page, filterable and searchable")
def to_html(sel: Selection) -> str:
    h = escape
    said = quotes_by_event(sel.kb, sel.events)
    script = _asset("page.js")
    if "</script" in script.lower():
        raise AssertionError("page.js must not contain </script")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:; base-uri 'none'; form-action 'none'"
    years = [(y, list(evs)) for y, evs in groupby(sel.events, key=lambda e: e.date.start.year)]
    n = len(sel.events)
    sources = cited_sources(sel.kb, sel.events, (q for qs in said.values() for q in qs))
    span = f", {years[0][0]}–{years[-1][0]}" if years else ""
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f'<meta http-equiv="Content-Security-Policy" content="{h(csp)}">',
        f"<title>{h(sel.title)}</title>",
        f"<style>\n{_asset('page.css')}</style>",
        "</head>",
        "<body>",
        '<header class="top">',
        f"<h1>{h(sel.title)}</h1>",
        f'<p class="lede">{n} event{"s" if n != 1 else ""}{span}, each with its sources. Dates are as precise as the sources: '
        "a year or a month is not a day; “c.” marks an approximate date, “?” an uncertain one.</p>",
        '<form class="controls" id="controls" role="search" hidden>',
        '<label>Search <input type="search" id="q" placeholder="words, names, places…" autocomplete="off"></label>',
        '<label>Topic <select id="topic"><option value="">All topics</option></select></label>',
        '<label>Person <select id="person"><option value="">Everyone</option></select></label>',
        f'<output id="shown">{n} events</output>',
        "</form>",
        '<nav class="years">' + " ".join(f'<a href="#y{y}" data-year="{y}">{y}</a>' for y, _ in years) + "</nav>",
        "</header>",
        '<main id="timeline">',
        f'<p id="none"{"" if n == 0 else " hidden"}>No event matches these filters.</p>',
    ]
    for year, events in years:
        parts.append(f'<section class="year" id="y{year}" data-year="{year}">\n<h2>{year}</h2>\n<ol class="events">')
        parts.extend(_event(sel, e, said[e.id]) for e in events)
        parts.append("</ol>\n</section>")
    if sources:
        parts.append('<section class="sources" id="sources">\n<h2>Sources</h2>\n<ol>')
        for s in sources:
            parts.append(f'<li id="src-{h(s.id)}"><code>{h(s.id)}</code> {h(source_line(s))}</li>')
        parts.append("</ol>\n</section>")
    parts += [
        "</main>",
        f'<footer class="page">Exported by sinorus {h(__version__)}. Quotes are verbatim as the articles print them.</footer>',
        f'<script type="application/json" id="sinorus-data">{script_json(page_data(sel, said))}</script>',
        f"<script>{script}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)

"""A dated Markdown chronology, grouped by year, with footnote citations.

One footnote per source (``[^source-id]``), defined once at the end with title,
publisher, date and URL or article file, however many events cite it. Quotes of
the chosen events follow their event as block quotes with speaker and date.
Data text is escaped so a '*' or '<' in a title stays a character, not markup.
"""

from __future__ import annotations

import re
from itertools import groupby

from sinorus.output.export import Selection, exporter
from sinorus.output.exporters.common import (
    cited_sources, date_display, event_when, person_name, quotes_by_event, topic_label,
)

# Markup characters of CommonMark and GFM ('$' for GitHub's math), and the punctuation that
# starts a GFM autolink: the ':' of "://" and the '.' of "www.", so no URL in the data becomes a link.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&$])|:(?=//)|(?<=\bwww)\.", re.IGNORECASE)
_LIST_START = re.compile(r"^(\d+)([.)])|^()([-+=])")
_TICKS = re.compile(r"`+")


def md_escape(text: str) -> str:
    """Backslash-escape Markdown syntax and fold line breaks: data never becomes markup.

    No raw HTML (``<`` and ``&`` are escaped), no link or image (``[``), no code span, no
    ``http://`` or ``www.`` autolink. GFM still shows a bare e-mail address as a ``mailto:``
    link to exactly the address shown: no escape prevents that, and it hides nothing.
    """
    out = _SPECIAL.sub(lambda m: "\\" + m.group(), " ".join(text.split()))
    # "1996. x" or "- x" at the start of a line is text, not a list
    return _LIST_START.sub(lambda m: (m.group(1) or "") + "\\" + (m.group(2) or m.group(4)), out)


def md_code(text: str) -> str:
    """A code span that holds any text: a fence longer than any run of backticks inside, on one line.

    Inside a code span nothing is markup, so only the span's end matters: line breaks are folded
    (a blank line would end it and the paragraph), and a backtick at either edge gets the space
    that CommonMark strips again.
    """
    body = " ".join(text.split())
    fence = "`" * (max((len(t) for t in _TICKS.findall(body)), default=0) + 1)
    if body.startswith("`") or body.endswith("`"):
        body = f" {body} "
    return f"{fence}{body}{fence}"


def _ref(source_id: str) -> str:
    return f"[^{source_id}]"


def _event_lines(sel: Selection, event, quotes) -> list[str]:
    kb = sel.kb
    cited = list(dict.fromkeys(c.source for c in event.sources))
    lines = [f"### {md_escape(event_when(event))} — {md_escape(event.title)}", ""]
    if event.title_vi:
        lines += [f"*{md_escape(event.title_vi)}*", ""]
    lines += [md_escape(event.summary) + "".join(_ref(s) for s in cited), ""]
    facts = []
    if event.people:
        facts.append("**People:** " + ", ".join(md_escape(person_name(kb, p)) for p in event.people))
    if event.place:
        facts.append("**Place:** " + md_escape(event.place))
    if event.topics:
        facts.append("**Topics:** " + ", ".join(md_escape(topic_label(kb, t)) for t in event.topics))
    for c in event.sources:
        if c.excerpt:
            facts.append(f"**Excerpt:** “{md_escape(c.excerpt)}”{_ref(c.source)}")
    if event.note:
        facts.append(f"**Note:** {md_escape(event.note)}")
    if facts:
        lines += [f"- {f}" for f in facts] + [""]
    for q in quotes:
        lines.append(f"> “{md_escape(q.text)}”")
        if q.translation:
            lines += [">", f"> *{md_escape(q.translation)}*"]
        lines += [">", f"> — {md_escape(person_name(kb, q.speaker))}, {md_escape(date_display(q.date))}{_ref(q.source)}", ""]
    return lines


_URL = re.compile(r"https?://[^\s<>`\\]+")


def _source_md(source) -> str:
    """Title, author, publisher, date as escaped text; the URL as an autolink, the file as code."""
    parts = [source.title, *([source.author] if source.author else []), source.publisher]
    if source.published is not None:
        parts.append(date_display(source.published))
    text = ". ".join(md_escape(p.rstrip(".")) for p in parts) + "."
    if source.url:
        text += f" <{source.url}>" if _URL.fullmatch(source.url) else f" {md_escape(source.url)}"
    if source.file:
        text += f" Article file: {md_code(source.file)}."
    return text


@exporter("md", extension=".md", aliases=("markdown",), help="a dated Markdown chronology with footnote citations")
def to_markdown(sel: Selection) -> str:
    said = quotes_by_event(sel.kb, sel.events)
    lines = [f"# {md_escape(sel.title)}", ""]
    if sel.events:
        first = sel.events[0].date
        last = max((e.end or e.date for e in sel.events), key=lambda d: d.end)
        n = len(sel.events)
        lines += [f"{n} event{'s' if n != 1 else ''}, {md_escape(date_display(first))} to {md_escape(date_display(last))}. "
                  "Dates are as precise as the sources: a year or a month is not a day; "
                  "“c.” marks an approximate date and “?” an uncertain one.", ""]
    else:
        lines += ["No events matched.", ""]
    for year, events in groupby(sel.events, key=lambda e: e.date.start.year):
        lines += [f"## {year}", ""]
        for event in events:
            lines += _event_lines(sel, event, said[event.id])
    sources = cited_sources(sel.kb, sel.events, (q for qs in said.values() for q in qs))
    if sources:
        lines += ["## Sources", ""]
        lines += [f"{_ref(s.id)}: {_source_md(s)}" for s in sources]
        lines.append("")
    return "\n".join(lines)

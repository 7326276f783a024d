"""Datasette metadata for the SQLite export: what each table, view and column means.

Written as ``<name>.metadata.json`` beside ``<name>.db`` so that
``datasette <name>.db -m <name>.metadata.json`` shows titles, descriptions,
column help, facets and a search box (``fts_table``/``fts_pk``: the FTS5 tables
are standalone, so Datasette needs to be told which one serves which table).
Datasette itself is never imported; this is plain JSON in its documented format.
"""

from __future__ import annotations

import json
from typing import Any

from sinorus import __version__
from sinorus.output.export import Selection

TABLES: dict[str, str] = {
    "sources": "Articles and reports that the records cite: a bundled article has a file, an outside report a URL.",
    "people": "People named by events and quotes, with their names in other scripts and spellings.",
    "roles": "Dated roles (titles and organisations) of each person, in the order the data lists them.",
    "topics": "Topics that events, quotes and facts are filed under.",
    "events": "Events, each supported by at least one verbatim excerpt of an article (see citations).",
    "quotes": "Quotes exactly as the article prints them, with an English translation.",
    "facts": "Figures (trade, counts, amounts) with the excerpt that states them.",
    "event_people": "Which people took part in each event, in the event's order.",
    "event_topics": "Which topics each event is filed under, in the event's order.",
    "quote_topics": "Which topics each quote is filed under.",
    "fact_topics": "Which topics each fact is filed under.",
    "citations": "Every citation of every record: the source and the verbatim excerpt that supports it. "
                 "A quote's excerpt is its own text; outside reports confirming a date have no excerpt.",
    "timeline": "Events in date order with the names of their people, the labels of their topics and the sources cited.",
    "quotes_with_speakers": "Quotes in date order with the speaker's name, the event and the source title.",
    "citations_with_sources": "Each citation with the title, publisher, date and address of its source.",
    "person_events": "Each person's events in date order (one row per person and event).",
}

# Column help by column name, for every table; TABLE_COLUMNS overrides per table.
COLUMNS: dict[str, str] = {
    "id": "Stable identifier, the same as in the YAML data and in `sinorus show ID`.",
    "seq": "Order of the record in the export (date order for events and quotes, file order otherwise); "
           "the key of the table's full-text index.",
    "position": "Place in the record's list, from 1.",
    "note": "Curator's note: what the source does or does not say.",
    "title": "Title.",
    "title_vi": "Title in Vietnamese.",
    "summary": "Summary in English, from the article's own wording.",
    "summary_vi": "Summary in Vietnamese, from the article's own wording.",
    "date": "Date as the source gives it: YYYY, YYYY-MM or YYYY-MM-DD; ~ marks it approximate, ? uncertain.",
    "end": "Last date of a range, written like date.",
    "text": "The quote exactly as the article prints it.",
    "translation": "English translation of the quote.",
    "excerpt": "Verbatim excerpt of the source that supports the record.",
    "aliases": "Other names and spellings, in any script (a JSON array).",
    "event_id": "The event (events.id).",
    "person_id": "The person (people.id).",
    "topic_id": "The topic (topics.id).",
    "quote_id": "The quote (quotes.id).",
    "fact_id": "The fact (facts.id).",
    "source_id": "The source cited (sources.id).",
    "speaker": "Who said it (people.id).",
    "source": "The article it comes from (sources.id).",
    "event": "The event it belongs to (events.id), if any.",
}
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "sources": {
        "title": "Title of the article or report (a descriptive title when the article has none).",
        "publisher": "Publisher or outlet.", "published": "Publication date, written like events.date.",
        "language": "Language code of the text (vi, en, ru, zh).", "file": "The article's text file in the sinorus repository.",
        "url": "Address of the article or report.", "author": "Author, when named.",
    },
    "people": {
        "name": "Name in English.", "name_vi": "Name as Vietnamese articles write it.",
        "country": "Country code (CN, RU, …).",
    },
    "roles": {
        "title": "Title of the post.", "title_vi": "Title of the post in Vietnamese.",
        "organisation": "Organisation the post belongs to.", "organisation_vi": "Organisation in Vietnamese.",
        "start": "When the role began, written like events.date.", "end": "When the role ended (empty: still held or unknown).",
    },
    "topics": {"label": "Name of the topic in English.", "label_vi": "Name of the topic in Vietnamese."},
    "events": {"title": "What happened, in English.", "place": "Where it happened."},
    "quotes": {"kind": "direct (in quotation marks in the article) or reported (paraphrased)."},
    "facts": {
        "metric": "What is measured.", "value": "The figure: a number, or text when the source gives no exact number.",
        "unit": "Unit of the value.", "period": "Period the figure covers, written like events.date.",
        "source": "The article that states it (sources.id).", "event": "The event it belongs to (events.id), if any.",
    },
    "citations": {
        "id": "Number of the citation; the key of citations_fts.",
        "record_type": "Type of the citing record: event, quote or fact.",
        "record_id": "Id of the citing record (repeated in event_id, quote_id or fact_id, whichever fits).",
        "position": "Place among the record's citations, from 1.",
        "excerpt": "Verbatim excerpt of the source (empty for an outside report that only confirms a date).",
    },
    "timeline": {
        "year": "Year the event starts.", "first_day": "First day the event can mean (ISO).",
        "last_day": "Last day the event can mean, end date included (ISO).",
        "people": "Names of the people taking part (a JSON array).", "topics": "Labels of its topics (a JSON array).",
        "sources": "Ids of the sources cited, each once (a JSON array).", "place": "Where it happened.",
        "title": "What happened, in English.", "seq": "Place in the timeline (events.seq); the key of events_fts.",
    },
    "quotes_with_speakers": {
        "speaker_name": "Speaker's name in English.", "speaker_name_vi": "Speaker's name in Vietnamese.",
        "event_title": "Title of the event the quote belongs to.", "topics": "Labels of its topics (a JSON array).",
        "source_title": "Title of the article.", "kind": "direct or reported.",
        "seq": "Place in date order (quotes.seq); the key of quotes_fts.",
    },
    "citations_with_sources": {
        "id": "Number of the citation (citations.id).", "record_type": "event, quote or fact.",
        "record_id": "Id of the citing record.", "record_title": "Title of the event, metric of the fact, or speaker and date of the quote.",
        "source_title": "Title of the source.", "publisher": "Publisher of the source.",
        "published": "Publication date of the source.", "url": "Address of the source.", "file": "Article file in the repository.",
    },
    "person_events": {"name": "Person's name in English.", "name_vi": "Person's name in Vietnamese.", "title": "Event title."},
}

# Searchable tables and views: the FTS5 table and the column holding its rowid.
SEARCH = {
    "sources": ("sources_fts", "seq"), "people": ("people_fts", "seq"), "topics": ("topics_fts", "seq"),
    "events": ("events_fts", "seq"), "quotes": ("quotes_fts", "seq"), "facts": ("facts_fts", "seq"),
    "citations": ("citations_fts", "id"), "timeline": ("events_fts", "seq"),
    "quotes_with_speakers": ("quotes_fts", "seq"), "citations_with_sources": ("citations_fts", "id"),
}
EXTRA: dict[str, dict[str, Any]] = {
    "events": {"sort": "seq"},
    "quotes": {"sort": "seq"},
    "topics": {"label_column": "label"},
    "facts": {"label_column": "metric", "facets": ["unit"]},
    "people": {"facets": ["country"]},
    "sources": {"facets": ["language"]},
    "citations": {"facets": ["record_type", "source_id"]},
    "event_topics": {"facets": ["topic_id"]},
    "event_people": {"facets": ["person_id"]},
    "timeline": {"facets": ["year", {"array": "topics"}, {"array": "people"}]},
    "quotes_with_speakers": {"facets": ["speaker_name", "kind"]},
    "person_events": {"facets": ["name"]},
}


def column_help(table: str, column: str) -> str | None:
    """What a column holds: the per-table text, the shared text, or the rule for derived date columns."""
    own = TABLE_COLUMNS.get(table, {}).get(column)
    if own is not None:
        return own
    if column in COLUMNS:
        return COLUMNS[column]
    for suffix, which in (("_first_day", "First"), ("_last_day", "Last")):
        if column.endswith(suffix):
            return f"{which} day that {column[: -len(suffix)]} can mean (ISO YYYY-MM-DD, sorts as text)."
    return None


def metadata(sel: Selection, database: str, columns: dict[str, list[str]], counts: dict[str, int]) -> dict[str, Any]:
    """The metadata document: ``columns`` maps every table and view to its column names."""
    described = {}
    for name, cols in columns.items():
        entry: dict[str, Any] = {"description": TABLES.get(name, "")}
        entry["columns"] = {c: column_help(name, c) or "" for c in cols}
        if name in SEARCH:
            entry["fts_table"], entry["fts_pk"] = SEARCH[name]
        entry.update(EXTRA.get(name, {}))
        described[name] = entry
    records = ", ".join(f"{counts[t]:,} {t}" for t in ("events", "quotes", "facts", "people", "topics", "sources") if t in counts)
    scope = "a filtered selection of" if sel.filtered else "all of"
    return {
        "title": sel.title,
        "description": (
            f"{records}: {scope} the sinorus knowledge base on China–Russia relations. Every record cites its "
            "source with a verbatim excerpt (see citations). Search ignores accents: “dang” finds “Đặng”. "
            "Excerpts are short quotations of the cited articles, which keep their publishers' copyright."
        ),
        "license": "MIT",
        "source": f"sinorus {__version__}: a cited timeline of China–Russia relations",
        "databases": {database: {"description": f"Exported by sinorus {__version__}.", "tables": described}},
    }


def metadata_json(sel: Selection, database: str, columns: dict[str, list[str]], counts: dict[str, int]) -> str:
    return json.dumps(metadata(sel, database, columns, counts), ensure_ascii=False, indent=2) + "\n"

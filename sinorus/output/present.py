"""Engine answers to the chosen output: JSON from the stored bodies, every other view from records.

JSON and JSON Lines without --fields are the index's own text (sinorus.output.bodies):
nothing is revived, the model is not imported. Tables, plain lines, CSV and
--fields need model records and the knowledge base's names (sinorus.output.render).
"""

from __future__ import annotations

from typing import Any

_STORED = ("json", "jsonl")


def _from_bodies(output: Any) -> bool:
    return output.format in _STORED and not output.fields


def listing(rows: Any, output: Any, engine: Any, group: str | None = None) -> None:
    """A listing of one kind (timeline, quote, people, topics, sources, facts)."""
    if group is None and _from_bodies(output):
        from sinorus.output import bodies

        if output.format == "json":
            bodies.listing(rows, output.out)
        else:
            bodies.listing_lines(rows, output.out)
        return
    from sinorus.output.render import emit, emit_grouped

    kb = engine.knowledge_base()
    records = rows.records()  # revived one by one as the renderer writes them
    if group is None:
        emit(rows.kind, records, output, kb)
    else:
        emit_grouped(rows.kind, records, output, kb, by=group)


def hits(found: Any, output: Any, engine: Any) -> None:
    """Search hits, best first."""
    if _from_bodies(output):
        from sinorus.output import bodies

        bodies.hits(found, output.format == "jsonl", output.out)
        return
    from sinorus.index.engine import Listing
    from sinorus.output.render import emit

    revived = Listing([h.revived() for h in found], found.total)
    emit("hit", revived, output, engine.knowledge_base())


def record(row: Any, output: Any, engine: Any) -> None:
    """`show ID`: one record in full."""
    if _from_bodies(output):
        from sinorus.output import bodies

        bodies.record(row, output.format == "jsonl", output.out)
        return
    from sinorus.output.render import show_record

    show_record(row.kind, row.record, engine.knowledge_base(), output)


def profile(answer: Any, output: Any, engine: Any) -> None:
    """`who NAME`: a person, their roles, events and quotes."""
    if output.format in _STORED:
        from sinorus.output import bodies

        bodies.profile(answer, output.format == "jsonl", output.out)
        return
    from sinorus.output.render import show_profile

    show_profile(answer.revived(), engine.knowledge_base(), output)

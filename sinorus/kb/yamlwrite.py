"""Write the knowledge base as YAML in the layout the loader reads.

Deterministic (same records, same bytes), dates always quoted, Unicode as is,
so that export → load → export gives the same file.
"""

from __future__ import annotations

from typing import Any

from sinorus.kb.model import SCHEMA, ROLE_SCHEMA, SECTIONS, KnowledgeBase, to_dict


class _Quoted(str):
    """A string the emitter must double-quote (dates, so YAML never retypes them)."""


def _date_fields(spec: dict) -> set[str]:
    return {name for name, (kind, _) in spec.items() if kind == "date"}


def _mark_dates(section: str, row: dict) -> dict:
    for name in _date_fields(SCHEMA[section]):
        if name in row:
            row[name] = _Quoted(row[name])
    for role in row.get("roles", ()):
        for name in _date_fields(ROLE_SCHEMA):
            if name in role:
                role[name] = _Quoted(role[name])
    return row


def dump_sections(sections: dict[str, list[dict]]) -> str:
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
        pass

    Dumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style='"'))
    body = {name: [_mark_dates(name, dict(r)) for r in rows] for name, rows in sections.items() if rows}
    return yaml.dump(body, Dumper=Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100, indent=2)


def dump_kb(kb: KnowledgeBase, sections: tuple[str, ...] = SECTIONS) -> str:
    """The whole knowledge base (or some sections) as one YAML document."""
    data: dict[str, list[dict[str, Any]]] = {
        name: [to_dict(r, drop_empty=True) for r in kb.section(name).values()] for name in sections
    }
    return dump_sections(data)

"""The export formats, as a registry: a name, its aliases, a file extension, a function.

Adding a format is one function in a module of ``sinorus/exporters/`` decorated
with ``@exporter(...)`` (and, for a new module, its name in ``MODULES``). An
exporter is pure: it takes a ``Selection`` and returns the whole file as text;
the command line decides where the text goes. Modules are imported on first use
so that ``sinorus --help`` never pays for them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from sinorus.errors import UsageError
from sinorus.model import Event, KnowledgeBase

# Modules whose @exporter functions make up the registry, in listing order.
MODULES = (
    "sinorus.exporters.records",
    "sinorus.exporters.kbyaml",
    "sinorus.exporters.markdown",
    "sinorus.exporters.timelinejs",
    "sinorus.exporters.html",
)
DEFAULT_TITLE = "China–Russia relations: a cited chronology"


@dataclass(frozen=True)
class Selection:
    """What to export: the events chosen (in date order) and the knowledge base they come from.

    ``filtered`` says whether the user narrowed the choice; whole-knowledge-base
    formats (yaml) use it to decide between everything and a closed subset.
    """

    kb: KnowledgeBase
    events: list[Event]
    filtered: bool = False
    title: str = DEFAULT_TITLE
    bom: bool = False


@dataclass(frozen=True)
class Exporter:
    name: str
    extension: str
    help: str
    function: Callable[[Selection], str]
    aliases: tuple[str, ...] = field(default=())

    def __call__(self, selection: Selection) -> str:
        return self.function(selection)


_REGISTRY: dict[str, Exporter] = {}
_loaded = False


def exporter(name: str, *, extension: str, help: str, aliases: tuple[str, ...] = ()):
    """Register ``function(selection) -> str`` as the exporter called ``name``."""

    def register(function: Callable[[Selection], str]) -> Callable[[Selection], str]:
        for key in (name, *aliases):
            if key in _REGISTRY and _REGISTRY[key].function is not function:
                raise ValueError(f"export format {key!r} registered twice")
        _REGISTRY[name] = Exporter(name, extension, help, function, aliases)
        return function

    return register


def exporters() -> list[Exporter]:
    """Every registered exporter, in registration order."""
    global _loaded
    if not _loaded:
        for module in MODULES:
            importlib.import_module(module)
        _loaded = True
    return list(_REGISTRY.values())


def names() -> list[str]:
    return [e.name for e in exporters()]


def get(name: str) -> Exporter:
    """The exporter for a name or alias, case-insensitively; a usage error lists the choices."""
    wanted = name.strip().lower().lstrip(".")
    for e in exporters():
        if wanted == e.name or wanted in e.aliases:
            return e
    raise UsageError(f"Invalid value for '--format': {name!r} is not an export format", f"choose from {', '.join(names())}")


def for_path(path: str) -> Exporter:
    """The exporter a file name implies by its extension or an alias (.yml, .htm).

    The longest match wins, so ``x.timeline.json`` is timelinejs and ``x.json`` is json.
    """
    lower = path.lower()
    matching = [
        (len(suffix), e) for e in exporters()
        for suffix in (e.extension, *(f".{a}" for a in e.aliases)) if lower.endswith(suffix)
    ]
    if matching:
        return max(matching, key=lambda m: m[0])[1]
    raise UsageError(
        f"cannot tell the export format from the file name {path!r}",
        f"add --format ({', '.join(names())})",
    )


def choose(fmt: str | None, output_file: str | None, bom: bool = False) -> Exporter:
    """The exporter asked for by --format, else implied by -o FILE; usage errors otherwise."""
    import os

    to_stdout = output_file in (None, "-")
    if not to_stdout and os.path.isdir(output_file):
        raise UsageError(f"Invalid value for '--output': {output_file!r} is a directory", "give a file name, e.g. -o timeline.html")
    if fmt is not None:
        chosen = get(fmt)
    elif not to_stdout:
        chosen = for_path(output_file)
    else:
        raise UsageError("Missing option '--format'", f"choose from {', '.join(names())}, or give -o FILE with one of their extensions")
    if bom and chosen.name != "csv":
        raise UsageError(f"--bom applies to csv only, not {chosen.name}", "drop --bom, or use --format csv")
    return chosen


def write_file(path: str, text: str) -> None:
    """Write an export atomically, with the mode an overwritten file had or a new file's normal mode."""
    import os
    from pathlib import Path

    from sinorus.atomic import write_atomic

    target = Path(path)
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    write_atomic(target, text)
    os.chmod(target, mode)  # the temporary file was private (0600)


def write_stdout(text: str) -> None:
    """Exports are files: UTF-8 bytes as built (CRLF, BOM kept), whatever the terminal's encoding."""
    import sys

    from sinorus.errors import OutputClosed

    try:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(text)
        else:
            buffer.write(text.encode("utf-8"))
            buffer.flush()
    except BrokenPipeError:
        raise OutputClosed() from None

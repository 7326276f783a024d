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
from typing import TYPE_CHECKING, Callable

from sinorus.errors import UsageError
from sinorus.i18n import _
from sinorus.kb.model import Event, KnowledgeBase

if TYPE_CHECKING:
    from sinorus.atomic import Content

# Modules whose @exporter functions make up the registry, in listing order.
MODULES = (
    "sinorus.output.exporters.records",
    "sinorus.output.exporters.kbyaml",
    "sinorus.output.exporters.markdown",
    "sinorus.output.exporters.timelinejs",
    "sinorus.output.exporters.html",
    "sinorus.output.exporters.sqlite",
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
    csv_raw: bool = False


@dataclass(frozen=True)
class Exporter:
    """A format. ``function`` returns the file's text, or (``binary``) bytes or a writer
    ``callback(path)`` (``atomic.Content``) that is never sent to a terminal. ``companion``,
    given the selection and -o FILE, names a second file to write beside it: (path, text)."""

    name: str
    extension: str
    help: str
    function: Callable[[Selection], "str | Content"]
    aliases: tuple[str, ...] = field(default=())
    binary: bool = False
    companion: "Callable[[Selection, str], tuple[str, str] | None] | None" = None

    def __call__(self, selection: Selection) -> "str | Content":
        return self.function(selection)


_REGISTRY: dict[str, Exporter] = {}
_loaded = False


def exporter(name: str, *, extension: str, help: str, aliases: tuple[str, ...] = (), binary: bool = False, companion=None):
    """Register ``function(selection) -> str`` (or binary Content) as the exporter called ``name``."""

    def register(function: Callable[[Selection], str]) -> Callable[[Selection], str]:
        for key in (name, *aliases):
            if key in _REGISTRY and _REGISTRY[key].function is not function:
                raise ValueError(f"export format {key!r} registered twice")
        _REGISTRY[name] = Exporter(name, extension, help, function, aliases, binary, companion)
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
    raise UsageError(_("Invalid value for '--format': {value} is not an export format").format(value=repr(name)), _("choose from {choices}").format(choices=", ".join(names())))


def for_path(path: str) -> Exporter:
    """The exporter a file name implies by its extension, name or an alias (.yml, .htm, .sqlite).

    The longest match wins, so ``x.timeline.json`` is timelinejs and ``x.json`` is json.
    """
    lower = path.lower()
    matching = [
        (len(suffix), e) for e in exporters()
        for suffix in (e.extension, *(f".{a}" for a in (e.name, *e.aliases))) if lower.endswith(suffix)
    ]
    if matching:
        return max(matching, key=lambda m: m[0])[1]
    raise UsageError(
        _("cannot tell the export format from the file name {path}").format(path=repr(path)),
        _("add --format ({choices})").format(choices=", ".join(names())),
    )


def check_output(output_file: str | None) -> None:
    """Usage errors in -o found before any work: an empty name, or one that names a folder."""
    import os

    if output_file in (None, "-"):
        return
    if output_file == "":
        raise UsageError(_("Invalid value for '--output': the file name is empty"), _("give a file name, or '-' for stdout"))
    if output_file.endswith(("/", os.sep)) or os.path.basename(output_file) in (".", "..") or os.path.isdir(output_file):
        raise UsageError(_("Invalid value for '--output': {path} is a directory").format(path=repr(output_file)), _("give a file name, e.g. -o timeline.html"))


def choose(fmt: str | None, output_file: str | None, bom: bool = False, csv_raw: bool = False) -> Exporter:
    """The exporter asked for by --format, else implied by -o FILE; usage errors otherwise."""
    check_output(output_file)
    if fmt is not None:
        chosen = get(fmt)
    elif output_file not in (None, "-"):
        chosen = for_path(output_file)
    else:
        raise UsageError(_("Missing option '--format'"), _("choose from {choices}, or give -o FILE with one of their extensions").format(choices=", ".join(names())))
    for flag, used in (("--bom", bom), ("--csv-raw", csv_raw)):
        if used and chosen.name != "csv":
            raise UsageError(_("{option} applies to csv only, not {format}").format(option=flag, format=chosen.name), _("drop {option}, or use --format csv").format(option=flag))
    if chosen.binary and _is_terminal(output_file):
        raise UsageError(_("not writing a binary {format} file to a terminal").format(format=chosen.name), _("give -o FILE, e.g. -o sinorus{extension}, or redirect: > sinorus{extension}").format(extension=chosen.extension))
    return chosen


def _is_terminal(output_file: str | None) -> bool:
    """Whether -o (none or '-': stdout; /dev/stdout, /dev/tty) leads to a terminal."""
    import os
    import stat
    import sys

    from sinorus.atomic import descriptor_named

    fd = 1 if output_file in (None, "-") else descriptor_named(output_file)
    if fd is not None:
        stream = {1: sys.stdout, 2: sys.stderr}.get(fd)  # as written: sys.stdout, a test's capture included
        try:
            return stream.isatty() if stream is not None else os.isatty(fd)
        except (AttributeError, ValueError):
            return False
    try:  # only a character device can be a terminal; opening a FIFO would wake its reader
        if not stat.S_ISCHR(os.stat(output_file).st_mode):
            return False
        probe = os.open(output_file, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return False  # a new file, or one we cannot open: writing will say why
    try:
        return os.isatty(probe)
    finally:
        os.close(probe)


def write_file(path: str, content: str | Content, force: bool = False) -> None:
    """Write an export where -o points (see ``atomic.write_into``): text as UTF-8 bytes as built."""
    from sinorus.atomic import write_into

    write_into(path, content.encode("utf-8") if isinstance(content, str) else content, force=force)


def write_stdout(content: str | Content) -> None:
    """Exports are files: UTF-8 bytes as built (CRLF, BOM kept), whatever the terminal's encoding."""
    from sinorus.atomic import write_descriptor

    write_descriptor(1, content.encode("utf-8") if isinstance(content, str) else content)


def exported_line(what: str, fmt: str, path: str) -> str:
    """The success line on stderr; the path as typed, but never a control character (ESC, OSC, bidi)."""
    from sinorus.streams import one_line

    return one_line(_("exported {what} as {format} to {path}").format(what=what, format=fmt, path=path)) + "\n"

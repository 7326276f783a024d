"""Help texts and click's own words in the interface's language (imported only for Vietnamese).

Command docstrings and option help stay English in the source. When a run speaks
Vietnamese, each click command is translated as lazycli builds it: its help and every
option's help, piece by piece (``help_units``: a paragraph, or in a ``\\b`` block each run
of prose lines, the ``Examples:`` line alone, example commands never), so the catalogue
holds sentences a translator can read and ``sinorus.catalog`` extracts the same pieces.
click's words (Usage, Options, "Missing argument ...") are translated through the same
catalogue: typer's own gettext calls are pointed at it, and the English errors of the
click that typer bundles are recognised by their templates below.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from sinorus.i18n import N_, _

EXAMPLES = N_("Examples:")

# The gettext messages of typer.core (typer calls gettext.gettext on them); test_i18n checks that
# typer still has each of them, word for word.
TYPER_MESSAGES = (
    N_("Options"), N_("Arguments"), N_("Commands"), N_("default: {default}"), N_("env var: {var}"), N_("required"),
    N_("Missing command."), N_("No such command {name!r}."), N_("Aborted!"), N_("(dynamic)"),
)
USAGE = N_("Usage: ")
HELP_OPTION = N_("Show this message and exit.")
OPTIONS_METAVAR = N_("[OPTIONS]")
COMMAND_METAVAR = N_("COMMAND [ARGS]...")

# The error messages of typer's bundled click, which it writes in English only: each template,
# matched whole against the English message, gives the parts to put in the translation. The
# most specific first; a message matching none is left as it is.
CLICK_ERRORS = (
    N_("No such option: {name}"),
    N_("Missing argument {name}."),
    N_("Missing option {name}."),
    N_("Missing parameter {name}."),
    N_("Option {name} requires an argument."),
    N_("Option {name} does not take a value."),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Invalid value for {name}: {reason}"),
    N_("Invalid value: {reason}"),
    N_("{value} is not a valid integer."),
    N_("{value} is not a valid int range."),
    N_("{value} is not a valid float."),
    N_("{value} is not in the range {range}."),
    N_("{value} is not one of {choices}."),
    N_("{value} is not a valid {kind}."),
)
POSSIBLE_OPTIONS = N_("(Possible options: {options})")
DID_YOU_MEAN = N_("Did you mean {suggestions}?")
_SUFFIXES = ((re.compile(r"^(?P<message>.*?)\.? Did you mean (?P<suggestions>.+)\?$", re.S), DID_YOU_MEAN),
             (re.compile(r"^(?P<message>.*) \(Possible options: (?P<options>.+)\)$", re.S), POSSIBLE_OPTIONS))


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)(?:![rs])?\}", template)
    pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(pattern, re.S)


def click_message(message: str) -> str:
    """An English message of click or typer in the interface's language (unchanged if unknown)."""
    for regex, template in _SUFFIXES:
        m = regex.match(message)
        if m:
            parts = m.groupdict()
            inner = click_message(parts.pop("message"))
            if template is DID_YOU_MEAN:
                inner = inner.rstrip(".") + "."
            return f"{inner} {_(template).format(**parts)}"
    for template in CLICK_ERRORS:
        m = _template_regex(template).fullmatch(message)
        if m:
            parts = m.groupdict()
            if "reason" in parts:
                parts["reason"] = click_message(parts["reason"])
            return _(template).format(**parts)
    return message


# --- help texts ------------------------------------------------------------------------------


def _pieces(text: str) -> Iterator[tuple[str, bool]]:
    """(piece, translatable) in order, joined by what separates them: paragraphs by a blank
    line; inside a ``\\b`` block (kept as written by click) runs of prose lines are translated,
    the "Examples:" line alone, and indented example commands are kept as they are."""
    for n, paragraph in enumerate(text.split("\n\n")):
        if n:
            yield "\n\n", False
        if not paragraph.startswith("\b\n"):
            yield paragraph, bool(paragraph.strip())
            continue
        yield "\b", False
        prose: list[str] = []
        for line in paragraph.split("\n")[1:]:
            verbatim = line.startswith((" ", "\t")) or line == EXAMPLES or not line.strip()
            if verbatim and prose:
                yield "\n" + "\n".join(prose), True
                prose = []
            if verbatim:
                yield "\n" + line, line == EXAMPLES
            else:
                prose.append(line)
        if prose:
            yield "\n" + "\n".join(prose), True


def help_units(text: str) -> list[str]:
    """The msgids of a help text (see _pieces); sinorus.catalog extracts these."""
    return [piece.lstrip("\n") for piece, translatable in _pieces(text) if translatable]


def translate_help(text: str | None) -> str | None:
    if not text:
        return text
    out = []
    for piece, translatable in _pieces(text):
        if translatable:
            lead = piece[: len(piece) - len(piece.lstrip("\n"))]
            piece = lead + _(piece[len(lead):])
        out.append(piece)
    return "".join(out)


def translate_command(command: Any) -> None:
    """A built click command (or group) with its help, epilog and options' help translated."""
    if getattr(command, "_sinorus_translated", False):
        return
    command._sinorus_translated = True
    for name in ("help", "epilog", "short_help"):
        setattr(command, name, translate_help(getattr(command, name, None)))
    if getattr(command, "options_metavar", None) == OPTIONS_METAVAR:
        command.options_metavar = _(OPTIONS_METAVAR)
    if getattr(command, "subcommand_metavar", None) == COMMAND_METAVAR:
        command.subcommand_metavar = _(COMMAND_METAVAR)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = translate_help(param.help)


# --- typer's and click's words --------------------------------------------------------------

_ORIGINAL: dict = {}


def localise(on: bool) -> None:
    """Point typer's gettext, click's usage prefix and help option at the catalogue (on) or back."""
    import typer.core as typer_core
    from typer._click import decorators, formatting

    if not _ORIGINAL:
        _ORIGINAL.update(gettext=typer_core._, write_usage=formatting.HelpFormatter.write_usage, help_option=decorators.help_option)
    if not on:
        typer_core._ = _ORIGINAL["gettext"]
        formatting.HelpFormatter.write_usage = _ORIGINAL["write_usage"]
        decorators.help_option = _ORIGINAL["help_option"]
        return
    write_usage, help_option = _ORIGINAL["write_usage"], _ORIGINAL["help_option"]

    def localised_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, _(USAGE) if prefix is None else prefix)

    def localised_help_option(param_decls):
        add = help_option(param_decls)

        def apply(command):
            add(command)
            command.params[-1].help = _(HELP_OPTION)
            return command

        return apply

    typer_core._ = _
    formatting.HelpFormatter.write_usage = localised_usage
    decorators.help_option = localised_help_option


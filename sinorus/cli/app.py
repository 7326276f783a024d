"""The command line: parse options, call the library, hand results to a renderer.

Kept thin and cheap to import: library modules are imported inside commands so
that `sinorus timeline --json` never pays for rich, dateparser or rapidfuzz.
"""

# No `from __future__ import annotations` here: typer reads every parameter's type hints,
# and string annotations cost it an eval() each (about 4 ms a run for these commands).
import gc
import os
import sys
from typing import Annotated, List, Optional

_GC_WAS_ENABLED = gc.isenabled()
gc.disable()  # importing typer and declaring commands allocates thousands of objects: collecting midway is waste (~3 ms)

import typer


from sinorus import __version__, i18n, streams
from sinorus.errors import OutputClosed, SinorusError
from sinorus.i18n import N_, _, ngettext

app = typer.Typer(
    name="sinorus",
    help="A cited timeline and fact lookup for China–Russia relations, built from five articles.",
    epilog="Every answer carries its source. Run 'sinorus COMMAND --help' for examples.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,  # sinorus' own --install-completion/--show-completion [SHELL] below
)
cache_app = typer.Typer(help="Inspect or clear the compiled cache of the data files.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


# --- shared option types ---------------------------------------------------------


def _data_option(ctx: typer.Context) -> Optional[str]:
    """The data to use: --data after the command name, else before it (or $SINORUS_DATA)."""
    if ctx.meta.get("sinorus.data"):
        return ctx.meta["sinorus.data"]
    root = ctx.find_root()
    return (root.params or {}).get("data") or (root.obj or {}).get("data")


# The --data of this run and where it came from ("--data" or "SINORUS_DATA"), for error hints.
_DATA_IN_USE: dict = {}


def _note_data(ctx: typer.Context, param, value: Optional[str]) -> Optional[str]:
    """Remember a --data given before or after the command name (and whether it came from the environment)."""
    if value:
        source = ctx.get_parameter_source(param.name) if param.name else None
        _DATA_IN_USE.update(path=value, via="SINORUS_DATA" if source is not None and source.name == "ENVIRONMENT" else "--data")
        if ctx.parent is not None:  # after the command name: it wins over one before it
            ctx.meta["sinorus.data"] = value
    return value


# --- shell completion scripts: --show-completion [SHELL], --install-completion [SHELL] ------------

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
_DETECT = "auto"  # the value given to a completion option written without a shell


def _completion_shell_args(args: List[str]) -> List[str]:
    """`--show-completion` / `--install-completion` without a shell get one to detect.

    click options cannot take an optional value, so the value is made explicit before parsing,
    among the options before the command name only.
    """
    out = list(args)
    i = 0
    while i < len(out) and out[i].startswith("-"):
        if out[i] in ("--show-completion", "--install-completion") and (i + 1 == len(out) or out[i + 1].startswith("-")):
            out.insert(i + 1, _DETECT)
            i += 1
        elif out[i] == "--data":
            i += 1
        i += 1
    return out


def _completion_shell(value: str) -> str:
    from sinorus.errors import UsageError

    if value == _DETECT:
        from typer._completion_shared import _get_shell_name

        value = _get_shell_name() or ""
        if value not in SHELLS:
            what = _("cannot tell which shell this is ({shell})").format(shell=value) if value else _("cannot tell which shell this is")
            raise UsageError(what, _("name it: --show-completion {shells}").format(shells="|".join(SHELLS[:4])))
    if value not in SHELLS:
        raise UsageError(_("Invalid value for the shell: {value}").format(value=repr(value)), _("choose from {choices}").format(choices=", ".join(SHELLS)))
    return value


def _completion_script(shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name="sinorus", complete_var="_SINORUS_COMPLETE", shell=shell)


def _show_completion(ctx: typer.Context, param, value: Optional[str]) -> None:
    if value is None or ctx.resilient_parsing:
        return
    sys.stdout.write(_completion_script(_completion_shell(value)) + "\n")
    raise typer.Exit()


def _install_completion(ctx: typer.Context, param, value: Optional[str]) -> None:
    """Install the script as typer does, but never append to an rc file twice: typer adds a blank
    line to ~/.bashrc at every install (and PowerShell's profile gets the whole script again)."""
    if value is None or ctx.resilient_parsing:
        return
    shell = _completion_shell(value)
    if shell == "bash":
        path = _install_bash()
    else:
        from typer._completion_shared import install

        if shell in ("powershell", "pwsh"):
            path = _install_once(shell)
        else:
            path = install(shell=shell, prog_name="sinorus", complete_var="_SINORUS_COMPLETE")[1]
    sys.stdout.write(_("{shell} completion installed in {path}").format(shell=shell, path=path) + "\n" + _("Completion will take effect once you restart the terminal") + "\n")
    raise typer.Exit()


def _install_bash():
    """~/.bash_completions/sinorus.sh, sourced from ~/.bashrc by one line added only once."""
    from pathlib import Path

    script = Path.home() / ".bash_completions" / "sinorus.sh"
    rc = Path.home() / ".bashrc"
    line = f"source '{script}'"
    text = rc.read_text(encoding="utf-8") if rc.is_file() else ""
    if line not in text.splitlines():
        rc.parent.mkdir(parents=True, exist_ok=True)
        with rc.open("a", encoding="utf-8") as f:
            f.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(_completion_script("bash") + "\n", encoding="utf-8")
    return script


def _install_once(shell: str):
    """PowerShell: typer appends the script to the profile; do it only if the profile lacks it."""
    import subprocess
    from pathlib import Path

    from typer._completion_shared import install

    found = subprocess.run([shell, "-NoProfile", "-Command", "echo", "$profile"], capture_output=True, text=True)
    profile = Path(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip() else None
    if profile is not None and profile.is_file() and _completion_script(shell) in profile.read_text(encoding="utf-8", errors="replace"):
        return profile
    return install(shell=shell, prog_name="sinorus", complete_var="_SINORUS_COMPLETE")[1]


def _no_pager(ctx: typer.Context, param, value: bool) -> bool:
    """--no-pager: what the run has written so far (nothing, or help) goes out now, and the rest directly."""
    if value and "sinorus.output.pager" in sys.modules:
        sys.modules["sinorus.output.pager"].finish()
    return value


def _set_lang(ctx: typer.Context, param, value: Optional[str]) -> Optional[str]:
    """--lang (or SINORUS_LANG): in force since the run began (sinorus.i18n.requested reads the
    command line before click builds anything, so help is in that language too); checked here."""
    if value is not None and not ctx.resilient_parsing and i18n.normalise(value) is None:
        from sinorus.errors import UsageError

        source = ctx.get_parameter_source(param.name) if param.name else None
        option = "SINORUS_LANG" if source is not None and source.name == "ENVIRONMENT" else "--lang"
        raise UsageError(_("Invalid value for '{option}': {value}").format(option=option, value=repr(value)), _("choose from {choices}").format(choices=", ".join(i18n.LANGUAGES)))
    return value


def _lang_option(command, envvar: Optional[str] = None) -> None:
    """--lang vi|en on a command, and the command's help in the run's language."""
    from typer.core import TyperOption

    if not any(p.name == "sinorus_lang" for p in command.params):
        option = TyperOption(param_decls=["--lang", "sinorus_lang"], metavar="vi|en", expose_value=False, callback=_set_lang, is_eager=True,
                             envvar=envvar, show_envvar=envvar is not None, autocompletion=lambda ctx, args, incomplete: list(i18n.LANGUAGES),
                             help="The language of the interface: vi (Vietnamese) or en (English). Default: SINORUS_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG).")
        at = next((i + 1 for i, p in enumerate(command.params) if p.name in ("sinorus_no_pager", "no_pager")), len(command.params))
        command.params.insert(at, option)
    if i18n.current() != "en":
        from sinorus.cli.i18n_click import translate_command

        translate_command(command)


def _speak(lang: str) -> None:
    """The run's language, for our messages and for typer's and click's words."""
    i18n.use(lang)
    if lang != "en" or "sinorus.cli.i18n_click" in sys.modules:
        from sinorus.cli import i18n_click

        i18n_click.localise(lang != "en")


def _with_global_options(command) -> None:
    """--data and --no-pager after the command name too (`sinorus timeline --data x`), as gh takes
    --repo anywhere, and --lang: added to each subcommand when lazycli builds it."""
    from typer.core import TyperGroup, TyperOption

    if isinstance(command, TyperGroup):  # `cache`: its commands take --lang too
        for sub in command.commands.values():
            _lang_option(sub)
        _lang_option(command)
        return
    if any(p.name == "sinorus_data" for p in command.params):
        return
    command.params.append(TyperOption(param_decls=["--data", "sinorus_data"], metavar="PATH", expose_value=False, callback=_note_data, is_eager=True,
                                      help="A YAML file or a directory of YAML files to use instead of the bundled data (also before the command)."))
    command.params.append(TyperOption(param_decls=["--no-pager", "sinorus_no_pager"], is_flag=True, default=False, expose_value=False, callback=_no_pager, is_eager=True,
                                      help="Write straight to the terminal, never through a pager."))
    _lang_option(command)


def _name_data_in_use(text: Optional[str]) -> Optional[str]:
    """A hint naming the data actually in use: 'sinorus check' becomes 'sinorus --data x.yaml check'
    when --data was typed, and '--data (or SINORUS_DATA)' names the one that was set."""
    if not text or not _DATA_IN_USE:
        return text
    import re

    via = _DATA_IN_USE["via"]
    text = text.replace(_("--data (or SINORUS_DATA)"), via)
    if via == "SINORUS_DATA":
        return text.replace("--data", via)
    import shlex

    names = "|".join(re.escape(name) for name in _command_names())
    return re.sub(rf"\bsinorus (?=(?:{names})\b)", lambda m: f"sinorus --data {shlex.quote(_DATA_IN_USE['path'])} ", text)


def _command_names() -> list:
    return [info.name or info.callback.__name__ for info in app.registered_commands] + [g.name for g in app.registered_groups if isinstance(g.name, str)]


def _field_list(fields: Optional[str]) -> Optional[List[str]]:
    """--fields a,b as a list; naming no field, or one twice, is a usage error (before the data is opened)."""
    if fields is None:
        return None
    from sinorus.errors import UsageError

    chosen = [f.strip() for f in fields.split(",") if f.strip()]
    if not chosen:
        raise UsageError(_("Invalid value for '--fields': no field named"), _("name the fields to show, e.g. --fields id,date,title"))
    twice = next((f for n, f in enumerate(chosen) if f in chosen[:n]), None)
    if twice is not None:
        raise UsageError(_("Invalid value for '--fields': {field} is named twice").format(field=repr(twice)), _("name each field once"))
    return chosen


def _kb(ctx: typer.Context):
    from sinorus.index import cache

    return cache.load(_data_option(ctx))


def _engine(ctx: typer.Context):
    from sinorus.index.engine import open_engine

    return open_engine(_data_option(ctx))


def _answer(ctx: typer.Context, output, ask) -> None:
    """ask(engine) over the data's index; an index found tampered with before anything was
    written is dropped and the question asked again of the YAML (sinorus.index.engine.Engine.recovered)."""
    from sinorus.index.db import Tampered

    engine = _engine(ctx)
    try:
        ask(engine)
    except Tampered as exc:
        if output.started:  # part of the answer is out: stop, say so; the next run rebuilds
            raise engine.dropped(exc) from None
        ask(engine.recovered(exc))


def _safe_completion() -> None:
    """Make typer's shell completion hand the shell only words it cannot run or split.

    The completion scripts put candidates on the command line unquoted (bash's COMPREPLY, zsh's
    eval'd _arguments), so an alias such as $(touch x) in a data file would run with the line.
    Each shell's class is replaced by one that drops what its protocol cannot carry and, for bash,
    quotes the rest (sinorus.matching.text.completion_word): at format time, after typer has matched
    the candidates against what was typed.
    """
    from typer import _completion_classes as typer_classes
    from typer._click.shell_completion import add_completion_class

    from sinorus.matching.text import completion_word

    def safe(base, shell: str):
        class Safe(base):
            def get_completions(self, args, incomplete):
                return [item for item in super().get_completions(args, incomplete) if completion_word(item.value, shell) is not None]

            def format_completion(self, item) -> str:
                return completion_word(item.value, shell) if shell == "bash" else super().format_completion(item)

            def complete(self) -> str:
                """zsh keeps only candidates that start with the typed word: a name matched by a later
                word or without its accents ("tap" -> Tập Cận Bình) is added with `compadd -U`, which
                replaces the word, each candidate single-quoted for the eval."""
                if shell != "zsh":
                    return super().complete()
                args, incomplete = self.get_completion_args()
                items = self.get_completions(args, incomplete)
                if all(str.startswith(item.value, incomplete) for item in items):
                    return super().complete()
                # several: a menu of them, the typed word kept until one is chosen (zsh would otherwise
                # replace it by what they have in common, often nothing)
                menu = "; compstate[insert]=menu" if len(items) > 1 else ""
                return "compadd -U -- " + " ".join("'" + item.value.replace("'", "'\\''") + "'" for item in items) + menu

        return Safe

    for shell, base in (("bash", typer_classes.BashComplete), ("zsh", typer_classes.ZshComplete), ("fish", typer_classes.FishComplete),
                        ("powershell", typer_classes.PowerShellComplete), ("pwsh", typer_classes.PowerShellComplete)):
        add_completion_class(safe(base, shell), shell)


class _Whole(str):
    """A completion chosen because what was typed starts one of its words, offered whole.

    typer keeps only candidates that start with what was typed (it asks str.startswith), which
    would drop "Tập Cận Bình" for "tap" and "Xi Jinping" for "xi": such a candidate says yes.
    Shells show it or put it in place of the typed word (bash; zsh gets `compadd -U`, see
    _safe_completion); fish matches candidates by its own rules.
    """

    def startswith(self, prefix, *args) -> bool:  # noqa: ARG002
        return True


def names_matching(typed: str, entries: list) -> List[str]:
    """Completions for a name: (id, name to offer for nothing typed, all names) per record.

    Ids that start with what was typed, then every name, in full, that what was typed starts, or
    starts one of its words, with or without accents and case ("tap" -> Tập Cận Bình, "sho" ->
    Sergei Shoigu); names that start with it come first.
    """
    from sinorus.matching.text import fold

    if not typed:
        return [_Whole(first) for _rid, first, _names in entries]
    low, folded = typed.casefold(), fold(typed)
    ids = [rid for rid, _first, _names in entries if rid.casefold().startswith(low)]
    found: dict = {}
    for _rid, _first, names in entries:
        for name in names:
            if name not in ids and (name.casefold().startswith(low) or (folded and f" {fold(name)}".find(f" {folded}") >= 0)):
                found[name] = not (name.casefold().startswith(low) or fold(name).startswith(folded))
    return [*ids, *(_Whole(n) for n in sorted(found, key=lambda n: (found[n], fold(n), n)))]


def _complete(kind: str):
    def complete(ctx: typer.Context, incomplete: str) -> List[str]:
        try:
            kb = _kb(ctx)
        except Exception:
            return []
        if kind == "person":
            return names_matching(incomplete, [(p.id, p.name, p.names) for p in kb.people.values()])
        if kind == "topic":
            return names_matching(incomplete, [(t.id, t.id, t.names[1:]) for t in kb.topics.values()])
        if kind == "source":
            names = list(kb.sources)
        else:
            names = [rid for section in ("events", "quotes", "people", "topics", "sources", "facts") for rid in kb.section(section)]
        return [n for n in names if n.startswith(incomplete)]

    return complete


Json = Annotated[bool, typer.Option("--json", help="Write a JSON array (an object for show/who) to stdout.")]
Jsonl = Annotated[bool, typer.Option("--jsonl", help="Write one JSON object per line.")]
Csv = Annotated[bool, typer.Option("--csv", help="Write CSV (RFC 4180, UTF-8) with a header row.")]
CsvRaw = Annotated[bool, typer.Option("--csv-raw", help="With CSV: every cell byte for byte, for programs. Default: a cell starting with =, +, -, @, TAB or CR gets a leading ' so a spreadsheet shows it as text.")]
def _complete_format(ctx: typer.Context, incomplete: str) -> List[str]:
    """--format: the formats this command writes."""
    if ctx.info_name == "export":
        from sinorus.output import export

        return [n for n in export.names() if n.startswith(incomplete)]
    from sinorus.output.options import COMMAND_FORMATS, LISTING_FORMATS

    return [f for f in COMMAND_FORMATS.get(ctx.info_name or "", LISTING_FORMATS) if f.startswith(incomplete)]


def _complete_group(incomplete: str) -> List[str]:
    from sinorus.output.render import GROUPINGS

    return [g for g in GROUPINGS if g.startswith(incomplete)]


def _complete_type(incomplete: str) -> List[str]:
    """search --type: the kinds, or the plural command names when only those fit what was typed."""
    from sinorus.matching.scoring import SEARCH_TYPES

    return [t for t in SEARCH_TYPES if t.startswith(incomplete)] or [t for t in _SEARCH_TYPE_NAMES if t.startswith(incomplete)]


Format = Annotated[Optional[str], typer.Option("--format", "-f", help="table, plain, json, jsonl or csv. Default: table on a terminal, plain when piped.", autocompletion=_complete_format)]
# who, show and stats write one object: jsonl is that object on one line.
ObjectFormat = Annotated[Optional[str], typer.Option("--format", "-f", help="table, plain, json or jsonl (one line). Default: table on a terminal, plain when piped.", autocompletion=_complete_format)]
Fields = Annotated[Optional[str], typer.Option("--fields", help="Comma-separated fields to output, e.g. id,date,title.")]
From = Annotated[Optional[str], typer.Option("--from", help="Start: 2019, 2019-06, 'Feb 2022', 'tháng 2 năm 2022'. The whole period counts.")]
To = Annotated[Optional[str], typer.Option("--to", help="End, inclusive: --to 2022 means through 2022-12-31.")]
Topic = Annotated[Optional[str], typer.Option("--topic", "-t", help="Topic id, label or alias in any language (SCO, ШОС, Tổ chức Hợp tác Thượng Hải).", autocompletion=_complete("topic"))]
Limit = Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Show at most N results.")]
On = Annotated[Optional[str], typer.Option("--on", help="Only events overlapping this period (a year, a month or a day).")]
Who = Annotated[Optional[str], typer.Option("--who", "-p", help="Only events with this person (any spelling).", autocompletion=_complete("person"))]
SourceFilter = Annotated[Optional[str], typer.Option("--source", "-s", help="Only events citing this source id.", autocompletion=_complete("source"))]
Strict = Annotated[bool, typer.Option("--strict", help="Keep only events lying wholly inside the range (default: overlapping it).")]


def _output(json_: bool = False, jsonl: bool = False, csv_: bool = False, fmt: Optional[str] = None, fields: Optional[str] = None, csv_raw: bool = False,
            command: Optional[str] = None):
    """How to write: the format (refused, naming the ones it can write, when `command` cannot write it), fields, terminal."""
    from sinorus.errors import UsageError
    from sinorus.output.options import Output, choose_format

    chosen = _field_list(fields)
    format_ = choose_format(json_, jsonl, csv_, fmt, command)
    if csv_raw and format_ != "csv":
        raise UsageError(_("--csv-raw applies to csv only, not {format}").format(format=format_), _("add --csv, or drop --csv-raw"))
    return Output(format_, chosen, None, streams.stdout_is_terminal(), csv_raw)


# --- commands ----------------------------------------------------------------------


# The order the version line counts records in (what a reader looks for first), and each one's singular.
_VERSION_ORDER = {"events": "event", "quotes": "quote", "people": "person", "topics": "topic", "facts": "fact", "sources": "source"}


def _version(ctx: typer.Context, value: bool) -> None:
    """`sinorus -V`: the program and the data it answers from (records by type, newest event).

    Not eager, so that --data (eager) is known wherever it stands on the line.
    """
    if not value:
        return
    try:
        counts, newest = _data_summary(ctx.params.get("data"))
    except SinorusError as exc:  # the version is still the answer; the data's problem is a note
        sys.stdout.write(f"sinorus {__version__}\n")
        streams.note(_("the data cannot be read: {problem}").format(problem=exc.message))
        raise typer.Exit()
    from sinorus.kb.paths import bundled_root, data_location

    where = data_location(ctx.params.get("data"))
    label = _("data") if where == bundled_root() / "data" else _("data at {path}").format(path=where)
    records = ", ".join(i18n.counted(one, counts.get(name, 0)) for name, one in _VERSION_ORDER.items())
    if newest and i18n.current() != "en":
        from sinorus.matching.dates import PartialDate

        newest = i18n.partial_date(PartialDate.parse(newest))
    last = _("; newest event {date}").format(date=newest) if newest else ""
    sys.stdout.write(f"sinorus {__version__} ({label}: {records}{last})\n")
    raise typer.Exit()


def _data_summary(data: Optional[str]) -> tuple:
    """(records per section, date of the newest event already over) from the compiled index when
    there is a current one (a few milliseconds), else from the loaded knowledge base.

    Scheduled events (an anniversary later this year) are not the data's news, so the newest
    event is the latest-starting one whose period has ended by today.
    """
    import datetime

    from sinorus.index import db as ix
    from sinorus.index.engine import open_engine
    from sinorus.index.stats import counts

    today = datetime.date.today().toordinal()
    engine = open_engine(data)
    events = ix.SECTION_NO["events"]
    row = None
    for where in ("AND stop <= ?", ""):  # nothing over yet: the newest at all
        row = engine.con.execute(f"SELECT body FROM records WHERE section = {events} {where} ORDER BY start DESC, prec DESC, id DESC LIMIT 1", (today,) if where else ()).fetchone()
        if row:
            break
    import json

    return counts(engine), json.loads(row[0])["date"] if row else None


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[Optional[str], typer.Option("--data", envvar="SINORUS_DATA", metavar="PATH", is_eager=True, callback=_note_data, help="A YAML file or a directory of YAML files to use instead of the bundled data (also after the command).", show_envvar=True)] = None,
    no_pager: Annotated[bool, typer.Option("--no-pager", is_eager=True, callback=_no_pager, help="Write straight to the terminal, never through a pager ($SINORUS_PAGER, $PAGER or less).")] = False,
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, help="Print the version and what the data holds, and exit.")] = False,
    install_completion: Annotated[Optional[str], typer.Option("--install-completion", metavar="[SHELL]", is_eager=True, callback=_install_completion, help="Install completion for SHELL (bash, zsh, fish, powershell) or the current shell; again, it changes nothing more.")] = None,
    show_completion: Annotated[Optional[str], typer.Option("--show-completion", metavar="[SHELL]", is_eager=True, callback=_show_completion, help="Print the completion script for SHELL or the current shell, to copy it or customize the installation.")] = None,
) -> None:
    """A cited timeline and fact lookup for China–Russia relations, built from five articles."""
    ctx.obj = {"data": data}


@app.command()
def timeline(
    ctx: typer.Context,
    date_from: From = None,
    date_to: To = None,
    on: On = None,
    topic: Topic = None,
    who: Who = None,
    source: SourceFilter = None,
    strict: Strict = False,
    limit: Limit = None,
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="Newest first.")] = False,
    group: Annotated[Optional[str], typer.Option("--group", "-g", help="year: a heading before each year in table and plain output (JSON and CSV unchanged).", autocompletion=_complete_group)] = None,
    json_: Json = False, jsonl: Jsonl = False, csv_: Csv = False, csv_raw: CsvRaw = False, fmt: Format = None, fields: Fields = None,
) -> None:
    """Events in date order, filtered by date, topic, person or source.

    \b
    Examples:
      sinorus timeline --from 2019
      sinorus timeline --from "Feb 2022" --to 2022 --topic SCO
      sinorus timeline --on 2021-05 --strict
      sinorus timeline --who "Vuong Nghi" --json | jq '.[].title'
    """
    from sinorus.output.present import listing

    output = _output(json_, jsonl, csv_, fmt, fields, csv_raw)
    q = _event_query(date_from, date_to, on, strict, topic, who, source, limit=limit, reverse=reverse)
    _answer(ctx, output, lambda engine: listing(engine.events(q), output, engine, group=group))


def _event_query(date_from, date_to, on, strict, topic, who, source, **order):
    """The Query that timeline's (and export's) filter options describe; dates read first: bad dates fail fast."""
    from sinorus.matching.dates import build_range
    from sinorus.index.engine import Query

    return Query(dates=build_range(date_from, date_to, on, strict), topic=topic, person=who, source=source, **order)


@app.command()
def who(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name in any script or spelling: Shoigu, Шойгу, 'Vuong Nghi', 习近平.", autocompletion=_complete("person"))],
    on: Annotated[Optional[str], typer.Option("--on", help="Show the roles held on this date or during this period.")] = None,
    json_: Json = False, fmt: ObjectFormat = None,
) -> None:
    """A person: names in every script, roles with dates, events and quotes.

    \b
    Examples:
      sinorus who Shoigu
      sinorus who "Vuong Nghi" --on 2023
      sinorus who Шойгу --json | jq '.roles'
    """
    from sinorus.matching.dates import parse_user_date
    from sinorus.output.present import profile

    output = _output(json_, fmt=fmt, command="who")
    span = parse_user_date(on, "--on") if on is not None else None
    _answer(ctx, output, lambda engine: profile(engine.who(name, span), output, engine))


@app.command()
def quote(
    ctx: typer.Context,
    text: Annotated[Optional[str], typer.Argument(help="Words to look for in the quote or its translation.")] = None,
    topic: Topic = None,
    speaker: Annotated[Optional[str], typer.Option("--speaker", "-p", help="Only quotes by this person (any spelling).", autocompletion=_complete("person"))] = None,
    date_from: From = None,
    date_to: To = None,
    limit: Limit = None,
    json_: Json = False, jsonl: Jsonl = False, csv_: Csv = False, csv_raw: CsvRaw = False, fmt: Format = None, fields: Fields = None,
) -> None:
    """Quotes, verbatim as the article prints them, with translation and source.

    \b
    Examples:
      sinorus quote --topic SCO
      sinorus quote --speaker Lavrov --from 2024
      sinorus quote "an ninh" --json
    """
    from sinorus.matching.dates import build_range
    from sinorus.index.engine import Query
    from sinorus.output.present import listing

    output = _output(json_, jsonl, csv_, fmt, fields, csv_raw)
    q = Query(dates=build_range(date_from, date_to), topic=topic, person=speaker, text=text, limit=limit)
    _answer(ctx, output, lambda engine: listing(engine.quotes(q), output, engine))


# search --type takes the listing commands' names too: --type people, --type facts.
_SEARCH_TYPE_NAMES = {"events": "event", "timeline": "event", "quotes": "quote", "people": "person", "persons": "person", "facts": "fact", "topics": "topic", "sources": "source"}


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="QUERY", help="Words, a name, a place, a figure (240.1)...")],
    type_: Annotated[Optional[List[str]], typer.Option("--type", help="Only this kind: event, quote, person, fact, topic or source, or the plural command names (people, facts...); repeatable.", autocompletion=_complete_type)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most N results.")] = 20,
    json_: Json = False, jsonl: Jsonl = False, csv_: Csv = False, csv_raw: CsvRaw = False, fmt: Format = None, fields: Fields = None,
) -> None:
    """Fuzzy full-text search over everything, best match first.

    \b
    Examples:
      sinorus search "no limits"
      sinorus search 240.1 --type fact
      sinorus search "khong gioi han" --json | jq '.[0].record.date'
    """
    from sinorus.matching.scoring import SEARCH_TYPES
    from sinorus.errors import UsageError
    from sinorus.output.present import hits

    type_ = [_SEARCH_TYPE_NAMES.get(t, t) for t in type_] if type_ else type_
    types = tuple(dict.fromkeys(type_ or SEARCH_TYPES))
    bad = [t for t in types if t not in SEARCH_TYPES]
    if bad:
        raise UsageError(_("Invalid value for '--type': {value}").format(value=repr(bad[0])), _("choose from {choices}").format(choices=", ".join(SEARCH_TYPES)))
    output = _output(json_, jsonl, csv_, fmt, fields, csv_raw)
    _answer(ctx, output, lambda engine: hits(engine.search(text, types, limit), output, engine))


@app.command()
def show(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The id of any record: event, quote, person, topic, source or fact.", autocompletion=_complete("any"))],
    json_: Json = False, fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="table, plain, json, jsonl (one line) or csv (a header and the record's row). Default: table on a terminal, plain when piped.", autocompletion=_complete_format)] = None,
) -> None:
    """One record of any type in full, with its sources and excerpts.

    \b
    Examples:
      sinorus show no-limits-joint-statement-2022-02-04
      sinorus show sergei-shoigu --json
    """
    from sinorus.output.present import record

    output = _output(json_, fmt=fmt, command="show")
    _answer(ctx, output, lambda engine: record(engine.show(record_id), output, engine))


def _complete_citing(ctx: typer.Context, incomplete: str) -> List[str]:
    """--record: the records citing the SOURCE already typed (every citing record before that).

    While an option awaits its value click leaves the arguments unparsed, in ctx.args.
    """
    try:
        from sinorus.kb import reader

        kb = _kb(ctx)
        typed = [a for a in (*(ctx.args or ()), (ctx.params or {}).get("source")) if a in kb.sources][-1:]
        ids = [r for s in (typed or kb.sources) for r, _, _ in reader.cited_passages(kb, s)]
    except Exception:
        return []
    return [r for r in dict.fromkeys(ids) if r.startswith(incomplete)]


@app.command()
def read(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="A source id (seed-002), or its title or publisher.", autocompletion=_complete("source"))],
    record: Annotated[Optional[str], typer.Option("--record", metavar="ID", help="Only the passage this record cites, with its paragraph.", autocompletion=_complete_citing)] = None,
    around: Annotated[int, typer.Option("--context", "-C", min=0, metavar="N", help="With --record: also N paragraphs before and after (like grep -C).")] = 0,
    uncited: Annotated[bool, typer.Option("--uncited", help="List the sentences no record cites.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Write one JSON object: source, paragraphs, spans (offsets into the article text).")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="table, plain, json or jsonl (one line). Default: table on a terminal, plain when piped.", autocompletion=_complete_format)] = None,
) -> None:
    """An article with each cited passage marked by its record ids.

    \b
    Piped, one paragraph a line, each cited passage as ⟦passage⟧[record-id ...].
    Outside reports, which are not bundled, print their publisher, date and URL.
    Examples:
      sinorus read seed-002
      sinorus read seed-002 --record lavrov-2024-04-09-counter-terrorism-multilateral -C 1
      sinorus read seed-002 --uncited
      sinorus read seed-002 --json | jq '.spans[0]'
    """
    from sinorus.kb import reader
    from sinorus.errors import UsageError
    from sinorus.kb.paths import data_location
    from sinorus.output.render import show_article, show_uncited

    if uncited and record is not None:
        raise UsageError(_("--uncited and --record cannot be used together"), _("use one of them"))
    if around and record is None:
        raise UsageError(_("--context needs --record"), _("e.g. sinorus read SOURCE --record ID -C 1"))
    output = _output(json_, fmt=fmt, command="read")
    engine = _engine(ctx)
    kb = engine.knowledge_base()
    article = reader.load(kb, kb.sources[engine.source_id(source, option=None)], data_location(_data_option(ctx)))
    if record is not None:
        found = engine.show(record)
        reader.check_record(kb, article, record, found.kind, found.record)
    if uncited:
        show_uncited(article, output)
    else:
        show_article(article, output, record, around)


def _listing(section: str, kind: str, help_text: str, examples: str):
    def command(
        ctx: typer.Context,
        json_: Json = False, jsonl: Jsonl = False, csv_: Csv = False, csv_raw: CsvRaw = False, fmt: Format = None, fields: Fields = None,
    ) -> None:
        from sinorus.output.present import listing

        output = _output(json_, jsonl, csv_, fmt, fields, csv_raw)
        _answer(ctx, output, lambda engine: listing(engine.listing(section), output, engine))

    command.__doc__ = f"{help_text}\n\n\b\nExamples:\n{examples}"
    return command


app.command("people")(_listing("people", "person", N_("Everyone named in the articles, with names in every script."), "  sinorus people\n  sinorus people --json | jq '.[].name'"))
app.command("topics")(_listing("topics", "topic", N_("Topics and their aliases (use any of them with --topic)."), "  sinorus topics\n  sinorus topics --csv"))
app.command("sources")(_listing("sources", "source", N_("The five articles and the outside reports they are checked against."), "  sinorus sources\n  sinorus sources --fields id,published,title"))
app.command("facts")(_listing("facts", "fact", N_("Figures: trade, tolls, counts, each with its source and excerpt."), "  sinorus facts\n  sinorus facts --json | jq '.[] | select(.unit == \"billion USD\")'"))


@app.command()
def check(
    ctx: typer.Context,
    json_: Json = False,
) -> None:
    """Validate the data and prove every quote and excerpt against its article.

    \b
    Exits 1 and lists every problem (file:line:column, record id, what is wrong).
    Examples:
      sinorus check
      sinorus --data my-events/ check
    """
    from sinorus.kb import check as checker
    from sinorus.output.render import Output, emit_object

    report = checker.run(_data_option(ctx))
    if json_:
        emit_object({"ok": report.ok, "counts": report.kb.counts(), "problems": [str(p) for p in report.problems], "articles": report.articles, "coverage": report.coverage_dict()}, Output("json"))
    elif report.ok:
        counts = ", ".join(i18n.section_count(k, n) for k, n in report.kb.counts().items())
        sys.stdout.write(_("ok: {counts}").format(counts=counts) + "\n")
        found = _("every quote and excerpt found verbatim in {cited} of {n} articles: {ids}")  # "1 of 1 articles", as scripts read it
        sys.stdout.write(found.format(cited=len(report.cited), n=len(report.articles), ids=", ".join(sorted(report.cited))) + "\n")
        sys.stdout.writelines(_("{source}: {cited} of {sentences} sentences cited ({percent}%)").format(source=c.source, cited=c.cited, sentences=c.sentences, percent=c.percent) + "\n"
                              for c in report.coverage)
    else:
        from sinorus.matching.text import strip_controls

        for p in report.problems:
            sys.stderr.write(strip_controls(str(p)) + "\n")
    if not report.ok:
        if json_:
            raise typer.Exit(1)
        raise SinorusError(ngettext("{n} problem found", "{n} problems found", len(report.problems)).format(n=len(report.problems)), _("fix them in the data files listed above"))


@cache_app.command("info")
def cache_info(json_: Json = False) -> None:
    """Where the cache lives and what it holds."""
    from sinorus.index import cache
    from sinorus.output.render import Output, emit_object

    info = cache.info()
    if json_:
        emit_object(info, Output("json"))
        return
    sys.stdout.write(_("directory: {path}").format(path=info["directory"] or _("(disabled)")) + "\n")
    sys.stdout.write(_("files: {n} ({size:,} bytes)").format(n=len(info["files"]), size=info["bytes"]) + "\n")
    for f in info["files"]:
        sys.stdout.write("  " + _("{path}  {size:,} bytes").format(path=f["path"], size=f["bytes"]) + "\n")
    stale = info["stale"]
    if stale["files"]:
        sys.stdout.write(ngettext("{n} stale temporary file ({size:,} bytes), left by a build that was killed; removed on the next build",
                                  "{n} stale temporary files ({size:,} bytes), left by builds that were killed; removed on the next build",
                                  stale["files"]).format(n=stale["files"], size=stale["bytes"]) + "\n")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete the cache; the next run rebuilds it from the YAML."""
    from sinorus.index import cache

    removed = cache.clear()
    sys.stderr.write(ngettext("removed {n} cache file", "removed {n} cache files", removed).format(n=removed) + "\n")


# --- export and stats (issue 7) ------------------------------------------------------

@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="json, jsonl, csv, yaml, md, timelinejs, html or sqlite. Default: from the -o file's extension.", autocompletion=_complete_format)] = None,
    output_file: Annotated[Optional[str], typer.Option("--output", "-o", help="Write to this file: a file is replaced atomically, keeping its mode, owner and hard links; a device or pipe is written as it is; the folder must exist. '-' or none: stdout.")] = None,
    date_from: From = None, date_to: To = None, on: On = None, strict: Strict = False,
    topic: Topic = None, who: Who = None, source: SourceFilter = None,
    bom: Annotated[bool, typer.Option("--bom", help="csv only: begin with a UTF-8 byte-order mark, which Excel needs to read accents.")] = False,
    csv_raw: CsvRaw = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an -o file even if it is read-only (its mode is kept).")] = False,
    title: Annotated[Optional[str], typer.Option("--title", help="Title of the md, html and timelinejs documents and of the sqlite database's Datasette metadata.")] = None,
) -> None:
    """Write the events (or, for yaml and sqlite, the knowledge base) as a file in another format.

    \b
    The filters are those of 'timeline'. Output is UTF-8; without -o it goes to stdout.
    yaml and sqlite without filters are the whole knowledge base (yaml loadable with
    --data); with filters, the chosen events plus every record they need. sqlite with
    -o FILE.db also writes FILE.metadata.json for Datasette.
    Examples:
      sinorus export -o timeline.html
      sinorus export --format csv --from 2022 --topic SCO > sco.csv
      sinorus export --format csv --bom -o for-excel.csv
      sinorus export --format yaml -o kb.yaml && sinorus --data kb.yaml check
      sinorus export -f md --who Lavrov
      sinorus export -o sinorus.db && datasette sinorus.db -m sinorus.metadata.json
    """
    from sinorus.output import export

    chosen = export.choose(fmt, output_file, bom, csv_raw)
    q = _event_query(date_from, date_to, on, strict, topic, who, source)
    engine = _engine(ctx)
    events = list(engine.events(q).records())
    kb = engine.knowledge_base()
    filtered = any(v is not None for v in (date_from, date_to, on, topic, who, source))
    selection = export.Selection(kb, events, filtered, title or export.DEFAULT_TITLE, bom, csv_raw)
    text = chosen(selection)
    if output_file in (None, "-"):
        export.write_stdout(text)
        return
    export.write_file(output_file, text, force)
    what = _("the knowledge base") if chosen.name in ("yaml", "sqlite") and not filtered else i18n.counted("event", len(events))
    sys.stderr.write(export.exported_line(what, chosen.name, output_file))
    beside = chosen.companion(selection, output_file) if chosen.companion else None
    if beside is not None:  # sqlite: its Datasette metadata
        export.write_file(beside[0], beside[1], force)
        sys.stderr.write(export.exported_line(_("its metadata"), "json", beside[0]))


@app.command()
def stats(
    ctx: typer.Context,
    top: Annotated[int, typer.Option("--top", min=1, help="How many people and topics to list.")] = 10,
    json_: Json = False, fmt: ObjectFormat = None,
) -> None:
    """Counts at a glance: events per year as bars, the busiest people and topics, records by type.

    \b
    Examples:
      sinorus stats
      sinorus stats --top 5
      sinorus stats --json | jq '.events_per_year'
    """
    from sinorus.output.render import show_stats

    output = _output(json_, fmt=fmt, command="stats")
    _answer(ctx, output, lambda engine: show_stats(engine.stats(top), output, engine.knowledge_base() if output.format not in ("json", "jsonl") else None))


# --- entry point ---------------------------------------------------------------------


def run(argv: Optional[List[str]] = None) -> int:
    """Run the CLI and return its exit code; every failure is one line on stderr.

    On a terminal, output taller than the screen goes through a pager (sinorus.output.pager), which
    the run waits for before it ends.
    """
    streams.prepare()
    _DATA_IN_USE.clear()
    if streams.stdout_is_terminal():  # never in a pipe: there, not even the pager module is imported
        from sinorus.output import pager

        pager.begin()
    try:
        return _run(argv)
    finally:
        if "sinorus.output.pager" in sys.modules:
            sys.modules["sinorus.output.pager"].finish()


def _run(argv: Optional[List[str]]) -> int:
    from typer._click import exceptions as click_exc

    try:
        from sinorus.cli.lazy import command_for  # builds only the subcommand this run uses

        args = _completion_shell_args(streams.readable_args(sys.argv[1:] if argv is None else argv))
        _speak(i18n.choose(args))
        command = command_for(app, _with_global_options)
        _lang_option(command, envvar="SINORUS_LANG")
        if os.environ.get("_SINORUS_COMPLETE"):  # a shell asks for completions
            _safe_completion()
        result = command(args=args, prog_name="sinorus", standalone_mode=False)
        code = result if isinstance(result, int) else 0
        sys.stdout.flush()
        return code
    except SinorusError as exc:
        return streams.fail(_name_data_in_use(exc.message), _name_data_in_use(exc.hint), exc.exit_code)
    except click_exc.NoArgsIsHelpError as exc:  # bare `sinorus`: the help is the answer
        sys.stdout.write(exc.format_message().rstrip() + "\n")
        return 0
    except click_exc.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "sinorus"
        return streams.fail(_click_message(exc), _("see '{command} --help'").format(command=command), 2)
    except typer.Exit as exc:
        return exc.exit_code
    except click_exc.ClickException as exc:
        return streams.fail(_click_message(exc), None, exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        return 130
    except (BrokenPipeError, OutputClosed):
        streams.silence_stdout()
        return 0
    except RecursionError:
        return streams.fail(_("input too deeply nested"), _("simplify the data file"), 1)
    except MemoryError:
        return streams.fail(_("out of memory"), _("try a smaller data set"), 1)
    except OSError as exc:
        return streams.fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if getattr(exc, "filename", None) else ""), None, 1)
    except Exception as exc:  # a bug: one line, and a way to report it
        if os.environ.get("SINORUS_DEBUG"):
            raise
        return streams.fail(_("unexpected {error}: {message}").format(error=type(exc).__name__, message=exc),
                            _("this is a bug in sinorus; please report it with the command you ran (SINORUS_DEBUG=1 shows the traceback)"), 1)


def _click_message(exc) -> str:
    """click's message, in Vietnamese when the run speaks it (click itself knows only English)."""
    if i18n.current() == "en":
        return exc.format_message()
    from sinorus.cli.i18n_click import click_message

    return click_message(exc.format_message())


def main() -> None:
    """Run as a program (see sinorus.launch, which sets the signal handlers first)."""
    code = run()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        streams.silence_stdout()
        code = code or 0
    except Exception:
        pass
    gc.freeze()  # the process ends here: skip the final collection of objects that die with it (~5 ms)
    raise SystemExit(code)


if _GC_WAS_ENABLED:  # the module is loaded: collect as usual from here on
    gc.enable()

"""The framework floor: a bare typer app shaped like sinorus, doing no work.

Two commands with the same kinds of parameters sinorus declares (a root callback
with an envvar option and an eager --version, Annotated optional str/int/bool
options, a repeatable list option, an argument, -h/--help, completion enabled),
run by the same interpreter. `benchmarks/bench.py` times it next to sinorus so
that ratios show what sinorus costs beyond typer itself.

    python benchmarks/bare_typer_app.py timeline --from 2019 --json
    python benchmarks/bare_typer_app.py search "no limits" --json
"""

from __future__ import annotations

import sys
from typing import Annotated, List, Optional

import typer

app = typer.Typer(
    name="bare",
    help="A bare two-command typer app.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=True,
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write("bare 0\n")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[Optional[str], typer.Option("--data", envvar="BARE_DATA", help="Data.", show_envvar=True)] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Version.")] = False,
) -> None:
    """Root options."""
    ctx.obj = {"data": data}


@app.command()
def timeline(
    date_from: Annotated[Optional[str], typer.Option("--from", help="Start.")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="End.")] = None,
    topic: Annotated[Optional[str], typer.Option("--topic", "-t", help="Topic.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Strict.")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Limit.")] = None,
    json_: Annotated[bool, typer.Option("--json", help="JSON.")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="Format.")] = None,
) -> None:
    """First command."""
    sys.stdout.write("[]\n")


@app.command()
def search(
    text: Annotated[str, typer.Argument(metavar="QUERY", help="Query.")],
    type_: Annotated[Optional[List[str]], typer.Option("--type", help="Kind (repeatable).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Limit.")] = 20,
    json_: Annotated[bool, typer.Option("--json", help="JSON.")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="Format.")] = None,
) -> None:
    """Second command."""
    sys.stdout.write("[]\n")


if __name__ == "__main__":
    app()

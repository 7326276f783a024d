"""Build the click group of a typer app lazily: only the subcommand a run uses.

typer turns every command function into a click command before parsing
anything (signature inspection, type hints, one click parameter per option):
for sinorus' dozen commands that is several milliseconds of every run, more
than a lookup itself costs. ``command_for(app)`` returns the same root group
typer would build, whose subcommands are built the first time they are looked
up: a run builds the root and one command; ``--help`` and shell completion
still see every command, in the same order, built on demand.

It leans on typer internals (``get_command_from_info``/``get_group_from_info``);
typer is pinned below 0.29 in pyproject.toml. Anything unexpected falls back to
typer's own eager ``get_command``, so the worst case is the old speed.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Callable, Iterator

import typer
import typer.main as _tm


class LazyCommands(MutableMapping):
    """name -> click command, each built by its factory on first access."""

    def __init__(self, factories: dict[str, Callable[[], Any]]) -> None:
        self._factories = factories  # keeps registration order
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._built:
            return self._built[name]
        factory = self._factories[name]  # KeyError for unknown names, as a dict
        command = self._built[name] = factory()
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._factories.setdefault(name, lambda: command)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._factories[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories


def _lazy_group(app: typer.Typer, each: Callable[[Any], None] | None = None):
    commands, groups = app.registered_commands, app.registered_groups
    short, markup, suggest = app.pretty_exceptions_short, app.rich_markup_mode, app.suggest_commands
    factories: dict[str, Callable[[], Any]] = {}
    for info in commands:
        if info.callback is None:
            return None
        name = info.name or _tm.get_command_name(info.callback.__name__)
        factories[name] = lambda info=info: _built(_tm.get_command_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup), each)
    for info in groups:
        if not info.name or isinstance(info.name, _tm.DefaultPlaceholder):
            return None  # unnamed sub-apps merge their commands: leave that to typer
        factories[info.name] = lambda info=info: _built(_tm.get_group_from_info(info, pretty_exceptions_short=short, rich_markup_mode=markup, suggest_commands=suggest), each)
    # The root alone: typer builds its callback, options and completion options.
    app.registered_commands, app.registered_groups = [], []
    try:
        root = _tm.get_command(app)
    finally:
        app.registered_commands, app.registered_groups = commands, groups
    if not isinstance(root, typer.core.TyperGroup) or root.commands:
        return None
    root.commands = LazyCommands(factories)
    return root


def _built(command: Any, each: Callable[[Any], None] | None) -> Any:
    if each is not None:
        each(command)
    return command


def command_for(app: typer.Typer, each: Callable[[Any], None] | None = None):
    """The click command for a typer app, subcommands built on first use; `each(command)` is
    called on every command and group as it is built (to add options common to all of them)."""
    try:
        group = _lazy_group(app, each)
    except Exception:
        group = None
    if group is not None:
        return group
    group = _tm.get_command(app)
    for command in getattr(group, "commands", {}).values():
        _built(command, each)
    return group

"""The message catalogue: extract the messages from the source, update the .po, compile the .mo.

    python -m sinorus.catalog           # add new messages (empty), drop obsolete ones, rewrite the .mo
    python -m sinorus.catalog --check   # exit 1 if the .po is stale, a message is untranslated or
                                        # the .mo is not the .po compiled (what tests/test_i18n.py asserts)

Messages are found by reading the source (``ast``), never by running it: the first argument
of ``_()`` and ``N_()``, both of ``ngettext()`` and ``N_plural()``, and the pieces of the help
texts typer shows (command docstrings, ``help=``/``epilog=`` of typer's options, arguments and
apps), split as ``i18n_click.help_units`` translates them. The .mo is written by the rules of
CPython's Tools/i18n/msgfmt.py (sorted keys, no hash table, little-endian), so the same .po
always gives the same bytes, with no tool outside the standard library. Not used at run time.
"""

from __future__ import annotations

import array
import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PO = PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "sinorus.po"
MO = PO.with_suffix(".mo")
HEADER = {
    "Project-Id-Version": "sinorus",
    "Language": "vi",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}
_HELP_CALLS = {"Option", "Argument", "Typer", "TyperOption"}  # their help= and epilog= are help texts
_COMMAND_DECORATORS = {"command", "callback"}  # app.command(), app.callback(): the docstring is the help


@dataclass
class Message:
    msgid: str
    plural: str | None = None
    where: list[str] = field(default_factory=list)  # files, without line numbers (they move too often)
    translation: list[str] = field(default_factory=list)  # [msgstr] or [msgstr[0], ...]
    context: str | None = None  # msgctxt, from pgettext()

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return self.context, self.msgid, self.plural


# --- extraction -------------------------------------------------------------------------


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _local_names(function: ast.AST) -> set[str]:
    """Names a function binds in its own scope (not in its comprehensions or nested functions)."""
    names: set[str] = set()
    todo = list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            if not isinstance(node, ast.Lambda):
                names.add(getattr(node, "name", ""))
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "sinorus.i18n":
            continue  # `from sinorus.i18n import _` binds the translator itself
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        todo.extend(ast.iter_child_nodes(node))
    return names


class _Extractor(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        from sinorus.cli.i18n_click import help_units

        self.path, self.help_units = path, help_units
        self.found: list[tuple[str | None, str, str | None]] = []
        self.problems: list[str] = []
        self.depth = 0  # inside a function: calls there run when used, not at import

    def add(self, msgid: str, plural: str | None = None, context: str | None = None) -> None:
        if msgid:
            self.found.append((context, msgid, plural))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and _name(deco.func) in _COMMAND_DECORATORS:
                doc = ast.get_docstring(node, clean=True)
                for unit in self.help_units(doc or ""):
                    self.add(unit)
        if "_" in _local_names(node) and any(isinstance(n, ast.Call) and _name(n.func) == "_" for n in ast.walk(node)):
            self.problems.append(f"{self.path}:{node.lineno}: {node.name} assigns '_' and also calls _(): the call would fail")
        a = node.args
        for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)  # typer's Annotated[..., typer.Option(help=...)]
        for default in [*a.defaults, *a.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        args = node.args
        if name in ("_", "N_") and args:
            if name == "_" and self.depth == 0:
                self.problems.append(f"{self.path}:{node.lineno}: _() at import time is never translated; use N_() and _() where it is used")
            if isinstance(args[0], ast.JoinedStr):
                self.problems.append(f"{self.path}:{node.lineno}: {name}() of an f-string cannot be translated; use placeholders and .format()")
            elif _text(args[0]) is not None:
                self.add(_text(args[0]))
        elif name == "pgettext" and len(args) >= 2 and _text(args[0]) is not None and _text(args[1]) is not None:
            self.add(_text(args[1]), context=_text(args[0]))
        elif name in ("ngettext", "N_plural") and len(args) >= 2:
            if any(isinstance(a, ast.JoinedStr) for a in args[:2]):
                self.problems.append(f"{self.path}:{node.lineno}: {name}() of an f-string cannot be translated")
            elif _text(args[0]) is not None and _text(args[1]) is not None:
                self.add(_text(args[0]), _text(args[1]))
        if name in _HELP_CALLS:
            for kw in node.keywords:
                if kw.arg in ("help", "epilog") and _text(kw.value) is not None:
                    for unit in self.help_units(_text(kw.value)):
                        self.add(unit)
        self.generic_visit(node)


def extract(package: Path = PACKAGE) -> tuple[list[Message], list[str]]:
    """Every message in the package's source, in order of first appearance; and mistakes found
    on the way (a translation that could never happen)."""
    messages: dict[tuple[str | None, str, str | None], Message] = {}
    problems: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        visitor = _Extractor(rel)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), rel))
        problems += visitor.problems
        for context, msgid, plural in visitor.found:
            m = messages.setdefault((context, msgid, plural), Message(msgid, plural, context=context))
            if rel not in m.where:
                m.where.append(rel)
    return list(messages.values()), problems


# --- .po files ----------------------------------------------------------------------------


def _unquote(text: str) -> str:
    body = text.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    out, i, body = [], 0, body[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    while i < len(body):
        c = body[i]
        if c == "\\":
            out.append(escapes[body[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_po(text: str) -> tuple[dict[str, str], list[Message]]:
    """The header fields and the messages of a .po file (msgctxt and fuzzy entries are not used here)."""
    messages: list[Message] = []
    entry: dict[str, str] = {}
    where: list[str] = []
    key = None

    def close() -> None:
        nonlocal entry, where
        if "msgid" in entry:
            plural = entry.get("msgid_plural")
            translation = [entry[k] for k in sorted((k for k in entry if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))] if plural is not None else [entry.get("msgstr", "")]
            messages.append(Message(entry["msgid"], plural, where, translation, entry.get("msgctxt")))
        entry, where = {}, []

    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#:"):
            if "msgid" in entry and any(k.startswith("msgstr") for k in entry):
                close()
            where += line[2:].split()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            word, _, rest = line.partition(" ")
            if word in ("msgid", "msgctxt") and any(k.startswith("msgstr") for k in entry):
                close()
            key = word
            entry[key] = _unquote(rest)
    close()
    header: dict[str, str] = {}
    if messages and messages[0].msgid == "":
        for row in messages.pop(0).translation[0].splitlines():
            name, _, value = row.partition(":")
            header[name.strip()] = value.strip()
    return header, messages


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n") + '"'


def _field(word: str, text: str) -> str:
    if "\n" not in text.rstrip("\n"):
        return f"{word} {_quote(text)}\n"
    lines = text.splitlines(keepends=True)
    return f'{word} ""\n' + "".join(_quote(line) + "\n" for line in lines)


def write_po(header: dict[str, str], messages: list[Message]) -> str:
    from sinorus.i18n import PATTERN_ARGUMENTS

    out = ["# Vietnamese messages of sinorus. Update with: python -m sinorus.catalog\n",
           'msgid ""\n', 'msgstr ""\n']
    out += [_quote(f"{k}: {v}\n") + "\n" for k, v in header.items()]
    for m in messages:
        out.append("\n")
        out.append(f"#: {' '.join(m.where)}\n")
        if m.msgid in PATTERN_ARGUMENTS:
            out.append(f"#. a pattern: use any of {', '.join('{' + a + '}' for a in sorted(PATTERN_ARGUMENTS[m.msgid]))}\n")
            out.append("#, no-python-brace-format\n")
        elif "{" in m.msgid:
            out.append("#, python-brace-format\n")
        if m.context is not None:
            out.append(_field("msgctxt", m.context))
        out.append(_field("msgid", m.msgid))
        if m.plural is None:
            out.append(_field("msgstr", m.translation[0] if m.translation else ""))
        else:
            out.append(_field("msgid_plural", m.plural))
            for i, text in enumerate(m.translation or [""]):
                out.append(_field(f"msgstr[{i}]", text))
    return "".join(out)


def compile_mo(header: dict[str, str], messages: list[Message]) -> bytes:
    """The .mo of a catalogue, byte for byte as CPython's msgfmt.py lays it out (little-endian)."""
    table = {b"": "".join(f"{k}: {v}\n" for k, v in header.items()).encode("utf-8")}
    for m in messages:
        if not any(m.translation):
            continue  # untranslated: gettext falls back to the English
        key = m.msgid if m.plural is None else f"{m.msgid}\0{m.plural}"
        if m.context is not None:
            key = f"{m.context}\x04{key}"
        table[key.encode("utf-8")] = "\0".join(m.translation).encode("utf-8")
    keys = sorted(table)
    ids = strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(table[k])))
        ids += k + b"\0"
        strs += table[k] + b"\0"
    keystart = 7 * 4 + 16 * len(keys)
    valuestart = keystart + len(ids)
    koffsets: list[int] = []
    voffsets: list[int] = []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    out = struct.pack("<Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    table_bytes = array.array("i", koffsets + voffsets)
    if sys.byteorder == "big":
        table_bytes.byteswap()
    return out + table_bytes.tobytes() + ids + strs


# --- the catalogue as a whole ---------------------------------------------------------------


def merged(found: list[Message], existing: list[Message]) -> list[Message]:
    """The source's messages in their order, each with its translation from the .po if it had one."""
    known = {m.key: m.translation for m in existing}
    out = []
    for m in found:
        blank = [""] if m.plural is None else [""]  # Vietnamese: one plural form
        out.append(Message(m.msgid, m.plural, list(m.where), list(known.get(m.key) or blank), m.context))
    return out


def problems(po: Path = PO, mo: Path = MO) -> list[str]:
    """What is wrong with the catalogue: messages missing, untranslated or obsolete, placeholders
    that differ, a .mo that is not the .po compiled, mistakes in the source."""
    found, wrong = extract()
    header, existing = parse_po(po.read_text(encoding="utf-8"))
    have = {m.key: m for m in existing}
    want = {m.key for m in found}
    wrong += [f"missing from {po.name}: {m.msgid!r}" for m in found if m.key not in have]
    wrong += [f"obsolete in {po.name}: {m.msgid!r}" for m in existing if m.key not in want]
    for m in existing:
        if not all(t.strip() for t in m.translation) or not m.translation:
            wrong.append(f"untranslated: {m.msgid!r}")
        elif any(not _placeholders_fit(m.msgid, t) for t in m.translation):
            wrong.append(f"placeholders differ: {m.msgid!r} -> {m.translation!r}")
    if not mo.is_file() or mo.read_bytes() != compile_mo(header, existing):
        wrong.append(f"{mo.name} is not {po.name} compiled: run python -m sinorus.catalog")
    return wrong


def placeholders(text: str) -> set[str]:
    import string

    return {name.split("!")[0].split(":")[0].split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _placeholders_fit(msgid: str, translation: str) -> bool:
    """The translation names the msgid's placeholders; a date pattern, any of the arguments it is
    given (a language writes a month as 2 where English writes 02, or drops a year elsewhere)."""
    from sinorus.i18n import PATTERN_ARGUMENTS

    if msgid in PATTERN_ARGUMENTS:
        return bool(placeholders(translation)) and placeholders(translation) <= PATTERN_ARGUMENTS[msgid]
    return placeholders(translation) == placeholders(msgid)


def update(po: Path = PO, mo: Path = MO) -> list[Message]:
    """Rewrite the .po with the source's messages (translations kept) and compile the .mo."""
    found, wrong = extract()
    for line in wrong:
        print(line, file=sys.stderr)
    header, existing = parse_po(po.read_text(encoding="utf-8")) if po.is_file() else (dict(HEADER), [])
    messages = merged(found, existing)
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(write_po({**HEADER, **header}, messages), encoding="utf-8")
    mo.write_bytes(compile_mo({**HEADER, **header}, messages))
    return messages


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        wrong = problems()
        for line in wrong:
            print(line)
        return 1 if wrong else 0
    if args:
        print(__doc__.split("\n\n")[1])
        return 2
    messages = update()
    empty = [m.msgid for m in messages if not all(m.translation)]
    print(f"{PO.relative_to(PACKAGE.parent)}: {len(messages)} messages, {len(empty)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

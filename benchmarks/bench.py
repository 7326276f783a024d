"""Start-up benchmark: whole processes, alternating, medians and ratios side by side.

    python benchmarks/bench.py                 # bundled data, 21 rounds
    python benchmarks/bench.py --runs 31       # more rounds
    python benchmarks/bench.py --data DIR      # another data set (e.g. from make_big.py)
    python benchmarks/bench.py --no-importtime # skip the -X importtime summary

Every round runs each command once, in an order rotated from round to round, so
that drift of the machine (frequency scaling, other load) spreads over all
commands alike. The sinorus commands run with a warm cache: each runs once,
untimed, before the first round. Ratios are medians of this run divided by the
median of `python -c pass` (the language floor) and of a bare two-command typer
app (the framework floor, benchmarks/bare_typer_app.py), all run by this
interpreter. stdout is a pipe, as in a script.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable

# (label, argv after the sinorus executable, target ratio to `python -c pass` or None, target to bare typer,
#  and optionally (a reference command's label, target ratio to it), exit code expected)
JSON_TARGET = (6.0, 1.0)  # every --json answer on the bundled data (issue 11)
SINORUS_COMMANDS = [
    ("timeline --from 2019 --json", ["timeline", "--from", "2019", "--json"], *JSON_TARGET),
    ("timeline --from 2022-02 --json", ["timeline", "--from", "2022-02", "--json"], *JSON_TARGET),
    ("who Shoigu --json", ["who", "Shoigu", "--json"], *JSON_TARGET),
    ("quote --topic SCO --json", ["quote", "--topic", "SCO", "--json"], *JSON_TARGET),
    ('search "no limits" --json', ["search", "no limits", "--json"], *JSON_TARGET),
    ("show <event> --json", ["show", "no-limits-joint-statement-2022-02-04", "--json"], *JSON_TARGET),
    ("people --json", ["people", "--json"], *JSON_TARGET),
    ("topics --json", ["topics", "--json"], *JSON_TARGET),
    ("sources --json", ["sources", "--json"], *JSON_TARGET),
    ("facts --json", ["facts", "--json"], *JSON_TARGET),
    ("stats --json", ["stats", "--json"], *JSON_TARGET),
    # a table costs at most 1.6x the same answer in JSON; plain (piped) 1.15x
    ("timeline --from 2019 (table)", ["timeline", "--from", "2019", "--format", "table"], None, None, ("timeline --from 2019 --json", 1.6)),
    ("timeline --from 2019 (plain)", ["timeline", "--from", "2019"], None, None, ("timeline --from 2019 --json", 1.15)),
    ("who Shoigu (table)", ["who", "Shoigu", "--format", "table"], None, None, ("who Shoigu --json", 1.6)),
    # dates in words cost at most 1.3x the ISO form
    ('--from "Feb 2022" --json', ["timeline", "--from", "Feb 2022", "--json"], None, None, ("timeline --from 2022-02 --json", 1.3)),
    ('--from "tháng 2 năm 2022" --json', ["timeline", "--from", "tháng 2 năm 2022", "--json"], None, None, ("timeline --from 2022-02 --json", 1.3)),
    ('--from "2022年2月" --json', ["timeline", "--from", "2022年2月", "--json"], None, None, ("timeline --from 2022-02 --json", 1.3)),
    ('--from "5 March 2024" --json', ["timeline", "--from", "5 March 2024", "--json"], None, None, ("timeline --from 2022-02 --json", 1.3)),
    ('--from "last year" --json', ["timeline", "--from", "last year", "--json"], None, None, ("timeline --from 2022-02 --json", 1.3)),
    # error paths cost at most 1.5x a normal answer
    ('who "Vladimir Lenin" (not found)', ["who", "Vladimir Lenin", "--json"], None, None, ("who Shoigu --json", 1.5), 1),
    ('--from "spring 2022" (bad date)', ["timeline", "--from", "spring 2022", "--json"], None, None, ("timeline --from 2022-02 --json", 1.5), 2),
    ("--version", ["--version"], None, None),
]


def sinorus_argv() -> list[str]:
    """The console script beside this interpreter (what users run), else `python -m sinorus`."""
    script = Path(PY).parent / "sinorus"
    if script.is_file():
        return [PY, str(script)]
    return [PY, "-m", "sinorus"]


def run_once(argv: list[str], env: dict, code: int = 0) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != code:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def importtime_summary(argv: list[str], env: dict, top: int = 15) -> str:
    """The imports of one run, biggest cumulative first (top-level packages) and biggest self times."""
    proc = subprocess.run([PY, "-X", "importtime", *argv[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    rows = []
    for line in proc.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line[len("import time:"):].split("|", 2)
        if len(parts) != 3:
            continue
        rows.append((int(parts[0]), int(parts[1]), parts[2][1:].rstrip()))  # name keeps its indent
    total_self = sum(r[0] for r in rows)
    top_level = sorted((r for r in rows if not r[2].startswith(" ")), key=lambda r: -r[1])[:top]
    by_self = sorted(rows, key=lambda r: -r[0])[:top]
    out = [f"{len(rows)} modules imported, {total_self / 1000:.1f} ms of import time in all (self times summed)", "", "top-level imports by cumulative time:"]
    out += [f"  {cum / 1000:7.1f} ms  {name.strip()}" for _, cum, name in top_level]
    by_package: dict[str, int] = {}
    for self_us, _, name in rows:
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + self_us
    out += ["", "self time by top-level package:"]
    out += [f"  {us / 1000:7.1f} ms  {name}" for name, us in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]]
    out += ["", "biggest self times:"]
    out += [f"  {s / 1000:7.1f} ms  {name.strip()}" for s, _, name in by_self]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="rounds (each runs every command once); at least 15")
    parser.add_argument("--data", help="data set to pass as --data (default: the bundled data)")
    parser.add_argument("--cache-dir", help="SINORUS_CACHE_DIR to use (default: a fresh temporary directory)")
    parser.add_argument("--no-importtime", action="store_true", help="skip the -X importtime summary")
    args = parser.parse_args(argv)
    runs = max(15, args.runs)

    tmp = None
    env = dict(os.environ)
    for name in ("SINORUS_NO_CACHE", "SINORUS_DATA", "SINORUS_DEBUG", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONPROFILEIMPORTTIME"):
        env.pop(name, None)  # measure what users run: bytecode cached, stdout buffered
    if args.cache_dir:
        env["SINORUS_CACHE_DIR"] = args.cache_dir
    else:
        tmp = tempfile.mkdtemp(prefix="sinorus-bench-")
        env["SINORUS_CACHE_DIR"] = tmp
    base = sinorus_argv() + (["--data", args.data] if args.data else [])

    commands: list[tuple] = [
        ("python -c pass", [PY, "-c", "pass"], None, None),
        ("bare typer app", [PY, str(HERE / "bare_typer_app.py"), "timeline", "--from", "2019", "--json"], None, None),
    ]
    commands += [(f"sinorus {label}", base + rest, *more) for label, rest, *more in SINORUS_COMMANDS]

    def spec(command: tuple) -> tuple:
        """(label, argv, target × pass, target × typer, (reference label, target × it) or None, exit code)."""
        label, cmd, t_pass, t_bare, *rest = command
        ref = rest[0] if rest else None
        return label, cmd, t_pass, t_bare, (f"sinorus {ref[0]}", ref[1]) if ref else None, rest[1] if len(rest) > 1 else 0

    commands = [spec(c) for c in commands]
    try:
        for _, cmd, _, _, _, code in commands:  # warm: builds the cache, fills the OS page cache
            run_once(cmd, env, code)
        times: dict[str, list[float]] = {c[0]: [] for c in commands}
        for r in range(runs):
            k = r % len(commands)
            for label, cmd, _, _, _, code in commands[k:] + commands[:k]:
                times[label].append(run_once(cmd, env, code))

        med = {label: statistics.median(ts) for label, ts in times.items()}
        floor, bare = med["python -c pass"], med["bare typer app"]
        print(f"sinorus start-up benchmark: {runs} alternating rounds, median wall time of whole processes")
        print(f"python {sys.version.split()[0]} ({PY}); typer {_typer_version()}; data: {args.data or 'bundled'}")
        print()
        print(f"{'command':<46} {'median':>9} {'min':>9} {'× pass':>8} {'× typer':>8} {'× ref':>7}  target")
        failed = []
        for label, _, t_pass, t_bare, ref, _ in commands:
            ratio_pass, ratio_bare = med[label] / floor, med[label] / bare
            ratio_ref = med[label] / med[ref[0]] if ref else None
            target, ok = "", True
            if t_pass is not None:
                ok = ratio_pass <= t_pass and ratio_bare <= t_bare
                target = f"≤ {t_pass:g}× pass, ≤ {t_bare:g}× typer"
            elif ref is not None:
                ok = ratio_ref <= ref[1]
                target = f"≤ {ref[1]:g}× {ref[0].removeprefix('sinorus ')}"
            if target:
                target += ": ok" if ok else ": MISSED"
            if not ok:
                failed.append(label)
            shown_ref = f"{ratio_ref:6.2f}×" if ratio_ref is not None else " " * 7
            print(f"{label:<46} {med[label] * 1000:7.1f}ms {min(times[label]) * 1000:7.1f}ms {ratio_pass:7.2f}× {ratio_bare:7.2f}× {shown_ref}  {target}")
        print()
        print("all targets met" if not failed else f"targets missed: {', '.join(failed)}")
        if not args.no_importtime:
            print()
            print("python -X importtime, sinorus timeline --from 2019 --json (warm cache):")
            print(importtime_summary(base + ["timeline", "--from", "2019", "--json"], env))
        return 0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _typer_version() -> str:
    try:
        from importlib.metadata import version

        return version("typer")
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())

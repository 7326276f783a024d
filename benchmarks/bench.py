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

# (label, argv after the sinorus executable, target ratio to `python -c pass` or None, target to bare typer)
SINORUS_COMMANDS = [
    ("timeline --from 2019 --json", ["timeline", "--from", "2019", "--json"], 7.0, 1.2),
    ("who Shoigu --json", ["who", "Shoigu", "--json"], 7.0, 1.2),
    ('search "no limits" --json', ["search", "no limits", "--json"], 9.0, 1.2),
    ("timeline (table)", ["timeline", "--format", "table"], None, None),
    ("--version", ["--version"], None, None),
]


def sinorus_argv() -> list[str]:
    """The console script beside this interpreter (what users run), else `python -m sinorus`."""
    script = Path(PY).parent / "sinorus"
    if script.is_file():
        return [PY, str(script)]
    return [PY, "-m", "sinorus"]


def run_once(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
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

    commands: list[tuple[str, list[str], float | None, float | None]] = [
        ("python -c pass", [PY, "-c", "pass"], None, None),
        ("bare typer app", [PY, str(HERE / "bare_typer_app.py"), "timeline", "--from", "2019", "--json"], None, None),
    ]
    commands += [(f"sinorus {label}", base + rest, t_pass, t_bare) for label, rest, t_pass, t_bare in SINORUS_COMMANDS]

    try:
        for _, cmd, _, _ in commands:  # warm: builds the cache, fills the OS page cache
            run_once(cmd, env)
        times: dict[str, list[float]] = {label: [] for label, *_ in commands}
        for r in range(runs):
            k = r % len(commands)
            for label, cmd, _, _ in commands[k:] + commands[:k]:
                times[label].append(run_once(cmd, env))

        med = {label: statistics.median(ts) for label, ts in times.items()}
        floor, bare = med["python -c pass"], med["bare typer app"]
        print(f"sinorus start-up benchmark: {runs} alternating rounds, median wall time of whole processes")
        print(f"python {sys.version.split()[0]} ({PY}); typer {_typer_version()}; data: {args.data or 'bundled'}")
        print()
        print(f"{'command':<40} {'median':>9} {'min':>9} {'× pass':>8} {'× typer':>8}  target")
        failed = []
        for label, _, t_pass, t_bare in commands:
            ratio_pass, ratio_bare = med[label] / floor, med[label] / bare
            target = ""
            if t_pass is not None:
                ok = ratio_pass <= t_pass and ratio_bare <= t_bare
                target = f"≤ {t_pass:g}× pass, ≤ {t_bare:g}× typer: {'ok' if ok else 'MISSED'}"
                if not ok:
                    failed.append(label)
            print(f"{label:<40} {med[label] * 1000:7.1f}ms {min(times[label]) * 1000:7.1f}ms {ratio_pass:7.2f}× {ratio_bare:7.2f}×  {target}")
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

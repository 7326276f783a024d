"""Scale benchmark: sinorus on generated data sets of 10k, 100k (and 1M) events.

    python benchmarks/scale.py                       # 10,000 and 100,000 events
    python benchmarks/scale.py --sizes 10000 100000 1000000
    python benchmarks/scale.py --workdir /var/tmp/sinorus-scale --runs 7

For each size: the data set is generated once with make_big.py into WORKDIR
(kept for the next time), then
- a cold run (empty cache directory: reads and validates the YAML, builds the
  index) of `timeline --from 2024 --json`;
- warm runs, alternating, of `timeline --from 2024 --json`, `who Shoigu --json`,
  `search "no limits" --json`, and for information the whole `timeline --json`
  and a misspelt search (`search "vladivostock" --json`, which needs the fuzzy
  pass over every field), and `timeline --from 2024` as plain lines (the default
  in a pipe: the knowledge base revived from the index, then rendered);
each a whole process whose stdout is a pipe read to the end, timed by wall clock,
with its peak RSS (ru_maxrss of that child alone). Prints the medians, the
targets at 100,000 events, and how each figure grows with size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable

WARM = [
    ("timeline --from 2024 --json", ["timeline", "--from", "2024", "--json"], 0.5),
    ("who Shoigu --json", ["who", "Shoigu", "--json"], 1.0),
    ('search "no limits" --json', ["search", "no limits", "--json"], 1.0),
    ("timeline --json (all)", ["timeline", "--json"], None),
    ('search "vladivostock" --json (fuzzy)', ["search", "vladivostock", "--json"], None),
    ("timeline --from 2024 (plain)", ["timeline", "--from", "2024"], None),
]
COLD_TARGET, RSS_TARGET_MB = 20.0, 300


def sinorus_argv() -> list[str]:
    script = Path(PY).parent / "sinorus"
    return [PY, str(script)] if script.is_file() else [PY, "-m", "sinorus"]


def measure(argv: list[str], env: dict) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, bytes written to stdout) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    counted = [0]
    err: list[bytes] = []

    def drain() -> None:
        while True:
            chunk = proc.stdout.read(1 << 16)
            if not chunk:
                return
            counted[0] += len(chunk)

    readers = [threading.Thread(target=drain), threading.Thread(target=lambda: err.append(proc.stderr.read()))]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)}\n{b''.join(err).decode(errors='replace')}")
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return elapsed, rss_mb, counted[0]


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def ensure_data(n: int, workdir: Path) -> tuple[Path, float | None]:
    data = workdir / f"data-{n}"
    marker = data / ".complete"
    if marker.exists():
        return data, None
    if data.exists():
        shutil.rmtree(data)
    start = time.perf_counter()
    subprocess.run([PY, str(HERE / "make_big.py"), str(n), str(data)], check=True)
    marker.write_text("ok\n")
    return data, time.perf_counter() - start


def run_size(n: int, workdir: Path, runs: int) -> dict:
    data, generated = ensure_data(n, workdir)
    cache = workdir / f"cache-{n}"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, SINORUS_CACHE_DIR=str(cache))
    for name in ("SINORUS_NO_CACHE", "SINORUS_DATA", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"):
        env.pop(name, None)
    base = sinorus_argv() + ["--data", str(data)]
    cold_s, cold_rss, _ = measure(base + WARM[0][1], env)
    times: dict[str, list[float]] = {label: [] for label, _, _ in WARM}
    rss: dict[str, float] = {label: 0.0 for label, _, _ in WARM}
    out_bytes: dict[str, int] = {}
    for r in range(runs):
        k = r % len(WARM)
        for label, args, _ in WARM[k:] + WARM[:k]:
            s, m, b = measure(base + args, env)
            times[label].append(s)
            rss[label] = max(rss[label], m)
            out_bytes[label] = b
    return {
        "events": n,
        "yaml_mb": round(sum(p.stat().st_size for p in data.glob("*.yaml")) / 2**20, 1),
        "index_mb": round(dir_mb(cache), 1),
        "generate_s": round(generated, 1) if generated is not None else None,
        "cold_s": round(cold_s, 2),
        "cold_rss_mb": round(cold_rss),
        "warm": {label: {"median_s": round(statistics.median(ts), 3), "peak_rss_mb": round(rss[label]), "stdout_kb": round(out_bytes[label] / 1024)} for label, ts in times.items()},
    }


def report(results: list[dict]) -> None:
    print(f"sinorus scale benchmark; python {sys.version.split()[0]}; warm figures are medians")
    print()
    head = f"{'events':>10} {'YAML':>8} {'index':>8} {'cold run':>9} {'cold RSS':>9}"
    print(head)
    for r in results:
        print(f"{r['events']:>10,} {r['yaml_mb']:>6.1f}MB {r['index_mb']:>6.1f}MB {r['cold_s']:>8.2f}s {r['cold_rss_mb']:>7}MB")
    print()
    for label, _, target in WARM:
        print(f"{label}" + (f"  (target at 100,000: ≤ {target:g} s)" if target else ""))
        for r in results:
            w = r["warm"][label]
            print(f"  {r['events']:>10,} events: {w['median_s']:7.3f} s  peak RSS {w['peak_rss_mb']:>5} MB  stdout {w['stdout_kb']:,} KB")
    if len(results) > 1:
        print()
        print("growth (time ratio for each size ratio):")
        for a, b in zip(results, results[1:]):
            f = b["events"] / a["events"]
            parts = [f"cold ×{b['cold_s'] / a['cold_s']:.1f}"]
            parts += [f"{label} ×{b['warm'][label]['median_s'] / a['warm'][label]['median_s']:.1f}" for label, _, _ in WARM]
            print(f"  {a['events']:,} → {b['events']:,} events (×{f:g}):")
            for part in parts:
                print(f"    {part}")
    at = [r for r in results if r["events"] == 100_000]
    if at:
        r = at[0]
        checks = [("cold run", r["cold_s"], COLD_TARGET, "s")]
        checks += [(label, r["warm"][label]["median_s"], t, "s") for label, _, t in WARM if t]
        checks += [("peak RSS (all runs)", max([r["cold_rss_mb"]] + [w["peak_rss_mb"] for w in r["warm"].values()]), RSS_TARGET_MB, "MB")]
        print()
        print("targets at 100,000 events:")
        for name, value, target, unit in checks:
            print(f"  {name:<32} {value:>8g} {unit}  (≤ {target:g} {unit}): {'ok' if value <= target else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "sinorus-scale"))
    parser.add_argument("--runs", type=int, default=5, help="warm runs of each command (median)")
    parser.add_argument("--json-out", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for n in sorted(args.sizes):
        print(f"... {n:,} events", file=sys.stderr, flush=True)
        results.append(run_size(n, workdir, max(1, args.runs)))
    report(results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

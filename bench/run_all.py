"""Run every benchmark, one after the other (they would disturb each other on two cores), then
print one summary table: each figure that has a target, against it.

    .venv/bin/python bench/run_all.py            # full run, about 6 minutes here
    .venv/bin/python bench/run_all.py --quick    # smoke run: fewer repetitions, noisier figures
    .venv/bin/python bench/run_all.py --strict   # exit status 1 when a target is missed
    .venv/bin/python bench/run_all.py --json all.json   # also every row of every benchmark, as JSON
    .venv/bin/python bench/run_all.py startup keystrokes  # only some of them
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import BENCH, ROOT, Row, machine, print_table

BENCHMARKS = ("startup", "keystrokes", "cli", "home", "memory", "engine")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", metavar="NAME", help=f"among {', '.join(BENCHMARKS)} (default: all)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions in each benchmark")
    p.add_argument("--strict", action="store_true", help="exit status 1 if any target is missed")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write every benchmark's rows as JSON")
    args = p.parse_args()
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)} (choose among {', '.join(BENCHMARKS)})")

    print(f"Machine: {machine()}")
    summary: list[Row] = []
    failed: list[str] = []
    everything: dict[str, dict] = {"machine": {"description": machine()}}
    with tempfile.TemporaryDirectory(prefix="diag-bench-") as tmp:
        for name in names:
            out = Path(tmp) / f"{name}.json"
            argv = [sys.executable, str(BENCH / f"{name}.py"), "--json", str(out)] + (["--quick"] if args.quick else [])
            print(f"\n=== {name} ===", flush=True)
            started = time.perf_counter()
            code = subprocess.run(argv, cwd=ROOT).returncode
            print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
            if code != 0 or not out.exists():
                failed.append(name)
                summary.append(Row(f"{name}: did not complete", "—", f"exit status {code}", "error"))
                continue
            result = json.loads(out.read_text())
            everything[name] = result
            for row in result["rows"]:
                if row["status"] != "info":
                    summary.append(Row(f"{name}: {row['figure']}", row["target"], row["measured"], row["status"]))

    print_table("Summary (rows with a target)", summary)
    misses = [r for r in summary if r.status != "pass"]
    print(f"\n{len(summary) - len(misses)} pass, {len(misses)} miss or error")
    if args.json is not None:
        args.json.write_text(json.dumps(everything, ensure_ascii=False, indent=1))
    return 1 if failed or (args.strict and misses) else 0


if __name__ == "__main__":
    sys.exit(main())

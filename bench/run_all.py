"""Run every benchmark, one after the other (they would disturb each other on two cores), then
print one summary table.

    .venv/bin/python bench/run_all.py            # full run, about 3 minutes here
    .venv/bin/python bench/run_all.py --quick    # smoke run: fewer repetitions, noisier figures
    .venv/bin/python bench/run_all.py --strict   # exit status 1 when a target is missed
    .venv/bin/python bench/run_all.py engine store_scale   # only some of them
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

BENCHMARKS = ("startup", "keystrokes", "engine", "store_scale", "memory")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", metavar="NAME", help=f"among {', '.join(BENCHMARKS)} (default: all)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions in each benchmark")
    p.add_argument("--strict", action="store_true", help="exit status 1 if any target is missed")
    args = p.parse_args()
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)} (choose among {', '.join(BENCHMARKS)})")

    print(f"Machine: {machine()}")
    summary: list[Row] = []
    failed: list[str] = []
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
            for row in json.loads(out.read_text())["rows"]:
                if row["status"] != "info":
                    summary.append(Row(f"{name}: {row['figure']}", row["target"], row["measured"], row["status"]))

    print_table("Summary (rows with a target)", summary)
    misses = [r for r in summary if r.status != "pass"]
    print(f"\n{len(summary) - len(misses)} pass, {len(misses)} miss or error")
    return 1 if failed or (args.strict and misses) else 0


if __name__ == "__main__":
    sys.exit(main())

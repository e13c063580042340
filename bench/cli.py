"""Command line: whole-process wall times of `diag-tui --version` and `diag-tui list` with 0,
1 000 and 10 000 saved diagnostics, and of the first `list` after an upgrade.

Each figure is one `diag-tui …` process as the user runs it (the console script next to this
interpreter), timed from just before it is spawned to its exit (`subprocess`, wall clock), its
output sent to /dev/null: interpreter start-up, imports, reading the store and its index,
printing. Median of several runs, page cache warm; the runs of the different commands
alternate. The data folders are made by bench/_stores.py (copies of 40 realistic diagnostics);
a first `list`, not counted, builds the index and the bank's cache, as on a machine where
diag-tui has listed before.

"First `list` after an upgrade": before each run, the data folder is left as a diag-tui shipped
with another bank leaves it (bench/_stores.py, `left_by_an_older_version`): its listing index
holds every row, with summaries computed from that bank, and there is no cache of the new bank.
This is what every upgrade finds, since nearly every release changes the bank or the engine:
the new version checks its bank (pydantic) and computes every summary again (the progress of
each diagnostic, and the six of each completed one) from what the index keeps of its answers.

"First `list` with the index lost": before each run, every file of the data folder but the
saved diagnostics is removed (the listing index and the bank's cache): what a damaged or
deleted index, or a version that changes the index's format, finds. Every file is parsed and
checked again. No target: reported so that the cost of a rebuild is known.

The output of both (`list --json`) is checked to be exactly the one of a warm `list`, and each
`list` to print every diagnostic.

Targets: `list` with 1 000 saved <= 150 ms above `--version`; first `list` after an upgrade
with 10 000 saved <= 3 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, Row, check, child_env, finish, info, median, parser
from _pty import diag_tui_command
from _stores import data_folder, forget_caches, left_by_an_older_version

TARGET_LIST_MS = 150.0
TARGET_UPGRADE_S = 3.0


def run(home: Path, *args: str, capture: bool = False) -> tuple[float, int, bytes]:
    """(wall seconds, peak RSS in KiB, stdout if captured) of `diag-tui ARGS` with data folder `home`."""
    with tempfile.TemporaryFile() as err:  # a file, not a pipe: nothing can block on it
        t0 = time.perf_counter()
        proc = subprocess.Popen(diag_tui_command(*args), env=child_env(home), cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=err)
        out = proc.stdout.read() if proc.stdout is not None else b""
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"diag-tui {' '.join(args)}: exit status {proc.returncode}\n{err.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss, out


def listed(home: Path) -> list[dict]:
    return json.loads(run(home, "list", "--json", capture=True)[2])


def label(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", default="0,1000,10000", help="store sizes for `list` (default 0,1000,10000)")
    p.add_argument("--runs", type=int, default=11, help="runs of each warm command (default 11; 5 for 10 000 and more)")
    p.add_argument("--upgrade-runs", type=int, default=3,
                   help="runs of the first list after an upgrade, and with the index lost (default 3)")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = 3 if args.quick else max(3, args.runs)
    upgrade_runs = 1 if args.quick else max(1, args.upgrade_runs)
    big = max(sizes)

    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-cli-"))
    walls: dict[str, list[float]] = {"version": []} | {f"list {n}": [] for n in sizes}
    rss: dict[str, list[int]] = {key: [] for key in walls}
    upgrade: list[float] = []
    upgrade_rss: list[int] = []
    rebuild: list[float] = []
    rebuild_rss: list[int] = []
    try:
        homes = {n: data_folder(workdir, n) for n in sizes}
        for n in sizes:  # builds the index and the bank's cache: not counted
            rows = listed(homes[n])
            assert len(rows) == n, f"list --json gave {len(rows)} diagnostics for {n}"
        reference = listed(homes[big])
        run(workdir, "--version")  # bytecode caches
        for i in range(runs):
            for key in walls:
                if key.startswith("list") and int(key.split()[1]) >= 10000 and i >= max(5, runs // 2):
                    continue  # the biggest store: fewer runs
                if key == "version":
                    elapsed, peak, _ = run(workdir, "--version")
                else:
                    elapsed, peak, _ = run(homes[int(key.split()[1])], "list")
                walls[key].append(elapsed)
                rss[key].append(peak)
            print(f"round {i + 1}/{runs}: " + ", ".join(f"{k} {v[-1] * 1000:.0f} ms" for k, v in walls.items()), file=sys.stderr)
        for _ in range(upgrade_runs):
            left_by_an_older_version(homes[big])
            elapsed, peak, _ = run(homes[big], "list")
            upgrade.append(elapsed)
            upgrade_rss.append(peak)
            print(f"first list after an upgrade, {label(big)}: {elapsed:.2f} s", file=sys.stderr)
            forget_caches(homes[big])
            elapsed, peak, _ = run(homes[big], "list")
            rebuild.append(elapsed)
            rebuild_rss.append(peak)
            print(f"first list with the index lost, {label(big)}: {elapsed:.2f} s", file=sys.stderr)
        left_by_an_older_version(homes[big])
        assert listed(homes[big]) == reference, "the first list after an upgrade differs from the list before it"
        forget_caches(homes[big])
        assert listed(homes[big]) == reference, "the first list with the index lost differs from the list before it"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    version = median(walls["version"]) * 1000
    rows_out: list[Row] = [info(f"`diag-tui --version` (median of {len(walls['version'])})", f"{version:.0f} ms")]
    for n in sizes:
        key = f"list {n}"
        ms = median(walls[key]) * 1000
        figure = f"`diag-tui list`, {label(n)} saved (median of {len(walls[key])})"
        rows_out.append(info(figure, f"{ms:.0f} ms, {ms - version:+.0f} ms above --version; peak RSS {median(rss[key]) / 1024:.1f} MiB"))
        if n == 1000:
            rows_out.append(check("`diag-tui list` 1 000 saved, above `--version`", ms - version, TARGET_LIST_MS, "{:.0f} ms"))
    rows_out.append(info(f"first `diag-tui list` after an upgrade, {label(big)} saved: peak RSS", f"{median(upgrade_rss) / 1024:.1f} MiB"))
    rows_out.append(check(f"first `diag-tui list` after an upgrade, {label(big)} saved (median of {len(upgrade)})",
                          median(upgrade), TARGET_UPGRADE_S, "{:.2f} s"))
    rows_out.append(info(f"first `diag-tui list` with the index lost, {label(big)} saved (median of {len(rebuild)})",
                         f"{median(rebuild):.2f} s; peak RSS {median(rebuild_rss) / 1024:.1f} MiB"))
    return finish("Command line: whole diag-tui processes (wall clock, output to /dev/null)", rows_out, args.json)


if __name__ == "__main__":
    sys.exit(main())

"""Memory: peak resident set size of whole diag-tui processes on the paths users take, against
the minimal Textual app in the same harness.

Every figure is the `ru_maxrss` that `os.wait4` gives for one unmodified process run in a
100×30 pseudo-terminal (bench/_pty.py) and quit with ctrl+q:

- home screen: `diag-tui` until the home screen's rows (or, with nothing saved, its « Aucun
  diagnostic » line) are on the terminal, then quit; data folders of 0, 1 000 and 10 000
  saved diagnostics (bench/_stores.py); a first start, not counted, builds the index and the
  bank's cache;
- a whole diagnostic: `diag-tui start --organisation X`, every question answered ("1", tick
  then Enter on the multiple-choice one) up to the results screen, then quit (bench/keystrokes.py
  does the walk);
- the minimal app (`_launch_minimal.py`): started until its question is shown, then quit (the
  reference for the home screen); and walked through as many answers as diag-tui's walk (the
  reference for the whole diagnostic).

Median of several runs. The very first session on a machine (empty data folder: the bank is
checked by pydantic) is reported apart.

Targets: home screen with 1 000 saved <= 1.3 × the minimal app; whole diagnostic <= 1.3 × the
minimal app's walk.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
from pathlib import Path

from _common import Row, check, child_env, finish, info, median, parser
from _pty import Terminal, minimal_command, minimal_words
from _stores import data_folder
from _walks import bank_facts
from home import home_run
from keystrokes import walk_diag, walk_minimal, warm_up

TARGET_RATIO = 1.3


def minimal_start(home: Path) -> int:
    """Peak RSS (KiB) of the minimal app started until its question shows, then quit."""
    with Terminal(minimal_command(), child_env(home)) as term:
        term.wait_for(minimal_words()[0])
        term.settle(0.1)
        term.quit()
    return term.peak_rss_kib


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def label(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    p.add_argument("--sizes", default="0,1000,10000", help="saved diagnostics for the home screen (default 0,1000,10000)")
    args = p.parse_args()
    runs = 1 if args.quick else max(1, args.runs)
    sizes = [int(s) for s in args.sizes.split(",")]

    facts = bank_facts([None])
    plan, first_word = facts["walks"][0], facts["first_word"]
    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-mem-"))
    home_peaks: dict[int, list[int]] = {n: [] for n in sizes}
    peaks: dict[str, list[int]] = {"minimal start": [], "minimal walk": [], "diag walk": []}
    try:
        homes = {n: data_folder(workdir, n) for n in sizes}
        for n in sizes:
            home_run(homes[n], 0, rows=n > 0)  # warm-up: index, bank cache
        walk_homes = {"diag": workdir / "walk-diag", "minimal": workdir / "walk-minimal"}
        warm_up(walk_homes, first_word)
        answered, first_session = walk_diag(plan, first_word, workdir / "first-session")  # empty data folder
        for i in range(runs):
            for n in sizes:
                home_peaks[n].append(home_run(homes[n], 0, rows=n > 0)[2])
            peaks["minimal start"].append(minimal_start(walk_homes["minimal"]))
            count, peak = walk_diag(plan, first_word, walk_homes["diag"])
            assert count == answered, (count, answered)
            peaks["diag walk"].append(peak)
            peaks["minimal walk"].append(walk_minimal(walk_homes["minimal"], answered))
            print(f"run {i + 1}/{runs}: home " + ", ".join(f"{label(n)} {mib(home_peaks[n][-1])}" for n in sizes)
                  + ", " + ", ".join(f"{k} {mib(v[-1])}" for k, v in peaks.items()), file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    # The peak RSS Linux reports for a program includes the high-water mark of the process it was
    # spawned from (carried through fork and exec): this harness must stay smaller than the programs.
    harness = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    smallest = min(min(v) for v in [*peaks.values(), *home_peaks.values()])
    if harness >= smallest:
        raise RuntimeError(f"the harness ({mib(harness)}) is not smaller than a program it measures ({mib(smallest)})")
    m_start, m_walk, d_walk = (median(peaks[k]) for k in ("minimal start", "minimal walk", "diag walk"))
    rows: list[Row] = [info(f"minimal app: started, question shown (median of {runs})", mib(m_start))]
    for n in sizes:
        peak = median(home_peaks[n])
        figure = f"home screen, {label(n)} saved: peak RSS / minimal app"
        if n == 1000:
            rows.append(info(f"home screen, {label(n)} saved (median of {runs})", mib(peak)))
            rows.append(check(figure, peak / m_start, TARGET_RATIO, "{:.2f}"))
        else:
            rows.append(info(figure, f"{mib(peak)}, {peak / m_start:.2f}"))
    rows += [
        info(f"minimal app: {answered} answers (median of {runs})", mib(m_walk)),
        info(f"diag-tui: start, {answered} answers, results (median of {runs})", mib(d_walk)),
        check("whole diagnostic: peak RSS diag-tui / minimal app", d_walk / m_walk, TARGET_RATIO, "{:.2f}"),
        info("diag-tui: very first session (empty data folder: the bank is checked)", mib(first_session)),
        info("this harness's own peak RSS (below every figure: see the code)", mib(harness)),
    ]
    return finish("Memory: peak RSS of whole processes (100x30 pty)", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())

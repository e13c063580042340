"""Home screen with many saved diagnostics: process spawned -> rows on the terminal, and the
return to the home screen.

`diag-tui` (no command: the home screen) runs unmodified in a 100×30 pseudo-terminal
(bench/_pty.py), its data folder holding 1 000 or 10 000 saved diagnostics (bench/_stores.py).
A first start, not counted, lets the index and the bank's cache be built, as on a machine where
diag-tui has run before.

- Home drawn: from just before the process is spawned to the arrival of the home screen's
  title and of a row (an organisation's name from the store) on the terminal.
- Return to the home screen: Entrée opens the highlighted diagnostic (its questions or its
  results); once that screen is still, Échap goes back; the clock runs from writing Échap to
  the arrival of the home screen's title and of a row. Several returns per process.

A lone Échap is ambiguous on a terminal (it also starts key sequences): Textual waits for
ESCDELAY (100 ms) and for its input thread's next wake-up before delivering it. That wait is the
same in every Textual application, so it is measured in the same harness on the minimal app
(Échap shows its previous question) and subtracted: the target applies to what diag-tui adds.
Both the raw figure and the floor are printed.

Targets (10 000 saved): home drawn <= 1 s; return to the home screen <= 100 ms (above the Échap
floor).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from _common import Row, check, child_env, finish, info, median, parser
from _pty import Terminal, diag_tui_command, minimal_command, minimal_words
from _stores import ORGANISATION, data_folder

TARGET_HOME_S = 1.0
TARGET_RETURN_MS = 100.0
TITLE = "enregistrés sur cet ordinateur"  # « Diagnostics enregistrés sur cet ordinateur »
EMPTY = "Aucun diagnostic"


def home_run(home: Path, returns: int, rows: bool = True) -> tuple[float, list[float], int]:
    """One `diag-tui` process: (seconds to rows, seconds of each Échap -> home redrawn, peak RSS KiB)."""
    shown = (TITLE, ORGANISATION) if rows else (EMPTY,)
    back: list[float] = []
    with Terminal(diag_tui_command(), child_env(home)) as term:
        drawn = term.wait_for(*shown, timeout=120) - term.spawned
        for _ in range(returns):
            term.settle(0.3, timeout=30)
            term.send("enter")
            term.settle(0.3, timeout=30)  # the diagnostic is open and its screen still
            since = term.mark()
            sent = term.send("escape")
            back.append(term.wait_for(*shown, since=since, timeout=60) - sent)
        term.settle(0.1)
        status = term.quit(timeout=60)
    if status != 0:
        raise RuntimeError(f"diag-tui exited with status {status}; screen:\n{term.tail()}")
    return drawn, back, term.peak_rss_kib


def escape_floor(home: Path, count: int) -> list[float]:
    """Échap -> repaint in the minimal app: what Textual takes to deliver a lone Échap."""
    floor: list[float] = []
    words = minimal_words()
    with Terminal(minimal_command(), child_env(home)) as term:
        term.wait_for(words[0])
        for _ in range(count):
            term.settle(0.1)
            since = term.mark()
            term.send("1")
            term.wait_for(words[1], since=since)
            term.settle(0.1)
            since = term.mark()
            sent = term.send("escape")
            floor.append(term.wait_for(words[0], since=since) - sent)
        term.quit()
    return floor


def label(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,10000", help="store sizes (default 1000,10000)")
    p.add_argument("--runs", type=int, default=3, help="processes per size (default 3)")
    p.add_argument("--returns", type=int, default=4, help="returns to the home screen per process (default 4)")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else max(1, args.runs)
    returns = 2 if args.quick else max(1, args.returns)

    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-home-"))
    drawn: dict[int, list[float]] = {n: [] for n in sizes}
    back: dict[int, list[float]] = {n: [] for n in sizes}
    peaks: dict[int, list[int]] = {n: [] for n in sizes}
    floor: list[float] = []
    try:
        homes = {n: data_folder(workdir, n) for n in sizes}
        for n in sizes:
            home_run(homes[n], 0)  # warm-up: the index, the bank's cache, bytecode
        floor += escape_floor(workdir / "minimal", 1)  # warm-up
        floor.clear()
        for i in range(runs):
            for n in sizes:
                d, b, peak = home_run(homes[n], returns)
                drawn[n].append(d)
                back[n] += b
                peaks[n].append(peak)
                print(f"run {i + 1}/{runs}, {label(n)}: home {d * 1000:.0f} ms, returns "
                      + ", ".join(f"{x * 1000:.0f}" for x in b) + " ms", file=sys.stderr)
            floor += escape_floor(workdir / "minimal", returns)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    floor_ms = median(floor) * 1000
    rows: list[Row] = [info(f"minimal app: Échap -> repaint, Textual's floor (median, n={len(floor)})", f"{floor_ms:.0f} ms")]
    for n in sizes:
        home_s = median(drawn[n])
        back_ms = median(back[n]) * 1000
        name = label(n)
        rows.append(info(f"{name} saved: Échap -> home redrawn, raw (median, n={len(back[n])}; max)",
                         f"{back_ms:.0f} ms; {max(back[n]) * 1000:.0f} ms"))
        rows.append(info(f"{name} saved: peak RSS of the process (median of {len(peaks[n])})", f"{median(peaks[n]) / 1024:.1f} MiB"))
        if n >= 10000:
            rows.append(check(f"{name} saved: home drawn, spawn -> rows on the terminal (median of {len(drawn[n])})",
                              home_s, TARGET_HOME_S, "{:.2f} s"))
            rows.append(check(f"{name} saved: return to the home screen, above the Échap floor", back_ms - floor_ms,
                              TARGET_RETURN_MS, "{:.0f} ms"))
        else:
            rows.append(info(f"{name} saved: home drawn, spawn -> rows on the terminal (median of {len(drawn[n])})",
                             f"{home_s:.2f} s"))
            rows.append(info(f"{name} saved: return to the home screen, above the Échap floor", f"{back_ms - floor_ms:.0f} ms"))
    return finish("Home screen: whole diag-tui process in a 100x30 pty", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())

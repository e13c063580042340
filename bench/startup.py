"""Start-up: process spawned -> first question's text written to the terminal, for
`diag-tui start --organisation X`, against a minimal Textual app in the same harness.

Both run unmodified in a 100×30 pseudo-terminal (bench/_pty.py). The clock starts just before
the process is spawned and stops when the bytes of the first question's text have been read
from the terminal (a word of that text, found in the output once escape sequences are removed):
interpreter start-up, imports, loading the bank, creating and saving the diagnostic, mounting
and every frame until the question itself is written. The reference, `_launch_minimal.py`
(header, a question's text, a RadioSet of four options, footer), is timed the same way, to its
own question's text. Then ctrl+q quits each (exit status 0 required).

The two alternate, N runs each after one warm-up run each (not counted: it writes the bytecode
caches and, for diag-tui, the data folder and its cache of the checked bank, as on a machine
where diag-tui has run before). All runs of one kind share that data folder (each start adds a
diagnostic). The very first start, with an empty data folder (the bank is checked), is
reported apart.

Target: median(diag-tui) / median(minimal) <= 1.25.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from _common import Row, check, child_env, finish, info, median, parser
from _pty import Terminal, diag_tui_command, minimal_command, minimal_words, plain
from _walks import bank_facts

TARGET_RATIO = 1.25


def command(kind: str, profile: Path | None = None) -> list[str]:
    argv = diag_tui_command("start", "--organisation", "X") if kind == "diag" else minimal_command()
    if profile is not None:  # python -m cProfile -o FILE script args
        argv = [argv[0], "-m", "cProfile", "-o", str(profile), *argv[1:]]
    return argv


def launch(kind: str, home: Path, word: str, profile: Path | None = None) -> tuple[float, float]:
    """One start: (seconds to the question's text, seconds to the first byte of any frame)."""
    with Terminal(command(kind, profile), child_env(home)) as term:
        arrived = term.wait_for(word)
        term.settle(0.05)
        status = term.quit()
    if status != 0:
        raise RuntimeError(f"{kind}: exit status {status}; screen:\n{term.tail()}")
    first_text = next((when for end, when in term.arrivals if plain(bytes(term.raw[:end])).strip()), arrived)
    return arrived - term.spawned, first_text - term.spawned


def spread(values: list[float]) -> str:
    return f"{median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def profile_run(kind: str, word: str, top: int = 40) -> int:
    import pstats

    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-startup-"))
    try:
        home = workdir / "home"
        launch(kind, home, word)  # warm-up
        out = workdir / "profile.out"
        elapsed, _ = launch(kind, home, word, profile=out)
        print(f"{kind}: {elapsed * 1000:.0f} ms under cProfile (slower than without)")
        stats = pstats.Stats(str(out))
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=20, help="measured runs of each (default 20, at least 5)")
    p.add_argument("--profile", choices=("diag", "minimal"), help="run one start-up under cProfile and print the top functions")
    args = p.parse_args()
    runs = 5 if args.quick else max(5, args.runs)
    words = {"diag": bank_facts()["first_word"], "minimal": minimal_words()[0]}
    if args.profile:
        return profile_run(args.profile, words[args.profile])

    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-startup-"))
    times: dict[str, list[float]] = {"minimal": [], "diag": []}
    frames: dict[str, list[float]] = {"minimal": [], "diag": []}
    first_starts: list[float] = []
    try:
        homes = {kind: workdir / f"home-{kind}" for kind in times}
        for kind in ("minimal", "diag"):  # warm-up: bytecode caches, page cache, data folder; not counted
            launch(kind, homes[kind], words[kind])
        for i in range(runs):
            order = ("minimal", "diag") if i % 2 == 0 else ("diag", "minimal")
            for kind in order:
                question, frame = launch(kind, homes[kind], words[kind])
                times[kind].append(question)
                frames[kind].append(frame)
            print(f"run {i + 1}/{runs}: minimal {times['minimal'][-1] * 1000:.0f} ms, diag {times['diag'][-1] * 1000:.0f} ms",
                  file=sys.stderr)
        for n in range(1 if args.quick else 3):  # the very first start on a machine: empty data folder
            first_starts.append(launch("diag", workdir / f"home-first-{n}", words["diag"])[0])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    m_min, m_diag = median(times["minimal"]), median(times["diag"])
    rows: list[Row] = [
        info(f"minimal app: its question's text on the terminal (median of {runs})", spread(times["minimal"])),
        info(f"diag-tui start: first question's text on the terminal (median of {runs})", spread(times["diag"])),
        info("difference of medians", f"{(m_diag - m_min) * 1000:+.0f} ms"),
        info("first text of any kind on the terminal, minimal / diag-tui (medians)",
             f"{median(frames['minimal']) * 1000:.0f} / {median(frames['diag']) * 1000:.0f} ms"),
        info(f"diag-tui start with an empty data folder (first start, median of {len(first_starts)})",
             f"{median(first_starts) * 1000:.0f} ms"),
        check("start-up ratio diag-tui / minimal", m_diag / m_min, TARGET_RATIO, "{:.2f}"),
    ]
    return finish("Start-up: spawn -> question's text on the terminal (100x30 pty)", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())

"""Keystroke latency: answer key written to the terminal -> next question's text written back,
over full walks of the real bank in `diag-tui start`, against the minimal Textual app in the same
harness.

Both run unmodified in a 100×30 pseudo-terminal (bench/_pty.py). Once a question is on the
screen, the harness writes the answer key to the terminal and stops the clock when a word of
the next question's text has been read back (escape sequences removed; a word that the screen
before did not show and that the next question's options and the theme names do not contain).
So a figure covers: the terminal and Textual's input thread, the key binding, saving the answer
(atomic write, two fsyncs: kept, an answer must survive a power cut), working out the next
question, layout, rendering and writing the frame, up to the question's own text. The harness
works out which question comes next with the engine (`applicable_questions`), as the screen
does: a wrong guess would time out, not pass.

Keys are at least 60 ms apart (a fast typist) and each waits for the screen to be still (nothing
written for 50 ms): the second frame Textual paints after a change is not counted in the next
key. Walk 1 presses "1" on every question; the others pick a random valid digit (seeded), so
follow-up questions and context rules are exercised. On the multiple-choice question "1" ticks an
option (timed apart: the tick written back), then Enter validates (timed with the answers). The
last answer opens the results (timed apart: until their title is written).

The reference is `_launch_minimal.py`: key "1" saves the answer the same way (atomic write, two
fsyncs) and shows the next of its texts; timed the same way, as many keys as the diag-tui walk.
The walks alternate: diag-tui, minimal, diag-tui, …

Targets: median <= 16 ms; median(diag-tui) / median(minimal) <= 1.1.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import Row, check, child_env, finish, info, median, parser, percentile
from _pty import Terminal, diag_tui_command, minimal_command, minimal_words
from _walks import RESULTS_TITLE, bank_facts

TARGET_MEDIAN_MS = 16.0
TARGET_RATIO = 1.1
GAP_S = 0.060
QUIET_S = 0.050

MAIN, TOGGLE, RESULTS = "answer -> next question", "tick (multiple choice)", "last answer -> results"


class Pacer:
    """Writes keys no closer than GAP_S, each once the screen is still."""

    def __init__(self, term: Terminal):
        self.term = term
        self.last = 0.0

    def press(self, key: str, *patterns, timeout: float = 10.0) -> float:
        """Seconds from writing `key` to the arrival of `patterns` (all of them) after it."""
        self.term.settle(QUIET_S)
        wait = self.last + GAP_S - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        since = self.term.mark()
        self.last = sent = self.term.send(key)
        return self.term.wait_for(*patterns, since=since, timeout=timeout) - sent


def walk_diag(plan: list, first_word: str, home: Path, samples: dict[str, list[float]] | None = None) -> tuple[int, int]:
    """One full walk of `diag-tui start` in `home` along `plan` (bench/_walks.py); returns
    (answers given, peak RSS in KiB)."""
    samples = samples if samples is not None else {MAIN: [], TOGGLE: [], RESULTS: []}
    with Terminal(diag_tui_command("start", "--organisation", "X"), child_env(home)) as term:
        term.wait_for(first_word)
        pacer = Pacer(term)
        for _qid, key, following in plan:
            if key == "enter":  # multiple choice: tick the first option, then validate
                samples[TOGGLE].append(pacer.press("1", "☑"))
            if following is None:
                samples[RESULTS].append(pacer.press(key, RESULTS_TITLE))
            else:
                samples[MAIN].append(pacer.press(key, following))
        term.settle(QUIET_S)
        status = term.quit()
    if status != 0:
        raise RuntimeError(f"diag-tui exited with status {status}; screen:\n{term.tail()}")
    return len(plan), term.peak_rss_kib


def walk_minimal(home: Path, count: int, samples: list[float] | None = None) -> int:
    """`count` answers in the minimal app; returns its peak RSS in KiB."""
    samples = samples if samples is not None else []
    words = minimal_words()
    with Terminal(minimal_command(), child_env(home)) as term:
        term.wait_for(words[0])
        pacer = Pacer(term)
        for i in range(count):
            samples.append(pacer.press("1", words[(i + 1) % len(words)]))
        term.settle(QUIET_S)
        status = term.quit()
    if status != 0:
        raise RuntimeError(f"minimal app exited with status {status}; screen:\n{term.tail()}")
    return term.peak_rss_kib


def warm_up(homes: dict[str, Path], first_word: str) -> None:
    """One start of each, not counted: bytecode caches, the data folder, the bank's cache."""
    from startup import launch

    launch("diag", homes["diag"], first_word)
    launch("minimal", homes["minimal"], minimal_words()[0])


def stats(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{median(ms):.1f} ms (p95 {percentile(ms, 95):.1f}, max {max(ms):.1f}, n={len(ms)})"


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--walks", type=int, default=4, help="full walks of each (default 4: one with '1' everywhere, then random digits)")
    args = p.parse_args()
    walks = 1 if args.quick else max(1, args.walks)

    facts = bank_facts([None, *range(1, walks)])
    samples: dict[str, list[float]] = {MAIN: [], TOGGLE: [], RESULTS: []}
    minimal: list[float] = []
    counts = []
    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-keys-"))
    try:
        homes = {kind: workdir / kind for kind in ("diag", "minimal")}
        warm_up(homes, facts["first_word"])
        runs: list[Callable[[], None]] = []
        for plan in facts["walks"]:
            runs.append(lambda plan=plan: counts.append(walk_diag(plan, facts["first_word"], homes["diag"], samples)[0]))
            runs.append(lambda: walk_minimal(homes["minimal"], counts[-1], minimal))
        for i, run in enumerate(runs):
            run()
            if i % 2:
                print(f"walk {i // 2 + 1}/{walks}: {counts[-1]} answers; medians so far: diag-tui "
                      f"{median(samples[MAIN]) * 1000:.1f} ms, minimal {median(minimal) * 1000:.1f} ms", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    m_diag, m_min = median(samples[MAIN]) * 1000, median(minimal) * 1000
    rows: list[Row] = [
        info("walks / answers per walk", f"{walks} / {', '.join(map(str, counts))} (bank of {facts['questions']} questions)"),
        info("minimal app: key -> next question written", stats(minimal)),
        info("diag-tui: answer key -> next question written", stats(samples[MAIN])),
        check(f"diag-tui: key -> next question written, median (n={len(samples[MAIN])})", m_diag, TARGET_MEDIAN_MS, "{:.1f} ms"),
        check("key -> next question ratio diag-tui / minimal (medians)", m_diag / m_min, TARGET_RATIO, "{:.2f}"),
        info(f"diag-tui: {TOGGLE} -> tick written, median", f"{median(samples[TOGGLE]) * 1000:.1f} ms"),
        info(f"diag-tui: {RESULTS} title written, median", f"{median(samples[RESULTS]) * 1000:.1f} ms"),
    ]
    return finish("Keystrokes: key written -> next question's text on the terminal (100x30 pty, real bank)", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())

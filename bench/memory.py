"""Memory: peak resident set size (ru_maxrss) of a full walk of the real bank with Pilot,
against a minimal Textual app doing comparable work, each in its own child process.

- diag-tui: the real bank loaded as the application does (`load_bank`), a session in a
  temporary DIAG_TUI_HOME, `DiagApp.run_test(size=(100, 30))`, "1" on every question (toggle
  then Enter on a multiple-choice one) up to the results.
- minimal: Header, a question Static, a RadioSet of four options and Footer, same size; as many
  questions as the walk above, each shown by updating the text and the four labels, each answer
  saved to a JSON file (atomic replace) and moving on. Its texts are the real bank's, read from
  the TOML files with tomllib, so that both hold the same strings.

The figure is the peak RSS of each child (os.wait4), median of several runs; target: ratio
diag-tui / minimal <= 1.3. As in bench/startup.py, the runs of one kind share a data folder
made by a warm-up run that is not counted (on a real machine the data folder and its cache of
the checked bank outlive each session); the warm-up's figure, the very first session on a
machine, is reported apart.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import QUESTIONS, ROOT, Row, check, child_env, finish, info, median, parser

TARGET_RATIO = 1.3


# ---- the two children ---------------------------------------------------------------------------


async def diag_walk(home: Path) -> int:
    from diag_tui.bank.cache import load_bank
    from diag_tui.session import Session
    from diag_tui.storage.store import Store
    from diag_tui.ui.app import DiagApp
    from diag_tui.ui.question import QuestionScreen

    ref = load_bank(QUESTIONS)  # DIAG_TUI_HOME is `home`: its cache/ folder
    store = Store(home)
    session = Session.start(ref, store, "Mémoire")
    app = DiagApp(ref, store, session)
    answered = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        while isinstance(app.screen, QuestionScreen):
            question = app.screen.current
            keys = ("1", "enter") if question.kind == "multiple" else ("1",)
            await pilot.press(*keys)
            answered += 1
            if answered > 200:
                raise RuntimeError("the walk does not end")
        await pilot.pause()
        assert type(app.screen).__name__ == "ResultsScreen", type(app.screen).__name__
    session.close()
    return answered


def bank_texts() -> list[tuple[str, list[str]]]:
    """(question text, first four option labels) of every question, straight from the TOML."""
    import tomllib

    out = []
    for path in sorted(QUESTIONS.glob("*.toml")):
        for q in tomllib.loads(path.read_text(encoding="utf-8")).get("questions", []):
            out.append((q["text"], [o["label"] for o in q["options"]][:4]))
    return out


async def minimal_walk(home: Path, count: int) -> int:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, RadioButton, RadioSet, Static

    texts = bank_texts()
    answers: dict[str, int] = {}
    target = home / "answers.json"
    home.mkdir(parents=True, exist_ok=True)

    class MinimalWalk(App):
        BINDINGS = [("1", "answer", "Répondre")]

        def __init__(self) -> None:
            super().__init__()
            self.index = 0

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("", id="text", markup=False)
            with RadioSet():
                for _ in range(4):
                    yield RadioButton("")
            yield Footer()

        def on_mount(self) -> None:
            self.show()

        def show(self) -> None:
            text, labels = texts[self.index % len(texts)]
            self.query_one("#text", Static).update(text)
            for button, label in zip(self.query(RadioButton), labels + [""] * 4, strict=False):
                button.label = label

        def action_answer(self) -> None:
            answers[f"q{self.index}"] = 1
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(answers), encoding="utf-8")
            os.replace(tmp, target)
            self.index += 1
            self.show()

    app = MinimalWalk()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(count):
            await pilot.press("1")
        await pilot.pause()
    return app.index


def run_child(kind: str, home: Path, count: int) -> int:
    done = asyncio.run(diag_walk(home)) if kind == "diag" else asyncio.run(minimal_walk(home, count))
    print(json.dumps({"answered": done}))
    return 0


# ---- the parent ------------------------------------------------------------------------------


def measure(kind: str, count: int, home: Path) -> tuple[int, int]:
    """(peak RSS in KiB, answers given) of one child using the data folder `home`."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, str(home), str(count)],
                            env=child_env(home), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} child failed ({proc.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    return usage.ru_maxrss, json.loads(out)["answered"]


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    p.add_argument("--child", nargs=3, metavar=("KIND", "HOME", "COUNT"), help=argparse_suppress())
    args = p.parse_args()
    if args.child:
        kind, home, count = args.child
        return run_child(kind, Path(home), int(count))
    runs = 1 if args.quick else max(1, args.runs)

    peaks: dict[str, list[int]] = {"minimal": [], "diag": []}
    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-mem-"))
    try:
        homes = {kind: workdir / kind for kind in peaks}
        first, answered = measure("diag", 0, homes["diag"])  # warm-up: empty data folder
        measure("minimal", answered, homes["minimal"])
        for i in range(runs):
            rss, done = measure("diag", 0, homes["diag"])
            assert done == answered, (done, answered)
            peaks["diag"].append(rss)
            rss, done = measure("minimal", answered, homes["minimal"])  # as many answers as the real walk
            assert done == answered, (done, answered)
            peaks["minimal"].append(rss)
            print(f"run {i + 1}/{runs}: diag {peaks['diag'][-1] / 1024:.1f} MiB, minimal {peaks['minimal'][-1] / 1024:.1f} MiB",
                  file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    m_diag, m_min = median(peaks["diag"]), median(peaks["minimal"])
    rows: list[Row] = [
        info("answers per walk (both)", str(answered)),
        info(f"minimal app: peak RSS (median of {runs})", f"{m_min / 1024:.1f} MiB"),
        info(f"diag-tui full walk: peak RSS (median of {runs})", f"{m_diag / 1024:.1f} MiB"),
        info("difference", f"{(m_diag - m_min) / 1024:+.1f} MiB"),
        info("diag-tui, very first session (empty data folder: the bank is checked)", f"{first / 1024:.1f} MiB"),
        check("peak RSS ratio diag-tui / minimal", m_diag / m_min, TARGET_RATIO, "{:.2f}"),
    ]
    return finish("Memory: peak RSS of a full walk (Pilot, 100x30)", rows, args.json)


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    sys.exit(main())

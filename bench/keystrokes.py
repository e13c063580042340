"""Keystroke latency: answer key pressed -> next question rendered, over full walks of the real
bank with Pilot (`app.run_test(size=(100, 30))`).

How a latency is taken: the key event is handed to the driver exactly as `Pilot.press` does
(but without Pilot's idle-waiting sleeps, which would be counted otherwise); the clock stops in
a `call_after_refresh` callback scheduled by the screen's `show_question`, i.e. once the new
question has been laid out, rendered by the compositor and handed to the (headless) driver.
The answer is saved (atomic write + fsync) in between, as in real use: the temporary store is
on the same disk as the user's data would be.

Keys are 60 ms apart, a fast typist's pace: Textual's screen update timer (60 fps) is then idle
when the key arrives, as it is for a person. Walk 1 presses "1" on every question; the others
pick a random valid digit (seeded), so follow-up questions and context rules are exercised.
On the multiple-choice question the digit toggles an option (measured apart), then Enter
validates. The last answer opens the results screen: measured apart too.

Target: median answer -> next question <= 16 ms.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from _common import QUESTIONS, Row, check, finish, info, median, parser, percentile

TARGET_MEDIAN_MS = 16.0
GAP_S = 0.060


async def walk(ref, store, seed: int | None, samples: dict[str, list[float]]) -> int:
    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    from diag_tui.session import Session
    from diag_tui.ui.app import DiagApp
    from diag_tui.ui.question import QuestionScreen

    rng = random.Random(seed)
    session = Session.start(ref, store, f"Bench {seed}")
    app = DiagApp(ref, store, session)
    answered = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuestionScreen), type(screen).__name__
        loop = asyncio.get_running_loop()
        state: dict[str, object] = {}

        original = screen.show_question

        def show_question(question) -> None:
            original(question)

            def painted() -> None:
                state["t1"] = time.perf_counter()
                future = state.get("future")
                if future is not None and not future.done():
                    future.set_result(None)

            screen.call_after_refresh(painted)

        screen.show_question = show_question  # the screen's own calls go through the instance attribute

        def key_event(key: str):
            """The event `Pilot.press` would send for `key` (same code as `App._press_keys`)."""
            if len(key) == 1 and not key.isalnum():
                key = _character_to_key(key)
            try:
                char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
            except KeyError:
                char = key if len(key) == 1 else None
            event = events.Key(key, char)
            event.set_sender(app)
            return event

        async def press(key: str) -> float:
            """Send one key; seconds until the screen has painted the question it shows next."""
            await asyncio.sleep(GAP_S)
            state["future"] = loop.create_future()
            event = key_event(key)
            t0 = time.perf_counter()
            app._driver.send_message(event)
            await asyncio.wait_for(state["future"], 10)
            return state["t1"] - t0

        async def press_to_other_screen(key: str) -> float:
            """The last answer: until another screen (the results) is painted."""
            await asyncio.sleep(GAP_S)
            event = key_event(key)
            t0 = time.perf_counter()
            app._driver.send_message(event)
            while app.screen is screen:
                await asyncio.sleep(0)
            done = loop.create_future()
            t1: list[float] = []
            app.screen.call_after_refresh(lambda: (t1.append(time.perf_counter()), done.set_result(None)))
            await asyncio.wait_for(done, 10)
            return t1[0] - t0

        while True:
            question = screen.current
            walk_now = screen.walk()
            is_last = walk_now[-1].id == question.id
            n = len(question.options)
            if question.kind == "multiple":
                answers = [o for o in question.options if o.kind.value == "answer"]
                digit = 1 if seed is None else rng.randrange(len(answers)) + 1
                samples["toggle (multiple choice)"].append(await press(str(digit)))
                assert screen.current.id == question.id and session.is_answered(question)
                key = "enter"
            else:
                key = "1" if seed is None else str(rng.randrange(n) + 1)
            answered += 1
            if is_last:
                samples["last answer -> results screen"].append(await press_to_other_screen(key))
                break
            latency = await press(key)
            assert screen.current.id != question.id, f"{question.id}: key {key} did not move on"
            samples["answer -> next question"].append(latency)
        if not session.result().progress.complete:
            raise AssertionError("the walk ended with unanswered questions")
    session.close()
    return answered


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--walks", type=int, default=4, help="full walks (default 4: one with '1' everywhere, then random digits)")
    args = p.parse_args()
    walks = 1 if args.quick else max(1, args.walks)

    from diag_tui.bank.referential import load_referential
    from diag_tui.storage.store import Store

    ref = load_referential(QUESTIONS)
    samples: dict[str, list[float]] = {
        "answer -> next question": [],
        "toggle (multiple choice)": [],
        "last answer -> results screen": [],
    }
    work = Path(tempfile.mkdtemp(prefix="diag-bench-keys-", dir=Path.home() if Path.home().is_dir() else None))
    counts = []
    try:
        store = Store(work / "home")
        for w in range(walks):
            counts.append(asyncio.run(walk(ref, store, None if w == 0 else w, samples)))
            print(f"walk {w + 1}/{walks}: {counts[-1]} answers", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    main_ms = [s * 1000 for s in samples["answer -> next question"]]
    rows: list[Row] = [
        info("walks / answers per walk", f"{walks} / {', '.join(map(str, counts))} (bank of {len(ref.questions)} questions)"),
        check(f"answer -> next question, median (n={len(main_ms)})", median(main_ms), TARGET_MEDIAN_MS, "{:.1f} ms"),
        info("answer -> next question, p95", f"{percentile(main_ms, 95):.1f} ms"),
        info("answer -> next question, max", f"{max(main_ms):.1f} ms"),
    ]
    for name in ("toggle (multiple choice)", "last answer -> results screen"):
        values = [s * 1000 for s in samples[name]]
        if values:
            rows.append(info(f"{name}, median (n={len(values)})", f"{median(values):.1f} ms"))
    return finish("Keystroke latency (Pilot, 100x30, real bank)", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())

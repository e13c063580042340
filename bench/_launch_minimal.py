"""Launcher for bench/startup.py: the reference, a minimal Textual app (Header, a RadioSet of
four options, Footer). Same hook as `_launch_diag.py`: once its first screen has been painted,
write the wall-clock time to the file named by DIAG_TUI_BENCH_READY and exit.
"""

from __future__ import annotations

import os
import sys
import time

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, RadioButton, RadioSet


class MinimalApp(App):
    TITLE = "minimal"

    def compose(self) -> ComposeResult:
        yield Header()
        with RadioSet():
            for label in ("Oui", "Non", "Je ne sais pas", "Non applicable"):
                yield RadioButton(label)
        yield Footer()

    def on_mount(self) -> None:
        marker = os.environ.get("DIAG_TUI_BENCH_READY")
        if not marker:
            return

        def painted() -> None:
            stamp = time.time()
            with open(marker, "w", encoding="utf-8") as handle:
                handle.write(f"{stamp!r} {type(self.screen).__name__} -\n")
            self.exit()

        self.call_after_refresh(painted)


if __name__ == "__main__":
    profile = os.environ.get("DIAG_TUI_BENCH_PROFILE")  # startup.py --profile
    if profile:
        import cProfile

        cProfile.run("MinimalApp().run()", profile)
    else:
        MinimalApp().run()
    sys.exit(0)

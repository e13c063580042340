"""Launcher for bench/startup.py: runs `diag-tui <args>` exactly as the console script does,
with one addition: once the first QuestionScreen has been painted, write the wall-clock time
to the file named by DIAG_TUI_BENCH_READY and exit.

The hook is installed by patching from here so that the application code stays untouched.
`call_after_refresh` runs its callback once the screen has no pending layout or repaint, i.e.
after the compositor has produced the frame and handed it to the driver.
"""

from __future__ import annotations

import os
import sys
import time


def install_hook(marker: str) -> None:
    from diag_tui.ui.question import QuestionScreen

    original = QuestionScreen.on_mount

    def on_mount(self) -> None:
        original(self)

        def painted() -> None:
            stamp = time.time()
            screen = type(self.app.screen).__name__
            with open(marker, "w", encoding="utf-8") as handle:
                handle.write(f"{stamp!r} {screen} {self.current.id}\n")
            self.app.exit()

        self.call_after_refresh(painted)

    QuestionScreen.on_mount = on_mount


def main() -> int:
    marker = os.environ.get("DIAG_TUI_BENCH_READY")
    if marker:
        install_hook(marker)
    from diag_tui.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    profile = os.environ.get("DIAG_TUI_BENCH_PROFILE")  # startup.py --profile
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        code = profiler.runcall(main)
        profiler.dump_stats(profile)
        sys.exit(code)
    sys.exit(main())

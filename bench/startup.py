"""Start-up: process start -> first question painted, for `diag-tui start --organisation X`,
against a minimal Textual app (Header, RadioSet of four options, Footer) measured in the same
run, alternating the two.

Both run in a pseudo-terminal of 100×30 through a launcher (`_launch_diag.py`,
`_launch_minimal.py`) that writes the wall-clock time once the first frame after mount has
been painted, then exits. The figure is that time minus the time taken just before spawning
the process, so it covers interpreter start-up, imports, loading, mounting and the first frame.
All runs of one kind share a temporary DIAG_TUI_HOME, created by a warm-up run that is not
counted (as on a real machine, where the data folder and its caches outlive each start); the
first start with an empty data folder is reported apart.

Target: median(diag-tui) / median(minimal) <= 1.25.
"""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from _common import BENCH, ROOT, Row, check, child_env, finish, info, median, parser

TARGET_RATIO = 1.25
COLUMNS, LINES = 100, 30


def launch(kind: str, workdir: Path, timeout: float = 30.0, extra_env: dict[str, str] | None = None,
           home: Path | None = None) -> float:
    """One run; returns seconds from just before spawn to the painted marker. `home`: the data
    folder to use (default: a new empty one)."""
    home = home or Path(tempfile.mkdtemp(prefix="home-", dir=workdir))
    marker = workdir / f"ready-{kind}"
    marker.unlink(missing_ok=True)
    env = child_env(home)
    env["DIAG_TUI_BENCH_READY"] = str(marker)
    env["COLUMNS"], env["LINES"] = str(COLUMNS), str(LINES)
    env.update(extra_env or {})
    if kind == "diag":
        argv = [sys.executable, str(BENCH / "_launch_diag.py"), "start", "--organisation", "X"]
    else:
        argv = [sys.executable, str(BENCH / "_launch_minimal.py")]

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    output = bytearray()
    start = time.time()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True, close_fds=True
    )
    os.close(slave)
    try:
        deadline = start + timeout
        done = False
        while time.time() < deadline:
            # Keep draining the terminal so the child never blocks on a full pty buffer.
            ready, _, _ = select.select([master], [], [], 0.005)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed its side
                    chunk = b""
                output += chunk
            if marker.exists() and marker.stat().st_size:
                done = True
            if done and proc.poll() is not None:
                break
        else:
            raise RuntimeError(f"{kind}: no painted marker within {timeout} s; output:\n{output[-2000:].decode(errors='replace')}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    stamp, screen, _ = marker.read_text().split()
    if kind == "diag" and screen != "QuestionScreen":
        raise RuntimeError(f"diag: the painted screen is {screen}, not the question screen")
    if proc.returncode != 0:
        raise RuntimeError(f"{kind}: exit code {proc.returncode}; output:\n{output[-2000:].decode(errors='replace')}")
    return float(stamp) - start


def spread(middle: float, times: list[float]) -> str:
    return f"{middle * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})"


def profile(kind: str, top: int = 40) -> int:
    import pstats

    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-startup-"))
    try:
        home = Path(tempfile.mkdtemp(prefix="home-", dir=workdir))
        launch(kind, workdir, home=home)  # warm-up
        out = workdir / "profile.out"
        elapsed = launch(kind, workdir, extra_env={"DIAG_TUI_BENCH_PROFILE": str(out)}, home=home)
        print(f"{kind}: {elapsed * 1000:.0f} ms under cProfile (slower than without)")
        stats = pstats.Stats(str(out))
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=20, help="measured runs of each (default 20, at least 10)")
    p.add_argument("--profile", choices=("diag", "minimal"), help="run one start-up under cProfile and print the top functions")
    args = p.parse_args()
    runs = 3 if args.quick else max(10, args.runs)
    if args.profile:
        return profile(args.profile)

    workdir = Path(tempfile.mkdtemp(prefix="diag-bench-startup-"))
    times: dict[str, list[float]] = {"minimal": [], "diag": []}
    first_starts: list[float] = []
    try:
        # One data folder for the series, as on a real machine: the warm-up run creates it (and
        # the caches the application keeps there); each run then adds one diagnostic.
        homes = {kind: Path(tempfile.mkdtemp(prefix=f"home-{kind}-", dir=workdir)) for kind in times}
        for kind in ("minimal", "diag"):  # warm-up: .pyc files, page cache, data folder; not counted
            launch(kind, workdir, home=homes[kind])
        for i in range(runs):
            order = ("minimal", "diag") if i % 2 == 0 else ("diag", "minimal")
            for kind in order:
                times[kind].append(launch(kind, workdir, home=homes[kind]))
            print(f"run {i + 1}/{runs}: minimal {times['minimal'][-1] * 1000:.0f} ms, diag {times['diag'][-1] * 1000:.0f} ms",
                  file=sys.stderr)
        for _ in range(3):  # the very first start on a machine: empty data folder
            first_starts.append(launch("diag", workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    m_min, m_diag = median(times["minimal"]), median(times["diag"])
    ratio = m_diag / m_min
    rows: list[Row] = [
        info(f"minimal app: first frame (median of {runs})", spread(m_min, times["minimal"])),
        info(f"diag-tui start: first question painted (median of {runs})", spread(m_diag, times["diag"])),
        info("difference of medians", f"{(m_diag - m_min) * 1000:+.0f} ms"),
        info("diag-tui start with an empty data folder (first start, median of 3)", f"{median(first_starts) * 1000:.0f} ms"),
        check("start-up ratio diag-tui / minimal", ratio, TARGET_RATIO, "{:.2f}"),
    ]
    return finish("Start-up (process start -> first frame, 100x30 pty)", rows, args.json)


if __name__ == "__main__":
    sys.exit(main())

"""A pseudo-terminal harness: run a program as a user would, and time what reaches the screen.

The program runs in a 100×30 pseudo-terminal (`os.openpty`, TERM=xterm-256color) with nothing
patched inside it. The harness reads every byte the program writes to the terminal, notes when
each chunk arrived, and finds texts in that stream once the escape sequences are removed (colours
and cursor moves sit between the words of a line, never inside a word drawn in one style). So a
figure such as "the first question is on the screen" means: the bytes of the question's text
have been written to the terminal, which is what the user's terminal draws.

Keys are written to the terminal's input as a user's terminal would send them. The process's
peak RSS comes from `os.wait4` once it has exited.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path

from _common import ROOT

COLUMNS, LINES = 100, 30

# CSI (colours, cursor moves, modes), OSC (title, links: up to BEL or ST), DCS/APC/PM/SOS strings,
# and two-byte escapes (ESC 7, ESC =, …).
_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[PX^_][^\x1b]*\x1b\\"
    rb"|\x1b[@-Z\\-_]"
    rb"|\x1b[ -/][@-~]"
)
# A sequence cut at the end of what has arrived so far: left for the next read.
_PARTIAL = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[PX^_][^\x1b]*|[ -/])?\Z")

KEYS = {"enter": b"\r", "escape": b"\x1b", "ctrl+q": b"\x11", "space": b" ", "down": b"\x1b[B", "up": b"\x1b[A"}


def plain(raw: bytes) -> str:
    """What `raw` shows as text: escape sequences removed, UTF-8 decoded (a character cut at the
    end is dropped)."""
    partial = _PARTIAL.search(raw)
    if partial:
        raw = raw[: partial.start()]
    return _ESCAPES.sub(b"", raw).decode("utf-8", errors="ignore")


class Timeout(RuntimeError):
    pass


class Terminal:
    """One program in a pseudo-terminal. Use as a context manager: the program is ended (ctrl+q,
    then SIGKILL) and reaped on exit."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], columns: int = COLUMNS, lines: int = LINES):
        self.argv, self.env = list(argv), dict(env)
        self.env.update(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(lines))
        self.columns, self.lines = columns, lines
        self.raw = bytearray()
        self.arrivals: list[tuple[int, float]] = []  # (end offset of a chunk in raw, perf_counter when read)
        self.proc: subprocess.Popen | None = None
        self.master = -1
        self.spawned = 0.0
        self.rusage = None
        self.status: int | None = None

    # ---- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> Terminal:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.lines, self.columns, 0, 0))
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env, cwd=ROOT,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.proc is not None and self.status is None:
                self.quit(timeout=5.0)
        finally:
            if self.master >= 0:
                os.close(self.master)
                self.master = -1

    def quit(self, key: str | None = "ctrl+q", timeout: float = 20.0) -> int:
        """Send `key` (ctrl+q quits diag-tui and the minimal app), drain the terminal until the
        program exits (SIGKILL after `timeout`), reap it; returns its exit status."""
        assert self.proc is not None
        if self.status is not None:
            return self.status
        if key is not None and not self._exited():
            self.send(key)
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            self._read(0.02)
            if self._exited():
                return self.status  # type: ignore[return-value]
        os.killpg(self.proc.pid, signal.SIGKILL)
        _, status, usage = os.wait4(self.proc.pid, 0)
        self._reaped(status, usage)
        raise Timeout(f"{self.argv[-1]}: did not exit within {timeout} s after {key}; screen:\n{self.tail()}")

    def _exited(self) -> bool:
        """Whether the program has exited (then reaped: its status and rusage are kept)."""
        assert self.proc is not None
        if self.status is None:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self._reaped(status, usage)
        return self.status is not None

    def _reaped(self, status: int, usage) -> int:
        assert self.proc is not None
        self.rusage = usage
        self.status = os.waitstatus_to_exitcode(status)
        self.proc.returncode = self.status  # so that Popen does not wait for it again
        return self.status

    @property
    def peak_rss_kib(self) -> int:
        assert self.rusage is not None, "the program has not exited yet"
        return self.rusage.ru_maxrss

    # ---- reading and writing ------------------------------------------------------------------

    def _read(self, wait: float) -> bool:
        """Read what has arrived (waiting up to `wait` s for something); False when nothing came."""
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:  # EIO: the program closed the terminal
            chunk = b""
        now = time.perf_counter()
        if not chunk:
            time.sleep(wait)  # nothing more will come; avoid spinning on EOF
            return False
        self.raw += chunk
        self.arrivals.append((len(self.raw), now))
        return True

    def mark(self) -> int:
        """The current end of the stream, to search only what arrives after it."""
        while self._read(0):
            pass
        return len(self.raw)

    def send(self, key: str) -> float:
        """Write one key (a name in KEYS, or the text itself); returns perf_counter just before."""
        data = KEYS.get(key, key.encode())
        t = time.perf_counter()
        os.write(self.master, data)
        return t

    def wait_for(self, *patterns: str | re.Pattern[str], since: int = 0, timeout: float = 30.0) -> float:
        """perf_counter when the chunk that completed every pattern (plain strings or regexes) in
        the text written after offset `since` was read."""
        deadline = time.perf_counter() + timeout
        checked = -1
        while True:
            if len(self.raw) != checked:
                checked = len(self.raw)
                text = plain(bytes(self.raw[since:]))
                if all((p in text) if isinstance(p, str) else p.search(text) for p in patterns):
                    return self._arrival(since, patterns)
            if time.perf_counter() > deadline:
                raise Timeout(f"{self.argv[-1]}: {patterns!r} not written within {timeout} s; screen:\n{self.tail()}")
            if self._exited() and not self._read(0):
                raise Timeout(f"{self.argv[-1]}: exited ({self.status}) before {patterns!r}; screen:\n{self.tail()}")
            self._read(0.05)

    def _arrival(self, since: int, patterns) -> float:
        """The read time of the first chunk by the end of which every pattern is found."""
        for end, when in self.arrivals:
            if end <= since:
                continue
            text = plain(bytes(self.raw[since:end]))
            if all((p in text) if isinstance(p, str) else p.search(text) for p in patterns):
                return when
        raise AssertionError("pattern found in the whole stream but in no prefix")

    def settle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:
        """Drain until nothing has been written for `quiet` s (the screen is still)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self._read(quiet):
                return

    def tail(self, n: int = 1500) -> str:
        return plain(bytes(self.raw[-20000:]))[-n:]


def diag_tui_command(*args: str) -> list[str]:
    """`diag-tui ARGS` as the user runs it: the console script next to this interpreter."""
    import sys

    script = Path(sys.executable).parent / "diag-tui"
    if script.exists():
        return [sys.executable, str(script), *args]
    return [sys.executable, "-m", "diag_tui", *args]


def distinctive_word(text: str, avoid: Sequence[str] = (), minimum: int = 4) -> str:
    """A word of `text` (letters only, as the terminal shows it) that none of `avoid` contains:
    the longest, so that nothing else on the screen writes it by chance."""
    words = re.findall(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]+", text)
    seen = " ".join(avoid)
    good = [w for w in words if len(w) >= minimum and w not in seen]
    if not good:
        good = [w for w in words if len(w) >= minimum] or words
    return max(good, key=len)


MINIMAL = Path(__file__).resolve().parent / "_launch_minimal.py"


def minimal_command() -> list[str]:
    import sys

    return [sys.executable, str(MINIMAL)]


def minimal_words() -> list[str]:
    """The words the minimal app's questions are recognised by (its WORDS), read from its source:
    importing it would load Textual into the harness."""
    import ast

    for node in ast.parse(MINIMAL.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "WORDS" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise LookupError("WORDS not found in _launch_minimal.py")

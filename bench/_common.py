"""Shared helpers for the benchmark scripts: statistics, result rows, the table, JSON output.

Every script builds a list of `Row`s, prints them with `print_table` and, when run by
`run_all.py` (``--json FILE``), also writes them as JSON so the runner can print one summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
QUESTIONS = ROOT / "questions"

if str(ROOT / "src") not in sys.path:  # a fresh clone run without `pip install -e .`
    sys.path.insert(0, str(ROOT / "src"))


@dataclass
class Row:
    figure: str
    target: str
    measured: str
    status: str  # "pass", "miss" or "info" (no target)


def check(figure: str, value: float, limit: float, fmt: str, target_text: str | None = None) -> Row:
    """A row whose status is pass when `value` <= `limit`."""
    return Row(figure, target_text or f"≤ {fmt.format(limit)}", fmt.format(value), "pass" if value <= limit else "miss")


def info(figure: str, measured: str) -> Row:
    return Row(figure, "—", measured, "info")


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100), as used for latency figures."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def print_table(title: str, rows: list[Row], out=sys.stdout) -> None:
    headers = ("figure", "target", "measured", "status")
    cells = [headers] + [(r.figure, r.target, r.measured, r.status) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}", file=out)
    print(line, file=out)
    for i, c in enumerate(cells):
        print("  ".join(text.ljust(w) for text, w in zip(c, widths, strict=False)).rstrip(), file=out)
        if i == 0:
            print(line, file=out)
    print(line, file=out)
    out.flush()


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the rows as JSON (used by run_all.py)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run; figures are noisier)")
    return p


def finish(title: str, rows: list[Row], json_path: Path | None) -> int:
    print_table(title, rows)
    if json_path is not None:
        json_path.write_text(json.dumps({"title": title, "rows": [asdict(r) for r in rows]}, ensure_ascii=False))
    return 0


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, {platform.platform(terse=True)}"


def child_env(home: Path | None = None) -> dict[str, str]:
    """Environment for child processes: no Textual dev/debug settings, bytecode caching on,
    the source tree on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    # Python caches compiled modules (__pycache__) on every user's machine; some sandboxes turn
    # that off, which would make diag-tui's own modules compile from source at every start
    # while Textual's (installed with their .pyc) do not. The warm-up runs write the caches.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    env["TERM"] = "xterm-256color"
    if home is not None:
        env["DIAG_TUI_HOME"] = str(home)
        env["XDG_DATA_HOME"] = str(home / "xdg-data")
        env["XDG_CONFIG_HOME"] = str(home / "xdg-config")
    return env

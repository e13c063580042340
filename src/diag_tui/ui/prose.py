"""Prose for the terminal: French typography, and lines broken at ordinary spaces only.

Textual and Rich break lines at any Unicode space, no-break ones included, so a « ? » could start
a line. `Prose` does its own wrapping (`typography.break_points`) at the width it is drawn at.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from diag_tui.typography import break_points, for_terminal


def fr(text: str) -> str:
    """A bank text as the terminal shows it (typography; never for texts typed by users)."""
    return for_terminal(text)


class Prose:
    """A Rich renderable: `text` wrapped at ordinary spaces to the width it is given."""

    def __init__(self, text: Text | str) -> None:
        self.text = text if isinstance(text, Text) else Text(text)

    def __eq__(self, other: object) -> bool:  # lets a screen skip an update that changes nothing
        return isinstance(other, Prose) and self.text == other.text

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.text.plain

    def lines(self, width: int) -> list[Text]:
        out: list[Text] = []
        for line in self.text.split("\n", allow_blank=True):
            for part in line.divide(break_points(line.plain, width)):
                part.rstrip()
                out.append(part)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        joined = Text("\n").join(self.lines(options.max_width))
        joined.no_wrap = True
        joined.overflow = "crop"
        yield joined

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((line.cell_len for line in self.text.split("\n", allow_blank=True)), default=0)
        return Measurement(min(longest, 1), min(longest, options.max_width))

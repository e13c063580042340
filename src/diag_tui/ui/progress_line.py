"""A one-line progress bar for the question screen.

Textual's ProgressBar is three widgets with reactive watchers; redrawing it after every answer
cost more than the rest of the status line. This is one widget, repainted (never re-laid out)
when the count changes. Filled and empty cells use different glyphs, readable with NO_COLOR.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

FILLED, EMPTY = Style(bold=True), Style(dim=True)


class ProgressLine(Widget):
    DEFAULT_CSS = """
    ProgressLine {
        height: 1;
        color: $accent;
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.done, self.total = 0, 0

    def set_progress(self, done: int, total: int) -> None:
        if (done, total) != (self.done, self.total):
            self.done, self.total = done, total
            self.refresh()

    def render_line(self, y: int) -> Strip:
        """Drawn as segments: the text pipeline a Static goes through cost ten times more here."""
        percent = round(100 * self.done / self.total) if self.total else 0
        label = f" {percent:>3} %"
        width = max(0, self.content_size.width - len(label))
        filled = round(width * self.done / self.total) if self.total else 0
        base = self.rich_style
        segments = [Segment("━" * filled, base + FILLED), Segment("─" * (width - filled), base + EMPTY), Segment(label, base)]
        return Strip(segments, width + len(label))

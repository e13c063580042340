"""A one-line progress bar for the question screen.

Textual's ProgressBar is three widgets with reactive watchers; redrawing it after every answer
cost more than the rest of the status line. This is one widget, repainted (never re-laid out)
when the count changes. Filled and empty cells use different glyphs, readable with NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from diag_tui.bank.referential import Question, Referential

FILLED, EMPTY = Style(bold=True), Style(dim=True)


def settled_progress(ref: Referential, walk: Sequence[Question], answered: Callable[[Question], bool]) -> tuple[int, int]:
    """(done, total) for the bar, where a follow-up question counts from the start: one not
    (yet) asked is part of the total, and settled once its parent is answered without revealing
    it. Revealing a follow-up then adds nothing to the total: the bar never moves back when one
    appears, and reaches its end exactly when every question asked is answered. (Changing an
    answer so that it reveals a follow-up unsettles it: one step back, for a question to answer.)"""
    asked = {q.id for q in walk}

    def unasked(question: Question) -> int:
        """The follow-ups below `question` that are not in the walk, at every depth."""
        count = 0
        for follow_up in {f for o in question.options for f in o.follow_ups}:
            child = ref.question(follow_up)
            if child is not None and follow_up not in asked:
                count += 1 + unasked(child)
        return count

    done = total = 0
    for question in walk:
        units = 1 + unasked(question)
        total += units
        if answered(question):
            done += units
    return done, total


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

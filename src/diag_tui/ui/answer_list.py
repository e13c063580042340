"""The options of the current question: a focusable list, each option wrapped to the width.

Textual's OptionList did this, but rebuilding and rendering it took 4 to 6 ms of each answer
keystroke (bench/README.md); answering is the action repeated fifty times a session, so this
list keeps only what it shows: the option texts wrapped once per width, drawn line by line.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from diag_tui.ui.prose import Prose

_WRAPPED: dict[tuple, list[Text]] = {}  # AnswerList._wrap
PREFIX_WIDTH = 5  # « 1  ● », the number and the mark before each option (question.py)


class AnswerList(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Précédente", show=False),
        Binding("down", "move(1)", "Suivante", show=False),
        Binding("home", "move(-99)", "Première", show=False),
        Binding("end", "move(99)", "Dernière", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"answer-list--highlighted", "answer-list--hover"}
    DEFAULT_CSS = """
    AnswerList {
        height: auto;
        background: $surface;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .answer-list--highlighted {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .answer-list--highlighted {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .answer-list--hover {
            background: $block-hover-background;
        }
    }
    """

    class Clicked(Message):
        def __init__(self, index: int):
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.labels: list[tuple[Text, Text]] = []  # (number and mark, option text)
        self.highlighted = 0
        self._hover: int | None = None
        self._wrapped: tuple[int, list[tuple[int, Text]]] | None = None  # width, (option, line)
        self._segments: dict[int, list[Segment]] = {}  # each line of `_wrapped`, rendered once

    def set_options(self, labels: list[tuple[Text, Text]], highlighted: int = 0) -> None:
        """Show (prefix, text) options; a text that wraps continues under itself, not under the prefix.
        The screen is laid out again only when the list's height changes: a layout arranges
        every widget of the screen, the largest part of an answer keystroke."""
        width = self.content_size.width
        before = len(self._lines(width)) if width > 0 and self._wrapped is not None else None
        self.labels = list(labels)
        self.highlighted = max(0, min(highlighted, len(self.labels) - 1))
        self._wrapped = None
        self.refresh(layout=before is None or before != len(self._lines(width)))

    def highlight(self, index: int) -> None:
        if self.labels:
            self.highlighted = max(0, min(index, len(self.labels) - 1))
            self.refresh()

    def line_count(self, width: int) -> int:
        """Lines the options take at `width` (the question screen fits its help around them)."""
        return len(self._lines(width))

    def _lines(self, width: int) -> list[tuple[int, Text]]:
        if self._wrapped is None or self._wrapped[0] != width:
            lines: list[tuple[int, Text]] = []
            for i, (prefix, body) in enumerate(self.labels):
                if prefix.cell_len * 2 > width:  # too narrow for a hanging indent: wrap it all
                    lines.extend((i, line) for line in Prose(Text.assemble(prefix, body)).lines(max(1, width)))
                    continue
                for n, line in enumerate(self._wrap(body, width - prefix.cell_len)):
                    lines.append((i, Text.assemble(prefix if n == 0 else " " * prefix.cell_len, line)))
            self._wrapped = (width, lines)
            self._segments = {}
        return self._wrapped[1]

    def prepare(self, bodies: list[Text]) -> None:
        """Wrap option texts ahead of showing them (with the usual « 1  » prefix), at the current width."""
        width = self.content_size.width - PREFIX_WIDTH
        if width > PREFIX_WIDTH:
            for body in bodies:
                self._wrap(body, width)

    def _wrap(self, body: Text, width: int) -> list[Text]:
        """`body` wrapped to `width`, kept: the same options come back (a tick, a question seen
        again), and wrapping is most of the cost of showing them."""
        key = (body.plain, str(body.style), tuple((s.start, s.end, str(s.style)) for s in body.spans), width)
        lines = _WRAPPED.get(key)
        if lines is None:
            if len(_WRAPPED) > 4000:
                _WRAPPED.clear()
            lines = _WRAPPED[key] = Prose(body).lines(width)
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        base = self.rich_style
        lines = self._lines(width)
        if y >= len(lines):
            return Strip.blank(width, base)
        index, text = lines[y]
        style = base
        if index == self.highlighted:
            style = base + self.get_component_rich_style("answer-list--highlighted")
        elif index == self._hover:
            style = base + self.get_component_rich_style("answer-list--hover")
        rendered = self._segments.get(y)
        if rendered is None:
            rendered = self._segments[y] = list(text.render(self.app.console))
        segments = Segment.apply_style(rendered, style)
        return Strip(segments).extend_cell_length(width, style).apply_meta({"option": index})

    def action_move(self, delta: int) -> None:
        self.highlight(self.highlighted + delta)
        self.scroll_to_highlighted()

    def scroll_to_highlighted(self) -> None:
        """Bring the highlighted option's lines into view in the scrolling container around the list."""
        rows = [y for y, (index, _) in enumerate(self._lines(self.content_size.width)) if index == self.highlighted]
        container = self.parent
        if not rows or not isinstance(container, Widget):
            return
        top = self.virtual_region.y + self.gutter.top + rows[0]
        container.scroll_to_region(Region(0, top, 1, len(rows)), animate=False, x_axis=False)

    def on_click(self, event: events.Click) -> None:
        index = event.style.meta.get("option")
        if index is not None:
            self.highlight(index)
            self.post_message(self.Clicked(index))

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        hover = event.style.meta.get("option")
        if hover != self._hover:
            self._hover = hover
            self.refresh()

    def _on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

"""Prose for the terminal: French typography, and lines broken at ordinary spaces only.

Textual and Rich break lines at any Unicode space, no-break ones included, so a « ? » could start
a line. `Prose` does its own wrapping (`typography.break_points`) at the width it is drawn at:

- a list item (a line opening with spaces, a bullet or a number: « 1. », « • », « ✓ »…) wraps
  under its own text, not under its bullet (a hanging indent);
- a web address (or a file's absolute path) is never broken inside: it moves to the next line whole, and one longer than a
  whole line is cut only after a « / » (or a « - »), each piece keeping the link to the whole
  address, so that a terminal that follows links opens the right page from any piece.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text

from diag_tui.typography import break_points, for_terminal

# What a list item opens with: its indent, then a bullet or a number and the spaces after it.
_ITEM = re.compile(r" *(?:(?:[-–•*+✓○●◆↷⚑→▸]|\d{1,3}[.)]) +)?")
# A web address, or an absolute file path (a word that starts with « / »): kept whole.
_URL = re.compile(r"(?:https?://|(?<!\S)/)[^\s«»<>\"']*[^\s«»<>\"'.,;:!?)]")


def fr(text: str) -> str:
    """A bank text as the terminal shows it (typography; never for texts typed by users)."""
    return for_terminal(text)


def hanging(plain: str) -> int:
    """Cells a list item's continuation lines are indented by (0 for ordinary prose)."""
    return cell_len(_ITEM.match(plain).group())  # type: ignore[union-attr]  # matches every string


def linked(text: Text) -> Text:
    """`text` with each web address carrying a link to itself (terminals that support it open it)."""
    for match in _URL.finditer(text.plain):
        if match.group().startswith("http"):
            text.stylize(Style(link=match.group()), match.start(), match.end())
    return text


def _url_pieces(url: str, width: int) -> list[int]:
    """Offsets where an address longer than `width` is cut: after the last « / » (or « - »)
    that fits, else at the width."""
    offsets, start = [], 0
    while cell_len(url[start:]) > width:
        end = start + width
        cut = max(url.rfind("/", start + 1, end), url.rfind("-", start + 1, end))
        start = cut + 1 if cut > start else end
        offsets.append(start)
    return offsets


def _breaks(plain: str, width: int) -> list[int]:
    """Where a one-line `plain` is broken to `width`: at ordinary spaces (`break_points`), never
    inside an address that fits on a line; one that does not is cut where `_url_pieces` says.
    `break_points` is given a copy where the character before each such cut reads as a space."""
    probe = plain
    for match in _URL.finditer(plain):
        start, end = match.span()
        if cell_len(plain[start:end]) > width:
            for offset in _url_pieces(plain[start:end], max(1, width - 1)):
                i = start + offset - 1
                probe = probe[:i] + " " + probe[i + 1 :]
    return break_points(probe, width)


def _divide(line: Text, offsets: list[int]) -> list[Text]:
    parts = list(line.divide(offsets))
    for part in parts:
        part.rstrip()
    return parts


class Prose:
    """A Rich renderable: `text` wrapped at ordinary spaces to the width it is given, list items
    with a hanging indent, web addresses whole."""

    def __init__(self, text: Text | str) -> None:
        self.text = text if isinstance(text, Text) else Text(text)

    def __eq__(self, other: object) -> bool:  # lets a screen skip an update that changes nothing
        return isinstance(other, Prose) and self.text == other.text

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.text.plain

    def lines(self, width: int) -> list[Text]:
        width = max(1, width)
        out: list[Text] = []
        for line in self.text.split("\n", allow_blank=True):
            offsets = _breaks(line.plain, width)
            indent = hanging(line.plain)
            if not offsets or not indent or indent * 2 > width:
                out.extend(_divide(line, offsets))
                continue
            out.extend(_divide(line[: offsets[0]], []))
            rest = line[offsets[0] :]
            rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
            out.extend(Text.assemble(" " * indent, part) for part in _divide(rest, _breaks(rest.plain, width - indent)))
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        joined = Text("\n").join(self.lines(options.max_width))
        joined.no_wrap = True
        joined.overflow = "crop"
        yield joined

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((line.cell_len for line in self.text.split("\n", allow_blank=True)), default=0)
        return Measurement(min(longest, 1), min(longest, options.max_width))

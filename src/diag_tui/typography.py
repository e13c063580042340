"""French typography, applied when a text is rendered (TUI, Markdown, HTML, follow-up file).

Authors write plain ASCII apostrophes and ordinary spaces in `questions/`; `french()` turns them
into what French typesetting expects, so that a « ? » or a « : » never starts a line:

- a narrow no-break space (U+202F) before ; ? ! and a no-break space (U+00A0) before : ;
- no-break spaces inside « guillemets », between a number and its unit (%, €, heures, jours…),
  and in 2 000 ;
- the typographic apostrophe ’ between letters (l’équipe, aujourd’hui).

It only touches spaces next to punctuation and apostrophes inside words: web addresses, ids and
numbers keep their form, and applying it twice changes nothing. Texts typed by users (names,
notes) are not passed through it: they are shown as typed.

`wrap()` breaks lines at ordinary spaces only (Textual and Rich also break at no-break spaces).
"""

from __future__ import annotations

import re

NNBSP = "\u202f"  # narrow no-break space: before ; ? !
NBSP = "\u00a0"  # no-break space: before :, inside « », in numbers

_BEFORE_TIGHT = re.compile(r"[ \u00a0\u202f]+([;?!])")
_BEFORE_COLON = re.compile(r"[ \u00a0\u202f]+:(?=\s|$)")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")
_UNIT = re.compile(r"(?<=\d)[ \u00a0\u202f]+(?=[%€]|(?:heures?|h|minutes?|min|jours?|semaines?|mois|ans?|caractères|mots)\b)")
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")  # 2 000, 12 500
_APOSTROPHE = re.compile(r"(?<=[A-Za-zÀ-ÿŒœ])'(?=[A-Za-zÀ-ÿŒœ])")


def french(text: str) -> str:
    """`text` with French typographic spaces and apostrophes (idempotent)."""
    text = _APOSTROPHE.sub("’", text)
    text = _BEFORE_TIGHT.sub(NNBSP + r"\1", text)
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    text = _OPEN_QUOTE.sub("«" + NBSP, text)
    text = _CLOSE_QUOTE.sub(NBSP + "»", text)
    text = _UNIT.sub(NBSP, text)
    return _THOUSANDS.sub(NBSP, text)


def for_terminal(text: str) -> str:
    """`french(text)` for a terminal: U+202F becomes U+00A0, which every terminal font has
    (in a grid of cells a narrow space is as wide as any other)."""
    return french(text).replace(NNBSP, NBSP)


_CHUNK = re.compile(r"[^ \n]+ *| +")
_GLUED = set(";:?!»" + NBSP + NNBSP)


def break_points(line: str, width: int) -> list[int]:
    """Offsets where a one-line `line` is broken to fit `width` cells, at ordinary spaces only
    (a word longer than the width is cut)."""
    from rich.cells import cell_len

    width = max(1, width)
    offsets: list[int] = []
    used = 0
    for match in _CHUNK.finditer(line):
        start, chunk = match.start(), match.group()
        word = chunk.rstrip(" ")
        if not word:  # spaces only (an indent): they stay on their line
            used += len(chunk)
            continue
        size = cell_len(word)
        if used and used + size > width:
            offsets.append(start)
            used = 0
        position = start
        while size > width:  # longer than a line: cut it
            taken, end = 0, position
            while taken + cell_len(line[end]) <= width:
                taken += cell_len(line[end])
                end += 1
            while end > position + 1 and line[end] in _GLUED:  # never cut just before « ? » or after « «  »
                end -= 1
            offsets.append(end)
            position = end
            size = cell_len(line[position : start + len(word)])
        used += size + len(chunk) - len(word)
    return [o for o in offsets if 0 < o < len(line)]

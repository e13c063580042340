"""Text that comes from people and from their files: names, notes, reasons, numbers.

Such text travels between machines in follow-up files, so it is treated as hostile. One rule
for what it may hold, applied where it is typed and where it is imported (`checked`), and one
function for showing it on a terminal whatever it holds (`shown`):

- refused: control characters (they move the cursor, retitle the window, write to the
  clipboard), the marks that reverse the direction of the text (they make a name read other
  than it is), and, in a one-line text such as a name, tab and new line (a forged line in
  `diag-tui list`). See `errors.INVISIBLE`.
- limited in length, so that a saved diagnostic always stays readable (`files.MAX_INPUT_BYTES`).
"""

from __future__ import annotations

import re

from diag_tui.errors import BLANK, INVISIBLE, INVISIBLE_IN_NOTE, UserError

# Documented in README (« Limites »); the largest diagnostic they allow stays far below the read limit.
NAME_MAX = 200  # organisation, aidant, sector, contact, emergency numbers
REASON_MAX = 500  # why the aidant replaced a measure
NOTE_MAX = 4000  # a note on a question, a measure or a checkpoint

_IN_LINE = re.compile(f"[{INVISIBLE}]")
_IN_NOTE = re.compile(f"[{INVISIBLE_IN_NOTE}]")
_VISIBLE = re.compile(rf"[^\s{BLANK}]")


def checked(label: str, value: str, *, limit: int, multiline: bool = False) -> str:
    """`value` trimmed, with Windows line ends made plain, "" when nothing in it shows; UserError
    naming `label` when it holds a refused character or is longer than `limit`."""
    text = value.replace("\r\n", "\n").strip()
    found = (_IN_NOTE if multiline else _IN_LINE).search(text)
    if found:
        what = "saut de ligne ou tabulation" if found.group() in "\t\n" else "caractère de contrôle ou marque de sens du texte"
        raise UserError(
            f"{label} : {what} refusé ({_name(found.group())}, position {found.start() + 1}). "
            "Retapez le texte sans le copier-coller depuis un autre logiciel."
        )
    if len(text) > limit:
        raise UserError(f"{label} : {len(text)} caractères, {limit} au plus. Raccourcissez le texte.")
    return text if _VISIBLE.search(text) else ""  # only zero-width characters: nothing was typed


def shown(text: str, *, multiline: bool = False) -> str:
    """`text` safe to write to a terminal: each refused character becomes a visible sign (␛ for
    escape, <U+202E> for a direction mark), so nothing reaches the terminal as a command."""
    pattern = _IN_NOTE if multiline else _IN_LINE
    return pattern.sub(lambda m: _name(m.group()), text)


def _name(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␀ ␉ ␊ ␛
    if code == 0x7F:
        return "␡"
    return f"<U+{code:04X}>"

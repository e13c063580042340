"""Rich texts shared by the result screens: indicator bars and a measure's full detail.

Bars use different glyphs for filled and empty cells so they stay readable with NO_COLOR.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from rich.text import Text

from diag_tui.bank.referential import Referential
from diag_tui.engine.restitution import Finding
from diag_tui.storage.diagnostic import Diagnostic
from diag_tui.ui.prose import Prose, fr, linked
from diag_tui.untrusted import shown

BAR_WIDTH = 20

def indicator_bar(value: float | None, width: int = BAR_WIDTH) -> Text:
    if value is None:
        return Text("·" * width, style="dim")
    filled = round(value / 3 * width)
    # With NO_COLOR, Textual turns colours into greys by brightness: red would be a dark grey on
    # the dark background. The glyphs tell filled from empty; the text colour keeps them legible.
    style = "" if os.environ.get("NO_COLOR") else "red" if value < 1 else "yellow" if value < 2 else "green"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim")


def measure_detail(
    finding: Finding, theme: str, override_reason: str | None = None, expanded: bool = True, notes: Text | None = None
) -> Prose:
    """Reason, practicalities, then (expanded) why, how, how to check, and where to read more.
    Bank texts get French typography; the aidant's own reason is shown as typed."""
    m = finding.measure
    out = Text()
    out.append(fr(finding.title) + "\n", style="bold")
    practical = f"{theme} · effort {m.effort} · coût {finding.cost} · durée {m.duration} · responsable : {finding.owner}"
    out.append(fr(practical) + "\n\n", style="italic")
    out.append(fr("Pourquoi pour vous : "), style="bold")
    out.append(fr(finding.reason) + "\n")
    if override_reason:
        out.append(fr("Choisie par l'aidant : "), style="bold")
        out.append(shown(override_reason) + "\n")
    if notes:
        out.append_text(notes)
    if not expanded:
        out.append(fr("\nEntrée : pourquoi, comment et comment vérifier."), style="dim")
        return Prose(out)
    out.append(fr("\nPourquoi : "), style="bold")
    out.append(fr(finding.detail.why) + fr("\n\nComment :\n"))
    for n, step in enumerate(finding.detail.how, start=1):
        out.append(f"  {n}. {fr(step)}\n")
    out.append(fr("\nComment vérifier que c'est fait : "), style="bold")
    out.append(fr(finding.detail.check) + "\n")
    if m.resources:
        out.append("\nPour aller plus loin :\n", style="bold")
        for r in m.resources:
            out.append_text(linked(Text(f"  • {fr(r.title)} — {r.url}\n")))  # the address whole, under the title
    return Prose(out)


def interview_notes(ref: Referential, diag: Diagnostic, question_ids: Iterable[str]) -> Text:
    """The interview's notes and « à revoir » marks on `question_ids` (the questions behind a
    measure), one line each after the question's short text; empty when there are none."""
    out = Text()
    for qid in question_ids:
        note, flagged = diag.notes.get(qid), qid in diag.flagged
        question = ref.question(qid)
        if question is None or not (note or flagged):
            continue
        out.append(fr("Note de l'entretien" if note else "À revoir"), style="bold")
        out.append(fr(f" (« {question.text} ») : "), style="dim")
        if note:
            out.append(shown(note, multiline=True))
            if flagged:
                out.append(" · à revoir", style="bold")
        else:
            out.append("question marquée à revoir pendant l'entretien")
        out.append("\n")
    return out

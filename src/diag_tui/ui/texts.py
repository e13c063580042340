"""Rich texts shared by the result screens: indicator bars and a measure's full detail.

Bars use different glyphs for filled and empty cells so they stay readable with NO_COLOR.
"""

from __future__ import annotations

from rich.text import Text

from diag_tui.engine.restitution import Finding
from diag_tui.ui.prose import Prose, fr
from diag_tui.untrusted import shown

BAR_WIDTH = 20

def indicator_bar(value: float | None, width: int = BAR_WIDTH) -> Text:
    if value is None:
        return Text("·" * width, style="dim")
    filled = round(value / 3 * width)
    style = "red" if value < 1 else "yellow" if value < 2 else "green"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim")


def measure_detail(
    finding: Finding, theme: str, override_reason: str | None = None, expanded: bool = True
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
    if not expanded:
        out.append(fr("\nEntrée : afficher pourquoi, comment et comment vérifier."), style="dim")
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
            out.append(f"  {fr(r.title)} — {r.url}\n")
    return Prose(out)

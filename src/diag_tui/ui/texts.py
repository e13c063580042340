"""Rich texts shared by the result screens: indicator bars and a measure's full detail.

Bars use different glyphs for filled and empty cells so they stay readable with NO_COLOR.
"""

from __future__ import annotations

from rich.text import Text

from diag_tui.report_markdown import STATUS_LABELS, date_fr, indicator_text
from diag_tui.restitution import Finding

BAR_WIDTH = 20

__all__ = ["STATUS_LABELS", "date_fr", "indicator_bar", "indicator_text", "measure_detail"]


def indicator_bar(value: float | None, width: int = BAR_WIDTH) -> Text:
    if value is None:
        return Text("·" * width, style="dim")
    filled = round(value / 3 * width)
    style = "red" if value < 1 else "yellow" if value < 2 else "green"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim")


def measure_detail(
    finding: Finding, theme: str, override_reason: str | None = None, expanded: bool = True
) -> Text:
    """Reason, practicalities, then (expanded) why and how, and where to read more."""
    m = finding.measure
    out = Text()
    out.append(finding.title + "\n", style="bold")
    out.append(f"{theme} · effort {m.effort} · coût {m.cost} · durée {m.duration} · responsable : {finding.owner}\n\n", style="italic")
    out.append("Pourquoi pour vous : ", style="bold")
    out.append(finding.reason + "\n")
    if override_reason:
        out.append("Choisie par l'aidant : ", style="bold")
        out.append(override_reason + "\n")
    if not expanded:
        out.append("\nEntrée : afficher pourquoi et comment.", style="dim")
        return out
    out.append("\nPourquoi : ", style="bold")
    out.append(finding.detail.why + "\n\nComment :\n")
    for n, step in enumerate(finding.detail.how, start=1):
        out.append(f"  {n}. {step}\n")
    if m.resources:
        out.append("\nPour aller plus loin :\n", style="bold")
        for r in m.resources:
            out.append(f"  {r.title} — {r.url}\n")
    return out

"""Before and after: a follow-up diagnostic against the one it follows up."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from diag_tui.engine.comparison import Comparison
from diag_tui.storage.diagnostic import Diagnostic
from diag_tui.ui.footer import Footer
from diag_tui.ui.prose import Prose, fr
from diag_tui.ui.texts import indicator_bar
from diag_tui.untrusted import shown
from diag_tui.wording import STATUS_LABELS, count, date_fr, indicator_text


class ComparisonScreen(Screen):
    CSS_PATH = "compare.tcss"
    AUTO_FOCUS = "#cmp-body"
    BINDINGS = [Binding("escape", "back", "Retour", key_display="Échap")]

    def __init__(self, before: Diagnostic, after: Diagnostic, comparison: Comparison):
        super().__init__()
        self.before, self.after, self.comparison = before, after, comparison

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="cmp-body"):
            yield Static(Prose(self.render_comparison()), markup=False, id="cmp-text")  # lists wrap under their text
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#cmp-text", Static).update(Prose(self.render_comparison()))

    def on_mount(self) -> None:
        self.title = f"Avant / après — {shown(self.after.organisation.name)}"

    def render_comparison(self) -> Text:
        c = self.comparison
        text = Text()
        text.append(
            f"Diagnostic du {date_fr(self.before.created)} comparé au diagnostic de suivi du {date_fr(self.after.created)}\n\n",
            style="bold",
        )
        width = max(len(t.theme.title) for t in c.themes)
        # a theme and its two bars on one line when they fit (with the change: 53 cells), else the
        # bars on the line below the theme
        one_line = width + 53 <= self.app.size.width - 6  # the body's padding and scrollbar
        for t in c.themes:
            text.append(f"{t.theme.title:<{width}}  " if one_line else f"{t.theme.title}\n  ")
            text.append_text(indicator_bar(t.before, 10))
            text.append(f" {indicator_text(t.before):<10} → ")
            text.append_text(indicator_bar(t.after, 10))
            text.append(f" {indicator_text(t.after):<10}")
            if t.delta is not None and t.delta != 0:
                text.append(f"  {t.delta:+.1f}".replace(".", ","), style="bold green" if t.delta > 0 else "bold red")
            text.append("\n")
        text.append(f"\nEnsemble : {indicator_text(c.overall_before)} → {indicator_text(c.overall_after)}\n", style="bold")
        text.append_text(self.measures_text())
        return text

    def measures_text(self) -> Text:
        """The six given first, each with what became of it; then the new measures, the new
        priorities first; the other measures of before in one line each for resolved, a count
        for the rest (the aidant reads this with the manager: the six are what was agreed)."""
        c, text = self.comparison, Text()
        given = [m for m in (*c.resolved, *c.still) if m.was_priority]
        text.append(f"\nLes mesures prioritaires remises le {date_fr(self.given_on())}\n", style="bold")
        for m in given:
            gone = m.after is None
            text.append(f"  {'✓' if gone else '•'} {fr(m.title)}", style="green" if gone else "")
            text.append(" — plus nécessaire" if gone else " — encore nécessaire", style="green" if gone else "dim")
            if m.id in self.before.measures:
                text.append(f" · au suivi : {STATUS_LABELS[self.before.status_of(m.id).status]}", style="dim")
            if m.now:
                text.append(f"\n    {fr('désormais : ' + m.now)}", style="italic")
            text.append("\n")
        if not given:
            text.append("  aucune\n", style="dim")
        new = sorted(c.new, key=lambda m: not m.is_priority)
        text.append(f"\nNouvelles mesures ({len(new)})\n", style="bold")
        for m in new:
            text.append(f"  + {fr(m.title)}", style="red")
            text.append(" (prioritaire)\n" if m.is_priority else "\n", style="dim")
        if not new:
            text.append("  aucune\n", style="dim")
        resolved = [m for m in c.resolved if not m.was_priority]
        still = [m for m in c.still if not m.was_priority]
        counts = f"{count(len(resolved), 'résolue')}, {count(len(still), 'encore nécessaire', 'encore nécessaires')}"
        text.append(f"\nAutres mesures d'avant : {counts}\n", style="bold")
        for m in resolved:
            text.append(f"  ✓ {fr(m.title)}\n", style="green")
        for m in [m for m in still if m.is_priority]:
            text.append(f"  • {fr(m.title)} (désormais prioritaire)\n")
        return text

    def given_on(self) -> dt.datetime:
        """When the earlier results were handed over (or, for an old file, completed)."""
        given = self.before.handed_over
        return given.at if given else (self.before.completed or self.before.created)

    def action_back(self) -> None:
        self.app.pop_screen()

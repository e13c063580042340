"""Before and after: a follow-up diagnostic against the one it follows up."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from diag_tui.engine.comparison import Comparison
from diag_tui.storage.diagnostic import Diagnostic
from diag_tui.ui.texts import indicator_bar
from diag_tui.untrusted import shown
from diag_tui.wording import date_fr, indicator_text


class ComparisonScreen(Screen):
    CSS_PATH = "compare.tcss"
    AUTO_FOCUS = "#cmp-body"
    BINDINGS = [Binding("escape", "back", "Retour")]

    def __init__(self, before: Diagnostic, after: Diagnostic, comparison: Comparison):
        super().__init__()
        self.before, self.after, self.comparison = before, after, comparison

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="cmp-body"):
            yield Static(self.render_comparison(), markup=False)
        yield Footer()

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
        for t in c.themes:
            text.append(f"{t.theme.title:<{width}}  ")
            text.append_text(indicator_bar(t.before, 10))
            text.append(f" {indicator_text(t.before):<10} → ")
            text.append_text(indicator_bar(t.after, 10))
            text.append(f" {indicator_text(t.after):<10}")
            if t.delta is not None and t.delta != 0:
                text.append(f"  {t.delta:+.1f}".replace(".", ","), style="bold green" if t.delta > 0 else "bold red")
            text.append("\n")
        text.append(f"\nEnsemble : {indicator_text(c.overall_before)} → {indicator_text(c.overall_after)}\n", style="bold")
        sections = (
            ("Mesures résolues", c.resolved, "green", "✓"),
            ("Mesures encore nécessaires", c.still, "", "•"),
            ("Nouvelles mesures", c.new, "red", "+"),
        )
        for title, measures, style, mark in sections:
            text.append(f"\n{title} ({len(measures)})\n", style="bold")
            if not measures:
                text.append("  aucune\n", style="dim")
            for m in measures:
                text.append(f"  {mark} {m.level1.title}\n", style=style)
        return text

    def action_back(self) -> None:
        self.app.pop_screen()

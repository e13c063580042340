"""Theme overview: every question that applies, with its state; Enter jumps to it. A question
that wraps continues under its own text (Prose's hanging indent), not under its mark."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from diag_tui.session import Session
from diag_tui.ui.prose import Prose, fr
from diag_tui.wording import count


class OverviewScreen(ModalScreen[str | None]):
    CSS_PATH = "overview.tcss"
    AUTO_FOCUS = "#overview-list"
    BINDINGS = [Binding("escape", "dismiss_none", "Fermer"), Binding("t", "dismiss_none", "Fermer", show=False)]

    def __init__(self, session: Session, current: str, only: tuple[str, ...] | None = None):
        super().__init__()
        self.session, self.current, self.only = session, current, only

    def compose(self) -> ComposeResult:
        with Vertical(id="overview-box") as box:
            box.border_title = "Aller à une question"
            box.border_subtitle = "Entrée : y aller · Échap : fermer"
            yield Static("✓ répondue · ○ sans réponse · ↷ passée · ⚑ à revoir", id="overview-title", markup=False)
            yield OptionList(id="overview-list", markup=False)

    def on_mount(self) -> None:
        session, ref = self.session, self.session.ref
        questions = session.questions()
        if self.only is not None:
            questions = [q for q in questions if q.id in self.only]
        listing = self.query_one(OptionList)
        highlight = 0
        for theme in ref.themes:
            in_theme = [q for q in questions if q.theme == theme.id]
            if not in_theme:
                continue
            done = sum(1 for q in in_theme if session.is_answered(q))
            answered = f"{count(done, 'répondue')} sur {len(in_theme)}"
            listing.add_option(Option(Text(f"{theme.title} — {answered}", style="bold"), disabled=True))
            for q in in_theme:
                if session.is_answered(q):
                    mark = "✓"
                elif q.id in session.diag.skipped:
                    mark = "↷"
                else:
                    mark = "○"
                flag = " ⚑" if q.id in session.diag.flagged else ""
                indent = "    " if q.id in ref.parent else "  "
                if q.id == self.current:
                    highlight = listing.option_count
                listing.add_option(Option(Prose(f"{indent}{mark} {fr(q.text)}{flag}"), id=q.id))
        listing.highlighted = highlight

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

"""The first and last steps of a self-service diagnostic (`guidance.py` says what they tell):
before question 1, how it goes; after the last answer, the six, the plan, what to keep and how
to get an aidant."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from diag_tui.guidance import Section, closing, opening
from diag_tui.session import Session
from diag_tui.ui.footer import Footer
from diag_tui.ui.messages import Export, GoHome, Open
from diag_tui.ui.prose import Prose, fr
from diag_tui.untrusted import shown


def sections_text(sections: list[Section], intro: str = "") -> Prose:
    text = Text()
    if intro:
        text.append(fr(intro) + "\n")
    for heading, body in sections:
        text.append(f"\n{fr(heading)}\n", style="bold")
        text.append(fr(body) + "\n")
    return Prose(text)


class GuideScreen(Screen):
    """A page of prose about one diagnostic (`text`), scrolled with the arrows."""

    CSS_PATH = "guide.tcss"
    AUTO_FOCUS = "#guide-scroll"

    def __init__(self, session: Session):
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="guide-scroll"):
            yield Static(id="guide-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_text()

    def on_screen_resume(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        self.query_one("#guide-text", Static).update(self.text())
        self.refresh_bindings()

    def text(self) -> Prose:
        """The page; each screen below writes its own."""
        return Prose(Text())

    def action_leave(self) -> None:
        self.post_message(GoHome())


class WelcomeScreen(GuideScreen):
    """Before the first question of a self-service diagnostic."""

    BINDINGS = [
        Binding("enter", "begin", "Commencer", key_display="Entrée", priority=True),
        Binding("escape", "leave", "Accueil", key_display="Échap"),
    ]

    def on_mount(self) -> None:
        self.title = "Avant de commencer"
        super().on_mount()

    def text(self) -> Prose:
        intro = f"Bienvenue. Ce diagnostic fait le point sur la cybersécurité de « {shown(self.session.diag.organisation.name)} »."
        return sections_text(opening(self.session, self.session.store.root), intro)

    def action_begin(self) -> None:
        from diag_tui.ui.question import QuestionScreen

        self.app.switch_screen(QuestionScreen(self.session))


class ClosingScreen(GuideScreen):
    """After the last answer of a self-service diagnostic: what to do with the results."""

    BINDINGS = [
        Binding("enter", "results", "Détail", key_display="Entrée", priority=True),
        Binding("h", "export('html')", "HTML"),
        Binding("t", "export('texte')", "Texte"),
        Binding("x", "export('toml')", "Fichier de suivi"),
        Binding("d", "full", "Diag. complet"),
        Binding("escape", "leave", "Accueil", key_display="Échap"),
    ]

    def on_mount(self) -> None:
        self.title = f"Diagnostic terminé — {shown(self.session.diag.organisation.name)}"
        super().on_mount()

    def text(self) -> Prose:
        intro = (
            "Merci : toutes vos réponses sont enregistrées. Voici ce qui en ressort, et la suite. Entrée montre "
            "le détail des mesures ; h, t et x écrivent le rapport HTML, le rapport texte et le fichier de suivi."
        )
        return sections_text(closing(self.session, self.session.plan()), intro)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "full":
            return self.session.diag.express
        return True

    def action_results(self) -> None:
        self.post_message(Open(self.session, "results"))

    def action_export(self, fmt: str) -> None:
        self.post_message(Export(self.session, fmt))

    def action_full(self) -> None:
        self.post_message(Open(self.session, "full"))

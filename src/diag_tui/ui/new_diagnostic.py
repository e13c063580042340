"""The new-diagnostic form."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, RadioButton, RadioSet, Static

from diag_tui.bank.referential import Referential
from diag_tui.errors import UserError
from diag_tui.storage.diagnostic import Form, Mode
from diag_tui.storage.store import Store
from diag_tui.ui.dialogs import show_error
from diag_tui.ui.footer import Footer
from diag_tui.ui.messages import Started
from diag_tui.untrusted import NAME_MAX


class ModeButton(RadioButton):
    """A radio button whose dot is drawn only when chosen: Textual draws it in both states and
    tells them apart by colour alone, unreadable on a monochrome screen or a projector."""

    @property  # ToggleButton reads this class attribute at each render; textual is pinned (8.2.8)
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else " "


class NewDiagnosticScreen(Screen):
    CSS_PATH = "new_diagnostic.tcss"
    AUTO_FOCUS = "#organisation"
    BINDINGS = [Binding("escape", "app.pop_screen", "Retour", key_display="Échap")]

    def __init__(self, ref: Referential, store: Store):
        super().__init__()
        self.ref, self.store = ref, store

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form"):
            yield Label("Organisation diagnostiquée")  # the form's title is in the header
            yield Input(placeholder="Nom de l'entreprise, de l'association, de la collectivité…", id="organisation", max_length=NAME_MAX)
            yield Static("", id="organisation-error", classes="error", markup=False)
            yield Label("Aidant (facultatif)")
            yield Input(placeholder="Votre nom, si vous accompagnez l'organisation", id="aidant", max_length=NAME_MAX)
            with Horizontal(id="choices"):
                with Vertical():
                    yield Label("Déroulement")
                    with RadioSet(id="mode"):
                        yield ModeButton("Accompagné par un aidant", value=True, id="accompagne")
                        yield ModeButton("Autodiagnostic (seul)", id="autodiagnostic")
                with Vertical():
                    yield Label("Questionnaire")
                    with RadioSet(id="form-choice"):
                        yield ModeButton("Complet (1 à 2 heures)", value=True, id="complet")
                        yield ModeButton("Express (15 questions)", id="express")
            yield Static(
                "Tout reste sur cet ordinateur : rien n'est envoyé sur internet.",
                classes="muted privacy",
            )
            with Horizontal(id="form-buttons"):
                yield Button("Commencer", variant="primary", id="start")
                yield Button("Annuler", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Nouveau diagnostic"

    def on_resize(self) -> None:
        """Fewer than 24 rows: fields and buttons without their borders, so that the whole form
        shows (80×24 has room for the bordered ones)."""
        compact = self.app.size.height < 24
        for widget in self.query("Input, RadioSet, Button"):
            widget.compact = compact  # type: ignore[attr-defined]  # Input, RadioSet and Button have it

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "organisation":
            self.query_one("#aidant", Input).focus()
        else:
            self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.start()
        else:
            self.app.pop_screen()

    def start(self) -> None:
        from diag_tui.session import Session

        name = self.query_one("#organisation", Input).value
        error = self.query_one("#organisation-error", Static)
        if not name.strip():
            show_error(error, "Indiquez le nom de l'organisation pour commencer.")
            self.query_one("#organisation", Input).focus()
            return
        pressed = self.query_one("#mode", RadioSet).pressed_button
        mode: Mode = "autodiagnostic" if pressed is not None and pressed.id == "autodiagnostic" else "accompagne"
        pressed = self.query_one("#form-choice", RadioSet).pressed_button
        form: Form = "express" if pressed is not None and pressed.id == "express" else "complet"
        try:
            session = Session.start(self.ref, self.store, name, self.query_one("#aidant", Input).value, mode, form=form)
        except UserError as exc:
            show_error(error, str(exc))
            return
        self.post_message(Started(session))

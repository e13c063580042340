"""Small modal dialogs shared by the screens: confirm, and one line of text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from diag_tui.errors import UserError
from diag_tui.storage.diagnostic import Emergency, emergency_from
from diag_tui.untrusted import NAME_MAX, NOTE_MAX, checked
from diag_tui.wording import EMERGENCY_LABELS


class ConfirmDialog(ModalScreen[bool]):
    AUTO_FOCUS = "#no"  # the safe answer: Entrée straight away does nothing
    BINDINGS = [
        Binding("escape", "answer(False)", "Annuler"),
        Binding("o", "answer(True)", "Oui", show=False),
    ]

    def __init__(self, question: str, confirm: str = "Supprimer", danger: bool = True, refuse: str = "Annuler"):
        super().__init__(classes="dialog")
        self.question, self.confirm, self.danger, self.refuse = question, confirm, danger, refuse

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self.question, markup=False, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm, variant="error" if self.danger else "primary", id="yes")
                yield Button(self.refuse, id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TextDialog(ModalScreen[str | None]):
    """Ask for one line of text, checked as the session will check it (`untrusted.checked`), so a
    refused character or a text too long is said here and nothing typed is lost; None when
    cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Annuler")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", hint: str = "", limit: int = NOTE_MAX):
        super().__init__(classes="dialog")
        self.title_text, self.value, self.placeholder, self.hint, self.limit = title, value, placeholder, hint, limit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, markup=False, classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="text", max_length=self.limit)
            yield Static("", id="text-error", classes="error", markup=False)
            yield Static(self.hint or "Entrée : valider · Échap : annuler", markup=False, classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            checked("Texte", event.value, limit=self.limit, multiline=True)
        except UserError as exc:
            show_error(self.query_one("#text-error", Static), str(exc))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EmergencyDialog(ModalScreen[Emergency | None]):
    """The organisation's own numbers for the attack sheet: provider, bank, insurer (all optional)."""

    BINDINGS = [Binding("escape", "cancel", "Annuler")]

    def __init__(self, emergency: Emergency):
        super().__init__(classes="dialog")
        self.emergency = emergency

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Vos numéros en cas d'attaque", markup=False, classes="dialog-title")
            for key, label in EMERGENCY_LABELS.items():
                yield Label(label, markup=False)
                yield Input(value=getattr(self.emergency, key), max_length=NAME_MAX, id=key,
                            placeholder="Nom et téléphone, par exemple : Info Services, 04 00 00 00 00")
            yield Static("", id="emergency-error", classes="error", markup=False)
            yield Static("Tab : champ suivant · Entrée : enregistrer · Échap : annuler", markup=False, classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        values = {key: self.query_one(f"#{key}", Input).value.strip() for key in EMERGENCY_LABELS}
        try:
            emergency = emergency_from(values)
        except UserError as exc:
            show_error(self.query_one("#emergency-error", Static), str(exc))
            return
        self.dismiss(emergency)

    def action_cancel(self) -> None:
        self.dismiss(None)


def show_error(widget: Static, message: str) -> None:
    """Dialogs keep their error line hidden until there is something to say."""
    widget.update(message)
    widget.display = True

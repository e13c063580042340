"""Small modal dialogs shared by the screens: confirm, one line of text, a note of several
lines, the organisation's emergency numbers, where an export was written."""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from diag_tui.errors import UserError
from diag_tui.storage.diagnostic import Emergency, emergency_from
from diag_tui.ui.prose import Prose
from diag_tui.untrusted import NAME_MAX, NOTE_MAX, checked, shown
from diag_tui.wording import EMERGENCY_LABELS


class ConfirmDialog(ModalScreen[bool]):
    AUTO_FOCUS = "#no"  # for a deletion, the safe answer: Entrée straight away does nothing
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

    def on_mount(self) -> None:
        if not self.danger:  # a step forward (not a deletion): Entrée takes it
            self.query_one("#yes", Button).focus()

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


class NoteDialog(ModalScreen[str | None]):
    """A note of several lines: Entrée starts a new line, ctrl+s (or the button) saves, Échap
    cancels (None). Checked as the session will check it (`untrusted.checked`): a refused
    character or a note too long is said here and nothing typed is lost."""

    BINDINGS = [
        Binding("escape", "cancel", "Annuler"),
        Binding("ctrl+s", "save", "Enregistrer", priority=True),
    ]

    def __init__(self, title: str, value: str = "", placeholder: str = "", limit: int = NOTE_MAX):
        super().__init__(classes="dialog")
        self.title_text, self.value, self.placeholder, self.limit = title, value, placeholder, limit

    def compose(self) -> ComposeResult:
        from textual.widgets import TextArea  # only when a note is written: 4 ms and 0.6 MiB at every start otherwise

        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, markup=False, classes="dialog-title")
            yield TextArea(self.value, id="text", soft_wrap=True, tab_behavior="focus", placeholder=self.placeholder)
            yield Static("", id="text-error", classes="error", markup=False)
            yield Static("ctrl+s : enregistrer · Entrée : nouvelle ligne · Échap : annuler", markup=False, classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Enregistrer", variant="primary", id="save")
                yield Button("Annuler", id="cancel")

    def on_mount(self) -> None:
        from textual.widgets import TextArea

        text = self.query_one("#text", TextArea)
        text.focus()
        text.move_cursor(text.document.end)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        from textual.widgets import TextArea

        value = self.query_one("#text", TextArea).text
        try:
            checked("Note", value, limit=self.limit, multiline=True)
        except UserError as exc:
            show_error(self.query_one("#text-error", Static), str(exc))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportDialog(ModalScreen[None]):
    """Where an export was written: the folder and the file name each on a line of their own,
    whole (a toast cut them), selectable with the mouse, and a button that copies the path."""

    BINDINGS = [Binding("escape", "close", "Fermer"), Binding("c", "copy", "Copier le chemin", show=False)]
    AUTO_FOCUS = "#close"

    def __init__(self, what: str, path: Path):
        super().__init__(classes="dialog")
        self.what, self.path = what, path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box export-box"):
            yield Label(f"{self.what} écrit", markup=False, classes="dialog-title")
            yield Static("Dossier :", markup=False, classes="muted")
            yield Static(Prose(linked_path(self.path.parent)), markup=False, classes="export-path", id="export-folder")
            yield Static("Fichier :", markup=False, classes="muted")
            yield Static(Prose(linked_path(self.path)[len(str(self.path.parent)) + 1 :]), markup=False,
                         classes="export-path", id="export-name")
            yield Static("", id="export-copied", markup=False, classes="muted")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copier le chemin (c)", id="copy")
                yield Button("Fermer", variant="primary", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        """To the clipboard, through the terminal (OSC 52: most terminals accept it)."""
        self.app.copy_to_clipboard(str(self.path))
        self.query_one("#export-copied", Static).update("Chemin copié (si votre terminal le permet).")

    def action_close(self) -> None:
        self.dismiss(None)


def linked_path(path: Path) -> Text:
    """A path shown whole, as typed by the system (never markup), linked to the file."""
    text = Text(shown(str(path)))
    if path.is_absolute():
        text.stylize(Style(link=path.as_uri()))
    return text


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

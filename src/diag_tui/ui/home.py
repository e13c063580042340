"""Home: the saved diagnostics, and what can be done with each."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from diag_tui.bank.referential import Referential
from diag_tui.errors import UserError
from diag_tui.storage.diagnostic import Diagnostic
from diag_tui.storage.store import Store
from diag_tui.ui.dialogs import ConfirmDialog
from diag_tui.ui.messages import NewDiagnostic, ReleaseSessions, Resume
from diag_tui.untrusted import shown
from diag_tui.wording import MODE_SHORT, STAGE_LABELS


class HomeScreen(Screen):
    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("n", "new", "Nouveau"),
        Binding("enter", "resume", "Reprendre"),
        Binding("v", "results", "Résultats"),
        Binding("f", "followup", "Suivi"),
        Binding("d", "delete", "Supprimer"),
        Binding("ctrl+q", "app.quit", "Quitter"),
    ]
    highlighted: var[str | None] = var(None, bindings=True, init=False)  # the diagnostic's id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Diagnostics enregistrés sur cet ordinateur", id="home-title")
        yield DataTable(id="diagnostics", cursor_type="row", zebra_stripes=True)
        yield Static("", id="home-empty", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Organisation", "Date", "Mode", "Avancement", "Statut", "Aidant")

    def __init__(self, store: Store, ref: Referential):
        super().__init__()
        self.store, self.ref = store, ref
        self.diagnostics: dict[str, Diagnostic] = {}  # in the table's order

    def on_screen_resume(self) -> None:
        """Each time the home screen shows (the first time included): release the sessions no
        screen uses any more, and list the store again."""
        self.post_message(ReleaseSessions())
        self.reload()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        empty = self.query_one("#home-empty", Static)
        try:
            report, summaries = self.store.listing(self.ref)  # progress cached per file
        except UserError as exc:  # the data folder itself cannot be read: say so, list nothing
            self.diagnostics = {}
            empty.update(Text(shown(str(exc), multiline=True)))
            empty.display, table.display = True, False
            self.highlighted = None
            return
        for problem in report.problems:
            self.notify(problem, title="Fichier mis de côté", severity="warning", timeout=15)
        self.diagnostics = {d.id: d for d in report.diagnostics}
        for d in report.diagnostics:
            table.add_row(  # Text: names are shown as typed, never read as markup
                Text(shown(d.organisation.name)),
                f"{d.created:%d/%m/%Y}",
                MODE_SHORT[d.mode],
                f"{summaries[d.id].percent} %",
                STAGE_LABELS[d.stage],
                Text(shown(d.aidant or "")),
                key=d.id,
            )
        empty.update(
            "" if report.diagnostics else
            "Aucun diagnostic pour l'instant. Appuyez sur n pour en commencer un : "
            "les réponses sont enregistrées sur cet ordinateur à chaque question."
        )
        empty.display = not report.diagnostics
        table.display = bool(report.diagnostics)
        if report.diagnostics:
            table.focus()
        self.on_data_table_row_highlighted()
        self.refresh_bindings()  # the same diagnostic may have changed stage

    def selected(self) -> Diagnostic | None:
        return self.diagnostics.get(self.highlighted) if self.highlighted else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("resume", "results", "followup", "delete") and not self.diagnostics:
            return None
        if action == "followup":
            d = self.selected()
            return None if d is None or d.completed is None else True
        return True

    def on_data_table_row_highlighted(self) -> None:
        table = self.query_one(DataTable)
        rows = list(self.diagnostics)
        self.highlighted = rows[table.cursor_row] if 0 <= table.cursor_row < len(rows) else None

    def on_data_table_row_selected(self) -> None:
        self.action_resume()

    def action_new(self) -> None:
        self.post_message(NewDiagnostic())

    def action_resume(self) -> None:
        if (d := self.selected()) is not None:
            self.post_message(Resume(d.id))

    def action_results(self) -> None:
        if (d := self.selected()) is not None:
            self.post_message(Resume(d.id, "results"))

    def action_followup(self) -> None:
        if (d := self.selected()) is not None:
            self.post_message(Resume(d.id, "followup"))

    def action_delete(self) -> None:
        d = self.selected()
        if d is None:
            return

        name = shown(d.organisation.name)

        def delete(with_exports: bool | None) -> None:
            try:
                with self.store.open_for_edit(d.id):
                    self.store.delete(d.id, with_exports=bool(with_exports))
            except (UserError, OSError) as exc:  # shown, never fatal
                self.notify(str(exc), severity="error")
                return
            kept = "" if with_exports or not exports else " Ses exports sont conservés."
            self.notify(f"Diagnostic de {name} supprimé.{kept}")
            self.reload()

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            if not exports:
                delete(False)
                return
            self.app.push_screen(
                ConfirmDialog(
                    f"Le diagnostic va être supprimé. Supprimer aussi ses exports "
                    f"({', '.join(p.name for p in exports)}) ? Sinon, ils restent dans le dossier des exports.",
                    refuse="Les garder",
                ),
                delete,
            )

        exports = self.store.exports_of(d.id)
        self.app.push_screen(
            ConfirmDialog(
                f"Supprimer définitivement le diagnostic de « {name} » du "
                f"{d.created:%d/%m/%Y} ? Cette action ne peut pas être annulée."
            ),
            confirmed,
        )

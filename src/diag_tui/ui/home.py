"""Home: the saved diagnostics, and what can be done with each.

The table fits the terminal's width (`columns`): below 120 columns the mode joins the aidant's
column (« autodiagnostic » when there is no aidant), below 100 the status goes (« Avancement »
says « 40 % répondu » or « 2/6 mesures faites »), below 70 the aidant too; the organisation and
aidant names are shortened with « … » rather than pushed out of sight.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from diag_tui.bank.referential import Referential
from diag_tui.errors import UserError
from diag_tui.storage.diagnostic import Diagnostic
from diag_tui.storage.index import Summary
from diag_tui.storage.store import Store
from diag_tui.ui.dialogs import ConfirmDialog
from diag_tui.ui.messages import NewDiagnostic, ReleaseSessions, Resume
from diag_tui.untrusted import shown
from diag_tui.wording import MODE_SHORT, STAGE_LABELS, count


@dataclass(frozen=True)
class Column:
    label: str
    width: int


def progress_text(d: Diagnostic, summary: Summary) -> str:
    """« 40 % répondu » while answering, then « 2/6 mesures faites »: never a bare « 2/6 »."""
    if d.stage == "en_cours" or summary.priorities is None:
        return f"{summary.percent} % répondu"
    return f"{summary.done or 0}/{summary.priorities} mesures faites"


def aidant_text(d: Diagnostic, with_mode: bool) -> Text:
    """The aidant's name as typed; in narrow tables, « autodiagnostic » when there is none."""
    name = shown(d.aidant or "")
    if with_mode and d.mode == "autodiagnostic":
        return Text.assemble(name + " " if name else "", ("autodiagnostic", "italic"))
    return Text(name)


def columns(width: int, names: list[str], aidants: list[str]) -> list[Column]:
    """The table's columns for a screen `width` wide (`names` and `aidants` as they will show):
    the fixed ones at their size, the organisation and the aidant sharing what is left (each
    column takes two more cells of padding; the table has a margin and a scrollbar)."""
    room = width - 2 - 1
    fixed = [Column("Date", 10), Column("Avancement", 18)]
    if width >= 100:
        fixed.append(Column("Statut", 8))
    if width >= 120:
        fixed.insert(1, Column("Mode", 14))
    with_aidant = width >= 70
    left = room - sum(c.width + 2 for c in fixed) - 2 - (2 if with_aidant else 0)
    org_wanted = max([cell_len("Organisation"), *map(cell_len, names)])
    if not with_aidant:
        return [Column("Organisation", max(8, min(org_wanted, left))), *fixed]
    aidant_wanted = max([cell_len("Aidant"), *map(cell_len, aidants)])
    if org_wanted + aidant_wanted <= left:
        org, aidant = org_wanted, aidant_wanted
    else:
        aidant = min(aidant_wanted, max(cell_len("autodiagnostic"), left // 3))
        org = max(8, left - aidant)
    return [Column("Organisation", org), *fixed, Column("Aidant", aidant)]


def fitted(text: Text | str, width: int) -> Text:
    out = text.copy() if isinstance(text, Text) else Text(text)
    out.truncate(width, overflow="ellipsis")
    return out


class HomeScreen(Screen):
    CSS_PATH = "home.tcss"
    BINDINGS = [
        Binding("n", "new", "Nouveau"),
        # before the table's own Entrée, so that the footer shows it
        Binding("enter", "resume", "Reprendre", key_display="Entrée", priority=True),
        Binding("v", "results", "Résultats"),
        Binding("f", "followup", "Suivi"),
        Binding("d", "delete", "Supprimer"),
        Binding("ctrl+q", "app.quit", "Quitter", show=False),  # in the palette too: the footer has no room
    ]
    highlighted: var[str | None] = var(None, bindings=True, init=False)  # the diagnostic's id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Diagnostics enregistrés sur cet ordinateur", id="home-title")
        yield DataTable(id="diagnostics", cursor_type="row", zebra_stripes=True)
        yield Static("", id="home-empty", markup=False)
        yield Footer()

    def __init__(self, store: Store, ref: Referential):
        super().__init__()
        self.store, self.ref = store, ref
        self.diagnostics: dict[str, Diagnostic] = {}  # in the table's order
        self.summaries: dict[str, Summary] = {}
        self._layout: list[Column] = []

    def on_resize(self, event: events.Resize) -> None:
        if self.diagnostics and self.table_columns() != self._layout:
            self.fill_table()

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
        self.summaries = summaries
        self.fill_table()
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

    def table_columns(self) -> list[Column]:
        return columns(
            self.app.size.width,
            [shown(d.organisation.name) for d in self.diagnostics.values()],
            [aidant_text(d, self.app.size.width < 120).plain for d in self.diagnostics.values()],
        )

    def fill_table(self) -> None:
        """The rows, in columns that fit the screen's width; the cursor stays where it was."""
        table = self.query_one(DataTable)
        keep = self.highlighted
        self._layout = layout = self.table_columns()
        table.clear(columns=True)
        for column in layout:
            table.add_column(column.label, width=column.width, key=column.label)
        for d in self.diagnostics.values():
            cells: dict[str, Text | str] = {  # Text: names are shown as typed, never read as markup
                "Organisation": Text(shown(d.organisation.name)),
                "Date": f"{d.created:%d/%m/%Y}",
                "Mode": MODE_SHORT[d.mode],
                "Avancement": progress_text(d, self.summaries[d.id]),
                "Statut": STAGE_LABELS[d.stage],
                "Aidant": aidant_text(d, with_mode=not any(c.label == "Mode" for c in layout)),
            }
            table.add_row(*(fitted(cells[c.label], c.width) for c in layout), key=d.id)
        if keep in self.diagnostics:
            table.move_cursor(row=list(self.diagnostics).index(keep))

    def selected(self) -> Diagnostic | None:
        return self.diagnostics.get(self.highlighted) if self.highlighted else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("resume", "results", "followup", "delete") and not self.diagnostics:
            return None
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
        if (d := self.selected()) is None:
            return
        if d.completed is None:  # the follow-up is of a plan, which a finished diagnostic gives
            summary = self.summaries.get(d.id)
            left = f" : {count(summary.applicable - summary.answered, 'question')} sans réponse" if summary else ""
            self.notify(
                f"Le suivi commence une fois le diagnostic terminé{left}. Entrée pour le reprendre, "
                "v pour voir ses résultats provisoires.",
                title="Pas encore de suivi",
                timeout=8,
            )
            return
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

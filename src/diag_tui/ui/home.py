"""Home: the saved diagnostics, and what can be done with each.

The table fits the terminal's width (`columns`): below 120 columns the mode joins the aidant's
column (« autodiagnostic » when there is no aidant), below 100 the status goes (« Avancement »
says « 40 % répondu » or « 2/6 mesures faites »), below 70 the aidant too; the organisation and
aidant names are shortened with « … » rather than pushed out of sight.

It stays quick with thousands of diagnostics:
- the rows come from the listing index (`storage/index.py`: no file parsed, no pydantic); when
  many files must be read or summaries computed (the first start after an update, a folder
  copied in), that runs in a worker thread while the title says how far it is;
- the table holds the first rows of the list (a few screenfuls); more are added as the view
  comes near its last row (arrows, page down, wheel), all of them on ctrl+fin: with a thousand
  diagnostics, the table's rows would otherwise be most of the screen's memory;
- coming back to this screen looks again only at the files that changed since the last listing
  and updates their rows, without filling the table again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Static
from textual.widgets.data_table import CellDoesNotExist, RowKey
from textual.worker import Worker, WorkerState

from diag_tui.bank.referential import Referential
from diag_tui.errors import UserError
from diag_tui.storage.index import Listed, LoadReport, Scan, Summary
from diag_tui.storage.store import Store
from diag_tui.typography import NBSP
from diag_tui.ui.dialogs import ConfirmDialog
from diag_tui.ui.footer import Footer
from diag_tui.ui.messages import NewDiagnostic, ReleaseSessions, Resume
from diag_tui.untrusted import shown
from diag_tui.wording import MODE_SHORT, STAGE_LABELS, count

TITLE = "Diagnostics enregistrés sur cet ordinateur"
AUTO_WIDTH = cell_len("autodiagnostic")  # as `aidant_text` adds it
BACKGROUND = 40  # files to read or summaries to compute from which the listing runs in a worker thread
FIRST_ROWS = 120  # rows in the table at first (a few screenfuls)
PAGE = 100  # rows added when the view comes within a screenful of the table's last row
IN_PLACE = 100  # at most that many changed rows are updated in place; more, and the table is filled again
CHECK_DELAY = 0.5  # seconds after a quick listing before the whole folder is looked at, in a worker thread


def titled(n: int) -> str:
    """The title, with how many diagnostics are saved: the table holds the first rows of the
    list only, so its scroll bar does not tell."""
    return f"{TITLE} ({n:,})".replace(",", NBSP) if n else TITLE


@dataclass(frozen=True)
class Column:
    label: str
    width: int


def progress_text(d: Listed, summary: Summary) -> str:
    """« 40 % répondu » while answering, then « 2/6 mesures faites »: never a bare « 2/6 ». An
    express diagnostic says so first: « express, 40 % », « express, 2/6 faites »."""
    if d.form == "express":
        if d.stage == "en_cours" or summary.priorities is None:
            return f"express, {summary.percent} %"
        return f"express, {summary.done or 0}/{summary.priorities} faites"
    if d.stage == "en_cours" or summary.priorities is None:
        return f"{summary.percent} % répondu"
    return f"{summary.done or 0}/{summary.priorities} mesures faites"


def aidant_text(d: Listed, with_mode: bool) -> Text:
    """The aidant's name as typed; in narrow tables, « autodiagnostic » when there is none."""
    name = shown(d.aidant or "")
    if with_mode and d.mode == "autodiagnostic":
        return Text.assemble(name + " " if name else "", ("autodiagnostic", "italic"))
    return Text(name)


def columns(width: int, name_width: int, aidant_width: int) -> list[Column]:
    """The table's columns for a screen `width` wide, the longest organisation and aidant
    names being `name_width` and `aidant_width` cells as they will show: the fixed ones at their
    size, the organisation and the aidant sharing what is left (each column takes two more
    cells of padding; the table has a margin and a scrollbar)."""
    room = width - 2 - 1
    fixed = [Column("Date", 10), Column("Avancement", 19)]
    if width >= 100:
        fixed.append(Column("Statut", 8))
    if width >= 120:
        fixed.insert(1, Column("Mode", 14))
    with_aidant = width >= 70
    left = room - sum(c.width + 2 for c in fixed) - 2 - (2 if with_aidant else 0)
    org_wanted = max(cell_len("Organisation"), name_width)
    if not with_aidant:
        return [Column("Organisation", max(8, min(org_wanted, left))), *fixed]
    aidant_wanted = max(cell_len("Aidant"), aidant_width)
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


class NameCell(Text):
    """The organisation's cell; it carries the row's place in the list, by which the table is
    sorted again when a diagnostic changed (`DataTable.sort` only sees the cells)."""

    __slots__ = ("order",)
    order: tuple[dt.datetime, str]  # (updated, id), most recent first


class DiagnosticsTable(DataTable):
    """The home screen's table. Its columns have fixed widths (`columns`) and its rows one line:
    Textual's measuring of each new row on idle (the content widths of auto-width columns, and a
    cache of the rendered cells of up to a thousand rows) is of no use here, and costs 25 µs a
    cell and 5 MiB for a thousand rows. Only the table's size is computed (textual==8.2.8 is
    pinned: `_update_dimensions` is checked again at each upgrade by tests/test_ui_home.py)."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(())

    class Wanted(Message):
        """The view is near the table's last row (`everything`: ctrl+fin was pressed): the
        screen adds the next rows of the list, if any."""

        def __init__(self, everything: bool = False) -> None:
            super().__init__()
            self.everything = everything

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value >= self.max_scroll_y - self.size.height:
            self.post_message(self.Wanted())

    def action_scroll_bottom(self) -> None:
        """ctrl+fin: the last diagnostic of the list, not the last row the table holds so far."""
        self.post_message(self.Wanted(everything=True))


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
        yield Static(TITLE, id="home-title")
        yield DiagnosticsTable(id="diagnostics", cursor_type="row", zebra_stripes=True)
        yield Static("", id="home-empty", markup=False)
        yield Footer()

    def __init__(self, store: Store, ref: Referential):
        super().__init__()
        self.store, self.ref = store, ref
        self.rows: dict[str, Listed] = {}  # every diagnostic listed, by id, in the list's order
        self.summaries: dict[str, Summary] = {}
        self.report: LoadReport | None = None  # the last listing: the next one starts from it
        self._layout: list[Column] = []
        self._widths: dict[str, tuple[Listed, int, int, int]] = {}  # id -> (row, name, aidant, aidant with mode)
        self._widest: tuple[int, int, int] | None = None  # the largest of each, over the rows
        self._in_table: list[str] = []  # ids in the table, in its order
        self._to_add: list[Listed] = []  # rows still to add to the table, in order
        self._worker: Worker | None = None  # the listing running in a thread, if any
        self._scan: Scan | None = None  # the one whose progress the title shows
        self._ticker: Timer | None = None  # shows that progress
        self._check: Timer | None = None  # the look at the whole folder, after a quick listing
        self._again = False  # listed again once the worker is done

    def on_resize(self, event: events.Resize) -> None:
        if self.rows and self.table_columns() != self._layout:
            self.fill_table()

    def on_unmount(self) -> None:
        if self._scan is not None:  # the application is closing: do not keep it waiting
            self._scan.cancelled = True

    def on_screen_suspend(self) -> None:
        if self._check is not None:  # not while another screen is being used
            self._check.stop()
            self._check = None

    def on_screen_resume(self) -> None:
        """Each time the home screen shows (the first time included): release the sessions no
        screen uses any more, and list the store again."""
        self.post_message(ReleaseSessions())
        self.reload()

    # ---- listing -------------------------------------------------------------------------

    def reload(self) -> None:
        """List the store again. The first time, the whole folder (through the index); then only
        the files this application saved or deleted since (`Store.changed_since`), at once, and
        the whole folder a moment later in a worker thread, for what other windows or tools
        changed. Many files to read: in a worker thread, its progress in the title."""
        if self._worker is not None:  # one is under way: list again when it is done
            self._again = True
            return
        previous = self.report
        only = self.store.changed_since(previous) if previous is not None else None
        try:
            scan = self.store.scan(self.ref, previous, only)
        except UserError as exc:  # the data folder itself cannot be read: say so, list nothing
            self.show_problem(exc)
            return
        if scan.pending >= BACKGROUND:
            self._scan = scan
            self._worker = self.run_worker(lambda: _finish(scan), thread=True, group="listing", name="listing")
            self.show_progress()
            self._ticker = self.set_interval(0.2, self.show_progress)
            if not self.rows:
                empty = self.query_one("#home-empty", Static)
                empty.update("Chargement des diagnostics enregistrés…")
                empty.display, self.query_one(DataTable).display = True, False
            return
        self.show(*scan.finish())
        if only is not None:
            if self._check is not None:
                self._check.stop()
            self._check = self.set_timer(CHECK_DELAY, self.check_folder)

    def check_folder(self) -> None:
        """The whole folder, in a worker thread: what another window or tool changed."""
        self._check = None
        if self._worker is not None or self.report is None or not self.is_active:
            return
        store, ref, base = self.store, self.ref, self.report
        self._worker = self.run_worker(lambda: _finish(store.scan(ref, base)), thread=True, group="listing", name="check")

    def show_progress(self) -> None:
        scan, title = self._scan, self.query_one("#home-title", Static)
        if scan is None:
            title.update(titled(len(self.rows)))
            return
        done, total = (f"{n:,}".replace(",", NBSP) for n in scan.progress)  # 10 000
        title.update(f"{TITLE} — chargement… {done} sur {total}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._worker = None
        if self._scan is not None:
            self._scan = None
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None
            self.show_progress()
        result = event.worker.result
        if isinstance(result, UserError):
            self.show_problem(result)
        elif result is not None:  # an error goes to the application's crash report (exit_on_error)
            self.show(*result)
        if self._again:
            self._again = False
            self.reload()

    def show_problem(self, exc: UserError) -> None:
        empty, table = self.query_one("#home-empty", Static), self.query_one(DataTable)
        self.rows, self.summaries, self.report, self._in_table, self._to_add = {}, {}, None, [], []
        self.query_one("#home-title", Static).update(TITLE)
        table.clear()
        empty.update(Text(shown(str(exc), multiline=True)))
        empty.display, table.display = True, False
        self.highlighted = None

    def show(self, report: LoadReport, summaries: dict[str, Summary]) -> None:
        """Show a listing: the rows that changed since the last one are updated in place."""
        for problem in report.problems:
            self.notify(problem, title="Fichier mis de côté", severity="warning", timeout=15)
        previous, before = self.report, self.rows
        self.report, self.summaries = report, summaries
        if previous is not None and report.known is previous.known:  # nothing changed
            return
        self.rows = {d.id: d for d in report.diagnostics}
        if self._scan is None:  # else the title says how far the loading is
            self.query_one("#home-title", Static).update(titled(len(self.rows)))
        table, empty = self.query_one(DataTable), self.query_one("#home-empty", Static)
        if previous is None or not self._in_place(previous, before):
            self._widest = None
            self.fill_table()
        empty.update(
            "" if self.rows else
            "Aucun diagnostic pour l'instant. Appuyez sur n pour en commencer un : "
            "les réponses sont enregistrées sur cet ordinateur à chaque question."
        )
        empty.display = not self.rows
        table.display = bool(self.rows)
        if self.rows:
            table.focus()
        self.on_data_table_row_highlighted()
        self.refresh_bindings()  # the same diagnostic may have changed stage

    def _in_place(self, previous: LoadReport, before: dict[str, Listed]) -> bool:
        """Update the table for what changed since `previous` (`before`: its rows) without
        filling it again: it keeps holding as many of the first rows of the list as it did, the
        others come as the view nears them. False when a new filling is quicker (many
        changes) or needed (other column widths)."""
        known, old = self.report.known if self.report else {}, previous.known
        removed = [i for i in before if i not in self.rows]
        changed = {i for i in self.rows if i in before and known.get(i + ".toml") is not old.get(i + ".toml")}
        widest = self._widest
        if widest is not None:
            for i in (*removed, *changed):  # the widest may be gone: measured again
                if any(a == b for a, b in zip(self._widths.get(i, (None, -1, -1, -1))[1:], widest, strict=True)):
                    widest = None
                    break
            else:
                for i in (*changed, *(i for i in self.rows if i not in before)):
                    _, name, aidant, with_mode = self._measure(self.rows[i])
                    widest = (max(widest[0], name), max(widest[1], aidant), max(widest[2], with_mode))
        self._widest = widest
        if self.table_columns() != self._layout:
            return False
        order = list(self.rows)
        shown_now = [i for i in self._in_table if i in self.rows]
        wanted = order if not self._to_add else order[: len(shown_now)]
        in_table, in_wanted = set(shown_now), set(wanted)
        out = [i for i in shown_now if i not in in_wanted]  # moved past the rows shown so far
        into = [i for i in wanted if i not in in_table]
        if len(removed) + len(changed) + len(out) + len(into) > IN_PLACE:
            return False
        table, layout, keep = self.query_one(DataTable), self._layout, self.highlighted
        for i in (*(i for i in self._in_table if i not in self.rows), *out):  # those in the table
            table.remove_row(i)
        for i in changed & in_wanted & in_table:
            for column, cell in zip(layout, self._cells(self.rows[i]), strict=True):
                table.update_cell(i, column.label, cell)
        for i in into:
            table.add_row(*self._cells(self.rows[i]), key=i)
        if [i for i in shown_now if i in in_wanted] + into != wanted:
            table.sort("Organisation", key=lambda cell: cell.order, reverse=True)
        self._in_table = wanted
        self._to_add = [self.rows[i] for i in order[len(wanted):]]  # added when the view comes near them
        for i in removed:
            self._widths.pop(i, None)
        if keep in in_wanted:
            table.move_cursor(row=wanted.index(keep))
        return True

    # ---- the table -----------------------------------------------------------------------

    def _measure(self, d: Listed) -> tuple[Listed, int, int, int]:
        """The widths of `d`'s organisation and aidant (alone, and with the mode: `aidant_text`)."""
        widths = self._widths.get(d.id)
        if widths is None or widths[0] is not d:
            aidant = cell_len(shown(d.aidant)) if d.aidant else 0
            with_mode = aidant + (aidant > 0) + AUTO_WIDTH if d.mode == "autodiagnostic" else aidant
            widths = self._widths[d.id] = (d, cell_len(shown(d.organisation)), aidant, with_mode)
        return widths

    def table_columns(self) -> list[Column]:
        widest = self._widest
        if widest is None:
            measured = [self._measure(d) for d in self.rows.values()]
            widest = self._widest = (
                max((m[1] for m in measured), default=0),
                max((m[2] for m in measured), default=0),
                max((m[3] for m in measured), default=0),
            )
            if len(self._widths) > len(self.rows):  # deleted meanwhile
                self._widths = {i: w for i, w in self._widths.items() if i in self.rows}
        name, aidant, with_mode = widest
        width = self.app.size.width
        return columns(width, name, aidant if width >= 120 else with_mode)

    def _cells(self, d: Listed) -> list[Text | str]:
        """The cells of `d`'s row in the current columns: names as Text (shown as typed, never
        read as markup); the program's own short labels as plain strings, which fit their
        columns and hold no markup (lighter: a thousand rows are six thousand cells)."""
        cells: list[Text | str] = []
        for column in self._layout:
            label, width = column.label, column.width
            if label == "Organisation":
                cell = NameCell(shown(d.organisation))
                cell.truncate(width, overflow="ellipsis")
                cell.order = (d.updated, d.id)
                cells.append(cell)
            elif label == "Date":
                cells.append(f"{d.created:%d/%m/%Y}")
            elif label == "Mode":
                cells.append(MODE_SHORT[d.mode])
            elif label == "Avancement":
                cells.append(progress_text(d, self.summaries.get(d.id) or Summary(0, 0, None)))
            elif label == "Statut":
                cells.append(STAGE_LABELS[d.stage])
            else:  # Aidant
                with_mode = not any(c.label == "Mode" for c in self._layout)
                cells.append(fitted(aidant_text(d, with_mode=with_mode), width))
        return cells

    def fill_table(self) -> None:
        """The rows, in columns that fit the screen's width; the cursor stays where it was. The
        first rows of the list (and those up to the cursor's), the others as the view nears them."""
        table = self.query_one(DataTable)
        keep = self.highlighted
        self._layout = layout = self.table_columns()
        table.clear(columns=True)
        for column in layout:
            table.add_column(column.label, width=column.width, key=column.label)
        self._in_table, self._to_add = [], list(self.rows.values())
        at = list(self.rows).index(keep) if keep in self.rows else 0
        self._add_rows(max(FIRST_ROWS, at + FIRST_ROWS))
        if keep in self.rows:
            table.move_cursor(row=at)

    def _add_rows(self, n: int = PAGE) -> None:
        """The next `n` rows of the list."""
        table, rows = self.query_one(DataTable), self._to_add[:n]
        for d in rows:
            table.add_row(*self._cells(d), key=d.id)
        self._in_table += [d.id for d in rows]
        del self._to_add[:n]

    def on_diagnostics_table_wanted(self, event: DiagnosticsTable.Wanted) -> None:
        if event.everything:
            self._add_rows(len(self._to_add))
            self.query_one(DataTable).move_cursor(row=len(self._in_table) - 1)
        elif self._to_add:
            self._add_rows()

    # ---- actions -------------------------------------------------------------------------

    def selected(self) -> Listed | None:
        return self.rows.get(self.highlighted) if self.highlighted else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("resume", "results", "followup", "delete") and not self.rows:
            return None
        return True

    def on_data_table_row_highlighted(self) -> None:
        table = self.query_one(DataTable)
        try:
            key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        except CellDoesNotExist:  # no row
            key = None
        self.highlighted = key if key in self.rows else None

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

        name = shown(d.organisation)

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


def _finish(scan: Scan) -> tuple[LoadReport, dict[str, Summary]] | UserError:
    """The listing's long part, in the worker thread."""
    try:
        return scan.finish()
    except UserError as exc:
        return exc

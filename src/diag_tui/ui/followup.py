"""Follow-up at a checkpoint: each priority's status and notes, overdue measures, checkpoints,
re-asking only the questions behind the six, and starting a follow-up diagnostic."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import var
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Static

from diag_tui.engine.plan import PlanItem
from diag_tui.errors import UserError
from diag_tui.session import Session
from diag_tui.storage import diagnostic
from diag_tui.storage.diagnostic import STATUSES, Diagnostic, RawAnswer
from diag_tui.ui.dialogs import ConfirmDialog, NoteDialog, TextDialog
from diag_tui.ui.footer import Footer
from diag_tui.ui.messages import Compare, Export, ReviewQuestions, StartFollowUp
from diag_tui.ui.prose import Prose, fr
from diag_tui.ui.texts import interview_notes
from diag_tui.untrusted import shown
from diag_tui.wording import STATUS_LABELS, count, date_fr


class FollowupScreen(Screen):
    CSS_PATH = "followup.tcss"
    AUTO_FOCUS = "#fu-table"
    BINDINGS = [
        Binding("space", "cycle", "État", key_display="Espace"),
        Binding("e", "notes", "Notes"),
        Binding("c", "checkpoint", "Étape"),
        Binding("r", "review", "Revoir"),
        Binding("n", "new_diagnostic", "Nouveau"),  # a follow-up diagnostic (short: the footer holds 80 columns)
        Binding("v", "compare", "Comparer"),
        Binding("x", "export", "Export"),
        Binding("h", "history", "Journal"),
        Binding("escape", "back", "Retour", key_display="Échap", show=False),  # no room at 80 columns
    ]
    items: var[tuple[PlanItem, ...]] = var((), bindings=True, init=False)  # the plan's measures

    def __init__(self, session: Session, today: dt.date | None = None):
        super().__init__()
        self.session = session
        self.today = today or diagnostic.now().date()  # one clock (fixed in the screenshots)
        self.reviewing: dict[str, RawAnswer] | None = None  # the answers before a re-check (`r`)
        self.review_shown = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="fu-summary", markup=False)
        yield DataTable(id="fu-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="fu-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)  # ctrl+p still opens it: no room at 80 columns

    def on_mount(self) -> None:
        self.title = f"Suivi — {shown(self.session.diag.organisation.name)}"
        table = self.query_one(DataTable)
        table.add_columns("N°", "État", "Échéance", "Mesure")
        self.reload()

    def on_screen_suspend(self) -> None:
        self.review_shown = self.reviewing is not None  # the re-check's questions cover this screen

    def on_screen_resume(self) -> None:
        self.reload()
        if self.reviewing is not None and self.review_shown:  # back from a re-check
            before, self.reviewing, self.review_shown = self.reviewing, None, False
            self.after_review(before)

    def reload(self) -> None:
        session = self.session
        state_of = session.follow_up(self.today)
        self.items = state_of.plan.items
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.items:
            status = state_of.statuses[item.measure.id]
            overdue = item.measure.id in state_of.late
            due = Text(date_fr(item.due), style="bold red" if overdue else "")
            state = Text(STATUS_LABELS[status] + (" · en retard" if overdue else ""), style="bold red" if overdue else "")
            table.add_row(str(item.rank), state, due, item.priority.finding.title, key=item.measure.id)
        if self.items:
            table.move_cursor(row=min(max(row, 0), len(self.items) - 1))
        next_checkpoint = state_of.next_checkpoint
        summary = Text()
        summary.append(f"{state_of.done} sur {len(self.items)} faites", style="bold")
        if state_of.late:
            summary.append(f" · {len(state_of.late)} en retard", style="bold red")
        if next_checkpoint:
            summary.append(f" · prochain point d'étape : M+{next_checkpoint.month} le {date_fr(next_checkpoint.date)}")
        else:
            summary.append(" · tous les points d'étape sont faits")
        summary.append(f" · aujourd'hui : {date_fr(self.today)}", style="dim")
        self.query_one("#fu-summary", Static).update(summary)
        self.show_detail()

    def selected(self) -> PlanItem | None:
        table = self.query_one(DataTable)
        if not self.items or table.cursor_row < 0:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    def show_detail(self) -> None:
        item = self.selected()
        detail = self.query_one("#fu-detail", Static)
        if item is None:
            detail.update("Aucune mesure prioritaire à suivre.")
            return
        progress = self.session.diag.status_of(item.measure.id)
        text = Text()
        text.append(fr(item.priority.finding.title) + "\n", style="bold")
        owner_line = f"Responsable : {item.priority.finding.owner} · {self.session.ref.theme(item.measure.theme).title}"
        text.append(fr(owner_line) + "\n", style="dim")
        text.append(fr(f"Pour commencer : {item.first_step}") + "\n", style="italic")
        text.append(fr("Comment vérifier que c'est fait : "), style="bold")
        text.append(fr(item.priority.finding.detail.check) + "\n")
        if item.priority.override:
            text.append("Choisie par l'aidant : ", style="bold")
            text.append(shown(item.priority.override.reason) + "\n")
        text.append_text(interview_notes(self.session.ref, self.session.diag, item.priority.finding.sources))
        text.append("Notes de suivi : ", style="bold")
        text.append(shown(progress.notes, multiline=True) or "aucune (e pour en écrire)")
        if progress.updated:
            text.append(f"\nMis à jour le {date_fr(progress.updated)}", style="dim")
        detail.update(Prose(text))

    def on_data_table_row_highlighted(self) -> None:
        self.show_detail()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("cycle", "notes", "review") and not self.items:
            return None
        if action == "compare":
            return bool(self.session.diag.previous)
        return True

    # ---- actions ------------------------------------------------------------------------------

    def _apply(self, change) -> bool:
        try:
            change()
        except UserError as exc:
            self.notify(str(exc), title="Enregistrement impossible", severity="error", timeout=20)
            return False
        self.reload()
        return True

    def action_cycle(self) -> None:
        item = self.selected()
        if item is None:
            return
        current = self.session.diag.status_of(item.measure.id).status
        new = STATUSES[(STATUSES.index(current) + 1) % len(STATUSES)]
        self._apply(lambda: self.session.set_measure(item.measure.id, status=new))

    def action_notes(self) -> None:
        item = self.selected()
        if item is None:
            return

        def done(text: str | None) -> None:
            if text is not None:
                self._apply(lambda: self.session.set_measure(item.measure.id, notes=text.strip()))

        self.app.push_screen(
            NoteDialog(f"Notes : {item.priority.finding.title}", self.session.diag.status_of(item.measure.id).notes,
                       "Ce qui a été fait, ce qui bloque, qui s'en occupe…"),
            done,
        )

    def action_checkpoint(self) -> None:
        checkpoint = self.session.follow_up(self.today).next_checkpoint
        if checkpoint is None:
            self.notify("Tous les points d'étape sont déjà faits.")
            return

        def done(text: str | None) -> None:
            if text is not None and self._apply(lambda: self.session.set_checkpoint(checkpoint.month, done=True, notes=text.strip())):
                self.notify(f"Point d'étape M+{checkpoint.month} enregistré.")

        self.app.push_screen(
            TextDialog(f"Point d'étape M+{checkpoint.month} (prévu le {date_fr(checkpoint.date)})", "",
                       "Ce qui a été décidé à ce point d'étape",
                       "Entrée : marquer ce point d'étape comme fait · Échap : annuler"),
            done,
        )

    def action_review(self) -> None:
        questions = tuple(self.session.review_questions())

        def confirmed(yes: bool | None) -> None:
            if not yes or not self._apply(self.session.hand_over):
                return
            self.reviewing = dict(self.session.diag.answers)
            self.post_message(ReviewQuestions(self.session, questions))

        self.app.push_screen(
            ConfirmDialog(
                f"Revoir les {count(len(questions), 'question')} à l'origine des mesures du plan ? Les résultats remis"
                " et le plan ne changent pas : chaque réponse modifiée est notée, datée, dans le journal du diagnostic (h),"
                " puis vous décidez quelles mesures marquer « fait ».",
                confirm="Revoir",
                danger=False,
            ),
            confirmed,
        )

    def after_review(self, before: dict[str, RawAnswer]) -> None:
        """Say what the re-check changed, record it, and offer to close the measures the answers
        no longer call for (nothing else changes without the aidant's word)."""
        recheck = self.session.recheck(before)
        if not recheck.changes:
            self.notify("Aucune réponse n'a changé : le plan reste tel quel.")
            return
        if not self._apply(lambda: self.session.record_all([f"Réponse revue au suivi : {c.text}" for c in recheck.changes])):
            return
        changed = count(len(recheck.changes), "réponse modifiée", "réponses modifiées")
        changed += ", notée" if len(recheck.changes) == 1 else ", notées"
        titles = {i.measure.id: i.priority.finding.title for i in self.items}
        gone = [titles[m] for m in recheck.no_longer_needed]
        if not gone:
            self.notify(f"{changed} dans le journal (h). Les mesures du plan restent nécessaires d'après ces réponses.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes and self._apply(lambda: self.session.set_measures(recheck.no_longer_needed, "fait")):
                self.notify(f"{count(len(gone), 'mesure marquée', 'mesures marquées')} « fait ».")

        listing = "\n".join(f"• {title}" for title in gone)
        self.app.push_screen(
            ConfirmDialog(
                f"{changed} dans le journal (h). D'après les réponses revues, ces mesures du plan ne sont "
                f"plus nécessaires :\n{listing}\nLes marquer « fait » ? Leurs notes sont gardées.",
                confirm="Marquer « fait »",
                refuse="Laisser tel quel",
                danger=False,
            ),
            confirmed,
        )

    def action_new_diagnostic(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.post_message(StartFollowUp(self.session))

        self.app.push_screen(
            ConfirmDialog(
                "Commencer un nouveau diagnostic de suivi ? Il reprend toutes les réponses de celui-ci, "
                "que vous revoyez une à une ; le premier diagnostic reste tel quel.",
                confirm="Commencer",
                danger=False,
            ),
            confirmed,
        )

    def action_compare(self) -> None:
        self.post_message(Compare(self.session))

    def action_export(self) -> None:
        self.post_message(Export(self.session, "toml"))

    def action_history(self) -> None:
        self.app.push_screen(HistoryScreen(self.session.diag))

    def action_back(self) -> None:
        self.app.pop_screen()


class HistoryScreen(ModalScreen[None]):
    """The diagnostic's journal, newest first: answers revised at checkpoints, referential
    updates, results handed over."""

    AUTO_FOCUS = "#history-scroll"
    BINDINGS = [Binding("escape", "close", "Fermer"), Binding("h", "close", "Fermer", show=False)]

    def __init__(self, diag: Diagnostic):
        super().__init__(classes="dialog")
        self.diag = diag

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="history-box"):
            yield Static("Journal du diagnostic", classes="dialog-title", markup=False)
            with VerticalScroll(id="history-scroll"):
                yield Static(Prose(self.entries()), markup=False)
            yield Static("↑↓ : faire défiler · Échap : fermer", classes="dialog-hint", markup=False)

    def entries(self) -> Text:
        text = Text()
        given = self.diag.handed_over
        # entries are written by the application (bank texts inside), but come from a file
        events = [(e.at, fr(shown(e.text, multiline=True))) for e in self.diag.journal]
        if given is not None:
            events.append((given.at, "Résultats remis : le plan et le suivi reposent sur les réponses de ce jour-là."))
        if not events:
            return Text("Rien d'enregistré pour l'instant.", style="dim")
        for at, line in sorted(events, key=lambda e: e[0], reverse=True):
            text.append(f"{date_fr(at)} {at:%H:%M}  ", style="bold")
            text.append(line + "\n")
        return text

    def action_close(self) -> None:
        self.dismiss(None)

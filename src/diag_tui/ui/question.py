"""The question screen: one question at a time, one keystroke per answer."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from diag_tui.bank.referential import OptionKind, Question
from diag_tui.engine.answers import minutes_left
from diag_tui.errors import UserError
from diag_tui.session import Session
from diag_tui.ui.answer_list import AnswerList
from diag_tui.ui.messages import GoHome, Open
from diag_tui.ui.progress_line import ProgressLine
from diag_tui.ui.prose import Prose, fr
from diag_tui.untrusted import shown


class QuestionScreen(Screen):
    """`only` restricts the walk to some questions (a checkpoint re-asks those behind the six)."""

    CSS_PATH = "question.tcss"
    BINDINGS = [
        *(Binding(str(n), f"choose({n - 1})", f"Option {n}", show=False) for n in range(1, 10)),
        Binding("enter", "validate", "Valider", show=False, priority=True),
        Binding("space", "toggle_highlighted", "Cocher", show=False),
        Binding("n", "next", "Suivante"),
        Binding("p", "previous", "Précédente"),
        Binding("s", "skip", "Passer"),
        Binding("t", "overview", "Thèmes"),
        Binding("question_mark", "toggle_help", "Aide"),
        Binding("m", "note", "Note"),
        Binding("r", "flag", "À revoir"),
        Binding("v", "results", "Résultats"),
        Binding("escape", "leave", "Accueil"),
    ]
    show_help: var[bool] = var(False, init=False)  # « Pourquoi cette question ? », shown in self-service

    def __init__(self, session: Session, start: str | None = None, only: tuple[str, ...] | None = None):
        super().__init__()
        self.session = session
        self.only = only
        self.current: Question = session.question(start) if start else session.resume_question()
        self.set_reactive(QuestionScreen.show_help, session.diag.mode == "autodiagnostic")
        self.opened = time.monotonic()
        self.answered_here = 0
        self.changed_here: list[str] = []
        self._shown: dict[str, str | Text | Prose] = {}  # what each Static shows, by selector

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="q-status"):
            yield Static("", id="q-position", markup=False)
            yield Static("", id="q-pace", markup=False)
            yield Static("", id="q-saved", markup=False)
        yield ProgressLine(id="q-progress")
        with VerticalScroll(id="q-body"):
            yield Static("", id="q-text", markup=False)
            yield Static("", id="q-help", markup=False)
            yield AnswerList(id="q-options")
            yield Static("", id="q-marks", markup=False)
        yield Static(
            "Tapez 1 à 9 pour répondre, ou ↑↓ puis Entrée. Échap : retour à l'accueil (tout est déjà enregistré).",
            id="q-hint", markup=False,
        )
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"diag-tui — {shown(self.session.diag.organisation.name)}"
        for notice in self.session.notices:
            self.notify(notice, title="Référentiel mis à jour", severity="warning", timeout=12)
        self.session.notices = []
        self.show_question(self.current)

    # ---- what is on screen ---------------------------------------------------------------

    def walk(self) -> list[Question]:
        questions = self.session.questions()
        if self.only is not None:
            questions = [q for q in questions if q.id in self.only]
        return questions

    def show_question(self, question: Question) -> None:
        self.current = question
        ref, session = self.session.ref, self.session
        walk = self.walk()
        index = next((i for i, q in enumerate(walk) if q.id == question.id), 0)
        theme = ref.theme(question.theme)
        in_theme = [q for q in walk if q.theme == question.theme]
        k = next((i for i, q in enumerate(in_theme) if q.id == question.id), 0) + 1
        follow_up = " · question complémentaire" if question.id in ref.parent else ""
        self._update("#q-position", f"{theme.title} · {k}/{len(in_theme)}{follow_up} — question {index + 1} sur {len(walk)}")
        remaining = sum(1 for q in walk if not session.is_answered(q))
        self.query_one("#q-progress", ProgressLine).set_progress(len(walk) - remaining, len(walk))

        text = Text(fr(question.text), style="bold")
        if question.kind == "multiple":
            text.append("\nPlusieurs réponses possibles : chiffres (ou Espace) pour cocher, Entrée pour valider.", style="italic")
        self._update("#q-text", Prose(text))
        self._update("#q-help", Prose(Text.assemble((fr("Pourquoi cette question ? "), "bold"), fr(question.help))))
        self.query_one("#q-help", Static).display = self.show_help

        chosen = set(session.chosen(question))
        labels = []
        for n, option in enumerate(question.options, start=1):
            mark = ("☑ " if option.id in chosen else "☐ ") if question.kind == "multiple" else ("● " if option.id in chosen else "  ")
            labels.append((Text(f"{n}  {mark}", "bold"), Text(fr(option.label), "" if option.kind is OptionKind.ANSWER else "italic")))
        options = self.query_one("#q-options", AnswerList)
        options.set_options(labels, highlighted=next((i for i, o in enumerate(question.options) if o.id in chosen), 0))
        options.focus()
        self.update_marks()
        self.update_pace(remaining)
        self.query_one("#q-body", VerticalScroll).scroll_home(animate=False)

    def _update(self, selector: str, content: str | Text | Prose) -> None:
        """Update a Static only when its content changes: each update costs a layout pass."""
        if self._shown.get(selector) != content:
            self._shown[selector] = content
            self.query_one(selector, Static).update(content)

    def update_marks(self) -> None:
        marks = []
        if self.current.id in self.session.diag.flagged:
            marks.append("⚑ à revoir")
        if self.current.id in self.session.diag.skipped and not self.session.is_answered(self.current):
            marks.append("↷ passée")
        note = self.session.diag.notes.get(self.current.id)
        if note:
            marks.append(f"Note : {shown(note, multiline=True)}")
        self._update("#q-marks", "\n".join(marks))
        self.query_one("#q-marks", Static).display = bool(marks)

    def update_pace(self, remaining: int) -> None:
        elapsed = time.monotonic() - self.opened
        estimate = minutes_left(remaining, elapsed, self.answered_here)
        left = f"reste ≈ {estimate} min" if estimate >= 1 else "reste < 1 min"
        self._update("#q-pace", f"{int(elapsed // 60)} min · {left}" if remaining else f"{int(elapsed // 60)} min · tout est répondu")

    def show_saved(self, ok: bool, message: str = "") -> None:
        self.query_one("#q-saved", Static).set_class(not ok, "error")
        self._update("#q-saved", "✓ enregistré" if ok else "⚠ NON enregistré")
        if not ok:
            self.notify(message, title="Enregistrement impossible", severity="error", timeout=20)

    # ---- answering ------------------------------------------------------------------------

    def on_answer_list_clicked(self, event: AnswerList.Clicked) -> None:
        """A mouse click on an option (Enter is the `validate` binding)."""
        event.stop()
        self.action_choose(event.index)

    def action_validate(self) -> None:
        """Enter: choose the highlighted option; on a multiple-choice question, confirm the ticks."""
        if self.current.kind == "multiple":
            self.action_next()
            return
        self.action_choose(self.query_one("#q-options", AnswerList).highlighted)

    def action_toggle_highlighted(self) -> None:
        if self.current.kind == "multiple":
            self.toggle(self.current.options[self.query_one("#q-options", AnswerList).highlighted].id)

    def action_choose(self, index: int) -> None:
        question = self.current
        if index >= len(question.options):
            return
        option = question.options[index]
        if question.kind == "multiple":
            self.toggle(option.id)
            return
        before = self.session.diag.answers.get(question.id)
        if not self.save(question.id, option.id):
            return
        if before != option.id:
            self.changed_here.append(question.id)
        self.answered_here += 1
        self.action_next()

    def toggle(self, option_id: str) -> None:
        question = self.current
        ticked = self.session.toggled(question, option_id)
        if self.save(question.id, list(ticked) or None):
            options = self.query_one("#q-options", AnswerList)
            highlighted = options.highlighted
            self.show_question(question)
            options.highlight(highlighted)

    def save(self, question_id: str, value) -> bool:
        try:
            self.session.answer(question_id, value)
        except UserError as exc:
            self.show_saved(False, str(exc))
            return False
        self.show_saved(True)
        return True

    # ---- moving -----------------------------------------------------------------------------

    def action_next(self) -> None:
        if self.current.kind == "multiple" and self.session.is_answered(self.current):
            self.answered_here += 1
        walk = self.walk()
        ids = [q.id for q in walk]
        if self.current.id in ids:
            position = ids.index(self.current.id) + 1
        else:  # the current question was just hidden by a context answer: go to the next one that applies
            order = [q.id for q in self.session.ref.questions]
            position = next((i for i, q in enumerate(walk) if order.index(q.id) > order.index(self.current.id)), len(walk))
        if position < len(walk):
            self.show_question(walk[position])
        else:
            self.finished()

    def action_previous(self) -> None:
        walk = self.walk()
        ids = [q.id for q in walk]
        if self.current.id in ids and ids.index(self.current.id) > 0:
            self.show_question(walk[ids.index(self.current.id) - 1])

    def action_skip(self) -> None:
        if not self.session.is_answered(self.current):
            try:
                self.session.skip(self.current.id)
            except UserError as exc:
                self.show_saved(False, str(exc))
        self.action_next()

    def finished(self) -> None:
        """End of the walk: unanswered questions left? say so; else the results (or back)."""
        if self.only is not None:
            changed = sorted(set(self.changed_here))
            if changed:
                try:
                    self.session.record(f"Point d'étape : réponses modifiées pour {', '.join(changed)}.")
                except UserError as exc:
                    self.show_saved(False, str(exc))
            self.notify(f"Questions revues : {len(changed)} réponse(s) modifiée(s).")
            self.app.pop_screen()
            return
        missing = self.session.first_unanswered()
        if missing is not None:
            self.notify(
                "Des questions restent sans réponse (t pour les voir). Les résultats sont provisoires.",
                severity="warning",
            )
        self.action_results()

    def action_results(self) -> None:
        self.post_message(Open(self.session, "results"))

    def action_overview(self) -> None:
        from diag_tui.ui.overview import OverviewScreen

        def jump(question_id: str | None) -> None:
            if question_id:
                self.show_question(self.session.question(question_id))

        self.app.push_screen(OverviewScreen(self.session, self.current.id, self.only), jump)

    def action_toggle_help(self) -> None:
        self.show_help = not self.show_help

    def watch_show_help(self, show: bool) -> None:
        self.query_one("#q-help", Static).display = show

    def action_note(self) -> None:
        question = self.current

        def done(text: str | None) -> None:
            if text is None:
                return
            try:
                self.session.set_note(question.id, text)
            except UserError as exc:
                self.show_saved(False, str(exc))
                return
            self.show_saved(True)
            self.update_marks()

        from diag_tui.ui.dialogs import (
            TextDialog,  # not needed before the first question
        )

        self.app.push_screen(
            TextDialog("Note sur cette question", self.session.diag.notes.get(question.id, ""),
                       "Ce que dit l'organisation, ce qu'il faut vérifier…", "Entrée : enregistrer (vide pour effacer) · Échap : annuler"),
            done,
        )

    def action_flag(self) -> None:
        try:
            on = self.session.toggle_flag(self.current.id)
        except UserError as exc:
            self.show_saved(False, str(exc))
            return
        self.show_saved(True)
        self.notify("Question marquée « à revoir »." if on else "Marque « à revoir » retirée.", timeout=3)
        self.update_marks()

    def action_leave(self) -> None:
        if self.only is not None:
            self.app.pop_screen()
        else:
            self.post_message(GoHome())


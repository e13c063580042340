"""The question screen: one question at a time, one keystroke per answer."""

from __future__ import annotations

import functools
import time

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Static

from diag_tui.bank.referential import OptionKind, Question
from diag_tui.engine.answers import minutes_left
from diag_tui.errors import UserError
from diag_tui.session import Session
from diag_tui.ui.answer_list import AnswerList
from diag_tui.ui.footer import Footer
from diag_tui.ui.messages import GoHome, Open
from diag_tui.ui.progress_line import ProgressLine, settled_progress
from diag_tui.ui.prose import Prose, fr
from diag_tui.untrusted import shown

# The keys the footer has no room for, in the line above it: one line at 80 columns, and a
# shorter one that fits 60.
HINTS = {
    "single": ("1 à 9 ou ↑↓ Entrée : répondre · n/p : suivante/précédente · Échap : accueil",
               "1 à 9 : répondre · n/p : suiv./préc. · Échap : accueil"),
    "multiple": ("1 à 9 ou Espace : cocher · Entrée : valider · p : précédente · Échap : accueil",
                 "1 à 9 : cocher · Entrée : valider · Échap : accueil"),
}
HELP_MORE = "▼ la suite : PgSuiv (PgPréc pour remonter)"
MIN_HELP_LINES = 2  # the help never shrinks below this: past it, the whole body scrolls
PREPARE_AFTER = 0.03  # seconds after a question is shown: its frame has been written (_prepare_next)

# How the status line shortens when the screen narrows: (position, pace, saved) forms, richest
# first (`fit_status`). The time estimate shortens first; « question N sur M » always stays.
STATUS_STEPS = ((0, 0, 0), (0, 1, 0), (1, 1, 0), (1, 2, 0), (2, 2, 0), (2, 2, 1), (2, 3, 1), (3, 3, 1))


@functools.cache
def _hint(text: str) -> Prose:
    return Prose(fr(text))


class _Wrapped(Prose):
    """Prose that keeps its lines at the last width it was wrapped to: the screen wraps a new
    question's text to know whether its height changes, then Textual draws the same lines."""

    def __init__(self, text: Text | str) -> None:
        super().__init__(text)
        self._wrapped: tuple[int, list[Text]] | None = None

    def lines(self, width: int) -> list[Text]:
        if self._wrapped is None or self._wrapped[0] != width:
            self._wrapped = (width, super().lines(width))
        return self._wrapped[1]


def fit_status(width: int, positions: list[str], paces: list[str], saved: list[str]) -> tuple[str, str, str]:
    """The richest (position, pace, saved) that fits in `width` cells (pace and saved are each
    two cells apart from what comes before them)."""
    for p, t, s in STATUS_STEPS:
        position, pace, mark = positions[p], paces[t], saved[s]
        used = cell_len(position) + (cell_len(pace) + 2 if pace else 0) + (cell_len(mark) + 2 if mark else 0)
        if used <= width:
            break
    return position, pace, mark


class QuestionScreen(Screen):
    """`only` restricts the walk to some questions (a checkpoint re-asks those behind the six)."""

    CSS_PATH = "question.tcss"
    AUTO_FOCUS = "#q-options"  # straight to the options (not the body first, then the options)
    BINDINGS = [
        *(Binding(str(n), f"choose({n - 1})", f"Option {n}", show=False) for n in range(1, 10)),
        Binding("enter", "validate", "Valider", show=False, priority=True),
        Binding("space", "toggle_highlighted", "Cocher", show=False),
        Binding("n", "next", "Suivante", show=False),  # n, p and Échap: in the hint line
        Binding("p", "previous", "Précédente", show=False),
        Binding("s", "skip", "Passer"),
        Binding("t", "overview", "Thèmes"),
        Binding("question_mark", "toggle_help", "Aide"),
        Binding("m", "note", "Note"),
        Binding("r", "flag", "À revoir"),
        Binding("v", "results", "Résultats"),
        Binding("escape", "leave", "Accueil", show=False),
        Binding("pagedown", "scroll_help(1)", "Suite de l'aide", show=False, priority=True),
        Binding("pageup", "scroll_help(-1)", "Début de l'aide", show=False, priority=True),
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
        self._shown: dict[str, str | Text | Prose] = {}  # what each Static shows, by selector
        self._help_pending: Prose | None = None  # the help of the question shown, while the help is hidden
        self._presented: dict[str, tuple[_Wrapped, Prose, list[Text]]] = {}  # by question id (_texts)
        # the status line's forms, richest first (fit_status): position, time, save state
        self._status: tuple[list[str], list[str], list[str]] = ([""] * 4, [""] * 4, ["", ""])
        self._help_limit: int | None = None  # the help's height when it has to scroll
        self._fit_pending = False
        self._stale = False  # answers may have changed while another screen was on top

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="q-status"):
            yield Static("", id="q-position", markup=False)
            yield Static("", id="q-pace", markup=False)
            yield Static("", id="q-saved", markup=False)
        yield ProgressLine(id="q-progress")
        with VerticalScroll(id="q-body"):
            yield Static("", id="q-text", markup=False)
            with Vertical(id="q-help-area"):  # the help scrolls in its box: the options never leave the screen
                with VerticalScroll(id="q-help-box", can_focus=False):
                    yield Static("", id="q-help", markup=False)
                yield Static(Prose(fr(HELP_MORE)), id="q-help-more", markup=False)
            yield AnswerList(id="q-options")
            yield Static("", id="q-marks", markup=False)
        yield Static("", id="q-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        express = " (diagnostic express)" if self.session.diag.express else ""
        self.title = f"diag-tui — {shown(self.session.diag.organisation.name)}{express}"
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
        theme = ref.theme(question.theme).title
        in_theme = [q for q in walk if q.theme == question.theme]
        k, n = next((i for i, q in enumerate(in_theme) if q.id == question.id), 0) + 1, len(in_theme)
        where = f"question {index + 1} sur {len(walk)}"
        follow_up = question.id in ref.parent
        self._status[0][:] = [
            f"{theme} ({k} sur {n} du thème){' · question complémentaire' if follow_up else ''} — {where}",
            f"{theme} ({k} sur {n}){' · complémentaire' if follow_up else ''} — {where}",
            f"{theme}{' · complémentaire' if follow_up else ''} — {where}",
            f"{'↳ ' if follow_up else ''}{where}",
        ]
        answered = {q.id for q in walk if session.is_answered(q)}
        remaining = len(walk) - len(answered)
        if self.only is None:  # follow-ups count from the start: revealing one never moves the bar back
            done, total = settled_progress(ref, walk, lambda q: q.id in answered)
        else:
            done, total = len(answered), len(walk)
        self.query_one("#q-progress", ProgressLine).set_progress(done, total)

        prose, help_text, bodies = self._texts(question)
        self._update("#q-text", prose, layout=self._height_changes("#q-text", prose))
        # Shown when the help is (fit_help): a hidden Static that changes still costs a layout.
        self._help_pending = help_text
        self.show_hint()

        chosen = set(session.chosen(question))
        labels = []
        for n, (option, body) in enumerate(zip(question.options, bodies, strict=True), start=1):
            mark = ("☑ " if option.id in chosen else "☐ ") if question.kind == "multiple" else ("● " if option.id in chosen else "  ")
            labels.append((Text(f"{n}  {mark}", "bold"), body))
        options = self.query_one("#q-options", AnswerList)
        options.set_options(labels, highlighted=next((i for i, o in enumerate(question.options) if o.id in chosen), 0))
        if not options.has_focus:
            options.focus(scroll_visible=False)  # the question's text stays in view above its options
        self.update_marks()
        self.update_pace(remaining)
        for box in (self.query_one("#q-body", VerticalScroll), self.query_one("#q-help-box", VerticalScroll)):
            if box.scroll_x or box.scroll_y:
                box.scroll_home(animate=False)
        # Not straight after the frame: the thread that writes it to the terminal waits for
        # this one to pause (Python's GIL), and the question would reach the screen later.
        self.set_timer(PREPARE_AFTER, lambda: self._prepare_next(question, walk))

    def _prepare_next(self, question: Question, walk: list[Question]) -> None:
        """Once the question is on the screen, make ready what the questions that can come next
        show (the next one in the walk, and those an answer may reveal), so that the answer's
        keystroke does not wait for it."""
        if self.current is not question or not self.is_attached:
            return
        ids = [q.id for q in walk]
        after = walk[ids.index(question.id) + 1 :][:1] if question.id in ids else []
        revealed = {f for o in question.options for f in o.follow_ups}
        width = self.query_one("#q-text", Static).content_region.width
        options = self.query_one("#q-options", AnswerList)
        for candidate in [*after, *(q for q in self.session.ref.questions if q.id in revealed)]:
            prose, _, bodies = self._texts(candidate)
            if width > 0:
                prose.lines(width)
            options.prepare(bodies)

    def _texts(self, question: Question) -> tuple[_Wrapped, Prose, list[Text]]:
        """The question's text, its help and its options' texts as shown (French typography),
        made once per question: the bank does not change while the screen is open."""
        made = self._presented.get(question.id)
        if made is None:
            text = Text(fr(question.text), style="bold")
            if question.kind == "multiple":
                text.append("\nPlusieurs réponses possibles.", style="italic")
            help_text = Prose(Text.assemble((fr("Pourquoi cette question ? "), "bold"), fr(question.help)))
            bodies = [Text(fr(o.label), "" if o.kind is OptionKind.ANSWER else "italic") for o in question.options]
            made = self._presented[question.id] = (_Wrapped(text), help_text, bodies)
        return made

    def _update(self, selector: str, content: str | Text | Prose, *, layout: bool = True) -> None:
        """Update a Static only when its content changes. `layout=False` when its size cannot
        change: a layout pass arranges the whole screen again, the largest part of a keystroke."""
        if self._shown.get(selector) != content:
            self._shown[selector] = content
            self.query_one(selector, Static).update(content, layout=layout)

    def _height_changes(self, selector: str, prose: Prose) -> bool:
        """Whether `prose` takes another number of lines than what the Static shows now (or
        whether that cannot be known yet: not shown or not laid out)."""
        before = self._shown.get(selector)
        width = self.query_one(selector, Static).content_region.width
        if not isinstance(before, Prose) or width <= 0:
            return True
        return len(before.lines(width)) != len(prose.lines(width))

    def _width_changes(self, selector: str, text: str) -> bool:
        """Whether a Static as wide as its text (the pace, the save state) changes width."""
        before = self._shown.get(selector)
        return before is None or cell_len(str(before)) != cell_len(text)

    def update_marks(self) -> None:
        marks = []
        if self.current.id in self.session.diag.flagged:
            marks.append("⚑ à revoir")
        if self.current.id in self.session.diag.skipped and not self.session.is_answered(self.current):
            marks.append("↷ passée")
        note = self.session.diag.notes.get(self.current.id)
        if note:
            # a note of several lines: each line under the first, not under « Note »
            marks.append("Note : " + shown(note, multiline=True).replace("\n", "\n       "))
        self._update("#q-marks", Prose("\n".join(marks)))
        self.query_one("#q-marks", Static).display = bool(marks)
        self.fit_help()

    def update_pace(self, remaining: int) -> None:
        elapsed = time.monotonic() - self.opened
        spent = f"écoulé : {int(elapsed // 60)} min"
        if remaining:
            estimate = minutes_left(remaining, elapsed, self.answered_here)
            left = f"reste ≈ {estimate} min" if estimate >= 1 else "reste < 1 min"
            self._status[1][:] = [f"{spent} · {left}", left, left, ""]
        else:
            self._status[1][:] = [f"{spent} · tout est répondu", "tout est répondu", "", ""]
        self.show_status()

    def show_hint(self) -> None:
        full, short = HINTS[self.current.kind]
        self._update("#q-hint", _hint(full if cell_len(full) <= self.app.size.width - 2 else short))

    def show_status(self) -> None:
        """The status line at the screen's width (`fit_status`)."""
        position, pace, saved = fit_status(self.app.size.width - 2, *self._status)
        # The position takes the width its neighbours leave (1fr), whatever its text.
        self._update("#q-position", position, layout="#q-position" not in self._shown)
        self._update("#q-pace", pace, layout=self._width_changes("#q-pace", pace))
        self._update("#q-saved", saved, layout=self._width_changes("#q-saved", saved))
        self.query_one("#q-pace", Static).display = bool(pace)
        self.query_one("#q-saved", Static).display = bool(saved)

    def fit_help(self) -> None:
        """Every option stays on screen: the help gets the lines that the question, its options
        and its marks leave, and scrolls in them (PgSuiv, PgPréc, the mouse wheel) when it needs
        more; below MIN_HELP_LINES, the whole body scrolls instead."""
        area = self.query_one("#q-help-area", Vertical)
        area.display = self.show_help
        if not self.show_help:
            return
        if self._help_pending is not None:
            self._update("#q-help", self._help_pending)
            self._help_pending = None
        body = self.query_one("#q-body", VerticalScroll)
        height, width = body.content_region.height, body.content_region.width
        if height <= 0 or width <= 0:  # not laid out yet: once it is
            if not self._fit_pending:
                self._fit_pending = True
                self.call_after_refresh(self._fit_later)
            return
        options = self.query_one("#q-options", AnswerList)
        marks = self.query_one("#q-marks", Static)
        taken = len(self._prose("#q-text").lines(width)) + 1  # and its margin
        taken += options.line_count(width)
        if marks.display:
            taken += len(self._prose("#q-marks").lines(width)) + 1
        room = height - taken - 1  # the help's own margin
        needed = len(self._prose("#q-help").lines(width - 3))  # its border and padding take 3 cells
        limit = None if needed <= room else max(MIN_HELP_LINES, room - 1)  # a line for HELP_MORE
        self.query_one("#q-help-more", Static).display = limit is not None
        if limit != self._help_limit:
            self._help_limit = limit
            self.query_one("#q-help-box", VerticalScroll).styles.max_height = limit

    def _fit_later(self) -> None:
        self._fit_pending = False
        self.fit_help()

    def _prose(self, selector: str) -> Prose:
        shown_there = self._shown.get(selector, "")
        return shown_there if isinstance(shown_there, Prose) else Prose(shown_there)

    def on_resize(self, event: events.Resize) -> None:
        self.show_status()
        self.show_hint()
        self.call_after_refresh(self.fit_help)

    def on_screen_resume(self) -> None:
        if self._stale:  # back from the results: an answer given just before shows its mark
            self._stale = False
            self.show_question(self.current)

    def action_scroll_help(self, direction: int) -> None:
        """PgSuiv / PgPréc: the help when it scrolls, else the whole body."""
        box = self.query_one("#q-help-box", VerticalScroll)
        target = box if self.show_help and self._help_limit is not None else self.query_one("#q-body", VerticalScroll)
        if direction > 0:
            target.scroll_page_down(animate=False)
        else:
            target.scroll_page_up(animate=False)

    def show_saved(self, ok: bool, message: str = "") -> None:
        self.query_one("#q-saved", Static).set_class(not ok, "error")
        self._status[2][:] = ["✓ enregistré", "✓"] if ok else ["⚠ NON enregistré"] * 2
        self.show_status()
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
        if not self.save(question.id, option.id):
            return
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
        if self.only is not None:  # the follow-up screen says what changed and records it
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
        self._stale = True
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
        self.fit_help()

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

        from diag_tui.ui.dialogs import NoteDialog  # not needed before the first question

        self.app.push_screen(
            NoteDialog("Note sur cette question", self.session.diag.notes.get(question.id, ""),
                       "Ce que dit l'organisation, ce qu'il faut vérifier… (vide pour effacer)"),
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


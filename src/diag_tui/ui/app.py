"""The application: a home screen and the screens of one diagnostic session."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from diag_tui import __version__
from diag_tui.bank.referential import Referential
from diag_tui.errors import UserError
from diag_tui.files import atomic_write
from diag_tui.session import Session
from diag_tui.storage.diagnostic import now
from diag_tui.storage.store import Store
from diag_tui.ui import messages
from diag_tui.ui.messages import Stage
from diag_tui.untrusted import shown


class DiagApp(App):
    TITLE = "diag-tui"
    SUB_TITLE = "Diagnostic de cybersécurité"
    # The question screen's style sheet is read with the app's: pushing a screen whose style sheet
    # is new makes Textual parse every sheet again, before the first question could be drawn.
    CSS_PATH = ["app.tcss", "question.tcss"]
    # Classes each screen gets from the terminal's size (app.tcss: compact footers when narrow).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-normal"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]
    BINDINGS = [Binding("ctrl+q", "quit", "Quitter", show=False, priority=True)]
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, ref: Referential, store: Store, first: Session | str | None = None):
        """`first`: a session to open straight away (`diag-tui start`), or an id to resume."""
        super().__init__()
        self.ref, self.store = ref, store
        self.sessions: dict[str, Session] = {}
        self._first = first
        self.crash_report: Path | None = None  # where the traceback went, after a crash

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Messages often quote names and file contents: never read as markup (whatever a
        screen's `notify` passes on, True by default), never sent raw to the terminal."""
        super().notify(shown(message, multiline=True), title=shown(title), severity=severity, timeout=timeout, markup=False)

    def _handle_exception(self, error: Exception) -> None:
        """A bug: the app stops with exit status 1 and shows no user data (Textual's traceback
        prints the local variables, names and notes included); the traceback goes to a private
        file in the data folder, whose path `cli.run_app` prints."""
        self.crash_report = write_crash_report(self.store.root, error)
        self._return_code = 1
        if self._exception is None:  # what `run_test` raises again in tests
            self._exception = error
            self._exception_event.set()
        self.panic()

    def on_mount(self) -> None:
        # Opened on a diagnostic (`start`, `resume`), the home screen is only built when the user
        # goes there: it reads the whole store, which the first question must not wait for.
        # Pushed once Textual's start-up batch is over: a screen pushed during it has its first
        # frame dropped, and then reaches the terminal piece by piece (the question's text last).
        self.call_later(self._open_first)

    def _open_first(self) -> None:
        if isinstance(self._first, Session):
            self.open_session(self._first)
        elif isinstance(self._first, str):
            self.resume(self._first)
        if len(self.screen_stack) < 2:  # nothing to resume (or it failed): home
            self.go_home()

    # ---- navigation: what the screens ask for (ui/messages.py) ----------------------------------

    def open_session(self, session: Session, stage: Stage = "questions") -> None:
        self.sessions[session.diag.id] = session
        self.show(session, stage)

    def show(self, session: Session, stage: Stage) -> None:
        """Push the screen of `stage`; back to the questions is a step back when they are just
        below (the results were opened from them)."""
        from diag_tui.ui.question import QuestionScreen

        alone = session.diag.mode == "autodiagnostic"
        if stage == "questions":
            below = self.screen_stack[-2] if len(self.screen_stack) > 1 else None
            if isinstance(below, QuestionScreen) and below.session is session and not isinstance(self.screen, QuestionScreen):
                self.pop_screen()
            elif alone and not session.diag.answers and not session.diag.previous:
                from diag_tui.ui.guide import WelcomeScreen  # how it goes, before question 1

                self.push_screen(WelcomeScreen(session))
            else:
                self.push_screen(QuestionScreen(session))
        elif stage == "full":
            try:
                session.continue_full()
            except UserError as exc:
                self.notify(str(exc), title="Enregistrement impossible", severity="error", timeout=15)
                return
            self.push_screen(QuestionScreen(session, start=session.resume_question().id))
            self.notify(f"Diagnostic complet : vos {len(session.diag.answers)} réponses sont gardées, voici les questions suivantes.")
        elif stage == "results" and alone and isinstance(self.screen, QuestionScreen) and session.first_unanswered() is None:
            from diag_tui.ui.guide import ClosingScreen  # the end of the walk: what to do next

            self.push_screen(ClosingScreen(session))
        elif stage == "results":
            from diag_tui.ui.results import ResultsScreen

            self.push_screen(ResultsScreen(session))
        elif stage == "plan":
            from diag_tui.ui.plan import PlanScreen

            self.push_screen(PlanScreen(session))
        else:
            from diag_tui.ui.followup import FollowupScreen

            self.push_screen(FollowupScreen(session))

    @on(messages.Open)
    def _open(self, message: messages.Open) -> None:
        self.show(message.session, message.stage)

    @on(messages.Resume)
    def _resume(self, message: messages.Resume) -> None:
        self.resume(message.diagnostic_id, message.stage)

    def resume(self, diagnostic_id: str, stage: Stage | None = None) -> None:
        session = self.sessions.get(diagnostic_id)
        if session is None:
            try:
                session = Session.resume(self.ref, self.store, diagnostic_id)
            except UserError as exc:
                self.notify(str(exc), title="Ouverture impossible", severity="error", timeout=15)
                return
        if stage is None:  # a finished diagnostic reopens on its results
            stage = "results" if session.first_unanswered() is None else "questions"
        self.open_session(session, stage)

    @on(messages.NewDiagnostic)
    def _new_diagnostic(self) -> None:
        from diag_tui.ui.new_diagnostic import NewDiagnosticScreen

        self.push_screen(NewDiagnosticScreen(self.ref, self.store))

    @on(messages.Started)
    def _started(self, message: messages.Started) -> None:
        self.pop_screen()  # the form
        self.open_session(message.session)

    @on(messages.ReviewQuestions)
    def _review_questions(self, message: messages.ReviewQuestions) -> None:
        """Checkpoint: re-ask only some questions, then come back."""
        from diag_tui.ui.question import QuestionScreen

        session, ids = message.session, message.question_ids
        walk = [q for q in session.questions() if q.id in ids]
        if not walk:
            self.notify("Aucune question à revoir.")
            return
        self.push_screen(QuestionScreen(session, start=walk[0].id, only=ids))

    @on(messages.StartFollowUp)
    def _start_follow_up(self, message: messages.StartFollowUp) -> None:
        """A new diagnostic linked to this one, pre-filled with its answers, revised from the start."""
        from diag_tui.ui.question import QuestionScreen

        try:  # the comparison will rest on the results this diagnostic gave: fix them first
            message.session.hand_over()
        except UserError as exc:
            self.notify(str(exc), title="Enregistrement impossible", severity="error", timeout=15)
            return
        diag = message.session.diag
        try:
            follow = Session.start(self.ref, self.store, diag.organisation.name, diag.aidant, diag.mode, previous=diag)
        except UserError as exc:
            self.notify(str(exc), title="Création impossible", severity="error", timeout=15)
            return
        self.sessions[follow.diag.id] = follow
        self.push_screen(QuestionScreen(follow, start=follow.questions()[0].id))
        self.notify("Diagnostic de suivi créé : les réponses précédentes sont reprises, revoyez-les une à une.")

    @on(messages.Compare)
    def _compare(self, message: messages.Compare) -> None:
        from diag_tui.ui.compare import ComparisonScreen

        try:
            before, comparison = message.session.comparison()
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=15)
            return
        self.push_screen(ComparisonScreen(before, message.session.diag, comparison))

    @on(messages.Export)
    def _export(self, message: messages.Export) -> None:
        self.export(message.session, message.fmt)

    @on(messages.GoHome)
    def go_home(self) -> None:
        from diag_tui.ui.home import HomeScreen  # imported late: DataTable is not needed to answer

        has_home = any(isinstance(s, HomeScreen) for s in self.screen_stack)
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if not has_home:
            self.push_screen(HomeScreen(self.store, self.ref))

    @on(messages.ReleaseSessions)
    def _release_sessions(self) -> None:
        self.close_sessions()

    def close_sessions(self, everything: bool = False) -> None:
        """Release the sessions no open screen uses any more (all of them on exit)."""
        in_use = set() if everything else {id(getattr(s, "session", None)) for s in self.screen_stack}
        for key, session in list(self.sessions.items()):
            if id(session) not in in_use:
                session.close()
                del self.sessions[key]

    def on_unmount(self) -> None:
        self.close_sessions(everything=True)

    # ---- command palette ----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        session = getattr(screen, "session", None)
        if session is not None:
            yield SystemCommand(
                "Exporter le fichier de suivi", "Écrire le plan de suivi (TOML) dans le dossier des exports", lambda: self.export(session, "toml")
            )
            yield SystemCommand(
                "Exporter le rapport HTML", "Rapport autonome, imprimable en PDF depuis un navigateur", lambda: self.export(session, "html")
            )
            yield SystemCommand(
                "Exporter le rapport Markdown", "Le même rapport, en texte (k sur l'écran du plan)", lambda: self.export(session, "markdown")
            )
            yield SystemCommand("Voir les résultats", "Indicateurs, six mesures prioritaires et plan", lambda: self.show(session, "results"))
        from diag_tui.ui.question import QuestionScreen

        if isinstance(screen, QuestionScreen):
            yield SystemCommand("Aller à un thème", "Vue d'ensemble des thèmes et des questions", screen.action_overview)
            yield SystemCommand("Afficher ou masquer l'aide", "« Pourquoi cette question ? »", screen.action_toggle_help)
        yield SystemCommand("Changer de thème de couleurs", "Clair, sombre, contrasté…", self.action_change_theme)
        yield SystemCommand("Quitter", "Les réponses sont déjà enregistrées", self.action_quit)

    def export(self, session: Session, fmt: str) -> None:
        try:
            path = session.export(fmt)
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        from diag_tui.ui.dialogs import ExportDialog

        self.push_screen(ExportDialog(EXPORT_NAMES.get(fmt, "Export"), path))  # the path whole, to be found


EXPORT_NAMES = {"toml": "Fichier de suivi", "html": "Rapport HTML", "markdown": "Rapport Markdown", "texte": "Rapport texte", "ics": "Agenda"}


def write_crash_report(folder: Path, error: BaseException) -> Path | None:
    """The traceback, without local variables, in a 0600 file; None if it cannot be written."""
    text = f"diag-tui {__version__}, {now():%Y-%m-%d %H:%M:%S}\n\n" + "".join(traceback.format_exception(error))
    path = folder / f"erreur-{now():%Y%m%d-%H%M%S}.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text, mode=0o600)
    except OSError:
        return None
    return path

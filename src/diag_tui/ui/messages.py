"""What a screen asks of the application: open another screen, export, start a diagnostic.

Screens post these messages; `DiagApp` handles them (they bubble from a screen to the app). So
no screen imports another screen to go there, and every request is typed."""

from __future__ import annotations

from typing import Literal

from textual.message import Message

from diag_tui.session import Session

# "full": continue an express diagnostic as the full one, on its first new question
Stage = Literal["questions", "results", "plan", "followup", "full"]


class Open(Message):
    """Show `stage` of an open diagnostic (results, plan, follow-up), or go back to its questions."""

    def __init__(self, session: Session, stage: Stage) -> None:
        super().__init__()
        self.session, self.stage = session, stage


class Resume(Message):
    """Open a saved diagnostic from the home screen; `stage` None: where it stands."""

    def __init__(self, diagnostic_id: str, stage: Stage | None = None) -> None:
        super().__init__()
        self.diagnostic_id, self.stage = diagnostic_id, stage


class Started(Message):
    """A new diagnostic was created: open it on its first question."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class ReviewQuestions(Message):
    """At a checkpoint: ask these questions again, then come back."""

    def __init__(self, session: Session, question_ids: tuple[str, ...]) -> None:
        super().__init__()
        self.session, self.question_ids = session, question_ids


class StartFollowUp(Message):
    """Create the follow-up diagnostic of `session`'s, pre-filled with its answers."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class Compare(Message):
    """Show how the results moved since the diagnostic this one follows up."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class Export(Message):
    """Write the follow-up file (`toml`) or a report (`markdown`, `html`) to the exports folder."""

    def __init__(self, session: Session, fmt: str) -> None:
        super().__init__()
        self.session, self.fmt = session, fmt


class NewDiagnostic(Message):
    """Open the form that creates a diagnostic."""


class GoHome(Message):
    """Back to the list of diagnostics."""


class ReleaseSessions(Message):
    """The home screen is shown again: close the sessions no open screen uses."""

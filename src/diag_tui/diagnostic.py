"""A diagnostic as it is saved: who, when, against which referential, the answers and the
follow-up state. Pure data and pure operations; `store.py` does the files."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal

from diag_tui.answers import AnswerValue, answer_problems, normalise, progress
from diag_tui.errors import INVISIBLE, NO_INVISIBLE, NOT_BLANK
from diag_tui.referential import Referential
from diag_tui.validation import Checked, Rules

if TYPE_CHECKING:
    from diag_tui.restitution import Restitution

SCHEMA_VERSION = 2
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
Mode = Literal["accompagne", "autodiagnostic"]
Status = Literal["a_faire", "en_cours", "fait", "abandonne"]
STATUSES: tuple[Status, ...] = Status.__args__  # in the order `Espace` cycles through them

RawAnswer = str | list[str]


ORGANISATION_NAME_MAX = 200


@dataclass(frozen=True, kw_only=True)
class Override(Checked):
    """The aidant puts measure `by` in the six in place of `replaced`, for a stated reason."""

    replaced: Annotated[str, Rules(min_length=1)]
    by: Annotated[str, Rules(min_length=1)]
    reason: Annotated[str, Rules(min_length=1, pattern=NOT_BLANK)]  # said in the plan: never only spaces


@dataclass(frozen=True, kw_only=True)
class Organisation(Checked):
    name: Annotated[str, Rules(min_length=1, max_length=ORGANISATION_NAME_MAX)]
    sector: str | None = None
    contact: str | None = None


EMERGENCY_MAX = 200
EmergencyText = Annotated[str, Rules(max_length=EMERGENCY_MAX, pattern=NO_INVISIBLE)]


@dataclass(frozen=True, kw_only=True)
class Emergency(Checked):
    """The organisation's own numbers for the « En cas d'attaque » sheet (asked during the
    interview, all optional): one line each, e.g. "Info Services, 04 00 00 00 00"."""

    provider: EmergencyText = ""
    bank: EmergencyText = ""
    insurer: EmergencyText = ""  # with the contract number


_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def emergency_from(values: dict[str, str]) -> Emergency:
    """Emergency numbers typed by a person; a UserError names the field to correct."""
    from diag_tui.errors import UserError

    for key, value in values.items():
        label = EMERGENCY_LABELS[key]
        if len(value) > EMERGENCY_MAX:
            raise UserError(f"{label} : {len(value)} caractères, {EMERGENCY_MAX} au plus ; raccourcissez.")
        if _INVISIBLE.search(value):
            raise UserError(f"{label} : caractère de contrôle ou d'inversion du sens du texte refusé ; retapez la ligne.")
    return Emergency(**{key: value.strip() for key, value in values.items()})


EMERGENCY_LABELS = {
    "provider": "Prestataire informatique",
    "bank": "Banque (fraude, opposition, rappel d'un virement)",
    "insurer": "Assureur (et numéro de contrat)",
}


@dataclass(frozen=True, kw_only=True)
class MeasureProgress(Checked):
    status: Status = "a_faire"
    notes: str = ""
    updated: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class CheckpointProgress(Checked):
    done: bool = False
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class JournalEntry(Checked):
    """Something worth remembering at the next visit (a referential change, a checkpoint)."""

    at: dt.datetime
    text: str


@dataclass(frozen=True, kw_only=True)
class Diagnostic(Checked):
    """Built by `new_diagnostic` or read from a file (`store.read_diagnostic`, validated);
    changed only through copies (`dataclasses.replace`)."""

    id: Annotated[str, Rules(pattern=ID_PATTERN)]
    organisation: Organisation
    aidant: str | None = None
    mode: Mode = "accompagne"
    created: dt.datetime
    updated: dt.datetime
    completed: dt.datetime | None = None
    referential_version: str
    referential_hash: str
    previous: str | None = None  # the diagnostic this one follows up, if any
    revision: int = 0  # bumped by every save; detects a concurrent writer
    answers: dict[str, RawAnswer] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    set_aside: dict[str, RawAnswer] = field(default_factory=dict)  # answers to questions the referential no longer has
    measures: dict[str, MeasureProgress] = field(default_factory=dict)  # follow-up state, by measure id
    checkpoints: dict[str, CheckpointProgress] = field(default_factory=dict)  # by month, "1", "3", "6"
    journal: tuple[JournalEntry, ...] = ()
    # interview aids
    notes: dict[str, str] = field(default_factory=dict)  # free-text note per question id
    flagged: tuple[str, ...] = ()  # questions marked "à revoir"
    skipped: tuple[str, ...] = ()  # questions passed over without an answer
    emergency: Emergency = field(default_factory=Emergency)  # the organisation's own numbers

    @cached_property
    def engine_answers(self) -> dict[str, AnswerValue]:
        """The answers as the engine reads them; computed once per diagnostic (every change
        makes a new one), as the question screen asks for them for each question it counts."""
        return normalise(self.answers)

    @property
    def stage(self) -> str:
        """"en_cours" while questions remain, "termine" once complete, "en_suivi" once the
        follow-up has started (a measure's status or a checkpoint recorded)."""
        if self.completed is None:
            return "en_cours"
        if self.measures or any(c.done for c in self.checkpoints.values()):
            return "en_suivi"
        return "termine"

    @property
    def plan_start(self) -> dt.date:
        """The plan starts on the day the diagnostic was completed (or created, while open)."""
        return (self.completed or self.created).date()

    def result(self, ref: Referential) -> Restitution:
        from diag_tui.restitution import restitution  # not needed before the results

        return restitution(ref, self.engine_answers, self.overrides)

    def status_of(self, measure_id: str) -> MeasureProgress:
        return self.measures.get(measure_id, MeasureProgress())


def now() -> dt.datetime:
    """Local wall-clock time to the second: what the aidant reads on the screen."""
    return dt.datetime.now().replace(microsecond=0)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:32].strip("-") or "organisation"


def new_diagnostic(
    ref: Referential,
    organisation: Organisation,
    aidant: str | None = None,
    mode: Mode = "accompagne",
    previous: Diagnostic | None = None,
    at: dt.datetime | None = None,
) -> Diagnostic:
    """A fresh diagnostic; a follow-up diagnostic starts from its predecessor's answers."""
    at = at or now()
    return Diagnostic(
        id=f"{at:%Y%m%d}-{slug(organisation.name)}-{secrets.token_hex(2)}",
        organisation=organisation,
        aidant=aidant,
        mode=mode,
        created=at,
        updated=at,
        referential_version=ref.version,
        referential_hash=ref.content_hash,
        previous=previous.id if previous else None,
        answers=dict(previous.answers) if previous else {},
        overrides=(),
    )


def with_answer(
    ref: Referential, diag: Diagnostic, question_id: str, value: RawAnswer | None, at: dt.datetime | None = None
) -> Diagnostic:
    """Record (or clear, with None) one answer; marks the diagnostic complete the first time
    every applicable question has an answer."""
    answers = dict(diag.answers)
    if value is None:
        answers.pop(question_id, None)
    else:
        problems = answer_problems(ref, {question_id: value})
        if problems:
            raise ValueError("; ".join(problems))
        answers[question_id] = value
    at = at or now()
    completed = diag.completed
    if completed is None and progress(ref, normalise(answers)).complete:
        completed = at
    skipped = diag.skipped if value is None else tuple(q for q in diag.skipped if q != question_id)
    return replace(diag, answers=answers, updated=at, completed=completed, skipped=skipped)


def reconcile(ref: Referential, diag: Diagnostic) -> tuple[Diagnostic, list[str]]:
    """Fit a saved diagnostic to the current referential.

    Answers that no longer fit (question removed, option removed) are kept aside, never
    dropped, and reported; answers to unchanged questions stay as they are.
    """
    if diag.referential_hash == ref.content_hash:
        return diag, []
    kept: dict[str, RawAnswer] = {}
    aside = dict(diag.set_aside)
    notes = []
    for qid, value in diag.answers.items():
        if answer_problems(ref, {qid: value}):
            aside[qid] = value
            question = ref.question(qid)
            what = "n'existe plus" if question is None else "a changé d'options"
            notes.append(f"La question « {qid} » {what} : la réponse « {value} » est mise de côté.")
        else:
            kept[qid] = value
    for qid, value in list(aside.items()):  # a question may come back in a later referential
        if qid not in kept and ref.question(qid) is not None and not answer_problems(ref, {qid: value}):
            kept[qid] = aside.pop(qid)
            notes.append(f"La question « {qid} » est de retour : sa réponse est reprise.")
    notes.insert(0, f"Référentiel mis à jour : {diag.referential_version} → {ref.version}.")
    journal = diag.journal + tuple(JournalEntry(at=now(), text=n) for n in notes)
    updated = replace(
        diag,
        answers=kept,
        set_aside=aside,
        referential_version=ref.version,
        referential_hash=ref.content_hash,
        journal=journal,
    )
    return updated, notes

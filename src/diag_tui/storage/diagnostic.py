"""A diagnostic as it is saved: who, when, against which referential, the answers and the
follow-up state. Pure data and pure operations; `store.py` does the files."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Annotated, Literal, get_args

from diag_tui.bank.referential import Referential
from diag_tui.bank.schema import Checked, Rules
from diag_tui.engine.answers import AnswerValue, Override, answer_problems, normalise, progress
from diag_tui.errors import LINE, NO_INVISIBLE, NO_INVISIBLE_IN_NOTE
from diag_tui.untrusted import NAME_MAX, NOTE_MAX, checked
from diag_tui.wording import EMERGENCY_LABELS

SCHEMA_VERSION = 4
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"
# Names Windows keeps for devices: a file `con.toml` cannot be created there.
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in range(10))})
Mode = Literal["accompagne", "autodiagnostic"]
Form = Literal["complet", "express"]  # express: only the questions marked so in the bank
Status = Literal["a_faire", "en_cours", "fait", "abandonne"]
STATUSES: tuple[Status, ...] = get_args(Status)  # in the order `Espace` cycles through them

AnswerId = Annotated[str, Rules(pattern=r"^[a-z0-9_]{1,64}$")]  # a question or option id of the bank
RawAnswer = AnswerId | list[AnswerId]

# Dates a diagnostic can carry: a plan that starts later would end past what dates can hold.
DATE_MIN, DATE_MAX = dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31, 23, 59, 59)
When = Annotated[dt.datetime, Rules(ge=DATE_MIN, le=DATE_MAX)]
Day = Annotated[dt.date, Rules(ge=DATE_MIN.date(), le=DATE_MAX.date())]

Name = Annotated[str, Rules(max_length=NAME_MAX, pattern=LINE)]  # one line, not blank
Note = Annotated[str, Rules(max_length=NOTE_MAX, pattern=NO_INVISIBLE_IN_NOTE)]


@dataclass(frozen=True, kw_only=True)
class Organisation(Checked):
    name: Name
    sector: Name | None = None
    contact: Name | None = None


EmergencyText = Annotated[str, Rules(max_length=NAME_MAX, pattern=NO_INVISIBLE)]


@dataclass(frozen=True, kw_only=True)
class Emergency(Checked):
    """The organisation's own numbers for the « En cas d'attaque » sheet (asked during the
    interview, all optional): one line each, e.g. "Info Services, 04 00 00 00 00"."""

    provider: EmergencyText = ""
    bank: EmergencyText = ""
    insurer: EmergencyText = ""  # with the contract number


def emergency_from(values: dict[str, str]) -> Emergency:
    """Emergency numbers typed by a person; a UserError names the field to correct."""
    return Emergency(**{key: checked(EMERGENCY_LABELS[key], value, limit=NAME_MAX) for key, value in values.items()})


@dataclass(frozen=True, kw_only=True)
class MeasureProgress(Checked):
    status: Status = "a_faire"
    notes: Note = ""
    updated: Day | None = None


@dataclass(frozen=True, kw_only=True)
class CheckpointProgress(Checked):
    done: bool = False
    notes: Note = ""


@dataclass(frozen=True, kw_only=True)
class JournalEntry(Checked):
    """Something worth remembering at the next visit (a referential change, a checkpoint)."""

    at: When
    text: str


@dataclass(frozen=True, kw_only=True)
class HandedOver(Checked):
    """The answers and replacements the results were handed over from.

    Fixed at the first export or follow-up step of a complete diagnostic (`hand_over`): from then
    on, the results, the plan, its statuses and any later comparison rest on what the organisation
    was given, whatever answers change afterwards (a checkpoint re-asks some questions; the
    changes are recorded, and the aidant decides what they mean for the plan)."""

    at: When
    answers: dict[AnswerId, RawAnswer]
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Diagnostic(Checked):
    """Built by `new_diagnostic` or read from a file (`store.read_diagnostic`, validated);
    changed only through copies (`dataclasses.replace`)."""

    id: Annotated[str, Rules(pattern=ID_PATTERN)]
    organisation: Organisation
    aidant: Name | None = None
    mode: Mode = "accompagne"
    form: Form = "complet"
    created: When
    updated: When
    completed: When | None = None
    referential_version: str
    referential_hash: str
    previous: Annotated[str, Rules(pattern=ID_PATTERN)] | None = None  # the diagnostic this one follows up, if any
    revision: int = 0  # bumped by every save; detects a concurrent writer
    answers: dict[AnswerId, RawAnswer] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    set_aside: dict[AnswerId, RawAnswer] = field(default_factory=dict)  # answers to questions the referential no longer has
    measures: dict[str, MeasureProgress] = field(default_factory=dict)  # follow-up state, by measure id
    checkpoints: dict[str, CheckpointProgress] = field(default_factory=dict)  # by month, "1", "3", "6"
    journal: tuple[JournalEntry, ...] = ()
    # interview aids
    notes: dict[AnswerId, Note] = field(default_factory=dict)  # free-text note per question id
    flagged: tuple[AnswerId, ...] = ()  # questions marked "à revoir"
    skipped: tuple[AnswerId, ...] = ()  # questions passed over without an answer
    emergency: Emergency = field(default_factory=Emergency)  # the organisation's own numbers
    handed_over: HandedOver | None = None  # the results as given, once handed over

    @cached_property
    def engine_answers(self) -> dict[str, AnswerValue]:
        """The answers as the engine reads them; computed once per diagnostic (every change
        makes a new one), as the question screen asks for them for each question it counts."""
        return normalise(self.answers)

    @cached_property
    def given_answers(self) -> dict[str, AnswerValue]:
        """The answers the results rest on: as handed over, else as they stand."""
        return normalise(self.handed_over.answers) if self.handed_over else self.engine_answers

    @property
    def given_overrides(self) -> tuple[Override, ...]:
        return self.handed_over.overrides if self.handed_over else self.overrides

    def changed_since_handover(self) -> list[str]:
        """Question ids whose answer differs from the one handed over (none before handover)."""
        if self.handed_over is None:
            return []
        given = self.handed_over.answers
        return [q for q in dict.fromkeys([*given, *self.answers]) if chosen_ids(given.get(q)) != chosen_ids(self.answers.get(q))]

    @property
    def express(self) -> bool:
        return self.form == "express"

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

    def status_of(self, measure_id: str) -> MeasureProgress:
        return self.measures.get(measure_id, MeasureProgress())


def chosen_ids(value: RawAnswer | None) -> frozenset[str]:
    """The option ids of a saved answer, to compare answers whatever the order of their choices."""
    if value is None:
        return frozenset()
    return frozenset([value] if isinstance(value, str) else value)


def hand_over(ref: Referential, diag: Diagnostic, at: dt.datetime | None = None) -> Diagnostic:
    """`diag` with its results fixed as given (`HandedOver`), if it is complete and they are not
    fixed yet; `diag` itself otherwise (a provisional result is not handed over: it says so)."""
    if diag.handed_over is not None or not progress(ref, diag.engine_answers, diag.express).complete:
        return diag
    return replace(diag, handed_over=HandedOver(at=at or now(), answers=dict(diag.answers), overrides=diag.overrides))


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
    form: Form = "complet",
) -> Diagnostic:
    """A fresh diagnostic; a follow-up diagnostic starts from its predecessor's answers."""
    at = at or now()
    return Diagnostic(
        id=f"{at:%Y%m%d}-{slug(organisation.name)}-{secrets.token_hex(2)}",
        organisation=organisation,
        aidant=aidant,
        mode=mode,
        form=form,
        created=at,
        updated=at,
        referential_version=ref.version,
        referential_hash=ref.content_hash,
        previous=previous.id if previous else None,
        answers=dict(previous.answers) if previous else {},
        overrides=(),
    )


def to_full(ref: Referential, diag: Diagnostic, at: dt.datetime | None = None) -> Diagnostic:
    """An express diagnostic continued as the full one: every answer is kept, the other
    questions come next, and the results are those of the full diagnostic once it is complete.
    The express results were a first answer: they are no longer the ones handed over (the
    journal keeps the date they were), and statuses set on their measures stay."""
    if not diag.express:
        return diag
    at = at or now()
    complete = progress(ref, diag.engine_answers).complete
    entry = JournalEntry(at=at, text="Diagnostic express poursuivi en diagnostic complet (les réponses données sont gardées).")
    return replace(
        diag,
        form="complet",
        updated=at,
        completed=diag.completed if complete else None,
        handed_over=None,
        journal=(*diag.journal, entry),
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
    if completed is None and progress(ref, normalise(answers), diag.express).complete:
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
    if diag.referential_version == ref.version:
        notes.insert(0, f"Référentiel {ref.version} modifié depuis ce diagnostic (même version, contenu différent).")
    else:
        notes.insert(0, f"Référentiel mis à jour : {diag.referential_version} → {ref.version}.")
    journal = diag.journal + tuple(JournalEntry(at=now(), text=n) for n in notes)
    given = diag.handed_over
    if given is not None:  # the results as given lose only what this referential cannot read
        given = replace(given, answers={q: v for q, v in given.answers.items() if not answer_problems(ref, {q: v})})
    updated = replace(
        diag,
        handed_over=given,
        answers=kept,
        set_aside=aside,
        referential_version=ref.version,
        referential_hash=ref.content_hash,
        journal=journal,
    )
    return updated, notes

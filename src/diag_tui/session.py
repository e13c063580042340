"""A diagnostic being worked on: every change is saved at once, and a failed save is reported.

This is the only object the user interface talks to. It holds the edit lock for as long as it
is open, so a second window cannot edit the same diagnostic. When a save fails, the change
stays in memory (`unsaved` is True), the error is raised for the interface to show, and the
next change tries again: nothing typed is lost while the application runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from diag_tui.bank.referential import Question, Referential
from diag_tui.engine.answers import Progress, applicable_questions, chosen_options, progress, toggled
from diag_tui.errors import UserError
from diag_tui.files import atomic_write
from diag_tui.storage.diagnostic import (
    STATUSES,
    CheckpointProgress,
    Diagnostic,
    Emergency,
    Form,
    MeasureProgress,
    Mode,
    Organisation,
    Override,
    RawAnswer,
    Status,
    chosen_ids,
    hand_over,
    new_diagnostic,
    now,
    reconcile,
    to_full,
    with_answer,
)
from diag_tui.storage.store import ConflictError, EditLock, Store
from diag_tui.untrusted import NAME_MAX, NOTE_MAX, REASON_MAX, checked

if TYPE_CHECKING:  # the results, plan and exports are loaded when first asked for, after the questions
    from diag_tui.engine.comparison import Comparison
    from diag_tui.engine.plan import FollowUp, Plan
    from diag_tui.engine.restitution import Restitution


_ID_ATTEMPTS = 20


def result(ref: Referential, diag: Diagnostic) -> Restitution:
    """The results of a diagnostic as given: from the answers and replacements handed over
    (`HandedOver`), or, before that, from the answers as they stand."""
    from diag_tui.engine.restitution import restitution  # not needed before the results

    return restitution(ref, diag.given_answers, diag.given_overrides, diag.express)


def live_result(ref: Referential, diag: Diagnostic) -> Restitution:
    """What the answers as they stand would give (differs from `result` once answers have
    changed since the handover)."""
    from diag_tui.engine.restitution import restitution

    return restitution(ref, diag.engine_answers, diag.overrides, diag.express)


@dataclass(frozen=True)
class AnswerChange:
    question: Question
    before: tuple[str, ...]  # option labels, in the question's order
    after: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"« {self.question.text} » : {_labels(self.before)} → {_labels(self.after)}"


def _option_labels(question: Question, value: RawAnswer | None) -> tuple[str, ...]:
    ids = chosen_ids(value)
    return tuple(o.label for o in question.options if o.id in ids)


def _labels(labels: tuple[str, ...]) -> str:
    return " + ".join(f"« {label} »" for label in labels) if labels else "sans réponse"


@dataclass(frozen=True)
class Recheck:
    """What answers changed since a point in time, and which measures of the plan they no
    longer call for (the plan itself does not change: the aidant decides)."""

    changes: tuple[AnswerChange, ...]
    no_longer_needed: tuple[str, ...]  # measure ids of the plan, not closed, no longer triggered


class Session:
    def __init__(self, ref: Referential, store: Store, diag: Diagnostic, lock: EditLock | None):
        self.ref, self.store, self.diag, self._lock = ref, store, diag, lock
        self.unsaved = False
        self.notices: list[str] = []  # things to tell the user on opening (referential changes)
        self._applicable: tuple[Diagnostic, list[Question]] | None = None

    # ---- opening and closing ---------------------------------------------------------------

    @classmethod
    def start(
        cls,
        ref: Referential,
        store: Store,
        organisation: str,
        aidant: str | None = None,
        mode: Mode = "accompagne",
        previous: Diagnostic | None = None,
        form: Form = "complet",
    ) -> Session:
        name = checked("Nom de l'organisation", organisation, limit=NAME_MAX)
        if not name:
            raise UserError("Indiquez le nom de l'organisation.")
        aidant = checked("Nom de l'aidant", aidant or "", limit=NAME_MAX) or None
        for _ in range(_ID_ATTEMPTS):
            diag = new_diagnostic(ref, Organisation(name=name), aidant, mode, previous, form=form)
            if store.exists(diag.id):  # the id's random part was drawn before (16 bits a day per name)
                continue
            try:
                lock = store.open_for_edit(diag.id)
            except ConflictError:  # being created by another process right now: draw again
                continue
            try:
                return cls(ref, store, store.add(diag), lock)
            except ConflictError:  # created by another process since the check: draw again
                lock.release()
            except UserError:
                lock.release()
                raise
        raise UserError(
            f"Impossible de trouver un identifiant libre pour « {name} » aujourd'hui après {_ID_ATTEMPTS} essais : "
            "modifiez légèrement le nom."
        )

    @classmethod
    def resume(cls, ref: Referential, store: Store, diagnostic_id: str) -> Session:
        lock = store.open_for_edit(diagnostic_id)
        try:
            diag, notes = reconcile(ref, store.load(diagnostic_id))
            session = cls(ref, store, diag, lock)
            session.notices = notes
            if notes:
                session._save()
        except UserError:
            lock.release()
            raise
        return session

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # ---- reading ----------------------------------------------------------------------------

    @property
    def answers(self):
        return self.diag.engine_answers

    def question(self, question_id: str) -> Question:
        """A question of the bank, by an id the bank gave (a KeyError for any other)."""
        question = self.ref.question(question_id)
        if question is None:
            raise KeyError(question_id)
        return question

    def questions(self) -> list[Question]:
        """Questions that apply now, in diagnostic order (worked out once per state: every
        change replaces `diag`)."""
        if self._applicable is None or self._applicable[0] is not self.diag:
            self._applicable = (self.diag, applicable_questions(self.ref, self.answers, self.diag.express))
        return list(self._applicable[1])

    def progress(self) -> Progress:
        return progress(self.ref, self.answers, self.diag.express)

    def chosen(self, question: Question) -> list[str]:
        """The options chosen for `question`, in the question's order."""
        return [o.id for o in chosen_options(question, self.answers)]

    def toggled(self, question: Question, option_id: str) -> tuple[str, ...]:
        """What the answer to a multiple-choice `question` becomes when `option_id` is ticked or
        unticked (not saved: pass it to `answer`)."""
        return toggled(question, self.chosen(question), option_id)

    def is_answered(self, question: Question) -> bool:
        return bool(chosen_options(question, self.answers))

    def first_unanswered(self) -> Question | None:
        return next((q for q in self.questions() if not self.is_answered(q)), None)

    def resume_question(self) -> Question:
        """Where to reopen: the first unanswered question not skipped, else the first skipped,
        else the last question."""
        qs = self.questions()
        for q in qs:
            if not self.is_answered(q) and q.id not in self.diag.skipped:
                return q
        return self.first_unanswered() or qs[-1]

    def result(self) -> Restitution:
        return result(self.ref, self.diag)

    def live_result(self) -> Restitution:
        return live_result(self.ref, self.diag)

    def recheck(self, before: dict[str, RawAnswer]) -> Recheck:
        """What changed since the answers were `before` (answers taken before a checkpoint's
        re-check), and the plan's open measures the answers as they stand no longer call for."""
        from diag_tui.engine.plan import CLOSED

        changes = []
        for q in self.ref.questions:
            old, new = before.get(q.id), self.diag.answers.get(q.id)
            if chosen_ids(old) != chosen_ids(new):
                changes.append(AnswerChange(q, _option_labels(q, old), _option_labels(q, new)))
        live = self.live_result()
        triggered = {p.measure.id for p in live.priorities} | {f.measure.id for f in live.others}
        open_items = [i for i in self.plan().items if self.diag.status_of(i.measure.id).status not in CLOSED]
        gone = tuple(i.measure.id for i in open_items if i.measure.id not in triggered)
        return Recheck(tuple(changes), gone)

    def comparison(self) -> tuple[Diagnostic, Comparison]:
        """The diagnostic this one follows up, and how the results moved since."""
        from diag_tui.engine.comparison import compare

        if not self.diag.previous:
            raise UserError("Ce diagnostic ne fait suite à aucun autre.")
        try:
            before = self.store.load(self.diag.previous)
        except UserError as exc:
            raise UserError(f"Diagnostic précédent introuvable : {exc}") from None
        return before, compare(result(self.ref, before), self.result())

    def plan(self) -> Plan:
        from diag_tui.engine.plan import build_plan

        return build_plan(self.result().priorities, self.diag.plan_start)

    def follow_up(self, today: dt.date) -> FollowUp:
        """Where the plan stands on `today`: statuses, late measures, next checkpoint."""
        from diag_tui.engine.plan import follow_up

        statuses = {measure: p.status for measure, p in self.diag.measures.items()}
        done = {int(month) for month, c in self.diag.checkpoints.items() if c.done}
        return follow_up(self.plan(), statuses, done, today)

    def review_questions(self) -> list[str]:
        """What a checkpoint asks again (`plan.review_questions`)."""
        from diag_tui.engine.plan import review_questions

        return review_questions(self.plan())

    # ---- changes (each one saved at once) ---------------------------------------------------

    def answer(self, question_id: str, value: RawAnswer | None) -> None:
        try:
            diag = with_answer(self.ref, self.diag, question_id, value)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        self._change(diag)

    def set_note(self, question_id: str, text: str) -> None:
        text = checked("Note", text, limit=NOTE_MAX, multiline=True)
        notes = dict(self.diag.notes)
        if text:
            notes[question_id] = text
        else:
            notes.pop(question_id, None)
        self._change(replace(self.diag, notes=notes))

    def set_emergency(self, emergency: Emergency) -> None:
        self._change(replace(self.diag, emergency=emergency))

    def toggle_flag(self, question_id: str) -> bool:
        flagged = tuple(q for q in self.diag.flagged if q != question_id)
        on = len(flagged) == len(self.diag.flagged)
        self._change(replace(self.diag, flagged=flagged + ((question_id,) if on else ())))
        return on

    def skip(self, question_id: str) -> None:
        if question_id not in self.diag.skipped:
            self._change(replace(self.diag, skipped=(*self.diag.skipped, question_id)))

    def override(self, replaced: str, by: str, reason: str) -> None:
        reason = checked("Raison du remplacement", reason, limit=REASON_MAX)
        if not reason:
            raise UserError("Écrivez la raison du remplacement : elle figurera dans le plan.")
        override = Override(replaced=replaced, by=by, reason=reason)
        self._set_overrides(lambda kept: (*(o for o in kept if o.replaced != replaced and o.by != by), override))

    def cancel_override(self, measure_id: str) -> None:
        self._set_overrides(lambda kept: tuple(o for o in kept if measure_id not in (o.replaced, o.by)))

    def _set_overrides(self, change) -> None:
        """A replacement is the aidant's decision on the results shown: once they are handed
        over, it changes them as given too (the statuses of both measures are kept)."""
        diag = replace(self.diag, overrides=tuple(change(self.diag.overrides)))
        if diag.handed_over is not None:
            diag = replace(diag, handed_over=replace(diag.handed_over, overrides=tuple(change(diag.handed_over.overrides))))
        self._change(diag)

    def continue_full(self) -> None:
        """Go on from an express diagnostic to the full one, keeping every answer (`to_full`)."""
        self._change(to_full(self.ref, self.diag))

    def hand_over(self) -> None:
        """Fix the results as given (`HandedOver`), if the diagnostic is complete and they are not
        fixed yet: called on the first export and the first follow-up step."""
        diag = hand_over(self.ref, self.diag)
        if diag is not self.diag:
            self._change(diag)

    def set_measure(self, measure_id: str, status: Status | None = None, notes: str | None = None) -> None:
        if status is not None and status not in STATUSES:  # a bug in the caller: never write it
            raise ValueError(f"unknown status {status!r}, expected one of {STATUSES}")
        self.hand_over()
        current = self.diag.status_of(measure_id)
        new = MeasureProgress(
            status=status or current.status,
            notes=current.notes if notes is None else checked("Notes", notes, limit=NOTE_MAX, multiline=True),
            updated=now().date(),
        )
        self._change(replace(self.diag, measures={**self.diag.measures, measure_id: new}))

    def set_measures(self, measure_ids: tuple[str, ...] | list[str], status: Status) -> None:
        """One status for several measures, in one save (their notes are kept)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}, expected one of {STATUSES}")
        self.hand_over()
        today = now().date()
        measures = {**self.diag.measures}
        for measure_id in measure_ids:
            measures[measure_id] = replace(self.diag.status_of(measure_id), status=status, updated=today)
        self._change(replace(self.diag, measures=measures))

    def set_checkpoint(self, month: int, done: bool | None = None, notes: str | None = None) -> None:
        self.hand_over()
        current = self.diag.checkpoints.get(str(month), CheckpointProgress())
        new = CheckpointProgress(
            done=current.done if done is None else done,
            notes=current.notes if notes is None else checked("Notes", notes, limit=NOTE_MAX, multiline=True),
        )
        self._change(replace(self.diag, checkpoints={**self.diag.checkpoints, str(month): new}))

    def record(self, text: str) -> None:
        """Add a line to the diagnostic's journal (what changed at a checkpoint, for instance)."""
        self.record_all([text])

    def record_all(self, texts: list[str]) -> None:
        """Add lines to the journal, dated now, in one save."""
        from diag_tui.storage.diagnostic import JournalEntry

        at = now()
        self._change(replace(self.diag, journal=(*self.diag.journal, *(JournalEntry(at=at, text=t) for t in texts))))

    def export(self, fmt: str = "toml", path: Path | None = None) -> Path:
        """Write the follow-up file (or a report); returns where. Default: the exports folder."""
        from diag_tui.documents.exports import render

        self.hand_over()  # what the organisation receives is what the plan and the follow-up rest on
        if path is None:
            path = self.store.export_path(self.diag.id, fmt)  # UserError if unusable
        try:  # the journal lets the next start remove the copy of an export killed half-way
            atomic_write(path, render(self.ref, self.diag, fmt), mode=0o600, journal=self.store.journal_folder())
        except OSError as exc:
            raise UserError(f"{path} : export impossible ({exc.strerror}).") from None
        return path

    def _change(self, diag: Diagnostic) -> None:
        self.diag = replace(diag, updated=now())
        self._save()

    def _save(self) -> None:
        try:
            self.diag = self.store.save(self.diag)
        except UserError:
            self.unsaved = True
            raise
        self.unsaved = False

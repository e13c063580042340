"""Answers and what they make applicable.

Answers map a question id to an option id (a tuple of option ids for multiple choice). They
are never rewritten by context rules: which questions apply is *computed* from the answers,
so changing a context answer brings hidden questions back with their earlier answers intact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from diag_tui.bank.referential import Option, Question, Referential
from diag_tui.bank.schema import Checked, Rules
from diag_tui.errors import LINE
from diag_tui.untrusted import REASON_MAX

AnswerValue = str | tuple[str, ...]
Answers = Mapping[str, AnswerValue]


def chosen_options(question: Question, answers: Answers) -> list[Option]:
    """The options chosen for `question`, in the question's order; unknown ids are ignored."""
    value = answers.get(question.id)
    if value is None:
        return []
    if isinstance(value, str):
        option = question.option(value)
        return [] if option is None else [option]
    return [o for o in question.options if o.id in value]


def applicable_questions(ref: Referential, answers: Answers, express: bool = False) -> list[Question]:
    """Questions to ask given the answers so far, in diagnostic order; `express`: only those
    marked for the express diagnostic (the bank checks that their parents and hiding context
    questions are marked too).

    A follow-up applies when its parent applies and a chosen option of the parent reveals it;
    a question stops applying when a chosen option of an applicable question hides it. Rules
    only point forward (checked at load time), so one pass is enough.
    """
    return [question for question, _ in walk(ref, answers, express)]


def walk(ref: Referential, answers: Answers, express: bool = False) -> list[tuple[Question, list[Option]]]:
    """`applicable_questions`, each with the options chosen for it."""
    hidden: set[str] = set()
    revealed: set[str] = set()
    parent = ref.parent
    applicable: list[tuple[Question, list[Option]]] = []
    for question in ref.questions:
        qid = question.id
        if qid in hidden or (express and not question.express) or (qid in parent and qid not in revealed):
            continue
        chosen = chosen_options(question, answers)
        applicable.append((question, chosen))
        for option in chosen:
            if option.follow_ups:
                revealed.update(option.follow_ups)
            if option.hides:
                hidden.update(option.hides)
    return applicable


def score_of(question: Question, chosen: list[Option]) -> float | None:
    """The score obtained with the options `chosen` (`chosen_options`), or None (unanswered,
    "Je ne sais pas", "Non applicable", context).

    For a multiple-choice question the weakest chosen option counts: one weak point is enough
    for an attacker.
    """
    scores = [o.score for o in chosen if o.score is not None]
    return min(scores) if scores and question.scored else None


@dataclass(frozen=True)
class Progress:
    answered: int
    applicable: int

    @property
    def percent(self) -> int:
        return 100 if self.applicable == 0 else round(100 * self.answered / self.applicable)

    @property
    def complete(self) -> bool:
        return self.answered >= self.applicable


SECONDS_PER_QUESTION = 90  # the estimate before a session has shown its own pace
MIN_SECONDS_PER_QUESTION = 15  # a question read aloud and discussed never takes less
PRIOR_ANSWERS = 10  # how many answers the default pace weighs, against those of the sitting


def minutes_left(remaining: int, elapsed: float, answered: int) -> int:
    """Minutes the `remaining` questions should take at the pace of this sitting (`answered`
    in `elapsed` seconds), blended with the default pace: as if the sitting had begun with
    PRIOR_ANSWERS answers at SECONDS_PER_QUESTION each. The first answers (often quick context
    questions) move the estimate a little, never from 75 to 12 minutes at once; the sitting's own
    pace takes over as answers accumulate."""
    per_question = (PRIOR_ANSWERS * SECONDS_PER_QUESTION + max(elapsed, 0.0)) / (PRIOR_ANSWERS + max(answered, 0))
    return round(remaining * max(per_question, MIN_SECONDS_PER_QUESTION) / 60)


def toggled(question: Question, chosen: Sequence[str], option_id: str) -> tuple[str, ...]:
    """A multiple-choice answer after ticking or unticking `option_id`, in the question's order.
    An option that stands alone ("Je ne sais pas", "Aucune…") clears the others, and ticking
    another option clears it."""
    alone = {o.id for o in question.options if o.alone}
    if option_id in chosen:
        kept = [c for c in chosen if c != option_id]
    elif option_id in alone:
        kept = [option_id]
    else:
        kept = [c for c in chosen if c not in alone] + [option_id]
    return tuple(o.id for o in question.options if o.id in kept)


def progress(ref: Referential, answers: Answers, express: bool = False) -> Progress:
    chosen = walk(ref, answers, express)
    return Progress(answered=sum(1 for _, options in chosen if options), applicable=len(chosen))


def answer_problems(ref: Referential, answers: Mapping[str, object], where: str = "answers") -> list[str]:
    """Check raw answers (as read from a file) against the bank; each problem names its key."""
    problems = []
    for qid, value in answers.items():
        at = f"[{where}] {qid}"
        question = ref.question(qid)
        if question is None:
            problems.append(f"{at} : question inconnue dans le référentiel {ref.version}")
            continue
        valid = ", ".join(o.id for o in question.options)
        if isinstance(value, str):
            ids = [value]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            if question.kind == "single":
                problems.append(f"{at} : question à choix unique, une seule option attendue (parmi : {valid})")
                continue
            ids = value
            if not ids:
                problems.append(f"{at} : liste vide ; supprimez la ligne pour laisser la question sans réponse")
                continue
        else:
            expected = "un identifiant d'option" if question.kind == "single" else "une liste d'identifiants d'options"
            problems.append(f"{at} : {expected} entre guillemets est attendu (parmi : {valid})")
            continue
        for option_id in ids:
            if question.option(option_id) is None:
                problems.append(f"{at} : option « {option_id} » inconnue (options possibles : {valid})")
        if len(set(ids)) != len(ids):
            problems.append(f"{at} : la même option figure deux fois")
        exclusive = [i for i in ids if (o := question.option(i)) is not None and o.alone]
        if exclusive and len(ids) > 1:
            problems.append(f"{at} : « {exclusive[0]} » ne peut pas être combinée avec d'autres options")
    return problems


def normalise(answers: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Checked raw answers -> engine answers (lists become tuples, in the file's order)."""
    return {qid: v if isinstance(v, str) else tuple(v) for qid, v in answers.items()}  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class Override(Checked):
    """The aidant puts measure `by` in the six in place of `replaced`, for a stated reason."""

    replaced: Annotated[str, Rules(min_length=1)]
    by: Annotated[str, Rules(min_length=1)]
    reason: Annotated[str, Rules(max_length=REASON_MAX, pattern=LINE)]  # said in the plan: never only spaces

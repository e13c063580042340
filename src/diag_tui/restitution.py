"""From answers to results: theme indicators, findings, and the six priority measures.

Priority order (a total order, so the same answers always give the same six):

1. the measure's urgency rank in the bank (1 = most urgent; ranks follow the threat picture of
   the sources: ransomware and phishing first);
2. the score obtained on the answer that triggered it, lowest first ("Je ne sais pas" counts
   as 0: not knowing whether backups work is as worrying as not having them);
3. the weight of that question, highest first;
4. the question's place in the diagnostic, then the measure id.

Walking that order, a measure joins the six unless one of its family (near-duplicates such as
the three backup measures) is already there; everything else becomes an "other measure",
in the same order. A measure triggered by several answers is kept once, at its most basic
level and with its worst answer. An answer at a question's best score never triggers anything
(checked when the bank is loaded), so a measure already applied is never recommended.

An aidant may swap a priority for one of the other measures, with a written reason; overrides
that no longer fit the answers are reported, not silently applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from diag_tui.answers import Answers, Progress, applicable_questions, chosen_options, question_score
from diag_tui.wording import count
from diag_tui.referential import Measure, MeasureLevel, Option, OptionKind, Question, Referential, Theme

if TYPE_CHECKING:
    from diag_tui.diagnostic import Override

PRIORITY_COUNT = 6


@dataclass(frozen=True)
class ThemeIndicator:
    theme: Theme
    value: float | None  # weighted mean 0–3; None means "non évalué"
    applicable: int  # scored questions that apply
    answered: int  # of which answered, whatever the answer
    scored: int  # of which the answer has a score (what the mean rests on)
    unknown: int  # "Je ne sais pas"
    not_applicable: int


@dataclass(frozen=True)
class Finding:
    measure: Measure
    level: int
    question: Question  # the answer that places it: the worst one when several trigger it
    option: Option
    score: float | None
    sources: tuple[str, ...]  # every question whose answer triggers this measure

    @property
    def detail(self) -> MeasureLevel:
        return self.measure.at_level(self.level)

    @property
    def title(self) -> str:
        return self.detail.title

    @property
    def reason(self) -> str:
        """Why this measure comes up, in words the organisation understands."""
        if self.option.kind is OptionKind.UNKNOWN:
            return (
                f"Vous avez répondu « Je ne sais pas » à « {self.question.text} » : sur ce point "
                f"critique, ne pas savoir est un constat en soi. Urgence {self.measure.rank} "
                "dans le référentiel."
            )
        score = "" if self.score is None else f" (score {self.score:g}/3)".replace(".", ",")
        return (
            f"Vous avez répondu « {self.option.label} » à « {self.question.text} »{score}. "
            f"Urgence {self.measure.rank} dans le référentiel."
        )


@dataclass(frozen=True)
class Priority:
    finding: Finding
    override: Override | None = None  # set when the aidant chose this measure instead of another

    @property
    def measure(self) -> Measure:
        return self.finding.measure


@dataclass(frozen=True)
class Restitution:
    indicators: tuple[ThemeIndicator, ...]
    priorities: tuple[Priority, ...]
    others: tuple[Finding, ...]
    unknown_questions: tuple[Question, ...]  # to put to the IT provider or whoever knows
    progress: Progress  # every applicable question, context included
    ignored_overrides: tuple[tuple[Override, str], ...] = field(default=())

    @property
    def provisional(self) -> bool:
        return not self.progress.complete

    @property
    def scored_applicable(self) -> int:
        return sum(i.applicable for i in self.indicators)

    @property
    def scored_answers(self) -> int:
        return sum(i.scored for i in self.indicators)

    @property
    def unknown_count(self) -> int:
        return sum(i.unknown for i in self.indicators)

    @property
    def overall(self) -> float | None:
        """Mean of the theme indicators that could be computed (each theme counts the same)."""
        values = [i.value for i in self.indicators if i.value is not None]
        return round(sum(values) / len(values), 2) if values else None

    @property
    def basis(self) -> str:
        """What the indicators rest on, e.g. "calculé sur 31 réponses sur 38, 4 inconnues"."""
        text = f"calculé sur {count(self.scored_answers, 'réponse')} sur {self.scored_applicable}"
        extras = []
        if self.unknown_count:
            extras.append(count(self.unknown_count, "inconnue"))
        missing = self.progress.applicable - self.progress.answered
        if missing:
            extras.append(f"{count(missing, 'question')} sans réponse")
        return text + (", " + ", ".join(extras) if extras else "")

    @property
    def priorities_note(self) -> str | None:
        """An honest word when there are fewer than six priorities; None when there are six."""
        n = len(self.priorities)
        if n >= PRIORITY_COUNT:
            return None
        tail = " Le diagnostic n'est pas terminé : ce résultat est provisoire." if self.provisional else ""
        if n == 0:
            return (
                "Aucune mesure prioritaire : aucune réponse ne révèle de point faible sur les questions "
                "posées. Gardez ces bonnes pratiques et refaites le diagnostic dans un an." + tail
            )
        return (
            f"{count(n, 'mesure prioritaire', 'mesures prioritaires')} seulement : les autres réponses ne révèlent pas de point "
            "faible, il n'y a pas lieu d'en ajouter." + tail
        )


def theme_indicators(ref: Referential, answers: Answers, applicable: list[Question]) -> list[ThemeIndicator]:
    indicators = []
    for theme in ref.themes:
        if not theme.scored:
            continue
        questions = [q for q in applicable if q.theme == theme.id and q.scored]
        total = weights = 0.0
        answered = scored = unknown = not_applicable = 0
        for q in questions:
            options = chosen_options(q, answers)
            if not options:
                continue
            answered += 1
            score = question_score(q, answers)
            if score is not None:
                scored += 1
                total += score * q.weight
                weights += q.weight
            elif any(o.kind is OptionKind.UNKNOWN for o in options):
                unknown += 1
            else:
                not_applicable += 1
        value = round(total / weights, 2) if weights else None
        indicators.append(ThemeIndicator(theme, value, len(questions), answered, scored, unknown, not_applicable))
    return indicators


def findings(ref: Referential, answers: Answers, applicable: list[Question]) -> list[Finding]:
    """One finding per triggered measure, in priority order (see module docstring)."""
    best: dict[str, Finding] = {}
    for q in applicable:
        score = question_score(q, answers)
        for option in chosen_options(q, answers):
            if option.measure is None:
                continue
            measure = ref.measure(option.measure)
            if measure is None:  # cannot happen with a validated bank
                continue
            candidate = Finding(measure, option.level, q, option, score, (q.id,))
            current = best.get(measure.id)
            if current is None:
                best[measure.id] = candidate
                continue
            sources = current.sources + (q.id,)
            keep = candidate if _worse(ref, candidate, current) else current
            best[measure.id] = Finding(keep.measure, keep.level, keep.question, keep.option, keep.score, sources)
    return sorted(best.values(), key=lambda f: _order_key(ref, f))


def _effective_score(finding: Finding) -> float:
    return 0.0 if finding.score is None else finding.score


def _worse(ref: Referential, a: Finding, b: Finding) -> bool:
    """Is `a` a more basic / more worrying trigger than `b` for the same measure?"""
    key = lambda f: (f.level, _effective_score(f), -f.question.weight, ref.position[f.question.id])  # noqa: E731
    return key(a) < key(b)


def _order_key(ref: Referential, f: Finding) -> tuple:
    return (f.measure.rank, _effective_score(f), -f.question.weight, ref.position[f.question.id], f.measure.id)


def restitution(ref: Referential, answers: Answers, overrides: tuple[Override, ...] | list[Override] = ()) -> Restitution:
    applicable = applicable_questions(ref, answers)
    ordered = findings(ref, answers, applicable)

    priorities: list[Finding] = []
    others: list[Finding] = []
    families: set[str] = set()
    for f in ordered:
        if len(priorities) < PRIORITY_COUNT and f.measure.family not in families:
            priorities.append(f)
            families.add(f.measure.family)
        else:
            others.append(f)

    chosen = [Priority(f) for f in priorities]
    ignored: list[tuple[Override, str]] = []
    for override in overrides:
        index = next((i for i, p in enumerate(chosen) if p.measure.id == override.replaced), None)
        substitute = next((f for f in others if f.measure.id == override.by), None)
        if index is None:
            ignored.append((override, f"« {override.replaced} » n'est plus parmi les mesures prioritaires"))
        elif substitute is None:
            ignored.append((override, f"« {override.by} » n'est plus parmi les autres mesures"))
        elif not override.reason.strip():
            ignored.append((override, "la raison du remplacement est vide"))
        else:
            others.remove(substitute)
            others.append(chosen[index].finding)
            others.sort(key=lambda f: _order_key(ref, f))
            chosen[index] = Priority(substitute, override)

    answered_unknown = tuple(q for q in applicable if q.scored and any(
        o.kind is OptionKind.UNKNOWN for o in chosen_options(q, answers)))
    answered = sum(1 for q in applicable if chosen_options(q, answers))
    return Restitution(
        indicators=tuple(theme_indicators(ref, answers, applicable)),
        priorities=tuple(chosen),
        others=tuple(others),
        unknown_questions=answered_unknown,
        progress=Progress(answered=answered, applicable=len(applicable)),
        ignored_overrides=tuple(ignored),
    )

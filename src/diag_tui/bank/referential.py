"""The question bank ("référentiel"): themes, questions, options and measures, as the engine uses
them. `load_referential(folder)` reads and checks them from TOML files (`loading.py`: every
problem reported with its file and key path, nothing half-valid ever returned); a start reads
the checked copy instead (`cache.py`).

Question order is the theme order, then the order of appearance in the files, with each
follow-up question placed right after its parent. Context rules (`hides`) and follow-ups may
only point forward in that order, which rules out cycles and lets the engine compute the
applicable questions in one pass.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, get_args

from diag_tui.bank.schema import Checked, Rules, plain
from diag_tui.errors import DEEP_URL
from diag_tui.wording import count

Id = Annotated[str, Rules(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, Rules(min_length=1)]
Score = Annotated[float, Rules(ge=0, le=3, multiple_of=0.5)]
Url = Annotated[str, Rules(pattern=r"^https://[^\s]+$")]
DeepUrl = Annotated[str, Rules(pattern=DEEP_URL)]  # a page, not a site's home page


class OptionKind(StrEnum):
    ANSWER = "answer"
    UNKNOWN = "unknown"  # "Je ne sais pas"
    NOT_APPLICABLE = "not_applicable"  # "Non applicable"


@dataclass(frozen=True, kw_only=True)
class Option(Checked):
    id: Id
    label: Text
    kind: OptionKind = OptionKind.ANSWER
    score: Score | None = None
    measure: Id | None = None
    level: Literal[1, 2] = 1
    follow_ups: tuple[Id, ...] = ()
    hides: tuple[Id, ...] = ()
    exclusive: bool = False  # multiple choice: this answer cannot be ticked with others ("Aucune")
    traits: tuple[Id, ...] = ()  # context only: what this answer says about the organisation
    owners: dict[str, str] = field(default_factory=dict)  # context only: who does a role's tasks here

    @property
    def alone(self) -> bool:
        """Chosen, it excludes every other option ("Je ne sais pas", "Non applicable", "Aucune")."""
        return self.exclusive or self.kind is not OptionKind.ANSWER


@dataclass(frozen=True, kw_only=True)
class VerifyPoint(Checked):
    """What to check when a critical question is answered « Je ne sais pas »."""

    topic: Annotated[str, Rules(min_length=1, max_length=60)]  # "les sauvegardes": named in the reason
    step: Text  # one step of the verification measure, e.g. "Sauvegardes : faites-vous montrer…"


ASK_WHOM = ("prestataire", "dirigeant", "comptable", "assureur", "banque")


@dataclass(frozen=True, kw_only=True)
class Ask(Checked):
    """Who can answer when the organisation does not know, and the question worded for them."""

    whom: Literal["prestataire", "dirigeant", "comptable", "assureur", "banque"]
    text: Text


@dataclass(frozen=True, kw_only=True)
class Question(Checked):
    id: Id
    theme: Id
    text: Text
    help: Text
    kind: Literal["single", "multiple"] = "single"
    weight: Score
    critical: bool = False
    verify: VerifyPoint | None = None  # critical questions: what to check when the answer is unknown
    options: Annotated[tuple[Option, ...], Rules(min_length=2)]
    ask: Ask | None = None  # scored questions: the question to put to whoever knows, worded for them
    express: bool = False  # asked by the express diagnostic too (see questions/FORMAT.md)

    @property
    def scored(self) -> bool:
        return self.weight > 0

    @property
    def best_score(self) -> float | None:
        scores = [o.score for o in self.options if o.score is not None]
        return max(scores) if scores else None

    def option(self, option_id: str) -> Option | None:
        return self._options.get(option_id)

    @cached_property
    def _options(self) -> dict[str, Option]:
        return {o.id: o for o in self.options}


@dataclass(frozen=True, kw_only=True)
class MeasureLevel(Checked):
    title: Text
    why: Text
    how: Annotated[tuple[Text, ...], Rules(min_length=1)]
    check: Text  # « Comment vérifier que c'est fait » : what the aidant looks at on the next visit


@dataclass(frozen=True, kw_only=True)
class LevelVariant(Checked):
    """Texts that replace a level's own in a given context; a field left out keeps the level's."""

    title: Text | None = None
    why: Text | None = None
    how: Annotated[tuple[Text, ...], Rules(min_length=1)] | None = None
    check: Text | None = None


@dataclass(frozen=True, kw_only=True)
class Variant(Checked):
    """The measure worded for organisations with trait `when` (e.g. no IT provider)."""

    when: Id
    level1: LevelVariant | None = None
    level2: LevelVariant | None = None


Step = Annotated[int, Rules(ge=-1, le=1)]


@dataclass(frozen=True, kw_only=True)
class ContextRule(Checked):
    """For organisations with trait `when`, impact and likelihood move one step up (1) or down (-1)."""

    when: Id
    impact: Step = 0
    likelihood: Step = 0
    because: Text  # said to the organisation, e.g. "Vos portables contiennent des données de santé…"


@dataclass(frozen=True, kw_only=True)
class Trait(Checked):
    """Something a context answer says about the organisation, that measures react to."""

    id: Id
    description: Text
    avoid: tuple[Text, ...] = ()  # words the measures' texts must not use for such an organisation


@dataclass(frozen=True, kw_only=True)
class Resource(Checked):
    title: Text
    url: DeepUrl  # the page the title promises, never a home page


@dataclass(frozen=True, kw_only=True)
class Contact(Checked):
    """A service to call or visit, shown in reports and in the incident part of the plan."""

    id: Id
    title: Text
    when: Text  # in which situation to turn to it
    url: Url
    phone: str | None = None
    attack: bool = False  # listed on the « En cas d'attaque » sheet (else among the useful resources)
    aidant: bool = False  # where to ask for an aidant: named at the end of a self-service diagnostic


@dataclass(frozen=True, kw_only=True)
class Incident(Checked):
    """What to do when it happens, for one kind of attack (from the memento's victim guides)."""

    id: Id
    title: Text
    steps: Annotated[tuple[Text, ...], Rules(min_length=3)]
    source: Text  # shown under the guide: what it is written from


@dataclass(frozen=True, kw_only=True)
class AttackSheet(Checked):
    """The one-page « En cas d'attaque » sheet of every export: first gestures and the complaint rule."""

    gestures: Annotated[tuple[Text, ...], Rules(min_length=3)]
    complaint: Text


@dataclass(frozen=True, kw_only=True)
class Notice(Checked):
    """Something to know for organisations with trait `when` (e.g. NIS 2), shown with the results."""

    id: Id
    when: Id
    title: Text
    text: Text
    url: DeepUrl | Url | None = None


Level = Annotated[int, Rules(ge=1, le=3)]
Owner = Literal[
    "dirigeant",
    "référent cyber",
    "prestataire informatique",
    "personne chargée de l'informatique",
    "service comptable",
]
OWNERS: tuple[str, ...] = get_args(Owner)

BANDS = (9, 6, 4, 3, 2, 1)  # the values impact × likelihood can take, most urgent first


def band_of(impact: int, likelihood: int) -> int:
    """Urgency band: 1 for impact × likelihood = 9, then 6, 4, 3, 2 and 1 (band 6)."""
    return BANDS.index(impact * likelihood) + 1


@dataclass(frozen=True, kw_only=True)
class Measure(Checked):
    id: Id
    theme: Id
    family: Id
    rank: Annotated[int, Rules(ge=1)]  # the last tie-break only (see restitution.py)
    impact: Level | None = None  # 1 to 3; absent only on the verification measure
    likelihood: Level | None = None
    verification: bool = False  # the one measure that gathers the critical « Je ne sais pas »
    effort: Literal["faible", "moyen", "important"]
    cost: Literal["gratuit", "gratuit hors temps du prestataire", "moins de 500 €", "500 à 3 000 €", "plus de 3 000 €"]
    duration: Text
    owner: Owner
    level1: MeasureLevel
    level2: MeasureLevel | None = None
    context: tuple[ContextRule, ...] = ()
    variants: tuple[Variant, ...] = ()
    resources: tuple[Resource, ...] = ()

    def at_level(self, level: int, traits: frozenset[str] | set[str] = frozenset()) -> MeasureLevel:
        """The level's texts, worded for an organisation with `traits` (variants in bank order)."""
        base = self.level2 if level == 2 and self.level2 is not None else self.level1
        for variant in self.variants:
            change = variant.level2 if level == 2 and self.level2 is not None else variant.level1
            if variant.when in traits and change is not None:
                base = MeasureLevel(
                    title=change.title or base.title,
                    why=change.why or base.why,
                    how=change.how or base.how,
                    check=change.check or base.check,
                )
        return base

    def urgency(self, traits: frozenset[str] | set[str] = frozenset()) -> tuple[int, int, tuple[str, ...]]:
        """(impact, likelihood, reasons) for an organisation with `traits`.

        Context moves each value by one step at most, however many rules agree (two reasons to
        worry about the same data do not make it worse twice). A reason to raise a value wins
        over a reason to lower it (a start-up without a server still has its product online);
        the reasons given are those of the rules that moved a value. Values stay within 1–3."""
        key = frozenset(r.when for r in self.context if r.when in traits)  # all that the result depends on
        known = self._urgencies.get(key)
        if known is None:
            known = self._urgencies[key] = self._urgency(key)
        return known

    @cached_property
    def _urgencies(self) -> dict[frozenset[str], tuple[int, int, tuple[str, ...]]]:
        """`urgency` by the traits that matter to it: a listing computes it for thousands of
        organisations that share a handful of contexts."""
        return {}

    def _urgency(self, traits: frozenset[str]) -> tuple[int, int, tuple[str, ...]]:
        rules = [r for r in self.context if r.when in traits]
        impact_step = _direction([r.impact for r in rules])
        likelihood_step = _direction([r.likelihood for r in rules])
        reasons = tuple(
            r.because for r in rules
            if (r.impact and r.impact == impact_step) or (r.likelihood and r.likelihood == likelihood_step)
        )
        impact = max(1, min(3, (self.impact or 1) + impact_step))
        likelihood = max(1, min(3, (self.likelihood or 1) + likelihood_step))
        return impact, likelihood, reasons


def _direction(steps: list[int]) -> int:
    """One step up if any rule raises, else one step down if any lowers, else none."""
    return 1 if any(s > 0 for s in steps) else -1 if any(s < 0 for s in steps) else 0


@dataclass(frozen=True, kw_only=True)
class Theme(Checked):
    id: Id
    title: Text
    description: Text
    order: Annotated[int, Rules(ge=0)]
    scored: bool = True


@dataclass(frozen=True, kw_only=True)
class Referential(Checked):
    """A validated question bank. Build it with `load_referential`, not directly."""

    version: Text
    themes: tuple[Theme, ...]
    questions: tuple[Question, ...]  # in diagnostic order, follow-ups right after their parent
    measures: tuple[Measure, ...]
    traits: tuple[Trait, ...] = ()
    contacts: tuple[Contact, ...] = ()
    incidents: tuple[Incident, ...] = ()
    attack_sheet: AttackSheet | None = None
    notices: tuple[Notice, ...] = ()

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the canonical content: comments and formatting of the files do not count."""
        import json  # here: the bank's cache knows the hash, and a start needs no JSON otherwise

        canonical = json.dumps(plain(self, keep_none=True), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @cached_property
    def _questions(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def _measures(self) -> dict[str, Measure]:
        return {m.id: m for m in self.measures}

    @cached_property
    def _themes(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    @cached_property
    def position(self) -> dict[str, int]:
        """Question id -> index in diagnostic order."""
        return {q.id: i for i, q in enumerate(self.questions)}

    @cached_property
    def parent(self) -> dict[str, str]:
        """Follow-up question id -> id of the question whose options reveal it."""
        return {fu: q.id for q in self.questions for o in q.options for fu in o.follow_ups}

    @cached_property
    def verification(self) -> Measure | None:
        """The measure that gathers unknown answers to critical questions."""
        return next((m for m in self.measures if m.verification), None)

    def question(self, question_id: str) -> Question | None:
        return self._questions.get(question_id)

    def measure(self, measure_id: str) -> Measure | None:
        return self._measures.get(measure_id)

    def theme(self, theme_id: str) -> Theme:
        """Every question and measure names a theme of the bank (checked at load)."""
        return self._themes[theme_id]

    def questions_of(self, theme_id: str) -> list[Question]:
        return [q for q in self.questions if q.theme == theme_id]

    @property
    def scored_questions(self) -> list[Question]:
        return [q for q in self.questions if q.scored]


def default_questions_dir() -> Path:
    """The bank shipped with the package (wheel), or the repository's `questions/` (source tree)."""
    here = Path(__file__).resolve().parent.parent  # the diag_tui package
    packaged = here / "questions"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "questions"


def referential_summary(ref: Referential) -> str:
    scored = ref.scored_questions
    follow_ups = len(ref.parent)
    lines = [
        f"Référentiel {ref.version} (empreinte {ref.content_hash[:12]})",
        f"  {count(len(ref.themes), 'thème')}, {count(len(ref.questions), 'question')} dont "
        f"{len(scored)} notée{'s' if len(scored) > 1 else ''} et {follow_ups} de suivi, {count(len(ref.measures), 'mesure')}",
        f"  diagnostic express : {count(sum(1 for q in ref.questions if q.express), 'question')} au plus",
    ]
    for theme in ref.themes:
        qs = ref.questions_of(theme.id)
        n_measures = sum(1 for m in ref.measures if m.theme == theme.id)
        lines.append(f"  - {theme.title} : {count(len(qs), 'question')}, {count(n_measures, 'mesure')}")
    return "\n".join(lines)

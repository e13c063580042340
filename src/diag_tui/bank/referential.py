"""The question bank ("référentiel"): themes, questions, options and measures, loaded from TOML.

`load_referential(folder)` reads every `*.toml` file of the folder, validates each table (with
pydantic, see `validation.py`), then checks what links the tables together (ids, measures, follow-ups, context rules).
Every problem is reported with its file and key path; nothing half-valid is ever returned.

Question order is the theme order, then the order of appearance in the files, with each
follow-up question placed right after its parent. Context rules (`hides`) and follow-ups may
only point forward in that order, which rules out cycles and lets the engine compute the
applicable questions in one pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from diag_tui.errors import DEEP_URL, UserError, ValidationErrors
from diag_tui.files import read_toml
from diag_tui.bank.schema import Checked, Rules, SchemaError, parse, plain
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

    @property
    def scored(self) -> bool:
        return self.weight > 0

    @property
    def best_score(self) -> float | None:
        scores = [o.score for o in self.options if o.score is not None]
        return max(scores) if scores else None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


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
OWNERS: tuple[str, ...] = Owner.__args__  # type: ignore[attr-defined]

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

    def theme(self, theme_id: str) -> Theme | None:
        return self._themes.get(theme_id)

    def questions_of(self, theme_id: str) -> list[Question]:
        return [q for q in self.questions if q.theme == theme_id]

    @property
    def scored_questions(self) -> list[Question]:
        return [q for q in self.questions if q.scored]


# -- rules that tie the tables together -------------------------------------------------------
# Each table has already been checked on its own (`validation.parse`). The rules below check what
# links them: ids, measures named by options, follow-ups, context traits, variants. Each is a small
# function of the parsed bank that yields problem lines in French naming the file and the key;
# `RULES` runs them in order and every problem is reported at once.

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    file: str  # file name, e.g. "mesures.toml"
    where: str  # key path, e.g. "measures[3] « antivirus »"
    item: T


@dataclass
class Draft:
    """The bank's tables as parsed, with where each entry was found."""

    themes: list[Entry[Theme]]
    questions: list[Entry[Question]]
    measures: list[Entry[Measure]]
    traits: list[Entry[Trait]]
    notices: list[Entry[Notice]] = field(default_factory=list)

    @cached_property
    def theme_by_id(self) -> dict[str, Theme]:
        return {e.item.id: e.item for e in self.themes}

    @cached_property
    def question_by_id(self) -> dict[str, Question]:
        return {e.item.id: e.item for e in self.questions}

    @cached_property
    def measure_by_id(self) -> dict[str, Measure]:
        return {e.item.id: e.item for e in self.measures}

    @cached_property
    def trait_ids(self) -> set[str]:
        return {e.item.id for e in self.traits}

    @cached_property
    def triggered(self) -> set[str]:
        """Ids of the measures some option triggers."""
        return {o.measure for e in self.questions for o in e.item.options if o.measure}

    @cached_property
    def traits_set(self) -> set[str]:
        """Traits some context answer sets."""
        return {t for e in self.questions for o in e.item.options for t in o.traits}

    @cached_property
    def traits_used(self) -> set[str]:
        """Traits some measure reacts to (context rule or variant), or that a notice is for."""
        measures = {r.when for e in self.measures for r in e.item.context + e.item.variants}
        return measures | {e.item.when for e in self.notices}


Rule = Callable[[Draft], Iterator[str]]


def _duplicates(entries: list[Entry[Any]], what: str) -> Iterator[str]:
    seen: dict[str, str] = {}
    for e in entries:
        if e.item.id in seen:
            yield f"{e.file} : {e.where} : {what} en double (déjà défini dans {seen[e.item.id]})"
        else:
            seen[e.item.id] = f"{e.file} {e.where}"


def unique_ids(bank: Draft) -> Iterator[str]:
    yield from _duplicates(bank.themes, "identifiant de thème")
    yield from _duplicates(bank.questions, "identifiant de question")
    yield from _duplicates(bank.measures, "identifiant de mesure")
    yield from _duplicates(bank.traits, "identifiant de trait")


def _taken(entries: list[Entry[Any]], key: str, what: str, why: str = "") -> Iterator[str]:
    """Each value of `key` used once: « ordre 3 déjà pris par « acces » »."""
    seen: dict[Any, str] = {}
    for e in entries:
        value = getattr(e.item, key)
        if value in seen:
            yield f"{e.file} : {e.where}.{key} : {what} {value} déjà pris par « {seen[value]} »{why}"
        seen.setdefault(value, e.item.id)


def theme_orders(bank: Draft) -> Iterator[str]:
    yield from _taken(bank.themes, "order", "ordre")


def themes_exist(bank: Draft) -> Iterator[str]:
    for e in bank.measures + bank.questions:
        if e.item.theme not in bank.theme_by_id:
            yield f"{e.file} : {e.where}.theme : thème « {e.item.theme} » inconnu"


def weights_fit_theme(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        theme = bank.theme_by_id.get(e.item.theme)
        if theme is not None and e.item.scored and not theme.scored:
            yield f"{e.file} : {e.where}.weight : le thème « {theme.id} » n'est pas noté, le poids doit être 0"


def options_unique(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        seen: set[str] = set()
        for i, o in enumerate(e.item.options):
            if o.id in seen:
                yield f"{e.file} : {e.where}.options[{i}] « {o.id} » : identifiant d'option en double dans la question"
            seen.add(o.id)


def exclusive_only_on_multiple(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        if e.item.kind == "single":
            for i, o in enumerate(e.item.options):
                if o.exclusive:
                    yield (
                        f"{e.file} : {e.where}.options[{i}] « {o.id} ».exclusive : n'a de sens que sur une question "
                        "à choix multiple (kind = \"multiple\") ; retirez-le"
                    )


def one_unknown_option(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        unknown = [o for o in e.item.options if o.kind is OptionKind.UNKNOWN]
        if e.item.scored and len(unknown) != 1:
            yield (
                f"{e.file} : {e.where}.options : une question notée doit proposer exactement une option "
                f"« Je ne sais pas » (kind = \"unknown\"), trouvé {len(unknown)}"
            )


def scores_fit_kind(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        q = e.item
        for i, o in enumerate(q.options):
            at = f"{e.file} : {e.where}.options[{i}] « {o.id} »"
            if o.kind is OptionKind.ANSWER:
                if q.scored and o.score is None:
                    yield f"{at}.score : score manquant (0 à 3) sur une question notée"
                if not q.scored and o.score is not None:
                    yield f"{at}.score : une question de contexte (poids 0) ne porte pas de score"
            elif o.score is not None:
                yield f"{at}.score : « Je ne sais pas » et « Non applicable » n'ont pas de score"
        if q.kind == "multiple" and q.scored and q.best_score is None:
            yield f"{e.file} : {e.where}.options : aucune option notée"


def option_measures(bank: Draft) -> Iterator[str]:
    """Every measure named exists and fits; the best answer and « Je ne sais pas » trigger none."""
    for e in bank.questions:
        q, best = e.item, e.item.best_score
        for i, o in enumerate(q.options):
            if o.measure is None:
                continue
            at = f"{e.file} : {e.where}.options[{i}] « {o.id} ».measure"
            measure = bank.measure_by_id.get(o.measure)
            if measure is None:
                yield f"{at} : mesure « {o.measure} » inconnue"
            elif measure.verification:
                yield f"{at} : « {o.measure} » est la mesure de vérification : elle ne se déclenche que par les « Je ne sais pas » des questions critiques"
            elif o.level == 2 and measure.level2 is None:
                yield f"{e.file} : {e.where}.options[{i}] « {o.id} ».level : la mesure « {o.measure} » n'a pas de niveau 2"
            if not q.scored:
                yield f"{at} : une question de contexte ne déclenche pas de mesure"
            if o.kind is OptionKind.UNKNOWN:
                yield (
                    f"{at} : « Je ne sais pas » ne déclenche pas de mesure (ne pas savoir n'est pas une absence "
                    "constatée) ; sur une question critique, écrivez plutôt [questions.verify]"
                )
            if o.score is not None and o.score == best:
                yield (
                    f"{at} : la meilleure réponse (score {best:g}) ne doit déclencher aucune mesure : "
                    "l'organisation applique déjà cette pratique"
                )


def critical_questions_verify(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        q = e.item
        if q.critical and not q.scored:
            yield f"{e.file} : {e.where}.critical : une question non notée (poids 0) ne peut pas être critique"
        elif q.critical and not any(o.measure for o in q.options):
            yield f"{e.file} : {e.where}.critical : une question critique déclenche au moins une mesure (sinon rien n'est critique)"
        elif q.critical and q.verify is None:
            yield (
                f"{e.file} : {e.where}.verify : question critique sans vérification : ajoutez [questions.verify] "
                "(topic, step) pour dire quoi vérifier quand la réponse est « Je ne sais pas »"
            )
        elif not q.critical and q.verify is not None:
            yield f"{e.file} : {e.where}.verify : seule une question critique (critical = true) porte une vérification"


def questions_say_whom_to_ask(bank: Draft) -> Iterator[str]:
    """A « Je ne sais pas » becomes a question to put to someone: the bank says to whom, and how."""
    for e in bank.questions:
        q = e.item
        unknown = any(o.kind is OptionKind.UNKNOWN for o in q.options)
        if q.scored and unknown and q.ask is None:
            yield (
                f"{e.file} : {e.where}.ask : manquant : ajoutez [questions.ask] avec whom "
                f"({', '.join(ASK_WHOM)}) et text, la question telle qu'on la pose à cette personne"
            )
        elif not q.scored and q.ask is not None:
            yield f"{e.file} : {e.where}.ask : une question de contexte n'a pas de question à faire poser ; retirez [questions.ask]"


def one_verification_measure(bank: Draft) -> Iterator[str]:
    checks = [e for e in bank.measures if e.item.verification]
    if len(checks) > 1:
        for e in checks[1:]:
            yield f"{e.file} : {e.where}.verification : une seule mesure de vérification est permise (déjà : {checks[0].item.id})"
    if not checks and any(e.item.critical for e in bank.questions):
        yield "measures : aucune mesure de vérification (verification = true) alors que des questions sont critiques"
    for e in checks:
        if e.item.level2 is not None:
            yield f"{e.file} : {e.where}.level2 : la mesure de vérification n'a qu'un niveau"


def urgency_declared(bank: Draft) -> Iterator[str]:
    for e in bank.measures:
        m = e.item
        for key in ("impact", "likelihood"):
            value = getattr(m, key)
            if m.verification and value is not None:
                yield f"{e.file} : {e.where}.{key} : la mesure de vérification prend l'urgence des points qu'elle vérifie ; retirez {key}"
            if not m.verification and value is None:
                yield f"{e.file} : {e.where}.{key} : champ obligatoire manquant (1 à 3, voir l'en-tête de mesures.toml)"
        for i, rule in enumerate(m.context):
            if rule.impact == 0 and rule.likelihood == 0:
                yield f"{e.file} : {e.where}.context[{i}] : la règle ne change ni impact ni likelihood"


def ranks_unique(bank: Draft) -> Iterator[str]:
    """The rank is the last tie-break of the priority order: two equal ranks would leave ties to chance."""
    yield from _taken(bank.measures, "rank", "rang", " (le rang départage les égalités)")


def measures_reachable(bank: Draft) -> Iterator[str]:
    for e in bank.measures:
        if e.item.id not in bank.triggered and not e.item.verification:
            yield f"{e.file} : {e.where} : aucune option ne déclenche cette mesure (contenu inaccessible)"


def level2_reachable(bank: Draft) -> Iterator[str]:
    triggered = {o.measure for e in bank.questions for o in e.item.options if o.measure and o.level == 2}
    for e in bank.measures:
        if e.item.level2 is not None and e.item.id not in triggered:
            yield f"{e.file} : {e.where}.level2 : aucune option ne déclenche ce niveau 2 (contenu inaccessible : retirez-le, ou faites-le déclencher)"


def rule_targets(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        for i, o in enumerate(e.item.options):
            for key in ("follow_ups", "hides"):
                for target in getattr(o, key):
                    at = f"{e.file} : {e.where}.options[{i}] « {o.id} ».{key}"
                    if target not in bank.question_by_id:
                        yield f"{at} : question « {target} » inconnue"
                    elif target == e.item.id:
                        yield f"{at} : une question ne peut pas se viser elle-même"


def follow_ups_have_one_parent(bank: Draft) -> Iterator[str]:
    parents: dict[str, str] = {}
    for e in bank.questions:
        for i, o in enumerate(e.item.options):
            for target in o.follow_ups:
                if parents.setdefault(target, e.item.id) != e.item.id:
                    yield (
                        f"{e.file} : {e.where}.options[{i}] « {o.id} ».follow_ups : « {target} » est déjà la question "
                        f"de suivi de « {parents[target]} » (une question de suivi n'a qu'une question parente)"
                    )
    for e in bank.questions:
        parent = bank.question_by_id.get(parents.get(e.item.id, ""))
        if parent is not None and parent.theme != e.item.theme:
            yield (
                f"{e.file} : {e.where}.theme : une question de suivi reste dans le thème de sa question "
                f"parente « {parent.id} » ({parent.theme})"
            )


def traits_declared(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        for i, o in enumerate(e.item.options):
            for trait in o.traits:
                if trait not in bank.trait_ids:
                    yield f"{e.file} : {e.where}.options[{i}] « {o.id} ».traits : trait « {trait} » non déclaré dans [[traits]]"
    for e in bank.measures:
        for key, rules in (("context", e.item.context), ("variants", e.item.variants)):
            for i, rule in enumerate(rules):
                if rule.when not in bank.trait_ids:
                    yield f"{e.file} : {e.where}.{key}[{i}].when : trait « {rule.when} » non déclaré dans [[traits]]"
    for e in bank.notices:
        if e.item.when not in bank.trait_ids:
            yield f"{e.file} : {e.where}.when : trait « {e.item.when} » non déclaré dans [[traits]]"


def traits_matter(bank: Draft) -> Iterator[str]:
    """A trait no answer sets, or that no measure reacts to, is dead content."""
    for e in bank.traits:
        if e.item.id not in bank.traits_set:
            yield f"{e.file} : {e.where} : aucune réponse de contexte ne donne ce trait (ajoutez-le à une option, ou retirez-le)"
        elif e.item.id not in bank.traits_used:
            yield (
                f"{e.file} : {e.where} : ce trait ne change rien : aucune mesure n'a de règle [[measures.context]] "
                "ni de variante [[measures.variants]] pour lui"
            )


def context_only_on_context_questions(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        if e.item.scored:
            for i, o in enumerate(e.item.options):
                if o.traits or o.owners:
                    yield f"{e.file} : {e.where}.options[{i}] « {o.id} » : traits et owners ne vont que sur une question de contexte (poids 0)"


def context_questions_matter(bank: Draft) -> Iterator[str]:
    """Every context question changes something: which questions apply, or how measures rank or read."""
    for e in bank.questions:
        q = e.item
        if q.scored:
            continue
        if not any(o.hides or o.follow_ups or o.owners or set(o.traits) & bank.traits_used for o in q.options):
            yield (
                f"{e.file} : {e.where} : cette question de contexte ne change rien (ni hides, ni follow_ups, "
                "ni trait utilisé par une mesure, ni owners) : retirez-la, ou faites réagir une mesure à ses réponses"
            )


def owners_known(bank: Draft) -> Iterator[str]:
    for e in bank.questions:
        for i, o in enumerate(e.item.options):
            for role, person in o.owners.items():
                for value in (role, person):
                    if value not in OWNERS:
                        yield (
                            f"{e.file} : {e.where}.options[{i}] « {o.id} ».owners : « {value} » n'est pas un responsable "
                            f"connu ({', '.join(OWNERS)})"
                        )


def variants_fit(bank: Draft) -> Iterator[str]:
    for e in bank.measures:
        m = e.item
        seen: set[str] = set()
        for i, v in enumerate(m.variants):
            at = f"{e.file} : {e.where}.variants[{i}]"
            if v.when in seen:
                yield f"{at}.when : deux variantes pour le trait « {v.when} »"
            seen.add(v.when)
            if v.level1 is None and v.level2 is None:
                yield f"{at} : variante vide (ajoutez [measures.variants.level1] ou level2)"
            if v.level2 is not None and m.level2 is None:
                yield f"{at}.level2 : la mesure n'a pas de niveau 2"


def avoided_words(bank: Draft) -> Iterator[str]:
    """A measure that can reach an organisation with a trait does not use the words that trait avoids
    (no « votre prestataire » for an organisation without one), once its variants are applied."""
    for t in bank.traits:
        if not t.item.avoid:
            continue
        setters = [o for e in bank.questions for o in e.item.options if t.item.id in o.traits]
        hidden = set.intersection(*(set(o.hides) for o in setters)) if setters else set()
        for e in bank.measures:
            m = e.item
            sources = {q.item.id for q in bank.questions for o in q.item.options if o.measure == m.id}
            if not m.verification and sources and sources <= hidden:
                continue  # only asked when the trait does not hold
            for level in (1, 2) if m.level2 else (1,):
                text = m.at_level(level, {t.item.id})
                for key, value in (("title", text.title), ("why", text.why), *((f"how[{i}]", s) for i, s in enumerate(text.how))):
                    for word in t.item.avoid:
                        if word.lower() in value.lower():
                            yield (
                                f"{e.file} : {e.where}.level{level}.{key} : dit « {word} », à éviter pour une organisation "
                                f"« {t.item.id} » ; ajoutez une variante [[measures.variants]] when = \"{t.item.id}\""
                            )


RULES: tuple[Rule, ...] = (
    unique_ids,
    theme_orders,
    themes_exist,
    weights_fit_theme,
    options_unique,
    exclusive_only_on_multiple,
    one_unknown_option,
    scores_fit_kind,
    option_measures,
    critical_questions_verify,
    questions_say_whom_to_ask,
    one_verification_measure,
    urgency_declared,
    ranks_unique,
    measures_reachable,
    level2_reachable,
    rule_targets,
    follow_ups_have_one_parent,
    traits_declared,
    traits_matter,
    context_only_on_context_questions,
    context_questions_matter,
    owners_known,
    variants_fit,
    avoided_words,
)


def check(bank: Draft) -> list[str]:
    return [problem for rule in RULES for problem in rule(bank)]


def default_questions_dir() -> Path:
    """The bank shipped with the package (wheel), or the repository's `questions/` (source tree)."""
    here = Path(__file__).resolve().parent.parent  # the diag_tui package
    packaged = here / "questions"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "questions"


def load_default() -> Referential:
    return load_referential(default_questions_dir())


_TABLES: dict[str, type] = {
    "themes": Theme,
    "questions": Question,
    "measures": Measure,
    "traits": Trait,
    "contacts": Contact,
    "incidents": Incident,
    "notices": Notice,
}
_TOP_LEVEL = {"version", "attack_sheet", *_TABLES}


def load_referential(folder: Path) -> Referential:
    """Load and validate every `*.toml` of `folder`. Raises ValidationErrors listing all problems."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationErrors(
            f"{folder} : dossier de questions introuvable.",
            ["indiquez le dossier qui contient les fichiers *.toml du référentiel"],
        )
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ValidationErrors(f"{folder} : aucun fichier *.toml.", ["le dossier est vide"])

    problems: list[str] = []
    versions: list[tuple[str, Any]] = []
    attack_sheets: list[tuple[str, AttackSheet]] = []
    # Everything that parsed, in file order, with the file and key it came from.
    tables: dict[str, tuple[type, list[Entry[Any]]]] = {
        key: (model, []) for key, model in _TABLES.items()
    }

    for path in files:
        name = path.name
        try:
            data = read_toml(path, "fichier du référentiel")
        except UserError as exc:  # keep going to report every file at once
            problems.append(str(exc))
            continue
        for key in data:
            if key not in _TOP_LEVEL:
                problems.append(f"{name} : {key} : clé inconnue (attendu : {', '.join(sorted(_TOP_LEVEL))})")
        if "version" in data:
            versions.append((name, data["version"]))
        if "attack_sheet" in data:
            try:
                attack_sheets.append((name, parse(AttackSheet, data["attack_sheet"], "attack_sheet")))
            except SchemaError as exc:
                problems.extend(f"{name} : {line}" for line in exc.problems)
        for key, (model, sink) in tables.items():
            items = data.get(key, [])
            if not isinstance(items, list):
                problems.append(f"{name} : {key} : doit être une liste de tables [[{key}]]")
                continue
            for index, item in enumerate(items):
                where = f"{key}[{index}]"
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    where += f" « {item['id']} »"
                try:
                    sink.append(Entry(name, where, parse(model, item, where)))
                except SchemaError as exc:
                    problems.extend(f"{name} : {line}" for line in exc.problems)

    if problems:  # unreadable files or malformed entries: cross-checks would only add noise
        raise ValidationErrors(f"Référentiel invalide ({folder}) : {len(problems)} problème(s).", problems)
    if len(versions) != 1:
        where = ", ".join(n for n, _ in versions) or "aucun fichier"
        problems.append(f"version : doit figurer dans un seul fichier (trouvée dans : {where})")
    elif not isinstance(versions[0][1], str) or not versions[0][1].strip():
        problems.append(f"{versions[0][0]} : version : doit être un texte non vide, par exemple \"2026.11\"")

    entries = {key: sink for key, (_, sink) in tables.items()}
    problems.extend(
        check(Draft(entries["themes"], entries["questions"], entries["measures"], entries["traits"], entries["notices"]))
    )
    problems.extend(_duplicates(entries["contacts"], "identifiant de contact"))
    problems.extend(_duplicates(entries["incidents"], "identifiant de situation d'attaque"))
    problems.extend(_duplicates(entries["notices"], "identifiant d'information"))
    if len(attack_sheets) > 1:
        where = ", ".join(name for name, _ in attack_sheets)
        problems.append(f"attack_sheet : doit figurer dans un seul fichier (trouvée dans : {where})")
    if problems:
        raise ValidationErrors(f"Référentiel invalide ({folder}) : {len(problems)} problème(s).", problems)

    themes, questions = entries["themes"], entries["questions"]
    ordered_themes = sorted((e.item for e in themes), key=lambda t: t.order)
    ordered_questions = _diagnostic_order(ordered_themes, [e.item for e in questions])
    referential = Referential(
        version=versions[0][1],
        themes=tuple(ordered_themes),
        questions=tuple(ordered_questions),
        measures=tuple(e.item for e in entries["measures"]),
        traits=tuple(e.item for e in entries["traits"]),
        contacts=tuple(e.item for e in entries["contacts"]),
        incidents=tuple(e.item for e in entries["incidents"]),
        attack_sheet=attack_sheets[0][1] if attack_sheets else None,
        notices=tuple(e.item for e in entries["notices"]),
    )
    forward = _check_forward_rules(referential, {e.item.id: (e.file, e.where) for e in questions})
    if forward:
        raise ValidationErrors(f"Référentiel invalide ({folder}) : {len(forward)} problème(s).", forward)
    return referential


def _diagnostic_order(themes: list[Theme], questions: list[Question]) -> list[Question]:
    """Theme order, then file order, each follow-up right after its parent (depth first)."""
    by_id = {q.id: q for q in questions}
    followers: dict[str, list[str]] = {}
    for q in questions:
        for o in q.options:
            for fu in o.follow_ups:
                if fu not in followers.setdefault(q.id, []):
                    followers[q.id].append(fu)
    is_follow_up = {fu for fus in followers.values() for fu in fus}
    ordered: list[Question] = []
    placed: set[str] = set()

    def place(q: Question) -> None:
        if q.id in placed:  # a follow-up cycle: reported by _check_forward_rules
            return
        placed.add(q.id)
        ordered.append(q)
        for fu in followers.get(q.id, []):
            place(by_id[fu])

    for theme in themes:
        for q in questions:
            if q.theme == theme.id and q.id not in is_follow_up:
                place(q)
    for q in questions:  # follow-ups only reachable through a cycle
        if q.id not in placed:
            placed.add(q.id)
            ordered.append(q)
    return ordered


def _check_forward_rules(ref: Referential, where: dict[str, tuple[str, str]]) -> list[str]:
    problems = []
    for q in ref.questions:
        name, at = where[q.id]
        for o in q.options:
            for key in ("follow_ups", "hides"):
                for target in getattr(o, key):
                    if ref.position[target] <= ref.position[q.id]:
                        problems.append(
                            f"{name} : {at} options « {o.id} ».{key} : « {target} » vient avant cette "
                            "question dans le diagnostic ; une règle ne peut viser qu'une question suivante "
                            "(sinon elle pourrait tourner en boucle)"
                        )
    return problems


def referential_summary(ref: Referential) -> str:
    scored = ref.scored_questions
    follow_ups = len(ref.parent)
    lines = [
        f"Référentiel {ref.version} (empreinte {ref.content_hash[:12]})",
        f"  {count(len(ref.themes), 'thème')}, {count(len(ref.questions), 'question')} dont "
        f"{len(scored)} notée{'s' if len(scored) > 1 else ''} et {follow_ups} de suivi, {count(len(ref.measures), 'mesure')}",
    ]
    for theme in ref.themes:
        qs = ref.questions_of(theme.id)
        n_measures = sum(1 for m in ref.measures if m.theme == theme.id)
        lines.append(f"  - {theme.title} : {count(len(qs), 'question')}, {count(n_measures, 'mesure')}")
    return "\n".join(lines)

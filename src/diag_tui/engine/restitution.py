"""From answers to results: theme indicators, findings, and the six priority measures.

How the six are chosen (the README's « Comment les six mesures sont choisies » tells it with an
example; `questions/mesures.toml` argues the numbers):

1. Findings. An answer below its question's best score triggers the option's measure: level 1
   when the practice is missing (a *gap*), level 2 when it is part-way there (a *refinement*, the
   next step). A measure triggered by several answers is kept once, with its worst trigger
   (lowest level, then lowest score, then heaviest question, then earliest question). « Je ne
   sais pas » triggers no fix: on a critical question it becomes one point of the single
   *verification* measure, which lists every such point; elsewhere it is a question to ask.
2. Urgency. Each measure carries an impact and a likelihood (1 to 3); the organisation's context
   answers (traits) move them. The band is the rank of impact × likelihood among the values it can
   take: 9 (band 1), 6, 4, 3, 2 and 1 (band 6).
   A refinement counts one band lower than its measure; the verification takes the band of the
   most urgent point it checks.
3. Order, a total order: band; gaps, then the verification, then refinements; the answer's score,
   lowest first; impact × likelihood, highest first; a measure the organisation's context made
   more urgent before one it did not (the advice more specific to it first); the question's
   weight, highest first; the measure's rank in the bank (the last tie-break); the measure id.
4. The six. Walking that order, a finding joins the six unless a measure of its family is already
   there or two of the six already come from its theme (breadth). When that leaves fewer than
   six, the findings set aside fill the remaining places in order. Findings of the last band
   (impact × likelihood = 1, or a refinement of a measure at 2) never join: they are worth doing
   but are no priority, so an organisation with few real gaps gets fewer than six. The six are
   listed in the order of step 3; every other finding is an "other measure", in the same order.

An answer at a question's best score never triggers anything (checked when the bank is loaded),
so a measure already applied is never recommended. An aidant may swap a priority for one of the
other measures, with a written reason; overrides that no longer fit are reported, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from diag_tui.bank.referential import (
    BANDS,
    Measure,
    MeasureLevel,
    Notice,
    Option,
    OptionKind,
    Question,
    Referential,
    Theme,
    band_of,
)
from diag_tui.engine.answers import Answers, Override, Progress, score_of, walk
from diag_tui.wording import count, join_words

Chosen = dict[str, list[Option]]  # question id -> the options chosen, for the questions that apply

PRIORITY_COUNT = 6
MAX_PER_THEME = 2  # breadth: at most two of the six from one theme, while other findings remain
LAST_BAND = len(BANDS)  # impact × likelihood = 1, or a refinement of 2: never a priority


class Kind(IntEnum):
    """What a finding asks for, in the order findings of one band are taken."""

    GAP = 0  # the practice is missing: level 1
    VERIFICATION = 1  # critical points answered « Je ne sais pas »: find out first
    REFINEMENT = 2  # part-way there: level 2, the next step


@dataclass(frozen=True)
class Context:
    """What the context answers say about the organisation (see `questions/contexte.toml`)."""

    traits: frozenset[str] = frozenset()
    owners: tuple[tuple[str, str], ...] = ()  # (role in the bank, who does it here)

    def owner(self, role: str) -> str:
        return next((person for r, person in self.owners if r == role), role)


def context_of(chosen: Chosen, applicable: list[Question]) -> Context:
    """Traits and owners given by the answers to the context questions that apply."""
    traits: set[str] = set()
    owners: dict[str, str] = {}
    for q in applicable:
        if q.scored:
            continue
        for option in chosen[q.id]:
            traits.update(option.traits)
            owners.update(option.owners)
    return Context(frozenset(traits), tuple(sorted(owners.items())))


WHOM = {
    "prestataire": "prestataire informatique",
    "dirigeant": "dirigeant",
    "comptable": "expert-comptable ou service comptable",
    "assureur": "assureur",
    "banque": "banque",
}


@dataclass(frozen=True)
class ToAsk:
    """A « Je ne sais pas » turned into a question for the person who knows."""

    question: Question
    whom: str  # "prestataire informatique", or who does that role here (context owners)
    text: str  # the question worded for that person


def to_ask(question: Question, context: Context) -> ToAsk:
    if question.ask is None:  # a bank without [questions.ask] (validate refuses it on scored questions)
        return ToAsk(question, WHOM["prestataire"], question.text)
    whom = WHOM[question.ask.whom]
    return ToAsk(question, dict(context.owners).get(whom, whom), question.ask.text)


PARTIAL = 1.5  # an answer scored this or more says the practice is partly in place


def lower_by(level: int, score: float | None) -> int:
    """Bands a finding drops below its measure's: one for a refinement (level 2), and one for a
    level-1 gap that the answer says is partly covered (« souvent, sans règle écrite »): less is
    left to do than for an organisation that does nothing."""
    return 1 if level == 2 or (score is not None and score >= PARTIAL) else 0


def cost_for(measure: Measure, context: Context) -> str:
    """Work a provider would bill is free for an organisation that has none."""
    if measure.cost == "gratuit hors temps du prestataire" and context.owner("prestataire informatique") != "prestataire informatique":
        return "gratuit"
    return measure.cost


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
    question: Question  # the answer that places it: the worst one; for the verification, its first point
    option: Option
    score: float | None
    sources: tuple[str, ...]  # every question whose answer triggers this measure
    detail: MeasureLevel  # the level's texts, worded for this organisation
    owner: str  # who does it here (the bank's owner, or who does that role's tasks here)
    band: int  # 1 most urgent; a refinement's band is already one lower
    impact: int
    likelihood: int
    context: tuple[str, ...] = ()  # why this organisation's context moved the urgency, one sentence each
    points: tuple[Question, ...] = ()  # the verification only: critical questions answered « Je ne sais pas »
    cost: str = ""  # the bank's cost, said for this organisation (see `cost_for`)

    @property
    def kind(self) -> Kind:
        if self.points:
            return Kind.VERIFICATION
        return Kind.GAP if self.level == 1 else Kind.REFINEMENT

    @property
    def title(self) -> str:
        return self.detail.title

    @property
    def reason(self) -> str:
        """Why this measure comes up for this organisation, in its own words: its answer, then
        what its context changes. No rank or score: those stay in the files for tools."""
        if self.points:
            topics = join_words([q.verify.topic for q in self.points if q.verify])
            n = len(self.points)
            text = (
                f"Vous avez répondu « Je ne sais pas » à {count(n, 'question')} sur des points dont dépend "
                f"votre capacité à résister à une attaque ou à repartir : {topics}. Le savoir est la première étape."
            )
        else:
            question = self.question.text
            # a quotation that ends with its own ? or ! ends the sentence too
            end = "" if question.rstrip().endswith(("?", "!")) else "."
            text = f"Vous avez répondu « {self.option.label} » à la question « {question} »{end}"
            if self.kind is Kind.REFINEMENT:
                text += " Une partie est déjà en place : cette mesure est l'étape suivante."
        return " ".join((text, *self.context))


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
    asks: tuple[ToAsk, ...] = ()  # the unknown questions, worded for whoever can answer them
    notices: tuple[Notice, ...] = ()  # what to know given the organisation's context (NIS 2…)
    express: bool = False  # from the express diagnostic: only its questions were asked

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
        """What the indicators rest on, the parts adding up to the scored questions that apply:
        "calculé sur 30 réponses sur 41 : 9 « Je ne sais pas », 1 « Non applicable », 1 question
        sans réponse". Context questions are not scored: one left unanswered is said apart."""
        text = f"calculé sur {count(self.scored_answers, 'réponse')} sur {self.scored_applicable}"
        not_applicable = sum(i.not_applicable for i in self.indicators)
        unanswered = sum(i.applicable - i.answered for i in self.indicators)
        parts = [
            *([f"{self.unknown_count} « Je ne sais pas »"] if self.unknown_count else []),
            *([f"{not_applicable} « Non applicable »"] if not_applicable else []),
            *([f"{count(unanswered, 'question')} sans réponse"] if unanswered else []),
        ]
        if parts:
            text += " : " + ", ".join(parts)
        context = self.progress.applicable - self.progress.answered - unanswered
        if context > 0:
            text += f" ; {count(context, 'question')} de contexte sans réponse"
        return text

    @property
    def express_note(self) -> str | None:
        """What an express result is worth, said wherever it is shown under the heading « Diagnostic
        express »; None for the full diagnostic."""
        if not self.express:
            return None
        asked = self.progress.applicable
        untouched = [i.theme.title for i in self.indicators if i.applicable == 0]
        text = (
            f"{count(asked, 'question essentielle', 'questions essentielles')} seulement. "
            "Ces mesures sont une première réponse, à commencer sans attendre"
        )
        if untouched:
            text += f" ; les thèmes non abordés ({', '.join(untouched)}) peuvent en faire apparaître d'autres"
        return text + ". Le diagnostic complet garde toutes ces réponses et pose les autres questions."

    @property
    def priorities_note(self) -> str | None:
        """An honest word when there are fewer than six priorities; None when there are six."""
        n = len(self.priorities)
        if n >= PRIORITY_COUNT:
            return None
        found = "Aucune mesure prioritaire" if n == 0 else count(n, "mesure prioritaire", "mesures prioritaires")
        missing = self.progress.applicable - self.progress.answered
        if missing:
            return (
                f"{found} pour l'instant, et ce résultat est provisoire : {count(missing, 'question')} "
                f"{'reste' if missing < 2 else 'restent'} sans réponse. Terminez le diagnostic pour obtenir les six mesures."
            )
        unknown = len(self.unknown_questions)
        if self.others:
            text = (
                f"{found} seulement : les autres points relevés sont des mesures d'organisation sans "
                "urgence, listées plus bas."
                if n
                else f"{found} : les points relevés sont des mesures d'organisation sans urgence, listées plus bas."
            )
        elif unknown:
            text = f"{found} {'seulement ' if n else ''}: aucune réponse connue ne révèle d'autre point faible."
        elif n == 0 and self.express:
            text = f"{found} : aucune réponse ne révèle de point faible sur les questions essentielles de l'express."
        elif n == 0:
            text = (
                f"{found} : aucune réponse ne révèle de point faible sur les questions posées. Gardez ces bonnes "
                "pratiques et refaites le diagnostic dans un an."
            )
        else:
            text = f"{found} seulement : les autres réponses ne révèlent pas de point faible, il n'y a pas lieu d'en ajouter."
        if unknown:
            text += (
                f" {count(unknown, 'réponse')} « Je ne sais pas » {'reste' if unknown < 2 else 'restent'} à éclaircir : "
                "voyez les questions à poser."
            )
        return text


def theme_indicators(ref: Referential, chosen: Chosen, applicable: list[Question]) -> list[ThemeIndicator]:
    indicators = []
    by_theme: dict[str, list[Question]] = {}
    for q in applicable:
        if q.scored:
            by_theme.setdefault(q.theme, []).append(q)
    for theme in ref.themes:
        if not theme.scored:
            continue
        questions = by_theme.get(theme.id, [])
        total = weights = 0.0
        answered = scored = unknown = not_applicable = 0
        for q in questions:
            options = chosen[q.id]
            if not options:
                continue
            answered += 1
            score = score_of(q, options)
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


def findings(ref: Referential, chosen: Chosen, applicable: list[Question], context: Context) -> list[Finding]:
    """Every triggered measure once, plus the verification if a critical answer is unknown, in
    priority order (see the module docstring)."""
    worst: dict[str, tuple[Question, Option, float | None, list[str]]] = {}
    points: list[Question] = []
    for q in applicable:
        options = chosen[q.id]
        score = score_of(q, options)
        for option in options:
            if option.kind is OptionKind.UNKNOWN and q.critical:
                points.append(q)
            if option.measure is None:
                continue
            current = worst.get(option.measure)
            if current is None:
                worst[option.measure] = (q, option, score, [q.id])
                continue
            current[3].append(q.id)
            if _trigger_key(ref, q, option, score) < _trigger_key(ref, current[0], current[1], current[2]):
                worst[option.measure] = (q, option, score, current[3])

    found = []
    for measure_id, (q, option, score, sources) in worst.items():
        measure = ref.measure(measure_id)
        if measure is None:  # cannot happen with a validated bank
            continue
        impact, likelihood, because = measure.urgency(context.traits)
        found.append(
            Finding(
                measure=measure,
                level=option.level,
                question=q,
                option=option,
                score=score,
                sources=tuple(sources),
                detail=measure.at_level(option.level, context.traits),
                owner=context.owner(measure.owner),
                cost=cost_for(measure, context),
                band=band_of(impact, likelihood) + lower_by(option.level, score),
                impact=impact,
                likelihood=likelihood,
                context=because,
            )
        )
    if points and ref.verification is not None:
        found.append(_verification(ref, ref.verification, points, context))
    return sorted(found, key=lambda f: order_key(ref, f))


def _trigger_key(ref: Referential, q: Question, option: Option, score: float | None) -> tuple:
    """Smaller is worse: the trigger a measure keeps when several answers trigger it."""
    return (option.level, 0.0 if score is None else score, -q.weight, ref.position[q.id])


def _verification(ref: Referential, measure: Measure, points: list[Question], context: Context) -> Finding:
    """One finding that lists what to check for every critical question answered « Je ne sais pas »,
    most urgent point first. A point is as urgent as the most urgent measure its question's answers
    could trigger (in this organisation's context); the verification takes the most urgent point's
    band."""

    def band(q: Question) -> int:
        urgencies = [m.urgency(context.traits)[:2] for o in q.options if o.measure and (m := ref.measure(o.measure))]
        return min((band_of(i, lk) for i, lk in urgencies), default=len(BANDS))

    ranked = sorted(points, key=lambda q: (band(q), ref.position[q.id]))
    text = measure.at_level(1, context.traits)
    steps = tuple(q.verify.step for q in ranked if q.verify)
    detail = MeasureLevel(title=text.title, why=text.why, how=text.how[:1] + steps + text.how[1:], check=text.check)
    unknown = next(o for o in ranked[0].options if o.kind is OptionKind.UNKNOWN)
    return Finding(
        measure=measure,
        level=1,
        question=ranked[0],
        option=unknown,
        score=None,
        sources=tuple(q.id for q in ranked),
        detail=detail,
        owner=context.owner(measure.owner),
        cost=cost_for(measure, context),
        band=band(ranked[0]),
        impact=0,
        likelihood=0,
        points=tuple(ranked),
    )


def order_key(ref: Referential, f: Finding) -> tuple:
    """The priority order of the module docstring (step 3)."""
    score = 0.0 if f.score is None else f.score
    base = (f.measure.impact or 0) * (f.measure.likelihood or 0)
    specific = 0 if f.impact * f.likelihood > base else 1  # raised by this organisation's context
    return (f.band, f.kind, score, -(f.impact * f.likelihood), specific, -f.question.weight, f.measure.rank, f.measure.id)


def choose_six(ordered: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(the six, the others) from findings in priority order (module docstring, step 4)."""
    chosen: list[Finding] = []
    set_aside: list[Finding] = []
    families: set[str] = set()
    themes: dict[str, int] = {}
    for f in ordered:
        if f.band >= LAST_BAND:
            break  # ordered by band: nothing urgent enough follows
        if len(chosen) < PRIORITY_COUNT and f.measure.family not in families and themes.get(f.measure.theme, 0) < MAX_PER_THEME:
            chosen.append(f)
            families.add(f.measure.family)
            themes[f.measure.theme] = themes.get(f.measure.theme, 0) + 1
        else:
            set_aside.append(f)
    filling = set_aside[: PRIORITY_COUNT - len(chosen)]
    taken = {id(f) for f in chosen + filling}
    six = [f for f in ordered if id(f) in taken]
    others = [f for f in ordered if id(f) not in taken]
    return six, others


def restitution(
    ref: Referential, answers: Answers, overrides: tuple[Override, ...] | list[Override] = (), express: bool = False
) -> Restitution:
    """`express`: the diagnostic asks only the questions marked express; the others are not
    counted as unanswered (they are not assessed, and the result says so)."""
    walked = walk(ref, answers, express)
    applicable = [q for q, _ in walked]
    picked: Chosen = {q.id: options for q, options in walked}  # read a dozen times below
    context = context_of(picked, applicable)
    six, others = choose_six(findings(ref, picked, applicable, context))

    chosen = [Priority(f) for f in six]
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
            others.sort(key=lambda f: order_key(ref, f))
            chosen[index] = Priority(substitute, override)

    # Critical unknowns are points of the verification measure; the others are questions to ask.
    to_ask_list = tuple(
        q for q in applicable
        if q.scored and not q.critical and any(o.kind is OptionKind.UNKNOWN for o in picked[q.id])
    )
    answered = sum(1 for q in applicable if picked[q.id])
    return Restitution(
        indicators=tuple(theme_indicators(ref, picked, applicable)),
        priorities=tuple(chosen),
        others=tuple(others),
        unknown_questions=to_ask_list,
        progress=Progress(answered=answered, applicable=len(applicable)),
        ignored_overrides=tuple(ignored),
        asks=tuple(to_ask(q, context) for q in to_ask_list),
        notices=tuple(n for n in ref.notices if n.when in context.traits),
        express=express,
    )

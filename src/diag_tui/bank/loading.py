"""Reading and checking the bank's files: `questions/*.toml` to a `Referential`.

`load_referential(folder)` reads every `*.toml` file of the folder, validates each table (with pydantic, see
`schema.py`), then checks what links the tables together (ids, measures, follow-ups, context
rules): the rules below. Every problem is reported with its file and key path; nothing
half-valid is ever returned. A start whose bank comes from its checked copy (`cache.py`) never
loads this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from diag_tui.bank.referential import (
    ASK_WHOM,
    OWNERS,
    AttackSheet,
    Contact,
    Incident,
    Measure,
    Notice,
    OptionKind,
    Question,
    Referential,
    Theme,
    Trait,
    default_questions_dir,
)
from diag_tui.bank.schema import SchemaError, parse
from diag_tui.errors import UserError, ValidationErrors
from diag_tui.files import read_toml

# -- rules that tie the tables together -------------------------------------------------------
# Each table has already been checked on its own (`schema.parse`). The rules below check what
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


_OPTION_PLACE = {OptionKind.ANSWER: 0, OptionKind.NOT_APPLICABLE: 1, OptionKind.UNKNOWN: 2}
_OPTION_NAMES = {OptionKind.ANSWER: "une réponse", OptionKind.NOT_APPLICABLE: "« Non applicable »", OptionKind.UNKNOWN: "« Je ne sais pas »"}


def answers_then_not_applicable_then_unknown(bank: Draft) -> Iterator[str]:
    """The same order in every question, so that the same keys give the same kind of answer:
    the answers, then « Non applicable » (an answer about the organisation: the practice does not
    concern it), then « Je ne sais pas », always last (every scored question has one)."""
    for e in bank.questions:
        options = e.item.options
        for i in range(1, len(options)):
            before, o = options[i - 1], options[i]
            if _OPTION_PLACE[o.kind] < _OPTION_PLACE[before.kind]:
                yield (
                    f"{e.file} : {e.where}.options[{i}] « {o.id} » : {_OPTION_NAMES[o.kind]} après "
                    f"{_OPTION_NAMES[before.kind]} (« {before.id} ») ; dans chaque question : les réponses, "
                    "puis « Non applicable », puis « Je ne sais pas » en dernier"
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
    """Every measure named exists and fits; the best answer, « Je ne sais pas » and « Non applicable » trigger none."""
    for e in bank.questions:
        q, best = e.item, e.item.best_score
        for i, o in enumerate(q.options):
            if o.measure is None:
                continue
            yield from _measure_fits(bank, f"{e.file} : {e.where}.options[{i}] « {o.id} »", o.measure, o.level)
            at = f"{e.file} : {e.where}.options[{i}] « {o.id} ».measure"
            if not q.scored:
                yield f"{at} : une question de contexte ne déclenche pas de mesure"
            if o.kind is OptionKind.UNKNOWN:
                yield (
                    f"{at} : « Je ne sais pas » ne déclenche pas de mesure (ne pas savoir n'est pas une absence "
                    "constatée) ; sur une question critique, écrivez plutôt [questions.verify]"
                )
            if o.kind is OptionKind.NOT_APPLICABLE:
                yield f"{at} : « Non applicable » ne déclenche pas de mesure (la pratique ne concerne pas l'organisation)"
            if o.score is not None and o.score == best:
                yield (
                    f"{at} : la meilleure réponse (score {best:g}) ne doit déclencher aucune mesure : "
                    "l'organisation applique déjà cette pratique"
                )


def _measure_fits(bank: Draft, option: str, measure_id: str, level: int) -> Iterator[str]:
    """The measure `option` (its file and key) names exists, is not the verification measure, and has the level asked."""
    measure = bank.measure_by_id.get(measure_id)
    if measure is None:
        yield f"{option}.measure : mesure « {measure_id} » inconnue"
    elif measure.verification:
        yield (
            f"{option}.measure : « {measure_id} » est la mesure de vérification : elle ne se déclenche que par "
            "les « Je ne sais pas » des questions critiques"
        )
    elif level == 2 and measure.level2 is None:
        yield f"{option}.level : la mesure « {measure_id} » n'a pas de niveau 2"


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


def express_path_whole(bank: Draft) -> Iterator[str]:
    """The express diagnostic asks the questions marked `express`: a follow-up among them needs
    its parent marked too (it would never show), and so does a context question that can hide
    one (else an organisation without remote access would be asked about remote access)."""
    express = {e.item.id for e in bank.questions if e.item.express}
    brought_by: dict[str, list[Question]] = {}  # question id -> questions whose options reveal or hide it
    for e in bank.questions:
        for o in e.item.options:
            for target in (*o.follow_ups, *o.hides):
                brought_by.setdefault(target, []).append(e.item)
    for e in bank.questions:
        if not e.item.express:
            continue
        for q in {q.id: q for q in brought_by.get(e.item.id, [])}.values():
            revealed = any(e.item.id in o.follow_ups for o in q.options)
            if q.id not in express and (revealed or not q.scored):
                role = "dont elle est la question de suivi" if revealed else "de contexte qui peut la masquer"
                yield f"{e.file} : {e.where}.express : la question « {q.id} » {role} doit être marquée express aussi"


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
    for at, trait in _trait_mentions(bank):
        if trait not in bank.trait_ids:
            yield f"{at} : trait « {trait} » non déclaré dans [[traits]]"


def _trait_mentions(bank: Draft) -> Iterator[tuple[str, str]]:
    """(file and key, trait) for every trait an option gives, a measure reacts to or a notice is for."""
    for q in bank.questions:
        for i, o in enumerate(q.item.options):
            yield from ((f"{q.file} : {q.where}.options[{i}] « {o.id} ».traits", trait) for trait in o.traits)
    for m in bank.measures:
        for key in ("context", "variants"):
            yield from ((f"{m.file} : {m.where}.{key}[{i}].when", rule.when) for i, rule in enumerate(getattr(m.item, key)))
    yield from ((f"{n.file} : {n.where}.when", n.item.when) for n in bank.notices)


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
    answers_then_not_applicable_then_unknown,
    scores_fit_kind,
    option_measures,
    critical_questions_verify,
    express_path_whole,
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
    found = _Found()
    for path in _bank_files(folder):
        found.read(path)
    _raise_if(folder, found.problems)  # unreadable files or malformed entries: cross-checks would only add noise
    _raise_if(folder, list(_link_problems(found)))
    referential = _build(found)
    _raise_if(folder, _check_forward_rules(referential, found.tables["questions"]))
    return referential


def _raise_if(folder: Path, problems: list[str]) -> None:
    if problems:
        raise ValidationErrors(f"Référentiel invalide ({folder}) : {len(problems)} problème(s).", problems)


def _bank_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ValidationErrors(
            f"{folder} : dossier de questions introuvable.",
            ["indiquez le dossier qui contient les fichiers *.toml du référentiel"],
        )
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ValidationErrors(f"{folder} : aucun fichier *.toml.", ["le dossier est vide"])
    return files


@dataclass
class _Found:
    """Everything that parsed, in file order, with the file and key it came from; and what did not."""

    problems: list[str] = field(default_factory=list)
    versions: list[Entry[Any]] = field(default_factory=list)
    attack_sheets: list[Entry[AttackSheet]] = field(default_factory=list)
    tables: dict[str, list[Entry[Any]]] = field(default_factory=lambda: {key: [] for key in _TABLES})

    def read(self, path: Path) -> None:
        name = path.name
        try:
            data = read_toml(path, "fichier du référentiel")
        except UserError as exc:  # keep going to report every file at once
            self.problems.append(str(exc))
            return
        for key in data:
            if key not in _TOP_LEVEL:
                self.problems.append(f"{name} : {key} : clé inconnue (attendu : {', '.join(sorted(_TOP_LEVEL))})")
        if "version" in data:
            self.versions.append(Entry(name, "version", data["version"]))
        if "attack_sheet" in data:
            self._parse(self.attack_sheets, name, AttackSheet, data["attack_sheet"], "attack_sheet")
        for key, model in _TABLES.items():
            self._read_table(name, key, model, data.get(key, []))

    def _read_table(self, name: str, key: str, model: type, items: Any) -> None:
        if not isinstance(items, list):
            self.problems.append(f"{name} : {key} : doit être une liste de tables [[{key}]]")
            return
        for index, item in enumerate(items):
            where = f"{key}[{index}]"
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                where += f" « {item['id']} »"
            self._parse(self.tables[key], name, model, item, where)

    def _parse(self, sink: list[Entry[Any]], name: str, model: type, item: Any, where: str) -> None:
        try:
            sink.append(Entry(name, where, parse(model, item, where)))
        except SchemaError as exc:
            self.problems.extend(f"{name} : {line}" for line in exc.problems)


def _link_problems(found: _Found) -> Iterator[str]:
    """The version, the link rules `RULES`, the ids of the other tables, a single attack sheet."""
    tables = found.tables
    yield from _version_problems(found.versions)
    yield from check(Draft(tables["themes"], tables["questions"], tables["measures"], tables["traits"], tables["notices"]))
    yield from _duplicates(tables["contacts"], "identifiant de contact")
    yield from _duplicates(tables["incidents"], "identifiant de situation d'attaque")
    for extra in [e for e in tables["contacts"] if e.item.aidant][1:]:
        yield f"{extra.file} : {extra.where}.aidant : un seul contact peut être celui où demander un aidant"
    yield from _duplicates(tables["notices"], "identifiant d'information")
    if len(found.attack_sheets) > 1:
        yield _not_in_one_file("attack_sheet", found.attack_sheets)


def _version_problems(versions: list[Entry[Any]]) -> Iterator[str]:
    if len(versions) != 1:
        yield _not_in_one_file("version", versions)
    elif not isinstance(versions[0].item, str) or not versions[0].item.strip():
        yield f"{versions[0].file} : version : doit être un texte non vide, par exemple \"2026.11\""


def _not_in_one_file(key: str, entries: list[Entry[Any]]) -> str:
    where = ", ".join(e.file for e in entries) or "aucun fichier"
    return f"{key} : doit figurer dans un seul fichier (trouvée dans : {where})"


def _build(found: _Found) -> Referential:
    """The checked tables, themes by their order and questions in diagnostic order."""
    items: dict[str, Any] = {key: tuple(e.item for e in entries) for key, entries in found.tables.items()}
    items["themes"] = tuple(sorted(items["themes"], key=lambda t: t.order))
    items["questions"] = tuple(_diagnostic_order(items["themes"], items["questions"]))
    sheets = found.attack_sheets
    return Referential(version=found.versions[0].item, attack_sheet=sheets[0].item if sheets else None, **items)


def _diagnostic_order(themes: Sequence[Theme], questions: Sequence[Question]) -> list[Question]:
    """Theme order, then file order, each follow-up right after its parent (depth first)."""
    by_id = {q.id: q for q in questions}
    follow_ups = {q.id: [fu for o in q.options for fu in o.follow_ups] for q in questions}
    is_follow_up = {fu for fus in follow_ups.values() for fu in fus}
    ordered: dict[str, Question] = {}  # in diagnostic order

    def place(q: Question) -> None:
        if q.id in ordered:  # a follow-up cycle: reported by _check_forward_rules
            return
        ordered[q.id] = q
        for fu in follow_ups[q.id]:
            place(by_id[fu])

    for theme in themes:
        for q in questions:
            if q.theme == theme.id and q.id not in is_follow_up:
                place(q)
    for q in questions:  # follow-ups only reachable through a cycle
        ordered.setdefault(q.id, q)
    return list(ordered.values())


def _check_forward_rules(ref: Referential, questions: list[Entry[Question]]) -> list[str]:
    problems = []
    where = {e.item.id: e for e in questions}
    for q in ref.questions:
        at = where[q.id]
        for o in q.options:
            for key in ("follow_ups", "hides"):
                for target in getattr(o, key):
                    if ref.position[target] <= ref.position[q.id]:
                        problems.append(
                            f"{at.file} : {at.where} options « {o.id} ».{key} : « {target} » vient avant cette "
                            "question dans le diagnostic ; une règle ne peut viser qu'une question suivante "
                            "(sinon elle pourrait tourner en boucle)"
                        )
    return problems




def load_default() -> Referential:
    return load_referential(default_questions_dir())

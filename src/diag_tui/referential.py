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
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from diag_tui.errors import UserError, ValidationErrors
from diag_tui.files import read_toml
from diag_tui.validation import Checked, Rules, SchemaError, parse, plain
from diag_tui.wording import count

Id = Annotated[str, Rules(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, Rules(min_length=1)]
Score = Annotated[float, Rules(ge=0, le=3, multiple_of=0.5)]
Url = Annotated[str, Rules(pattern=r"^https://[^\s]+$")]


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

    @property
    def alone(self) -> bool:
        """Chosen, it excludes every other option ("Je ne sais pas", "Non applicable", "Aucune")."""
        return self.exclusive or self.kind is not OptionKind.ANSWER


@dataclass(frozen=True, kw_only=True)
class Question(Checked):
    id: Id
    theme: Id
    text: Text
    help: Text
    kind: Literal["single", "multiple"] = "single"
    weight: Score
    critical: bool = False
    options: Annotated[tuple[Option, ...], Rules(min_length=2)]

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


@dataclass(frozen=True, kw_only=True)
class Resource(Checked):
    title: Text
    url: Url


@dataclass(frozen=True, kw_only=True)
class Contact(Checked):
    """A service to call or visit, shown in reports and in the incident part of the plan."""

    id: Id
    title: Text
    when: Text  # in which situation to turn to it
    url: Url
    phone: str | None = None


@dataclass(frozen=True, kw_only=True)
class Incident(Checked):
    """What to do when it happens, for one kind of attack (from the memento's victim guides)."""

    id: Id
    title: Text
    steps: Annotated[tuple[Text, ...], Rules(min_length=3)]


@dataclass(frozen=True, kw_only=True)
class Measure(Checked):
    id: Id
    theme: Id
    family: Id
    rank: Annotated[int, Rules(ge=1)]
    effort: Literal["faible", "moyen", "important"]
    cost: Literal["gratuit", "moins de 500 €", "500 à 3 000 €", "plus de 3 000 €"]
    duration: Text
    owner: Literal[
        "dirigeant",
        "référent cyber",
        "prestataire informatique",
        "tous les salariés",
        "service comptable",
    ]
    level1: MeasureLevel
    level2: MeasureLevel | None = None
    resources: tuple[Resource, ...] = ()

    def at_level(self, level: int) -> MeasureLevel:
        return self.level2 if level == 2 and self.level2 is not None else self.level1


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
    contacts: tuple[Contact, ...] = ()
    incidents: tuple[Incident, ...] = ()

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


def default_questions_dir() -> Path:
    """The bank shipped with the package (wheel), or the repository's `questions/` (source tree)."""
    here = Path(__file__).resolve().parent
    packaged = here / "questions"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "questions"


def load_default() -> Referential:
    return load_referential(default_questions_dir())


_TOP_LEVEL = {"version", "themes", "questions", "measures", "contacts", "incidents"}


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
    # (file name, key path, model) for everything that parsed, in file order.
    themes: list[tuple[str, str, Theme]] = []
    questions: list[tuple[str, str, Question]] = []
    measures: list[tuple[str, str, Measure]] = []
    contacts: list[tuple[str, str, Contact]] = []
    incidents: list[tuple[str, str, Incident]] = []
    kinds = {
        "themes": (Theme, themes),
        "questions": (Question, questions),
        "measures": (Measure, measures),
        "contacts": (Contact, contacts),
        "incidents": (Incident, incidents),
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
        for key, (model, sink) in kinds.items():
            items = data.get(key, [])
            if not isinstance(items, list):
                problems.append(f"{name} : {key} : doit être une liste de tables [[{key}]]")
                continue
            for index, item in enumerate(items):
                where = f"{key}[{index}]"
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    where += f" « {item['id']} »"
                try:
                    sink.append((name, where, parse(model, item, where)))
                except SchemaError as exc:
                    problems.extend(f"{name} : {line}" for line in exc.problems)

    if problems:  # unreadable files or malformed entries: cross-checks would only add noise
        raise ValidationErrors(f"Référentiel invalide ({folder}) : {len(problems)} problème(s).", problems)
    if len(versions) != 1:
        where = ", ".join(n for n, _ in versions) or "aucun fichier"
        problems.append(f"version : doit figurer dans un seul fichier (trouvée dans : {where})")
    elif not isinstance(versions[0][1], str) or not versions[0][1].strip():
        problems.append(f"{versions[0][0]} : version : doit être un texte non vide, par exemple \"2026.11\"")

    problems.extend(_check_links(themes, questions, measures))
    problems.extend(_duplicates(contacts, "identifiant de contact"))
    problems.extend(_duplicates(incidents, "identifiant de situation d'attaque"))
    if problems:
        raise ValidationErrors(f"Référentiel invalide ({folder}) : {len(problems)} problème(s).", problems)

    ordered_themes = sorted((t for _, _, t in themes), key=lambda t: t.order)
    ordered_questions = _diagnostic_order(ordered_themes, [q for _, _, q in questions])
    referential = Referential(
        version=versions[0][1],
        themes=tuple(ordered_themes),
        questions=tuple(ordered_questions),
        measures=tuple(m for _, _, m in measures),
        contacts=tuple(c for _, _, c in contacts),
        incidents=tuple(i for _, _, i in incidents),
    )
    forward = _check_forward_rules(referential, {q.id: (f, w) for f, w, q in questions})
    if forward:
        raise ValidationErrors(f"Référentiel invalide ({folder}) : {len(forward)} problème(s).", forward)
    return referential


def _duplicates(entries: list[tuple[str, str, Any]], what: str) -> Iterator[str]:
    seen: dict[str, str] = {}
    for name, where, item in entries:
        if item.id in seen:
            yield f"{name} : {where} : {what} en double (déjà défini dans {seen[item.id]})"
        else:
            seen[item.id] = f"{name} {where}"


def _check_links(themes, questions, measures) -> list[str]:
    problems: list[str] = []
    problems += _duplicates(themes, "identifiant de thème")
    problems += _duplicates(questions, "identifiant de question")
    problems += _duplicates(measures, "identifiant de mesure")
    orders: dict[int, str] = {}
    for name, where, theme in themes:
        if theme.order in orders:
            problems.append(f"{name} : {where}.order : ordre {theme.order} déjà pris par « {orders[theme.order]} »")
        orders.setdefault(theme.order, theme.id)

    theme_by_id = {t.id: t for _, _, t in themes}
    measure_by_id = {m.id: m for _, _, m in measures}
    question_ids = {q.id for _, _, q in questions}
    parents: dict[str, str] = {}
    triggered: set[str] = set()

    for name, where, m in measures:
        if m.theme not in theme_by_id:
            problems.append(f"{name} : {where}.theme : thème « {m.theme} » inconnu")

    for name, where, q in questions:
        theme = theme_by_id.get(q.theme)
        if theme is None:
            problems.append(f"{name} : {where}.theme : thème « {q.theme} » inconnu")
        elif q.scored and not theme.scored:
            problems.append(f"{name} : {where}.weight : le thème « {theme.id} » n'est pas noté, le poids doit être 0")
        if q.kind == "single":
            for i, o in enumerate(q.options):
                if o.exclusive:
                    problems.append(
                        f"{name} : {where}.options[{i}] « {o.id} ».exclusive : n'a de sens que sur une question "
                        "à choix multiple (kind = \"multiple\") ; retirez-le"
                    )
        seen_options: set[str] = set()
        unknown = [o for o in q.options if o.kind is OptionKind.UNKNOWN]
        if q.scored and len(unknown) != 1:
            problems.append(
                f"{name} : {where}.options : une question notée doit proposer exactement une option "
                f"« Je ne sais pas » (kind = \"unknown\"), trouvé {len(unknown)}"
            )
        if q.critical and not q.scored:
            problems.append(f"{name} : {where}.critical : une question non notée (poids 0) ne peut pas être critique")
        best = q.best_score
        for i, o in enumerate(q.options):
            at = f"{where}.options[{i}] « {o.id} »"
            if o.id in seen_options:
                problems.append(f"{name} : {at} : identifiant d'option en double dans la question")
            seen_options.add(o.id)
            if o.kind is OptionKind.ANSWER:
                if q.scored and o.score is None:
                    problems.append(f"{name} : {at}.score : score manquant (0 à 3) sur une question notée")
                if not q.scored and o.score is not None:
                    problems.append(f"{name} : {at}.score : une question de contexte (poids 0) ne porte pas de score")
            elif o.score is not None:
                problems.append(f"{name} : {at}.score : « Je ne sais pas » et « Non applicable » n'ont pas de score")
            if o.measure is not None:
                triggered.add(o.measure)
                measure = measure_by_id.get(o.measure)
                if measure is None:
                    problems.append(f"{name} : {at}.measure : mesure « {o.measure} » inconnue")
                elif o.level == 2 and measure.level2 is None:
                    problems.append(f"{name} : {at}.level : la mesure « {o.measure} » n'a pas de niveau 2")
                if not q.scored:
                    problems.append(f"{name} : {at}.measure : une question de contexte ne déclenche pas de mesure")
                if o.score is not None and o.score == best:
                    problems.append(
                        f"{name} : {at}.measure : la meilleure réponse (score {best:g}) ne doit déclencher "
                        "aucune mesure : l'organisation applique déjà cette pratique"
                    )
            if q.critical and o.kind is OptionKind.UNKNOWN and o.measure is None:
                problems.append(
                    f"{name} : {at}.measure : question critique : « Je ne sais pas » doit déclencher une "
                    "mesure (ne pas savoir est en soi un constat)"
                )
            for field in ("follow_ups", "hides"):
                for target in getattr(o, field):
                    if target not in question_ids:
                        problems.append(f"{name} : {at}.{field} : question « {target} » inconnue")
                    elif target == q.id:
                        problems.append(f"{name} : {at}.{field} : une question ne peut pas se viser elle-même")
            for target in o.follow_ups:
                if parents.setdefault(target, q.id) != q.id:
                    problems.append(
                        f"{name} : {at}.follow_ups : « {target} » est déjà la question de suivi de "
                        f"« {parents[target]} » (une question de suivi n'a qu'une question parente)"
                    )
        if q.kind == "multiple" and q.scored and best is None:
            problems.append(f"{name} : {where}.options : aucune option notée")

    for name, where, q in questions:
        parent = parents.get(q.id)
        if parent is not None:
            parent_theme = next(p.theme for _, _, p in questions if p.id == parent)
            if parent_theme != q.theme:
                problems.append(
                    f"{name} : {where}.theme : une question de suivi reste dans le thème de sa question "
                    f"parente « {parent} » ({parent_theme})"
                )

    for name, where, m in measures:
        if m.id not in triggered:
            problems.append(f"{name} : {where} : aucune option ne déclenche cette mesure (contenu inaccessible)")
    return problems


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
            for field in ("follow_ups", "hides"):
                for target in getattr(o, field):
                    if ref.position[target] <= ref.position[q.id]:
                        problems.append(
                            f"{name} : {at} options « {o.id} ».{field} : « {target} » vient avant cette "
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

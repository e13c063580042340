"""The TOML follow-up file: the six-month plan that the aidant and the organisation keep, and
bring back at the next visit. This module owns its format, both ways.

Writing: `followup_document` (a plan as a document), `diagnostic_document` (a stored diagnostic:
the same, with its follow-up state, its answers and its interview notes, so that a self-service
user can hand it to an aidant), `to_toml` (the file, opening with `HEADER`, a French comment
saying what it is and what may be edited by hand).

Reading: `import_followup` takes back what may be edited by hand (`MeasureEdit`,
`CheckpointEdit`), or adds a diagnostic handed over from another machine. Everything is checked
before anything is written: one bad value and nothing changes, and every problem names its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

import tomli_w

from diag_tui.bank.referential import Referential
from diag_tui.bank.schema import Checked, SchemaError, parse, plain
from diag_tui.engine.answers import Override, answer_problems
from diag_tui.engine.plan import CHECKPOINT_MONTHS, CheckpointMonth, Plan, build_plan
from diag_tui.engine.restitution import Restitution, restitution
from diag_tui.errors import UserError, ValidationErrors
from diag_tui.files import read_text_file, read_toml
from diag_tui.storage.diagnostic import (
    DATE_MAX,
    DATE_MIN,
    ID_PATTERN,
    STATUSES,
    WINDOWS_RESERVED,
    CheckpointProgress,
    Diagnostic,
    Emergency,
    MeasureProgress,
    Status,
    hand_over,
    reconcile,
)
from diag_tui.storage.store import ConflictError, Store
from diag_tui.typography import french as fr
from diag_tui.untrusted import NOTE_MAX, checked
from diag_tui.wording import EMERGENCY_LABELS, NOT_ASSESSED

SCHEMA_VERSION = 1

HEADER = """\
# Fichier de suivi diag-tui : plan d'action sur six mois
#
# Ce fichier appartient à l'organisation diagnostiquée. Il contient la liste de ses points
# faibles : conservez-le en lieu sûr et ne le transmettez qu'à des personnes de confiance.
#
# Vous pouvez modifier à la main, pour chaque mesure ([[measures]]) :
#   status  = "a_faire", "en_cours", "fait" ou "abandonne"
#   notes   = "texte libre"
#   updated = 2026-12-15   (date de la dernière mise à jour, sans guillemets)
# et pour chaque point d'étape ([[checkpoints]]) : done = true ou false, notes = "texte libre".
# Ne modifiez pas les autres champs : ils servent à relier le fichier au diagnostic.
# Lors de la visite suivante : diag-tui import ce-fichier.toml
"""
PROVISIONAL_HEADER = """\
#
# RÉSULTATS PROVISOIRES (provisional = true) : le diagnostic n'est pas terminé ; les indicateurs
# et les mesures peuvent changer quand toutes les questions auront une réponse.
"""

# ---- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagnosticMeta:
    organisation: str
    aidant: str | None = None
    mode: str = "accompagne"
    id: str | None = None
    created: dt.datetime | dt.date | None = None
    completed: dt.datetime | dt.date | None = None
    emergency: Emergency = field(default_factory=Emergency)


def _clean(table: dict[str, Any]) -> dict[str, Any]:
    """TOML has no null: drop the keys whose value is None."""
    return {k: v for k, v in table.items() if v is not None}


def attack_sheet(ref: Referential, emergency: Emergency) -> dict[str, Any]:
    """The « En cas d'attaque » sheet: first gestures, the complaint rule, the organisation's own
    numbers (empty when not given: the printed sheet leaves room to write them) and the national ones."""
    sheet = ref.attack_sheet
    return {
        "gestures": [fr(g) for g in sheet.gestures] if sheet else [],
        "complaint": fr(sheet.complaint) if sheet else "",
        "numbers": [{"who": fr(label), "number": getattr(emergency, key)} for key, label in EMERGENCY_LABELS.items()],
        "contacts": [_contact(c) for c in ref.contacts if c.attack],
    }


def _contact(c: Any) -> dict[str, Any]:
    return _clean({"title": fr(c.title), "when": fr(c.when), "url": c.url, "phone": c.phone})


def followup_document(ref: Referential, meta: DiagnosticMeta, result: Restitution, plan: Plan) -> dict[str, Any]:
    """Bank texts get French typography here (`typography.french`); what people typed (names,
    notes, reasons) is kept exactly as typed."""
    themes = {t.id: fr(t.title) for t in ref.themes}
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "diagnostic": _clean(
            {
                "id": meta.id,
                "organisation": meta.organisation,
                "aidant": meta.aidant,
                "mode": meta.mode,
                "form": "express" if result.express else None,  # absent: the full diagnostic
                "created": meta.created,
                "completed": meta.completed,
                "referential_version": ref.version,
                "referential_hash": ref.content_hash,
                "plan_start": plan.start,
                "provisional": result.provisional,
                "basis": fr(result.basis),
                "express_note": fr(result.express_note) if result.express_note else None,
            }
        ),
        "indicators": {
            i.theme.id: NOT_ASSESSED if i.value is None else i.value for i in result.indicators
        },
        "measures": [
            _clean(
                {
                    "rank": item.rank,
                    "id": item.measure.id,
                    "level": item.priority.finding.level,
                    "title": fr(item.priority.finding.title),
                    "theme": themes[item.measure.theme],
                    "reason": fr(item.priority.finding.reason),
                    "band": item.priority.finding.band,
                    "score": item.priority.finding.score,
                    "override_reason": item.priority.override.reason if item.priority.override else None,
                    "replaces": item.priority.override.replaced if item.priority.override else None,
                    "why": fr(item.priority.finding.detail.why),
                    "how": [fr(step) for step in item.priority.finding.detail.how],
                    "check": fr(item.priority.finding.detail.check),
                    "month": item.start_month,
                    "due_month": item.due_month,
                    "due": item.due,
                    "owner": fr(item.priority.finding.owner),
                    "effort": item.measure.effort,
                    "cost": item.priority.finding.cost,
                    "duration": item.measure.duration,
                    "status": "a_faire",
                    "notes": "",
                    "updated": plan.start,
                    "resources": [{"title": fr(r.title), "url": r.url} for r in item.measure.resources],
                }
            )
            for item in plan.items
        ],
        "checkpoints": [
            {"month": c.month, "date": c.date, "done": False, "notes": ""} for c in plan.checkpoints
        ],
        "other_measures": [
            {"id": f.measure.id, "level": f.level, "title": fr(f.title), "theme": themes[f.measure.theme]}
            for f in result.others
        ],
        "questions_to_ask": [
            {"id": a.question.id, "whom": fr(a.whom), "text": fr(a.text), "question": fr(a.question.text)}
            for a in result.asks
        ],
        "notices": [_clean({"title": fr(n.title), "text": fr(n.text), "url": n.url}) for n in result.notices],
        "attack_sheet": attack_sheet(ref, meta.emergency),
        "contacts": [_contact(c) for c in ref.contacts if not c.attack],
    }
    if result.priorities_note:
        document["diagnostic"]["note"] = fr(result.priorities_note)
    return document


def diagnostic_document(ref: Referential, diag: Diagnostic) -> dict[str, Any]:
    """`followup_document` for a stored diagnostic, with what the file carries besides the plan:
    the follow-up state, and the answers and interview aids that let another machine import it."""
    result = restitution(ref, diag.given_answers, diag.given_overrides, diag.express)  # as handed over
    meta = DiagnosticMeta(
        organisation=diag.organisation.name,
        aidant=diag.aidant,
        mode=diag.mode,
        id=diag.id,
        created=diag.created,
        completed=diag.completed,
        emergency=diag.emergency,
    )
    document = followup_document(ref, meta, result, build_plan(result.priorities, diag.plan_start))
    for measure in document["measures"]:
        if measure["id"] in diag.measures:  # status, notes and, once set, updated
            measure.update(plain(diag.measures[measure["id"]]))
    for checkpoint in document["checkpoints"]:
        if str(checkpoint["month"]) in diag.checkpoints:
            checkpoint.update(plain(diag.checkpoints[str(checkpoint["month"])]))
    document["diagnostic"].update(_clean({"previous": diag.previous, "sector": diag.organisation.sector}))
    if diag.notes:  # interview notes and flags travel with a diagnostic handed to an aidant
        document["question_notes"] = dict(diag.notes)
    if diag.flagged:
        document["flagged"] = list(diag.flagged)
    document["answers"] = dict(diag.answers)
    document["overrides"] = plain(diag.overrides)
    if diag.handed_over is not None:  # what the results above rest on, when answers changed since
        document["handed_over"] = plain(diag.handed_over)
    return document


def to_toml(document: dict[str, Any], header: str = HEADER) -> str:
    """Render with one `[[table]]` per list item, even short ones, so the file reads (and is
    edited) the same way everywhere; tomli-w alone would inline small tables."""
    if document.get("diagnostic", {}).get("provisional"):  # said where a reader starts, not only in a key
        header += PROVISIONAL_HEADER
    return header + "\n" + "\n".join(_chunks(document, "", ""))


def _chunks(table: dict[str, Any], path: str, opening: str) -> list[str]:
    """`opening` is the line that opens this table: "" for the root, "[a]" or "[[a]]"."""

    def table_list(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(i, dict) for i in value)

    plain_values = {k: v for k, v in table.items() if not isinstance(v, dict) and not table_list(v)}
    body = tomli_w.dumps(plain_values, multiline_strings=True) if plain_values else ""
    chunks = [f"{opening}\n{body}" if opening else body] if opening or body else []
    for key, value in table.items():
        name = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            chunks += _chunks(value, name, f"[{name}]")
        elif table_list(value):
            for item in value:
                chunks += _chunks(item, name, f"[[{name}]]")
    return chunks


# ---- reading: what may be edited by hand -------------------------------------------------------


class _AsWritten:
    """`Annotated` metadata: the value must be written with its own TOML type, as the header
    says (`true`, not `"true"` or `1`; `3`, not `3.0` or `true`; a date without quotes and
    without a time), where pydantic would convert it."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        if schema["type"] == "literal":  # no strict mode of its own: check the type of its values first
            (kind,) = {type(value).__name__ for value in schema["expected"]}
            return {"type": "chain", "steps": [{"type": kind, "strict": True}, schema]}
        return {**schema, "strict": True}


@dataclass(frozen=True, kw_only=True)
class MeasureEdit(Checked):
    """What may be edited by hand in a `[[measures]]` table, and the id that says which measure."""

    __pydantic_config__ = {"extra": "ignore"}  # the other keys are the plan as exported: not read back

    id: Annotated[str, _AsWritten()]
    status: Annotated[Status, _AsWritten()] = "a_faire"
    notes: Annotated[str, _AsWritten()] = ""  # checked as typed text is, by `_text_problems`
    updated: Annotated[dt.date, _AsWritten()] | None = None  # within DATE_MIN..DATE_MAX, checked by `_edits`


@dataclass(frozen=True, kw_only=True)
class CheckpointEdit(Checked):
    """What may be edited by hand in a `[[checkpoints]]` table, and the month that says which."""

    __pydantic_config__ = {"extra": "ignore"}  # its date comes from the plan: not read back

    month: Annotated[CheckpointMonth, _AsWritten()]
    done: Annotated[bool, _AsWritten()] = False
    notes: Annotated[str, _AsWritten()] = ""


def _one_of(values: tuple[Any, ...]) -> str:
    return ", ".join(map(str, values[:-1])) + f" ou {values[-1]}"


# What each key of the editable part must hold, said when it does not ({value}: the value read,
# {shown}: the same as TOML writes it).
_EXPECTED = {
    "id": "id doit être l'identifiant de la mesure, entre guillemets, comme dans le fichier exporté",
    "status": f"statut « {{value}} » inconnu ; valeurs possibles : {_one_of(STATUSES)}",
    "notes": "notes doit être un texte entre guillemets",
    "updated": "updated doit être une date AAAA-MM-JJ sans guillemets",
    "month": f"point d'étape au mois {{shown}} inconnu (mois {_one_of(CHECKPOINT_MONTHS)})",
    "done": "done doit valoir true ou false (sans guillemets)",
}


def _shown(value: Any) -> str:
    """A value as it reads in the TOML file (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else repr(value)


class _Lines:
    """Where things are in the text of a TOML file, which `tomllib` does not say."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers: dict[str, list[int]] = {}  # by table name, the lines of its `[[table]]` headers

    def at(self, table: str, index: int, key: str) -> str:
        """`ligne N, [[table]] n° i`: the line of `key = …` in the `index`-th (0 = first)
        `[[table]]`, or of its header when it has no such key."""
        if table not in self.headers:
            header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
            self.headers[table] = [n for n, line in enumerate(self.lines, start=1) if header.match(line)]
        line = self.headers[table][index] if index < len(self.headers[table]) else None
        if line is not None:
            line = self.key_after(line, key) or line
        return f"{f'ligne {line}, ' if line else ''}[[{table}]] n° {index + 1}"

    def key_after(self, start: int, key: str) -> int | None:
        """The line of `key = …` after line `start` (0: the top of the file) and before the next table."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self.lines) + 1):  # no slice: a copy per call adds up
            line = self.lines[number - 1]
            if line.lstrip().startswith("["):
                return None
            if pattern.match(line):
                return number
        return None


def _tables(cls: type, key: str, data: dict[str, Any], lines: _Lines, path: Path, problems: list[str]) -> list[tuple[int, Any]]:
    """The `[[key]]` tables of the file, each read as a `cls`, with its index. A value that does
    not fit adds a problem naming its line, and leaves its table out."""
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        line = lines.key_after(0, key)
        problems.append(
            f"{path}, {f'ligne {line}' if line else key} : {key} doit être une suite de tables [[{key}]], "
            "comme dans le fichier exporté"
        )
        return []
    read: list[tuple[int, Any]] = []
    for i, table in enumerate(tables):
        try:
            read.append((i, parse(cls, table)))
        except SchemaError as exc:
            named = f" ({table['id']})" if isinstance(table.get("id"), str) else ""
            for problem in exc.problems:  # "field : what is wrong" (`SchemaError`); said here for this file
                field = problem.partition(" : ")[0]
                if field in table:
                    why = _EXPECTED[field].format(value=table[field], shown=_shown(table[field]))
                else:
                    why = f"sans {field} ; remettez la ligne « {field} = … » du fichier exporté"
                problems.append(f"{path}, {lines.at(key, i, field)}{named} : {why}")
    return read


def _text_problems(label: str, text: str) -> list[str]:
    """Notes are checked as typed text is (`untrusted.checked`), and kept as written: an export,
    edited and imported, reads back the same."""
    try:
        checked(label, text, limit=NOTE_MAX, multiline=True)
    except UserError as exc:
        return [str(exc)]
    return []


def _edits(
    data: dict[str, Any], lines: _Lines, path: Path
) -> tuple[dict[str, tuple[MeasureProgress, str]], dict[str, CheckpointProgress]]:
    """The follow-up state written by hand in the file: by measure id, the progress and where its
    id is written; by month, the checkpoints. ValidationErrors lists every problem."""
    problems: list[str] = []
    progress: dict[str, tuple[MeasureProgress, str]] = {}
    for i, m in _tables(MeasureEdit, "measures", data, lines, path, problems):
        if m.id in progress:
            problems.append(
                f"{path}, {lines.at('measures', i, 'id')} : mesure « {m.id} » en double "
                f"(déjà décrite {progress[m.id][1]}) ; gardez une seule table par mesure"
            )
            continue
        problems += _text_problems(f"{path}, {lines.at('measures', i, 'notes')} ({m.id}), notes", m.notes)
        # the dates a diagnostic can carry (`storage.diagnostic.Day`): said here with the line
        if m.updated is not None and not DATE_MIN.date() <= m.updated <= DATE_MAX.date():
            problems.append(
                f"{path}, {lines.at('measures', i, 'updated')} ({m.id}) : date hors de la plage acceptée "
                f"({DATE_MIN.year} à {DATE_MAX.year}) : corrigez-la"
            )
        progress[m.id] = (MeasureProgress(status=m.status, notes=m.notes, updated=m.updated), lines.at("measures", i, "id"))
    checkpoints: dict[str, CheckpointProgress] = {}
    for i, c in _tables(CheckpointEdit, "checkpoints", data, lines, path, problems):
        if str(c.month) in checkpoints:
            problems.append(
                f"{path}, {lines.at('checkpoints', i, 'month')} : point d'étape du mois {c.month} en double ; "
                "gardez une seule table par mois"
            )
            continue
        problems += _text_problems(f"{path}, {lines.at('checkpoints', i, 'notes')}, notes", c.notes)
        checkpoints[str(c.month)] = CheckpointProgress(done=c.done, notes=c.notes)
    if problems:
        raise ValidationErrors(f"{path} : fichier de suivi invalide, rien n'a été importé.", problems)
    return progress, checkpoints


# ---- reading: the import -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    diagnostic: Diagnostic
    created: bool  # a diagnostic new to this store (hand-off)
    changes: tuple[str, ...]


def import_followup(store: Store, ref: Referential, path: Path) -> ImportOutcome:
    """Take back a follow-up file: the progress written in it by hand into the diagnostic it was
    exported from, or, when this store does not have it, the whole diagnostic (a hand-off)."""
    data = read_toml(path, "fichier de suivi")
    lines = _Lines(read_text_file(path, "fichier de suivi"))  # to name lines; checked and capped like the first read
    info = _identity(data, path)
    progress, checkpoints = _edits(data, lines, path)
    with store.open_for_edit(info["id"]):  # refused while a session edits it
        return _record(store, ref, data, info, path, progress, checkpoints)


def _identity(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """The `[diagnostic]` table of a follow-up file this version can read, with a valid id."""
    if "schema_version" not in data:
        raise UserError(
            f"{path} : ce n'est pas un fichier de suivi diag-tui : la ligne schema_version = {SCHEMA_VERSION} qui ouvre "
            "un fichier de suivi est absente. Un fichier de réponses se lit avec `diag-tui report --answers`."
        )
    if type(data.get("schema_version")) is not int or data["schema_version"] != SCHEMA_VERSION:  # not true, not 1.0
        raise UserError(
            f"{path} : ce n'est pas un fichier de suivi diag-tui lisible par cette version "
            f"(schema_version = {_shown(data.get('schema_version'))}, attendu {SCHEMA_VERSION})."
        )
    info = data.get("diagnostic")
    if not isinstance(info, dict) or not isinstance(info.get("id"), str) or not re.fullmatch(ID_PATTERN, info["id"]):
        raise UserError(
            f"{path} : [diagnostic] id manquant ou invalide ; seul un fichier écrit par `diag-tui export` (ou par "
            "l'application) s'importe, pas un plan calculé par `diag-tui report`."
        )
    if info["id"] in WINDOWS_RESERVED:
        raise UserError(f"{path} : [diagnostic] id « {info['id']} » réservé par Windows ; ce fichier n'a pas été exporté par diag-tui.")
    return info


def _record(store, ref, data, info, path, progress, checkpoints) -> ImportOutcome:
    diagnostic_id = info["id"]
    if store.exists(diagnostic_id):
        current = store.load(diagnostic_id)
        # the same diagnostic: the id is drawn at random, the organisation and the creation time tell
        if _created(info) != current.created or info.get("organisation") != current.organisation.name:
            raise ConflictError(
                f"{path} : un autre diagnostic porte déjà l'identifiant « {diagnostic_id} » "
                f"({current.organisation.name}, créé le {current.created:%d/%m/%Y}). Rien n'a été importé."
            )
        current, notes = reconcile(ref, current)
        updated, changes = _with_progress(ref, current, progress, checkpoints, path)
        if updated != current:
            updated = store.save(_readable(updated, path))
        return ImportOutcome(updated, False, tuple(notes + changes))

    diag, notes = reconcile(ref, _handed_over(ref, data, info, path))
    updated, changes = _with_progress(ref, diag, progress, checkpoints, path)
    stored = store.add(_readable(updated, path))
    return ImportOutcome(stored, True, (f"Nouveau diagnostic ajouté : {diagnostic_id}.", *notes, *changes))


def _readable(diag: Diagnostic, path: Path) -> Diagnostic:
    """`diag` checked as the next opening will check it: whatever the checks above missed, an
    import never writes a file that would then be set aside as unreadable."""
    try:
        return parse(Diagnostic, plain(diag))
    except SchemaError as exc:
        raise ValidationErrors(f"{path} : fichier de suivi invalide, rien n'a été importé.", exc.problems) from None


def _with_progress(ref, diag, progress, checkpoints, path) -> tuple[Diagnostic, list[str]]:
    """`diag` with the file's follow-up state, and what changed; checks the measure ids first."""
    priorities = [p.measure.id for p in restitution(ref, diag.given_answers, diag.given_overrides).priorities]
    problems = [
        f"{path}, {where} : la mesure « {mid} » n'est pas parmi les mesures prioritaires de ce diagnostic "
        f"({', '.join(priorities) or 'aucune'})"
        for mid, (_, where) in progress.items()
        if mid not in priorities
    ]
    if problems:
        raise ValidationErrors(f"{path} : fichier de suivi invalide, rien n'a été importé.", problems)
    changes = []
    measures = dict(diag.measures)
    for mid, (new, _) in progress.items():
        old = diag.measures.get(mid) or MeasureProgress(updated=diag.plan_start)  # as exported
        if new == old:
            continue
        what = f"{old.status} → {new.status}" if new.status != old.status else new.status
        if new.notes != old.notes:
            what += " (notes modifiées)"
        changes.append(f"{mid} : {what}")
        measures[mid] = new
    for month, new in checkpoints.items():
        old = diag.checkpoints.get(month, CheckpointProgress())
        if new != old:
            changes.append(f"point d'étape M+{month} : {'fait' if new.done else 'à faire'}")
    updated = replace(diag, measures=measures, checkpoints={**diag.checkpoints, **checkpoints})
    if changes:  # follow-up recorded: the results it rests on are fixed as given
        updated = hand_over(ref, updated)
    return updated, changes


# ---- reading: a diagnostic handed over from another machine ---------------------------------------


def _overrides(data: dict[str, Any], path: Path) -> tuple[Override, ...]:
    value = data.get("overrides", [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationErrors(
            f"{path} : diagnostic invalide, rien n'a été importé.",
            ["overrides : doit être une suite de tables [[overrides]], comme dans le fichier exporté"],
        )
    overrides = []
    for i, item in enumerate(value):
        try:
            overrides.append(parse(Override, item, f"[[overrides]] n° {i + 1}"))
        except SchemaError as exc:
            raise ValidationErrors(f"{path} : diagnostic invalide, rien n'a été importé.", exc.problems) from None
    return tuple(overrides)


_MAX_ANSWERS = 500


def _dict(data: dict[str, Any], key: str) -> dict:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _list(data: dict[str, Any], key: str) -> list:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _created(info: dict[str, Any]) -> dt.datetime | None:
    value = info.get("created")
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


def _handed_over(ref: Referential, data: dict[str, Any], info: dict[str, Any], path: Path) -> Diagnostic:
    """A diagnostic exported on another machine becomes a new diagnostic here."""
    answers = data.get("answers")
    if not isinstance(answers, dict):
        raise UserError(
            f"{path} : le diagnostic « {info['id']} » n'est pas dans ce dossier et le fichier ne contient pas "
            "ses réponses ([answers]) : impossible de l'ajouter."
        )
    # Answers to questions this bank does not have are set aside by `reconcile`, but only a file made
    # with another bank can hold them; this one's questions number a few dozen.
    same_bank = info.get("referential_hash") == ref.content_hash
    unknown = sorted(str(q) for q in {*answers, *_dict(data, "question_notes"), *_list(data, "flagged")} if ref.question(str(q)) is None)
    if unknown and (same_bank or len(answers) > _MAX_ANSWERS):
        shown = ", ".join(unknown[:10]) + (f" et {len(unknown) - 10} autres" if len(unknown) > 10 else "")
        raise UserError(
            f"{path} : {len(unknown)} question(s) inconnue(s) du référentiel {ref.version} ({shown}). "
            "Ce fichier a été modifié ou ne vient pas de diag-tui : rien n'a été importé."
        )
    problems = [p for p in answer_problems(ref, answers) if "inconnue dans le référentiel" not in p]
    if problems:
        raise ValidationErrors(f"{path} : réponses invalides, rien n'a été importé.", problems)
    created = _created(info)
    if created is None:
        raise UserError(f"{path} : [diagnostic] created manquant : impossible d'ajouter ce diagnostic.")
    completed = info.get("completed")
    try:
        return parse(Diagnostic, {
            "id": info["id"],
            "organisation": {"name": info.get("organisation") or "Sans nom", "sector": info.get("sector")},
            "aidant": info.get("aidant"),
            "mode": info.get("mode", "accompagne"),
            "form": info.get("form", "complet"),
            "created": created,
            "updated": created,
            "completed": completed if isinstance(completed, dt.datetime) else None,
            "referential_version": str(info.get("referential_version", "")),
            "referential_hash": str(info.get("referential_hash", "")),
            "previous": info.get("previous"),
            "answers": answers,
            "overrides": _overrides(data, path),
            "notes": data.get("question_notes", {}),
            "flagged": data.get("flagged", ()),
            "handed_over": data.get("handed_over"),
        })
    except SchemaError as exc:
        raise ValidationErrors(f"{path} : diagnostic invalide, rien n'a été importé.", exc.problems) from None

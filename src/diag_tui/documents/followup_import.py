"""Reading back a follow-up file: the progress written in it by hand, or a whole diagnostic
handed over from another machine.

Everything is checked before anything is written: one bad value and nothing changes, and every
problem names its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from diag_tui.engine.answers import answer_problems
from diag_tui.storage.diagnostic import (
    DATE_MAX,
    DATE_MIN,
    ID_PATTERN,
    STATUSES,
    WINDOWS_RESERVED,
    CheckpointProgress,
    Diagnostic,
    MeasureProgress,
    Override,
    reconcile,
)
from diag_tui.errors import UserError, ValidationErrors
from diag_tui.files import read_text_file, read_toml
from diag_tui.documents.followup_file import SCHEMA_VERSION
from diag_tui.engine.plan import CHECKPOINT_MONTHS
from diag_tui.bank.referential import Referential
from diag_tui.storage.store import ConflictError, Store
from diag_tui.untrusted import NOTE_MAX, checked
from diag_tui.bank.schema import SchemaError, parse, plain


@dataclass(frozen=True)
class ImportOutcome:
    diagnostic: Diagnostic
    created: bool  # a diagnostic new to this store (hand-off)
    changes: tuple[str, ...]


class _Lines:
    """Finds the line of `key` inside the n-th `[[table]]` (or inside `[table]`) of a TOML text."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def of(self, table: str, index: int | None, key: str | None = None) -> int | None:
        header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]" if index is not None else rf"^\s*\[\s*{re.escape(table)}\s*\]")
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if header.match(line):
                seen += 1
                if index is None or seen == index:
                    if key is None:
                        return number
                    return self._key_after(number, key) or number
        return None

    def of_root(self, key: str) -> int | None:
        """Line of a top-level `key = ...` (before the first table header)."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number, line in enumerate(self.lines, start=1):
            if line.lstrip().startswith("["):
                return None
            if pattern.match(line):
                return number
        return None

    def _key_after(self, start: int, key: str) -> int | None:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if line.lstrip().startswith("["):
                return None
            if pattern.match(line):
                return number
        return None


def import_followup(store: Store, ref: Referential, path: Path) -> ImportOutcome:
    text_problems: list[str] = []
    data = read_toml(path, "fichier de suivi")
    lines = _Lines(read_text_file(path, "fichier de suivi"))  # to name lines; checked and capped like the first read

    def at(table: str, index: int | None = None, key: str | None = None) -> str:
        line = lines.of(table, index, key)
        return f"ligne {line}" if line else f"[{table}]"

    if type(data.get("schema_version")) is not int or data["schema_version"] != SCHEMA_VERSION:  # not true, not 1.0
        raise UserError(
            f"{path} : ce n'est pas un fichier de suivi diag-tui lisible par cette version "
            f"(schema_version = {_shown(data.get('schema_version'))}, attendu {SCHEMA_VERSION})."
        )
    info = data.get("diagnostic")
    if not isinstance(info, dict) or not isinstance(info.get("id"), str) or not re.fullmatch(ID_PATTERN, info["id"]):
        raise UserError(f"{path} : [diagnostic] id manquant ou invalide ; ce fichier a-t-il été exporté par `diag-tui export` ?")
    if info["id"] in WINDOWS_RESERVED:
        raise UserError(f"{path} : [diagnostic] id « {info['id']} » réservé par Windows ; ce fichier n'a pas été exporté par diag-tui.")
    diagnostic_id = info["id"]

    def tables(key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return value
        line = lines.of_root(key)
        text_problems.append(
            f"{path}, {f'ligne {line}' if line else key} : {key} doit être une suite de tables [[{key}]], "
            "comme dans le fichier exporté"
        )
        return []

    progress, checkpoints = {}, {}
    for i, entry in enumerate(tables("measures")):
        mid = entry.get("id")
        where = f"{path}, {at('measures', i, 'status')}, [[measures]] n° {i + 1}"
        if not isinstance(mid, str):
            text_problems.append(f"{path}, {at('measures', i)} : [[measures]] n° {i + 1} sans id")
            continue
        if mid in progress:
            text_problems.append(
                f"{path}, {at('measures', i, 'id')}, [[measures]] n° {i + 1} : mesure « {mid} » en double "
                f"(déjà décrite {progress[mid][1]}) ; gardez une seule table par mesure"
            )
            continue
        status = entry.get("status", "a_faire")
        if status not in STATUSES:
            text_problems.append(f"{where} ({mid}) : statut « {status} » inconnu ; valeurs possibles : {', '.join(STATUSES)}")
            continue
        notes = entry.get("notes", "")
        updated = entry.get("updated")
        if not isinstance(notes, str):
            text_problems.append(f"{path}, {at('measures', i, 'notes')} ({mid}) : notes doit être un texte entre guillemets")
            continue
        try:  # checked as if typed, kept as written (an export, edited and imported, reads back the same)
            checked(f"{path}, {at('measures', i, 'notes')} ({mid}), notes", notes, limit=NOTE_MAX, multiline=True)
        except UserError as exc:
            text_problems.append(str(exc))
            continue
        if updated is not None and (not isinstance(updated, dt.date) or isinstance(updated, dt.datetime)):
            text_problems.append(f"{path}, {at('measures', i, 'updated')} ({mid}) : updated doit être une date AAAA-MM-JJ sans guillemets")
            continue
        if updated is not None and not DATE_MIN.date() <= updated <= DATE_MAX.date():
            text_problems.append(
                f"{path}, {at('measures', i, 'updated')} ({mid}) : date hors de la plage acceptée "
                f"({DATE_MIN.year} à {DATE_MAX.year}) : corrigez-la"
            )
            continue
        progress[mid] = (MeasureProgress(status=status, notes=notes, updated=updated), at("measures", i, "id"))
    for i, entry in enumerate(tables("checkpoints")):
        month = entry.get("month")
        if type(month) is not int or month not in CHECKPOINT_MONTHS:  # not true, not 3.0
            text_problems.append(f"{path}, {at('checkpoints', i, 'month')} : point d'étape au mois {_shown(month)} inconnu (mois 1, 3 ou 6)")
            continue
        if str(month) in checkpoints:
            text_problems.append(
                f"{path}, {at('checkpoints', i, 'month')} : point d'étape du mois {month} en double ; "
                "gardez une seule table par mois"
            )
            continue
        done, notes = entry.get("done", False), entry.get("notes", "")
        if not isinstance(done, bool):
            text_problems.append(f"{path}, {at('checkpoints', i, 'done')} : done doit valoir true ou false (sans guillemets)")
            continue
        if not isinstance(notes, str):
            text_problems.append(f"{path}, {at('checkpoints', i, 'notes')} : notes doit être un texte entre guillemets")
            continue
        try:
            checked(f"{path}, {at('checkpoints', i, 'notes')}, notes", notes, limit=NOTE_MAX, multiline=True)
        except UserError as exc:
            text_problems.append(str(exc))
            continue
        checkpoints[str(month)] = CheckpointProgress(done=done, notes=notes)
    if text_problems:
        raise ValidationErrors(f"{path} : fichier de suivi invalide, rien n'a été importé.", text_problems)

    with store.open_for_edit(diagnostic_id):  # refused while a session edits it
        return _record(store, ref, data, info, path, progress, checkpoints)


def _record(store, ref, data, info, path, progress, checkpoints) -> ImportOutcome:
    diagnostic_id = info["id"]
    if store.exists(diagnostic_id):
        current = store.load(diagnostic_id)
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
    priorities = [p.measure.id for p in diag.result(ref).priorities]
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
    return updated, changes


def _shown(value: Any) -> str:
    """A value as it reads in the TOML file (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else repr(value)


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
        return parse(Diagnostic, dict(
            id=info["id"],
            organisation={"name": info.get("organisation") or "Sans nom", "sector": info.get("sector")},
            aidant=info.get("aidant"),
            mode=info.get("mode", "accompagne"),
            created=created,
            updated=created,
            completed=completed if isinstance(completed, dt.datetime) else None,
            referential_version=str(info.get("referential_version", "")),
            referential_hash=str(info.get("referential_hash", "")),
            previous=info.get("previous"),
            answers=answers,
            overrides=_overrides(data, path),
            notes=data.get("question_notes", {}),
            flagged=data.get("flagged", ()),
        ))
    except SchemaError as exc:
        raise ValidationErrors(f"{path} : diagnostic invalide, rien n'a été importé.", exc.problems) from None

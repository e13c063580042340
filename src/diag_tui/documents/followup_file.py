"""The TOML follow-up file: the six-month plan that the aidant and the organisation keep.

It opens with a French comment saying what the file is and what may be edited by hand
(`status`, `notes`, `updated` of each measure; `done` and `notes` of each checkpoint).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import tomli_w

from diag_tui.storage.diagnostic import EMERGENCY_LABELS, Emergency
from diag_tui.engine.plan import Plan
from diag_tui.bank.referential import Referential
from diag_tui.engine.restitution import Restitution
from diag_tui.typography import french as fr

SCHEMA_VERSION = 1
NOT_ASSESSED = "non évalué"

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


@dataclass(frozen=True)
class DiagnosticMeta:
    organisation: str
    aidant: str | None = None
    mode: str = "accompagne"
    id: str | None = None
    created: dt.datetime | dt.date | None = None
    completed: dt.datetime | dt.date | None = None
    emergency: Emergency = Emergency()


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
                "created": meta.created,
                "completed": meta.completed,
                "referential_version": ref.version,
                "referential_hash": ref.content_hash,
                "plan_start": plan.start,
                "provisional": result.provisional,
                "basis": fr(result.basis),
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


def to_toml(document: dict[str, Any], header: str = HEADER) -> str:
    """Render with one `[[table]]` per list item, even short ones, so the file reads (and is
    edited) the same way everywhere; tomli-w alone would inline small tables."""
    return header + "\n" + "\n".join(_chunks(document, "", ""))


def _chunks(table: dict[str, Any], path: str, opening: str) -> list[str]:
    """`opening` is the line that opens this table: "" for the root, "[a]" or "[[a]]"."""

    def table_list(value: Any) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(i, dict) for i in value)

    plain = {k: v for k, v in table.items() if not isinstance(v, dict) and not table_list(v)}
    body = tomli_w.dumps(plain, multiline_strings=True) if plain else ""
    chunks = [f"{opening}\n{body}" if opening else body] if opening or body else []
    for key, value in table.items():
        name = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            chunks += _chunks(value, name, f"[{name}]")
        elif table_list(value):
            for item in value:
                chunks += _chunks(item, name, f"[[{name}]]")
    return chunks

"""Every French label the program shows or writes, its date format and its plurals.

The screens, the CLI and the reports take their words from here, so that a status or a mode is
called the same everywhere. The typography of bank texts (non-breaking spaces) is `typography.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

NOT_ASSESSED = "non évalué"  # a theme none of whose questions has a scored answer

STATUS_LABELS = {"a_faire": "à faire", "en_cours": "en cours", "fait": "fait", "abandonne": "abandonnée"}
MODE_LABELS = {"accompagne": "Diagnostic accompagné", "autodiagnostic": "Autodiagnostic"}
MODE_SHORT = {"accompagne": "accompagné", "autodiagnostic": "autodiagnostic"}  # a column of the list
STAGE_LABELS = {"en_cours": "en cours", "termine": "terminé", "en_suivi": "en suivi"}
EMERGENCY_LABELS = {
    "provider": "Prestataire informatique",
    "bank": "Banque (fraude, opposition, rappel d'un virement)",
    "insurer": "Assureur (et numéro de contrat)",
}


def count(n: int, singular: str, plural: str | None = None) -> str:
    """French count: "0 réponse", "1 réponse", "2 réponses" (French singular covers 0 and 1)."""
    return f"{n} {singular if n < 2 else (plural or singular + 's')}"


def join_words(items: list[str]) -> str:
    """French enumeration: "a", "a et b", "a, b et c"."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def date_fr(value: Any) -> str:
    """24/11/2026 for a date or a datetime; anything else as it is."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def indicator_text(value: Any) -> str:
    """2,5 / 3, or « non évalué »."""
    if value is None or value == NOT_ASSESSED:
        return NOT_ASSESSED
    return f"{value:.1f} / 3".replace(".", ",")


def stage_text(stage: str, percent: int, done: int | None, priorities: int | None) -> str:
    """Where a diagnostic stands, as the list says it: « en cours (40 %) », « en suivi, 2/6 mesures faites »."""
    if stage == "en_cours":
        return f"en cours ({percent} %)"
    return f"{STAGE_LABELS[stage]}, {done}/{priorities} mesures faites"

"""The answers file read by `diag-tui report`: a plain TOML document a person can write by hand.

    [organisation]
    name = "Boulangerie Martin"

    [diagnostic]                  # optional
    aidant = "Claire Dupont"
    mode = "accompagne"           # or "autodiagnostic"
    date = 2026-11-22             # date of the interview; the plan starts then unless --start

    [answers]                     # question id = option id (a list for multiple choice)
    ctx_postes = "de_1_a_9"

    [[overrides]]                 # optional: the aidant swaps a priority measure
    replaced = "antivirus"
    by = "plan_reponse_incident"
    reason = "L'antivirus est commandé ; le plan de réaction est plus urgent ici."
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from diag_tui.answers import AnswerValue, answer_problems, normalise
from diag_tui.diagnostic import Mode, Organisation
from diag_tui.errors import ValidationErrors, pydantic_problems
from diag_tui.files import read_toml
from diag_tui.referential import Referential
from diag_tui.restitution import Override


class DiagnosticInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    aidant: str | None = None
    mode: Mode = "accompagne"
    date: dt.date | None = None


class _RawAnswersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: Organisation
    diagnostic: DiagnosticInfo = DiagnosticInfo()
    answers: dict[str, object] = {}
    overrides: list[Override] = []


class AnswersFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    organisation: Organisation
    diagnostic: DiagnosticInfo
    answers: dict[str, AnswerValue]
    overrides: tuple[Override, ...]


def load_answers_file(path: Path, ref: Referential) -> AnswersFile:
    data = read_toml(path, "fichier de réponses")
    try:
        raw = _RawAnswersFile.model_validate(data)
    except ValidationError as exc:
        raise ValidationErrors(f"{path} : fichier de réponses invalide.", pydantic_problems(exc)) from None
    problems = answer_problems(ref, raw.answers)
    for i, override in enumerate(raw.overrides):
        for key in ("replaced", "by"):
            measure_id = getattr(override, key)
            if ref.measure(measure_id) is None:
                problems.append(f"[[overrides]] n° {i + 1}, {key} : mesure « {measure_id} » inconnue")
    if problems:
        raise ValidationErrors(f"{path} : fichier de réponses invalide.", problems)
    return AnswersFile(
        organisation=raw.organisation,
        diagnostic=raw.diagnostic,
        answers=normalise(raw.answers),
        overrides=tuple(raw.overrides),
    )

"""The answers file read by `diag-tui report`: a plain TOML document a person can write by hand.

    [organisation]
    name = "Boulangerie Martin"

    [diagnostic]                  # optional
    aidant = "Claire Dupont"
    mode = "accompagne"           # or "autodiagnostic"
    date = 2026-11-22             # date of the interview; the plan starts then unless --start

    [answers]                     # question id = option id (a list for multiple choice)
    ctx_postes = "de_1_a_9"

    [emergency]                   # optional: the organisation's own numbers, for the attack sheet
    provider = "Info Services, 04 00 00 00 00"
    bank = "Banque Martin, ligne fraude 09 00 00 00 00"
    insurer = "Assur'Pro, contrat n° 123456, 08 00 00 00 00"

    [[overrides]]                 # optional: the aidant swaps a priority measure
    replaced = "antivirus"
    by = "plan_reponse_incident"
    reason = "L'antivirus est commandé ; le plan de réaction est plus urgent ici."
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from diag_tui.bank.referential import Referential
from diag_tui.bank.schema import Checked, SchemaError, parse
from diag_tui.engine.answers import AnswerValue, answer_problems, normalise
from diag_tui.errors import ValidationErrors
from diag_tui.files import read_toml
from diag_tui.storage.diagnostic import Day, Emergency, Mode, Name, Organisation, Override


@dataclass(frozen=True, kw_only=True)
class DiagnosticInfo(Checked):
    aidant: Name | None = None
    mode: Mode = "accompagne"
    date: Day | None = None


@dataclass(frozen=True, kw_only=True)
class _RawAnswersFile(Checked):
    organisation: Organisation
    diagnostic: DiagnosticInfo = DiagnosticInfo()
    answers: dict[str, object] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    emergency: Emergency = field(default_factory=Emergency)


@dataclass(frozen=True)
class AnswersFile:
    organisation: Organisation
    diagnostic: DiagnosticInfo
    answers: dict[str, AnswerValue]
    overrides: tuple[Override, ...]
    emergency: Emergency = field(default_factory=Emergency)


def load_answers_file(path: Path, ref: Referential) -> AnswersFile:
    data = read_toml(path, "fichier de réponses")
    try:
        raw = parse(_RawAnswersFile, data)
    except SchemaError as exc:
        raise ValidationErrors(f"{path} : fichier de réponses invalide.", exc.problems) from None
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
        overrides=raw.overrides,
        emergency=raw.emergency,
    )

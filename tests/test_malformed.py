"""Malformed input, file by file: the question bank (`validate`), the answers file (`report`)
and the follow-up file (`import`).

Every case must end with exit code 2 and one message on stderr that names the file and the
place (key path or line), never a traceback, and must leave every file as it was: the data
folder (lock files and the bank's start-up cache aside, see `snapshot`) and the input itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from diag_tui import files
from diag_tui.bank.loading import load_default
from diag_tui.cli import main
from diag_tui.documents.exports import render
from diag_tui.session import result
from diag_tui.storage.diagnostic import Organisation, new_diagnostic, with_answer
from diag_tui.storage.store import Store
from tests.conftest import FIXTURE_BANK

ANSWERS = Path(__file__).parent / "fixtures" / "answers" / "worst.toml"
HUGE = b"#" + b"x" * (files.MAX_INPUT_BYTES + 1024) + b"\n"


@dataclass(frozen=True)
class Line:
    """Expect "ligne N", N being the line where the `occurrence`-th `marker` (1 = first) starts
    in the malformed text; a marker may span lines to be unambiguous."""

    marker: str
    occurrence: int = 1

    def resolve(self, text: str) -> str:
        start = -1
        for _ in range(self.occurrence):
            start = text.find(self.marker, start + 1)
            assert start >= 0, f"marker {self.marker!r} not in the malformed text"
        start += len(self.marker) - len(self.marker.lstrip("\n"))  # a marker may open with "\n"
        return f"ligne {text[:start].count(chr(10)) + 1}"


@dataclass(frozen=True)
class Case:
    id: str
    command: str  # "validate", "report" or "import"
    make: Callable[[str], str | bytes]  # valid text -> malformed content
    expect: tuple = ()  # fragments of stderr: str or Line
    file: str = "bank.toml"  # for validate: which file of the bank is made malformed
    extra: dict = field(default_factory=dict)


# ---- building malformed text ---------------------------------------------------------------


def sub(old: str, new: str, occurrence: int = 1) -> Callable[[str], str]:
    """Replace the `occurrence`-th `old`; fails loudly if the valid text has no such thing."""

    def make(text: str) -> str:
        start = -1
        for _ in range(occurrence):
            start = text.find(old, start + 1)
            assert start >= 0, f"{old!r} not found: the valid input changed"
        return text[:start] + new + text[start + len(old):]

    return make


def then(*steps: Callable[[str], str | bytes]) -> Callable[[str], str | bytes]:
    def make(text):
        for step in steps:
            text = step(text)
        return text

    return make


def latin1(text: str) -> bytes:
    assert any(ord(c) > 127 for c in text)
    return text.encode("latin-1", errors="replace")


def utf16(text: str) -> bytes:
    return text.encode("utf-16")  # with its byte order mark


def huge(text: str) -> bytes:
    return text.encode("utf-8") + HUGE


def first_non_ascii_line(text: str) -> str:
    return f"ligne {next(n for n, line in enumerate(text.splitlines(), 1) if any(ord(c) > 127 for c in line))}"


def in_measure(index: int, old: str, new: str) -> Callable[[str], str]:
    """Replace `old` inside the `index`-th (0-based) [[measures]] table of a follow-up file."""

    def make(text: str) -> str:
        parts = text.split("\n[[measures]]\n")
        assert old in parts[index + 1], f"{old!r} not in measure {index}"
        parts[index + 1] = parts[index + 1].replace(old, new, 1)
        return "\n[[measures]]\n".join(parts)

    return make


def measure_id(index: int) -> Callable[[str], str]:
    return lambda text: re.findall(r'\n\[\[measures\]\]\nrank = \d+\nid = "([a-z0-9_]+)"', text)[index]


def duplicate_measure(text: str) -> str:
    first = measure_id(0)(text)
    return in_measure(1, f'id = "{measure_id(1)(text)}"', f'id = "{first}"')(text)


def drop_measure_id(text: str) -> str:
    return in_measure(1, f'id = "{measure_id(1)(text)}"\n', "")(text)


def diagnostic_id(text: str) -> str:
    return re.search(r'\[diagnostic\]\nid = "([^"]+)"', text).group(1)


def drop_diagnostic_id(text: str) -> str:
    return text.replace(f'id = "{diagnostic_id(text)}"\n', "", 1)


def first_answer(text: str) -> tuple[str, str]:
    return re.search(r'\[answers\]\n([a-z_]+) = "([a-z_0-9]+)"', text).groups()


def handoff_with_bad_answer(text: str) -> str:
    qid, value = first_answer(text)
    text = text.replace(diagnostic_id(text), "20261122-autre-machine-0000", 1)
    return text.replace(f'[answers]\n{qid} = "{value}"', f'[answers]\n{qid} = "zzz"', 1)


def handoff_override_without_reason(text: str) -> str:
    text = text.replace(diagnostic_id(text), "20261122-autre-machine-0000", 1).replace("overrides = []\n", "", 1)
    return text + '\n[[overrides]]\nreplaced = "sauvegardes_regulieres"\nby = "antivirus"\n'


def table_replaced_by_value(key: str, value: str) -> Callable[[str], str]:
    """Drop every [[key]] table and set `key = value` at the top level instead."""

    def make(text: str) -> str:
        chunks = re.split(r"\n(?=\[)", text)
        kept = [c for c in chunks if not c.startswith((f"[[{key}]]", f"[[{key}."))]
        return kept[0].replace("schema_version = 1\n", f"schema_version = 1\n{key} = {value}\n", 1) + "\n" + "\n".join(kept[1:])

    return make


# ---- the table ------------------------------------------------------------------------------

CASES = [
    # the question bank: `diag-tui validate DIR` on a copy of the fixture bank
    Case("bank-toml-syntax", "validate", sub('id = "alpha_mfa"', 'id = "alpha_mfa'), (Line('id = "alpha_mfa'), "syntaxe TOML")),
    Case("bank-latin1", "validate", latin1, (first_non_ascii_line, "UTF-8")),
    Case("bank-utf16-bom", "validate", utf16, ("ligne 1", "UTF-8")),
    Case("bank-huge", "validate", huge, ("trop volumineux",)),
    Case("bank-duplicate-question", "validate", sub('id = "beta_aware"', 'id = "beta_patch"'),
         ("« beta_patch »", "identifiant de question en double")),
    Case("bank-duplicate-option", "validate", sub('id = "partial"\nlabel = "En partie"\nscore = 2', 'id = "no"\nlabel = "En partie"\nscore = 2'),
         ("« alpha_mfa ».options[1] « no »", "identifiant d'option en double")),
    Case("bank-unknown-measure", "validate", sub('measure = "m_aware"\nlevel = 2', 'measure = "m_awareness"\nlevel = 2'),
         ("« beta_multi ».options[3] « d ».measure", "« m_awareness » inconnue")),
    Case("bank-score-out-of-range", "validate", sub('label = "Partout"\nscore = 3', 'label = "Partout"\nscore = 4'),
         ("« alpha_mfa ».options[2].score", "inférieur ou égal à 3")),
    Case("bank-score-nan", "validate", sub('label = "Partout"\nscore = 3', 'label = "Partout"\nscore = nan'),
         ("« alpha_mfa ».options[2].score",)),
    Case("bank-weight-type", "validate",
         sub('authentification ?"\nhelp = "Aide."\nweight = 2', 'authentification ?"\nhelp = "Aide."\nweight = "lourd"'),
         ("« alpha_mfa ».weight", "nombre")),
    Case("bank-missing-key", "validate", sub('text = "Double authentification ?"\nhelp = "Aide."\n', 'text = "Double authentification ?"\n'),
         ("« alpha_mfa ».help", "manquant")),
    Case("bank-unknown-theme", "validate", sub('id = "beta_aware"\ntheme = "beta"', 'id = "beta_aware"\ntheme = "gamma"'),
         ("« beta_aware ».theme", "« gamma » inconnu")),
    Case("bank-follow-up-cycle", "validate", sub('measure = "m_offline"', 'measure = "m_offline"\nfollow_ups = ["alpha_backup"]'),
         ("« alpha_offline »", "follow_ups", "« alpha_backup »")),
    Case("bank-self-hide", "validate", sub('hides = ["beta_server"]', 'hides = ["ctx_server"]'),
         ("« ctx_server ».options[1] « no ».hides", "elle-même")),
    Case("bank-rank-zero", "validate", sub("rank = 1", "rank = 0"), ("measures[0] « m_backup ».rank", "supérieur ou égal à 1"),
         file="measures.toml"),
    Case("bank-duplicate-measure", "validate", sub('id = "m_check_backup"', 'id = "m_backup"'),
         ("« m_backup »", "identifiant de mesure en double"), file="measures.toml"),
    Case("bank-rank-fraction", "validate", sub("rank = 1", "rank = 1.5"), ("measures[0] « m_backup ».rank", "nombre entier"),
         file="measures.toml"),
    Case("bank-bad-type-list", "validate", sub('how = ["Étape 1 sauvegarde", "Étape 2", "Étape 3"]', 'how = "Étape 1 sauvegarde"'),
         ("measures[0] « m_backup ».level1.how", "liste"), file="measures.toml"),
    # the answers file: `diag-tui report --answers FILE` against the fixture bank
    Case("answers-unknown-question", "report", sub('beta_aware = "no"', 'beta_awareness = "no"'), ("[answers] beta_awareness", "inconnue")),
    Case("answers-unknown-option", "report", sub('alpha_mfa = "no"', 'alpha_mfa = "jamais"'), ("[answers] alpha_mfa", "« jamais » inconnue")),
    Case("answers-bad-type", "report", sub('alpha_mfa = "no"', "alpha_mfa = 0"), ("[answers] alpha_mfa", "entre guillemets")),
    Case("answers-date-does-not-exist", "report", sub("date = 2026-11-22", "date = 2026-02-30"), (Line("date = 2026-02-30"), "syntaxe TOML")),
    Case("answers-date-as-text", "report", sub("date = 2026-11-22", 'date = "22/11/2026"'), ("diagnostic.date", "AAAA-MM-JJ")),
    Case("answers-datetime-for-date", "report", sub("date = 2026-11-22", "date = 2026-11-22T10:30:00"), ("diagnostic.date", "sans heure")),
    Case("answers-name-too-long", "report", sub('name = "Atelier Test"', f'name = "{"A" * 201}"'), ("organisation.name", "au plus 200 caractères")),
    Case("answers-bad-mode", "report", sub('mode = "accompagne"', 'mode = "solo"'),
         ("diagnostic.mode", "valeurs possibles : 'accompagne' ou 'autodiagnostic'")),
    Case("answers-missing-name", "report", sub('name = "Atelier Test"\n', ""), ("organisation.name", "manquant")),
    Case("answers-latin1", "report", then(sub('name = "Atelier Test"', 'name = "Crêperie"'), latin1), (Line("name = "), "UTF-8")),
    Case("answers-utf16-bom", "report", utf16, ("ligne 1", "UTF-8")),
    Case("answers-huge", "report", huge, ("trop volumineux",)),
    Case("answers-newline-in-text", "report", sub('name = "Atelier Test"', 'name = "Atelier\nTest"'),
         (Line('name = "Atelier'), "colonne 16 : syntaxe TOML invalide : caractère interdit (retour à la ligne) dans un texte entre guillemets")),
    Case("answers-table-twice", "report", sub("[answers]", "[organisation]\n[answers]"),
         (Line("[organisation]", 2), "la table [organisation] est déclarée deux fois")),
    Case("answers-unclosed-list", "report", lambda t: t + 'beta_multi = ["b", "c"\n',
         ("à la fin du fichier (ligne", "syntaxe TOML invalide : liste non refermée : crochet fermant ] attendu")),
    Case("answers-duplicate-key", "report", sub('beta_aware = "no"', 'beta_aware = "no"\nbeta_aware = "yes"'),
         (Line('beta_aware = "yes"'), "syntaxe TOML")),
    Case("answers-exclusive-option-combined", "report", sub('beta_multi = ["b", "c"]', 'beta_multi = ["b", "nsp"]'),
         ("[answers] beta_multi", "ne peut pas être combinée")),
    Case("answers-same-option-twice", "report", sub('beta_multi = ["b", "c"]', 'beta_multi = ["b", "b"]'), ("[answers] beta_multi", "deux fois")),
    Case("answers-empty-list", "report", sub('beta_multi = ["b", "c"]', "beta_multi = []"), ("[answers] beta_multi", "liste vide")),
    Case("answers-override-unknown-measure", "report",
         lambda t: t + '\n[[overrides]]\nreplaced = "m_backup"\nby = "m_nope"\nreason = "Plus urgent."\n', ("[[overrides]] n° 1, by", "« m_nope »")),
    Case("answers-override-missing-reason", "report",
         lambda t: t + '\n[[overrides]]\nreplaced = "m_backup"\nby = "m_av"\n', ("overrides[0].reason", "manquant")),
    Case("answers-device", "report", lambda t: t, ("pas un fichier ordinaire",), extra={"path": "/dev/zero"}),
    # the follow-up file: `diag-tui import FILE`, exported from a diagnostic of the store (real bank)
    Case("followup-unknown-status", "import", in_measure(0, 'status = "a_faire"', 'status = "termine"'),
         (Line('status = "termine"'), "[[measures]] n° 1", "« termine » inconnu")),
    Case("followup-status-type", "import", in_measure(0, 'status = "a_faire"', "status = 3"), (Line("status = 3"), "« 3 » inconnu")),
    Case("followup-notes-type", "import", in_measure(1, 'notes = ""', "notes = 3"), (Line("notes = 3"), "notes doit être un texte")),
    Case("followup-date-does-not-exist", "import", in_measure(0, "updated = ", "updated = 2026-02-30 # "),
         (Line("updated = 2026-02-30"), "syntaxe TOML")),
    Case("followup-datetime-for-date", "import", in_measure(0, "updated = ", "updated = 2026-12-03T10:00:00 # "),
         (Line("updated = 2026-12-03T10:00:00"), "updated doit être une date")),
    Case("followup-quoted-date", "import", in_measure(0, "updated = ", 'updated = "2026-12-03" # '),
         (Line('updated = "2026-12-03"'), "[[measures]] n° 1", "updated doit être une date AAAA-MM-JJ sans guillemets")),
    Case("followup-date-out-of-range", "import", in_measure(0, "updated = ", "updated = 2100-01-01 # "),
         (Line("updated = 2100-01-01"), "hors de la plage acceptée (2000 à 2099)")),
    Case("followup-note-control-character", "import", in_measure(1, 'notes = ""', 'notes = "Voir\\u001b[2J"'),
         (Line('notes = "Voir'), "[[measures]] n° 2", "notes : caractère de contrôle", "position 5")),
    Case("followup-two-problems-in-one-table", "import",
         then(in_measure(0, 'status = "a_faire"', 'status = "fini"'), in_measure(0, 'notes = ""', "notes = 0")),
         (Line('status = "fini"'), "« fini » inconnu", Line("notes = 0"), "notes doit être un texte")),
    Case("followup-unknown-measure", "import", lambda t: in_measure(1, f'id = "{measure_id(1)(t)}"', 'id = "mesure_inconnue"')(t),
         (Line('id = "mesure_inconnue"'), "« mesure_inconnue » n'est pas parmi les mesures prioritaires")),
    Case("followup-duplicate-measure", "import", duplicate_measure, (Line('id = "', 3), "en double")),
    Case("followup-measure-without-id", "import", drop_measure_id, (Line("\n[[measures]]\n", 2), "sans id")),
    Case("followup-checkpoint-month-unknown", "import", sub("month = 3\ndate", "month = 2\ndate"), (Line("month = 2\ndate"), "mois 2")),
    Case("followup-checkpoint-month-bool", "import", sub("month = 1\ndate", "month = true\ndate"), (Line("month = true"), "mois true inconnu")),
    Case("followup-checkpoint-month-float", "import", sub("month = 3\ndate", "month = 3.0\ndate"), (Line("month = 3.0"), "point d'étape")),
    Case("followup-checkpoint-duplicate", "import", sub("month = 3\ndate", "month = 1\ndate"), (Line("month = 1\ndate", 2), "en double")),
    Case("followup-checkpoint-month-missing", "import", sub("month = 3\ndate", "date"),
         (Line("\n[[checkpoints]]\n", 2), "[[checkpoints]] n° 2", "sans month")),
    Case("followup-done-type", "import", sub("done = false", 'done = "oui"'), (Line('done = "oui"'), "true ou false")),
    Case("followup-done-number", "import", sub("done = false", "done = 1"), (Line("done = 1"), "true ou false")),
    Case("followup-measures-not-tables", "import", table_replaced_by_value("measures", '"tout est fait"'),
         (Line('measures = "tout est fait"'), "[[measures]]")),
    Case("followup-checkpoints-not-tables", "import", table_replaced_by_value("checkpoints", "[1, 3, 6]"),
         (Line("checkpoints = [1, 3, 6]"), "[[checkpoints]]")),
    Case("followup-schema-version", "import", sub("schema_version = 1", "schema_version = 2"), ("schema_version = 2",)),
    Case("followup-schema-version-missing", "import", sub("schema_version = 1\n", ""),
         ("ce n'est pas un fichier de suivi diag-tui", "schema_version = 1 qui ouvre un fichier de suivi est absente")),
    Case("followup-schema-version-bool", "import", sub("schema_version = 1", "schema_version = true"), ("schema_version = true",)),
    Case("followup-missing-diagnostic-id", "import", drop_diagnostic_id, ("[diagnostic] id",)),
    Case("followup-handoff-bad-answer", "import", handoff_with_bad_answer,
         (lambda t: f"[answers] {first_answer(handoff_with_bad_answer(t))[0]}", "« zzz » inconnue")),
    Case("followup-handoff-override-without-reason", "import", handoff_override_without_reason,
         ("[[overrides]] n° 1.reason", "manquant")),
    Case("followup-toml-syntax", "import", in_measure(0, 'status = "a_faire"', "status = a_faire"), (Line("status = a_faire"), "syntaxe TOML")),
    Case("followup-latin1", "import", latin1, (first_non_ascii_line, "UTF-8")),
    Case("followup-utf16-bom", "import", utf16, ("ligne 1", "UTF-8")),
    Case("followup-huge", "import", huge, ("trop volumineux",)),
]


# ---- running a case ---------------------------------------------------------------------------


def snapshot(*roots: Path) -> dict[str, str]:
    """sha256 of every file under `roots`, and the list of folders. Lock files (the pid of
    their last holder), the start-up cache of the shipped bank (`cache/`, and its digest
    `.referentiel-*`) and the listing index (`.index.sqlite3*`: SQLite moves its log into it
    when a connection closes) hold no data of their own."""
    out = {}
    for root in roots:
        if root.is_file():
            out[str(root)] = hashlib.sha256(root.read_bytes()).hexdigest()
            continue
        for p in sorted(root.rglob("*")) if root.exists() else ():
            if p.name.endswith(".lock") or p.name.startswith((".referentiel-", ".index.sqlite3")) or p.relative_to(root).parts[0] == "cache":
                continue
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dossier"
    return out


def stored_diagnostic(ref) -> str:
    """A finished diagnostic in the store, with six priorities; returns its export."""
    diag = new_diagnostic(ref, Organisation(name="Crêperie Le Goff"), aidant="Claire", at=dt.datetime(2026, 11, 22, 9, 30))
    for q in ref.questions:
        scored = [o for o in q.options if o.score is not None]
        option = min(scored, key=lambda o: o.score) if scored else q.options[0]
        diag = with_answer(ref, diag, q.id, option.id if q.kind == "single" else [option.id], at=dt.datetime(2026, 11, 22, 10))
    diag = Store().add(diag)
    assert len(result(ref, diag).priorities) == 6
    return render(ref, diag, "toml")


@pytest.fixture(scope="module")
def real_bank():
    return load_default()


def test_the_table_is_large_enough():
    assert len(CASES) >= 20
    assert {c.command for c in CASES} == {"validate", "report", "import"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_exit_2_names_the_place_and_changes_nothing(case, tmp_path, capsys, real_bank):
    home = Store().root
    if case.command == "validate":
        folder = tmp_path / "bank"
        shutil.copytree(FIXTURE_BANK, folder)
        target = folder / case.file
        valid = target.read_text(encoding="utf-8")
        argv = ["validate", str(folder)]
        inputs = [folder]
        named = case.file  # bank messages name the file inside the folder given
    else:
        valid = ANSWERS.read_text(encoding="utf-8") if case.command == "report" else stored_diagnostic(real_bank)
        target = Path(case.extra.get("path") or tmp_path / "entree.toml")
        named = str(target)
        inputs = [] if "path" in case.extra else [target]
        argv = (
            ["report", "--referentiel", str(FIXTURE_BANK), "--answers", str(target)]
            if case.command == "report"
            else ["import", str(target)]
        )
    content = case.make(valid)
    if "path" not in case.extra:
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    text = content if isinstance(content, str) else content.decode("utf-8", errors="replace")
    capsys.readouterr()
    before = snapshot(home, *inputs)

    code = main(argv)

    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert err.startswith("Erreur : "), err
    assert named in err, err
    # French only: neither tomllib's English nor a Python value (None, True, a tuple)
    assert not re.search(r"\(at (line|end)|Illegal|Expected|Invalid|Cannot|Unterminated|Unclosed|None|True|\('", err), err
    for fragment in case.expect:
        if isinstance(fragment, Line):
            fragment = fragment.resolve(text)
        elif callable(fragment):
            fragment = fragment(valid)
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    assert snapshot(home, *inputs) == before  # nothing written, renamed or moved


def test_each_valid_input_passes(tmp_path, capsys, real_bank):
    """The unchanged inputs of the table are accepted: each case fails because of its change."""
    assert main(["validate", str(FIXTURE_BANK)]) == 0
    assert main(["report", "--referentiel", str(FIXTURE_BANK), "--answers", str(ANSWERS)]) == 0
    path = tmp_path / "suivi.toml"
    path.write_text(stored_diagnostic(real_bank), encoding="utf-8")
    assert main(["import", str(path)]) == 0
    assert "Aucun changement" in capsys.readouterr().out


def test_utf8_with_byte_order_mark_is_accepted(tmp_path, capsys):
    """Windows editors may save UTF-8 with a byte order mark: that is still UTF-8."""
    path = tmp_path / "reponses.toml"
    path.write_bytes(b"\xef\xbb\xbf" + ANSWERS.read_bytes())
    assert main(["report", "--referentiel", str(FIXTURE_BANK), "--answers", str(path)]) == 0
    assert "m_backup" in capsys.readouterr().out

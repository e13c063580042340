"""Loading and validating a question bank: every broken case names the file and the key."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.errors import ValidationErrors
from tests.conftest import FIXTURE_BANK


def broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def problems_of(folder: Path) -> str:
    with pytest.raises(ValidationErrors) as info:
        load_referential(folder)
    return "\n".join(info.value.problems)


def test_fixture_bank_loads(bank):
    assert bank.version == "test-1"
    assert [t.id for t in bank.themes] == ["ctx", "alpha", "beta"]
    # follow-up placed right after its parent, whatever its place in the file
    order = [q.id for q in bank.questions]
    assert order.index("alpha_offline") == order.index("alpha_backup") + 1
    assert bank.parent["alpha_offline"] == "alpha_backup"


def test_content_hash_changes_with_content(tmp_path, bank):
    folder = broken(tmp_path, "bank.toml", 'weight = 2\ncritical = true', 'weight = 1\ncritical = true')
    assert load_referential(folder).content_hash != bank.content_hash
    assert load_referential(FIXTURE_BANK).content_hash == bank.content_hash


CASES = [
    # (file, old, new, expected fragments)
    ("bank.toml", 'id = "alpha_mfa"', 'id = "alpha_backup"', ["bank.toml", "alpha_backup", "en double"]),
    ("bank.toml", 'score = 1.5\nmeasure = "m_backup"', 'score = 4\nmeasure = "m_backup"', ["bank.toml", "questions[1] « alpha_backup ».options[1].score"]),
    ("bank.toml", 'score = 1.5\nmeasure = "m_backup"', 'score = 1.2\nmeasure = "m_backup"', ["questions[1] « alpha_backup ».options[1].score", "multiple de 0.5"]),
    ("bank.toml", 'score = 0\nmeasure = "m_mfa"', 'score = 0\nmeasure = "m_nope"', ["bank.toml", "alpha_mfa", "m_nope"]),
    ("bank.toml", 'label = "Partout"\nscore = 3', 'label = "Partout"\nscore = 3\nmeasure = "m_mfa"', ["alpha_mfa", "full", "meilleure réponse"]),
    ("bank.toml", 'id = "nsp"\nlabel = "Je ne sais pas"\nkind = "unknown"\n', 'id = "dunno"\nlabel = "?"\nscore = 0\n', ["alpha_backup", "exactement une option « Je ne sais pas »"]),
    ("bank.toml", 'hides = ["beta_server"]', 'hides = ["ctx_server"]', ["ctx_server", "elle-même"]),
    ("bank.toml", 'hides = ["beta_server"]', 'hides = ["nowhere"]', ["nowhere", "inconnue"]),
    ("bank.toml", 'weight = 2\ncritical = true', 'weight = 7\ncritical = true', ["alpha_offline", "weight"]),
    ("bank.toml", 'id = "alpha_mfa"', 'id = "alpha_mfa"\ncolour = "red"', ["alpha_mfa", "colour"]),
    ("measures.toml", 'rank = 3', 'rank = 0', ["measures.toml", "m_mfa", "rank"]),
    ("measures.toml", 'effort = "faible"', 'effort = "facile"', ["measures.toml", "effort"]),
    ("bank.toml", 'version = "test-1"', 'version = ""', ["bank.toml", "version"]),
    ("bank.toml", 'id = "yes"\nlabel = "Oui"', 'id = "yes"\nlabel = "Oui"\nexclusive = true', ["ctx_server", "yes", "exclusive", "choix multiple"]),
    ("bank.toml", '[[questions]]\nid = "ctx_server"', '[[questions]\nid = "ctx_server"', ["bank.toml", "ligne 23, colonne 12"]),
    # -- verification of unknown critical answers
    ("bank.toml", 'kind = "unknown"\n', 'kind = "unknown"\nmeasure = "m_backup"\n', ["questions[1] « alpha_backup ».options[3] « nsp ».measure", "ne déclenche pas de mesure", "[questions.verify]"]),
    ("bank.toml", 'kind = "not_applicable"\n', 'kind = "not_applicable"\nmeasure = "m_patch_server"\n', ["« na ».measure", "« Non applicable » ne déclenche pas de mesure"]),
    # -- the options every question shares come last, in one order: « Non applicable », then « Je ne sais pas »
    ("bank.toml", 'id = "na"\nlabel = "Non applicable"\nkind = "not_applicable"\n[[questions.options]]\nid = "nsp"\nlabel = "Je ne sais pas"\nkind = "unknown"\n', 'id = "nsp"\nlabel = "Je ne sais pas"\nkind = "unknown"\n[[questions.options]]\nid = "na"\nlabel = "Non applicable"\nkind = "not_applicable"\n', ["bank.toml : questions[4] « beta_server ».options[3] « na » : « Non applicable » après « Je ne sais pas » (« nsp »)", "puis « Je ne sais pas » en dernier"]),
    ("bank.toml", 'id = "yes"\nlabel = "Oui"\nscore = 3\n[[questions.options]]\nid = "na"\nlabel = "Non applicable"\nkind = "not_applicable"\n[[questions.options]]\nid = "nsp"\nlabel = "Je ne sais pas"\nkind = "unknown"\n', 'id = "na"\nlabel = "Non applicable"\nkind = "not_applicable"\n[[questions.options]]\nid = "nsp"\nlabel = "Je ne sais pas"\nkind = "unknown"\n[[questions.options]]\nid = "yes"\nlabel = "Oui"\nscore = 3\n', ["questions[4] « beta_server ».options[3] « yes » : une réponse après « Je ne sais pas » (« nsp »)"]),
    ("bank.toml", '[questions.verify]\ntopic = "la copie hors ligne"', '[questions.nothing]\ntopic = "la copie hors ligne"', ["alpha_offline", "nothing"]),
    ("bank.toml", '[questions.verify]\ntopic = "la copie hors ligne"\nstep = "Copie hors ligne : demandez où elle est."\n', '', ["questions[3] « alpha_offline ».verify", "question critique sans vérification"]),
    ("bank.toml", 'text = "Double authentification ?"\nhelp = "Aide."\nweight = 2\n', 'text = "Double authentification ?"\nhelp = "Aide."\nweight = 2\n[questions.verify]\ntopic = "t"\nstep = "s"\n', ["alpha_mfa", ".verify", "seule une question critique"]),
    ("bank.toml", 'measure = "m_charter"', 'measure = "m_check_backup"', ["beta_multi", "« c ».measure", "mesure de vérification"]),
    ("measures.toml", 'rank = 2\nverification = true', 'rank = 2\nverification = true\nimpact = 2', ["m_check_backup", ".impact", "retirez impact"]),
    ("measures.toml", 'family = "charter"\nrank = 8', 'family = "charter"\nrank = 8\nverification = true', ["m_charter", "une seule mesure de vérification"]),
    ("bank.toml", 'measure = "m_offline"\n', '', ["questions[3] « alpha_offline ».critical", "au moins une mesure"]),
    # -- urgency
    ("measures.toml", 'rank = 9', 'rank = 1', ["measures.toml", "m_av", ".rank", "rang 1 déjà pris par « m_backup »"]),
    ("measures.toml", 'rank = 1\nimpact = 3\nlikelihood = 3\n', 'rank = 1\nlikelihood = 3\n', ["measures.toml", "m_backup", ".impact", "manquant"]),
    ("measures.toml", 'rank = 1\nimpact = 3', 'rank = 1\nimpact = 4', ["m_backup", "impact", "inférieur ou égal à 3"]),
    ("measures.toml", 'impact = 1\nbecause', 'because', ["m_aware", "context[0]", "ne change ni impact ni likelihood"]),
    # -- context traits, owners and variants
    ("bank.toml", 'traits = ["no_provider"]', 'traits = ["nobody_home"]', ["ctx_server", "« alone »", "« nobody_home » non déclaré", "traits[0] « no_provider »", "aucune réponse de contexte"]),
    ("measures.toml", 'when = "no_provider"\nimpact', 'when = "nowhere"\nimpact', ["m_aware", "context[0].when", "« nowhere » non déclaré"]),
    ("bank.toml", 'id = "partial"\nlabel = "En partie"\nscore = 2', 'id = "partial"\nlabel = "En partie"\nscore = 2\ntraits = ["no_provider"]', ["alpha_mfa", "« partial »", "question de contexte"]),
    ("bank.toml", 'hides = ["beta_server"]\n[[questions.options]]\nid = "alone"\nlabel = "Oui, et personne ne s\'occupe de l\'informatique"\ntraits = ["no_provider"]\nowners = { "prestataire informatique" = "dirigeant" }\n', '', ["questions[0] « ctx_server » : cette question de contexte ne change rien"]),
    ("bank.toml", '"prestataire informatique" = "dirigeant"', '"prestataire informatique" = "le voisin"', ["ctx_server", "owners", "« le voisin » n'est pas un responsable connu"]),
    ("measures.toml", 'how = ["Activez-la vous-même"', 'how = ["Demandez à votre prestataire"', ["m_mfa", "level1.how[0]", "« votre prestataire »", 'when = "no_provider"']),
    ("measures.toml", '[measures.variants.level1]\nhow = ["Activez-la vous-même", "Étape 2", "Étape 3"]', '', ["m_mfa", "variants[0]", "variante vide"]),
    ("measures.toml", 'when = "no_provider"\n[measures.variants.level1]', 'when = "no_provider"\n[measures.variants.level1]\ncolour = "red"', ["m_mfa", "variants[0].level1.colour"]),
]


@pytest.mark.parametrize("file,old,new,expected", CASES)
def test_broken_bank_names_file_and_key(tmp_path, file, old, new, expected):
    message = problems_of(broken(tmp_path, file, old, new))
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_follow_up_with_two_parents_is_rejected(tmp_path):
    folder = broken(tmp_path, "bank.toml", 'score = 0\nmeasure = "m_mfa"', 'score = 0\nmeasure = "m_mfa"\nfollow_ups = ["alpha_offline"]')
    assert "alpha_offline" in problems_of(folder)


def test_unreachable_measure_is_rejected(tmp_path):
    folder = broken(tmp_path, "bank.toml", 'measure = "m_offline"', 'measure = "m_backup"')
    assert "measures[2] « m_offline » : aucune option ne déclenche cette mesure" in problems_of(folder)


def test_missing_folder_and_empty_folder(tmp_path):
    with pytest.raises(ValidationErrors) as info:
        load_referential(tmp_path / "absent")
    assert "introuvable" in str(info.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationErrors):
        load_referential(tmp_path / "empty")


def test_all_problems_reported_at_once(tmp_path):
    folder = broken(tmp_path, "measures.toml", 'rank = 3', 'rank = 0')
    path = folder / "bank.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('weight = 2\ncritical = true', 'weight = 7\ncritical = true'), encoding="utf-8")
    message = problems_of(folder)
    assert "alpha_offline" in message and "m_mfa" in message


def test_validate_command_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "diag_tui", "validate", str(FIXTURE_BANK)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "Aucun problème" in ok.stdout
    folder = broken(tmp_path, "measures.toml", 'rank = 3', 'rank = 0')
    bad = subprocess.run([sys.executable, "-m", "diag_tui", "validate", str(folder)], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "measures.toml" in bad.stderr and "m_mfa" in bad.stderr

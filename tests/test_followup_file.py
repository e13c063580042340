"""The follow-up file: export, edit by hand, import; hand-off between machines; the CLI."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import replace

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.cli import main
from diag_tui.documents.exports import render
from diag_tui.documents.followup_file import import_followup
from diag_tui.errors import UserError
from diag_tui.session import result
from diag_tui.storage.diagnostic import Organisation, new_diagnostic, with_answer
from diag_tui.storage.store import ConflictError, Store
from tests.conftest import FIXTURE_BANK, WORST


@pytest.fixture
def saved(bank, store):
    diag = new_diagnostic(bank, Organisation(name="Boulangerie Martin"), aidant="Claire", at=dt.datetime(2026, 11, 22, 9, 30))
    for qid, value in WORST.items():
        diag = with_answer(bank, diag, qid, list(value) if isinstance(value, tuple) else value, at=dt.datetime(2026, 11, 22, 10, 0))
    return store.save(diag)


def edit(text: str, measure_index: int, old: str, new: str) -> str:
    """Replace `old` by `new` inside the n-th [[measures]] table of a follow-up file."""
    parts = text.split("\n[[measures]]\n")
    assert old in parts[measure_index + 1]
    parts[measure_index + 1] = parts[measure_index + 1].replace(old, new, 1)
    return "\n[[measures]]\n".join(parts)


def test_export_has_the_required_fields(bank, saved):
    doc = tomllib.loads(render(bank, saved, "toml"))
    assert doc["schema_version"] == 1
    assert doc["diagnostic"]["id"] == saved.id
    assert doc["diagnostic"]["aidant"] == "Claire"
    m = doc["measures"][0]
    assert {"rank", "id", "level", "title", "theme", "why", "how", "month", "due", "owner", "effort", "status", "notes", "updated"} <= set(m)
    assert isinstance(m["due"], dt.date)
    assert [c["month"] for c in doc["checkpoints"]] == [1, 3, 6]
    assert doc["answers"]["beta_multi"] == ["b", "c"]


def test_round_trip_export_edit_import_export(bank, store, saved, tmp_path):
    text = render(bank, saved, "toml")
    edited = edit(text, 0, 'status = "a_faire"', 'status = "fait"')
    edited = edit(edited, 0, 'notes = ""', 'notes = "Sauvegarde hebdomadaire sur disque externe, testée le 3 décembre."')
    edited = edit(edited, 0, "updated = 2026-11-22", "updated = 2026-12-03")
    edited = edit(edited, 1, 'status = "a_faire"', 'status = "en_cours"')
    edited = edited.replace("done = false", "done = true", 1)
    path = tmp_path / "suivi.toml"
    path.write_text(edited, encoding="utf-8")

    outcome = import_followup(store, bank, path)
    assert not outcome.created
    assert "m_backup : a_faire → fait (notes modifiées)" in outcome.changes
    assert "m_mfa : a_faire → en_cours" in outcome.changes
    again = store.load(saved.id)
    assert again.status_of("m_backup").status == "fait"
    # the follow-up started: the results are fixed as given, and the file says what they rest on
    assert again.handed_over is not None and again.handed_over.answers == saved.answers
    exported, given = render(bank, again, "toml").split("\n[handed_over]\n")
    assert exported.rstrip("\n") == edited.rstrip("\n") and "alpha_backup" in given

    assert import_followup(store, bank, path).changes == ()  # importing twice changes nothing


@pytest.mark.parametrize(
    "old,new,fragment",
    [
        ('status = "a_faire"', 'status = "termine"', "statut « termine » inconnu"),
        ('notes = ""', "notes = 3", "notes doit être un texte"),
        ("updated = 2026-11-22", 'updated = "bientôt"', "updated doit être une date"),
        ('id = "m_mfa"', 'id = "m_inconnue"', "« m_inconnue » n'est pas parmi les mesures prioritaires"),
    ],
)
def test_bad_edit_names_the_line_and_changes_nothing(bank, store, saved, tmp_path, old, new, fragment):
    text = render(bank, saved, "toml")
    edited = edit(text, 1, old, new)
    edited = edit(edited, 0, 'status = "a_faire"', 'status = "fait"')  # a valid change alongside
    path = tmp_path / "suivi.toml"
    path.write_text(edited, encoding="utf-8")
    with pytest.raises(UserError) as info:
        import_followup(store, bank, path)
    message = str(info.value) + "\n".join(getattr(info.value, "problems", []))
    assert fragment in message
    key, value = new.split(" = ")[:2]
    line = next(n for n, text in enumerate(edited.splitlines(), 1) if text.strip() == new.strip() or (value in text and text.startswith(key)))
    assert f"ligne {line}" in message or "[[measures]] n° 2" in message
    assert store.load(saved.id).status_of("m_backup").status == "a_faire"


def test_hand_off_to_another_machine(bank, saved, tmp_path):
    saved = replace(saved, notes={"alpha_mfa": "à voir avec « Info 35 »"}, flagged=("beta_patch",))
    path = tmp_path / "transmis.toml"
    path.write_text(render(bank, saved, "toml"), encoding="utf-8")
    other = Store(tmp_path / "other-laptop")
    outcome = import_followup(other, bank, path)
    assert outcome.created
    copy = other.load(saved.id)
    assert copy.answers == saved.answers and copy.created == saved.created
    assert copy.notes == saved.notes and copy.flagged == saved.flagged  # the interview travels too
    assert render(bank, copy, "toml") == render(bank, saved, "toml")


def test_same_id_different_diagnostic_is_refused(bank, store, saved, tmp_path):
    text = render(bank, saved, "toml").replace('organisation = "Boulangerie Martin"', 'organisation = "Garage Dupuis"')
    path = tmp_path / "autre.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConflictError):
        import_followup(store, bank, path)
    assert store.load(saved.id).organisation.name == "Boulangerie Martin"


def test_same_id_and_organisation_but_another_creation_time_is_another_diagnostic(bank, store, saved, tmp_path):
    """F1: the id is drawn at random; the organisation and the creation time tell that a file is
    this diagnostic's. A file of another diagnostic of the same organisation that drew the same id
    is refused, and its progress does not land on this one."""
    text = render(bank, saved, "toml")
    other = text.replace("created = 2026-11-22 09:30:00\n", "created = 2026-11-15 14:00:00\n", 1)
    assert other != text
    path = tmp_path / "autre.toml"
    path.write_text(edit(other, 0, 'status = "a_faire"', 'status = "fait"'), encoding="utf-8")
    with pytest.raises(ConflictError, match=f"un autre diagnostic porte déjà l'identifiant « {saved.id} »"):
        import_followup(store, bank, path)
    assert store.load(saved.id) == saved


def test_import_refused_while_a_session_edits(bank, store, saved, tmp_path):
    path = tmp_path / "suivi.toml"
    path.write_text(render(bank, saved, "toml"), encoding="utf-8")
    lock = store.open_for_edit(saved.id)
    try:
        # a second lock from the same process is a separate open file: flock refuses it too
        with pytest.raises(ConflictError):
            import_followup(store, bank, path)
    finally:
        lock.release()


def test_cli_list_export_import_delete(bank, saved, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DIAG_TUI_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (Store(), load_referential(FIXTURE_BANK)))
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {**rows[0], "id": saved.id, "organisation": "Boulangerie Martin", "answered": 7, "applicable": 7, "status": "termine"}
    ]
    out = tmp_path / "suivi.toml"
    assert main(["export", saved.id, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render(bank, saved, "toml")
    out.write_text(edit(out.read_text(encoding="utf-8"), 0, 'status = "a_faire"', 'status = "en_cours"'), encoding="utf-8")
    assert main(["import", str(out)]) == 0
    assert "m_backup : a_faire → en_cours" in capsys.readouterr().out
    assert main(["list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "en_suivi" and row["summary"] == "en suivi, 0/6 mesures faites"
    assert main(["delete", saved.id, "--yes"]) == 0
    assert main(["list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1]) == []


def test_cli_errors_are_messages(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (Store(tmp_path / "h"), load_referential(FIXTURE_BANK)))
    assert main(["export", "20261122-absent-0000"]) == 2
    assert "Aucun diagnostic" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "absent.toml")]) == 2
    assert "introuvable" in capsys.readouterr().err
    assert main(["delete", "../x", "--yes"]) == 2


def test_list_counts_only_the_done_measures_that_are_among_the_six(bank, saved, tmp_path, capsys, monkeypatch):
    """A status kept for a measure that is no longer a priority (the bank changed, or it was
    swapped out) does not count: list, screen and exports say the same."""
    from dataclasses import replace

    from diag_tui.storage.diagnostic import MeasureProgress

    monkeypatch.setenv("DIAG_TUI_HOME", str(tmp_path / "home"))
    store = Store()
    measures = {"m_charter": MeasureProgress(status="fait"), "m_backup": MeasureProgress(status="fait")}
    store.save(replace(saved, measures=measures))
    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (store, load_referential(FIXTURE_BANK)))
    assert main(["list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert "m_charter" not in [p.measure.id for p in result(bank, saved).priorities]
    assert row["summary"] == "en suivi, 1/6 mesures faites"

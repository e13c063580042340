"""The attack report (../shared/reviews/hostile-input-report.md), text and session side: one
case per defect, named after its D-number (D1, D2, D3, D4, D5, D6, D7, D8, D11, D13, D14).
Hostile text never reaches the terminal nor Textual's markup, bad files end in exit 2 with a
French message, and nothing typed is lost. The files side (special files, locks, cache,
interrupted writes, Windows and macOS) is `test_hostile_storage.py`."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import replace

import pytest
import tomli_w

from diag_tui.bank.loading import load_referential
from diag_tui.cli import main
from diag_tui.documents.exports import render
from diag_tui.documents.followup_file import import_followup
from diag_tui.errors import UserError
from diag_tui.session import Session, result
from diag_tui.storage.diagnostic import Organisation, new_diagnostic, reconcile, with_answer
from diag_tui.storage.store import Store
from diag_tui.untrusted import NOTE_MAX, shown
from tests.conftest import FIXTURE_BANK, WORST

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07Evil\u202eCorp"
MARKUP = ("[/]x", "[bold red]x", "Asso [loi 1901]")


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    """The CLI working on a store in the test's folder, with the fixture bank."""
    store = Store(tmp_path / "home")
    monkeypatch.setattr("diag_tui.cli._store_and_ref", lambda: (store, load_referential(FIXTURE_BANK)))
    return store


def finished(bank, name="Boulangerie Martin", aidant="Claire"):
    diag = new_diagnostic(bank, Organisation(name=name), aidant=aidant, at=dt.datetime(2026, 11, 22, 9, 30))
    for qid, value in WORST.items():
        diag = with_answer(bank, diag, qid, list(value) if isinstance(value, tuple) else value, at=dt.datetime(2026, 11, 22, 10))
    return diag


def exported(bank, diag, tmp_path, change=None):
    """The follow-up file of `diag`, with `change(document)` applied, as a file to import."""
    doc = tomllib.loads(render(bank, diag, "toml"))
    if change:
        change(doc)
    path = tmp_path / "suivi.toml"
    path.write_bytes(tomli_w.dumps(doc).encode())
    return path


# ---- D1: terminal escapes ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [ESCAPES, "A\x00B", "A\nFAKE-ID  Fausse ligne", "Evil\u202eCorp", "a\x85b", "x\x7f"])
def test_d1_control_characters_in_a_name_are_refused_where_typed(bank, store, value):
    with pytest.raises(UserError, match="Nom de l'organisation"):
        Session.start(bank, store, value)
    with pytest.raises(UserError, match="Nom de l'aidant"):
        Session.start(bank, store, "Atelier", aidant=value)
    assert not store.folder.exists() or not list(store.folder.glob("*.toml"))


def test_d1_start_refuses_them_with_exit_2_naming_the_option(capsys):
    assert main(["start", "--organisation", "\x1b]0;start-pwned\x07\x1b[2JNom"]) == 2
    err = capsys.readouterr().err
    assert "--organisation" in err and "\x1b" not in err and "\x07" not in err


async def test_d1_the_note_dialog_refuses_them_and_keeps_what_was_typed(bank, store):
    from textual.widgets import Input

    from diag_tui.ui.app import DiagApp
    from diag_tui.ui.dialogs import TextDialog

    results = []
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.push_screen(TextDialog("Note sur cette question"), results.append)
        await pilot.pause()
        app.screen.query_one(Input).value = "Appeler\x1b]0;x\x07 le prestataire"
        await pilot.press("enter")
        await pilot.pause()
        error = app.screen.query_one("#text-error")
        assert isinstance(app.screen, TextDialog) and error.display and "caractère de contrôle" in str(error.content)
        assert app.screen.query_one(Input).value == "Appeler\x1b]0;x\x07 le prestataire"  # nothing lost
        app.screen.query_one(Input).value = "Appeler le prestataire"
        await pilot.press("enter")
        await pilot.pause()
    assert results == ["Appeler le prestataire"]


@pytest.mark.parametrize("key", ["organisation", "aidant"])
def test_d1_import_refuses_them_naming_the_key(bank, cli_store, tmp_path, capsys, key):
    path = exported(bank, finished(bank), tmp_path, lambda d: d["diagnostic"].update({key: ESCAPES}))
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert key in err and "rien n'a été importé" in err
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err
    assert not list(cli_store.folder.glob("*.toml"))


def test_d1_notes_and_status_in_a_follow_up_file_are_checked_and_never_echoed_raw(bank, cli_store, tmp_path, capsys):
    cli_store.save(finished(bank))

    def hostile(doc):
        doc["measures"][0]["notes"] = "\x1b]0;note-pwned\x07"
        doc["measures"][1]["status"] = "\x1b]0;err-pwned\x07"

    assert main(["import", str(exported(bank, finished(bank), tmp_path, hostile))]) == 2
    err = capsys.readouterr().err
    assert "notes" in err and "caractère de contrôle" in err and "statut" in err
    assert "\x1b" not in err and "\x07" not in err


def test_d1_every_terminal_line_goes_through_one_function(cli_store, tmp_path, capsys):
    hostile_path = tmp_path / "\x1b]0;pwned\x07.toml"
    assert main(["import", str(hostile_path)]) == 2
    with pytest.raises(SystemExit, match="2"):
        main(["export", "x", "--format", "\x1b[2J"])  # argparse echoes the bad choice
    err = capsys.readouterr().err
    assert "introuvable" in err and "␛]0;pwned␇" in err and "choix invalide" in err and "\x1b" not in err
    assert shown("a\nb\tc") == "a␊b␉c" and shown("a\nb\tc", multiline=True) == "a\nb\tc"
    assert shown("Evil\u202eCorp\x9b") == "Evil<U+202E>Corp<U+009B>"


def test_d1_a_stored_name_with_controls_is_set_aside_not_shown(bank, cli_store, capsys):
    """A file written by an older version (or by hand) with a control character is not used."""
    diag = cli_store.save(finished(bank))
    path = cli_store.path(diag.id)
    path.write_text(path.read_text(encoding="utf-8").replace("Boulangerie Martin", "Evil\\u001b]0;x\\u0007"), encoding="utf-8")
    assert main(["list"]) == 0
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "mis de côté" in out.err


# ---- D2: Rich / Textual markup ------------------------------------------------------------------


async def test_d2_markup_in_names_and_notes_is_shown_as_typed_on_every_screen(bank, tmp_path):
    from diag_tui.ui.app import DiagApp
    from diag_tui.ui.messages import Compare, StartFollowUp
    from diag_tui.ui.question import QuestionScreen

    for n, name in enumerate(MARKUP):
        store = Store(tmp_path / f"h{n}")
        session = Session.start(bank, store, name, aidant=name)
        for qid, value in WORST.items():
            session.answer(qid, list(value) if isinstance(value, tuple) else value)
        session.set_note("alpha_mfa", name)
        session.set_measure(session.result().priorities[0].measure.id, "en_cours", name)
        session.set_checkpoint(1, True, name)
        session.close()
        app = DiagApp(bank, store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            row = app.screen.query_one("DataTable").get_row_at(0)
            assert str(row[0]) == name and str(row[5]) == name  # home
            for key, screen in (("enter", "ResultsScreen"), ("p", "PlanScreen"), ("f", "FollowupScreen")):
                await pilot.press(key)
                await pilot.pause()
                assert type(app.screen).__name__ == screen and app.screen.title.endswith(f"— {name}")
            assert f"Notes de suivi : {name}" in str(app.screen.query_one("#fu-detail").content)
            opened = app.sessions[session.diag.id]
            app.push_screen(QuestionScreen(opened, start="alpha_mfa"))
            await pilot.pause()
            assert app.screen.title.endswith(f"— {name}")
            assert f"Note : {name}" in str(app.screen.query_one("#q-marks").content)
            app.screen.post_message(StartFollowUp(opened))
            await pilot.pause()
            app.screen.post_message(Compare(app.screen.session))
            await pilot.pause()
            assert type(app.screen).__name__ == "ComparisonScreen" and app.screen.title.endswith(f"— {name}")
        assert app.return_code in (None, 0)


async def test_d2_a_quarantine_reason_holding_markup_does_not_crash_the_home(bank, store):
    from diag_tui.ui.app import DiagApp

    diag = store.save(finished(bank))
    path = store.path(diag.id)
    path.write_text(path.read_text(encoding="utf-8").replace('mode = "accompagne"', 'mode = "[/]"'), encoding="utf-8")
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        [notice] = list(app._notifications)
        assert "valeur lue : '[/]'" in notice.message and not notice.markup  # shown as read in the file


def test_d2_previous_must_be_a_diagnostic_id(bank, store, tmp_path):
    path = exported(bank, finished(bank), tmp_path, lambda d: d["diagnostic"].update(previous="[/]x"))
    with pytest.raises(UserError, match="previous"):
        import_followup(Store(tmp_path / "other"), bank, path)


# ---- D3, D4: bad files and dates ----------------------------------------------------------------


def test_d3_deeply_nested_toml_is_a_message(tmp_path, capsys):
    deep = tmp_path / "d.toml"
    deep.write_text("x = " + "[" * 500 + "]" * 500 + "\n")
    assert main(["report", "--answers", str(deep)]) == 2
    assert main(["import", str(deep)]) == 2
    err = capsys.readouterr().err
    assert err.count("imbrication") == 2 and "Traceback" not in err


def test_d4_a_plan_start_far_in_the_future_is_refused(capsys):
    with pytest.raises(SystemExit, match="2"):
        main(["report", "--answers", "examples/reponses-boulangerie.toml", "--start", "9999-12-01"])
    assert "hors de la plage" in capsys.readouterr().err


def test_d4_an_imported_diagnostic_dated_9999_is_refused(bank, cli_store, tmp_path, capsys):
    far = dt.datetime(9999, 11, 30, 10)
    path = exported(bank, finished(bank), tmp_path, lambda d: d["diagnostic"].update(created=far, completed=far))
    assert main(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "created" in err and "2099" in err
    assert not list(cli_store.folder.glob("*.toml"))


def test_d4_a_follow_up_date_out_of_range_is_refused_and_the_diagnostic_stays_readable(bank, cli_store, tmp_path, capsys):
    diag = cli_store.save(finished(bank))
    path = exported(bank, diag, tmp_path, lambda d: d["measures"][0].update(updated=dt.date(9999, 1, 1)))
    assert main(["import", str(path)]) == 2
    assert "hors de la plage" in capsys.readouterr().err
    assert cli_store.listing()[0].problems == () and cli_store.load(diag.id) == diag


def test_d4_whatever_a_check_misses_an_import_never_writes_an_unreadable_file(bank, cli_store, tmp_path, monkeypatch):
    """The last check of an import is the one the next opening makes (`_readable`)."""
    diag = cli_store.save(finished(bank))
    monkeypatch.setattr("diag_tui.documents.followup_file.DATE_MAX", dt.datetime(9999, 12, 31))  # a check that misses
    path = exported(bank, diag, tmp_path, lambda d: d["measures"][0].update(updated=dt.date(9999, 1, 1)))
    with pytest.raises(UserError, match="updated"):
        import_followup(cli_store, bank, path)
    assert cli_store.listing()[0].problems == ()


# ---- D5, D6: where output goes, a broken data folder in the TUI -----------------------------------


def test_d5_dash_output_writes_to_standard_output(bank, cli_store, tmp_path, capsys, monkeypatch):
    diag = cli_store.save(finished(bank))
    monkeypatch.chdir(tmp_path)
    assert main(["export", diag.id, "--format", "markdown", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("# Diagnostic cyber")
    assert not (tmp_path / "-").exists()


async def test_d6_the_home_screen_says_when_the_data_folder_cannot_be_read(bank, store):
    from diag_tui.ui.app import DiagApp

    store.root.mkdir(parents=True)
    store.folder.write_text("pas un dossier")
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        message = str(app.screen.query_one("#home-empty").content)
        assert str(store.folder) in message and "illisible" in message
        assert not app.screen.query_one("DataTable").display


# ---- D7: a crash ---------------------------------------------------------------------------------


async def test_d7_a_crash_exits_non_zero_shows_no_user_data_and_keeps_a_private_report(bank, store):
    from diag_tui.ui.app import DiagApp

    session = Session.start(bank, store, "Cabinet médical secret")
    app = DiagApp(bank, store, session)

    def boom():
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            app.call_later(boom)
            await pilot.pause()
    session.close()
    assert app.return_code == 1
    assert not app._exit_renderables  # Textual would print the traceback with its local variables
    report = app.crash_report
    assert report.parent == store.root and os.stat(report).st_mode & 0o777 == 0o600
    assert "RuntimeError: bug" in report.read_text(encoding="utf-8")


def test_d7_run_app_returns_the_app_status_and_names_the_report(monkeypatch, capsys, tmp_path):
    from diag_tui import cli
    from diag_tui.ui import app as app_module

    def crashed_run(self):
        self.crash_report, self._return_code = tmp_path / "erreur.txt", 1

    monkeypatch.setattr(app_module.DiagApp, "run", crashed_run)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert cli.main([]) == 1
    assert str(tmp_path / "erreur.txt") in capsys.readouterr().err


# ---- D8: limits checked at input -----------------------------------------------------------------


def test_d8_notes_and_names_have_limits_checked_where_typed(bank, store):
    session = Session.start(bank, store, "Atelier")
    with pytest.raises(UserError, match=f"{NOTE_MAX} au plus"):
        session.set_note("alpha_mfa", '"' * 3_000_000)
    with pytest.raises(UserError, match="200 au plus"):
        Session.start(bank, store, "Atelier", aidant="a" * 100_000)
    session.set_note("alpha_mfa", '"' * NOTE_MAX)  # the limit itself is fine, and stays readable
    session.close()
    assert store.load(session.diag.id).notes["alpha_mfa"] == '"' * NOTE_MAX


def test_d8_an_imported_note_over_the_limit_is_refused(bank, cli_store, tmp_path, capsys):
    cli_store.save(finished(bank))
    path = exported(bank, finished(bank), tmp_path, lambda d: d["measures"][0].update(notes='"' * (NOTE_MAX + 1)))
    assert main(["import", str(path)]) == 2
    assert f"{NOTE_MAX} au plus" in capsys.readouterr().err


# ---- D11: delete and its exports -----------------------------------------------------------------


def test_d11_delete_keeps_or_removes_the_exports_as_asked(bank, cli_store, capsys):
    kept, removed = cli_store.save(finished(bank)), cli_store.save(finished(bank, name="Garage"))
    for diag in (kept, removed):
        session = Session.resume(load_referential(FIXTURE_BANK), cli_store, diag.id)
        session.export("toml"), session.export("html")
        session.close()
    assert main(["delete", kept.id, "--yes"]) == 0
    assert "Exports conservés" in capsys.readouterr().out
    assert len(cli_store.exports_of(kept.id)) == 2
    assert main(["delete", removed.id, "--yes", "--exports"]) == 0
    assert "Exports supprimés" in capsys.readouterr().out
    assert cli_store.exports_of(removed.id) == []


@pytest.mark.parametrize("choice, kept", [("o", 0), ("escape", 1)])
async def test_d11_the_home_screen_asks_about_the_exports_after_the_diagnostic(bank, store, choice, kept):
    from diag_tui.ui.app import DiagApp

    session = Session.start(bank, store, "Garage")
    session.export("toml")
    session.close()
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d", "o")  # delete the diagnostic
        await pilot.pause()
        second = app.screen
        assert "Supprimer aussi ses exports" in str(second.query_one(".dialog-text").content)
        assert str(second.query_one("#no").label) == "Les garder"
        await pilot.press(choice)
        await pilot.pause()
    assert not store.exists(session.diag.id) and len(store.exports_of(session.diag.id)) == kept


# ---- D13: Markdown ---------------------------------------------------------------------------------


def test_d13_the_markdown_report_escapes_html_and_links_in_user_text(bank):
    diag = finished(bank, name="<script>alert(1)</script> & fils", aidant="<svg onload=alert(1)>")
    first = result(bank, diag).priorities[0].measure.id
    diag = replace(diag, measures={first: replace(diag.status_of(first), notes="[clic](javascript:alert(1))\n<b>x</b>")})
    md = render(bank, diag, "markdown")
    assert "<script>" not in md and "<svg" not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; & fils" in md  # a bare & stays readable
    assert "](javascript:" not in md and "[clic]\\(javascript:alert(1))" in md


# ---- D14: imports and ids --------------------------------------------------------------------------


def test_d14_unknown_question_ids_from_the_same_bank_are_refused_by_name(bank, tmp_path):
    path = exported(bank, finished(bank), tmp_path, lambda d: d["answers"].update({f"junk_{i}": "x" for i in range(3000)}))
    with pytest.raises(UserError, match=r"3000 question\(s\) inconnue\(s\).*junk_0, junk_1") as exc:
        import_followup(Store(tmp_path / "other"), bank, path)
    assert "et 2990 autres" in str(exc.value)


def test_d14_too_many_answers_from_another_bank_are_refused(bank, tmp_path):
    def junk(doc):
        doc["diagnostic"]["referential_hash"] = "another-bank"
        doc["answers"].update({f"junk_{i}": "x" for i in range(1000)})

    with pytest.raises(UserError, match="inconnue"):
        import_followup(Store(tmp_path / "other"), bank, exported(bank, finished(bank), tmp_path, junk))


def test_d14_a_changed_bank_with_the_same_version_says_so(bank):
    diag = replace(finished(bank), referential_hash="older-content")
    _, notes = reconcile(bank, diag)
    assert notes[0] == f"Référentiel {bank.version} modifié depuis ce diagnostic (même version, contenu différent)."


def test_d14_an_id_collision_at_start_draws_again(bank, store, monkeypatch):
    draws = iter(["abcd", "abcd", "abcd", "ef01"])
    monkeypatch.setattr("diag_tui.storage.diagnostic.secrets.token_hex", lambda n: next(draws))
    first = Session.start(bank, store, "Atelier")
    second = Session.start(bank, store, "Atelier")  # the first is still open
    assert first.diag.id.endswith("-abcd") and second.diag.id.endswith("-ef01")
    first.close(), second.close()


@pytest.mark.parametrize("reserved", ["con", "nul", "aux", "com1", "lpt9"])
def test_d14_ids_reserved_by_windows_are_refused(bank, tmp_path, reserved):
    path = exported(bank, finished(bank), tmp_path, lambda d: d["diagnostic"].update(id=reserved))
    with pytest.raises(UserError, match="réservé par Windows"):
        import_followup(Store(tmp_path / "other"), bank, path)


# ---- Session boundary --------------------------------------------------------------------------------


def test_set_measure_with_an_unknown_status_raises_and_writes_nothing(bank, store):
    session = Session.start(bank, store, "Atelier")
    before = store.path(session.diag.id).read_bytes()
    with pytest.raises(ValueError, match="unknown status"):
        session.set_measure("m_backup", "termine")
    session.close()
    assert store.path(session.diag.id).read_bytes() == before

"""Pilot tests of the question flow on the fixture bank."""

from __future__ import annotations

from diag_tui.session import Session
from diag_tui.ui.app import DiagApp
from diag_tui.ui.question import QuestionScreen


def current(app) -> str:
    assert isinstance(app.screen, QuestionScreen), type(app.screen).__name__
    return app.screen.current.id


async def test_new_diagnostic_form_then_one_key_per_question(bank, store):
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.press(*"Boulangerie Martin", "enter", *"Claire", "enter")
        await pilot.pause()
        assert current(app) == "ctx_server"
        session = app.screen.session
        await pilot.press("1")  # ctx_server = yes
        assert current(app) == "alpha_backup"
        await pilot.press("1")  # none: the follow-up is not asked
        assert current(app) == "alpha_mfa"
        await pilot.press("p", "3")  # back, "auto": the follow-up comes next
        assert current(app) == "alpha_offline"
        saved = store.load(session.diag.id)
        assert saved.answers == {"ctx_server": "yes", "alpha_backup": "auto"}
        assert saved.organisation.name == "Boulangerie Martin" and saved.aidant == "Claire"


async def test_full_walk_with_digits_reaches_results(bank, store):
    session = Session.start(bank, store, "Atelier")
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # ctx yes, backup none, mfa no, server no, patch no, multi b+c (toggle then Enter), aware no
        await pilot.press("1", "1", "1", "1", "1", "2", "3", "enter", "1")
        await pilot.pause()
        assert type(app.screen).__name__ == "ResultsScreen"
        result = session.result()
        assert not result.provisional
        assert len(result.priorities) == 6
        assert store.load(session.diag.id).answers["beta_multi"] == ["b", "c"]


async def test_quit_and_resume_lands_on_first_unanswered(bank, store):
    session = Session.start(bank, store, "Atelier")
    diag_id = session.diag.id
    app = DiagApp(bank, store, session)
    async with app.run_test() as pilot:
        await pilot.press("1", "3", "2")  # ctx yes, backup auto, offline yes
        assert current(app) == "alpha_mfa"
    session.close()

    app = DiagApp(bank, store, diag_id)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert current(app) == "alpha_mfa"
        assert app.screen.session.diag.answers == {"ctx_server": "yes", "alpha_backup": "auto", "alpha_offline": "yes"}


async def test_context_answer_hides_and_restores_questions(bank, store):
    session = Session.start(bank, store, "Atelier")
    app = DiagApp(bank, store, session)
    async with app.run_test() as pilot:
        await pilot.press("1", "1", "1", "1")  # ctx yes, backup none, mfa no, beta_server no
        assert current(app) == "beta_patch"
        walk = [q.id for q in app.screen.walk()]
        assert "beta_server" in walk
        app.screen.show_question(bank.question("ctx_server"))
        await pilot.press("2")  # no server: beta_server disappears, its answer is kept
        assert "beta_server" not in [q.id for q in app.screen.walk()]
        assert store.load(session.diag.id).answers["beta_server"] == "no"
        app.screen.show_question(bank.question("ctx_server"))
        await pilot.press("1")
        assert "beta_server" in [q.id for q in app.screen.walk()]
        assert session.is_answered(bank.question("beta_server"))


async def test_status_line_and_progress_bar_follow_answers_and_context(bank, store):
    session = Session.start(bank, store, "Atelier")
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1", "1", "1", "1")  # ctx yes, backup none, mfa no, beta_server no
        screen = app.screen
        total = len(session.questions())
        assert total == 7  # the follow-up alpha_offline is not asked after « none »…
        line = screen.query_one("#q-progress").render_line(0).text
        # … and is settled: 4 answers and it, of the 7 questions and it
        assert line.startswith("━") and line.endswith(f" {round(500 / 8):>3} %"), line
        assert str(screen.query_one("#q-position").content).endswith(f"question 5 sur {total}")
        screen.show_question(bank.question("ctx_server"))
        await pilot.press("2")  # no server: one question fewer, three of the rest answered
        await pilot.pause()
        assert len(session.questions()) == total - 1
        assert screen.query_one("#q-progress").render_line(0).text.endswith(f" {round(400 / 7):>3} %")
        assert str(screen.query_one("#q-position").content).endswith(f"question 2 sur {total - 1}")


async def test_options_answer_with_arrows_and_enter_or_a_click_on_any_of_their_lines(bank, store):
    session = Session.start(bank, store, "Atelier")
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "enter")  # ctx_server: the second option, "Non"
        assert session.diag.answers["ctx_server"] == "no" and current(app) == "alpha_backup"
        options = app.screen.query_one("#q-options")
        await pilot.press("end")
        assert options.highlighted == len(bank.question("alpha_backup").options) - 1

        def italic(line: int) -> bool:  # "Je ne sais pas" is set apart from the answers
            return any(s.style and s.style.italic for s in options.render_line(line) if "s" in s.text)

        assert italic(3) and not italic(0)
        await pilot.press("home", "up", "down")  # stops at the first, then one down
        assert options.highlighted == 1
        await pilot.click("#q-options", offset=(6, 2))  # third line: "Automatiquement"
        assert session.diag.answers["alpha_backup"] == "auto" and current(app) == "alpha_offline"
    session.close()
    async with DiagApp(bank, store, Session.resume(bank, store, session.diag.id)).run_test(size=(22, 30)) as pilot:
        app = pilot.app
        await pilot.pause()
        app.screen.show_question(bank.question("alpha_backup"))
        await pilot.pause()
        options = app.screen.query_one("#q-options")
        lines = options._lines(options.content_size.width)
        assert len(lines) > len(bank.question("alpha_backup").options), "labels should wrap at this width"
        y = max(y for y, (index, _) in enumerate(lines) if index == 2)  # the wrapped end of "Automatiquement"
        assert lines[y - 1][0] == 2
        assert lines[y][1].plain.startswith("     ") and lines[y][1].plain.strip(), "wrapped text continues under itself"
        assert options.highlighted == 2  # the saved answer is highlighted on return
        await pilot.click("#q-options", offset=(3, y))
        assert store.load(session.diag.id).answers["alpha_backup"] == "auto"
        assert current(app) == "alpha_offline"


async def test_moving_through_the_options_scrolls_the_highlighted_one_into_view(bank, store):
    session = Session.start(bank, store, "Atelier")
    async with DiagApp(bank, store, session).run_test(size=(40, 8)) as pilot:
        app = pilot.app
        await pilot.press("down", "enter", "question_mark")  # ctx_server: "Non"; then alpha_backup's help
        body, options = app.screen.query_one("#q-body"), app.screen.query_one("#q-options")
        last = len(bank.question("alpha_backup").options) - 1

        def visible(index: int) -> bool:
            rows = [y for y, (i, _) in enumerate(options._lines(options.content_size.width)) if i == index]
            top = options.virtual_region.y + options.gutter.top  # in the scrolled body's coordinates
            seen = range(body.scroll_offset.y, body.scroll_offset.y + body.scrollable_content_region.height)
            return all(top + y in seen for y in rows)

        assert not visible(last), "the screen is meant to be too small for the whole list"
        await pilot.press("end")
        await pilot.pause()
        assert options.highlighted == last and visible(last)
        await pilot.press("home")
        await pilot.pause()
        assert options.highlighted == 0 and visible(0)
    session.close()


async def test_help_toggles_and_defaults_on_in_self_service(bank, store):
    aided = Session.start(bank, store, "A", mode="accompagne")
    app = DiagApp(bank, store, aided)
    async with app.run_test() as pilot:
        await pilot.pause()
        help_area = app.screen.query_one("#q-help-area")
        assert not help_area.display
        await pilot.press("question_mark")
        assert help_area.display
        assert "Pourquoi cette question" in str(app.screen.query_one("#q-help").content)
    alone = Session.start(bank, store, "B", mode="autodiagnostic")
    app = DiagApp(bank, store, alone)
    async with app.run_test() as pilot:
        await pilot.press("enter")  # past the opening screen that self-service starts with
        await pilot.pause()
        assert app.screen.query_one("#q-help-area").display


async def test_note_flag_and_skip_are_saved(bank, store):
    session = Session.start(bank, store, "A")
    app = DiagApp(bank, store, session)
    async with app.run_test() as pilot:
        await pilot.press("m")
        await pilot.press(*"demander au prestataire", "ctrl+s")
        await pilot.press("r", "s")
        assert current(app) == "alpha_backup"
        saved = store.load(session.diag.id)
        assert saved.notes == {"ctx_server": "demander au prestataire"}
        assert saved.flagged == ("ctx_server",) and saved.skipped == ("ctx_server",)
        await pilot.press("t")
        await pilot.pause()
        listing = app.screen.query_one("#overview-list")
        texts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any("↷" in t and "⚑" in t for t in texts)


async def test_failed_save_is_shown_and_answer_kept_in_memory(bank, store, monkeypatch):
    session = Session.start(bank, store, "A")
    app = DiagApp(bank, store, session)
    async with app.run_test() as pilot:
        await pilot.pause()

        def full(*a, **k):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("diag_tui.files.os.replace", full)
        await pilot.press("1")
        assert "NON enregistré" in str(app.screen.query_one("#q-saved").content)
        assert session.unsaved and session.diag.answers == {"ctx_server": "yes"}
        assert current(app) == "ctx_server"  # stays on the question whose answer is not saved
        monkeypatch.undo()
        await pilot.press("1")  # pressing again saves, then moves on
        assert store.load(session.diag.id).answers == {"ctx_server": "yes"}
        assert "✓" in str(app.screen.query_one("#q-saved").content)
        assert current(app) == "alpha_backup"


async def test_home_lists_and_resumes(bank, store):
    session = Session.start(bank, store, "Garage Dupuis")
    session.answer("ctx_server", "yes")
    session.close()
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#diagnostics")
        assert table.row_count == 1
        assert "Garage Dupuis" in str(table.get_row_at(0))
        await pilot.press("enter")
        await pilot.pause()
        assert current(app) == "alpha_backup"


async def test_started_on_a_question_escape_builds_home_and_releases_the_diagnostic(bank, store):
    session = Session.start(bank, store, "Garage Dupuis")
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["QuestionScreen"]  # no home built yet
        await pilot.press("1", "escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        table = app.screen.query_one("#diagnostics")
        assert table.row_count == 1 and "Garage Dupuis" in str(table.get_row_at(0))
        with store.open_for_edit(session.diag.id):  # the app let go of it
            pass
        await pilot.press("enter")  # and can take it again
        await pilot.pause()
        assert current(app) == "alpha_backup"


async def test_ticking_an_exclusive_answer_unticks_the_others(tmp_path, store):
    import shutil

    from diag_tui.bank.loading import load_referential
    from tests.conftest import FIXTURE_BANK

    folder = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, folder)
    path = folder / "bank.toml"
    text = path.read_text(encoding="utf-8").replace('id = "c"\nlabel = "C"', 'id = "c"\nlabel = "Aucun"\nexclusive = true')
    path.write_text(text, encoding="utf-8")
    bank = load_referential(folder)
    session = Session.start(bank, store, "Atelier")
    app = DiagApp(bank, store, session)
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.show_question(bank.question("beta_multi"))
        await pilot.press("1", "2")
        assert session.diag.answers["beta_multi"] == ["a", "b"]
        await pilot.press("3")  # "Aucun": alone
        assert session.diag.answers["beta_multi"] == ["c"]
        await pilot.press("1")  # an ordinary answer unticks it
        assert store.load(session.diag.id).answers["beta_multi"] == ["a"]


async def test_going_back_after_the_last_answer_shows_its_mark(bank, store):
    """The last answer opens the results; back on the questions (q), it shows its ●."""
    session = Session.start(bank, store, "Atelier")
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1", "1", "1", "1", "1", "2", "3", "enter")
        assert current(app) == "beta_aware"
        await pilot.press("2")  # the last question: « partial »
        await pilot.pause()
        assert type(app.screen).__name__ == "ResultsScreen"
        await pilot.press("q")
        await pilot.pause()
        assert current(app) == "beta_aware"
        options = app.screen.query_one("#q-options")
        marked = [options.render_line(y).text for y in range(len(bank.question("beta_aware").options))]
        assert "●" in marked[1] and not any("●" in line for i, line in enumerate(marked) if i != 1), marked


async def test_a_note_takes_several_lines_saves_with_ctrl_s_and_escape_cancels(bank, store):
    from diag_tui.ui.dialogs import NoteDialog

    session = Session.start(bank, store, "A")
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"Appeler", "enter", *"le prestataire", "ctrl+s")
        await pilot.pause()
        assert current(app) == "ctx_server"
        assert store.load(session.diag.id).notes == {"ctx_server": "Appeler\nle prestataire"}
        assert "le prestataire" in str(app.screen.query_one("#q-marks").content)
        await pilot.press("m", *" en mars", "escape")  # cancelled: the note stays as it was
        await pilot.pause()
        assert current(app) == "ctx_server"
        assert session.diag.notes == {"ctx_server": "Appeler\nle prestataire"}


async def test_the_note_dialog_refuses_control_characters_and_keeps_the_text(bank, store):
    from textual.widgets import TextArea

    from diag_tui.ui.dialogs import NoteDialog

    session = Session.start(bank, store, "A")
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        area = app.screen.query_one(TextArea)
        area.text = "Appeler\x1b]0;x\x07 le prestataire"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = app.screen.query_one("#text-error")
        assert isinstance(app.screen, NoteDialog) and error.display and "caractère de contrôle" in str(error.content)
        assert area.text == "Appeler\x1b]0;x\x07 le prestataire"  # nothing lost
        assert session.diag.notes == {}
        area.text = "Appeler le prestataire"
        await pilot.click("#save")
        await pilot.pause()
    assert store.load(session.diag.id).notes == {"ctx_server": "Appeler le prestataire"}

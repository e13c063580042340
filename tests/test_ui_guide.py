"""Self-service in the full-screen application: a first screen that says how it goes, a last one
that says what to do next, and the express diagnostic continued as the full one."""

from __future__ import annotations

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import default_questions_dir
from diag_tui.paths import for_display
from diag_tui.session import Session
from diag_tui.ui.app import DiagApp
from diag_tui.ui.guide import ClosingScreen, WelcomeScreen
from diag_tui.ui.question import QuestionScreen
from diag_tui.ui.results import ResultsScreen


@pytest.fixture(scope="module")
def ref():
    return load_referential(default_questions_dir())


def screen_text(app) -> str:
    """What is drawn, rows joined by spaces (wrapped sentences read whole), French apostrophes."""
    rows = [strip.text.strip() for strip in app.screen._compositor.render_strips()]
    return " ".join(" ".join(rows).split()).replace("’", "'")


def answer_all_but_last(session: Session) -> None:
    while (q := session.first_unanswered()) is not None:
        left = [x for x in session.questions() if not session.is_answered(x)]
        if len(left) == 1 and q.kind == "single":
            return
        session.answer(q.id, q.options[1].id if q.kind == "single" else [q.options[0].id])


async def test_self_service_opens_on_how_it_goes_then_the_first_question(ref, store):
    session = Session.start(ref, store, "Fromagerie", mode="autodiagnostic")
    app = DiagApp(ref, store, session)
    async with app.run_test(size=(100, 70)) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        text = screen_text(app)
        assert "Combien de temps" in text and "Je ne sais pas" in text and session.diag.id in text
        assert for_display(store.root) in text  # where the answers stay
        await pilot.press("enter")
        assert isinstance(app.screen, QuestionScreen) and app.screen.current.id == session.questions()[0].id
    session.close()


async def test_an_aidant_goes_straight_to_the_first_question(ref, store):
    session = Session.start(ref, store, "Fromagerie")
    app = DiagApp(ref, store, session)
    async with app.run_test(size=(100, 70)):
        assert isinstance(app.screen, QuestionScreen)
    session.close()


async def test_the_last_answer_of_self_service_leads_to_what_to_do_next_then_the_full_diagnostic(ref, store):
    session = Session.start(ref, store, "Fromagerie", mode="autodiagnostic", form="express")
    answer_all_but_last(session)
    app = DiagApp(ref, store, session)
    async with app.run_test(size=(100, 70)) as pilot:
        assert isinstance(app.screen, QuestionScreen)
        await pilot.press("1")  # the last answer
        await pilot.pause()
        assert isinstance(app.screen, ClosingScreen)
        text = screen_text(app)
        for item in session.plan().items:
            assert " ".join(item.priority.finding.title.split()[:4]) in text
        assert "Vous faire aider par un aidant cyber" in text and "messervices.cyber.gouv.fr" in text
        await pilot.press("x")  # the follow-up file, to hand to an aidant
        await pilot.pause()
        assert list((store.root / "exports").glob("*-suivi.toml"))
        await pilot.press("escape")  # the dialog that names the file
        await pilot.press("enter")
        assert isinstance(app.screen, ResultsScreen)
        assert "Diagnostic express" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, ClosingScreen)
        answered = dict(session.diag.answers)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen) and app.screen.current.id not in answered
        assert session.diag.form == "complet" and store.load(session.diag.id).answers == answered
    session.close()


async def test_results_of_a_full_diagnostic_offer_no_express_continuation(ref, store):
    session = Session.start(ref, store, "Menuiserie")
    answer_all_but_last(session)
    q = session.first_unanswered()
    session.answer(q.id, q.options[1].id)
    app = DiagApp(ref, store, session.diag.id)
    session.close()
    async with app.run_test(size=(100, 70)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        assert "Diagnostic express" not in screen_text(app)
        assert app.screen.check_action("full", ()) is False


async def test_results_of_an_express_diagnostic_with_an_aidant_keep_the_footer_whole_at_80_columns(ref, store):
    session = Session.start(ref, store, "Garage", form="express")
    answer_all_but_last(session)
    q = session.first_unanswered()
    session.answer(q.id, q.options[1].id)
    app = DiagApp(ref, store, session.diag.id)
    session.close()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        footer = app.screen._compositor.render_strips()[-1].text
        assert "Échap Retour" in footer and "o Remplacer" in footer, footer
        assert "d : poursuivre en diagnostic complet" in screen_text(app)  # where `d` is said
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)

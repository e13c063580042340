"""Pilot tests of the screens after the questions: results, plan, follow-up, comparison."""

from __future__ import annotations

import datetime as dt
import tomllib

from diag_tui.documents.followup_file import import_followup
from diag_tui.session import Session
from diag_tui.ui.app import DiagApp
from diag_tui.ui.prose import fr
from tests.conftest import WORST


def finished(bank, store, answers=WORST) -> Session:
    session = Session.start(bank, store, "Atelier Martin", aidant="Claire")
    for qid, value in answers.items():
        session.answer(qid, list(value) if isinstance(value, tuple) else value)
    return session


def screen_text(app) -> str:
    return "\n".join(str(w.content) for w in app.screen.query("Static"))


async def test_results_show_indicators_six_measures_and_provisional_banner(bank, store):
    session = Session.start(bank, store, "Atelier")
    session.answer("ctx_server", "yes")
    session.answer("alpha_backup", "none")
    app = DiagApp(bank, store, session.diag.id)
    session.close()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert type(app.screen).__name__ == "ResultsScreen"
        assert app.screen.query_one("#r-banner").display
        assert "Résultat provisoire" in str(app.screen.query_one("#r-banner").content)
        text = str(app.screen.query_one("#r-indicators").content)
        assert "Alpha" in text and "0,0 / 3" in text and "non évalué" in text  # beta has nothing scored
        six = app.screen.query_one("#r-six")
        expected = [p.finding.title for p in app.screen.session.result().priorities]
        assert [str(six.get_option_at_index(i).prompt) for i in range(six.option_count)] == [
            f"{n}. {t}" for n, t in enumerate(expected, 1)
        ]


async def test_why_and_how_on_demand_and_unknown_questions_listed(bank, store):
    session = finished(bank, store, {**WORST, "alpha_mfa": "nsp"})
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        detail = app.screen.query_one("#r-detail")
        assert "Pourquoi pour vous" in str(detail.content) and "Comment" not in str(detail.content)
        await pilot.press("enter")
        first = session.result().priorities[0].finding
        assert first.detail.how[0] in str(detail.content)
        unknown = str(app.screen.query_one("#r-unknown").content)
        assert fr(bank.question("alpha_mfa").ask.text) in unknown


async def test_aidant_swaps_a_priority_with_a_reason(bank, store):
    session = finished(bank, store)
    before = session.result()
    replacement = before.others[0]
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("down", "o")  # the second priority
        await pilot.pause()
        await pilot.press("enter")  # the first other measure
        await pilot.pause()
        await pilot.press(*"deja commande", "enter")
        await pilot.pause()
        saved = store.load(session.diag.id)
        assert [(o.replaced, o.by, o.reason) for o in saved.overrides] == [
            (before.priorities[1].measure.id, replacement.measure.id, "deja commande")
        ]
        six = app.screen.query_one("#r-six")
        assert "choisie par l'aidant" in str(six.get_option_at_index(1).prompt)
        await pilot.press("u")
        assert store.load(session.diag.id).overrides == ()


async def test_attack_guide_lists_incidents_and_contacts(bank, store):
    session = finished(bank, store)
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "a")
        await pilot.pause()
        text = screen_text(app)
        assert fr("Que faire en cas d'attaque") in text
        assert bank.contacts and bank.incidents
        for contact in bank.contacts:
            assert fr(contact.title) in text
        for incident in bank.incidents:
            assert fr(incident.title) in text and fr(incident.steps[0]) in text and fr(incident.source) in text
        assert fr(bank.attack_sheet.gestures[0]) in text and "à compléter" in text
        await pilot.press("n")  # the organisation's own numbers, saved with the diagnostic
        await pilot.pause()
        await pilot.press(*"Info 04 00")
        await pilot.press("enter")
        await pilot.pause()
        assert session.diag.emergency.provider == "Info 04 00"
        assert store.load(session.diag.id).emergency.provider == "Info 04 00"
        assert "Info 04 00" in screen_text(app)


async def test_plan_lists_months_and_export_is_read_back_by_the_core(bank, store, tmp_path):
    session = finished(bank, store)
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "p")
        await pilot.pause()
        text = screen_text(app)
        plan = session.plan()
        for item in plan.items:
            assert f"{item.rank}. {fr(item.priority.finding.title)}" in text
        assert "Point d'étape M+1" in text and "Point d'étape M+6" in text
        await pilot.press("x")
        await pilot.pause()
    path = store.root / "exports" / f"{session.diag.id}-suivi.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert [m["id"] for m in document["measures"]] == [i.measure.id for i in plan.items]
    session.close()
    outcome = import_followup(store, bank, path)  # the core takes its own export back unchanged
    assert outcome.changes == () and not outcome.created


async def test_followup_status_notes_overdue_and_checkpoint(bank, store):
    session = finished(bank, store)
    first = session.plan().items[0]
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "f")
        await pilot.pause()
        assert "0 sur 6 faites" in str(app.screen.query_one("#fu-summary").content)
        await pilot.press("space", "space", "space")  # a_faire → en_cours → fait → abandonne
        assert store.load(session.diag.id).status_of(first.measure.id).status == "abandonne"
        await pilot.press("space")
        await pilot.press("down", "space", "space")
        await pilot.press("e", *"commande passee", "ctrl+s")
        await pilot.pause()
        second = session.plan().items[1].measure.id
        saved = store.load(session.diag.id)
        assert saved.status_of(second).status == "fait" and saved.status_of(second).notes == "commande passee"
        assert "1 sur 6 faites" in str(app.screen.query_one("#fu-summary").content)
        await pilot.press("c", *"RAS", "enter")
        await pilot.pause()
        assert store.load(session.diag.id).checkpoints["1"].done

        app.screen.today = first.due + dt.timedelta(days=1)  # a month later: the first is late
        app.screen.reload()
        assert "en retard" in str(app.screen.query_one("#fu-summary").content)
        row = app.screen.query_one("#fu-table").get_row_at(0)
        assert "en retard" in str(row[1])


async def test_checkpoint_reasks_only_the_questions_behind_the_six(bank, store):
    session = finished(bank, store)
    sources = {q for p in session.result().priorities for q in p.finding.sources}
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "f", "r")
        await pilot.pause()
        await pilot.press("enter")  # « Revoir »
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "QuestionScreen"
        assert {q.id for q in screen.walk()} <= sources
        assert screen.current.id == screen.walk()[0].id
        assert screen.current.id == "alpha_backup"
        await pilot.press("3")  # backups are now automatic
        for _ in range(10):
            if type(app.screen).__name__ != "QuestionScreen":
                break
            await pilot.press("n")
        await pilot.pause()
        # what changed is said before anything else changes: backups no longer need the measure
        assert type(app.screen).__name__ == "ConfirmDialog"
        assert bank.measure("m_backup").level1.title in app.screen.question
        await pilot.press("escape")  # « Laisser tel quel »
        await pilot.pause()
        assert type(app.screen).__name__ == "FollowupScreen"
    saved = store.load(session.diag.id)
    assert saved.journal and bank.question("alpha_backup").text in saved.journal[-1].text
    assert "« Automatiques" in saved.journal[-1].text or "→" in saved.journal[-1].text
    assert saved.status_of("m_backup").status == "a_faire"  # nothing marked without the aidant's word


async def test_new_follow_up_diagnostic_and_comparison(bank, store):
    session = finished(bank, store)
    first_id = session.diag.id
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "f", "n")
        await pilot.pause()
        await pilot.press("o")  # confirm
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "QuestionScreen"
        follow = screen.session
        assert follow.diag.previous == first_id and follow.diag.answers == store.load(first_id).answers
        assert screen.current.id == "ctx_server"  # revised from the start
        follow.answer("alpha_backup", "auto")
        follow.answer("alpha_offline", "yes")
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "ComparisonScreen"
        text = screen_text(app)
        assert "Les mesures prioritaires remises le" in text
        assert f"✓ {fr(bank.measure('m_backup').level1.title)} — plus nécessaire" in text
        assert "Nouvelles mesures (0)" in text


async def test_hand_edited_follow_up_file_shows_on_the_follow_up_screen(bank, store, tmp_path):
    session = finished(bank, store)
    path = session.export("toml", tmp_path / "suivi.toml")
    session.close()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('status = "a_faire"', 'status = "fait"', 2), encoding="utf-8")
    import_followup(store, bank, path)
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        assert type(app.screen).__name__ == "FollowupScreen"
        assert "2 sur 6 faites" in str(app.screen.query_one("#fu-summary").content)
        table = app.screen.query_one("#fu-table")
        assert [str(table.get_row_at(i)[1]) for i in range(3)] == ["fait", "fait", "à faire"]


def six_shown(app) -> list[str]:
    six = app.screen.query_one("#r-six")
    return [str(six.get_option_at_index(i).prompt) for i in range(six.option_count)]


async def test_a_checkpoint_review_keeps_the_results_as_given_and_says_what_changed(bank, store):
    """Results → follow-up → review an answer at the checkpoint → back to Results: the six are
    still the six that were given (the plan and its statuses rest on them), the screen says that
    an answer changed since, and nothing the aidant recorded is lost."""
    session = finished(bank, store)
    app = DiagApp(bank, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        before = six_shown(app)
        assert before[0] == f"1. {bank.measure('m_backup').level1.title}"
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("down", "space", "space", "e", *"fait le 3", "ctrl+s")  # the second measure: done, with a note
        await pilot.pause()
        second = session.plan().items[1].measure.id
        await pilot.press("r")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"  # says what a review changes before it starts
        assert "ne changent pas" in app.screen.question
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.current.id == "alpha_backup"
        await pilot.press("3")  # backups are now automatic
        for _ in range(10):  # to the end of the review
            if type(app.screen).__name__ != "QuestionScreen":
                break
            await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("enter")  # mark the measure backups no longer need « fait »
        await pilot.pause()
        assert type(app.screen).__name__ == "FollowupScreen"
        assert "2 sur 6 faites" in str(app.screen.query_one("#fu-summary").content)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ResultsScreen"
        assert six_shown(app) == before  # as given, not recomputed
        banner = app.screen.query_one("#r-banner")
        assert banner.display and "1 réponse a changé" in str(banner.content)
    saved = store.load(session.diag.id)
    assert saved.answers["alpha_backup"] == "auto" and saved.handed_over.answers["alpha_backup"] == "none"
    assert saved.status_of(second).status == "fait" and saved.status_of(second).notes == "fait le 3"
    assert saved.status_of("m_backup").status == "fait"
    # the list, the exports and a later comparison agree with the screen
    _, summaries = store.listing(bank)
    assert (summaries[session.diag.id].priorities, summaries[session.diag.id].done) == (6, 2)
    document = tomllib.loads(session.export("toml", store.root / "suivi.toml").read_text(encoding="utf-8"))
    assert [f"{m['rank']}. {m['title']}".replace("’", "'") for m in document["measures"]] == before
    session.close()
    follow = Session.start(bank, store, "Atelier Martin", previous=store.load(session.diag.id))
    _, comparison = follow.comparison()  # the baseline is the six as given: backups resolved since
    assert [m.id for m in comparison.resolved] == ["m_backup"] and comparison.resolved[0].was_priority

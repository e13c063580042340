"""The question screen fits the terminal: every question of the real bank, at 80×24 (what the
README promises) and at 60×20, in both modes with the help « Pourquoi cette question ? » shown.

What is checked is what is drawn: the screen's rendered lines (the compositor's own output, as
in a snapshot), at the rows where the widgets sit. A line scrolled out of view, cropped or hidden
behind the footer is not there, whatever the DOM holds.
"""

from __future__ import annotations

import pytest

from diag_tui.bank.referential import Referential
from diag_tui.engine.answers import applicable_questions
from diag_tui.session import Session
from diag_tui.ui.answer_list import AnswerList
from diag_tui.ui.app import DiagApp
from diag_tui.ui.prose import Prose
from diag_tui.ui.question import QuestionScreen
from tests.ui_states import referential


def answers_that_ask_everything(ref: Referential) -> dict[str, str | list[str]]:
    """Answers to the questions that decide which others are asked (context questions, parents
    of follow-ups), chosen so that every question of the bank is asked; the others stay
    unanswered, as in a diagnostic under way."""
    answers: dict[str, str | list[str]] = {}
    for question in ref.questions:
        if not any(o.hides or o.follow_ups for o in question.options):
            continue
        keep = [o for o in question.options if not o.hides]
        if question.kind == "multiple":
            answers[question.id] = [o.id for o in keep if not o.alone] or [keep[0].id]
        else:
            answers[question.id] = max(keep, key=lambda o: len(o.follow_ups)).id
    return answers


def screen_lines(app: DiagApp) -> list[str]:
    """The text of each row of the screen as drawn."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def drawn(lines: list[str], y: int, text: str) -> bool:
    return 0 <= y < len(lines) and bool(text.strip()) and text.rstrip() in lines[y]


def option_rows(screen: QuestionScreen) -> dict[int, list[tuple[int, str]]]:
    """Each option's rows: (screen row, text) — an option may wrap over several rows."""
    options = screen.query_one("#q-options", AnswerList)
    top = options.region.y
    rows: dict[int, list[tuple[int, str]]] = {}
    for n, (index, text) in enumerate(options._lines(options.content_size.width)):
        rows.setdefault(index, []).append((top + n, text.plain))
    return rows


def check_screen(app: DiagApp, position: str, every_option: bool) -> list[str]:
    """What is wrong with the question on screen (empty: nothing)."""
    screen = app.screen
    assert isinstance(screen, QuestionScreen)
    lines = screen_lines(app)
    where = screen.current.id
    problems = []
    if not drawn(lines, screen.query_one("#q-position").region.y, position):
        problems.append(f"{where}: « {position} » not on screen")
    text = screen.query_one("#q-text")
    first_line = str(screen._shown["#q-text"]).splitlines()[0][:20]
    if not drawn(lines, text.region.y, first_line):
        problems.append(f"{where}: the question's text is not on screen")
    rows = option_rows(screen)
    if len(rows) != len(screen.current.options):
        problems.append(f"{where}: {len(rows)} options listed for {len(screen.current.options)}")
    visible = [i for i, option in rows.items() if all(drawn(lines, y, t) for y, t in option)]
    if every_option and len(visible) != len(rows):
        hidden = [screen.current.options[i].label for i in rows if i not in visible]
        problems.append(f"{where}: options not on screen: {hidden}")
    if not visible:
        problems.append(f"{where}: no option on screen")
    if screen.show_help and not any("Pourquoi cette question" in line for line in lines):
        problems.append(f"{where}: the help is not on screen")
    return problems


@pytest.mark.parametrize("mode", ["accompagne", "autodiagnostic"])
async def test_every_question_of_the_bank_fits_80x24(store, mode):
    """With an aidant, the help shows on ?; in self-service it shows by default, and then at
    60×20 too, each question still shows its position, its text and at least one option."""
    ref = referential()
    session = Session.start(ref, store, "Mairie de Saint-Aubin-sur-Mer", mode=mode)
    for qid, value in answers_that_ask_everything(ref).items():
        session.answer(qid, value)
    walk = session.questions()
    assert [q.id for q in walk] == [q.id for q in ref.questions], "every question of the bank is asked"
    assert walk == applicable_questions(ref, session.diag.answers)
    app = DiagApp(ref, store, session)
    problems: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        if mode == "accompagne":
            assert not screen.show_help
            await pilot.press("question_mark")
        assert screen.show_help
        screen.show_question(walk[0])
        await pilot.pause()
        problems += [f"footer: {p}" for p in footer_problems(app)]
        for n, question in enumerate(walk, start=1):
            await pilot.pause()
            assert screen.current.id == question.id
            problems += check_screen(app, f"question {n} sur {len(walk)}", every_option=True)
            if n < len(walk):
                screen.action_next()  # what n does (a key press costs 40 ms of waiting in a pilot)
        if mode == "autodiagnostic":
            await pilot.resize_terminal(60, 20)
            await pilot.pause()
            for n in range(len(walk), 0, -1):  # and back, on a smaller terminal
                await pilot.pause()
                assert screen.current.id == walk[n - 1].id
                problems += [f"60×20 {p}" for p in check_screen(app, f"question {n} sur {len(walk)}", every_option=False)]
                screen.action_previous()  # p
    assert not problems, "\n".join(problems)
    session.close()


async def test_the_check_sees_an_option_below_the_screen(store):
    """The check above is not blind: at 80×12 the help and options cannot all show."""
    ref = referential()
    session = Session.start(ref, store, "Atelier", mode="autodiagnostic")
    app = DiagApp(ref, store, session)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("enter")  # past the self-service opening screen
        await pilot.pause()
        app.screen.show_question(ref.question("gouv_rgpd"))
        await pilot.pause()
        await pilot.pause()
        problems = check_screen(app, "question", every_option=True)
    assert any("options not on screen" in p for p in problems), problems
    session.close()


# ---- the question screen's status line and progress bar ------------------------------------------


def status_line(app: DiagApp) -> str:
    return screen_lines(app)[app.screen.query_one("#q-status").region.y]


@pytest.mark.parametrize("width", [100, 80, 60, 40])
async def test_the_position_of_a_follow_up_question_shows_whole_at_any_width(store, width):
    """At 80 columns the position ran into the timer; on a follow-up question it was cut even at
    100; at 60 it disappeared. The time estimate now shortens or goes first."""
    ref = referential()
    session = Session.start(ref, store, "Atelier", mode="autodiagnostic")
    for qid, value in answers_that_ask_everything(ref).items():
        session.answer(qid, value)
    walk = session.questions()
    follow_up = next(q for q in walk if q.id in ref.parent)
    position = f"question {walk.index(follow_up) + 1} sur {len(walk)}"
    app = DiagApp(ref, store, session)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        app.screen.show_question(follow_up)
        await pilot.pause()
        line = status_line(app)
        shown_position = str(app.screen.query_one("#q-position").content)
        assert position in line and shown_position.strip() in line, line
        if width >= 80:
            assert "complémentaire" in line and "reste ≈" in line, line
        if width >= 100:
            assert ref.theme(follow_up.theme).title in line, line
    session.close()


async def test_the_progress_bar_never_moves_back_when_follow_up_questions_appear(store):
    """Late in a diagnostic, the answer to the backups question asks two follow-up questions:
    counted only when asked, they took the bar from 73 % back to 72 %."""
    ref = referential()
    session = Session.start(ref, store, "Atelier")
    parent = next(q for q in ref.questions if sum(1 for o in q.options for _ in o.follow_ups) >= 2)
    reveals = max(range(len(parent.options)), key=lambda i: len(parent.options[i].follow_ups))
    for question in session.questions():  # every question before it answered
        if question.id == parent.id:
            break
        session.answer(question.id, [question.options[0].id] if question.kind == "multiple" else question.options[0].id)
    app = DiagApp(ref, store, session)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.current.id == parent.id
        bar = app.screen.query_one("#q-progress")

        def percent() -> int:
            return int(bar.render_line(0).text.rsplit(" ", 2)[-2])

        before = percent()
        await pilot.press(str(reveals + 1))
        await pilot.pause()
        assert app.screen.current.id in parent.options[reveals].follow_ups  # a follow-up appeared
        assert percent() > before, (before, percent())
        seen = [percent()]
        while type(app.screen).__name__ == "QuestionScreen":  # and on to the end, one key each
            await pilot.press("1", "enter") if app.screen.current.kind == "multiple" else await pilot.press("1")
            if type(app.screen).__name__ == "QuestionScreen":
                seen.append(percent())
        assert seen == sorted(seen), seen
    session.close()


# ---- footers, home, plan, exports, overview ----------------------------------------------------


def footer_problems(app: DiagApp) -> list[str]:
    """The footer's keys not drawn whole on its line (cut, or under the palette key)."""
    from textual.widgets._footer import FooterKey

    footer = screen_lines(app)[-1]
    return [
        f"{key.key_display} {key.description}"
        for key in app.screen.query(FooterKey)
        if key.display and key.description and f"{key.key_display} {key.description}" not in footer
    ]


def home_world(monkeypatch):
    from tests.ui_states import bakery, town_hall, world

    w = world(monkeypatch)
    first = bakery(w)
    town_hall(w)
    long = Session.start(w.ref, w.store, "Association sportive et culturelle des jeunes de Saint-Aubin-sur-Mer",
                         "Jean-Christophe de la Fontaine-Dupont")
    long.close()
    return w, first


@pytest.mark.parametrize("width", [80, 60])
async def test_home_fits_the_width_enter_shows_and_progress_is_labelled(monkeypatch, width):
    from textual.widgets import DataTable

    w, _ = home_world(monkeypatch)
    app = w.app()
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        lines = screen_lines(app)
        assert table.max_scroll_x == 0, "no column out of sight"
        assert not footer_problems(app), footer_problems(app)
        assert "Entrée Reprendre" in lines[-1]
        text = "\n".join(lines)
        assert "mesures faites" in text and "% répondu" in text  # never a bare « 0/6 »
        assert "Association sportive" in text and "…" in text  # a long name shortened, not pushed out
        if width == 80:
            assert "Aidant" in text and "Jean-Christop" in text and "autodiagnostic" in text


async def test_home_f_on_an_unfinished_diagnostic_says_why(monkeypatch):
    w, _ = home_world(monkeypatch)
    app = w.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        unfinished = app.screen.selected()
        assert unfinished is not None and unfinished.completed is None
        await pilot.press("f")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        [notice] = list(app._notifications)
        assert "une fois le diagnostic terminé" in notice.message and "sans réponse" in notice.message


async def test_plan_footer_shows_every_export_at_80_columns_and_the_path_is_shown_whole(monkeypatch):
    from diag_tui.ui.dialogs import ExportDialog

    w, first = home_world(monkeypatch)
    app = w.app(first)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert type(app.screen).__name__ == "PlanScreen"
        assert not footer_problems(app), footer_problems(app)
        footer = screen_lines(app)[-1]
        for label in ("x Fichier de suivi", "h HTML", "k Markdown", "i Agenda", "f Suivi", "Échap Retour"):
            assert label in footer, footer
        await pilot.press("k")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        path = app.screen.path
        assert path.is_file() and path.suffix == ".md"
        lines = screen_lines(app)
        for selector, expected in (("#export-folder", str(path.parent)), ("#export-name", path.name)):
            region = app.screen.query_one(selector).region  # whole, over as many lines as it needs
            drawn_text = "".join(lines[y][region.x : region.right].strip() for y in range(region.y, region.bottom))
            assert drawn_text == expected, (drawn_text, expected)
        await pilot.press("c")
        assert app.clipboard == str(path)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "PlanScreen"


async def test_the_plan_wraps_numbered_titles_under_their_text(monkeypatch):
    w, first = home_world(monkeypatch)
    app = w.app(first)
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        lines = screen_lines(app)
        starts = [i for i, line in enumerate(lines) if line.lstrip().startswith("1. ")]
        assert starts, lines
        title, following = lines[starts[0]], lines[starts[0] + 1]
        indent = len(title) - len(title.lstrip()) + 3
        assert following[:indent].strip() == "" and following[indent] != " ", (title, following)


async def test_overview_counts_are_labelled_and_questions_wrap_under_their_text(store):
    ref = referential()
    session = Session.start(ref, store, "Atelier")
    app = DiagApp(ref, store, session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "Contexte — 0 répondue sur" in text
        listing = app.screen.query_one("#overview-list")
        wrapped = next(
            lines for i in range(listing.option_count)
            if isinstance(prompt := listing.get_option_at_index(i).prompt, Prose)
            and len(lines := [line.plain for line in prompt.lines(60)]) > 1
        )
        assert wrapped[1].startswith("    ") and wrapped[1][4] != " ", wrapped
    session.close()


# ---- Prose: hanging indents and web addresses --------------------------------------------------


def test_prose_list_items_wrap_under_their_text():
    lines = [line.plain for line in Prose("  1. Activer la double authentification sur toutes les boîtes").lines(30)]
    assert lines[0] == "  1. Activer la double"
    assert all(line.startswith("     ") and line[5] != " " for line in lines[1:]), lines
    lines = [line.plain for line in Prose("Pour commencer : un texte ordinaire qui revient à la ligne").lines(30)]
    assert all(not line.startswith(" ") for line in lines), lines


def test_prose_never_splits_an_address_that_fits_and_cuts_a_longer_one_after_a_slash():
    url = "https://www.cybermalveillance.gouv.fr/tous-nos-contenus/fiches-reflexes"
    lines = [line.plain for line in Prose(f"  • Le guide de référence — {url}").lines(len(url) + 6)]
    assert any(line.strip() == url for line in lines), lines
    long = "https://cyber.gouv.fr/publications/recommandations-relatives-lauthentification-multifacteur"
    lines = [line.plain for line in Prose(f"Voir {long} avant tout").lines(40)]
    assert lines == [
        "Voir https://cyber.gouv.fr/publications/",
        "recommandations-relatives-",
        "lauthentification-multifacteur avant",
        "tout",
    ]


async def test_the_comparison_keeps_each_change_on_its_themes_line_at_80_columns(monkeypatch):
    from tests.ui_states import bakery, bakery_follow_up, world

    w = world(monkeypatch)
    follow_up = bakery_follow_up(w, bakery(w))
    app = w.app(follow_up)
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "ComparisonScreen"
        lines = screen_lines(app)
        assert not footer_problems(app), footer_problems(app)
        changes = [line for line in lines if "→" in line and "/ 3" in line]
        assert len(changes) >= 7 and any("+" in line for line in changes), lines
        assert not any(line.strip().startswith(("+", "-")) for line in lines), "a change alone on its line"
        titles = [i for i, line in enumerate(lines) if line.lstrip().startswith("• ")]
        wrapped = [lines[i + 1] for i in titles if lines[i + 1].strip() and not lines[i + 1].lstrip().startswith(("•", "+", "✓"))]
        assert all(line.startswith("      ") for line in wrapped), wrapped  # under the title, not the bullet


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_new_diagnostic_form_shows_whole(store, size):
    ref = referential()
    app = DiagApp(ref, store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        for label in ("Organisation diagnostiquée", "Aidant (facultatif)", "Autodiagnostic", "Commencer", "Annuler"):
            assert label in text, text
        assert not footer_problems(app), footer_problems(app)

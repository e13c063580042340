"""The express diagnostic: the questions the bank marks, results that say what they are worth,
and the full diagnostic continued from it without losing an answer."""

from __future__ import annotations

import pytest

from diag_tui.bank.loading import load_referential
from diag_tui.bank.referential import default_questions_dir
from diag_tui.documents.exports import render
from diag_tui.documents.followup_file import import_followup
from diag_tui.engine.restitution import restitution
from diag_tui.session import Session
from diag_tui.storage.store import Store
from tests.test_referential import broken, problems_of


@pytest.fixture(scope="module")
def ref():
    return load_referential(default_questions_dir())


def answer_all(session: Session, pick: int = 1) -> None:
    """Answer every question left with its option `pick` (the first for a multiple choice)."""
    while (q := session.first_unanswered()) is not None:
        session.answer(q.id, q.options[pick].id if q.kind == "single" else [q.options[0].id])


def test_the_bank_marks_a_short_path_whose_parents_and_hiding_questions_come_along(ref):
    express = [q for q in ref.questions if q.express]
    assert 12 <= len(express) <= 15
    ids = {q.id for q in express}
    for q in express:
        parent = ref.parent.get(q.id)
        assert parent is None or parent in ids, q.id
    # the context question that hides remote-access protection is asked first
    assert "ctx_acces_distant" in ids and "acces_distant" in ids


def test_a_follow_up_marked_express_without_its_parent_is_refused_with_file_and_key(tmp_path):
    folder = broken(tmp_path, "bank.toml", 'id = "alpha_offline"\n', 'id = "alpha_offline"\nexpress = true\n')
    problems = problems_of(folder)
    assert "bank.toml" in problems and "alpha_offline" in problems and ".express" in problems
    assert "alpha_backup" in problems  # the parent to mark too


def test_an_express_diagnostic_asks_only_the_marked_questions_and_completes_on_them(ref, store):
    session = Session.start(ref, store, "Fromagerie", mode="autodiagnostic", form="express")
    assert {q.id for q in session.questions()} <= {q.id for q in ref.questions if q.express}
    answer_all(session)
    assert session.diag.completed is not None and session.diag.stage == "termine"
    result = session.result()
    assert result.express and not result.provisional
    assert "Gouvernance" in result.express_note  # the themes left out are named
    # same six as the engine gives on these answers: nothing is invented for the express path
    same = restitution(ref, session.answers)
    assert [p.measure.id for p in result.priorities] == [p.measure.id for p in same.priorities]
    session.close()


def test_continuing_to_the_full_diagnostic_keeps_every_answer_and_asks_the_rest(ref, store):
    session = Session.start(ref, store, "Fromagerie", mode="autodiagnostic", form="express")
    answer_all(session)
    session.export("toml")  # the express results were handed over
    given = dict(session.diag.answers)
    session.continue_full()
    diag = store.load(session.diag.id)
    assert diag.form == "complet" and diag.answers == given
    assert diag.completed is None and diag.stage == "en_cours" and diag.handed_over is None
    assert "express poursuivi" in diag.journal[-1].text
    assert len(session.questions()) > 2 * len(given)
    assert session.resume_question().id not in given
    answer_all(session)
    assert session.diag.completed is not None and not session.result().express
    session.close()


def test_an_express_export_says_so_and_imports_as_express_elsewhere(ref, store, tmp_path):
    session = Session.start(ref, store, "Fromagerie", mode="autodiagnostic", form="express")
    answer_all(session)
    markdown = render(ref, session.diag, "markdown").replace("\N{NO-BREAK SPACE}", " ")
    assert markdown.startswith("# Diagnostic cyber : Fromagerie (express)")
    assert "> **Diagnostic express** :" in markdown
    assert "Diagnostic express" in render(ref, session.diag, "texte")
    path = session.export("toml")
    session.close()
    other = Store(tmp_path / "other")
    imported = import_followup(other, ref, path).diagnostic
    assert imported.form == "express" and imported.answers == session.diag.answers
    assert other.load(imported.id).form == "express"


def test_a_full_diagnostic_file_says_nothing_of_express(ref, store):
    session = Session.start(ref, store, "Menuiserie")
    answer_all(session)
    toml = render(ref, session.diag, "toml")
    assert "\nform = " not in toml and "express_note" not in toml
    session.close()


def test_the_express_six_on_the_panel_are_triggered_by_the_full_answers_and_mostly_the_same():
    """The express path is judged on the panel (examples/panel): for each organisation, its six
    from the express questions alone are measures its full answers call for too, and on average
    most of its full six. The figures are printed by `examples/panel/panel.py --express`."""
    from examples.panel.panel import express_comparison

    rows = express_comparison()
    assert len(rows) >= 18
    for row in rows:
        assert set(row.express) <= set(row.triggered), row.file
    shared = sum(len(set(r.express) & set(r.full)) for r in rows)
    assert shared >= 0.7 * sum(len(r.full) for r in rows)


def test_the_list_and_the_home_screen_mark_an_express_diagnostic(ref, store, capsys):
    import json

    from diag_tui.cli import main
    from diag_tui.ui.home import progress_text

    session = Session.start(ref, Store(), "Fromagerie", form="express")
    answer_all(session)
    session.close()
    Session.start(ref, Store(), "Menuiserie").close()
    assert main(["list", "--json"]) == 0
    rows = {r["organisation"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["Fromagerie"]["form"] == "express" and rows["Menuiserie"]["form"] == "complet"
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert text.count("· express") == 1
    report, summaries = Store().listing(ref)
    marks = {d.organisation: progress_text(d, summaries[d.id]) for d in report.diagnostics}
    assert marks["Fromagerie"].startswith("express, ") and "express" not in marks["Menuiserie"]

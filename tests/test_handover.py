"""Results as handed over: fixed at the first export or follow-up step of a complete diagnostic,
so that the plan, its statuses and later comparisons never move when an answer changes after."""

from __future__ import annotations

from diag_tui.documents.followup_file import import_followup
from diag_tui.session import Session
from tests.conftest import WORST


def finished(bank, store, answers=WORST) -> Session:
    session = Session.start(bank, store, "Atelier Martin", aidant="Claire")
    for qid, value in answers.items():
        session.answer(qid, list(value) if isinstance(value, tuple) else value)
    return session


def test_a_provisional_result_is_not_handed_over_and_follows_the_answers(bank, store, tmp_path):
    session = Session.start(bank, store, "Atelier")
    session.answer("ctx_server", "yes")
    session.answer("alpha_backup", "none")
    session.export("markdown", tmp_path / "r.md")  # an interim report says it is provisional
    assert session.diag.handed_over is None
    session.answer("alpha_backup", "auto")
    assert "m_backup" not in [p.measure.id for p in session.result().priorities]


def test_corrections_before_the_handover_change_the_results(bank, store):
    session = finished(bank, store)
    session.answer("alpha_backup", "auto")  # the manager corrects an answer at the end of the interview
    assert session.diag.handed_over is None
    assert "m_backup" not in [p.measure.id for p in session.result().priorities]


def test_the_first_export_fixes_the_results_and_later_answers_do_not_move_them(bank, store, tmp_path):
    session = finished(bank, store)
    given = [p.finding.title for p in session.result().priorities]
    session.export("html", tmp_path / "rapport.html")
    assert session.diag.handed_over is not None and session.diag.handed_over.answers == session.diag.answers
    session.answer("alpha_backup", "auto")
    session.answer("alpha_offline", "yes")
    assert [p.finding.title for p in session.result().priorities] == given
    assert session.diag.changed_since_handover() == ["alpha_backup", "alpha_offline"]
    assert "m_backup" not in [p.measure.id for p in session.live_result().priorities]
    reread = store.load(session.diag.id)  # saved as such
    assert reread.handed_over == session.diag.handed_over


def test_a_replacement_after_the_handover_changes_the_results_as_given(bank, store):
    session = finished(bank, store)
    session.set_measure(session.result().priorities[0].measure.id, status="en_cours")
    result = session.result()
    replaced, by = result.priorities[1].measure.id, result.others[0].measure.id
    session.override(replaced, by, "déjà commandé")
    assert session.result().priorities[1].measure.id == by
    assert [o.by for o in session.diag.handed_over.overrides] == [by]
    session.cancel_override(by)
    assert session.result().priorities[1].measure.id == replaced and session.diag.handed_over.overrides == ()


def test_recheck_lists_changed_answers_and_measures_no_longer_needed(bank, store):
    session = finished(bank, store)
    session.hand_over()
    before = dict(session.diag.answers)
    session.answer("alpha_backup", "auto")
    recheck = session.recheck(before)
    assert [(c.question.id, c.before, c.after) for c in recheck.changes] == [("alpha_backup", ("Jamais",), ("Automatiquement",))]
    assert recheck.no_longer_needed == ("m_backup",)
    session.set_measure("m_backup", status="fait")  # closed measures are not offered again
    assert session.recheck(before).no_longer_needed == ()


def test_a_diagnostic_handed_to_another_machine_keeps_the_results_as_given(bank, store, tmp_path):
    session = finished(bank, store)
    given = [p.measure.id for p in session.result().priorities]
    path = session.export("toml", tmp_path / "suivi.toml")
    session.answer("alpha_backup", "auto")  # changed after the handover
    session.export("toml", path)
    session.close()
    from diag_tui.storage.store import Store

    elsewhere = Store(tmp_path / "other")
    outcome = import_followup(elsewhere, bank, path)
    assert outcome.created
    copy = elsewhere.load(session.diag.id)
    assert copy.answers["alpha_backup"] == "auto" and copy.handed_over.answers["alpha_backup"] == "none"
    assert [p.measure.id for p in Session.resume(bank, elsewhere, copy.id).result().priorities] == given

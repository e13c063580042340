"""Comparison of a follow-up diagnostic with the one it follows up."""

from __future__ import annotations

import datetime as dt

from diag_tui.engine.comparison import compare
from diag_tui.session import result
from diag_tui.storage.diagnostic import Organisation, new_diagnostic, with_answer
from tests.conftest import WORST

AT = dt.datetime(2026, 11, 22, 10, 0)


def answered(bank, answers, previous=None):
    diag = new_diagnostic(bank, Organisation(name="Atelier"), previous=previous, at=AT)
    for qid, value in answers.items():
        diag = with_answer(bank, diag, qid, list(value) if isinstance(value, tuple) else value, at=AT)
    return diag


def test_follow_up_diagnostic_starts_from_the_answers_it_follows(bank):
    before = answered(bank, WORST)
    after = new_diagnostic(bank, Organisation(name="Atelier"), previous=before, at=AT)
    assert after.previous == before.id and after.answers == before.answers
    c = compare(result(bank, before), result(bank, after))
    assert c.resolved == () and c.new == ()
    assert all(t.delta == 0 for t in c.themes if t.before is not None)


def test_improved_answers_resolve_measures_and_raise_the_indicator(bank):
    before = answered(bank, WORST)
    after = answered(bank, {**WORST, "alpha_backup": "auto", "alpha_offline": "yes", "alpha_mfa": "partial"}, before)
    c = compare(result(bank, before), result(bank, after))
    alpha = next(t for t in c.themes if t.theme.id == "alpha")
    assert alpha.before == 0 and alpha.after > alpha.before and alpha.delta == alpha.after
    assert [m.id for m in c.resolved] == ["m_backup"]  # offline only appeared because backups exist
    assert "m_mfa" in [m.id for m in c.still]  # partial MFA still triggers the measure, at level 2
    assert [m.id for m in c.new] == []
    assert c.overall_after > c.overall_before


def test_worse_answers_show_new_measures_and_unassessed_themes_have_no_delta(bank):
    before = answered(bank, {**WORST, "beta_server": "yes", "beta_patch": "yes", "beta_multi": ("a",), "beta_aware": "yes"})
    after = answered(bank, WORST, before)
    c = compare(result(bank, before), result(bank, after))
    assert {m.id for m in c.new} >= {"m_patch_server", "m_patch_pc"}
    unknown = answered(bank, {"ctx_server": "yes", "alpha_backup": "nsp", "alpha_mfa": "nsp"})
    c = compare(result(bank, unknown), result(bank, after))
    alpha = next(t for t in c.themes if t.theme.id == "alpha")
    assert alpha.before is None and alpha.delta is None


def test_measures_are_named_as_each_diagnostic_gave_them(bank):
    """The earlier side is named at the level it was given (a refinement's own title), and a
    measure still there at another level says what it is now."""
    before = answered(bank, {**WORST, "alpha_backup": "manual", "alpha_offline": "no"})
    after = answered(bank, WORST, before)  # backups went back to « Jamais »: level 1 now
    c = compare(result(bank, before), result(bank, after))
    backup = next(m for m in c.still if m.id == "m_backup")
    level2, level1 = bank.measure("m_backup").at_level(2, frozenset()).title, bank.measure("m_backup").level1.title
    assert level2 != level1
    assert backup.title == level2 and backup.now == level1 and backup.was_priority
    resolved = compare(result(bank, before), result(bank, answered(bank, {**WORST, "alpha_backup": "auto", "alpha_offline": "no"})))
    assert [m.title for m in resolved.resolved if m.id == "m_backup"] == [level2]


def test_a_follow_up_compares_with_the_results_as_handed_over(bank, store):
    """Answers changed after the handover (a checkpoint review) do not move the baseline."""
    from diag_tui.session import Session

    first = Session.start(bank, store, "Atelier")
    for qid, value in WORST.items():
        first.answer(qid, list(value) if isinstance(value, tuple) else value)
    given = [p.measure.id for p in first.result().priorities]
    first.set_measure(given[0], status="en_cours")  # the follow-up starts: results handed over
    first.answer("alpha_mfa", "full")  # a later review
    assert [p.measure.id for p in first.result().priorities] == given
    assert "m_mfa" not in [p.measure.id for p in first.live_result().priorities]
    follow = Session.start(bank, store, "Atelier", previous=first.diag)
    _, c = follow.comparison()
    assert "m_mfa" in [m.id for m in c.resolved]  # measured against what was given

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

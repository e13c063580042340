"""Rules that used to live in the screens, now in the core: late measures, the next checkpoint,
what a checkpoint re-asks, ticking a multiple-choice answer, the pace estimate."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest

from diag_tui.engine.answers import minutes_left, toggled
from diag_tui.engine.plan import build_plan, follow_up, is_overdue, next_checkpoint, review_questions
from diag_tui.engine.restitution import restitution
from diag_tui.session import Session
from tests.conftest import WORST

DAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    "due,status,late",
    [
        (DAY, "a_faire", False),  # due today: not late yet
        (DAY - dt.timedelta(days=1), "a_faire", True),
        (DAY - dt.timedelta(days=1), "en_cours", True),
        (DAY - dt.timedelta(days=1), "fait", False),
        (DAY - dt.timedelta(days=1), "abandonne", False),
        (DAY + dt.timedelta(days=1), "a_faire", False),
    ],
)
def test_a_measure_is_late_the_day_after_its_due_date_unless_closed(due, status, late):
    assert is_overdue(due, status, DAY) is late


@pytest.fixture
def plan(bank):
    return build_plan(restitution(bank, WORST).priorities, dt.date(2026, 1, 5))


def test_the_next_checkpoint_is_the_first_not_done(plan):
    assert [c.month for c in plan.checkpoints] == [1, 3, 6]
    assert next_checkpoint(plan, set()).month == 1
    assert next_checkpoint(plan, {1}).month == 3
    assert next_checkpoint(plan, {3}).month == 1  # done out of order: M+1 is still owed
    assert next_checkpoint(plan, {1, 3, 6}) is None


def test_follow_up_counts_done_and_late_measures_of_the_plan_only(plan):
    first, second, *_ = plan.items
    today = second.due + dt.timedelta(days=1)  # the first two are past due
    state = follow_up(plan, {first.measure.id: "fait", "not_in_the_plan": "fait"}, {1}, today)
    assert state.done == 1
    assert second.measure.id in state.late and first.measure.id not in state.late
    assert all(item.measure.id in state.statuses for item in plan.items)
    assert state.statuses[second.measure.id] == "a_faire"
    assert state.next_checkpoint.month == 3


def test_a_checkpoint_reasks_the_questions_behind_the_plan_once_each_in_plan_order(plan):
    assert review_questions(plan) == ["alpha_backup", "alpha_mfa", "beta_patch", "beta_server", "beta_multi", "beta_aware"]
    # two measures from the same question: it is asked once, where its first measure stands
    items = [SimpleNamespace(priority=SimpleNamespace(finding=SimpleNamespace(sources=s))) for s in (("b", "a"), ("a", "c"), ("b",))]
    assert review_questions(SimpleNamespace(items=items)) == ["b", "a", "c"]


def test_ticking_a_multiple_choice_answer(bank):
    question = bank.question("beta_multi")
    assert toggled(question, (), "c") == ("c",)
    assert toggled(question, ("c",), "a") == ("a", "c")  # kept in the question's order
    assert toggled(question, ("a", "c"), "a") == ("c",)  # ticked again: unticked
    assert toggled(question, ("a", "c"), "nsp") == ("nsp",)  # « Je ne sais pas » stands alone
    assert toggled(question, ("nsp",), "b") == ("b",)  # and goes when another is ticked
    assert toggled(question, ("nsp",), "nsp") == ()


def test_session_toggled_starts_from_the_saved_answer(bank, store):
    session = Session.start(bank, store, "Atelier")
    session.answer("beta_multi", ["a"])
    assert session.toggled(bank.question("beta_multi"), "b") == ("a", "b")
    assert session.chosen(bank.question("beta_multi")) == ["a"]  # not saved by toggled


@pytest.mark.parametrize(
    "remaining,elapsed,answered,minutes",
    [
        (50, 0, 0, 75),  # no pace yet: 90 s a question
        (10, 0, 0, 15),
        (10, 3 * 300, 3, 23),  # a slow start (5 min a question) raises it, blended: 138 s a question
        (20, 30, 100, 5),  # 0.3 s a question is not believed: 15 s at least
        (0, 300, 3, 0),
    ],
)
def test_the_pace_estimate(remaining, elapsed, answered, minutes):
    assert minutes_left(remaining, elapsed, answered) == minutes


def test_the_estimate_moves_by_small_steps_when_the_first_answers_are_quick():
    """Quick context questions first (5 s each): the estimate used to fall from 72 to 12 minutes
    at the third answer. Each answer now moves it by less than a sixth."""
    estimates = [minutes_left(50 - n, 5 * n, n) for n in range(0, 12)]
    assert estimates[0] == 75
    for before, after in itertools.pairwise(estimates):
        assert after <= before and after >= before * 0.85, estimates
    assert estimates[3] > 50  # three answers do not make a pace on their own


def test_the_estimate_goes_from_the_default_pace_to_the_sittings_own():
    """40 s a question observed, 30 questions left: 45 min at the default pace, 20 at the
    sitting's; twenty answers in, the estimate lies between; two hundred in, it is the sitting's."""
    blended = minutes_left(30, 40 * 20, 20)
    assert 20 < blended < 45
    assert abs(minutes_left(30, 40 * 200, 200) - 20) <= 2

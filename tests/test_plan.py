"""The six-month plan: month placement rules and calendar arithmetic."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from pathlib import Path

import pytest

from diag_tui.bank.loading import load_default
from diag_tui.documents.answers_file import load_answers_file
from diag_tui.engine.plan import DURATION_MONTHS, MAX_IN_PROGRESS, MONTHS, add_months, build_plan
from diag_tui.engine.restitution import restitution
from tests.conftest import WORST

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    "day,months,expected",
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 11, 22), 2, dt.date(2027, 1, 22)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 12, 15), 0, dt.date(2026, 12, 15)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_worst_plan_is_spread_over_six_months(bank):
    result = restitution(bank, WORST)
    plan = build_plan(result.priorities, dt.date(2026, 11, 22))
    rows = [(i.measure.id, i.measure.effort, i.start_month, i.due_month) for i in plan.items]
    assert rows == [
        ("m_backup", "moyen", 1, 2),
        ("m_mfa", "faible", 1, 1),  # quick: it starts at once, and is done before the backups
        ("m_patch_pc", "faible", 1, 1),
        ("m_patch_server", "important", 2, 4),  # month 1 has three under way
        ("m_av", "moyen", 2, 3),
        ("m_aware", "faible", 3, 3),  # month 2 has three under way
    ]
    assert plan.items[0].start == dt.date(2026, 11, 22)
    assert plan.items[0].due == dt.date(2027, 1, 22)
    assert [c.date for c in plan.checkpoints] == [dt.date(2026, 12, 22), dt.date(2027, 2, 22), dt.date(2027, 5, 22)]
    assert [i.measure.id for i in plan.month(3)] == ["m_patch_server", "m_av", "m_aware"]


def under_way(items, month: int) -> int:
    return sum(i.start_month <= month <= i.due_month for i in items)


def with_efforts(priorities, efforts):
    return [replace(p, finding=replace(p.finding, measure=replace(p.measure, effort=e))) for p, e in zip(priorities, efforts, strict=False)]


def test_a_quick_measure_starts_in_month_one_unless_three_are_under_way(bank):
    """A low-effort measure after a longer one used to wait for the longer one's due month."""
    priorities = restitution(bank, WORST).priorities
    plan = build_plan(with_efforts(priorities, ["faible", "moyen", "faible", "faible"]), dt.date(2027, 1, 31))
    assert [(i.start_month, i.due_month) for i in plan.items] == [(1, 1), (1, 2), (1, 1), (2, 2)]
    plan = build_plan(with_efforts(priorities, ["important", "faible"]), dt.date(2027, 1, 31))
    assert [(i.start_month, i.due_month) for i in plan.items] == [(1, 3), (1, 1)]


def test_the_months_list_the_measures_in_priority_order(bank):
    """A measure never starts before a more urgent one: reading the plan month by month gives
    the priorities in order (a three-month measure used to start in month 1 ahead of ranks 2
    and 3)."""
    plan = build_plan(restitution(bank, WORST).priorities, dt.date(2026, 11, 22))
    by_month = [i.rank for m in range(1, MONTHS + 1) for i in plan.items if i.start_month == m]
    assert by_month == [1, 2, 3, 4, 5, 6]


def test_the_bakery_starts_its_free_awareness_measure_in_month_one():
    """The real example: the third measure, low effort and free, started in month 2 because the
    second one (the backups) took two months."""
    ref = load_default()
    answers = load_answers_file(EXAMPLES / "reponses-boulangerie.toml", ref)
    plan = build_plan(restitution(ref, answers.answers, answers.overrides).priorities, dt.date(2026, 11, 22))
    third = plan.items[2]
    assert (third.measure.effort, third.measure.cost) == ("faible", "gratuit")
    assert [i.start_month for i in plan.items] == [1, 1, 1, 2, 2, 3]


def test_plan_rules_hold_for_every_effort_mix(bank):
    """Whatever the efforts of six priorities, the documented constraints hold."""
    measures = restitution(bank, WORST).priorities
    assert len(measures) == 6
    for efforts in itertools.product(("faible", "moyen", "important"), repeat=len(measures)):
        plan = build_plan(with_efforts(measures, efforts), dt.date(2027, 1, 31))
        starts = [i.start_month for i in plan.items]
        assert starts == sorted(starts)  # start months never decrease along the priorities
        for k, item in enumerate(plan.items):
            duration = DURATION_MONTHS[item.measure.effort]
            assert 1 <= item.start_month <= item.due_month <= MONTHS
            assert item.due_month - item.start_month + 1 == duration
            assert item.start < item.due
            earlier = plan.items[:k]
            if item.start_month > (earlier[-1].start_month if earlier else 1):  # it waited: a month before was full
                month = item.start_month - 1
                assert any(under_way(earlier, m) >= MAX_IN_PROGRESS for m in range(month, month + duration))
        for m in range(1, MONTHS + 1):
            assert len(plan.month(m)) <= MAX_IN_PROGRESS


def test_empty_plan_still_has_checkpoints():
    plan = build_plan([], dt.date(2026, 2, 28))
    assert plan.items == ()
    assert [c.month for c in plan.checkpoints] == [1, 3, 6]

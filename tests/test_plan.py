"""The six-month plan: month placement rules and calendar arithmetic."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from diag_tui.engine.plan import DURATION_MONTHS, MAX_DUE_PER_MONTH, MAX_NEW_PER_MONTH, MONTHS, add_months, build_plan
from diag_tui.engine.restitution import restitution
from tests.conftest import WORST


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
        ("m_mfa", "faible", 2, 2),
        ("m_patch_pc", "faible", 3, 3),
        ("m_patch_server", "important", 1, 3),  # three months: it starts with the first measure
        ("m_av", "moyen", 3, 4),
        ("m_aware", "faible", 4, 4),
    ]
    assert plan.items[0].start == dt.date(2026, 11, 22)
    assert plan.items[0].due == dt.date(2027, 1, 22)
    assert [c.date for c in plan.checkpoints] == [dt.date(2026, 12, 22), dt.date(2027, 2, 22), dt.date(2027, 5, 22)]
    assert [i.measure.id for i in plan.month(3)] == ["m_patch_pc", "m_patch_server", "m_av"]


def test_plan_rules_hold_for_every_effort_mix(bank):
    """Whatever the efforts of six priorities, the documented constraints hold."""
    result = restitution(bank, WORST)
    measures = result.priorities
    from dataclasses import replace

    for efforts in itertools.product(("faible", "moyen", "important"), repeat=len(measures)):
        priorities = [
            replace(p, finding=replace(p.finding, measure=replace(p.measure, effort=e)))
            for p, e in zip(measures, efforts, strict=False)
        ]
        plan = build_plan(priorities, dt.date(2027, 1, 31))
        dues = [i.due_month for i in plan.items]
        assert dues == sorted(dues)  # due months never decrease along the priorities
        for item in plan.items:
            assert 1 <= item.start_month <= item.due_month <= MONTHS
            assert item.due_month - item.start_month + 1 == DURATION_MONTHS[item.measure.effort]
            assert item.start < item.due
        for m in range(1, MONTHS + 1):
            assert sum(i.due_month == m for i in plan.items) <= MAX_DUE_PER_MONTH
            starting = [i for i in plan.items if i.start_month == m]
            # a third start only for a measure pushed to the month-6 fallback
            assert len(starting) <= MAX_NEW_PER_MONTH or any(i.due_month == MONTHS for i in starting[MAX_NEW_PER_MONTH:])


def test_empty_plan_still_has_checkpoints():
    plan = build_plan([], dt.date(2026, 2, 28))
    assert plan.items == ()
    assert [c.month for c in plan.checkpoints] == [1, 3, 6]

"""The six-month plan: when each priority measure starts and is due, and the checkpoints.

Rule (also in the README):

- Month 1 starts on the plan's start date; month *m* ends on the same day *m* months later
  (clamped to the month's last day: 31 January + 1 month = 28 or 29 February).
- A measure lasts 1 month if its effort is "faible", 2 if "moyen", 3 if "important".
- Measures are placed in priority order. Each starts in the earliest month that (a) is no
  earlier than the previous measure's start, so the plan reads in priority order, month after
  month and within a month, (b) leaves it its full duration inside months 1–6, and (c) keeps
  fewer than three measures in progress (started, not yet due) in every month of that duration.
  A measure thus starts in month 1 unless month 1 already has three under way: a quick, free
  one never waits behind a longer one. A low-effort measure may be due before a more urgent,
  longer one that started with it. For six measures some month always fits (every mix of
  efforts is tested); were none to, the measure would start as late as it can and be due in month 6.
- Follow-up checkpoints at M+1, M+3 and M+6.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from diag_tui.bank.referential import Measure
from diag_tui.engine.restitution import Priority

MONTHS = 6
MAX_IN_PROGRESS = 3  # measures under way in any one month: what a small organisation can carry
CheckpointMonth = Literal[1, 3, 6]
CHECKPOINT_MONTHS: tuple[CheckpointMonth, ...] = get_args(CheckpointMonth)
DURATION_MONTHS = {"faible": 1, "moyen": 2, "important": 3}
CLOSED = ("fait", "abandonne")  # statuses that end a measure: it can no longer be late


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the last day of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PlanItem:
    rank: int  # 1..6, the position among the priorities
    priority: Priority
    start_month: int
    due_month: int
    start: dt.date
    due: dt.date

    @property
    def measure(self) -> Measure:
        return self.priority.measure

    @property
    def first_step(self) -> str:
        return self.priority.finding.detail.how[0]


@dataclass(frozen=True)
class Checkpoint:
    month: int
    date: dt.date


@dataclass(frozen=True)
class Plan:
    start: dt.date
    items: tuple[PlanItem, ...]
    checkpoints: tuple[Checkpoint, ...]

    def month(self, m: int) -> list[PlanItem]:
        """Measures in progress during month `m` (started and not yet due)."""
        return [i for i in self.items if i.start_month <= m <= i.due_month]


def build_plan(priorities: tuple[Priority, ...] | list[Priority], start: dt.date) -> Plan:
    """The rule is in the module's docstring (and the README)."""
    in_progress = [0] * (MONTHS + 1)  # by month, the measures started and not yet due
    items = []
    previous_start = 1
    for rank, priority in enumerate(priorities, start=1):
        duration = DURATION_MONTHS[priority.measure.effort]
        latest = MONTHS - duration + 1
        start_month = next(
            (
                m
                for m in range(previous_start, latest + 1)
                if all(in_progress[month] < MAX_IN_PROGRESS for month in range(m, m + duration))
            ),
            latest,
        )
        due_month = start_month + duration - 1
        for month in range(start_month, due_month + 1):
            in_progress[month] += 1
        previous_start = start_month
        items.append(
            PlanItem(
                rank=rank,
                priority=priority,
                start_month=start_month,
                due_month=due_month,
                start=add_months(start, start_month - 1),
                due=add_months(start, due_month),
            )
        )
    checkpoints = tuple(Checkpoint(m, add_months(start, m)) for m in CHECKPOINT_MONTHS)
    return Plan(start=start, items=tuple(items), checkpoints=checkpoints)


def is_overdue(due: dt.date, status: str, today: dt.date) -> bool:
    """Late: not closed, and its due date has passed (a measure due today is not late yet)."""
    return status not in CLOSED and due < today


def next_checkpoint(plan: Plan, done: Collection[int]) -> Checkpoint | None:
    """The plan's first checkpoint whose month is not among those recorded as `done`."""
    return next((c for c in plan.checkpoints if c.month not in done), None)


@dataclass(frozen=True)
class FollowUp:
    """Where a plan stands on a given day."""

    plan: Plan
    statuses: dict[str, str]  # measure id -> status, for every measure of the plan
    late: frozenset[str]  # measure ids
    next_checkpoint: Checkpoint | None

    @property
    def done(self) -> int:
        return sum(1 for status in self.statuses.values() if status == "fait")


def follow_up(plan: Plan, statuses: Mapping[str, str], checkpoints_done: Collection[int], today: dt.date) -> FollowUp:
    """`statuses` gives the recorded status of some measures; the others are "a_faire"."""
    full = {item.measure.id: statuses.get(item.measure.id, "a_faire") for item in plan.items}
    late = frozenset(item.measure.id for item in plan.items if is_overdue(item.due, full[item.measure.id], today))
    return FollowUp(plan, full, late, next_checkpoint(plan, checkpoints_done))


def review_questions(plan: Plan) -> list[str]:
    """What a checkpoint asks again: the questions behind the plan's measures, each once, in
    the plan's order (an answer that improved takes its measure out of the six)."""
    questions: list[str] = []
    for item in plan.items:
        questions += [q for q in item.priority.finding.sources if q not in questions]
    return questions

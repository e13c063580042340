"""Before and after: a follow-up diagnostic compared with the one it follows up.

Pure: the results of the two diagnostics in, a comparison out. A measure is "resolved" when the
earlier diagnostic recommended it (priority or other) and the later answers no longer trigger
it; "still" when both do; "new" when only the later one does.
"""

from __future__ import annotations

from dataclasses import dataclass

from diag_tui.bank.referential import Measure, Theme
from diag_tui.engine.restitution import Restitution


@dataclass(frozen=True)
class ThemeChange:
    theme: Theme
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


@dataclass(frozen=True)
class Comparison:
    themes: tuple[ThemeChange, ...]
    overall_before: float | None
    overall_after: float | None
    resolved: tuple[Measure, ...]
    still: tuple[Measure, ...]
    new: tuple[Measure, ...]


def _triggered(result: Restitution) -> list[Measure]:
    return [p.measure for p in result.priorities] + [f.measure for f in result.others]


def compare(old: Restitution, new: Restitution) -> Comparison:
    old_values = {i.theme.id: i.value for i in old.indicators}
    themes = tuple(ThemeChange(i.theme, old_values.get(i.theme.id), i.value) for i in new.indicators)
    was, now = _triggered(old), _triggered(new)
    was_ids, now_ids = {m.id for m in was}, {m.id for m in now}
    return Comparison(
        themes=themes,
        overall_before=old.overall,
        overall_after=new.overall,
        resolved=tuple(m for m in was if m.id not in now_ids),
        still=tuple(m for m in now if m.id in was_ids),
        new=tuple(m for m in now if m.id not in was_ids),
    )

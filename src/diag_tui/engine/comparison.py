"""Before and after: a follow-up diagnostic compared with the one it follows up.

Pure: the results of the two diagnostics in, a comparison out. A measure is "resolved" when the
earlier diagnostic recommended it (priority or other) and the later answers no longer trigger
it; "still" when both do; "new" when only the later one does. Measures are named as each result
named them (their level's title), the earlier side as it was handed over.
"""

from __future__ import annotations

from dataclasses import dataclass

from diag_tui.bank.referential import Theme
from diag_tui.engine.restitution import Finding, Restitution


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
class MeasureChange:
    """A measure on one side or both, under the title each side gave it (its level's title:
    "Centraliser la surveillance des alertes antivirus", not the level-1 "Installer un antivirus")."""

    before: Finding | None  # as the earlier diagnostic gave it
    after: Finding | None
    was_priority: bool = False  # among the earlier diagnostic's six (as given, replacements included)
    is_priority: bool = False  # among the later diagnostic's six

    @property
    def id(self) -> str:
        finding = self.before or self.after
        assert finding is not None
        return finding.measure.id

    @property
    def title(self) -> str:
        """The title the organisation was given; for a new measure, the new one."""
        finding = self.before or self.after
        assert finding is not None
        return finding.title

    @property
    def now(self) -> str | None:
        """The later title when the measure is still there at another level (the next step)."""
        if self.before and self.after and self.after.title != self.before.title:
            return self.after.title
        return None


@dataclass(frozen=True)
class Comparison:
    themes: tuple[ThemeChange, ...]
    overall_before: float | None
    overall_after: float | None
    resolved: tuple[MeasureChange, ...]
    still: tuple[MeasureChange, ...]
    new: tuple[MeasureChange, ...]


def _triggered(result: Restitution) -> dict[str, Finding]:
    """Every measure a result gives, priorities first, by id."""
    return {f.measure.id: f for f in [p.finding for p in result.priorities] + list(result.others)}


def compare(old: Restitution, new: Restitution) -> Comparison:
    """`old` is the earlier diagnostic's result as given (`session.result`)."""
    old_values = {i.theme.id: i.value for i in old.indicators}
    themes = tuple(ThemeChange(i.theme, old_values.get(i.theme.id), i.value) for i in new.indicators)
    was, now = _triggered(old), _triggered(new)
    six, new_six = {p.measure.id for p in old.priorities}, {p.measure.id for p in new.priorities}
    return Comparison(
        themes=themes,
        overall_before=old.overall,
        overall_after=new.overall,
        resolved=tuple(MeasureChange(f, None, mid in six) for mid, f in was.items() if mid not in now),
        still=tuple(MeasureChange(f, now[mid], mid in six, mid in new_six) for mid, f in was.items() if mid in now),
        new=tuple(MeasureChange(None, f, False, mid in new_six) for mid, f in now.items() if mid not in was),
    )

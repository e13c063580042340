"""The footer of every screen: Textual's, composed again only when what it shows changes.

Textual's footer builds all its keys again (new widgets, each styled twice) at every change of
the screen's bindings: a screen that opens, a focus that moves, a state that greys a key. On
the question screen that is three times in the first half second, for the same keys: 40 ms and
1.5 MiB, while the user may already be pressing the first key. Here the changes since the last
frame are taken together, and the keys are built again only if a key, its label or its state
changed (textual==8.2.8 is pinned: tests/test_ui_footer.py checks the method overridden).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    _pending = False  # a look at the bindings is scheduled after the next frame
    _shown: tuple | None = None  # what the keys show, as last composed

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._refresh_keys)

    async def _refresh_keys(self) -> None:
        self._pending = False
        if self.is_attached and self._keys() != self._shown:
            await self.recompose()

    def compose(self) -> ComposeResult:
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()

    def _keys(self) -> tuple:
        """What the keys show: each binding, its label, whether it is shown and enabled."""
        return tuple(
            (binding.key, binding.description, binding.key_display, binding.action, binding.show, enabled, tooltip)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
        )

"""The footer (`ui/footer.py`): built again once for several changes of the bindings, not at all
when the keys it shows stay the same, and always showing the current state of each key."""

from __future__ import annotations

import inspect

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from diag_tui.ui.footer import Footer


class _Keys(App):
    BINDINGS = [Binding("a", "go", "Aller"), Binding("b", "back", "Retour")]

    def __init__(self) -> None:
        super().__init__()
        self.can_go = True

    def compose(self) -> ComposeResult:
        yield Footer()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return None if action == "go" and not self.can_go else True

    def action_go(self) -> None:
        pass

    def action_back(self) -> None:
        pass


def test_the_overridden_method_is_still_textual_s():
    """textual is pinned; this fails if an upgrade renames what `Footer` relies on."""
    assert list(inspect.signature(TextualFooter.bindings_changed).parameters) == ["self", "screen"]
    assert "_bindings_ready" in inspect.getsource(TextualFooter.compose)


async def test_the_keys_are_built_again_only_when_what_they_show_changes(monkeypatch):
    composed = []
    monkeypatch.setattr(Footer, "recompose", lambda self: composed.append(1) or TextualFooter.recompose(self))
    app = _Keys()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        keys = {k.key: k for k in footer.query(FooterKey)}
        assert set(keys) >= {"a", "b"} and not keys["a"].has_class("-disabled")
        composed.clear()

        for _ in range(3):  # the same keys: nothing built again
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert composed == []

        app.can_go = False  # one change, announced three times: built again once, key greyed
        for _ in range(3):
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert composed == [1]
        assert {k.key: k.has_class("-disabled") for k in footer.query(FooterKey)}["a"] is True

        app.can_go = True
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert composed == [1, 1]
        assert {k.key: k.has_class("-disabled") for k in footer.query(FooterKey)}["a"] is False

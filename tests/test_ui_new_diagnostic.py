"""The new-diagnostic form, driven as a user does."""

from __future__ import annotations

from diag_tui.ui.app import DiagApp


async def test_the_chosen_mode_is_marked_by_a_glyph_and_starts_the_session_in_that_mode(bank, store):
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        screen = app.screen

        def marks() -> list[bool]:  # does each mode button show its dot (not only a colour)?
            return ["●" in str(screen.query_one(f"#{id}").render()) for id in ("accompagne", "autodiagnostic")]

        assert marks() == [True, False]
        await pilot.press(*"Mairie", "tab", "tab")  # name, then past the aidant field to the modes
        await pilot.press("down", "enter")
        assert marks() == [False, True]
        await pilot.click("#start")
        await pilot.pause()
        (session,) = app.sessions.values()
        assert session.diag.mode == "autodiagnostic" and session.diag.organisation.name == "Mairie"
        session.close()

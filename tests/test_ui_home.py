"""The home screen with many diagnostics: filled in steps, loaded in a worker when files must be
read, and refreshed row by row when coming back to it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

from textual.widgets import DataTable

from diag_tui.session import Session
from diag_tui.storage import index as store_index
from diag_tui.storage.store import Store
from diag_tui.ui import home
from diag_tui.ui.app import DiagApp
from tests.test_store_index import copies


def many(bank, store, n: int) -> Session:
    """`n` diagnostics: one started with an answer, the others copies of it, all changed last
    on 1 December (a change made by a test comes first)."""
    session = Session.start(bank, store, "Garage Dupuis")
    session.answer("ctx_server", "yes")
    session.close()
    path = store.path(session.diag.id)
    text = re.sub(r"^updated = .*$", "updated = 2026-12-01T09:00:00", path.read_text(encoding="utf-8"), count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    copies(store, session.diag, n - 1)
    return session


def shown_ids(table: DataTable) -> list[str]:
    return [str(table.coordinate_to_cell_key((row, 0)).row_key.value) for row in range(table.row_count)]


async def settle(pilot, table: DataTable, n: int) -> None:
    for _ in range(200):
        if table.row_count == n:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{table.row_count} rows of {n}")


async def fill_by_hand(pilot, screen, table, store, rows: int) -> None:
    """Add the rows the table does not hold yet (as the view would once near them), then check
    it shows every diagnostic in the listing's order."""
    while table.row_count < rows:
        screen._add_rows()
        await pilot.pause()
    assert shown_ids(table) == [d.id for d in store.listing()[0].diagnostics]


async def test_the_table_holds_the_first_rows_and_more_come_as_the_view_nears_its_end(bank, store):
    many(bank, store, 300)
    store.listing(bank)  # the index knows them all
    listed = [d.id for d in store.listing()[0].diagnostics]
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen, table = app.screen, app.screen.query_one(DataTable)
        assert table.row_count == home.FIRST_ROWS < 300  # a few screenfuls, not the 300
        assert str(screen.query_one("#home-title").content) == f"{home.TITLE} (300)"  # the scroll bar cannot say it
        assert home.titled(10_000).endswith("(10\u00a0000)") and home.titled(0) == home.TITLE
        for _ in range(5):
            await pilot.pause(0.05)
        assert table.row_count == home.FIRST_ROWS  # nothing added while nobody looks further
        await pilot.press("down")
        second = shown_ids(table)[1]
        assert screen.highlighted == second
        while table.cursor_row < home.FIRST_ROWS - 25:
            await pilot.press("pagedown")
        await pilot.pause()
        assert table.row_count == home.FIRST_ROWS + home.PAGE  # the view neared the last row
        assert shown_ids(table) == listed[: table.row_count]
        await pilot.press("ctrl+home")
        assert table.cursor_row == 0
        table.scroll_to(y=table.max_scroll_y, animate=False)  # the wheel, to the end
        await pilot.pause()
        assert table.row_count == min(300, home.FIRST_ROWS + 2 * home.PAGE)
        await pilot.press("ctrl+end")  # the oldest diagnostic: every row added
        await pilot.pause()
        assert shown_ids(table) == listed and table.cursor_row == 299 and screen.highlighted == listed[-1]


async def test_coming_back_while_the_table_is_being_filled_goes_on_filling_it(bank, store, monkeypatch):
    many(bank, store, 300)
    store.listing(bank)
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen, table = app.screen, app.screen.query_one(DataTable)
        assert table.row_count == home.FIRST_ROWS
        edited = shown_ids(table)[5]
        monkeypatch.setattr(home.HomeScreen, "fill_table", lambda self: (_ for _ in ()).throw(AssertionError("filled again")))
        table.move_cursor(row=5)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionScreen"
        await pilot.press("1", "escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert table.row_count == home.FIRST_ROWS and shown_ids(table)[0] == edited and screen.highlighted == edited
        await fill_by_hand(pilot, screen, table, store, 300)


async def test_coming_back_home_updates_only_the_rows_that_changed(bank, store, monkeypatch):
    many(bank, store, 100)  # fewer than FIRST_ROWS: all in the table
    store.listing(bank)
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        await settle(pilot, table, 100)
        before = shown_ids(table)
        edited = before[-1]  # the oldest: it moves to the top once changed
        cells = {key: table.get_row(key)[0] for key in before}
        app.screen.query_one(DataTable).move_cursor(row=99)
        await pilot.pause()
        monkeypatch.setattr(store_index.Scan, "_read", lambda *args: (_ for _ in ()).throw(AssertionError("file parsed")))
        monkeypatch.setattr(home.HomeScreen, "fill_table", lambda self: (_ for _ in ()).throw(AssertionError("table filled again")))
        await pilot.press("enter")  # resume it
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionScreen"
        await pilot.press("1", "escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        after = shown_ids(table)
        assert after == [edited, *(key for key in before if key != edited)]
        assert app.screen.highlighted == edited and table.cursor_row == 0
        assert all(table.get_row(key)[0] is cells[key] for key in before if key != edited)  # left as they were
        summary = store.listing(bank)[1][edited]
        assert str(table.get_row(edited)[2]) == f"{summary.percent} % répondu" and summary.answered == 2

        await pilot.press("d")  # and a deletion only takes its row out
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert shown_ids(table) == [key for key in before if key != edited]
        assert not store.exists(edited)


async def test_what_another_window_changed_shows_after_the_quick_refresh(bank, store, monkeypatch):
    import dataclasses

    session = many(bank, store, 5)
    store.listing(bank)
    monkeypatch.setattr(home, "CHECK_DELAY", 0.05)
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert str(table.get_row(session.diag.id)[-1]) == ""  # no aidant
        other = Store(store.root)  # another window saves
        other.save(dataclasses.replace(other.load(session.diag.id), aidant="Karim"))
        monkeypatch.setattr(home.HomeScreen, "fill_table", lambda self: (_ for _ in ()).throw(AssertionError("filled again")))
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape")  # back home: the quick refresh does not look at that file
        await pilot.pause()
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot.pause(0.02)
            if str(table.get_row(session.diag.id)[-1]) == "Karim":
                break
        assert str(table.get_row(session.diag.id)[-1]) == "Karim"
        assert shown_ids(table) == [d.id for d in store.listing()[0].diagnostics]


async def test_reading_many_files_runs_in_a_worker_with_a_progress(bank, store, monkeypatch):
    many(bank, store, home.BACKGROUND + 20)  # copies the index has never seen
    go = threading.Event()
    real = store_index.Scan.finish

    def held(self):
        assert go.wait(10)
        return real(self)

    monkeypatch.setattr(store_index.Scan, "finish", held)
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "Chargement" in str(screen.query_one("#home-empty").content)
        assert "chargement… 0 sur" in str(screen.query_one("#home-title").content)
        assert not screen.query_one(DataTable).display
        await pilot.press("n")  # the screen answers meanwhile
        await pilot.pause()
        assert type(app.screen).__name__ == "NewDiagnosticScreen"
        await pilot.press("escape")
        await pilot.pause()
        go.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one(DataTable)
        await settle(pilot, table, home.BACKGROUND + 20)
        assert table.display and str(screen.query_one("#home-title").content) == f"{home.TITLE} ({home.BACKGROUND + 20})"


HOME_WITHOUT_PYDANTIC = """
import asyncio, sys
from diag_tui.cli import _load
from diag_tui.session import Session
from diag_tui.storage.store import Store
from diag_tui.ui.app import DiagApp

async def main():
    ref, store = _load(None), Store()
    app = DiagApp(ref, store, Session.start(ref, store, "Atelier"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1", "escape")  # one answer, then the home screen
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen", app.screen
        print(app.screen.query_one("DataTable").row_count)

asyncio.run(main())
print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('pydantic', 'annotated_types'))}))
"""


def test_the_home_screen_never_loads_pydantic(tmp_path):
    """Start, answer, go home: with the bank in its cache and every diagnostic in the index (any
    run but the very first), pydantic stays unloaded."""
    env = {**os.environ, "DIAG_TUI_HOME": str(tmp_path / "home")}
    first = subprocess.run([sys.executable, "-c", HOME_WITHOUT_PYDANTIC], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[0] == "1" and "pydantic" in first.stdout  # the very first start checks the bank
    second = subprocess.run([sys.executable, "-c", HOME_WITHOUT_PYDANTIC], env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split("\n")[:2] == ["2", "[]"]


async def test_the_table_skips_textual_s_measuring_of_rows_but_keeps_its_size(bank, store):
    """`DiagnosticsTable` overrides a private method of Textual's DataTable (textual is pinned):
    this fails if an upgrade renames it, or if the table's size no longer follows its rows."""
    import inspect

    assert list(inspect.signature(DataTable._update_dimensions).parameters) == ["self", "new_rows"]
    many(bank, store, 100)  # fewer than FIRST_ROWS: all in the table
    store.listing(bank)
    app = DiagApp(bank, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        await settle(pilot, table, 100)
        await pilot.pause()
        assert table.virtual_size.height == 100 + 1  # the rows and the header
        assert table.virtual_size.width <= table.size.width and table.max_scroll_x == 0
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == 99 and table.scroll_y == table.max_scroll_y > 0
        assert table._row_renderable_cache.maxsize and len(table._row_renderable_cache) < 100  # not one per row

"""The listing cache (`diagnostics/.index.json`): fast, but never the reference."""

from __future__ import annotations

import os
import stat
import time
from dataclasses import replace

import pytest

from diag_tui.storage import index as store_index
from diag_tui.storage.store import dump_diagnostic, read_diagnostic
from tests.test_store import answered


def settle(path):
    """Date a file two seconds back, as if written earlier: only settled files are indexed."""
    old = time.time() - 2
    os.utime(path, (old, old))


def saved(bank, store, name):
    diag = store.save(answered(bank, name=name))
    settle(store.path(diag.id))
    return diag


def index_text(store) -> str:
    path = store.folder / store_index.INDEX_NAME
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_index_gives_exactly_what_the_files_hold(bank, store):
    ids = [saved(bank, store, f"Atelier {n}").id for n in range(3)]
    first = store.listing()[0]  # builds the index
    assert all(i in index_text(store) for i in ids)
    second = store.listing()[0]  # served from the index
    assert second == first
    assert list(second.diagnostics) == sorted(
        (read_diagnostic(store.path(i)) for i in ids), key=lambda d: (d.updated, d.id), reverse=True
    )
    assert stat.S_IMODE((store.folder / store_index.INDEX_NAME).stat().st_mode) == 0o600


def test_a_file_changed_behind_its_back_is_read_again(bank, store):
    diag = saved(bank, store, "Atelier")
    store.listing()[0]
    changed = replace(diag, aidant="Karim")
    store.path(diag.id).write_text(dump_diagnostic(changed), encoding="utf-8")
    settle(store.path(diag.id))  # even with an old modification time, the size and ctime differ
    assert store.listing()[0].diagnostics[0].aidant == "Karim"


def test_a_recent_file_is_not_indexed(bank, store):
    diag = store.save(answered(bank))  # written just now: within the timestamp granularity
    store.listing()[0]
    assert diag.id not in index_text(store)


def test_deleting_a_diagnostic_removes_it_from_the_index(bank, store):
    keep, gone = saved(bank, store, "Garder"), saved(bank, store, "Supprimer")
    store.listing()[0]
    assert gone.id in index_text(store)
    with store.open_for_edit(gone.id):
        store.delete(gone.id)
    assert gone.id not in index_text(store) and keep.id in index_text(store)
    assert [d.id for d in store.listing()[0].diagnostics] == [keep.id]


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 99, "entries": {}}', b"\xff\xfe"])
def test_a_damaged_index_is_ignored_and_rebuilt(bank, store, damage):
    diag = saved(bank, store, "Atelier")
    (store.folder / store_index.INDEX_NAME).write_bytes(damage)
    report = store.listing()[0]
    assert [d.id for d in report.diagnostics] == [diag.id] and report.problems == ()
    assert diag.id in index_text(store)


def test_summaries_follow_the_referential(bank, store):
    diag = saved(bank, store, "Atelier")
    _, summaries = store.listing(bank)
    assert summaries[diag.id].answered == summaries[diag.id].applicable > 0
    _, again = store.listing(bank)  # from the cache now
    assert again == summaries

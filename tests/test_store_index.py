"""The listing index (`diagnostics/.index.sqlite3`): fast, row by row, without pydantic, but
never the reference."""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from diag_tui.storage import index as store_index
from diag_tui.storage.diagnostic import MeasureProgress
from diag_tui.storage.store import Store, dump_diagnostic, read_diagnostic
from tests.conftest import FIXTURE_BANK
from tests.test_store import answered


def settle(path: Path) -> None:
    """Date a file two seconds back, as if written earlier: its row is then trusted on its signature."""
    old = time.time() - 2
    os.utime(path, (old, old))


def saved(bank, store, name, **changes):
    diag = store.save(dataclasses.replace(answered(bank, name=name), **changes))
    settle(store.path(diag.id))
    return diag


def copies(store: Store, diag, n: int) -> list[str]:
    """`n` copies of `diag`'s file under new ids (the store's own format allows it), dated back."""
    text = store.path(diag.id).read_text(encoding="utf-8")
    ids = []
    for i in range(n):
        new = f"{diag.id}-c{i:04d}"
        path = store.folder / f"{new}.toml"
        path.write_text(text.replace(f'id = "{diag.id}"', f'id = "{new}"', 1), encoding="utf-8")
        settle(path)
        ids.append(new)
    return ids


def db(store) -> sqlite3.Connection:
    return sqlite3.connect(store.index.path)


def rows(store) -> dict[str, tuple]:
    with db(store) as conn:
        return {r[0]: r for r in conn.execute("SELECT * FROM entries")}


def index_bytes(store) -> bytes:
    """Everything SQLite keeps on disk for the index: the database and its write-ahead log."""
    return b"".join(p.read_bytes() for p in store.folder.glob(".index.sqlite3*") if p.is_file())


def expected(bank, store):
    """What the listing must say, computed from the files themselves."""
    diags = [read_diagnostic(p) for p in sorted(store.folder.glob("*.toml"))]
    diags.sort(key=lambda d: (d.updated, d.id), reverse=True)
    return [store_index.listed(d) for d in diags], {d.id: store_index.summarise(bank, d) for d in diags}


def test_the_index_gives_exactly_what_the_files_hold_without_parsing_them_again(bank, store):
    first = saved(bank, store, "Atelier")
    done = saved(bank, store, "Garage", measures={"m_backup": MeasureProgress(status="fait")})
    ids = copies(store, first, 3)
    report, summaries = store.listing(bank)  # the copies were written behind the index's back
    assert (list(report.diagnostics), summaries) == expected(bank, store)
    assert report.problems == () and {first.id, done.id, *ids} == {d.id for d in report.diagnostics}
    assert summaries[done.id].done == 1 and summaries[done.id].priorities == 6
    assert stat.S_IMODE(store.index.path.stat().st_mode) == 0o600

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "read_or_set_aside", lambda self, path: pytest.fail(f"{path.name} parsed again"))
        again = store.listing(bank)
        fresh = Store(store.root).listing(bank)  # another process: from the index file alone
    assert again == (report, summaries) == fresh


def test_a_new_diagnostic_gets_its_row_from_the_next_listing(bank, store):
    """`Store.add` (a diagnostic created or handed over) does not open the index: the way to
    the first question stays short. The next listing reads the file once and writes its row."""
    from diag_tui.session import Session

    kept = saved(bank, store, "Atelier")
    store.listing(bank)
    before = rows(store)
    session = Session.start(bank, store, "Garage Dupuis")
    session.close()
    assert rows(store) == before  # nothing written to the index by the creation
    parsed: list[str] = []
    real = Store.read_or_set_aside
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "read_or_set_aside", lambda self, path: parsed.append(path.name) or real(self, path))
        report, summaries = store.listing(bank)
    assert parsed == [f"{session.diag.id}.toml"]  # the new file only
    assert {d.id for d in report.diagnostics} == {kept.id, session.diag.id}
    assert summaries[session.diag.id].answered == 0 and f"{session.diag.id}.toml" in rows(store)


def test_a_save_writes_only_its_own_row(bank, store):
    keep = saved(bank, store, "Garder")
    other = saved(bank, store, "Modifier")
    store.listing(bank)
    before = rows(store)
    statements: list[str] = []
    store.index.connection(create=True).set_trace_callback(statements.append)
    changed = store.save(dataclasses.replace(other, aidant="Karim"))
    writes = [s for s in statements if not s.startswith(("PRAGMA", "BEGIN", "COMMIT"))]
    assert len(writes) == 2 and all(s.startswith("INSERT OR REPLACE") for s in writes)
    assert all(other.id in s for s in writes)  # the saved diagnostic's row, and its basis: nothing else
    after = rows(store)
    assert after[f"{keep.id}.toml"] == before[f"{keep.id}.toml"]
    assert after[f"{other.id}.toml"][10] == "Karim"  # aidant
    # The next listing takes the saved row as it is (checking the file's sha256: it was written
    # within a second) and computes its summary from the basis: no file parsed.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "read_or_set_aside", lambda self, path: pytest.fail(f"{path.name} parsed"))
        report, summaries = store.listing(bank)
    assert [d.aidant for d in report.diagnostics if d.id == changed.id] == ["Karim"]
    assert summaries[changed.id] == store_index.summarise(bank, changed)


def test_deleting_a_diagnostic_removes_its_row_and_content_at_once(bank, store):
    keep = saved(bank, store, "Garder")
    gone = saved(bank, store, "Boulangerie Secrète Zygomatique")
    store.listing(bank)
    assert b"Zygomatique" in index_bytes(store)
    with store.open_for_edit(gone.id):
        store.delete(gone.id)
    assert set(rows(store)) == {f"{keep.id}.toml"}
    assert b"Zygomatique" not in index_bytes(store)  # neither in freed pages nor in the log
    assert [d.id for d in store.listing()[0].diagnostics] == [keep.id]


def test_a_file_changed_behind_the_index_s_back_is_read_again(bank, store):
    diag = saved(bank, store, "Atelier")
    store.listing()
    store.path(diag.id).write_text(dump_diagnostic(dataclasses.replace(diag, aidant="Karim")), encoding="utf-8")
    settle(store.path(diag.id))  # even with an old modification time, the size and ctime differ
    assert store.listing()[0].diagnostics[0].aidant == "Karim"


def test_a_racy_row_is_checked_against_the_file_s_content(bank, store):
    """A file rewritten within the timestamp granularity may keep its signature: a row recorded
    less than a second after its file's last change is used only if the sha256 still matches."""
    diag = store.save(answered(bank, name="Atelier"))  # just written: its row is racy
    path = store.path(diag.id)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('aidant = "Claire"', 'aidant = "Karim"'), encoding="utf-8")  # same size
    info = path.stat()
    with db(store) as conn:  # as on a file system whose timestamps did not move
        conn.execute(
            "UPDATE entries SET size = ?, mtime_ns = ?, ctime_ns = ?, inode = ?",
            (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino),
        )
    assert store.listing()[0].diagnostics[0].aidant == "Karim"


def _garbage(path: Path) -> None:
    path.write_bytes(b"pas une base de donn\xc3\xa9es " * 100)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: 4096 + 100])


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _foreign(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE entries (name TEXT, secret TEXT)")
        conn.execute("INSERT INTO entries VALUES ('x.toml', 'autre application')")


def _other_format(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {store_index.FORMAT + 1}")


def _link(path: Path) -> None:
    target = path.with_name("ailleurs.db")
    path.rename(target)
    path.symlink_to(target)


@pytest.mark.parametrize("damage", [_garbage, _truncated, _folder, _foreign, _other_format, _link])
def test_a_damaged_or_foreign_index_is_replaced_silently(bank, store, damage):
    diags = [saved(bank, store, f"Atelier {n}") for n in range(40)]  # several pages: truncation bites
    store.listing(bank)
    store.index.close()
    damage(store.index.path)
    report, summaries = Store(store.root).listing(bank)
    assert (list(report.diagnostics), summaries) == expected(bank, store) and report.problems == ()
    assert store.index.path.is_file() and not store.index.path.is_symlink()
    assert set(rows(store)) == {f"{d.id}.toml" for d in diags}  # rebuilt
    with db(store) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == store_index.APPLICATION_ID


def test_a_folder_that_cannot_be_removed_in_its_place_only_costs_speed(bank, store):
    diag = saved(bank, store, "Atelier")
    store.index.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store.index.path}{suffix}").unlink(missing_ok=True)
    store.index.path.mkdir()
    (store.index.path / "quelque chose").write_text("à quelqu'un")
    assert [d.id for d in store.listing(bank)[0].diagnostics] == [diag.id]
    store.save(dataclasses.replace(diag, aidant="Karim"))
    assert store.listing()[0].diagnostics[0].aidant == "Karim"
    assert (store.index.path / "quelque chose").exists()  # nothing of anyone's thrown away


@pytest.mark.parametrize("errorname", ["SQLITE_READONLY", "SQLITE_FULL", "SQLITE_BUSY", "SQLITE_IOERR"])
def test_an_index_that_cannot_be_written_falls_back_to_the_files(bank, store, monkeypatch, errorname):
    first = saved(bank, store, "Atelier")
    store.listing(bank)
    real = store_index.Index._transaction

    def failing(self, *args, **kwargs):
        exc = sqlite3.OperationalError(errorname.lower())
        exc.sqlite_errorname = errorname
        raise exc

    monkeypatch.setattr(store_index.Index, "_transaction", failing)
    second = store.save(answered(bank, name="Garage"))  # saved all the same
    settle(store.path(second.id))
    report, summaries = store.listing(bank)  # the new file read from its TOML
    assert (list(report.diagnostics), summaries) == expected(bank, store)
    assert store.index.path.exists()  # kept: nothing wrong with it
    monkeypatch.setattr(store_index.Index, "_transaction", real)
    store.listing(bank)
    assert set(rows(store)) == {f"{first.id}.toml", f"{second.id}.toml"}


def test_an_index_that_cannot_be_opened_falls_back_to_the_files(bank, store, monkeypatch):
    diag = saved(bank, store, "Atelier")
    store.listing(bank)
    store.index.close()

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(store_index.sqlite3, "connect", refuse)
    assert [d.id for d in store.listing(bank)[0].diagnostics] == [diag.id]
    store.save(dataclasses.replace(diag, aidant="Karim"))
    with store.open_for_edit(diag.id):
        store.delete(diag.id)
    assert not store.index.path.exists()  # its row could not be deleted: the whole index went


def test_a_locked_index_does_not_hold_a_save_up(bank, store, monkeypatch):
    diag = saved(bank, store, "Atelier")
    store.listing(bank)
    monkeypatch.setattr(store_index, "BUSY_MS", 100)
    holder = db(store)
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")  # another window in the middle of a long write
    try:
        started = time.monotonic()
        changed = store.save(dataclasses.replace(diag, aidant="Karim"))
        assert time.monotonic() - started < 0.5  # waited SAVE_BUSY_MS at most, not BUSY_MS
        assert store.listing(bank)[0].diagnostics[0].aidant == "Karim"  # read from the file
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.listing(bank)
    assert rows(store)[f"{changed.id}.toml"][10] == "Karim"


def test_rows_survive_an_update_and_summaries_follow_the_referential(bank, store, monkeypatch):
    diag = saved(bank, store, "Atelier")
    store.listing(bank)
    other = dataclasses.replace(bank, version="9.9")  # another referential (its hash differs)
    assert store_index.summary_key(other) != store_index.summary_key(bank)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "read_or_set_aside", lambda self, path: pytest.fail(f"{path.name} parsed"))
        _, again = store.listing(other)  # computed again from the stored basis, not from the file
    assert again == {diag.id: store_index.summarise(other, diag)}
    assert rows(store)[f"{diag.id}.toml"][18] == store_index.summary_key(other)

    with db(store) as conn:  # a row read by an older schema: read again, unless its migration changed nothing
        conn.execute("UPDATE entries SET schema = ?", (2,))  # 2 -> 3 fixed results as handed over: not neutral
    reads: list[str] = []
    real = Store.read_or_set_aside
    monkeypatch.setattr(Store, "read_or_set_aside", lambda self, path: reads.append(path.name) or real(self, path))
    monkeypatch.setattr(store_index, "READABLE_SCHEMAS", store_index.READABLE_SCHEMAS | {2})
    store.listing(other)
    assert reads == []
    monkeypatch.undo()
    monkeypatch.setattr(Store, "read_or_set_aside", lambda self, path: reads.append(path.name) or real(self, path))
    store.listing(other)
    assert reads == [f"{diag.id}.toml"]
    assert rows(store)[f"{diag.id}.toml"][7] == store_index.SCHEMA_VERSION
    with db(store) as conn:  # 3 -> 4 only added `form` (« complet » for older files): its rows are kept
        conn.execute("UPDATE entries SET schema = ?", (3,))
    reads.clear()
    store.listing(other)
    assert reads == [] and 3 in store_index.READABLE_SCHEMAS and 2 not in store_index.READABLE_SCHEMAS


@pytest.mark.parametrize(
    "column, value",
    [("organisation", b"Atelier"), ("organisation", "x" * 1000), ("aidant", ""), ("mode", "inconnu"), ("stage", None),
     ("id", "20261122-autre-0000"), ("created", "hier"), ("answered", -1), ("priorities", "six"), ("checked_ns", "x")],
)
def test_a_row_that_does_not_have_the_expected_shape_is_read_again_from_its_file(bank, store, column, value):
    diag = saved(bank, store, "Atelier")
    store.listing(bank)
    with db(store) as conn:
        conn.execute(f"UPDATE entries SET {column} = ?", (value,))
    report, summaries = store.listing(bank)
    assert (list(report.diagnostics), summaries) == expected(bank, store) and report.problems == ()
    assert rows(store)[f"{diag.id}.toml"][9] == "Atelier"  # written again


@pytest.mark.parametrize("blob", [b"pas du zlib", zlib.compress(b"[1, 2]"), zlib.compress(b'{"answers": [1]}'), None])
def test_a_damaged_basis_means_reading_the_file(bank, store, blob):
    diag = saved(bank, store, "Atelier")
    store.listing(bank)
    with db(store) as conn:
        conn.execute("UPDATE entries SET summary_key = 'autre'")
        conn.execute("UPDATE bases SET basis = ?", (blob,))
    _, summaries = store.listing(bank)
    assert summaries == {diag.id: store_index.summarise(bank, diag)}


def test_the_summary_key_is_the_same_in_every_process(bank):
    code = (
        "from diag_tui.bank.loading import load_referential\nfrom diag_tui.storage.index import summary_key\n"
        f"print(summary_key(load_referential({str(FIXTURE_BANK)!r})))"
    )
    keys = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() for _ in range(2)}
    assert keys == {store_index.summary_key(bank)}


def test_the_old_json_index_is_deleted(bank, store):
    diag = saved(bank, store, "Atelier")
    old = store.folder / ".index.json"
    old.write_text('{"format": 1, "entries": {"x": {"json": "Boulangerie Martin"}}}', encoding="utf-8")
    assert [d.id for d in store.listing()[0].diagnostics] == [diag.id]
    assert not old.exists()


def test_an_incremental_listing_looks_again_only_at_what_changed(bank, store):
    first = saved(bank, store, "Atelier")
    second = saved(bank, store, "Garage")
    report, summaries = store.listing(bank)
    same, same_summaries = store.listing(bank, previous=report)
    assert same.diagnostics is report.diagnostics and same.known is report.known and same_summaries == summaries
    changed = store.save(dataclasses.replace(second, aidant="Karim"))
    third = store.save(answered(bank, name="Cabinet"))  # a new file, its row written by the save
    with store.open_for_edit(first.id):
        store.delete(first.id)
    assert sorted(store.changed_since(report)) == sorted(f"{d.id}.toml" for d in (changed, third, first))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Store, "read_or_set_aside", lambda self, path: pytest.fail(f"{path.name} parsed"))
        new, new_summaries = store.listing(bank, previous=report)
        quick = store.listing(bank, previous=report, only=store.changed_since(report))
    assert (list(new.diagnostics), new_summaries) == expected(bank, store) == (list(quick[0].diagnostics), quick[1])
    assert {d.id for d in new.diagnostics} == {changed.id, third.id}
    assert store.changed_since(new) == []


def test_a_quick_listing_looks_only_at_what_this_store_changed(bank, store):
    """`only`: the files this store saved or deleted; a file changed elsewhere waits for the
    next full listing (the home screen runs one in the background after the quick one)."""
    mine, theirs = saved(bank, store, "Atelier"), saved(bank, store, "Garage")
    report, _ = store.listing(bank)
    elsewhere = Store(store.root)  # another window
    elsewhere.save(dataclasses.replace(theirs, aidant="Karim"))
    store.save(dataclasses.replace(mine, aidant="Sophie"))
    quick, _ = store.listing(bank, previous=report, only=store.changed_since(report))
    assert {d.id: d.aidant for d in quick.diagnostics} == {mine.id: "Sophie", theirs.id: "Claire"}
    full, _ = store.listing(bank, previous=quick)
    assert {d.id: d.aidant for d in full.diagnostics} == {mine.id: "Sophie", theirs.id: "Karim"}


CONCURRENT_SAVER = """
import dataclasses, sys
from pathlib import Path
from diag_tui.bank.loading import load_referential
from diag_tui.storage.store import Store
store = Store(Path(sys.argv[1]))
diag = store.load(sys.argv[2])
for n in range(int(sys.argv[3])):
    diag = store.save(dataclasses.replace(diag, aidant=f"Aidant {n}"))
print(diag.aidant)
"""


def test_two_windows_listing_and_saving_at_once(bank, store):
    diags = [saved(bank, store, f"Atelier {n}") for n in range(30)]
    store.listing(bank)
    saver = subprocess.Popen(
        [sys.executable, "-c", CONCURRENT_SAVER, str(store.root), diags[0].id, "150"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    listings = 0
    other = Store(store.root)  # a second window of this process
    while saver.poll() is None or listings < 5:
        report, summaries = (store if listings % 2 else other).listing(bank)
        assert report.problems == () and len(report.diagnostics) == 30 == len(summaries)
        aidant = next(d.aidant for d in report.diagnostics if d.id == diags[0].id)
        assert re.fullmatch(r"Claire|Aidant \d+", aidant)
        listings += 1
        if listings % 3 == 0:
            store.save(dataclasses.replace(store.load(diags[1].id), aidant=f"Vu {listings}"))
    out, err = saver.communicate()
    assert saver.returncode == 0, err
    assert out.strip() == "Aidant 149"
    report, summaries = store.listing(bank)
    assert (list(report.diagnostics), summaries) == expected(bank, store)


NO_PYDANTIC = """
import sys
from diag_tui import cli
cli.main(["list"])
print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('pydantic', 'annotated_types'))}), file=sys.stderr)
"""


def test_listing_from_an_up_to_date_index_never_loads_pydantic(tmp_path):
    """`diag-tui list` in a fresh process: once the index knows every file (and the bank is in
    its cache), pydantic stays unloaded. The first run reads the files, hence checks them."""
    env = {**os.environ, "DIAG_TUI_HOME": str(tmp_path / "home")}
    make = (
        "from diag_tui.cli import _load\nfrom diag_tui.session import Session\nfrom diag_tui.storage.store import Store\n"
        "ref = _load(None)\nfor name in ('Atelier', 'Garage'):\n"
        "    s = Session.start(ref, Store(), name)\n    s.answer(ref.questions[0].id, ref.questions[0].options[0].id)\n    s.close()\n"
    )
    subprocess.run([sys.executable, "-c", make], env=env, check=True)
    folder = tmp_path / "home" / "diagnostics"
    text = next(folder.glob("*.toml")).read_text(encoding="utf-8")
    copy = re.search(r'^id = "([^"]+)"$', text, re.M)[1] + "-copie"  # a file the index has never seen
    (folder / f"{copy}.toml").write_text(re.sub(r'^id = ".*"$', f'id = "{copy}"', text, count=1, flags=re.M), encoding="utf-8")
    first = subprocess.run([sys.executable, "-c", NO_PYDANTIC], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "pydantic" in first.stderr  # the new file was checked
    assert first.stdout.count(" · accompagné") == 3
    second = subprocess.run([sys.executable, "-c", NO_PYDANTIC], env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stderr.strip() == "[]" and second.stdout == first.stdout

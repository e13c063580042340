"""The local store: atomic saves, permissions, unreadable files, migration, concurrent edits,
referential changes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from diag_tui import files
from diag_tui.bank.loading import load_referential
from diag_tui.errors import UserError
from diag_tui.session import result
from diag_tui.storage.diagnostic import SCHEMA_VERSION, Organisation, new_diagnostic, reconcile, with_answer
from diag_tui.storage.store import ConflictError, Store, read_diagnostic
from tests.conftest import FIXTURE_BANK, WORST

FIXTURES = Path(__file__).parent / "fixtures" / "store"


def answered(bank, answers=WORST, name="Boulangerie Martin"):
    diag = new_diagnostic(bank, Organisation(name=name), aidant="Claire", at=dt.datetime(2026, 11, 22, 9, 30))
    for qid, value in answers.items():
        diag = with_answer(bank, diag, qid, list(value) if isinstance(value, tuple) else value)
    return diag


def test_default_location_follows_diag_tui_home(tmp_path):
    assert Store().root == tmp_path / "diag-tui-home"  # set by the autouse fixture


def test_save_and_load_round_trip(bank, store):
    diag = store.save(answered(bank))
    assert diag.revision == 1
    loaded = store.load(diag.id)
    assert loaded == diag
    assert loaded.completed is not None  # every applicable question answered
    assert [p.measure.id for p in result(bank, loaded).priorities][:2] == ["m_backup", "m_mfa"]


def test_every_answer_is_saved_as_it_comes(bank, store):
    diag = store.save(new_diagnostic(bank, Organisation(name="X")))
    for qid, value in list(WORST.items())[:3]:
        diag = store.save(with_answer(bank, diag, qid, value if isinstance(value, str) else list(value)))
        assert store.load(diag.id).answers[qid] == diag.answers[qid]
    assert store.load(diag.id).revision == 4


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_permissions_whatever_the_umask(bank, store, umask):
    old = os.umask(umask)
    try:
        diag = store.save(answered(bank))
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path(diag.id).stat().st_mode) == 0o600


def test_failed_write_keeps_the_previous_file(bank, store, monkeypatch):
    diag = store.save(answered(bank))
    before = store.path(diag.id).read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(UserError) as info:
        store.save(with_answer(bank, diag, "alpha_mfa", "full"))
    assert "intacte" in str(info.value)
    assert store.path(diag.id).read_bytes() == before
    assert [p.name for p in store.folder.iterdir() if p.suffix == ".tmp"] == []


def test_crash_during_write_leaves_old_or_new(bank, store, monkeypatch):
    """Interrupt the write at every step: the file on disk always parses to a whole diagnostic."""
    diag = store.save(answered(bank))
    new = with_answer(bank, diag, "alpha_mfa", "full")
    for step in ("write", "fsync", "chmod", "replace"):
        class Boom(Exception):
            pass

        def fail(*a, **k):
            raise Boom()

        with monkeypatch.context() as m:
            if step == "write":
                m.setattr(files.os, "fdopen", lambda fd, mode: (os.close(fd), fail())[1])
            else:
                m.setattr(files.os, step, fail)
            with pytest.raises((Boom, UserError)):
                store.save(new)
        on_disk = read_diagnostic(store.path(diag.id))
        assert on_disk.answers["alpha_mfa"] in ("no", "full")
        assert not any(p.suffix == ".tmp" for p in store.folder.iterdir())


UNREADABLE = {
    "empty": b"",
    "truncated": None,  # filled from a real file below
    "json": b'{"schema_version": 2, "id": "x"}',
    "binary": b"\x00\xff\xfe garbage",
    "wrong-schema": b'schema_version = 2\nid = "20261122-x-0000"\n',
    "future": b'schema_version = 99\nid = "20261122-x-0000"\n',
    "no-version": b'id = "20261122-x-0000"\n',
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_unreadable_file_is_moved_aside_and_others_load(bank, store, kind):
    good = store.save(answered(bank, name="Bonne"))
    content = UNREADABLE[kind]
    if content is None:
        content = store.path(good.id).read_bytes()[:300]
    bad = store.folder / f"20261122-{kind}-0000.toml"
    bad.write_bytes(content)
    report = store.listing()[0]
    assert [d.id for d in report.diagnostics] == [good.id]
    assert len(report.problems) == 1 and bad.name in report.problems[0]
    assert not bad.exists()
    kept = list((store.root / "illisibles").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == content  # moved, never deleted
    if kind == "future":
        assert "mettez diag-tui à jour" in report.problems[0]


def test_schema_1_is_migrated(bank, store):
    store.folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "schema-1.toml", store.folder / "20260301-atelier-ancien-00aa.toml")
    diag = store.load("20260301-atelier-ancien-00aa")
    assert diag.organisation.name == "Atelier Ancien"
    assert diag.status_of("m_backup").status == "en_cours"
    assert diag.mode == "accompagne" and diag.updated == diag.created
    saved = store.save(diag)  # written back in the current schema
    assert f"schema_version = {SCHEMA_VERSION}" in store.path(saved.id).read_text(encoding="utf-8")
    assert store.load(saved.id) == saved


def test_concurrent_save_is_refused_without_losing_either(bank, store):
    diag = store.save(answered(bank))
    first = store.load(diag.id)
    second = store.load(diag.id)
    store.save(with_answer(bank, first, "alpha_mfa", "full"))
    with pytest.raises(ConflictError):
        store.save(with_answer(bank, second, "beta_aware", "yes"))
    assert store.load(diag.id).answers["alpha_mfa"] == "full"

def test_a_save_from_another_store_or_a_hand_edit_is_still_seen(bank, store):
    """The store remembers what it wrote last to skip re-reading its own file; a file replaced
    by another process, or edited in place, must still be read and the stale save refused."""
    mine = store.save(answered(bank))
    other = Store(store.root)
    theirs = other.save(with_answer(bank, other.load(mine.id), "alpha_mfa", "full"))
    with pytest.raises(ConflictError):
        store.save(with_answer(bank, mine, "beta_aware", "yes"))
    assert store.load(mine.id).answers["alpha_mfa"] == "full"

    mine = store.save(store.load(mine.id))
    path = store.path(mine.id)
    text = path.read_text(encoding="utf-8")
    assert f"revision = {mine.revision}\n" in text
    with open(path, "r+", encoding="utf-8") as handle:  # same inode, another revision
        handle.write(text.replace(f"revision = {mine.revision}\n", f"revision = {mine.revision + 10}\n", 1))
    with pytest.raises(ConflictError):
        store.save(with_answer(bank, mine, "beta_aware", "yes"))
    assert theirs.revision < store.load(mine.id).revision



def test_second_session_cannot_open_for_edit(bank, store):
    diag = store.save(answered(bank))
    code = (
        "import sys\nfrom pathlib import Path\nfrom diag_tui.storage.store import Store, ConflictError\n"
        f"s = Store(Path({str(store.root)!r}))\n"
        "try:\n    s.open_for_edit(sys.argv[1])\nexcept ConflictError as e:\n    print('refused', e)\nelse:\n    print('opened')\n"
    )
    with store.open_for_edit(diag.id):
        other = subprocess.run([sys.executable, "-c", code, diag.id], capture_output=True, text=True)
        assert other.stdout.startswith("refused"), other.stderr
        assert "déjà ouvert" in other.stdout
    after = subprocess.run([sys.executable, "-c", code, diag.id], capture_output=True, text=True)
    assert after.stdout.startswith("opened")


def test_referential_change_keeps_answers_aside(bank, store, tmp_path):
    diag = store.save(answered(bank))
    changed = tmp_path / "bank2"
    shutil.copytree(FIXTURE_BANK, changed)
    text = (changed / "bank.toml").read_text(encoding="utf-8")
    (changed / "bank.toml").write_text(text.replace('version = "test-1"', 'version = "test-2"').replace(
        'id = "nsp"\nlabel = "Je ne sais pas"\nkind = "unknown"\n\n[[questions]]\nid = "beta_aware"',
        'id = "nsp"\nlabel = "Je ne sais pas"\nkind = "unknown"\n\n[[questions]]\nid = "beta_aware2"'), encoding="utf-8")
    ref2 = load_referential(changed)
    assert ref2.question("beta_aware") is None
    updated, notes = reconcile(ref2, store.load(diag.id))
    assert updated.set_aside == {"beta_aware": "no"}
    assert "beta_aware" not in updated.answers
    assert updated.answers["alpha_mfa"] == "no"  # unchanged questions keep their answers
    assert updated.referential_version == "test-2"
    assert any("beta_aware" in n for n in notes) and notes[0].startswith("Référentiel mis à jour")
    back, _notes_back = reconcile(bank, updated)
    assert back.answers["beta_aware"] == "no" and back.set_aside == {}


def test_invalid_id_is_refused(store):
    with pytest.raises(UserError):
        store.path("../../etc/passwd")


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_an_organisation_name_the_file_would_refuse_is_refused_up_front(bank, store, name):
    """Checked before anything is written: a name the saved file could not hold again would
    otherwise make the diagnostic unreadable at the next opening."""
    from diag_tui.session import Session

    with pytest.raises(UserError, match=r"(?i)nom de l'organisation"):
        Session.start(bank, store, name)
    assert not store.folder.exists() or not list(store.folder.glob("*.toml"))


def test_the_longest_accepted_name_reads_back(bank, store):
    from diag_tui.session import Session

    session = Session.start(bank, store, "x" * 200)
    session.close()
    assert store.load(session.diag.id).organisation.name == "x" * 200


def test_one_migration_per_older_schema():
    """A file of any older format can be opened: each version has its step to the next."""
    from diag_tui.storage.diagnostic import SCHEMA_VERSION
    from diag_tui.storage.store import MIGRATIONS

    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))


def test_schema_2_in_follow_up_gets_its_results_fixed_as_they_were(bank, store):
    """A schema-2 diagnostic whose follow-up had started keeps the plan it showed: its answers
    then are taken as the answers handed over; one not followed up stays open to changes."""
    from diag_tui.storage.store import _migrate_2_to_3

    data = {"answers": {"alpha_backup": "none"}, "overrides": [], "updated": "2026-10-01T10:00:00", "measures": {"m_backup": {"status": "fait"}}}
    migrated = _migrate_2_to_3(data)
    assert migrated["handed_over"] == {"at": "2026-10-01T10:00:00", "answers": {"alpha_backup": "none"}, "overrides": []}
    assert "handed_over" not in _migrate_2_to_3({**data, "measures": {}, "checkpoints": {"1": {"done": False}}})

"""The storage side of the hostile-input report (../shared/reviews/hostile-input-report.md):
each test is named after the defect it covers (D3, D5, D6, D8, D9, D10, D11, D12, D14, D15)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import os
import pickle
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from diag_tui import files
from diag_tui.bank import cache as referential_cache
from diag_tui.bank.loading import load_referential
from diag_tui.cli import main
from diag_tui.errors import UserError
from diag_tui.storage import store as store_module
from diag_tui.storage.diagnostic import JournalEntry
from diag_tui.storage.store import QUARANTINE, ConflictError, Store
from tests.conftest import FIXTURE_BANK
from tests.test_store import answered

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes, device files and alarms are POSIX")

DEEP = {
    "arrays": "x = " + "[" * 500 + "]" * 500 + "\n",
    "inline-tables": "x = " + "{a = " * 200_000 + "1" + "}" * 200_000 + "\n",
}


class Blocked(Exception):
    """Not an OSError: the code under test must not mistake it for a read error."""


@contextlib.contextmanager
def within(seconds: float):
    """Fail instead of hanging: a read that blocks (a named pipe) is interrupted."""

    def expire(*_):
        raise Blocked(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def lock_files(store: Store) -> list[str]:
    return sorted(p.name for p in store.folder.iterdir() if p.name.endswith(".lock"))


# ---- D3: deeply nested TOML ---------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_d3_deeply_nested_toml_is_refused_with_a_french_message(tmp_path, kind):
    path = tmp_path / "profond.toml"
    path.write_text(DEEP[kind], encoding="utf-8")
    with pytest.raises(UserError) as info:
        files.read_toml(path, "fichier de réponses")
    message = str(info.value)
    assert str(path) in message and "imbrication trop profonde" in message
    assert "ce n'est pas un fichier produit par diag-tui" in message


def test_d3_deeply_nested_store_file_is_quarantined(bank, store):
    good = store.save(answered(bank))
    deep = store.folder / "20261202-deep-0001.toml"
    deep.write_text("schema_version = 2\n" + DEEP["arrays"], encoding="utf-8")
    report = store.listing()[0]  # a RecursionError before: at every run
    assert [d.id for d in report.diagnostics] == [good.id]
    assert len(report.problems) == 1 and "imbrication trop profonde" in report.problems[0]
    assert not deep.exists()
    [kept] = (store.root / QUARANTINE).iterdir()
    assert kept.read_text(encoding="utf-8").endswith(DEEP["arrays"])
    assert store.listing()[0].problems == ()

    deep.write_text("schema_version = 2\n" + DEEP["arrays"], encoding="utf-8")
    with pytest.raises(UserError, match="mis de côté"):  # opened directly (export, resume)
        store.load(deep.stem)


# ---- D5: -o onto a special file -----------------------------------------------------------


def _special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    elif kind == "device":  # a copy of /dev/null's node, in the test's folder: harmless to lose
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except (PermissionError, AttributeError):
            pytest.skip("creating a device node needs root")


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "directory", "socket", "device"])
def test_d5_output_onto_a_special_file_is_refused(tmp_path, kind):
    target = tmp_path / "sortie"
    _special(kind, target)
    before = os.lstat(target)
    with pytest.raises(UserError) as info:
        files.atomic_write(target, "rapport\n")
    message = str(info.value)
    assert str(target) in message and "n'est pas un fichier ordinaire" in message and "-o -" in message
    after = os.lstat(target)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir()] == ["sortie"]  # no temporary file left


def test_d5_output_onto_a_symlink_still_replaces_the_link_only(tmp_path):
    victim = tmp_path / "victime.txt"
    victim.write_text("intact\n", encoding="utf-8")
    link = tmp_path / "lien"
    link.symlink_to(victim)
    files.atomic_write(link, "rapport\n")
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "rapport\n"
    assert victim.read_text(encoding="utf-8") == "intact\n"


# ---- D6: a data folder that cannot be read ------------------------------------------------


def _deny_reading(monkeypatch, folder: Path) -> None:
    """What chmod 000 on the folder does to its owner (when not root): nothing inside can be
    listed, looked up or opened."""

    def inside(path) -> bool:
        return isinstance(path, (str, os.PathLike)) and Path(path).is_relative_to(folder)

    def guard(real):
        def denied(path, *args, **kwargs):
            if inside(path) and kwargs.get("dir_fd") is None:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real(path, *args, **kwargs)

        return denied

    for name in ("scandir", "stat", "lstat", "open"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))


@pytest.mark.parametrize("kind", ["unreadable", "a-file", "dangling-link"])
def test_d6_a_broken_data_folder_is_reported_not_taken_for_empty(bank, store, monkeypatch, capsys, kind):
    diag = store.save(answered(bank))
    if kind == "unreadable":
        _deny_reading(monkeypatch, store.folder)
    else:
        shutil.rmtree(store.folder)
        if kind == "a-file":
            store.folder.write_text("pas un dossier\n", encoding="utf-8")
        else:
            store.folder.symlink_to(store.root / "disparu")
    for attempt in (store.listing, lambda: store.listing(bank), lambda: store.load(diag.id)):
        with pytest.raises(UserError) as info:
            attempt()
        message = str(info.value)
        assert str(store.folder) in message and "Aucun" not in message
        assert "DIAG_TUI_HOME" in message
    monkeypatch.setenv("DIAG_TUI_HOME", str(store.root))
    assert main(["list"]) == 2
    out, err = capsys.readouterr()
    assert "Aucun diagnostic" not in out and str(store.folder) in err and "Traceback" not in err


def test_d6_a_missing_data_folder_still_means_no_diagnostics(bank, store):
    assert store.listing()[0].diagnostics == ()
    with pytest.raises(UserError, match="Aucun diagnostic"):
        store.load("20261202-absent-0000")


# ---- D8: writes capped like reads ---------------------------------------------------------


def test_d8_a_diagnostic_too_big_to_read_back_is_not_saved(bank, store):
    diag = store.save(answered(bank))
    path = store.path(diag.id)
    before = path.read_bytes()
    quotes = JournalEntry(at=dt.datetime(2026, 12, 2, 10, 0), text='"' * 3_000_000)  # escaped: 6 MB
    with pytest.raises(UserError) as info:
        store.save(dataclasses.replace(diag, journal=(quotes,)))
    message = str(info.value)
    assert str(path) in message and f"{files.MAX_INPUT_BYTES // 1024} Kio" in message
    assert "trop pour être relu" in message and "intacte" in message
    assert path.read_bytes() == before
    assert store.load(diag.id) == diag


# ---- D9: the referential cache ------------------------------------------------------------


@pytest.fixture
def bank_copy(tmp_path) -> Path:
    copy = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, copy)
    return copy


def test_d9_the_cache_folder_is_private(bank_copy, tmp_path):
    cache, data = tmp_path / "cache", tmp_path / "data"
    old = os.umask(0)
    try:
        referential_cache.load(bank_copy, cache, data)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700

    shutil.rmtree(cache)  # as diag-tui 0.1 left it: 0755, a copy named after the key alone
    cache.mkdir(mode=0o755)
    (cache / f"referentiel-{'0' * 32}.json").write_text("{}", encoding="utf-8")
    referential_cache.load(bank_copy, cache, data)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert [p.name.count("-") for p in cache.iterdir()] == [2]  # the old copy is gone


def test_d9_another_bank_does_not_evict_the_default_copy(bank_copy, tmp_path, monkeypatch):
    cache, data = tmp_path / "cache", tmp_path / "data"
    other = tmp_path / "autre"
    shutil.copytree(FIXTURE_BANK, other)
    text = (other / "bank.toml").read_text(encoding="utf-8")
    (other / "bank.toml").write_text(text.replace('version = "test-1"', 'version = "autre"'), encoding="utf-8")
    referential_cache.load(bank_copy, cache, data)
    referential_cache.load(other, cache, data)  # `--referentiel OTHER`
    assert len(list(cache.glob("referentiel-*.pickle"))) == 2

    def no_check(folder):
        raise AssertionError("the copy should have been used")

    monkeypatch.setattr("diag_tui.bank.loading.load_referential", no_check)
    assert referential_cache.load(bank_copy, cache, data).version == "test-1"


@pytest.mark.parametrize("tamper", ["javascript-url", "measure-title", "code"])
def test_d9_a_tampered_cache_is_not_used(bank_copy, tmp_path, tamper):
    """Whoever can write the cache folder (not the data folder, which holds the copy's sha256)
    can change neither a link nor a title, and cannot run code: the copy is checked before it
    is unpickled."""
    cache, data = tmp_path / "cache", tmp_path / "data"
    good = referential_cache.load(bank_copy, cache, data)
    [copy] = cache.glob("referentiel-*.pickle")
    raw = copy.read_bytes()
    marker = tmp_path / "code-ran"
    if tamper == "javascript-url":  # as long as the text it replaces: a copy that unpickles
        changed = raw.replace(b"https://17cyber.gouv.fr/", b"javascript:alert(1)//xxx")
    elif tamper == "measure-title":
        changed = raw.replace(b"Installer un antivirus", b"Appelez le 0899000000!")
    else:
        changed = pickle.dumps(_RunsCode(marker))
    assert changed != raw and len(changed) > 100
    copy.write_bytes(changed)
    again = referential_cache.load(bank_copy, cache, data)
    assert again == good == load_referential(bank_copy)
    assert copy.read_bytes() == raw  # checked and written again
    assert not marker.exists()


class _RunsCode:
    """Unpickled, it creates a file: what a planted copy could do if it were unpickled unchecked."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


# ---- D10: reads that would block ----------------------------------------------------------


@posix_only
@pytest.mark.parametrize("reader", ["read_toml", "read_text_file"])
def test_d10_a_fifo_given_as_input_is_refused_without_blocking(tmp_path, reader):
    fifo = tmp_path / "suivi.toml"
    os.mkfifo(fifo)
    with within(5), pytest.raises(UserError) as info:
        getattr(files, reader)(fifo, "fichier de suivi")
    message = str(info.value)
    assert str(fifo) in message and "pas un fichier ordinaire" in message
    assert "enregistrez d'abord son contenu dans un fichier" in message


@posix_only
def test_d10_a_device_given_as_input_is_refused():
    with pytest.raises(UserError, match="pas un fichier ordinaire"):
        files.read_text_file(Path("/dev/zero"))


@posix_only
def test_d10_a_fifo_swapped_for_a_diagnostic_does_not_block_the_next_save(bank, store):
    diag = store.save(answered(bank))
    path = store.path(diag.id)
    os.replace(path, f"{path}.bak")
    os.mkfifo(path)
    with within(5), pytest.raises(ConflictError):
        store.save(dataclasses.replace(diag, aidant="Karim"))
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    with within(5):
        report = store.listing()[0]  # and the listing moves it aside
    assert report.diagnostics == () and "pas un fichier ordinaire" in report.problems[0]


# ---- D11: lock files ----------------------------------------------------------------------


@pytest.fixture(params=["flock", "portalocker"])
def locking(request, monkeypatch):
    """Each lock test twice: with flock (Linux, macOS) and through portalocker, which Windows
    uses (`files.lock`); on Linux portalocker locks with flock too, so its handling is what is
    checked here, not msvcrt itself."""
    if request.param == "portalocker":
        monkeypatch.setattr(files, "FLOCK", None)
    return request.param


def test_d11_lock_files_are_private_and_removed(bank, store, locking):
    diag = store.save(answered(bank))
    old = os.umask(0)
    try:
        lock = store.open_for_edit(diag.id)
        edit = store.folder / f".{diag.id}.edit.lock"
        assert stat.S_IMODE(edit.stat().st_mode) == 0o600
        assert edit.read_text(encoding="utf-8") == str(os.getpid())
        with pytest.raises(ConflictError, match=f"déjà ouvert dans une autre session \\(processus {os.getpid()}\\)"):
            store.open_for_edit(diag.id)
        store.save(dataclasses.replace(diag, aidant="Karim"))
        assert lock_files(store) == [edit.name]  # the write lock is gone once the save is done
        lock.release()
    finally:
        os.umask(old)
    assert lock_files(store) == []
    with store.open_for_edit(diag.id):
        store.delete(diag.id)
    assert lock_files(store) == []


def test_d11_an_old_lock_file_is_made_private(bank, store):
    diag = store.save(answered(bank))
    edit = store.folder / f".{diag.id}.edit.lock"
    edit.write_text("12345", encoding="utf-8")
    edit.chmod(0o644)  # written by an earlier version
    with store.open_for_edit(diag.id):
        assert stat.S_IMODE(edit.stat().st_mode) == 0o600


@pytest.mark.parametrize("which", ["edit", "write"])
def test_d11_a_symlink_planted_at_a_lock_path_is_refused(bank, store, tmp_path, which, locking):
    diag = store.save(answered(bank))
    victim = tmp_path / "victime.txt"
    victim.write_text("à protéger\n", encoding="utf-8")
    (store.folder / f".{diag.id}.{which}.lock").symlink_to(victim)
    with pytest.raises(UserError) as info:
        if which == "edit":
            store.open_for_edit(diag.id)
        else:
            store.save(dataclasses.replace(diag, aidant="Karim"))
    assert "lien symbolique" in str(info.value) and f".{diag.id}.{which}.lock" in str(info.value)
    assert victim.read_text(encoding="utf-8") == "à protéger\n"
    assert store.load(diag.id).aidant == diag.aidant


def test_d11_removed_lock_files_still_exclude(bank, store, locking):
    """Lock files are removed on release: a thread that was waiting on the removed file must
    notice and lock the new one, or two threads would be inside at once."""
    diag = store.save(answered(bank))
    path = store.folder / f".{diag.id}.write.lock"
    inside, overlaps, errors = [0], [], []

    def work():
        try:
            for _ in range(150):
                with store._write_lock(diag.id):
                    inside[0] += 1
                    if inside[0] > 1 or not path.exists():
                        overlaps.append(inside[0])
                    inside[0] -= 1
        except BaseException as exc:  # noqa: BLE001 (a thread: whatever it raises is the finding)
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and overlaps == []
    assert not path.exists()


def test_d11_delete_can_remove_the_exports(bank, store):
    keep, gone = store.save(answered(bank, name="Garder")), store.save(answered(bank, name="Supprimer"))
    exports = store.exports_folder()
    written = [store.export_path(gone.id, fmt) for fmt in ("toml", "markdown", "html")]
    for path in [*written, store.export_path(keep.id, "html"), exports / "notes.txt"]:
        path.write_text("x", encoding="utf-8")
    assert sorted(store.exports_of(gone.id)) == sorted(written)
    assert {p.name for p in written} == {f"{gone.id}-suivi.toml", f"{gone.id}-rapport.md", f"{gone.id}-rapport.html"}
    with store.open_for_edit(gone.id):
        store.delete(gone.id, with_exports=True)
    assert store.exports_of(gone.id) == []
    assert sorted(p.name for p in exports.iterdir()) == sorted([f"{keep.id}-rapport.html", "notes.txt"])

    with store.open_for_edit(keep.id):
        store.delete(keep.id)  # without: the exports stay
    assert store.exports_of(keep.id) == [exports / f"{keep.id}-rapport.html"]


# ---- D12: temporary copies left by a killed export ----------------------------------------

KILLED_WRITE = r"""
import os, sys
from pathlib import Path
from diag_tui import files
from diag_tui.storage.store import Store

target, root = Path(sys.argv[1]), Path(sys.argv[2])
real = os.fsync
def killed(fd):
    real(fd)
    os._exit(9)  # like kill -9: no clean-up of any kind
os.fsync = killed
files.atomic_write(target, "rapport complet\n" * 1000, journal=Store(root).journal_folder())
"""


@pytest.mark.parametrize("where", ["output-folder", "exports"])
def test_d12_a_killed_export_leaves_no_temporary_copy(store, tmp_path, where):
    folder = tmp_path / "out" if where == "output-folder" else store.exports_folder()
    folder.mkdir(exist_ok=True)
    (folder / "r.html").write_text("ancien\n", encoding="utf-8")
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(folder / "r.html"), str(store.root)], capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    [temp] = folder.glob(".r.html.*.tmp")  # what the kill left: a full report
    assert "rapport complet" in temp.read_text(encoding="utf-8")
    Store(store.root)  # the next start
    assert sorted(p.name for p in folder.iterdir()) == ["r.html"]
    assert (folder / "r.html").read_text(encoding="utf-8") == "ancien\n"
    assert list((store.root / store_module.JOURNAL).iterdir()) == []


def test_d12_a_write_under_way_is_not_swept(store, tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    real = os.fsync
    swept = []

    def another_start(fd):
        real(fd)
        if not swept:
            swept.append(True)
            Store(store.root)  # another process starting meanwhile

    monkeypatch.setattr(files.os, "fsync", another_start)
    files.atomic_write(target, "rapport\n", journal=store.journal_folder())
    assert swept and target.read_text(encoding="utf-8") == "rapport\n"
    assert list(store.journal_folder().iterdir()) == []


def test_d12_the_sweep_removes_only_temporary_files(store, tmp_path):
    victim = tmp_path / "important.txt"
    victim.write_text("à garder\n", encoding="utf-8")
    journal = store.journal_folder()
    (journal / "forge.en-cours").write_bytes(os.fsencode(victim))
    Store(store.root)
    assert victim.read_text(encoding="utf-8") == "à garder\n"
    assert list(journal.iterdir()) == []


# ---- D14: symlinked folders ---------------------------------------------------------------


def test_d14_a_symlinked_folder_keeps_its_target_mode(bank, store, tmp_path):
    store.root.mkdir(mode=0o700)
    targets = {}
    for name in ("diagnostics", "exports"):
        target = tmp_path / f"partage-{name}"
        target.mkdir()
        target.chmod(0o755)
        (store.root / name).symlink_to(target)
        targets[name] = target
    diag = store.save(answered(bank))
    assert store.exports_folder() == store.root / "exports"
    assert store.load(diag.id) == diag
    assert {name: stat.S_IMODE(t.stat().st_mode) for name, t in targets.items()} == {"diagnostics": 0o755, "exports": 0o755}
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700


# ---- D15: portability ---------------------------------------------------------------------


def test_d15_replace_is_retried_on_windows_while_another_process_holds_the_file(tmp_path, monkeypatch):
    calls = []
    real = os.replace

    def held_twice(src, dst):
        calls.append(dst)
        if len(calls) <= 2:
            raise PermissionError(errno.EACCES, "Accès refusé", str(dst))
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", held_twice)
    monkeypatch.setattr(files.time, "sleep", lambda s: None)
    monkeypatch.setattr(files, "WINDOWS", True)
    files.atomic_write(tmp_path / "f.txt", "x")
    assert len(calls) == 3 and (tmp_path / "f.txt").read_text(encoding="utf-8") == "x"

    calls.clear()
    monkeypatch.setattr(files, "WINDOWS", False)  # elsewhere a refusal is final
    with pytest.raises(PermissionError):
        files.atomic_write(tmp_path / "g.txt", "x")
    assert len(calls) == 1 and not (tmp_path / "g.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_d15_macos_flushes_the_drive_cache(tmp_path, monkeypatch):
    synced, fsynced = [], []

    class FakeFcntl:
        F_FULLFSYNC = 51

        @staticmethod
        def fcntl(fd, command):
            synced.append(command)

    real_fsync = os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd))[1])
    monkeypatch.setattr(files, "fcntl", FakeFcntl)
    files.atomic_write(tmp_path / "f.txt", "x")
    assert synced and set(synced) == {51} and fsynced == []

    def unsupported(fd, command):  # some file systems (SMB, FAT) refuse it: plain fsync then
        raise OSError(errno.ENOTSUP, "Operation not supported")

    monkeypatch.setattr(FakeFcntl, "fcntl", staticmethod(unsupported))
    files.atomic_write(tmp_path / "g.txt", "y")
    assert fsynced and (tmp_path / "g.txt").read_text(encoding="utf-8") == "y"


"""Local store: one TOML file per diagnostic, under the user data folder.

- `DIAG_TUI_HOME`, when set, replaces the platformdirs location.
- Folders are 0700 and files 0600 whatever the umask: the files list an organisation's weak
  points.
- Every save is atomic (see `files.atomic_write`).
- A file that cannot be read is moved to `illisibles/` with a message naming it; the other
  diagnostics still load.
- Older schema versions are migrated on load; a newer one is moved aside, not guessed at.
- A save that could not be read back (more than `MAX_INPUT_BYTES`) is refused.
- Two writers: each save checks that the file's revision is the one that was loaded, under an
  exclusive lock, and refuses otherwise. A session that edits a diagnostic also holds an edit
  lock (`open_for_edit`) so a second window is refused up front. Lock files are 0600, never
  opened through a symbolic link, and removed when released (see `files.release`).
- Writes elsewhere (exports, `-o`) are recorded in `.ecritures-en-cours/` until renamed; each
  `Store()` removes what a killed write left there (`sweep`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diag_tui.bank.schema import SchemaError, parse, plain
from diag_tui.errors import UserError
from diag_tui.files import (
    MAX_INPUT_BYTES,
    NOFOLLOW,
    TOO_DEEP,
    FileTooBig,
    NotRegularFile,
    atomic_write,
    lock,
    private_folder,
    read_bytes,
    release,
    same_file,
    sweep_journal,
    toml_syntax_error,
)
from diag_tui.paths import home
from diag_tui.storage.diagnostic import ID_PATTERN, SCHEMA_VERSION, Diagnostic, now

if TYPE_CHECKING:
    from diag_tui.bank.referential import Referential
    from diag_tui.storage import index as storage_index

QUARANTINE = "illisibles"
JOURNAL = ".ecritures-en-cours"
EXPORT_NAMES = {"toml": "suivi.toml", "markdown": "rapport.md", "html": "rapport.html", "texte": "rapport.txt", "ics": "agenda.ics"}  # `<id>-<name>`


class ConflictError(UserError):
    """Another session changed or holds the diagnostic."""


def _unusable(path: Path, exc: OSError) -> UserError:
    return UserError(
        f"{path} : dossier de données inutilisable ({exc.strerror}). Rien n'a été modifié. "
        "Vérifiez les droits, ou choisissez un autre dossier avec DIAG_TUI_HOME."
    )


def _unreadable_folder(folder: Path, exc: OSError) -> UserError:
    return UserError(
        f"{folder} : dossier des diagnostics illisible ({exc.strerror}). Rien n'a été modifié. Vérifiez que "
        "c'est bien un dossier (ni un fichier, ni un lien vers un dossier disparu) et que vous avez le droit "
        "de le lire, ou choisissez un autre dossier avec DIAG_TUI_HOME."
    )


class Store:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else home()
        self.folder = self.root / "diagnostics"
        self._written: dict[Path, tuple[tuple[int, ...], int]] = {}  # path -> (file signature, revision) of our last save
        self.changes = 0  # saves and deletions through this store, counted
        self._changed: dict[str, int] = {}  # file name -> `changes` at its last save or deletion here
        self.sweep()

    @cached_property
    def index(self) -> storage_index.Index:
        """The listing index (`storage/index.py`), loaded when first used: creating a diagnostic
        does without it, and so the way to the first question of `diag-tui start` (its code and
        SQLite: 3 ms)."""
        from diag_tui.storage.index import Index

        return Index(self.folder)

    # ---- paths -------------------------------------------------------------------------

    def path(self, diagnostic_id: str) -> Path:
        if not re.fullmatch(ID_PATTERN, diagnostic_id):
            raise UserError(
                f"« {diagnostic_id} » n'est pas un identifiant de diagnostic valide "
                "(lettres minuscules, chiffres et tirets). `diag-tui list` donne les identifiants."
            )
        return self.folder / f"{diagnostic_id}.toml"

    def _ensure_folders(self) -> None:
        for folder in (self.root, self.folder):
            try:
                private_folder(folder)
            except OSError as exc:
                raise _unusable(folder, exc) from None

    def exports_folder(self) -> Path:
        """Where exports go by default: private like the rest, they list the same weaknesses."""
        folder = self.root / "exports"
        self._ensure_folders()
        try:
            private_folder(folder)
        except OSError as exc:
            raise _unusable(folder, exc) from None
        return folder

    def export_path(self, diagnostic_id: str, fmt: str) -> Path:
        """Where `Session.export` writes format `fmt` ("toml", "markdown", "html", "ics") by
        default: a name no file has yet, `<id>-suivi.toml`, then `<id>-suivi-2.toml`, `-3`… An
        export never replaces an earlier one: the organisation may hold it with notes typed in,
        or keep it as the plan it was given at that visit."""
        folder = self.exports_folder()
        name = Path(EXPORT_NAMES[fmt])
        path, n = folder / f"{diagnostic_id}-{name}", 1
        while os.path.lexists(path):
            n += 1
            path = folder / f"{diagnostic_id}-{name.stem}-{n}{name.suffix}"
        return path

    def exports_of(self, diagnostic_id: str) -> list[Path]:
        """The exports of this diagnostic in the exports folder (`export_path`'s names): they
        hold its content too."""
        self.path(diagnostic_id)  # a UserError for what is not an id
        folder = self.root / "exports"
        try:
            present = {entry.name for entry in os.scandir(folder)}
        except OSError:
            return []
        found = []
        for name in map(Path, EXPORT_NAMES.values()):
            own = re.compile(re.escape(f"{diagnostic_id}-{name.stem}") + r"(?:-([1-9][0-9]*))?" + re.escape(name.suffix))
            numbered = sorted((int(m[1] or 1), m[0]) for m in map(own.fullmatch, present) if m)
            found += [folder / file for _, file in numbered if (folder / file).is_file()]
        return found

    def journal_folder(self) -> Path | None:
        """What to pass as `atomic_write(..., journal=)` for a file written outside the data
        folder; None when the data folder cannot be written (the write goes on without)."""
        folder = self.root / JOURNAL
        try:
            private_folder(self.root)
            private_folder(folder)
        except OSError:
            return None
        return folder

    def sweep(self) -> None:
        """Remove the temporary copies that writes killed before their rename left behind."""
        sweep_journal(self.root / JOURNAL)

    def folder_problem(self, exc: OSError) -> UserError | None:
        """What to say when the diagnostics folder, or a file in it, cannot be looked at: nothing
        when the file is simply absent, or the folder too (nothing saved so far); a UserError
        when the folder is unreadable, a file, or a link to a folder that is gone."""
        if isinstance(exc, FileNotFoundError):
            if self.folder.is_dir():
                return None
            if not os.path.lexists(self.folder) and (self.root.is_dir() or not os.path.lexists(self.root)):
                return None
        return _unreadable_folder(self.folder, exc)

    # ---- reading -----------------------------------------------------------------------

    def exists(self, diagnostic_id: str) -> bool:
        return self.path(diagnostic_id).exists()

    def load(self, diagnostic_id: str) -> Diagnostic:
        path = self.path(diagnostic_id)
        try:
            os.lstat(path)
        except OSError as exc:
            raise self.folder_problem(exc) or UserError(
                f"Aucun diagnostic « {diagnostic_id} » dans {self.folder}. `diag-tui list` donne les identifiants."
            ) from None
        diag = self.read_or_set_aside(path)
        if isinstance(diag, str):
            raise UserError(diag)
        return diag

    def listing(
        self, ref: Referential | None = None, previous: storage_index.LoadReport | None = None, only: list[str] | None = None
    ) -> tuple[storage_index.LoadReport, dict[str, storage_index.Summary]]:
        """Every readable diagnostic as a listing shows it (`index.Listed`: no answers; `load`
        gives the whole diagnostic), most recently changed first, unreadable files set aside;
        with `ref`, also what a listing shows of each (progress, measures done) by id. Files
        unchanged since they were last listed or saved come from the index (`storage/index.py`);
        with the `previous` report of this store, only the files that changed since are read
        again, and with `only` too, only these files are looked at (`changed_since`)."""
        return self.scan(ref, previous, only).finish()

    def scan(
        self, ref: Referential | None = None, previous: storage_index.LoadReport | None = None, only: list[str] | None = None
    ) -> storage_index.Scan:
        """`listing` in two steps: this quick one, then `finish()` (see `index.Scan`)."""
        from diag_tui.storage.index import Scan

        return Scan(self, ref, previous, only)

    def changed_since(self, report: storage_index.LoadReport) -> list[str]:
        """The files this store saved or deleted since `report` began (names, for `only`)."""
        return [name for name, n in self._changed.items() if n > report.mark]

    def _changed_now(self, path: Path) -> None:
        self.changes += 1
        self._changed[path.name] = self.changes

    def read_or_set_aside(self, path: Path) -> Diagnostic | str:
        """The diagnostic in `path`; when it cannot be used, the file is moved aside (`quarantine`)
        and the message saying so is returned instead."""
        try:
            return read_diagnostic(path)
        except UnreadableFile as exc:
            return self.quarantine(path, exc.reason)

    def quarantine(self, path: Path, reason: str) -> str:
        """Move an unusable file to `illisibles/` (kept, never deleted) and say so."""
        target_dir = self.root / QUARANTINE
        stamp = now().strftime("%Y%m%d-%H%M%S")
        target = target_dir / f"{path.name}.{stamp}"
        try:
            private_folder(target_dir)
            n = 1
            while target.exists():
                target = target_dir / f"{path.name}.{stamp}-{n}"
                n += 1
            shutil.move(str(path), str(target))
        except OSError as exc:
            return f"{path} : illisible ({reason}) ; impossible de le mettre de côté ({exc.strerror}), il est laissé en place."
        return f"{path.name} : illisible ({reason}). Le fichier est conservé, mis de côté dans {target}."

    # ---- writing -----------------------------------------------------------------------

    def save(self, diag: Diagnostic, row: bool = True) -> Diagnostic:
        """Write `diag` if nobody else saved it since it was loaded; returns the saved copy.
        `row=False`: its row in the listing index is left for the next listing to make."""
        self._ensure_folders()
        path = self.path(diag.id)
        saved = replace(diag, revision=diag.revision + 1)
        data = dump_diagnostic(saved).encode("utf-8")
        if len(data) > MAX_INPUT_BYTES:  # it would be moved aside as unreadable at the next opening
            raise UserError(
                f"{path} : enregistrement refusé : le diagnostic ferait {len(data) // 1024} Kio, trop pour être "
                f"relu ensuite (au plus {MAX_INPUT_BYTES // 1024} Kio). Raccourcissez les notes les plus longues. "
                "La version précédente est intacte."
            )
        with self._write_lock(diag.id):
            current = self._revision_on_disk(path)
            if current is not None and current != diag.revision:
                raise ConflictError(
                    f"Le diagnostic « {diag.id} » a été modifié ailleurs (autre fenêtre ou import) depuis "
                    "son ouverture. Vos modifications ne sont pas écrites par-dessus : rouvrez-le pour "
                    "repartir de la version enregistrée."
                )
            if current is None and diag.revision != 0:
                raise ConflictError(f"Le diagnostic « {diag.id} » a été supprimé entre-temps : rien n'est écrit.")
            try:
                atomic_write(path, data, mode=0o600)
            except OSError as exc:
                raise UserError(
                    f"{path} : enregistrement impossible ({exc.strerror}). La version précédente est intacte."
                ) from None
            signature = _signature(path)
            if signature is not None:
                self._written[path] = (signature, saved.revision)
            if row:
                self.index.record(saved, data)  # its row in the listing index, under the write lock
            self._changed_now(path)
        return saved

    def _revision_on_disk(self, path: Path) -> int | None:
        """The saved file's revision. When the file is still the one this store wrote last (same
        inode, size and modification time), the revision is known without parsing it again."""
        known = self._written.get(path)
        if known is not None and known[0] == _signature(path):
            return known[1]
        self._written.pop(path, None)
        return _revision_on_disk(path)

    def add(self, diag: Diagnostic) -> Diagnostic:
        """Store a diagnostic that is new here (created, or handed over from another machine).
        Its index row is made by the next listing (reading one file takes a millisecond): not
        opening the index saves 3 ms on the way to the first question of `diag-tui start`."""
        if self.exists(diag.id):
            raise ConflictError(f"Un diagnostic « {diag.id} » existe déjà : rien n'est remplacé.")
        return self.save(replace(diag, revision=0), row=False)

    def delete(self, diagnostic_id: str, with_exports: bool = False) -> None:
        """Remove the diagnostic (and its exports, `exports_of`, if asked). Called while holding
        its edit lock (`open_for_edit`), whose release removes the last lock file."""
        path = self.path(diagnostic_id)
        with self._write_lock(diagnostic_id):
            try:
                path.unlink()
            except FileNotFoundError:
                raise UserError(f"Aucun diagnostic « {diagnostic_id} » à supprimer.") from None
            except OSError as exc:
                raise UserError(f"{path} : suppression impossible ({exc.strerror}). Le diagnostic est conservé.") from None
            self._remove_leftovers(path)  # copies of the content too
            self.index.forget(path.name)
            self._changed_now(path)
        if with_exports:
            for export in self.exports_of(diagnostic_id):
                try:
                    export.unlink()
                except OSError as exc:
                    raise UserError(
                        f"{export} : suppression impossible ({exc.strerror}). Le diagnostic est supprimé ; "
                        "supprimez ce fichier vous-même."
                    ) from None

    def _remove_leftovers(self, path: Path) -> None:
        """Temporary files of saves killed before their rename (crash, power cut). Called under
        the write lock: every live writer of this diagnostic holds it, so these are orphans."""
        for leftover in path.parent.glob(f".{path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    # ---- locks -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self, diagnostic_id: str) -> Iterator[None]:
        """Short exclusive lock around read-compare-write."""
        self._ensure_folders()
        path = self.folder / f".{diagnostic_id}.write.lock"
        try:
            fd = _acquire(path, wait=True)
        except OSError as exc:
            raise _unusable(self.folder, exc) from None
        assert fd is not None  # waiting, it always gets the lock
        try:
            yield
        finally:
            release(path, fd)

    def open_for_edit(self, diagnostic_id: str) -> EditLock:
        """Held for as long as a session edits the diagnostic; released on close or process exit."""
        self._ensure_folders()
        lock = EditLock(self.folder / f".{diagnostic_id}.edit.lock", diagnostic_id)
        try:
            lock.acquire()
        except OSError as exc:
            raise _unusable(self.folder, exc) from None
        try:
            with self._write_lock(diagnostic_id):  # once per session rather than once per answer
                self._remove_leftovers(self.path(diagnostic_id))
        except UserError:
            lock.release()
            raise
        return lock


def _open_lock_file(path: Path) -> int:
    """Open or create a lock file, 0600 whatever the umask (and whatever an earlier version left),
    never through a symbolic link: one planted there would have the PID written to its target."""
    if os.path.islink(path):  # O_NOFOLLOW closes the race where the platform has it
        raise UserError(
            f"{path} : ce fichier de verrou est un lien symbolique, ce que diag-tui ne crée jamais ; rien n'a été "
            "écrit, ni dans le lien ni dans le fichier qu'il vise. Supprimez ce lien, puis recommencez."
        )
    fd = os.open(path, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o600)
    try:
        if hasattr(os, "fchmod"):  # not on Windows, where modes mean little
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _acquire(path: Path, wait: bool) -> int | None:
    """The descriptor of lock file `path`, locked; None when another process holds it and not
    `wait`. Lock files are removed on release: a file locked just after its previous holder
    removed it is no longer the lock, so it is opened (created) and locked again."""
    while True:
        fd = _open_lock_file(path)
        try:
            if not lock(fd, wait):
                os.close(fd)
                return None
            if same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _holder(path: Path) -> str:
    """" (processus N)" from the lock file, or "" (Windows forbids reading a locked file)."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        pid = read_bytes(path, 32).decode("ascii").strip()
        if pid.isdigit():
            return f" (processus {pid})"
    return ""


class EditLock:
    def __init__(self, path: Path, diagnostic_id: str):
        self.path, self.diagnostic_id = path, diagnostic_id
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = _acquire(self.path, wait=False)
        if fd is None:
            raise ConflictError(
                f"Le diagnostic « {self.diagnostic_id} » est déjà ouvert dans une autre session{_holder(self.path)}. "
                "Fermez-la d'abord : deux sessions ne peuvent pas le modifier en même temps."
            )
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
        except BaseException:
            release(self.path, fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            release(self.path, self._fd)
            self._fd = None

    def __enter__(self) -> EditLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# ---- file format ---------------------------------------------------------------------------

HEADER = """\
# Diagnostic diag-tui. Fichier géré par l'application : ne le modifiez pas à la main.
# Il contient les points faibles d'une organisation : ne le partagez qu'avec des personnes de confiance.
"""


class UnreadableFile(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def dump_diagnostic(diag: Diagnostic) -> str:
    import tomli_w  # not needed to list: ~6 ms off `diag-tui list`

    data = {"schema_version": SCHEMA_VERSION, **plain(diag)}
    return HEADER + "\n" + tomli_w.dumps(data, multiline_strings=True)


def read_diagnostic(path: Path) -> Diagnostic:
    """Parse, migrate and validate one stored file; UnreadableFile says why it cannot be used."""
    import tomllib  # here: the way to the first question of `start` reads no TOML (2 ms)

    try:
        data = tomllib.loads(read_bytes(path).decode("utf-8"))
    except (IsADirectoryError, NotRegularFile):  # a folder, a named pipe (reading it would hang)...
        raise UnreadableFile("ce n'est pas un fichier ordinaire") from None
    except FileTooBig:
        raise UnreadableFile("fichier anormalement gros") from None
    except RecursionError:
        raise UnreadableFile(TOO_DEEP) from None
    except UnicodeDecodeError:
        raise UnreadableFile("pas du texte UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(toml_syntax_error(str(exc)).removeprefix(", ").removeprefix(" : ").rstrip(".")) from None
    except OSError as exc:
        raise UnreadableFile(f"lecture impossible : {exc.strerror}") from None
    if not data:
        raise UnreadableFile("fichier vide")
    version = data.pop("schema_version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UnreadableFile("version de format absente ou invalide")
    if version > SCHEMA_VERSION:
        raise UnreadableFile(
            f"format {version}, plus récent que celui de cette version de diag-tui ({SCHEMA_VERSION}) : "
            "mettez diag-tui à jour pour l'ouvrir"
        )
    for old in range(version, SCHEMA_VERSION):
        data = MIGRATIONS[old](data)
    try:
        diag = parse(Diagnostic, data)
    except SchemaError as exc:
        raise UnreadableFile("contenu non conforme : " + " ; ".join(exc.problems)[:500]) from None
    if path.stem != diag.id:  # a copy under another name: saving would write to the other file
        raise UnreadableFile(f"il contient le diagnostic « {diag.id} », dont le fichier est {diag.id}.toml")
    return diag


def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 (diag-tui 0.0.x) kept the organisation as a plain name, called the follow-up
    state `suivi` and had no revision, mode or journal."""
    data = dict(data)
    name = data.pop("organisation", None)
    data["organisation"] = {"name": name} if isinstance(name, str) else name
    suivi = data.pop("suivi", {})
    data["measures"] = {mid: {"status": st} for mid, st in suivi.items()} if isinstance(suivi, dict) else suivi
    data.setdefault("mode", "accompagne")
    data.setdefault("updated", data.get("created"))
    return data


def _migrate_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 recomputed the results from the answers as they stood. A diagnostic whose
    follow-up had started gets its results fixed as they last were (`HandedOver`), so that a
    later change of answer no longer moves its plan; the others are fixed at their next export."""
    measures, checkpoints = data.get("measures"), data.get("checkpoints")
    started = bool(measures) or (isinstance(checkpoints, dict) and any(isinstance(c, dict) and c.get("done") for c in checkpoints.values()))
    if not started or "handed_over" in data:
        return data
    given = {"at": data.get("updated"), "answers": data.get("answers", {}), "overrides": data.get("overrides", [])}
    return {**data, "handed_over": given}


def _migrate_3_to_4(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 4 adds `form` (express or full diagnostic); older files are full diagnostics. The
    number changes so that an older diag-tui says to update instead of refusing the key."""
    return data


MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4}  # one per older schema (tests/test_store.py checks it)


def _signature(path: Path) -> tuple[int, ...] | None:
    """What changes whenever the file is replaced or rewritten (each save is a new inode)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _revision_on_disk(path: Path) -> int | None:
    """Revision of the saved file, None if absent; a file we cannot read counts as changed
    (a named pipe swapped in, for one: opened without blocking, it is not read)."""
    try:
        raw = read_bytes(path)
    except FileNotFoundError:  # a new diagnostic: no TOML parser to load on the way to its first question
        return None
    except OSError:
        return -1
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return -1
    revision = data.get("revision", 0)
    return revision if isinstance(revision, int) else -1


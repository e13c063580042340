"""Local store: one TOML file per diagnostic, under the user data folder.

- `DIAG_TUI_HOME`, when set, replaces the platformdirs location.
- Folders are 0700 and files 0600 whatever the umask: the files list an organisation's weak
  points.
- Every save is atomic (see `files.atomic_write`).
- A file that cannot be read is moved to `illisibles/` with a message naming it; the other
  diagnostics still load.
- Older schema versions are migrated on load; a newer one is moved aside, not guessed at.
- Two writers: each save checks that the file's revision is the one that was loaded, under an
  exclusive lock, and refuses otherwise. A session that edits a diagnostic also holds an edit
  lock (`open_for_edit`) so a second window is refused up front.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomli_w

from diag_tui.diagnostic import ID_PATTERN, SCHEMA_VERSION, Diagnostic, now
from diag_tui.errors import UserError
from diag_tui.files import MAX_INPUT_BYTES, atomic_write
from diag_tui.validation import SchemaError, parse, plain

try:  # POSIX; on Windows the revision check alone guards concurrent saves
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

APP_NAME = "diag-tui"
QUARANTINE = "illisibles"


def home() -> Path:
    override = os.environ.get("DIAG_TUI_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def cache_home() -> Path:
    """Data that can be rebuilt at any time (the checked question bank, `referential_cache`)."""
    override = os.environ.get("DIAG_TUI_HOME")
    if override:
        return Path(override).expanduser() / "cache"
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


class ConflictError(UserError):
    """Another session changed or holds the diagnostic."""


def _unusable(path: Path, exc: OSError) -> UserError:
    return UserError(
        f"{path} : dossier de données inutilisable ({exc.strerror}). Rien n'a été modifié. "
        "Vérifiez les droits, ou choisissez un autre dossier avec DIAG_TUI_HOME."
    )


@dataclass(frozen=True)
class LoadReport:
    diagnostics: tuple[Diagnostic, ...]
    problems: tuple[str, ...]  # one message per file moved aside


class Store:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else home()
        self.folder = self.root / "diagnostics"
        self._written: dict[Path, tuple[tuple[int, ...], int]] = {}  # path -> (file signature, revision) of our last save

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
                if not folder.is_dir():
                    folder.mkdir(parents=True, exist_ok=True)
                    os.chmod(folder, 0o700)
                else:  # take away group and other access, never give back a right the owner removed
                    mode = stat.S_IMODE(folder.stat().st_mode)
                    if mode & 0o077:
                        os.chmod(folder, mode & 0o700)
            except OSError as exc:
                raise _unusable(folder, exc) from None

    def exports_folder(self) -> Path:
        """Where exports go by default: private like the rest, they list the same weaknesses."""
        folder = self.root / "exports"
        self._ensure_folders()
        try:
            folder.mkdir(exist_ok=True)
            os.chmod(folder, 0o700)
        except OSError as exc:
            raise _unusable(folder, exc) from None
        return folder

    # ---- reading -----------------------------------------------------------------------

    def exists(self, diagnostic_id: str) -> bool:
        return self.path(diagnostic_id).exists()

    def load(self, diagnostic_id: str) -> Diagnostic:
        path = self.path(diagnostic_id)
        if not path.exists():
            raise UserError(f"Aucun diagnostic « {diagnostic_id} » dans {self.folder}. `diag-tui list` donne les identifiants.")
        try:
            return read_diagnostic(path)
        except UnreadableFile as exc:
            raise UserError(self._quarantine(path, exc.reason)) from None

    def load_all(self) -> LoadReport:
        """Every readable diagnostic, most recently changed first; unreadable files moved aside.

        Files unchanged since the previous call are taken from the index (`store_index`)
        instead of being parsed again."""
        from diag_tui import store_index

        return store_index.load(self)[0]

    def _quarantine(self, path: Path, reason: str) -> str:
        target_dir = self.root / QUARANTINE
        stamp = now().strftime("%Y%m%d-%H%M%S")
        target = target_dir / f"{path.name}.{stamp}"
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            os.chmod(target_dir, 0o700)
            n = 1
            while target.exists():
                target = target_dir / f"{path.name}.{stamp}-{n}"
                n += 1
            shutil.move(str(path), str(target))
        except OSError as exc:
            return f"{path} : illisible ({reason}) ; impossible de le mettre de côté ({exc.strerror}), il est laissé en place."
        return f"{path.name} : illisible ({reason}). Le fichier est conservé, mis de côté dans {target}."

    # ---- writing -----------------------------------------------------------------------

    def save(self, diag: Diagnostic) -> Diagnostic:
        """Write `diag` if nobody else saved it since it was loaded; returns the saved copy."""
        self._ensure_folders()
        path = self.path(diag.id)
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
            saved = replace(diag, revision=diag.revision + 1)
            try:
                atomic_write(path, dump_diagnostic(saved), mode=0o600)
            except OSError as exc:
                raise UserError(
                    f"{path} : enregistrement impossible ({exc.strerror}). La version précédente est intacte."
                ) from None
            signature = _signature(path)
            if signature is not None:
                self._written[path] = (signature, saved.revision)
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
        """Store a diagnostic that is new here (created, or handed over from another machine)."""
        if self.exists(diag.id):
            raise ConflictError(f"Un diagnostic « {diag.id} » existe déjà : rien n'est remplacé.")
        return self.save(replace(diag, revision=0))

    def delete(self, diagnostic_id: str) -> None:
        path = self.path(diagnostic_id)
        with self._write_lock(diagnostic_id):
            try:
                path.unlink()
            except FileNotFoundError:
                raise UserError(f"Aucun diagnostic « {diagnostic_id} » à supprimer.") from None
            except OSError as exc:
                raise UserError(f"{path} : suppression impossible ({exc.strerror}). Le diagnostic est conservé.") from None
            self._remove_leftovers(path)  # copies of the content too
            from diag_tui import store_index

            store_index.forget(self.folder, path.name)

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
        if fcntl is None:  # pragma: no cover
            yield
            return
        self._ensure_folders()
        try:
            handle = open(self.folder / f".{diagnostic_id}.write.lock", "a")
        except OSError as exc:
            raise _unusable(self.folder, exc) from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

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


class EditLock:
    def __init__(self, path: Path, diagnostic_id: str):
        self.path, self.diagnostic_id, self._handle = path, diagnostic_id, None

    def acquire(self) -> None:
        if fcntl is None:  # pragma: no cover
            return
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "inconnu"
            handle.close()
            raise ConflictError(
                f"Le diagnostic « {self.diagnostic_id} » est déjà ouvert dans une autre session "
                f"(processus {holder}). Fermez-la d'abord : deux sessions ne peuvent pas le modifier en même temps."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

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
    data = {"schema_version": SCHEMA_VERSION, **plain(diag)}
    return HEADER + "\n" + tomli_w.dumps(data, multiline_strings=True)


def read_diagnostic(path: Path) -> Diagnostic:
    """Parse, migrate and validate one stored file; UnreadableFile says why it cannot be used."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a folder, a named pipe (reading it would hang)...
            raise UnreadableFile("ce n'est pas un fichier ordinaire")
        if info.st_size > MAX_INPUT_BYTES:
            raise UnreadableFile("fichier anormalement gros")
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise UnreadableFile("pas du texte UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(f"TOML invalide : {exc}") from None
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


MIGRATIONS = {1: _migrate_1_to_2}
assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION)), "one migration per older schema"


def _signature(path: Path) -> tuple[int, ...] | None:
    """What changes whenever the file is replaced or rewritten (each save is a new inode)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _revision_on_disk(path: Path) -> int | None:
    """Revision of the saved file, None if absent; a file we cannot read counts as changed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return -1
    revision = data.get("revision", 0)
    return revision if isinstance(revision, int) else -1


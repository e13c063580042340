"""Reading input files safely, writing files atomically, locking files.

- Every read (`read_bytes`, `read_text_file`, `read_toml`) opens the file without blocking and
  accepts only a regular file, up to a size limit: a named pipe, a device or a socket (given as
  input, or swapped in for a stored file) would otherwise hang the program or never end.
- Every write goes through `atomic_write`: a temporary file in the same directory, flushed and
  synced to the drive, then renamed over the target and the directory synced. A crash at any
  instant leaves either the old file or the new one, never a mix. Only a regular file (or a
  symbolic link, which is replaced, its target left alone) is ever replaced: as root,
  `-o /dev/null` would otherwise turn the device into a plain file.
- A write outside the data folder can record its temporary file in a journal until the rename
  (`journal=`): a process killed meanwhile leaves a full copy of a report that nothing else
  would find; the next start removes it (`sweep_journal`).
- Locks (`lock`, `release`): flock on POSIX; where there is no flock (Windows), the maintained
  portalocker library (msvcrt). On POSIX portalocker would call the same flock, after some 16 ms
  of imports (`importlib.metadata`) on the way to the first question.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from diag_tui.errors import UserError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]

# No legitimate answers, follow-up or question file comes near this; a larger one is a mistake.
MAX_INPUT_BYTES = 5 * 1024 * 1024
WINDOWS = os.name == "nt"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # Windows has no such flag
TOO_DEEP = "imbrication trop profonde (tableaux ou tables imbriqués sur des centaines de niveaux)"
PENDING = ".en-cours"  # suffix of the journal's entries
TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # the names `atomic_write` gives its temporary files


class NotRegularFile(OSError):
    """A named pipe, a device or a socket where a file was expected."""

    def __init__(self, path: Path):
        super().__init__(errno.EINVAL, "ce n'est pas un fichier ordinaire", str(path))


class FileTooBig(OSError):
    """More than the limit; `size` is the file's (None when it grew while being read)."""

    def __init__(self, path: Path, size: int | None):
        super().__init__(errno.EFBIG, "fichier trop volumineux", str(path))
        self.size = size


def read_bytes(path: Path, limit: int | None = MAX_INPUT_BYTES) -> bytes:
    """The content of the regular file `path`, at most `limit` bytes. Raises OSError:
    IsADirectoryError, NotRegularFile, FileTooBig, or what opening or reading raised."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        if WINDOWS and os.path.isdir(path):  # Windows does not open folders
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path)
        if limit is not None and info.st_size > limit:
            raise FileTooBig(path, info.st_size)
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:
                raise FileTooBig(path, None)
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text_file(path: Path, what: str = "fichier") -> str:
    """The text of the UTF-8 file `path` (a BOM is dropped); every failure becomes a UserError
    naming the file and saying what to do."""
    try:
        raw = read_bytes(path)
    except FileNotFoundError:
        raise UserError(f"{path} : {what} introuvable. Vérifiez le chemin.") from None
    except IsADirectoryError:
        raise UserError(f"{path} : c'est un dossier, un {what} est attendu.") from None
    except NotRegularFile:
        raise UserError(
            f"{path} : ce n'est pas un fichier ordinaire (tube, périphérique…) : enregistrez d'abord "
            "son contenu dans un fichier, puis indiquez ce fichier."
        ) from None
    except FileTooBig as exc:
        shown = f"{exc.size // 1024} Kio" if exc.size else f"plus de {MAX_INPUT_BYTES // 1024} Kio"
        raise UserError(
            f"{path} : fichier trop volumineux ({shown}, maximum {MAX_INPUT_BYTES // 1024} Kio). "
            "Est-ce bien le bon fichier ?"
        ) from None
    except OSError as exc:
        raise UserError(f"{path} : lecture impossible ({exc.strerror}).") from None
    if raw.startswith(b"\xef\xbb\xbf"):  # UTF-8 with a BOM, as some Windows editors save it
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(
            f"{path}, ligne {line} : le fichier n'est pas encodé en UTF-8. "
            "Réenregistrez-le en UTF-8 depuis votre éditeur."
        ) from None


def read_toml(path: Path, what: str = "fichier") -> dict[str, Any]:
    """Parse a TOML file; every failure becomes a UserError naming the file and the line."""
    import tomllib  # here: the way to the first question reads no TOML (2 ms)

    text = read_text_file(path, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}{toml_syntax_error(str(exc), text)}") from None
    except RecursionError:  # tomllib recurses once per level: a few hundred "[" are enough
        raise UserError(
            f"{path} : {TOO_DEEP} : ce n'est pas un fichier produit par diag-tui. Vérifiez qu'il s'agit du bon fichier."
        ) from None


# tomllib's messages (Python 3.11 to 3.14) in French: (pattern, text); {name} is what the pattern
# captured (a key, a character), said without Python's notation. Anything else gets a French
# sentence with the position only: its English text is never shown.
_TOML_MESSAGES = (
    ("Invalid statement", "ligne inattendue : une ligne est un en-tête [table], une clé = valeur ou un commentaire #"),
    (
        "Expected newline or end of document after a statement",
        "fin de ligne attendue après la valeur (une seule clé = valeur par ligne ; un texte se met entre guillemets)",
    ),
    ("Expected '=' after a key in a key/value pair", "signe = attendu après la clé"),
    ("Expected ']' at the end of a table declaration", "crochet fermant ] attendu à la fin de l'en-tête de table"),
    ("Expected ']]' at the end of an array declaration", "]] attendu à la fin de l'en-tête [[…]]"),
    ("Expected (?P<name>.+)", "{name} attendu : texte sur plusieurs lignes non refermé"),
    ("Illegal character (?P<name>.+)", "caractère interdit ({name}) dans un texte entre guillemets"),
    ("Found invalid character (?P<name>.+)", "caractère interdit ({name})"),
    ("Cannot declare (?P<name>.+) twice", "la table {name} est déclarée deux fois"),
    ("Cannot overwrite a value", "clé déjà définie plus haut (chaque clé ne s'écrit qu'une fois)"),
    ("Cannot mutate immutable namespace (?P<name>.+)", "{name} est déjà défini en entier plus haut : on ne peut plus y ajouter de clé"),
    ("Cannot redefine namespace (?P<name>.+)", "{name} est déjà défini autrement plus haut"),
    (
        "Invalid initial character for a key part",
        "caractère inattendu au début d'une clé (une clé s'écrit en lettres, chiffres, - et _, ou entre guillemets)",
    ),
    ("Unclosed array", "liste non refermée : crochet fermant ] attendu"),
    ("Duplicate inline table key (?P<name>.+)", "clé {name} en double entre les accolades"),
    ("Unclosed inline table", "table entre accolades non refermée : } attendu"),
    (
        r"Unescaped '\\' in a string",
        r"barre oblique inverse \ isolée dans un texte entre guillemets : doublez-la (\\) ou mettez le texte entre apostrophes",
    ),
    ("Invalid hex value", r"séquence \u ou \U invalide dans un texte"),
    ("Escaped character is not a Unicode scalar value", r"séquence \u ou \U qui ne désigne aucun caractère"),
    ("Unterminated string", "texte non refermé : guillemet fermant attendu"),
    ("Invalid date or datetime", "date ou heure impossible (une date s'écrit AAAA-MM-JJ, sans guillemets, et doit exister)"),
    ("Invalid value", "valeur invalide : un texte se met entre guillemets, une date s'écrit AAAA-MM-JJ, un booléen true ou false"),
)
_CHARACTER_NAMES = {"\n": "retour à la ligne", "\r": "retour chariot", "\t": "tabulation"}


def toml_syntax_error(message: str, text: str = "") -> str:
    """What follows the file's name when tomllib refuses `text`: its `message`, e.g. "Illegal
    character '\\n' (at line 3, column 7)", becomes ", ligne 3, colonne 7 : syntaxe TOML
    invalide : caractère interdit (retour à la ligne) dans un texte entre guillemets."."""
    match = re.fullmatch(r"(?s)(.*) \(at (?:line (\d+), column (\d+)|(end of document))\)", message)
    detail, line, column, end = match.groups() if match else (message, None, None, None)
    if line is not None:
        where = f", ligne {line}, colonne {column}"
    elif end is not None:
        where = f", à la fin du fichier (ligne {max(1, len(text.splitlines()))})"
    else:
        where = ""
    for pattern, french in _TOML_MESSAGES:
        found = re.fullmatch(pattern, detail, flags=re.DOTALL)
        if not found:
            continue
        if "name" not in found.groupdict():
            return f"{where} : syntaxe TOML invalide : {french}."
        name = _toml_name(found["name"])
        if name is not None:
            return f"{where} : syntaxe TOML invalide : {french.format(name=name)}."
        break
    return f"{where} : syntaxe TOML invalide. Vérifiez les guillemets, les crochets et le signe = sur cette ligne ou juste avant."


def _toml_name(python: str) -> str | None:
    """A key, a character or a delimiter as tomllib names it, in Python's notation ('\\n',
    ('a', 'b'), "'''"), said in French."""
    try:
        value = ast.literal_eval(python)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, tuple) and all(isinstance(part, str) for part in value):
        return f"[{'.'.join(value)}]"
    if isinstance(value, str) and len(value) == 1 and not value.isprintable():
        return _CHARACTER_NAMES.get(value, f"caractère de contrôle U+{ord(value):04X}")
    return f"« {value} »" if isinstance(value, str) else None


def private_folder(folder: Path) -> None:
    """Create `folder` 0700 whatever the umask, or take group and other access away from an
    existing one (never giving back a right the owner removed). A symbolic link to a folder is
    the user's choice: the mode of its target is left alone."""
    if folder.is_dir():
        if not folder.is_symlink():
            mode = stat.S_IMODE(folder.stat().st_mode)
            if mode & 0o077:
                os.chmod(folder, mode & 0o700)
        return
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


def atomic_write(path: Path, data: bytes | str, mode: int = 0o600, journal: Path | None = None, overwrite: bool = True) -> None:
    """Replace `path` with `data` so that readers only ever see the old or the new content.
    With `journal` (`Store.journal_folder`), the temporary file is recorded there until renamed.
    With `overwrite=False`, a `path` that exists, even one created while writing, is left alone:
    FileExistsError, and nothing is written."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    _refuse_special(path)
    if not overwrite and os.path.lexists(path):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    directory = path.parent
    # Two things no test on one file system can see, kept on purpose. The temporary file is made
    # in the target's own folder: a rename is atomic only within one file system, and the system
    # temporary folder is often another one (tmpfs). And the folder is synced after the rename
    # (`fsync_directory`): without it, a power cut can bring back the old name's content.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    entry = _record(journal, tmp_name) if journal is not None else None
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            _sync(tmp.fileno())
        os.chmod(tmp_name, mode)
        if overwrite:
            _replace(tmp_name, path)
        else:
            _publish_new(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    finally:
        if entry is not None:
            release(*entry)
    fsync_directory(directory)


def _refuse_special(path: Path) -> None:
    try:
        info = os.lstat(path)
    except OSError:  # absent (the usual case), or a folder on the way: the write itself will say
        return
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise UserError(
            f"{path} n'est pas un fichier ordinaire (dossier, tube, périphérique…) : rien n'y a été écrit. "
            "Choisissez un nom de fichier, ou « -o - » pour la sortie standard."
        )


def _replace(source: str, target: Path) -> None:
    """os.replace. On Windows a file that another process holds open (a reader, an antivirus
    scan) cannot be replaced for a moment: try again a few times before giving up."""
    for delay in (0.05, 0.1, 0.2, 0.4, None):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if not WINDOWS or delay is None:
                raise
            time.sleep(delay)


def _publish_new(source: str, target: Path) -> None:
    """Give the file `source` the name `target` only if no file has it, in one step: a hard link
    fails on an existing name, where a check then a rename would replace a file created between
    the two. Windows' rename already refuses an existing name. A file system without hard links
    (FAT on a USB key, some network shares) gets the check then the rename."""
    if WINDOWS:
        os.rename(source, target)
        return
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.replace(source, target)
        return
    with contextlib.suppress(OSError):  # the file is in place: a leftover second name is harmless
        os.unlink(source)


def _sync(fd: int) -> None:
    """fsync; on macOS it leaves the data in the drive's cache, F_FULLFSYNC writes it out."""
    if hasattr(fcntl, "F_FULLFSYNC"):
        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:  # not supported by this file system (SMB, FAT)
            pass
    os.fsync(fd)


def fsync_directory(directory: Path) -> None:
    """Make a rename durable; not every platform lets a directory be opened, which is fine."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        _sync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


# ---- locks ---------------------------------------------------------------------------------


FLOCK = getattr(fcntl, "flock", None)  # None on Windows: portalocker then


def lock(fd: int, wait: bool = True) -> bool:
    """Lock the open file `fd` for this process alone; False when another one holds it and not
    `wait`. Closing `fd`, or the end of the process, lets go of it."""
    if FLOCK is not None:
        try:
            FLOCK(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True
    import portalocker

    flags = portalocker.LockFlags.EXCLUSIVE
    if not wait:
        flags |= portalocker.LockFlags.NON_BLOCKING
    while True:
        try:
            portalocker.lock(fd, flags)
            return True
        except portalocker.AlreadyLocked:
            if not wait:
                return False
            # Windows stops waiting after about ten seconds even when asked to wait
        except portalocker.LockException as exc:  # e.g. flock on an SMB volume: ENOTSUP
            cause = exc.__cause__
            raise cause if isinstance(cause, OSError) else OSError(errno.ENOLCK, str(exc)) from None


def same_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the file open as `fd` (neither removed nor replaced)."""
    try:
        named = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


def release(path: Path, fd: int) -> None:
    """Remove the lock file `path`, then let go of its lock. It is removed while still locked:
    whoever was waiting for it finds, once it has the lock, that `path` no longer names the file
    it locked (`same_file`) and starts again. Windows cannot remove an open file: there it is
    removed after closing, which fails harmlessly when another process has opened it since."""
    if not WINDOWS:
        with contextlib.suppress(OSError):
            os.unlink(path)
    if FLOCK is not None:
        with contextlib.suppress(OSError):
            FLOCK(fd, fcntl.LOCK_UN)
    else:
        import portalocker

        with contextlib.suppress(portalocker.LockException):
            portalocker.unlock(fd)
    os.close(fd)
    if WINDOWS:
        with contextlib.suppress(OSError):
            os.unlink(path)


# ---- the journal of writes under way -------------------------------------------------------


def _record(journal: Path, temporary: str) -> tuple[Path, int] | None:
    """A locked entry of `journal` naming `temporary`, held until the write is over; None when
    the journal cannot be written: the write goes on, only the clean-up after a crash is lost."""
    try:
        fd, name = tempfile.mkstemp(suffix=PENDING, dir=journal)
    except OSError:
        return None
    entry = Path(name)
    try:
        lock(fd)
        recorded = same_file(fd, entry)  # not when a sweep took the new, empty entry for a dead one
        if recorded:
            os.write(fd, os.fsencode(temporary))
    except OSError:
        recorded = False
    if not recorded:
        release(entry, fd)
        return None
    return entry, fd


def sweep_journal(journal: Path) -> None:
    """Remove the temporary files of writes killed before their rename: their entry is no
    longer locked. Only a file named as `atomic_write` names them is ever removed."""
    try:
        entries = [journal / e.name for e in os.scandir(journal) if e.name.endswith(PENDING)]
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            _sweep(entry)


def _sweep(entry: Path) -> None:
    fd = os.open(entry, os.O_RDWR | NOFOLLOW)
    try:
        held = lock(fd, wait=False)  # not held: its write is still under way
        if held:
            temporary = os.fsdecode(os.read(fd, 4096))
            if os.path.isabs(temporary) and TEMPORARY.fullmatch(os.path.basename(temporary)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
    except BaseException:
        os.close(fd)
        raise
    if held:
        release(entry, fd)
    else:
        os.close(fd)

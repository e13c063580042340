"""Reading TOML input safely and writing files atomically.

Every write goes through `atomic_write`: a temporary file in the same directory, flushed and
fsynced, then `os.replace`d over the target and the directory fsynced. A crash at any instant
leaves either the old file or the new one, never a mix.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from diag_tui.errors import UserError

# No legitimate answers, follow-up or question file comes near this; a larger one is a mistake.
MAX_INPUT_BYTES = 5 * 1024 * 1024


def read_toml(path: Path, what: str = "fichier") -> dict[str, Any]:
    """Parse a TOML file; every failure becomes a UserError naming the file and the line."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UserError(f"{path} : {what} introuvable. Vérifiez le chemin.") from None
    except OSError as exc:
        raise UserError(f"{path} : lecture impossible ({exc.strerror}).") from None
    if path.is_dir():
        raise UserError(f"{path} : c'est un dossier, un {what} TOML est attendu.")
    shown = f"{size // 1024} Kio" if size > MAX_INPUT_BYTES else f"plus de {MAX_INPUT_BYTES // 1024} Kio"
    too_big = UserError(
        f"{path} : fichier trop volumineux ({shown}, maximum {MAX_INPUT_BYTES // 1024} Kio). "
        "Est-ce bien le bon fichier ?"
    )
    if size > MAX_INPUT_BYTES:
        raise too_big
    try:
        # Never more than the limit, whatever stat said: a device or a pipe reports size 0.
        with open(path, "rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise UserError(f"{path} : lecture impossible ({exc.strerror}).") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise too_big
    if raw.startswith(b"\xef\xbb\xbf"):  # UTF-8 with a BOM, as some Windows editors save it
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(
            f"{path}, ligne {line} : le fichier n'est pas encodé en UTF-8. "
            "Réenregistrez-le en UTF-8 depuis votre éditeur."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}{_toml_position(str(exc))}") from None


def _toml_position(message: str) -> str:
    """tomllib's "Expected ... (at line 3, column 7)" -> ", ligne 3, colonne 7 : syntaxe ..."."""
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message)
    if match:
        detail, line, column = match.groups()
        return (
            f", ligne {line}, colonne {column} : syntaxe TOML invalide ({detail}). Vérifiez les "
            "guillemets, les crochets et le signe = sur cette ligne ou juste avant."
        )
    return f" : syntaxe TOML invalide ({message})."


def atomic_write(path: Path, data: bytes | str, mode: int = 0o600) -> None:
    """Replace `path` with `data` so that readers only ever see the old or the new content."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make a rename durable; not every platform lets a directory be opened, which is fine."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)

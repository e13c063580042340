"""A copy of the checked question bank, so that starting the application does not load pydantic.

Checking the bank (pydantic, then the links between tables) costs about 100 ms and 10 MiB at
every start, for files that only change when diag-tui is updated or the bank is edited. After a
successful check, `load` writes the result as JSON in the cache folder, named after a key made
of the bank files (names and bytes) and of the code that checks them; a later start with the
same files and code reads it back without checking anything (`validation.rebuild`).

- Any change to a bank file or to the checking code gives another key, hence a full check.
- A problem in the bank is never cached: it is reported at every start until fixed.
- A cache that is missing, damaged or cannot be written is ignored: the bank is checked, as if
  there were no cache; nothing is reported.
- `diag-tui validate` always checks the files themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from diag_tui import __version__, referential, validation
from diag_tui.files import MAX_INPUT_BYTES, atomic_write
from diag_tui.referential import Referential, default_questions_dir, load_referential

FORMAT = 2
PREFIX = "referentiel-"


def load_bank(folder: Path | None = None) -> Referential:
    """The bank the application works with: `folder`, or the one shipped with diag-tui, through
    the copy kept in the user's cache folder."""
    from diag_tui.store import cache_home

    return load(folder or default_questions_dir(), cache_home())


def load(folder: Path, cache: Path) -> Referential:
    """The bank in `folder`, read from `cache` when it holds a copy of exactly these files."""
    key = _key(Path(folder))
    if key is not None:
        target = cache / f"{PREFIX}{key}.json"
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
            data = json.loads(target.read_bytes())
            ref = validation.rebuild(Referential, data["referential"])
            # The hash is a function of the files, hence of the key: no need to compute it again.
            ref.__dict__["content_hash"] = str(data["content_hash"])
            return ref
    ref = load_referential(folder)  # raises ValidationErrors: nothing is cached then
    if key is not None:
        _write(cache, target, ref)
    return ref


def _key(folder: Path) -> str | None:
    """sha256 of what the checked bank depends on; None when a file cannot be read (the full
    check will say why)."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    try:
        for module in (referential, validation):
            digest.update(Path(module.__file__).read_bytes())
        for path in sorted(folder.glob("*.toml")):
            if path.stat().st_size > MAX_INPUT_BYTES:
                return None
            digest.update(f"\0{path.name}\0".encode())
            digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()[:32]


def _write(cache: Path, target: Path, ref: Referential) -> None:
    data = {"content_hash": ref.content_hash, "referential": validation.plain(ref, keep_none=True)}
    with contextlib.suppress(OSError):  # read-only or full disk: the next start checks again
        cache.mkdir(parents=True, exist_ok=True)
        atomic_write(target, json.dumps(data, ensure_ascii=False), mode=0o600)
        for old in cache.glob(f"{PREFIX}*.json"):  # copies of earlier versions of the bank
            if old != target:
                old.unlink()

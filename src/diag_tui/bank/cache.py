"""A copy of the checked question bank, so that starting the application does not load pydantic.

Checking the bank (pydantic, then the links between tables) costs about 100 ms and 10 MiB at
every start, for files that only change when diag-tui is updated or the bank is edited. After a
successful check, `load` writes the result in the cache folder (`pickle`), named after the
bank's folder and a key made of the bank files (names and bytes) and of the code that checks
them; a later start with the same files and code reads it back without checking it field by
field. Reading it takes 2 ms, against 7 ms for the same bank as JSON rebuilt into dataclasses
(the types of the fields looked up again at each start), on the way to the first question.

- Any change to a bank file or to the checking code gives another key, hence a full check.
  Only older copies of the same folder are removed: `--referentiel OTHER` leaves the copy of
  the shipped bank alone.
- The copy is used only if its bytes have the sha256 recorded when it was written, which is kept
  in the data folder (0700, next to the diagnostics), not in the cache folder: whoever can write
  the cache folder alone cannot change a link or a title shown in the reports. Validating the
  copy with pydantic instead (`schema.parse`) would catch a `javascript:` link but not a
  changed title, and costs most of what the cache saves. Since the bytes are checked before
  they are unpickled, the copy cannot run code either: that takes writing the data folder,
  which is the user's own (0700), as their shell's start-up files are. Measured (a loaded 2-core machine,
  whole process `python -c '...load_bank()'`, median of 15 runs, peak RSS): no check
  168 ms, 21.4 MiB; digest 173 ms, 21.9 MiB (`load` itself 17.4 -> 17.7 ms: the sha256 of
  the 380 KB copy takes 0.3 ms); pydantic on the copy 308 ms, 32.9 MiB; no cache (full
  check) 362 ms, 32.9 MiB.
- The cache folder is 0700, like the data folder.
- A problem in the bank is never cached: it is reported at every start until fixed.
- A copy that is missing, damaged, altered or cannot be written is ignored: the bank is checked,
  as if there were no cache; nothing is reported.
- `diag-tui validate` always checks the files themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from diag_tui import __version__
from diag_tui.bank import referential
from diag_tui.bank.referential import Referential, default_questions_dir
from diag_tui.errors import UserError
from diag_tui.files import atomic_write, private_folder, read_bytes
from diag_tui.paths import cache_home, home

FORMAT = 3  # 3: pickle; 2: JSON
PREFIX = "referentiel-"


def load_bank(folder: Path | None = None) -> Referential:
    """The bank the application works with: `folder`, or the one shipped with diag-tui, through
    the copy kept in the user's cache folder."""
    return load(folder or default_questions_dir(), cache_home(), home())


def load(folder: Path, cache: Path, trusted: Path) -> Referential:
    """The bank in `folder`, read from `cache` when it holds a copy of exactly these files, with
    the digest recorded in the private folder `trusted`."""
    folder = Path(folder)
    key = _key(folder)
    if key is not None:
        tag = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:12]
        target = cache / f"{PREFIX}{tag}-{key}.pickle"
        seal = trusted / f".{PREFIX}{tag}.sha256"
        with contextlib.suppress(Exception):  # whatever is wrong with the copy: checked again, as without one
            raw = read_bytes(target, limit=None)
            if read_bytes(seal, 256) == _seal(target, raw):
                ref = pickle.loads(raw)
                if type(ref) is Referential and type(ref.__dict__.get("content_hash")) is str:
                    return ref
    from diag_tui.bank.loading import load_referential  # the checking code, only when there is no good copy

    ref = load_referential(folder)  # raises ValidationErrors: nothing is cached then
    if key is not None:
        _write(target, seal, tag, ref)
    return ref


def _key(folder: Path) -> str | None:
    """sha256 of what the checked bank depends on; None when a file cannot be read (the full
    check will say why)."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    try:
        code = Path(str(referential.__file__)).parent
        for name in ("referential.py", "loading.py", "schema.py"):  # the types, and the code that checks them
            digest.update(read_bytes(code / name))
        for path in sorted(folder.glob("*.toml")):
            digest.update(f"\0{path.name}\0".encode())
            digest.update(read_bytes(path))
    except OSError:
        return None
    return digest.hexdigest()[:32]


def _seal(target: Path, raw: bytes) -> bytes:
    """What the data folder keeps about the copy `target` holding `raw`."""
    return f"{target.name} {hashlib.sha256(raw).hexdigest()}\n".encode()


def _write(target: Path, seal: Path, tag: str, ref: Referential) -> None:
    ref.content_hash  # noqa: B018  # computed before the copy is made: a function of the files, it goes with it
    raw = pickle.dumps(ref, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError, UserError):  # read-only, full disk, a pipe in the way: checked again next time
        private_folder(target.parent)
        atomic_write(target, raw, mode=0o600)
        private_folder(seal.parent)
        atomic_write(seal, _seal(target, raw), mode=0o600)
        for old in target.parent.glob(f"{PREFIX}*"):
            # earlier copies of this folder's bank (JSON before format 3), and those of diag-tui 0.1
            # (whose names had no folder)
            if old != target and (old.name.startswith(f"{PREFIX}{tag}-") or old.name.count("-") == 1):
                old.unlink()

"""The listing index: what `diag-tui list` and the home screen show of each saved diagnostic,
without parsing every file (the TOML parser is pure Python: about a millisecond for a 5 KiB
diagnostic) nor loading pydantic to check them.

`diagnostics/.index.sqlite3` (SQLite, standard library) holds one row per diagnostic file:
- its signature (size, modification and change times, inode) and the sha256 of its bytes;
- the fields a listing shows (`Listed`): id, organisation, aidant, mode, form, dates, stage,
  previous diagnostic;
- the summary (`Summary`: progress, priorities and how many are done), keyed by the
  referential's hash and the code that computes it (`summary_key`);
- in a second table, what a summary is computed from (`basis`: the answers as option ids, the
  answers handed over, which priority was replaced by which, the measures marked done), so
  that a new referential, or a save, does not mean parsing the file again.

It is only a cache, never the reference:
- `Store.save` writes the row of the diagnostic it saved, `Store.delete` deletes it at once
  (`secure_delete`, then the write-ahead log is emptied: the content must not linger); nothing
  is ever rewritten whole. A listing re-reads only the files whose signature changed, with the
  validating reader (`Store.read_or_set_aside`: a broken file is moved aside and reported).
  Given the `previous` report, it keeps what it knew of the files that did not change; given
  `only` too, it looks at nothing but those files (what this store saved or deleted since:
  the home screen's instant refresh, followed by a look at the whole folder in a thread);
- a row written less than `SETTLE_NS` after its file was last modified is "racy" (a rewrite
  within the file system's timestamp granularity could keep the same signature): it is used
  only after the file's sha256 has been checked again;
- what a row holds does not depend on the version of diag-tui, only on the file and on the
  schema it was read with: after an upgrade the rows are kept, the summaries are computed
  again from the bases when the referential or the engine changed, and only files read by
  another schema are parsed again (unless their migration is listed in `NEUTRAL_MIGRATIONS`);
- an index that is damaged, foreign or of another format (`FORMAT`) is deleted and rebuilt;
  one that is busy, read-only or on a full disk is worked around (files parsed, nothing
  written); nothing is ever reported about it. Two windows may list and save at the same time
  (write-ahead log, short transactions, each row checked against its file anyway);
- it holds what the files hold (answers, names), so it gets the same protection: 0600 in the
  0700 folder, never opened through a symbolic link. The rows are checked for shape when read
  (types, id matching the file name, known values), so that a damaged row cannot break a
  listing.

Bump `FORMAT` whenever what a row holds changes meaning (a column, how a field is computed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import re
import sqlite3
import stat as stat_mode
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any, get_args

from diag_tui.engine import answers as engine_answers
from diag_tui.engine.answers import Override, Progress, normalise, progress
from diag_tui.files import NOFOLLOW, read_bytes
from diag_tui.storage.diagnostic import ID_PATTERN, SCHEMA_VERSION, Diagnostic, Form, Mode
from diag_tui.untrusted import NAME_MAX

if TYPE_CHECKING:
    from diag_tui.bank.referential import Referential
    from diag_tui.storage.store import Store

INDEX_NAME = ".index.sqlite3"
OLD_INDEX = ".index.json"  # diag-tui 0.x kept whole diagnostics there: deleted on sight
FORMAT = 1  # PRAGMA user_version
APPLICATION_ID = 0x64744958  # PRAGMA application_id, "dtIX": tells our index from any other SQLite file
SETTLE_NS = 1_000_000_000
# Schema migrations (`store.MIGRATIONS`, by the version they start from) that change nothing a
# row holds: rows read before them are kept.
NEUTRAL_MIGRATIONS: frozenset[int] = frozenset({3})  # 3 -> 4 adds `form`, "complet" for older files
BUSY_MS = 1000  # a listing or a deletion waits that long for another window's write
SAVE_BUSY_MS = 50  # a save never holds a keystroke up for the index: the next listing re-reads instead
BATCH = 500  # rows per write transaction: another window's save never waits long

ENTRIES = (
    "CREATE TABLE entries (name TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, "
    "inode INTEGER, checked_ns INTEGER, digest BLOB, schema INTEGER, id TEXT, organisation TEXT, aidant TEXT, "
    "mode TEXT, form TEXT, created TEXT, updated TEXT, completed TEXT, stage TEXT, previous TEXT, "
    "summary_key TEXT, answered INTEGER, applicable INTEGER, priorities INTEGER, done INTEGER)"
)
BASES = "CREATE TABLE bases (name TEXT PRIMARY KEY, basis BLOB)"
EXPECTED = {
    ("table", "entries", ENTRIES),
    ("table", "bases", BASES),
    ("index", "sqlite_autoindex_entries_1", None),
    ("index", "sqlite_autoindex_bases_1", None),
}
COLUMNS = (
    "name, size, mtime_ns, ctime_ns, inode, checked_ns, digest, schema, id, organisation, aidant, mode, form, "
    "created, updated, completed, stage, previous, summary_key, answered, applicable, priorities, done"
)
UPSERT = f"INSERT OR REPLACE INTO entries ({COLUMNS}) VALUES ({', '.join('?' * 23)})"
READ_COLUMNS = COLUMNS.replace("digest", "NULL")  # the digest only for the racy rows
UPSERT_BASIS = "INSERT OR REPLACE INTO bases (name, basis) VALUES (?, ?)"

READABLE_SCHEMAS = frozenset(
    v for v in range(1, SCHEMA_VERSION + 1) if all(m in NEUTRAL_MIGRATIONS for m in range(v, SCHEMA_VERSION))
)
MODES: dict[object, str] = {v: v for v in get_args(Mode)}
FORMS: dict[object, str] = {v: v for v in get_args(Form)}
STAGES: dict[object, str] = {v: v for v in ("en_cours", "termine", "en_suivi")}
_ID = re.compile(ID_PATTERN)

Signature = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


@dataclass(frozen=True, slots=True)
class Summary:
    """What a listing shows about a diagnostic beyond its own fields."""

    answered: int
    applicable: int
    priorities: int | None  # number of priority measures, for a completed diagnostic
    done: int | None = None  # of which marked "fait" (a status kept for a measure no longer among them does not count)

    @property
    def percent(self) -> int:
        return Progress(self.answered, self.applicable).percent


@dataclass(frozen=True, slots=True)
class Listed:
    """A saved diagnostic as a listing shows it. Actions that need the whole diagnostic load it
    by id (`Store.load`)."""

    id: str
    organisation: str  # the name, as typed
    aidant: str | None
    mode: str
    form: str
    created: dt.datetime
    updated: dt.datetime
    completed: dt.datetime | None
    stage: str  # "en_cours", "termine", "en_suivi" (`Diagnostic.stage`)
    previous: str | None  # the diagnostic this one follows up


# What a listing knows of one file, kept for the next listing (`previous`):
# (signature, checked_ns, listed, summary, summary key)
Known = tuple[Signature, int, Listed, "Summary | None", "str | None"]


@dataclass(frozen=True)
class LoadReport:
    diagnostics: tuple[Listed, ...]  # most recently changed first
    problems: tuple[str, ...]  # one message per file moved aside
    known: dict[str, Known] = field(default_factory=dict, compare=False, repr=False)  # by file name
    mark: int = field(default=0, compare=False, repr=False)  # `Store.changes` when the listing began
    by_id: dict[str, Summary] = field(default_factory=dict, compare=False, repr=False)  # the summaries


def _newest_first(d: Listed) -> tuple[dt.datetime, str]:
    return (d.updated, d.id)


def listed(diag: Diagnostic) -> Listed:
    return Listed(
        diag.id, diag.organisation.name, diag.aidant, diag.mode, diag.form, diag.created, diag.updated,
        diag.completed, diag.stage, diag.previous,
    )


# ---- summaries -----------------------------------------------------------------------------


def basis(diag: Diagnostic) -> dict[str, Any]:
    """What the summary of `diag` is computed from, whatever the referential: option ids and
    measure ids only (a replacement's reason counts only by being there)."""
    return {
        "answers": diag.answers,
        "given": diag.handed_over.answers if diag.handed_over is not None else None,
        "overrides": [[o.replaced, o.by, bool(o.reason.strip())] for o in diag.given_overrides],
        "fait": sorted(m for m, p in diag.measures.items() if p.status == "fait"),
    }


def summary_of(ref: Referential, basis: dict[str, Any], completed: bool, express: bool) -> Summary:
    """The summary from a `basis`; KeyError, TypeError or ValueError if it is not one."""
    from diag_tui.engine.restitution import restitution  # not needed to answer a question

    answers = normalise(basis["answers"])
    p = progress(ref, answers, express)
    if not completed:
        return Summary(p.answered, p.applicable, None)
    given = basis["given"]
    overrides = tuple(Override(replaced=r, by=b, reason="…" if why else "") for r, b, why in basis["overrides"])
    six = restitution(ref, answers if given is None else normalise(given), overrides, express).priorities  # as handed over
    fait = set(basis["fait"])
    return Summary(p.answered, p.applicable, len(six), sum(1 for priority in six if priority.measure.id in fait))


def summarise(ref: Referential, diag: Diagnostic) -> Summary:
    return summary_of(ref, basis(diag), diag.completed is not None, diag.express)


_KEYS: dict[str, str] = {}


def summary_key(ref: Referential) -> str:
    """What a stored summary must have been computed with: this referential and this code (the
    engine's sources, and the compiled `basis` and `summary_of`): a diag-tui that counts
    otherwise computes the summaries again from the bases, one that only looks otherwise keeps
    them."""
    key = _KEYS.get(ref.content_hash)
    if key is None:
        digest = hashlib.sha256(f"{FORMAT}\0{ref.content_hash}\0".encode())
        for function in (basis, summary_of):
            _digest_code(function.__code__, digest)
        engine = Path(str(engine_answers.__file__))
        for source in (engine, engine.with_name("restitution.py")):
            with contextlib.suppress(OSError):
                digest.update(source.read_bytes())
        key = _KEYS[ref.content_hash] = digest.hexdigest()[:32]
    return key


def _digest_code(code: CodeType, digest: Any) -> None:
    digest.update(code.co_code)
    for const in code.co_consts:  # nested code (comprehensions) by content: its repr holds an address
        if isinstance(const, CodeType):
            _digest_code(const, digest)
        else:
            digest.update(repr(const).encode())


def _pack(data: dict[str, Any]) -> bytes:
    import json  # here: not on the way to the first question (2 ms)

    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def _unpack(blob: object) -> dict[str, Any]:
    import json

    data = json.loads(zlib.decompress(blob))  # type: ignore[arg-type]  # TypeError if not bytes
    if not isinstance(data, dict):
        raise TypeError("not a basis")
    return data


# ---- rows ----------------------------------------------------------------------------------


def _signature(info: os.stat_result) -> Signature:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _settled(checked_ns: int, signature: Signature) -> bool:
    """Whether the content was known to match long enough after the file's last change that
    any later change shows in the signature."""
    return checked_ns - signature[1] > SETTLE_NS


def _row(name: str, signature: Signature, checked_ns: int, digest: bytes, item: Listed,
         key: str | None, summary: Summary | None) -> tuple:
    s = summary
    return (
        name, *signature, checked_ns, digest, SCHEMA_VERSION, item.id, item.organisation, item.aidant, item.mode,
        item.form, item.created.isoformat(), item.updated.isoformat(),
        item.completed.isoformat() if item.completed else None, item.stage, item.previous,
        key if s is not None else None, s and s.answered, s and s.applicable, s and s.priorities, s and s.done,
    )


def _text(value: object, optional: bool = False) -> bool:
    return (optional and value is None) or (type(value) is str and 0 < len(value) <= NAME_MAX)


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def _from_row(row: tuple, name: str) -> Listed | None:
    """The listed diagnostic of a row, None when the row does not have the shape this code
    writes (damage, another tool): the file is read again then."""
    (_, _, _, _, _, _, _, _, did, org, aidant, mode, form, created, updated, completed, stage, previous) = row[:18]
    if type(did) is not str or did + ".toml" != name or not _ID.fullmatch(did):
        return None
    mode, form, stage = MODES.get(mode), FORMS.get(form), STAGES.get(stage)  # one string each, not one a row
    if not (_text(org) and _text(aidant, optional=True) and mode and form and stage):
        return None
    if not (previous is None or (type(previous) is str and _ID.fullmatch(previous))):
        return None
    try:
        return Listed(
            did, org, aidant, mode, form, dt.datetime.fromisoformat(created), dt.datetime.fromisoformat(updated),
            None if completed is None else dt.datetime.fromisoformat(completed), stage, previous,
        )
    except (TypeError, ValueError):
        return None


def _summary_from_row(row: tuple, key: str | None) -> Summary | None:
    row_key, answered, applicable, priorities, done = row[18:23]
    if key is None or row_key != key or not (_count(answered) and _count(applicable)):
        return None
    if not ((priorities is None and done is None) or (_count(priorities) and _count(done))):
        return None
    return Summary(answered, applicable, priorities, done)


@contextlib.contextmanager
def _directory(folder: Path) -> Iterator[Callable[[str], os.stat_result]]:
    """`stat` of a name in `folder`, through a directory descriptor where the platform has
    them: several times faster than resolving each full path again."""
    if os.stat not in os.supports_dir_fd:  # pragma: no cover (Windows)
        yield lambda name: os.stat(folder / name)
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        yield lambda name: os.stat(name, dir_fd=fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Building thousands of objects that all stay alive makes the cyclic garbage collector run
    full passes over the whole heap again and again: the time per diagnostic would grow with
    the size of the store. Nothing built here forms a reference cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ---- the database --------------------------------------------------------------------------


class Unusable(Exception):
    """No index to work with here (none yet, a folder that cannot be written, a lock held)."""


def _damaged(exc: sqlite3.Error) -> bool:
    """A file that is not (or no longer) a sound database: deleted and rebuilt. Busy, locked,
    read-only, full, input-output errors only mean working without it for now."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or (not name and type(exc) is sqlite3.DatabaseError)


class Index:
    """The listing index of one diagnostics folder. Each thread gets its own connection (the
    home screen lists in a worker thread while a save may come from the main one)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / INDEX_NAME
        self._local = threading.local()

    # -- connection

    def connection(self, create: bool) -> sqlite3.Connection:
        """This thread's connection, opened (the file created and set up if `create`) when
        needed, or opened again when another process replaced the file. Raises Unusable."""
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None:
            try:
                info = os.stat(self.path)
                if (info.st_dev, info.st_ino, os.getpid()) == local.file:
                    return conn
            except OSError:
                pass
            if local.file[2] == os.getpid():
                self.close()
            local.conn = None  # a forked child never uses its parent's connection
        conn = self._open(create)
        try:
            info = os.stat(self.path)
        except OSError:
            conn.close()
            raise Unusable from None
        local.conn, local.file = conn, (info.st_dev, info.st_ino, os.getpid())
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def _open(self, create: bool) -> sqlite3.Connection:
        for _ in range(2):
            self._file(create)
            try:
                conn = sqlite3.connect(
                    self.path.absolute().as_uri() + "?nofollow=1", uri=True, timeout=BUSY_MS / 1000,
                    isolation_level=None, check_same_thread=True,
                )
            except sqlite3.Error:
                raise Unusable from None
            try:
                if self._ready(conn):
                    return conn
            except sqlite3.Error as exc:
                conn.close()
                if not _damaged(exc):
                    raise Unusable from None
            else:
                conn.close()
            self.discard()  # damaged, foreign or another format: rebuilt
            if not create:
                raise Unusable
        raise Unusable

    def _file(self, create: bool) -> None:
        """Make sure the index is a private regular file (created, empty, if `create`): never
        a link, a pipe or a folder; SQLite's own files (journal, log) take its mode."""
        try:
            info: os.stat_result | None = os.lstat(self.path)
        except FileNotFoundError:
            info = None
        except OSError:
            raise Unusable from None
        if info is not None and not stat_mode.S_ISREG(info.st_mode):
            self._remove(self.path)
            info = None
        if info is not None:
            if stat_mode.S_IMODE(info.st_mode) != 0o600:
                with contextlib.suppress(OSError):
                    os.chmod(self.path, 0o600)
            return
        if not create:
            raise Unusable
        with contextlib.suppress(OSError):
            (self.folder / OLD_INDEX).unlink()
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600))
        except FileExistsError:  # another window's, just now
            pass
        except OSError:  # a folder that cannot be written, a full disk
            raise Unusable from None

    def _ready(self, conn: sqlite3.Connection) -> bool:
        """Set the connection up; False for a database that is not our index of this format."""
        for pragma in (
            "cache_size = -64",  # KiB: rows are read once per listing, a larger cache only costs memory
            "trusted_schema = OFF",  # whatever the file says, no function runs from its schema
            "secure_delete = ON",  # what is deleted is overwritten
            "synchronous = NORMAL",  # no fsync at each commit: the index may lose its last rows, never get damaged
            "journal_size_limit = 1048576",  # the log is cut back after each checkpoint: old rows do not stay there
            f"busy_timeout = {BUSY_MS}",
        ):
            conn.execute(f"PRAGMA {pragma}")
        if self._is_ours(conn):
            return True
        if conn.execute("PRAGMA application_id").fetchone()[0] or conn.execute("SELECT 1 FROM sqlite_schema").fetchone():
            return False
        conn.execute("BEGIN IMMEDIATE")  # new and empty: set it up, unless another window just did
        try:
            if not conn.execute("SELECT 1 FROM sqlite_schema").fetchone():
                conn.execute(ENTRIES)
                conn.execute(BASES)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {FORMAT}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
        return self._is_ours(conn)

    @staticmethod
    def _is_ours(conn: sqlite3.Connection) -> bool:
        return (
            conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            and conn.execute("PRAGMA user_version").fetchone()[0] == FORMAT
            and set(conn.execute("SELECT type, name, sql FROM sqlite_schema")) == EXPECTED
        )

    @staticmethod
    def _remove(path: Path) -> None:
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()  # only if empty: nothing of anyone's is thrown away
            else:
                path.unlink()

    def discard(self) -> None:
        """Delete the index (damaged, or holding what must not linger); rebuilt when next needed."""
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = self.path.with_name(INDEX_NAME + suffix)
            with contextlib.suppress(FileNotFoundError):
                if os.path.lexists(path):
                    self._remove(path)

    @contextlib.contextmanager
    def _transaction(self, busy_ms: int, create: bool = True) -> Iterator[sqlite3.Connection]:
        conn = self.connection(create)
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """The index is optional: whatever fails is left for the next listing to redo, and a
        damaged file is deleted."""
        try:
            yield
        except Unusable:
            pass
        except sqlite3.Error as exc:
            if _damaged(exc):
                self.discard()
        except (OSError, ValueError, TypeError, RecursionError):  # never a reason for a save to fail
            pass

    # -- row by row

    def record(self, diag: Diagnostic, data: bytes) -> None:
        """The row of the file `Store.save` just wrote with `data`, under the diagnostic's write
        lock. Its summary is left for the next listing (computed from the basis)."""
        name = f"{diag.id}.toml"
        with self._quietly():
            checked = time.time_ns()
            signature = _signature(os.stat(self.folder / name))
            row = _row(name, signature, checked, hashlib.sha256(data).digest(), listed(diag), None, None)
            with self._transaction(SAVE_BUSY_MS) as conn:
                conn.execute(UPSERT, row)
                conn.execute(UPSERT_BASIS, (name, _pack(basis(diag))))

    def forget(self, name: str) -> None:
        """Delete the row of file `name` (deleted): its content must not linger, neither in the
        database nor in its write-ahead log. When that fails, the whole index goes."""
        try:
            with self._transaction(BUSY_MS, create=False) as conn:
                conn.execute("DELETE FROM entries WHERE name = ?", (name,))
                conn.execute("DELETE FROM bases WHERE name = ?", (name,))
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Unusable:
            if os.path.lexists(self.path):
                self.discard()
        except (sqlite3.Error, OSError):
            self.discard()

    def rows(self, names: list[str] | None) -> Iterator[tuple]:
        """The rows of `names`, or all of them (None), one at a time (a listing of thousands
        never holds them all at once), without their digest (`digests`)."""
        conn = self.connection(create=True)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        if names is None:
            yield from conn.execute(f"SELECT {READ_COLUMNS} FROM entries")
            return
        for start in range(0, len(names), BATCH):
            part = names[start:start + BATCH]
            yield from conn.execute(f"SELECT {READ_COLUMNS} FROM entries WHERE name IN ({', '.join('?' * len(part))})", part)

    def digests(self, names: list[str]) -> dict[str, object]:
        conn = self.connection(create=True)
        found: dict[str, object] = {}
        for start in range(0, len(names), BATCH):
            part = names[start:start + BATCH]
            found.update(conn.execute(f"SELECT name, digest FROM entries WHERE name IN ({', '.join('?' * len(part))})", part))
        return found

    def bases(self, names: list[str]) -> dict[str, object]:
        conn = self.connection(create=True)
        found: dict[str, object] = {}
        for start in range(0, len(names), BATCH):
            part = names[start:start + BATCH]
            query = f"SELECT name, basis FROM bases WHERE name IN ({', '.join('?' * len(part))})"
            found.update(conn.execute(query, part))
        return found

    def write(self, rows: list[tuple[tuple, bytes]], summaries: list[tuple], checked: list[tuple],
              gone: list[tuple]) -> None:
        """Store what a listing learnt, in short transactions."""
        with self._quietly():
            for start in range(0, max(len(rows), len(summaries), len(checked), len(gone)), BATCH):
                end = start + BATCH
                with self._transaction(BUSY_MS) as conn:
                    conn.executemany(UPSERT, (row for row, _ in rows[start:end]))
                    conn.executemany(UPSERT_BASIS, ((row[0], blob) for row, blob in rows[start:end]))
                    conn.executemany(
                        "UPDATE entries SET summary_key = ?, answered = ?, applicable = ?, priorities = ?, done = ? "
                        "WHERE name = ? AND size = ? AND mtime_ns = ? AND ctime_ns = ? AND inode = ?",
                        summaries[start:end],
                    )
                    conn.executemany(
                        "UPDATE entries SET checked_ns = ? WHERE name = ? AND size = ? AND mtime_ns = ? AND ctime_ns = ? AND inode = ?",
                        checked[start:end],
                    )
                    # a row saved since the listing began (same name, a new file) stays
                    conn.executemany(
                        "DELETE FROM entries WHERE name = ? AND size IS ? AND mtime_ns IS ? AND ctime_ns IS ? AND inode IS ?",
                        gone[start:end],
                    )
                    conn.executemany(
                        "DELETE FROM bases WHERE name = ? AND NOT EXISTS (SELECT 1 FROM entries WHERE entries.name = bases.name)",
                        ((row[0],) for row in gone[start:end]),
                    )
            if gone:
                self.connection(create=False).execute("PRAGMA wal_checkpoint(TRUNCATE)")


# ---- a listing -----------------------------------------------------------------------------


class Scan:
    """A listing in two steps: this quick one (the folder listed, each file's signature, the rows
    whose file changed), then `finish`, which reads the changed files and computes the missing
    summaries. `pending` says how much `finish` has to do: the home screen runs it in a worker
    thread when that is a lot."""

    def __init__(self, store: Store, ref: Referential | None = None, previous: LoadReport | None = None,
                 only: list[str] | None = None):
        """`previous`: a report of this store, whose rows are kept for the files that did not
        change; with `only` (file names), just these files are looked at again (those this
        store saved or deleted since, `Store.changed_since`), not the whole folder."""
        self.store, self.ref = store, ref
        self.index: Index = store.index
        self.key = summary_key(ref) if ref is not None else None
        self.mark = store.changes  # before looking: a save from now on is seen next time
        self.ready: dict[str, Known] = {}
        self.to_read: list[str] = []
        self.to_verify: list[tuple[str, Known, object]] = []  # racy rows: (name, what they say, digest)
        self.to_summarise: list[tuple[str, Known]] = []
        self.gone: list[tuple] = []  # rows of files no longer there: (name, signature...)
        self.progress = (0, 0)  # (done, total) of `finish`'s long part, for a progress display
        self.cancelled = False  # set from another thread: `finish` stops between two files
        self.previous = previous
        known = previous.known if previous is not None else {}
        partial = previous is not None and only is not None
        signatures: dict[str, Signature | None] = {}
        lookup: list[str] = []
        with _no_gc():
            if partial:
                again = set(only or ())
                self.ready = {name: k for name, k in known.items() if name not in again}
                self._stat_some(sorted(again), signatures)
            else:
                self._stat_all(signatures)
            key = self.key
            for name, signature in signatures.items():
                k = known.get(name)
                if (
                    k is not None and signature is not None and k[0] == signature and signature[1] < k[1] - SETTLE_NS
                    and (ref is None or k[4] == key)
                ):
                    self.ready[name] = k
                else:
                    lookup.append(name)
            self.names = [*self.ready.keys() - signatures.keys(), *signatures] if partial else list(signatures)
            self.again = sorted(only or ()) if partial else None  # the only names looked at again, deleted or not
            self.unchanged = previous is not None and not lookup and len(self.names) == len(known)
            if lookup:
                self._look_up(lookup, signatures, everything=previous is None)

    def _stat_all(self, signatures: dict[str, Signature | None]) -> None:
        """Every diagnostic file of the folder, with its signature (None: let the reader say)."""
        folder = self.store.folder
        try:
            fd = os.open(folder, os.O_RDONLY) if os.scandir in os.supports_fd else None
            try:
                with os.scandir(folder if fd is None else fd) as entries:
                    for entry in entries:  # through the folder's descriptor: no path resolved again
                        name = entry.name
                        if name[-5:] == ".toml" and name[0] != ".":
                            try:
                                info = entry.stat()
                                signatures[name] = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
                            except OSError:  # gone meanwhile, a dangling link
                                signatures[name] = None
                        elif name == OLD_INDEX:  # left by an earlier version: whole diagnostics
                            with contextlib.suppress(OSError):
                                os.unlink(folder / name)
            finally:
                if fd is not None:
                    os.close(fd)
        except OSError as exc:  # never "no diagnostics" for a folder that is there but cannot be read
            problem = self.store.folder_problem(exc)
            if problem is not None:
                raise problem from None

    def _stat_some(self, names: list[str], signatures: dict[str, Signature | None]) -> None:
        try:
            with _directory(self.store.folder) as stat:
                for name in names:
                    try:
                        signatures[name] = _signature(stat(name))
                    except FileNotFoundError:  # deleted
                        pass
                    except OSError:
                        signatures[name] = None
        except OSError as exc:
            problem = self.store.folder_problem(exc)
            if problem is not None:
                raise problem from None

    def _look_up(self, names: list[str], signatures: dict[str, Signature | None], everything: bool) -> None:
        wanted, seen = set(names), set()
        gone: list[tuple] = []
        try:
            for row in self.index.rows(None if everything or len(names) > 2000 else names):
                name = row[0]
                if name in wanted:
                    seen.add(name)
                    self._use(name, signatures[name], row)
                elif everything and name not in signatures:
                    gone.append((name, *row[1:5]))
        except Unusable:
            pass
        except sqlite3.Error as exc:
            if _damaged(exc):
                self.index.discard()
            gone = []
        self.gone = gone
        self.to_read += [name for name in names if name not in seen]
        if self.to_verify:
            try:
                digests = self.index.digests([name for name, _, _ in self.to_verify])
            except (Unusable, sqlite3.Error):
                digests = {}
            self.to_verify = [(name, k, digests.get(name)) for name, k, _ in self.to_verify]

    def _use(self, name: str, signature: Signature | None, row: tuple) -> None:
        """What the row of file `name` says, if it is its row (same signature, read by this
        schema, the expected shape); or the file is to be read."""
        item = checked = None
        if signature is not None and tuple(row[1:5]) == signature and row[7] in READABLE_SCHEMAS:
            item, checked = _from_row(row, name), row[5]
        if signature is None or item is None or type(checked) is not int:
            self.to_read.append(name)
            return
        summary = _summary_from_row(row, self.key) if self.ref is not None else None
        k: Known = (signature, checked, item, summary, self.key if summary is not None else None)
        if not _settled(checked, signature):
            self.to_verify.append((name, k, None))
        elif self.ref is not None and summary is None:
            self.to_summarise.append((name, k))
        else:
            self.ready[name] = k

    @property
    def pending(self) -> int:
        """Files to parse and summaries to compute: what makes `finish` take time."""
        return len(self.to_read) + len(self.to_summarise)

    def finish(self) -> tuple[LoadReport, dict[str, Summary]]:
        """What `Store.listing` returns. May run in another thread (the home screen's worker);
        `progress` says how far it is. Once `cancelled`, it stops reading files, writes to the
        index what it learnt so far and returns an incomplete listing."""
        if self.unchanged and self.previous is not None:  # the same rows: the same tuple and dict
            report = replace(self.previous, problems=(), mark=self.mark)
            return report, dict(report.by_id)
        problems: list[str] = []
        new_rows: list[tuple[tuple, bytes]] = []
        summaries: list[tuple] = []
        checked: list[tuple] = []
        with _no_gc():
            self._verify(checked)
            self.progress = (0, len(self.to_read) + len(self.to_summarise))
            self._summarise(summaries)
            if self.to_read:
                with _directory(self.store.folder) as stat:
                    for name in self.to_read:
                        if self.cancelled:
                            break
                        self._read(name, stat, new_rows, problems)
                        self._step()
        self.index.write(new_rows, summaries, checked, self.gone)
        with _no_gc():
            if self.previous is not None and self.again is not None:
                return self._merged(self.previous, self.again, problems)
            ready = self.ready
            known = {name: ready[name] for name in self.names if name in ready}
            items = sorted((entry[2] for entry in known.values()), key=_newest_first, reverse=True)
            by_id = {entry[2].id: entry[3] for entry in known.values() if entry[3] is not None}
            return LoadReport(tuple(items), tuple(problems), known, self.mark, by_id), dict(by_id)

    def _merged(self, previous: LoadReport, again: list[str], problems: list[str]) -> tuple[LoadReport, dict[str, Summary]]:
        """A partial listing: `previous` with the files looked at `again` (a few), without going
        through thousands of rows more than needed: sorting the previous order with a few rows
        changed is close to linear."""
        known, by_id = dict(previous.known), dict(previous.by_id)
        for name in again:
            entry = self.ready.get(name)
            if entry is None:
                known.pop(name, None)
                by_id.pop(name[:-5], None)
            else:
                known[name] = entry
                if entry[3] is not None:
                    by_id[entry[2].id] = entry[3]
        ids = {name[:-5] for name in again}
        items = [d for d in previous.diagnostics if d.id not in ids]
        items += [entry[2] for name in again if (entry := self.ready.get(name)) is not None]
        items.sort(key=_newest_first, reverse=True)
        return LoadReport(tuple(items), tuple(problems), known, self.mark, by_id), dict(by_id)

    def _step(self) -> None:
        done, total = self.progress
        self.progress = (done + 1, max(total, done + 1))

    def _verify(self, checked: list[tuple]) -> None:
        """The racy rows: used if the file's content is still the one recorded."""
        for name, k, digest in self.to_verify:
            started = time.time_ns()
            try:
                same = hashlib.sha256(read_bytes(self.store.folder / name)).digest() == digest
            except OSError:
                same = False
            if not same:
                self.to_read.append(name)
                continue
            if _settled(started, k[0]):  # known to be the same long after the last change
                checked.append((started, name, *k[0]))
                k = (k[0], started, k[2], k[3], k[4])
            if self.ref is not None and k[3] is None:
                self.to_summarise.append((name, k))
            else:
                self.ready[name] = k

    def _summarise(self, summaries: list[tuple]) -> None:
        """The missing summaries, from the stored bases; a file without one is read."""
        ref, key = self.ref, self.key
        if not self.to_summarise or ref is None:
            return
        try:
            blobs = self.index.bases([name for name, _ in self.to_summarise])
        except (Unusable, sqlite3.Error):
            blobs = {}
        for name, k in self.to_summarise:
            if self.cancelled:
                break
            item = k[2]
            try:
                summary = summary_of(ref, _unpack(blobs[name]), item.completed is not None, item.form == "express")
            except (KeyError, TypeError, ValueError, AttributeError, RecursionError, zlib.error):  # not a basis
                self.to_read.append(name)
                continue
            self.ready[name] = (k[0], k[1], item, summary, key)
            summaries.append((key, summary.answered, summary.applicable, summary.priorities, summary.done, name, *k[0]))
            self._step()

    def _read(self, name: str, stat: Callable[[str], os.stat_result], new_rows: list[tuple[tuple, bytes]],
              problems: list[str]) -> None:
        """Parse one file (moved aside and reported if it cannot be used) and make its row."""
        path = self.store.folder / name
        started = time.time_ns()
        signature: Signature | None = None
        digest = b""
        with contextlib.suppress(OSError):  # the reader says what is wrong, if anything
            signature = _signature(stat(name))
            digest = hashlib.sha256(read_bytes(path)).digest()  # before parsing: a change meanwhile shows
        diag = self.store.read_or_set_aside(path)
        if isinstance(diag, str):
            problems.append(diag)
            return
        item = listed(diag)
        summary = summarise(self.ref, diag) if self.ref is not None else None
        if signature is None or not digest:
            self.ready[name] = ((-1, -1, -1, -1), 0, item, summary, self.key)  # listed, never reused
            return
        self.ready[name] = (signature, started, item, summary, self.key)
        new_rows.append((_row(name, signature, started, digest, item, self.key, summary), _pack(basis(diag))))


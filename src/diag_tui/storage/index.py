"""A cache of the parsed store, so that listing many diagnostics stays fast.

Reading a saved diagnostic costs about 0.25 ms, nearly all of it in the TOML parser (pure
Python); with a thousand diagnostics `diag-tui list` and the home screen would spend a quarter
of a second parsing files that have not changed. The index, `diagnostics/.index.json`, keeps
for each file its signature (size, modification and change times, inode) and the validated
diagnostic as JSON, which pydantic reads back (and checks) about ten times faster. It also keeps what the
list shows that needs the referential (progress, number of priorities), keyed by the
referential's hash.

It is only a cache, never the reference:
- a file whose signature differs from the one recorded is read again from its TOML;
- a file changed less than `SETTLE_NS` before it was read is not recorded (a rewrite within the
  file system's timestamp granularity could otherwise keep the same signature: the "racy git"
  problem);
- an index that is missing, damaged, from another version of diag-tui or not writable is
  ignored and rebuilt; nothing is ever reported about it;
- it holds the same information as the files, so it gets the same protection (0600 in the 0700
  folder, atomic writes), and deleting a diagnostic removes its entry at once.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diag_tui import __version__
from diag_tui.bank.schema import SchemaError, parse_json, to_json
from diag_tui.engine.answers import Progress, progress
from diag_tui.errors import UserError
from diag_tui.files import atomic_write, read_bytes
from diag_tui.storage.diagnostic import SCHEMA_VERSION, Diagnostic

if TYPE_CHECKING:
    from diag_tui.bank.referential import Referential
    from diag_tui.storage.store import Store

INDEX_NAME = ".index.json"
FORMAT = 1
SETTLE_NS = 1_000_000_000


@dataclass(frozen=True)
class LoadReport:
    diagnostics: tuple[Diagnostic, ...]
    problems: tuple[str, ...]  # one message per file moved aside


@dataclass(frozen=True)
class Summary:
    """What a listing shows about a diagnostic beyond its own fields."""

    answered: int
    applicable: int
    priorities: int | None  # number of priority measures, for a completed diagnostic
    done: int | None = None  # of which marked "fait" (a status kept for a measure no longer among them does not count)

    @property
    def percent(self) -> int:
        return Progress(self.answered, self.applicable).percent


def summarise(ref: Referential, diag: Diagnostic) -> Summary:
    from diag_tui.engine.restitution import restitution  # not needed to answer a question

    p = progress(ref, diag.engine_answers)
    if diag.completed is None:
        return Summary(p.answered, p.applicable, None)
    six = restitution(ref, diag.given_answers, diag.given_overrides).priorities  # as handed over
    done = sum(1 for priority in six if diag.status_of(priority.measure.id).status == "fait")
    return Summary(p.answered, p.applicable, len(six), done)


def _signature(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


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


def _header() -> dict[str, Any]:
    return {"format": FORMAT, "diag_tui": __version__, "schema_version": SCHEMA_VERSION}


def _read(folder: Path) -> dict[str, dict[str, Any]] | None:
    """The entries by file name; {} when there is no index, None when it cannot be used."""
    try:
        data = json.loads(read_bytes(folder / INDEX_NAME, limit=None))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or any(data.get(k) != v for k, v in _header().items()):
        return None
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else None


def _write(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    # A diagnostic deleted meanwhile by another process must not come back in the index.
    entries = {name: e for name, e in entries.items() if os.path.lexists(folder / name)}
    text = json.dumps({**_header(), "entries": entries}, ensure_ascii=False, separators=(",", ":"))
    with contextlib.suppress(OSError, UserError):  # read-only folder, disk full, a pipe in its place: the cache is optional
        atomic_write(folder / INDEX_NAME, text, mode=0o600)


def forget(folder: Path, name: str) -> None:
    """Drop the entry of file `name` (deleted): its content must not linger in the cache."""
    entries = _read(folder)
    if entries is None:  # unusable: it may still hold the content, so do not leave it behind
        with contextlib.suppress(OSError):
            (folder / INDEX_NAME).unlink()
    elif entries.pop(name, None) is not None:
        _write(folder, entries)


def _cached_summary(entry: dict[str, Any] | None, ref_hash: str | None) -> Summary | None:
    cached = entry.get("summary") if entry is not None else None
    if not isinstance(cached, dict) or cached.get("ref") != ref_hash:
        return None
    answered, applicable = cached.get("answered"), cached.get("applicable")
    priorities, done = cached.get("priorities"), cached.get("done")
    counts = (priorities is None and done is None) or (type(priorities) is int and type(done) is int)
    if type(answered) is not int or type(applicable) is not int or not counts:
        return None
    return Summary(answered, applicable, priorities, done)


def load(store: Store, ref: Referential | None = None) -> tuple[LoadReport, dict[str, Summary]]:
    """What `Store.listing` returns (see there)."""
    folder = store.folder
    try:
        names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".toml") and not e.name.startswith("."))
    except OSError as exc:  # never "no diagnostics" for a folder that is there but cannot be read
        problem = store.folder_problem(exc)
        if problem is not None:
            raise problem from None
        return LoadReport((), ()), {}
    new: dict[str, dict[str, Any]] = {}
    diagnostics: list[Diagnostic] = []
    summaries: dict[str, Summary] = {}
    problems: list[str] = []
    ref_hash = ref.content_hash if ref is not None else None
    changed = False
    with _no_gc(), _directory(folder) as stat:
        old = _read(folder)
        unusable = old is None
        old = old or {}
        for name in names:
            path = folder / name
            try:
                signature = _signature(stat(name))
            except OSError:  # gone meanwhile, or a dangling link: let the reader say which
                signature = None
            entry = old.get(name)
            diag = None
            if signature is not None and isinstance(entry, dict) and entry.get("sig") == signature:
                with contextlib.suppress(SchemaError, KeyError, TypeError, ValueError):
                    diag = parse_json(Diagnostic, entry["json"])
                if diag is not None and diag.id != path.stem:
                    diag = None
            if diag is None:
                read = store.read_or_set_aside(path)
                if isinstance(read, str):
                    problems.append(read)
                    continue
                diag = read
                entry = None
                if signature is not None and time.time_ns() - signature[1] > SETTLE_NS:
                    entry = {"sig": signature, "json": to_json(diag)}
            diagnostics.append(diag)
            if ref is not None:
                summary = _cached_summary(entry, ref_hash)
                if summary is None:
                    summary = summarise(ref, diag)
                    if entry is not None:
                        entry = {**entry, "summary": {"ref": ref_hash, **summary.__dict__}}
                summaries[diag.id] = summary
            if entry is not None:
                new[name] = entry
                changed = changed or entry is not old.get(name)
    if changed or unusable or new.keys() != old.keys():
        _write(folder, new)
    diagnostics.sort(key=lambda d: (d.updated, d.id), reverse=True)
    return LoadReport(tuple(diagnostics), tuple(problems)), summaries

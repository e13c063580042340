"""Fault injection: processes killed while saving, disks that fill up, read-only data folders,
damaged store files. What was acknowledged is never lost and nothing ends in a traceback."""

from __future__ import annotations

import errno
import os
import random
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from diag_tui import files
from diag_tui.bank.loading import load_referential
from diag_tui.cli import main
from diag_tui.errors import UserError
from diag_tui.session import Session
from diag_tui.storage import store as store_module
from diag_tui.storage.diagnostic import SCHEMA_VERSION
from diag_tui.storage.store import QUARANTINE, Store, read_diagnostic

QUESTIONS = Path(__file__).resolve().parent.parent / "questions"
SEED = 20261122


@pytest.fixture(scope="module")
def ref():
    return load_referential(QUESTIONS)


def some_answers(ref, n: int) -> list[tuple[str, str | list[str]]]:
    """The first `n` questions of the real bank, each answered with its first option."""
    out = []
    for q in ref.questions[:n]:
        out.append((q.id, q.options[0].id if q.kind == "single" else [q.options[0].id]))
    return out


def listing(folder: Path, skip_locks: bool = False) -> dict[str, bytes | None]:
    """Every entry under `folder` with its content (None for folders); lock files hold no data
    (only the pid of the last holder) and the listing index only a copy of what the files hold
    (SQLite writes it, whatever Python is told): both may be left out."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
        if not (skip_locks and (p.name.endswith(".lock") or p.name.startswith(".index.sqlite3")))
    }


# ---- processes killed while saving ---------------------------------------------------------

# One fresh interpreter per lane loads the bank once, then forks a worker per round: starting
# a worker costs a fork, not an interpreter start, so a few hundred kills fit in seconds. Each
# worker resumes the diagnostic (edit lock included) and saves answers in a loop through
# Session/Store, announcing each save ("W") and acknowledging it once it returned ("A"). The
# test kills the worker with SIGKILL; the zygote reaps it and says so ("X"), after which every
# line the worker wrote is already in the pipe.
ZYGOTE = r"""
import os, random, sys, traceback
from pathlib import Path
from diag_tui.bank.referential import OptionKind
from diag_tui.bank.loading import load_referential
from diag_tui.session import Session
from diag_tui.storage.store import Store

root, questions, diagnostic_id = sys.argv[1:4]
ref = load_referential(Path(questions))
store = Store(Path(root))

def say(line):
    os.write(1, (line + "\n").encode())

def work(seed):
    rng = random.Random(seed)
    session = Session.resume(ref, store, diagnostic_id)
    say("R %d" % session.diag.revision)
    while True:
        q = rng.choice(ref.questions)
        roll = rng.random()
        if roll < 0.05:
            value = None
        elif q.kind == "single":
            value = rng.choice(q.options).id
        elif roll < 0.2:
            value = [rng.choice([o.id for o in q.options if o.alone])]
        else:
            ids = [o.id for o in q.options if not o.alone]
            value = rng.sample(ids, rng.randint(1, len(ids)))
        shown = "-" if value is None else value if isinstance(value, str) else "[" + ",".join(value)
        say("W %s %s" % (q.id, shown))  # about to save
        session.answer(q.id, value)
        say("A %d" % session.diag.revision)  # the save returned: acknowledged

for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        try:
            work(int(line))
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)
    say("P %d" % pid)
    _, status = os.waitpid(pid, 0)
    say("X %d" % status)
"""


def _parse_value(text: str):
    if text == "-":
        return None
    if text.startswith("["):
        return text[1:].split(",")
    return text


def _apply(answers: dict, change) -> dict:
    qid, value = change
    out = dict(answers)
    if value is None:
        out.pop(qid, None)
    else:
        out[qid] = value
    return out


@dataclass
class Lane:
    """One diagnostic, saved by a succession of worker processes that get killed."""

    diagnostic_id: str
    path: Path
    acknowledged: dict  # answers whose save returned
    revision: int
    zygote: subprocess.Popen | None = None
    buffer: bytes = b""
    busy: bool = False  # a worker was asked for and has not been reaped yet
    pid: int | None = None
    ready: bool = False  # the worker resumed the diagnostic and is saving
    killed: bool = False
    status: int | None = None  # wait status, once reaped
    pending: tuple | None = None  # the save under way (announced, not acknowledged)
    kill_at: float = 0.0
    acks: int = 0
    temps: set = field(default_factory=set)

    def feed(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for raw in lines:
            kind, _, rest = raw.decode().partition(" ")
            if kind == "P":
                self.pid = int(rest)
            elif kind == "R":
                assert int(rest) == self.revision, "the worker resumed from another revision"
                self.ready = True
            elif kind == "W":
                assert self.pending is None
                qid, _, value = rest.partition(" ")
                self.pending = (qid, _parse_value(value))
            elif kind == "A":
                assert self.pending is not None
                self.acknowledged = _apply(self.acknowledged, self.pending)
                assert int(rest) == self.revision + 1
                self.revision += 1
                self.pending = None
                self.acks += 1
            elif kind == "X":
                self.status = int(rest)
            else:  # pragma: no cover
                raise AssertionError(f"unexpected worker output {raw!r}")


def test_sigkill_while_saving_never_loses_an_acknowledged_answer(ref, tmp_path):
    """Workers save answers in a loop and are killed with SIGKILL after a random delay. After
    every kill the file parses (no quarantine), holds every acknowledged answer, and differs
    from that state at most by the one save that was under way."""
    rng = random.Random(SEED)
    root = tmp_path / "home"
    store = Store(root)
    lanes = []
    for name in ("Boulangerie Martin", "Garage Dupuis"):  # two lanes, two cores
        session = Session.start(ref, store, name)
        for qid, value in some_answers(ref, 3):
            session.answer(qid, value)
        lanes.append(Lane(session.diag.id, store.path(session.diag.id), dict(session.diag.answers), session.diag.revision))
        session.close()

    target_kills, kills, mid_save, temp_left = 300, 0, 0, 0
    errors = tmp_path / "worker-stderr.txt"
    selector = selectors.DefaultSelector()
    started = time.monotonic()
    with open(errors, "wb") as err:
        for lane in lanes:
            lane.zygote = subprocess.Popen(
                [sys.executable, "-c", ZYGOTE, str(root), str(QUESTIONS), lane.diagnostic_id],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
            )
            os.set_blocking(lane.zygote.stdout.fileno(), False)
            selector.register(lane.zygote.stdout, selectors.EVENT_READ, lane)

    def check(lane: Lane) -> None:
        nonlocal kills, mid_save, temp_left
        assert lane.killed and os.WIFSIGNALED(lane.status) and os.WTERMSIG(lane.status) == signal.SIGKILL, (
            "a worker stopped by itself:\n" + errors.read_text(errors="replace")
        )
        kills += 1
        mid_save += lane.pending is not None
        temps = set(lane.path.parent.glob(f".{lane.path.name}.*.tmp"))
        temp_left += bool(temps - lane.temps)  # killed between creating and renaming the temporary file
        lane.temps = temps
        on_disk = read_diagnostic(lane.path)  # raises if the file is not a whole diagnostic
        if on_disk.revision == lane.revision:
            assert on_disk.answers == lane.acknowledged
        else:  # the save under way went through before the kill, its acknowledgement did not
            assert lane.pending is not None and on_disk.revision == lane.revision + 1, (on_disk.revision, lane.revision)
            lane.acknowledged = _apply(lane.acknowledged, lane.pending)
            lane.revision += 1
            assert on_disk.answers == lane.acknowledged
        lane.busy, lane.pid, lane.ready, lane.killed, lane.status, lane.pending = False, None, False, False, None, None

    try:
        while kills < target_kills:
            for lane in lanes:
                if not lane.busy and kills + sum(other.busy for other in lanes) < target_kills:
                    lane.busy = True
                    lane.zygote.stdin.write(b"%d\n" % rng.randrange(2**32))
                    lane.zygote.stdin.flush()
            now = time.monotonic()
            waits = [lane.kill_at - now for lane in lanes if lane.ready and not lane.killed]
            for key, _ in selector.select(timeout=max(0.0, min(waits)) if waits else 1.0):
                lane = key.data
                data = os.read(lane.zygote.stdout.fileno(), 65536)
                assert data, "a zygote died:\n" + errors.read_text(errors="replace")
                was_ready = lane.ready
                lane.feed(data)
                if lane.ready and not was_ready:  # saving starts now: kill at a random point
                    lane.kill_at = time.monotonic() + rng.uniform(0.0, 0.05)
            for lane in lanes:
                if lane.ready and lane.pid and not lane.killed and time.monotonic() >= lane.kill_at:
                    os.kill(lane.pid, signal.SIGKILL)
                    lane.killed = True
                if lane.status is not None:
                    check(lane)
            assert time.monotonic() - started < 120, f"too slow: {kills} kills"
    finally:
        for lane in lanes:
            if lane.pid and lane.status is None and not lane.killed:
                os.kill(lane.pid, signal.SIGKILL)
            lane.zygote.stdin.close()
            try:
                lane.zygote.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                lane.zygote.kill()
                lane.zygote.wait()
            lane.zygote.stdout.close()
    elapsed = time.monotonic() - started
    acks = sum(lane.acks for lane in lanes)
    print(
        f"\n{kills} kills during active saving ({mid_save} between announcing a save and its return, "
        f"{temp_left} leaving a temporary file), {acks} acknowledged saves, {elapsed:.1f} s"
    )

    report = store.listing()[0]
    assert report.problems == ()
    assert not (root / QUARANTINE).exists()
    assert {d.id: store.load(d.id).answers for d in report.diagnostics} == {lane.diagnostic_id: lane.acknowledged for lane in lanes}
    assert kills >= 200
    assert mid_save >= kills // 4, "the kills should often land inside a save"
    assert acks >= kills // 2  # the workers did save between kills
    for lane in lanes:  # the edit lock died with the worker; leftovers of killed writes go away
        session = Session.resume(ref, store, lane.diagnostic_id)
        qid, value = some_answers(ref, 1)[0]
        session.answer(qid, value)
        session.close()
        assert not list(lane.path.parent.glob(f".{lane.path.name}.*.tmp"))


# ---- a write that fails -------------------------------------------------------------------

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _HalfWritten:
    """A temporary file on a full disk: the first half of the data goes in, then ENOSPC."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise ENOSPC

    def __getattr__(self, name):
        return getattr(self.handle, name)


def _fail(*args, **kwargs):
    raise ENOSPC


def _disk_full(monkeypatch, step: str) -> None:
    if step == "mkstemp":
        monkeypatch.setattr(files.tempfile, "mkstemp", _fail)
    elif step == "write":
        real = os.fdopen
        monkeypatch.setattr(files.os, "fdopen", lambda fd, *a, **k: _HalfWritten(real(fd, *a, **k)))
    else:
        monkeypatch.setattr(files.os, step, _fail)


STEPS = ["mkstemp", "write", "fsync", "replace"]


@pytest.mark.parametrize("step", STEPS)
def test_disk_full_keeps_the_previous_file_and_the_session_reports_it(ref, tmp_path, monkeypatch, step):
    store = Store(tmp_path / "home")
    session = Session.start(ref, store, "Boulangerie Martin")
    (q1, v1), (q2, v2), (q3, v3) = some_answers(ref, 3)
    session.answer(q1, v1)
    path = store.path(session.diag.id)
    before = listing(store.folder)

    with monkeypatch.context() as m:
        _disk_full(m, step)
        with pytest.raises(UserError) as info:
            session.answer(q2, v2)
    message = str(info.value)
    assert str(path) in message and "enregistrement impossible" in message and "précédente est intacte" in message
    assert session.unsaved
    assert session.diag.answers[q2] == v2  # kept in memory, not lost
    assert listing(store.folder) == before  # old file intact, no temporary file left
    assert q2 not in read_diagnostic(path).answers

    session.answer(q3, v3)  # the disk has room again: the next change saves both
    assert not session.unsaved
    saved = read_diagnostic(path).answers
    assert saved[q2] == v2 and saved[q3] == v3
    session.close()


@pytest.mark.parametrize("step", STEPS)
def test_disk_full_during_export_keeps_the_previous_export(ref, tmp_path, monkeypatch, step, capsys):
    store = Store(tmp_path / "home")
    session = Session.start(ref, store, "Boulangerie Martin")
    session.answer(*some_answers(ref, 1)[0])
    target = session.export("toml")
    before = listing(target.parent)
    with monkeypatch.context() as m:
        _disk_full(m, step)
        with pytest.raises(UserError) as info:
            session.export("markdown", target)
    assert str(target) in str(info.value) and "export impossible" in str(info.value)
    assert listing(target.parent) == before
    session.close()

    # the same through the command line: exit 2, one message, the old output untouched
    out = tmp_path / "plan.toml"
    out.write_text("ancien contenu\n", encoding="utf-8")
    answers = tmp_path / "reponses.toml"
    answers.write_text('[organisation]\nname = "X"\n', encoding="utf-8")
    with monkeypatch.context() as m:
        _disk_full(m, step)
        code = main(["report", "--answers", str(answers), "-o", str(out), "--remplacer"])
    err = capsys.readouterr().err
    assert code == 2 and str(out) in err and "écriture impossible" in err and "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "ancien contenu\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


# ---- a read-only data folder --------------------------------------------------------------


def _handoff_file(ref, tmp_path) -> tuple[Path, str]:
    """A follow-up file exported on another machine, for a diagnostic unknown here."""
    other = Store(tmp_path / "other-laptop")
    session = Session.start(ref, other, "Cabinet Leroy")
    for qid, value in some_answers(ref, 5):
        session.answer(qid, value)
    path = session.export("toml", tmp_path / "transmis.toml")
    session.close()
    return path, session.diag.id


def _deny_writes_under(monkeypatch, root: Path) -> None:
    """What a 0500 folder does to its owner (when not root): no entry created or removed."""
    root = root.resolve()

    def inside(path) -> bool:
        return Path(path).resolve().is_relative_to(root)

    def refuse(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    real_mkstemp, real_open = tempfile.mkstemp, os.open
    real_unlink, real_mkdir, real_move = Path.unlink, Path.mkdir, store_module.shutil.move

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and inside(dir):
            refuse(dir)
        return real_mkstemp(*args, dir=dir, **kwargs)

    def open_(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and inside(path) and not Path(path).exists():
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def unlink(self, *args, **kwargs):
        if inside(self):
            refuse(self)
        return real_unlink(self, *args, **kwargs)

    def mkdir(self, *args, **kwargs):
        if inside(self) and not self.exists():
            refuse(self)
        return real_mkdir(self, *args, **kwargs)

    def move(src, dst, *args, **kwargs):
        if inside(src) or inside(dst):
            refuse(src)
        return real_move(src, dst, *args, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(store_module.os, "open", open_)
    monkeypatch.setattr(Path, "unlink", unlink)
    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(store_module.shutil, "move", move)


def _read_only_scenario(ref, tmp_path, capsys, make_read_only) -> None:
    home = Store()
    session = Session.start(ref, home, "Boulangerie Martin")  # one diagnostic already here
    session.answer(*some_answers(ref, 1)[0])
    session.close()
    handoff, handoff_id = _handoff_file(ref, tmp_path)
    capsys.readouterr()
    before = listing(home.root, skip_locks=True)
    make_read_only(home.root)

    commands = [
        ["import", str(handoff)],  # a new diagnostic would be added
        ["delete", session.diag.id, "--yes"],
    ]
    for argv in commands:
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, (argv, err)
        assert err.startswith("Erreur : ") and "Traceback" not in err
        assert str(home.root) in err or str(home.folder) in err, err
        assert "impossible" in err or "inutilisable" in err, err
    assert main(["list"]) == 0  # reading still works
    assert session.diag.id in capsys.readouterr().out
    with pytest.raises(UserError) as info:
        Session.start(ref, home, "Garage Dupuis")
    assert "impossible" in str(info.value) or "inutilisable" in str(info.value)
    assert listing(home.root, skip_locks=True) == before
    assert not home.exists(handoff_id)


def test_read_only_data_folder_chmod(ref, tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions; see the simulated variant below")

    def chmod(root: Path) -> None:
        for folder in (root / "diagnostics", root):
            folder.chmod(0o500)

    try:
        _read_only_scenario(ref, tmp_path, capsys, chmod)
    finally:
        for folder in (Store().root, Store().folder):
            if folder.exists():
                folder.chmod(0o700)


def test_read_only_data_folder_simulated(ref, tmp_path, capsys, monkeypatch):
    _read_only_scenario(ref, tmp_path, capsys, lambda root: _deny_writes_under(monkeypatch, root))


# ---- damaged store files ------------------------------------------------------------------


def _valid_file(ref, tmp_path) -> bytes:
    session = Session.start(ref, Store(tmp_path / "scratch"), "Boulangerie Martin")
    for qid, value in some_answers(ref, 6):
        session.answer(qid, value)
    session.close()
    return session.store.path(session.diag.id).read_bytes()


def _damage(kind: str, valid: bytes, path: Path) -> None:
    text = valid.decode("utf-8")
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        cut = valid.index(b'name = "') + 12  # inside a string: the TOML no longer closes
        path.write_bytes(valid[:cut])
    elif kind == "truncated-table":
        path.write_bytes(valid[: valid.index(b"[organisation]") + 5])
    elif kind == "random-bytes":
        path.write_bytes(random.Random(SEED).randbytes(3000))
    elif kind == "wrong-schema":
        path.write_text(text.replace("revision = ", 'couleur = "bleu"\nrevision = '), encoding="utf-8")
    elif kind == "wrong-types":
        path.write_text(text.replace('mode = "accompagne"', "mode = 3"), encoding="utf-8")
    elif kind == "future-schema":
        path.write_text(text.replace(f"schema_version = {SCHEMA_VERSION}", f"schema_version = {SCHEMA_VERSION + 1}"), encoding="utf-8")
    elif kind == "schema-as-text":
        path.write_text(text.replace(f"schema_version = {SCHEMA_VERSION}", f"schema_version = \"{SCHEMA_VERSION}\""), encoding="utf-8")
    elif kind == "invalid-utf8":
        path.write_bytes(text.replace("Boulangerie", "Crêperie").encode("latin-1"))
    elif kind == "huge":
        path.write_bytes(valid + b"# " + b"x" * (files.MAX_INPUT_BYTES + 10) + b"\n")
    elif kind == "other-id":  # a copy under another name: two files would claim one diagnostic
        path.write_bytes(valid)
    elif kind == "directory":
        path.mkdir()
        (path / "dedans.txt").write_text("x", encoding="utf-8")
    elif kind == "fifo":
        os.mkfifo(path)
    else:  # pragma: no cover
        raise AssertionError(kind)


DAMAGE = [
    "empty", "truncated", "truncated-table", "random-bytes", "wrong-schema", "wrong-types", "future-schema",
    "schema-as-text", "invalid-utf8", "huge", "other-id", "directory", "fifo",
]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_file_is_moved_aside_and_list_still_works(ref, tmp_path, capsys, kind):
    if kind == "fifo" and not hasattr(os, "mkfifo"):  # pragma: no cover
        pytest.skip("no named pipes here")
    home = Store()
    good = Session.start(ref, home, "Garage Dupuis")
    good.answer(*some_answers(ref, 1)[0])
    good.close()
    valid = _valid_file(ref, tmp_path)
    bad = home.folder / "20261122-damaged-0bad.toml"
    _damage(kind, valid, bad)
    content = bad.read_bytes() if bad.is_file() else None

    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert good.diag.id in out  # the other diagnostics still load
    assert bad.name in err and "illisible" in err and "mis de côté" in err, err
    assert "Traceback" not in err
    assert not os.path.lexists(bad)
    kept = list((home.root / QUARANTINE).iterdir())
    assert len(kept) == 1 and kept[0].name.startswith(bad.name)
    if content is not None:
        assert kept[0].read_bytes() == content  # moved, never deleted or rewritten
    if kind == "future-schema":
        assert "mettez diag-tui à jour" in err

    assert main(["list", "--json"]) == 0  # once moved aside, no more warning
    assert capsys.readouterr().err == ""
    Session.resume(ref, home, good.diag.id).close()


def test_damaged_file_opened_directly_is_moved_aside(ref, tmp_path, capsys):
    home = Store()
    session = Session.start(ref, home, "Garage Dupuis")
    session.close()
    path = home.path(session.diag.id)
    path.write_bytes(path.read_bytes()[:100])
    assert main(["export", session.diag.id]) == 2
    err = capsys.readouterr().err
    assert path.name in err and "mis de côté" in err and "Traceback" not in err
    assert not path.exists()
    with pytest.raises(UserError):
        Session.resume(ref, home, session.diag.id)
